#pragma once
// Incremental SHA-256 (OpenSSL EVP) for batch checksums.
#include <memory>
#include <string>
#include <string_view>

namespace renkei {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  // An independent hash that has seen what this one has seen so far.
  Sha256 copy() const;
  void update(std::string_view bytes);
  std::string hex();  // finishes; the object is reset for reuse

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string sha256_hex(std::string_view bytes);

}  // namespace renkei
