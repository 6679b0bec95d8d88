#include "renkei/people/password.hpp"

#include <sodium.h>

namespace renkei {

namespace {

bool sodium_ready() {
  static const bool ok = sodium_init() >= 0;
  return ok;
}

}  // namespace

std::string password_problem(std::string_view password) {
  if (password.size() < kPasswordMin) return "a password needs at least " + std::to_string(kPasswordMin) + " bytes";
  if (password.size() > kPasswordMax) return "a password may have at most " + std::to_string(kPasswordMax) + " bytes";
  for (std::size_t i = 0; i < password.size(); ++i) {
    const auto c = static_cast<unsigned char>(password[i]);
    if (c < 0x20 || c == 0x7f) return "a password may not hold a control character (byte " + std::to_string(i) + ")";
  }
  return {};
}

std::expected<std::string, std::string> hash_password(std::string_view password) {
  if (auto p = password_problem(password); !p.empty()) return std::unexpected(p);
  if (!sodium_ready()) return std::unexpected(std::string("libsodium did not initialise"));
  char out[crypto_pwhash_argon2id_STRBYTES];
  if (crypto_pwhash_argon2id_str(out, password.data(), password.size(), crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE,
                                 crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE) != 0)
    return std::unexpected(std::string("out of memory while hashing the password"));
  return std::string(out);
}

bool verify_password(const std::string& hash, std::string_view password) {
  if (!is_argon2id_hash(hash) || password.size() > kPasswordMax || !sodium_ready()) return false;
  return crypto_pwhash_argon2id_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

bool is_argon2id_hash(std::string_view hash) {
  if (!hash.starts_with("$argon2id$v=19$m=") || hash.size() >= crypto_pwhash_argon2id_STRBYTES) return false;
  for (char c : hash)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '$' || c == '=' || c == ',' || c == '+' || c == '/'))
      return false;
  return true;
}

}  // namespace renkei
