#include "partition_offsets.hpp"

#include <algorithm>

namespace renkei {

void PartitionOffsets::hold(int64_t offset) {
  std::lock_guard lock(mu_);
  holds_.insert(offset);
}

void PartitionOffsets::release(int64_t offset) {
  std::lock_guard lock(mu_);
  if (auto it = holds_.find(offset); it != holds_.end()) holds_.erase(it);
}

void PartitionOffsets::processed(int64_t offset) {
  std::lock_guard lock(mu_);
  next_ = next_ ? std::max(*next_, offset + 1) : offset + 1;
}

void PartitionOffsets::rewind(int64_t offset) {
  std::lock_guard lock(mu_);
  if (next_ && *next_ > offset) next_ = offset;
}

std::optional<int64_t> PartitionOffsets::committable() const {
  std::lock_guard lock(mu_);
  if (!next_) return std::nullopt;
  if (holds_.empty()) return next_;
  return std::min(*next_, *holds_.begin());
}

std::size_t PartitionOffsets::holds() const {
  std::lock_guard lock(mu_);
  return holds_.size();
}

}  // namespace renkei
