#!/usr/bin/env bash
# Isolation between delivery lanes (issue 14): realtime route 028 at 1,000 events/s, a
# 1M-record file on route 009, route 062's target black-holed and route 064's answering
# after 2 s, beside the same run with every target healthy; counts lost and repeated
# events and prints renkeid's VmHWM and the load average. A real Kafka 3.9 broker of its
# own (port 29192, as bench/realtime_bench.sh). RENKEI_BENCH_RATE, RENKEI_BENCH_SECONDS,
# RENKEI_BENCH_RECORDS change the load; RENKEI_BENCH_KEEP=1 keeps the work dir.
set -euo pipefail
source "$(dirname -- "${BASH_SOURCE[0]}")/realtime_broker.sh"
python3 "$root/bench/isolation_bench.py" --renkeid "$build/src/renkeid" --brokers "127.0.0.1:$RENKEI_KAFKA_PORT" \
  --rate "${RENKEI_BENCH_RATE:-1000}" --seconds "${RENKEI_BENCH_SECONDS:-60}" \
  --records "${RENKEI_BENCH_RECORDS:-1000000}"
