"""Start-up of renkeid on the shipped catalogue (97 routes, 195 topics), measured from
outside: a file waits in route 9's outbox before the daemon starts, and each run prints
how long until /readyz answers 200, until the router's partitions are assigned, and until
the file is delivered, with the load average. On a real broker, `kcat -L` (one metadata
request) is timed in the same run as the floor: "after the broker answers".

Driven by bench/startup_bench.sh; uses the integration tests' harness for the hub's
config copy, spool and file drop.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))
import harness as h  # noqa: E402


class _Owner(unittest.TestCase):
    """The harness's Hub registers its clean-up on a test case; this one runs them."""

    def runTest(self):
        pass


def load():
    return open("/proc/loadavg").read().split()[0]


def one_run(owner, brokers, timeout):
    hub = h.Hub(owner, brokers, "startup")
    data = h.make_file(100, h.unique("s"))
    hub.drop("startup.csv", data)
    t0 = time.monotonic()
    hub.start(wait_ready=False)
    ready = assigned = delivered = None
    while time.monotonic() - t0 < timeout and (delivered is None or ready is None):
        if not hub.alive():
            raise SystemExit("renkeid exited\n" + hub.log_tail())
        now = time.monotonic() - t0
        if ready is None and hub._find_port() is not None and hub.http_status("/readyz") == 200:
            ready = now
        if assigned is None and re.search(r"router: \d+ partitions assigned", hub.run_log()):
            assigned = now
        if delivered is None and hub.delivered("startup.csv"):
            delivered = now
        time.sleep(0.01)
    hub.stop()
    if delivered is None:
        raise SystemExit(f"the file was not delivered within {timeout} s\n" + hub.log_tail())
    assigned = assigned if assigned is not None else delivered
    return ready, assigned, delivered


def kcat_metadata(brokers):
    t0 = time.monotonic()
    subprocess.run(["kcat", "-b", brokers, "-L", "-m", "10"], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=30)
    return time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--brokers", default="", help="a real broker; empty: the embedded mock cluster")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=60.0)
    args = ap.parse_args()
    mode = f"real broker {args.brokers}" if args.brokers else "embedded"
    print(f"startup ({mode}, {h.RENKEID}), load average at start {load()}")
    owner = _Owner()
    rows = []
    for i in range(args.runs):
        floor = kcat_metadata(args.brokers) if args.brokers else None
        ready, assigned, delivered = one_run(owner, args.brokers, args.timeout)
        owner.doCleanups()
        rows.append((ready, assigned, delivered))
        extra = f"   kcat -L {floor:.2f} s" if floor is not None else ""
        print(f"run {i + 1}: ready {ready:.2f} s   assigned {assigned:.2f} s   first file delivered "
              f"{delivered:.2f} s{extra}   load {load()}", flush=True)
    med = [statistics.median(c) for c in zip(*rows)]
    print(f"median: ready {med[0]:.2f} s   assigned {med[1]:.2f} s   first file delivered {med[2]:.2f} s   "
          f"load average at end {load()}")


if __name__ == "__main__":
    main()
