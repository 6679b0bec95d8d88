#pragma once
// Secrets made here (the hub token, personal tokens, session ids, CSRF tokens): `bytes`
// bytes from OpenSSL's CSPRNG as lower-case hex; an error only when it has no entropy.
#include <cstddef>
#include <expected>
#include <string>

namespace renkei {

std::expected<std::string, std::string> random_hex(std::size_t bytes);

}  // namespace renkei
