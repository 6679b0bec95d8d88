"""The renkeictl / renkeid contract (ARCHITECTURE §1 and §4), driven from outside.

Run by ctest as `python3 -m unittest -v test_cli_contract` with cwd tests/cli and
RENKEICTL, RENKEID and RENKEI_SOURCE_DIR in the environment. Only the standard library
is used; every test starts the real binaries and looks at exit codes, stdout, stderr and
files, as an operator or a script would.
"""

import contextlib
import difflib
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest
from datetime import date, timedelta
from pathlib import Path

# --------------------------------------------------------------------------------------
# Where things are
# --------------------------------------------------------------------------------------

SRC = Path(os.environ.get("RENKEI_SOURCE_DIR", Path(__file__).resolve().parents[2]))
CTL = os.environ.get("RENKEICTL", str(SRC / "build" / "src" / "renkeictl"))
DAEMON = os.environ.get("RENKEID", str(SRC / "build" / "src" / "renkeid"))
CONFIG = SRC / "config"
SEED = CONFIG / "seed" / "interface-list.tsv"

TIMEOUT = 60  # seconds for one CLI call; they take milliseconds

ROUTE_KEYS = {"id", "name", "from", "to", "method", "timing", "external", "conversion",
              "via", "note", "topic"}
TIMINGS = {"realtime", "daily", "monthly", "yearly", "adhoc"}
SCHEDULED = {"daily", "monthly", "yearly"}
BUILTIN_PROFILES = {"jukinet", "utf8", "none"}

# Rows of 別紙3 whose コード変換の有無 is あり with no コード変換の仕様.
CUSTOM_PROFILE_ROWS = {3, 6, 19, 20, 29, 30, 43, 44, 45, 46, 54, 55, 56, 57}
JUKINET_ROWS = {1, 4, 5, 7, 8}
UTF8_ROWS = set(range(21, 27))
VIA_GW_ROWS = {1, 3, 4, 5, 6, 7} | UTF8_ROWS

DIAG = re.compile(r"^(?P<file>.+?):(?P<line>\d+): (?P<msg>.*)$")


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------

