"""The service end to end on the demo scenario's real capture data: the real monitors through
the scheduler, traffic and KPI metrics from an event table joined by inference id, a threshold
alert on a KPI, `driftline schedule run` as a real process with its Prometheus endpoint, stopped
cleanly by SIGTERM after the current execution."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from driftline import suggest_baseline
from driftline.scenario import write_scenario
from driftline.service.config import load_config
from driftline.service.scheduler import Scheduler
from driftline.service.store import Store

UTC = timezone.utc


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    root = tmp_path_factory.mktemp("scenario")
    sc = write_scenario(root / "data", seed=3, rows_per_hour=50, train_rows=1000)
    suggest_baseline(sc.train_path, has_header=False).write(root / "baseline")
    # business events: one per request, clicked with probability 0.3 (0.05 on day two), a latency
    ids = pl.concat([pl.read_ndjson(p).select(pl.col("eventMetadata").struct.field("inferenceId"),
                                              pl.col("eventMetadata").struct.field("inferenceTime"))
                     for p in sorted(sc.capture_dir.rglob("*.jsonl"))])
    rng = np.random.default_rng(0)
    day2 = ids["inferenceTime"].str.starts_with("2026-11-02").to_numpy()
    clicked = (rng.random(ids.height) < np.where(day2, 0.05, 0.3)).astype(np.int64)
    events = ids.with_columns(clicked=pl.Series(clicked), latency_ms=pl.Series(rng.gamma(2.0, 20.0, ids.height)))
    events.write_csv(root / "events.csv")
    return root, sc


def write_config(root: Path, sc: object, extra: str = "") -> Path:
    text = f"""
[store]
path = "state/driftline.db"

[[monitors]]
name = "dq"
model = "credit-risk"
type = "data-quality"
baseline = "baseline"
data = "data/capture"
schedule = "hourly"
start = "{sc.start.isoformat().replace('+00:00', 'Z')}"  # type: ignore[attr-defined]

[monitors.events]
path = "events.csv"
join_key = "inferenceId"

[monitors.events.metrics]
clicked = "mean"
latency_ms = "p50,p99"

