"""HTTP API benchmark against a real `drover up`, with MLflow's tracking server as the anchor.

    python3 bench/http/bench_http.py --drover .build/debug/drover --jobs 1000000 --runs 10000 \
        --mlflow .venv-mlflow/bin/mlflow   # python3 -m venv .venv-mlflow && .venv-mlflow/bin/pip install mlflow==3.17.2

1. N no-op jobs go through the coordinator; R runs (5 steps, 3 params, 4 metrics each) go into
   the metadata store (SQLite, written before `drover up` starts: the API reads what is there).
2. Latency per route: sequential requests on one keep-alive connection, p50/p99/max.
3. /metrics scrape cost; the event stream while jobs run: S subscribers follow what a dashboard
   follows (`?types=jobs,run,verdict,promotion`), and F followers (one process each) follow every
   job transition (`?types=job`): events received, their rate, and whether any was lost or dropped
   (each job gives 3: queued, assigned, succeeded).
4. The same reads on MLflow's tracking server (SQLite backend) holding the same R runs: a page of
   50 runs (runs/search), one run (runs/get); the ratio drover/MLflow of requests per second, in
   the same run of this script.
"""
import argparse, http.client, json, multiprocessing, os, queue, shutil, socket, sqlite3, struct, subprocess, tempfile, threading, time


def port_free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def free_block(size=4):
    """The first of `size` consecutive free loopback ports (drover up uses P … P+3)."""
    return next(b for b in range(24000, 32000, 11) if all(port_free(p) for p in range(b, b + size)))


