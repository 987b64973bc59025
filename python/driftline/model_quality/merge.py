"""The join of predictions with ground truth on ``inferenceId`` (else ``eventId``), with a report of what matched and what did not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from driftline.errors import (
    InvalidInputError,
)


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
