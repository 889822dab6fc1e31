import json
from pathlib import Path

import pytest

import drover_helper as dh


@pytest.fixture
def job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "train.csv").write_text("a,b\n1,2\n")
    monkeypatch.setenv("DROVER_METRICS", str(tmp_path / "metrics.jsonl"))
    monkeypatch.setenv("DROVER_INPUT_DIR", str(tmp_path / "in"))
    monkeypatch.setenv("DROVER_OUTPUT_DIR", str(tmp_path / "out"))
    monkeypatch.setenv("DROVER_JOB_ID", "12")
    monkeypatch.setenv("DROVER_ATTEMPT", "2")
    monkeypatch.setenv("DROVER_RUN_ID", "")
    return tmp_path


def lines(path: Path) -> list:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_metrics_and_params_follow_the_protocol(job: Path) -> None:
    dh.log_param("lr", 0.1)
    dh.log_param("model", "rf")
    dh.log_metric("loss", 0.5, step=1)
    dh.log_metric("loss", 1, step=2)
    dh.log_metric("accuracy", 0.9)
    assert lines(job / "metrics.jsonl") == [
        {"param": "lr", "value": "0.1"},
        {"param": "model", "value": "rf"},
        {"metric": "loss", "value": 0.5, "step": 1},
        {"metric": "loss", "value": 1.0, "step": 2},
        {"metric": "accuracy", "value": 0.9},
    ]


def test_bad_values_are_refused_before_writing(job: Path) -> None:
    with pytest.raises(ValueError):
        dh.log_metric("loss", float("nan"))
    with pytest.raises(TypeError):
        dh.log_metric("loss", "0.3")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        dh.log_metric("ok", True)
    with pytest.raises(ValueError):
        dh.log_param("", 1)
    assert not (job / "metrics.jsonl").exists()


def test_inputs_outputs_and_ids(job: Path) -> None:
    assert dh.input_path("train.csv").read_text().startswith("a,b")
    with pytest.raises(FileNotFoundError, match="train.csv"):
        dh.input_path("test.csv")
    out = dh.output_dir()
    assert out == job / "out" and out.is_dir()
    assert dh.job_id() == 12 and dh.attempt() == 2 and dh.run_id() is None
    assert dh.in_drover()


def test_outside_drover_metrics_go_to_stderr(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture,
                                             tmp_path: Path) -> None:
    for name in ["DROVER_METRICS", "DROVER_INPUT_DIR", "DROVER_OUTPUT_DIR", "DROVER_JOB_ID"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    dh.log_metric("loss", 0.25)
    assert json.loads(capsys.readouterr().err) == {"metric": "loss", "value": 0.25}
    assert dh.input_path("data.csv") == Path("data.csv")
    assert dh.output_dir() == Path("drover-out")
    assert not dh.in_drover() and dh.job_id() is None
