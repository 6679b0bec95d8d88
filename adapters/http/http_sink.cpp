#include <algorithm>
#include <charconv>
#include <filesystem>
#include <map>

#include "http/http_adapter.hpp"
#include "http/http_client.hpp"
#include "renkei/atomic_file.hpp"
#include "renkei/posix_file.hpp"
#include "renkei/sha256.hpp"

namespace fs = std::filesystem;

namespace renkei::adapters {

std::string idempotency_key(int route_id, const std::string& id) {
  return "renkei-" + interface_label(route_id) + "-" + id;
}

std::string expand_url(std::string url, int route_id, const std::string& system_id, const std::string& target_id) {
  auto replace = [&](std::string_view from, const std::string& to) {
    for (auto pos = url.find(from); pos != std::string::npos; pos = url.find(from, pos + to.size()))
      url.replace(pos, from.size(), to);
  };
  replace("{interface}", interface_label(route_id));
  replace("{system}", system_id);
  replace("{target}", target_id.empty() ? system_id : target_id);
  return url;
}

long long int_setting(const SystemDef& s, const std::string& name, long long fallback) {
  auto it = s.adapter.settings.find(name);
  if (it == s.adapter.settings.end()) return fallback;
  long long v = fallback;
  auto [p, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
  return ec == std::errc{} && v > 0 ? v : fallback;
}

namespace {

class HttpSink;

// A file batch delivered as one POST: the records are kept in memory (up to
// max_batch_bytes) until the end marker proves them complete; nothing is sent before.
class HttpSinkBatch final : public SinkBatch {
 public:
  HttpSinkBatch(HttpSink& sink, SinkBatchInfo info) : sink_(sink), info_(std::move(info)) {}

  AdapterResult<> append(std::string_view record) override;
  AdapterResult<> commit(const BatchEnd& end) override;
  void abort() override {
    body_.clear();
    starts_.clear();
  }
  AdapterResult<> replay(const std::function<void(std::string_view)>& on_record) override {
    for (std::size_t i = 0; i < starts_.size(); ++i) {
      const std::size_t end = i + 1 < starts_.size() ? starts_[i + 1] - 1 : body_.size();
      on_record(std::string_view(body_).substr(starts_[i], end - starts_[i]));
    }
    return {};
  }

 private:
  HttpSink& sink_;
  SinkBatchInfo info_;
  std::string body_;                // the records joined by '\n', as the file held them
  std::vector<std::size_t> starts_;  // where each record begins in body_
};

class HttpSink final : public Sink {
 public:
  HttpSink(const SystemDef& system, const Catalogue& catalogue)
      : system_id_(system.id),
        ledger_root_((fs::path(catalogue.hub.state_dir) / "delivered" / system.id).string()),
        timeout_(int_setting(system, "timeout_ms", 5000)),
        max_batch_(static_cast<std::size_t>(int_setting(system, "max_batch_bytes", 64 << 20))) {
    if (auto it = system.adapter.settings.find("url"); it != system.adapter.settings.end()) url_ = it->second;
    if (auto it = system.adapter.settings.find("content_type"); it != system.adapter.settings.end())
      content_type_ = it->second;
    policy_.first = std::chrono::milliseconds(int_setting(system, "backoff_initial_ms", 500));
    policy_.max = std::max(policy_.first, std::chrono::milliseconds(int_setting(system, "backoff_max_ms", 60'000)));
    for (const auto* r : catalogue.routes_delivered_by(system.id)) targets_[r->id] = r->to;
  }

  AdapterResult<> open() override {
    // Nothing to connect ahead: each delivery is its own request. Only the URL can be
    // checked, so that a typo shows at start-up rather than at the first record.
    if (auto u = target(0); !u) return std::unexpected(u.error());
    return {};
  }

  AdapterResult<bool> delivered(const SinkBatchInfo& b) override {
    std::error_code ec;
    return fs::exists(fs::path(ledger_dir(b.route_id)) / b.batch_id, ec);
  }

  AdapterResult<std::unique_ptr<SinkBatch>> begin(const SinkBatchInfo& b) override {
    return std::unique_ptr<SinkBatch>(std::make_unique<HttpSinkBatch>(*this, b));
  }

  // Realtime records go straight out: no ledger, so nothing on disk grows per event. A
  // repeat (crash before the offset commit, a retry after a lost answer) carries the same
  // Idempotency-Key: delivery is at least once, and recognisably so (ARCHITECTURE §5).
  AdapterResult<> deliver_event(const SinkEvent& e, std::string_view record) override {
    return post(e.route_id, e.id, record, {{"Renkei-Trace-Id", e.id}});
  }

  RetryPolicy retry_policy() const override { return policy_; }
  void close() override {}

  AdapterResult<> post(int route_id, const std::string& id, std::string_view body,
                       std::vector<std::pair<std::string, std::string>> extra) {
    auto url = target(route_id);
    if (!url) return std::unexpected(url.error());
    extra.emplace_back("Idempotency-Key", idempotency_key(route_id, id));
    extra.emplace_back("Renkei-Interface", interface_label(route_id));
    extra.emplace_back("Renkei-Target", target_of(route_id));
    extra.emplace_back("Content-Type", content_type_);
    auto answer = client_.post(*url, extra, body, timeout_);
    // Transport failures, 5xx, 408 and 429 mean "later"; other 4xx mean "never like this".
    if (!answer) return std::unexpected(AdapterError{true, "io", "POST to " + system_id_ + ": " + answer.error()});
    const int s = answer->status;
    if (s >= 200 && s < 300) return {};
    const std::string what = "POST to " + system_id_ + " answered " + std::to_string(s) +
                             (answer->reason.empty() ? "" : " " + answer->reason);
    if (s >= 400 && s < 500 && s != 408 && s != 429) return std::unexpected(AdapterError{false, "target-rejected", what});
    return std::unexpected(AdapterError{true, "io", what});
  }

  std::string ledger_dir(int route_id) const {
    return (fs::path(ledger_root_) / interface_label(route_id)).string();
  }
  std::size_t max_batch() const { return max_batch_; }

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
  std::string ledger_root_;
  std::chrono::milliseconds timeout_;
  std::size_t max_batch_;
  RetryPolicy policy_;
  HttpClient client_;  // one kept-alive connection: a POST per event must not pay a handshake
};

AdapterResult<> HttpSinkBatch::append(std::string_view record) {
  if (!starts_.empty()) body_.push_back('\n');
  starts_.push_back(body_.size());
  body_.append(record);
  if (body_.size() > sink_.max_batch())
    return std::unexpected(AdapterError{false, "bad-record", "batch " + info_.batch_id + " exceeds max_batch_bytes (" +
                                                               std::to_string(sink_.max_batch()) + ")"});
  return {};
}

AdapterResult<> HttpSinkBatch::commit(const BatchEnd& end) {
  std::string_view body = body_;
  std::string with_newline;
  if (end.final_newline) {
    with_newline = body_ + "\n";
    body = with_newline;
  }
  const auto sum = sha256_hex(body);
  if (end.count != starts_.size() || end.sha256 != sum)
    return std::unexpected(AdapterError{false, "bad-record",
                                        "batch " + info_.batch_id + " does not match its end marker: " +
                                            std::to_string(starts_.size()) + " records, expected " +
                                            std::to_string(end.count) + (end.sha256 != sum ? ", checksum differs" : "")});
  if (auto r = sink_.post(info_.route_id, info_.batch_id, body,
                          {{"Renkei-Batch-Id", info_.batch_id}, {"Renkei-Record-Count", std::to_string(end.count)}});
      !r)
    return r;
  // The target has it. The ledger spares it a second POST after a restart; should this
  // write fail, the retry repeats the POST under the same Idempotency-Key.
  if (auto r = make_dirs(sink_.ledger_dir(info_.route_id)); !r)
    return std::unexpected(AdapterError{true, "io", r.error().message});
  if (auto r = write_file_atomically((fs::path(sink_.ledger_dir(info_.route_id)) / info_.batch_id).string(), "");
      !r)
    return std::unexpected(AdapterError{true, "io", r.error()});
  return {};
}

}  // namespace

std::unique_ptr<Sink> make_http_sink(const SystemDef& system, const Catalogue& catalogue) {
  return std::make_unique<HttpSink>(system, catalogue);
}

}  // namespace renkei::adapters
