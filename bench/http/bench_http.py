"""HTTP API latency: list pages, one job, /metrics, against a real `drover up` with N jobs.

python3 bench/http/bench_http.py --drover .build/release/drover --jobs 100000
Prints p50/p99/max per route (sequential requests on one keep-alive connection).
"""
import argparse, http.client, json, os, shutil, subprocess, tempfile, time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--drover", default=".build/debug/drover")
    ap.add_argument("--jobs", type=int, default=20000)
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--port", type=int, default=23500)
    a = ap.parse_args()
    d = tempfile.mkdtemp(prefix="drover-bench-http-")
    ep = f"tcp://127.0.0.1:{a.port}"
    up = subprocess.Popen([a.drover, "up", "--workers", "2", "--slots", "8", "--bind", ep, "--data-dir", d, "--log-level", "warning"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.5)
        token = json.loads(subprocess.run([a.drover, "tokens", "create", "--role", "read", "--data-dir", d, "--json"],
                                          capture_output=True, text=True, check=True).stdout)["token"]
        t0 = time.time()
        subprocess.run([a.drover, "submit", "--kind", "noop", "--count", str(a.jobs), "--wait", "--connect", ep, "--timeout", "600000"],
                       check=True, stdout=subprocess.DEVNULL)
        print(f"{a.jobs} no-op jobs submitted and done in {time.time() - t0:.1f} s")
        conn = http.client.HTTPConnection("127.0.0.1", a.port + 2)
        headers = {"Authorization": "Bearer " + token}
        routes = [("/api/v1/jobs?limit=50", a.requests), ("/api/v1/jobs?limit=50&cursor=%d" % (a.jobs // 2), a.requests),
                  ("/api/v1/jobs?limit=1000", a.requests // 5), ("/api/v1/jobs/1", a.requests), ("/api/v1/cluster", a.requests),
                  ("/api/v1/runs?limit=50", a.requests), ("/metrics", a.requests)]
        for path, n in routes:
            times = []
            for _ in range(n):
                s = time.perf_counter()
                conn.request("GET", path, headers=headers)
                r = conn.getresponse()
                r.read()
                assert r.status == 200, (path, r.status)
                times.append((time.perf_counter() - s) * 1000)
            times.sort()
            print(f"{path:40s} n={n:5d}  p50 {times[len(times)//2]:7.2f} ms  p99 {times[int(len(times)*0.99)-1]:7.2f} ms  max {times[-1]:7.2f} ms")
    finally:
        up.terminate()
        up.wait(timeout=30)
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