def run(cmd, *args, cwd=None, timeout=TIMEOUT):
    """Runs a binary; returns the CompletedProcess with text stdout/stderr."""
    return subprocess.run([cmd, *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          encoding="utf-8", errors="replace", timeout=timeout)


def ctl(*args, cwd=None):
    return run(CTL, *args, cwd=cwd)


def describe(proc):
    return (f"\n$ {' '.join(map(str, proc.args))}\nexit {proc.returncode}\n"
            f"--- stdout ---\n{proc.stdout[-4000:]}\n--- stderr ---\n{proc.stderr[-4000:]}")


def diagnostics(text):
    """The `file:line: message` lines of a report, as (file, line, message) tuples."""
    out = []
    for line in text.splitlines():
        m = DIAG.match(line)
        if m:
            out.append((m["file"], int(m["line"]), m["msg"]))
    return out


def line_of(text, offset):
    """1-based line number of a character offset."""
    return text.count("\n", 0, offset) + 1


def block(text, start_marker, item_prefix="  - id: "):
    """(start, end) offsets of the list item that begins with start_marker, up to the next item."""
    start = text.index(start_marker)
    nxt = text.find("\n" + item_prefix, start + len(start_marker))
    return start, (len(text) if nxt < 0 else nxt + 1)


def route_block(text, route_id):
    return block(text, f"\n  - id: {route_id}\n")


def system_block(text, system_id):
    return block(text, f"\n  - id: {system_id}\n")


def edit_in_block(text, span, old, new):
    """Replaces the first `old` inside text[span]; returns (new text, line of the edit)."""
    start, end = span
    pos = text.find(old, start, end)
    if pos < 0:
        raise AssertionError(f"{old!r} not found in block {text[start:end]!r}")
    return text[:pos] + new + text[pos + len(old):], line_of(text, pos)


@contextlib.contextmanager
def config_copy():
    """A private copy of config/ in a temporary directory; yields its absolute path."""
    with tempfile.TemporaryDirectory(prefix="renkei-cli-") as tmp:
        dst = Path(tmp) / "config"
        shutil.copytree(CONFIG, dst)
        shutil.copytree(SRC / "codemaps", Path(tmp) / "codemaps")  # hub.yaml: ../codemaps
        yield dst


def read(path):
    return Path(path).read_text(encoding="utf-8")


def write(path, text):
    Path(path).write_text(text, encoding="utf-8")


def seed_parts():
    """The real seed: (header line, {No.: row line})."""
    header, rows = None, {}
    for line in read(SEED).split("\n"):
        if line.startswith("No.\t"):
            header = line
        elif line[:1].isdigit():
            rows[int(line.split("\t", 1)[0])] = line
    assert header is not None and len(rows) == 97, "the shipped seed changed shape"
    return header, rows


def with_cells(row, **cells):
    """A copy of a seed row with some cells (by 0-based index c0..c10) replaced."""
    fields = row.split("\t")
    fields += [""] * (11 - len(fields))
    for key, value in cells.items():
        fields[int(key[1:])] = value
    return "\t".join(fields)


_json_cache = {}


def ctl_json(*args):
    """Runs renkeictl --config config/ ... --json once per argument list and parses stdout."""
    key = args
    if key not in _json_cache:
        proc = ctl("--config", CONFIG, *args, "--json")
        if proc.returncode != 0:
            raise AssertionError("renkeictl failed" + describe(proc))
        _json_cache[key] = json.loads(proc.stdout)
    return _json_cache[key]


def interfaces():
    return ctl_json("interfaces")


def systems():
    return ctl_json("systems")


# --------------------------------------------------------------------------------------
# interfaces --json
# --------------------------------------------------------------------------------------

class InterfacesJsonTest(unittest.TestCase):
    def setUp(self):
        self.routes = interfaces()
        self.by_id = {r["id"]: r for r in self.routes}

    def test_97_routes_with_ids_1_to_97_in_order(self):
        self.assertEqual(len(self.routes), 97)
        self.assertEqual([r["id"] for r in self.routes], list(range(1, 98)))

    def test_every_route_has_the_contract_keys(self):
        for r in self.routes:
            with self.subTest(route=r.get("id")):
                self.assertLessEqual(ROUTE_KEYS, set(r), f"missing {ROUTE_KEYS - set(r)}")
                self.assertIsInstance(r["external"], bool)
                self.assertIn(r["method"], {"auto", "manual"})
                self.assertIn(r["timing"], TIMINGS)
                self.assertTrue(r["name"])

    def test_topics_are_zero_padded_route_ids(self):
        for r in self.routes:
            self.assertEqual(r["topic"], f"renkei.if.{r['id']:03d}")
        self.assertEqual(self.by_id[7]["topic"], "renkei.if.007")
        self.assertEqual(self.by_id[97]["topic"], "renkei.if.097")

    def test_from_and_to_are_known_system_ids(self):
        ids = {s["id"] for s in systems()}
        for r in self.routes:
            with self.subTest(route=r["id"]):
                self.assertIn(r["from"], ids)
                self.assertIn(r["to"], ids)
                self.assertNotEqual(r["from"], r["to"])

    def test_row_18_left_arrow_is_resolved(self):
        r = self.by_id[18]
        self.assertEqual(r["from"], "child-allowance")
        self.assertEqual(r["to"], "resident-record")
        self.assertEqual(r["listed"]["arrow"], "←")
        self.assertEqual(r["listed"]["left"], "resident-record")
        self.assertEqual(r["listed"]["right"], "child-allowance")

    def test_conversion_profiles(self):
        for r in self.routes:
            rid, conv = r["id"], r["conversion"]
            with self.subTest(route=rid, conversion=conv):
                if rid in JUKINET_ROWS:
                    self.assertEqual(conv, "jukinet")
                elif rid in UTF8_ROWS:
                    self.assertEqual(conv, "utf8")
                elif rid in CUSTOM_PROFILE_ROWS:
                    self.assertNotIn(conv, BUILTIN_PROFILES)
                    self.assertRegex(conv, r"^[a-z0-9][a-z0-9-]*$")
                else:
                    self.assertEqual(conv, "none")

    def test_via_gw_server(self):
        for r in self.routes:
            with self.subTest(route=r["id"]):
                if r["id"] in VIA_GW_ROWS:
                    self.assertEqual(r["via"], "gw-server")
                else:
                    self.assertIsNone(r["via"])
        self.assertIn("GWサーバ", self.by_id[3]["note"])  # a path, not 「…経由」

    def test_via_hop_carries_the_far_end_of_the_row(self):
        # 連携一覧 rows are written from the left system (住民記録): the GW server stands at
        # the right-hand system's end, so it is delivered routes 1, 3-7 and collects 21-26.
        for r in self.routes:
            with self.subTest(route=r["id"]):
                self.assertIn(r["via_end"], {"from", "to", None})
                if r["via"] is None:
                    self.assertIsNone(r["via_end"])
                    self.assertEqual(r["carriers"], {"source": r["from"], "target": r["to"]})
                    continue
                self.assertEqual(r["listed"]["left"], "resident-record")
                far = "to" if r["listed"]["right"] == r["to"] else "from"
                self.assertEqual(r["via_end"], far)
                self.assertEqual(r["carriers"], {"source": r["via"] if far == "from" else r["from"],
                                                 "target": r["via"] if far == "to" else r["to"]})
        self.assertEqual(self.by_id[1]["carriers"], {"source": "resident-record", "target": "gw-server"})
        self.assertEqual(self.by_id[21]["carriers"], {"source": "gw-server", "target": "resident-record"})

    def test_method_and_timing_counts(self):
        self.assertEqual(sum(r["method"] == "manual" for r in self.routes), 57)
        self.assertEqual(sum(r["timing"] in SCHEDULED for r in self.routes), 75)

    def test_scheduled_routes_have_a_cron_schedule_others_none(self):
        for r in self.routes:
            with self.subTest(route=r["id"], timing=r["timing"]):
                self.assertIn("schedule", r)
                if r["timing"] in SCHEDULED:
                    self.assertIsInstance(r["schedule"], dict)
                    self.assertRegex(r["schedule"].get("cron", ""), r"^\S+( \S+){4}$")
                else:
                    self.assertIsNone(r["schedule"])

    def test_row_93_is_a_usb_hand_off(self):
        self.assertEqual(self.by_id[93]["medium"], "usb")
        self.assertEqual(self.by_id[93]["method"], "manual")
        self.assertIsNone(self.by_id[1]["medium"])

    def test_text_listing_has_a_line_per_route(self):
        proc = ctl("--config", CONFIG, "interfaces")
        self.assertEqual(proc.returncode, 0, describe(proc))
        lines = proc.stdout.splitlines()
        self.assertEqual(len(lines), 1 + 97, describe(proc))
        self.assertTrue(lines[1].startswith("001 "), lines[1])


# --------------------------------------------------------------------------------------
# systems --json
# --------------------------------------------------------------------------------------

class SystemsJsonTest(unittest.TestCase):
    def setUp(self):
        self.systems = systems()
        self.by_id = {s["id"]: s for s in self.systems}

    def test_39_systems_with_unique_ids(self):
        self.assertEqual(len(self.systems), 39)
        self.assertEqual(len(self.by_id), 39)
        for s in self.systems:
            self.assertRegex(s["id"], r"^[a-z][a-z0-9-]*$")
            self.assertTrue(s["name"])

    def test_every_route_goes_out_of_one_system_and_into_one(self):
        outs = [rid for s in self.systems for rid in s["routes"]["out"]]
        ins = [rid for s in self.systems for rid in s["routes"]["in"]]
        self.assertEqual(sorted(outs), list(range(1, 98)))
        self.assertEqual(sorted(ins), list(range(1, 98)))

    def test_routes_agree_with_interfaces(self):
        for r in interfaces():
            with self.subTest(route=r["id"]):
                self.assertIn(r["id"], self.by_id[r["from"]]["routes"]["out"])
                self.assertIn(r["id"], self.by_id[r["to"]]["routes"]["in"])

    def test_relays_are_the_routes_a_hop_carries_for_others(self):
        gw = self.by_id["gw-server"]
        self.assertEqual(gw["relays"], {"out": [21, 22, 23, 24, 25, 26], "in": [1, 3, 4, 5, 6, 7]})
        self.assertEqual(gw["routes"]["in"], [8])  # its own row
        for s in self.systems:
            if s["id"] != "gw-server":
                self.assertEqual(s["relays"], {"out": [], "in": []}, s["id"])
        # The carrier of each end (interfaces --json) lists the route as its own or relayed.
        for r in interfaces():
            with self.subTest(route=r["id"]):
                src, dst = self.by_id[r["carriers"]["source"]], self.by_id[r["carriers"]["target"]]
                self.assertIn(r["id"], src["routes"]["out"] + src["relays"]["out"])
                self.assertIn(r["id"], dst["routes"]["in"] + dst["relays"]["in"])

    def test_text_listing_shows_the_relays_apart(self):
        proc = ctl("--config", CONFIG, "systems")
        self.assertEqual(proc.returncode, 0, describe(proc))
        gw = [l for l in proc.stdout.splitlines() if l.startswith("gw-server ")]
        self.assertEqual(len(gw), 1, proc.stdout)
        self.assertTrue(gw[0].endswith("(relays 6 out, 6 in)"), gw[0])

    def test_vrs_alias_spelling(self):
        vrs = self.by_id["vrs"]
        self.assertIn("VRS(ワクチン接種記録システム)", vrs["aliases"])

    # The systems that exchange events over HTTP (config/systems.yaml); the rest use files.
    HTTP_SYSTEMS = {"number-link", "convenience-cert", "seal-cert"}

    def test_http_adapters_show_kind_and_settings(self):
        for s in self.systems:
            if s["id"] not in self.HTTP_SYSTEMS:
                continue
            with self.subTest(system=s["id"]):
                adapter = s["adapter"]
                self.assertEqual(adapter["kind"], "http")
                settings = adapter["settings"]
                # Every declared option with its default shows, so an operator sees them all.
                for key in ("timeout_ms", "backoff_initial_ms", "backoff_max_ms", "max_body_bytes",
                            "max_batch_bytes", "ack_timeout_ms", "content_type"):
                    self.assertIn(key, settings)
                self.assertEqual(settings["timeout_ms"], "5000")
                # A system that receives has a URL; one that only sends needs none.
                if s["routes"]["in"]:
                    self.assertRegex(settings["url"], r"^http://")
                self.assertNotIn("inbox", settings)

    def test_file_adapters_with_inbox_and_outbox(self):
        inboxes = set()
        for s in self.systems:
            if s["id"] in self.HTTP_SYSTEMS:
                continue
            with self.subTest(system=s["id"]):
                adapter = s["adapter"]
                self.assertEqual(adapter["kind"], "file")
                settings = adapter["settings"]
                for key in ("inbox", "outbox"):
                    self.assertIn(key, settings)
                    path = Path(settings[key])
                    self.assertTrue(path.is_absolute(), path)
                    self.assertEqual(path.parent.name, s["id"], path)
                self.assertNotEqual(settings["inbox"], settings["outbox"])
                inboxes.add(settings["inbox"])
        self.assertEqual(len(inboxes), 39 - len(self.HTTP_SYSTEMS))


# --------------------------------------------------------------------------------------
# import-seed on the real 連携一覧
# --------------------------------------------------------------------------------------

class ImportSeedTest(unittest.TestCase):
    def assertSameText(self, actual, expected, what):
        if actual != expected:
            diff = "".join(difflib.unified_diff(
                expected.splitlines(keepends=True), actual.splitlines(keepends=True),
                fromfile=str(CONFIG / "routes.yaml"), tofile=what, n=2))
            self.fail(f"{what} differs from config/routes.yaml:\n{diff[:8000]}")

    def test_stdout_is_byte_identical_to_routes_yaml(self):
        proc = subprocess.run([CTL, "--config", str(CONFIG), "import-seed", str(SEED)],
                              capture_output=True, timeout=TIMEOUT)
        self.assertEqual(proc.returncode, 0, proc.stderr.decode("utf-8", "replace"))
        self.assertEqual(proc.stderr, b"")
        expected = (CONFIG / "routes.yaml").read_bytes()
        if proc.stdout != expected:
            self.assertSameText(proc.stdout.decode("utf-8", "replace"),
                                expected.decode("utf-8"), "import-seed stdout")
            self.fail("bytes differ although the decoded text is equal")

    def test_output_file_is_written_atomically_with_the_same_bytes(self):
        with tempfile.TemporaryDirectory(prefix="renkei-cli-") as tmp:
            out = Path(tmp) / "routes.yaml"
            proc = ctl("--config", CONFIG, "import-seed", SEED, "-o", out)
            self.assertEqual(proc.returncode, 0, describe(proc))
            self.assertEqual(proc.stdout, "")
            self.assertEqual(sorted(os.listdir(tmp)), ["routes.yaml"])  # no temp file left
            if out.read_bytes() != (CONFIG / "routes.yaml").read_bytes():
                self.assertSameText(read(out), read(CONFIG / "routes.yaml"), str(out))

    def test_output_file_replaces_an_existing_one(self):
        with tempfile.TemporaryDirectory(prefix="renkei-cli-") as tmp:
            out = Path(tmp) / "routes.yaml"
            write(out, "old content\n")
            proc = ctl("--config", CONFIG, "import-seed", SEED, "--output", out)
            self.assertEqual(proc.returncode, 0, describe(proc))
            self.assertEqual(out.read_bytes(), (CONFIG / "routes.yaml").read_bytes())
            self.assertEqual(sorted(os.listdir(tmp)), ["routes.yaml"])

    def test_failed_import_does_not_touch_the_output_file(self):
        header, rows = seed_parts()
        with tempfile.TemporaryDirectory(prefix="renkei-cli-") as tmp:
            seed = Path(tmp) / "bad.tsv"
            write(seed, "\n".join([header, with_cells(rows[2], c1="存在しないシステム")]) + "\n")
            out = Path(tmp) / "routes.yaml"
            write(out, "old content\n")
            proc = ctl("--config", CONFIG, "import-seed", seed, "-o", out)
            self.assertEqual(proc.returncode, 1, describe(proc))
            self.assertEqual(read(out), "old content\n")
            self.assertEqual(sorted(os.listdir(tmp)), ["bad.tsv", "routes.yaml"])


# --------------------------------------------------------------------------------------
# import-seed on broken or unusual seeds
# --------------------------------------------------------------------------------------

class SeedErrorsTest(unittest.TestCase):
    def setUp(self):
        self.header, self.rows = seed_parts()
        self._tmp = tempfile.TemporaryDirectory(prefix="renkei-seed-")
        self.tmp = Path(self._tmp.name)

    def tearDown(self):
        self._tmp.cleanup()

    def write_seed(self, lines, name="seed.tsv"):
        path = self.tmp / name
        write(path, "\n".join(lines) + "\n")
        return path

    def import_seed(self, lines, name="seed.tsv"):
        path = self.write_seed(lines, name)
        return path, ctl("--config", CONFIG, "import-seed", path)

    def import_as_routes(self, lines, name="seed.tsv"):
        """Imports a seed into a copy of config/ and returns `interfaces --json` of it."""
        path = self.write_seed(lines, name)
        cfg = self.tmp / f"config-{name}"
        if cfg.exists():
            shutil.rmtree(cfg)
        shutil.copytree(CONFIG, cfg)
        proc = ctl("--config", cfg, "import-seed", path, "-o", cfg / "routes.yaml")
        self.assertEqual(proc.returncode, 0, describe(proc))
        proc = ctl("--config", cfg, "interfaces", "--json")
        self.assertEqual(proc.returncode, 0, describe(proc))
        return json.loads(proc.stdout)

    def assertError(self, proc, path, line, *fragments):
        self.assertEqual(proc.returncode, 1, describe(proc))
        self.assertEqual(proc.stdout, "", describe(proc))
        found = [msg for f, n, msg in diagnostics(proc.stderr) if f == str(path) and n == line]
        self.assertTrue(any(all(fr in msg for fr in fragments) for msg in found),
                        f"no '{path}:{line}: ...{' ... '.join(fragments)}' line" + describe(proc))

    def test_unknown_system_name(self):
        path, proc = self.import_seed([self.header, self.rows[1],
                                       with_cells(self.rows[2], c1="住民記録システムX")])
        self.assertError(proc, path, 3, "field データ作成元システム: unknown system", "住民記録システムX")

    def test_unknown_target_system_name(self):
        path, proc = self.import_seed([self.header, with_cells(self.rows[2], c3="番号連携サーバー２")])
        self.assertError(proc, path, 2, "field データ連携先システム: unknown system")

    def test_bad_arrow(self):
        path, proc = self.import_seed([self.header, with_cells(self.rows[3], c2="⇔")])
        self.assertError(proc, path, 2, "方向", "⇔")

    def test_too_few_fields(self):
        short = "\t".join(self.rows[4].split("\t")[:5])
        path, proc = self.import_seed([self.header, self.rows[3], short])
        self.assertError(proc, path, 3, "fields")

    def test_duplicate_number(self):
        path, proc = self.import_seed([self.header, self.rows[5], with_cells(self.rows[6], c0="5")])
        self.assertError(proc, path, 3, "No.", "5", "line 2")

    def test_spec_given_with_nashi(self):
        path, proc = self.import_seed([self.header, with_cells(self.rows[9], c9="住基ネット統一")])
        self.assertError(proc, path, 2, "コード変換の仕様", "なし")

    def test_unknown_word_in_method_and_timing(self):
        path, proc = self.import_seed([self.header, with_cells(self.rows[2], c5="半自動", c6="週次")])
        self.assertError(proc, path, 2, "連携方式", "半自動")
        self.assertError(proc, path, 2, "処理タイミング", "週次")

    def test_all_errors_of_a_file_are_reported_in_one_run(self):
        lines = [
            self.header,                                            # 1
            with_cells(self.rows[2], c1="住民記録システムX"),        # 2 unknown system
            with_cells(self.rows[3], c2="⇔"),                       # 3 bad arrow
            "\t".join(self.rows[4].split("\t")[:5]),               # 4 too few fields
            self.rows[5],                                           # 5 fine
            with_cells(self.rows[6], c0="5"),                       # 6 duplicate No.
            with_cells(self.rows[9], c9="住基ネット統一"),           # 7 spec with なし
        ]
        path, proc = self.import_seed(lines)
        self.assertEqual(proc.returncode, 1, describe(proc))
        lines_reported = sorted({n for f, n, _ in diagnostics(proc.stderr) if f == str(path)})
        self.assertEqual(lines_reported, [2, 3, 4, 6, 7], describe(proc))
        self.assertError(proc, path, 2, "データ作成元システム")
        self.assertError(proc, path, 3, "方向")
        self.assertError(proc, path, 6, "No.")
        self.assertError(proc, path, 7, "コード変換の仕様")

    def test_page_breaks_and_repeated_headers_are_accepted(self):
        numbers = sorted(self.rows)
        plain = [self.header] + [self.rows[n] for n in numbers]
        paged = ["", "### 【別紙3】連携一覧", ""]
        for i, n in enumerate(numbers):
            if i % 12 == 0:
                paged += ["", "  ", "", self.header]  # page break, then the header again
            paged.append(self.rows[n])
        paged += ["", ""]
        from_plain = self.import_as_routes(plain, "plain.tsv")
        from_paged = self.import_as_routes(paged, "paged.tsv")
        self.assertEqual(len(from_paged), 97)
        self.assertEqual(from_paged, from_plain)
        self.assertEqual(from_paged, interfaces())

    def test_a_wrong_repeated_header_is_reported(self):
        bad_header = self.header.replace("方向", "方角")
        path, proc = self.import_seed([self.header, self.rows[1], "", bad_header, self.rows[2]])
        self.assertError(proc, path, 4, "header")

    def test_width_and_space_variants_of_names_resolve(self):
        variants = [
            # (row, cell index, spelling, expected system id at that end)
            (43, 3, "地方税共同機構 (eLTAX)", "eltax"),
            (43, 3, "地方税共同機構(eLTAX)", "eltax"),
            (43, 3, "地方税共同機構（ｅＬＴＡＸ）", "eltax"),
            (43, 3, "地方税共同機構　(eLTAX) ", "eltax"),
            (12, 3, "福祉医療システム (MISALIO)", "welfare-medical"),
            (12, 3, "福祉医療システム(MISALIO)", "welfare-medical"),
            (12, 3, "福祉医療システム（ＭＩＳＡＬＩＯ）", "welfare-medical"),
            (8, 3, "ＧＷｻｰﾊﾞ", "gw-server"),
            (89, 3, "VRS(ワクチン接種記録システム)", "vrs"),
            (89, 3, "ワクチン接種記録システム(VRS)", "vrs"),
        ]
        lines = [self.header]
        for no, (row, cell, spelling, _) in enumerate(variants, start=1):
            lines.append(with_cells(self.rows[row], c0=str(no), **{f"c{cell}": spelling}))
        routes = {r["id"]: r for r in self.import_as_routes(lines)}
        self.assertEqual(len(routes), len(variants))
        for no, (row, _, spelling, system_id) in enumerate(variants, start=1):
            with self.subTest(spelling=spelling):
                self.assertEqual(routes[no]["listed"]["right"], system_id)

    def test_missing_file(self):
        missing = self.tmp / "no-such-list.tsv"
        proc = ctl("--config", CONFIG, "import-seed", missing)
        self.assertEqual(proc.returncode, 1, describe(proc))
        self.assertIn("no-such-list.tsv", proc.stderr)
        self.assertEqual(proc.stdout, "")


# --------------------------------------------------------------------------------------
# validate
# --------------------------------------------------------------------------------------

class ValidateTest(unittest.TestCase):
    def validate(self, cfg):
        return ctl("--config", cfg, "validate")

    def assertReported(self, proc, file, line, *fragments):
        """Exit 1 and a `file:line: message` line whose message holds every fragment."""
        self.assertEqual(proc.returncode, 1, describe(proc))
        pattern = re.compile(rf"^{re.escape(str(file))}:{line}: ", re.M)
        candidates = [l for l in proc.stderr.splitlines() if pattern.match(l)]
        self.assertTrue(any(all(f in l for f in fragments) for l in candidates),
                        f"expected a line '{file}:{line}: ...{' ... '.join(fragments)}'"
                        + describe(proc))

    def test_shipped_config_is_valid(self):
        proc = self.validate(CONFIG)
        self.assertEqual(proc.returncode, 0, describe(proc))
        lines = proc.stdout.splitlines()
        self.assertEqual(len(lines), 1, describe(proc))
        self.assertIn("valid", lines[0])
        self.assertIn("97 routes", lines[0])
        self.assertIn("39 systems", lines[0])
        self.assertEqual(proc.stderr, "")

    def test_hub_yaml_path_is_accepted_too(self):
        proc = self.validate(CONFIG / "hub.yaml")
        self.assertEqual(proc.returncode, 0, describe(proc))

    def test_config_given_as_a_bare_file_name_in_the_working_directory(self):
        # `cd config && renkeictl --config hub.yaml validate`
        proc = ctl("--config", "hub.yaml", "validate", cwd=CONFIG)
        self.assertEqual(proc.returncode, 0, describe(proc))
        self.assertIn("valid", proc.stdout)

    def test_three_mistakes_are_reported_in_one_run(self):
        with config_copy() as cfg:
            routes = cfg / "routes.yaml"
            text = read(routes)
            text, from_line = edit_in_block(text, route_block(text, 9),
                                            "from: resident-record", "from: no-such-system")
            text, timing_line = edit_in_block(text, route_block(text, 10),
                                              "timing: daily", "timing: dayly")
            text, topic_line = edit_in_block(text, route_block(text, 5),
                                             "topic: renkei.if.005\n", "topic: renkei.if.005!\n")
            write(routes, text)
            proc = self.validate(cfg)
            self.assertEqual(proc.returncode, 1, describe(proc))
            self.assertEqual(proc.stdout, "")
            with self.subTest(mistake="unknown system in from"):
                self.assertReported(proc, routes, from_line, "'from'", "no-such-system")
            with self.subTest(mistake="timing typo"):
                self.assertReported(proc, routes, timing_line, "'timing'", "dayly")
            with self.subTest(mistake="invalid topic"):
                self.assertReported(proc, routes, topic_line, "'topic'", "renkei.if.005!")

    def test_scheduled_route_without_schedule(self):
        with config_copy() as cfg:
            routes = cfg / "routes.yaml"
            text = read(routes)
            start, end = route_block(text, 2)
            sched = ('    schedule:\n      cron: "0 22 * * *"\n'
                     '      on_non_business_day: skip\n')
            text, _ = edit_in_block(text, (start, end), sched, "")
            write(routes, text)
            proc = self.validate(cfg)
            route_line = line_of(text, start + 1)  # the `- id: 2` line
            self.assertReported(proc, routes, route_line, "route 2", "schedule")

    def test_bad_business_day_schedule_and_deadline(self):
        with config_copy() as cfg:
            routes = cfg / "routes.yaml"
            text = read(routes)
            text, bd_line = edit_in_block(text, route_block(text, 9), 'cron: "0 22 * * *"\n      on_non_business_day: skip',
                                          'cron: "bd:0 09:00"')
            text, dl_line = edit_in_block(text, route_block(text, 10), "on_non_business_day: skip",
                                          'on_non_business_day: skip\n      deadline: "9:00"')
            write(routes, text)
            proc = self.validate(cfg)
            self.assertReported(proc, routes, bd_line, "route 9", "'cron'", "bd:0 09:00")
            self.assertReported(proc, routes, dl_line + 1, "route 10", "'deadline'", "9:00")

    def test_bad_calendar_file(self):
        with config_copy() as cfg:
            closures = cfg / "calendar" / "closures.yaml"
            text = read(closures)
            text, line = edit_in_block(text, (0, len(text)), "  to: 01-03", "  to: 02-30")
            write(closures, text)
            proc = self.validate(cfg)
            self.assertReported(proc, closures, line, "02-30")

    def test_realtime_route_with_a_schedule(self):
        with config_copy() as cfg:
            routes = cfg / "routes.yaml"
            text = read(routes)
            self.assertIn("timing: realtime", text[slice(*route_block(text, 1))])
            text, line = edit_in_block(
                text, route_block(text, 1), "    topic: renkei.if.001\n",
                '    topic: renkei.if.001\n    schedule:\n      cron: "0 22 * * *"\n')
            write(routes, text)
            proc = self.validate(cfg)
            self.assertReported(proc, routes, line + 1, "schedule", "realtime")

    def test_yaml_syntax_error(self):
        with config_copy() as cfg:
            path = cfg / "systems.yaml"
            text = read(path)
            text, line = edit_in_block(text, system_block(text, "jukinet"),
                                       "aliases: [住基ネット]", "aliases: [住基ネット")
            write(path, text)
            proc = self.validate(cfg)
            self.assertEqual(proc.returncode, 1, describe(proc))
            # The parser notices the unclosed flow sequence on its line or the next one.
            reported = [n for f, n, _ in diagnostics(proc.stderr) if f == str(path)]
            self.assertTrue(reported, describe(proc))
            self.assertIn(reported[0], (line, line + 1), describe(proc))

    def test_duplicate_route_id(self):
        with config_copy() as cfg:
            routes = cfg / "routes.yaml"
            text = read(routes)
            text, line = edit_in_block(text, route_block(text, 12), "- id: 12\n", "- id: 11\n")
            write(routes, text)
            proc = self.validate(cfg)
            self.assertReported(proc, routes, line, "route 11", "duplicate")

    def test_japanese_name_as_system_id_gets_a_hint(self):
        with config_copy() as cfg:
            routes = cfg / "routes.yaml"
            text = read(routes)
            text, _ = edit_in_block(text, route_block(text, 9),
                                    "from: resident-record", "from: 住民記録システム")
            write(routes, text)
            proc = self.validate(cfg)
            self.assertEqual(proc.returncode, 1, describe(proc))
            hits = [msg for f, _, msg in diagnostics(proc.stderr)
                    if f == str(routes) and "住民記録システム" in msg]
            self.assertTrue(any("did you mean 'resident-record'" in m for m in hits), describe(proc))

    def test_unknown_key_in_hub_yaml(self):
        with config_copy() as cfg:
            hub = cfg / "hub.yaml"
            text = read(hub)
            text, line = edit_in_block(text, block(text, "\nbus:\n", item_prefix="\n"),
                                       "  brokers:", "  broker:")
            write(hub, text)
            proc = self.validate(cfg)
            self.assertReported(proc, hub, line, "broker")

    def test_unknown_charset(self):
        with config_copy() as cfg:
            path = cfg / "systems.yaml"
            text = read(path)
            text, line = edit_in_block(text, system_block(text, "jukinet"),
                                       "charset: UTF-8", "charset: UTF-9")
            write(path, text)
            proc = self.validate(cfg)
            self.assertReported(proc, path, line, "charset", "UTF-9")

    def test_unknown_charset_does_not_echo_as_unknown_system(self):
        # One mistake in a system's charset: its routes must not be told the system is unknown.
        with config_copy() as cfg:
            path = cfg / "systems.yaml"
            text = read(path)
            text, _ = edit_in_block(text, system_block(text, "jukinet"),
                                    "charset: UTF-8", "charset: UTF-9")
            write(path, text)
            proc = self.validate(cfg)
            self.assertEqual(proc.returncode, 1, describe(proc))
            echoes = [l for l in proc.stderr.splitlines() if "unknown system 'jukinet'" in l]
            self.assertEqual(echoes, [], describe(proc))

    def assertFileReported(self, proc, file, *fragments):
        """Exit 1, no crash, and a line naming `file` (`file:line: ` or, for a problem with
        the file as a whole, `file: `) whose message holds every fragment."""
        self.assertEqual(proc.returncode, 1, describe(proc))
        pattern = re.compile(rf"^{re.escape(str(file))}(:\d+)?: ", re.M)
        lines = [l for l in proc.stderr.splitlines() if pattern.match(l)]
        self.assertTrue(any(all(f in l for f in fragments) for l in lines), describe(proc))

    def test_routes_directory_that_is_a_symlink_loop(self):
        with config_copy() as cfg:
            hub = cfg / "hub.yaml"
            write(hub, read(hub).replace("  routes: routes.yaml ", "  routes: routes ", 1))
            (cfg / "routes").symlink_to("routes.loop")
            (cfg / "routes.loop").symlink_to("routes")
            proc = self.validate(cfg)
            self.assertFileReported(proc, cfg / "routes", "symbolic links")

    def test_unreadable_files_are_reported_not_thrown(self):
        # Tests run as root, for whom chmod 000 changes nothing: these are unreadable for anyone.
        def loop(path):
            path.symlink_to(path.name + ".loop")
            path.with_name(path.name + ".loop").symlink_to(path.name)

        def directory(path):
            path.mkdir()

        damages = {"loop": (loop, "symbolic links"), "fifo": (os.mkfifo, "not a regular file"),
                   "directory": (directory, "directory"), "dangling": (lambda p: p.symlink_to("nothing"), "cannot open")}
        # (path below the copy's parent, how validate names it)
        files = [("config/systems.yaml", None), ("config/calendar/closures.yaml", None),
                 ("codemaps/gaiji/resident-record.tsv", "codemaps/gaiji/resident-record.tsv")]
        for rel, shown in files:
            for name, (damage, fragment) in damages.items():
                with self.subTest(damage=name, file=rel), config_copy() as cfg:
                    path = cfg.parent / rel
                    path.unlink()
                    damage(path)
                    proc = self.validate(cfg)  # a read blocking on the FIFO would time out here
                    self.assertFileReported(proc, shown or path, fragment)
        with config_copy() as cfg:
            gaiji = cfg.parent / "codemaps" / "gaiji"
            shutil.rmtree(gaiji)
            loop(gaiji)
            self.assertFileReported(self.validate(cfg), "codemaps/gaiji", "symbolic links")

    def test_missing_config_directory(self):
        proc = ctl("--config", "/nonexistent", "validate")
        self.assertEqual(proc.returncode, 1, describe(proc))
        self.assertIn("/nonexistent", proc.stderr)

    def test_missing_relative_config(self):
        with tempfile.TemporaryDirectory(prefix="renkei-cli-") as tmp:
            proc = ctl("--config", "no-such-config", "validate", cwd=tmp)
            self.assertEqual(proc.returncode, 1, describe(proc))
            self.assertIn("no-such-config", proc.stderr)


# --------------------------------------------------------------------------------------
# Exit codes and help
# --------------------------------------------------------------------------------------

class ConvertTest(unittest.TestCase):
    """renkeictl convert (ARCHITECTURE §4): the conversion stage offline."""

    CP932 = "ibm-943_P15A-2003"

    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="renkei-convert-"))
        self.addCleanup(shutil.rmtree, self.tmp)

    def convert(self, data, *args):
        src, out = self.tmp / "in.txt", self.tmp / "out.txt"
        src.write_bytes(data)
        if out.exists():
            out.unlink()
        proc = ctl("--config", CONFIG, "convert", *args, src, out)
        return proc, (out.read_bytes() if out.exists() else None)

    def test_exact_transcoding_both_ways_and_the_final_newline_kept_or_not(self):
        text = "山田 太郎,ﾔﾏﾀﾞ ﾀﾛｳ,〜\n東京都\n"
        for data in (text.encode("cp932"), text.rstrip("\n").encode("cp932")):
            with self.subTest(final_newline=data.endswith(b"\n")):
                proc, out = self.convert(data, "--profile", "none", "--from", self.CP932, "--to", "UTF-8")
                self.assertEqual(proc.returncode, 0, describe(proc))
                # ibm-943_P15A-2003 reads 0x8160 as U+301C (wave dash); Python's cp932 agrees.
                self.assertEqual(out, data.decode("cp932").encode("utf-8"))
                proc, back = self.convert(out, "--profile", "none", "--from", "UTF-8", "--to", self.CP932)
                self.assertEqual(proc.returncode, 0, describe(proc))
                self.assertEqual(back, data)

    def test_relative_paths_in_the_working_directory(self):
        # The output's directory is fsynced after the rename: for a bare name, ".".
        (self.tmp / "in.txt").write_bytes("山田\n".encode("cp932"))
        proc = ctl("--config", CONFIG, "convert", "--route", "6", "in.txt", "out.txt", cwd=self.tmp)
        self.assertEqual(proc.returncode, 0, describe(proc))
        self.assertEqual((self.tmp / "out.txt").read_bytes(), "山田\n".encode("utf-8"))
        self.assertEqual(sorted(p.name for p in self.tmp.iterdir()), ["in.txt", "out.txt"])

    def test_first_error_stops_with_record_field_and_byte_and_no_output(self):
        data = "山田\n".encode("cp932") + b"ok,\x81\n" + "太郎\n".encode("cp932")
        proc, out = self.convert(data, "--profile", "none", "--from", self.CP932, "--to", "UTF-8")
        self.assertEqual(proc.returncode, 1, describe(proc))
        self.assertIsNone(out, "no output file after an error")
        self.assertIn("record 2 (line 2, file byte 8): field 'record' at byte 3: illegal-sequence", proc.stderr)
        self.assertEqual(list(self.tmp.glob("out.txt*")), [], "a temp file was left behind")

    def test_errors_file_collects_every_refused_record_and_the_rest_converts(self):
        data = b"\xf0\x40\n" + "山田\n".encode("cp932") + b"\xf0\x41\n\xf0\x44\n"
        errors = self.tmp / "errors.txt"
        # Route 21's profile (utf8) the other way round would not fit: use route 6
        # (住民記録 → 番号連携サーバ, UTF-8): gaiji through 住民記録's table.
        proc, out = self.convert(data, "--route", "6", "--errors", errors)
        self.assertEqual(proc.returncode, 1, describe(proc))
        self.assertEqual(out, "葛\U000E0100\n山田\n".encode("utf-8"))
        lines = errors.read_text(encoding="utf-8").splitlines()
        self.assertEqual(len(lines), 2, lines)
        self.assertIn("record 3 (line 3, file byte 8): field 'record' at byte 0: gaiji-unmapped", lines[0])
        self.assertIn("record 4 (line 4, file byte 11): field 'record' at byte 0: gaiji-unmapped", lines[1])
        self.assertIn("2 records converted, 2 refused", proc.stderr)

    def test_no_substitution_ever(self):
        # 𠮷 has no CP932 code: an error naming the byte, never a '?' or 0xFCFC.
        proc, out = self.convert("山𠮷\n".encode("utf-8"), "--profile", "none", "--from", "UTF-8",
                                 "--to", self.CP932)
        self.assertEqual(proc.returncode, 1, describe(proc))
        self.assertIn("field 'record' at byte 3: unmappable", proc.stderr)
        self.assertIsNone(out)

    def test_ambiguous_charset_alias_is_refused(self):
        proc, out = self.convert(b"a\n", "--profile", "none", "--from", "Shift_JIS", "--to", "UTF-8")
        self.assertEqual(proc.returncode, 1, describe(proc))
        self.assertIn("'Shift_JIS' is an ambiguous ICU alias", proc.stderr)
        self.assertIsNone(out)

    def test_usage_errors(self):
        for args in (["--profile", "none", "--from", self.CP932], ["--route", "0"], ["--route", "5"]):
            with self.subTest(args=args):
                proc = ctl("--config", CONFIG, "convert", *args, *([] if args == ["--route", "5"] else ["a", "b"]))
                self.assertEqual(proc.returncode, 2, describe(proc))


