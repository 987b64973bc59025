"""One model-quality monitoring run: the window's predictions joined with ground truth, checked against the baseline, with estimated performance, on the shared run lifecycle."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, cast

import polars as pl

from driftline._outputs import OutputFolder, finite_or_none
from driftline.errors import (
    BadRecordError,
    DriftlineError,
    InvalidArgumentError,
    InvalidInputError,
)
from driftline.formats.sagemaker import CloudWatchMetric
from driftline.model_quality._common import (
    _FLAGS,
    _SECTION,
    RUN_FILES,
    ProblemType,
    _arg,
    _check_real,
    _check_resampling,
    _input_paths,
    _table,
)
from driftline.model_quality.baseline import (
    ModelQualityBaseline,
    load_model_quality_baseline,
)
from driftline.model_quality.constraints import (
    MetricViolation,
    _as_float,
    _constraint_body,
    _scalars,
    check_constraints,
)
from driftline.model_quality.merge import MergeReport, merge_ground_truth
from driftline.model_quality.outputs import Outputs, _resolve, _truth, select_outputs
from driftline.model_quality.statistics import model_quality_statistics
from driftline.model_quality.window import analysis_window
from driftline.runs import KeepPartialResults, Run, execute


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
    metrics: list[CloudWatchMetric] = field(default_factory=list)
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
    from driftline.io import is_capture, read_window

    source = "Captured data" if isinstance(data, str | Path) and is_capture(Path(data)) else "Data"
    with _counting_bad_records(run, source):
        window = read_window(data, start=start, end=end, on_bad_record=on_bad_record, has_header=has_header,
                             output_columns_position=position)
        frame = window.collect()
    run.add_bad_records(window.bad_records, source)
    if window.kind == "capture":
        return frame, window.output_columns
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
    from driftline.io import to_utc

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
            entry["realised"] = finite_or_none(_as_float(scalars[name]["value"]))


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


def _cloudwatch(statistics: dict[str, Any]) -> list[CloudWatchMetric]:
    """Every scalar metric of the statistics file, as the CloudWatch metrics SageMaker emits."""
    _, scalars = _scalars(statistics)
    return [{"MetricName": k, "Value": v["value"]} for k, v in scalars.items() if isinstance(v["value"], float)]
