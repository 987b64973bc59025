"""Attribution baselines: global SHAP values of the baseline data in Clarify's ``analysis.json``.

:func:`suggest_attribution_baseline` explains the baseline data with driftline's KernelSHAP (or
takes attributions a user computed), aggregates them per feature with the config's
``agg_method`` and writes into ``out``:

- ``analysis.json``: ``{"version": "1.0", "explanations": {"kernel_shap": {<label>:
  {"global_shap_values": {feature: value}, "expected_value": E[f]}}}}``, Clarify's layout, which
  the monitor uses as its constraints;
- ``shap_background.json`` (with a model): the KernelSHAP background rows and weights, so the
  monitor explains its windows against the same background;
- ``explanations_shap/out.csv`` when the config's ``save_local_shap_values`` is true: the local
  SHAP values, one row per row of the data, a column ``<feature>_<label>`` per feature and label,
  as Clarify writes them.

The helpers here (reading data, loading a ``module:function`` model, building the background,
aggregating) are shared with :mod:`driftline.attribution.monitor`.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from driftline._outputs import OutputFolder
from driftline.clarify.attribution import AggMethod, AttributionConfig, load_config
from driftline.attribution.kernelshap import F64, Model, ModelInput, ShapValues, as_matrix, kernel_shap, kmeans_background
from driftline.errors import InvalidArgumentError, InvalidInputError
from driftline.formats.attribution import AnalysisDoc, BackgroundDoc, LabelExplanation

__all__ = [
    "BASELINE_FILES", "LOCAL_VALUES", "AttributionBaseline", "Attributions", "aggregate", "load_model", "local_values_csv",
    "suggest_attribution_baseline",
]

BASELINE_FILES = ("analysis.json", "shap_background.json", "explanations_shap")
LOCAL_VALUES = "explanations_shap/out.csv"
DEFAULT_CLUSTERS = 10


def load_model(spec: str | Model) -> Model:
    """A model from ``module:function`` (or ``module:object.method``); the current folder is
    searched first, as for ``python -m``. A callable is returned as it is."""
    if callable(spec):
        return spec
    if not isinstance(spec, str) or ":" not in spec:
        raise InvalidArgumentError(f"model (--model) must be module:function, got {spec!r}")
    mod_name, _, attr = spec.partition(":")
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        obj: Any = importlib.import_module(mod_name)
    except Exception as e:  # an import error in the user's module
        raise InvalidArgumentError(f"model (--model) {spec!r}: cannot import module {mod_name!r}: {type(e).__name__}: {e}") from None
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise InvalidArgumentError(f"model (--model) {spec!r}: module {mod_name!r} has no {attr!r}") from None
    if not callable(obj):
        raise InvalidArgumentError(f"model (--model) {spec!r} is not callable")
    return obj  # type: ignore[no-any-return]


def read_frame(data: Any, what: str, has_header: bool = True) -> pl.DataFrame:
    """A table (path, Polars/pandas frame, PyArrow table) as a Polars frame with inferred types."""
    from driftline.io import read_table

    if isinstance(data, pl.DataFrame):
        return data
    if isinstance(data, np.ndarray):
        arr = data.reshape(1, -1) if data.ndim == 1 else data
        return pl.DataFrame(arr, schema=[f"_c{i}" for i in range(arr.shape[1])], orient="row")
    if isinstance(data, str | os.PathLike) and not Path(data).exists():
        raise InvalidInputError(f"{what} {str(data)!r} does not exist")
    return read_table(data, has_header=has_header, columns_as_strings=False).frame


def positional(frame: pl.DataFrame, cfg: AttributionConfig, features: list[str] | None = None) -> pl.DataFrame:
    """Headerless tables (``_c0, _c1, ...``) take the config's ``headers`` (or the features) by position."""
    cols = frame.columns
    if not cols or not all(re.fullmatch(r"_c\d+", c) for c in cols):
        return frame
    if features is None and cfg.headers is not None:
        features = cfg.features(cfg.headers)
    for names in (cfg.headers, features):
        if names is not None and len(names) == len(cols):
            return frame.rename(dict(zip(cols, names, strict=True)))
    return frame


@dataclass
class Attributions:
    """Local attributions of a table: ``values`` ``(rows, features, labels)``, E[f] per label
    (``None`` when a user's attributions file has no ``expected_value`` column)."""

    values: F64
    expected: list[float | None]
    features: list[str]
    labels: list[str]
    shap: ShapValues | None = None


def aggregate(values: F64, agg: AggMethod) -> F64:
    """Global SHAP values over rows (axis 0): ``mean_abs``, ``median`` or ``mean_sq``."""
    if len(values) == 0:
        raise InvalidInputError("no rows to aggregate attributions over")
    if agg == "mean_abs":
        return np.asarray(np.abs(values).mean(axis=0), dtype=np.float64)
    if agg == "median":
        return np.asarray(np.median(values, axis=0), dtype=np.float64)
    return np.asarray((values**2).mean(axis=0), dtype=np.float64)


