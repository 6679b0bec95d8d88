#!/usr/bin/env python3
"""Realtime latency through renkeid: events POSTed to /ingest → Kafka → http sink → a
receiver, at a fixed rate; prints p50/p99/p99.9 of the ingest answer (202, i.e. Kafka
has the event) and of end to end (POST sent → receiver has it). Beside it, the baseline
measured in the same run: the same sender POSTing straight to the same receiver (the
cost of the Python ends themselves).

Used by bench/realtime_bench.sh, which builds and makes sure a broker runs:
  bench/realtime_bench.py --renkeid build/src/renkeid --brokers 127.0.0.1:19092 [--rate 1000] [--seconds 60]
"""

import argparse
import http.client
import json
import os
import queue
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
import kafkawire  # noqa: E402

ROUTE, SOURCE, TARGET = 28, "seal-cert", "convenience-cert"


def percentile(sorted_values, q):
    if not sorted_values:
        return float("nan")
    i = min(len(sorted_values) - 1, max(0, int(round(q * (len(sorted_values) - 1)))))
    return sorted_values[i]


def summary(label, values_s):
    v = sorted(x * 1000 for x in values_s)
    return (f"{label:<34} n={len(v):>6}  p50 {percentile(v, .5):7.2f} ms  p99 {percentile(v, .99):7.2f} ms  "
            f"p99.9 {percentile(v, .999):7.2f} ms  max {v[-1] if v else float('nan'):7.2f} ms")


def tally(route, key_of, res, arrived):
    """What `send` got accepted against what reached the target (`arrived`: key -> arrival
    times): counts, events missing, repeats of one Idempotency-Key, end-to-end seconds."""
    accepted = {i for i, (_, _, s) in res.items() if s == 202}
    want = {f"renkei-{route:03d}-{key_of(i)}": i for i in accepted}
    missing = [k for k in want if k not in arrived]
    repeats = sum(len(arrived[k]) - 1 for k in want if k in arrived)
    e2e = [arrived[k][0] - res[i][0] for k, i in want.items() if k in arrived]
    return {"sent": len(res), "accepted": accepted, "want": want, "missing": len(missing),
            "repeats": repeats, "e2e": e2e}


def ready(port):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        c.request("GET", "/readyz")
        return c.getresponse().status == 200
    except OSError:
        return False


def metrics(port):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.request("GET", "/metrics")
    return c.getresponse().read()


def start_receiver(log_path):
    """The receiver in a process of its own (so its GIL is not the sender's)."""
    proc = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "http_receiver.py"), "--port", "0",
                             "--log", str(log_path)], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    m = re.search(r":(\d+)", line)
    if not m:
        proc.kill()
        raise SystemExit(f"receiver did not start: {line!r}")
    return proc, int(m.group(1))


def read_arrivals(log_path):
    out = {}
    with open(log_path) as f:
        for line in f:
            key, _, at = line.rstrip("\n").partition("\t")
            out.setdefault(key, []).append(float(at))
    return out


def prepare_config(work, brokers, receiver_port, group_prefix="renkei-rt-bench"):
    """The shipped config and codemaps copied into `work`, pointed at `brokers`, a fresh
    consumer group starting at the topics' ends, a free admin port and the receiver.
    Returns (hub.yaml path, admin port)."""
    shutil.copytree(ROOT / "config", work / "config")
    shutil.copytree(ROOT / "codemaps", work / "codemaps")
    group = f"{group_prefix}-{os.getpid()}-{time.time_ns() % 10**9}"
    with socket.socket() as s:  # a free port now; renkeid logs at warn, so not its choice
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    hub_yaml = work / "config" / "hub.yaml"
    text = hub_yaml.read_text(encoding="utf-8")
    for pattern, repl in [(r'(?m)^(\s+brokers:)\s*"[^"\n]*"', rf'\1 "{brokers}"'),
                          (r"(?m)^(\s+group_id:)\s*\S+", rf"\1 {group}"),
                          (r"(?m)^(\s+listen:)\s*\S+", rf"\1 127.0.0.1:{port}"),
                          (r"(?m)^(\s+root:)\s*\S+", rf"\1 {work}/spool"),
                          (r"(?m)^(state:\n\s+dir:)\s*\S+", rf"\1 {work}/state"),  # not calendar.dir
                          (r"(?m)^(\s+token_file:)\s*\S+", rf"\1 {work}/state/api-token"),
                          (r"(?m)^(\s+level:)\s*\S+", r"\1 warn")]:
        text = re.sub(pattern, repl, text)
    hub_yaml.write_text(text, encoding="utf-8")
    systems = work / "config" / "systems.yaml"
    systems.write_text(systems.read_text(encoding="utf-8").replace("127.0.0.1:9471", f"127.0.0.1:{receiver_port}"),
                       encoding="utf-8")
    admin = kafkawire.Admin(brokers)
    admin.commit_offsets(group, admin.end_offsets(r"renkei\.if\.[0-9]{3}"))
    return hub_yaml, port


