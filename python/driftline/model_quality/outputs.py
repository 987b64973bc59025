"""The model's outputs and the labels: SageMaker's ``inference_attribute`` / ``probability_attribute`` / ``probability_threshold_attribute``, and ground truth as classes or values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from driftline.errors import (
    InvalidArgumentError,
    InvalidInputError,
)
from driftline.model_quality._common import (
    PROBLEM_TYPES,
    ProblemType,
    _arg,
    _check_real,
)


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
