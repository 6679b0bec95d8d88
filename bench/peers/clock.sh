# Sourced by the peers' run scripts: the clock and the checks every peer gets alike.
# peer_wait_output OUTPUT WANT_BYTES — waits until OUTPUT holds WANT_BYTES bytes.
peer_wait_output() {
  local deadline=$(( $(date +%s) + ${RENKEI_BENCH_TIMEOUT:-600} ))
  until [[ -f $1 && $(stat -c %s "$1") -ge $2 ]]; do
    (( $(date +%s) < deadline )) || { echo "$peer: output incomplete after ${RENKEI_BENCH_TIMEOUT:-600} s" >&2; return 1; }
    sleep 0.01
  done
}
# peer_report INPUT OUTPUT PID T0 T1 — byte-checks OUTPUT against INPUT and prints
# "SECONDS VMHWM_KB" for the run that went from T0 to T1 in process PID.
peer_report() {
  local hwm
  hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$3/status")
  cmp -s "$1" "$2" || { echo "$peer: output differs from its input" >&2; return 1; }
  printf '%s %s\n' "$(python3 -c "print($5 - $4)")" "$hwm"
}
# peer_wait_ready PID LOG WHAT COMMAND... — waits up to 60 s until COMMAND succeeds while
# process PID lives, then 3 s more: its consumer group settles before the clock starts, as
# renkeid's does. Fails with LOG's tail when PID dies or WHAT never comes.
peer_wait_ready() {
  local pid=$1 log=$2 what=$3
  shift 3
  for _ in $(seq 1 240); do
    "$@" && { sleep 3; return 0; }
    kill -0 "$pid" 2>/dev/null || { echo "$peer: exited before $what" >&2; tail -n 20 "$log" >&2; return 1; }
    sleep 0.25
  done
  echo "$peer: $what not within 60 s" >&2; tail -n 20 "$log" >&2; return 1
}
