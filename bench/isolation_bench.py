#!/usr/bin/env python3
"""Isolation between delivery lanes, measured in one run (issue 14).

Four routes at once on one renkeid and one broker:
  028 seal-cert -> convenience-cert   realtime, http both ends, --rate events/s (1000)
  009 resident-record -> health-care  one file of --records records (1,000,000): drop -> delivered
  062 lv-inspection -> light-vehicle-tax  http (in this bench's config), 10 events/s
  064 property-tax -> gaicho              http (in this bench's config), 1 event/s, a layout
                                          whose key is the event's sequence number
Phase "healthy": every target answers at once. Phase "faults": light-vehicle-tax is a
black hole (accepts, reads, never answers) and gaicho answers after 2 s; afterwards the
black hole is replaced by a receiver on the same port and every event of 062 must
arrive. Prints p50/p99/p99.9 per route for both phases, the ratio of the healthy routes'
p99 (goal <= 1.5x), events lost and repeated per route, renkeid's VmHWM and the load
average. Route 028's figures are also split: events sent while the file was on its way
and the rest. Phase "floor", last: the same file through renkeid while the same sender
POSTs straight to the same receiver, split the same way: what the machine's load alone
does to the sender and the receiver, beside which renkeid's figures are read.

Used by bench/isolation_bench.sh, which builds and makes sure a broker runs:
  bench/isolation_bench.py --renkeid build/src/renkeid --brokers 127.0.0.1:29192 [--seconds 60]
"""

import os
import re
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests" / "integration"))
import harness as h  # noqa: E402
from http_receiver import Receiver  # noqa: E402
from realtime_bench import (bench_args, percentile, prepare_config, read_arrivals, send, start_hub,  # noqa: E402
                            start_receiver, summary, tally)

RT, RT_SOURCE, RT_TARGET = 28, "seal-cert", "convenience-cert"
WARMUP_S = 5
FILE_ROUTE, FILE_SOURCE, FILE_TARGET = 9, "resident-record", "health-care"
HOLE, HOLE_SOURCE, HOLE_TARGET = 62, "lv-inspection", "light-vehicle-tax"
SLOW, SLOW_SOURCE, SLOW_TARGET = 64, "property-tax", "gaicho"
SLOW_MS = 2000

LAYOUT = """\
# isolation bench: one CSV event; the key is its sequence number (a key per event).
format: csv
key: seq
fields:
  - {name: seq}
  - {name: kind}
  - {name: name}
  - {name: at}
"""


