"""What serving the HTTP API costs dispatch: jobs/s through a real `drover up` while nothing asks
its API, against jobs/s while a client asks it RATE requests a second (issue #11: ≤ 5 % at 200).

    python3 bench/http/dispatch_cost.py --drover .build/release/drover --jobs 300000 --rounds 5 --rate 200

Each round starts a fresh `drover up --workers 2 --slots 8` per side (the two sides alternate,
which goes first alternating too), runs `drover submit --kind noop --count JOBS --wait`, and
times it. The loaded side's client is 16 threads on keep-alive connections asking, in turn, a
page of jobs, a page of runs, one job and `/metrics`, each request due at its time (open loop, a
fixed rate shared by the threads; it reports the rate reached and any error). The client runs on the same machine, so its own CPU is part of the cost measured.
"""
import argparse, http.client, json, shutil, statistics, subprocess, tempfile, threading, time

from bench_http import free_block, wait_http  # same directory: the same drover-up helpers

ROUTES = ["/api/v1/jobs?limit=50", "/api/v1/runs?limit=50", "/api/v1/jobs/1", "/metrics"]


def load(port, token, rate, stop, out, offset=0.0):
    """Asks the API `rate` times a second until `stop` (open loop: a request is due at its time,
    however long the one before took); puts (requests, seconds, errors by cause) in `out`."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Authorization": "Bearer " + token}
    n, errors, start = 0, {}, time.perf_counter() + offset
    while not stop.is_set():
        due = start + n / rate
        now = time.perf_counter()
        if due > now:
            time.sleep(due - now)
        try:
            c.request("GET", ROUTES[n % len(ROUTES)], headers=headers)
            r = c.getresponse()
            body = r.read()
            if r.status >= 400:
                cause = f"HTTP {r.status} {body[:80]!r}"
                errors[cause] = errors.get(cause, 0) + 1
        except (OSError, http.client.HTTPException) as e:
            errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        n += 1
    out.append((n, time.perf_counter() - start, errors))


CLIENTS = 16  # threads sharing the rate, so one slow answer does not hold the others back


def one(drover, jobs, rate):
    d = tempfile.mkdtemp(prefix="drover-bench-dispatch-cost-")
    port = free_block()
    ep = f"tcp://127.0.0.1:{port}"
    try:
        token = json.loads(subprocess.run([drover, "tokens", "create", "--role", "read", "--data-dir", d, "--json"],
                                          capture_output=True, text=True, check=True).stdout)["token"]
        up = subprocess.Popen([drover, "up", "--workers", "2", "--slots", "8", "--bind", ep, "--data-dir", d, "--log-level", "warning"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_http(port + 2, "/metrics")
            stop, out = threading.Event(), []
            clients = [threading.Thread(target=load, args=(port + 2, token, rate / CLIENTS, stop, out, i / rate))
                       for i in range(CLIENTS)] if rate else []
            for client in clients:
                client.start()
            t0 = time.perf_counter()
            subprocess.run([drover, "submit", "--kind", "noop", "--count", str(jobs), "--wait", "--connect", ep, "--timeout", "3600000"],
                           check=True, stdout=subprocess.DEVNULL)
            took = time.perf_counter() - t0
            stop.set()
            for client in clients:
                client.join()
            if not out:
                return jobs / took, None
            errors = {}
            for _, _, e in out:
                for k, v in e.items():
                    errors[k] = errors.get(k, 0) + v
            return jobs / took, (sum(o[0] for o in out), max(o[1] for o in out), errors)
        finally:
            up.terminate()
            up.wait(timeout=60)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--drover", default=".build/release/drover")
    ap.add_argument("--jobs", type=int, default=300_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--rate", type=float, default=200.0)
    a = ap.parse_args()
    idle, loaded = [], []
    for r in range(a.rounds):
        order = [0, a.rate] if r % 2 == 0 else [a.rate, 0]
        for rate in order:
            jps, client = one(a.drover, a.jobs, rate)
            if rate:
                n, secs, errors = client
                loaded.append(jps)
                print(f"round {r + 1}: {jps:9.0f} jobs/s while the API answered {n / secs:5.0f} req/s "
                      f"({sum(errors.values())} errors{': ' + str(errors) if errors else ''})", flush=True)
            else:
                idle.append(jps)
                print(f"round {r + 1}: {jps:9.0f} jobs/s with the API idle", flush=True)
    mi, ml = statistics.median(idle), statistics.median(loaded)
    print(f"median of {a.rounds}: {mi:.0f} jobs/s idle, {ml:.0f} jobs/s at {a.rate:.0f} req/s: "
          f"the HTTP API costs dispatch {100 * (mi - ml) / mi:+.1f} % (target ≤ 5 %)")


if __name__ == "__main__":
    main()
