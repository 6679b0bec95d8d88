"""The status page (GET /) and GET /api/v1/interfaces on a live renkeid, and the page in
headless Chromium.

One renkeid on the embedded bus (started by tests/integration/harness.py) carries one
file through route 9 (住民記録 → 健康管理) and holds one on route 10 (a record that is not
Windows-31J). GET /api/v1/interfaces then shows all 97 routes with their Japanese display
names, route 9's received/delivered counts and the time of its last delivery, route 10's
dead letters and state, and no record contents. GET / is loaded in Debian's headless
Chromium: `--dump-dom` must show exactly 97 interface rows with the Japanese names, and
`--screenshot` must produce a PNG (kept under the build tree; its path is printed).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from datetime import datetime, timedelta, timezone
from pathlib import Path

import opsutil as u
import harness as h

RECORDS = 12
# Route 010 (住民記録 → 子ども・子育て) gets a file with a record that is not Windows-31J:
# the batch is held, all its records go to the DLQ.
HELD_ROUTE, HELD_RECORDS, HELD_TARGET = 10, 6, "child-care"
# `id: display name` of config/systems.yaml, read without PyYAML (two-line entries).
_SYSTEM = re.compile(r"^\s*-\s*id:\s*(\S+)\s*\n\s*name:\s*(.+?)\s*$", re.M)
_ROW = re.compile(r'<tr class="route [^"]*" id="if-(\d{3})" data-route="(\d+)" data-state="([a-z-]+)"')
STATES = {"backing-off", "retrying", "held", "flowing", "pending", "idle"}
CHROMIUM_TIMEOUT = 120


def system_names():
    text = (u.SRC / "config" / "systems.yaml").read_text(encoding="utf-8")
    return dict(_SYSTEM.findall(text))


def screenshot_dir():
    """Beside the build's binaries when renkeid comes from a build tree, else a temp dir."""
    build = Path(u.RENKEID).resolve().parent.parent
    if (build / "CMakeCache.txt").exists():
        return build / "tests" / "ops" / "status-page"
    return Path(tempfile.mkdtemp(prefix="renkei-status-page-"))


class _ClassScope:
    """Lets the harness's Hub live for a whole test class (its cleanup at class end)."""

    def __init__(self, cls):
        self.addCleanup = cls.addClassCleanup


