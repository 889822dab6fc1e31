"""What serving the HTTP API costs dispatch: jobs/s through a real `drover up` while nothing asks
its API, against jobs/s while a client asks it RATE requests a second (issue #11: ≤ 5 % at 200).

    python3 bench/http/dispatch_cost.py --drover .build/release/drover --jobs 300000 --rounds 5 --rate 200

Each round starts a fresh `drover up --workers 2 --slots 8` per side (the two sides alternate,
which goes first alternating too), runs `drover submit --kind noop --count JOBS --wait`, and
times it. The loaded side's client is wrk (paced.lua): one thread, 64 keep-alive connections asking, in
turn, a page of jobs, a page of runs, one job and `/metrics`, each request due at its time (a fixed
rate, as wrk2 does: a slow answer does not slow the others; it reports the rate reached and any error). wrk runs on the same machine, so its own CPU
(a few µs a request) is part of the cost measured.
"""
import argparse, json, os, re, shutil, signal, statistics, subprocess, tempfile, time

from bench_http import free_block, wait_http  # same directory: the same drover-up helpers

HERE = os.path.dirname(os.path.abspath(__file__))
CONNECTIONS = 64  # enough free connections to keep the rate while answers are slow


def start_load(port, token, rate):
    """wrk (C, so the client's own CPU stays small) asking the API `rate` requests a second
    (paced.lua: each request due at its time) over CONNECTIONS keep-alive connections; stop with `finish`."""
    env = dict(os.environ, DROVER_TOKEN=token, RATE=str(rate))
    return subprocess.Popen(["wrk", "-t1", f"-c{CONNECTIONS}", "-d3600s", "--timeout", "10s", "-s", os.path.join(HERE, "paced.lua"),
                             f"http://127.0.0.1:{port}"], env=env, stdout=subprocess.PIPE, text=True)


def finish(wrk):
    """Stops wrk (SIGINT: it prints its summary) and returns (requests, seconds, errors by cause)."""
    wrk.send_signal(signal.SIGINT)
    out, _ = wrk.communicate(timeout=30)
    m = re.search(r"paced: (\d+) requests in ([\d.]+) s, (\d+) non-2xx, (\d+) socket errors", out)
    if not m:
        raise SystemExit(f"wrk printed no summary:\n{out}")
    n, secs, status, sock = int(m[1]), float(m[2]), int(m[3]), int(m[4])
    errors = {k: v for k, v in (("non-2xx", status), ("socket", sock)) if v}
    latency = re.search(r"p50 ([\d.]+ ms), p99 ([\d.]+ ms)", out)
    return n, secs, errors, f"p50 {latency[1]}, p99 {latency[2]}"


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
            # Job 1, which the load asks for, exists before the load starts (on both sides).
            subprocess.run([drover, "submit", "--kind", "noop", "--count", "1", "--wait", "--connect", ep],
                           check=True, stdout=subprocess.DEVNULL)
            wrk = start_load(port + 2, token, rate) if rate else None
            t0 = time.perf_counter()
            try:
                subprocess.run([drover, "submit", "--kind", "noop", "--count", str(jobs), "--wait", "--connect", ep, "--timeout", "3600000"],
                               check=True, stdout=subprocess.DEVNULL)
                took = time.perf_counter() - t0
            finally:
                client = finish(wrk) if wrk else None
            return jobs / took, client
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
                n, secs, errors, latency = client
                loaded.append(jps)
                print(f"round {r + 1}: {jps:9.0f} jobs/s while the API answered {n / secs:5.0f} req/s ({latency}) "
                      f"({sum(errors.values())} errors{': ' + str(errors) if errors else ''})", flush=True)
            else:
                idle.append(jps)
                print(f"round {r + 1}: {jps:9.0f} jobs/s with the API idle", flush=True)
    mi, ml = statistics.median(idle), statistics.median(loaded)
    print(f"median of {a.rounds}: {mi:.0f} jobs/s idle, {ml:.0f} jobs/s at {a.rate:.0f} req/s: "
          f"the HTTP API costs dispatch {100 * (mi - ml) / mi:+.1f} % (target ≤ 5 %)")


if __name__ == "__main__":
    main()
