#!/usr/bin/env bash
# Configures and builds renkei into build/ (or $RENKEI_BUILD_DIR). Extra arguments go to
# cmake, e.g. scripts/build.sh -DRENKEI_SANITIZE=address,undefined
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
build=${RENKEI_BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build" -G Ninja "$@" >/dev/null
cmake --build "$build" --parallel "$(nproc)"