class ImportMjTest(unittest.TestCase):
    """renkeictl codemap import-mj: the MJ文字情報一覧表 column layout → unified.tsv."""

    HEADER = ("図形,font,MJ文字図形名,対応するUCS,実装したUCS,実装したMoji_JohoコレクションIVS,実装したSVS,"
              "戸籍統一文字番号,住基ネット統一文字コード,入管正字コード")

    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="renkei-mj-"))
        self.addCleanup(shutil.rmtree, self.tmp)

    def test_columns_found_by_name_ivs_preferred_shared_codes_once(self):
        src = self.tmp / "mj.csv"
        src.write_text("\ufeff" + self.HEADER + "\n" + "\n".join([
            ",,MJ000001,U+4E00,U+4E00,4E00_E0100,,000010,J+4E00,",
            ",,MJ000002,,,,,,,",                                  # no 住基ネット code: not a 統一文字
            ",,MJ000003,U+845B,U+845B,845B_E0100,,,J+AC01,",    # IVS kept; code in the Hangul range
            ",,MJ000004,U+845B,U+845B,845B_E0101,,,J+AC01,",    # another glyph of the same code: skipped
            ",,MJ000005,,,,,,AC02,",                              # no UCS at all; J+ written without J+
        ]) + "\n", encoding="utf-8")
        out = self.tmp / "unified.tsv"
        proc = ctl("codemap", "import-mj", src, "-o", out)
        self.assertEqual(proc.returncode, 0, describe(proc))
        rows = [l for l in out.read_text(encoding="utf-8").splitlines() if l and not l.startswith("#")]
        self.assertEqual(rows, ["jplus\tmj\tucs",
                                "J+4E00\tMJ000001\tU+4E00 U+E0100",
                                "J+AC01\tMJ000003\tU+845B U+E0100",
                                "J+AC02\tMJ000005\t-"])
        self.assertIn("3 統一文字 written, 1 glyphs sharing a code skipped", proc.stderr)
        # What it writes loads as a codemap: validate a config that uses it.
        cfg = self.tmp / "cfg"
        shutil.copytree(CONFIG, cfg / "config")
        shutil.copytree(SRC / "codemaps", cfg / "codemaps")
        shutil.copy(out, cfg / "codemaps" / "jukinet" / "unified.tsv")
        # The sample gaiji table names glyphs this small table lacks: only the format is checked here.
        proc = ctl("--config", cfg / "config", "validate")
        self.assertEqual(proc.returncode, 0, describe(proc))

    def test_a_file_without_the_columns_is_refused_with_its_line(self):
        src = self.tmp / "other.csv"
        src.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
        proc = ctl("codemap", "import-mj", src)
        self.assertEqual(proc.returncode, 1, describe(proc))
        self.assertIn(f"{src}:1: header: expected the 一覧表's columns MJ文字図形名 and 住基ネット統一文字コード", proc.stderr)

    def test_a_bad_code_names_file_and_line(self):
        src = self.tmp / "bad.csv"
        src.write_text(self.HEADER + "\n,,MJ000001,U+4E00,U+4E00,,,,J+XYZ,\n", encoding="utf-8")
        proc = ctl("codemap", "import-mj", src)
        self.assertEqual(proc.returncode, 1, describe(proc))
        self.assertIn(f"{src}:2: column 住基ネット統一文字コード: 'J+XYZ' is not a J+ code", proc.stderr)