def start_hub(renkeid, hub_yaml, port, work):
    """renkeid on `hub_yaml`, logging to work/renkeid.log; returns the process once it is
    ready and its consumer has the route partitions (it then reports lag)."""
    log = open(work / "renkeid.log", "wb")
    hub = subprocess.Popen([renkeid, "--config", str(hub_yaml)], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while not ready(port):
        if time.monotonic() > deadline or hub.poll() is not None:
            raise SystemExit("renkeid did not start:\n" + (work / "renkeid.log").read_text(errors="replace")[-3000:])
        time.sleep(0.2)
    deadline = time.monotonic() + 90
    while b'renkei_consumer_lag_records{interface="028"}' not in metrics(port):
        if time.monotonic() > deadline:
            raise SystemExit("renkeid's consumer got no partitions")
        time.sleep(0.5)
    time.sleep(2)
    return hub


def send(port, path, token, rate, seconds, key_of, threads=16):
    """POSTs rate*seconds events on schedule from `threads` keep-alive connections.
    Returns ({i: (sent_at, answered_at, status)}, achieved seconds)."""
    n = int(rate * seconds)
    work = queue.Queue(maxsize=4 * threads)
    results = {}
    lock = threading.Lock()

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            i = work.get()
            if i is None:
                return
            body = f"{i:07d},印鑑登録,ﾍﾞﾝﾁ ﾀﾛｳ,{time.time():.6f}".encode("cp932")
            headers = {"Idempotency-Key": key_of(i), "Content-Type": "application/octet-stream"}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            t0 = time.time()
            try:
                conn.request("POST", path, body=body, headers=headers)
                r = conn.getresponse()
                r.read()
                status = r.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status = 0
            t1 = time.time()
            with lock:
                results[i] = (t0, t1, status)

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for t in pool:
        t.start()
    start = time.monotonic()
    for i in range(n):
        due = start + i / rate
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        work.put(i)
    for _ in pool:
        work.put(None)
    for t in pool:
        t.join()
    return results, time.monotonic() - start


def bench_args():
    """The options both http benches take: the daemon, the broker and the load."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--renkeid", default=str(ROOT / "build" / "src" / "renkeid"))
    ap.add_argument("--brokers", default=os.environ.get("RENKEI_TEST_BROKERS", "127.0.0.1:19092"))
    ap.add_argument("--rate", type=float, default=1000)
    ap.add_argument("--seconds", type=float, default=60)
    return ap


def main():
    ap = bench_args()
    ap.add_argument("--baseline-seconds", type=float, default=10)
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="renkei-rt-bench-"))
    log_path = work / "arrivals.tsv"
    receiver, rport = start_receiver(log_path)
    hub = None
    try:
        # Baseline: straight to the receiver, same sender, same rate.
        base, _ = send(rport, f"/{TARGET}/base", None, args.rate, args.baseline_seconds, lambda i: f"base-{i}")

        hub_yaml, port = prepare_config(work, args.brokers, rport)
        hub = start_hub(args.renkeid, hub_yaml, port, work)
        token = (work / "state" / "api-token").read_text().strip()

        key_of = lambda i: f"rt-{i:07d}"  # noqa: E731
        res, took = send(port, f"/ingest/{SOURCE}/{ROUTE:03d}", token, args.rate, args.seconds, key_of)
        n = len(res)
        deadline = time.monotonic() + 60
        while True:
            arrivals = read_arrivals(log_path)
            t = tally(ROUTE, key_of, res, arrivals)
            if t["missing"] == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        accepted, want, missing, repeats, e2e = t["accepted"], t["want"], t["missing"], t["repeats"], t["e2e"]
        ingest = [res[i][1] - res[i][0] for i in accepted]
        base_e2e = [arrivals[f"base-{i}"][0] - t0 for i, (t0, _, s) in base.items() if f"base-{i}" in arrivals]
        print(f"events: {n} at {args.rate:.0f}/s for {args.seconds:.0f} s (sent in {took:.1f} s, "
              f"{n / took:,.0f}/s achieved); route {ROUTE:03d} {SOURCE} -> {TARGET} (http in, http out); "
              f"broker {args.brokers}; {os.cpu_count()} cores")
        print(f"accepted (202): {len(accepted)}, refused: {n - len(accepted)}, delivered: {len(want) - missing}, "
              f"missing: {missing}, repeats (same Idempotency-Key): {repeats}")
        print(summary("baseline: POST straight to receiver", base_e2e))
        print(summary("renkeid ingest: POST -> 202", ingest))
        print(summary("renkeid end to end: POST -> target", e2e))
        print("goal: end to end p99 <= 20 ms, p99.9 <= 100 ms")
        # In send order too, to tell a steady tail from a few stalls (when and how long).
        start0 = min(t0 for t0, _, _ in res.values())
        series = [[round(res[i][0] - start0, 4), round((res[i][1] - res[i][0]) * 1000, 3),
                   round((arrivals[k][0] - res[i][0]) * 1000, 3) if k in arrivals else None]
                  for k, i in sorted(want.items(), key=lambda kv: kv[1])]
        json.dump({"ingest_ms": sorted(x * 1000 for x in ingest), "e2e_ms": sorted(x * 1000 for x in e2e),
                   "by_send": series}, open(work / "latencies.json", "w"))
        worst = sorted(((e or 0, t) for t, _, e in series), reverse=True)[:5]
        print("slowest end to end (ms at s after start): " + ", ".join(f"{e:.0f} at {t:.1f}" for e, t in worst))
        return 1 if missing or len(accepted) < n else 0
    finally:
        if hub and hub.poll() is None:
            hub.terminate()
            hub.wait(60)
        receiver.terminate()
        receiver.wait(10)
        if os.environ.get("RENKEI_BENCH_KEEP") == "1":
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
