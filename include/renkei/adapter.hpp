#pragma once
// The lifecycle every adapter kind follows: open (connect) → scan/read or begin/append/
// commit → close. Adapters do one attempt each; the runners own retries and backoff.
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "renkei/batch.hpp"
#include "renkei/catalogue/model.hpp"

namespace renkei {

struct AdapterError {
  bool transient = true;  // the target/source is away or full: try again later
  std::string kind;       // DLQ reason for permanent errors (bad-record, …)
  std::string detail;     // for logs and the DLQ; never record contents
};

template <class T = void>
using AdapterResult = std::expected<T, AdapterError>;

// One unit of work a source offers: a file for one route.
struct SourceUnit {
  int route_id = 0;
  std::string batch_id;  // stable for the same unit, so a re-read after a crash is recognised
  std::string name;      // as the system named it
  std::string path;
  uint64_t size = 0;
  // The business date the unit is for, when the source knows it (a pulled unit); a run
  // then collects it only for that date. Otherwise schedule.file_date decides.
  std::optional<std::string> business_date;
};

// Why a source left an entry of its spool where it is, unread (renkei_spool_refused_total's
// `reason` label: these words are a contract).
enum class SpoolRefusalReason {
  Symlink,    // a symbolic link: never followed
  Fifo,
  Device,
  Socket,
  Directory,
  OtherType,  // any other non-regular file
  BadName,    // a regular file whose name is not a SpoolName
  Swapped,    // a regular file at scan, something else when opened
  TooLarge,   // a record larger than the bus takes (the runner finds this one)
};
inline constexpr SpoolRefusalReason kSpoolRefusalReasons[] = {
    SpoolRefusalReason::Symlink,   SpoolRefusalReason::Fifo,    SpoolRefusalReason::Device,
    SpoolRefusalReason::Socket,    SpoolRefusalReason::Directory, SpoolRefusalReason::OtherType,
    SpoolRefusalReason::BadName,   SpoolRefusalReason::Swapped, SpoolRefusalReason::TooLarge};
constexpr std::string_view to_string(SpoolRefusalReason r) {
  switch (r) {
    case SpoolRefusalReason::Symlink: return "symlink";
    case SpoolRefusalReason::Fifo: return "fifo";
    case SpoolRefusalReason::Device: return "device";
    case SpoolRefusalReason::Socket: return "socket";
    case SpoolRefusalReason::Directory: return "directory";
    case SpoolRefusalReason::OtherType: return "other-type";
    case SpoolRefusalReason::BadName: return "bad-name";
    case SpoolRefusalReason::Swapped: return "swapped";
    case SpoolRefusalReason::TooLarge: return "too-large";
  }
  return "other-type";
}

// Refusals of one route and reason since the last take_refusals(). Only ids and the
// reason travel, never the entry's name.
struct SpoolRefusal {
  int route_id = 0;
  SpoolRefusalReason reason = SpoolRefusalReason::OtherType;
  std::uint64_t count = 0;
  auto operator<=>(const SpoolRefusal&) const = default;
};

// What a pull for one route and business date found.
enum class PullOutcome {
  Ready,   // the date's unit is in the source (fetched now, or before)
  NotYet,  // the peer has nothing for the date yet: ask again later
};

class Source {
 public:
  virtual ~Source() = default;
  virtual AdapterResult<> open() = 0;
  // Units that are complete and ready, oldest first.
  virtual AdapterResult<std::vector<SourceUnit>> scan() = 0;
  // Every record of the unit in order; `on_record` returns false to stop early.
  virtual AdapterResult<BatchEnd> read(const SourceUnit& unit,
                                       const std::function<bool(std::string_view)>& on_record) = 0;
  // The unit is durably on the bus: never offer it again.
  virtual AdapterResult<> complete(const SourceUnit& unit) = 0;
  // A source whose data must be asked for (an http peer that is polled) fetches what it
  // holds for `business_date` (YYYY-MM-DD) into a unit that scan() then offers, at most
  // once per route and date. Runs call it; sources the peer fills by itself do not pull.
  virtual bool pulls() const { return false; }
  virtual AdapterResult<PullOutcome> pull(int /*route_id*/, const std::string& /*business_date*/) {
    return std::unexpected(AdapterError{false, "unsupported", "this source does not pull"});
  }
  // How long to wait after NotYet before asking the peer again.
  virtual std::chrono::milliseconds pull_interval() const { return std::chrono::seconds(60); }
  // The hub is stopping: pulls under way give up soon with an error (and keep nothing).
  virtual void cancel_pulls() {}
  // The entries refused since the last call (each entry once), tallied per route and
  // reason, so what is waiting stays bounded however many entries are refused.
  virtual std::vector<SpoolRefusal> take_refusals() { return {}; }
  // The reasons this source can report (exported at 0 from the start). A record too large
  // for the bus can come from any source.
  virtual std::vector<SpoolRefusalReason> refusal_reasons() const { return {SpoolRefusalReason::TooLarge}; }
  virtual void close() = 0;
};

struct SinkBatchInfo {
  int route_id = 0;
  std::string batch_id;
  std::string name;  // the source's file name
};

class SinkBatch {
 public:
  virtual ~SinkBatch() = default;
  virtual AdapterResult<> append(std::string_view record) = 0;
  // Checks count and checksum against `end`, then makes the output durable and visible.
  virtual AdapterResult<> commit(const BatchEnd& end) = 0;
  // Drops everything appended; nothing becomes visible.
  virtual void abort() = 0;
  // The records appended so far, in order (to dead-letter a batch that is held).
  virtual AdapterResult<> replay(const std::function<void(std::string_view)>& on_record) = 0;
};

// One realtime record (no batch around it: e.g. posted to /ingest). `id` is stable for
// the record (its trace id, else topic/partition/offset), so a delivery repeated after a
// crash or a retry is recognisable by the target.
struct SinkEvent {
  SinkEvent(int route, std::string event_id, std::string record_key = {})
      : route_id(route), id(std::move(event_id)), key(std::move(record_key)) {}
  int route_id = 0;
  std::string id;
  std::string key;  // the record's key on the route topic (its subject), may be empty
};

// How the router backs off after a transient failure of this sink (capped exponential).
struct RetryPolicy {
  std::chrono::milliseconds first{500};
  std::chrono::milliseconds max{60'000};
};

class Sink {
 public:
  virtual ~Sink() = default;
  virtual AdapterResult<> open() = 0;
  // True when this batch was committed before (a replay after a crash must not repeat it).
  virtual AdapterResult<bool> delivered(const SinkBatchInfo& batch) = 0;
  virtual AdapterResult<std::unique_ptr<SinkBatch>> begin(const SinkBatchInfo& batch) = 0;
  // One attempt to deliver one realtime record. The default makes it a batch of one
  // (skipped when delivered before), so a kind that writes units delivers it exactly
  // once; kinds whose target recognises repeats (http) deliver it directly.
  virtual AdapterResult<> deliver_event(const SinkEvent& event, std::string_view record);
  virtual RetryPolicy retry_policy() const { return {}; }
  // How many realtime records the router may have in deliver_event() at once (called
  // from that many threads; order is kept per record key). 1 unless the kind is
  // thread-safe there and says so (its in_flight option).
  virtual unsigned events_in_flight() const { return 1; }
  virtual void close() = 0;
};

// One record a system published itself (a Kafka peer): no file around it. The views stay
// valid while `owner` lives, which must be released before its source is closed.
struct InboundEvent {
  int route_id = 0;
  std::string_view key;
  std::string_view value;
  // Stable for the record (the peer's own trace id, else where it stands), so that one
  // offered again after a crash is recognised downstream.
  std::string trace_id;
  std::string origin;  // where it came from, for logs and the DLQ ("topic:partition:offset")
  std::shared_ptr<const void> owner;
  int32_t partition = 0;  // the source's own position of the record
  int64_t position = 0;
};

// The inbound side of a kind whose systems publish record by record (the file-unit
// Source does not fit them): the daemon's event runner takes each record onto its route
// topic and confirms it only once the hub's broker has it.
class EventSource {
 public:
  virtual ~EventSource() = default;
  virtual AdapterResult<> open() = 0;
  // The next record, waiting at most `timeout`; nullopt when none came.
  virtual AdapterResult<std::optional<InboundEvent>> next(std::chrono::milliseconds timeout) = 0;
  // These records (and those before them on their partitions) are on the hub's bus or in
  // a DLQ: never offer them again. Records offered but not confirmed are offered again
  // after close() and open().
  virtual AdapterResult<> confirm(const std::vector<InboundEvent>& events) = 0;
  virtual void close() = 0;
};

// Factories of the registered kinds (adapters/registry.cpp). nullptr: the kind has no
// source (or sink) side.
std::unique_ptr<Source> make_source(const SystemDef& system, const Catalogue& catalogue);
std::unique_ptr<Sink> make_sink(const SystemDef& system, const Catalogue& catalogue);
std::unique_ptr<EventSource> make_event_source(const SystemDef& system, const Catalogue& catalogue);

}  // namespace renkei
