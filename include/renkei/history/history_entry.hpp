#pragma once
// One line of 転送履歴 (the transfer history on renkei.history): a run that ended, or a
// batch (a file) that was delivered or held. Only ids, names, counts, checksums, times
// and outcomes: never a record's contents. Written once per run and per batch outcome;
// a batch re-read after a crash is written again as `delivered-before`, so at least
// once, never silently missing.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace renkei {

enum class HistoryKind { Run, Batch };
std::string_view to_string(HistoryKind k);
std::optional<HistoryKind> parse_history_kind(std::string_view s);

// What a job hook did for the run (its output bounded and escaped for display).
struct HookNote {
  std::string stage;    // before | after_success | after_failure
  std::string outcome;  // succeeded | failed | timed-out | signalled | not-started
  std::string reason;   // "exit 3" …
  std::string output;
  bool truncated = false;
  std::int64_t took_ms = 0;
};

struct HistoryEntry {
  HistoryKind kind = HistoryKind::Run;
  int interface = 0;
  std::string business_date;  // YYYY-MM-DD; empty for a batch that no run carried
  std::string run_id;         // runs: "009-20261125"
  std::string batch_id;       // batches
  std::string file;           // batches: the file's name at the source (a SpoolName)
  std::uint64_t files = 0;    // runs: files carried
  std::uint64_t records = 0;
  std::uint64_t bytes = 0;    // batches: bytes written to the target
  std::string sha256;         // batches: hex, over what the target received
  std::string outcome;        // run: succeeded|failed|missing; batch: delivered|held|delivered-before
  std::string reason;         // why it failed or was held; never record contents
  std::int64_t started_ms = 0;   // epoch milliseconds
  std::int64_t finished_ms = 0;
  std::string operator_name;  // who asked for a manual run
  std::string trigger;        // runs: schedule|catch-up|manual
  std::string hub;            // the renkeid that carried it
  std::vector<HookNote> hooks;

  // The date the filters use: the business date, else the Tokyo date it finished.
  std::string date() const;
};

std::string to_json(const HistoryEntry& e);
// Strict: the topic is outside the process (another renkeid, a person with kcat), so a
// value that does not fit the grammar is refused, never half-read.
std::optional<HistoryEntry> history_entry_from_json(std::string_view text);

// The filters of GET /api/v1/history and the console: all optional.
struct HistoryFilter {
  std::optional<int> interface;
  std::optional<std::string> from;  // YYYY-MM-DD inclusive
  std::optional<std::string> to;    // YYYY-MM-DD inclusive
  std::optional<std::string> outcome;
  std::optional<HistoryKind> kind;
  bool matches(const HistoryEntry& e) const;
};

// The outcomes an entry can have, for the filters' validation and the console's menu.
const std::vector<std::string_view>& history_outcomes();

// The CSV download (Excel in a city office): UTF-8 with a BOM, CRLF, every field quoted,
// and a field that a spreadsheet would run as a formula (= + - @ TAB CR first) prefixed
// with an apostrophe.
std::string history_csv_header();
std::string history_csv_row(const HistoryEntry& e);

}  // namespace renkei
