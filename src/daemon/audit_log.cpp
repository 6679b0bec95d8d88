#include "audit_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "renkei/hub_clock.hpp"
#include "renkei/my_number.hpp"
#include "renkei/outside_value.hpp"
#include "renkei/posix_file.hpp"
#include "renkei/scheduler/tokyo_time.hpp"

namespace renkei {
namespace {

// Audit fields carry operator input (names, reasons, paths) that may hold anything: each
// string, key included, is made valid UTF-8 (invalid bytes and controls as \xHH) and
// masked for 個人番号, and a twelve-digit number that is one becomes the mask text.
nlohmann::ordered_json sanitized(const nlohmann::ordered_json& v) {
  if (v.is_string()) return mask_my_numbers(escape_for_log(v.get_ref<const std::string&>()));
  if (v.is_number_integer() || v.is_number_unsigned()) {
    const std::string digits = v.dump();
    if (digits.size() == 12 && is_my_number(digits)) return mask_my_numbers(digits);
    return v;
  }
  if (v.is_array()) {
    auto out = nlohmann::ordered_json::array();
    for (const auto& e : v) out.push_back(sanitized(e));
    return out;
  }
  if (v.is_object()) {
    auto out = nlohmann::ordered_json::object();
    for (auto it = v.begin(); it != v.end(); ++it) out[mask_my_numbers(escape_for_log(it.key()))] = sanitized(it.value());
    return out;
  }
  return v;
}

}  // namespace

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
  line.update(sanitized(entry));
  // Everything is valid UTF-8 by now; `replace` only keeps dump() from ever throwing.
  std::string text = line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
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

nlohmann::ordered_json actor_entry(std::string_view action, const AuditActor& who, const nlohmann::ordered_json& what) {
  nlohmann::ordered_json e{{"action", std::string(action)}};
  for (const auto& [k, v] : who.fields.items()) e[k] = v;
  if (!e.contains("operator")) e["operator"] = who.name;
  for (const auto& [k, v] : what.items()) e[k] = v;
  return e;
}

}  // namespace renkei
