#!/usr/bin/env bash
# README command 2: set up, build, start a real Kafka 3.9 broker on loopback, run every
# test under ctest, stop the broker. Exit status is ctest's.
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
build=${RENKEI_BUILD_DIR:-$root/build}
"$root/scripts/setup.sh"
"$root/scripts/build.sh" -DRENKEI_WERROR=ON

"$root/scripts/kafka.sh" start
trap '"$root/scripts/kafka.sh" stop' EXIT
export "$("$root/scripts/kafka.sh" env)"

ctest --test-dir "$build" --output-on-failure --timeout 600 "$@"
"$root/scripts/fuzz.sh"
