#pragma once
// The operators' web console under /console/: login with a password of users.yaml
// (Argon2id, checked on its own thread, never on the event loop), a session cookie
// (renkei_session: HttpOnly, SameSite=Strict, Path=/console, Secure under TLS, idle
// expiry), a CSRF token in every form, lock-out after repeated failures, and the 本日
// page with 実行 and 受領確認 for operators. Every login, logout, failure, lock-out and
// action is audited with the person's name from their session.
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

#include "audit_log.hpp"
#include "authenticator.hpp"
#include "console_pages.hpp"
#include "http_server.hpp"
#include "hub_metrics.hpp"
#include "dlq_service.hpp"
#include "job_scheduler.hpp"
#include "renkei/history/history_reader.hpp"
#include "renkei/catalogue/model.hpp"
#include "renkei/metrics.hpp"
#include "renkei/people/login_guard.hpp"
#include "runtime.hpp"
#include "session_store.hpp"

namespace renkei {

class Console {
 public:
  struct Parts {
    AdminHttpServer& http;
    const Authenticator& authn;
    AuditLog& audit;
    JobScheduler& scheduler;
    const RuntimeHolder& runtime;
    MetricsRegistry& registry;
    HubMetrics& metrics;
    // Runs a handler off the event loop with a deadline (the hub's bus workers).
    std::function<AsyncHandler(Handler)> off_loop;
    bool tls = false;
    HistoryReader* history = nullptr;  // 転送履歴 (renkei.history)
    DlqService* dlq = nullptr;         // the DLQ pages
  };
  // Adds the /console routes. The lock-out settings are read here, once.
  Console(Parts parts, const ConsoleConfig& config);
  ~Console();
  Console(const Console&) = delete;
  Console& operator=(const Console&) = delete;

  void configure(const ConsoleConfig& config);  // the idle expiry (reload)
  // Ends the sessions of people removed, or whose role or password changed.
  void people_changed(const nlohmann::ordered_json& change);
  // The identity of the request's live session, if any (for the audit of refusals).
  std::optional<Identity> session_identity(const HttpRequest& req);
  void stop();

 private:
  void add_routes();
  void login(const HttpRequest& req, Reply reply);
  // The 本日 page; with `error`, after an action the hub refused, under that status.
  HttpResponse today(const HttpRequest& req, const std::string& error = {}, int status = 200);
  HttpResponse interfaces(const HttpRequest& req);
  // 連携一覧's rows: every route with its DLQ count and overdue flag.
  std::vector<InterfaceListRow> list_rows(const Catalogue& c);
  // 403 unless the session's person is an operator or above.
  static std::optional<HttpResponse> operator_only(const Session& s);
  HttpResponse interface(const HttpRequest& req, int id);
  HttpResponse history(const HttpRequest& req, bool csv);
  HttpResponse dlq_index(const HttpRequest& req);
  HttpResponse dlq_page(const HttpRequest& req, int id, const std::string& notice = {}, const std::string& error = {},
                        int status = 200);
  HttpResponse dlq_view(const HttpRequest& req, int id);
  HttpResponse dlq_replay(const HttpRequest& req, int id);
  HttpResponse act(const HttpRequest& req, const std::string& action);
  HttpResponse logout(const HttpRequest& req);
  // The session behind the cookie, with its form checked against its CSRF token.
  std::expected<Session, HttpResponse> session_of(const HttpRequest& req);
  void audit(nlohmann::ordered_json entry);

  Parts p_;
  SessionStore sessions_;
  LoginGuard guard_;
  std::unique_ptr<boost::asio::thread_pool> login_pool_;
  std::atomic<int> login_waiting_{0};
  std::atomic<bool> stopping_{false};
  std::string dummy_hash_;  // checked for unknown names, so their answer takes as long
};

}  // namespace renkei
