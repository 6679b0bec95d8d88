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
    "button:focus,input:focus,a:focus{outline:3px solid #0a58ca}"
    "pre{background:#f6f6f6;padding:.5rem;white-space:pre-wrap;word-break:break-all}.bad{background:#fdd;color:#900}";

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

std::string nav(const PageUser& u) {
  return "<nav><a href=\"/console/\">本日</a> | <a href=\"/console/interfaces\">連携一覧</a> | <a href=\"/console/history\">転送履歴</a> | <a href=\"/console/dlq\">DLQ</a> | <a href=\"/\">連携状況</a> | " +
         html_escape(u.display_name.empty() ? u.name : u.display_name) + " (" + html_escape(u.name) + ", " +
         std::string(role_name(u.role)) + ") <form method=\"post\" action=\"/console/logout\">" + csrf_field(u.csrf) +
         "<button type=\"submit\" id=\"logout\">ログアウト</button></form></nav>\n";
}

std::string run_form(const PageUser& u, int id) {
  const std::string sid = std::to_string(id);
  return "<form method=\"post\" action=\"/console/run\">" + csrf_field(u.csrf) +
         "<input type=\"hidden\" name=\"interface\" value=\"" + sid + "\">"
         "<label>業務日 <input name=\"date\" placeholder=\"YYYY-MM-DD\" pattern=\"[0-9]{4}-[0-9]{2}-[0-9]{2}\" "
         "size=\"10\"></label> <button type=\"submit\" id=\"run-" + sid + "\">実行</button></form>";
}

std::string up_text(const std::optional<bool>& up) {
  if (!up) return "—";
  return *up ? "稼働" : "<span class=\"overdue\">停止</span>";
}

}  // namespace

std::string interfaces_page_html(const std::string& hub_name, const std::vector<InterfaceListRow>& rows,
                                 const PageUser& u) {
  std::string out = head("連携一覧 — " + hub_name) + nav(u) + "<h1>連携一覧</h1>\n";
  out += "<table id=\"interfaces\"><tr><th>No.</th><th>連携情報</th><th>連携元 → 連携先</th><th>方式</th>"
         "<th>タイミング</th><th>DLQ</th><th>期限</th></tr>\n";
  for (const auto& r : rows) {
    const std::string id = std::to_string(r.id);
    out += "<tr><td><a href=\"/console/interfaces/" + id + "\" id=\"link-" + id + "\">" + id + "</a></td><td>" +
           html_escape(r.name) + "</td><td>" + html_escape(r.from) + " → " + html_escape(r.to) + "</td><td>" +
           html_escape(r.method) + "</td><td>" + html_escape(r.timing) + "</td><td>" + std::to_string(r.dead_letters) +
           "</td><td>" + (r.overdue ? "<span class=\"overdue\">期限超過</span>" : "") + "</td></tr>\n";
  }
  return out + "</table>\n</body></html>\n";
}

