"""SageMaker ground truth: JSON Lines records uploaded after the predictions,
``{"groundTruthData": {"data": "1", "encoding": "CSV"}, "eventMetadata": {"eventId": "..."},
"eventVersion": "0"}``, laid out by label-collection hour as ``{prefix}/yyyy/mm/dd/hh/*.jsonl``
(research notes §4.2). ``eventMetadata.eventId`` holds the captured record's ``inferenceId`` when
it had one, else its ``eventId``: the merge (:mod:`driftline.model_quality`) joins on that key.

Labels stay text, as captured outputs do: ``CSV`` data is the label as written (several labels,
for a record with several instances, are separated by commas or newlines and split at the
merge); ``JSON`` data may be a scalar, a list (one label per instance) or an object with one key
(or the key named by ``label_key``); ``BASE64`` data is decoded, then read as CSV.

Bad records (not JSON, no ``groundTruthData.data``, no ``eventMetadata.eventId``, undecodable
data) are never dropped silently: they are reported with file and line, and ``on_bad_record``
chooses between failing and skipping them. ``eventMetadata.inferenceTime``, which some examples
carry (the reference file holds a never-filled ``{%s}`` template there), is not used: a label is
placed in time by the hour folder it was uploaded to.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from driftline.io import _payload
from driftline.io._layout import PathLike, TimeLike, window_files
from driftline.io._lines import decode_json_lines, read_numbered_lines
from driftline.io.records import DEFAULT_LIMIT, BadRecords, OnBadRecord, bad_frame, check_on_bad_record

__all__ = ["GroundTruth", "read_ground_truth"]

_TIME = pl.Datetime("us", "UTC")
_ENVELOPE = pl.Struct(
    {
        "groundTruthData": pl.Struct({"data": pl.String, "encoding": pl.String}),
        "eventMetadata": pl.Struct({"eventId": pl.String}),
        "captureData": pl.Struct({"endpointInput": pl.Struct({"data": pl.String})}),
    }
)
SCHEMA: dict[str, pl.DataType] = {
    "eventId": pl.String(),
    "label": pl.String(),
    "uploadHour": _TIME,
    "_file": pl.String(),
    "_line": pl.Int64(),
    "_order": pl.Int64(),
}


@dataclass(frozen=True)
class GroundTruth:
    """Labels, one row per ground-truth record, in file then line order: ``eventId`` (the join
    key), ``label`` (text), ``uploadHour`` (start of the hour folder, when the files are in the
    layout), ``_file``, ``_line``."""

    frame: pl.DataFrame
    bad_records: BadRecords
    files: list[str]


def read_ground_truth(
    source: PathLike | Sequence[PathLike],
    *,
    start: TimeLike = None,
    end: TimeLike = None,
    on_bad_record: OnBadRecord = "fail",
    label_key: str | None = None,
) -> GroundTruth:
    """Read ground-truth JSON Lines: a file, a list of files, or a folder laid out by upload hour
    (``yyyy/mm/dd/hh``), whose hour folders outside ``[start, end)`` are not read (files outside
    the layout are always read). See the module documentation for the label formats."""
    policy = check_on_bad_record(on_bad_record)
    files, lo, hi = window_files(source, start, end)
    frames: list[pl.DataFrame] = []
    faults: list[tuple[int, str, int, str, str]] = []
    for order, cf in enumerate(files):
        lines, not_utf8 = read_numbered_lines(cf.path)
        faults.extend((order, cf.path, line, "json", msg) for line, msg in not_utf8)
        lines = lines.filter(pl.col("text").str.strip_chars() != "")
        decoded, bad = decode_json_lines(lines["text"], _ENVELOPE)
        faults.extend((order, cf.path, int(lines["line"][i]), kind, msg) for i, kind, msg in bad)
        bad_rows = {i for i, _, _ in bad}
        keep = [i not in bad_rows for i in range(len(decoded))]
        frame = pl.DataFrame({"_line": lines["line"], "rec": decoded}).filter(pl.Series(keep, dtype=pl.Boolean))
        # the common record (CSV data, an eventId) is read by Polars; the rest one by one
        gt = pl.col("rec").struct.field("groundTruthData")
        event_id = pl.col("rec").struct.field("eventMetadata").struct.field("eventId").str.strip_chars()
        data = gt.struct.field("data").str.strip_chars()
        plain = (pl.col("rec").is_not_null() & gt.is_not_null() & (event_id.fill_null("") != "") & (data.fill_null("") != "")
                 & gt.struct.field("encoding").fill_null("CSV").str.to_uppercase().eq("CSV"))
        marked = frame.with_columns(_plain=plain.fill_null(False))
        fast = marked.filter(pl.col("_plain")).select(eventId=event_id, label=data, _line=pl.col("_line"))
        labels, ids, kept_lines = [], [], []
        for line, rec in marked.filter(~pl.col("_plain")).select("_line", "rec").iter_rows():
            problem, label = _label_of(rec, label_key)
            if problem is not None:
                faults.append((order, cf.path, line, problem[0], problem[1]))
                continue
            labels.append(label)
            ids.append(rec["eventMetadata"]["eventId"].strip())
            kept_lines.append(line)
        slow = pl.DataFrame({"eventId": ids, "label": labels, "_line": kept_lines}, schema={"eventId": pl.String, "label": pl.String, "_line": pl.Int64})
        frames.append(
            pl.concat([fast, slow]).sort("_line").select(
                "eventId", "label", uploadHour=pl.lit(cf.hour, _TIME), _file=pl.lit(cf.path, pl.String), _line="_line",
                _order=pl.lit(order, pl.Int64))
        )
    report = BadRecords.from_frame(bad_frame(faults), DEFAULT_LIMIT)
    report.raise_or_return(policy)
    out = pl.concat(frames) if frames else pl.DataFrame(schema=SCHEMA)
    return GroundTruth(out, report, [f.path for f in files])


def _label_of(rec: dict[str, object] | None, label_key: str | None) -> tuple[tuple[str, str] | None, str]:
    """The label text of one decoded record, or ``((kind, message), "")`` when it has none."""
    if rec is None:
        return ("schema", "a JSON null, not a ground-truth record"), ""
    gt = rec.get("groundTruthData")
    meta = rec.get("eventMetadata")
    if not isinstance(gt, dict):
        if isinstance(rec.get("captureData"), dict):
            return ("schema", "a data-capture record (captureData), not a ground-truth record: no groundTruthData"), ""
        return ("schema", "no groundTruthData: not a ground-truth record"), ""
    event_id = meta.get("eventId") if isinstance(meta, dict) else None
    if not isinstance(event_id, str) or not event_id.strip():
        return ("schema", "no eventMetadata.eventId (the captured inferenceId or eventId the label belongs to)"), ""
    data = gt.get("data")
    if data is None:
        return ("schema", "groundTruthData has no data"), ""
    assert isinstance(data, str)
    encoding = (gt.get("encoding") or "CSV")
    assert isinstance(encoding, str)
    encoding = encoding.upper()
    if encoding == "BASE64":
        try:
            data = base64.b64decode(data, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            return ("payload", "groundTruthData.data is not valid BASE64 of UTF-8 text"), ""
        encoding = "CSV"
    if encoding == "CSV":
        text = data.strip()
        if not text:
            return ("payload", "groundTruthData.data is empty"), ""
        return None, text
    if encoding == "JSON":
        try:
            value = _payload.loads(data)
        except _payload.PayloadError as exc:
            return ("payload", f"groundTruthData.data: {exc}"), ""
        return _json_label(value, label_key)
    return ("payload", f"groundTruthData.encoding {encoding!r} is not CSV, JSON or BASE64"), ""


def _json_label(value: object, label_key: str | None) -> tuple[tuple[str, str] | None, str]:
    if isinstance(value, dict):
        if label_key is not None:
            if label_key not in value:
                return ("payload", f"JSON ground truth has no key {label_key!r} (keys: {sorted(value)})"), ""
            value = value[label_key]
        elif len(value) == 1:
            value = next(iter(value.values()))
        else:
            return ("payload", f"JSON ground truth has several keys {sorted(value)}: name the label's with label_key"), ""
    if isinstance(value, list):
        if not value or any(isinstance(v, list | dict) or v is None for v in value):
            return ("payload", "JSON ground truth list must hold one label per instance"), ""
        return None, ",".join(str(_payload._text(v)) for v in value)
    if value is None or isinstance(value, dict):
        return ("payload", "JSON ground truth has no label (null or nested object)"), ""
    text = _payload._text(value)
    return None, str(text)
