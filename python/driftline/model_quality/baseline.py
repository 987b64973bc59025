"""Model-quality baselines: suggest (statistics, constraints and the estimator that works before labels arrive), write and load (SageMaker's too)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import polars as pl

from driftline._outputs import OutputFolder
from driftline.errors import (
    InvalidArgumentError,
    InvalidInputError,
)
from driftline.model_quality._common import (
    _BASELINE_FORMAT,
    BASELINE_FILES,
    ProblemType,
    _arg,
    _check_real,
    _check_resampling,
    _input_paths,
    _table,
)
from driftline.model_quality.constraints import (
    _checked_constraints,
    suggest_constraints,
)
from driftline.model_quality.outputs import _resolve, _truth, select_outputs
from driftline.model_quality.statistics import model_quality_statistics


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

    @property
    def item_count(self) -> int | None:
        """Rows the baseline's statistics were computed on (None when it has no statistics.json)."""
        if self.statistics is None:
            return None
        return int(self.statistics.get("dataset", {}).get("item_count", 0))

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
