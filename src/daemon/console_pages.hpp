#pragma once
// The console's HTML (lang="ja", UTF-8, no external assets, no script; every value
// HTML-escaped; every form carries the CSRF token). Pure functions of what they show.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "renkei/history/history_entry.hpp"
#include "renkei/people/role.hpp"

namespace renkei {

struct TodayRow {
  int id = 0;
  std::string name;           // 連携情報名
  std::string from, to;       // display names
  std::string due;            // "2026-11-25T22:00:00+09:00", or empty
  bool overdue = false;
  nlohmann::ordered_json last_run;  // run_json of the latest run, or null
  std::uint64_t dead_letters = 0;   // since start
};

struct TodayView {
  std::string hub_name;
  std::string today;  // business date shown, YYYY-MM-DD (Asia/Tokyo)
  std::vector<TodayRow> due;       // manual rows due today or overdue
  std::vector<TodayRow> running;   // routes with a run in progress
  std::vector<TodayRow> dlq;       // routes with dead letters since start
  int overdue = 0;
  std::vector<HistoryEntry> held{};  // batches held today (転送履歴), newest first
  std::string held_error{};          // renkei.history did not answer
};

struct PageUser {
  std::string name, display_name;
  Role role = Role::Viewer;
  std::string csrf;
};

// 連携一覧: every route, linking to its page.
struct InterfaceListRow {
  int id = 0;
  std::string name, from, to, method, timing;
  std::uint64_t dead_letters = 0;
  bool overdue = false;
};

// One interface's page: what it is, its next runs on the business calendar (with why a
// date moved or fell away), its last runs, lag, dead letters and adapters.
struct InterfaceView {
  int id = 0;
  std::string name, from, to, from_id, to_id, method, timing, conversion, schedule, note;
  struct NextRun {
    std::string at;       // 2026-12-28T22:00:00+09:00
    std::string remarks;  // "2026-12-26 土曜日 から移動", "2026-12-29 年末年始休業 は休み", or empty
  };
  std::vector<NextRun> next_runs;
  std::vector<nlohmann::ordered_json> runs;  // run_json, newest first
  std::optional<std::int64_t> lag;
  std::uint64_t dead_letters = 0;
  std::optional<bool> from_up, to_up;  // the adapters' state; empty when the hub has none for that side
  std::string due;
  bool overdue = false;
};

std::string interfaces_page_html(const std::string& hub_name, const std::vector<InterfaceListRow>& rows,
                                 const PageUser& u);
std::string interface_page_html(const std::string& hub_name, const InterfaceView& v, const PageUser& u);

// 転送履歴: the filter form (GET, so a filtered view is a link), one page of entries
// newest first, the next page's link and the CSV download of the same filter.
struct HistoryView {
  HistoryFilter filter;
  std::vector<HistoryEntry> entries;
  std::string query;                  // the filter as a query string (validated values only)
  std::optional<std::int64_t> next_before;
  std::string error;                  // why the filter was refused, or the bus did not answer
};
std::string history_page_html(const std::string& hub_name, const HistoryView& v, const PageUser& u);

// DLQ: one route's dead letters, a page of one partition (positions, reason, detail with
// field / record / byte offset, never the bytes); 内容表示 and 再送 for operator and above.
struct DlqView {
  int id = 0;
  std::string name;
  nlohmann::json page;   // DlqService::page's answer
  std::string notice, error;
};
std::string dlq_page_html(const std::string& hub_name, const DlqView& v, const PageUser& u);

// DLQ index: the routes with dead letters since start, and a jump to any route's.
std::string dlq_index_html(const std::string& hub_name, const std::vector<InterfaceListRow>& rows, const PageUser& u);

// One dead letter's bytes, decoded for display (an audited view).
struct DlqRecordView {
  int id = 0;
  std::string name;
  int partition = 0;
  std::int64_t offset = 0;
  std::string reason, detail, charset;
  std::string html;  // record_display's, safe inside <pre>
  std::size_t bytes = 0, bad_bytes = 0;
  bool cut = false;
};
std::string dlq_record_html(const std::string& hub_name, const DlqRecordView& v, const PageUser& u);

std::string login_page_html(const std::string& hub_name, const std::string& csrf, const std::string& message);
// `notice`: a fixed message after an action went through; `error`: why one did not.
std::string today_page_html(const TodayView& v, const PageUser& u, const std::string& notice, const std::string& error);

}  // namespace renkei