def background(cfg: AttributionConfig, features: list[str], data: pl.DataFrame | None, saved: BackgroundDoc | None = None) -> BackgroundDoc:
    """The KernelSHAP background: the config's ``methods.shap.baseline`` (rows or a file), else a
    background saved by the baseline job, else a seeded k-means summary of ``data``."""
    bl = cfg.baseline
    if isinstance(bl, list):
        rows = bl
        label_at = cfg.headers.index(cfg.label) if (cfg.headers and cfg.label in cfg.headers) else None
        if label_at is not None and all(len(r) == len(cfg.headers or []) for r in rows) and len(rows[0]) != len(features):
            rows = [[v for i, v in enumerate(r) if i != label_at] for r in rows]
        bad = [i for i, r in enumerate(rows) if len(r) != len(features)]
        if bad:
            raise InvalidInputError(f"{cfg.source}: methods.shap.baseline row {bad[0]} has {len(rows[bad[0]])} values, "
                                    f"expected one per feature ({len(features)})")
        frame = pl.DataFrame(rows, schema=features, orient="row", strict=False)
        x, _ = as_matrix(frame, features, f"{cfg.source}: methods.shap.baseline")
        return {"features": features, "rows": x.tolist(), "weights": [1.0 / len(x)] * len(x), "source": "methods.shap.baseline"}
    if isinstance(bl, str):
        path = Path(bl)
        if not path.is_absolute() and not path.exists() and (cfg.base_dir / path).exists():
            path = cfg.base_dir / path
        if not path.exists():
            raise InvalidInputError(f"{cfg.source}: methods.shap.baseline file {bl!r} does not exist")
        frame = positional(read_frame(path, "methods.shap.baseline", has_header=_has_header(path)), cfg, features)
        x, _ = as_matrix(frame, features, f"the baseline file {str(path)!r}")
        return {"features": features, "rows": x.tolist(), "weights": [1.0 / len(x)] * len(x), "source": str(path)}
    if saved is not None:
        if list(saved["features"]) != features:
            diff = [f for f in features if f not in saved["features"]] + [f for f in saved["features"] if f not in features]
            what = f"feature {diff[0]!r} is in one but not the other" if diff else "the features are in another order"
            raise InvalidInputError(f"the baseline's shap_background.json and the data disagree: {what}")
        return saved
    if data is None:
        raise InvalidInputError("no KernelSHAP background: give methods.shap.baseline in the config or a baseline with shap_background.json")
    k = cfg.num_clusters or DEFAULT_CLUSTERS
    centers, weights = kmeans_background(data, k, seed=cfg.seed, features=features)
    return {"features": features, "rows": centers.tolist(), "weights": weights.tolist(), "source": f"k-means ({len(centers)} clusters) of the baseline data"}


def _has_header(path: Path) -> bool:
    """A CSV whose first line is all numbers has no header (Clarify's baseline files have none)."""
    if path.suffix.lower() != ".csv":
        return True
    try:
        with path.open(encoding="utf-8") as f:
            first = f.readline()
    except (OSError, UnicodeDecodeError):
        return True
    try:
        [float(v) for v in first.strip().split(",")]
    except ValueError:
        return True
    return False


def model_attributions(cfg: AttributionConfig, model: Model, frame: pl.DataFrame, features: list[str], bg: BackgroundDoc,
                       model_input: ModelInput) -> Attributions:
    res = kernel_shap(model, frame, np.asarray(bg["rows"], dtype=np.float64), features=features,
                      background_weights=np.asarray(bg["weights"]), num_samples=cfg.num_samples, seed=cfg.seed,
                      use_logit=cfg.use_logit, model_input=model_input)
    labels = cfg.labels(res.values.shape[2])
    return Attributions(res.values, [float(e) for e in res.expected_value], features, labels, res)


def file_attributions(source: Any, features: list[str], cfg: AttributionConfig, rows: int | None = None) -> Attributions:
    """Attributions a user supplied: one column per feature (named as the features), and
    optionally an ``expected_value`` column; any other column is an error naming it."""
    what = f"the attributions file {str(source)!r}" if isinstance(source, str | os.PathLike) else "the attributions"
    frame = positional(read_frame(source, what), cfg, features)
    extra = [c for c in frame.columns if c not in features and c != "expected_value"]
    missing = [f for f in features if f not in frame.columns]
    if missing:
        raise InvalidInputError(f"{what} has no column for feature {missing[0]!r}" + (f" (columns it has that are not features: {', '.join(map(repr, extra[:4]))})" if extra else "")
                                + "; it needs one column per feature, named as the features")
    if extra:
        raise InvalidInputError(f"{what} has column {extra[0]!r}, which is not a feature; it needs one column per feature "
                                "(and optionally expected_value)")
    x, _ = as_matrix(frame, features, what)
    if rows is not None and len(x) != rows:
        raise InvalidInputError(f"{what} has {len(x)} rows but the data {rows}: one row of attributions per row of data")
    expected: list[float | None] = [None]
    if "expected_value" in frame.columns:
        ev, _ = as_matrix(frame, ["expected_value"], what)
        expected = [float(ev.mean())]
    return Attributions(x[:, :, None], expected, features, cfg.labels(1))


