#include "state_store.hpp"

#include <future>

namespace renkei {

using namespace std::chrono_literals;

StateStore::StateStore(Bus& bus, Producer& producer, const std::string& reader_group, std::string key_prefix)
    : producer_(producer), prefix_(std::move(key_prefix) + "/"), reader_(bus.make_reader(reader_group)) {}

std::expected<void, BusError> StateStore::refresh(JobState& state) {
  if (!loaded_) {
    auto all = reader_->read_to_end(kStateTopic, true, 30s);
    if (!all) return std::unexpected(all.error());
    for (const auto& m : all->messages)
      if (m.key.starts_with(prefix_)) state.apply(m.key.substr(prefix_.size()), m.value);
    next_ = all->ends.empty() ? 0 : all->ends.front().offset;
    loaded_ = true;
    return {};
  }
  auto end = reader_->end_offset(kStateTopic, 0, 5s);
  if (!end) return std::unexpected(end.error());
  if (*end <= next_) return {};
  auto r = reader_->scan(kStateTopic, 0, next_, *end, [&](const BusMessage& m) {
        if (m.key.starts_with(prefix_)) state.apply(m.key.substr(prefix_.size()), m.value);
      }, 10s);
  if (!r) return r;
  next_ = *end;
  return {};
}

std::expected<void, BusError> StateStore::write(const std::string& key, const std::string& value) {
  return std::move(write_all({{key, value}}).front());
}

std::vector<std::expected<void, BusError>> StateStore::write_all(
    const std::vector<std::pair<std::string, std::string>>& kvs) {
  std::vector<std::expected<void, BusError>> out;
  std::vector<std::future<std::optional<BusError>>> acks;
  out.reserve(kvs.size());
  acks.reserve(kvs.size());
  for (const auto& [key, value] : kvs) {
    auto done = std::make_shared<std::promise<std::optional<BusError>>>();
    acks.push_back(done->get_future());
    auto queued = producer_.produce(OutMessage{kStateTopic, prefix_ + key, value, {}},
                                    [done](const std::optional<BusError>& e) { done->set_value(e); });
    out.emplace_back();
    if (!queued) {
      out.back() = std::unexpected(queued.error());
      acks.back() = {};
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  for (std::size_t i = 0; i < kvs.size(); ++i) {
    if (!acks[i].valid()) continue;
    if (acks[i].wait_until(deadline) != std::future_status::ready)
      out[i] = std::unexpected(BusError{true, "renkei.state: no acknowledgement within 30 s"});
    else if (auto e = acks[i].get())
      out[i] = std::unexpected(*e);
  }
  return out;
}

void StateStore::write_async(const std::string& key, const std::string& value,
                             std::function<void(const std::optional<BusError>&)> done) {
  produce_async(OutMessage{kStateTopic, prefix_ + key, value, {}}, std::move(done));
}

void StateStore::erase_async(const std::string& key, std::function<void(const std::optional<BusError>&)> done) {
  produce_async(OutMessage{kStateTopic, prefix_ + key, {}, {}, true}, std::move(done));
}

void StateStore::produce_async(OutMessage msg, std::function<void(const std::optional<BusError>&)> done) {
  auto shared = std::make_shared<std::function<void(const std::optional<BusError>&)>>(std::move(done));
  auto queued = producer_.produce(std::move(msg), [shared](const std::optional<BusError>& e) { (*shared)(e); });
  if (!queued) (*shared)(queued.error());
}

}  // namespace renkei