std::string interface_page_html(const std::string& hub_name, const InterfaceView& v, const PageUser& u) {
  const std::string id = std::to_string(v.id);
  std::string out = head(id + " " + v.name + " — " + hub_name) + nav(u);
  out += "<h1>" + id + " " + html_escape(v.name) + "</h1>\n<table id=\"facts\">";
  auto fact = [&](const char* k, const std::string& value_html) {
    out += std::string("<tr><th>") + k + "</th><td>" + value_html + "</td></tr>";
  };
  fact("連携元", html_escape(v.from) + " (" + html_escape(v.from_id) + ") " + up_text(v.from_up));
  fact("連携先", html_escape(v.to) + " (" + html_escape(v.to_id) + ") " + up_text(v.to_up));
  fact("方式・タイミング", html_escape(v.method) + " / " + html_escape(v.timing));
  fact("コード変換", html_escape(v.conversion));
  fact("スケジュール", v.schedule.empty() ? "—" : html_escape(v.schedule));
  fact("期限", v.due.empty() ? "—" : html_escape(v.due) + (v.overdue ? " <span class=\"overdue\">期限超過</span>" : ""));
  fact("滞留", v.lag ? std::to_string(*v.lag) + " 件" : "—");
  fact("DLQ（起動以降）", std::to_string(v.dead_letters) + " 件");
  if (!v.note.empty()) fact("備考", html_escape(v.note));
  out += "</table>\n";
  if (role_allows(u.role, Role::Operator) && !v.schedule.empty()) out += "<p>" + run_form(u, v.id) + "</p>\n";
  out += "<h2>次回以降の実行（営業日カレンダー）</h2>\n";
  if (v.next_runs.empty()) {
    out += "<p>予定された実行はありません。</p>\n";
  } else {
    out += "<table id=\"next-runs\"><tr><th>日時</th><th>備考</th></tr>\n";
    for (const auto& n : v.next_runs)
      out += "<tr><td>" + html_escape(n.at) + "</td><td>" + html_escape(n.remarks) + "</td></tr>\n";
    out += "</table>\n";
  }
  out += "<h2>直近の実行</h2>\n";
  if (v.runs.empty()) {
    out += "<p>実行の記録はありません。</p>\n";
  } else {
    out += "<table id=\"runs\"><tr><th>実行</th><th>状態</th><th>業務日</th><th>開始</th><th>終了</th><th>ファイル</th>"
           "<th>レコード</th><th>実行者</th><th>受領確認</th></tr>\n";
    for (const auto& r : v.runs) {
      auto text = [&](const char* k) {
        return r.contains(k) && r[k].is_string() ? html_escape(r[k].get<std::string>()) : std::string("—");
      };
      auto number = [&](const char* k) {
        return r.contains(k) && r[k].is_number_integer() ? std::to_string(r[k].get<long long>()) : std::string("—");
      };
      out += "<tr><td>" + text("id") + "</td><td>" + text("state") + "</td><td>" + text("business_date") + "</td><td>" +
             text("started_at") + "</td><td>" + text("finished_at") + "</td><td>" + number("files") + "</td><td>" +
             number("records") + "</td><td>" + text("requested_by") + "</td><td>" + text("acked_by") + "</td></tr>\n";
    }
    out += "</table>\n";
  }
  return out + "</body></html>\n";
}

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
  out += nav(u);
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
      out += "<tr id=\"row-" + id + "\"><td><a href=\"/console/interfaces/" + id + "\">" + id + "</a></td><td>" + html_escape(r.name) + "</td><td>" +
             html_escape(r.from) + " → " + html_escape(r.to) + "</td><td" + (r.overdue ? " class=\"overdue\"" : "") +
             ">" + html_escape(r.due) + (r.overdue ? " 期限超過" : "") + "</td><td>" + run_cell(r.last_run) + "</td>";
      if (operate) {
        out += "<td>" + run_form(u, r.id);
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
  out += "<h2>本日保留されたバッチ</h2>\n";
  if (!v.held_error.empty()) out += "<p class=\"error\">" + html_escape(v.held_error) + "</p>\n";
  else if (v.held.empty()) out += "<p id=\"no-held\">保留されたバッチはありません。</p>\n";
  for (const auto& e : v.held)
    out += "<p class=\"held\"><a href=\"/console/dlq/" + std::to_string(e.interface) + "\">" +
           html_escape(interface_label(e.interface)) + "</a> " + html_escape(e.file.empty() ? e.batch_id : e.file) +
           ": " + html_escape(e.reason) + "</p>\n";
  out += "<h2>デッドレター（起動以降）</h2>\n";
  if (v.dlq.empty()) out += "<p>デッドレターはありません。</p>\n";
  for (const auto& r : v.dlq)
    out += "<p>" + std::to_string(r.id) + " " + html_escape(r.name) + ": " + std::to_string(r.dead_letters) + " 件</p>\n";
  out += "</body></html>\n";
  return out;
}