# The 国民の祝日 and 休日 of 2024 as 内閣府 publishes them (syukujitsu.csv, 「国民の祝日」に
# ついて): the reference `renkeictl calendar 2024` must match, day for day and name for name.
PUBLISHED_2024 = {
    "2024-01-01": "元日", "2024-01-08": "成人の日", "2024-02-11": "建国記念の日",
    "2024-02-12": "休日", "2024-02-23": "天皇誕生日", "2024-03-20": "春分の日",
    "2024-04-29": "昭和の日", "2024-05-03": "憲法記念日", "2024-05-04": "みどりの日",
    "2024-05-05": "こどもの日", "2024-05-06": "休日", "2024-07-15": "海の日",
    "2024-08-11": "山の日", "2024-08-12": "休日", "2024-09-16": "敬老の日",
    "2024-09-22": "秋分の日", "2024-09-23": "休日", "2024-10-14": "スポーツの日",
    "2024-11-03": "文化の日", "2024-11-04": "休日", "2024-11-23": "勤労感謝の日",
}


class CalendarTest(unittest.TestCase):
    """renkeictl calendar: the scheduler's calendar as an operator reads it."""

    def calendar(self, *args, config=CONFIG):
        proc = ctl("--config", config, "calendar", *args, "--json")
        self.assertEqual(proc.returncode, 0, describe(proc))
        return json.loads(proc.stdout)

    def test_2024_matches_the_published_holidays(self):
        j = self.calendar("2024")
        self.assertEqual((j["from"], j["to"], j["holidays_known"]), ("2024-01-01", "2024-12-31", True))
        kinds = {"holiday", "substitute", "citizens"}
        got = {c["date"]: c for c in j["closed"] if c["kind"] in kinds}
        self.assertEqual(sorted(got), sorted(PUBLISHED_2024))
        for day, name in PUBLISHED_2024.items():
            # 内閣府 writes every 振替休日 as 休日.
            want = ("substitute", "振替休日") if name == "休日" else ("holiday", name)
            self.assertEqual((got[day]["kind"], got[day]["reason"]), want, day)
        # Every other closed day is a weekend or the shipped year-end closure (12-29 .. 01-03).
        d, n_business = date(2024, 1, 1), 0
        by_date = {c["date"]: c for c in j["closed"]}
        while d.year == 2024:
            key = d.isoformat()
            year_end = (d.month, d.day) >= (12, 29) or (d.month, d.day) <= (1, 3)
            if key in PUBLISHED_2024:
                pass
            elif year_end:
                self.assertEqual(by_date[key]["kind"], "year-end", key)
            elif d.weekday() >= 5:
                self.assertEqual(by_date[key]["reason"], "土曜日" if d.weekday() == 5 else "日曜日", key)
            else:
                self.assertNotIn(key, by_date)
                n_business += 1
            self.assertEqual(by_date.get(key, {}).get("weekday", "月火水木金土日"[d.weekday()]),
                             "月火水木金土日"[d.weekday()], key)
            d += timedelta(days=1)
        self.assertEqual(j["business_days"], n_business)
        self.assertEqual(sum(m["business_days"] for m in j["months"]), n_business)
        self.assertEqual([m["days"] for m in j["months"]], [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])

    def test_closure_days_and_a_range(self):
        with config_copy() as cfg:
            write(cfg / "calendar" / "closures.yaml",
                  "year_end:\n  from: 12-28\n  to: 01-04\ndays:\n  - date: 2026-08-17\n    name: 庁舎電気設備点検\n")
            j = self.calendar("--from", "2026-08-14", "--to", "2026-08-18", config=cfg)
            self.assertEqual([(c["date"], c["kind"], c["reason"]) for c in j["closed"]],
                             [("2026-08-15", "weekend", "土曜日"), ("2026-08-16", "weekend", "日曜日"),
                              ("2026-08-17", "closure", "庁舎電気設備点検")])
            self.assertEqual(j["months"], [{"month": "2026-08", "days": 5, "business_days": 2}])
            j = self.calendar("--from", "2026-12-28", "--to", "2027-01-05", config=cfg)
            self.assertEqual([c["date"] for c in j["closed"] if c["kind"] == "year-end"],
                             ["2026-12-28", "2026-12-29", "2026-12-30", "2026-12-31", "2027-01-02",
                              "2027-01-03", "2027-01-04"])  # the closure names a weekend inside it too
            self.assertEqual([c["reason"] for c in j["closed"] if c["date"] == "2027-01-01"], ["元日"])

    def test_text_output_names_each_day(self):
        proc = ctl("--config", CONFIG, "calendar", "--from", "2024-05-01", "--to", "2024-05-07")
        self.assertEqual(proc.returncode, 0, describe(proc))
        lines = proc.stdout.splitlines()
        self.assertRegex(lines[0], r"^calendar 2024-05-01 \.\. 2024-05-07 \(.*calendar\): 3 business days, 4 days closed$")
        self.assertEqual([line.split()[:4] for line in lines[1:5]],
                         [["2024-05-03", "金", "holiday", "憲法記念日"], ["2024-05-04", "土", "holiday", "みどりの日"],
                          ["2024-05-05", "日", "holiday", "こどもの日"], ["2024-05-06", "月", "substitute", "振替休日"]])
        self.assertIn("2024-05  3 / 7", proc.stdout)

    def test_refusals(self):
        for args in (["--from", "2024-01-01"], ["--from", "2024-02-30", "--to", "2024-03-01"],
                     ["--from", "2024-03-01", "--to", "2024-02-01"], ["--from", "2020-01-01", "--to", "2031-01-01"],
                     ["2024", "--from", "2024-01-01", "--to", "2024-01-02"]):
            proc = ctl("--config", CONFIG, "calendar", *args)
            self.assertEqual(proc.returncode, 2, describe(proc))
            self.assertRegex(proc.stderr, r"^calendar: ", describe(proc))
        proc = ctl("--config", CONFIG, "calendar", "1979", "--json")
        self.assertEqual(proc.returncode, 0, describe(proc))
        self.assertFalse(json.loads(proc.stdout)["holidays_known"])
        self.assertIn("1979 shows weekends and closures alone", proc.stderr)
        with config_copy() as cfg:
            write(cfg / "calendar" / "closures.yaml", "year_end:\n  from: 12-40\n  to: 01-03\n")
            proc = ctl("--config", cfg, "calendar", "2024")
            self.assertEqual(proc.returncode, 1, describe(proc))
            self.assertRegex(proc.stderr, r"closures\.yaml:\d+: ")


