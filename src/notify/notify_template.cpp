#include "notify_template.hpp"

#include <algorithm>
#include <array>
#include <string>

namespace renkei {

namespace {

constexpr std::array<std::string_view, 14> kNames = {
    "event", "interface", "interface_name", "business_date", "run_id", "outcome", "reason",
    "count", "route_dlq_count", "minutes",   "target",        "hub",   "hook",   "at",
};

constexpr std::string_view kOpen = "{{";
constexpr std::string_view kClose = "}}";

const std::string* find_var(const NotifyVars& vars, std::string_view name) {
  for (const auto& [n, v] : vars)
    if (n == name) return &v;
  return nullptr;
}

}  // namespace

std::span<const std::string_view> notify_variable_names() { return kNames; }

bool is_notify_variable(std::string_view name) {
  return std::find(kNames.begin(), kNames.end(), name) != kNames.end();
}

std::string escape_controls(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7F) {
      static constexpr char hex[] = "0123456789ABCDEF";
      out += "\\x";
      out += hex[b >> 4];
      out += hex[b & 0xF];
    } else {
      out += c;
    }
  }
  return out;
}

std::expected<void, std::string> check_template(std::string_view text) {
  std::size_t pos = 0;
  while ((pos = text.find(kOpen, pos)) != std::string_view::npos) {
    std::size_t end = text.find(kClose, pos + kOpen.size());
    if (end == std::string_view::npos) return std::unexpected("unclosed \"{{\" at byte " + std::to_string(pos));
    std::string_view name = text.substr(pos + kOpen.size(), end - pos - kOpen.size());
    if (!is_notify_variable(name))
      // The name is the operator's own text, escaped so a stray control cannot garble a log.
      return std::unexpected("unknown variable \"" + escape_controls(name) + "\" at byte " + std::to_string(pos));
    pos = end + kClose.size();
  }
  return {};
}

std::string render(std::string_view text, const NotifyVars& vars) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  for (;;) {
    std::size_t open = text.find(kOpen, pos);
    if (open == std::string_view::npos) break;
    std::size_t end = text.find(kClose, open + kOpen.size());
    if (end == std::string_view::npos) break;  // unclosed: the rest is literal text
    out.append(text.substr(pos, open - pos));
    std::string_view name = text.substr(open + kOpen.size(), end - open - kOpen.size());
    if (const std::string* v = find_var(vars, name)) out += escape_controls(*v);
    pos = end + kClose.size();
  }
  out.append(text.substr(pos));
  return out;
}

const NotifyTemplate& default_template(NotifyEvent event) {
  // Short, plain texts an operator on duty can act on; every id needed to look the run up.
  static const NotifyTemplate run_failed{
      .subject = "[renkei] 連携失敗: {{interface}} {{interface_name}}",
      .body = "連携 {{interface}}（{{interface_name}}）の実行が失敗しました。\n"
              "業務日付: {{business_date}}\n実行ID: {{run_id}}\n結果: {{outcome}}\n理由: {{reason}}\n"
              "ハブ: {{hub}}\n時刻: {{at}}\n"};
  static const NotifyTemplate run_missing{
      .subject = "[renkei] 未実行: {{interface}} {{interface_name}}",
      .body = "連携 {{interface}}（{{interface_name}}）の業務日付 {{business_date}} のデータが期限までに届きませんでした。\n"
              "実行ID: {{run_id}}\n理由: {{reason}}\nハブ: {{hub}}\n時刻: {{at}}\n"};
  static const NotifyTemplate dlq_growth{
      .subject = "[renkei] DLQ増加: {{interface}} {{count}}件",
      .body = "連携 {{interface}}（{{interface_name}}）のデッドレターが {{count}} 件増えました"
              "（このハブの起動以降: {{route_dlq_count}} 件）。\n管理画面のDLQで内容を確認してください。\n"
              "ハブ: {{hub}}\n時刻: {{at}}\n"};
  static const NotifyTemplate manual_overdue{
      .subject = "[renkei] 手動連携の期限超過: {{interface}} {{interface_name}}",
      .body = "手動連携 {{interface}}（{{interface_name}}）の業務日付 {{business_date}} 分が期限 {{at}} を過ぎても"
              "実行・受領確認されていません。\nハブ: {{hub}}\n"};
  static const NotifyTemplate target_down{
      .subject = "[renkei] 接続先停止: {{target}}",
      .body = "接続先 {{target}} が {{minutes}} 分以上停止しています（送信できません）。\n"
              "ハブ: {{hub}}\n時刻: {{at}}\n"};
  static const NotifyTemplate hook_failed{
      .subject = "[renkei] フック失敗: {{hook}} {{interface}}",
      .body = "ジョブフック {{hook}} が失敗しました。\n連携: {{interface}}（{{interface_name}}）\n"
              "実行ID: {{run_id}}\n結果: {{outcome}}\n理由: {{reason}}\nハブ: {{hub}}\n時刻: {{at}}\n"};
  switch (event) {
    case NotifyEvent::RunFailed: return run_failed;
    case NotifyEvent::RunMissing: return run_missing;
    case NotifyEvent::DlqGrowth: return dlq_growth;
    case NotifyEvent::ManualOverdue: return manual_overdue;
    case NotifyEvent::TargetDown: return target_down;
    case NotifyEvent::HookFailed: return hook_failed;
  }
  return run_failed;
}

}  // namespace renkei
