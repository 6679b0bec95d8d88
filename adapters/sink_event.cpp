// The default delivery of a realtime record: a batch of one, so the sink's own ledger
// (where it has one) makes a repeat after a crash a no-op.
#include "renkei/adapter.hpp"
#include "renkei/sha256.hpp"

namespace renkei {

AdapterResult<> Sink::deliver_event(const SinkEvent& event, std::string_view record) {
  // "event" is the unit's name: a file target names the output "<id>_event".
  const SinkBatchInfo info{event.route_id, event.id, "event"};
  auto done = delivered(info);
  if (!done) return std::unexpected(done.error());
  if (*done) return {};
  auto batch = begin(info);
  if (!batch) return std::unexpected(batch.error());
  if (auto a = (*batch)->append(record); !a) return a;
  BatchEnd end;
  end.count = 1;
  end.sha256 = sha256_hex(record);
  end.final_newline = false;
  end.name = info.name;
  return (*batch)->commit(end);
}

}  // namespace renkei