class UserTest(unittest.TestCase):
    """renkeictl user / token: the people in users.yaml, as an admin manages them."""

    def setUp(self):
        stack = contextlib.ExitStack()
        self.addCleanup(stack.close)
        self.cfg = stack.enter_context(config_copy())
        self.users = self.cfg / "users.yaml"
        self.pw = self.cfg.parent / "pw"
        write(self.pw, "correct horse battery\n")

    def ctl(self, *args):
        return ctl("--config", self.cfg, *args)

    def test_add_list_passwd_role_remove(self):
        r = self.ctl("user", "add", "tanaka", "--role", "operator", "--display-name", "田中 花子",
                     "--password-file", self.pw)
        self.assertEqual(r.returncode, 0, describe(r))
        text = read(self.users)
        self.assertNotIn("correct horse", text)
        self.assertRegex(text, r'password: "\$argon2id\$v=19\$m=65536,t=2,p=1\$')
        self.assertEqual(oct(self.users.stat().st_mode & 0o777), "0o640")  # the shipped file's mode kept
        self.assertEqual(self.ctl("user", "add", "sato", "--role", "viewer", "--no-password").returncode, 0)
        people = {p["name"]: p for p in json.loads(self.ctl("user", "list", "--json").stdout)}
        self.assertEqual(people["tanaka"], {"name": "tanaka", "display_name": "田中 花子", "role": "operator",
                                            "password": True, "tokens": []})
        self.assertEqual(people["sato"]["password"], False)
        v = self.ctl("validate")
        self.assertEqual(v.returncode, 0, describe(v))
        self.assertIn(" 2 people, ", v.stdout)

        before = read(self.users)
        again = self.ctl("user", "add", "tanaka", "--role", "viewer", "--no-password")
        self.assertEqual(again.returncode, 1, describe(again))
        self.assertIn("exists already", again.stderr)
        write(self.cfg.parent / "short", "tooshort\n")
        weak = self.ctl("user", "passwd", "tanaka", "--password-file", self.cfg.parent / "short")
        self.assertEqual(weak.returncode, 1, describe(weak))
        self.assertIn("at least 12 bytes", weak.stderr)
        self.assertEqual(read(self.users), before, "a refused change leaves the file as it was")
        for bad in ("Tanaka", "hub-token", "../x"):
            r = self.ctl("user", "add", bad, "--role", "viewer", "--no-password")
            self.assertEqual(r.returncode, 2, describe(r))
        self.assertEqual(self.ctl("user", "add", "x", "--role", "chief", "--no-password").returncode, 2)

        write(self.cfg.parent / "new", "another long password\n")
        self.assertEqual(self.ctl("user", "passwd", "tanaka", "--password-file", self.cfg.parent / "new").returncode, 0)
        self.assertNotEqual(read(self.users), before)
        self.assertEqual(self.ctl("user", "set-role", "sato", "admin").returncode, 0)
        self.assertEqual(self.ctl("user", "remove", "tanaka").returncode, 0)
        people = json.loads(self.ctl("user", "list", "--json").stdout)
        self.assertEqual([(p["name"], p["role"]) for p in people], [("sato", "admin")])
        gone = self.ctl("user", "remove", "tanaka")
        self.assertEqual(gone.returncode, 1)
        self.assertIn("no user 'tanaka'", gone.stderr)

    def test_tokens_are_shown_once_and_stored_hashed(self):
        self.assertEqual(self.ctl("user", "add", "tanaka", "--role", "operator", "--no-password").returncode, 0)
        shown = self.ctl("token", "create", "tanaka", "--label", "laptop")
        self.assertEqual(shown.returncode, 0, describe(shown))
        token = shown.stdout.strip()
        self.assertRegex(token, r"^rk_[0-9a-f]{16}_[0-9a-f]{64}$")
        token_id = token.split("_")[1]
        self.assertIn(f"token {token_id} for tanaka", shown.stderr)
        out = self.cfg.parent / "tanaka.token"
        written = self.ctl("token", "create", "tanaka", "-o", out)
        self.assertEqual((written.returncode, written.stdout), (0, ""), describe(written))
        self.assertEqual(oct(out.stat().st_mode & 0o777), "0o600")
        text = read(self.users)
        self.assertNotIn(token, text)
        self.assertNotIn(token.split("_")[2], text)
        self.assertNotIn(read(out).strip(), text)
        listing = self.ctl("token", "list", "tanaka")
        self.assertEqual([l.split("\t")[0] for l in listing.stdout.splitlines()][0], token_id)
        self.assertEqual(len(listing.stdout.splitlines()), 2)
        self.assertEqual(self.ctl("token", "revoke", "tanaka", token_id).returncode, 0)
        self.assertNotIn(token_id, read(self.users))
        self.assertEqual(self.ctl("token", "revoke", "tanaka", token_id).returncode, 1)
        self.assertEqual(self.ctl("token", "create", "nobody").returncode, 1)

    def test_a_broken_users_file_is_reported_by_line_without_secrets(self):
        write(self.users, "users:\n  - name: tanaka\n    role: operator\n    password: \"hunter2-plain\"\n")
        for args in (("validate",), ("user", "list")):
            r = self.ctl(*args)
            self.assertEqual(r.returncode, 1, describe(r))
            diags = diagnostics(r.stderr)
            self.assertTrue(any(f.endswith("users.yaml") and line == 4 and "Argon2id" in m for f, line, m in diags),
                            describe(r))
            self.assertNotIn("hunter2", r.stdout + r.stderr)


