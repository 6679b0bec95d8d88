"""The admin API over TLS (http.tls, issue 7): renkeid serves HTTPS with the configured
certificate, refuses plain HTTP on that port, and renkeictl reaches it trusting the
hub's own certificate. The certificate is made for the test by the openssl tool.
"""

import json
import os
import shutil
import ssl
import subprocess
import unittest
import urllib.error
import urllib.request

import opsutil  # noqa: F401  (puts tests/integration on the path for harness)
import harness as h

RENKEICTL = os.environ["RENKEICTL"]


class AdminTls(unittest.TestCase):

    def make_certificate(self, directory):
        if not shutil.which("openssl"):
            self.fail("'openssl' not found: install the Debian package 'openssl' (scripts/setup.sh does)")
        cert, key = directory / "admin.crt", directory / "admin.key"
        r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                            "-subj", "/CN=renkei-test", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                            "-keyout", str(key), "-out", str(cert)], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        return cert, key

    def test_https_only_and_renkeictl_trusts_the_hubs_certificate(self):
        hub = h.Hub(self, "", "tls")
        cert, key = self.make_certificate(hub.tmp)
        text = hub.hub_yaml.read_text(encoding="utf-8")
        text = text.replace("  listen: 127.0.0.1:0",
                            f"  listen: 127.0.0.1:0\n  tls:\n    cert_file: {cert}\n    key_file: {key}", 1)
        hub.hub_yaml.write_text(text, encoding="utf-8")
        hub.start(wait_ready=False)
        ctx = ssl.create_default_context(cafile=str(cert))

        def get(path, context=ctx, scheme="https"):
            # /api/v1/** reads need the token (created by renkeid at start).
            auth = {"Authorization": f"Bearer {hub.api_token()}"} if path.startswith("/api/") else {}
            req = urllib.request.Request(f"{scheme}://127.0.0.1:{hub._find_port()}{path}", headers=auth)
            with urllib.request.urlopen(req, timeout=10, context=context) as r:
                return r.status, r.read().decode("utf-8")

        def ready():
            if not hub.alive():
                raise AssertionError("renkeid exited\n" + hub.log_tail())
            if hub._find_port() is None:
                return False
            try:
                return get("/readyz")[0] == 200
            except (urllib.error.URLError, ConnectionError):
                return False
        h.wait_for(ready, 60, "renkeid /readyz over HTTPS", on_timeout=hub.log_tail)
        self.assertIn("over TLS", hub.run_log())

        status, body = get("/metrics")
        self.assertEqual(status, 200)
        self.assertIn("renkei_build_info", body)
        status, body = get("/api/v1/interfaces")
        self.assertEqual(len(json.loads(body)["interfaces"]), 97)

        # Plain HTTP on the TLS port gets no answer.
        with self.assertRaises((urllib.error.URLError, ConnectionError, http_client_errors())):
            get("/healthz", context=None, scheme="http")
        # A client that does not trust the certificate is refused by its own check.
        with self.assertRaises(urllib.error.URLError) as untrusted:
            get("/healthz", context=ssl.create_default_context())
        self.assertIsInstance(untrusted.exception.reason, ssl.SSLCertVerificationError)
        # Writes still need the token over TLS.
        req = urllib.request.Request(f"https://127.0.0.1:{hub.port}/api/v1/dlq/9/replay", data=b"",
                                     method="POST")
        with self.assertRaises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(req, timeout=10, context=ctx)
        self.assertEqual(refused.exception.code, 401)

        # renkeictl: https from http.tls, the hub's certificate as its CA.
        # (The test's http.listen says port 0, so the address is given; the CA still comes
        # from http.tls.)
        r = subprocess.run([RENKEICTL, "dlq", "list", "9", "--config", str(hub.config_dir),
                            "--api", f"https://127.0.0.1:{hub.port}"], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(json.loads(r.stdout)["interface"], 9)
        # The same address over plain HTTP fails with a reason rather than hanging.
        r = subprocess.run([RENKEICTL, "dlq", "list", "9", "--config", str(hub.config_dir),
                            "--api", f"http://127.0.0.1:{hub.port}"], capture_output=True, text=True, timeout=90)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        hub.stop()

    def test_a_missing_key_file_stops_the_start_naming_it(self):
        hub = h.Hub(self, "", "tls-bad")
        cert, key = self.make_certificate(hub.tmp)
        missing = hub.tmp / "no-such.key"
        text = hub.hub_yaml.read_text(encoding="utf-8")
        text = text.replace("  listen: 127.0.0.1:0",
                            f"  listen: 127.0.0.1:0\n  tls:\n    cert_file: {cert}\n    key_file: {missing}", 1)
        hub.hub_yaml.write_text(text, encoding="utf-8")
        hub.start(wait_ready=False)
        hub.proc.wait(60)
        self.assertEqual(hub.proc.returncode, 1)
        self.assertIn(f"http.tls: {missing}", hub.run_log())


def http_client_errors():
    import http.client
    return http.client.HTTPException


if __name__ == "__main__":
    unittest.main()
