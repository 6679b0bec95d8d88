#pragma once
// The console's HTML (lang="ja", UTF-8, no external assets, no script; every value
// HTML-escaped; every form carries the CSRF token). Pure functions of what they show.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

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
};

struct PageUser {
  std::string name, display_name;
  Role role = Role::Viewer;
  std::string csrf;
};

std::string login_page_html(const std::string& hub_name, const std::string& csrf, const std::string& message);
// `notice`: a fixed message after an action went through; `error`: why one did not.
std::string today_page_html(const TodayView& v, const PageUser& u, const std::string& notice, const std::string& error);

}  // namespace renkei
