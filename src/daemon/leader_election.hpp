#pragma once
// One scheduler per cluster: every renkeid joins the consumer group `<group_id>.scheduler`
// on the single-partition topic renkei.state, and the member the group assigns that
// partition to is the leader. A stopped hub leaves the group at once; a killed one is
// replaced after the session timeout. Only the leader starts scheduled runs.
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "renkei/bus.hpp"

namespace renkei {

class LeaderElection final : public RebalanceListener {
 public:
  LeaderElection(Bus& bus, const std::string& group, std::chrono::milliseconds session_timeout);
  ~LeaderElection() override;
  void start();
  void stop();
  bool leader() const { return leader_.load(); }
  // Counts leadership gains, so the scheduler can tell a new term from the old one.
  uint64_t term() const { return term_.load(); }

  void on_assigned(const std::vector<TopicPartition>& parts) override;
  void on_revoked(const std::vector<TopicPartition>& parts) override;

 private:
  std::unique_ptr<Consumer> consumer_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> leader_{false};
  std::atomic<uint64_t> term_{0};
};

}  // namespace renkei
