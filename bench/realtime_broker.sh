# Sourced by the realtime benches: builds renkeid and starts a real Kafka 3.9 broker of
# their own (port 29192, fresh storage: the shared test broker is restarted by other
# runs), stopped again on exit. Sets `root` and `build`.
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
build=${RENKEI_BUILD_DIR:-$root/build}
export RENKEI_KAFKA_PORT=${RENKEI_BENCH_KAFKA_PORT:-29192}
export RENKEI_KAFKA_CONTROLLER_PORT=$((RENKEI_KAFKA_PORT + 1))
# The broker with a low-pause collector, as a broker serving realtime routes should run:
# with the test broker's G1 defaults its young-generation pauses (30-100 ms on two shared
# cores) were the whole tail of the realtime bench. RENKEI_KAFKA_JVM_OPTS="" gives G1 back.
export RENKEI_KAFKA_HEAP_OPTS=${RENKEI_KAFKA_HEAP_OPTS:--Xms1g -Xmx1g}
export RENKEI_KAFKA_JVM_OPTS=${RENKEI_KAFKA_JVM_OPTS--XX:-UseG1GC -XX:+UseZGC}

"$root/scripts/setup.sh" >/dev/null
"$root/scripts/build.sh" >/dev/null
"$root/scripts/kafka.sh" start >&2
trap '"$root/scripts/kafka.sh" stop >&2 || true' EXIT