def analysis_doc(att: Attributions, agg: AggMethod) -> AnalysisDoc:
    labels: dict[str, LabelExplanation] = {}
    for k, label in enumerate(att.labels):
        g = aggregate(att.values[:, :, k], agg)
        labels[label] = {"global_shap_values": {f: float(v) for f, v in zip(att.features, g, strict=True)},
                         "expected_value": att.expected[k]}
    return {"version": "1.0", "explanations": {"kernel_shap": labels}}


def local_values_csv(att: Attributions) -> bytes:
    """Clarify's ``explanations_shap/out.csv``: the local SHAP values, one row per explained row,
    a column ``<feature>_<label>`` per label and feature (label by label, features in order)."""
    columns = {f"{f}_{label}": att.values[:, i, k] for k, label in enumerate(att.labels) for i, f in enumerate(att.features)}
    if len(columns) < len(att.labels) * len(att.features):
        names = [f"{f}_{label}" for label in att.labels for f in att.features]
        twice = next(n for n in names if names.count(n) > 1)
        raise InvalidInputError(f"the local SHAP values would have two columns named {twice!r} (<feature>_<label>); "
                                "rename the feature or the label (predictor.label_headers)")
    return pl.DataFrame(columns, schema={n: pl.Float64 for n in columns}).write_csv().encode("utf-8")


@dataclass
class AttributionBaseline:
    """A baseline: Clarify's ``analysis.json`` document, the background used (with a model),
    and the local attributions it aggregated."""

    analysis: AnalysisDoc
    background: BackgroundDoc | None
    attributions: Attributions
    save_local_shap_values: bool = False

    def files(self) -> dict[str, Any]:
        out: dict[str, Any] = {"analysis.json": self.analysis}
        if self.background is not None:
            out["shap_background.json"] = self.background
        if self.save_local_shap_values:
            out[LOCAL_VALUES] = local_values_csv(self.attributions)
        return out


def _check_sources(model: Any, attributions: Any) -> None:
    if (model is None) == (attributions is None):
        raise InvalidArgumentError("give exactly one of model (--model) and attributions (--attributions)")


def suggest_attribution_baseline(
    config: str | os.PathLike[str] | dict[str, Any] | AttributionConfig | None,
    data: Any,
    *,
    model: str | Model | None = None,
    attributions: Any = None,
    out: str | os.PathLike[str] | None = None,
    model_input: ModelInput = "numpy",
) -> AttributionBaseline:
    """Global SHAP values of the baseline ``data`` (a table path or a Polars/pandas frame) as
    Clarify's ``analysis.json``. Attributions come from ``model`` (a callable over a batch, or
    ``"module:function"``) through driftline's KernelSHAP, or from ``attributions`` (a table with one
    column per feature). ``config`` is a Clarify analysis configuration (path or dict). Writes
    ``analysis.json`` (and ``shap_background.json``, and with ``save_local_shap_values`` the local
    values in ``explanations_shap/out.csv``) into ``out`` when given. Bad input raises
    :class:`~driftline.errors.InvalidInputError` naming the column, field or file."""
    _check_sources(model, attributions)
    cfg = load_config(config)
    folder = None if out is None else OutputFolder(out, BASELINE_FILES, "attribution baseline", inputs=[data, attributions], argument="out (--out)")
    fn = load_model(model) if model is not None else None
    frame = positional(read_frame(data, "the data"), cfg)
    features = cfg.features(frame.columns)
    bg: BackgroundDoc | None = None
    if fn is None:
        att = file_attributions(attributions, features, cfg, rows=len(frame))
    else:
        bg = background(cfg, features, frame)
        att = model_attributions(cfg, fn, frame, features, bg, model_input)
    result = AttributionBaseline(analysis_doc(att, cfg.agg_method), bg, att, cfg.save_local_shap_values)
    if folder is not None:
        folder.publish(result.files())
    return result


def load_attribution_baseline(path: str | os.PathLike[str]) -> tuple[AnalysisDoc, BackgroundDoc | None]:
    """A baseline folder (or its ``analysis.json``): the analysis document and the saved background."""
    p = Path(path)
    analysis = p / "analysis.json" if p.is_dir() else p
    try:
        doc = json.loads(analysis.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInputError(f"the baseline {str(p)!r} has no analysis.json") from None
    except (OSError, ValueError) as e:
        raise InvalidInputError(f"the baseline {str(analysis)!r} is not readable JSON: {e}") from None
    try:
        labels = doc["explanations"]["kernel_shap"]
        for name, entry in labels.items():
            vals = entry["global_shap_values"]
            if not isinstance(vals, dict) or not all(isinstance(v, int | float) for v in vals.values()):
                raise TypeError(name)
    except (KeyError, TypeError, AttributeError):
        raise InvalidInputError(f"the baseline {str(analysis)!r} has no explanations.kernel_shap.<label>.global_shap_values") from None
    bg: BackgroundDoc | None = None
    bg_path = analysis.parent / "shap_background.json"
    if bg_path.exists():
        try:
            bg = json.loads(bg_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise InvalidInputError(f"{str(bg_path)!r} is not readable JSON: {e}") from None
    return doc, bg
