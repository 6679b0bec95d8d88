#pragma once
// The batch protocol of one partition (ARCHITECTURE §2) as decisions, with no I/O: which
// records of a file belong to it and in which order, whether its end marker proves the
// file whole (count and checksum), when a batch is held and when it has waited too long.
// The delivery lane carries the decisions out against the sink, the DLQ and the offsets,
// so every protocol case is testable without a broker or a target.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "renkei/batch.hpp"
#include "renkei/sha256.hpp"
#include "renkei/stage.hpp"

namespace renkei {

class BatchAssembler {
 public:
  using Clock = std::chrono::steady_clock;

  // How the target answered for a batch seen for the first time.
  enum class Opening {
    Deliver,          // begun: its records are appended
    DeliveredBefore,  // committed before (a re-read after a crash): only read past it
    Held,             // it cannot be delivered (`why`): every record goes to the DLQ
  };

  enum class Verdict {
    Unknown,     // no open batch has this id: open() it, then ask again
    Append,      // convert and append the record, then appended() or fail()
    ReadPast,    // a duplicate sequence number, or the batch was delivered before
    DeadLetter,  // the batch is held: the record goes to the DLQ as batch-held (`held`)
    Commit,      // the end marker proves the batch whole: commit with `end`, then close()
    DeliveredBefore,  // the end of a batch delivered before: close(), reported delivered
    HeldEnd,     // the end of a held batch: the marker to the DLQ, close(), reported held
  };

  // Records [from, to) of the batch were appended to the target before it was held:
  // they are taken back and dead-lettered from the topic, each sequence number once.
  struct Replay {
    int64_t from = 0;
    int64_t to = 0;
    auto operator<=>(const Replay&) const = default;
  };

  struct Step {
    Verdict verdict = Verdict::Unknown;
    std::optional<Replay> replay;     // the batch became held by this record
    std::optional<StageError> held;   // DeadLetter, HeldEnd: why the batch is held
    BatchEnd end;                     // Commit: the marker, its checksum over the output;
                                      // HeldEnd: its name when the marker was readable
    uint64_t seq = 0;                 // Append: the record's sequence number
  };

  struct Expired {
    std::string id;
    int64_t first_offset = 0;
    int64_t last_offset = 0;
    bool delivered_before = false;
    bool appending = false;             // the target holds an unfinished batch: abort it
    std::optional<StageError> held;     // nullopt: its records are dead-lettered from the topic
    std::chrono::seconds silent{0};
  };

  // A renkei-seq header's value (decimal, nothing else), or nullopt.
  static std::optional<uint64_t> parse_seq(std::optional<std::string_view> text);

  bool is_open(std::string_view id) const { return batches_.contains(id); }
  std::size_t open_count() const { return batches_.size(); }

  void open(std::string_view id, int64_t first_offset, Opening how, std::optional<StageError> why,
            Clock::time_point now);

  // A record of the open batch `id` (not its end marker); `seq` is its renkei-seq header.
  Step record(std::string_view id, int64_t offset, std::optional<std::string_view> seq, Clock::time_point now);
  // The end marker of the open batch `id`; `marker` is its renkei-batch-end header.
  Step end(std::string_view id, int64_t offset, std::optional<std::string_view> marker, Clock::time_point now);

  // A record of the open batch `id` whose own headers are broken: it goes to the DLQ as it
  // came (DeadLetter, and the batch is held from now on) unless the batch was delivered
  // before (ReadPast).
  Step refuse(std::string_view id, int64_t offset, StageError why, Clock::time_point now);

  // The record an Append step named was appended: `source` as it came, `converted` when
  // the stage rewrote it.
  void appended(std::string_view id, std::string_view source, std::optional<std::string_view> converted);
  // The batch cannot be delivered (a record refused by the stage or the target, a header
  // of a record at `offset` broken, a commit refused): held from now on.
  std::optional<Replay> hold(std::string_view id, int64_t offset, StageError why);

  // The batch is finished (committed, or its end handled); returns its first offset.
  std::optional<int64_t> close(std::string_view id);
  // Batches that saw no record for `timeout`, removed.
  std::vector<Expired> expire(Clock::time_point now, std::chrono::milliseconds timeout);
  // Every open batch given up (a transient failure: the partition is read again). Returns
  // the first offsets of those that were open, lowest first.
  std::vector<int64_t> abandon_all();
  // For the lane's bookkeeping: the ids whose target batch is still being appended to.
  std::vector<std::string> appending() const;

 private:
  struct Batch {
    int64_t first_offset = 0;
    int64_t last_offset = 0;
    Clock::time_point last_seen;
    Opening how = Opening::Deliver;
    std::optional<StageError> held;
    uint64_t next_seq = 1;
    uint64_t count = 0;
    // The marker's checksum is over the source's bytes; the target checks what it wrote
    // against the converted bytes. The output's own sum starts only at the first record
    // the stage rewrote (until then it equals the source's), so a route without
    // conversion hashes each record once.
    Sha256 source_sum;
    std::optional<Sha256> output_sum;
  };
  std::optional<Replay> hold(Batch& b, int64_t offset, StageError why);
  static Step only(Verdict v) {
    Step s;
    s.verdict = v;
    return s;
  }
  // The open batch `id`, seen now at `offset`; nullptr when none is open.
  Batch* seen(std::string_view id, int64_t offset, Clock::time_point now);

  std::map<std::string, Batch, std::less<>> batches_;
};

}  // namespace renkei
