"""The Python SDK (clients/python, drover_helper.api) against a real `drover up --http`.

A `drover demo` fills a data directory (datasets, churn runs, model versions); `drover up` serves
it. Run after the Swift build: python -m pytest -q tests/sdk (needs clients/python installed or on
the path).
"""
import os
import sys

import pytest

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "..", "clients", "python", "src"))
sys.path.insert(0, os.path.join(HERE, "..", "web"))

from drover_helper.api import APIError, DroverAPI  # noqa: E402
from test_dashboard import Cluster  # noqa: E402  (the same real cluster the browser tests use)


@pytest.fixture(scope="module")
def cluster():
    c = Cluster()
    yield c
    c.close()


def base(cluster):
    return f"http://127.0.0.1:{cluster.http}"


def test_start_wait_metrics_promote(cluster):
    op = DroverAPI(base(cluster), cluster.operator)
    read = DroverAPI(base(cluster), cluster.read)
    span = read._json("GET", "/datasets/customers")["spans"][0]["span"]
    yaml = open(os.path.join(HERE, "..", "web", "churn.yaml")).read().replace("SPAN", str(span))
    jobs = read.events(types=("job",), timeout=60)  # every transition of the run's jobs, opened first
    run = op.start_run(yaml, file="churn.yaml", params={"trees": "30"})
    assert run.state == "running" and [s.name for s in run.steps][:2] == ["validate", "features"]
    assert run.steps[1].needs == ["validate"]
    done = read.wait_run(run.id, timeout=300)
    assert done.finished and done.state in ("promoted", "rejected", "succeeded"), done
    states: dict = {}
    for _, kind, data in jobs:
        assert kind == "job", kind
        states.setdefault(data["id"], []).append(data["state"])
        if data["state"] == "succeeded":
            break
    ended = [s for s in states.values() if s[-1] == "succeeded"]
    assert ended and ended[0][0] == "queued" and "assigned" in ended[0], states
    metrics = read.run_metrics(run.id)
    assert "roc_auc" in metrics and 0 <= metrics["roc_auc"] <= 1, metrics
    assert done.version is not None

    with pytest.raises(APIError) as refused:
        read.promote("churn", done.version, reason="sdk test")
    assert refused.value.status == 403 and refused.value.code == "forbidden"
    before = read.champion("churn")
    target = 1 if before != 1 else done.version
    move = op.promote("churn", target, reason="sdk test")
    assert move.to_version == target and move.actor.startswith("token:browser-op")
    assert read.champion("churn") == target
    back = op.rollback("churn", reason="sdk test")
    assert back.to_version == before and read.champion("churn") == before


def test_pages_and_errors(cluster):
    read = DroverAPI(base(cluster), cluster.read)
    jobs = list(read.jobs(limit=7))
    total = sum(v for v in read.cluster()["status"]["jobs"].values())
    assert len(jobs) == total and len({j["id"] for j in jobs}) == total
    with pytest.raises(APIError) as missing:
        read.job(10_000_000)
    assert missing.value.status == 404 and missing.value.code == "not_found"
    with pytest.raises(APIError) as bad:
        DroverAPI(base(cluster), "drv_00000000_nope").cluster()
    assert bad.value.status == 401
