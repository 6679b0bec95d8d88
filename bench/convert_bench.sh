#!/usr/bin/env bash
# Conversion throughput: `renkeictl convert` on a ~100 MB generated resident file beside
# `iconv` on the same machine in the same run.
#   CP932 → UTF-8: route 6's tables (住民記録's gaiji table, strict decode, every record
#                  validated and every gaiji mapped) vs `iconv -f CP932 -t UTF-8`.
#   UTF-8 → CP932: route 21's profile (utf8: IVS and 𠮷 back to 住民記録's gaiji codes)
#                  on renkeictl's own output vs `iconv -f UTF-8 -t CP932` on iconv's.
# Each command runs RENKEI_BENCH_RUNS times (default 3); the best time counts for both.
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
report() {  # label, bytes, renkei seconds, iconv seconds
  python3 - "$@" <<'PY'
import sys
label, n, r, i = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
mb = n / 1e6
print(f"{label}: {mb:.0f} MB  renkeictl {mb/r:7.1f} MB/s ({r:.2f} s)  iconv {mb/i:7.1f} MB/s ({i:.2f} s)  "
      f"ratio {i/r:.2f}x  {'GOAL MET (>=2x)' if i/r >= 2 else 'not slower' if i/r >= 1 else 'SLOWER than iconv'}")
PY
}

# Renkei's output is the next step's input; iconv's likewise (it cannot read IVS/𠮷 back).
r1=$(best "$ctl" --config "$root/config" convert --route 6 "$work/in.cp932" "$work/out.utf8")
i1=$(best sh -c "iconv -f CP932 -t UTF-8 '$work/in.cp932' > '$work/iconv.utf8'")
report "CP932 -> UTF-8" "$bytes" "$r1" "$i1"

ubytes=$(stat -c %s "$work/out.utf8")
r2=$(best "$ctl" --config "$root/config" convert --route 21 "$work/out.utf8" "$work/back.cp932")
i2=$(best sh -c "iconv -f UTF-8 -t CP932 '$work/iconv.utf8' > '$work/iconv.cp932'")
report "UTF-8 -> CP932" "$ubytes" "$r2" "$i2"

# Both round trips must give back the original bytes: speed without exactness is nothing.
cmp "$work/in.cp932" "$work/back.cp932" && echo "round trip through renkeictl: byte-exact"
