#!/usr/bin/env bash
# Conversion throughput: `renkeictl convert` on a ~100 MB generated resident file beside
# `iconv` on the same machine in the same run.
#   CP932 → UTF-8: route 6's tables (住民記録's gaiji table, strict decode, every record
#                  validated and every gaiji mapped) vs `iconv -f CP932 -t UTF-8`.
#   UTF-8 → CP932: route 21's profile (utf8: IVS and 𠮷 back to 住民記録's gaiji codes)
#                  on renkeictl's own output vs `iconv -f UTF-8 -t CP932` on iconv's.
# The commands take turns (renkeictl, iconv, iconv + sync, again …) RENKEI_BENCH_RUNS
# times (default 5), so a neighbour's load falls on all of them alike. Printed for each:
# the median wall time (with the range) and the median CPU time, user + sys, which
# other load on the machine changes much less than the wall time.
# renkeictl fsyncs its output (a converted file is either whole or absent), iconv does
# not: both baselines are printed, iconv alone and iconv followed by `sync FILE`.
# Goal (issue 5): at least 2x iconv (median wall time), and never slower. The load
# average is printed at start and end: take wall times from a quiet machine (below 1).
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
build=${RENKEI_BUILD_DIR:-$root/build}
size_mb=${RENKEI_BENCH_MB:-100}
runs=${RENKEI_BENCH_RUNS:-5}

"$root/scripts/setup.sh" >/dev/null
"$root/scripts/build.sh" >/dev/null
ctl=$build/src/renkeictl
work=$(mktemp -d /tmp/renkei-convbench.XXXXXX)
trap 'rm -rf "$work"' EXIT

python3 "$root/bench/make_resident_file.py" "$size_mb" > "$work/in.cp932"
bytes=$(stat -c %s "$work/in.cp932")
# Wall times mean little on a busy machine: the load goes with the figures.
load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "load average at start: $(load)"

timed() {  # appends "wall user sys" of one run of "$@" to the file $1
  local log=$1
  shift
  local TIMEFORMAT='%R %U %S'
  { time "$@" >/dev/null 2>"$work/err"; } 2>>"$log" || { cat "$work/err" >&2; exit 1; }
}
compare() {  # label, input bytes, then three commands (renkeictl, iconv, iconv + sync) as strings
  local label=$1 n=$2
  : >"$work/t.renkei"; : >"$work/t.iconv"; : >"$work/t.sync"
  for _ in $(seq "$runs"); do
    timed "$work/t.renkei" sh -c "$3"
    timed "$work/t.iconv" sh -c "$4"
    timed "$work/t.sync" sh -c "$5"
  done
  python3 - "$label" "$n" "$work/t.renkei" "$work/t.iconv" "$work/t.sync" <<'PY'
import statistics, sys
label, n = sys.argv[1], int(sys.argv[2])
def load(path):
    rows = [tuple(map(float, line.split())) for line in open(path) if line.strip()]
    walls = [w for w, _, _ in rows]
    return statistics.median(walls), min(walls), max(walls), statistics.median(u + s for _, u, s in rows)
r, i, s = (load(p) for p in sys.argv[3:6])
mb = n / 1e6
verdict = lambda x: 'GOAL MET (>=2x)' if x >= 2 else 'not slower' if x >= 1 else 'SLOWER'
row = lambda name, t: f"  {name:<18} {mb/t[0]:7.1f} MB/s  wall {t[0]:.2f} s ({t[1]:.2f}-{t[2]:.2f})  cpu {t[3]:.2f} s"
print(f"{label}: {mb:.0f} MB in, medians of {len(open(sys.argv[3]).readlines())} runs taken in turn")
print(row("renkeictl convert", r) + "  (validates, maps gaiji, fsyncs its output)")
for name, t in (("iconv", i), ("iconv + sync FILE", s)):
    print(row(name, t) + f"  ratio wall {t[0]/r[0]:.2f}x {verdict(t[0]/r[0])}, cpu {t[3]/r[3]:.2f}x")
PY
}

# Renkei's output is the next step's input; iconv's likewise (it cannot read IVS/𠮷 back).
compare "CP932 -> UTF-8" "$bytes" \
  "'$ctl' --config '$root/config' convert --route 6 '$work/in.cp932' '$work/out.utf8'" \
  "iconv -f CP932 -t UTF-8 '$work/in.cp932' > '$work/iconv.utf8'" \
  "iconv -f CP932 -t UTF-8 '$work/in.cp932' > '$work/iconv.utf8' && sync '$work/iconv.utf8'"

ubytes=$(stat -c %s "$work/out.utf8")
compare "UTF-8 -> CP932" "$ubytes" \
  "'$ctl' --config '$root/config' convert --route 21 '$work/out.utf8' '$work/back.cp932'" \
  "iconv -f UTF-8 -t CP932 '$work/iconv.utf8' > '$work/iconv.cp932'" \
  "iconv -f UTF-8 -t CP932 '$work/iconv.utf8' > '$work/iconv.cp932' && sync '$work/iconv.cp932'"

# Both round trips must give back the original bytes: speed without exactness is nothing.
cmp "$work/in.cp932" "$work/back.cp932" && echo "round trip through renkeictl: byte-exact"
echo "load average at end: $(load)"
