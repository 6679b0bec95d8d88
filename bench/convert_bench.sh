#!/usr/bin/env bash
# Conversion throughput: `renkeictl convert` on a ~100 MB generated resident file beside
# `iconv` on the same machine in the same run.
#   CP932 → UTF-8: route 6's tables (住民記録's gaiji table, strict decode, every record
#                  validated and every gaiji mapped) vs `iconv -f CP932 -t UTF-8`.
#   UTF-8 → CP932: route 21's profile (utf8: IVS and 𠮷 back to 住民記録's gaiji codes)
#                  on renkeictl's own output vs `iconv -f UTF-8 -t CP932` on iconv's.
# Each command runs RENKEI_BENCH_RUNS times (default 3); the best time counts for both.
# renkeictl fsyncs its output (a converted file is either whole or absent), iconv does
# not: both baselines are printed, iconv alone and iconv followed by `sync FILE`.
# Goal (issue 5): at least 2x iconv, and never slower.
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
build=${RENKEI_BUILD_DIR:-$root/build}
size_mb=${RENKEI_BENCH_MB:-100}
runs=${RENKEI_BENCH_RUNS:-3}

"$root/scripts/setup.sh" >/dev/null
"$root/scripts/build.sh" >/dev/null
ctl=$build/src/renkeictl
work=$(mktemp -d /tmp/renkei-convbench.XXXXXX)
trap 'rm -rf "$work"' EXIT

python3 "$root/bench/make_resident_file.py" "$size_mb" > "$work/in.cp932"
bytes=$(stat -c %s "$work/in.cp932")

best() {  # best wall time in seconds of "$@" over $runs runs
  local b=
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
    t1=$(date +%s.%N)
    b=$(python3 -c "t=$t1-$t0; b='$b'; print(t if not b or t < float(b) else b)")
  done
  echo "$b"
}
report() {  # label, bytes, renkei seconds, iconv seconds, iconv+fsync seconds
  python3 - "$@" <<'PY'
import sys
label, n, r, i, s = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
mb = n / 1e6
verdict = lambda x: 'GOAL MET (>=2x)' if x >= 2 else 'not slower' if x >= 1 else 'SLOWER'
print(f"{label}: {mb:.0f} MB in\n"
      f"  renkeictl convert   {mb/r:7.1f} MB/s ({r:.2f} s; validates, maps gaiji, fsyncs its output)\n"
      f"  iconv               {mb/i:7.1f} MB/s ({i:.2f} s)   ratio {i/r:.2f}x  {verdict(i/r)}\n"
      f"  iconv + sync FILE   {mb/s:7.1f} MB/s ({s:.2f} s)   ratio {s/r:.2f}x  {verdict(s/r)}")
PY
}

# Renkei's output is the next step's input; iconv's likewise (it cannot read IVS/𠮷 back).
r1=$(best "$ctl" --config "$root/config" convert --route 6 "$work/in.cp932" "$work/out.utf8")
i1=$(best sh -c "iconv -f CP932 -t UTF-8 '$work/in.cp932' > '$work/iconv.utf8'")
s1=$(best sh -c "iconv -f CP932 -t UTF-8 '$work/in.cp932' > '$work/iconv.utf8' && sync '$work/iconv.utf8'")
report "CP932 -> UTF-8" "$bytes" "$r1" "$i1" "$s1"

ubytes=$(stat -c %s "$work/out.utf8")
r2=$(best "$ctl" --config "$root/config" convert --route 21 "$work/out.utf8" "$work/back.cp932")
i2=$(best sh -c "iconv -f UTF-8 -t CP932 '$work/iconv.utf8' > '$work/iconv.cp932'")
s2=$(best sh -c "iconv -f UTF-8 -t CP932 '$work/iconv.utf8' > '$work/iconv.cp932' && sync '$work/iconv.cp932'")
report "UTF-8 -> CP932" "$ubytes" "$r2" "$i2" "$s2"

# Both round trips must give back the original bytes: speed without exactness is nothing.
cmp "$work/in.cp932" "$work/back.cp932" && echo "round trip through renkeictl: byte-exact"
