#include "renkei/history/history_log.hpp"

#include <future>
#include <memory>

#include "renkei/catalogue/model.hpp"

namespace renkei {

void HistoryLog::append(const HistoryEntry& e, Done done) {
  auto shared = std::make_shared<Done>(std::move(done));
  auto on_failed = on_failed_;
  auto queued = producer_.produce(OutMessage{kHistoryTopic, prefix_ + interface_label(e.interface), to_json(e), {}},
                                  [shared, on_failed](const std::optional<BusError>& err) {
                                    if (err && on_failed) on_failed();
                                    if (*shared) (*shared)(err);
                                  });
  if (!queued) {
    if (on_failed_) on_failed_();
    if (*shared) (*shared)(queued.error());
  }
}

std::expected<void, BusError> HistoryLog::append_and_wait(const HistoryEntry& e, std::chrono::milliseconds timeout) {
  auto done = std::make_shared<std::promise<std::optional<BusError>>>();
  auto answer = done->get_future();
  append(e, [done](const std::optional<BusError>& err) { done->set_value(err); });
  if (answer.wait_for(timeout) != std::future_status::ready)
    return std::unexpected(BusError{true, std::string(kHistoryTopic) + ": no acknowledgement in time"});
  if (auto err = answer.get()) return std::unexpected(*err);
  return {};
}

}  // namespace renkei
