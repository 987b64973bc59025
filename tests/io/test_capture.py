"""driftline.io.read_capture: SageMaker data-capture JSON Lines (CSV, JSON and BASE64 payloads),
the {endpoint}/{variant}/yyyy/mm/dd/hh layout and its analysis window, and bad records reported
with file and line."""

from __future__ import annotations

import base64
import csv
import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driftline.errors import BadRecordError, InvalidArgumentError, InvalidInputError
from driftline.io import METADATA_COLUMNS, BadRecords, read_capture

T0 = datetime(2024, 3, 1, 10, 0, 0, tzinfo=timezone.utc)


def part(data: str, encoding: str = "CSV", content_type: str | None = None, mode: str = "INPUT") -> dict[str, str]:
    ct = content_type or {"CSV": "text/csv", "JSON": "application/json", "BASE64": "application/octet-stream"}[encoding]
    return {"observedContentType": ct, "mode": mode, "data": data, "encoding": encoding}


def record(
    inp: str | dict[str, str] | None,
    out: str | dict[str, str] | None = None,
    *,
    time: str | None = "2024-03-01T10:00:00Z",
    event_id: str = "e",
    inference_id: str | None = None,
) -> dict[str, Any]:
    capture: dict[str, Any] = {}
    if inp is not None:
        capture["endpointInput"] = part(inp) if isinstance(inp, str) else inp
    if out is not None:
        capture["endpointOutput"] = part(out, mode="OUTPUT") if isinstance(out, str) else out
    meta: dict[str, str] = {"eventId": event_id}
    if time is not None:
        meta["inferenceTime"] = time
    if inference_id is not None:
        meta["inferenceId"] = inference_id
    return {"captureData": capture, "eventMetadata": meta, "eventVersion": "0"}


def write(path: Path, lines: list[dict[str, Any] | str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines), encoding="utf-8")
    return path


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------------------------------
# CSV payloads and column naming


def test_csv_start_puts_outputs_first(tmp_path: Path) -> None:
    f = write(tmp_path / "c.jsonl", [record("1,2,3", "0.5", event_id="a"), record("4,,6", "0.7", event_id="b")])
    cap = read_capture(f)
    assert cap.frame.columns == ["_c0", "_c1", "_c2", "_c3", *METADATA_COLUMNS]
    assert cap.output_columns == ["_c0"]
    assert cap.feature_columns == ["_c1", "_c2", "_c3"]
    assert cap.frame.select("_c0", "_c1", "_c2", "_c3").rows() == [("0.5", "1", "2", "3"), ("0.7", "4", None, "6")]
    assert cap.frame.schema["_c1"] == pl.String
    assert cap.frame.schema["inferenceTime"] == pl.Datetime("us", "UTC")
    assert cap.frame["eventId"].to_list() == ["a", "b"]
    assert cap.frame["_line"].to_list() == [1, 2]
    assert cap.frame["_file"].to_list() == [str(f)] * 2
    assert cap.frame["inferenceId"].to_list() == [None, None]
    assert not cap.bad_records and cap.files == [str(f)]


def test_csv_end_puts_outputs_last(tmp_path: Path) -> None:
    f = write(tmp_path / "c.jsonl", [record("1,2,3", "0.5,0.5")])
    cap = read_capture(f, output_columns_position="END")
    assert cap.feature_columns == ["_c0", "_c1", "_c2"] and cap.output_columns == ["_c3", "_c4"]
    assert cap.frame.row(0)[:5] == ("1", "2", "3", "0.5", "0.5")


def test_names_given(tmp_path: Path) -> None:
    f = write(tmp_path / "c.jsonl", [record("1,2", "0"), record("1,2,3", "1")])
    cap = read_capture(f, feature_names=["a", "b"], output_names=["y"], on_bad_record="skip")
    assert cap.frame.columns[:3] == ["y", "a", "b"]
    assert [(r.line, r.kind) for r in cap.bad_records.records] == [(2, "field_count")]
    assert "feature_names" in cap.bad_records.records[0].message
    with pytest.raises(InvalidArgumentError):
        read_capture(f, feature_names="ab")
    with pytest.raises(InvalidArgumentError):
        read_capture(f, feature_names=["a", "a"])


