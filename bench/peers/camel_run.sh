#!/usr/bin/env bash
# Usage: bench/peers/camel_run.sh BROKER INPUT WORK
# Apache Camel 4 (camel/CamelBench.java): INPUT, CP932, read and decoded as MS932, sent
# line by line to topic bench.camel in groups, consumed and written back as MS932, on
# BROKER; the topic must exist. Camel starts first; when its routes run, INPUT is renamed
# into the watched directory and the clock runs until the output holds every byte. Prints
# "SECONDS VMHWM_KB" on stdout; the output must equal INPUT byte for byte.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
peer=camel
. "$here/clock.sh"
broker=$1 input=$2 work=$3
libs=$("$here/resolve.sh" camel)
rm -rf "$work"
mkdir -p "$work/in" "$work/out" "$work/stage"
java -cp "$libs/*" "$here/camel/CamelBench.java" "$broker" bench.camel \
  "$work/in" "$work/out" "$work/ready" > "$work/camel.log" 2>&1 &
jpid=$!
trap 'kill $jpid 2>/dev/null; wait $jpid 2>/dev/null || true' EXIT
peer_wait_ready "$jpid" "$work/camel.log" "routes started" test -f "$work/ready"
cp "$input" "$work/stage/records.txt"
want=$(stat -c %s "$input")
t0=$(date +%s.%N)
mv "$work/stage/records.txt" "$work/in/records.txt"
peer_wait_output "$work/out/out.txt" "$want"
t1=$(date +%s.%N)
peer_report "$input" "$work/out/out.txt" "$jpid" "$t0" "$t1"
