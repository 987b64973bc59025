"""Model-quality monitoring, as SageMaker Model Monitor's model-quality jobs (research notes §4):
captured predictions are joined with ground truth that arrives later, SageMaker's metrics are
computed over the analysis window and checked against the constraints suggested at baseline
time; before the labels arrive, confidence-based performance estimation (:mod:`driftline.estimate`)
tells how the model is probably doing.

Pieces, each usable on its own:

- :func:`parse_offset` / :func:`analysis_window`: SageMaker's ``-P8D`` / ``-PT5H`` offsets from
  the run time;
- :func:`select_outputs`: the ``inference_attribute`` / ``probability_attribute`` /
  ``probability_threshold_attribute`` of SageMaker's inputs;
- :func:`merge_ground_truth`: the join on ``inferenceId`` (else ``eventId``), with a
  :class:`MergeReport` of matched, unlabelled, orphan and duplicate records;
- :func:`model_quality_statistics`: the statistics document (SageMaker's metric names and
  layout), each scalar with SageMaker's ``standard_deviation`` and driftline's bootstrap
  ``confidence_interval``;
- :func:`suggest_model_quality_baseline` / :func:`load_model_quality_baseline`: baseline files;
- :func:`run_model_quality_monitor`: one monitoring run, with its output files.

Labels are compared as text after one normalisation: surrounding spaces are stripped, and a
number with an integral value is written as an integer (``"1.0"`` and ``"1"`` are one class), so
that labels from CSV, JSON and typed tables agree.
"""

from __future__ import annotations

import json
import math
import numbers
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt
import polars as pl

from driftline import _core
from driftline import metrics as mq_metrics
from driftline._outputs import OutputFolder
from driftline.errors import BadRecordError, DriftlineError, InvalidArgumentError, InvalidInputError
from driftline.runs import KeepPartialResults, Run, execute

__all__ = [
    "BASELINE_FILES",
    "COMPARISON_OPERATORS",
    "MAX_BOOTSTRAP",
    "MergeReport",
    "ModelQualityBaseline",
    "ModelQualityRun",
    "PROBLEM_TYPES",
    "RUN_FILES",
    "analysis_window",
    "check_constraints",
    "load_model_quality_baseline",
    "merge_ground_truth",
    "model_quality_statistics",
    "parse_offset",
    "run_model_quality_monitor",
    "select_outputs",
    "suggest_constraints",
    "suggest_model_quality_baseline",
]

ProblemType = Literal["BinaryClassification", "MulticlassClassification", "Regression"]
PROBLEM_TYPES: tuple[str, ...] = ("BinaryClassification", "MulticlassClassification", "Regression")
_SECTION = {
    "BinaryClassification": "binary_classification",
    "MulticlassClassification": "multiclass_classification",
    "Regression": "regression",
}
COMPARISON_OPERATORS = ("LessThanThreshold", "GreaterThanThreshold", "LessThanOrEqualToThreshold", "GreaterThanOrEqualToThreshold")
# Metrics whose constraint is an upper bound (an error or a miss rate); the rest are lower bounds.
_LOWER_IS_BETTER = {"mae", "mse", "rmse", "false_positive_rate", "false_negative_rate"}
# Metrics that get a suggested constraint (the best-constant values are reference points).
CONSTRAINED = {
    "Regression": ("mae", "mse", "rmse", "r2"),
    "BinaryClassification": ("recall", "precision", "accuracy", "true_positive_rate", "true_negative_rate",
                             "false_positive_rate", "false_negative_rate", "auc", "f0_5", "f1", "f2"),
    "MulticlassClassification": ("accuracy", "weighted_recall", "weighted_precision", "weighted_f0_5", "weighted_f1", "weighted_f2"),
}
STD_MIN_SAMPLES = 200  # SageMaker gives standard_deviation from 200 samples on
STD_SUBSAMPLES = 5  # ... computed over 5 random subsamples
STD_FRACTION = 0.8  # ... of 80 % of the data each
CURVE_POINTS = 1000  # curves in statistics.json are thinned to about this many points
BOOTSTRAP_MAX_ROWS = 100_000  # larger windows are bootstrapped on a subsample of this size
BOOTSTRAP_CHUNK_VALUES = 1 << 22  # resample weights held at once (32 MiB of float64)
MAX_BOOTSTRAP = 100_000  # resamples: the 2.5 % tails need a few thousand; more costs time, not precision
MAX_SEED = 2**63 - 1
Status = Literal["Completed", "CompletedWithViolations", "Failed"]
# The files a baseline folder and a run folder may hold (driftline._outputs.OutputFolder's rule).
BASELINE_FILES = ("statistics.json", "constraints.json", "cbpe.json", "dle.json", "model_quality.json")
RUN_FILES = ("statistics.json", "constraint_violations.json", "metrics.json", "merge_report.json", "estimated_performance.json",
             "segments.json", "monitoring_run.json")
_BASELINE_FORMAT = "driftline.model_quality_baseline"  # model_quality.json: what SageMaker's files do not hold
# Python keyword -> CLI flag, so that a message reads for both kinds of user.
_FLAGS = {
    "problem_type": "--problem-type", "inference_attribute": "--inference-attribute", "probability_attribute": "--probability-attribute",
    "probability_threshold_attribute": "--probability-threshold-attribute", "ground_truth_attribute": "--ground-truth-attribute",
    "positive_label": "--positive-label", "bootstrap": "--bootstrap", "seed": "--seed", "slack": "--slack", "tolerance": "--tolerance",
    "dle_features": "--dle-features", "segment_by": "--segment-by", "start_offset": "--start-time-offset",
    "end_offset": "--end-time-offset", "start": "--start", "end": "--end", "allow_threshold_change": "--allow-threshold-change",
    "on_bad_record": "--on-bad-record",
}


def _arg(name: str) -> str:
    """``name (--flag)``: an argument as both the Python API and the CLI call it."""
    return f"{name} ({_FLAGS[name]})" if name in _FLAGS else name


def _check_count(value: Any, name: str, low: int, high: int) -> int:
    """An integer argument in ``[low, high]``, else InvalidArgumentError naming it (and its flag)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidArgumentError(f"{_arg(name)} must be an integer, got {value!r}")
    n = int(value)
    if n < low:
        raise InvalidArgumentError(f"{_arg(name)} must be >= {low}, got {n}")
    if n > high:
        raise InvalidArgumentError(f"{_arg(name)} must be at most {high:,}, got {n:,}")
    return n


def _check_real(value: Any, name: str, low: float = 0.0, high: float = math.inf) -> float:
    """A finite number in ``[low, high]``, else InvalidArgumentError naming it (and its flag)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(float(value)):
        raise InvalidArgumentError(f"{_arg(name)} must be a finite number, got {value!r}")
    if not low <= float(value) <= high:
        where = f">= {low:g}" if high == math.inf else f"in [{low:g}, {high:g}]"
        raise InvalidArgumentError(f"{_arg(name)} must be {where}, got {value!r}")
    return float(value)


def _check_resampling(bootstrap: Any, seed: Any) -> None:
    """``bootstrap`` resamples in ``[0, MAX_BOOTSTRAP]`` and ``seed`` in ``[0, 2**63)``, checked
    before anything is read or allocated."""
    _check_count(bootstrap, "bootstrap", 0, MAX_BOOTSTRAP)
    _check_count(seed, "seed", 0, MAX_SEED)


# -- analysis windows ----------------------------------------------------------------------------

