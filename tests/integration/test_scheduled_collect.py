"""What a scheduled run collects, on the real broker and daemon (issue 6).

- schedule.file_date: a run takes only the files whose names carry its business date, so
  after a downtime each catch-up run takes its own day's file (route 9, 住民記録 → 健康管理);
- pull_url: a run of a route whose source is an http system GETs that date's data from
  it, asks again while the answer is "not yet", carries the answer once, and neither a
  restart nor a repeated run asks for or delivers the date again (route 18, 児童手当 →
  住民記録, with 児童手当 made an http system in the test's copy of the config).

The daemon's clock is moved with RENKEI_TEST_CLOCK as in test_scheduler.py.
Run by ctest as `python3 -m unittest -v test_scheduled_collect` from tests/integration.
"""

import http.server
import json
import os
import re
import subprocess
import threading
import time

import harness as h
from harness import Hub, ROUTE, SOURCE
from test_scheduler import WED, clock, run_states

RENKEICTL = os.environ["RENKEICTL"]
IFACE = h.iface(ROUTE)
PULL_ROUTE = 18
PULL_SYSTEM = "child-allowance"
PULL_TARGET = "resident-record"


def edit_route(hub, route, after, added):
    """Adds lines to route `route`'s block in the test's routes.yaml, after its `after` line."""
    path = hub.config_dir / "routes.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index(f"\n  - id: {route}\n")
    end = text.find("\n  - id: ", start + 1)
    block = text[start:end]
    new_block, n = re.subn(rf"(?m)^(\s+{re.escape(after)}.*)$", lambda m: m.group(1) + "\n" + added, block, count=1)
    assert n == 1, f"route {route}: no line {after!r}"
    path.write_text(text[:start] + new_block + text[end:], encoding="utf-8")


class PullPeer:
    """An http system's export endpoint: per business date, the statuses to answer first
    (e.g. 404 while the day's data is not ready), then 200 with the day's data."""

    def __init__(self):
        self.data = {}       # date -> bytes
        self.not_yet = {}    # date -> how many requests still get 404
        self.requests = []   # (path, Renkei-Business-Date, Authorization)
        peer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                date = self.headers.get("Renkei-Business-Date", "")
                peer.requests.append((self.path, date, self.headers.get("Authorization", "")))
                if peer.not_yet.get(date, 0) > 0 or date not in peer.data:
                    peer.not_yet[date] = peer.not_yet.get(date, 0) - 1
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = peer.data[date]
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # quiet: bodies are personal data
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class FileDateRoute(h.HubTestCase):

    def setUp(self):
        super().setUp()
        self.brokers = h.need_brokers(self)

    def test_each_run_takes_only_its_own_dates_files(self):
        hub = Hub(self, self.brokers, "fdate", collect="at-run")
        edit_route(hub, ROUTE, "on_non_business_day:", '      file_date: "RJ%Y%m%d"')
        tag = h.unique("fd")
        wed, thu, fri = (h.make_file(n, f"{tag}-{n}") for n in (40, 50, 60))
        hub.drop("resident_RJ20261125.csv", wed)
        hub.drop("resident_RJ20261126.csv", thu)  # early: waits for Thursday's run
        hub.start(env=clock(f"{WED}T21:59:40+09:00"))
        self.assertSameFile(hub.wait_delivered("resident_RJ20261125.csv", 90)[0], wed)
        h.wait_for(lambda: run_states(hub).get(WED, {}).get("state") == "succeeded", 30, "Wednesday's run",
                   on_timeout=hub.log_tail)
        self.assertEqual((run_states(hub)[WED]["files"], run_states(hub)[WED]["records"]), (1, 40))
        time.sleep(2)
        self.assertEqual(hub.delivered("resident_RJ20261126.csv"), [])
        self.assertTrue((hub.outbox() / "resident_RJ20261126.csv").exists())
        hub.stop()

        # Down across Thursday's and Friday's 22:00: each catch-up run takes its own file.
        hub.drop("resident_RJ20261127.csv", fri)
        hub.start(env=clock("2026-11-27T23:00:00+09:00"))
        h.wait_for(lambda: all(run_states(hub).get(d, {}).get("state") in ("succeeded", "missing", "failed")
                               for d in ("2026-11-26", "2026-11-27")),
                   60, "the two catch-up runs", on_timeout=hub.log_tail)
        states = run_states(hub)
        for date, records in (("2026-11-26", 50), ("2026-11-27", 60)):
            self.assertEqual(states[date]["state"], "succeeded", states[date])
            self.assertEqual((states[date]["files"], states[date]["records"]), (1, records), states[date])
        self.assertSameFile(hub.wait_delivered("resident_RJ20261126.csv", 30)[0], thu)
        self.assertSameFile(hub.wait_delivered("resident_RJ20261127.csv", 30)[0], fri)
        self.assertEqual(len(hub.delivered("resident_RJ20261125.csv")), 1)
        hub.stop()


    def test_a_run_whose_file_is_held_fails_and_says_why(self):
        # The source carries the file whole; the router holds it at the target (a record
        # that is not Windows-31J). The run must not say `succeeded`.
        hub = Hub(self, self.brokers, "fdate-held", collect="at-run")
        edit_route(hub, ROUTE, "on_non_business_day:", '      file_date: "RJ%Y%m%d"')
        tag = h.unique("fh")
        bad_line = f"{7:012d},ﾀﾛｳ,太郎,".encode("cp932") + b"\x81\x20" + f"19800401,1,{tag}".encode("cp932")
        data = h.make_file(30, tag, bad={7: bad_line})
        hub.drop("resident_RJ20261125.csv", data)
        hub.start(env=clock(f"{WED}T21:59:40+09:00"))
        h.wait_for(lambda: run_states(hub).get(WED, {}).get("state") in ("succeeded", "failed"), 90,
                   "Wednesday's run to end", on_timeout=hub.log_tail)
        run = run_states(hub)[WED]
        self.assertEqual(run["state"], "failed", run)
        detail = run.get("detail") or run.get("error") or json.dumps(run, ensure_ascii=False)
        self.assertIn("1 of 1 files held", detail)
        self.assertIn("illegal-sequence", detail)
        self.assertNotIn(tag, json.dumps(run, ensure_ascii=False), "the run names record data")
        self.assertEqual(hub.delivered("resident_RJ20261125.csv"), [])
        # Told apart from a clean run on the same hub: Thursday's good file succeeds.
        thu = h.make_file(20, tag + "-ok")
        hub.drop("resident_RJ20261126.csv", thu)
        hub.stop()
        hub.start(env=clock("2026-11-26T21:59:40+09:00"))
        h.wait_for(lambda: run_states(hub).get("2026-11-26", {}).get("state") in ("succeeded", "failed"), 90,
                   "Thursday's run to end", on_timeout=hub.log_tail)
        self.assertEqual(run_states(hub)["2026-11-26"]["state"], "succeeded", run_states(hub)["2026-11-26"])
        self.assertEqual(run_states(hub)[WED]["state"], "failed", "a restart changed Wednesday's verdict")
        self.assertSameFile(hub.wait_delivered("resident_RJ20261126.csv", 30)[0], thu)
        hub.stop()