def vm_hwm(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def make_http(text, system, url=None, extra=""):
    """systems.yaml with `system` given an http adapter (and a url when it receives)."""
    block = "    adapter:\n      kind: http\n" + (f"      url: {url}\n" if url else "") + extra
    text, n = re.subn(rf"(  - id: {re.escape(system)}\n    name: .*\n    charset: .*\n)", rf"\1{block}", text)
    if n != 1:
        raise SystemExit(f"systems.yaml: cannot make {system} http")
    return text


def configure(work, args, rport, hole_port, slow_port):
    """realtime_bench's config, with the four systems of routes 062 and 064 made http."""
    hub_yaml, port = prepare_config(work, args.brokers, rport, "renkei-iso-bench")
    # Route 9 is daily: its file would wait for the 22:00 run; the bench measures the lane.
    hub_text = Path(hub_yaml).read_text(encoding="utf-8")
    hub_text, n = re.subn(r"(?m)^  collect: at-run$", "  collect: on-arrival", hub_text)
    assert n == 1, "hub.yaml: cannot set scheduler.collect"
    Path(hub_yaml).write_text(hub_text, encoding="utf-8")
    systems = work / "config" / "systems.yaml"
    text = systems.read_text(encoding="utf-8")
    url = "http://127.0.0.1:{port}/{{system}}/{{interface}}"
    text = make_http(text, HOLE_SOURCE, url.format(port=rport))
    text = make_http(text, HOLE_TARGET, url.format(port=hole_port))
    text = make_http(text, SLOW_SOURCE, url.format(port=rport))
    text = make_http(text, SLOW_TARGET, url.format(port=slow_port), f"      timeout_ms: {SLOW_MS * 4}\n")
    text, n = re.subn(rf"(  - id: {SLOW_SOURCE}\n    name: .*\n    charset: .*\n)", r"\1    layout: iso-bench\n", text)
    assert n == 1
    systems.write_text(text, encoding="utf-8")
    (work / "config" / "layouts").mkdir(exist_ok=True)
    (work / "config" / "layouts" / "iso-bench.yaml").write_text(LAYOUT, encoding="utf-8")
    return hub_yaml, port


def run_phase(name, port, token, args, work, direct_port=None):
    """One phase: the four loads at once. Returns what to print and to compare. With
    `direct_port` only the file goes through renkeid, and the realtime events go from the
    same sender straight to the receiver on that port (the floor: what the machine's load
    alone does to the sender and the receiver)."""
    out = {}
    tag = f"{name}-{time.time_ns() % 10**9}"
    fname = f"JUKI_ISO_{tag}.csv"
    data = h.make_file(args.records, tag[:8])
    spool = work / "spool"
    outbox = spool / FILE_SOURCE / "outbox" / f"{FILE_ROUTE:03d}"
    inbox = spool / FILE_TARGET / "inbox" / f"{FILE_ROUTE:03d}"
    outbox.mkdir(parents=True, exist_ok=True)

    def file_load():
        tmp = outbox / f".{fname}.part"
        tmp.write_bytes(data)
        t0, w0 = time.monotonic(), time.time()
        os.rename(tmp, outbox / fname)
        deadline = t0 + 600
        while time.monotonic() < deadline:
            # the file sink names a batch <batch-id>_<source name>
            if any(inbox.glob(f"*_{fname}")):
                out["file_s"] = time.monotonic() - t0
                out["file_window"] = (w0, time.time())
                return
            time.sleep(0.05)
        out["file_s"] = None

    results = {}

    def events(route, source, rate, threads, prefix):
        key_of = lambda i: f"{prefix}-{i:07d}"  # noqa: E731
        res, _ = send(port, f"/ingest/{source}/{route:03d}", token, rate, args.seconds, key_of, threads=threads)
        results[route] = (key_of, res)

    def direct(prefix):
        key_of = lambda i: f"{prefix}-{i:07d}"  # noqa: E731
        res, _ = send(direct_port, f"/{RT_TARGET}/{prefix}", None, args.rate, args.seconds, key_of, threads=16)
        results["direct"] = (key_of, res)

    if direct_port is not None:
        loads = [threading.Thread(target=file_load), threading.Thread(target=direct, args=(f"floor-{tag}",))]
    else:
        loads = [threading.Thread(target=file_load),
                 threading.Thread(target=events, args=(RT, RT_SOURCE, args.rate, 16, f"rt-{tag}")),
                 threading.Thread(target=events, args=(HOLE, HOLE_SOURCE, 10, 2, f"hole-{tag}")),
                 threading.Thread(target=events, args=(SLOW, SLOW_SOURCE, 1, 2, f"slow-{tag}"))]
    for t in loads:
        t.start()
    for t in loads:
        t.join()
    out["results"] = results
    return out


def in_window(sent, window):
    """Whether an event sent at `sent` (wall clock) went while the file was on its way."""
    return window is not None and window[0] <= sent <= window[1]


def by_window(res, keys, arrivals, window):
    """End-to-end seconds of the events sent while the file was on its way, and of the
    rest. keys: {arrival key: send index}."""
    during, outside = [], []
    for k, i in keys.items():
        if k not in arrivals:
            continue
        sent = res[i][0]
        (during if in_window(sent, window) else outside).append(arrivals[k][0] - sent)
    return during, outside


def arrivals_of(receiver):
    out = {}
    for p in receiver.snapshot():
        out.setdefault(p["key"], []).append(p["at"])
    return out


def wait_all(route, key_of, res, arrivals_fn, timeout):
    deadline = time.monotonic() + timeout
    while True:
        t = tally(route, key_of, res, arrivals_fn())
        if t["missing"] == 0 or time.monotonic() > deadline:
            return t
        time.sleep(0.5)


def main():
    ap = bench_args()
    ap.add_argument("--records", type=int, default=1_000_000)
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="renkei-iso-bench-"))
    rt_log = work / "arrivals.tsv"
    rt_receiver, rport = start_receiver(rt_log)
    hole = Receiver().start()
    slow = Receiver().start()
    hub = None
    try:
        hub_yaml, port = configure(work, args, rport, hole.port, slow.port)
        hub = start_hub(args.renkeid, hub_yaml, port, work)
        token = (work / "state" / "api-token").read_text().strip()
        print(f"isolation bench: route {RT:03d} at {args.rate:.0f}/s, route {FILE_ROUTE:03d} one file of "
              f"{args.records:,} records, route {HOLE:03d} at 10/s, route {SLOW:03d} at 1/s, {args.seconds:.0f} s "
              f"per phase; broker {args.brokers}; {os.cpu_count()} cores")
        # Warm-up, not counted: the first seconds after start pay for connections and the
        # broker's first appends, and would flatter the faults phase's ratio.
        send(port, f"/ingest/{RT_SOURCE}/{RT:03d}", token, args.rate, WARMUP_S, lambda i: f"warm-{i:07d}", threads=16)
        time.sleep(2)
        report = {}
        lost_total = 0
        for phase in ("healthy", "faults"):
            if phase == "faults":
                port_hole = hole.port
                hole.stop()
                hole = Receiver(port=port_hole, black_hole=True).start()
                slow.delay_ms = SLOW_MS
            load0 = os.getloadavg()[0]
            out = run_phase(phase, port, token, args, work)
            load1 = os.getloadavg()[0]
            if phase == "faults":
                held = hole.held
                port_hole = hole.port
                hole.stop()  # recovery: a receiver on the same port
                hole = Receiver(port=port_hole).start()
                recovered_at = time.monotonic()
            res = out["results"]
            rt = wait_all(RT, *res[RT], lambda: read_arrivals(rt_log), 120)
            sl = wait_all(SLOW, *res[SLOW], lambda: arrivals_of(slow), 120)
            ho = wait_all(HOLE, *res[HOLE], lambda: arrivals_of(hole), 300)
            report[phase] = {"rt": rt, "slow": sl, "hole": ho, "file_s": out["file_s"]}
            print(f"\n[{phase}] load average {load0:.2f} at start, {load1:.2f} at end; renkeid VmHWM "
                  f"{vm_hwm(hub.pid)} kB")
            if phase == "faults":
                print(f"  light-vehicle-tax black-holed ({held} requests held, never answered), recovered "
                      f"{time.monotonic() - recovered_at:.1f} s before all of route {HOLE:03d} was in; "
                      f"gaicho answered after {SLOW_MS} ms")
            print("  " + summary(f"{RT:03d} end to end", rt["e2e"]))
            window, rres = out.get("file_window"), res[RT][1]
            during, outside = by_window(rres, rt["want"], read_arrivals(rt_log), window)
            print("  " + summary(f"{RT:03d} sent while the file ran", during))
            print("  " + summary(f"{RT:03d} sent before/after it", outside))
            ingest_during = [rres[i][1] - rres[i][0] for i in rt["accepted"] if in_window(rres[i][0], window)]
            print("  " + summary(f"{RT:03d} POST -> 202 while the file ran", ingest_during))
            print("  " + summary(f"{SLOW:03d} end to end", sl["e2e"]))
            print("  " + summary(f"{HOLE:03d} end to end", ho["e2e"]))
            f = out["file_s"]
            print(f"  {FILE_ROUTE:03d} file of {args.records:,} records, drop -> delivered: "
                  + (f"{f:.2f} s" if f is not None else "NOT DELIVERED in 600 s"))
            for label, t in (("028", rt), ("064", sl), ("062", ho)):
                print(f"  route {label}: sent {t['sent']}, accepted {len(t['accepted'])}, lost {t['missing']}, "
                      f"repeated {t['repeats']}")
                lost_total += t["missing"]
            if f is None:
                lost_total += 1
        # The floor: the same sender straight to the same receiver, beside the same file
        # through renkeid (the black hole recovered, gaicho prompt again).
        slow.delay_ms = 0
        load0 = os.getloadavg()[0]
        out = run_phase("floor", port, token, args, work, direct_port=rport)
        load1 = os.getloadavg()[0]
        key_of, res = out["results"]["direct"]
        arrivals = read_arrivals(rt_log)
        keys = {key_of(i): i for i, (_, _, st) in res.items() if st == 200}
        during, outside = by_window(res, keys, arrivals, out.get("file_window"))
        f = out["file_s"]
        print(f"\n[floor] load average {load0:.2f} at start, {load1:.2f} at end: the sender straight to the "
              f"receiver at {args.rate:.0f}/s, beside the same file through renkeid "
              + (f"({f:.2f} s)" if f is not None else "(NOT DELIVERED in 600 s)"))
        print("  " + summary("direct, sent while the file ran", during))
        print("  " + summary("direct, sent before/after it", outside))
        print(f"  answered {len(keys)} of {len(res)}, arrived {len(during) + len(outside)}")
        h99, f99 = (percentile(sorted(report[p]["rt"]["e2e"]), .99) for p in ("healthy", "faults"))
        fh, ff = report["healthy"]["file_s"], report["faults"]["file_s"]
        print(f"\nroute {RT:03d} p99 {f99 * 1000:.1f} ms beside the faults vs {h99 * 1000:.1f} ms all healthy: "
              f"{f99 / h99:.2f}x (goal <= 1.5x)")
        if fh and ff:
            print(f"route {FILE_ROUTE:03d} file {ff:.2f} s beside the faults vs {fh:.2f} s all healthy: "
                  f"{ff / fh:.2f}x (goal <= 1.5x)")
        print(f"lost in all: {lost_total} (goal 0)")
        return 1 if lost_total else 0
    finally:
        if hub and hub.poll() is None:
            hub.terminate()
            hub.wait(60)
        rt_receiver.terminate()
        rt_receiver.wait(10)
        hole.stop()
        slow.stop()
        if os.environ.get("RENKEI_BENCH_KEEP") == "1":
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
