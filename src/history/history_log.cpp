#include "renkei/history/history_log.hpp"

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

}  // namespace renkei
