"""The operators' console (/console/), driven over HTTP as a browser would: login with a
password of users.yaml, the session cookie, CSRF tokens, roles, lock-out, idle expiry,
and a manual row run and acknowledged from the 本日 page (real Kafka 3.9, real renkeid).

Every request goes through `Browser`, which keeps cookies as a browser does and never
follows redirects, so each answer is seen as the hub sent it.
"""

import hashlib
import http.client
import json
import re
import subprocess
import time
import urllib.parse
from pathlib import Path

import harness as h
from harness import Hub
from test_scheduler import MANUAL_ROUTE, MANUAL_TARGET, RENKEICTL, WED, clock

PASSWORD = "correct horse battery"


class Browser:
    def __init__(self, hub):
        self.hub = hub
        self.cookies = {}

    def request(self, method, path, fields=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.hub.port, timeout=30)
        hdrs = dict(headers or {})
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=hdrs)
        r = conn.getresponse()
        text = r.read().decode("utf-8", "replace")
        set_cookies = r.headers.get_all("Set-Cookie") or []
        for c in set_cookies:
            name, _, rest = c.partition("=")
            value = rest.split(";")[0]
            if "Max-Age=0" in c:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        conn.close()
        return r.status, r.headers, text, set_cookies

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, fields):
        return self.request("POST", path, fields)

    def login(self, user, password=PASSWORD):
        status, _, page, _ = self.get("/console/login")
        assert status == 200, status
        csrf = re.search(r'name="csrf" value="([0-9a-f]{64})"', page).group(1)
        return self.post("/console/login", {"csrf": csrf, "user": user, "password": password})

    def csrf(self):
        status, _, page, _ = self.get("/console/")
        assert status == 200, (status, page[:200])
        return re.search(r'name="csrf" value="([0-9a-f]{64})"', page).group(1)


