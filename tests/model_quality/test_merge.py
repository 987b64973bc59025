"""Ground truth: reading (every bad-record kind, with file and line), SageMaker's merge on
inferenceId else eventId, and its corner cases (late, missing, duplicate, conflicting and orphan
labels; records with several instances; string and numeric labels)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from driftline.errors import BadRecordError, InvalidArgumentError, InvalidInputError
from driftline.io.ground_truth import read_ground_truth
from driftline.model_quality import analysis_window, merge_ground_truth, parse_offset, select_outputs


def gt(event_id: str | None, data: Any, encoding: str = "CSV") -> dict[str, Any]:
    meta = {} if event_id is None else {"eventId": event_id}
    return {"groundTruthData": {"data": data, "encoding": encoding}, "eventMetadata": meta, "eventVersion": "0"}


def write(path: Path, lines: list[Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines), encoding="utf-8")
    return path


def test_label_encodings(tmp_path: Path) -> None:
    f = write(tmp_path / "gt.jsonl", [
        gt("a", "1"), gt("b", " cat "), gt("c", json.dumps({"label": 2}), "JSON"), gt("d", json.dumps("dog"), "JSON"),
        gt("e", base64.b64encode(b"0").decode(), "BASE64"), gt("f", json.dumps([1, 0]), "JSON"), gt("g", 1.5),
    ])
    frame = read_ground_truth(f).frame
    assert dict(zip(frame["eventId"], frame["label"], strict=True)) == {"a": "1", "b": "cat", "c": "2", "d": "dog", "e": "0", "f": "1,0", "g": "1.5"}
    assert frame["_line"].to_list() == list(range(1, 8))
    keyed = write(tmp_path / "k.jsonl", [gt("a", json.dumps({"label": "x", "score": 0.3}), "JSON")])
    assert read_ground_truth(keyed, label_key="label").frame["label"].to_list() == ["x"]
    with pytest.raises(BadRecordError, match="several keys"):
        read_ground_truth(keyed)


def test_every_bad_kind_is_reported_with_file_and_line(tmp_path: Path) -> None:
    f = write(tmp_path / "gt.jsonl", [
        gt("ok", "1"),
        '{"groundTruthData": {"data": "1"',  # truncated JSON
        gt(None, "1"),  # no eventId
        {"eventMetadata": {"eventId": "x"}},  # no groundTruthData
        gt("y", "!!!", "BASE64"),
        gt("z", "{not json", "JSON"),
        gt("w", "1", "XML"),
        {"captureData": {"endpointInput": {"data": "1"}}, "eventMetadata": {"eventId": "c"}},
    ])
    with pytest.raises(BadRecordError) as info:
        read_ground_truth(f)
    report = info.value.report  # type: ignore[attr-defined]
    assert report.total == 7
    assert [(r.line, r.kind) for r in report.records] == [(2, "json"), (3, "schema"), (4, "schema"), (5, "payload"), (6, "payload"), (7, "payload"), (8, "schema")]
    assert all(r.file == str(f) for r in report.records)
    assert "data-capture record" in report.records[-1].message
    skipped = read_ground_truth(f, on_bad_record="skip")
    assert skipped.frame["eventId"].to_list() == ["ok"] and skipped.bad_records.total == 7


def test_upload_hour_layout_prunes_folders(tmp_path: Path) -> None:
    for h in range(3):
        write(tmp_path / "gt" / "2024" / "03" / "01" / f"{10 + h:02d}" / "labels.jsonl", [gt(f"e{h}", str(h % 2))])
    frame = read_ground_truth(tmp_path / "gt", start="2024-03-01T11:00:00Z").frame
    assert frame["eventId"].to_list() == ["e1", "e2"]
    assert frame["uploadHour"].to_list() == [datetime(2024, 3, 1, h, tzinfo=UTC) for h in (11, 12)]


@pytest.mark.shared
def test_the_real_ground_truth_file_loads(shared_dir: Path) -> None:
    got = read_ground_truth(shared_dir / "reference" / "sagemaker" / "ground-truth.jsonl")
    assert got.bad_records.total == 0
    assert got.frame.height == 44 and set(got.frame["label"]) == {"0", "1"}
    assert got.frame["eventId"].n_unique() == 44


def _predictions(ids: list[tuple[str, str | None]], preds: list[str] | None = None) -> pl.DataFrame:
    return pl.DataFrame({
        "eventId": [e for e, _ in ids], "inferenceId": [i for _, i in ids],
        "_file": ["f"] * len(ids), "_line": list(range(1, len(ids) + 1)),
        "_c0": preds or ["1"] * len(ids),
    })


def test_merge_corner_cases() -> None:
    preds = _predictions([("e1", None), ("e2", "inf-2"), ("e3", None), ("e4", None), ("e5", None), ("e6", "inf-1")])
    t = datetime(2024, 3, 2, tzinfo=UTC)
    labels = pl.DataFrame({
        "eventId": ["e1", "inf-2", "e2", "e4", "e4", "e5", "e5", "ghost", "inf-1"],
        "label": ["1", "0", "1", "1", "1", "0", "1", "1", "1"],
        "uploadHour": [t, t, t, t, t + timedelta(hours=1), t + timedelta(hours=2), t, t, t],
    })
    merged, report = merge_ground_truth(preds, labels)
    got = dict(zip(merged["eventId"], merged["label"], strict=True))
    # e2 joins on its inferenceId (its eventId's label is an orphan); e3's label is late (missing);
    # e4 is labelled twice the same; e5 twice differently: the latest upload (hour +2) wins
    assert got == {"e1": "1", "e2": "0", "e3": None, "e4": "1", "e5": "0", "e6": "1"}
    assert (report.predictions, report.matched, report.predictions_without_labels) == (6, 5, 1)
    assert report.labels == 9 and report.labels_without_predictions == 2  # "e2" (shadowed by inf-2) and "ghost"
    assert (report.duplicate_labels, report.conflicting_labels) == (2, 1)
    assert report.duplicate_predictions == 0
    assert "5 of 6 predictions labelled" in report.summary()


def test_merge_duplicate_predictions_and_instances() -> None:
    # one record (file f, line 1) with three instances, labelled "1,0\n1"; a retried record
    # (same eventId, another line) is a duplicate prediction; a two-instance record whose label has one value is a mismatch
    preds = pl.DataFrame({
        "eventId": ["r", "r", "r", "r", "m", "m"],
        "inferenceId": [None] * 6,
        "_file": ["f"] * 6,
        "_line": [1, 1, 1, 2, 3, 3],
        "_c0": ["1", "0", "0", "1", "1", "1"],
    })
    labels = pl.DataFrame({"eventId": ["r", "m"], "label": ["1,0\n1", "1"]})
    merged, report = merge_ground_truth(preds, labels)
    assert merged["label"].to_list() == ["1", "0", "1", None, None]
    assert report.duplicate_predictions == 1 and report.label_count_mismatches == 2
    with pytest.raises(InvalidInputError, match="no 'label' column"):
        merge_ground_truth(preds, labels.drop("label"))
    with pytest.raises(InvalidInputError, match="neither an inferenceId nor an eventId"):
        merge_ground_truth(preds.with_columns(eventId=pl.lit(None, pl.String)), labels)


def test_offsets_and_windows() -> None:
    assert parse_offset("-P8D") == -timedelta(days=8)
    assert parse_offset("-PT5H") == -timedelta(hours=5)
    assert parse_offset("-P1DT12H30M") == -timedelta(days=1, hours=12, minutes=30)
    assert parse_offset("PT0H") == timedelta(0)
    assert parse_offset("-P1W") == -timedelta(weeks=1)
    # SageMaker's documented example
    start, end = analysis_window("2020-01-09T13:00:00Z", "-P8D", "-P1D")
    assert (start, end) == (datetime(2020, 1, 1, 13, tzinfo=UTC), datetime(2020, 1, 8, 13, tzinfo=UTC))
    for bad in ("P", "-P", "8D", "-PT", "-P1H", "yesterday", ""):
        with pytest.raises(InvalidArgumentError, match="ISO-8601 duration"):
            parse_offset(bad)
    with pytest.raises(InvalidArgumentError, match="empty"):
        analysis_window("2020-01-09T13:00:00Z", "-P1D", "-P2D")


def test_select_outputs() -> None:
    frame = pl.DataFrame({"_c0": ["0.9", "0.2", "0.5"], "_c1": ["a", "b", "a"], "out": ['{"p": {"q": 0.7}}', '{"p": {"q": 0.1}}', '{"p": {"q": 0.5}}']})
    o = select_outputs(frame, "BinaryClassification", probability_attribute="0", output_columns=["_c0", "_c1"])
    assert o.prediction.to_list() == ["1", "0", "1"] and o.score is not None and o.score.to_list() == [0.9, 0.2, 0.5]
    o = select_outputs(frame, "BinaryClassification", probability_attribute="0", probability_threshold_attribute=0.6, output_columns=["_c0", "_c1"])
    assert o.prediction.to_list() == ["1", "0", "0"]
    assert select_outputs(frame, "MulticlassClassification", inference_attribute=1, output_columns=["_c0", "_c1"]).prediction.to_list() == ["a", "b", "a"]
    o = select_outputs(frame, "BinaryClassification", probability_attribute="$.out.p.q")
    assert o.prediction.to_list() == ["1", "0", "1"]
    with pytest.raises(InvalidArgumentError, match="out of range"):
        select_outputs(frame, "Regression", inference_attribute="5", output_columns=["_c0"])
    with pytest.raises(InvalidArgumentError, match="names no column"):
        select_outputs(frame, "Regression", inference_attribute="nope")
    with pytest.raises(InvalidInputError, match="row 0 holds 'a', not a probability"):
        select_outputs(frame, "BinaryClassification", probability_attribute="_c1")
    with pytest.raises(InvalidInputError, match="row 0 holds 'a', not a number"):
        select_outputs(frame, "Regression", inference_attribute="_c1")
    with pytest.raises(InvalidArgumentError, match="give inference_attribute"):
        select_outputs(frame, "Regression")