def test_several_csv_instances_in_one_request(tmp_path: Path) -> None:
    f = write(tmp_path / "c.jsonl", [record("1,2\r\n3,4\n\n5,6\n", "0.1\n0.2\n0.3", event_id="x"), record("7,8", "0.4", event_id="y")])
    cap = read_capture(f)
    assert cap.frame.select("_c0", "_c1", "_c2", "eventId", "_line").rows() == [
        ("0.1", "1", "2", "x", 1),
        ("0.2", "3", "4", "x", 1),
        ("0.3", "5", "6", "x", 1),
        ("0.4", "7", "8", "y", 2),
    ]


def test_quoted_csv_payload(tmp_path: Path) -> None:
    f = write(tmp_path / "c.jsonl", [record('"a,b",2,"say ""hi"""', "1"), record("x,y,z", "0")])
    cap = read_capture(f)
    assert cap.frame.select("_c1", "_c2", "_c3").rows() == [("a,b", "2", 'say "hi"'), ("x", "y", "z")]


def test_missing_output_gives_nulls(tmp_path: Path) -> None:
    f = write(tmp_path / "c.jsonl", [record("1,2", "0.5"), record("3,4", None)])
    cap = read_capture(f)
    assert cap.frame["_c0"].to_list() == ["0.5", None]
    only_inputs = read_capture(write(tmp_path / "d.jsonl", [record("1,2")]))
    assert only_inputs.output_columns == [] and only_inputs.feature_columns == ["_c0", "_c1"]


def test_inference_id_and_time_formats(tmp_path: Path) -> None:
    f = write(
        tmp_path / "c.jsonl",
        [
            record("1", "0", inference_id="id-1", time="2024-03-01T10:00:00.250Z"),
            record("2", "0", time="2024-03-01T12:00:00+02:00"),
            record("3", "0", time="2024-03-01T10:00:00"),
        ],
    )
    cap = read_capture(f)
    assert cap.frame["inferenceId"].to_list() == ["id-1", None, None]
    assert cap.frame["inferenceTime"].to_list() == [T0 + timedelta(milliseconds=250), T0, T0]


# ---------------------------------------------------------------------------------------------
# JSON and BASE64 payloads


def test_json_instances_and_predictions(tmp_path: Path) -> None:
    f = write(
        tmp_path / "c.jsonl",
        [
            record(part('{"instances": [[1, 2.50], [3, 4]]}', "JSON"), part('{"predictions": [0.1, 0.9]}', "JSON")),
            record(part('{"instances": [{"features": [5, 6]}]}', "JSON"), part("[0.3]", "JSON")),
            record(part("[7, 8]", "JSON"), part("0.4", "JSON")),
        ],
    )
    cap = read_capture(f)
    assert cap.frame.select("_c0", "_c1", "_c2", "_line").rows() == [
        ("0.1", "1", "2.50", 1),
        ("0.9", "3", "4", 1),
        ("0.3", "5", "6", 2),
        ("0.4", "7", "8", 3),
    ]


def test_json_flat_objects(tmp_path: Path) -> None:
    inp = {"age": 31, "city": "Zürich, \"CH\"", "tags": [1, {"a": 2.0}], "ok": True, "none": None, "score": 3}
    f = write(
        tmp_path / "c.jsonl",
        [
            record(part(json.dumps(inp), "JSON"), part('{"score": 0.25, "predicted_label": 1}', "JSON")),
            record(part('{"age": 40, "extra": "x"}', "JSON"), part('{"score": 0.5}', "JSON")),
        ],
    )
    cap = read_capture(f)
    assert cap.feature_columns == ["age", "city", "tags", "ok", "none", "score", "extra"]
    assert cap.output_columns == ["output_score", "predicted_label"]
    first = cap.frame.row(0, named=True)
    assert first["city"] == 'Zürich, "CH"' and first["tags"] == '[1,{"a":2.0}]' and first["ok"] == "true"
    assert first["none"] is None and first["output_score"] == "0.25" and first["extra"] is None
    assert cap.frame.row(1, named=True)["predicted_label"] is None


