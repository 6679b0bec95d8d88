#include "bearer_auth.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "renkei/random_hex.hpp"

namespace renkei {

std::expected<void, std::string> BearerAuth::load(const std::string& token_file) {
  if (token_file.empty()) return std::unexpected(std::string("auth.token_file is not set"));
  std::string token;
  std::ifstream in(token_file);
  if (in) {
    std::getline(in, token);
    while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
    if (token.size() < 16) return std::unexpected(token_file + ": token shorter than 16 characters");
  } else {
    auto fresh = random_hex(32);
    if (!fresh) return std::unexpected(fresh.error());
    token = *fresh;
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(token_file).parent_path(), ec);
    // Created with its final mode and name in one step: no moment where others can read it.
    const std::string temp = token_file + ".tmp";
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return std::unexpected(token_file + ": cannot create the token file");
    const std::string line = token + "\n";
    const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok || ::rename(temp.c_str(), token_file.c_str()) != 0) {
      ::unlink(temp.c_str());
      return std::unexpected(token_file + ": cannot write the token file");
    }
    spdlog::info("auth: created a new API token in {}", token_file);
  }
  std::lock_guard lock(mu_);
  token_ = std::move(token);
  return {};
}

std::string BearerAuth::check(const HttpRequest& req) const {
  auto it = req.headers.find("authorization");
  if (it == req.headers.end()) return "no bearer token";
  const std::string& value = it->second;
  constexpr std::string_view scheme = "Bearer ";
  if (value.size() <= scheme.size() || value.compare(0, scheme.size(), scheme) != 0) return "not a bearer token";
  const std::string_view given = std::string_view(value).substr(scheme.size());
  std::lock_guard lock(mu_);
  if (token_.empty()) return "no token configured";
  if (given.size() != token_.size() || CRYPTO_memcmp(given.data(), token_.data(), token_.size()) != 0)
    return "wrong bearer token";
  return {};
}

HttpResponse BearerAuth::refuse(const std::string& reason) {
  HttpResponse r;
  r.status = 401;
  r.content_type = "application/json";
  r.body = std::string(R"({"error":"unauthorized","reason":")") + reason + "\"}\n";
  r.headers.push_back({"WWW-Authenticate", R"(Bearer realm="renkei")"});
  return r;
}

Handler require_token(const BearerAuth& auth, Handler h, RefusalHook on_refused) {
  return [&auth, h = std::move(h), on_refused = std::move(on_refused)](const HttpRequest& req) {
    if (auto why = auth.check(req); !why.empty()) {
      spdlog::warn("api: {} {} refused: {}", req.method, req.path, why);
      if (on_refused) on_refused(req, why);
      return BearerAuth::refuse(why);
    }
    return h(req);
  };
}

}  // namespace renkei
