#!/usr/bin/env bash
# Start-up: renkeid on the shipped catalogue from exec to /readyz, to its partitions
# assigned and to the first file delivered — embedded (mock cluster), then on a real
# Kafka 3.9 broker of its own (port 29292, fresh storage) beside `kcat -L` timed in the
# same run. RENKEI_BENCH_RUNS (default 3) runs each.
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
build=${RENKEI_BUILD_DIR:-$root/build}
runs=${RENKEI_BENCH_RUNS:-3}
export RENKEI_KAFKA_PORT=${RENKEI_BENCH_KAFKA_PORT:-29292}
export RENKEI_KAFKA_CONTROLLER_PORT=$((RENKEI_KAFKA_PORT + 1))
export RENKEID=$build/src/renkeid RENKEI_SOURCE_DIR=$root

"$root/scripts/setup.sh" >/dev/null
"$root/scripts/build.sh" >/dev/null
python3 "$root/bench/startup_bench.py" --runs "$runs"
"$root/scripts/kafka.sh" start >&2
trap '"$root/scripts/kafka.sh" stop >&2 || true' EXIT
python3 "$root/bench/startup_bench.py" --runs "$runs" --brokers "127.0.0.1:$RENKEI_KAFKA_PORT"
