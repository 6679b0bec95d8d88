#pragma once
// Passwords are kept only as Argon2id hashes (libsodium's crypto_pwhash, the encoded
// "$argon2id$v=19$m=…,t=…,p=…$salt$hash" form), never in plain. Hashing and checking take
// about 0.1 s and 64 MiB on purpose: never call them on the HTTP event loop.
#include <expected>
#include <string>
#include <string_view>

namespace renkei {

inline constexpr std::size_t kPasswordMin = 12;
inline constexpr std::size_t kPasswordMax = 1024;

// Why a password is not acceptable (too short, too long, a control character), or empty.
std::string password_problem(std::string_view password);
std::expected<std::string, std::string> hash_password(std::string_view password);
// False for a wrong password and for anything that is not an Argon2id hash.
bool verify_password(const std::string& hash, std::string_view password);
// The shape of the stored form, checked when users.yaml is read.
bool is_argon2id_hash(std::string_view hash);

}  // namespace renkei
