"""The A/B test's input: metric specifications, the table (or captured traffic joined with
ground truth), the business-event join, and each arm's values.

Metric specification: ``NAME:binary``, ``NAME:continuous`` or ``NAME:ratio=NUM/DEN``, then
optionally ``:higher`` (the default) or ``:lower`` (lower is better, e.g. latency or error), and
for continuous metrics optionally the test, ``:welch`` (the default), ``:mannwhitney`` or
``:bootstrap``. ``NAME`` is the column for binary and continuous metrics; a ratio's ``NUM`` and
``DEN`` are columns and its ``NAME`` only labels it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from driftline.errors import InvalidArgumentError, InvalidInputError

__all__ = ["MetricSpec", "arm_values", "join_events", "parse_metric", "parse_weights", "read_input"]

MetricType = Literal["binary", "continuous", "ratio"]
Direction = Literal["higher", "lower"]
TestName = Literal["default", "welch", "mannwhitney", "bootstrap"]

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class MetricSpec:
    name: str
    type: MetricType
    direction: Direction = "higher"
    numerator: str | None = None
    denominator: str | None = None
    test: TestName = "default"

    @property
    def columns(self) -> list[str]:
        return [c for c in (self.numerator, self.denominator) if c is not None] if self.type == "ratio" else [self.name]

    def spec(self) -> str:
        kind = f"ratio={self.numerator}/{self.denominator}" if self.type == "ratio" else self.type
        return f"{self.name}:{kind}:{self.direction}" + ("" if self.test == "default" else f":{self.test}")


def parse_metric(text: str | MetricSpec) -> MetricSpec:
    """A :class:`MetricSpec` from ``NAME:TYPE[:higher|lower][:welch|mannwhitney|bootstrap]``."""
    if isinstance(text, MetricSpec):
        return text
    if not isinstance(text, str):
        raise InvalidArgumentError(f"a metric must be a string such as 'conversion:binary', got {text!r}")
    parts = text.split(":")
    if len(parts) < 2 or not parts[0]:
        raise InvalidArgumentError(f"metric {text!r}: expected NAME:binary, NAME:continuous or NAME:ratio=NUM/DEN")
    name, kind, rest = parts[0], parts[1], parts[2:]
    num = den = None
    m = re.fullmatch(r"ratio=([^/]+)/(.+)", kind)
    mtype: MetricType
    if m:
        mtype, num, den = "ratio", m.group(1), m.group(2)
    elif kind in ("binary", "continuous"):
        mtype = "binary" if kind == "binary" else "continuous"
    else:
        raise InvalidArgumentError(f"metric {text!r}: unknown type {kind!r} (binary, continuous or ratio=NUM/DEN)")
    direction: Direction = "higher"
    test: TestName = "default"
    for r in rest:
        if r in ("higher", "lower"):
            direction = "higher" if r == "higher" else "lower"
        elif r in ("welch", "mannwhitney", "bootstrap"):
            if mtype != "continuous" and r != "bootstrap":
                raise InvalidArgumentError(f"metric {text!r}: the {r} test applies to continuous metrics")
            test = "welch" if r == "welch" else "mannwhitney" if r == "mannwhitney" else "bootstrap"
        else:
            raise InvalidArgumentError(f"metric {text!r}: unknown option {r!r} (higher, lower, welch, mannwhitney, bootstrap)")
    return MetricSpec(name, mtype, direction, num, den, test)


def parse_weights(text: str | Mapping[str, float] | None) -> dict[str, float] | None:
    """``A=0.5,B=0.5`` (or a mapping) as {variant: weight}; weights are relative (SageMaker's
    share is weight / Σ weights), non-negative and not all 0."""
    if text is None:
        return None
    items: list[tuple[str, Any]]
    if isinstance(text, str):
        items = []
        for part in text.split(","):
            name, eq, value = part.partition("=")
            if not eq or not name.strip():
                raise InvalidArgumentError(f"weights: expected NAME=WEIGHT[,NAME=WEIGHT...], got {text!r}")
            items.append((name.strip(), value.strip()))
    else:
        items = list(text.items())
    out: dict[str, float] = {}
    for name, value in items:
        try:
            w = float(value)
        except (TypeError, ValueError):
            raise InvalidArgumentError(f"weights: the weight of {name!r} is not a number: {value!r}") from None
        if not (w >= 0 and np.isfinite(w)):
            raise InvalidArgumentError(f"weights: the weight of {name!r} must be finite and non-negative, got {value!r}")
        if name in out:
            raise InvalidArgumentError(f"weights: {name!r} is given twice")
        out[name] = w
    if not out or sum(out.values()) <= 0:
        raise InvalidArgumentError("weights: at least one weight must be positive")
    return out


def read_input(data: Any) -> pl.DataFrame:
    """The table: a path (CSV with numbers inferred, Parquet, JSON Lines) or an in-memory
    Polars, pandas or Arrow table."""
    from driftline.io import read_table

    if isinstance(data, pl.DataFrame):
        return data
    if isinstance(data, str | Path) and Path(data).suffix.lower() == ".csv":
        return read_table(data, columns_as_strings=False).frame
    return read_table(data).frame


def join_events(frame: pl.DataFrame, events: Any, join_key: str) -> pl.DataFrame:
    """Left-join a business-event table on ``join_key``. Several events of one key are summed
    (numeric columns: clicks, conversions, order values); a row without events gets 0 in the
    events' numeric columns (no event: no click, no conversion, no order value). The events'
    other columns are dropped; a column in both tables keeps the main table's."""
    ev = read_input(events)
    for name, f in (("data", frame), ("events", ev)):
        if join_key not in f.columns:
            raise InvalidInputError(f"the join key {join_key!r} is not a column of the {name} (columns: {', '.join(f.columns)})")
    numeric = [c for c in ev.columns if c != join_key and c not in frame.columns and (ev[c].dtype.is_numeric() or ev[c].dtype == pl.Boolean)]
    if not numeric:
        raise InvalidInputError(f"the events table has no numeric column to join besides {join_key!r} and the data's columns")
    key_dtype = frame[join_key].dtype
    agg = (ev.with_columns(pl.col(join_key).cast(key_dtype, strict=False))
           .group_by(join_key).agg([pl.col(c).cast(pl.Float64).sum() for c in numeric]))
    out = frame.join(agg, on=join_key, how="left")
    return out.with_columns([pl.col(c).fill_null(0.0) for c in numeric])


