// The http kind's polling side: a run of a route whose source is an http system with a
// `pull_url` GETs that day's data from the system. The answer lands in a spool of its
// own (<pull_dir>/<NNN>/, temp name, fsync, rename) and is carried from there like any
// file, so a crash after the GET never asks the peer again and never loses the answer.
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>

#include "http/http_adapter.hpp"
#include "http/http_client.hpp"
#include "line_unit_reader.hpp"
#include "sink_support.hpp"
#include "renkei/posix_file.hpp"
#include "renkei/sha256.hpp"
#include "renkei/text.hpp"

namespace fs = std::filesystem;

namespace renkei::adapters {

namespace {

constexpr const char* kProcessed = "processed";

AdapterError io_error(std::string detail) { return AdapterError{true, "io", std::move(detail)}; }

// "2026-11-25" → "20261125"; empty when the text is not a date of that form.
std::string compact_date(const std::string& date) {
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return {};
  std::string out = date.substr(0, 4) + date.substr(5, 2) + date.substr(8, 2);
  if (out.find_first_not_of("0123456789") != std::string::npos) return {};
  return out;
}

std::expected<std::string, std::string> sha256_of_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected("open " + path);
  Sha256 sum;
  std::string buf(1 << 20, '\0');
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    sum.update(std::string_view(buf.data(), static_cast<std::size_t>(in.gcount())));
  }
  if (in.bad()) return std::unexpected("read " + path);
  return sum.hex();
}

