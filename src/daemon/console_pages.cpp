#include "console_pages.hpp"

#include "status_page.hpp"

namespace renkei {

namespace {

constexpr const char* kStyle =
    "body{font-family:'IPAGothic','Noto Sans CJK JP',sans-serif;margin:1.5rem;color:#222}"
    "h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.5rem}"
    "table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:.3rem .5rem;text-align:left}"
    ".overdue{color:#b00;font-weight:bold}.notice{background:#e6f4e6;padding:.5rem}"
    ".error{background:#fbe3e3;padding:.5rem}nav form{display:inline}"
    "button:focus,input:focus,a:focus{outline:3px solid #0a58ca}";

std::string head(const std::string& title) {
  return "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\"><title>" + html_escape(title) +
         "</title><style>" + kStyle + "</style></head><body>\n";
}

std::string csrf_field(const std::string& csrf) {
  return "<input type=\"hidden\" name=\"csrf\" value=\"" + html_escape(csrf) + "\">";
}

std::string run_cell(const nlohmann::ordered_json& run) {
  if (!run.is_object()) return "—";
  std::string s = html_escape(run.value("id", "")) + " " + html_escape(run.value("state", ""));
  if (run.contains("acked_by") && run["acked_by"].is_string() && !run["acked_by"].get<std::string>().empty())
    s += " (受領確認: " + html_escape(run["acked_by"].get<std::string>()) + ")";
  return s;
}

bool can_ack(const nlohmann::ordered_json& run) {
  return run.is_object() && run.value("state", "") == "succeeded" &&
         (!run.contains("acked_at") || run["acked_at"].is_null());
}

}  // namespace

std::string login_page_html(const std::string& hub_name, const std::string& csrf, const std::string& message) {
  std::string out = head("ログイン — " + hub_name);
  out += "<h1>renkei 運用コンソール <small>" + html_escape(hub_name) + "</small></h1>\n";
  if (!message.empty()) out += "<p class=\"error\" id=\"message\" role=\"alert\">" + html_escape(message) + "</p>\n";
  out += "<form method=\"post\" action=\"/console/login\">" + csrf_field(csrf) +
         "<p><label for=\"user\">ユーザー名</label><br><input id=\"user\" name=\"user\" autocomplete=\"username\" "
         "required autofocus></p>"
         "<p><label for=\"password\">パスワード</label><br><input id=\"password\" name=\"password\" type=\"password\" "
         "autocomplete=\"current-password\" required></p>"
         "<p><button type=\"submit\" id=\"login\">ログイン</button></p></form>\n</body></html>\n";
  return out;
}

std::string today_page_html(const TodayView& v, const PageUser& u, const std::string& notice, const std::string& error) {
  const bool operate = role_allows(u.role, Role::Operator);
  std::string out = head("本日 — " + v.hub_name);
  out += "<nav><a href=\"/console/\">本日</a> | <a href=\"/\">連携状況</a> | " +
         html_escape(u.display_name.empty() ? u.name : u.display_name) + " (" + html_escape(u.name) + ", " +
         std::string(role_name(u.role)) + ") <form method=\"post\" action=\"/console/logout\">" + csrf_field(u.csrf) +
         "<button type=\"submit\" id=\"logout\">ログアウト</button></form></nav>\n";
  out += "<h1>本日 " + html_escape(v.today) + "</h1>\n";
  if (!notice.empty()) out += "<p class=\"notice\" id=\"notice\" role=\"status\">" + html_escape(notice) + "</p>\n";
  if (!error.empty()) out += "<p class=\"error\" id=\"error\" role=\"alert\">" + html_escape(error) + "</p>\n";
  out += "<p>期限超過: <strong id=\"overdue-count\"" + std::string(v.overdue ? " class=\"overdue\"" : "") + ">" +
         std::to_string(v.overdue) + "</strong> 件</p>\n";

  out += "<h2>本日期限・期限超過の手動連携</h2>\n";
  if (v.due.empty()) {
    out += "<p id=\"no-due\">本日期限の手動連携はありません。</p>\n";
  } else {
    out += "<table id=\"due\"><tr><th>No.</th><th>連携情報</th><th>連携元 → 連携先</th><th>期限</th><th>直近の実行</th>" +
           std::string(operate ? "<th>操作</th>" : "") + "</tr>\n";
    for (const auto& r : v.due) {
      const std::string id = std::to_string(r.id);
      out += "<tr id=\"row-" + id + "\"><td>" + id + "</td><td>" + html_escape(r.name) + "</td><td>" +
             html_escape(r.from) + " → " + html_escape(r.to) + "</td><td" + (r.overdue ? " class=\"overdue\"" : "") +
             ">" + html_escape(r.due) + (r.overdue ? " 期限超過" : "") + "</td><td>" + run_cell(r.last_run) + "</td>";
      if (operate) {
        out += "<td><form method=\"post\" action=\"/console/run\">" + csrf_field(u.csrf) +
               "<input type=\"hidden\" name=\"interface\" value=\"" + id + "\">"
               "<label>業務日 <input name=\"date\" placeholder=\"YYYY-MM-DD\" pattern=\"[0-9]{4}-[0-9]{2}-[0-9]{2}\" "
               "size=\"10\"></label> <button type=\"submit\" id=\"run-" + id + "\">実行</button></form>";
        if (can_ack(r.last_run))
          out += "<form method=\"post\" action=\"/console/ack\">" + csrf_field(u.csrf) +
                 "<input type=\"hidden\" name=\"interface\" value=\"" + id + "\"><input type=\"hidden\" name=\"run\" value=\"" +
                 html_escape(r.last_run.value("id", "")) + "\"><button type=\"submit\" id=\"ack-" + id +
                 "\">受領確認</button></form>";
        out += "</td>";
      }
      out += "</tr>\n";
    }
    out += "</table>\n";
  }
  out += "<h2>実行中</h2>\n";
  if (v.running.empty()) out += "<p>実行中の連携はありません。</p>\n";
  for (const auto& r : v.running) out += "<p>" + std::to_string(r.id) + " " + html_escape(r.name) + ": " + run_cell(r.last_run) + "</p>\n";
  out += "<h2>デッドレター（起動以降）</h2>\n";
  if (v.dlq.empty()) out += "<p>デッドレターはありません。</p>\n";
  for (const auto& r : v.dlq)
    out += "<p>" + std::to_string(r.id) + " " + html_escape(r.name) + ": " + std::to_string(r.dead_letters) + " 件</p>\n";
  out += "</body></html>\n";
  return out;
}

}  // namespace renkei
