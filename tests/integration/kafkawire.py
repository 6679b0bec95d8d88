"""A minimal Kafka wire-protocol client (standard library only) for test set-up.

The integration tests need a few things from the broker that kcat cannot do:
  * the high watermark of every partition of the route topics,
  * committing offsets for a brand-new consumer group, so that a freshly started
    renkeid begins at the current end of the topics instead of replaying what earlier
    tests (or earlier runs on the same broker) left there,
  * the offsets a group has committed (to see that a hub has durably caught up),
  * optionally, removing a consumer-group member whose process was killed with SIGKILL
    (what the group coordinator does itself when the member's session expires).

Only old, non-flexible request versions are used (all served by Kafka 3.9):
Metadata v1, ListOffsets v1, FindCoordinator v0, OffsetCommit v2, OffsetFetch v1,
DescribeGroups v0, LeaveGroup v0. Everything is request/response on one socket.
"""

import re
import socket
import struct

API_LIST_OFFSETS = 2
API_METADATA = 3
API_OFFSET_COMMIT = 8
API_OFFSET_FETCH = 9
API_FIND_COORDINATOR = 10
API_LEAVE_GROUP = 13
API_DESCRIBE_GROUPS = 15

ERR_NONE = 0
ERR_COORDINATOR_LOAD_IN_PROGRESS = 14
ERR_COORDINATOR_NOT_AVAILABLE = 15
ERR_NOT_COORDINATOR = 16
ERR_UNKNOWN_MEMBER_ID = 25
ERR_REBALANCE_IN_PROGRESS = 27


class KafkaWireError(Exception):
    pass


class _Writer:
    def __init__(self):
        self.parts = []

    def i8(self, v):
        self.parts.append(struct.pack(">b", v))
        return self

    def i16(self, v):
        self.parts.append(struct.pack(">h", v))
        return self

    def i32(self, v):
        self.parts.append(struct.pack(">i", v))
        return self

    def i64(self, v):
        self.parts.append(struct.pack(">q", v))
        return self

    def string(self, s):
        if s is None:
            return self.i16(-1)
        b = s.encode("utf-8")
        self.i16(len(b))
        self.parts.append(b)
        return self

    def array(self, items, write_item):
        if items is None:
            return self.i32(-1)
        self.i32(len(items))
        for it in items:
            write_item(self, it)
        return self

    def bytes(self):
        return b"".join(self.parts)


class _Reader:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def _take(self, fmt, n):
        v = struct.unpack_from(fmt, self.data, self.pos)[0]
        self.pos += n
        return v

    def i8(self):
        return self._take(">b", 1)

    def i16(self):
        return self._take(">h", 2)

    def i32(self):
        return self._take(">i", 4)

    def i64(self):
        return self._take(">q", 8)

    def string(self):
        n = self.i16()
        if n < 0:
            return None
        s = self.data[self.pos:self.pos + n].decode("utf-8")
        self.pos += n
        return s

    def blob(self):
        n = self.i32()
        if n < 0:
            return None
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def array(self, read_item):
        n = self.i32()
        if n < 0:
            return None
        return [read_item(self) for _ in range(n)]


class Connection:
    """One broker connection; request() sends and returns the response body reader."""

    def __init__(self, host, port, timeout=15.0, client_id="renkei-itest"):
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        self.client_id = client_id
        self.correlation = 0

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _recv_exact(self, n):
        chunks = []
        while n > 0:
            c = self.sock.recv(n)
            if not c:
                raise KafkaWireError("connection closed by the broker")
            chunks.append(c)
            n -= len(c)
        return b"".join(chunks)

    def request(self, api_key, api_version, body):
        self.correlation += 1
        header = _Writer().i16(api_key).i16(api_version).i32(self.correlation).string(self.client_id).bytes()
        msg = header + body
        self.sock.sendall(struct.pack(">i", len(msg)) + msg)
        size = struct.unpack(">i", self._recv_exact(4))[0]
        data = self._recv_exact(size)
        r = _Reader(data)
        corr = r.i32()
        if corr != self.correlation:
            raise KafkaWireError(f"correlation id {corr}, expected {self.correlation}")
        return r