def wait_http(port, path, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", path)
            c.getresponse().read()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answers on {port}{path}")


def timed(port, requests, headers=None, method="GET"):
    """[(path, n, body)] → {path: sorted latencies in ms}, sequential on one connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    out = {}
    for label, path, n, body in requests:
        times = []
        for _ in range(n):
            s = time.perf_counter()
            conn.request(method if body is None else "POST", path, body=body, headers=headers or {})
            r = conn.getresponse()
            r.read()
            assert r.status == 200, (path, r.status)
            times.append((time.perf_counter() - s) * 1000)
        times.sort()
        out[label] = times
    return out


def line(label, t):
    n = len(t)
    rate = n / (sum(t) / 1000)
    return f"{label:44s} n={n:5d}  p50 {t[n // 2]:7.2f} ms  p99 {t[max(0, int(n * 0.99) - 1)]:7.2f} ms  max {t[-1]:7.2f} ms  {rate:8.0f} req/s"


def fill_runs(db_path, runs):
    db = sqlite3.connect(db_path)
    now = time.time() - runs
    with db:
        for i in range(runs):
            rid, t = f"r-bench-{i:05d}", now + i
            db.execute("INSERT INTO runs (id, pipeline, status, started_at, finished_at) VALUES (?, 'churn', 'succeeded', ?, ?)", (rid, t, t + 0.9))
            for k, step in enumerate(["validate", "features", "train", "evaluate", "promote"]):
                db.execute("INSERT INTO steps (run_id, name, kind, status, started_at, finished_at) VALUES (?, ?, ?, 'succeeded', ?, ?)",
                           (rid, step, step, t + k * 0.1, t + k * 0.1 + 0.1))
            for key, value in (("trees", "40"), ("seed", str(i)), ("model", "gbdt")):
                db.execute("INSERT INTO params (run_id, key, value) VALUES (?, ?, ?)", (rid, key, value))
            for key, value in (("roc_auc", 0.8 + (i % 100) / 1000), ("accuracy", 0.9), ("log_loss", 0.3), ("rows", 10000)):
                # As drover writes metrics: a block per key, points = (step, value, timestamp), little-endian.
                db.execute("INSERT INTO metric_blocks (run_id, key, count, min_step, max_step, points) VALUES (?, ?, 1, 0, 0, ?)",
                           (rid, key, struct.pack("<qdd", 0, value, t)))
    db.close()


def follow(port, token, seconds, counts, index, stop):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=seconds + 10)
    c.request("GET", "/api/v1/events?types=jobs,run,verdict,promotion", headers={"Authorization": "Bearer " + token})
    r = c.getresponse()
    end = time.time() + seconds
    while time.time() < end and not stop.is_set():
        chunk = r.readline()
        if not chunk:
            break
        if chunk.startswith(b"event: "):
            counts[index] += 1
        if chunk.startswith(b"event: dropped"):
            counts[index] = -1
            break


def follow_jobs(port, token, expected, seconds, out):
    """One process: reads `?types=job` raw, counts events, notes when the first and last came."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=seconds + 10)
    c.request("GET", "/api/v1/events?types=job", headers={"Authorization": "Bearer " + token})
    r = c.getresponse()
    n, first, last, carry, lost = 0, None, None, b"", False
    end = time.time() + seconds
    out.put(("open", 0, 0, 0, False))
    while n < expected and time.time() < end:
        chunk = r.read1(1 << 20)
        if not chunk:
            break
        text = carry + chunk
        k = text.count(b"\nevent: job\n") - carry.count(b"\nevent: job\n")  # those in carry were counted
        if k:
            now = time.time()
            first = first or now
            last = now
            n += k
        if b"event: dropped" in text or b"event: gap" in text:
            lost = True
            break
        carry = text[-16:]
    out.put(("done", n, first or 0, last or 0, lost))


def first_page(port, token, times):
    """The dashboard's first page in Chromium: navigation start → the jobs view rendered from the API."""
    import shutil as sh
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(arg)
    options.binary_location = sh.which("chromium") or ""
    driver = webdriver.Chrome(service=Service(sh.which("chromedriver")), options=options)
    try:
        url = f"http://127.0.0.1:{port}/"
        driver.get(url)
        driver.execute_script("sessionStorage.setItem('drover.token', arguments[0])", token)
        took = []
        for i in range(times):
            driver.get(f"{url}?load={i}#jobs")  # a new URL each time: a full load, not a same-document hash change
            WebDriverWait(driver, 60).until(lambda d: d.execute_script("return document.getElementById('main').dataset.rendered"))
            took.append(driver.execute_script("return Number(document.getElementById('main').dataset.rendered) - performance.timeOrigin"))
        took.sort()
        print(f"dashboard first page (#jobs, 50 rows) in Chromium: median {took[len(took) // 2]:.0f} ms, max {took[-1]:.0f} ms over {times} loads")
    finally:
        driver.quit()


def mlflow_side(mlflow, runs, requests):
    """MLflow's tracking server (one worker, SQLite) holding `runs` runs like drover's."""
    d = tempfile.mkdtemp(prefix="mlflow-bench-")
    db = os.path.join(d, "mlflow.db")
    t0 = time.time()
    fill = subprocess.run([os.path.join(os.path.dirname(mlflow), "python"), os.path.join(os.path.dirname(__file__), "mlflow_fill.py"),
                           db, str(runs)], capture_output=True, text=True, check=True)
    exp = fill.stdout.strip().splitlines()[-1]
    print(f"mlflow: {runs} runs in its store in {time.time() - t0:.1f} s")
    port = free_block(1)
    server = subprocess.Popen([mlflow, "server", "--backend-store-uri", f"sqlite:///{db}", "--host", "127.0.0.1",
                               "--port", str(port), "--workers", "1", "--default-artifact-root", f"{d}/artifacts"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_http(port, "/health", 900)  # its start takes minutes on a loaded machine
        return mlflow_measure(port, exp, runs, requests)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(d, ignore_errors=True)


def mlflow_measure(port, exp, runs, requests):
    """The reads drover is timed on, against a running MLflow server."""
    h = {"Content-Type": "application/json"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("POST", "/api/2.0/mlflow/runs/search", headers=h, body=json.dumps(
        {"experiment_ids": [exp], "max_results": 1, "filter": f"attributes.run_name = 'r-bench-{runs // 2:05d}'"}))
    middle = json.loads(conn.getresponse().read())["runs"][0]["info"]["run_id"]
    search = json.dumps({"experiment_ids": [exp], "max_results": 50, "order_by": ["attributes.start_time DESC"]})
    filtered = json.dumps({"experiment_ids": [exp], "max_results": 50, "filter": "attributes.status = 'FINISHED'"})
    res = timed(port, [("mlflow runs/search (50, newest)", "/api/2.0/mlflow/runs/search", requests, search),
                       ("mlflow runs/search (50, status filter)", "/api/2.0/mlflow/runs/search", requests, filtered)],
                headers=h)
    res.update(timed(port, [("mlflow runs/get", f"/api/2.0/mlflow/runs/get?run_id={middle}", requests, None)]))
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--drover", default=".build/debug/drover")
    ap.add_argument("--jobs", type=int, default=20000)
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--subscribers", type=int, default=50)
    ap.add_argument("--settle", type=float, default=0, help="seconds to wait after the jobs before timing the routes")
    ap.add_argument("--job-followers", type=int, default=2, help="processes following every job event (?types=job)")
    ap.add_argument("--browser", type=int, default=0, help="time the dashboard's first page in headless Chromium this many times (needs selenium)")
    ap.add_argument("--mlflow", help="the mlflow executable (e.g. .venv-mlflow/bin/mlflow); omitted: no comparison")
    a = ap.parse_args()
    d = tempfile.mkdtemp(prefix="drover-bench-http-")
    port = free_block()
    ep = f"tcp://127.0.0.1:{port}"
    cmd = [a.drover, "up", "--workers", "2", "--slots", "8", "--bind", ep, "--data-dir", d, "--log-level", "warning"]
    drover_res = {}
    try:
        token = json.loads(subprocess.run([a.drover, "tokens", "create", "--role", "read", "--data-dir", d, "--json"],
                                          capture_output=True, text=True, check=True).stdout)["token"]
        fill_runs(os.path.join(d, "metadata.sqlite"), a.runs)
        up = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_http(port + 2, "/metrics")
            headers = {"Authorization": "Bearer " + token}
            # The event stream while jobs run: S dashboard-like subscribers, F followers of every job event.
            counts, stop = [0] * a.subscribers, threading.Event()
            threads = [threading.Thread(target=follow, args=(port + 2, token, 3600, counts, i, stop)) for i in range(a.subscribers)]
            for t in threads:
                t.start()
            spawn = multiprocessing.get_context("spawn")  # not fork: the subscriber threads above are running
            results = spawn.Queue()
            followers = [spawn.Process(target=follow_jobs, args=(port + 2, token, 3 * a.jobs, 3600, results))
                         for _ in range(a.job_followers)]
            for p in followers:
                p.start()
            for _ in followers:
                results.get(timeout=60)  # each says its stream is open
            t0 = time.time()
            subprocess.run([a.drover, "submit", "--kind", "noop", "--count", str(a.jobs), "--wait", "--connect", ep, "--timeout", "3600000"],
                           check=True, stdout=subprocess.DEVNULL)
            t1 = time.time()
            took = t1 - t0
            got_jobs = []
            for _ in followers:
                try:
                    got_jobs.append(results.get(timeout=120))
                except queue.Empty:
                    got_jobs.append(("timeout", 0, 0, 0, True))  # short of 3 per job two minutes after the last ended
            for p in followers:
                p.terminate()
                p.join(timeout=10)
            time.sleep(1.0)  # let the feed's last pass reach the dashboard-like subscribers (measurement only)
            stop.set()
            print(f"{a.jobs} no-op jobs submitted and done in {took:.1f} s ({a.jobs / took:.0f} jobs/s, {3 * a.jobs / took:.0f} job transitions/s); {a.runs} runs in the store")
            got = [c for c in counts if c >= 0]
            print(f"event stream, dashboard types: {a.subscribers} subscribers, {len(got)} never dropped; events per subscriber "
                  f"min {min(got) if got else 0} max {max(got) if got else 0}")
            for i, (_, n, first, last, lost) in enumerate(got_jobs):
                span = max(last - first, 1e-9)
                print(f"event stream, every job event: follower {i + 1}: {n} of {3 * a.jobs} ({'LOST/DROPPED' if lost else 'none lost'}), "
                      f"{n / span:.0f} events/s while arriving, {n / max(last - t0, 1e-9):.0f} events/s from submit to the last, "
                      f"last {max(last - t1, 0) * 1000:.0f} ms after the jobs ended")
            if a.settle:
                time.sleep(a.settle)  # let the post-run compaction (a snapshot of the whole run) finish first
                print(f"routes measured {a.settle:.0f} s after the jobs ended")
            cursor_job = a.jobs // 2
            routes = [("GET /api/v1/jobs?limit=50", "/api/v1/jobs?limit=50", a.requests, None),
                      ("GET /api/v1/jobs?limit=50&cursor=mid", f"/api/v1/jobs?limit=50&cursor={cursor_job}", a.requests, None),
                      ("GET /api/v1/jobs?state=succeeded&limit=50", "/api/v1/jobs?state=succeeded&limit=50", a.requests, None),
                      ("GET /api/v1/jobs?limit=1000", "/api/v1/jobs?limit=1000", a.requests // 5, None),
                      ("GET /api/v1/jobs/1", "/api/v1/jobs/1", a.requests, None),
                      ("GET /api/v1/runs?limit=50", "/api/v1/runs?limit=50", a.requests, None),
                      ("GET /api/v1/runs?state=succeeded&limit=50", "/api/v1/runs?state=succeeded&limit=50", a.requests, None),
                      ("GET /api/v1/runs/{id}", f"/api/v1/runs/r-bench-{a.runs // 2:05d}", a.requests, None),
                      ("GET /metrics", "/metrics", a.requests, None)]
            drover_res = timed(port + 2, routes, headers=headers)
            for label, _, _, _ in routes:
                print(line(label, drover_res[label]))
            if a.browser:
                first_page(port + 2, token, a.browser)
        finally:
            up.terminate()
            up.wait(timeout=60)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    if a.mlflow:
        res = mlflow_side(a.mlflow, a.runs, a.requests)
        for label, t in res.items():
            print(line(label, t))

        def rate(t):
            return len(t) / (sum(t) / 1000)
        print("ratios (drover req/s ÷ mlflow req/s, same queries, same machine, this run):")
        for ours, theirs in (("GET /api/v1/runs?limit=50", "mlflow runs/search (50, newest)"),
                             ("GET /api/v1/runs?state=succeeded&limit=50", "mlflow runs/search (50, status filter)"),
                             ("GET /api/v1/runs/{id}", "mlflow runs/get")):
            print(f"  {ours:44s} vs {theirs:40s} {rate(drover_res[ours]) / rate(res[theirs]):6.1f}×")


if __name__ == "__main__":
    main()
