#!/usr/bin/env bash
# README command 1: set up, build, and run the hub on its embedded default
# (config/hub.yaml: empty bus.brokers = in-process Kafka mock cluster, not durable).
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
cd "$root"
exec "${RENKEI_BUILD_DIR:-$root/build}/src/renkeid" --config config/hub.yaml "$@"