class HttpPullSource final : public Source {
 public:
  HttpPullSource(const SystemDef& system, const Catalogue& catalogue)
      : system_id_(system.id),
        url_(system.adapter.settings.at("pull_url")),
        dir_(system.adapter.settings.at("pull_dir")),
        timeout_(positive_setting(system, "pull_timeout_ms", 300'000)),
        interval_(positive_setting(system, "pull_interval_ms", 60'000)),
        max_bytes_(static_cast<std::uint64_t>(positive_setting(system, "max_pull_bytes", 1LL << 30))) {
    if (auto it = system.adapter.settings.find("pull_token_file"); it != system.adapter.settings.end())
      token_file_ = it->second;
    for (const auto* r : catalogue.routes_collected_by(system.id)) routes_.push_back(r->id);
  }

  AdapterResult<> open() override {
    for (int id : routes_) {
      if (auto r = make_dirs((fs::path(route_dir(id)) / kProcessed).string()); !r) return std::unexpected(io_error(r.error().message));
      if (auto u = parse_http_url(expand_pull_url(url_, id, system_id_, "2000-01-01")); !u)
        return std::unexpected(AdapterError{true, "config", "system " + system_id_ + ": pull_url: " + u.error()});
    }
    return {};
  }

  // Units are named <NNN>-<YYYYMMDD>-<first 12 hex of the content's sha256>: the date
  // says which run they belong to, the hash makes a changed answer a new batch while the
  // same answer fetched again is the same one (the target skips it).
  AdapterResult<std::vector<SourceUnit>> scan() override {
    std::vector<SourceUnit> out;
    for (int id : routes_) {
      std::error_code ec;
      const auto dir = route_dir(id);
      for (const auto& e : fs::directory_iterator(dir, ec)) {
        auto name = e.path().filename().string();
        auto date = date_of_name(id, name);
        if (!date) continue;  // temp names, processed/, strangers
        struct stat st {};
        if (::stat(e.path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        SourceUnit u;
        u.route_id = id;
        u.name = name;
        u.path = e.path().string();
        u.size = static_cast<std::uint64_t>(st.st_size);
        u.batch_id = "pull-" + compact_date(*date) + "-" +
                     sha256_hex(system_id_ + "|" + std::to_string(id) + "|" + name).substr(0, 16);
        u.business_date = *date;
        out.push_back(std::move(u));
      }
      if (ec) return std::unexpected(io_error("list " + dir + ": " + ec.message()));
    }
    std::sort(out.begin(), out.end(), [](const SourceUnit& a, const SourceUnit& b) { return a.name < b.name; });
    return out;
  }

  AdapterResult<BatchEnd> read(const SourceUnit& unit, const std::function<bool(std::string_view)>& on_record) override {
    return read_line_unit(unit, on_record);
  }

  AdapterResult<> complete(const SourceUnit& unit) override {
    auto target = (fs::path(route_dir(unit.route_id)) / kProcessed / unit.name).string();
    if (auto r = rename_durably(unit.path, target); !r) return std::unexpected(io_error(r.error().message));
    return {};
  }

  bool pulls() const override { return true; }
  void cancel_pulls() override { cancelled_ = true; }
  std::chrono::milliseconds pull_interval() const override { return interval_; }

  AdapterResult<PullOutcome> pull(int route_id, const std::string& business_date) override {
    const std::string day = compact_date(business_date);
    if (day.empty()) return std::unexpected(AdapterError{false, "config", "business date '" + business_date + "'"});
    if (already_fetched(route_id, day)) return PullOutcome::Ready;
    if (cancelled_) return std::unexpected(AdapterError{true, "stopped", "pull cancelled: the hub is stopping"});
    auto url = parse_http_url(expand_pull_url(url_, route_id, system_id_, business_date));
    if (!url) return std::unexpected(AdapterError{true, "config", "system " + system_id_ + ": pull_url: " + url.error()});
    std::vector<std::pair<std::string, std::string>> headers{{"Renkei-Interface", interface_label(route_id)},
                                                             {"Renkei-Business-Date", business_date}};
    if (!token_file_.empty()) {
      auto token = read_token();
      if (!token) return std::unexpected(token.error());
      headers.emplace_back("Authorization", "Bearer " + *token);
    }
    const auto dir = route_dir(route_id);
    const auto temp = (fs::path(dir) / ("." + interface_label(route_id) + "-" + day + ".part")).string();
    HttpClient client;  // per pull: pulls of two routes may run at once
    auto answer = client.get_to_file(*url, headers, temp, max_bytes_, timeout_, &cancelled_);
    auto drop_temp = [&] {
      std::error_code ec;
      fs::remove(temp, ec);
    };
    const std::string what = "GET " + system_id_ + " for " + business_date;
    if (!answer) {
      drop_temp();
      return std::unexpected(io_error(what + ": " + answer.error()));
    }
    const int s = answer->status;
    if (s != 200) {
      drop_temp();
      // Not produced yet: the run asks again until its deadline, then it is `missing`.
      if (s == 202 || s == 204 || s == 404) return PullOutcome::NotYet;
      const std::string told = what + " answered " + std::to_string(s) + (answer->reason.empty() ? "" : " " + answer->reason);
      // Refused or malformed requests need an admin (URL, token), not a faster retry;
      // they stay errors that the run reports, and the runner keeps backing off.
      return std::unexpected(AdapterError{s >= 500 || s == 408 || s == 429, "source-refused", told});
    }
    auto sum = sha256_of_file(temp);
    if (!sum) {
      drop_temp();
      return std::unexpected(io_error(what + ": " + sum.error()));
    }
    const auto name = interface_label(route_id) + "-" + day + "-" + sum->substr(0, 12);
    if (auto r = rename_durably(temp, (fs::path(dir) / name).string()); !r) {
      drop_temp();
      return std::unexpected(io_error(r.error().message));
    }
    return PullOutcome::Ready;
  }

  void close() override {}

 private:
  std::string route_dir(int id) const { return (fs::path(dir_) / interface_label(id)).string(); }

  // "<NNN>-<YYYYMMDD>-<hash>" → "YYYY-MM-DD"
  static std::optional<std::string> date_of_name(int route_id, const std::string& name) {
    const auto prefix = interface_label(route_id) + "-";
    if (!name.starts_with(prefix) || name.size() != prefix.size() + 8 + 1 + 12 || name[prefix.size() + 8] != '-')
      return std::nullopt;
    const auto day = name.substr(prefix.size(), 8);
    if (day.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    return day.substr(0, 4) + "-" + day.substr(4, 2) + "-" + day.substr(6, 2);
  }

  // Fetched before: waiting to be carried, or carried already (processed/).
  bool already_fetched(int route_id, const std::string& day) const {
    const auto prefix = interface_label(route_id) + "-" + day + "-";
    for (const auto& d : {fs::path(route_dir(route_id)), fs::path(route_dir(route_id)) / kProcessed}) {
      std::error_code ec;
      for (const auto& e : fs::directory_iterator(d, ec))
        if (e.path().filename().string().starts_with(prefix)) return true;
    }
    return false;
  }

  AdapterResult<std::string> read_token() const {
    std::ifstream in(token_file_);
    std::string token;
    if (!in || !std::getline(in, token))
      return std::unexpected(AdapterError{true, "config", "system " + system_id_ + ": cannot read pull_token_file " + token_file_});
    while (!token.empty() && (token.back() == '\r' || token.back() == ' ' || token.back() == '\t')) token.pop_back();
    if (token.empty())
      return std::unexpected(AdapterError{true, "config", "system " + system_id_ + ": pull_token_file " + token_file_ + " is empty"});
    return token;
  }

  std::string system_id_;
  std::string url_;
  std::string dir_;
  std::string token_file_;
  std::chrono::milliseconds timeout_;
  std::chrono::milliseconds interval_;
  std::uint64_t max_bytes_;
  std::vector<int> routes_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace

std::string expand_pull_url(std::string url, int route_id, const std::string& system_id,
                            const std::string& business_date) {
  url = expand_url(std::move(url), route_id, system_id);
  replace_all(url, "{date}", business_date);
  replace_all(url, "{yyyymmdd}", compact_date(business_date));
  return url;
}

std::unique_ptr<Source> make_http_pull_source(const SystemDef& system, const Catalogue& catalogue) {
  if (!system.adapter.settings.contains("pull_url")) return nullptr;
  return std::make_unique<HttpPullSource>(system, catalogue);
}

}  // namespace renkei::adapters
