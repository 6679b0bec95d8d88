"""No 個人番号 (My Number) leaves renkeid except in the data it carries (issue 7).

Records holding valid 個人番号 go through every path on the embedded bus: delivered on a
`none` route (9), held on route 9 (an illegal byte: the whole batch to the DLQ), held on
a `jukinet` route (5) by an unmapped gaiji, then listed and replayed through the API. The
numbers must arrive in the delivered file byte for byte, and appear nowhere in the log,
/metrics, or any API response (DLQ listings, replay answers, 401s, the status page and
/api/v1/interfaces when present). Also a manual run through the CLI (its answer, the runs
listing and the audit log) and events posted to /ingest, accepted and refused.
"""

import json
import os
import random
import subprocess
import unittest
import urllib.error
import urllib.request

import opsutil  # noqa: F401  (puts tests/integration on the path for harness)
import harness as h

RENKEICTL = os.environ["RENKEICTL"]


def my_number(body11):
    """The check digit rule, written independently of the C++ one."""
    digits = [int(c) for c in body11]
    total = 0
    for n in range(1, 12):
        p = digits[11 - n]
        q = n + 1 if n <= 6 else n - 5
        total += p * q
    r = total % 11
    return body11 + str(0 if r <= 1 else 11 - r)


class NoMyNumberLeaks(unittest.TestCase):

    def test_numbers_flow_in_data_and_nowhere_else(self):
        rng = random.Random(20261125)
        numbers = [my_number("".join(rng.choice("0123456789") for _ in range(11))) for _ in range(6)]
        hub = h.Hub(self, "", "pii")
        hub.start()
        api = f"http://127.0.0.1:{hub.port}"

        # 1. delivered (route 9, none): the numbers must arrive untouched.
        good = "".join(f"{n},山田 太郎\n" for n in numbers[:3]).encode("cp932")
        hub.drop("pii-good.csv", good)
        files = hub.wait_delivered("pii-good.csv", 60)
        self.assertEqual(files[0].read_bytes(), good)
        # Written under umask 027: the group may read (the receiving system's account), others not.
        self.assertEqual(files[0].stat().st_mode & 0o777, 0o640, oct(files[0].stat().st_mode))
        self.assertEqual(files[0].parent.stat().st_mode & 0o007, 0, "inbox open to others")

        # 2. held on route 9: an illegal byte in the middle record.
        bad = f"{numbers[3]},山田\n".encode("cp932") + numbers[4].encode() + b",\x81\n"
        hub.drop("pii-bad.csv", bad)
        # 3. held on route 5 (jukinet): an unmapped gaiji.
        held = numbers[5].encode() + b",\xf0\x43\n"
        hub.drop("pii-gaiji.csv", held, system="resident-record", route=5)
        h.wait_for(lambda: hub.metric("renkei_records_dead_lettered_total", interface="009", reason="illegal-sequence")
                   and hub.metric("renkei_records_dead_lettered_total", interface="005", reason="gaiji-unmapped"),
                   60, "both held batches dead-lettered", on_timeout=hub.log_tail)

        # 4. a manual run (route 17, 住民記録 → VRS) through the CLI: the run, its audit line.
        manual = f"{numbers[0]},山田 花子\n".encode("cp932")
        hub.drop("pii-manual.csv", manual, route=17)
        answers = {}
        proc = subprocess.run([RENKEICTL, "--config", str(hub.config_dir), "run", "17", "--api", api],
                              capture_output=True, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        answers["cli run"] = proc.stdout + proc.stderr
        vrs = hub.wait_delivered("pii-manual.csv", 60, system="vrs", route=17)
        self.assertIn(numbers[0].encode(), vrs[0].read_bytes())
        # 5. events on route 28 (印鑑証明 → コンビニ交付, http in, Windows-31J): one accepted,
        #    one refused for bytes that are not the system's charset.
        token = (hub.state / "api-token").read_text(encoding="utf-8").strip()
        for name, body in (("ingest", f"{numbers[1]},印鑑".encode("cp932")),
                           ("ingest bad", numbers[2].encode() + b",\x81\x20")):
            req = urllib.request.Request(api + "/ingest/seal-cert/028", data=body, method="POST",
                                         headers={"Authorization": f"Bearer {token}"})
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    answers[name] = r.read()
            except urllib.error.HTTPError as e:
                answers[name] = e.read()
        for path in ("/metrics", "/api/v1/dlq/9?all=1", "/api/v1/dlq/5?all=1", "/api/v1/interfaces", "/",
                     "/healthz", "/readyz", "/api/v1/interfaces/17/runs", "/api/v1/dlq/28?all=1"):
            try:
                req = urllib.request.Request(api + path, headers={"Authorization": f"Bearer {token}"})
                with urllib.request.urlopen(req, timeout=30) as r:
                    answers[path] = r.read()
            except urllib.error.HTTPError as e:
                answers[path] = e.read()  # 404 while an endpoint does not exist yet: still checked
        # The DLQ listing is paged per partition: follow the pages (all of them are checked too).
        listing = hub.dlq_entries(9)
        answers["dlq pages"] = json.dumps(listing, ensure_ascii=False).encode()
        self.assertGreaterEqual(len(listing), 2)
        req = urllib.request.Request(api + "/api/v1/dlq/9/replay", method="POST", data=b"")
        with self.assertRaises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(req, timeout=30)
        answers["401"] = refused.exception.read()
        proc = subprocess.run([RENKEICTL, "--config", str(hub.config_dir), "dlq", "replay", "5", "--api", api],
                              capture_output=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        answers["replay"] = proc.stdout + proc.stderr
        proc = subprocess.run([RENKEICTL, "--config", str(hub.config_dir), "dlq", "list", "9", "--all", "--api", api],
                              capture_output=True, timeout=60)
        answers["cli list"] = proc.stdout + proc.stderr

        hub.stop()
        answers["log"] = hub.log_bytes()
        answers["audit log"] = hub.audit_log.read_bytes()
        for where, body in answers.items():
            for n in numbers:
                self.assertNotIn(n.encode(), body, f"a 個人番号 in {where}")
        # The log is JSON lines throughout.
        for line in hub.run_log().splitlines():
            if line.startswith("===="):
                continue
            json.loads(line)


# Record content that is no 個人番号 (so the mask does not hide it): a kanji name unlikely
# anywhere else and twelve digits failing the check digit. Should a body, a field or a
# character of a record be written anywhere verbatim, one of these shows it.
CANARY_NAME = "鷲橋蘭丸"
CANARY_NUMBER = "314159265358"


def canary_forms():
    """Every form a leak could take: the text, its CP932 bytes, and the code points in
    U+XXXX and bare hex (how an error message would name a character)."""
    forms = {"name": CANARY_NAME.encode("utf-8"), "name cp932": CANARY_NAME.encode("cp932"),
             "number": CANARY_NUMBER.encode()}
    for ch in CANARY_NAME:
        forms[f"U+{ord(ch):04X}"] = f"U+{ord(ch):04X}".encode()
        forms[f"cp932 hex {ch}"] = ch.encode("cp932").hex().upper().encode()
    return forms


class NoRecordContentLeaks(unittest.TestCase):

    def test_canary_is_no_my_number(self):
        self.assertNotEqual(my_number(CANARY_NUMBER[:11]), CANARY_NUMBER)

    def test_record_content_reaches_no_log_audit_metric_or_dlq_detail(self):
        hub = h.Hub(self, "", "pii-canary")
        hub.start()
        api = f"http://127.0.0.1:{hub.port}"
        record = f"{CANARY_NUMBER},{CANARY_NAME}\n".encode("cp932")

        # Delivered on route 9 (none): the data itself arrives whole.
        hub.drop("canary-good.csv", record)
        files = hub.wait_delivered("canary-good.csv", 60)
        self.assertEqual(files[0].read_bytes(), record)
        # Held on route 9: the canary next to an illegal byte.
        hub.drop("canary-bad.csv", record + CANARY_NUMBER.encode() + b",\x81\n")
        # Held on route 5 (jukinet): the name's kanji are not in the 住基ネット table.
        hub.drop("canary-unmappable.csv", record, system="resident-record", route=5)
        # Held on route 5: a local gaiji (F043, U+E003) the source's table does not hold.
        hub.drop("canary-gaiji.csv", CANARY_NUMBER.encode() + b",\xf0\x43\n", system="resident-record", route=5)
        h.wait_for(lambda: hub.metric("renkei_records_dead_lettered_total", interface="009", reason="illegal-sequence")
                   and hub.metric("renkei_records_dead_lettered_total", interface="005", reason="unmappable")
                   and hub.metric("renkei_records_dead_lettered_total", interface="005", reason="gaiji-unmapped"),
                   90, "the three held batches dead-lettered", on_timeout=hub.log_tail)

        answers = {}
        details = []
        for route in (9, 5):
            entries = hub.dlq_entries(route)  # every page, with the token
            answers[f"dlq {route}"] = json.dumps(entries, ensure_ascii=False).encode()
            details += [(route, e["reason"], e["detail"]) for e in entries]
        reasons = {(route, reason) for route, reason, _ in details}
        self.assertTrue({(9, "illegal-sequence"), (5, "unmappable"), (5, "gaiji-unmapped")} <= reasons, details)
        for route, reason, detail in details:
            # Positions, field names and kinds only: no character of the record, in any form.
            self.assertNotRegex(detail, r"[Uu]\+[0-9A-Fa-f]{4}", (route, reason, detail))
            self.assertNotRegex(detail, r"(?i)\b(0x)?(e003|f043|f0 ?43)\b", (route, reason, detail))
            self.assertNotRegex(detail, r"MJ\d{6}", (route, reason, detail))
            if reason in ("unmappable", "gaiji-unmapped"):
                self.assertRegex(detail, r"field '[^']+' at byte \d+: " + reason, detail)
        with urllib.request.urlopen(api + "/metrics", timeout=30) as r:
            answers["/metrics"] = r.read()
        proc = subprocess.run([RENKEICTL, "--config", str(hub.config_dir), "dlq", "list", "5", "--all", "--api", api],
                              capture_output=True, timeout=60)
        answers["cli list"] = proc.stdout + proc.stderr

        hub.stop()
        answers["log"] = hub.log_bytes()
        answers["audit log"] = hub.audit_log.read_bytes() if hub.audit_log.exists() else b""
        for where, body in answers.items():
            for form, needle in canary_forms().items():
                self.assertNotIn(needle, body, f"the canary ({form}) in {where}")
        # Log and audit log: JSON lines, valid UTF-8, throughout.
        for where in ("log", "audit log"):
            for line in answers[where].splitlines():
                if line.startswith(b"===="):
                    continue
                json.loads(line.decode("utf-8"))


if __name__ == "__main__":
    unittest.main()