class StatusPage(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.before = datetime.now(timezone.utc) - timedelta(seconds=1)
        hub = cls.hub = h.Hub(_ClassScope(cls), "", "status")
        hub.start()
        cls.tag = h.unique("status")
        bad_line = f"{3:012d},ﾃｽﾄ,試験,".encode("cp932") + b"\x81\x20" + b",x"
        hub.drop("status-held.csv", h.make_file(HELD_RECORDS, cls.tag, bad={3: bad_line}), route=HELD_ROUTE)
        hub.drop("status.csv", h.make_file(RECORDS, cls.tag))
        hub.wait_delivered("status.csv", 90)

        def counted():
            body = cls.interfaces()
            r9, r10 = (next(r for r in body["interfaces"] if r["id"] == i) for i in (h.ROUTE, HELD_ROUTE))
            done = (r9["delivered"] == RECORDS and r9["received"] == RECORDS
                    and r10["received"] == HELD_RECORDS and r10["dead_letters"]["total"] >= HELD_RECORDS)
            return body if done else None
        cls.api = h.wait_for(counted, 90, "route 9's delivery and route 10's dead letters in /api/v1/interfaces",
                             on_timeout=hub.log_tail)
        cls.after = datetime.now(timezone.utc) + timedelta(seconds=1)
        cls.url = f"http://127.0.0.1:{hub.port}/"

    @classmethod
    def interfaces(cls):
        status, body = cls.hub.http_get("/api/v1/interfaces")
        assert status == 200, status
        return json.loads(body)

    # -- GET /api/v1/interfaces ---------------------------------------------------------

    def test_api_lists_every_route_with_names(self):
        routes = self.api["interfaces"]
        self.assertEqual([r["id"] for r in routes], list(range(1, 98)))
        names = system_names()
        self.assertEqual(len(names), 39)
        for r in routes:
            self.assertEqual(r["from_name"], names[r["from"]], r["id"])
            self.assertEqual(r["to_name"], names[r["to"]], r["id"])
            self.assertEqual(r["topic"], f"renkei.if.{r['id']:03d}")
            self.assertIn(r["state"], STATES)
            self.assertIn(r["method"], ("auto", "manual"))
            scheduled = r["timing"] in ("daily", "monthly", "yearly")
            if scheduled:
                self.assertRegex(r["schedule"]["cron"], r"^\S+ \S+ \S+ \S+ \S+$")
                # The scheduler's: the next occurrence in Asia/Tokyo.
                self.assertRegex(r["next_run"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:00\+09:00$", r["id"])
            else:
                self.assertIsNone(r["next_run"], r["id"])
            if scheduled and r["method"] == "manual":
                # A due date, not overdue: the hub has only just come to know the route.
                self.assertRegex(r["due"], r"^\d{4}-\d\d-\d\dT", r["id"])
                self.assertIs(r["overdue"], False, r["id"])
            else:
                self.assertIsNone(r["due"], r["id"])
                self.assertIsNone(r["overdue"], r["id"])
        self.assertEqual(self.api["summary"]["routes"], 97)

    def test_api_shows_route_9_delivered(self):
        r9 = next(r for r in self.api["interfaces"] if r["id"] == h.ROUTE)
        self.assertEqual((r9["from"], r9["to"]), (h.SOURCE, h.TARGET))
        self.assertEqual(r9["from_name"], "住民記録システム")
        self.assertEqual(r9["received"], RECORDS)
        self.assertEqual(r9["delivered"], RECORDS)
        self.assertEqual(r9["dead_letters"], {"total": 0, "by_reason": {}})
        self.assertIsNotNone(r9["last_delivery"])
        last = datetime.fromisoformat(r9["last_delivery"])
        self.assertEqual(last.utcoffset(), timedelta(hours=9), r9["last_delivery"])
        # Whole seconds: the delivery lies within the test's window, rounded down.
        self.assertLessEqual(self.before.replace(microsecond=0), last)
        self.assertLessEqual(last, self.after)
        self.assertEqual(r9["state"], "flowing")
        self.assertGreaterEqual(self.api["summary"]["flowing"], 1)
        # Every other route saw nothing delivered.
        others = [r for r in self.api["interfaces"] if r["id"] != h.ROUTE]
        self.assertEqual({r["delivered"] for r in others}, {0})
        self.assertEqual({r["last_delivery"] for r in others}, {None})

    def test_api_shows_route_10_held(self):
        r10 = next(r for r in self.api["interfaces"] if r["id"] == HELD_ROUTE)
        self.assertEqual(r10["to"], HELD_TARGET)
        self.assertEqual(r10["received"], HELD_RECORDS)
        self.assertEqual(r10["delivered"], 0)
        self.assertIsNone(r10["last_delivery"])
        by_reason = r10["dead_letters"]["by_reason"]
        self.assertEqual(r10["dead_letters"]["total"], sum(by_reason.values()))
        self.assertGreaterEqual(by_reason.get("batch-held", 0), HELD_RECORDS - 1, by_reason)
        self.assertEqual(r10["state"], "held")
        self.assertIsNotNone(r10["last_held"])
        self.assertEqual(self.api["summary"]["held"], 1)
        self.assertEqual(self.api["summary"]["with_dead_letters"], 1)

    def test_no_record_contents_in_api_or_page(self):
        _, page = self.hub.http_get("/")
        for body in (json.dumps(self.api, ensure_ascii=False), page):
            self.assertNotIn(self.tag, body)
            self.assertNotIn("山田", body)
            self.assertNotIn("000000000001", body)

    # -- GET / ----------------------------------------------------------------------------

    def test_page_is_served_as_utf8_html(self):
        with h.urllib.request.urlopen(self.url, timeout=10) as r:
            self.assertEqual(r.status, 200)
            self.assertEqual(r.headers["Content-Type"], "text/html; charset=utf-8")
            html = r.read().decode("utf-8")
        self.assertTrue(html.startswith('<!DOCTYPE html>\n<html lang="ja">'), html[:80])
        self.assertIn('<meta http-equiv="refresh" content="10">', html)
        self.assertNotIn("<script", html)
        rows = _ROW.findall(html)
        self.assertEqual(len(rows), 97)
        self.assertIn(("009", "9", "flowing"), rows)
        self.assertIn(("010", "10", "held"), rows)

    # -- headless Chromium ----------------------------------------------------------------

    def chromium(self, *args):
        binary = shutil.which("chromium")
        if not binary:
            self.fail("'chromium' not found on PATH: install the Debian package 'chromium' (scripts/setup.sh does)")
        profile = Path(tempfile.mkdtemp(prefix="renkei-chromium-"))
        self.addCleanup(shutil.rmtree, profile, True)
        cmd = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={profile}", *args, self.url]
        env = dict(os.environ, HOME=str(profile))
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=CHROMIUM_TIMEOUT, env=env)
        self.assertEqual(r.returncode, 0, f"chromium {' '.join(args)}: exit {r.returncode}\n"
                         + r.stderr.decode("utf-8", errors="replace")[-3000:])
        return r.stdout.decode("utf-8")

    def test_chromium_renders_97_rows_in_japanese(self):
        dom = self.chromium("--dump-dom")
        self.assertIn('<html lang="ja">', dom)
        rows = _ROW.findall(dom)
        self.assertEqual(len(rows), 97, dom[:2000])
        self.assertEqual([int(r[1]) for r in rows], list(range(1, 98)))
        self.assertIn(("009", "9", "flowing"), rows)
        for name in ("住民記録システム", "住民基本台帳ネットワークシステム", "健康管理システム(健康かるて)", "特定個人情報"):
            self.assertIn(name, dom)
        self.assertRegex(dom, r'id="summary">全 <b>97</b> 連携: 配信中 <b>[1-9]\d*</b>')

    def test_chromium_screenshot(self):
        out_dir = screenshot_dir()
        out_dir.mkdir(parents=True, exist_ok=True)
        png = out_dir / "status-page.png"
        png.unlink(missing_ok=True)
        self.chromium(f"--screenshot={png}", "--window-size=1400,2000", "--hide-scrollbars")
        self.assertTrue(png.exists(), f"no screenshot at {png}")
        data = png.read_bytes()
        self.assertTrue(data.startswith(b"\x89PNG\r\n\x1a\n"), data[:16])
        self.assertGreater(len(data), 10_000)
        # IHDR: the window's size.
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        self.assertEqual((width, height), (1400, 2000))
        print(f"\n[status page] screenshot: {png} ({len(data)} bytes)", file=sys.stderr, flush=True)


if __name__ == "__main__":
    unittest.main()
