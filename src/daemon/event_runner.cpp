#include "event_runner.hpp"

#include <spdlog/spdlog.h>

#include <thread>

#include "renkei/batch.hpp"

namespace renkei {

using namespace std::chrono_literals;

namespace {
// Records carried per round: bounded, so a peer with a deep backlog neither fills memory
// nor starves the other peers.
constexpr std::size_t kMaxRound = 500;
}  // namespace

EventRunner::EventRunner(Producer& producer, const RuntimeHolder& runtime, HubMetrics& metrics)
    : producer_(producer), runtime_(runtime), metrics_(metrics) {}

EventRunner::~EventRunner() {
  for (auto& p : peers_) p.source->close();
}

void EventRunner::refresh(const RuntimePtr& rt) {
  for (auto& p : peers_) p.source->close();
  peers_.clear();
  built_for_ = rt;
  if (!rt) return;
  const Catalogue& cat = *rt->catalogue;
  for (const auto& s : cat.systems) {
    if (cat.routes_collected_by(s.id).empty()) continue;
    auto source = make_event_source(s, cat);
    if (!source) continue;
    Peer peer;
    peer.system_id = s.id;
    peer.source = std::move(source);
    if (auto o = peer.source->open(); !o) failed(peer, o.error().detail);
    peers_.push_back(std::move(peer));
  }
}

void EventRunner::run() {
  while (!stopping_) {
    if (auto rt = runtime_.get(); rt != built_for_) refresh(rt);
    bool any = false;
    for (auto& peer : peers_) {
      if (stopping_) break;
      if (Clock::now() < peer.retry_at) continue;
      any = true;
      pump(*built_for_->catalogue, peer);
    }
    if (!any) std::this_thread::sleep_for(100ms);
  }
}

void EventRunner::failed(Peer& peer, const std::string& why) {
  peer.backoff = std::clamp(peer.backoff * 2, std::chrono::milliseconds(1000), std::chrono::milliseconds(30'000));
  peer.retry_at = Clock::now() + peer.backoff;
  if (peer.up) spdlog::warn("event source {}: {}; retrying", peer.system_id, why);
  peer.up = false;
  metrics_.adapter_up(peer.system_id).set(0);
}

std::optional<std::pair<std::string, std::string>> EventRunner::check_charset(const std::string& charset,
                                                                              std::string_view body) {
  auto it = charsets_.find(charset);
  if (it == charsets_.end()) {
    auto cs = open_charset(charset);
    if (!cs) return std::pair<std::string, std::string>{"bad-record", "charset " + charset + ": " + cs.error()};
    it = charsets_.emplace(charset, std::move(*cs)).first;
  }
  std::u32string scratch;
  auto r = it->second->decode(body, scratch);
  if (r) return std::nullopt;
  return std::pair<std::string, std::string>{
      r.error().kind, "charset " + charset + ": " + r.error().kind + " at byte " + std::to_string(r.error().offset)};
}

void EventRunner::pump(const Catalogue& cat, Peer& peer) {
  std::vector<InboundEvent> events;
  for (auto wait = 100ms; events.size() < kMaxRound; wait = 0ms) {
    auto e = peer.source->next(wait);
    if (!e) {
      if (events.empty()) return failed(peer, e.error().detail);
      break;  // carry what came; the error shows again on the next round
    }
    if (!*e) break;
    events.push_back(std::move(**e));
  }
  if (events.empty()) return;
  const SystemDef* system = cat.system(peer.system_id);
  const std::string ingested = ingested_at_now();
  auto tracker = std::make_shared<DeliveryTracker>();
  std::map<int, uint64_t> received;
  std::map<std::pair<int, std::string>, uint64_t> dead;
  for (const auto& e : events) {
    const RouteDef* route = cat.route(e.route_id);
    if (!route || !system) continue;  // the source reads only this catalogue's routes
    // A via hop only carries the records: they are the route's producer's, in its charset.
    const SystemDef* producer = cat.system(route->from);
    if (!producer) continue;
    const std::string iface = interface_label(route->id);
    auto bad = check_charset(producer->charset, e.value);
    std::vector<HeaderView> headers = {
        {hdr::kInterface.data(), iface},          {hdr::kSource.data(), producer->id},
        {hdr::kCharset.data(), producer->charset}, {hdr::kTraceId.data(), e.trace_id},
        {hdr::kIngestedAt.data(), ingested},
    };
    // A body that is not what its system's charset says must not pass as if it were: its
    // dead letter names why, and the peer's record is done with once that is stored.
    const std::string topic = bad ? route->dlq_topic() : route->topic;
    if (bad) {
      spdlog::info("event source {}: route {}: record {} dead-lettered: {}", system->id, iface, e.origin, bad->second);
      headers.push_back({hdr::kDlqReason.data(), bad->first});
      headers.push_back({hdr::kDlqDetail.data(), bad->second});
      headers.push_back({hdr::kDlqOrigin.data(), e.origin});
      ++dead[{route->id, bad->first}];
    } else {
      ++received[route->id];
    }
    // Key kept: the peer's subject orders its records; without one, the system does.
    const std::string_view key = e.key.empty() ? std::string_view(system->id) : e.key;
    tracker->add();
    if (auto r = producer_.produce(MessageView{topic, key, e.value, headers}, tracker.get()); !r)
      tracker->on_delivery(r.error());
  }
  // The hub's producer waits for its broker however long it is away: so does this round,
  // unless the hub stops (then what is unconfirmed is offered again after the restart).
  const auto grace = Clock::now() + 10s;
  while (!tracker->wait_until(Clock::now() + 200ms)) {
    if (stopping_ && Clock::now() > grace) {
      abandoned_.push_back(tracker);
      events.clear();
      peer.source->close();
      return;
    }
  }
  if (auto err = tracker->failed()) {
    events.clear();
    peer.source->close();  // offered again from the last confirmed record
    return failed(peer, "the bus did not take a record: " + err->message);
  }
  if (auto c = peer.source->confirm(events); !c) {
    spdlog::warn("event source {}: records are on the bus but could not be confirmed ({}); they come again and "
                 "are recognised by their trace ids",
                 peer.system_id, c.error().detail);
  }
  for (const auto& [route, n] : received) metrics_.received(route, peer.system_id).inc(static_cast<double>(n));
  for (const auto& [what, n] : dead) metrics_.dead_lettered(what.first, what.second).inc(static_cast<double>(n));
  if (!peer.up) spdlog::info("event source {}: working again", peer.system_id);
  peer.up = true;
  peer.backoff = 0ms;
  metrics_.adapter_up(peer.system_id).set(1);
}

}  // namespace renkei