std::string history_page_html(const std::string& hub_name, const HistoryView& v, const PageUser& u) {
  std::string out = head("転送履歴 — " + hub_name) + nav(u) + "<h1>転送履歴</h1>\n";
  if (!v.error.empty()) out += "<p class=\"error\" id=\"error\">" + html_escape(v.error) + "</p>\n";
  const auto& f = v.filter;
  auto input = [](const char* name, const char* label, const std::string& value, const char* extra) {
    return std::string("<label>") + label + " <input name=\"" + name + "\" id=\"f-" + name + "\" value=\"" +
           html_escape(value) + "\" " + extra + "></label> ";
  };
  out += "<form method=\"get\" action=\"/console/history\" id=\"filter\">";
  out += input("interface", "No.", f.interface ? std::to_string(*f.interface) : "", "size=\"3\" pattern=\"[0-9]{1,3}\"");
  out += input("from", "期間", f.from.value_or(""), "size=\"10\" placeholder=\"YYYY-MM-DD\"");
  out += input("to", "〜", f.to.value_or(""), "size=\"10\" placeholder=\"YYYY-MM-DD\"");
  out += "<label>結果 <select name=\"outcome\" id=\"f-outcome\"><option value=\"\">すべて</option>";
  for (auto o : history_outcomes()) {
    const std::string name(o);
    out += "<option value=\"" + name + "\"" + (f.outcome == name ? " selected" : "") + ">" + name + "</option>";
  }
  out += "</select></label> <label>種別 <select name=\"kind\" id=\"f-kind\"><option value=\"\">すべて</option>";
  for (auto k : {HistoryKind::Run, HistoryKind::Batch})
    out += std::string("<option value=\"") + std::string(to_string(k)) + "\"" + (f.kind == k ? " selected" : "") + ">" +
           (k == HistoryKind::Run ? "実行" : "バッチ") + "</option>";
  out += "</select></label> <button type=\"submit\" id=\"apply\">表示</button></form>\n";
  out += "<p><a id=\"csv\" href=\"/console/history.csv" + (v.query.empty() ? "" : "?" + html_escape(v.query)) +
         "\">CSV ダウンロード</a></p>\n";
  out += "<table id=\"history\"><tr><th>終了</th><th>No.</th><th>種別</th><th>業務日付</th><th>実行ID / ファイル名</th>"
         "<th>件数</th><th>バイト数</th><th>SHA-256</th><th>結果</th><th>理由</th><th>開始</th><th>操作者</th></tr>\n";
  auto when = [](std::int64_t ms) {
    return ms > 0 ? format_iso_tokyo(StatusTime(std::chrono::milliseconds(ms))) : std::string("—");
  };
  for (const auto& e : v.entries) {
    const bool run = e.kind == HistoryKind::Run;
    const std::string cls = e.outcome == "succeeded" || e.outcome == "delivered" ? "" : " class=\"overdue\"";
    out += "<tr class=\"entry\"><td>" + html_escape(when(e.finished_ms)) + "</td><td>" +
           html_escape(interface_label(e.interface)) + "</td><td>" + (run ? "実行" : "バッチ") + "</td><td>" +
           html_escape(e.business_date.empty() ? "—" : e.business_date) + "</td><td>" +
           html_escape(run ? e.run_id : (e.file.empty() ? e.batch_id : e.file)) + "</td><td>" +
           std::to_string(e.records) + "</td><td>" + (run ? "—" : std::to_string(e.bytes)) + "</td><td><code title=\"" +
           html_escape(e.sha256) + "\">" + html_escape(e.sha256.empty() ? "—" : e.sha256.substr(0, 16) + "…") + "</code></td><td" + cls + ">" +
           html_escape(e.outcome) + "</td><td>" + html_escape(e.reason) + "</td><td>" +
           html_escape(when(e.started_ms)) + "</td><td>" + html_escape(e.operator_name) + "</td></tr>\n";
  }
  out += "</table>\n";
  if (v.entries.empty() && v.error.empty()) out += "<p id=\"none\">該当する履歴はありません。</p>\n";
  if (v.next_before)
    out += "<p><a id=\"next\" href=\"/console/history?" + html_escape(v.query) + (v.query.empty() ? "" : "&amp;") +
           "before=" + std::to_string(*v.next_before) + "\">さらに古い履歴</a></p>\n";
  return out + "</body></html>\n";
}

std::string dlq_index_html(const std::string& hub_name, const std::vector<InterfaceListRow>& rows, const PageUser& u) {
  std::string out = head("DLQ — " + hub_name) + nav(u) + "<h1>DLQ</h1>\n";
  out += "<form method=\"get\" action=\"/console/dlq/go\"><label>No. <input name=\"interface\" id=\"f-interface\" "
         "size=\"3\" pattern=\"[0-9]{1,3}\"></label> <button type=\"submit\">表示</button></form>\n";
  out += "<p>起動後にデッドレターが出た連携:</p>\n<table id=\"dlq-routes\"><tr><th>No.</th><th>連携情報</th>"
         "<th>連携元 → 連携先</th><th>件数（起動後）</th></tr>\n";
  for (const auto& r : rows) {
    const std::string id = std::to_string(r.id);
    out += "<tr><td><a href=\"/console/dlq/" + id + "\" id=\"dlq-link-" + id + "\">" + id + "</a></td><td>" +
           html_escape(r.name) + "</td><td>" + html_escape(r.from) + " → " + html_escape(r.to) + "</td><td>" +
           std::to_string(r.dead_letters) + "</td></tr>\n";
  }
  out += "</table>\n";
  if (rows.empty()) out += "<p id=\"none\">起動後のデッドレターはありません。</p>\n";
  return out + "</body></html>\n";
}

