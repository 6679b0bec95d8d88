#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <tuple>
#include <utility>

#include "file/file_adapter.hpp"
#include "line_unit_reader.hpp"
#include "renkei/outside_value.hpp"
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

// An fd closed when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// The refusal reason and the words for the log line, for what is not a regular file.
struct Kind {
  SpoolRefusalReason reason;
  const char* words;
};
Kind kind_of(mode_t mode) {
  if (S_ISLNK(mode)) return {SpoolRefusalReason::Symlink, "a symbolic link"};
  if (S_ISFIFO(mode)) return {SpoolRefusalReason::Fifo, "a FIFO"};
  if (S_ISCHR(mode) || S_ISBLK(mode)) return {SpoolRefusalReason::Device, "a device"};
  if (S_ISSOCK(mode)) return {SpoolRefusalReason::Socket, "a socket"};
  if (S_ISDIR(mode)) return {SpoolRefusalReason::Directory, "a directory"};
  return {SpoolRefusalReason::OtherType, "not a regular file"};
}

// How a refused entry is named in a log line: never the raw bytes.
std::string log_name(const std::string& raw) {
  auto name = SpoolName::parse(raw);
  if (name) return "'" + escape_for_log(name->str()) + "'";
  return "a name that is not valid (" + name.error().problem + " at byte " + std::to_string(name.error().offset) + ")";
}

