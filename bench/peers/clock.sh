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
