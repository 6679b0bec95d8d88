// renkeid: the hub daemon. SIGTERM/SIGINT drain and stop (exit 0); SIGHUP reloads the
// configuration and keeps the old one when the new one is invalid.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>

#include "renkei/guarded_thread.hpp"
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <sys/stat.h>

#include <csignal>

#include "allocator.hpp"
#include "hub.hpp"
#include "renkei/convert/codemaps.hpp"
#include "renkei/json_log.hpp"
#include "service_notifier.hpp"
#include "stop_deadline.hpp"
#include "renkei/catalogue/config_loader.hpp"

namespace {

// Everything after the command line: load, check or serve.
int run(const std::string& config, bool check_only) {
  auto loaded = renkei::load_catalogue(config);
  if (!loaded) {
    for (const auto& d : loaded.error().sorted()) spdlog::error("{}", d.str());
    spdlog::critical("configuration {} is invalid ({} problems); not starting", config, loaded.error().size());
    return 1;
  }
  spdlog::set_level(spdlog::level::from_str((*loaded)->hub.log_level));
  spdlog::info("catalogue loaded: {} systems, {} routes", (*loaded)->systems.size(), (*loaded)->routes.size());
  if (check_only) {
    auto maps = renkei::load_codemaps(**loaded);
    if (!maps) {
      for (const auto& d : maps.error().sorted()) spdlog::error("{}", d.str());
      spdlog::critical("codemaps are invalid ({} problems)", maps.error().size());
      return 1;
    }
    if (auto b = renkei::check_bus_settings((*loaded)->hub.bus); !b) {
      spdlog::critical("{}", b.error().message);
      return 1;
    }
    if (auto cal = renkei::Hub::load_calendar(**loaded); !cal) {
      spdlog::critical("{}", cal.error());
      return 1;
    }
    return 0;
  }

  boost::asio::io_context io;
  // Registered before any thread starts, so no signal meets the default action.
  boost::asio::signal_set signals(io, SIGTERM, SIGINT, SIGHUP);
  auto hub = renkei::Hub::start(io, *loaded, config);
  if (!hub) {
    spdlog::critical("cannot start: {}", hub.error());
    return 1;
  }
  renkei::ServiceNotifier notifier;
  // Read once at start, as the bus settings are: a reload does not move it.
  const std::chrono::seconds stop_timeout((*loaded)->hub.stop_timeout_s);
  std::optional<renkei::StopDeadline> stop_deadline;
  std::function<void(const boost::system::error_code&, int)> on_signal = [&](const boost::system::error_code& ec,
                                                                              int sig) {
    if (ec) return;
    if (sig == SIGHUP) {
      notifier.reloading();
      const bool ok = (*hub)->reload();
      // READY=1 ends the reload either way: `systemctl reload` returns, the status says how.
      notifier.ready(ok ? "running; configuration reloaded" : "running; reload refused, old configuration kept");
      signals.async_wait(on_signal);  // re-armed after each: a SIGHUP during a reload is queued, not lost
      return;
    }
    spdlog::info("signal {}: stopping (at most {} s: hub.stop_timeout_s)", sig, stop_timeout.count());
    notifier.stopping();
    if (!stop_deadline) stop_deadline.emplace(stop_timeout);
    (*hub)->stop();
    io.stop();
  };
  signals.async_wait(on_signal);

  // Readiness waits for the bus; the watchdog is pinged from this event loop, so a stuck
  // loop (not just a live process) is what systemd restarts.
  boost::asio::steady_timer ready_timer(io), watchdog_timer(io);
  std::function<void(const boost::system::error_code&)> check_ready = [&](const boost::system::error_code& ec) {
    if (ec) return;
    if ((*hub)->ready()) {
      notifier.ready("running");
      return;
    }
    ready_timer.expires_after(std::chrono::milliseconds(100));
    ready_timer.async_wait(check_ready);
  };
  check_ready({});
  const auto period = notifier.watchdog_period();
  std::function<void(const boost::system::error_code&)> ping = [&](const boost::system::error_code& ec) {
    if (ec) return;
    notifier.watchdog();
    watchdog_timer.expires_after(period);
    watchdog_timer.async_wait(ping);
  };
  if (period.count() > 0) ping({});
  spdlog::info("renkeid {} running ({}); SIGHUP reloads, SIGTERM stops", RENKEI_VERSION, renkei::allocator_summary());
  // A handler that throws ends io.run() with the exception; the loop serves /healthz, the
  // watchdog and signals, so it is logged and run again (Asio allows that) until stopped.
  while (!io.stopped()) {
    if (auto failed = renkei::run_catching([&] { io.run(); })) {
      ++renkei::guarded_thread_restarts();
      spdlog::error("admin event loop: {}; serving again", *failed);
    }
  }
  hub->reset();
  stop_deadline.reset();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // JSON lines on stdout (journald keeps them whole), every message through the 個人番号 mask.
  renkei::use_json_logs();
  // Personal data: nothing renkeid writes is readable by others (files 0640, dirs 0750).
  ::umask(027);
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

  // The loaders report problems as values; should anything throw all the same (a
  // filesystem error nobody foresaw), --check and start-up end with exit 1 and the
  // reason, not an abort.
  try {
    return run(config, check_only);
  } catch (const std::exception& e) {
    spdlog::critical("{}: unexpected failure: {}", config, e.what());
    return 1;
  }
}
