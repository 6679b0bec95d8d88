#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (ASan + UBSan, the renkei
# libraries instrumented too) into build-fuzz/ (or $RENKEI_FUZZ_BUILD_DIR) and runs each
# for a short fixed budget on a copy of its seed corpus (tests/fuzz/corpus/<target>/ is
# never modified). Exit status: 0 when every target ran clean, 1 on any crash, failed
# check, leak, UB report, timeout or out-of-memory (the input is kept under
# <build>/findings/<target>/ and printed with the command that reproduces it), 2 when the
# fuzz targets do not build.
#
#   scripts/fuzz.sh [seconds-per-target]     default 20
#
# Needs clang >= 16 (clang 14 cannot compile libstdc++ 12's std::expected) and its
# libFuzzer runtime: Debian's clang-16 and libclang-rt-16-dev (scripts/setup.sh installs
# them). Without them the run is skipped with a message and exit status 0, unless
# RENKEI_FUZZ_REQUIRED=1. RENKEI_FUZZ_CXX names the compiler to use, RENKEI_FUZZ_JOBS how
# many targets run at a time (default: one per core), RENKEI_FUZZ_SEED the seed (1).
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:-20}
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || { echo "usage: scripts/fuzz.sh [seconds-per-target]" >&2; exit 2; }
build=${RENKEI_FUZZ_BUILD_DIR:-$root/build-fuzz}
seed=${RENKEI_FUZZ_SEED:-1}

# A clang++ of version 16 or later whose libFuzzer, ASan and UBSan runtimes link.
probe_dir=$(mktemp -d)
trap 'rm -rf "$probe_dir"' EXIT
usable() {
  local cxx=$1 major
  command -v "$cxx" >/dev/null 2>&1 || return 1
  major=$("$cxx" -dumpversion 2>/dev/null | cut -d. -f1)
  [[ $major =~ ^[0-9]+$ && $major -ge 16 ]] || return 1
  printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n' \
    >"$probe_dir/probe.cpp"
  "$cxx" -fsanitize=fuzzer,address,undefined "$probe_dir/probe.cpp" -o "$probe_dir/probe" >/dev/null 2>&1
}
cxx=""
for c in ${RENKEI_FUZZ_CXX:-} clang++-19 clang++-18 clang++-17 clang++-16 clang++; do
  if usable "$c"; then cxx=$(command -v "$c"); break; fi
done
if [[ -z $cxx ]]; then
  echo "fuzz: SKIPPED: no clang++ >= 16 with libFuzzer (apt-get install clang-16 libclang-rt-16-dev)" >&2
  [[ ${RENKEI_FUZZ_REQUIRED:-0} == 1 ]] && exit 2
  exit 0
fi

echo "fuzz: building the fuzz targets with $cxx into $build"
log=$probe_dir/build.log
if ! { cmake -S "$root/tests/fuzz" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" &&
       cmake --build "$build" --parallel "$(nproc)"; } >"$log" 2>&1; then
  tail -n 60 "$log" >&2
  echo "fuzz: FAILED: the fuzz targets do not build" >&2
  exit 2
fi
mapfile -t targets <"$build/fuzz_targets.txt"

symbolizer=$(command -v llvm-symbolizer-16 llvm-symbolizer 2>/dev/null | head -n 1 || true)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
[[ -n $symbolizer ]] && export ASAN_SYMBOLIZER_PATH=$symbolizer
export TMPDIR=$probe_dir  # fuzz_codemap_tsv writes its input there

# One target on a copy of its corpus; the outcome goes to files in its work dir.
run_target() {
  local t=$1 work=$probe_dir/$1 rc=0 start=$SECONDS
  mkdir -p "$work/corpus" "$work/artifacts"
  cp -R "$root/tests/fuzz/corpus/$t/." "$work/corpus/"
  find "$work/corpus" -type f | wc -l >"$work/seeds"
  (cd "$work" && "$build/$t" -seed="$seed" -max_total_time="$seconds" -rss_limit_mb=1024 -timeout=30 \
     -max_len=4096 -detect_leaks=1 -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus") \
    >"$work/log" 2>&1 || rc=$?
  # Besides the exit status: any sanitizer report, even one that did not stop the run.
  if ((rc == 0)) && grep -qE 'runtime error:|ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|FUZZ CHECK FAILED' "$work/log"; then
    rc=99
  fi
  echo "$((SECONDS - start))" >"$work/took"
  echo "$rc" >"$work/rc"
}

rm -rf "$build/findings"  # a previous run's

# As many targets at a time as there are cores (RENKEI_FUZZ_JOBS).
jobs=${RENKEI_FUZZ_JOBS:-$(nproc)}
echo "fuzz: ${#targets[@]} targets, $seconds s each, $jobs at a time, seed $seed"
running=0
for t in "${targets[@]}"; do
  run_target "$t" &
  if ((++running >= jobs)); then
    wait -n || true
    ((running--)) || true
  fi
done
wait

status=0
summary=()
for t in "${targets[@]}"; do
  work=$probe_dir/$t
  rc=$(cat "$work/rc" 2>/dev/null || echo 98)
  took=$(cat "$work/took" 2>/dev/null || echo '?')
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -n 1 | cut -d' ' -f2)
  corp=$(find "$work/corpus" -type f | wc -l)
  if ((rc == 0)); then
    summary+=("$(printf '  %-24s ok      %3ss  %9s runs  cov %5s  corpus %d→%d' "$t" "$took" "${execs:-?}" "${cov:-?}" "$(cat "$work/seeds")" "$corp")")
    continue
  fi
  status=1
  keep=$build/findings/$t
  mkdir -p "$keep"
  cp "$work/log" "$keep/log"
  found=$(find "$work/artifacts" -type f)
  [[ -n $found ]] && cp $found "$keep/"
  summary+=("$(printf '  %-24s FAILED  %3ss  exit %d, log and input in %s' "$t" "$took" "$rc" "$keep")")
  echo "fuzz: $t FAILED (exit $rc) — the report:" >&2
  grep -E -A 30 'FUZZ CHECK FAILED|ERROR: |runtime error:' "$work/log" | head -n 60 >&2 || true
  for f in $found; do
    echo "fuzz: reproduce with: $build/$t $keep/$(basename "$f")" >&2
  done
done

printf '%s\n' "${summary[@]}"
if ((status != 0)); then
  echo "fuzz: FAILED" >&2
else
  echo "fuzz: all ${#targets[@]} targets clean"
fi
exit "$status"
