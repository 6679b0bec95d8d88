#!/usr/bin/env bash
# Realtime latency: events POSTed at a fixed rate (default 1,000/s for 60 s) to renkeid's
# /ingest endpoint → Kafka → http sink → a receiver (route 028, both ends http), on a real
# Kafka 3.9 broker of its own (port 29192, fresh storage: the shared test broker is
# restarted by other runs). Prints p50/p99/p99.9 of the 202 answer and of end to end,
# beside the baseline of the same sender POSTing straight to the receiver.
# RENKEI_BENCH_RATE, RENKEI_BENCH_SECONDS change the load; RENKEI_BENCH_KEEP=1 keeps the
# work dir (renkeid log, latencies.json).
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
build=${RENKEI_BUILD_DIR:-$root/build}
export RENKEI_KAFKA_PORT=${RENKEI_BENCH_KAFKA_PORT:-29192}
export RENKEI_KAFKA_CONTROLLER_PORT=$((RENKEI_KAFKA_PORT + 1))
# The broker with a low-pause collector, as a broker serving realtime routes should run:
# with the test broker's G1 defaults its young-generation pauses (30-100 ms on two shared
# cores) were the whole tail of this bench. RENKEI_KAFKA_JVM_OPTS="" gives G1 back.
export RENKEI_KAFKA_HEAP_OPTS=${RENKEI_KAFKA_HEAP_OPTS:--Xms1g -Xmx1g}
export RENKEI_KAFKA_JVM_OPTS=${RENKEI_KAFKA_JVM_OPTS--XX:-UseG1GC -XX:+UseZGC}

"$root/scripts/setup.sh" >/dev/null
"$root/scripts/build.sh" >/dev/null
"$root/scripts/kafka.sh" start >&2
trap '"$root/scripts/kafka.sh" stop >&2 || true' EXIT
python3 "$root/bench/realtime_bench.py" --renkeid "$build/src/renkeid" --brokers "127.0.0.1:$RENKEI_KAFKA_PORT" \
  --rate "${RENKEI_BENCH_RATE:-1000}" --seconds "${RENKEI_BENCH_SECONDS:-60}"