class ExitCodesTest(unittest.TestCase):
    SUBCOMMANDS = ["validate", "interfaces", "systems", "import-seed", "adapter-kinds", "convert", "codemap"]

    def test_no_subcommand_is_a_usage_error(self):
        proc = ctl()
        self.assertEqual(proc.returncode, 2, describe(proc))
        self.assertTrue(proc.stderr.strip(), describe(proc))

    def test_unknown_subcommand_is_a_usage_error(self):
        proc = ctl("--config", CONFIG, "frobnicate")
        self.assertEqual(proc.returncode, 2, describe(proc))
        self.assertTrue(proc.stderr.strip(), describe(proc))

    def test_unknown_flag_is_a_usage_error(self):
        for args in (["--frobnicate", "validate"], ["validate", "--frobnicate"],
                     ["interfaces", "--jsn"]):
            with self.subTest(args=args):
                proc = ctl("--config", CONFIG, *args)
                self.assertEqual(proc.returncode, 2, describe(proc))
                self.assertIn("frobnicate" if "--frobnicate" in args else "--jsn", proc.stderr)

    def test_import_seed_without_file_is_a_usage_error(self):
        proc = ctl("--config", CONFIG, "import-seed")
        self.assertEqual(proc.returncode, 2, describe(proc))

    def test_help_on_the_app(self):
        proc = ctl("--help")
        self.assertEqual(proc.returncode, 0, describe(proc))
        self.assertIn("Usage:", proc.stdout)
        for sub in self.SUBCOMMANDS:
            self.assertIn(sub, proc.stdout)

    def test_help_on_each_subcommand(self):
        for sub in self.SUBCOMMANDS:
            with self.subTest(subcommand=sub):
                proc = ctl(sub, "--help")
                self.assertEqual(proc.returncode, 0, describe(proc))
                self.assertRegex(proc.stdout, rf"Usage:.*\b{re.escape(sub)}\b")

    def test_version(self):
        proc = ctl("--version")
        self.assertEqual(proc.returncode, 0, describe(proc))
        self.assertRegex(proc.stdout, r"^renkeictl \d+\.\d+")

    def test_adapter_kinds_lists_file(self):
        proc = ctl("adapter-kinds", "--json")
        self.assertEqual(proc.returncode, 0, describe(proc))
        kinds = {k["kind"]: k for k in json.loads(proc.stdout)}
        self.assertIn("file", kinds)
        options = {o["name"] for o in kinds["file"]["options"]}
        self.assertLessEqual({"inbox", "outbox"}, options)
        self.assertIn("http", kinds)
        options = {o["name"] for o in kinds["http"]["options"]}
        self.assertLessEqual({"url", "timeout_ms", "max_body_bytes", "backoff_initial_ms", "backoff_max_ms"}, options)


