#!/usr/bin/env bash
# Bus throughput: a file of N records (default 1,000,000) through renkeid on a real Kafka
# 3.9 broker — source adapter → topic → route worker → sink — beside kcat producing and
# consuming the same records (same broker, same run, same producer settings and headers).
# Uses a broker of its own on port 29092, with fresh storage, so tests are not disturbed.
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
build=${RENKEI_BUILD_DIR:-$root/build}
n=${RENKEI_BENCH_RECORDS:-1000000}
export RENKEI_KAFKA_PORT=${RENKEI_BENCH_KAFKA_PORT:-29092}
export RENKEI_KAFKA_CONTROLLER_PORT=$((RENKEI_KAFKA_PORT + 1))
broker=127.0.0.1:$RENKEI_KAFKA_PORT
http_port=$((RENKEI_KAFKA_PORT + 10))

"$root/scripts/setup.sh" >/dev/null
"$root/scripts/build.sh" >/dev/null
"$root/scripts/kafka.sh" start >&2
work=$(mktemp -d /tmp/renkei-bench.XXXXXX)
pid=
cleanup() {
  [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  "$root/scripts/kafka.sh" stop >&2 || true
  rm -rf "$work"
}
trap cleanup EXIT
now() { date +%s.%N; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
rate() { python3 -c "print(f'{$1/($2):,.0f}')"; }

python3 "$root/bench/make_records.py" "$n" > "$work/records.txt"
bytes=$(stat -c %s "$work/records.txt")

# Baseline: kcat, same producer settings and the headers renkeid puts on every record: its
# batch id and sequence number (renkeid adds the batch-wide five to the first record and
# the end marker only; kcat's -H puts the same set on all, so it gets the per-record two,
# the sequence number as wide as renkeid's seven-digit ones).
"$build/bench/bench_topic" "$broker" bench.kcat 3
kopts=(-X enable.idempotence=true -X acks=all -X linger.ms=5 -X compression.type=lz4 -X batch.num.messages=10000)
hdrs=(-H renkei-batch-id=20261125T000000Z-0000000000000000 -H renkei-seq=1000000)
# Like for like: the consumer runs while the producer does, as renkeid's sink does beside
# its source; the clock runs from the first produce to the last record consumed.
kcat -C -b "$broker" -t bench.kcat -p 0 -o beginning -c "$n" -q -f '%s\n' > "$work/kcat-out.txt" &
kcat_consumer=$!
sleep 1  # the consumer has its partition before the clock starts
t0=$(now)
kcat -P -b "$broker" -t bench.kcat -p 0 "${kopts[@]}" "${hdrs[@]}" -l "$work/records.txt"
t1=$(now)
wait "$kcat_consumer"
t2=$(now)
kcat_load=$(load)
cmp -s "$work/records.txt" "$work/kcat-out.txt" || { echo "kcat: consumed records differ from the input" >&2; exit 1; }

# renkeid on the same broker.
# hub.yaml finds the codemaps at ../codemaps. Route 9 is daily: its file would wait for the
# 22:00 run (collect: at-run); the bench measures the pipe, so files move on arrival.
cp -r "$root/config" "$work/config"
cp -r "$root/codemaps" "$work/codemaps"
sed -i "s|  brokers: \"\"|  brokers: \"$broker\"|; s|listen: 127.0.0.1:9464|listen: 127.0.0.1:$http_port|; s|root: ../var/spool|root: $work/spool|; s|dir: ../var/state|dir: $work/state|; s|token_file: ../var/state/api-token|token_file: $work/state/api-token|; s|level: info|level: warn|; s|^  collect: at-run|  collect: on-arrival|" "$work/config/hub.yaml"
grep -q '^  collect: on-arrival' "$work/config/hub.yaml" || { echo "bus_bench: could not set scheduler.collect" >&2; exit 1; }
${RENKEI_BENCH_WRAP:-} "$build/src/renkeid" --config "$work/config/hub.yaml" > "$work/renkeid.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do curl -sf "127.0.0.1:$http_port/readyz" >/dev/null && break; sleep 0.5; done
curl -sf "127.0.0.1:$http_port/readyz" >/dev/null || { tail "$work/renkeid.log" >&2; exit 1; }
sleep 5  # the consumer group settles before the clock starts
outbox=$work/spool/resident-record/outbox/009
inbox=$work/spool/health-care/inbox/009
cp "$work/records.txt" "$outbox/.bench.tmp"
t3=$(now)
mv "$outbox/.bench.tmp" "$outbox/bench.txt"
deadline=$(( $(date +%s) + ${RENKEI_BENCH_TIMEOUT:-600} ))
until compgen -G "$inbox/*_bench.txt" >/dev/null; do
  (( $(date +%s) < deadline )) || { echo "bus_bench: no delivered file after ${RENKEI_BENCH_TIMEOUT:-600} s" >&2; tail -n 20 "$work/renkeid.log" >&2; exit 1; }
  sleep 0.01
done
t4=$(now)
renkei_load=$(load)
cmp -s "$work/records.txt" "$inbox"/*_bench.txt || { echo "delivered file differs" >&2; exit 1; }
renkei_hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=

# The same million records as a backlog: a second renkeid in a consumer group of its own
# (fresh spool and state) finds them all waiting on the route topic at its start.
cp -r "$work/config" "$work/config-backlog"
sed -i "s|^  group_id: renkei-hub|  group_id: renkei-bench-backlog|; s|root: $work/spool|root: $work/spool-backlog|; s|dir: $work/state|dir: $work/state-backlog|; s|token_file: $work/state/api-token|token_file: $work/state-backlog/api-token|" "$work/config-backlog/hub.yaml"
grep -q '^  group_id: renkei-bench-backlog' "$work/config-backlog/hub.yaml" || { echo "bus_bench: could not set bus.group_id" >&2; exit 1; }
t5=$(now)
${RENKEI_BENCH_WRAP:-} "$build/src/renkeid" --config "$work/config-backlog/hub.yaml" > "$work/renkeid-backlog.log" 2>&1 &
pid=$!
inbox=$work/spool-backlog/health-care/inbox/009
deadline=$(( $(date +%s) + ${RENKEI_BENCH_TIMEOUT:-600} ))
until compgen -G "$inbox/*_bench.txt" >/dev/null; do
  (( $(date +%s) < deadline )) || { echo "bus_bench: the backlog was not delivered" >&2; tail -n 20 "$work/renkeid-backlog.log" >&2; exit 1; }
  sleep 0.01
done
t6=$(now)
backlog_load=$(load)
cmp -s "$work/records.txt" "$inbox"/*_bench.txt || { echo "bus_bench: the file delivered from the backlog differs" >&2; exit 1; }
backlog_hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=

# Kafka Connect 3.9 standalone, FileStream connectors: they read and write UTF-8 only, so
# its input is the UTF-8 copy of the same records. One partition keeps the lines in order.
iconv -f CP932 -t UTF-8 "$work/records.txt" > "$work/records-utf8.txt"
"$build/bench/bench_topic" "$broker" bench.connect 1
read -r connect_total connect_hwm < <("$root/bench/peers/connect_run.sh" "$broker" "$work/records-utf8.txt" \
  "$work/connect" $((RENKEI_KAFKA_PORT + 20)))
[[ -n ${connect_total:-} ]] || { echo "bus_bench: Kafka Connect did not finish" >&2; exit 1; }
connect_load=$(load)

# Apache Camel 4, file → Kafka → file with MS932 on both ends: the same CP932 input.
"$build/bench/bench_topic" "$broker" bench.camel 1
read -r camel_total camel_hwm < <("$root/bench/peers/camel_run.sh" "$broker" "$work/records.txt" "$work/camel")
[[ -n ${camel_total:-} ]] || { echo "bus_bench: Camel did not finish" >&2; exit 1; }
camel_load=$(load)

kcat_total=$(python3 -c "print($t2 - $t0)")
renkei_total=$(python3 -c "print($t4 - $t3)")
printf 'records: %d (%d bytes, CP932), broker: Kafka 3.9 on %s, %d cores\n' "$n" "$bytes" "$broker" "$(nproc)"
printf 'kcat baseline    produce and consume at once: %.2f s (produce done at %.2f s)  (%s records/s)  load %s\n' \
  "$kcat_total" "$(python3 -c "print($t1-$t0)")" "$(rate "$n" "$kcat_total")" "$kcat_load"
printf 'renkei           file -> source -> Kafka -> sink -> file %.2f s  (%s records/s)  load %s\n' "$renkei_total" "$(rate "$n" "$renkei_total")" "$renkei_load"
printf 'renkei backlog   1M records waiting at start -> sink -> file %.2f s from start  (%s records/s)  load %s\n' "$(python3 -c "print($t6 - $t5)")" "$(rate "$n" "$(python3 -c "print($t6 - $t5)")")" "$backlog_load"
printf 'Kafka Connect    FileStreamSource -> Kafka -> FileStreamSink %.2f s  (%s records/s, UTF-8)  load %s\n' "$connect_total" "$(rate "$n" "$connect_total")" "$connect_load"
printf 'Apache Camel 4   file -> Kafka -> file (MS932) %.2f s  (%s records/s)  load %s\n' "$camel_total" "$(rate "$n" "$camel_total")" "$camel_load"
printf 'ratio renkei/kcat: %.2f (goal <= 1.2); goal >= 200,000 records/s\n' "$(python3 -c "print($renkei_total/$kcat_total)")"
printf 'speed-up renkei vs Kafka Connect: %.2fx, vs Camel: %.2fx (goal >= 1.5x each)\n' \
  "$(python3 -c "print($connect_total/$renkei_total)")" "$(python3 -c "print($camel_total/$renkei_total)")"
printf 'peak RSS (VmHWM): renkeid %d MB (with the 1M backlog: %d MB), Kafka Connect %d MB, Camel %d MB (goal: renkeid <= 150 MB)\n' \
  $((renkei_hwm / 1024)) $((backlog_hwm / 1024)) $((connect_hwm / 1024)) $((camel_hwm / 1024))
