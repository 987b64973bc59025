"""Model quality of a Spark DataFrame that holds labels and predictions.

Model-quality statistics need every row (the bootstrap resamples rows; the metrics are not sums
of per-partition parts), so the DataFrame's few columns the metrics read (the label, the
predicted label, the probability, and the columns named by ``segment_by`` and ``dle_features``)
are collected to the driver as Arrow, and the single-process functions run on them: the results
are those of :func:`driftline.model_quality.suggest_model_quality_baseline` and
:func:`driftline.model_quality.run_model_quality_monitor` on the same rows in the same order,
exactly. The features never leave the executors. Memory on the driver: about 8 bytes per value
of each collected column (10^7 rows x 3 columns: 240 MB).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from driftline.errors import InvalidInputError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from driftline.model_quality import ModelQualityBaseline, ModelQualityRun

__all__ = ["collect_columns", "run_model_quality_monitor", "suggest_model_quality_baseline"]


def _name(df: DataFrame, attr: str | int | None, what: str) -> str | None:
    if attr is None:
        return None
    cols = list(df.columns)
    if isinstance(attr, int):
        if not 0 <= attr < len(cols):
            raise InvalidInputError(f"{what} {attr} is not a column index of the DataFrame ({len(cols)} columns)")
        return cols[attr]
    if attr not in cols:
        raise InvalidInputError(f"{what} {attr!r} is not a column of the DataFrame (columns: {', '.join(cols[:10])})")
    return attr


def collect_columns(df: DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """Only ``columns`` of ``df``, on the driver, as a Polars frame (through Arrow, in the
    DataFrame's row order)."""
    wanted = list(dict.fromkeys(columns))
    selected = df.select(*wanted)
    to_arrow = getattr(selected, "toArrow", None)  # Spark >= 4.0
    if to_arrow is not None:
        frame = pl.from_arrow(to_arrow())
    else:  # older Spark: through pandas with Arrow enabled
        frame = pl.from_pandas(selected.toPandas())
    assert isinstance(frame, pl.DataFrame)
    return frame


def _columns(df: DataFrame, ground_truth_attribute: str | int | None, inference_attribute: str | int | None,
             probability_attribute: str | int | None, extra: Sequence[str]) -> tuple[pl.DataFrame, dict[str, str | None]]:
    names = {"ground_truth_attribute": _name(df, ground_truth_attribute, "ground_truth_attribute"),
             "inference_attribute": _name(df, inference_attribute, "inference_attribute"),
             "probability_attribute": _name(df, probability_attribute, "probability_attribute")}
    for e in extra:
        _name(df, e, "column")
    cols = [c for c in names.values() if c is not None] + list(extra)
    if not cols:
        raise InvalidInputError("name the label and the prediction columns (ground_truth_attribute, inference_attribute "
                                "or probability_attribute)")
    return collect_columns(df, cols), names


def suggest_model_quality_baseline(spark_df: DataFrame, *, ground_truth_attribute: str | int,
                                   inference_attribute: str | int | None = None, probability_attribute: str | int | None = None,
                                   dle_features: Sequence[str] = (), out: str | Path | None = None,
                                   **kwargs: Any) -> ModelQualityBaseline:
    """:func:`driftline.model_quality.suggest_model_quality_baseline` of a Spark DataFrame (same
    keyword arguments); only the label, prediction and ``dle_features`` columns reach the driver."""
    from driftline.model_quality import suggest_model_quality_baseline as single

    frame, names = _columns(spark_df, ground_truth_attribute, inference_attribute, probability_attribute, list(dle_features))
    gt = names["ground_truth_attribute"]
    assert gt is not None
    return single(frame, ground_truth_attribute=gt, inference_attribute=names["inference_attribute"],
                  probability_attribute=names["probability_attribute"], dle_features=dle_features, out=out, **kwargs)


def run_model_quality_monitor(baseline: str | Path | ModelQualityBaseline, spark_df: DataFrame, *,
                              ground_truth_attribute: str | int, inference_attribute: str | int | None = None,
                              probability_attribute: str | int | None = None, segment_by: str | None = None,
                              out: str | Path | None = None, **kwargs: Any) -> ModelQualityRun:
    """:func:`driftline.model_quality.run_model_quality_monitor` of a Spark DataFrame holding its
    labels (same keyword arguments); only the label, prediction and ``segment_by`` columns (and the
    baseline's DLE features, when it has an estimator that needs them) reach the driver."""
    from driftline.model_quality import load_model_quality_baseline
    from driftline.model_quality import run_model_quality_monitor as single

    base = baseline if not isinstance(baseline, str | Path) else load_model_quality_baseline(baseline)
    extra = [segment_by] if segment_by else []
    dle = getattr(base, "dle", None)
    extra += [f for f in getattr(dle, "features", ()) or () if f in spark_df.columns]
    frame, names = _columns(spark_df, ground_truth_attribute, inference_attribute, probability_attribute, extra)
    return single(base, frame, ground_truth_attribute=names["ground_truth_attribute"], inference_attribute=names["inference_attribute"],
                  probability_attribute=names["probability_attribute"], segment_by=segment_by, out=out, **kwargs)