_DURATION = re.compile(
    r"^(?P<sign>[+-])?P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


def parse_offset(text: str, name: str = "time offset") -> timedelta:
    """An ISO-8601 duration with an optional sign, as SageMaker's ``StartTimeOffset`` /
    ``EndTimeOffset`` (``-P8D``, ``-P1D``, ``-PT5H``, ``-P1DT12H``, ``PT0H``); ``name`` is the
    argument named in the error."""
    m = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if m is None or text.strip().rstrip("T").endswith(("P", "-P", "+P")) or text.strip().endswith("T"):
        raise InvalidArgumentError(f"{_arg(name)} {text!r} is not an ISO-8601 duration like '-P1D' or '-PT5H'")
    parts = {k: float(v) for k, v in m.groupdict().items() if k != "sign" and v is not None}
    delta = timedelta(weeks=parts.get("weeks", 0), days=parts.get("days", 0), hours=parts.get("hours", 0),
                      minutes=parts.get("minutes", 0), seconds=parts.get("seconds", 0))
    return -delta if m.group("sign") == "-" else delta


def analysis_window(run_time: datetime | str, start_offset: str, end_offset: str) -> tuple[datetime, datetime]:
    """``[run_time + start_offset, run_time + end_offset)``: a job at 2020-01-09T13:00 with
    ``-P8D`` / ``-P1D`` analyses 2020-01-01T13:00 to 2020-01-08T13:00."""
    from driftline.io._layout import to_utc

    t = to_utc(run_time, "run_time")
    assert t is not None
    try:
        start, end = t + parse_offset(start_offset, "start_offset"), t + parse_offset(end_offset, "end_offset")
    except OverflowError:
        raise InvalidArgumentError(f"the window [{start_offset}, {end_offset}) from {t.isoformat()} leaves the calendar (years 1 to 9999)") from None
    if start >= end:
        raise InvalidArgumentError(f"the window [{start_offset}, {end_offset}) is empty: the start offset ({_FLAGS['start_offset']}) must "
                                   f"come before the end offset ({_FLAGS['end_offset']})")
    return start, end


# -- selecting the model's output ----------------------------------------------------------------


def _resolve(frame: pl.DataFrame, attr: str | int, output_columns: Sequence[str], what: str) -> pl.Series:
    """The column an attribute names: an index into the output columns (CSV output), a column
    name, or a JSONPath ``$.key`` / ``$.key.sub`` into a keyed (JSON) output."""
    text = str(attr).strip()
    if text.isdigit():
        i = int(text)
        if output_columns:
            if i >= len(output_columns):
                raise InvalidArgumentError(f"{_arg(what)} {text} is out of range: the output has {len(output_columns)} columns ({', '.join(output_columns)})")
            return frame[output_columns[i]]
        if f"_c{i}" in frame.columns:
            return frame[f"_c{i}"]
    if text in frame.columns:
        return frame[text]
    if text.startswith("$."):
        path = text[2:]
        for name in (path, f"output_{path}"):
            if name in frame.columns:
                return frame[name]
        head, _, rest = path.partition(".")
        for name in (head, f"output_{head}"):
            if rest and name in frame.columns:
                return frame[name].cast(pl.String).str.json_path_match(f"$.{rest}").alias(text)
    raise InvalidArgumentError(f"{_arg(what)} {text!r} names no column; the data has {', '.join(frame.columns) or 'no columns'}")


def _where(frame: pl.DataFrame, i: int) -> str:
    """Row ``i`` of a frame, by file and line when it was read from captured records."""
    if "_file" in frame.columns and "_line" in frame.columns:
        return f"row {i} ({frame['_file'][i]} line {frame['_line'][i]})"
    return f"row {i}"


def _normalize_labels(s: pl.Series) -> pl.Series:
    """Labels as text: stripped; numbers with integral values written as integers."""
    t = s.cast(pl.String).str.strip_chars()
    num = t.cast(pl.Float64, strict=False)
    integral = num.is_not_null() & num.is_finite() & (num == num.floor()) & (num.abs() < 2**53)
    as_int = num.cast(pl.Int64, strict=False).cast(pl.String)
    lowered = t.str.to_lowercase()
    boolean = lowered.is_in(["true", "false"])
    return pl.select(pl.when(integral).then(as_int).when(boolean).then(lowered).otherwise(t)).to_series().rename(s.name)


@dataclass(frozen=True)
class Outputs:
    """The model's outputs for the rows of a frame: predicted labels (text) or values, and the
    positive-class score where a probability attribute is given."""

    prediction: pl.Series
    score: pl.Series | None


def select_outputs(
    frame: pl.DataFrame,
    problem_type: ProblemType,
    *,
    inference_attribute: str | int | None = None,
    probability_attribute: str | int | None = None,
    probability_threshold_attribute: float | None = None,
    output_columns: Sequence[str] = (),
) -> Outputs:
    """The predictions as SageMaker's model-quality inputs select them: ``inference_attribute``
    (the predicted label or value), or for binary problems ``probability_attribute`` turned into
    a label by ``probability_threshold_attribute`` (default 0.5: ``1`` when the score is at or
    above it, else ``0``). With both, the label comes from the inference attribute and the score
    still feeds the AUC and the curves."""
    if problem_type not in PROBLEM_TYPES:
        raise InvalidArgumentError(f"{_arg('problem_type')} must be one of {', '.join(PROBLEM_TYPES)}, got {problem_type!r}")
    if inference_attribute is None and probability_attribute is None:
        raise InvalidArgumentError(f"give {_arg('inference_attribute')} (the predicted label or value) or {_arg('probability_attribute')}")
    score = None
    if probability_attribute is not None:
        if problem_type != "BinaryClassification":
            raise InvalidArgumentError(f"{_arg('probability_attribute')} applies to BinaryClassification only")
        raw = _resolve(frame, probability_attribute, output_columns, "probability_attribute")
        score = raw.cast(pl.String).str.strip_chars().cast(pl.Float64, strict=False)
        bad = score.is_null() & raw.is_not_null() | score.is_nan() | (score < 0) | (score > 1)
        if bad.any():
            i = int(bad.arg_true()[0])
            raise InvalidInputError(f"{_arg('probability_attribute')} {probability_attribute!r}: {_where(frame, i)} holds {raw[i]!r}, "
                                    "not a probability in [0, 1]")
        score = score.rename("score")
    if inference_attribute is not None:
        raw = _resolve(frame, inference_attribute, output_columns, "inference_attribute")
        if problem_type == "Regression":
            pred = raw.cast(pl.String).str.strip_chars().cast(pl.Float64, strict=False)
            bad = pred.is_null() & raw.is_not_null()
            if bad.any():
                i = int(bad.arg_true()[0])
                raise InvalidInputError(f"{_arg('inference_attribute')} {inference_attribute!r}: {_where(frame, i)} holds {raw[i]!r}, not a number")
        else:
            pred = _normalize_labels(raw)
        return Outputs(pred.rename("prediction"), score)
    assert score is not None
    threshold = 0.5 if probability_threshold_attribute is None else _check_real(probability_threshold_attribute, "probability_threshold_attribute", 0.0, 1.0)
    pred = pl.select(pl.when(score.is_null()).then(None).when(score >= threshold).then(pl.lit("1")).otherwise(pl.lit("0"))).to_series()
    return Outputs(pred.rename("prediction"), score)


# -- merging ground truth ------------------------------------------------------------------------


@dataclass
class MergeReport:
    """What the join of predictions with ground truth found (counts of rows: a captured record
    with several instances gives several prediction rows)."""

    predictions: int = 0
    labels: int = 0
    matched: int = 0
    predictions_without_labels: int = 0
    labels_without_predictions: int = 0
    duplicate_labels: int = 0
    conflicting_labels: int = 0
    duplicate_predictions: int = 0
    label_count_mismatches: int = 0
    key: str = "inferenceId, else eventId"
    resolution: str = ("a key labelled more than once keeps its latest upload (hour folder, then file and line "
                       "order); a key predicted in more than one record keeps the first record")

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def summary(self) -> str:
        text = (f"{self.matched} of {self.predictions} predictions labelled; {self.predictions_without_labels} waiting for labels, "
                f"{self.labels_without_predictions} labels without a prediction in the window")
        extra = [f"{n} {what}" for n, what in ((self.duplicate_labels, "duplicate labels"), (self.conflicting_labels, "conflicting labels"),
                                               (self.duplicate_predictions, "duplicate predictions"),
                                               (self.label_count_mismatches, "label count mismatches")) if n]
        return text + (" (" + ", ".join(extra) + ")" if extra else "")


def merge_ground_truth(predictions: pl.DataFrame, labels: pl.DataFrame) -> tuple[pl.DataFrame, MergeReport]:
    """Join captured predictions with ground truth, as SageMaker's merge job: the key of a
    prediction is its ``inferenceId`` when it has one, else its ``eventId``; a ground-truth
    record's ``eventId`` holds that key. Returns every prediction row with a ``label`` column
    (null while its label has not arrived) and the :class:`MergeReport`.

    ``predictions`` needs ``eventId`` (``inferenceId``, ``_file`` and ``_line`` are used when
    present: rows of one captured record share its file and line, and a record with several
    instances takes one label per instance, comma- or newline-separated). ``labels`` needs
    ``eventId`` and ``label`` (``uploadHour``, ``_order`` and ``_line`` order duplicates)."""
    for name, frame, need in (("predictions", predictions, "eventId"), ("ground truth", labels, "eventId"), ("ground truth", labels, "label")):
        if need not in frame.columns:
            raise InvalidInputError(f"{name} has no {need!r} column (columns: {', '.join(frame.columns)})")
    report = MergeReport()
    pred = predictions.with_row_index("_row")
    key = pl.col("eventId").cast(pl.String).str.strip_chars()
    if "inferenceId" in pred.columns:
        key = pl.coalesce(pl.col("inferenceId").cast(pl.String).str.strip_chars(), key)
    record: list[str] = [c for c in ("_file", "_line") if c in pred.columns] or ["_row"]
    pred = pred.with_columns(_key=key)
    if pred["_key"].null_count():
        i = int(pred["_key"].is_null().arg_true()[0])
        raise InvalidInputError(f"prediction row {i} has neither an inferenceId nor an eventId to join labels on")
    # one record per key: a key seen in several records keeps the first
    records = pred.select("_key", *record).unique(maintain_order=True)
    first = records.unique("_key", keep="first", maintain_order=True)
    report.duplicate_predictions = int(pred.join(first, on=["_key", *record], how="anti").height)
    pred = pred.join(first, on=["_key", *record], how="semi", maintain_order="left")
    pred = pred.with_columns(_inst=pl.int_range(pl.len()).over(record), _n_inst=pl.len().over(record))

    gt = labels.with_columns(_key=pl.col("eventId").cast(pl.String).str.strip_chars(), label=pl.col("label").cast(pl.String))
    gt = gt.with_row_index("_gt_row")
    order = [c for c in ("uploadHour", "_order", "_line") if c in gt.columns] + ["_gt_row"]
    gt = gt.sort(order, nulls_last=False)
    per_key = gt.group_by("_key").agg(pl.len().alias("n"), pl.col("label").n_unique().alias("distinct"), pl.col("label").last())
    report.labels = gt.height
    report.duplicate_labels = int(per_key.filter(pl.col("n") > 1)["n"].sum() - per_key.filter(pl.col("n") > 1).height)
    report.conflicting_labels = int(per_key.filter(pl.col("distinct") > 1).height)
    joined = pred.join(per_key.select("_key", "label"), on="_key", how="left", maintain_order="left")
    many = pl.col("_n_inst") > 1
    split = pl.col("label").str.replace_all("\n", ",").str.split(",")
    joined = joined.with_columns(
        _parts=pl.when(many).then(split.list.len()).otherwise(pl.lit(1, pl.UInt32)),
    )
    mismatch = many & pl.col("label").is_not_null() & (pl.col("_parts") != pl.col("_n_inst"))
    report.label_count_mismatches = int(joined.select(mismatch.sum()).item() or 0)
    joined = joined.with_columns(
        label=pl.when(mismatch).then(None).when(many).then(split.list.get(pl.col("_inst"), null_on_oob=True).str.strip_chars()).otherwise(pl.col("label"))
    )
    report.predictions = joined.height
    report.matched = int(joined["label"].is_not_null().sum())
    report.predictions_without_labels = report.predictions - report.matched
    report.labels_without_predictions = int(per_key.join(first, on="_key", how="anti").height)
    return joined.drop("_row", "_inst", "_n_inst", "_parts"), report


# -- metrics -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Encoded:
    """Rows of one problem, encoded once so that the subsample and bootstrap metrics are weighted
    sums: class codes (classification) or values (regression), and score groups for the AUC."""

    problem: str
    n: int
    classes: list[str]
    truth: npt.NDArray[Any]
    pred: npt.NDArray[Any]
    pos: int = -1
    score_group: npt.NDArray[np.uint32] | None = None  # index of each row's distinct score, ascending


def _encode(problem: str, y_true: pl.Series, y_pred: pl.Series, score: pl.Series | None, positive_label: str | None,
            classes: list[str] | None = None) -> _Encoded:
    n = len(y_true)
    if problem == "Regression":
        return _Encoded(problem, n, [], y_true.to_numpy().astype(np.float64), y_pred.to_numpy().astype(np.float64))
    if classes is None:
        classes = sorted(set(y_true.unique().to_list()) | set(y_pred.unique().to_list()), key=_label_order)
    index = {c: i for i, c in enumerate(classes)}
    t = y_true.replace_strict(index, return_dtype=pl.UInt32).to_numpy()
    p = y_pred.replace_strict(index, return_dtype=pl.UInt32).to_numpy()
    pos = -1
    group = None
    if problem == "BinaryClassification":
        if len(classes) > 2:
            raise InvalidInputError(f"a binary problem has at most 2 labels, the data has {len(classes)}: {', '.join(classes[:10])} "
                                    f"(for more classes use {_arg('problem_type')} MulticlassClassification)")
        pos = index[positive_label] if positive_label is not None and positive_label in index else len(classes) - 1
        if score is not None:
            s = score.to_numpy().astype(np.float64)
            _, group = np.unique(s, return_inverse=True)
            group = group.astype(np.uint32)
    return _Encoded(problem, n, classes, t, p, pos, group)


def _label_order(v: str) -> tuple[int, float, str]:
    """Numbers in numeric order, then text (so "0" < "1" < "10" and "a" < "b")."""
    try:
        return (0, float(v), v)
    except ValueError:
        return (1, 0.0, v)


def _weighted_scalars(enc: _Encoded, w: npt.NDArray[np.float64]) -> dict[str, npt.NDArray[np.float64]]:
    """Scalar metrics for each row of weights ``w`` (shape ``(draws, n)``): the same formulas as
    :mod:`driftline.metrics` (checked equal on unit weights), as weighted sums, for the
    subsample standard deviations and the bootstrap intervals. Every draw in one call of the
    Rust kernel (``rust/core/src/metrics/draws.rs``), draws in parallel."""
    w = np.ascontiguousarray(w, dtype=np.float64)
    if enc.problem == "Regression":
        names, values = _core.weighted_regression_metrics(enc.truth, enc.pred, w)
    else:
        binary = enc.problem == "BinaryClassification"
        names, values = _core.weighted_classification_metrics(
            enc.truth, enc.pred, len(enc.classes), w, positive=enc.pos if binary else None, score_group=enc.score_group)
    return dict(zip(names, values, strict=True))


def _weights_chunks(n: int, draws: int, kind: str, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    if kind == "subsample":
        w = np.zeros((draws, n))
        m = int(round(STD_FRACTION * n))
        for d in range(draws):  # SageMaker's 5 subsamples: one choice() each keeps the seeded stream
            w[d, rng.choice(n, size=m, replace=False)] = 1.0
        return w
    # n draws with replacement per resample: the counts of each row (a multinomial). One
    # integers() call reads the stream as one call per resample would; the core counts them.
    return _core.resample_multiplicities(rng.integers(0, n, (draws, n)), n)


def _subset(enc: _Encoded, idx: npt.NDArray[np.int64]) -> _Encoded:
    group = None if enc.score_group is None else enc.score_group[idx]
    return _Encoded(enc.problem, len(idx), enc.classes, enc.truth[idx], enc.pred[idx], enc.pos, group)


def _bootstrap(enc: _Encoded, resamples: int, confidence: float, rng: np.random.Generator,
               values: dict[str, float]) -> dict[str, tuple[float, float]]:
    """Percentile bootstrap intervals of every scalar metric. Above :data:`BOOTSTRAP_MAX_ROWS`
    rows the resamples are drawn from a random subsample of that size, and each interval's
    offsets from the subsample's own value are scaled by ``sqrt(m / n)`` around the full value
    (the intervals of these metrics shrink as ``1 / sqrt(n)``): the cost stays bounded."""
    n = enc.n
    scale, base = 1.0, enc
    if n > BOOTSTRAP_MAX_ROWS:
        base = _subset(enc, np.sort(rng.choice(n, BOOTSTRAP_MAX_ROWS, replace=False)))
        scale = math.sqrt(BOOTSTRAP_MAX_ROWS / n)
    own = {k: float(v[0]) for k, v in _weighted_scalars(base, np.ones((1, base.n))).items()}
    draws: dict[str, list[npt.NDArray[np.float64]]] = {}
    per_chunk = max(1, min(resamples, BOOTSTRAP_CHUNK_VALUES // max(base.n, 1)))
    done = 0
    while done < resamples:
        d = min(per_chunk, resamples - done)
        for k, v in _weighted_scalars(base, _weights_chunks(base.n, d, "bootstrap", rng)).items():
            draws.setdefault(k, []).append(v)
        done += d
    alpha = (1 - confidence) / 2
    out: dict[str, tuple[float, float]] = {}
    for k, parts in draws.items():
        v = np.concatenate(parts)
        v = v[np.isfinite(v)]
        if len(v) and k in values and math.isfinite(values[k]) and math.isfinite(own[k]):
            lo, hi = float(np.quantile(v, alpha)), float(np.quantile(v, 1 - alpha))
            out[k] = (values[k] + (lo - own[k]) * scale, values[k] + (hi - own[k]) * scale) if scale != 1.0 else (lo, hi)
    return out


def _thin(xs: list[float], ys: list[float], points: int) -> tuple[list[float], list[float]]:
    if len(xs) <= points:
        return xs, ys
    idx = np.unique(np.linspace(0, len(xs) - 1, points).round().astype(np.int64))
    return [xs[i] for i in idx], [ys[i] for i in idx]


def _json_float(x: float) -> float | str:
    return float(x) if math.isfinite(x) else "NaN"


def model_quality_statistics(
    y_true: Any,
    y_pred: Any,
    problem_type: ProblemType,
    *,
    y_score: Any = None,
    positive_label: str | None = None,
    bootstrap: int = 200,
    confidence: float = 0.95,
    seed: int = 0,
    evaluation_time: datetime | None = None,
) -> dict[str, Any]:
    """SageMaker's model-quality ``statistics.json`` for labels ``y_true`` and predictions
    ``y_pred`` (labels for classification, values for regression; ``y_score`` the positive
    class's probability for binary problems).

    Each scalar metric is ``{"value", "standard_deviation"}``: the value equals scikit-learn's
    (via :mod:`driftline.metrics`); ``standard_deviation`` follows SageMaker's rule, the standard
    deviation of the metric over 5 random subsamples of 80 % of the rows (population form, ddof
    0), given from 200 rows on and ``"NaN"`` below. Beside it, driftline's
    ``confidence_interval`` is a percentile bootstrap over ``bootstrap`` resamples of the rows
    (``{"lower", "upper", "level", "resamples"}``; omitted when ``bootstrap`` is 0); windows above
    :data:`BOOTSTRAP_MAX_ROWS` rows are resampled from a subsample of that size, the interval
    rescaled by ``sqrt(m / n)`` (see :func:`_bootstrap`). Both are
    seeded by ``seed``: the same inputs give the same bytes. Curves are thinned to about
    1000 points."""
    if problem_type not in PROBLEM_TYPES:
        raise InvalidArgumentError(f"{_arg('problem_type')} must be one of {', '.join(PROBLEM_TYPES)}, got {problem_type!r}")
    _check_resampling(bootstrap, seed)
    if isinstance(confidence, bool) or not isinstance(confidence, numbers.Real) or not 0.0 < float(confidence) < 1.0:
        raise InvalidArgumentError(f"confidence must be a number in (0, 1), got {confidence!r}")
    t_series = pl.Series("y_true", y_true) if not isinstance(y_true, pl.Series) else y_true
    p_series = pl.Series("y_pred", y_pred) if not isinstance(y_pred, pl.Series) else y_pred
    s_series = None if y_score is None else (pl.Series("y_score", y_score) if not isinstance(y_score, pl.Series) else y_score)
    if len(t_series) != len(p_series) or (s_series is not None and len(s_series) != len(t_series)):
        raise InvalidArgumentError("y_true, y_pred and y_score must have the same length")
    if len(t_series) == 0:
        raise InvalidInputError("no labelled predictions to compute model-quality metrics from")
    if problem_type == "Regression":
        t_series, p_series = t_series.cast(pl.Float64), p_series.cast(pl.Float64)
        if t_series.null_count() or p_series.null_count() or not (t_series.is_finite().all() and p_series.is_finite().all()):
            raise InvalidInputError("regression labels and predictions must be finite numbers")
        main: dict[str, Any] = mq_metrics.regression_metrics(t_series.to_numpy(), p_series.to_numpy())
    else:
        t_series, p_series = _normalize_labels(t_series), _normalize_labels(p_series)
        if t_series.null_count() or p_series.null_count():
            raise InvalidInputError("classification labels and predictions must not be missing")
        if positive_label is not None:
            positive_label = _normalize_labels(pl.Series([positive_label])).item()
        classes = sorted(set(t_series.to_list()) | set(p_series.to_list()), key=_label_order)
        if problem_type == "BinaryClassification" and s_series is not None and set(classes) <= {"0", "1"}:
            # the score is P(class 1): both classes exist even when a window holds only one
            classes = ["0", "1"]
        main = mq_metrics.classification_metrics(
            t_series.to_numpy(), p_series.to_numpy(),
            labels=np.array(classes, dtype=object),
            y_score=None if s_series is None or problem_type != "BinaryClassification" else s_series.to_numpy(),
            pos_label=positive_label, problem_type=problem_type,
        )
    enc = _encode(problem_type, t_series, p_series, s_series if "auc" in main else None, positive_label,
                  None if problem_type == "Regression" else classes)
    rng = np.random.default_rng(seed)
    n = enc.n
    std: dict[str, float] = {}
    if n >= STD_MIN_SAMPLES:
        sub = _weighted_scalars(enc, _weights_chunks(n, STD_SUBSAMPLES, "subsample", rng))
        std = {k: float(np.std(v)) for k, v in sub.items()}
    intervals: dict[str, tuple[float, float]] = {}
    if bootstrap > 0:
        intervals = _bootstrap(enc, bootstrap, confidence, rng, {k: _as_float(v) for k, v in main.items() if not isinstance(v, dict)})
    section: dict[str, Any] = {}
    for name, value in main.items():
        if name == "confusion_matrix":
            section[name] = value
        elif name == "receiver_operating_characteristic_curve":
            fx, ty = _thin(value["false_positive_rates"], value["true_positive_rates"], CURVE_POINTS)
            section[name] = {"false_positive_rates": fx, "true_positive_rates": ty}
        elif name == "precision_recall_curve":
            pr, rc = _thin(value["precisions"], value["recalls"], CURVE_POINTS)
            section[name] = {"precisions": pr, "recalls": rc}
        else:
            entry: dict[str, Any] = {"value": _json_float(float(value)), "standard_deviation": _json_float(std.get(name, math.nan))}
            if name in intervals:
                lo, hi = intervals[name]
                entry["confidence_interval"] = {"lower": lo, "upper": hi, "level": confidence, "resamples": bootstrap}
            section[name] = entry
    when = (evaluation_time or datetime.now(UTC)).astimezone(UTC)
    return {
        "version": 0.0,
        "dataset": {"item_count": n, "evaluation_time": when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"},
        f"{_SECTION[problem_type]}_metrics": section,
    }


def _scalars(statistics: dict[str, Any]) -> tuple[str, dict[str, dict[str, Any]]]:
    for problem, section in _SECTION.items():
        body = statistics.get(f"{section}_metrics")
        if isinstance(body, dict):
            return problem, {k: v for k, v in body.items() if isinstance(v, dict) and "value" in v}
    raise InvalidInputError("the statistics hold no binary_classification_metrics, multiclass_classification_metrics or regression_metrics")


def _as_float(x: Any) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


# -- constraints ---------------------------------------------------------------------------------


def suggest_constraints(statistics: dict[str, Any], *, slack: float = 0.0, tolerance: float = 0.0) -> dict[str, Any]:
    """SageMaker's suggested constraints: per metric, the baseline value as the threshold, with
    ``GreaterThanThreshold`` for errors and miss rates (mae, mse, rmse, false positive and false
    negative rates) and ``LessThanThreshold`` for the rest; the best-constant-classifier values are
    not constrained. driftline's additions, both 0 by default as SageMaker: ``slack`` moves each
    threshold by that many of its standard deviations in the tolerant direction, ``tolerance`` by
    that absolute amount (a window smaller than the baseline varies more than the baseline's
    standard deviation says)."""
    slack, tolerance = _check_real(slack, "slack"), _check_real(tolerance, "tolerance")
    problem, scalars = _scalars(statistics)
    body: dict[str, Any] = {}
    for name in CONSTRAINED[problem]:
        if name not in scalars:
            continue
        value = _as_float(scalars[name]["value"])
        if not math.isfinite(value):
            continue
        sd = _as_float(scalars[name].get("standard_deviation"))
        move = (slack * sd if slack and math.isfinite(sd) else 0.0) + tolerance
        upper = name in _LOWER_IS_BETTER
        threshold = value + move if upper else value - move
        if not math.isfinite(threshold):
            raise InvalidArgumentError(f"{_arg('slack')} {slack:g} and {_arg('tolerance')} {tolerance:g} move the {name} threshold past the "
                                       "largest float: give smaller values")
        body[name] = {"threshold": threshold, "comparison_operator": "GreaterThanThreshold" if upper else "LessThanThreshold"}
    return {"version": 0.0, f"{_SECTION[problem]}_constraints": body}


def _constraint_body(constraints: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    for problem, section in _SECTION.items():
        body = constraints.get(f"{section}_constraints")
        if isinstance(body, dict):
            return problem, body
    raise InvalidInputError("the constraints hold no binary_classification_constraints, multiclass_classification_constraints or regression_constraints")


@dataclass(frozen=True)
class MetricViolation:
    metric_name: str
    constraint_check_type: str
    description: str

    def to_json(self) -> dict[str, str]:
        return {"constraint_check_type": self.constraint_check_type, "description": self.description, "metric_name": self.metric_name}


def check_constraints(statistics: dict[str, Any], constraints: dict[str, Any]) -> list[MetricViolation]:
    """The constraints the statistics break: a ``LessThanThreshold`` constraint is broken by a
    value below its threshold, ``GreaterThanThreshold`` by a value above it (and the
    ``...OrEqualTo...`` forms including the threshold). Violations are worded as Amazon's
    model-quality container: ``Metric auc with 0.61 was LessThanThreshold 0.66``."""
    problem, scalars = _scalars(statistics)
    c_problem, body = _constraint_body(constraints)
    if problem != c_problem:
        raise InvalidInputError(f"the constraints are for {c_problem} but the statistics are for {problem}")
    out: list[MetricViolation] = []
    for name, rule in body.items():
        if name not in scalars or not isinstance(rule, dict):
            continue
        op = rule.get("comparison_operator")
        if op not in COMPARISON_OPERATORS:
            raise InvalidInputError(f"constraint {name!r}: comparison_operator {op!r} is not one of {', '.join(COMPARISON_OPERATORS)}")
        threshold, value = _as_float(rule.get("threshold")), _as_float(scalars[name]["value"])
        if not (math.isfinite(threshold) and math.isfinite(value)):
            continue
        broken = {"LessThanThreshold": value < threshold, "GreaterThanThreshold": value > threshold,
                  "LessThanOrEqualToThreshold": value <= threshold, "GreaterThanOrEqualToThreshold": value >= threshold}[op]
        if broken:
            out.append(MetricViolation(name, op, f"Metric {name} with {value:.10g} was {op} {threshold:.10g}"))
    return out


# -- baselines -----------------------------------------------------------------------------------


@dataclass
class ModelQualityBaseline:
    """A model-quality baseline: SageMaker's statistics and constraints, and (driftline's) what
    estimates performance before labels arrive: a calibration (``cbpe.json``) for binary problems,
    loss models (``dle.json``) for regression."""

    problem_type: ProblemType
    statistics: dict[str, Any] | None
    constraints: dict[str, Any]
    cbpe: Any = None  # driftline.estimate.CBPE, fitted (binary problems with a probability)
    dle: Any = None  # driftline.estimate.DLE, fitted (regression)
    # the cut-off that turned the baseline's probabilities into labels (None: no probability, or a
    # SageMaker-written baseline, which does not record it: runs then use SageMaker's 0.5)
    probability_threshold: float | None = None

    def files(self) -> dict[str, Any]:
        """The baseline's files (name -> JSON document): SageMaker's ``statistics.json`` and
        ``constraints.json``, driftline's ``cbpe.json`` / ``dle.json`` and ``model_quality.json``
        (the problem type and the probability threshold, null when no probability made the
        labels; kept apart so that SageMaker's files stay as SageMaker writes them, and the mark
        of a folder driftline wrote as a model-quality baseline)."""
        files: dict[str, Any] = {}
        if self.statistics is not None:
            files["statistics.json"] = self.statistics
        files["constraints.json"] = self.constraints
        if self.cbpe is not None:
            files["cbpe.json"] = self.cbpe.to_json()
        if self.dle is not None:
            files["dle.json"] = self.dle.to_json()
        files["model_quality.json"] = {"format": _BASELINE_FORMAT, "version": 1, "problem_type": self.problem_type,
                                       "probability_threshold_attribute": self.probability_threshold}
        return files

    def write(self, out: str | Path, *, inputs: Iterable[Any] = ()) -> list[str]:
        """Write the baseline into the folder ``out`` (staged, then renamed into place) and return
        the names written. ``out`` must be new, empty or an earlier model-quality baseline's
        folder, and not one of ``inputs`` (e.g. the data it was computed from) or inside one:
        anything else raises :class:`InvalidArgumentError` before a file is written."""
        files = self.files()
        _baseline_folder(out, inputs).publish(files)
        return sorted(files)


def _baseline_folder(out: str | Path, inputs: Iterable[Any]) -> OutputFolder:
    """The folder of a model-quality baseline: OutputFolder's rule, and a folder that already
    holds baseline files is replaced only if driftline wrote it as a model-quality baseline (its
    ``model_quality.json``): a data-quality or SageMaker-written baseline, whose file names are the
    same, is refused."""
    d = Path(out)
    if d.is_dir():
        present = sorted(n for n in BASELINE_FILES if (d / n).exists())
        if present and "model_quality.json" not in present:
            raise InvalidArgumentError(
                f"out (--out) {str(d)!r} holds {', '.join(present)} but no model_quality.json: a baseline driftline did not write as "
                "a model-quality baseline (data-quality, SageMaker's or older); choose a new or empty folder, so that it is not overwritten")
    return OutputFolder(out, BASELINE_FILES, "model-quality baseline", inputs=_input_paths(inputs), argument="out (--out)")


def _input_paths(inputs: Iterable[Any]) -> list[Any]:
    """The inputs a run or baseline reads, lists of paths flattened (for OutputFolder's check)."""
    out: list[Any] = []
    for i in inputs:
        if isinstance(i, list | tuple):
            out.extend(i)
        elif i is not None:
            out.append(i)
    return out


def _table(data: Any, has_header: bool) -> pl.DataFrame:
    if isinstance(data, pl.DataFrame):
        return data
    from driftline.io import read_table

    return read_table(data, has_header=has_header).frame


def suggest_model_quality_baseline(
    data: Any,
    *,
    problem_type: ProblemType,
    ground_truth_attribute: str | int,
    inference_attribute: str | int | None = None,
    probability_attribute: str | int | None = None,
    probability_threshold_attribute: float | None = None,
    positive_label: str | None = None,
    has_header: bool = True,
    slack: float = 0.0,
    tolerance: float = 0.0,
    bootstrap: int = 200,
    seed: int = 0,
    evaluation_time: datetime | None = None,
    dle_features: Sequence[str] = (),
    out: str | Path | None = None,
) -> ModelQualityBaseline:
    """Baseline of a labelled dataset holding predictions (SageMaker's model-quality
    ``suggest_baseline``): its statistics, the suggested constraints, and what estimates
    performance before labels arrive: for binary problems with a probability a fitted
    :class:`~driftline.estimate.CBPE` calibration, for regression a fitted
    :class:`~driftline.estimate.DLE` on the prediction and the columns ``dle_features`` (the
    monitored data must hold columns of the same names).

    With ``out`` the baseline is also written there (:meth:`ModelQualityBaseline.write`); the
    folder is checked before the data is read, so a refused ``out`` costs no work."""
    _check_resampling(bootstrap, seed)
    _check_real(slack, "slack")
    _check_real(tolerance, "tolerance")
    if probability_threshold_attribute is not None:
        _check_real(probability_threshold_attribute, "probability_threshold_attribute", 0.0, 1.0)
    folder = None if out is None else _baseline_folder(out, [data])
    frame = _table(data, has_header)
    if frame.height == 0:
        raise InvalidInputError("the baseline dataset is empty")
    outputs = select_outputs(frame, problem_type, inference_attribute=inference_attribute, probability_attribute=probability_attribute,
                             probability_threshold_attribute=probability_threshold_attribute)
    truth = _resolve(frame, ground_truth_attribute, (), "ground_truth_attribute")
    y_true = _truth(truth, problem_type, outputs, positive_label)
    keep = y_true.is_not_null() & outputs.prediction.is_not_null()
    if not keep.all():
        i = int((~keep).arg_true()[0])
        raise InvalidInputError(f"baseline row {i} has no label or no prediction ({_arg('ground_truth_attribute')} {ground_truth_attribute!r} "
                                "/ the model's output)")
    stats = model_quality_statistics(y_true, outputs.prediction, problem_type, y_score=outputs.score,
                                     positive_label=positive_label if outputs.score is None else None,
                                     bootstrap=bootstrap, seed=seed, evaluation_time=evaluation_time)
    cbpe = None
    if problem_type == "BinaryClassification" and outputs.score is not None and y_true.n_unique() == 2:
        from driftline.estimate import CBPE

        threshold = 0.5 if probability_threshold_attribute is None else float(probability_threshold_attribute)
        cbpe = CBPE(threshold=threshold, seed=seed).fit((y_true == "1").to_numpy(), outputs.score.to_numpy())
    dle = None
    if problem_type == "Regression":
        from driftline.estimate import DLE

        missing = [f for f in dle_features if f not in frame.columns]
        if missing:
            raise InvalidArgumentError(f"{_arg('dle_features')} {missing} name no column; the data has {', '.join(frame.columns)}")
        # built from the label and the prediction, the features added beside: with no features,
        # frame.select([]) would have no rows to add the columns to
        design = pl.DataFrame([y_true.alias("_y"), outputs.prediction.alias("_pred")]).hstack(frame.select(list(dle_features)))
        dle = DLE(features=list(dle_features), seed=seed).fit(design, y_true="_y", y_pred="_pred")
    elif dle_features:
        raise InvalidArgumentError(f"{_arg('dle_features')} apply to Regression problems only")
    # the threshold is recorded whenever it made the labels or defines CBPE's predictions
    recorded = None if outputs.score is None else (0.5 if probability_threshold_attribute is None else float(probability_threshold_attribute))
    base = ModelQualityBaseline(problem_type, stats, suggest_constraints(stats, slack=slack, tolerance=tolerance), cbpe, dle, recorded)
    if folder is not None:
        folder.publish(base.files())
    return base


def _truth(truth: pl.Series, problem_type: str, outputs: Outputs, positive_label: str | None) -> pl.Series:
    """Labels as the predictions are written: numbers for regression; for a binary problem
    scored by probability, ``1`` for the positive class and ``0`` for the other."""
    if problem_type == "Regression":
        y = truth.cast(pl.String).str.strip_chars().cast(pl.Float64, strict=False)
        bad = y.is_null() & truth.is_not_null()
        if bad.any():
            i = int(bad.arg_true()[0])
            raise InvalidInputError(f"label {truth[i]!r} (row {i}) is not a number, as a regression label must be")
        return y.rename("label")
    y = _normalize_labels(truth)
    if problem_type == "BinaryClassification" and outputs.score is not None:
        classes = set(y.drop_nulls().unique().to_list())
        if positive_label is not None:
            pos = _normalize_labels(pl.Series([positive_label])).item()
            return pl.select(pl.when(y.is_null()).then(None).when(y == pos).then(pl.lit("1")).otherwise(pl.lit("0"))).to_series().rename("label")
        if classes <= {"true", "false"}:
            return y.replace({"true": "1", "false": "0"}).rename("label")
        if not classes <= {"0", "1"}:
            raise InvalidInputError(f"binary labels scored by probability must be 0/1 or true/false, got {', '.join(sorted(classes)[:5])}: "
                                    f"pass {_arg('positive_label')}")
    return y.rename("label")


def load_model_quality_baseline(path: str | Path) -> ModelQualityBaseline:
    """A baseline folder (``constraints.json``, optionally ``statistics.json`` and ``cbpe.json``)
    or a constraints file, whether driftline or SageMaker wrote it."""
    p = Path(path)
    files = ({"constraints": p / "constraints.json", "statistics": p / "statistics.json", "cbpe": p / "cbpe.json", "dle": p / "dle.json",
              "model_quality": p / "model_quality.json"}
             if p.is_dir() else {"constraints": p})
    if not files["constraints"].is_file():
        raise InvalidInputError(f"no model-quality constraints at {files['constraints']}")
    docs: dict[str, Any] = {}
    for key, f in files.items():
        if f.is_file():
            try:
                docs[key] = json.loads(f.read_text(encoding="utf-8"))
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise InvalidInputError(f"{f} is not valid JSON: {exc}") from exc
    problem = _checked_constraints(docs["constraints"], files["constraints"])
    cbpe = None
    if "cbpe" in docs:
        from driftline.estimate import CBPE

        cbpe = CBPE.from_json(docs["cbpe"])
    dle = None
    if "dle" in docs:
        from driftline.estimate import DLE

        dle = DLE.from_json(docs["dle"])
    threshold = _stored_threshold(docs, files)
    if threshold is None and cbpe is not None:  # a driftline baseline from before model_quality.json
        threshold = cbpe.threshold
    return ModelQualityBaseline(cast(ProblemType, problem), docs.get("statistics"), docs["constraints"], cbpe, dle, threshold)


_BEST_CONSTANT = ("recall", "precision", "accuracy", "f0_5", "f1", "f2")
# Every scalar metric a constraint may name, per problem (the statistics' scalars).
_SCALARS = {
    "Regression": set(CONSTRAINED["Regression"]),
    "BinaryClassification": set(CONSTRAINED["BinaryClassification"]) | {f"{m}_best_constant_classifier" for m in _BEST_CONSTANT},
    "MulticlassClassification": set(CONSTRAINED["MulticlassClassification"])
    | {f"{m}_best_constant_classifier" for m in ("accuracy", "weighted_recall", "weighted_precision", "weighted_f0_5", "weighted_f1",
                                                 "weighted_f2")},
}


def _checked_constraints(doc: Any, where: Path) -> str:
    """The problem type of a model-quality constraints document, after checking every rule it
    holds (a known metric, a finite number as threshold, a known operator): a rule that could
    never be checked is refused naming the file, metric and field, not skipped at every run."""
    if not isinstance(doc, dict):
        raise InvalidInputError(f"{where} is not a model-quality constraints document (a JSON object)")
    problem, body = _constraint_body(doc)
    section = f"{_SECTION[problem]}_constraints"
    for name, rule in body.items():
        field_ = f"{where}: {section}.{name}"
        if name not in _SCALARS[problem]:
            raise InvalidInputError(f"{field_}: no {problem} metric of that name (metrics: {', '.join(sorted(_SCALARS[problem]))})")
        if not isinstance(rule, dict):
            raise InvalidInputError(f"{field_} must be an object with threshold and comparison_operator, got {rule!r}")
        t = rule.get("threshold")
        if isinstance(t, bool) or not isinstance(t, int | float) or not math.isfinite(t):
            raise InvalidInputError(f"{field_}.threshold must be a finite number, got {t!r}")
        if rule.get("comparison_operator") not in COMPARISON_OPERATORS:
            raise InvalidInputError(f"{field_}.comparison_operator must be one of {', '.join(COMPARISON_OPERATORS)}, "
                                    f"got {rule.get('comparison_operator')!r}")
    return problem


def _stored_threshold(docs: dict[str, Any], files: dict[str, Path]) -> float | None:
    """``probability_threshold_attribute`` of a baseline's ``model_quality.json`` (None without the file)."""
    doc = docs.get("model_quality")
    if doc is None:
        return None
    where = files["model_quality"]
    if not isinstance(doc, dict) or doc.get("format") != _BASELINE_FORMAT:
        raise InvalidInputError(f"{where} is not a {_BASELINE_FORMAT} document")
    if doc.get("version") != 1:
        raise InvalidInputError(f"{where}: version {doc.get('version')!r} is not one this driftline reads (1)")
    t = doc.get("probability_threshold_attribute")
    if t is None:
        return None
    if isinstance(t, bool) or not isinstance(t, int | float) or not 0.0 <= t <= 1.0:
        raise InvalidInputError(f"{where}: probability_threshold_attribute must be a number in [0, 1], got {t!r}")
    return float(t)



# -- monitoring runs -----------------------------------------------------------------------------


@dataclass
class ModelQualityRun(Run):
    """A model-quality run: the window's statistics, the merge with ground truth, the estimated
    performance, segments and CloudWatch-equivalent metrics."""

    statistics: dict[str, Any] = field(default_factory=dict)
    merge: MergeReport = field(default_factory=MergeReport)
    estimated: dict[str, dict[str, Any]] = field(default_factory=dict)
    estimated_violations: list[MetricViolation] = field(default_factory=list)
    segments: dict[str, dict[str, Any]] = field(default_factory=dict)
    segment_by: str | None = None
    metrics: list[dict[str, Any]] = field(default_factory=list)
    estimate_method: str = ""  # "CBPE" or "DLE" when the run estimated performance
    estimate_reference_rows: int | None = None  # labelled rows the estimator was fitted on
    estimate_interval: tuple[str, str] = ("", "")  # what the estimates' intervals cover, and what not

    @property
    def item_count(self) -> int:
        return int(self.statistics.get("dataset", {}).get("item_count", 0)) if self.statistics else 0

    def discard(self) -> None:
        self.metrics, self.statistics, self.segments = [], {}, {}

    def output_files(self) -> dict[str, Any]:
        """The statistics, violations, metrics and segments of a run that completed; the merge
        report and the estimates of any run that got that far."""
        files: dict[str, Any] = {}
        if self.status != "Failed":
            files["statistics.json"] = self.statistics
            files["constraint_violations.json"] = {"violations": [v.to_json() for v in self.violations]}
            files["metrics.json"] = {"metrics": self.metrics}
            if self.segments:
                files["segments.json"] = {"segment_by": self.segment_by, "segments": self.segments}
        if self.merge.predictions:
            files["merge_report.json"] = self.merge.to_json()
        if self.estimated:
            files["estimated_performance.json"] = {
                "method": self.estimate_method, "metrics": self.estimated,
                "estimated_violations": [v.to_json() for v in self.estimated_violations],
                "interval_covers": self.estimate_interval[0],
                "interval_excludes": self.estimate_interval[1],
                "reference_rows": self.estimate_reference_rows,
            }
        return files

    def summary(self) -> dict[str, Any]:
        return {
            **super().summary(),
            "item_count": self.item_count, "violations": len(self.violations),
            "violated_metrics": [v.metric_name for v in self.violations],
            "estimated_violations": [v.metric_name for v in self.estimated_violations],
            "merge": self.merge.to_json(), "bad_records": self.bad_records, "bad_records_summary": self.bad_records_summary,
        }


def _predictions(data: Any, start: datetime | None, end: datetime | None, on_bad_record: Literal["fail", "skip"],
                 position: Literal["START", "END"], has_header: bool, run: ModelQualityRun) -> tuple[pl.DataFrame, list[str]]:
    from driftline.io import is_capture

    if isinstance(data, str | Path) and is_capture(Path(data)):
        from driftline.io import read_capture

        with _counting_bad_records(run, "Captured data"):
            cap = read_capture(data, start=start, end=end, on_bad_record=on_bad_record, output_columns_position=position)
        run.add_bad_records(cap.bad_records, "Captured data")
        return cap.frame, cap.output_columns
    with _counting_bad_records(run, "Data"):
        frame = _table(data, has_header)
    if (start is not None or end is not None) and "inferenceTime" in frame.columns:
        t = frame["inferenceTime"]
        if t.dtype == pl.String:
            t = t.str.to_datetime(time_zone="UTC", strict=False)
        keep = pl.Series([True] * frame.height)
        if start is not None:
            keep = keep & (t >= start)
        if end is not None:
            keep = keep & (t < end)
        frame = frame.filter(keep)
    return frame, []


def run_model_quality_monitor(
    baseline: str | Path | ModelQualityBaseline,
    data: Any,
    ground_truth: Any = None,
    *,
    inference_attribute: str | int | None = None,
    probability_attribute: str | int | None = None,
    probability_threshold_attribute: float | None = None,
    allow_threshold_change: bool = False,
    ground_truth_attribute: str | int | None = None,
    positive_label: str | None = None,
    start: datetime | str | None = None,
    end: datetime | str | None = None,
    run_time: datetime | str | None = None,
    start_offset: str | None = None,
    end_offset: str | None = None,
    segment_by: str | None = None,
    on_bad_record: Literal["fail", "skip"] = "fail",
    output_columns_position: Literal["START", "END"] = "START",
    has_header: bool = True,
    bootstrap: int = 200,
    seed: int = 0,
    out: str | Path | None = None,
    problem_type: ProblemType | None = None,
) -> ModelQualityRun:
    """One model-quality monitoring run over the predictions in ``data`` (a capture folder or
    file, or a table with ``eventId``/``inferenceId``) in the analysis window, joined with
    ``ground_truth`` (ground-truth JSON Lines, a folder of them, or a table with ``eventId`` and
    ``label``). A table that already holds labels names them with ``ground_truth_attribute``
    instead. The window is ``[start, end)`` or, as SageMaker's offsets,
    ``[run_time + start_offset, run_time + end_offset)``. Ground truth laid out by upload hour is
    read from the window's first hour up to ``run_time`` (when given): the labels the run finds.

    ``probability_threshold_attribute`` defaults to the baseline's (``model_quality.json``, else
    its ``cbpe.json``; 0.5 for a SageMaker-written baseline, which does not record one); a value
    that contradicts the baseline's raises :class:`InvalidArgumentError` unless
    ``allow_threshold_change`` (the metrics would otherwise be compared with constraints made at
    another cut-off).

    Writes to ``out`` (when given; :data:`RUN_FILES`): ``statistics.json``,
    ``constraint_violations.json``, ``metrics.json``, ``merge_report.json``,
    ``estimated_performance.json`` (when the baseline has an estimator), ``segments.json`` (with
    ``segment_by``) and ``monitoring_run.json``, staged and renamed into place together. A window
    without labelled predictions is Failed, as SageMaker fails an empty run, but still reports the
    merge and the estimated performance. ``problem_type``, when given, must be the baseline's.

    Raises :class:`InvalidArgumentError`, before any work, for arguments out of range
    (``bootstrap``, ``seed``, ``probability_threshold_attribute``), a threshold that contradicts
    the baseline's, and an ``out`` that is or lies inside an input (the baseline, ``data``,
    ``ground_truth``) or holds files a run does not write (e.g. a baseline's ``constraints.json``).
    Otherwise never raises for bad data: the run is Failed with its reason, and a failed run
    leaves only its own files (``monitoring_run.json``, with the merge report and the estimates
    when it got that far)."""
    from driftline.io._layout import to_utc

    # arguments first: refused with an exception, before anything is read or written
    _check_resampling(bootstrap, seed)
    if probability_threshold_attribute is not None:
        _check_real(probability_threshold_attribute, "probability_threshold_attribute", 0.0, 1.0)
    run = ModelQualityRun(segment_by=segment_by)
    base: ModelQualityBaseline | None = None
    load_error: Exception | None = None
    try:
        base = baseline if isinstance(baseline, ModelQualityBaseline) else load_model_quality_baseline(baseline)
    except (DriftlineError, OSError, ValueError) as e:  # a baseline that cannot be read fails the run, with its reason
        load_error = e
    threshold = None if base is None else _run_threshold(base, probability_threshold_attribute, allow_threshold_change)
    folder = None
    if out is not None:
        sources = [baseline if not isinstance(baseline, ModelQualityBaseline) else None, data, ground_truth]
        folder = OutputFolder(out, RUN_FILES, "model-quality run", inputs=_input_paths(sources), argument="out (--out)")
    def body() -> None:
        if load_error is not None:
            raise load_error
        assert base is not None
        problem = base.problem_type
        if problem_type is not None and problem_type != problem:
            raise InvalidArgumentError(f"the baseline is for {problem}, not {problem_type} ({_arg('problem_type')})")
        if start_offset is not None or end_offset is not None:
            if start is not None or end is not None:
                raise InvalidArgumentError(f"give either {_arg('start')}/{_arg('end')} or {_arg('start_offset')}/{_arg('end_offset')}, not both")
            when = run_time if run_time is not None else datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
            run.start, run.end = analysis_window(when, start_offset or "-P1D", end_offset or "PT0H")
        else:
            run.start, run.end = to_utc(start, "start"), to_utc(end, "end")
        frame, output_columns = _predictions(data, run.start, run.end, on_bad_record, output_columns_position, has_header, run)
        if frame.height == 0:
            raise InvalidInputError("no predictions in the analysis window (an empty window fails, as in SageMaker)")
        outputs = select_outputs(frame, problem, inference_attribute=inference_attribute, probability_attribute=probability_attribute,
                                 probability_threshold_attribute=threshold, output_columns=output_columns)
        frame = frame.with_columns(outputs.prediction.alias("_prediction"))
        if outputs.score is not None:
            frame = frame.with_columns(outputs.score.alias("_score"))
        if ground_truth_attribute is not None:
            labelled = frame.with_columns(label=_resolve(frame, ground_truth_attribute, (), "ground_truth_attribute").cast(pl.String))
            run.merge = MergeReport(predictions=frame.height, labels=int(labelled["label"].is_not_null().sum()),
                                    matched=int(labelled["label"].is_not_null().sum()),
                                    predictions_without_labels=int(labelled["label"].is_null().sum()), key="(labels in the data)")
        elif ground_truth is not None:
            labels = _labels(ground_truth, run, on_bad_record, to_utc(run_time, "run_time") if run_time is not None else None)
            labelled, run.merge = merge_ground_truth(frame, labels)
        else:
            labelled = frame.with_columns(label=pl.lit(None, pl.String))
            run.merge = MergeReport(predictions=frame.height, predictions_without_labels=frame.height)
        if base.cbpe is not None and "_score" in labelled.columns:
            run.estimated = _estimate(base, labelled)
            run.estimate_method, run.estimate_reference_rows = "CBPE", base.cbpe.reference_rows
            run.estimate_interval = _interval_note(base, "CBPE")
        elif base.dle is not None and problem == "Regression":
            run.estimated = _estimate_loss(base, labelled)
            run.estimate_method, run.estimate_reference_rows = "DLE", base.dle.reference_rows
            run.estimate_interval = _interval_note(base, "DLE")
        if run.estimated:
            run.estimated_violations = _estimated_violations(run.estimated, base.constraints)
        done = labelled.filter(pl.col("label").is_not_null())
        if done.height == 0:
            raise _NoLabels(f"no ground truth yet for the {frame.height} predictions in the window")
        score = outputs.score is not None
        y_true = _truth(done["label"], problem, Outputs(done["_prediction"], done["_score"] if score else None), positive_label)
        run.statistics = model_quality_statistics(y_true, done["_prediction"], problem, y_score=done["_score"] if score else None,
                                                  positive_label=positive_label if not score else None, bootstrap=bootstrap, seed=seed)
        run.violations = check_constraints(run.statistics, base.constraints)
        _add_realised(run.estimated, run.statistics)
        if segment_by is not None:
            run.segments = _segments(done, y_true, segment_by, problem, positive_label, score, seed)
        run.metrics = _cloudwatch(run.statistics)

    return execute(run, folder, body)


def _run_threshold(base: ModelQualityBaseline, given: float | None, allow_change: bool) -> float | None:
    """The run's probability threshold: the given one, else the baseline's (None: 0.5, SageMaker's
    default); a given one that contradicts the baseline's is refused unless ``allow_change``."""
    stored = base.probability_threshold
    if given is None:
        return stored
    if stored is not None and float(given) != stored and not allow_change:
        raise InvalidArgumentError(
            f"{_arg('probability_threshold_attribute')} {float(given):g} contradicts the baseline's {stored:g}: its constraints were "
            f"made with labels cut at {stored:g}, so the metrics would not be comparable; leave it out to use the baseline's, or pass "
            f"{_arg('allow_threshold_change')} to use {float(given):g} anyway")
    return float(given)


class _NoLabels(KeepPartialResults):
    """The window has predictions but none is labelled yet (the run fails, with estimates)."""


def _labels(ground_truth: Any, run: ModelQualityRun, on_bad_record: Literal["fail", "skip"], until: datetime | None) -> pl.DataFrame:
    if isinstance(ground_truth, pl.DataFrame):
        return ground_truth
    if isinstance(ground_truth, str | Path) and Path(ground_truth).suffix.lower() in (".csv", ".parquet", ".pq"):
        with _counting_bad_records(run, "Ground truth"):
            return _table(ground_truth, True)  # a table with eventId and label
    if not isinstance(ground_truth, str | Path | list | tuple):
        return _table(ground_truth, True)  # pandas, Arrow
    from driftline.io.ground_truth import read_ground_truth

    # labels come after their predictions: upload hours from the window's first hour on, and,
    # with a run time, only those uploaded before it (what the run would find)
    start = run.start.replace(minute=0, second=0, microsecond=0) if run.start is not None else None
    with _counting_bad_records(run, "Ground truth"):
        gt = read_ground_truth(ground_truth, start=start, end=until, on_bad_record=on_bad_record)
    run.add_bad_records(gt.bad_records, "Ground truth")
    return gt.frame


@contextmanager
def _counting_bad_records(run: ModelQualityRun, source: str) -> Iterator[None]:
    """A read that fails on bad records (``on_bad_record='fail'``) still counts them in the run,
    and its reason names the CLI flag as well as the keyword."""
    try:
        yield
    except BadRecordError as e:
        run.add_bad_records(e.report, source)
        raise InvalidInputError(f"{source}: {e.report.summary()} Use on_bad_record='skip' ({_FLAGS['on_bad_record']} skip) to read the "
                                "good records and report these.") from e


# CBPE's metric names -> SageMaker's
_CBPE_NAMES = {"roc_auc": "auc", "specificity": "true_negative_rate"}


def _interval_note(base: ModelQualityBaseline, method: str) -> tuple[str, str]:
    """What an estimate's 95 % interval holds and what it does not (estimated_performance.json's
    ``interval_covers`` / ``interval_excludes``; measured in the README, "Before the labels arrive")."""
    if method == "CBPE":
        full = base.cbpe.includes_calibration_error
        covers = "label sampling given the scores" + (
            ", and the calibration's sampling error (drawn from the reference's counts per calibration block)" if full else "")
        excludes = ("the upward bias of the AUC (and, less, the other metrics) of a calibration fitted on a finite reference when the "
                    "scores shift, which grows as the reference shrinks (see reference_rows); concept drift"
                    + ("" if full else "; the calibration's own sampling error (a version-1 cbpe.json)"))
        return covers, excludes
    full = base.dle.includes_model_error
    covers = "the sampling of the window's errors" + (", and the loss models' own error from the finite reference (sandwich covariance)"
                                                       if full else " given the fitted loss models")
    excludes = ("a loss the ridge basis cannot express (the design is clipped at the reference's range); concept drift"
                + ("" if full else "; the loss models' own error from the finite reference (a version-1 dle.json), which "
                   "matters most when the window is larger than the reference (see reference_rows)"))
    return covers, excludes


def _estimate(base: ModelQualityBaseline, labelled: pl.DataFrame) -> dict[str, dict[str, Any]]:
    """CBPE's estimates over every prediction in the window (SageMaker's metric names), with
    room for the realised value (:func:`_add_realised`, once labels are in)."""
    scores = labelled["_score"].to_numpy()
    pred = labelled["_prediction"]
    # the window's own predicted labels when they are 0/1 (from the threshold or the model)
    binary_pred = pred.is_in(["0", "1"]).all()
    est = base.cbpe.estimate(scores, (pred == "1").to_numpy() if binary_pred else None)
    return _with_counts({_CBPE_NAMES.get(k, k): e for k, e in est.items()}, labelled)


def _estimate_loss(base: ModelQualityBaseline, labelled: pl.DataFrame) -> dict[str, dict[str, Any]]:
    """DLE's estimates of MAE, MSE and RMSE over every prediction in the window, with room for
    the realised values."""
    # a numeric feature read as text (capture payloads are text): unreadable values are missing
    # here (the data-quality monitor reports them), not a reason to fail the run
    frame = labelled.with_columns(pl.col(c).cast(pl.String).str.strip_chars().cast(pl.Float64, strict=False)
                                  for c in base.dle.numeric_features if c in labelled.columns and labelled[c].dtype == pl.String)
    return _with_counts(base.dle.estimate(frame, y_pred="_prediction"), labelled)


def _with_counts(estimates: dict[str, Any], labelled: pl.DataFrame) -> dict[str, dict[str, Any]]:
    done = int(labelled["label"].is_not_null().sum())
    return {k: e.to_json() | {"realised": None, "labelled": done, "predictions": labelled.height} for k, e in estimates.items()}


def _add_realised(estimated: dict[str, dict[str, Any]], statistics: dict[str, Any]) -> None:
    """The realised value beside each estimate: the window's own statistics, computed once."""
    if not estimated:
        return
    _, scalars = _scalars(statistics)
    for name, entry in estimated.items():
        if name in scalars:
            entry["realised"] = _json_or_none(_as_float(scalars[name]["value"]))


def _json_or_none(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def _estimated_violations(estimated: dict[str, dict[str, Any]], constraints: dict[str, Any]) -> list[MetricViolation]:
    """Constraints the estimated values already break (an early warning before labels arrive)."""
    problem, body = _constraint_body(constraints)
    stats = {"version": 0.0, f"{_SECTION[problem]}_metrics": {k: {"value": v["value"]} for k, v in estimated.items()}}
    return check_constraints(stats, constraints)


def _segments(done: pl.DataFrame, y_true: pl.Series, by: str, problem: str, positive_label: str | None, score: bool, seed: int) -> dict[str, dict[str, Any]]:
    if by not in done.columns:
        raise InvalidArgumentError(f"{_arg('segment_by')} {by!r} names no column; the data has {', '.join(done.columns)}")
    frame = done.with_columns(_y=y_true, _seg=done[by].cast(pl.String).fill_null("(missing)"))
    out: dict[str, dict[str, Any]] = {}
    for value in sorted(frame["_seg"].unique().to_list()):
        part = frame.filter(pl.col("_seg") == value)
        two = part["_y"].n_unique() == 2
        stats = model_quality_statistics(part["_y"], part["_prediction"], cast(ProblemType, problem),
                                         y_score=part["_score"] if score and two else None, positive_label=positive_label if not score else None,
                                         bootstrap=0, seed=seed, evaluation_time=datetime(1970, 1, 1, tzinfo=UTC))
        _, scalars = _scalars(stats)
        out[value] = {"item_count": part.height, "metrics": {k: v["value"] for k, v in scalars.items()}}
    return out


def _cloudwatch(statistics: dict[str, Any]) -> list[dict[str, Any]]:
    """Every scalar metric of the statistics file, as the CloudWatch metrics SageMaker emits."""
    _, scalars = _scalars(statistics)
    return [{"MetricName": k, "Value": v["value"]} for k, v in scalars.items() if isinstance(v["value"], float)]
