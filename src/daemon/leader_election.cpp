#include "leader_election.hpp"

#include "renkei/guarded_thread.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include "state_store.hpp"

namespace renkei {

using namespace std::chrono_literals;

LeaderElection::LeaderElection(Bus& bus, const std::string& group, std::chrono::milliseconds session_timeout)
    : consumer_(bus.make_group_member(group, this, session_timeout)) {}

LeaderElection::~LeaderElection() { stop(); }

void LeaderElection::start() {
  if (auto r = consumer_->subscribe({kStateTopic}); !r) spdlog::error("scheduler election: {}", r.error().message);
  thread_ = std::thread([this] {
    // Polling keeps the membership alive; the messages themselves are the state store's.
    run_guarded("renkei:leader", [this] {
      while (!stopping_) (void)consumer_->poll(200ms);
    }, [this] { return stopping_.load(); });
  });
}

void LeaderElection::stop() {
  if (stopping_.exchange(true)) return;
  if (thread_.joinable()) thread_.join();
  if (consumer_) consumer_->close();  // leaves the group: another hub takes over at once
  leader_ = false;
}

void LeaderElection::on_assigned(const std::vector<TopicPartition>& parts) {
  if (parts.empty()) return;
  // Nothing is read through this membership: pause so the partition is not fetched.
  consumer_->pause(parts);
  ++term_;
  leader_ = true;
  spdlog::info("scheduler: this hub now runs the cluster's schedules");
}

void LeaderElection::on_revoked(const std::vector<TopicPartition>& parts) {
  if (parts.empty()) return;
  leader_ = false;
  spdlog::info("scheduler: another hub runs the schedules now");
}

}  // namespace renkei
