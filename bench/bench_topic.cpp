// Creates a topic through renkei's own bus code, so the kcat baseline of bus_bench.sh has
// somewhere to write (the test broker does not auto-create topics).
#include <cstdio>
#include <cstdlib>

#include "renkei/bus.hpp"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: bench_topic BROKERS TOPIC PARTITIONS\n");
    return 2;
  }
  renkei::BusConfig cfg;
  cfg.brokers = argv[1];
  auto bus = renkei::make_kafka_bus(cfg);
  if (!bus) {
    std::fprintf(stderr, "%s\n", bus.error().message.c_str());
    return 1;
  }
  auto r = (*bus)->ensure_topics({{argv[2], std::atoi(argv[3]), 1, {}}});
  if (!r) {
    std::fprintf(stderr, "%s\n", r.error().message.c_str());
    return 1;
  }
  return 0;
}
