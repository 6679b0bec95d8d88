#include "audit_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "renkei/hub_clock.hpp"
#include "renkei/posix_file.hpp"
#include "renkei/scheduler/tokyo_time.hpp"

namespace renkei {

std::expected<void, std::string> AuditLog::open(const std::string& path) {
  std::lock_guard lock(mu_);
  auto dir = std::filesystem::path(path).parent_path().string();
  if (!dir.empty())
    if (auto r = make_dirs(dir); !r) return std::unexpected(r.error().message);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return std::unexpected(path + ": " + std::strerror(errno));
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  path_ = path;
  return {};
}

std::expected<void, std::string> AuditLog::write(nlohmann::ordered_json entry) {
  nlohmann::ordered_json line{{"time", format_tokyo(hub_now_seconds())}};
  line.update(entry);
  std::string text = line.dump() + "\n";
  std::lock_guard lock(mu_);
  if (fd_ < 0) return std::unexpected("audit log is not open");
  // O_APPEND makes each line one write; fsync makes it survive a crash.
  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(path_ + ": " + std::strerror(errno));
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd_) != 0) return std::unexpected(path_ + ": fsync: " + std::strerror(errno));
  return {};
}

AuditLog::~AuditLog() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace renkei
