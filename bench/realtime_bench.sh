#!/usr/bin/env bash
# Realtime latency: events POSTed at a fixed rate (default 1,000/s for 60 s) to renkeid's
# /ingest endpoint → Kafka → http sink → a receiver (route 028, both ends http), on a real
# Kafka 3.9 broker of its own (port 29192, fresh storage: the shared test broker is
# restarted by other runs). Prints p50/p99/p99.9 of the 202 answer and of end to end,
# beside the baseline of the same sender POSTing straight to the receiver.
# RENKEI_BENCH_RATE, RENKEI_BENCH_SECONDS change the load; RENKEI_BENCH_KEEP=1 keeps the
# work dir (renkeid log, latencies.json).
set -euo pipefail
source "$(dirname -- "${BASH_SOURCE[0]}")/realtime_broker.sh"
python3 "$root/bench/realtime_bench.py" --renkeid "$build/src/renkeid" --brokers "127.0.0.1:$RENKEI_KAFKA_PORT" \
  --rate "${RENKEI_BENCH_RATE:-1000}" --seconds "${RENKEI_BENCH_SECONDS:-60}"