def test_json_predictions_as_probabilities_for_one_instance(tmp_path: Path) -> None:
    f = write(tmp_path / "c.jsonl", [record(part('{"features": [1, 2]}', "JSON"), part('{"predictions": [0.2, 0.8]}', "JSON"))])
    cap = read_capture(f, output_columns_position="END")
    assert cap.feature_columns == ["_c0", "_c1"] and cap.output_columns == ["_c2", "_c3"]
    assert cap.frame.row(0)[:4] == ("1", "2", "0.2", "0.8")


def test_json_lines_payload(tmp_path: Path) -> None:
    f = write(tmp_path / "c.jsonl", [record(part('{"a": 1}\n{"a": 2}\n', "JSON", "application/jsonlines"), part("1\n0", "CSV"))])
    cap = read_capture(f)
    assert cap.frame.select("_c0", "a").rows() == [("1", "1"), ("0", "2")]


def test_base64_payloads(tmp_path: Path) -> None:
    b64 = lambda s: base64.b64encode(s.encode()).decode()  # noqa: E731
    f = write(
        tmp_path / "c.jsonl",
        [
            record(part(b64("1,2"), "BASE64", "text/csv"), part(b64("0.5"), "BASE64", "text/csv")),
            record(part(b64("[3, 4]"), "BASE64", "application/json"), "0.6"),
            record(part("!!not base64!!", "BASE64", "text/csv"), "0"),
            record(part(base64.b64encode(b"\xff\xfe").decode(), "BASE64", "text/csv"), "0"),
            record(part(b64("1,2"), "BASE64", "application/x-npy"), "0"),
            record(part("1,2", "XML", "text/xml"), "0"),
        ],
    )
    cap = read_capture(f, on_bad_record="skip")
    assert cap.frame.select("_c0", "_c1", "_c2").rows() == [("0.5", "1", "2"), ("0.6", "3", "4")]
    assert [(r.line, r.kind) for r in cap.bad_records.records] == [(3, "payload"), (4, "payload"), (5, "payload"), (6, "payload")]
    messages = [r.message for r in cap.bad_records.records]
    assert "cannot be decoded" in messages[0] and "not UTF-8" in messages[1]
    assert "neither CSV nor JSON" in messages[2] and "unknown encoding 'XML'" in messages[3]


# ---------------------------------------------------------------------------------------------
# Bad records


def test_every_kind_reported_with_file_and_line(tmp_path: Path) -> None:
    good = record("1,2", "0")
    lines: list[dict[str, Any] | str] = [
        good,
        json.dumps(good)[:40],  # 2: truncated
        record("1,2,3", "0"),  # 3: field count
        record(part("{bad json", "JSON"), "0"),  # 4: payload
        record("1,2", "0", time="{%s}"),  # 5: time placeholder
        record("1,2", "0", time=None),  # 6: no time
        {"eventMetadata": {"eventId": "x", "inferenceTime": "2024-03-01T10:00:00Z"}},  # 7: schema
        "[1, 2]",  # 8: schema
        "",  # blank: not a record
        record("1,2", "0\n1"),  # 10: two outputs for one input
        record("3,4", "1"),
    ]
    f = write(tmp_path / "bad.jsonl", lines)
    with pytest.raises(BadRecordError) as err:
        read_capture(f)
    report = err.value.report
    assert isinstance(err.value, InvalidInputError)
    assert f"{f} line 2 (json)" in str(err.value)
    assert report.total == 8 and report.files == 1
    assert dict(report.counts) == {"json": 1, "field_count": 2, "payload": 1, "time": 2, "schema": 2}
    assert [(r.file, r.line, r.kind) for r in report.records] == [
        (str(f), 2, "json"),
        (str(f), 3, "field_count"),
        (str(f), 4, "payload"),
        (str(f), 5, "time"),
        (str(f), 6, "time"),
        (str(f), 7, "schema"),
        (str(f), 8, "schema"),
        (str(f), 10, "field_count"),
    ]
    assert "placeholder" in report.records[3].message and "has 3 fields where the first good record" in report.records[1].message
    skipped = read_capture(f, on_bad_record="skip")
    assert skipped.frame["_line"].to_list() == [1, 11]
    assert skipped.bad_records == report
    assert "8 bad records in 1 file" in report.summary()