# --------------------------------------------------------------------------------------
# renkeid: --check, SIGHUP reload, SIGTERM
# --------------------------------------------------------------------------------------

class DaemonLog:
    """Reads a daemon's merged stdout/stderr on a thread, so waits can time out."""

    def __init__(self, proc):
        self.proc = proc
        self.lines = []
        self._queue = queue.Queue()
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self):
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, pattern, timeout=10.0):
        """Returns the first new line matching pattern; fails on timeout or EOF."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no log line matching {pattern!r} within {timeout}s:\n"
                                     + "\n".join(self.lines[-40:]))
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"daemon output ended before {pattern!r}:\n"
                                     + "\n".join(self.lines[-40:]))
            self.lines.append(line)
            if regex.search(line):
                return line

    def since(self, index):
        return self.lines[index:]


class DaemonTest(unittest.TestCase):
    def test_check_on_shipped_config(self):
        proc = run(DAEMON, "--config", CONFIG / "hub.yaml", "--check")
        self.assertEqual(proc.returncode, 0, describe(proc))

    def test_check_with_config_relative_to_working_directory(self):
        proc = run(DAEMON, "--config", "hub.yaml", "--check", cwd=CONFIG)
        self.assertEqual(proc.returncode, 0, describe(proc))

    def test_check_on_broken_config(self):
        with config_copy() as cfg:
            routes = cfg / "routes.yaml"
            text = read(routes)
            text, line = edit_in_block(text, route_block(text, 10), "timing: daily", "timing: dayly")
            write(routes, text)
            proc = run(DAEMON, "--config", cfg / "hub.yaml", "--check")
            self.assertEqual(proc.returncode, 1, describe(proc))
            self.assertRegex(proc.stdout + proc.stderr,
                             rf"{re.escape(str(routes))}:{line}: .*timing")

    def test_reload_on_sighup_and_stop_on_sigterm(self):
        with config_copy() as cfg:
            routes = cfg / "routes.yaml"
            good = read(routes)
            bad, bad_line = edit_in_block(good, route_block(good, 10), "timing: daily", "timing: dayly")
            daemon = subprocess.Popen([DAEMON, "--config", str(cfg / "hub.yaml")],
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      text=True, encoding="utf-8", errors="replace")
            try:
                log = DaemonLog(daemon)
                log.wait_for(r"\brunning\b")

                write(routes, bad)
                mark = len(log.lines)
                daemon.send_signal(signal.SIGHUP)
                log.wait_for(r"keeping the old one")
                self.assertIsNone(daemon.poll(), "daemon exited on an invalid reload")
                self.assertTrue(any(f"{routes}:{bad_line}:" in l for l in log.since(mark)),
                                "\n".join(log.since(mark)))

                write(routes, good)
                daemon.send_signal(signal.SIGHUP)
                log.wait_for(r"new configuration active")
                self.assertIsNone(daemon.poll())

                daemon.send_signal(signal.SIGTERM)
                self.assertEqual(daemon.wait(timeout=10), 0, "\n".join(log.lines[-20:]))
            finally:
                if daemon.poll() is None:
                    daemon.kill()
                    daemon.wait(timeout=10)
                daemon.stdout.close()


if __name__ == "__main__":
    unittest.main()
