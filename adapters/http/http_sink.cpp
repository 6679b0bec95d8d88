#include <algorithm>
#include <map>

#include "sink_support.hpp"
#include "http/http_adapter.hpp"
#include "http/http_client.hpp"
#include "renkei/outside_value.hpp"
#include "renkei/text.hpp"

namespace renkei::adapters {

std::string idempotency_key(int route_id, const std::string& id) {
  return "renkei-" + interface_label(route_id) + "-" + id;
}

std::string expand_url(std::string url, int route_id, const std::string& system_id, const std::string& target_id) {
  replace_all(url, "{interface}", interface_label(route_id));
  replace_all(url, "{system}", system_id);
  replace_all(url, "{target}", target_id.empty() ? system_id : target_id);
  return url;
}

namespace {

// A file batch is delivered as one POST: its records are held in memory (up to
// max_batch_bytes) until the end marker proves them complete; nothing is sent before.
class HttpSink final : public HeldBatchSink {
 public:
  HttpSink(const SystemDef& system, const Catalogue& catalogue)
      : HeldBatchSink(system, catalogue),
        system_id_(system.id),
        timeout_(positive_setting(system, "timeout_ms", 5000)),
        in_flight_(static_cast<unsigned>(positive_setting(system, "in_flight", 4))),
        policy_(backoff_setting(system)) {
    if (auto it = system.adapter.settings.find("url"); it != system.adapter.settings.end()) url_ = it->second;
    if (auto it = system.adapter.settings.find("content_type"); it != system.adapter.settings.end())
      content_type_ = it->second;
    for (const auto* r : catalogue.routes_delivered_by(system.id)) targets_[r->id] = r->to;
  }

  AdapterResult<> open() override {
    // Nothing to connect ahead: each delivery is its own request. Only the URL can be
    // checked, so that a typo shows at start-up rather than at the first record.
    if (auto u = target(0); !u) return std::unexpected(u.error());
    prune_delivered();
    return {};
  }

  // Realtime records go straight out: no ledger, so nothing on disk grows per event. A
  // repeat (crash before the offset commit, a retry after a lost answer) carries the same
  // Idempotency-Key: delivery is at least once, and recognisably so (ARCHITECTURE §5).
  AdapterResult<> deliver_event(const SinkEvent& e, std::string_view record) override {
    return post(e.route_id, e.id, record, {{"Renkei-Trace-Id", e.id}});
  }

  RetryPolicy retry_policy() const override { return policy_; }
  // post() is safe from several threads: each POST borrows its own connection.
  unsigned events_in_flight() const override { return in_flight_; }
  void close() override {}

  AdapterResult<> post(int route_id, const std::string& id, std::string_view body,
                       std::vector<std::pair<std::string, std::string>> extra) {
    auto url = target(route_id);
    if (!url) return std::unexpected(url.error());
    extra.emplace_back("Idempotency-Key", idempotency_key(route_id, id));
    extra.emplace_back("Renkei-Interface", interface_label(route_id));
    extra.emplace_back("Renkei-Target", target_of(route_id));
    extra.emplace_back("Content-Type", content_type_);
    // Ids come checked from the router; this is the last line before the wire, so a value
    // that could split the request (CR, LF) never reaches it, whatever produced it.
    for (const auto& [name, value] : extra)
      if (auto ok = safe_header_value(name, value); !ok)
        return std::unexpected(AdapterError{false, "bad-header", ok.error().message()});
    auto answer = clients_.take()->post(*url, extra, body, timeout_);
    // Transport failures, 5xx, 408 and 429 mean "later"; other 4xx mean "never like this".
    if (!answer) return std::unexpected(AdapterError{true, "io", "POST to " + system_id_ + ": " + answer.error()});
    const int s = answer->status;
    if (s >= 200 && s < 300) return {};
    const std::string what = "POST to " + system_id_ + " answered " + std::to_string(s) +
                             (answer->reason.empty() ? "" : " " + answer->reason);
    if (s >= 400 && s < 500 && s != 408 && s != 429) return std::unexpected(AdapterError{false, "target-rejected", what});
    return std::unexpected(AdapterError{true, "io", what});
  }

  // The whole rebuilt file as one POST.
  AdapterResult<> deliver_batch(const SinkBatchInfo& b, const HeldRecords& records, const BatchEnd& end) override {
    std::string_view body = records.joined();
    std::string with_newline;
    if (end.final_newline) {
      with_newline = records.joined() + "\n";
      body = with_newline;
    }
    return post(b.route_id, b.batch_id, body,
                {{"Renkei-Batch-Id", b.batch_id}, {"Renkei-Record-Count", std::to_string(end.count)}});
  }

 private:
  AdapterResult<HttpUrl> target(int route_id) const {
    // A missing or wrong URL is configuration, not data: transient, so the records wait
    // in Kafka until SIGHUP brings a fixed one.
    if (url_.empty()) return std::unexpected(AdapterError{true, "config", "system " + system_id_ + ": adapter option url is not set"});
    auto u = parse_http_url(expand_url(url_, route_id, system_id_, target_of(route_id)));
    if (!u) return std::unexpected(AdapterError{true, "config", "system " + system_id_ + ": url: " + u.error()});
    return *u;
  }

  // The system a route's records are for: this one, or the far one it relays them to.
  const std::string& target_of(int route_id) const {
    auto it = targets_.find(route_id);
    return it == targets_.end() ? system_id_ : it->second;
  }

  std::string system_id_;
  std::map<int, std::string> targets_;  // route id -> its `to` system
  std::string url_;
  std::string content_type_ = "application/octet-stream";
  std::chrono::milliseconds timeout_;
  unsigned in_flight_;
  RetryPolicy policy_;
  // Kept-alive connections, one per POST in flight: a POST per event must not pay a handshake.
  HttpClientPool clients_;
};

}  // namespace

std::unique_ptr<Sink> make_http_sink(const SystemDef& system, const Catalogue& catalogue) {
  return std::make_unique<HttpSink>(system, catalogue);
}

}  // namespace renkei::adapters
