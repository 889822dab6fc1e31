"""Helpers for programs run as Drover ``command`` jobs (see docs/commands.md).

Inside a job the worker sets ``DROVER_METRICS``, ``DROVER_OUTPUT_DIR``, ``DROVER_INPUT_DIR`` and the
job's ids; these functions use them so a script never needs to know the protocol::

    from drover_helper import log_metric, log_param, input_path, output_dir

    log_param("lr", 0.1)
    for step, loss in enumerate(train(input_path("train.csv")), start=1):
        log_metric("loss", loss, step=step)
    model.save(output_dir() / "model.pkl")

Outside Drover (no ``DROVER_METRICS``) the same script still runs: metric lines go to stderr,
``input_path`` returns the name as a local path and ``output_dir`` is ``./drover-out``.
"""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path
from typing import Optional, Union

__all__ = ["log_metric", "log_param", "input_path", "output_dir", "job_id", "attempt", "run_id", "in_drover"]

Number = Union[int, float]


def in_drover() -> bool:
    """Whether this process runs as a Drover command job."""
    return "DROVER_METRICS" in os.environ


def _append(record: dict) -> None:
    line = json.dumps(record, separators=(",", ":"), allow_nan=False) + "\n"
    path = os.environ.get("DROVER_METRICS")
    if path is None:
        sys.stderr.write(line)
        return
    # One write on an O_APPEND descriptor: lines from several processes never interleave.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)


def _check_name(kind: str, name: str) -> None:
    if not isinstance(name, str) or not name or len(name) > 256:
        raise ValueError(f"{kind} name must be a non-empty string of at most 256 characters, got {name!r}")


def log_metric(name: str, value: Number, step: Optional[int] = None) -> None:
    """Records a metric value (the last value of each name is the job's final metric)."""
    _check_name("metric", name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"metric {name!r}: value must be a number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise ValueError(f"metric {name!r}: value must be finite, got {value}")
    record: dict = {"metric": name, "value": float(value)}
    if step is not None:
        if isinstance(step, bool) or not isinstance(step, int):
            raise TypeError(f"metric {name!r}: step must be an int, got {type(step).__name__}")
        record["step"] = step
    _append(record)


def log_param(name: str, value: Union[str, Number]) -> None:
    """Records a parameter of the run (numeric ones also appear as metric ``param.NAME``)."""
    _check_name("param", name)
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise TypeError(f"param {name!r}: value must be a string or number, got {type(value).__name__}")
    _append({"param": name, "value": value if isinstance(value, str) else str(value)})


def input_path(name: str) -> Path:
    """The local file of the job's input ``name`` (its ``inputs`` parameter)."""
    directory = os.environ.get("DROVER_INPUT_DIR")
    if directory is None:
        return Path(name)
    path = Path(directory) / name
    if not path.exists():
        present = sorted(p.name for p in Path(directory).iterdir()) if Path(directory).is_dir() else []
        raise FileNotFoundError(f"input {name!r} is not among this job's inputs {present}; submit it with --input {name}=sha256:…")
    return path


def output_dir() -> Path:
    """The directory whose files become the job's output artifacts when it succeeds."""
    path = Path(os.environ.get("DROVER_OUTPUT_DIR", "drover-out"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def job_id() -> Optional[int]:
    value = os.environ.get("DROVER_JOB_ID")
    return int(value) if value else None


def attempt() -> Optional[int]:
    value = os.environ.get("DROVER_ATTEMPT")
    return int(value) if value else None


def run_id() -> Optional[str]:
    return os.environ.get("DROVER_RUN_ID") or None