_TRUE = {"1", "1.0", "true", "t", "yes", "y"}
_FALSE = {"0", "0.0", "false", "f", "no", "n"}


def numeric_column(frame: pl.DataFrame, column: str, binary: bool) -> pl.Series:
    """The column as Float64 with nulls (and NaN) as null; a binary column must hold 0/1 or
    booleans (or their text), anything else is an error naming the column and the value."""
    if column not in frame.columns:
        raise InvalidInputError(f"metric column {column!r} is not in the data (columns: {', '.join(frame.columns)})")
    s = frame[column]
    if s.dtype == pl.Boolean:
        s = s.cast(pl.Float64)
    elif s.dtype == pl.String:
        text = s.str.strip_chars().str.to_lowercase()
        if binary:
            bad = text.filter(text.is_not_null() & (text != "") & ~text.is_in(sorted(_TRUE | _FALSE)))
            if bad.len():
                raise InvalidInputError(f"binary metric column {column!r} holds {bad[0]!r}: expected 0/1 or true/false")
            s = pl.select(pl.when(text.is_in(sorted(_TRUE))).then(1.0).when(text.is_in(sorted(_FALSE))).then(0.0)
                          .otherwise(None).cast(pl.Float64)).to_series()
        else:
            s = text.replace("", None).cast(pl.Float64, strict=False)
            bad_mask = s.is_null() & text.is_not_null() & (text != "")
            if bad_mask.any():
                raise InvalidInputError(f"metric column {column!r} holds {frame[column].filter(bad_mask)[0]!r}, not a number")
    elif s.dtype.is_numeric():
        s = s.cast(pl.Float64)
    else:
        raise InvalidInputError(f"metric column {column!r} has type {s.dtype}, not numbers or booleans")
    s = s.fill_nan(None)
    if s.is_infinite().any():
        raise InvalidInputError(f"metric column {column!r} holds an infinite value")
    if binary:
        bad = s.filter(s.is_not_null() & (s != 0.0) & (s != 1.0))
        if bad.len():
            raise InvalidInputError(f"binary metric column {column!r} holds {bad[0]!r}: expected 0/1 or true/false")
    return s.rename(column)


@dataclass(frozen=True)
class ArmValues:
    """One arm's values of one metric, rows with a missing value left out (``nulls`` of them)."""

    values: F64
    den: F64 | None
    covariate: F64 | None
    nulls: int


def arm_values(frame: pl.DataFrame, mask: pl.Series, spec: MetricSpec, covariate: str | None) -> ArmValues:
    """The metric's values in the rows of ``mask``. A row missing any of the metric's columns is
    left out and counted; a missing covariate is filled with the covariate's mean over both
    arms (CUPED then leaves that row unadjusted)."""
    cols = [numeric_column(frame, c, spec.type == "binary") for c in spec.columns]
    present = pl.Series([True] * frame.height)
    for c in cols:
        present = present & c.is_not_null()
    keep = mask & present
    nulls = int((mask & ~present).sum())
    values = cols[0].filter(keep).to_numpy().astype(np.float64)
    den = cols[1].filter(keep).to_numpy().astype(np.float64) if spec.type == "ratio" else None
    cov = None
    if covariate is not None:
        x = numeric_column(frame, covariate, False)
        fill = x.mean()
        x = x.fill_null(float(fill) if isinstance(fill, int | float) else 0.0)
        cov = x.filter(keep).to_numpy().astype(np.float64)
    return ArmValues(values, den, cov, nulls)


