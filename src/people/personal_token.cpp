#include "renkei/people/personal_token.hpp"

#include <openssl/crypto.h>

#include "renkei/random_hex.hpp"
#include "renkei/sha256.hpp"

namespace renkei {

namespace {

constexpr std::string_view kPrefix = "rk_";
constexpr std::size_t kIdHex = 16, kSecretHex = 64;

bool all_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

std::expected<IssuedToken, std::string> issue_personal_token() {
  auto id = random_hex(kIdHex / 2);
  auto secret = random_hex(kSecretHex / 2);
  if (!id) return std::unexpected(id.error());
  if (!secret) return std::unexpected(secret.error());
  IssuedToken t{*id, std::string(kPrefix) + *id + "_" + *secret, ""};
  t.hash = personal_token_hash(t.text);
  return t;
}

std::optional<std::string> personal_token_id(std::string_view text) {
  if (text.size() != kPrefix.size() + kIdHex + 1 + kSecretHex || !text.starts_with(kPrefix)) return std::nullopt;
  auto id = text.substr(kPrefix.size(), kIdHex);
  if (text[kPrefix.size() + kIdHex] != '_' || !all_hex(id) || !all_hex(text.substr(kPrefix.size() + kIdHex + 1)))
    return std::nullopt;
  return std::string(id);
}

std::string personal_token_hash(std::string_view text) { return sha256_hex(text); }

bool personal_token_matches(std::string_view text, std::string_view stored_hash) {
  const std::string h = personal_token_hash(text);
  return stored_hash.size() == h.size() && CRYPTO_memcmp(h.data(), stored_hash.data(), h.size()) == 0;
}

bool is_token_id(std::string_view id) { return id.size() == kIdHex && all_hex(id); }
bool is_token_hash(std::string_view hash) { return hash.size() == 64 && all_hex(hash); }

}  // namespace renkei
