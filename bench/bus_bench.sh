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
rate() { python3 -c "print(f'{$1/($2):,.0f}')"; }

python3 "$root/bench/make_records.py" "$n" > "$work/records.txt"
bytes=$(stat -c %s "$work/records.txt")

# Baseline: kcat, same producer settings and the same seven headers per record.
"$build/bench/bench_topic" "$broker" bench.kcat 3
kopts=(-X enable.idempotence=true -X acks=all -X linger.ms=5 -X compression.type=lz4 -X batch.num.messages=10000)
hdrs=(-H renkei-interface=009 -H renkei-source=resident-record -H renkei-charset=ibm-943_P15A-2003
      -H renkei-batch-id=20261125T000000Z-0000000000000000 -H renkei-trace-id=20261125T000000Z-0000000000000000
      -H renkei-ingested-at=2026-11-25T00:00:00.000Z -H renkei-seq=1)
t0=$(now)
kcat -P -b "$broker" -t bench.kcat -p 0 "${kopts[@]}" "${hdrs[@]}" -l "$work/records.txt"
t1=$(now)
kcat -C -b "$broker" -t bench.kcat -p 0 -o beginning -e -q -f '%s\n' > "$work/kcat-out.txt"
t2=$(now)
got=$(wc -l < "$work/kcat-out.txt")
[[ $got -eq $n ]] || { echo "kcat consumed $got of $n records" >&2; exit 1; }

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
cmp -s "$work/records.txt" "$inbox"/*_bench.txt || { echo "delivered file differs" >&2; exit 1; }

kcat_total=$(python3 -c "print($t2 - $t0)")
renkei_total=$(python3 -c "print($t4 - $t3)")
printf 'records: %d (%d bytes, CP932), broker: Kafka 3.9 on %s, %d cores\n' "$n" "$bytes" "$broker" "$(nproc)"
printf 'kcat baseline   produce %.2f s + consume %.2f s = %.2f s  (%s records/s)\n' \
  "$(python3 -c "print($t1-$t0)")" "$(python3 -c "print($t2-$t1)")" "$kcat_total" "$(rate "$n" "$kcat_total")"
printf 'renkei          file -> source -> Kafka -> sink -> file %.2f s  (%s records/s)\n' "$renkei_total" "$(rate "$n" "$renkei_total")"
printf 'ratio renkei/kcat: %.2f (goal <= 2.0); goal >= 200,000 records/s\n' "$(python3 -c "print($renkei_total/$kcat_total)")"