std::string dlq_page_html(const std::string& hub_name, const DlqView& v, const PageUser& u) {
  const std::string id = std::to_string(v.id);
  std::string out = head("DLQ " + id + " " + v.name + " — " + hub_name) + nav(u);
  out += "<h1>DLQ " + id + " " + html_escape(v.name) + "</h1>\n";
  if (!v.notice.empty()) out += "<p class=\"notice\" id=\"notice\">" + html_escape(v.notice) + "</p>\n";
  if (!v.error.empty()) out += "<p class=\"error\" id=\"error\">" + html_escape(v.error) + "</p>\n";
  const bool op = role_allows(u.role, Role::Operator);
  if (op)
    out += "<form method=\"post\" action=\"/console/dlq/" + id + "/replay\">" + csrf_field(u.csrf) +
           "<button type=\"submit\" id=\"replay\">再送（未再送のデッドレターをすべて連携トピックへ戻す）</button></form>\n";
  const auto& p = v.page;
  if (p.is_object()) {
    out += "<p>パーティション " + std::to_string(p.value("partition", 0)) + " / " +
           std::to_string(p.value("partitions", 1)) + "、オフセット " + std::to_string(p.value("from", 0LL)) +
           " から（末尾 " + std::to_string(p.value("end", 0LL)) + "）</p>\n";
    out += "<table id=\"dead-letters\"><tr><th>P</th><th>オフセット</th><th>理由</th><th>詳細（項目・レコード・バイト位置）</th>"
           "<th>発生元</th><th>バッチID</th><th>連番</th><th>バイト数</th>" + std::string(op ? "<th>内容</th>" : "") + "</tr>\n";
    if (p.contains("entries") && p["entries"].is_array())
      for (const auto& e : p["entries"]) {
        const std::string part = std::to_string(e.value("partition", 0));
        const std::string off = std::to_string(e.value("offset", 0LL));
        out += "<tr class=\"dead-letter\"><td>" + part + "</td><td>" + off + "</td><td>" +
               html_escape(e.value("reason", "")) + "</td><td>" + html_escape(e.value("detail", "")) + "</td><td>" +
               html_escape(e.value("origin", "")) + "</td><td>" + html_escape(e.value("batch_id", "")) + "</td><td>" +
               html_escape(e.value("seq", "")) + "</td><td>" + std::to_string(e.value("bytes", 0ULL)) + "</td>";
        if (op)
          out += "<td><form method=\"post\" action=\"/console/dlq/" + id + "/view\">" + csrf_field(u.csrf) +
                 "<input type=\"hidden\" name=\"partition\" value=\"" + part + "\"><input type=\"hidden\" name=\"offset\" "
                 "value=\"" + off + "\"><button type=\"submit\" id=\"view-" + part + "-" + off + "\">内容表示</button></form></td>";
        out += "</tr>\n";
      }
    out += "</table>\n";
    if (p.contains("next") && p["next"].is_object())
      out += "<p><a id=\"next\" href=\"/console/dlq/" + id + "?partition=" +
             std::to_string(p["next"].value("partition", 0)) + "&amp;from=" +
             std::to_string(p["next"].value("from", 0LL)) + "\">次のページ</a></p>\n";
  }
  out += "<p><a href=\"/console/dlq/" + id + "?all=1\" id=\"all\">再送済みも含めて表示</a></p>\n";
  return out + "</body></html>\n";
}

std::string dlq_record_html(const std::string& hub_name, const DlqRecordView& v, const PageUser& u) {
  const std::string id = std::to_string(v.id);
  std::string out = head("DLQ " + id + " 内容 — " + hub_name) + nav(u);
  out += "<h1>DLQ " + id + " " + html_escape(v.name) + " — パーティション " + std::to_string(v.partition) +
         " オフセット " + std::to_string(v.offset) + "</h1>\n";
  out += "<p class=\"notice\">この表示は監査ログに記録されました（" + html_escape(u.name) + "）。</p>\n";
  out += "<table id=\"facts\"><tr><th>理由</th><td>" + html_escape(v.reason) + "</td></tr><tr><th>詳細</th><td>" +
         html_escape(v.detail) + "</td></tr><tr><th>文字コード</th><td>" + html_escape(v.charset) +
         "</td></tr><tr><th>バイト数</th><td>" + std::to_string(v.bytes) + "（復号できないバイト " +
         std::to_string(v.bad_bytes) + "）</td></tr></table>\n";
  out += "<pre id=\"record\">" + v.html + "</pre>\n";
  if (v.cut) out += "<p>先頭 64 KiB のみ表示しています。</p>\n";
  out += "<p><a href=\"/console/dlq/" + id + "\">DLQ " + id + " へ戻る</a></p>\n";
  return out + "</body></html>\n";
}

}  // namespace renkei
