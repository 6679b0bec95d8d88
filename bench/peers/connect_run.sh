#!/usr/bin/env bash
# Usage: bench/peers/connect_run.sh BROKER INPUT WORK REST_PORT
# Kafka Connect 3.9 standalone, FileStreamSource (INPUT, UTF-8: the connector reads
# nothing else) → topic bench.connect → FileStreamSink, on BROKER; the topic must exist.
# The worker starts on an empty file; when both connectors run, INPUT is appended to it
# and the clock runs until the sink's file holds every byte. Prints
# "SECONDS VMHWM_KB" on stdout; the output must equal INPUT byte for byte.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
peer=connect
. "$here/clock.sh"
broker=$1 input=$2 work=$3 rest=$4
libs=$("$here/resolve.sh" connect)
mkdir -p "$work"
: > "$work/in.txt"
rm -f "$work/out.txt" "$work/offsets"
cat > "$work/worker.properties" <<PROPS
bootstrap.servers=$broker
listeners=http://127.0.0.1:$rest
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$work/offsets
offset.flush.interval.ms=1000
producer.acks=all
producer.enable.idempotence=true
producer.linger.ms=5
producer.compression.type=lz4
producer.batch.size=1048576
PROPS
# connector FILE NAME CLASS PROPERTY... — a connector's properties file, one task.
connector() {
  local file=$1 name=$2 class=$3
  shift 3
  printf '%s\n' "name=$name" "connector.class=org.apache.kafka.connect.file.$class" tasks.max=1 "$@" > "$file"
}
connector "$work/source.properties" bench-source FileStreamSourceConnector \
  "file=$work/in.txt" topic=bench.connect batch.size=10000
connector "$work/sink.properties" bench-sink FileStreamSinkConnector "file=$work/out.txt" topics=bench.connect
java -Dlog4j.configuration="file:$here/connect/log4j.properties" -cp "$libs/*" \
  org.apache.kafka.connect.cli.ConnectStandalone \
  "$work/worker.properties" "$work/source.properties" "$work/sink.properties" > "$work/connect.log" 2>&1 &
jpid=$!
trap 'kill $jpid 2>/dev/null; wait $jpid 2>/dev/null || true' EXIT
running() { curl -sf "127.0.0.1:$rest/connectors/$1/status" | grep -q '"tasks":\[{"id":0,"state":"RUNNING"'; }
both_running() { running bench-source && running bench-sink; }
peer_wait_ready "$jpid" "$work/connect.log" "both connectors running" both_running
want=$(stat -c %s "$input")
t0=$(date +%s.%N)
cat "$input" >> "$work/in.txt"
peer_wait_output "$work/out.txt" "$want"
t1=$(date +%s.%N)
peer_report "$input" "$work/out.txt" "$jpid" "$t0" "$t1"
