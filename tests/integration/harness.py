"""Drives a real renkeid from outside for the integration tests (standard library only).

Environment (set by tests/integration/CMakeLists.txt and scripts/test.sh):
  RENKEID              the daemon binary
  RENKEICTL            the CLI binary (optional here)
  RENKEI_SOURCE_DIR    the repository root (its config/ is copied for every hub)
  RENKEI_TEST_BROKERS  the real Kafka 3.9 broker, e.g. 127.0.0.1:19092; tests that need
                       it are skipped when it is unset
  RENKEI_IT_KEEP=1     keep every hub's temp dir (config, spool, state, log); by default
                       only the temp dirs of failed tests are kept

Every Hub gets its own copy of config/ with its own spool and state dirs, an ephemeral
HTTP port and its own consumer group. On a real broker the new group's offsets are
committed at the current end of the route topics before renkeid starts (kafkawire), so
the hub sees only what its test produces: a fresh group would otherwise start at the
beginning (auto.offset.reset=earliest) and re-deliver everything earlier tests and runs
left on the shared topics.
"""

import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request
from pathlib import Path

import kafkawire

SRC = Path(os.environ.get("RENKEI_SOURCE_DIR", Path(__file__).resolve().parents[2]))
RENKEID = os.environ.get("RENKEID", str(SRC / "build" / "src" / "renkeid"))
RENKEICTL = os.environ.get("RENKEICTL", str(SRC / "build" / "src" / "renkeictl"))
BROKERS = os.environ.get("RENKEI_TEST_BROKERS", "").strip()
KAFKA_SH = SRC / "scripts" / "kafka.sh"

ROUTE_TOPICS = r"renkei\.if\.[0-9]{3}"
READY_TIMEOUT = 60.0

# Route 9: 住民記録 → 健康管理 (daily, conversion none). Both systems are CP932 files.
ROUTE = 9
SOURCE = "resident-record"
TARGET = "health-care"
SOURCE_CHARSET = "ibm-943_P15A-2003"


def need_brokers(testcase):
    """Skips the calling test when no real broker is configured (CI always sets it)."""
    if not BROKERS:
        testcase.skipTest("RENKEI_TEST_BROKERS is unset: this test needs the real Kafka broker "
                          "(scripts/kafka.sh start; export RENKEI_TEST_BROKERS=127.0.0.1:19092)")
    return BROKERS


def wait_route_topics_answer(brokers, timeout=60):
    """A broker started a moment ago may still be electing leaders: waits until it
    answers for every route topic."""
    def answers():
        try:
            return kafkawire.Admin(brokers).end_offsets(ROUTE_TOPICS) is not None
        except kafkawire.KafkaWireError:
            return False
    wait_for(answers, timeout, "the broker to answer for every route topic", interval=0.5)


def unique(prefix):
    return f"{prefix}-{os.getpid()}-{time.time_ns() % 10**10}-{random.getrandbits(24):06x}"


def iface(route):
    return f"{route:03d}"


def sha256(data):
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------------------
# Test data
# --------------------------------------------------------------------------------------

_KANA = ["ﾔﾏﾀﾞ ﾀﾛｳ", "ﾔﾏﾀﾞ ﾊﾅｺ", "ｽｽﾞｷ ｲﾁﾛｳ", "ｻﾄｳ ﾐｻｷ", "ﾀｶﾊｼ ｹﾝｼﾞ", "ﾜﾀﾅﾍﾞ ｼﾞｭﾝ"]
_NAMES = ["山田 太郎", "山田 花子", "鈴木 一郎", "佐藤 美咲", "髙橋 健二", "渡邉 純"]
_PLACES = ["東京都千代田区千代田", "東京都千代田区丸の内", "東京都千代田区神田", "東京都千代田区霞が関"]


def record(i, tag, width=0):
    """Record i (1-based) of a resident-record file, as CP932 bytes without the newline;
    padded with spaces to `width` bytes like a fixed-width host record when width is set."""
    k = i % len(_NAMES)
    text = (f"{i:012d},{_KANA[k]},{_NAMES[k]},{_PLACES[i % len(_PLACES)]}{i % 97 + 1}-{i % 13 + 1},"
            f"{1940 + i % 80}{i % 12 + 1:02d}{i % 28 + 1:02d},{i % 2 + 1},{tag}")
    return text.encode("cp932").ljust(width, b" ")


