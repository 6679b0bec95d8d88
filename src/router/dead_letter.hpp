#pragma once
// Puts one consumed record on its route's dead-letter topic as it came, with the reason.
// Its offset is held in the partition's PartitionOffsets until the DLQ write is durable, so
// a crash before then processes the record again instead of losing it.
#include <memory>
#include <string>
#include <string_view>

#include "hub_metrics.hpp"
#include "partition_offsets.hpp"
#include "renkei/bus.hpp"

namespace renkei {

struct DeadLetter {
  std::string reason;  // a DLQ reason of the contract (ARCHITECTURE §3)
  std::string detail;  // ids, positions and rule names only, never record content
  // Batch-wide headers added where the record lacks them (each dead letter stands alone).
  std::string source;
  std::string charset;
};

void write_dead_letter(Producer& dlq, HubMetrics& metrics, const std::shared_ptr<PartitionOffsets>& offsets,
                       const BusMessage& msg, const RouteDef& route, const DeadLetter& why);

}  // namespace renkei
