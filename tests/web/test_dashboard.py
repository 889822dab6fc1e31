"""The dashboard in a real browser: Chromium driven by Selenium against a real `drover up --http`.

A `drover demo` first fills a data directory (datasets, three churn runs, model versions with
verdicts); then `drover up` serves it. The test loads every page (no console errors), starts a
run through the API and watches its progress update live in the page, and checks that promote
is refused with a read-only token and done with an operator token. Screenshots go to
.build/web-screenshots. Run: python -m pytest tests/web -q (needs chromium, chromedriver, selenium).
"""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DROVER = os.environ.get("DROVER_BIN", os.path.join(ROOT, ".build", "debug", "drover"))
SHOTS = os.path.join(ROOT, ".build", "web-screenshots")


def free_port_block(size=4):
    for base in range(21000, 31000, 7):
        ok = True
        for p in range(base, base + size):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", p))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    raise RuntimeError("no free ports")


def drover(*args, timeout=300):
    r = subprocess.run([DROVER, *args], capture_output=True, text=True, timeout=timeout)
    return r


class Cluster:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="drover-web-")
        self.data = os.path.join(self.dir, "data")
        demo_port = free_port_block()
        r = drover("demo", "--data-dir", self.data, "--port", str(demo_port), "--json")
        assert r.returncode == 0, r.stdout + r.stderr
        self.port = free_port_block()
        self.http = self.port + 3
        self.log = open(os.path.join(self.dir, "up.log"), "w")
        self.proc = subprocess.Popen(
            [DROVER, "up", "--workers", "2", "--bind", f"tcp://127.0.0.1:{self.port}", "--data-dir", self.data,
             "--http", f"127.0.0.1:{self.http}"], stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url("/metrics"), timeout=2).read()
                break
            except Exception:
                time.sleep(0.1)
        else:
            raise RuntimeError("drover up did not serve HTTP: " + open(self.log.name).read())
        self.read = self.token("read", "browser-read")
        self.operator = self.token("operator", "browser-op")

    def url(self, path):
        return f"http://127.0.0.1:{self.http}{path}"

    def token(self, role, name):
        r = drover("tokens", "create", "--role", role, "--name", name, "--data-dir", self.data, "--json")
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)["token"]

    def api(self, path, token, body=None):
        req = urllib.request.Request(self.url("/api/v1" + path), method="POST" if body is not None else "GET",
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=20) as r:
            return json.loads(r.read())

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster():
    c = Cluster()
    yield c
    c.close()


@pytest.fixture(scope="module")
def browser():
    os.makedirs(SHOTS, exist_ok=True)
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(arg)
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary:
        options.binary_location = binary
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    yield driver
    driver.quit()


def severe(driver, allowed=()):
    """Console errors (SEVERE), except expected refusals named in `allowed`."""
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE" and not any(a in e["message"] for a in allowed)]


def use_token(driver, cluster, token):
    driver.get(cluster.url("/"))
    field = driver.find_element(By.ID, "token")
    field.clear()
    field.send_keys(token)
    driver.find_element(By.ID, "token-save").click()
    WebDriverWait(driver, 20).until(lambda d: d.find_element(By.ID, "main").get_attribute("data-rendered"))
    WebDriverWait(driver, 20).until(EC.text_to_be_present_in_element((By.ID, "live"), "live"))


def show(driver, hash_, name):
    before = driver.find_element(By.ID, "main").get_attribute("data-rendered")
    driver.execute_script("location.hash = arguments[0]", hash_)
    WebDriverWait(driver, 20).until(lambda d: d.find_element(By.ID, "main").get_attribute("data-rendered") != before
                                    and d.find_element(By.ID, "main").get_attribute("data-view") == hash_.split("/")[0])
    driver.save_screenshot(os.path.join(SHOTS, name + ".png"))