def make_file(n, tag, bad=None, width=0):
    """n records, '\\n' after each. bad: {record number: bytes of that whole record}."""
    bad = bad or {}
    return b"".join((bad[i] if i in bad else record(i, tag, width)) + b"\n" for i in range(1, n + 1))


def lines(data):
    out = data.split(b"\n")
    if out and out[-1] == b"":
        out.pop()
    return out


# --------------------------------------------------------------------------------------
# Waiting and metrics
# --------------------------------------------------------------------------------------

def wait_for(cond, timeout, what, interval=0.1, on_timeout=None):
    """Calls cond() until it returns something truthy (returned); AssertionError after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            extra = ("\n" + on_timeout()) if on_timeout else ""
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}{extra}")
        time.sleep(interval)


_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def http_status(url):
    """The HTTP status `url` answers with, or None while nothing listens there."""
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except (urllib.error.URLError, OSError):
        return None


def parse_metrics(text):
    """Prometheus text → {(name, ((label, value), ...sorted)): float}."""
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        if not m:
            raise AssertionError(f"unparsable metrics line: {line!r}")
        name, labels, value = m.groups()
        lab = tuple(sorted(_LABEL.findall(labels or "")))
        out[(name, lab)] = float(value)
    return out


def metric(metrics, name, **labels):
    """The sample with exactly these labels, or None when absent."""
    return metrics.get((name, tuple(sorted(labels.items()))))


# --------------------------------------------------------------------------------------
# The broker (scripts/kafka.sh) and its topics (kcat)
# --------------------------------------------------------------------------------------

def _kafka_env():
    """scripts/kafka.sh's environment for the broker the tests use: the port comes from
    RENKEI_TEST_BROKERS unless RENKEI_KAFKA_PORT says otherwise, so a fault test stops and
    starts the broker it tests against, never another one on the default port."""
    env = dict(os.environ)
    if "RENKEI_KAFKA_PORT" not in env:
        m = re.match(r"^[^,]*:(\d+)", env.get("RENKEI_TEST_BROKERS", ""))
        if m:
            env["RENKEI_KAFKA_PORT"] = m.group(1)
            env.setdefault("RENKEI_KAFKA_CONTROLLER_PORT", str(int(m.group(1)) + 1))
    return env


def kafka_sh(*args, timeout=180):
    r = subprocess.run([str(KAFKA_SH), *args], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=timeout, env=_kafka_env())
    if r.returncode != 0:
        raise AssertionError(f"scripts/kafka.sh {' '.join(args)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return r.stdout


def broker_answers():
    r = subprocess.run([str(KAFKA_SH), "status"], stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
                       env=_kafka_env())
    return r.returncode == 0


class Message:
    def __init__(self, partition, offset, value, headers):
        self.partition = partition
        self.offset = offset
        self.value = value
        self.headers = headers  # {name: value}

    def __repr__(self):
        return f"Message(p={self.partition}, o={self.offset}, headers={self.headers})"


def _parse_headers(text):
    out = {}
    if not text:
        return out
    for item in text.split(","):
        k, _, v = item.partition("=")
        out[k] = v
    return out


def read_topic(brokers, topic, start, timeout=120):
    """Every message of `topic` from the offsets in start {partition: offset} to the end."""
    messages = []
    for partition, offset in sorted(start.items()):
        r = subprocess.run(["kcat", "-b", brokers, "-C", "-t", topic, "-p", str(partition), "-o", str(offset),
                            "-e", "-q", "-X", "log_level=3", "-f", "%R%s%p\t%o\t%h\n"],
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
        if r.returncode != 0:
            raise AssertionError(f"kcat {topic}/{partition} failed: {r.stderr.decode(errors='replace')}")
        data = r.stdout
        pos = 0
        while pos < len(data):
            n = int.from_bytes(data[pos:pos + 4], "big", signed=True)
            pos += 4
            value = b"" if n < 0 else data[pos:pos + n]
            pos += max(n, 0)
            nl = data.index(b"\n", pos)
            p, o, h = data[pos:nl].decode("utf-8").split("\t", 2)
            pos = nl + 1
            messages.append(Message(int(p), int(o), value, _parse_headers(h)))
    return messages


# --------------------------------------------------------------------------------------
# One renkeid with its own config, spool, state, port and consumer group
# --------------------------------------------------------------------------------------

def _failed(testcase):
    """Whether unittest has recorded a failure or error of this test (so far)."""
    result = getattr(getattr(testcase, "_outcome", None), "result", None)
    reported = list(getattr(result, "failures", [])) + list(getattr(result, "errors", []))
    return any(t is testcase for t, _ in reported)


class Hub:
    def __init__(self, testcase, brokers, name, collect="on-arrival", peer=None):
        """collect: hub.yaml scheduler.collect. The file-route tests drop files into daily
        routes and expect them to move at once (on-arrival); the scheduler's tests use the
        shipped at-run, where files wait for the route's run.
        peer: another Hub of the same hub cluster (same group, spool and state), as two
        renkeid processes on one host would be; each keeps its own instance id."""
        self.testcase = testcase
        self.brokers = brokers
        self.tmp = Path(tempfile.mkdtemp(prefix=f"renkei-it-{name}-"))
        self.config_dir = self.tmp / "config"
        shutil.copytree(SRC / "config", self.config_dir)
        # hub.yaml finds codemaps at ../codemaps; tests may add rows to this copy.
        self.codemaps_dir = self.tmp / "codemaps"
        shutil.copytree(SRC / "codemaps", self.codemaps_dir)
        self.hub_yaml = self.config_dir / "hub.yaml"
        self.spool = peer.spool if peer else self.tmp / "spool"
        self.state = peer.state if peer else self.tmp / "state"
        self.group = peer.group if peer else unique(f"renkei-it-{name}")
        self.instance = unique(f"it-{name}")
        self.log_path = self.tmp / "renkeid.log"
        self.audit_log = self.state / "audit.log"
        self.collect = collect
        self.proc = None
        self.port = None
        self.starts = 0
        self._log_start = 0
        self._edit_hub_yaml()
        testcase.addCleanup(self._cleanup)
        if brokers and not peer:
            # Start this group at the current end of every route topic (see module doc).
            admin = kafkawire.Admin(brokers)
            admin.commit_offsets(self.group, admin.end_offsets(ROUTE_TOPICS))

    # -- config ------------------------------------------------------------------------

    def _edit_hub_yaml(self):
        text = self.hub_yaml.read_text(encoding="utf-8")
        edits = [
            (r'(?m)^(\s+brokers:)\s*"[^"\n]*"', rf'\1 "{self.brokers}"'),
            (r"(?m)^(\s+group_id:)\s*\S+", rf"\1 {self.group}"),
            (r"(?m)^  # (instance_id:)\s*\S+", rf"  \1 {self.instance}"),
            (r"(?m)^(\s+listen:)\s*\S+", r"\1 127.0.0.1:0"),
            (r"(?m)^(\s+root:)\s*\S+", rf"\1 {self.spool}"),
            (r"(?m)^(state:\n\s+dir:)\s*\S+", rf"\1 {self.state}"),
            (r"(?m)^(audit:\n\s+file:)\s*\S+", rf"\1 {self.audit_log}"),
            (r"(?m)^(scheduler:\n(?:\s+#.*\n)*\s+collect:)\s*\S+", rf"\1 {self.collect}"),
            (r"(?m)^(\s+token_file:)\s*\S+", rf"\1 {self.state}/api-token"),
        ]
        for pattern, repl in edits:
            text, n = re.subn(pattern, repl, text)
            if n != 1:
                raise AssertionError(f"hub.yaml: expected one match of {pattern!r}, found {n}")
        self.hub_yaml.write_text(text, encoding="utf-8")

    # -- process -----------------------------------------------------------------------

    def start(self, wait_ready=True, env=None):
        assert self.proc is None or self.proc.poll() is not None, "renkeid is already running"
        self.starts += 1
        with open(self.log_path, "ab") as f:
            f.write(f"==== harness: start #{self.starts} ====\n".encode())
            self._log_start = f.tell()
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen([RENKEID, "--config", str(self.hub_yaml)], stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                         env=env)
        finally:
            log.close()
        self.port = None
        if wait_ready:
            self.wait_ready()
        return self

    def run_log(self):
        """The log of the current (or last) run only."""
        with open(self.log_path, "rb") as f:
            f.seek(self._log_start)
            return f.read().decode("utf-8", errors="replace")

    def log_bytes(self):
        return self.log_path.read_bytes()

    def log_tail(self, n=60):
        text = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        return f"--- last {n} lines of {self.log_path} ---\n" + "\n".join(text[-n:])

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def _find_port(self):
        if self.port is None:
            m = re.search(r"admin http on 127\.0\.0\.1:(\d+)", self.run_log())
            if m:
                self.port = int(m.group(1))
        return self.port

    def wait_ready(self, timeout=READY_TIMEOUT):
        def ready():
            if not self.alive():
                raise AssertionError(f"renkeid exited with {self.proc.returncode} before it was ready\n"
                                     + self.log_tail())
            return self._find_port() is not None and self.http_status("/readyz") == 200
        wait_for(ready, timeout, "renkeid /readyz to answer 200", interval=0.1, on_timeout=self.log_tail)

    def wait_assigned(self, timeout=90):
        """Until this run's consumer has its partitions (log line of the router)."""
        wait_for(lambda: re.search(r"router: \d+ partitions assigned", self.run_log()), timeout,
                 "the consumer group to assign partitions", interval=0.05, on_timeout=self.log_tail)

    def stop(self, timeout=60):
        """SIGTERM; the daemon must drain and exit 0."""
        assert self.alive(), "renkeid is not running\n" + self.log_tail()
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"renkeid did not stop within {timeout} s of SIGTERM\n" + self.log_tail())
        if rc != 0:
            raise AssertionError(f"renkeid exited {rc} after SIGTERM (expected 0)\n" + self.log_tail())
        return rc

    def kill9(self, forget_member=False):
        """SIGKILL. renkeid uses static group membership, so its next start takes over the
        dead process's partitions at once. forget_member=True also removes the dead member
        from the group (what the coordinator does itself when its session times out)."""
        assert self.alive(), "renkeid is not running\n" + self.log_tail()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)
        if self.brokers and forget_member:
            admin = kafkawire.Admin(self.brokers)
            _, members = admin.group_members(self.group)
            admin.remove_members(self.group, members)

    def signal(self, sig):
        assert self.alive(), "renkeid is not running\n" + self.log_tail()
        self.proc.send_signal(sig)

    def _cleanup(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)
        if _failed(self.testcase) or os.environ.get("RENKEI_IT_KEEP") == "1":
            print(f"\n[harness] kept {self.tmp} (log: {self.log_path})", file=sys.stderr)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # -- the group's progress on the real broker ---------------------------------------

    def behind(self, route=ROUTE):
        """{partition: (committed, end)} of the route topic where this hub's group has not
        committed up to the end yet ({} = durably caught up)."""
        admin = kafkawire.Admin(self.brokers)
        topic = f"renkei.if.{iface(route)}"
        ends = admin.end_offsets(re.escape(topic))
        committed = admin.committed_offsets(self.group, list(ends))
        # A partition that never held a record (end 0) has nothing to commit: on a fresh
        # broker the group only ever commits the partitions its batches went to.
        return {p: (committed[(t, p)], end) for (t, p), end in ends.items()
                if committed[(t, p)] != end and not (committed[(t, p)] < 0 and end == 0)}

    def wait_caught_up(self, timeout, route=ROUTE):
        wait_for(lambda: not self.behind(route), timeout,
                 f"group {self.group} to commit renkei.if.{iface(route)} up to its end",
                 interval=0.25, on_timeout=lambda: f"behind: {self.behind(route)}\n{self.log_tail()}")

    # -- HTTP --------------------------------------------------------------------------

    def http_status(self, path):
        return http_status(f"http://127.0.0.1:{self.port}{path}")

    def api_token(self):
        return (self.state / "api-token").read_text(encoding="utf-8").strip()

    def request_run(self, route, date):
        """POST /api/v1/interfaces/{route}/run for a business date, with the hub token."""
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/api/v1/interfaces/{route}/run",
                                     data=json.dumps({"date": date}).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {self.api_token()}",
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            assert r.status in (200, 202), r.status

    def http_get(self, path):
        # /api/v1/** reads need the hub's bearer token; the open endpoints ignore it.
        headers = {}
        if (self.state / "api-token").exists():
            headers["Authorization"] = f"Bearer {self.api_token()}"
        req = urllib.request.Request(f"http://127.0.0.1:{self._find_port()}{path}", headers=headers)
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode("utf-8")

    def dlq_entries(self, route):
        """Every dead letter of `route`, following the pages of GET /api/v1/dlq/{id}."""
        entries, cursor = [], {"partition": 0, "from": 0}
        while cursor:
            _, body = self.http_get(f"/api/v1/dlq/{route}?partition={cursor['partition']}"
                                    f"&from={cursor['from']}&limit=1000")
            page = json.loads(body)
            entries += page["entries"]
            cursor = page["next"]
        return entries

    def metrics(self):
        status, body = self.http_get("/metrics")
        if status != 200:
            raise AssertionError(f"/metrics answered {status}")
        return parse_metrics(body)

    def metric(self, name, **labels):
        return metric(self.metrics(), name, **labels)

    # -- spool -------------------------------------------------------------------------

    def outbox(self, system=SOURCE, route=ROUTE):
        return self.spool / system / "outbox" / iface(route)

    def processed(self, system=SOURCE, route=ROUTE):
        return self.outbox(system, route) / "processed"

    def inbox(self, system=TARGET, route=ROUTE):
        return self.spool / system / "inbox" / iface(route)

    def ledger(self, system=TARGET, route=ROUTE):
        return self.state / "delivered" / system / iface(route)

    def drop(self, name, data, system=SOURCE, route=ROUTE):
        """Drops a complete file the way a source system must: temp name, then rename."""
        d = self.outbox(system, route)
        d.mkdir(parents=True, exist_ok=True)
        tmp = d / f".{name}.part"
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, d / name)
        return d / name

    @staticmethod
    def _entries(d):
        try:
            return sorted(os.listdir(d))
        except FileNotFoundError:
            return []

    def delivered(self, name, system=TARGET, route=ROUTE):
        """Final files (not temp) in the target inbox that came from source file `name`."""
        return [self.inbox(system, route) / e for e in self._entries(self.inbox(system, route))
                if not e.startswith(".") and e.endswith("_" + name)]

    def inbox_entries(self, system=TARGET, route=ROUTE):
        return self._entries(self.inbox(system, route))

    def processed_entries(self, name, system=SOURCE, route=ROUTE):
        return [e for e in self._entries(self.processed(system, route)) if e.endswith("_" + name)]

    def wait_delivered(self, name, timeout, system=TARGET, route=ROUTE):
        return wait_for(lambda: self.delivered(name, system, route), timeout,
                        f"{name} in {self.inbox(system, route)}", interval=0.1, on_timeout=self.log_tail)


class HubTestCase(unittest.TestCase):
    """Prints how long each test took (the suite must stay within a few minutes)."""

    def setUp(self):
        self._t0 = time.monotonic()

    def tearDown(self):
        print(f"\n[harness] {self.id()} took {time.monotonic() - self._t0:.1f} s", file=sys.stderr)

    def assertSameFile(self, actual_path, expected):
        actual = Path(actual_path).read_bytes()
        if actual == expected:
            return
        a, e = lines(actual), lines(expected)
        first = next((i for i, (x, y) in enumerate(zip(a, e)) if x != y), min(len(a), len(e)))
        self.fail(f"{actual_path}: {len(actual)} bytes / {len(a)} records, expected {len(expected)} bytes / "
                  f"{len(e)} records (sha256 {sha256(actual)[:16]} vs {sha256(expected)[:16]}); first difference "
                  f"at record {first + 1}: {a[first] if first < len(a) else None!r} vs "
                  f"{e[first] if first < len(e) else None!r}")
