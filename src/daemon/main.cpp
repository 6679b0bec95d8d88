// renkeid, placeholder stage: loads and validates the catalogue, reloads it on SIGHUP
// (keeping the old one when the new one is invalid) and stops on SIGTERM/SIGINT. The bus,
// route workers and admin HTTP arrive with the daemon issue.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>

#include "renkei/catalogue/config_loader.hpp"

namespace {

void log_problems(const renkei::Diagnostics& d) {
  for (const auto& item : d.sorted()) spdlog::error("{}", item.str());
}

void log_loaded(const renkei::Catalogue& c) {
  spdlog::info("catalogue loaded: {} systems, {} routes", c.systems.size(), c.routes.size());
  if (c.hub.bus.brokers.empty())
    spdlog::warn("bus.brokers is empty: embedded mode, NOT DURABLE (for trials only)");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"renkeid: the renkei integration hub daemon"};
  app.set_version_flag("--version", std::string("renkeid ") + RENKEI_VERSION);
  std::string config = "config/hub.yaml";
  app.add_option("--config", config, "hub.yaml, or the directory holding it")->capture_default_str();
  bool check_only = false;
  app.add_flag("--check", check_only, "Load and validate the configuration, then exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }

  auto loaded = renkei::load_catalogue(config);
  if (!loaded) {
    log_problems(loaded.error());
    spdlog::critical("configuration {} is invalid ({} problems); not starting", config, loaded.error().size());
    return 1;
  }
  renkei::CataloguePtr current = *loaded;
  spdlog::set_level(spdlog::level::from_str(current->hub.log_level));
  log_loaded(*current);
  if (check_only) return 0;

  boost::asio::io_context io;
  boost::asio::signal_set signals(io, SIGTERM, SIGINT, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        if (sig == SIGHUP) {
          auto next = renkei::load_catalogue(config);
          if (next) {
            current = *next;
            spdlog::info("reload: new configuration active");
            log_loaded(*current);
          } else {
            log_problems(next.error());
            spdlog::error("reload: new configuration invalid ({} problems); keeping the old one",
                          next.error().size());
          }
          signals.async_wait(on_signal);  // re-armed before returning: no SIGHUP is lost
          return;
        }
        spdlog::info("signal {}: stopping", sig);
        io.stop();
      };
  signals.async_wait(on_signal);
  spdlog::info("renkeid {} running (placeholder: no bus yet); SIGHUP reloads, SIGTERM stops", RENKEI_VERSION);
  io.run();
  return 0;
}
