"""driftline.scenario.write_scenario: the demo's training data and three days of SageMaker data
capture, deterministic from a seed, with four problems injected on day two and none on days one
and three."""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from driftline import stats
from driftline.errors import InvalidArgumentError
from driftline.io import METADATA_COLUMNS, read_capture
from driftline.scenario import (
    COLUMNS,
    CORRUPT_VALUES,
    DEBT_RATIO_MISSING_SHARE,
    INCOME_FACTOR,
    KIOSK_SHARE,
    NUM_ACCOUNTS_CORRUPT_SHARE,
    Scenario,
    score,
    write_scenario,
)

START = datetime(2026, 11, 1, tzinfo=timezone.utc)
NUMERIC = ["_c0", "_c1", "_c2", "_c3", "_c4"]
CATEGORICAL = ["_c5", "_c6"]
ROWS, TRAIN_ROWS = 40, 400  # small sizes for the file-level tests
FILE_NAME = re.compile(r"^\d{2}-\d{2}-\d{3}-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.jsonl$")


def small(root: Path, seed: int = 7, start: datetime = START) -> Scenario:
    return write_scenario(root, seed=seed, rows_per_hour=ROWS, train_rows=TRAIN_ROWS, start=start)


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def read_train(s: Scenario) -> pl.DataFrame:
    return pl.read_csv(s.train_path, has_header=False, new_columns=list(COLUMNS), infer_schema=False)


def robust(distance: float, n: int, m: int) -> float:
    """Deequ's linf_robust from linf_simple (research notes §1.5)."""
    return max(0.0, distance - 1.8 * math.sqrt((n + m) / (n * m)))


def category_linf(a: list[str], b: list[str]) -> float:
    keys = sorted(set(a) | set(b))
    return max(abs(a.count(k) / len(a) - b.count(k) / len(b)) for k in keys)


def hour_frame(frame: pl.DataFrame, hour: datetime) -> pl.DataFrame:
    return frame.filter((pl.col("inferenceTime") >= hour) & (pl.col("inferenceTime") < hour + timedelta(hours=1)))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """The scenario at the demo's defaults."""
    return write_scenario(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def demo_capture(demo: Scenario) -> pl.DataFrame:
    capture = read_capture(demo.capture_dir)
    assert not capture.bad_records
    return capture.frame


# --------------------------------------------------------------------------------------------
# Determinism and files


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    a = small(tmp_path / "a")
    b = small(tmp_path / "b")
    c = small(tmp_path / "c", seed=8)
    ta, tb, tc = tree(a.root), tree(b.root), tree(c.root)
    assert ta == tb
    assert len(ta) == 1 + 72 + 1 + 72  # train.csv, capture hours, validation.csv, ground-truth hours
    assert ta["train.csv"] != tc["train.csv"] and ta["validation.csv"] != tc["validation.csv"]
    captured = {k for k in ta if k.startswith("capture/")}
    assert captured.isdisjoint(set(tc))  # capture file names carry seeded uuids


def test_layout_and_records(tmp_path: Path) -> None:
    s = small(tmp_path / "out")
    assert (s.endpoint, s.variant, s.start) == ("credit-risk", "AllTraffic", START)
    assert s.capture_dir == s.root / "capture" and s.train_path == s.root / "train.csv"
    assert s.hours == tuple(START + timedelta(hours=h) for h in range(72))
    assert s.end == START + timedelta(days=3)
    assert s.day_window(2) == (START + timedelta(days=1), START + timedelta(days=2))

    files = sorted(s.capture_dir.rglob("*.jsonl"))
    assert files == sorted(s.files) and len(files) == 72
    event_ids: set[str] = set()
    for path, hour in zip(files, s.hours):
        rel = path.relative_to(s.capture_dir).parts
        assert rel[:6] == ("credit-risk", "AllTraffic", f"{hour:%Y}", f"{hour:%m}", f"{hour:%d}", f"{hour:%H}")
        assert FILE_NAME.match(rel[6]), rel[6]
        lines = path.read_text(encoding="utf-8").splitlines()
        assert len(lines) == ROWS
        records = [json.loads(line) for line in lines]
        times = [datetime.fromisoformat(r["eventMetadata"]["inferenceTime"].replace("Z", "+00:00")) for r in records]
        assert times == sorted(times) and hour <= times[0] and times[-1] < hour + timedelta(hours=1)
        assert rel[6][:5] == f"{times[0]:%M-%S}"
        for r in records:
            assert list(r) == ["captureData", "eventMetadata", "eventVersion"] and r["eventVersion"] == "0"
            inp, out = r["captureData"]["endpointInput"], r["captureData"]["endpointOutput"]
            assert inp == {"observedContentType": "text/csv", "mode": "INPUT", "data": inp["data"], "encoding": "CSV"}
            assert out == {"observedContentType": "text/csv; charset=utf-8", "mode": "OUTPUT", "data": out["data"], "encoding": "CSV"}
            assert len(inp["data"].split(",")) == 6
            assert re.fullmatch(r"0\.\d{9}", out["data"])
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r["eventMetadata"]["inferenceTime"])
            assert list(r["eventMetadata"]) == ["eventId", "inferenceId", "inferenceTime"]
            event_ids.add(r["eventMetadata"]["eventId"])
    assert len(event_ids) == 72 * ROWS

    train = s.train_path.read_text(encoding="utf-8").splitlines()
    assert len(train) == TRAIN_ROWS
    assert all(len(line.split(",")) == 7 for line in train)
    assert 0.0 < float(train[0].split(",")[0]) < 1.0  # no header: the first line is data


