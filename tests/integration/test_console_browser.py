"""The console in a real headless Chromium (Debian's chromium and chromium-driver, Selenium
from PyPI in the venv scripts/setup.sh makes): an operator logs in, sees the due manual
row, runs it, acknowledges it and sees the overdue mark go; a viewer sees no run button
and a forged POST gets 403; both log out. Screenshots are saved at every step, to
$RENKEI_ARTIFACTS (default build/test-artifacts)/console/.
"""

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

import harness as h
import test_console
from test_console import PASSWORD
from test_scheduler import MANUAL_ROUTE, MANUAL_TARGET

ARTIFACTS = Path(os.environ.get("RENKEI_ARTIFACTS", h.SRC / "build" / "test-artifacts")) / "console"


class ConsoleInChromium(h.HubTestCase):
    # The same people and audit reader as the HTTP tests (imported as a module, so that
    # unittest does not run those tests here a second time).
    hub_with_people = test_console.Console.hub_with_people
    hub_with_an_overdue_row = test_console.Console.hub_with_an_overdue_row
    audit = test_console.Console.audit

    def setUp(self):
        super().setUp()
        self.brokers = h.need_brokers(self)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def browser(self):
        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--window-size=1280,1000", "--lang=ja"):
            options.add_argument(a)
        profile = Path(tempfile.mkdtemp(prefix="renkei-selenium-"))
        self.addCleanup(shutil.rmtree, profile, ignore_errors=True)
        options.add_argument(f"--user-data-dir={profile}")
        # Debian's chromedriver, never one Selenium Manager would download.
        driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"),
                                  options=options)
        driver.set_page_load_timeout(30)
        self.addCleanup(driver.quit)
        return driver

    def shot(self, driver, name):
        path = ARTIFACTS / f"{name}.png"
        driver.save_screenshot(str(path))
        self.assertGreater(path.stat().st_size, 1000, path)
        print(f"[screenshot] {path}")

    def login(self, driver, hub, user):
        driver.get(f"http://127.0.0.1:{hub.port}/console/")
        self.assertTrue(driver.current_url.endswith("/console/login"), driver.current_url)
        # Keyboard only: the form is usable without a mouse.
        driver.find_element(By.ID, "user").send_keys(user)
        driver.find_element(By.ID, "password").send_keys(PASSWORD + Keys.ENTER)
        h.wait_for(lambda: driver.current_url.endswith("/console/"), 20, "the 本日 page after login")

    def test_operator_runs_and_acknowledges_viewer_cannot(self):
        hub = self.hub_with_an_overdue_row("console-browser")
        mr = h.iface(MANUAL_ROUTE)

        op = self.browser()
        op.get(f"http://127.0.0.1:{hub.port}/console/login")
        self.shot(op, "01-login")
        self.login(op, hub, "tanaka")
        row = op.find_element(By.ID, f"row-{MANUAL_ROUTE}")
        self.assertIn("期限超過", row.text)
        self.assertIn("田中 花子", op.find_element(By.TAG_NAME, "nav").text)
        self.shot(op, "02-today-overdue")
        op.find_element(By.ID, f"run-{MANUAL_ROUTE}").click()
        h.wait_for(lambda: op.current_url.endswith("/console/?done=run"), 20, "back on 本日 after 実行")
        self.assertIn("実行を開始しました", op.find_element(By.ID, "notice").text)
        self.shot(op, "03-run-started")
        files = hub.wait_delivered("vrs-export.csv", 60, system=MANUAL_TARGET, route=MANUAL_ROUTE)
        self.assertEqual(len(files), 1)

        def ack_button():
            op.get(f"http://127.0.0.1:{hub.port}/console/")
            return op.find_elements(By.ID, f"ack-{MANUAL_ROUTE}")
        h.wait_for(ack_button, 30, "the 受領確認 button once the run succeeded")
        self.shot(op, "04-run-succeeded")
        ack_button()[0].click()
        h.wait_for(lambda: op.current_url.endswith("/console/?done=ack"), 20, "back on 本日 after 受領確認")
        h.wait_for(lambda: hub.metric("renkei_manual_overdue", interface=mr) == 0, 30, "the gauge to go to 0")
        op.get(f"http://127.0.0.1:{hub.port}/console/")
        row = op.find_element(By.ID, f"row-{MANUAL_ROUTE}")
        self.assertNotIn("期限超過", row.text)
        self.assertIn("受領確認: tanaka", row.text)
        self.shot(op, "05-acknowledged")
        # 転送履歴: the run (who asked) and the file it carried, filtered from the form.
        op.find_element(By.LINK_TEXT, "転送履歴").click()
        h.wait_for(lambda: "/console/history" in op.current_url, 20, "the 転送履歴 page")
        op.find_element(By.ID, "f-interface").send_keys(str(MANUAL_ROUTE))
        op.find_element(By.ID, "apply").click()
        h.wait_for(lambda: f"interface={MANUAL_ROUTE}" in op.current_url, 20, "the filtered 転送履歴")
        rows = [r.text for r in op.find_elements(By.CSS_SELECTOR, "#history tr.entry")]
        self.assertTrue(any(f"{mr}-20261125" in r and "succeeded" in r and "tanaka" in r for r in rows), rows)
        self.assertTrue(any("vrs-export.csv" in r and "delivered" in r for r in rows), rows)
        self.assertIn(f"/console/history.csv?interface={MANUAL_ROUTE}",
                      op.find_element(By.ID, "csv").get_attribute("href"))
        self.shot(op, "06-history")
        op.find_element(By.ID, "logout").click()
        h.wait_for(lambda: op.current_url.endswith("/console/login"), 20, "the login page after logout")
        op.get(f"http://127.0.0.1:{hub.port}/console/")
        self.assertTrue(op.current_url.endswith("/console/login"), "the session ended with the logout")

        viewer = self.browser()
        self.login(viewer, hub, "sato")
        self.assertEqual(viewer.find_elements(By.ID, f"run-{MANUAL_ROUTE}"), [])
        self.assertNotIn("実行</button>", viewer.page_source)
        self.shot(viewer, "07-viewer-no-buttons")
        # A run form made by hand in the viewer's own page, with the session's CSRF token:
        # the hub still refuses, for the role.
        viewer.execute_script(
            "const f = document.createElement('form'); f.method = 'post'; f.action = '/console/run';"
            "for (const [k, v] of [['interface', arguments[0]], ['csrf', arguments[1]]]) {"
            "  const i = document.createElement('input'); i.type = 'hidden'; i.name = k; i.value = v;"
            "  f.appendChild(i); }"
            "document.body.appendChild(f); f.submit();",
            str(MANUAL_ROUTE), viewer.find_element(By.NAME, "csrf").get_attribute("value"))
        h.wait_for(lambda: "needs role operator" in viewer.page_source, 20, "the refusal page")
        self.shot(viewer, "08-viewer-forged-post-refused")
        h.wait_for(lambda: any(e["action"] == "refused" and e["status"] == 403 and e["operator"] == "sato"
                               and e["path"] == "/console/run" for e in self.audit(hub)),
                   10, "the forged POST in the audit log as a 403 of sato")
        viewer.get(f"http://127.0.0.1:{hub.port}/console/")
        viewer.find_element(By.ID, "logout").click()
        h.wait_for(lambda: viewer.current_url.endswith("/console/login"), 20, "the login page after logout")

        entries = self.audit(hub)
        actions = [(e["action"], e.get("operator")) for e in entries]
        for want in (("login", "tanaka"), ("run", "tanaka"), ("ack", "tanaka"), ("logout", "tanaka"),
                     ("login", "sato"), ("logout", "sato")):
            self.assertIn(want, actions)
        self.assertFalse(any(e["action"] in ("run", "ack") and e.get("operator") == "sato" for e in entries))
        hub.stop()
