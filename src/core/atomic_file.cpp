#include "renkei/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace renkei {
namespace {

std::string errno_text(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

namespace {

std::expected<void, std::string> write_atomically(const std::string& path, std::string_view data, unsigned mode,
                                                  bool exact, std::optional<FileOwner> owner) {
  namespace fs = std::filesystem;
  fs::path target(path);
  fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  std::string tmp = (dir / ("." + target.filename().string() + ".tmp." + std::to_string(::getpid()))).string();

  // A temp file left by an earlier crash would keep its old mode: start from none.
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) return std::unexpected(errno_text("cannot create", tmp));
  if ((owner && ::fchown(fd, owner->uid, owner->gid) != 0) || (exact && ::fchmod(fd, static_cast<mode_t>(mode)) != 0)) {
    auto err = errno_text("cannot set the owner or mode of", tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return std::unexpected(err);
  }
  if (!write_all(fd, data) || ::fsync(fd) != 0) {
    auto err = errno_text("cannot write", tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return std::unexpected(err);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    auto err = errno_text("cannot rename to", path);
    ::unlink(tmp.c_str());
    return std::unexpected(err);
  }
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);  // makes the rename itself durable
    ::close(dfd);
  }
  return {};
}

}  // namespace

std::expected<void, std::string> write_file_atomically(const std::string& path, std::string_view data, unsigned mode) {
  return write_atomically(path, data, mode, false, std::nullopt);
}

std::expected<void, std::string> replace_file_as(const std::string& path, std::string_view data, unsigned mode,
                                                 std::optional<FileOwner> owner) {
  return write_atomically(path, data, mode, true, owner);
}

}  // namespace renkei