def promote(driver, version, reason):
    """Types the reason and clicks Promote in one step (a live update may re-render the page between two)."""
    driver.execute_script("document.getElementById('promote-reason').value = arguments[1];"
                          "document.querySelector(`button.promote[data-version='${arguments[0]}']`).click()", version, reason)


def test_pages_load_without_console_errors(cluster, browser):
    use_token(browser, cluster, cluster.read)
    for hash_, name in [("cluster", "cluster"), ("jobs", "jobs"), ("runs", "runs"), ("models", "models"),
                        ("model/churn", "model-churn"), ("datasets", "datasets"), ("dataset/customers", "dataset-customers")]:
        show(browser, hash_, name)
        assert browser.find_element(By.ID, "banner").text == "", f"{hash_}: {browser.find_element(By.ID, 'banner').text}"
        if hash_ == "model/churn":
            assert browser.find_elements(By.CSS_SELECTOR, "svg.metric-plot"), "the model's metric history is plotted"
    runs = cluster.api("/runs", cluster.read)["items"]
    show(browser, "run/" + runs[0]["id"], "run-finished")
    show(browser, "job/1", "job-1")
    assert severe(browser) == []


def test_run_progress_updates_live(cluster, browser):
    use_token(browser, cluster, cluster.operator)
    span = str(cluster.api("/datasets/customers", cluster.read)["spans"][0]["span"])  # the demo's good span
    yaml = open(os.path.join(os.path.dirname(__file__), "churn.yaml")).read().replace("SPAN", span)
    started = cluster.api("/runs", cluster.operator, {"file": "churn.yaml", "yaml": yaml, "params": {"trees": "60"}})
    show(browser, "run/" + started["id"], "run-started")
    seen = set()
    deadline = time.time() + 120
    while time.time() < deadline:  # the page is never reloaded: changes arrive through the event stream
        # Read in one script: the page re-renders under the test's feet.
        state, steps = browser.execute_script(
            "const s = document.getElementById('run-state');"
            "return [s ? s.textContent : '', [...document.querySelectorAll('#run-steps tr[data-step]')].map(r => r.dataset.status)];")
        seen.add(tuple(steps))
        if state and state != "running":
            break
        time.sleep(0.2)
    browser.save_screenshot(os.path.join(SHOTS, "run-done.png"))
    assert state in ("promoted", "rejected", "succeeded"), state
    assert len(seen) >= 2, f"the steps' states never changed on the page: {seen}"
    assert severe(browser) == []


def test_promote_refused_read_only_allowed_operator(cluster, browser):
    use_token(browser, cluster, cluster.read)
    show(browser, "model/churn", "model-read-only")
    promote(browser, 2, "from the browser test")
    WebDriverWait(browser, 20).until(EC.text_to_be_present_in_element((By.ID, "banner"), "refused"))
    assert "operator" in browser.find_element(By.ID, "banner").text
    browser.save_screenshot(os.path.join(SHOTS, "promote-refused.png"))
    assert severe(browser, allowed=("/promote",)) == []  # the 403 itself is logged by Chromium

    before = cluster.api("/models/churn", cluster.read)["model"]["aliases"]["champion"]
    use_token(browser, cluster, cluster.operator)
    show(browser, "model/churn", "model-operator")
    promote(browser, 2, "from the browser test")
    WebDriverWait(browser, 20).until(EC.text_to_be_present_in_element((By.ID, "banner"), "promoted"))
    browser.save_screenshot(os.path.join(SHOTS, "promoted.png"))
    champion = cluster.api("/models/churn", cluster.read)["model"]["aliases"]["champion"]
    assert champion == 2
    moves = cluster.api("/models/churn", cluster.read)["aliasHistory"]
    assert moves[-1]["actor"].startswith("token:browser-op")
    browser.execute_script("document.getElementById('rollback').click()")
    WebDriverWait(browser, 20).until(EC.text_to_be_present_in_element((By.ID, "banner"), "rolled back"))
    assert cluster.api("/models/churn", cluster.read)["model"]["aliases"]["champion"] == before
    assert severe(browser) == []