def test_overwrites_a_previous_scenario_cleanly(tmp_path: Path) -> None:
    root = tmp_path / "out"
    small(root, seed=1)
    (root / "other.txt").write_text("kept")
    s = small(root, seed=2)
    fresh = small(tmp_path / "fresh", seed=2)
    got = tree(root)
    assert got.pop("other.txt") == b"kept"
    assert got == tree(fresh.root)
    assert sorted(p.name for p in root.iterdir()) == ["capture", "groundtruth", "other.txt", "train.csv", "validation.csv"]  # no temporaries left
    assert len(s.files) == 72


def test_arguments(tmp_path: Path) -> None:
    naive = small(tmp_path / "naive", start=datetime(2025, 1, 31, 22))
    assert naive.start == datetime(2025, 1, 31, 22, tzinfo=timezone.utc)
    assert naive.files[2].relative_to(naive.capture_dir).parts[2:6] == ("2025", "02", "01", "00")
    with pytest.raises(InvalidArgumentError, match="hour"):
        write_scenario(tmp_path / "x", start=datetime(2026, 11, 1, 0, 30, tzinfo=timezone.utc))
    with pytest.raises(InvalidArgumentError, match="rows_per_hour"):
        write_scenario(tmp_path / "x", rows_per_hour=0)
    with pytest.raises(InvalidArgumentError, match="seed"):
        write_scenario(tmp_path / "x", seed=-1)
    with pytest.raises(InvalidArgumentError, match="day"):
        naive.day_window(4)


# --------------------------------------------------------------------------------------------
# Reading it back


def test_read_capture_reads_one_hour(demo: Scenario) -> None:
    hour = demo.hours[30]
    capture = read_capture(demo.capture_dir, start=hour, end=hour + timedelta(hours=1))
    assert not capture.bad_records
    assert len(capture.files) == 1
    assert capture.output_columns == ["_c0"]
    assert capture.feature_columns == ["_c1", "_c2", "_c3", "_c4", "_c5", "_c6"]
    assert capture.frame.columns == [*COLUMNS, *METADATA_COLUMNS]
    assert capture.frame.height == demo.rows_per_hour
    assert set(capture.frame["endpoint"]) == {"credit-risk"} and set(capture.frame["variant"]) == {"AllTraffic"}


def test_scenario_description(demo: Scenario) -> None:
    assert dict(demo.feature_names) == {
        "_c0": "score",
        "_c1": "age",
        "_c2": "income",
        "_c3": "debt_ratio",
        "_c4": "num_accounts",
        "_c5": "channel",
        "_c6": "region",
    }
    assert [(i.check, i.column, i.day) for i in demo.injected] == [
        ("baseline_drift_check", "_c2", 2),
        ("categorical_values_check", "_c5", 2),
        ("completeness_check", "_c3", 2),
        ("data_type_check", "_c4", 2),
    ]
    assert all((i.start, i.end) == demo.day_window(2) for i in demo.injected)
    assert all(demo.feature_names[i.column] == i.name for i in demo.injected)
    assert (demo.rows_per_hour, demo.train_rows, demo.seed) == (200, 5000, 7)


def test_output_is_the_models_score_of_the_features(demo: Scenario, demo_capture: pl.DataFrame) -> None:
    f = demo_capture.head(2000).vstack(hour_frame(demo_capture, demo.hours[24]))  # days 1 and 2
    num = {c: f[c].cast(pl.Float64, strict=False).fill_null(float("nan")).to_numpy() for c in ["_c1", "_c2", "_c3", "_c4"]}
    expected = score(num["_c1"], num["_c2"], num["_c3"], num["_c4"], f["_c5"].to_numpy(), f["_c6"].to_numpy())
    np.testing.assert_allclose(f["_c0"].cast(pl.Float64).to_numpy(), expected, atol=6e-10, rtol=0)
    train = read_train(demo)
    t = {c: train[c].cast(pl.Float64).to_numpy() for c in ["_c0", "_c1", "_c2", "_c3", "_c4"]}
    expected = score(t["_c1"], t["_c2"], t["_c3"], t["_c4"], train["_c5"].to_numpy(), train["_c6"].to_numpy())
    np.testing.assert_allclose(t["_c0"], expected, atol=6e-10, rtol=0)


# --------------------------------------------------------------------------------------------
# The injected problems, and none outside day two


