#pragma once
// Values that arrive from outside (Kafka headers and keys, spool file names, HTTP input),
// parsed once where they enter into types the rest of the code trusts. A parse failure
// says what is wrong (kind, offset of the first bad byte) and never repeats the value:
// the value may be hostile or personal, and error texts reach logs and DLQ details.
#include <cstddef>
#include <expected>
#include <string>
#include <string_view>

namespace renkei {

struct OutsideValueError {
  std::string what;      // "renkei-batch-id", "spool file name", …
  std::string problem;   // "is empty", "has a control byte", …
  std::size_t offset = 0;  // the first byte that broke the grammar (0 when the whole value did)
  std::string message() const;  // "<what> <problem> at byte <offset>", no value in it
};

template <class T>
using OutsideResult = std::expected<T, OutsideValueError>;

// The id of a batch on a route topic. Grammar: 1–128 bytes of [A-Za-z0-9._:-], starting
// with a letter or digit, never containing "..": safe as a file name, a header value and
// a log field as it is.
class BatchId {
 public:
  static constexpr std::size_t kMaxBytes = 128;
  static OutsideResult<BatchId> parse(std::string_view text);
  const std::string& str() const { return value_; }
  auto operator<=>(const BatchId&) const = default;

 private:
  explicit BatchId(std::string v) : value_(std::move(v)) {}
  std::string value_;
};

// The trace id an /ingest client (its Idempotency-Key), a producer or a kafka peer gave a
// realtime record (`renkei-trace-id`). It names the record at the target (Idempotency-Key,
// file name), so it has BatchId's grammar, in at most 100 bytes; a record whose trace id
// breaks it is named by its place on the topic instead.
class TraceId {
 public:
  static constexpr std::size_t kMaxBytes = 100;
  static OutsideResult<TraceId> parse(std::string_view text);
  const std::string& str() const { return value_; }
  auto operator<=>(const TraceId&) const = default;

 private:
  explicit TraceId(std::string v) : value_(std::move(v)) {}
  std::string value_;
};

// A file name as a system put it in a spool (or as named in a batch's end marker, which
// becomes part of the delivered file's name). Grammar: 1–200 bytes of valid UTF-8, no
// '/', no NUL or other C0/C1 control character, no DEL, not starting with '.' (temp and
// hidden names), not "." or "..". 200 leaves room for the batch id prefix within the
// 255-byte NAME_MAX of Linux file systems.
class SpoolName {
 public:
  static constexpr std::size_t kMaxBytes = 200;
  static OutsideResult<SpoolName> parse(std::string_view text);
  const std::string& str() const { return value_; }
  auto operator<=>(const SpoolName&) const = default;

 private:
  explicit SpoolName(std::string v) : value_(std::move(v)) {}
  std::string value_;
};

// A header value that may be copied into an outbound header (HTTP, Kafka) or a log line:
// at most `max_bytes` of valid UTF-8 without control characters (no CR, LF, NUL, TAB).
OutsideResult<std::string_view> safe_header_value(std::string_view what, std::string_view text,
                                                  std::size_t max_bytes = 256);

// Text for a log line or a JSON field that came from outside and must stay readable:
// valid UTF-8 passes except controls, which (like every invalid byte) become \xHH.
std::string escape_for_log(std::string_view text);

}  // namespace renkei