def test_report_counts_all_and_keeps_first_thousand(tmp_path: Path) -> None:
    lines: list[dict[str, Any] | str] = [record("1", "0", time="never")] * 1203 + [record("1", "0")]
    cap = read_capture(write(tmp_path / "c.jsonl", lines), on_bad_record="skip")
    assert cap.bad_records.total == 1203 and cap.bad_records.counts["time"] == 1203
    assert len(cap.bad_records.records) == 1000 and cap.bad_records.records[-1].line == 1000
    assert "keeps the first 1000" in cap.bad_records.summary()
    assert cap.frame.height == 1


def test_invalid_utf8_line(tmp_path: Path) -> None:
    f = tmp_path / "c.jsonl"
    f.write_bytes(json.dumps(record("1", "0")).encode() + b"\n\xff\xfe{}\n" + json.dumps(record("2", "0")).encode() + b"\n")
    cap = read_capture(f, on_bad_record="skip")
    assert [(r.line, r.kind) for r in cap.bad_records.records] == [(2, "json")]
    assert cap.frame["_c1"].to_list() == ["1", "2"]


def test_arguments_checked(tmp_path: Path) -> None:
    f = write(tmp_path / "c.jsonl", [record("1", "0")])
    with pytest.raises(InvalidArgumentError):
        read_capture(f, on_bad_record="ignore")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError):
        read_capture(f, output_columns_position="MIDDLE")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError):
        read_capture(f, start="2024-03-02", end="2024-03-01")
    with pytest.raises(InvalidArgumentError):
        read_capture(f, start="yesterday")
    with pytest.raises(InvalidInputError):
        read_capture(tmp_path / "missing.jsonl")


# ---------------------------------------------------------------------------------------------
# Folder layout and the analysis window


def make_layout(root: Path) -> None:
    """Two variants, 6 hours across a day boundary, 2 files per hour, 2 records per file."""
    for variant in ("AllTraffic", "Shadow"):
        for h in range(6):
            hour = datetime(2024, 3, 1, 21, tzinfo=timezone.utc) + timedelta(hours=h)
            folder = root / "ep" / variant / hour.strftime("%Y/%m/%d/%H")
            for k in (1, 0):  # written out of name order on purpose
                recs: list[dict[str, Any] | str] = [
                    record(f"{h},{k},{i}", "0.5", time=iso(hour + timedelta(minutes=10 * k + i)), event_id=f"{variant}-{h}-{k}-{i}")
                    for i in range(2)
                ]
                write(folder / f"{k:02d}-00-000-uuid.jsonl", recs)


def test_layout_window_and_order(tmp_path: Path) -> None:
    make_layout(tmp_path)
    start, end = datetime(2024, 3, 1, 22, 10), "2024-03-02T01:00:00Z"  # naive start is UTC
    cap = read_capture(tmp_path, start=start, end=end)
    # 22:10 is inside hour 22 (file 00 has 22:00, 22:01: out; file 01 has 22:10, 22:11: in)
    per_variant = 2 + 4 + 4  # hours 22 (half), 23, 00
    assert cap.frame.height == 2 * per_variant
    assert cap.frame["variant"].unique(maintain_order=True).to_list() == ["AllTraffic", "Shadow"]
    assert set(cap.frame["endpoint"].to_list()) == {"ep"}
    assert cap.frame.filter(pl.col("variant") == "AllTraffic")["eventId"].to_list()[:4] == [
        "AllTraffic-1-1-0",
        "AllTraffic-1-1-1",
        "AllTraffic-2-0-0",
        "AllTraffic-2-0-1",
    ]
    times = cap.frame["inferenceTime"]
    assert times.min() >= datetime(2024, 3, 1, 22, 10, tzinfo=timezone.utc)
    assert times.max() < datetime(2024, 3, 2, 1, tzinfo=timezone.utc)
    # hours outside the window were not even listed
    assert len(cap.files) == 2 * 3 * 2 and all("/02/" in f or "/22/" in f or "/23/" in f or "/00/" in f for f in cap.files)
    assert cap.files == sorted(cap.files)
    again = read_capture(tmp_path, start=start, end=end)
    assert again.frame.equals(cap.frame)


