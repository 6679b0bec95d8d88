// Fuzzes the typed outside values (renkei/outside_value.hpp): BatchId::parse,
// SpoolName::parse, safe_header_value and escape_for_log, on every input. Checks, against
// a UTF-8 check of this file's own (ICU's U8_NEXT), not the code under test:
//  - an accepted BatchId is 1–128 bytes of [A-Za-z0-9._:-], starts with a letter or
//    digit, holds no "..", and is the input unchanged;
//  - TraceId (the same grammar, at most 100 bytes) accepts exactly what BatchId accepts
//    up to 100 bytes, and nothing longer;
//  - an accepted SpoolName is 1–200 bytes of valid UTF-8 with no '/', no C0/C1 control
//    or DEL, does not start with '.', and is the input unchanged;
//  - an accepted header value is the input, within its limit, valid UTF-8 without controls;
//  - every error's offset is within the input (< size), or == the limit for a value that
//    is too long, or 0 for an empty one; its message never holds the input;
//  - escape_for_log always gives valid UTF-8 without control bytes, and clean text
//    (valid UTF-8, no control, no backslash) unchanged.
#include <unicode/utf8.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "renkei/outside_value.hpp"

namespace {

bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const auto n = static_cast<int32_t>(s.size());
  for (int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0) return false;
  }
  return true;
}

// Any C0 control, DEL or C1 control (as its UTF-8 form C2 80–9F), in valid UTF-8.
bool has_control(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const auto n = static_cast<int32_t>(s.size());
  for (int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f)) return true;
  }
  return false;
}

void check_error(const renkei::OutsideValueError& e, std::string_view in, std::size_t limit) {
  const bool ok_offset = in.empty() ? e.offset == 0 : (e.offset < in.size() || (in.size() > limit && e.offset == limit));
  FUZZ_CHECK(ok_offset, e.message() + " for " + std::to_string(in.size()) + " bytes: " + fuzz::hex_bytes(in));
  // Longer than any message, so a match is the value repeated, not a word of the message.
  if (in.size() > 64) FUZZ_CHECK(e.message().find(in) == std::string::npos, "the message repeats the value");
}

void batch_id(std::string_view in) {
  using renkei::BatchId;
  auto id = BatchId::parse(in);
  if (!id) return check_error(id.error(), in, BatchId::kMaxBytes);
  const std::string& v = id->str();
  FUZZ_CHECK(v == in, "the id is not the input: " + fuzz::hex_bytes(in));
  FUZZ_CHECK(!v.empty() && v.size() <= BatchId::kMaxBytes, "length " + std::to_string(v.size()));
  for (unsigned char c : v)
    FUZZ_CHECK((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                   c == ':' || c == '-',
               "a byte outside the grammar: " + fuzz::hex_bytes(in));
  const unsigned char first = static_cast<unsigned char>(v[0]);
  FUZZ_CHECK((first >= 'A' && first <= 'Z') || (first >= 'a' && first <= 'z') || (first >= '0' && first <= '9'),
             "starts with " + fuzz::hex_bytes(v.substr(0, 1)));
  FUZZ_CHECK(v.find("..") == std::string::npos && v.find('/') == std::string::npos, "'..' or '/' in " + v);
}

// The trace id shares the batch id's grammar within its shorter limit, so the checks above
// hold for it too.
void trace_id(std::string_view in) {
  auto t = renkei::TraceId::parse(in);
  const bool fits = in.size() <= renkei::TraceId::kMaxBytes;
  FUZZ_CHECK(t.has_value() == (fits && renkei::BatchId::parse(in).has_value()),
             "TraceId and BatchId disagree on " + fuzz::hex_bytes(in));
  if (!t) return check_error(t.error(), in, renkei::TraceId::kMaxBytes);
  FUZZ_CHECK(t->str() == in, "the trace id is not the input: " + fuzz::hex_bytes(in));
}

void spool_name(std::string_view in) {
  using renkei::SpoolName;
  auto name = SpoolName::parse(in);
  if (!name) return check_error(name.error(), in, SpoolName::kMaxBytes);
  const std::string& v = name->str();
  FUZZ_CHECK(v == in, "the name is not the input: " + fuzz::hex_bytes(in));
  FUZZ_CHECK(!v.empty() && v.size() <= SpoolName::kMaxBytes, "length " + std::to_string(v.size()));
  FUZZ_CHECK(valid_utf8(v), "not valid UTF-8: " + fuzz::hex_bytes(in));
  FUZZ_CHECK(!has_control(v), "a control: " + fuzz::hex_bytes(in));
  FUZZ_CHECK(v.find('/') == std::string::npos && v.find('\0') == std::string::npos, "a '/' or NUL: " + fuzz::hex_bytes(in));
  FUZZ_CHECK(v[0] != '.' && v != ".." && v != ".", "a dot name: " + fuzz::hex_bytes(in));
}

void header_value(std::string_view in, std::size_t limit) {
  auto h = renkei::safe_header_value("fuzz-header", in, limit);
  if (!h) {
    // An empty value is allowed, so an error always has a bad byte or a length.
    FUZZ_CHECK(!in.empty(), "the empty value was refused");
    return check_error(h.error(), in, limit);
  }
  FUZZ_CHECK(*h == in && h->size() <= limit, "not the input or too long: " + fuzz::hex_bytes(in));
  FUZZ_CHECK(valid_utf8(*h) && !has_control(*h), "passed a bad value: " + fuzz::hex_bytes(in));
}

void log_text(std::string_view in) {
  const std::string out = renkei::escape_for_log(in);
  FUZZ_CHECK(valid_utf8(out), "escaped text is not valid UTF-8: " + fuzz::hex_bytes(in));
  FUZZ_CHECK(!has_control(out), "escaped text has a control: " + fuzz::hex_bytes(in));
  if (valid_utf8(in) && !has_control(in) && in.find('\\') == std::string_view::npos)
    FUZZ_CHECK(out == in, "clean text was changed: " + fuzz::hex_bytes(in));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  batch_id(in);
  trace_id(in);
  spool_name(in);
  header_value(in, 256);
  header_value(in, size == 0 ? 0 : static_cast<unsigned char>(data[0]) % 32);  // limits near the input's length
  log_text(in);
  return 0;
}
