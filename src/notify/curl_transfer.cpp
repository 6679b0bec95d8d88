#include "curl_transfer.hpp"

#include <curl/curl.h>
#include <openssl/crypto.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>

namespace renkei {

namespace {

struct EasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Easy = std::unique_ptr<CURL, EasyDeleter>;
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

// Wipes a secret's bytes before its string goes back to the allocator.
struct SecretWiper {
  std::string& s;
  ~SecretWiper() {
    if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  }
};

int abort_when_stopping(void* stop, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const std::atomic<bool>*>(stop)->load() ? 1 : 0;
}

std::size_t discard_body(char*, std::size_t size, std::size_t n, void*) { return size * n; }

struct Upload {
  std::string_view data;
  std::size_t pos = 0;
};

std::size_t read_upload(char* buf, std::size_t size, std::size_t n, void* p) {
  auto* up = static_cast<Upload*>(p);
  std::size_t len = std::min(size * n, up->data.size() - up->pos);
  std::memcpy(buf, up->data.data() + up->pos, len);
  up->pos += len;
  return len;
}

bool append(Slist& list, const std::string& line) {
  curl_slist* grown = curl_slist_append(list.get(), line.c_str());
  if (!grown) return false;
  (void)list.release();  // `grown` is the same list with one more entry
  list.reset(grown);
  return true;
}

struct Transfer {
  Easy easy;
  char error[CURL_ERROR_SIZE] = {};
};

std::expected<Transfer, std::string> start(const std::string& url, const char* protocols,
                                           std::chrono::milliseconds timeout, const std::atomic<bool>& stop) {
  curl_init_once();
  Transfer t{Easy(curl_easy_init())};
  if (!t.easy) return std::unexpected("curl_easy_init failed");
  CURL* c = t.easy.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  // Only what the channel kind speaks: a typo'd config cannot turn a webhook into file://.
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, protocols);
  // Signals are process-wide; a worker thread must not use them for DNS timeouts.
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, abort_when_stopping);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(&stop));
  return t;
}

std::expected<void, std::string> perform(Transfer& t, const std::atomic<bool>& stop) {
  // Set here, not in start(): the Transfer has moved since, and curl keeps the pointer.
  curl_easy_setopt(t.easy.get(), CURLOPT_ERRORBUFFER, t.error);
  CURLcode rc = curl_easy_perform(t.easy.get());
  if (rc == CURLE_OK) return {};
  if (rc == CURLE_ABORTED_BY_CALLBACK && stop.load()) return std::unexpected("abandoned: the notifier is stopping");
  // The error buffer has the detail (which host, which port, which SMTP reply); curl does
  // not put a URL's userinfo or path into it.
  std::string detail = t.error[0] ? std::string(t.error) : std::string(curl_easy_strerror(rc));
  return std::unexpected(detail);
}

}  // namespace

void curl_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::expected<std::string, std::string> read_secret_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::unexpected("cannot read secret file " + path + ": " + std::strerror(errno));
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) return std::unexpected("secret file " + path + " has an empty first line");
  return line;
}

std::expected<void, std::string> post_webhook(const WebhookChannel& channel, std::string_view json,
                                              const std::atomic<bool>& stop) {
  auto t = start(channel.url, "http,https", channel.timeout, stop);
  if (!t) return std::unexpected(t.error());
  CURL* c = t->easy.get();

  Slist headers;
  bool ok = append(headers, "Content-Type: application/json");
  // No "Expect: 100-continue" round trip: a small body, and some receivers never answer it.
  ok = ok && append(headers, "Expect:");
  for (const auto& [name, value] : channel.headers) ok = ok && append(headers, name + ": " + value);
  std::string bearer;
  SecretWiper wipe_bearer{bearer};
  if (!channel.bearer_token_file.empty()) {
    auto token = read_secret_file(channel.bearer_token_file);
    if (!token) return std::unexpected(token.error());
    bearer = "Authorization: Bearer " + *token;
    OPENSSL_cleanse(token->data(), token->size());
    ok = ok && append(headers, bearer);
  }
  if (!ok) return std::unexpected("out of memory building the request headers");

  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, json.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(json.size()));
  curl_easy_setopt(c, CURLOPT_USERAGENT, "renkei-notify");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard_body);

  if (auto done = perform(*t, stop); !done) return done;
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status > 299) return std::unexpected("HTTP " + std::to_string(status));
  return {};
}

std::expected<void, std::string> send_mail(const MailChannel& channel, std::string_view message,
                                           const std::atomic<bool>& stop) {
  auto t = start(channel.url, "smtp,smtps", channel.timeout, stop);
  if (!t) return std::unexpected(t.error());
  CURL* c = t->easy.get();

  Slist rcpt;
  for (const auto& to : channel.to)
    if (!append(rcpt, to)) return std::unexpected("out of memory building the recipient list");
  std::string password;
  SecretWiper wipe_password{password};
  if (!channel.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, channel.username.c_str());
    if (!channel.password_file.empty()) {
      auto secret = read_secret_file(channel.password_file);
      if (!secret) return std::unexpected(secret.error());
      password = std::move(*secret);
      curl_easy_setopt(c, CURLOPT_PASSWORD, password.c_str());
    }
  }
  Upload upload{message};
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, channel.from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt.get());
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(channel.starttls ? CURLUSESSL_ALL : CURLUSESSL_NONE));

  return perform(*t, stop);
}

}  // namespace renkei