def test_day_two_has_the_injected_problems(demo: Scenario, demo_capture: pl.DataFrame) -> None:
    train = read_train(demo)
    days = {d: demo_capture.filter(pl.col("inferenceTime").is_between(*demo.day_window(d), closed="left")) for d in (1, 2, 3)}
    for hour in demo.hours[24:48]:
        f = hour_frame(demo_capture, hour)
        assert f.height == demo.rows_per_hour
        assert f["_c3"].null_count() == round(DEBT_RATIO_MISSING_SHARE * f.height)
        accounts = f["_c4"]
        bad = accounts.filter(accounts.cast(pl.Int64, strict=False).is_null())
        assert bad.len() == round(NUM_ACCOUNTS_CORRUPT_SHARE * f.height)
        assert set(bad.to_list()) <= set(CORRUPT_VALUES)
        assert (f["_c5"] == "kiosk").sum() == round(KIOSK_SHARE * f.height)
    ratio = days[2]["_c2"].cast(pl.Float64).mean() / train["_c2"].cast(pl.Float64).mean()  # type: ignore[operator]
    assert ratio == pytest.approx(INCOME_FACTOR, rel=0.05)
    for d in (1, 3):
        f = days[d]
        assert f["_c3"].null_count() == 0
        assert f["_c4"].cast(pl.Int64, strict=False).null_count() == 0
        assert "kiosk" not in set(f["_c5"])
        assert days[d]["_c2"].cast(pl.Float64).mean() / train["_c2"].cast(pl.Float64).mean() == pytest.approx(1.0, rel=0.05)  # type: ignore[operator]
    assert "kiosk" not in set(train["_c5"])
    assert train.null_count().sum_horizontal().item() == 0


def test_drift_only_where_injected(demo: Scenario, demo_capture: pl.DataFrame) -> None:
    """SageMaker's hourly check with default thresholds (robust L-infinity > 0.1): nothing on days
    one and three; income on every hour of day two, and no other column drifts (the kiosk share
    shows in categorical_values_check, not as drift; the score moves, below the threshold)."""
    train = read_train(demo)
    n = train.height
    base = {c: stats.KllSketch.of(train[c].cast(pl.Float64).to_numpy()) for c in NUMERIC}
    worst: dict[tuple[int, str], list[float]] = {}
    for h, hour in enumerate(demo.hours):
        f = hour_frame(demo_capture, hour)
        for c in NUMERIC:
            values = f[c].cast(pl.Float64, strict=False).drop_nulls().to_numpy()
            d = stats.ks_sketch(base[c], stats.KllSketch.of(values)).statistic
            worst.setdefault((h // 24 + 1, c), []).append(robust(d, n, len(values)))
        for c in CATEGORICAL:
            cats = f[c].to_list()
            worst.setdefault((h // 24 + 1, c), []).append(robust(category_linf(train[c].to_list(), cats), n, len(cats)))
    for (day, column), distances in worst.items():
        if day == 2 and column == "_c2":
            assert min(distances) > 0.2, distances
        elif day == 2 and column == "_c5":  # kiosk: simple distance 0.2, robust 0.2 - 0.13
            assert max(distances) < 0.1, distances
        elif day == 2 and column == "_c0":  # the model imputes most debt ratios: its scores narrow, short of the threshold
            assert max(distances) < 0.1, distances
        else:
            assert max(distances) < 0.05, (day, column, max(distances))


def test_ground_truth_arrives_a_day_later_and_day_two_costs_recall(tmp_path: Path) -> None:
    from driftline.io.ground_truth import read_ground_truth
    from driftline.model_quality import merge_ground_truth
    from driftline.scenario import DECISION_THRESHOLD, LABEL_DELAY, LABEL_MISSING_SHARE

    s = small(tmp_path / "s")
    gt = read_ground_truth(s.ground_truth_dir)
    assert gt.bad_records.total == 0
    # uploads start a day after the first captured hour
    assert gt.frame["uploadHour"].min() == s.start + LABEL_DELAY
    capture = read_capture(s.capture_dir)
    merged, report = merge_ground_truth(capture.frame, gt.frame)
    assert report.labels_without_predictions == 0 and report.duplicate_labels == 0
    assert report.predictions_without_labels / report.predictions == pytest.approx(LABEL_MISSING_SHARE, abs=0.015)
    frame = merged.filter(pl.col("label").is_not_null()).with_columns(
        day=((pl.col("inferenceTime") - s.start).dt.total_hours() // 24 + 1),
        flagged=pl.col("_c0").cast(pl.Float64) >= DECISION_THRESHOLD, y=pl.col("label") == "1")
    recall = {d: g.filter(pl.col("y"))["flagged"].mean() for (d,), g in frame.group_by("day")}
    # imputing the fields it cannot read costs the model its strongest signal: fewer defaulters flagged
    assert recall[2] < recall[1] - 0.05 and recall[2] < recall[3] - 0.05
    validation = pl.read_csv(s.validation_path)
    assert validation.columns == ["score", "label"] and validation.height == s.train_rows
    assert validation["label"].mean() == pytest.approx(validation["score"].mean(), abs=0.03)  # calibrated