[[monitors.alerts]]
name = "ctr"
metric = "kpi_clicked_mean"
op = "<"
threshold = 0.15
datapoints_to_alert = 3
evaluation_period = 4
{extra}"""
    p = root / "monitors.toml"
    p.write_text(text.replace("  # type: ignore[attr-defined]", ""), encoding="utf-8")
    return p


def test_real_monitors_traffic_and_kpi_alert(scenario: tuple[Path, object], tmp_path: Path) -> None:
    root, sc = scenario
    config = load_config(write_config(root, sc))
    with Store.open(config.store.target) as store:
        done = Scheduler(config, store).run_once(sc.start + timedelta(hours=48))  # type: ignore[attr-defined]
        assert len(done) == 48 and all(e.status in ("Completed", "CompletedWithViolations") for e in done)
        e = done[0]
        assert e.metrics["traffic_requests"] == 50 and e.metrics["traffic_requests_per_minute"] == pytest.approx(50 / 60)
        assert e.metrics["traffic_bad_record_rate"] == 0 and e.metrics["kpi_matched_share"] == 1.0
        assert 0 < e.metrics["kpi_latency_ms_p50"] < e.metrics["kpi_latency_ms_p99"]
        assert "host_memory_percent" in e.metrics and "feature_non_null__c0" in e.metrics
        # the click-through KPI computed in the window equals the events table's own mean
        events = pl.read_csv(root / "events.csv")
        first = events.filter(pl.col("inferenceTime") < "2026-11-01T01")
        assert e.metrics["kpi_clicked_mean"] == pytest.approx(first["clicked"].mean(), rel=1e-12)
        history = [(h["previous"], h["state"]) for h in reversed(store.alert_history("dq"))]
        assert history == [("InsufficientData", "OK"), ("OK", "InAlert")]  # the click-through drops on day two
        assert store.alert_state("dq", "ctr")[0] == "InAlert"


def test_schedule_run_serves_metrics_and_stops_on_sigterm(scenario: tuple[Path, object], tmp_path: Path) -> None:
    root, sc = scenario
    work = tmp_path / "svc"
    work.mkdir()
    for name in ("baseline", "data", "events.csv"):
        os.symlink(root / name, work / name)
    path = write_config(work, sc)
    proc = subprocess.Popen([sys.executable, "-c", "import sys; from driftline.cli import main; sys.exit(main(sys.argv[1:]))",
                             "schedule", "run", "--config", str(path), "--metrics-port", "0", "--poll-seconds", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=work)
    try:
        assert proc.stdout is not None
        port = None
        deadline = time.monotonic() + 60
        lines = []
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            m = re.search(r"metrics: http://127\.0\.0\.1:(\d+)/metrics", line)
            if m:
                port = int(m.group(1))
            if port and " [2026-11-01T05:00:00Z" in line:  # a few executions recorded
                break
        assert port, lines
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
        assert re.search(r'driftline_metric\{model="credit-risk",monitor="dq",name="traffic_requests"\} 50\.0', body), body[:2000]
        assert 'driftline_executions{model="credit-risk",monitor="dq",status="Completed"}' in body
        assert 'driftline_alert_state{alert="ctr",model="credit-risk",monitor="dq",state="OK"} 1.0' in body
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "SIGTERM: stopping after the current execution" in out and "scheduler stopped" in out
    with Store.open(load_config(path).store.target) as store:
        rows = store.executions("dq")
    assert rows and all(e.status != "InProgress" for e in rows)  # the current execution finished
    hours = sorted(e.window_start for e in rows)
    assert hours == [sc.start + timedelta(hours=k) for k in range(len(hours))]  # type: ignore[attr-defined]


def test_a_model_quality_monitor_through_the_scheduler(scenario: tuple[Path, object], tmp_path: Path) -> None:
    """A model-quality monitor as SageMaker schedules one: every 6 hours, over the window that
    ended a day earlier (the labels arrive a day late), with its options from the config."""
    from driftline.model_quality import suggest_model_quality_baseline
    from driftline.scenario import DECISION_THRESHOLD

    root, sc = scenario
    base = suggest_model_quality_baseline(sc.validation_path, problem_type="BinaryClassification",  # type: ignore[attr-defined]
                                          ground_truth_attribute="label", probability_attribute="score",
                                          probability_threshold_attribute=DECISION_THRESHOLD)
    base.write(root / "mq-baseline")
    start = sc.start.isoformat().replace("+00:00", "Z")  # type: ignore[attr-defined]
    (root / "mq.toml").write_text(f"""
[store]
path = "mq-state/driftline.db"

[[monitors]]
name = "mq"
type = "model-quality"
baseline = "mq-baseline"
data = "data/capture"
ground_truth = "data/groundtruth"
schedule = "every 6 hours"
start = "{start}"
start_offset = "-P1DT6H"
end_offset = "-P1D"
out = "mq-runs/{{window_start}}"

[monitors.options]
probability_attribute = "0"
probability_threshold_attribute = {DECISION_THRESHOLD}
bootstrap = 0
""", encoding="utf-8")
    config = load_config(root / "mq.toml")
    at = sc.start + timedelta(days=3)  # type: ignore[attr-defined]
    with Store.open(config.store.target) as store:
        done = Scheduler(config, store).run_once(at)
    # windows [start + 6k h, start + 6(k+1) h) whose scheduled time (end + 1 day) is <= at: k = 0..7
    assert [e.window_start for e in done] == [sc.start + timedelta(hours=6 * k) for k in range(8)]  # type: ignore[attr-defined]
    assert all(e.status in ("Completed", "CompletedWithViolations") for e in done), [e.reason for e in done]
    e = done[0]
    assert "recall" in e.metrics and 0 <= e.metrics["recall"] <= 1 and e.metrics["traffic_requests"] == 6 * 50
    assert (Path(e.output) / "statistics.json").exists() and (Path(e.output) / "merge_report.json").exists()


def test_a_bias_monitor_through_the_scheduler(scenario: tuple[Path, object], tmp_path: Path) -> None:
    """A daily bias-drift monitor (Clarify's analysis configuration, ground truth joined by
    inference id); its bias metrics are stored per stage, facet and value."""
    from driftline.bias import suggest_bias_baseline
    from driftline.demo_clarify import FEATURES
    from driftline.scenario import DECISION_THRESHOLD

    root, sc = scenario
    train = pl.read_csv(sc.train_path, has_header=False, new_columns=["score", *FEATURES])  # type: ignore[attr-defined]
    base = train.with_columns(label=pl.read_csv(sc.validation_path)["label"])  # type: ignore[attr-defined]
    (root / "bias_config.json").write_text(json.dumps({
        "headers": ["label", *FEATURES, "score"], "label": "label", "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "region", "value_or_threshold": ["east"]}], "probability": "score",
        "probability_threshold": DECISION_THRESHOLD, "methods": {"pre_training_bias": {"methods": ["DPL", "CI"]},
                                                                 "post_training_bias": {"methods": ["DPPL"]}}}), encoding="utf-8")
    suggest_bias_baseline(base, root / "bias_config.json", out=root / "bias-baseline")
    start = sc.start.isoformat().replace("+00:00", "Z")  # type: ignore[attr-defined]
    (root / "bias.toml").write_text(f"""
