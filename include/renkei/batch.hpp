#pragma once
// The batch protocol on a route topic (ARCHITECTURE §2): every record of a file carries
// its batch id and sequence number; a closing marker carries count and checksum, so the
// target can prove it rebuilt exactly the file the source read.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace renkei {

namespace hdr {
inline constexpr std::string_view kInterface = "renkei-interface";
inline constexpr std::string_view kSource = "renkei-source";
inline constexpr std::string_view kCharset = "renkei-charset";
inline constexpr std::string_view kBatchId = "renkei-batch-id";
inline constexpr std::string_view kSeq = "renkei-seq";
inline constexpr std::string_view kBatchEnd = "renkei-batch-end";
inline constexpr std::string_view kTraceId = "renkei-trace-id";
inline constexpr std::string_view kIngestedAt = "renkei-ingested-at";
// On dead-letter topics only.
inline constexpr std::string_view kDlqReason = "renkei-dlq-reason";
inline constexpr std::string_view kDlqDetail = "renkei-dlq-detail";
inline constexpr std::string_view kDlqOrigin = "renkei-dlq-origin";
// On a record put back on its route topic by `dlq replay`: the dead letter it came from.
inline constexpr std::string_view kReplayOf = "renkei-replay-of";
}  // namespace hdr

// The renkei-ingested-at value for now: "2026-11-25T09:46:30.123Z" (UTC, milliseconds).
std::string ingested_at_now();

struct BatchEnd {
  uint64_t count = 0;           // records in the batch
  std::string sha256;           // hex, over the whole original file
  bool final_newline = false;   // the file ended with '\n'
  std::string name;             // the file's name at the source

  // "count=N;sha256=HEX;eol=1;name=NAME" (name last: it may contain ';' or '=').
  std::string format() const;
  static std::optional<BatchEnd> parse(std::string_view text);
};

}  // namespace renkei
