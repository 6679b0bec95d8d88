#pragma once
// A peer Kafka cluster for the kafka kind's tests: librdkafka's mock cluster, in-process
// on loopback, with its fault switches (a broker down, a request answered with an error).
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "renkei/bus.hpp"

namespace renkei::conformance {

class MockPeerCluster {
 public:
  explicit MockPeerCluster(const std::vector<std::string>& topics) {
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "2", err, sizeof err);
    host_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!host_) throw std::runtime_error(err);
    mock_ = rd_kafka_mock_cluster_new(host_, 1);
    if (!mock_) throw std::runtime_error("no mock cluster");
    bootstrap_ = rd_kafka_mock_cluster_bootstraps(mock_);
    // The mock thread takes queued topic creations about once a second: all at once.
    std::vector<std::thread> threads;
    for (const auto& t : topics) threads.emplace_back([this, t] { rd_kafka_mock_topic_create(mock_, t.c_str(), 1, 1); });
    for (auto& t : threads) t.join();
  }
  ~MockPeerCluster() {
    reader_.reset();
    bus_.reset();
    rd_kafka_mock_cluster_destroy(mock_);
    rd_kafka_destroy(host_);
  }
  MockPeerCluster(const MockPeerCluster&) = delete;
  MockPeerCluster& operator=(const MockPeerCluster&) = delete;

  const std::string& bootstrap() const { return bootstrap_; }
  void broker_down() { rd_kafka_mock_broker_set_down(mock_, 1); }
  void broker_up() { rd_kafka_mock_broker_set_up(mock_, 1); }
  // The next `n` requests of API `api_key` (0: Produce) are answered with `err`.
  void fail_requests(int16_t api_key, std::size_t n, rd_kafka_resp_err_t err) {
    std::vector<rd_kafka_resp_err_t> errs(n, err);
    rd_kafka_mock_push_request_errors_array(mock_, api_key, errs.size(), errs.data());
  }

  // Everything on `topic` so far, in order.
  std::vector<BusMessage> read(const std::string& topic) {
    if (!reader_) reader_ = client().make_reader("conformance-reader");
    auto batch = reader_->read_to_end(topic, true, std::chrono::seconds(20));
    if (!batch) throw std::runtime_error("reading " + topic + ": " + batch.error().message);
    return std::move(batch->messages);
  }

  // A client of the cluster (what the peer itself would use to publish).
  Bus& client() {
    if (!bus_) {
      BusConfig cfg;
      cfg.brokers = bootstrap_;
      cfg.client_id = "conformance-peer";
      auto b = make_kafka_bus(cfg);
      if (!b) throw std::runtime_error(b.error().message);
      bus_ = std::move(*b);
    }
    return *bus_;
  }

 private:
  rd_kafka_t* host_ = nullptr;
  rd_kafka_mock_cluster_t* mock_ = nullptr;
  std::string bootstrap_;
  std::unique_ptr<Bus> bus_;
  std::unique_ptr<TopicReader> reader_;
};

}  // namespace renkei::conformance
