"""Notifications (notify: in hub.yaml) from the real renkeid on real Kafka 3.9, to a real
SMTP receiver (aiosmtpd, Debian's python3-aiosmtpd, run by /usr/bin/python3) and a
webhook receiver: route 9's nightly file does not come (run-missing) and manual row 17's
hand-off passes its due time (manual-overdue); each arrives as a mail (Japanese subject,
RFC 2047) and as a JSON POST, naming ids and counts, never record contents."""

import base64
import email
import email.header
import email.policy
import http.server
import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import harness as h
from harness import Hub, ROUTE
from test_scheduled_collect import edit_route
from test_scheduler import MANUAL_ROUTE, WED, clock, run_states

THU = "2026-11-26"

SMTP_SINK = h.SRC / "tests" / "unit" / "notify" / "smtp_sink.py"
# Debian's interpreter: python3-aiosmtpd is installed for it (a pyenv python3 on PATH has not).
SYSTEM_PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else "python3"


class WebhookReceiver:
    def __init__(self):
        self.posts = []
        received = self.posts

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                received.append((self.path, self.headers.get("Content-Type"), self.headers.get("Authorization"),
                                 json.loads(body)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class SmtpReceiver:
    def __init__(self, out_dir, auth):
        out_dir.mkdir(parents=True, exist_ok=True)
        self.dir = out_dir
        self.proc = subprocess.Popen([SYSTEM_PYTHON, str(SMTP_SINK), str(out_dir), "--auth", auth, "--lifetime", "300"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            raise AssertionError(f"smtp_sink.py did not start (is python3-aiosmtpd installed?): {line!r}")
        self.port = int(line.split()[1])

    def messages(self):
        out = []
        for eml in sorted(self.dir.glob("*.eml"), key=lambda p: int(p.stem)):
            meta = json.loads(eml.with_suffix(".json").read_text())
            out.append((meta, email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)))
        return out

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()


class Notifications(h.HubTestCase):

    def setUp(self):
        super().setUp()
        self.brokers = h.need_brokers(self)

    def test_a_missing_nightly_file_and_an_overdue_manual_row_are_mailed_and_posted(self):
        hub = Hub(self, self.brokers, "notify", collect="at-run")
        hook = WebhookReceiver()
        self.addCleanup(hook.close)
        smtp = SmtpReceiver(hub.tmp / "mail", "renkei:mail-pa55word")
        self.addCleanup(smtp.close)
        (hub.config_dir / "smtp-password").write_text("mail-pa55word\n", encoding="utf-8")
        (hub.config_dir / "webhook-token").write_text("hook-secret-token\n", encoding="utf-8")
        text = hub.hub_yaml.read_text(encoding="utf-8")
        self.assertNotIn("\nnotify:", text.replace("\n# notify:", ""))
        text += "\n".join([
            "",
            "notify:",
            "  events: [run-missing, manual-overdue]",
            "  first_backoff_ms: 200",
            "  webhooks:",
            f"    - {{name: ops-chat, url: 'http://127.0.0.1:{hook.port}/renkei', bearer_token_file: webhook-token}}",
            "  mail:",
            f"    - name: ops-mail",
            f"      url: 'smtp://127.0.0.1:{smtp.port}'",
            "      from: renkei@city.example.lg.jp",
            "      to: [ops@city.example.lg.jp, johoseisaku@city.example.lg.jp]",
            "      username: renkei",
            "      password_file: smtp-password",
            "",
        ])
        hub.hub_yaml.write_text(text, encoding="utf-8")
        # Route 9's 22:00 run finds no file; route 17's 22:00 hand-off falls due unrun.
        hub.start(env=clock(f"{WED}T21:59:40+09:00"))
        h.wait_for(lambda: run_states(hub).get(WED, {}).get("state") == "missing", 90, "route 9's run missing",
                   on_timeout=hub.log_tail)
        mr, r9 = h.iface(MANUAL_ROUTE), h.iface(ROUTE)

        def events():
            return {(p[3]["event"], p[3].get("interface")) for p in hook.posts}
        h.wait_for(lambda: {("run-missing", r9), ("manual-overdue", mr)} <= events(), 60, "both POSTs",
                   on_timeout=hub.log_tail)
        # Other daily routes and manual rows share 22:00: look at 9's and 17's.
        posts = {p[3]["event"]: p for p in hook.posts if p[3].get("interface") in (r9, mr)}
        path, ctype, auth, body = posts["run-missing"]
        self.assertEqual((path, ctype, auth), ("/renkei", "application/json", "Bearer hook-secret-token"))
        self.assertEqual((body["interface"], body["business_date"], body["run_id"], body["outcome"]),
                         (r9, WED, f"{r9}-20261125", "missing"))
        self.assertIn(r9, body["text"])
        overdue = posts["manual-overdue"][3]
        self.assertEqual((overdue["interface"], overdue["business_date"]), (mr, WED))
        self.assertEqual(overdue["interface_name"], "住民記録情報")

        h.wait_for(lambda: len(smtp.messages()) >= 2, 60, "the mails")
        mails = smtp.messages()
        for meta, msg in mails:
            self.assertEqual(meta["mail_from"], "renkei@city.example.lg.jp")
            self.assertEqual(sorted(meta["rcpt_tos"]), ["johoseisaku@city.example.lg.jp", "ops@city.example.lg.jp"])
            self.assertEqual(meta["login"], "renkei")
        subjects = [str(msg["Subject"]) for _, msg in mails]
        self.assertTrue(any(r9 in s for s in subjects), subjects)
        self.assertTrue(any(mr in s for s in subjects), subjects)
        bodies = [msg.get_content() for _, msg in mails]
        self.assertTrue(any(f"{r9}-20261125" in b for b in bodies), bodies)
        # Only the events listed: no other event was sent, and each once.
        self.assertEqual(len([p for p in hook.posts if p[3]["event"] == "manual-overdue" and p[3]["interface"] == mr]), 1)
        self.assertEqual({p[3]["event"] for p in hook.posts}, {"run-missing", "manual-overdue"})
        self.assertGreaterEqual(hub.metric("renkei_notifications_total", channel="ops-mail", event="run-missing",
                                           outcome="sent"), 1)
        self.assertGreaterEqual(hub.metric("renkei_notifications_total", channel="ops-chat", event="manual-overdue",
                                           outcome="sent"), 1)
        self.assertEqual(hub.metric("renkei_notifications_total", channel="ops-chat", event="run-failed",
                                    outcome="sent"), 0)
        # Secrets never reach the log.
        log = hub.run_log()
        self.assertNotIn("mail-pa55word", log)
        self.assertNotIn("hook-secret-token", log)
        hub.stop()

        # The hand-off is still overdue after a restart; it was told already (renkei.state
        # says so), so it is not told again.
        told = len([p for p in hook.posts if p[3]["event"] == "manual-overdue" and p[3]["interface"] == mr])
        hub.start(env=clock(f"{WED}T22:05:00+09:00"))
        h.wait_for(lambda: hub.metric("renkei_manual_overdue", interface=mr) == 1, 60,
                   "the restarted hub sees the hand-off overdue", on_timeout=hub.log_tail)
        sent_before = hub.metric("renkei_notifications_total", channel="ops-chat", event="manual-overdue",
                                 outcome="sent") or 0
        time.sleep(5)  # more than the scheduler's tick and the notifier's first attempt
        self.assertEqual(len([p for p in hook.posts if p[3]["event"] == "manual-overdue"
                              and p[3]["interface"] == mr]), told, "told again after the restart")
        self.assertEqual(hub.metric("renkei_notifications_total", channel="ops-chat", event="manual-overdue",
                                    outcome="sent") or 0, sent_before)
        hub.stop()

    def test_a_change_of_notify_applies_at_a_reload(self):
        """No notify: at start; added and reloaded (SIGHUP), the next failed run is posted."""
        hub = Hub(self, self.brokers, "notify-reload", collect="at-run")
        hook = WebhookReceiver()
        self.addCleanup(hook.close)
        edit_route(hub, MANUAL_ROUTE, "conversion:", "\n".join([
            "    hooks:",
            "      before:",
            "        argv: [/bin/sh, -c, 'exit 3']",
        ]))
        hub.start(env=clock(f"{THU}T09:00:00+09:00"))
        mr = h.iface(MANUAL_ROUTE)

        hub.request_run(MANUAL_ROUTE, WED)
        h.wait_for(lambda: run_states(hub, MANUAL_ROUTE).get(WED, {}).get("state") == "failed", 60,
                   "Wednesday's run failed by its before hook", on_timeout=hub.log_tail)
        self.assertIsNone(hub.metric("renkei_notifications_total", channel="ops-chat", event="run-failed",
                                     outcome="sent"))

        with open(hub.hub_yaml, "a", encoding="utf-8") as f:
            f.write("\n".join(["", "notify:", "  events: [run-failed]", "  webhooks:",
                                f"    - {{name: ops-chat, url: 'http://127.0.0.1:{hook.port}/renkei'}}", ""]))
        hub.signal(signal.SIGHUP)
        h.wait_for(lambda: hub.metric("renkei_config_reloads_total", outcome="success") == 1, 60,
                   "the reload with notify:", on_timeout=hub.log_tail)
        self.assertEqual(hub.metric("renkei_notifications_total", channel="ops-chat", event="run-failed",
                                    outcome="sent"), 0)
        hub.request_run(MANUAL_ROUTE, THU)
        h.wait_for(lambda: any(p[3]["event"] == "run-failed" and p[3].get("interface") == mr
                               and p[3].get("business_date") == THU for p in hook.posts), 60,
                   "the run-failed POST after the reload", on_timeout=hub.log_tail)
        self.assertFalse(any(p[3].get("business_date") == WED and p[3].get("interface") == mr for p in hook.posts),
                         "a failure from before notify: was configured was posted")
        self.assertGreaterEqual(hub.metric("renkei_notifications_total", channel="ops-chat", event="run-failed",
                                           outcome="sent"), 1)
        hub.stop()
