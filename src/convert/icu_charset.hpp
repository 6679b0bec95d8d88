#pragma once
// The general path: any ICU converter, with stop callbacks in both directions.
#include <unicode/ucnv.h>

#include <unordered_map>

#include <memory>
#include <vector>

#include "renkei/convert/charset.hpp"

namespace renkei {

struct UConverterCloser {
  void operator()(UConverter* c) const { ucnv_close(c); }
};
using UConverterPtr = std::unique_ptr<UConverter, UConverterCloser>;

// nullptr if ICU does not know the name; callbacks set to stop.
UConverterPtr open_strict_converter(const std::string& name, std::string* why = nullptr);

class IcuCharset : public Charset {
 public:
  IcuCharset(std::string name, UConverterPtr conv);
  const std::string& name() const override { return name_; }
  std::expected<void, CharsetError> decode(std::string_view in, std::u32string& out) override;
  std::expected<void, CharsetError> encode(std::u32string_view in, std::string& out) override;
  bool encodable(char32_t c) override;
  std::size_t offset_of(std::string_view in, std::size_t char_index) override;

 private:
  std::string name_;
  UConverterPtr conv_;
  std::vector<UChar> units_;
  std::vector<int32_t> offsets_;
  std::vector<char> bytes_;
  std::unordered_map<char32_t, bool> private_use_;  // private_use_round_trips, by code point
  bool private_use_round_trips(char32_t c);
};

}  // namespace renkei
