"""A small client for Drover's HTTP API (``/api/v1``, docs/http-api.md), standard library only.

::

    from drover_helper.api import DroverAPI

    api = DroverAPI("http://127.0.0.1:8080", token=os.environ["DROVER_TOKEN"])
    run = api.start_run(open("pipeline.yaml").read(), params={"trees": "60"})
    run = api.wait_run(run.id, timeout=600)          # follows the event stream
    print(run.state, api.run_metrics(run.id))
    if run.version is not None and run.state == "rejected":
        api.promote("churn", run.version, reason="checked by hand")

Errors from the server raise :class:`APIError` with its HTTP status, code and message. For HTTPS
with a private certificate authority pass ``cafile=``.
"""

from __future__ import annotations

import json
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, cast

__all__ = ["DroverAPI", "APIError", "Run", "Step", "Promotion"]

JSON = Dict[str, Any]


class APIError(Exception):
    """An answer other than 2xx: ``status`` (HTTP), ``code`` (e.g. ``forbidden``) and ``message``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Step:
    name: str
    type: str
    status: str
    jobs: int
    jobs_done: int
    needs: List[str]
    metrics: Dict[str, float]
    message: Optional[str]

    @staticmethod
    def from_json(s: JSON) -> "Step":
        return Step(name=s["name"], type=s["type"], status=s["status"], jobs=s.get("jobs", 0), jobs_done=s.get("jobsDone", 0),
                    needs=list(s.get("needs") or []), metrics=dict(s.get("metrics") or {}), message=s.get("message"))


@dataclass(frozen=True)
class Run:
    """A pipeline run as the coordinator sees it (``RunInfo``)."""

    id: str
    pipeline: str
    state: str
    exit_code: Optional[int]
    message: Optional[str]
    version: Optional[int]
    steps: List[Step] = field(default_factory=list)
    verdict: Optional[JSON] = None

    @property
    def finished(self) -> bool:
        return self.state != "running"

    @staticmethod
    def from_json(r: JSON) -> "Run":
        return Run(id=r["id"], pipeline=r["pipeline"], state=r["state"], exit_code=r.get("exitCode"), message=r.get("message"),
                   version=r.get("version"), steps=[Step.from_json(s) for s in r.get("steps", [])], verdict=r.get("verdict"))


@dataclass(frozen=True)
class Promotion:
    model: str
    alias: str
    from_version: Optional[int]
    to_version: int
    actor: str


class DroverAPI:
    """One server and one token. Each call is one HTTP request (no state between calls)."""

    def __init__(self, base_url: str, token: str, timeout: float = 30.0, cafile: Optional[str] = None) -> None:
        self.base = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._context = ssl.create_default_context(cafile=cafile) if self.base.startswith("https:") else None

    # ---- transport ---------------------------------------------------------------------------
    def _request(self, method: str, path: str, body: Optional[JSON] = None, query: Optional[Dict[str, Any]] = None,
                 headers: Optional[Dict[str, str]] = None, timeout: Optional[float] = None) -> Any:
        url = self.base + "/api/v1" + path
        if query:
            url += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        data = None if body is None else json.dumps(body).encode()
        all_headers = {"Authorization": "Bearer " + self.token, "Accept": "application/json"}
        if data is not None:
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        req = urllib.request.Request(url, data=data, method=method, headers=all_headers)
        try:
            return urllib.request.urlopen(req, timeout=timeout or self.timeout, context=self._context)
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                err = json.loads(raw)["error"]
                raise APIError(err["status"], err["code"], err["message"]) from None
            except (ValueError, KeyError, TypeError):
                raise APIError(e.code, "http_error", raw.decode(errors="replace")[:500]) from None

    def _json(self, method: str, path: str, body: Optional[JSON] = None, **query: Any) -> Any:
        with self._request(method, path, body=body, query=query) as r:
            return json.loads(r.read())

    # ---- reads -------------------------------------------------------------------------------
    def cluster(self) -> JSON:
        """``drover status`` and ``drover workers`` in one."""
        return cast(JSON, self._json("GET", "/cluster"))

    def jobs(self, state: Optional[str] = None, kind: Optional[str] = None, limit: int = 50) -> Iterator[JSON]:
        """Every job (newest first), following the pages' cursors."""
        cursor: Optional[str] = None
        while True:
            page = self._json("GET", "/jobs", state=state, kind=kind, limit=limit, cursor=cursor)
            yield from page["items"]
            cursor = page.get("next")
            if not cursor:
                return

    def job(self, job_id: int) -> JSON:
        return cast(JSON, self._json("GET", f"/jobs/{job_id}"))

    def runs(self, state: Optional[str] = None, limit: int = 50) -> List[JSON]:
        """The newest ``limit`` runs' records."""
        return cast(List[JSON], self._json("GET", "/runs", state=state, limit=limit)["items"])

    def run(self, run_id: str) -> Run:
        view = self._json("GET", "/runs/" + urllib.parse.quote(run_id, safe=""))
        if view.get("run") is None:
            rec = view["record"]
            return Run(id=rec["id"], pipeline=rec["pipeline"], state=rec["status"], exit_code=None, message=rec.get("message"), version=None)
        return Run.from_json(view["run"])

    def run_metrics(self, run_id: str) -> Dict[str, float]:
        """A run's latest value of each metric."""
        return cast(Dict[str, float], self._json("GET", "/runs/" + urllib.parse.quote(run_id, safe=""))["metrics"])

    def model(self, name: str) -> JSON:
        """Versions, aliases, verdicts, alias history and metric history."""
        return cast(JSON, self._json("GET", "/models/" + urllib.parse.quote(name, safe="")))

    def champion(self, name: str) -> Optional[int]:
        return cast(Optional[int], self.model(name)["model"]["aliases"].get("champion"))

    # ---- actions (operator token) -------------------------------------------------------------
    def start_run(self, yaml: str, file: str = "pipeline.yaml", params: Optional[Dict[str, str]] = None) -> Run:
        """``drover run``: starts a pipeline from its YAML text; returns at once."""
        return Run.from_json(self._json("POST", "/runs", {"yaml": yaml, "file": file, "params": params or {}}))

    def cancel(self, job_id: int) -> JSON:
        return cast(JSON, self._json("POST", f"/jobs/{job_id}/cancel", {}))

    def promote(self, model: str, version: int, alias: Optional[str] = None, reason: Optional[str] = None) -> Promotion:
        """Moves ``alias`` (champion) to ``version``; without a passing verdict a ``reason`` is needed (else 422)."""
        body: JSON = {"version": version}
        if alias:
            body["alias"] = alias
        if reason:
            body["reason"] = reason
        return self._move(model, self._json("POST", f"/models/{urllib.parse.quote(model, safe='')}/promote", body))

    def rollback(self, model: str, alias: Optional[str] = None, to: Optional[int] = None, reason: Optional[str] = None) -> Promotion:
        body: JSON = {k: v for k, v in (("alias", alias), ("to", to), ("reason", reason)) if v is not None}
        return self._move(model, self._json("POST", f"/models/{urllib.parse.quote(model, safe='')}/rollback", body))

    @staticmethod
    def _move(model: str, r: JSON) -> Promotion:
        m = r.get("move", r)
        return Promotion(model=model, alias=m["alias"], from_version=m.get("fromVersion"), to_version=m["toVersion"], actor=m["actor"])

    # ---- events ------------------------------------------------------------------------------
    def events(self, after: Optional[str] = None, timeout: Optional[float] = None,
               types: Optional[Sequence[str]] = None) -> Iterator[Tuple[str, str, JSON]]:
        """Server-sent events as ``(id, type, data)``, resuming after ``after`` (an earlier id), only
        of ``types`` when given (``job`` events, one per job transition, can come by the hundred
        thousand a second: leave them out unless you need them). The stream is open when this
        returns (events from then on are not missed)."""
        return self._frames(self._open_events(after, timeout, types))

    def _open_events(self, after: Optional[str], timeout: Optional[float], types: Optional[Sequence[str]] = None) -> Any:
        headers = {"Accept": "text/event-stream"}
        if after:
            headers["Last-Event-ID"] = after
        path = "/events" + ("?types=" + ",".join(types) if types else "")
        return self._request("GET", path, headers=headers, timeout=timeout or self.timeout)

    @staticmethod
    def _frames(response: Any) -> Iterator[Tuple[str, str, JSON]]:
        with response as r:
            event_id, kind = "", "message"
            data: List[str] = []
            for raw in r:
                line = raw.decode().rstrip("\r\n")
                if not line:
                    if data and kind != "message":
                        yield event_id, kind, json.loads("\n".join(data))
                    kind, data = "message", []
                elif line.startswith("id:"):
                    event_id = line[3:].strip()
                elif line.startswith("event:"):
                    kind = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].lstrip())

    def wait_run(self, run_id: str, timeout: float = 3600.0) -> Run:
        """Blocks until the run ends, following the event stream (opened before the first look, so no
        change between the two is missed); raises ``TimeoutError`` after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        stream = self.events(timeout=min(timeout, 60.0), types=("run",))
        current = self.run(run_id)
        while not current.finished:
            if time.monotonic() > deadline:
                raise TimeoutError(f"run {run_id} still {current.state} after {timeout} s")
            try:
                _, kind, data = next(stream)
            except (StopIteration, OSError):  # the server closed or the read timed out: look again and reopen
                stream = self.events(timeout=min(timeout, 60.0), types=("run",))
                current = self.run(run_id)
                continue
            if kind == "run" and data["run"]["id"] == run_id:
                current = Run.from_json(data["run"])
            elif kind in ("reset", "dropped"):
                current = self.run(run_id)
        return current