class PulledRoute(h.HubTestCase):

    def setUp(self):
        super().setUp()
        self.brokers = h.need_brokers(self)
        self.peer = PullPeer()
        self.addCleanup(self.peer.stop)

    def make_hub(self):
        hub = Hub(self, self.brokers, "pull", collect="at-run")
        token = hub.tmp / "pull-token"
        token.write_text("peer-token-1\n", encoding="utf-8")
        systems = hub.config_dir / "systems.yaml"
        text = systems.read_text(encoding="utf-8")
        anchor = f"  - id: {PULL_SYSTEM}\n    name: 児童手当システム(MISALIO)\n    charset: ibm-943_P15A-2003\n"
        assert anchor in text, "the shipped child-allowance entry changed"
        text = text.replace(anchor, anchor + (
            "    adapter:\n"
            "      kind: http\n"
            "      url: http://127.0.0.1:9/{system}/{interface}\n"
            f"      pull_url: http://127.0.0.1:{self.peer.port}/export/{{interface}}?date={{yyyymmdd}}\n"
            f"      pull_token_file: {token}\n"
            "      pull_interval_ms: 500\n"))
        systems.write_text(text, encoding="utf-8")
        # Data may come up to ten minutes after 22:00 before the run counts it missing.
        edit_route(hub, PULL_ROUTE, "on_non_business_day:", '      deadline: "+10m"')
        return hub

    def delivered(self, hub):
        return [hub.inbox(PULL_TARGET, PULL_ROUTE) / e for e in hub.inbox_entries(PULL_TARGET, PULL_ROUTE)
                if not e.startswith(".")]

    def test_a_run_pulls_its_dates_data_once_and_delivers_it_once(self):
        hub = self.make_hub()
        check = subprocess.run([RENKEICTL, "validate", "--config", str(hub.config_dir)], capture_output=True, text=True)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        data = h.make_file(120, h.unique("p"))
        self.peer.data[WED] = data
        self.peer.not_yet[WED] = 2  # the peer is still preparing the day's file
        hub.start(env=clock(f"{WED}T21:59:45+09:00"))
        h.wait_for(lambda: run_states(hub, PULL_ROUTE).get(WED, {}).get("state") in ("succeeded", "missing", "failed"),
                   90, "the pulled run to finish", on_timeout=hub.log_tail)
        run = run_states(hub, PULL_ROUTE)[WED]
        self.assertEqual(run["state"], "succeeded", run)
        self.assertEqual((run["files"], run["records"]), (1, 120))
        files = h.wait_for(lambda: self.delivered(hub), 30, "the pulled file in 住民記録's inbox")
        self.assertEqual(len(files), 1)
        self.assertSameFile(files[0], data)
        self.assertEqual(len(self.peer.requests), 3, self.peer.requests)
        for path, date, auth in self.peer.requests:
            self.assertEqual((path, date, auth), (f"/export/{h.iface(PULL_ROUTE)}?date=20261125", WED,
                                                  "Bearer peer-token-1"))
        self.assertNotIn("peer-token-1", hub.run_log())

        # Asked again for the same date: already succeeded, nothing is pulled or delivered.
        r = subprocess.run([RENKEICTL, "run", str(PULL_ROUTE), "--date", WED, "--config", str(hub.config_dir),
                            "--api", f"http://127.0.0.1:{hub.port}", "--token-file", str(hub.state / "api-token")],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("already", r.stdout)
        hub.stop()

        # A restart later that night asks the peer nothing and delivers nothing again.
        hub.start(env=clock(f"{WED}T23:00:00+09:00"))
        time.sleep(5)
        self.assertEqual(len(self.peer.requests), 3)
        self.assertEqual(len(self.delivered(hub)), 1)
        self.assertEqual(sorted(run_states(hub, PULL_ROUTE)), [WED])
        hub.stop()


if __name__ == "__main__":
    import unittest
    unittest.main()