[store]
path = "bias-state/driftline.db"

[[monitors]]
name = "bias"
model = "credit-risk"
type = "bias"
baseline = "bias-baseline"
analysis_config = "bias_config.json"
data = "data/capture"
ground_truth = "data/groundtruth"
schedule = "daily"
start = "{start}"
out = "bias-runs/{{window_start}}"

[monitors.options]
rule = "confidence-interval"
""", encoding="utf-8")
    config = load_config(root / "bias.toml")
    with Store.open(config.store.target) as store:
        done = Scheduler(config, store).run_once(sc.start + timedelta(days=2))  # type: ignore[attr-defined]
        assert [e.status for e in done] == ["Completed", "CompletedWithViolations"], [e.reason for e in done]
        series = store.metric_series("bias", "bias_metric_DPL[Pre-training,region,east]")
        assert len(series) == 2 and series[0][1] != series[1][1]
        assert (Path(done[1].output) / "analysis.json").exists()


def test_bias_and_attribution_monitors_need_their_analysis_configuration(tmp_path: Path) -> None:
    from driftline.service.config import ConfigError

    text = """[[monitors]]
name = "x"
type = "attribution"
baseline = "b"
data = "d"
schedule = "daily"
start = "2026-11-01T00:00Z"
"""
    (tmp_path / "a.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="needs analysis_config"):
        load_config(tmp_path / "a.toml")
    (tmp_path / "b.toml").write_text(text.replace('type = "attribution"', 'type = "data-quality"\nanalysis_config = "c.json"'), encoding="utf-8")
    with pytest.raises(ConfigError, match="only bias and attribution monitors"):
        load_config(tmp_path / "b.toml")
    (tmp_path / "c.toml").write_text(text + 'analysis_config = "c.json"\n[monitors.options]\nmodel = "m:f"\nthreshold = 0.8\n', encoding="utf-8")
    assert load_config(tmp_path / "c.toml").monitors[0].options == {"model": "m:f", "threshold": 0.8}


def test_an_abtest_needs_no_baseline_and_its_file_options_follow_the_config(tmp_path: Path) -> None:
    from driftline.service.scheduler import _abtest_metrics

    (tmp_path / "ab.toml").write_text("""[[monitors]]
name = "ab"
type = "abtest"
data = "traffic.csv"
schedule = "daily"
start = "2026-11-01T00:00Z"
[monitors.options]
variant_column = "variant"
metrics = ["converted:binary"]
events = "events.csv"
join_key = "id"
""", encoding="utf-8")
    m = load_config(tmp_path / "ab.toml").monitors[0]
    assert m.options["events"] == str(tmp_path / "events.csv") and m.data == tmp_path / "traffic.csv"

    class Run:
        srm = {"pvalue": 0.4}
        metrics = [{"name": "converted", "variant": "B", "difference": 0.02, "pvalue": 0.01}, {"name": "x", "variant": "B", "pvalue": None}]

    assert _abtest_metrics(Run()) == {"abtest_srm_pvalue": 0.4, "abtest_converted_difference[B]": 0.02, "abtest_converted_pvalue[B]": 0.01}