def variants_of(frame: pl.DataFrame, column: str) -> tuple[pl.Series, list[str]]:
    """The variant column as text (nulls are an error naming the column) and its names in
    sorted order."""
    if column not in frame.columns:
        raise InvalidInputError(f"the variant column {column!r} is not in the data (columns: {', '.join(frame.columns)})")
    s = frame[column].cast(pl.String)
    nulls = int(s.is_null().sum())
    if nulls:
        raise InvalidInputError(f"the variant column {column!r} has {nulls} rows without a variant")
    return s, sorted(s.unique().to_list())


def check_metrics(metrics: Sequence[str | MetricSpec]) -> list[MetricSpec]:
    specs = [parse_metric(m) for m in metrics]
    if not specs:
        raise InvalidArgumentError("at least one metric (--metric NAME:TYPE) is needed")
    names = [s.name for s in specs]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise InvalidArgumentError(f"metric names must be unique, {sorted(dup)[0]!r} is given twice")
    return specs


@dataclass
class CaptureJoin:
    """What reading captured traffic found: rows, the model-output column used as the
    prediction, and the ground-truth merge report (None without ground truth)."""

    rows: int = 0
    prediction: str | None = None
    merge: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"rows": self.rows, "prediction": self.prediction, "merge": self.merge}


def is_capture_input(data: Any) -> bool:
    from driftline.io import is_capture

    return isinstance(data, str | Path) and Path(data).exists() and is_capture(Path(data))


def read_capture_input(data: Any, ground_truth: Any, prediction: str | None, threshold: float | None,
                       positive_label: str) -> tuple[pl.DataFrame, CaptureJoin]:
    """Captured traffic in the ``{endpoint}/{variant}/yyyy/mm/dd/hh`` layout (the variant is
    the capture's ``variant`` column), joined by inference id with ``ground_truth`` when given
    (SageMaker's merge: :func:`driftline.model_quality.merge.merge_ground_truth`). Adds:

    - ``prediction``: the model output (``prediction``: an output column, default the first);
    - with ground truth, ``label`` (null until it arrives: such rows are a metric's missing
      values), ``correct`` (1 when the prediction equals the label; with ``threshold``, when
      ``prediction >= threshold`` agrees with ``label == positive_label``) and ``abs_error``
      (|prediction - label| when both are numbers).
    """
    from driftline.io import read_window

    window = read_window(data)
    frame = window.collect()
    info = CaptureJoin(rows=frame.height)
    outputs = window.output_columns
    if prediction is None:
        if not outputs:
            raise InvalidInputError("the capture has no model-output column to compare with the ground truth")
        prediction = outputs[0]
    if prediction not in frame.columns:
        raise InvalidInputError(f"the prediction column {prediction!r} is not in the capture (outputs: {', '.join(outputs)})")
    info.prediction = prediction
    frame = frame.with_columns(pl.col(prediction).alias("prediction")) if prediction != "prediction" else frame
    if ground_truth is None:
        return frame, info
    from driftline.model_quality.merge import merge_ground_truth

    if isinstance(ground_truth, str | Path) and Path(ground_truth).suffix.lower() not in (".csv", ".parquet", ".pq"):
        from driftline.io.ground_truth import read_ground_truth

        labels = read_ground_truth(ground_truth).frame
    else:
        labels = read_input(ground_truth).with_columns(pl.col("eventId").cast(pl.String), pl.col("label").cast(pl.String))
    merged, report = merge_ground_truth(frame, labels)
    info.merge = report.to_json()
    text_pred = merged["prediction"].cast(pl.String).str.strip_chars()
    text_label = merged["label"].cast(pl.String).str.strip_chars()
    num_pred = text_pred.cast(pl.Float64, strict=False)
    num_label = text_label.cast(pl.Float64, strict=False)
    if threshold is not None:
        correct = (num_pred >= threshold) == (text_label == positive_label)
    else:
        same_number = num_pred.is_not_null() & num_label.is_not_null() & (num_pred == num_label)
        correct = same_number | (text_pred == text_label)
    missing = text_label.is_null() | text_pred.is_null()
    correct_values = pl.select(pl.when(missing).then(None).otherwise(correct.cast(pl.Float64))).to_series()
    merged = merged.with_columns(correct=correct_values, abs_error=(num_pred - num_label).abs(), label_value=num_label)
    return merged, info