def _parse_bootstrap(brokers):
    first = brokers.split(",")[0].strip()
    host, _, port = first.rpartition(":")
    return host, int(port)


class Admin:
    """The few admin operations the tests need, against a single bootstrap broker."""

    def __init__(self, brokers, timeout=15.0):
        self.brokers = brokers
        self.timeout = timeout

    def _conn(self, host=None, port=None):
        if host is None:
            host, port = _parse_bootstrap(self.brokers)
        return Connection(host, port, self.timeout)

    # -- metadata / offsets ------------------------------------------------------------

    def metadata(self, topics=None):
        """{topic: {partition: leader_node}} and {node: (host, port)}; topics=None: all."""
        with self._conn() as c:
            body = _Writer().array(topics, lambda w, t: w.string(t)).bytes()
            r = c.request(API_METADATA, 1, body)
            brokers = {}
            for _ in range(r.i32()):
                node = r.i32()
                host = r.string()
                port = r.i32()
                r.string()  # rack
                brokers[node] = (host, port)
            r.i32()  # controller
            out = {}
            for _ in range(r.i32()):
                err = r.i16()
                name = r.string()
                r.i8()  # is_internal
                parts = {}
                for _ in range(r.i32()):
                    r.i16()  # partition error
                    pid = r.i32()
                    leader = r.i32()
                    r.array(lambda rr: rr.i32())  # replicas
                    r.array(lambda rr: rr.i32())  # isr
                    parts[pid] = leader
                if err == ERR_NONE:
                    out[name] = parts
            return out, brokers

    def end_offsets(self, topic_regex):
        """{(topic, partition): high watermark} for every topic matching topic_regex."""
        return self._list_offsets(topic_regex, -1)

    def start_offsets(self, topic_regex):
        return self._list_offsets(topic_regex, -2)

    # Errors a just-created topic answers with until its leader is known everywhere.
    _SETTLING = {3, 5, 6}  # UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE, NOT_LEADER_OR_FOLLOWER

    def _list_offsets(self, topic_regex, timestamp, settle_s=15.0):
        import time
        deadline = time.monotonic() + settle_s
        while True:
            try:
                return self._list_offsets_once(topic_regex, timestamp)
            except KafkaWireError as e:
                if getattr(e, "code", None) not in self._SETTLING or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def _list_offsets_once(self, topic_regex, timestamp):
        pattern = re.compile(topic_regex)
        topics, brokers = self.metadata(None)
        by_leader = {}
        for t, parts in topics.items():
            if not pattern.fullmatch(t):
                continue
            for p, leader in parts.items():
                by_leader.setdefault(leader, {}).setdefault(t, []).append(p)
        result = {}
        for leader, wanted in by_leader.items():
            host, port = brokers[leader]
            with self._conn(host, port) as c:
                w = _Writer().i32(-1)
                w.array(sorted(wanted.items()),
                        lambda w2, tp: w2.string(tp[0]).array(
                            sorted(tp[1]), lambda w3, p: w3.i32(p).i64(timestamp)))
                r = c.request(API_LIST_OFFSETS, 1, w.bytes())
                for _ in range(r.i32()):
                    name = r.string()
                    for _ in range(r.i32()):
                        p = r.i32()
                        err = r.i16()
                        r.i64()  # timestamp
                        off = r.i64()
                        if err != ERR_NONE:
                            e = KafkaWireError(f"ListOffsets {name}/{p}: error {err}")
                            e.code = err
                            raise e
                        result[(name, p)] = off
        return result

    # -- consumer groups ---------------------------------------------------------------

    def _coordinator(self, group):
        import time
        deadline = time.monotonic() + 60
        while True:
            with self._conn() as c:
                r = c.request(API_FIND_COORDINATOR, 0, _Writer().string(group).bytes())
                err = r.i16()
                node = r.i32()
                host = r.string()
                port = r.i32()
            if err == ERR_NONE:
                return node, host, port
            if time.monotonic() > deadline:
                raise KafkaWireError(f"FindCoordinator({group}): error {err}")
            time.sleep(0.5)

    def commit_offsets(self, group, offsets):
        """Commits {(topic, partition): offset} for `group` as a standalone (simple) commit."""
        import time
        by_topic = {}
        for (t, p), off in offsets.items():
            by_topic.setdefault(t, []).append((p, off))
        deadline = time.monotonic() + 60
        while True:
            _, host, port = self._coordinator(group)
            with self._conn(host, port) as c:
                w = _Writer().string(group).i32(-1).string("").i64(-1)
                w.array(sorted(by_topic.items()),
                        lambda w2, tp: w2.string(tp[0]).array(
                            sorted(tp[1]), lambda w3, po: w3.i32(po[0]).i64(po[1]).string("")))
                r = c.request(API_OFFSET_COMMIT, 2, w.bytes())
                errors = set()
                for _ in range(r.i32()):
                    name = r.string()
                    for _ in range(r.i32()):
                        p = r.i32()
                        err = r.i16()
                        if err != ERR_NONE:
                            errors.add((name, p, err))
            if not errors:
                return
            codes = {e[2] for e in errors}
            retriable = codes <= {ERR_COORDINATOR_LOAD_IN_PROGRESS, ERR_COORDINATOR_NOT_AVAILABLE,
                                  ERR_NOT_COORDINATOR}
            if not retriable or time.monotonic() > deadline:
                raise KafkaWireError(f"OffsetCommit({group}): errors {sorted(errors)[:5]}")
            time.sleep(0.5)

    def committed_offsets(self, group, topic_partitions):
        """{(topic, partition): committed offset or -1}."""
        by_topic = {}
        for t, p in topic_partitions:
            by_topic.setdefault(t, []).append(p)
        _, host, port = self._coordinator(group)
        with self._conn(host, port) as c:
            w = _Writer().string(group)
            w.array(sorted(by_topic.items()),
                    lambda w2, tp: w2.string(tp[0]).array(sorted(tp[1]), lambda w3, p: w3.i32(p)))
            r = c.request(API_OFFSET_FETCH, 1, w.bytes())
            out = {}
            for _ in range(r.i32()):
                name = r.string()
                for _ in range(r.i32()):
                    p = r.i32()
                    off = r.i64()
                    r.string()  # metadata
                    err = r.i16()
                    if err != ERR_NONE:
                        raise KafkaWireError(f"OffsetFetch {name}/{p}: error {err}")
                    out[(name, p)] = off
            return out

    def group_members(self, group):
        """(state, [member_id, ...]) of a consumer group."""
        _, host, port = self._coordinator(group)
        with self._conn(host, port) as c:
            r = c.request(API_DESCRIBE_GROUPS, 0, _Writer().array([group], lambda w, g: w.string(g)).bytes())
            for _ in range(r.i32()):
                err = r.i16()
                r.string()  # group id
                state = r.string()
                r.string()  # protocol type
                r.string()  # protocol
                members = []
                for _ in range(r.i32()):
                    members.append(r.string())
                    r.string()  # client id
                    r.string()  # client host
                    r.blob()  # metadata
                    r.blob()  # assignment
                if err != ERR_NONE:
                    raise KafkaWireError(f"DescribeGroups({group}): error {err}")
                return state, members
        return "Dead", []

    def remove_members(self, group, member_ids):
        """Sends LeaveGroup on behalf of each member (e.g. of a process killed with -9)."""
        _, host, port = self._coordinator(group)
        with self._conn(host, port) as c:
            for m in member_ids:
                r = c.request(API_LEAVE_GROUP, 0, _Writer().string(group).string(m).bytes())
                err = r.i16()
                if err not in (ERR_NONE, ERR_UNKNOWN_MEMBER_ID):
                    raise KafkaWireError(f"LeaveGroup({group}, {m}): error {err}")
