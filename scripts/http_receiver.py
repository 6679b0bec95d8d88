#!/usr/bin/env python3
"""A small HTTP target for renkei's `http` adapter (trials, tests, benchmarks).

Accepts POSTs the way a target that honours Idempotency-Key should: a repeat under a key
it already has is answered 200 again and not stored twice.

  scripts/http_receiver.py [--port 9471] [--out DIR] [--status 200] [--delay-ms N | --black-hole]

--delay-ms answers each POST after N ms (a slow target); --black-hole reads each request
and never answers (a hung target: the connection stays open until the receiver stops).

With --out, each accepted body is written to DIR/<path>/<Idempotency-Key> (e.g.
var/received/convenience-cert/015/renkei-015-…). The shipped config/systems.yaml points
its http systems at 127.0.0.1:9471. Tests and bench/ import Receiver from here.
Standard library only.
"""

import argparse
import os
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class Receiver:
    """Receiver(port=0).start() listens on 127.0.0.1; .posts lists every accepted POST
    (repeats included) as dicts: path, key, body, headers, at (time.time())."""

    def __init__(self, port=0, host="127.0.0.1", out_dir=None, status=200, on_post=None, log=None,
                 delay_ms=0, black_hole=False):
        self.host = host
        self.port = port
        self.out_dir = Path(out_dir) if out_dir else None
        self.status = status
        self.on_post = on_post
        self.log = log  # a text file: "<Idempotency-Key>\t<arrival, time.time()>" per accepted POST
        self.delay_ms = delay_ms
        self.black_hole = black_hole
        self.held = 0  # requests a black hole took and never answered
        self._stopped = threading.Event()
        self.posts = []
        self.refused = 0
        self._lock = threading.Lock()
        self._server = None
        self._thread = None
        self._conns = set()

    # -- control -------------------------------------------------------------------------

    def start(self):
        receiver = self
        self._stopped.clear()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as renkeid's http sink uses it

            def setup(self):
                super().setup()
                # Headers and body go out in two writes: without this, Nagle holds the
                # body until the client's delayed ACK (40 ms per request on Linux).
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                with receiver._lock:
                    receiver._conns.add(self.connection)

            def finish(self):
                with receiver._lock:
                    receiver._conns.discard(self.connection)
                super().finish()

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                if receiver.black_hole:
                    with receiver._lock:
                        receiver.held += 1
                    receiver._stopped.wait()
                    self.close_connection = True
                    return
                if receiver.delay_ms and receiver._stopped.wait(receiver.delay_ms / 1000):
                    self.close_connection = True
                    return
                status = receiver.status
                if 200 <= status < 300:
                    receiver._accept(self.path, self.headers, body)
                else:
                    with receiver._lock:
                        receiver.refused += 1
                reply = b"{}"
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):  # quiet: bodies are personal data
                pass

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Stops listening and drops open connections (new ones are refused until
        start() again, same port): the target is down."""
        self._stopped.set()
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        with self._lock:
            conns, self._conns = list(self._conns), set()
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def url(self, path="/{system}/{interface}"):
        return f"http://{self.host}:{self.port}{path}"

    # -- what arrived --------------------------------------------------------------------

    def _accept(self, path, headers, body):
        key = headers.get("Idempotency-Key", "")
        post = {"path": path, "key": key, "body": body, "headers": dict(headers), "at": time.time()}
        with self._lock:
            self.posts.append(post)
            if self.log:
                self.log.write(f"{key}\t{post['at']:.6f}\n")
        if self.out_dir and key and "/" not in key:
            d = self.out_dir / path.strip("/")
            d.mkdir(parents=True, exist_ok=True)
            tmp = d / f".{key}.tmp"
            tmp.write_bytes(body)
            os.replace(tmp, d / key)  # a repeat under the same key replaces, never adds
        if self.on_post:
            self.on_post(post)

    def snapshot(self):
        with self._lock:
            return list(self.posts)

    def by_key(self, path=None):
        """{Idempotency-Key: [bodies…]} of the accepted POSTs (to `path` only, if given)."""
        out = {}
        for p in self.snapshot():
            if path is None or p["path"] == path:
                out.setdefault(p["key"], []).append(p["body"])
        return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=9471)
    ap.add_argument("--out", help="write accepted bodies below this directory")
    ap.add_argument("--status", type=int, default=200, help="answer every POST with this status")
    ap.add_argument("--delay-ms", type=int, default=0, help="answer each POST after this many ms")
    ap.add_argument("--black-hole", action="store_true", help="read each request, never answer")
    ap.add_argument("--log", help="append '<Idempotency-Key> TAB <arrival time>' per accepted POST here")
    args = ap.parse_args()
    log = open(args.log, "a", buffering=1) if args.log else None
    r = Receiver(args.port, args.host, args.out, args.status, log=log, delay_ms=args.delay_ms,
                 black_hole=args.black_hole).start()
    print(f"http_receiver listening on {r.host}:{r.port}" + (f", writing to {args.out}" if args.out else ""),
          flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        r.stop()


if __name__ == "__main__":
    main()