def test_hour_folders_outside_window_are_not_read(tmp_path: Path) -> None:
    make_layout(tmp_path)
    broken = tmp_path / "ep" / "AllTraffic" / "2024" / "03" / "01" / "21" / "zz-broken.jsonl"
    broken.write_text("{truncated\n")
    cap = read_capture(tmp_path, start="2024-03-01T23:00:00Z")
    assert not cap.bad_records and str(broken) not in cap.files
    with pytest.raises(BadRecordError, match="zz-broken.jsonl line 1 \\(json\\)"):
        read_capture(tmp_path)


def test_variant_or_endpoint_folder_given(tmp_path: Path) -> None:
    make_layout(tmp_path)
    variant = read_capture(tmp_path / "ep" / "Shadow", end="2024-03-01T22:00:00Z")
    assert variant.frame.height == 4 and set(variant.frame["variant"]) == {"Shadow"} and set(variant.frame["endpoint"]) == {"ep"}
    endpoint = read_capture(tmp_path / "ep", start="2024-03-02T02:00:00Z")
    assert endpoint.frame.height == 8
    day = read_capture(tmp_path / "ep" / "Shadow" / "2024" / "03" / "02", start="2024-03-02T01:00:00Z")
    assert day.frame.height == 8 and len(day.files) == 4
    listed = read_capture([variant.files[1], variant.files[0]])
    assert listed.frame["_file"].unique(maintain_order=True).to_list() == [variant.files[1], variant.files[0]]


def test_flat_folder_has_no_endpoint(tmp_path: Path) -> None:
    write(tmp_path / "b.jsonl", [record("2", "0")])
    write(tmp_path / "a.jsonl", [record("1", "0")])
    (tmp_path / "notes.txt").write_text("not a capture file")
    cap = read_capture(tmp_path)
    assert cap.frame["_c1"].to_list() == ["1", "2"] and cap.frame["endpoint"].to_list() == [None, None]


def test_empty_window(tmp_path: Path) -> None:
    make_layout(tmp_path)
    cap = read_capture(tmp_path, start="2030-01-01T00:00:00Z")
    assert cap.frame.height == 0 and cap.files == []
    assert cap.frame.columns == list(METADATA_COLUMNS)
    assert cap.frame.schema["inferenceTime"] == pl.Datetime("us", "UTC")
    inside_hour = read_capture(tmp_path, start="2024-03-01T21:30:00Z", end="2024-03-01T21:40:00Z")
    assert inside_hour.frame.height == 0 and len(inside_hour.files) == 4


# ---------------------------------------------------------------------------------------------
# Properties


texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), min_size=1, max_size=12)


