"""Shared driver for the netns testbed: processes in namespaces, status polling, faults, audit.

Used by `run-faults` (scripted scenarios) and `chaos` (seeded random faults). Every wait is a
poll of a condition with a deadline; every loop is bounded in count and time.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
TESTBED = HERE / "testbed.sh"
COORD_IP = "10.77.0.1"
PORT = 7755
ENDPOINT = f"tcp://{COORD_IP}:{PORT}"
WORKERS = ["w1", "w2", "w3"]
PREFIX = os.environ.get("TESTBED_PREFIX", "drv")


class Violation(Exception):
    """An invariant did not hold (or a bounded wait expired)."""


def default_binary() -> str:
    env = os.environ.get("DROVER_BIN")
    if env:
        return env
    for cfg in ("debug", "release"):
        p = REPO / ".build" / cfg / "drover"
        if p.exists():
            return str(p)
    raise SystemExit("no drover binary: run `swift build` or set DROVER_BIN")


def testbed(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([str(TESTBED), *args], check=check, capture_output=True, text=True, timeout=60)


def wait_for(what: str, condition, timeout: float, interval: float = 0.05):
    """Polls `condition()` until it returns a truthy value; raises Violation after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise Violation(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


@dataclass
class Proc:
    name: str
    host: str
    args: list[str]
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    popen: subprocess.Popen | None = None

    def start(self) -> "Proc":
        log = open(self.log, "ab")
        env = dict(os.environ, **self.env)
        # `ip netns exec` execs the command in place, so popen.pid is drover's own pid.
        self.popen = subprocess.Popen(["ip", "netns", "exec", f"{PREFIX}-{self.host}", *self.args],
                                      stdout=log, stderr=log, stdin=subprocess.DEVNULL, env=env)
        log.close()
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def signal(self, sig: int) -> None:
        if self.alive():
            os.kill(self.pid, sig)

    def wait(self, timeout: float) -> int:
        assert self.popen is not None
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(timeout=10)
            raise Violation(f"{self.name} did not exit within {timeout:.0f} s")

    def kill9(self) -> None:
        self.signal(signal.SIGKILL)
        if self.popen is not None:
            self.popen.wait(timeout=10)

    def stop(self, timeout: float = 20) -> int | None:
        """SIGTERM (after SIGCONT, in case it is stopped) and wait; SIGKILL if it hangs."""
        if not self.alive():
            return self.popen.returncode if self.popen else None
        self.signal(signal.SIGCONT)
        self.signal(signal.SIGTERM)
        return self.wait(timeout)


class Cluster:
    """One coordinator in drv-coord and workers in drv-w1..w3, with a fresh data directory."""

    def __init__(self, binary: str, name: str, slots: int = 16, prefetch: int = 16, root: Path | None = None):
        self.binary = binary
        self.dir = Path(tempfile.mkdtemp(prefix=f"drover-{name}-", dir=root))
        self.data = self.dir / "data"
        self.slots, self.prefetch = slots, prefetch
        self.lease_ms = 1500
        self.coordinator_extra: list[str] = []  # extra `drover coordinator` flags of a scenario
        self.coordinators: list[Proc] = []
        self.workers: dict[str, Proc] = {}
        self.restarts: dict[str, int] = {}

    # Processes

    @property
    def coordinator(self) -> Proc:
        return self.coordinators[-1]

    def start_coordinator(self, failpoint: str | None = None, max_queued: int = 1_000_000) -> Proc:
        n = len(self.coordinators) + 1
        p = Proc(f"coordinator-{n}", "coord", [
            self.binary, "coordinator", "--bind", ENDPOINT, "--data-dir", str(self.data),
            "--heartbeat-ms", "100", "--lease-ms", str(self.lease_ms), "--retry-backoff-ms", "10",
            "--max-queued", str(max_queued), "--log-level", "info",
            # The testbed is a private network inside namespaces we created: plaintext on purpose.
            "--insecure", *self.coordinator_extra,
        ], self.dir / f"coordinator-{n}.log", env={"DROVER_FAILPOINT": failpoint} if failpoint else {})
        self.coordinators.append(p.start())
        wait_for("the coordinator to answer", lambda: self.status(timeout_ms=500) is not None or not p.alive(), 30)
        if not p.alive() and failpoint is None:
            raise Violation(f"coordinator exited at start: see {p.log}")
        return p

    def start_worker(self, name: str) -> Proc:
        n = self.restarts.get(name, 0)
        self.restarts[name] = n + 1
        p = Proc(name, name, [
            self.binary, "worker", "--connect", ENDPOINT, "--name", name, "--slots", str(self.slots),
            "--prefetch", str(self.prefetch), "--allow-test-kinds", "--log-level", "info",
        ], self.dir / f"{name}-{n + 1}.log")
        self.workers[name] = p.start()
        return p

    def start(self, failpoint: str | None = None, max_queued: int = 1_000_000) -> None:
        self.start_coordinator(failpoint, max_queued)
        for w in WORKERS:
            self.start_worker(w)
        self.wait_workers(len(WORKERS))

    def stop_all(self) -> None:
        for w in self.workers.values():
            try:
                w.stop(timeout=20)
            except Violation:
                pass
        for c in self.coordinators:
            try:
                c.stop(timeout=20)
            except Violation:
                pass

    # Client commands (run inside drv-coord; traffic stays inside the namespaces)

    def drover(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(["ip", "netns", "exec", f"{PREFIX}-coord", self.binary, *args, "--connect", ENDPOINT],
                              capture_output=True, text=True, timeout=timeout)

    def status(self, timeout_ms: int = 1000) -> dict | None:
        try:
            r = self.drover("status", "--json", "--timeout", str(timeout_ms), timeout=timeout_ms / 1000 + 10)
        except subprocess.TimeoutExpired:
            return None
        if r.returncode != 0:
            return None
        try:
            return json.loads(r.stdout)
        except json.JSONDecodeError:
            return None

    def submit(self, kind: str, count: int, key: str, params: dict[str, str] | None = None,
               attempts: int = 8) -> dict:
        """Submits with idempotency keys; a failed attempt (coordinator down) is retried safely."""
        args = ["submit", "--kind", kind, "--count", str(count), "--idempotency-key", key, "--json", "--timeout", "3000"]
        for k, v in (params or {}).items():
            args += ["--param", f"{k}={v}"]
        last = ""
        for _ in range(attempts):
            r = self.drover(*args, timeout=120)
            if r.returncode == 0:
                return json.loads(r.stdout)
            last = r.stderr.strip()
            time.sleep(0.5)
        raise Violation(f"submit {key} failed {attempts} times: {last}")

    def wait_workers(self, alive: int, timeout: float = 30) -> None:
        def ok():
            s = self.status()
            return s is not None and s["workers"]["alive"] == alive and s["workers"]["suspect"] == 0
        wait_for(f"{alive} alive workers and no suspect", ok, timeout)

    def progress(self) -> tuple[int, int]:
        """(succeeded, not terminal) from status, or (-1, -1) if the coordinator does not answer."""
        s = self.status()
        if s is None:
            return -1, -1
        j = s["jobs"]
        return j["succeeded"], j["queued"] + j["assigned"] + j["running"] + j["retry-wait"]

    def wait_succeeded(self, at_least: int, timeout: float = 60) -> None:
        wait_for(f"{at_least} succeeded jobs", lambda: self.progress()[0] >= at_least, timeout)

    def wait_drained(self, total: int, held: int = 0, timeout: float = 120) -> float:
        """Until every job is terminal or held (`total` jobs known); returns when it happened."""
        def ok():
            s = self.status()
            if s is None:
                return False
            j = s["jobs"]
            active = j["queued"] + j["assigned"] + j["running"] + j["retry-wait"]
            known = sum(v for v in j.values())
            return active == 0 and j["held"] == held and known >= total
        wait_for(f"all {total} jobs terminal ({held} held)", ok, timeout, interval=0.1)
        return time.monotonic()

    def recovery(self, since: float, alive: int, timeout: float = 60) -> float:
        """Seconds from `since` until `alive` workers are connected, none suspect, and jobs complete again."""
        base = None

        def ok():
            nonlocal base
            s = self.status()
            if s is None:
                return False
            j = s["jobs"]
            active = j["queued"] + j["assigned"] + j["running"] + j["retry-wait"]
            if base is None:
                base = j["succeeded"]
            whole = s["workers"]["alive"] == alive and s["workers"]["suspect"] == 0
            return whole and (j["succeeded"] > base or active == 0)
        wait_for("recovery", ok, timeout, interval=0.05)
        return time.monotonic() - since

    # Invariants

    def audit(self) -> dict:
        r = subprocess.run([self.binary, "journal", "audit", "--data-dir", str(self.data), "--json"],
                           capture_output=True, text=True, timeout=300)
        if r.returncode not in (0, 1):
            raise Violation(f"journal audit failed: {r.stderr.strip()}")
        return json.loads(r.stdout)

    def discarded_results(self) -> int:
        """Sum of `discarded_results` logged by coordinators that shut down gracefully."""
        total = 0
        for c in self.coordinators:
            text = c.log.read_text(errors="replace") if c.log.exists() else ""
            total += sum(int(m) for m in re.findall(r"discarded_results=(\d+)", text))
        return total


def check(audit: dict, expected_jobs: int, expected_held: int = 0, all_succeed: bool = True) -> list[str]:
    """Violations of the exactly-once invariants, as messages (empty when all hold). Without
    `all_succeed` (pipelines that cancel or re-submit jobs) only: every job terminal, committed
    once, nothing orphaned, and at least `expected_jobs` jobs."""
    problems = []
    if audit["submitted"] != expected_jobs and (all_succeed or audit["submitted"] < expected_jobs):
        problems.append(f"submitted {audit['submitted']} jobs, expected {expected_jobs}")
    for key in ("unfinished", "duplicates", "orphans", "duplicateKeys"):
        if audit[key] != 0:
            problems.append(f"{key} = {audit[key]} (examples {audit['examples']})")
    if audit["held"] != expected_held:
        problems.append(f"held {audit['held']}, expected {expected_held} ({audit['heldJobs']})")
    succeeded = audit["byState"].get("succeeded", 0)
    if all_succeed and succeeded != expected_jobs - expected_held:
        problems.append(f"succeeded {succeeded}, expected {expected_jobs - expected_held}; states {audit['byState']}")
    return problems