int64_t mtime_ns(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

class FileSource final : public Source {
 public:
  FileSource(const SystemDef& system, const Catalogue& catalogue)
      : outbox_(system.adapter.settings.at("outbox")),
        done_marker_(system.adapter.settings.at("ready") == "done-marker") {
    // Its own routes out and those it relays as a hop (gw-server: routes 21–26).
    for (const auto* r : catalogue.routes_collected_by(system.id)) {
      routes_.push_back(r->id);
      if (const LayoutDef* l = catalogue.layout_of(*r);
          l && l->format == LayoutFormat::Fixed && l->framing == LayoutDef::Framing::None)
        fixed_records_[r->id] = l->record_length;
    }
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
    std::set<RefusalKey> seen;
    for (int id : routes_) {
      auto dir = route_dir(outbox_, id);
      Fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (dfd.get() < 0)
        return std::unexpected(AdapterError{true, "io", "list " + dir + ": " + std::strerror(errno)});
      // The listing comes from our own fd: closedir closes it, the Fd keeps dfd.
      DIR* d = ::fdopendir(::dup(dfd.get()));
      if (!d) return std::unexpected(AdapterError{true, "io", "list " + dir + ": " + std::strerror(errno)});
      std::vector<std::string> names;
      errno = 0;
      while (const dirent* e = ::readdir(d)) names.emplace_back(e->d_name);
      const int list_err = errno;
      ::closedir(d);
      if (list_err != 0) return std::unexpected(AdapterError{true, "io", "list " + dir + ": " + std::strerror(list_err)});
      std::set<std::string> present(names.begin(), names.end());
      for (const auto& raw : names) {
        // Temp names start with '.'; markers are not data; processed/ is ours.
        if (raw.starts_with('.') || raw.ends_with(kDoneSuffix)) continue;
        struct stat st {};
        // Never follows a link: a link is what it is, not what it points at.
        if (::fstatat(dfd.get(), raw.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // gone since listing
        if (raw == kProcessed && S_ISDIR(st.st_mode)) continue;
        if (!S_ISREG(st.st_mode)) {
          refuse(id, raw, st.st_ino, kind_of(st.st_mode), seen);
          continue;
        }
        auto name = SpoolName::parse(raw);
        if (!name) {
          refuse(id, raw, st.st_ino, {SpoolRefusalReason::BadName, "a file"}, seen);
          continue;
        }
        if (done_marker_ && !present.contains(raw + std::string(kDoneSuffix))) continue;
        SourceUnit u;
        u.route_id = id;
        u.name = name->str();
        u.path = (fs::path(dir) / name->str()).string();
        u.size = static_cast<uint64_t>(st.st_size);
        u.batch_id = batch_id(id, u.name, st, mtime_ns(st));
        found.push_back({std::move(u), mtime_ns(st)});
      }
    }
    // Forget what is gone, so memory stays bounded and an entry put back is reported again.
    std::erase_if(reported_, [&](const RefusalKey& k) { return !seen.contains(k); });
    std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
      return std::tie(a.mtime_ns, a.unit.name) < std::tie(b.mtime_ns, b.unit.name);
    });
    std::vector<SourceUnit> out;
    for (auto& f : found) out.push_back(std::move(f.unit));
    return out;
  }

  AdapterResult<BatchEnd> read(const SourceUnit& unit,
                               const std::function<bool(std::string_view)>& on_record) override {
    auto name = SpoolName::parse(unit.name);
    if (!name) return std::unexpected(AdapterError{false, "bad-name", name.error().message()});
    auto dir = route_dir(outbox_, unit.route_id);
    Fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dfd.get() < 0) return std::unexpected(AdapterError{true, "io", "open " + dir + ": " + std::strerror(errno)});
    // The entry may have been swapped since the scan: O_NOFOLLOW refuses a link,
    // O_NONBLOCK keeps a FIFO from blocking the open, fstat checks what was opened.
    Fd fd(::openat(dfd.get(), name->str().c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (fd.get() < 0) {
      const int err = errno;
      if (err == ELOOP) return std::unexpected(swapped(unit, "a symbolic link"));
      return std::unexpected(AdapterError{true, "io", "open " + escape_for_log(unit.path) + ": " + std::strerror(err)});
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
      return std::unexpected(AdapterError{true, "io", "stat " + escape_for_log(unit.path) + ": " + std::strerror(errno)});
    if (!S_ISREG(st.st_mode)) return std::unexpected(swapped(unit, kind_of(st.st_mode).words));
    // Another file under the same name (or the same one rewritten): the next scan offers
    // it as the batch it now is; this id must not carry other content.
    if (batch_id(unit.route_id, name->str(), st, mtime_ns(st)) != unit.batch_id)
      return std::unexpected(AdapterError{true, "changed", escape_for_log(unit.name) + " changed since the scan"});
    if (auto it = fixed_records_.find(unit.route_id); it != fixed_records_.end())
      return read_fixed_unit(fd.release(), unit, it->second, on_record);
    return read_line_unit(fd.release(), unit, on_record);
  }

  AdapterResult<> complete(const SourceUnit& unit) override {
    auto name = SpoolName::parse(unit.name);
    auto id = BatchId::parse(unit.batch_id);
    if (!name) return std::unexpected(AdapterError{false, "bad-name", name.error().message()});
    if (!id) return std::unexpected(AdapterError{false, "bad-header", id.error().message()});
    const fs::path dir = route_dir(outbox_, unit.route_id);
    auto target = (dir / kProcessed / delivered_name(id->str(), name->str())).string();
    if (auto r = rename_durably((dir / name->str()).string(), target); !r) return std::unexpected(transient(r.error()));
    if (done_marker_) {
      std::error_code ec;
      fs::remove(dir / (name->str() + std::string(kDoneSuffix)), ec);
    }
    return {};
  }

  std::vector<SpoolRefusal> take_refusals() override {
    std::lock_guard lock(refusals_mu_);
    std::vector<SpoolRefusal> out;
    for (const auto& [key, n] : refusals_) out.push_back({key.first, key.second, n});
    refusals_.clear();
    return out;
  }

  std::vector<SpoolRefusalReason> refusal_reasons() const override {
    return {std::begin(kSpoolRefusalReasons), std::end(kSpoolRefusalReasons)};
  }

  void close() override {}

 private:
  using RefusalKey = std::tuple<int, std::string, ino_t>;
  std::map<int, std::size_t> fixed_records_;  // route → record length (layout framing: none)

  // Reported once per (route, name, inode): the entry stays where it is for the operator.
  void refuse(int route, const std::string& raw, ino_t ino, Kind kind, std::set<RefusalKey>& seen) {
    RefusalKey key{route, raw, ino};
    seen.insert(key);
    if (!reported_.insert(std::move(key)).second) return;
    if (kind.reason == SpoolRefusalReason::BadName)
      spdlog::warn("route {}: spool entry refused: {} with {}; it stays in the outbox until renamed",
                   interface_label(route), kind.words, log_name(raw));
    else
      spdlog::warn("route {}: spool entry refused: {} is {}, only regular files are carried; it stays in the outbox",
                   interface_label(route), log_name(raw), kind.words);
    tally(route, kind.reason);
  }

  void tally(int route, SpoolRefusalReason reason) {
    std::lock_guard lock(refusals_mu_);
    ++refusals_[{route, reason}];
  }

  // Scanned as a regular file, something else by the time it was opened: never read.
  AdapterError swapped(const SourceUnit& unit, const char* words) {
    spdlog::warn("route {}: spool entry refused: {} became {} after the scan; not read",
                 interface_label(unit.route_id), log_name(unit.name), words);
    tally(unit.route_id, SpoolRefusalReason::Swapped);
    return AdapterError{true, "refused", "spool entry is no longer a regular file"};
  }

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
  std::set<RefusalKey> reported_;
  std::mutex refusals_mu_;  // scan and read may run on other threads than the runner's take
  std::map<std::pair<int, SpoolRefusalReason>, std::uint64_t> refusals_;
};

}  // namespace

std::unique_ptr<Source> make_file_source(const SystemDef& system, const Catalogue& catalogue) {
  return std::make_unique<FileSource>(system, catalogue);
}

}  // namespace renkei::adapters
