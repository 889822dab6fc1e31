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
            [DROVER, "up", "--workers", "0", "--bind", f"tcp://127.0.0.1:{self.port}", "--data-dir", self.data,
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
        # The worker, which also runs `command` jobs (their logs are shown on a job's page).
        self.worker = subprocess.Popen(
            [DROVER, "worker", "--name", "w1", "--slots", "4", "--connect", f"tcp://127.0.0.1:{self.port}", "--allow-commands",
             "--allow-root-commands", "--command-root", self.dir], stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
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
        self.worker.terminate()
        self.worker.wait(timeout=20)
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
    WebDriverWait(driver, 60).until(lambda d: d.find_element(By.ID, "main").get_attribute("data-rendered") != before
                                    and d.find_element(By.ID, "main").get_attribute("data-view") == hash_.split("/")[0])
    driver.save_screenshot(os.path.join(SHOTS, name + ".png"))


def promote(driver, version, reason):
    """Types the reason and clicks Promote in one step (a live update may re-render the page between two)."""
    driver.execute_script("document.getElementById('promote-reason').value = arguments[1];"
                          "document.querySelector(`button.promote[data-version='${arguments[0]}']`).click()", version, reason)


def test_pages_load_without_console_errors(cluster, browser):
    use_token(browser, cluster, cluster.read)
    for hash_, name in [("cluster", "cluster"), ("jobs", "jobs"), ("runs", "runs"), ("models", "models"),
                        ("model/churn", "model-churn"), ("datasets", "datasets"), ("dataset/customers", "dataset-customers"),
                        ("anomalies", "anomalies")]:
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
    # The DAG: one node per step with the coordinator's state, one edge per `needs`.
    live = cluster.api("/runs/" + started["id"], cluster.read)["run"]
    expected = {s["name"]: s["status"] for s in live["steps"]}
    nodes = lambda d: d.execute_script(  # noqa: E731
        "return Object.fromEntries([...document.querySelectorAll('#run-dag g.dag-node')].map(g => [g.dataset.step, g.dataset.status]))")
    WebDriverWait(browser, 20).until(lambda d: nodes(d) == expected)  # the last run event may still be on its way
    browser.save_screenshot(os.path.join(SHOTS, "run-dag.png"))
    edges = browser.execute_script(
        "return [...document.querySelectorAll('#run-dag path.dag-edge')].map(p => p.dataset.from + '>' + p.dataset.to).sort()")
    assert edges == sorted(n + ">" + s["name"] for s in live["steps"] for n in s.get("needs") or [])
    assert len(edges) == 4, edges  # validate > features > train > evaluate > promote
    # The steps and the run that ended are in the latency histograms.
    metrics = urllib.request.urlopen(cluster.url("/metrics"), timeout=20).read().decode()
    assert 'drover_step_duration_seconds_count{pipeline="churn",step="train",status="succeeded"}' in metrics, metrics  # trees=60: not cached
    assert 'drover_run_duration_seconds_count{pipeline="churn"' in metrics, metrics
    bars = browser.find_elements(By.CSS_SELECTOR, "svg[aria-label='job timeline'] rect")
    assert len(bars) == len(cluster.api("/runs/" + started["id"], cluster.read)["jobs"])
    assert severe(browser) == []


def test_dataset_drift_per_column_plotted(cluster, browser):
    use_token(browser, cluster, cluster.read)
    report = cluster.api("/datasets/customers/drift", cluster.read)
    columns = report["comparison"]["columns"]
    assert columns, report
    show(browser, "dataset/customers", "dataset-drift")
    rows = browser.execute_script(
        "return [...document.querySelectorAll('#drift-columns tr[data-column]')].map(r => [r.dataset.column, r.dataset.drifted])")
    assert sorted(rows) == sorted([c["name"], "true" if c["drifted"] else "false"] for c in columns)
    for c in columns:  # reference and current side by side: one bar per bin and side
        n = browser.execute_script(
            "return document.querySelectorAll(`svg.drift-plot[data-column='${arguments[0]}'] rect[fill='#9e9e9e'], "
            "svg.drift-plot[data-column='${arguments[0]}'] rect[fill='#1565c0']`).length", c["name"])
        assert n == 2 * len(c["bins"]) + 2, (c["name"], n)  # + the two legend swatches
    summary = browser.find_element(By.ID, "drift-summary").text
    assert f"{report['comparison']['driftedCount']} of {len(columns)} columns drifted" in summary
    # Another reference chosen in the page reloads the comparison for it.
    others = [v["runID"] for v in report["validations"] if v["runID"] not in (report["reference"]["runID"], report["current"]["runID"])]
    if others:
        before = browser.find_element(By.ID, "main").get_attribute("data-rendered")
        browser.execute_script("const s = document.getElementById('drift-reference'); s.value = arguments[0];"
                               "s.dispatchEvent(new Event('change'))", others[0])
        WebDriverWait(browser, 20).until(lambda d: d.find_element(By.ID, "main").get_attribute("data-rendered") != before)
        assert others[0] in browser.find_element(By.ID, "drift-summary").text
    assert severe(browser) == []


def test_job_logs_and_anomalies(cluster, browser):
    use_token(browser, cluster, cluster.read)
    r = drover("submit", "--command", "--connect", f"tcp://127.0.0.1:{cluster.port}", "--wait", "--json", "--",
               "sh", "-c", "echo hello-from-the-job; echo oops-on-stderr >&2")
    assert r.returncode == 0, r.stdout + r.stderr
    job = json.loads(r.stdout)["id"]
    show(browser, f"job/{job}", "job-logs")
    assert "hello-from-the-job" in browser.find_element(By.ID, "job-stdout").text
    assert "oops-on-stderr" in browser.find_element(By.ID, "job-stderr").text
    states = browser.execute_script("return [...document.querySelectorAll('#main table')[1].querySelectorAll('td:nth-child(2)')].map(t => t.textContent)")
    assert states[-1] == "succeeded" and "queued" in states, states
    expected = cluster.api("/anomalies?limit=50", cluster.read)["items"]
    show(browser, "anomalies", "anomalies-view")
    kinds = browser.execute_script("return [...document.querySelectorAll('#anomalies tr[data-kind]')].map(r => r.dataset.kind)")
    assert kinds == [a["anomaly"]["kind"] for a in expected]
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
