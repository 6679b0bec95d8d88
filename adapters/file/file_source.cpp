#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "file/file_adapter.hpp"
#include "line_unit_reader.hpp"
#include "renkei/posix_file.hpp"
#include "renkei/sha256.hpp"

namespace fs = std::filesystem;

namespace renkei::adapters {

std::string route_dir(const std::string& base, int route_id) {
  return (fs::path(base) / interface_label(route_id)).string();
}

std::string delivered_name(const std::string& batch_id, const std::string& source_name) {
  return batch_id + "_" + source_name;
}

namespace {

constexpr std::string_view kDoneSuffix = ".done";
constexpr const char* kProcessed = "processed";

AdapterError transient(const IoError& e) { return AdapterError{true, "io", e.message}; }

class FileSource final : public Source {
 public:
  FileSource(const SystemDef& system, const Catalogue& catalogue)
      : outbox_(system.adapter.settings.at("outbox")),
        done_marker_(system.adapter.settings.at("ready") == "done-marker") {
    // Its own routes out and those it relays as a hop (gw-server: routes 21–26).
    for (const auto* r : catalogue.routes_collected_by(system.id)) routes_.push_back(r->id);
  }

  AdapterResult<> open() override {
    for (int id : routes_)
      if (auto r = make_dirs((fs::path(route_dir(outbox_, id)) / kProcessed).string()); !r)
        return std::unexpected(transient(r.error()));
    return {};
  }

  AdapterResult<std::vector<SourceUnit>> scan() override {
    struct Found {
      SourceUnit unit;
      int64_t mtime_ns;
    };
    std::vector<Found> found;
    for (int id : routes_) {
      std::error_code ec;
      auto dir = route_dir(outbox_, id);
      for (const auto& e : fs::directory_iterator(dir, ec)) {
        auto name = e.path().filename().string();
        // Temp names start with '.'; markers are not data.
        if (name.starts_with('.') || name.ends_with(kDoneSuffix)) continue;
        struct stat st {};
        if (::stat(e.path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        if (done_marker_ && !fs::exists(e.path().string() + std::string(kDoneSuffix))) continue;
        int64_t mtime = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
        SourceUnit u;
        u.route_id = id;
        u.name = name;
        u.path = e.path().string();
        u.size = static_cast<uint64_t>(st.st_size);
        u.batch_id = batch_id(id, name, st, mtime);
        found.push_back({std::move(u), mtime});
      }
      if (ec) return std::unexpected(AdapterError{true, "io", "list " + dir + ": " + ec.message()});
    }
    std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
      return std::tie(a.mtime_ns, a.unit.name) < std::tie(b.mtime_ns, b.unit.name);
    });
    std::vector<SourceUnit> out;
    for (auto& f : found) out.push_back(std::move(f.unit));
    return out;
  }

  AdapterResult<BatchEnd> read(const SourceUnit& unit,
                               const std::function<bool(std::string_view)>& on_record) override {
    return read_line_unit(unit, on_record);
  }

  AdapterResult<> complete(const SourceUnit& unit) override {
    auto target = (fs::path(route_dir(outbox_, unit.route_id)) / kProcessed / delivered_name(unit.batch_id, unit.name)).string();
    if (auto r = rename_durably(unit.path, target); !r) return std::unexpected(transient(r.error()));
    if (done_marker_) {
      std::error_code ec;
      fs::remove(unit.path + std::string(kDoneSuffix), ec);
    }
    return {};
  }

  void close() override {}

 private:
  // Same file, same id: a file re-read after a crash is recognised downstream. A file
  // sent again (new mtime or inode) is a new batch.
  static std::string batch_id(int route, const std::string& name, const struct stat& st, int64_t mtime_ns) {
    std::string key = std::to_string(route) + "|" + name + "|" + std::to_string(st.st_size) + "|" +
                      std::to_string(mtime_ns) + "|" + std::to_string(st.st_ino);
    std::time_t secs = st.st_mtim.tv_sec;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    return std::string(stamp) + "-" + sha256_hex(key).substr(0, 16);
  }

  std::string outbox_;
  bool done_marker_;
  std::vector<int> routes_;
};

}  // namespace

std::unique_ptr<Source> make_file_source(const SystemDef& system, const Catalogue& catalogue) {
  return std::make_unique<FileSource>(system, catalogue);
}

}  // namespace renkei::adapters