@given(st.lists(st.lists(texts, min_size=3, max_size=3), min_size=1, max_size=4))
@settings(max_examples=60)
def test_csv_payload_round_trip(rows: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        f = write(Path(d) / "c.jsonl", [record(buf.getvalue(), "\n".join("0" for _ in rows))])
        cap = read_capture(f, output_columns_position="END")
    assert cap.frame.select("_c0", "_c1", "_c2").rows() == [tuple(r) for r in rows]


@given(st.dictionaries(st.from_regex(r"[a-z_]{1,8}", fullmatch=True), texts, min_size=1, max_size=5))
@settings(max_examples=60)
def test_json_object_round_trip(values: dict[str, str]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        f = write(Path(d) / "c.jsonl", [record(part(json.dumps(values), "JSON"), "1")])
        cap = read_capture(f)
    assert cap.frame.select(list(values)).row(0) == tuple(values.values())


LINE_KINDS = ["good", "json", "field_count", "time", "schema", "payload", "blank"]


def make_line(kind: str, n: int) -> str:
    good = record(f"{n},{n + 1}", "0.5", time=iso(T0 + timedelta(seconds=n)), event_id=str(n))
    if kind == "good":
        return json.dumps(good)
    if kind == "json":
        return json.dumps(good)[: 10 + n % 30]
    if kind == "field_count":
        return json.dumps(record("1,2,3", "0", time=iso(T0)))
    if kind == "time":
        return json.dumps(record("1,2", "0", time=["", "2024-13-01T00:00:00Z", "{%s}", "1709287200"][n % 4]))
    if kind == "schema":
        return ['"text"', "null", json.dumps({"eventMetadata": {}}), json.dumps({"captureData": {"endpointInput": {"data": {"x": 1}}}})][n % 4]
    if kind == "payload":
        return json.dumps(record(part("{nope", "JSON"), "0", time=iso(T0)))
    return ""


@given(st.lists(st.sampled_from(LINE_KINDS), min_size=1, max_size=150).filter(lambda ks: ks[0] == "good"))
@settings(max_examples=40)
def test_random_lines_are_all_accounted_for(kinds: list[str]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "c.jsonl"
        f.write_text("\n".join(make_line(k, i) for i, k in enumerate(kinds)) + "\n")
        cap = read_capture(f, on_bad_record="skip")
        if any(k not in ("good", "blank") for k in kinds):
            with pytest.raises(BadRecordError):
                read_capture(f)
    expected_bad = [(i + 1, k) for i, k in enumerate(kinds) if k not in ("good", "blank")]
    report: BadRecords = cap.bad_records
    assert [(r.line, r.kind) for r in report.records] == expected_bad
    assert report.total == len(expected_bad)
    assert cap.frame["_line"].to_list() == [i + 1 for i, k in enumerate(kinds) if k == "good"]
    assert cap.frame["_c1"].to_list() == [str(i) for i, k in enumerate(kinds) if k == "good"]


# ---------------------------------------------------------------------------------------------
# The real files in ../shared/reference/sagemaker


@pytest.mark.shared
def test_reference_files(shared_dir: Path) -> None:
    ref = shared_dir / "reference" / "sagemaker"

    # capture.jsonl: every record's inferenceTime is the unfilled placeholder "{%s}".
    capture = ref / "capture.jsonl"
    n_records = sum(1 for line in capture.read_text().splitlines() if line.strip())
    with pytest.raises(BadRecordError) as err:
        read_capture(capture)
    message = str(err.value)
    assert f"{capture} line 1 (time)" in message and "{%s}" in message and "placeholder" in message
    report = err.value.report
    assert report.total == report.counts["time"] == n_records
    assert [r.line for r in report.records] == list(range(1, n_records + 1))
    skipped = read_capture(capture, on_bad_record="skip")
    assert skipped.frame.height == 0 and skipped.bad_records == report

    # captured-data.jsonl: JSON payloads, {"instances": [1.0, 2.0, 5.0]} -> 3 rows per record.
    data = read_capture(ref / "captured-data.jsonl")
    assert not data.bad_records
    assert data.output_columns == ["_c0"] and data.feature_columns == ["_c1"]
    assert data.frame.select("_c0", "_c1").rows() == [("3.5", "1.0"), ("4.0", "2.0"), ("5.5", "5.0")] * 2
    assert data.frame["inferenceTime"].to_list()[0] == datetime(2019, 11, 24, 7, 30, 50, tzinfo=timezone.utc)
    assert data.frame["eventId"].n_unique() == 2

    # ground-truth.jsonl is not a capture file.
    with pytest.raises(BadRecordError, match=r"line 1 \(schema\): a ground-truth record") as gt:
        read_capture(ref / "ground-truth.jsonl")
    assert gt.value.report.counts["schema"] == gt.value.report.total > 0
