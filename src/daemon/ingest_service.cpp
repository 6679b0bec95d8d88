#include "ingest_service.hpp"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cctype>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <charconv>
#include <nlohmann/json.hpp>

#include "renkei/batch.hpp"
#include "renkei/outside_value.hpp"
#include "renkei/convert/record_fields.hpp"

namespace renkei {

namespace {

constexpr std::string_view kPrefix = "/ingest/";

HttpResponse answer(int status, nlohmann::json body) {
  return HttpResponse{.status = status, .content_type = "application/json", .body = body.dump() + "\n"};
}

HttpResponse refusal(int status, const std::string& error, nlohmann::json extra = nlohmann::json::object()) {
  extra["error"] = error;
  return answer(status, std::move(extra));
}

long long setting(const SystemDef& s, const std::string& name, long long fallback) {
  auto it = s.adapter.settings.find(name);
  if (it == s.adapter.settings.end()) return fallback;
  long long v = 0;
  auto [p, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
  return ec == std::errc{} && v > 0 ? v : fallback;
}

std::string new_trace_id() {
  unsigned char raw[16];
  if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("no randomness for a trace id");
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : raw) {
    out.push_back(hex[b >> 4]);
    out.push_back(hex[b & 15]);
  }
  return out;
}

std::optional<int> parse_route(std::string_view s) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || s.size() > 3 || ec != std::errc{} || p != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

// What waits for Kafka's answer: exactly one of the acknowledgement, a failure or the
// deadline replies.
struct Pending {
  Pending(boost::asio::io_context& io, Reply r) : timer(io), reply(std::move(r)) {}
  boost::asio::steady_timer timer;
  Reply reply;
  std::atomic<bool> done{false};
};

}  // namespace

IngestService::IngestService(AdminHttpServer& server, boost::asio::io_context& io, Producer& producer,
                             const RuntimeHolder& runtime, HubMetrics& metrics, const BearerAuth& auth)
    : io_(io), producer_(producer), runtime_(runtime), metrics_(metrics), auth_(auth) {
  server.add_async_prefix_route("POST", std::string(kPrefix),
                                [this](const HttpRequest& req, Reply reply) { handle(req, std::move(reply)); });
}

std::expected<void, CharsetError> IngestService::check_charset(const std::string& charset, std::string_view body,
                                                               std::string& why) {
  std::lock_guard lock(charsets_mu_);
  auto it = charsets_.find(charset);
  if (it == charsets_.end()) {
    auto cs = open_charset(charset);
    if (!cs) {
      why = cs.error();
      return std::unexpected(CharsetError{"bad-record", 0, 0});
    }
    it = charsets_.emplace(charset, std::move(*cs)).first;
  }
  std::u32string scratch;
  return it->second->decode(body, scratch);
}

std::string IngestService::check_token(const RuntimePtr& rt, const SystemDef& system, const HttpRequest& req) {
  auto file = system.adapter.settings.find("token_file");
  if (file == system.adapter.settings.end()) return auth_.check(req);
  std::lock_guard lock(tokens_mu_);
  // Read once per configuration: a reload (SIGHUP) reads the files again.
  if (tokens_of_ != rt) {
    tokens_.clear();
    tokens_of_ = rt;
  }
  auto it = tokens_.find(file->second);
  if (it == tokens_.end()) {
    auto auth = std::make_unique<BearerAuth>();
    if (auto l = auth->load(file->second); !l) {
      spdlog::error("ingest: system {}: {}", system.id, l.error());
      return "the system's token file cannot be read";
    }
    it = tokens_.emplace(file->second, std::move(auth)).first;
  }
  return it->second->check(req);
}

void IngestService::handle(const HttpRequest& req, Reply reply) {
  // /ingest/{system} or /ingest/{system}/{interface}
  std::string_view rest = std::string_view(req.path).substr(kPrefix.size());
  const auto slash = rest.find('/');
  const std::string system_id(rest.substr(0, slash));
  std::optional<std::string_view> route_text;
  if (slash != std::string_view::npos) route_text = rest.substr(slash + 1);
  else if (auto h = req.headers.find("renkei-interface"); h != req.headers.end()) route_text = h->second;

  RuntimePtr rt = runtime_.get();
  const Catalogue& cat = *rt->catalogue;
  const SystemDef* system = cat.system(system_id);
  if (!system || system->adapter.kind != "http") {
    // Which systems exist is told to holders of the hub's token only.
    if (auto why = auth_.check(req); !why.empty()) {
      spdlog::warn("ingest: POST {} refused: {}", req.path, why);
      return reply(BearerAuth::refuse(why));
    }
    if (!system) return reply(refusal(404, "no system '" + system_id + "' in the catalogue"));
    return reply(refusal(404, "system '" + system_id + "' does not send over HTTP (adapter kind " +
                                  system->adapter.kind + ")"));
  }
  // After the system is known (its own token may be asked), before anything else is said.
  if (auto why = check_token(rt, *system, req); !why.empty()) {
    spdlog::warn("ingest: POST {} refused: {}", req.path, why);
    return reply(BearerAuth::refuse(why));
  }
  // The routes this system's adapter carries into the hub: its own, and those it relays
  // as their `via` hop (the poster is the hop; the records stay the producer's).
  auto routes = cat.routes_collected_by(system_id);
  const RouteDef* route = nullptr;
  if (route_text) {
    auto id = parse_route(*route_text);
    if (!id) return reply(refusal(400, "interface must be a route number such as 28 or 028"));
    for (const auto* r : routes)
      if (r->id == *id) route = r;
    if (!route)
      return reply(refusal(404, "route " + interface_label(*id) + " does not start at system '" + system_id +
                                    "' (nor does it relay it as the route's via hop)"));
  } else if (routes.size() == 1) {
    route = routes.front();
  } else {
    auto ids = nlohmann::json::array();
    for (const auto* r : routes) ids.push_back(r->id);
    return reply(refusal(400, "choose the route: POST /ingest/" + system_id + "/{interface} or header Renkei-Interface",
                         {{"routes", ids}}));
  }

  const std::string iface = interface_label(route->id);
  const auto limit = static_cast<std::size_t>(setting(*system, "max_body_bytes", 1 << 20));
  if (req.body.size() > limit)
    return reply(refusal(413, "body of " + std::to_string(req.body.size()) + " bytes exceeds max_body_bytes " +
                                  std::to_string(limit)));
  if (req.body.empty()) return reply(refusal(400, "empty body: an event is one record"));
  // A hop only carries bytes: they are in the producer's charset.
  const SystemDef* producer = cat.system(route->from);
  if (!producer) return reply(refusal(500, "route " + iface + ": no system '" + route->from + "'"));
  const std::string& charset = producer->charset;
  std::string why;
  if (auto c = check_charset(charset, req.body, why); !c) {
    if (!why.empty()) return reply(refusal(500, "charset " + charset + ": " + why));
    spdlog::info("ingest: route {}: {} byte sequence at byte {} refused ({})", iface, c.error().kind, c.error().offset,
                 charset);
    return reply(refusal(400, c.error().kind, {{"charset", charset}, {"offset", c.error().offset}}));
  }
  // Key: the layout's subject field (one resident's events stay in order on one
  // partition); without one, the producing system, so its events keep their order.
  std::string key = route->from;
  if (const LayoutDef* layout = cat.layout_of(*route); layout && !layout->key.empty()) {
    auto fields = split_record(layout, req.body);
    if (!fields)
      return reply(refusal(400, "bad-record", {{"field", fields.error().field},
                                               {"offset", fields.error().offset},
                                               {"detail", fields.error().detail}}));
    for (const auto& f : *fields)
      if (f.name == layout->key) key = std::string(f.bytes);
  }
  std::string trace;
  for (const char* h : {"idempotency-key", "x-request-id"})
    if (auto it = req.headers.find(h); it != req.headers.end()) {
      // A client's own id for the event is kept as the trace id, so a client that sends
      // again after a lost answer produces the same outbound Idempotency-Key.
      if (auto t = TraceId::parse(it->second); !t)
        return reply(refusal(400, std::string(h) + " must be 1-100 characters of A-Z a-z 0-9 . _ : - starting with a letter or digit, without \"..\" (" + t.error().problem + " at byte " + std::to_string(t.error().offset) + ")"));
      trace = it->second;
      break;
    }
  if (trace.empty()) trace = new_trace_id();

  OutMessage out;
  out.topic = route->topic;
  out.key = std::move(key);
  out.value = req.body;
  out.headers = {{std::string(hdr::kInterface), iface},
                 {std::string(hdr::kSource), route->from},
                 {std::string(hdr::kCharset), charset},
                 {std::string(hdr::kTraceId), trace},
                 {std::string(hdr::kIngestedAt), ingested_at_now()}};

  auto pending = std::make_shared<Pending>(io_, std::move(reply));
  // Kafka may wait for a broker forever (message.timeout.ms=0): the client gets an answer
  // meanwhile and sends again under the same Idempotency-Key; if the first copy lands
  // after all, the target recognises the second. Armed before producing, so that the
  // acknowledgement's cancel (posted to the event loop) always finds it armed.
  pending->timer.expires_after(std::chrono::milliseconds(setting(*system, "ack_timeout_ms", 10'000)));
  pending->timer.async_wait([pending, trace, iface](const boost::system::error_code& ec) {
    if (ec || pending->done.exchange(true)) return;
    spdlog::warn("ingest: route {}: no acknowledgement from Kafka in time; answered 503", iface);
    auto late = refusal(503, "not confirmed by Kafka in time; send again with the same Idempotency-Key",
                        {{"trace_id", trace}});
    late.headers.push_back({"Retry-After", "5"});
    pending->reply(std::move(late));
  });
  const nlohmann::json accepted = {{"accepted", true}, {"interface", route->id}, {"topic", route->topic}, {"trace_id", trace}};
  Counter* received = &metrics_.received(route->id, route->from);
  auto& io = io_;
  auto r = producer_.produce(std::move(out), [pending, accepted, received, iface, &io](const std::optional<BusError>& err) {
    // librdkafka's thread: reply (the server posts it to the connection) and leave.
    if (pending->done.exchange(true)) return;
    boost::asio::post(io, [pending] { pending->timer.cancel(); });
    if (err) {
      spdlog::warn("ingest: route {}: Kafka did not take the event: {}", iface, err->message);
      return pending->reply(refusal(503, "not stored: " + err->message, {{"trace_id", accepted["trace_id"]}}));
    }
    received->inc();
    pending->reply(answer(202, accepted));
  });
  if (!r && !pending->done.exchange(true)) {
    boost::asio::post(io_, [pending] { pending->timer.cancel(); });
    pending->reply(refusal(503, "not stored: " + r.error().message, {{"trace_id", trace}}));
  }
}

}  // namespace renkei
