"""SageMaker data capture: JSON Lines records with ``captureData.endpointInput`` /
``endpointOutput`` payloads (CSV, JSON or BASE64) and ``eventMetadata``, read into one Polars
frame of feature and output columns (research notes §2.2-§2.3, §3.2).

How it reads, and where Python loops:

- each file's lines are decoded in Rust (``str.json_decode`` with a fixed envelope schema); only
  a failing range is halved to isolate its bad lines, and only those reach Python's parser;
- times, BASE64 and single-line or multi-line CSV payloads without quotes are decoded and split
  by Polars expressions;
- JSON payloads, CSV payloads with quote characters and BASE64 text that is not UTF-8 are read
  one record at a time in Python (:mod:`driftline.io._payload` has the flattening rules).

Measured on the project's 2-core machine (Polars 2.1, one file of 200,000 records, 20 features,
one output): CSV payloads, 80 MB, 1.7 s; JSON payloads (``{"instances": [[...]]}``), 161 MB,
7.0 s, of which about 1.4 s is Python's JSON parser.

Column naming: positional values (CSV fields, JSON lists) are named ``_c0, _c1, ...`` as Spark
names a CSV without header, counting output and input fields together in the order a baseline
file holds them: with ``output_columns_position="START"`` (SageMaker's assumption: "the
prediction/output columns are assumed to be the first columns") outputs are ``_c0..`` and
features follow; with ``"END"`` features come first. ``feature_names`` / ``output_names`` name
the positional fields instead. Keys of JSON objects are used as they are; an output key equal
to a feature key becomes ``output_<key>``.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

import polars as pl
import pyarrow as pa

from driftline.errors import InvalidArgumentError
from driftline.io import _payload
from driftline.io._layout import CaptureFile, PathLike, TimeLike, window_files
from driftline.io._lines import decode_json_lines, read_numbered_lines
from driftline.io.records import (
    BAD_SCHEMA,
    DEFAULT_LIMIT,
    BadRecords,
    OnBadRecord,
    bad_frame,
    check_on_bad_record,
    empty_bad_frame,
)

__all__ = ["METADATA_COLUMNS", "Capture", "OutputColumnsPosition", "read_capture"]

OutputColumnsPosition = Literal["START", "END"]

METADATA_COLUMNS: tuple[str, ...] = ("eventId", "inferenceId", "inferenceTime", "endpoint", "variant", "_file", "_line")

_TIME = pl.Datetime("us", "UTC")

_PART = pl.Struct({"observedContentType": pl.String, "mode": pl.String, "data": pl.String, "encoding": pl.String})
_ENVELOPE = pl.Struct(
    {
        "captureData": pl.Struct({"endpointInput": _PART, "endpointOutput": _PART}),
        "eventMetadata": pl.Struct({"eventId": pl.String, "inferenceId": pl.String, "inferenceTime": pl.String}),
        "groundTruthData": pl.Struct({"encoding": pl.String}),
    }
)


@dataclass(frozen=True)
class Capture:
    """Captured inferences: one row per input instance (a request with several instances gives
    several rows with the same ``eventId`` and ``_line``), in file then line order."""

    frame: pl.DataFrame
    bad_records: BadRecords
    files: list[str]
    _feature_columns: tuple[str, ...] = field(default=(), repr=False)
    _output_columns: tuple[str, ...] = field(default=(), repr=False)

    @property
    def feature_columns(self) -> list[str]:
        return list(self._feature_columns)

    @property
    def output_columns(self) -> list[str]:
        return list(self._output_columns)


def read_capture(
    source: PathLike | Sequence[PathLike],
    *,
    start: TimeLike = None,
    end: TimeLike = None,
    on_bad_record: OnBadRecord = "fail",
    output_columns_position: OutputColumnsPosition = "START",
    feature_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
) -> Capture:
    """Read SageMaker data-capture JSON Lines into a :class:`Capture`.

    ``source`` is a ``.jsonl`` file, a list of files (read in the order given), or a folder laid
    out as ``{endpoint}/{variant}/yyyy/mm/dd/hh/*.jsonl`` (or an endpoint or variant folder of
    that layout), walked in name order with hour folders outside the window left unread. Records
    are kept when ``start <= inferenceTime < end`` (either bound may be None; naive datetimes and
    ISO strings without offset are UTC).

    Bad records (kinds in :data:`~driftline.io.BadKind`) are counted over the whole input; then
    ``on_bad_record="fail"`` raises :class:`~driftline.errors.BadRecordError` with the report and
    ``"skip"`` returns the good rows with it. JSON and time faults are reported for every record
    read; payload and field-count faults only for records inside the window. An empty window
    gives an empty frame (metadata columns only).
    """
    policy = check_on_bad_record(on_bad_record)
    if output_columns_position not in ("START", "END"):
        raise InvalidArgumentError(f"`output_columns_position` (--output-columns-position) must be 'START' or 'END', got {output_columns_position!r}")
    files, lo, hi = window_files(source, start, end)
    feats = _check_names(feature_names, "feature_names")
    outs = _check_names(output_names, "output_names")

    envelopes, bad = _read_envelopes(files)
    records, envelope_bad = _classify(envelopes, lo, hi)
    rows, features, outputs, payload_bad = _flatten(records, output_columns_position, feats, outs)
    report = BadRecords.from_frame(pl.concat([bad, envelope_bad, payload_bad]), DEFAULT_LIMIT)
    report.raise_or_return(policy)
    return Capture(rows, report, [f.path for f in files], tuple(features), tuple(outputs))


def _check_names(names: Sequence[str] | None, what: str) -> tuple[str, ...] | None:
    if names is None:
        return None
    if isinstance(names, str):
        raise InvalidArgumentError(f"`{what}` must be a sequence of column names, not one string")
    out = tuple(names)
    if len(set(out)) != len(out) or not all(isinstance(n, str) and n for n in out):
        raise InvalidArgumentError(f"`{what}` must be distinct non-empty strings, got {list(out)}")
    if set(out) & set(METADATA_COLUMNS):
        raise InvalidArgumentError(f"`{what}` may not use the metadata column names {list(METADATA_COLUMNS)}")
    return out


# --------------------------------------------------------------------------------------------
# Stage 1: lines -> envelope records (json / schema faults)


def _read_envelopes(files: list[CaptureFile]) -> tuple[pl.DataFrame, pl.DataFrame]:
    frames: list[pl.DataFrame] = []
    faults: list[tuple[int, str, int, str, str]] = []
    for order, cf in enumerate(files):
        lines, not_utf8 = read_numbered_lines(cf.path)
        faults.extend((order, cf.path, line, "json", msg) for line, msg in not_utf8)
        lines = lines.filter(pl.col("text").str.strip_chars() != "")  # blank lines hold no record
        decoded, bad = decode_json_lines(lines["text"], _ENVELOPE)
        line_numbers = lines["line"]
        faults.extend((order, cf.path, int(line_numbers[i]), kind, msg) for i, kind, msg in bad)
        frame = (
            pl.DataFrame({"_line": line_numbers, "rec": decoded})
            .with_columns(
                _order=pl.lit(order, pl.Int64),
                _file=pl.lit(cf.path, pl.String),
                endpoint=pl.lit(cf.endpoint, pl.String),
                variant=pl.lit(cf.variant, pl.String),
                _decoded=pl.Series([True] * len(decoded), dtype=pl.Boolean).scatter([i for i, _, _ in bad], False)
                if bad
                else pl.lit(True),
            )
            .filter(pl.col("_decoded"))
            .drop("_decoded")
        )
        frames.append(frame)
    schema = pl.Schema({"_line": pl.Int64(), "rec": _ENVELOPE, "_order": pl.Int64(), "_file": pl.String(), "endpoint": pl.String(), "variant": pl.String()})
    envelopes = pl.concat(frames).rechunk() if frames else pl.DataFrame(schema=schema)  # see decode_json_lines
    return envelopes.with_row_index("_rec").with_columns(pl.col("_rec").cast(pl.Int64)), bad_frame(faults)


def _part(side: str, name: str) -> pl.Expr:
    return pl.col("rec").struct.field("captureData").struct.field(side).struct.field(name)


# --------------------------------------------------------------------------------------------
# Stage 2: envelope -> records in the window (schema / time faults)


def _classify(envelopes: pl.DataFrame, lo: datetime | None, hi: datetime | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    raw_time = pl.col("rec").struct.field("eventMetadata").struct.field("inferenceTime")
    t = raw_time.str.strip_chars()
    frame = envelopes.with_columns(
        eventId=pl.col("rec").struct.field("eventMetadata").struct.field("eventId"),
        inferenceId=pl.col("rec").struct.field("eventMetadata").struct.field("inferenceId"),
        _time_raw=raw_time,
        inferenceTime=pl.coalesce(
            t.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%#z", strict=False, time_unit="us", time_zone="UTC"),
            t.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", strict=False, time_unit="us", time_zone="UTC"),
        ),
        in_ct=_part("endpointInput", "observedContentType"),
        in_enc=_part("endpointInput", "encoding"),
        in_data=_part("endpointInput", "data"),
        out_ct=_part("endpointOutput", "observedContentType"),
        out_enc=_part("endpointOutput", "encoding"),
        out_data=_part("endpointOutput", "data"),
        _has_input=pl.col("rec").struct.field("captureData").struct.field("endpointInput").is_not_null(),
        _ground_truth=pl.col("rec").struct.field("groundTruthData").is_not_null(),
    )
    missing_input = (
        pl.when(pl.col("rec").is_null())
        .then(pl.lit("a JSON null, not a data-capture record"))
        .when(pl.col("_ground_truth") & ~pl.col("_has_input"))
        .then(pl.lit("a ground-truth record (groundTruthData), not a data-capture record: no captureData.endpointInput"))
        .when(~pl.col("_has_input"))
        .then(pl.lit("no captureData.endpointInput: not a data-capture record"))
        .when(pl.col("in_data").is_null())
        .then(pl.lit("captureData.endpointInput has no data"))
    )
    placeholder = pl.col("_time_raw").str.contains(r"[{}%]")
    bad_time = (
        pl.when(pl.col("_time_raw").is_null())
        .then(pl.lit("no eventMetadata.inferenceTime"))
        .when(pl.col("inferenceTime").is_null())
        .then(
            pl.format("eventMetadata.inferenceTime '{}' is not an ISO-8601 time", pl.col("_time_raw"))
            + pl.when(placeholder).then(pl.lit(" (it looks like a template placeholder that was never filled in)")).otherwise(pl.lit(""))
        )
    )
    frame = frame.with_columns(
        _kind=pl.when(missing_input.is_not_null()).then(pl.lit("schema")).when(bad_time.is_not_null()).then(pl.lit("time")),
        _message=pl.coalesce(missing_input, bad_time),
    )
    bad = frame.filter(pl.col("_kind").is_not_null()).select(
        "_order", file="_file", line="_line", kind="_kind", message="_message"
    )
    good = frame.filter(pl.col("_kind").is_null())
    if lo is not None:
        good = good.filter(pl.col("inferenceTime") >= lo)
    if hi is not None:
        good = good.filter(pl.col("inferenceTime") < hi)
    return good.drop("rec", "_time_raw", "_kind", "_message", "_ground_truth", "_has_input"), bad.select(list(BAD_SCHEMA))


# --------------------------------------------------------------------------------------------
# Stage 3: payloads -> rows (payload / field_count faults)


@dataclass
class _Side:
    """Rows of one side (input or output) of the records that decoded."""

    positional: pl.DataFrame  # _rec, _inst, values: List[String]
    keyed_recs: list[int] = field(default_factory=list)
    keyed_insts: list[int] = field(default_factory=list)
    keyed_rows: list[dict[str, str | None]] = field(default_factory=list)
    faults: list[tuple[int, str, str]] = field(default_factory=list)  # (_rec, kind, message)

    def keyed_frame(self, names: list[str]) -> pl.DataFrame:
        data = {n: [row.get(n) for row in self.keyed_rows] for n in names}
        return pl.DataFrame(
            {"_rec": self.keyed_recs, "_inst": self.keyed_insts, **data},
            schema={"_rec": pl.Int64, "_inst": pl.Int64, **dict.fromkeys(names, pl.String)},
        )

    def key_order(self, recs: set[int]) -> list[str]:
        seen: dict[str, None] = {}
        for rec, row in zip(self.keyed_recs, self.keyed_rows):
            if rec in recs:
                seen.update(dict.fromkeys(row))
        return list(seen)


_POSITIONAL_SCHEMA = pl.Schema({"_rec": pl.Int64(), "_inst": pl.Int64(), "values": pl.List(pl.String)})


def _decode_side(records: pl.DataFrame, prefix: str, is_output: bool, n_inputs: pl.DataFrame | None) -> _Side:
    """Payload text and rows of one side; records without that side are left out."""
    enc = pl.col(f"{prefix}_enc").str.strip_chars().str.to_uppercase()
    ct = pl.col(f"{prefix}_ct").str.to_lowercase().fill_null("")
    data = pl.col(f"{prefix}_data")
    fmt = (
        pl.when(enc.is_in(["CSV", "JSON"]))
        .then(enc.str.to_lowercase())
        .when(enc.is_null() | (enc == "BASE64"))
        .then(pl.when(ct.str.contains("csv")).then(pl.lit("csv")).when(ct.str.contains("json")).then(pl.lit("json")))
    )
    frame = records.filter(data.is_not_null()).select(
        "_rec",
        fmt=pl.when(fmt == "json").then(pl.when(ct.str.contains("jsonlines|ndjson")).then(pl.lit("jsonl")).otherwise(fmt)).otherwise(fmt),
        is_b64=enc == "BASE64",
        enc=enc,
        ct=pl.col(f"{prefix}_ct"),
        text=data,
    )
    side = _Side(positional=pl.DataFrame(schema=_POSITIONAL_SCHEMA))
    what = "endpointOutput" if is_output else "endpointInput"
    unknown = frame.filter(pl.col("fmt").is_null())
    for rec, is_b64, enc_value, ct_value in unknown.select("_rec", "is_b64", "enc", "ct").iter_rows():
        if is_b64 or enc_value is None:
            side.faults.append((rec, "payload", f"{what}: a {enc_value or 'payload without encoding'} of content type {ct_value!r} is neither CSV nor JSON"))
        else:
            side.faults.append((rec, "payload", f"{what}: unknown encoding {enc_value!r} (expected CSV, JSON or BASE64)"))
    frame = frame.filter(pl.col("fmt").is_not_null())
    frame = _decode_base64(frame, side, what)

    # Vectorised: CSV without quote characters (one or more lines per payload).
    simple = frame.filter((pl.col("fmt") == "csv") & ~pl.col("text").str.contains('"', literal=True))
    positional = [_split_csv(simple)]
    empty = simple.filter(pl.col("text").str.strip_chars("\r\n") == "")["_rec"].to_list()
    side.faults.extend((rec, "payload", f"{what}: empty CSV payload") for rec in empty)

    # One record at a time: JSON, JSON Lines, CSV with quotes.
    rest = frame.filter((pl.col("fmt") != "csv") | pl.col("text").str.contains('"', literal=True))
    if n_inputs is not None:
        rest = rest.join(n_inputs, on="_rec", how="left", maintain_order="left")
    else:
        rest = rest.with_columns(n_in=pl.lit(1, pl.Int64))
    pos_recs: list[int] = []
    pos_insts: list[int] = []
    pos_values: list[list[str | None]] = []
    with _no_gc():
        _read_payloads(rest, side, what, is_output, pos_recs, pos_insts, pos_values)
    positional.append(_positional_frame(pos_recs, pos_insts, pos_values))
    side.positional = pl.concat(positional)
    return side


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: the payload loop makes millions of small acyclic
    objects, and collections over them cost a quarter of its time (200,000 JSON records of 20
    features: 9.1 s with, 7.0 s without)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_payloads(
    rest: pl.DataFrame,
    side: _Side,
    what: str,
    is_output: bool,
    pos_recs: list[int],
    pos_insts: list[int],
    pos_values: list[list[str | None]],
) -> None:
    for rec, fmt_value, text, n_in in rest.select("_rec", "fmt", "text", "n_in").iter_rows():
        try:
            if fmt_value == "csv":
                rows = _payload.csv_rows(text)
            else:
                rows = _payload.json_rows(text, is_output=is_output, n_inputs=n_in or 1, json_lines=fmt_value == "jsonl")
        except _payload.PayloadError as exc:
            side.faults.append((rec, "payload", f"{what}: {exc}"))
            continue
        if not rows:
            side.faults.append((rec, "payload", f"{what}: the payload holds no rows"))
            continue
        for inst, row in enumerate(rows):
            if isinstance(row, dict):
                side.keyed_recs.append(rec)
                side.keyed_insts.append(inst)
                side.keyed_rows.append(row)
            else:
                pos_recs.append(rec)
                pos_insts.append(inst)
                pos_values.append(row)


def _positional_frame(recs: list[int], insts: list[int], rows: list[list[str | None]]) -> pl.DataFrame:
    """The rows as a List[String] column, built from one flat list and offsets (Polars builds
    nested columns from Python lists much more slowly)."""
    if not rows:
        return pl.DataFrame(schema=_POSITIONAL_SCHEMA)
    offsets = [0, *itertools.accumulate(len(r) for r in rows)]
    values = pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), pa.array(list(itertools.chain.from_iterable(rows)), pa.string()))
    frame = pl.DataFrame(
        {"_rec": pl.Series(recs, dtype=pl.Int64), "_inst": pl.Series(insts, dtype=pl.Int64), "values": pl.from_arrow(values)}
    )
    return frame.cast(dict(_POSITIONAL_SCHEMA))  # type: ignore[arg-type]


def _decode_base64(frame: pl.DataFrame, side: _Side, what: str) -> pl.DataFrame:
    b64 = frame.filter(pl.col("is_b64"))
    if b64.height == 0:
        return frame
    raw = b64["text"].str.replace_all(r"\s", "").str.decode("base64", strict=False)
    try:
        text = raw.cast(pl.String)
        not_utf8: set[int] = set()
    except pl.exceptions.PolarsError:
        # Some payload decodes to bytes that are not UTF-8: find which, one record at a time.
        values: list[str | None] = []
        not_utf8 = set()
        for i, blob in enumerate(raw.to_list()):
            try:
                values.append(None if blob is None else blob.decode("utf-8"))
            except UnicodeDecodeError:
                values.append(None)
                not_utf8.add(i)
        text = pl.Series(values, dtype=pl.String)
    recs = b64["_rec"].to_list()
    for i, (rec, value) in enumerate(zip(recs, text.to_list())):
        if i in not_utf8:
            side.faults.append((rec, "payload", f"{what}: BASE64 payload decodes to bytes that are not UTF-8 text"))
        elif value is None:
            side.faults.append((rec, "payload", f"{what}: BASE64 payload cannot be decoded"))
    decoded = b64.with_columns(text=text).filter(pl.col("text").is_not_null())
    return pl.concat([frame.filter(~pl.col("is_b64")), decoded]).sort("_rec")


def _split_csv(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows of CSV payloads without quotes: split on newlines (blank lines skipped), then on
    commas; empty fields are missing."""
    return (
        frame.select("_rec", line=pl.col("text").str.split("\n"))
        .explode("line")
        .with_columns(pl.col("line").str.strip_suffix("\r"))
        .filter(pl.col("line") != "")
        .select(
            "_rec",
            _inst=pl.int_range(pl.len()).over("_rec").cast(pl.Int64),
            values=pl.col("line").str.split(",").list.eval(pl.when(pl.element() != "").then(pl.element())),
        )
    )


def _flatten(
    records: pl.DataFrame,
    position: OutputColumnsPosition,
    feature_names: tuple[str, ...] | None,
    output_names: tuple[str, ...] | None,
) -> tuple[pl.DataFrame, list[str], list[str], pl.DataFrame]:
    where = records.select("_rec", "_order", "_file", "_line")
    inputs = _decode_side(records, "in", is_output=False, n_inputs=None)
    bad_in = {rec for rec, _, _ in inputs.faults}
    in_shape = _shape(inputs, bad_in, feature_names, where, "endpointInput", "feature_names")
    n_inputs = _row_counts(inputs).rename({"len": "n_in"})
    outputs = _decode_side(records, "out", is_output=True, n_inputs=n_inputs)
    bad_out = bad_in | {rec for rec, _, _ in in_shape.faults} | {rec for rec, _, _ in outputs.faults}
    out_shape = _shape(outputs, bad_out, output_names, where, "endpointOutput", "output_names")

    # Records whose output rows do not pair one-to-one with their input rows.
    mismatch = _row_counts(outputs).join(n_inputs, on="_rec").filter(pl.col("len") != pl.col("n_in"))
    pairing = [
        (rec, "field_count", f"{n_in} input row{'s' if n_in != 1 else ''} but {n_out} output row{'s' if n_out != 1 else ''}")
        for rec, n_out, n_in in mismatch.select("_rec", "len", "n_in").iter_rows()
    ]
    faults = pl.DataFrame(
        inputs.faults + in_shape.faults + outputs.faults + out_shape.faults + pairing,
        schema={"_rec": pl.Int64, "kind": pl.String, "message": pl.String},
        orient="row",
    ).unique("_rec", keep="first", maintain_order=True)
    bad = faults.join(where, on="_rec").select("_order", file="_file", line="_line", kind="kind", message="message")

    good = records.join(faults.select("_rec"), on="_rec", how="anti")
    feature_cols, output_cols, frame = _assemble(good, inputs, outputs, in_shape, out_shape, position, feature_names, output_names)
    return frame, feature_cols, output_cols, bad.select(list(BAD_SCHEMA)) if bad.height else empty_bad_frame()


def _row_counts(side: _Side) -> pl.DataFrame:
    """Rows per record of one side: ``_rec``, ``len``."""
    keyed = pl.DataFrame({"_rec": side.keyed_recs}, schema={"_rec": pl.Int64})
    return pl.concat([side.positional.select("_rec"), keyed]).group_by("_rec").len().with_columns(pl.col("len").cast(pl.Int64))


@dataclass
class _Shape:
    keyed: bool = False
    width: int = 0  # number of positional fields
    faults: list[tuple[int, str, str]] = field(default_factory=list)


def _shape(side: _Side, bad: set[int], names: tuple[str, ...] | None, where: pl.DataFrame, what: str, names_arg: str) -> _Shape:
    """The expected row shape of one side (from the names given, else from its first good
    record) and the records that do not have it."""
    pos = side.positional.join(pl.DataFrame({"_rec": list(bad)}, schema={"_rec": pl.Int64}), on="_rec", how="anti")
    keyed_recs = [r for r in side.keyed_recs if r not in bad]
    candidates = ([int(pos["_rec"].min())] if pos.height else []) + ([min(keyed_recs)] if keyed_recs else [])  # type: ignore[arg-type]
    if not candidates:
        return _Shape()
    first = min(candidates)
    file, line = where.filter(pl.col("_rec") == first).select("_file", "_line").row(0)
    keyed = first in set(keyed_recs)
    shape = _Shape(keyed=keyed)
    origin = f"`{names_arg}`" if names is not None else f"the first good record ({file} line {line})"
    if keyed:
        shape.faults.extend(
            (rec, "field_count", f"{what} has a list of values where {origin} has named fields")
            for rec in pos["_rec"].unique(maintain_order=True).to_list()
        )
        if names is not None:
            allowed = set(names)
            for rec, row in zip(side.keyed_recs, side.keyed_rows):
                extra = [k for k in row if k not in allowed]
                if rec not in bad and extra:
                    shape.faults.append((rec, "field_count", f"{what} has fields {extra} not in {origin}"))
        return shape
    lengths = pos.with_columns(n=pl.col("values").list.len())
    width = len(names) if names is not None else int(lengths.filter(pl.col("_rec") == first)["n"][0])
    shape.width = width
    wrong = lengths.filter(pl.col("n") != width).group_by("_rec", maintain_order=True).agg(pl.col("n").first())
    shape.faults.extend(
        (rec, "field_count", f"{what} has {n} field{'s' if n != 1 else ''} where {origin} has {width}")
        for rec, n in wrong.iter_rows()
    )
    shape.faults.extend(
        (rec, "field_count", f"{what} has named fields where {origin} has a list of {width} values")
        for rec in sorted(set(keyed_recs))
    )
    return shape


def _assemble(
    good: pl.DataFrame,
    inputs: _Side,
    outputs: _Side,
    in_shape: _Shape,
    out_shape: _Shape,
    position: OutputColumnsPosition,
    feature_names: tuple[str, ...] | None,
    output_names: tuple[str, ...] | None,
) -> tuple[list[str], list[str], pl.DataFrame]:
    out_width = 0 if out_shape.keyed else out_shape.width
    in_width = 0 if in_shape.keyed else in_shape.width
    in_base = out_width if position == "START" else 0
    out_base = 0 if position == "START" else in_width

    good_recs = good.select("_rec")
    keyed_recs = set(good_recs["_rec"].to_list()) if in_shape.keyed or out_shape.keyed else set()
    if in_shape.keyed:
        in_cols = list(feature_names) if feature_names is not None else inputs.key_order(keyed_recs)
        in_rows = inputs.keyed_frame(in_cols).join(good_recs, on="_rec", how="semi")
    else:
        in_cols = list(feature_names) if feature_names is not None else [f"_c{in_base + i}" for i in range(in_width)]
        in_rows = _columns(inputs.positional.join(good_recs, on="_rec", how="semi"), in_cols)
    if out_shape.keyed:
        keys = list(output_names) if output_names is not None else outputs.key_order(keyed_recs)
        out_cols = [f"output_{k}" if k in in_cols else k for k in keys]
        out_rows = outputs.keyed_frame(keys).join(good_recs, on="_rec", how="semi").rename(dict(zip(keys, out_cols)))
    else:
        out_cols = list(output_names) if output_names is not None else [f"_c{out_base + i}" for i in range(out_width)]
        out_rows = _columns(outputs.positional.join(good_recs, on="_rec", how="semi"), out_cols)
    clash = set(out_cols) & set(in_cols)
    if clash:
        raise InvalidArgumentError(f"output and feature columns share the names {sorted(clash)}: pass distinct `output_names`/`feature_names`")

    meta = good.select("_rec", *METADATA_COLUMNS)
    frame = (
        in_rows.join(out_rows, on=["_rec", "_inst"], how="left")
        .join(meta, on="_rec", how="left")
        .sort("_rec", "_inst")
    )
    data_cols = out_cols + in_cols if position == "START" else in_cols + out_cols
    frame = frame.select(*data_cols, *METADATA_COLUMNS).with_columns(pl.col("inferenceTime").cast(_TIME))
    return in_cols, out_cols, frame


def _columns(positional: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    return positional.select(
        "_rec",
        "_inst",
        *[pl.col("values").list.get(i, null_on_oob=True).alias(n) for i, n in enumerate(names)],
    )


def is_capture(source: Path) -> bool:
    """Whether ``source`` (a file or folder) holds SageMaker data capture: a folder with JSON
    Lines files, or a JSON Lines file whose first records carry ``captureData`` or
    ``eventMetadata`` (a table in JSON Lines does not)."""
    if source.is_dir():
        return any(p.suffix == ".jsonl" for p in source.rglob("*.jsonl"))
    if source.suffix == ".jsonl":
        with open(source, encoding="utf-8", errors="replace") as f:
            head = f.read(4096)
        return "captureData" in head or "eventMetadata" in head
    return False