class Console(h.HubTestCase):

    def setUp(self):
        super().setUp()
        self.brokers = h.need_brokers(self)

    def hub_with_people(self, name, idle_s=1800, max_failures=5, lockout_s=900, collect="on-arrival"):
        hub = Hub(self, self.brokers, name, collect=collect)
        text = hub.hub_yaml.read_text(encoding="utf-8")
        text = re.sub(r"(?m)^(\s+session_idle_s:)\s*\d+", rf"\1 {idle_s}", text)
        text = re.sub(r"(?m)^(\s+login_max_failures:)\s*\d+", rf"\1 {max_failures}", text)
        text = re.sub(r"(?m)^(\s+lockout_s:)\s*\d+", rf"\1 {lockout_s}", text)
        hub.hub_yaml.write_text(text, encoding="utf-8")
        pw = hub.tmp / "pw"
        pw.write_text(PASSWORD + "\n", encoding="utf-8")
        for user, role, display in (("tanaka", "operator", "田中 花子"), ("sato", "viewer", "佐藤 一郎")):
            r = subprocess.run([RENKEICTL, "user", "add", user, "--role", role, "--display-name", display,
                                "--password-file", str(pw), "--config", str(hub.config_dir)],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return hub

    def hub_with_an_overdue_row(self, name, **console):
        """A hub whose manual route 17 is overdue: as in test_scheduler.ManualRoute, the
        hub starts at 21:59:30 on a Wednesday and the 22:00 hand-off falls due 30 s later."""
        hub = self.hub_with_people(name, collect="at-run", **console)
        hub.drop("vrs-export.csv", h.make_file(12, h.unique(name)), route=MANUAL_ROUTE)
        hub.start(env=clock(f"{WED}T21:59:30+09:00"))
        h.wait_for(lambda: hub.metric("renkei_manual_overdue", interface=h.iface(MANUAL_ROUTE)) == 1, 90,
                   "the overdue gauge", on_timeout=hub.log_tail)
        return hub

    def audit(self, hub):
        if not hub.audit_log.exists():
            return []
        return [json.loads(line) for line in hub.audit_log.read_text(encoding="utf-8").splitlines()]

    def test_login_csrf_roles_logout_expiry_and_lock_out(self):
        # On the hub's clock route 17 is overdue, so 本日 lists it whatever the real date
        # (sessions and the lock-out run on the real clock).
        hub = self.hub_with_an_overdue_row("console", idle_s=10, max_failures=3, lockout_s=120)
        b = Browser(hub)
        # Without a session the console sends the browser to the login page.
        status, headers, _, _ = b.get("/console/")
        self.assertEqual((status, headers["Location"]), (303, "/console/login"))
        # A login without the form's token (a forged form from another site) is refused.
        status, _, _, _ = b.post("/console/login", {"user": "tanaka", "password": PASSWORD})
        self.assertEqual(status, 403)

        status, headers, _, cookies = b.login("tanaka")
        self.assertEqual((status, headers["Location"]), (303, "/console/"))
        session = [c for c in cookies if c.startswith("renkei_session=")]
        self.assertEqual(len(session), 1, cookies)
        for attribute in ("HttpOnly", "SameSite=Strict", "Path=/console"):
            self.assertIn(attribute, session[0])
        self.assertNotIn("Secure", session[0])  # plain HTTP here; Secure under TLS
        status, headers, page, _ = b.get("/console/")
        self.assertEqual(status, 200)
        self.assertIn("田中 花子", page)
        self.assertIn("default-src 'none'", headers["Content-Security-Policy"])
        self.assertIn(f'id="run-{MANUAL_ROUTE}"', page)

        # A POST without the session's CSRF token: 403, audited under tanaka's name.
        status, _, _, _ = b.post("/console/run", {"interface": str(MANUAL_ROUTE)})
        self.assertEqual(status, 403)
        h.wait_for(lambda: any(e["action"] == "refused" and e["status"] == 403 and e["operator"] == "tanaka"
                               and e.get("via") == "session" for e in self.audit(hub)),
                   10, "the refused POST in the audit log")

        # A viewer sees no run button, and a forged run with the viewer's own token is 403.
        viewer = Browser(hub)
        self.assertEqual(viewer.login("sato")[0], 303)
        status, _, page, _ = viewer.get("/console/")
        self.assertEqual(status, 200)
        self.assertNotIn('id="run-', page)
        self.assertNotIn("実行</button>", page)
        status, _, body, _ = viewer.post("/console/run", {"interface": str(MANUAL_ROUTE), "csrf": viewer.csrf()})
        self.assertEqual(status, 403)
        self.assertIn("needs role operator; sato is viewer", body)

        # Logout ends the session; its cookie no longer opens anything.
        old = dict(b.cookies)
        self.assertEqual(b.post("/console/logout", {"csrf": b.csrf()})[0], 303)
        b.cookies = old
        self.assertEqual(b.get("/console/")[0], 303)

        # Idle expiry: a session unused for session_idle_s ends.
        idle = Browser(hub)
        self.assertEqual(idle.login("tanaka")[0], 303)
        self.assertEqual(idle.get("/console/")[0], 200)
        time.sleep(12)
        self.assertEqual(idle.get("/console/")[0], 303)

        # Lock-out: three wrong passwords lock the name; then even the right one is refused.
        mallory = Browser(hub)
        for _ in range(3):
            self.assertEqual(mallory.login("tanaka", "wrong password 123")[0], 401)
        status, _, page, _ = mallory.login("tanaka")
        self.assertEqual(status, 429)
        self.assertIn("ロック", page)
        self.assertNotIn("renkei_session", mallory.cookies)
        entries = self.audit(hub)
        self.assertEqual(sum(1 for e in entries if e["action"] == "login-failed" and e["operator"] == "tanaka"), 3)
        self.assertTrue(any(e["action"] == "login-locked" and e["operator"] == "tanaka" for e in entries))
        self.assertTrue(any(e["action"] == "login-refused" and e["reason"] == "locked" and e["operator"] == "tanaka"
                            for e in entries))
        self.assertIn("tanaka locked for", hub.run_log())
        # A name that is nobody is audited as "unknown": people type passwords there.
        for _ in range(4):  # locks the name, which is nobody: never written down all the same
            self.assertIn(mallory.login("correct-horse", "whatever at all")[0], (401, 429))
        self.assertTrue(any(e["action"] == "login-failed" and e["operator"] == "unknown"
                            for e in self.audit(hub)))
        text = hub.audit_log.read_text(encoding="utf-8")
        self.assertNotIn(PASSWORD, text)
        self.assertNotIn("correct-horse", text)
        self.assertNotIn(PASSWORD, hub.run_log())
        hub.stop()

    def test_an_operator_runs_and_acknowledges_a_due_manual_row(self):
        hub = self.hub_with_an_overdue_row("console-run")
        mr = h.iface(MANUAL_ROUTE)
        b = Browser(hub)
        self.assertEqual(b.login("tanaka")[0], 303)
        status, _, page, _ = b.get("/console/")
        self.assertEqual(status, 200)
        self.assertIn(f'id="row-{MANUAL_ROUTE}"', page)
        self.assertRegex(page, r'id="overdue-count"[^>]*>[1-9]')
        status, headers, _, _ = b.post("/console/run", {"interface": str(MANUAL_ROUTE), "csrf": b.csrf()})
        self.assertEqual((status, headers["Location"]), (303, "/console/?done=run"))
        files = hub.wait_delivered("vrs-export.csv", 60, system=MANUAL_TARGET, route=MANUAL_ROUTE)
        self.assertEqual(len(files), 1)
        run_id = f"{mr}-20261125"
        h.wait_for(lambda: f'id="ack-{MANUAL_ROUTE}"' in b.get("/console/")[2], 30, "the 受領確認 button")
        status, headers, _, _ = b.post("/console/ack", {"interface": str(MANUAL_ROUTE), "run": run_id,
                                                        "csrf": b.csrf()})
        self.assertEqual((status, headers["Location"]), (303, "/console/?done=ack"))
        h.wait_for(lambda: hub.metric("renkei_manual_overdue", interface=mr) == 0, 30, "the gauge to go to 0")
        status, _, page, _ = b.get("/console/?done=ack")
        self.assertIn("受領確認を記録しました", page)
        self.assertIn("受領確認: tanaka", page)
        entries = self.audit(hub)
        self.assertIn(("run", "tanaka", "session", run_id),
                      [(e["action"], e.get("operator"), e.get("via"), e.get("run")) for e in entries])
        self.assertIn(("ack", "tanaka", "session", run_id),
                      [(e["action"], e.get("operator"), e.get("via"), e.get("run")) for e in entries])
        # 連携一覧 links every interface; route 17's page has its next ten runs on the
        # business calendar, with the weekend's dates that have no run (daily 22:00, skip).
        status, _, page, _ = b.get("/console/interfaces")
        self.assertEqual(status, 200)
        self.assertEqual(len(re.findall(r'id="link-\d+"', page)), 97)
        status, _, page, _ = b.get(f"/console/interfaces/{MANUAL_ROUTE}")
        self.assertEqual(status, 200)
        next_runs = re.search(r'<table id="next-runs">(.*?)</table>', page, re.S).group(1)
        rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td></tr>", next_runs)
        self.assertEqual(len(rows), 10, rows)
        self.assertEqual(rows[0][0], "2026-11-26T22:00:00+09:00")
        self.assertIn(("2026-11-30T22:00:00+09:00", "2026-11-28 土曜日 は実行なし、2026-11-29 日曜日 は実行なし"), rows)
        self.assertIn("0 22 * * * (skip)", page)
        self.assertRegex(page, rf"<td>{run_id}</td><td>succeeded</td>")
        self.assertEqual(b.get("/console/interfaces/999")[0], 404)
        self.assertEqual(b.get("/console/interfaces/x1")[0], 404)

        # 転送履歴: the run (with who asked for it) and the file it carried (name, records,
        # bytes and SHA-256 of what the target holds), on the page, in the CSV and the API.
        delivered = files[0].read_bytes()
        digest = hashlib.sha256(delivered).hexdigest()
        h.wait_for(lambda: run_id in b.get(f"/console/history?interface={MANUAL_ROUTE}")[2], 30,
                   "the run on the 転送履歴 page")
        status, _, page, _ = b.get(f"/console/history?interface={MANUAL_ROUTE}")
        self.assertEqual(status, 200)
        rows = re.findall(r'<tr class="entry">(.*?)</tr>', page, re.S)
        cells = [re.findall(r"<td[^>]*>(.*?)</td>", r, re.S) for r in rows]
        run_rows = [c for c in cells if c[4] == run_id]
        self.assertEqual(len(run_rows), 1, cells)
        self.assertEqual((run_rows[0][2], run_rows[0][8], run_rows[0][11]), ("実行", "succeeded", "tanaka"))
        file_rows = [c for c in cells if c[4] == "vrs-export.csv"]
        self.assertEqual(len(file_rows), 1, cells)
        self.assertEqual((file_rows[0][2], file_rows[0][5], file_rows[0][6], file_rows[0][8]),
                         ("バッチ", "12", str(len(delivered)), "delivered"))
        self.assertIn(f'title="{digest}"', page)
        # The filter: nothing held on this route; another route's history is not shown.
        self.assertIn('id="none"', b.get(f"/console/history?interface={MANUAL_ROUTE}&outcome=held")[2])
        self.assertEqual(b.get("/console/history?from=2026-13-01")[0], 400)
        status, headers, csv_text, _ = b.get(f"/console/history.csv?interface={MANUAL_ROUTE}")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/csv"))
        self.assertIn("attachment", headers["Content-Disposition"])
        self.assertTrue(csv_text.startswith("\ufeff"))
        self.assertIn(f'"{digest}"', csv_text)
        self.assertIn(f'"{run_id}"', csv_text)
        # The API and renkeictl history show the same entries.
        _, body = hub.http_get(f"/api/v1/history?interface={MANUAL_ROUTE}&kind=batch")
        api = json.loads(body)["entries"]
        self.assertEqual([(e["file"], e["records"], e["bytes"], e["sha256"]) for e in api],
                         [("vrs-export.csv", 12, len(delivered), digest)])
        r = subprocess.run([RENKEICTL, "history", "--interface", str(MANUAL_ROUTE), "--json",
                            "--config", str(hub.config_dir), "--api", f"http://127.0.0.1:{hub.port}"], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        cli = json.loads(r.stdout)["entries"]
        self.assertIn((run_id, "succeeded", "tanaka"),
                      [(e["run_id"], e["outcome"], e["operator"]) for e in cli if e["kind"] == "run"])
        self.assertIn(digest, [e["sha256"] for e in cli if e["kind"] == "batch"])

        # The same run again: the page says why, nothing is delivered twice.
        status, _, page, _ = b.post("/console/ack", {"interface": str(MANUAL_ROUTE), "run": "017-20261120",
                                                     "csrf": b.csrf()})
        self.assertEqual(status, 404)
        self.assertIn("no run for 2026-11-20", page)
        hub.stop()

    def test_dead_letters_are_listed_viewed_with_an_audit_and_replayed(self):
        # Route 5 (住民記録 → 住基ネット via the GW server, jukinet): record 2 has a gaiji
        # the codemap lacks, so the file is held whole and its records wait on the DLQ.
        hub = self.hub_with_people("console-dlq")
        name = b"\x8e\x52\x93\x63\x91\xbe\x98\x59"  # 山田太郎 in CP932
        gaiji = b"\xf0\x43"                            # not in the shipped gaiji table
        data = b"000001," + name + b"\n000002," + gaiji + name + b"\n000003," + name + b"\n"
        hub.start()
        # The broker is shared: earlier runs' dead letters may wait on the same topic.
        before = {(e["partition"], e["offset"]) for e in hub.dlq_entries(5)}

        def ours():
            return [e for e in hub.dlq_entries(5) if (e["partition"], e["offset"]) not in before]
        hub.drop("juki-dlq.csv", data, system="resident-record", route=5)
        h.wait_for(lambda: len(ours()) == 4, 60, "the held file's dead letters", on_timeout=hub.log_tail)
        entries = ours()
        batch = entries[0]["batch_id"]
        bad = [e for e in entries if e["reason"] != "batch-held"]
        self.assertEqual(len(bad), 1, entries)

        op = Browser(hub)
        self.assertEqual(op.login("tanaka")[0], 303)
        # 本日 lists the batch held today, by its file's name and why.
        h.wait_for(lambda: "juki-dlq.csv" in op.get("/console/")[2], 30, "the held batch on 本日")
        held = re.findall(r'<p class="held">(.*?)</p>', op.get("/console/")[2])
        self.assertTrue(any("juki-dlq.csv" in p and "gaiji-unmapped" in p for p in held), held)
        status, _, page, _ = op.get("/console/dlq")
        self.assertEqual(status, 200)
        self.assertIn('id="dlq-link-5"', page)
        part, off = bad[0]["partition"], bad[0]["offset"]
        status, _, page, _ = op.get(f"/console/dlq/5?partition={part}")
        self.assertEqual(status, 200)
        rows = [r for r in re.findall(r'<tr class="dead-letter">(.*?)</tr>', page, re.S) if batch in r]
        self.assertEqual(len(rows), 4, page[-2000:])
        self.assertIn(bad[0]["detail"].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                      .replace('"', "&quot;").replace("'", "&#39;"), page)
        self.assertIn("at byte 7", page)
        self.assertIn('id="replay"', page)
        self.assertIn(f'id="view-{part}-{off}"', page)
        # The record's contents are an audited view: decoded for display, the byte that does
        # not decode marked, nothing replaced.
        status, _, page, _ = op.post("/console/dlq/5/view", {"partition": str(part), "offset": str(off),
                                                             "csrf": op.csrf()})
        self.assertEqual(status, 200, page[:300])
        shown = re.search(r'<pre id="record">(.*?)</pre>', page, re.S).group(1)
        self.assertIn("000002,", shown)
        self.assertIn("山田太郎", shown)
        # CP932's F043 is in the user-defined area: shown as the 外字 it is, marked.
        self.assertIn('<span class="bad" title="外字（私用領域）">U+E003</span>', shown)
        h.wait_for(lambda: any(e["action"] == "dlq-view" and e["operator"] == "tanaka" and e.get("via") == "session"
                               and e["interface"] == "005" and e["offset"] == off for e in self.audit(hub)),
                   10, "the view in the audit log")
        audit_text = hub.audit_log.read_text(encoding="utf-8")
        self.assertNotIn("000002", audit_text)
        self.assertNotIn("山田", audit_text)

        # A viewer sees the positions, not a button to look inside; forging one is 403.
        viewer = Browser(hub)
        self.assertEqual(viewer.login("sato")[0], 303)
        status, _, page, _ = viewer.get(f"/console/dlq/5?partition={part}")
        self.assertEqual(status, 200)
        self.assertNotIn("内容表示", page)
        self.assertNotIn('id="replay"', page)
        status, _, body, _ = viewer.post("/console/dlq/5/view", {"partition": str(part), "offset": str(off),
                                                                 "csrf": viewer.csrf()})
        self.assertEqual(status, 403)
        self.assertNotIn("山田", body)

        # 再送: every waiting dead letter back on the route topic (audited like the API's).
        status, _, page, _ = op.post("/console/dlq/5/replay", {"csrf": op.csrf()})
        self.assertEqual(status, 200, page[:300])
        self.assertRegex(page, r"[1-9][0-9]* 件を再送しました")
        self.assertTrue(any(e["action"] == "dlq-replay" and e["operator"] == "tanaka" and e.get("via") == "session"
                            for e in self.audit(hub)))
        hub.stop()

