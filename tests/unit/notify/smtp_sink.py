#!/usr/bin/env python3
"""An SMTP receiver for the notifier's tests (aiosmtpd, Debian's python3-aiosmtpd).

  smtp_sink.py DIR [--auth USER:PASSWORD] [--lifetime SECONDS]

Listens on 127.0.0.1 at a port the kernel picks and prints "PORT <n>" once it accepts
connections. Each message received becomes DIR/<n>.json (mail_from, rcpt_tos, and the
login when AUTH was used) and DIR/<n>.eml (the DATA exactly as received), the .eml
renamed into place last so that a reader polling for it sees a whole message.

With --auth, AUTH PLAIN/LOGIN is required (over plain text: loopback only) and must
match. Exits when its standard input closes (the test that started it is gone), on
SIGTERM, or after --lifetime seconds (default 120), whichever comes first.
"""

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult


class Sink:
    def __init__(self, out_dir):
        self.out_dir = out_dir
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.out_dir, str(self.count))
        login = session.auth_data.login.decode() if session.auth_data else None
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos, "login": login}
        with open(base + ".json.tmp", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".json.tmp", base + ".json")
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 OK"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--auth")
    ap.add_argument("--lifetime", type=float, default=120.0)
    args = ap.parse_args()
    # aiosmtpd warns that AUTH without TLS is unsafe: true, and this is a loopback test.
    warnings.simplefilter("ignore")
    logging.getLogger("mail.log").setLevel(logging.ERROR)

    kwargs = {}
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = auth_data.login.decode() == user and auth_data.password.decode() == password
            # handled=False: aiosmtpd itself answers 535 (True would leave the client waiting).
            return AuthResult(success=ok, handled=False, auth_data=auth_data)

        kwargs = {"authenticator": authenticator, "auth_required": True, "auth_require_tls": False}

    sink = Sink(args.dir)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(
        loop.create_server(lambda: SMTP(sink, hostname="sink.test", **kwargs), host="127.0.0.1", port=0)
    )
    print("PORT", server.sockets[0].getsockname()[1], flush=True)

    def stdin_readable():
        if not os.read(sys.stdin.fileno(), 4096):  # EOF: whoever started the sink is gone
            loop.stop()

    loop.add_reader(sys.stdin.fileno(), stdin_readable)
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.call_later(args.lifetime, loop.stop)
    loop.run_forever()
    server.close()


if __name__ == "__main__":
    main()
