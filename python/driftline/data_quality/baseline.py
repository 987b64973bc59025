"""Baselines in SageMaker Model Monitor's file formats.

:func:`statistics_json` turns a :class:`~driftline.profile.Profile` into ``statistics.json``
(SageMaker's schema: population ``std_dev``, 10 equal-width KLL buckets between min and max,
the sketch itself); :func:`suggest_constraints` gives the ``constraints.json`` that SageMaker's
baseline job suggests (completeness, ``is_non_negative``, string domains for low-cardinality
columns, and the ``monitoring_config`` defaults seen in real suggested files).
:func:`load_baseline` reads either back, whether driftline or SageMaker wrote them.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
import polars as pl

from driftline._outputs import OutputFolder, write_json
from driftline.errors import DriftlineError, InvalidArgumentError, InvalidInputError
from driftline.formats.sagemaker import CommonStatistics, ConstraintsDoc, FeatureConstraints, FeatureStatistics, KllBucket, StatisticsDoc
from driftline.profile import ColumnProfile, Profile
from driftline.stats import KllSketch

__all__ = [
    "Baseline",
    "BaselineFeature",
    "DEFAULT_MONITORING_CONFIG",
    "load_baseline",
    "statistics_json",
    "suggest_baseline",
    "suggest_constraints",
    "write_json",
]

# The defaults of SageMaker's suggested constraints (real files and the container's
# analytics_input.py): 100 % type and domain match, Robust L-infinity distance 0.1.
DEFAULT_MONITORING_CONFIG: dict[str, Any] = {
    "evaluate_constraints": "Enabled",
    "emit_metrics": "Enabled",
    "datatype_check_threshold": 1.0,
    "domain_content_threshold": 1.0,
    "distribution_constraints": {
        "perform_comparison": "Enabled",
        "comparison_threshold": 0.1,
        "comparison_method": "Robust",
        "categorical_comparison_threshold": 0.1,
        "categorical_drift_method": "LInfinity",
    },
}

DOMAIN_MAX_VALUES = 100
DOMAIN_MAX_RATIO = 0.1


def _num(x: float) -> float | None:
    # JSON has no NaN/inf: SageMaker's files never hold them either
    return float(x) if math.isfinite(x) else None


def _sagemaker_type(col: ColumnProfile) -> str:
    t = col.inferred_type
    return "String" if t == "Boolean" else t


def statistics_json(profile: Profile) -> StatisticsDoc:
    """``statistics.json`` of a profile, in SageMaker's schema."""
    features: list[FeatureStatistics] = []
    for col in profile.columns.values():
        t = _sagemaker_type(col)
        common: CommonStatistics = {"num_present": col.num_present, "num_missing": col.num_missing}
        if t in ("Integral", "Fractional") and col.moments is not None and col.kll is not None and not col.kll.is_empty:
            m = col.moments
            buckets: list[KllBucket] = [{"lower_bound": lo, "upper_bound": hi, "count": float(c)} for lo, hi, c in col.kll.buckets(10)]
            features.append(
                {
                    "name": col.name,
                    "inferred_type": t,
                    "numerical_statistics": {
                        "common": common,
                        "mean": _num(m.mean),
                        "sum": _num(m.sum),
                        "std_dev": _num(m.std_pop),
                        "min": _num(m.min),
                        "max": _num(m.max),
                        "distribution": {"kll": {"buckets": buckets, "sketch": col.kll.to_sagemaker()}},
                    },
                }
            )
        else:
            cats = sorted(col.categories.items(), key=lambda kv: (-kv[1], kv[0]))
            features.append(
                {
                    "name": col.name,
                    "inferred_type": t,
                    "string_statistics": {
                        "common": common,
                        "distinct_count": float(round(col.distinct_count)),
                        "distribution": {"categorical": {"buckets": [{"value": k, "count": v} for k, v in cats]}},
                    },
                }
            )
    return {"version": 0.0, "dataset": {"item_count": profile.item_count}, "features": features}


def _retained_completeness(p: float, n: int) -> float:
    """Deequ's RetainCompletenessRule: the lower end of the 95 % normal interval of the observed
    completeness, rounded down to two decimals; 1.0 for a complete column."""
    if p >= 1.0 or n == 0:
        return 1.0 if n else 0.0
    low = p - 1.96 * math.sqrt(p * (1 - p) / n)
    return max(0.0, math.floor(low * 100) / 100)


def suggest_constraints(profile: Profile) -> ConstraintsDoc:
    """``constraints.json`` as SageMaker's baseline job suggests it."""
    features: list[FeatureConstraints] = []
    for col in profile.columns.values():
        t = _sagemaker_type(col)
        entry: FeatureConstraints = {
            "name": col.name,
            "inferred_type": t,
            "completeness": _retained_completeness(col.completeness, col.num_present + col.num_missing),
        }
        if t in ("Integral", "Fractional") and col.moments is not None:
            entry["num_constraints"] = {"is_non_negative": bool(col.moments.min >= 0)}
        elif (
            t == "String"
            and col.categories_exact
            and 0 < len(col.categories) <= DOMAIN_MAX_VALUES
            and len(col.categories) <= DOMAIN_MAX_RATIO * col.num_present
        ):
            entry["string_constraints"] = {"domains": sorted(col.categories)}
        features.append(entry)
    return {"version": 0.0, "features": features, "monitoring_config": json.loads(json.dumps(DEFAULT_MONITORING_CONFIG))}


@dataclass
class BaselineFeature:
    """One feature of a baseline, as read from ``statistics.json`` and ``constraints.json``
    (validated: counts are non-negative integers, statistics finite, thresholds floats in [0, 1])."""

    name: str
    inferred_type: str
    num_present: int = 0
    num_missing: int = 0
    mean: float | None = None
    std_dev: float | None = None
    min: float | None = None
    max: float | None = None
    kll: KllSketch | None = None
    categories: dict[str, int] = field(default_factory=dict)
    distinct_count: float | None = None
    completeness: float | None = None
    is_non_negative: bool | None = None
    domains: list[str] | None = None
    overrides: dict[str, Any] = field(default_factory=dict)


@dataclass
class Baseline:
    """A baseline: the statistics and constraints documents, and their features by name.
    ``source`` is the data it was built from, when known (a path), so that writing the baseline
    into that data's folder is refused."""

    statistics: StatisticsDoc
    constraints: ConstraintsDoc
    features: dict[str, BaselineFeature]
    source: Any = None
    profile: Profile | None = None  # the profile a suggested baseline was made from (not kept by files)

    @property
    def item_count(self) -> int:
        return int(self.statistics.get("dataset", {}).get("item_count", 0))

    @property
    def monitoring_config(self) -> dict[str, Any]:
        """SageMaker's defaults overlaid with the constraints' ``monitoring_config``; thresholds
        are floats in [0, 1] (raises :class:`InvalidInputError` naming the field otherwise)."""
        return _monitoring_config(self.constraints.get("monitoring_config"), _Where("constraints.json"))

    def write(self, out: str | os.PathLike[str], *, argument: str = "out") -> None:
        """Write ``statistics.json`` and ``constraints.json`` into the folder ``out`` (new, empty or
        an earlier baseline's; any other file there, or ``out`` inside the data, is refused before
        anything is written), atomically."""
        inputs = [self.source] if isinstance(self.source, str | os.PathLike) else []
        folder = OutputFolder(out, BASELINE_FILES, "baseline", inputs=inputs, argument=argument)
        folder.publish({"statistics.json": self.statistics, "constraints.json": self.constraints})


BASELINE_FILES = ("statistics.json", "constraints.json")

# -- reading and validating a baseline -----------------------------------------------------------

INFERRED_TYPES = ("Integral", "Fractional", "String", "Boolean", "Unknown")
THRESHOLD_KEYS = ("datatype_check_threshold", "domain_content_threshold", "comparison_threshold", "categorical_comparison_threshold")
_SWITCHES = {
    "evaluate_constraints": ("Enabled", "Disabled"),
    "emit_metrics": ("Enabled", "Disabled"),
    "perform_comparison": ("Enabled", "Disabled"),
    "comparison_method": ("Robust", "Simple"),
    "categorical_drift_method": ("LInfinity", "ChiSquared"),
}


class _Where:
    """Where a value sits in a baseline document, for messages: ``file: features[3] 'age': field``."""

    def __init__(self, file: str, feature: str = "") -> None:
        self.file, self.feature = file, feature

    def at(self, index: int, name: Any) -> _Where:
        return _Where(self.file, f"features[{index}]" + (f" {name!r}" if isinstance(name, str) else ""))

    def fail(self, field: str, problem: str) -> InvalidInputError:
        where = ": ".join(p for p in (self.file, self.feature) if p)
        return InvalidInputError(f"{where}: {field} {problem}")


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _float(v: Any, where: _Where, field: str, lo: float | None = None, hi: float | None = None, optional: bool = False) -> float | None:
    """A finite JSON number within [lo, hi] (null when ``optional``)."""
    if v is None and optional:
        return None
    if not _is_number(v) or not math.isfinite(v):
        raise where.fail(field, f"{v!r} is not a finite number")
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        bounds = f"[{lo:g}, {hi:g}]" if lo is not None and hi is not None else (f">= {lo:g}" if lo is not None else f"<= {hi:g}")
        raise where.fail(field, f"{v!r} is not in {bounds}" if "[" in bounds else f"{v!r} is not {bounds}")
    return float(v)


def _finite_numbers(items: list[Any]) -> bool:
    """Every item a finite JSON number (types checked per item, finiteness in one numpy pass)."""
    if not all(type(x) is float or type(x) is int for x in items):
        return False
    try:
        return bool(np.isfinite(np.asarray(items, dtype=np.float64)).all())
    except OverflowError:
        return False


def _count(v: Any, where: _Where, field: str) -> int:
    """A non-negative integer (SageMaker writes counts as doubles: 418.0 is fine)."""
    if not _is_number(v) or not math.isfinite(v) or v < 0 or v != int(v):
        raise where.fail(field, f"{v!r} is not a non-negative integer")
    return int(v)


def _object(v: Any, where: _Where, field: str, optional: bool = True) -> dict[str, Any]:
    if v is None and optional:
        return {}
    if not isinstance(v, dict):
        raise where.fail(field, f"must be a JSON object, got {type(v).__name__}")
    return v


def _list(v: Any, where: _Where, field: str) -> list[Any]:
    if v is None:
        return []
    if not isinstance(v, list):
        raise where.fail(field, f"must be a JSON list, got {type(v).__name__}")
    return v


def _thresholds(given: Mapping[str, Any], where: _Where, prefix: str) -> dict[str, Any]:
    """The entries of a config or overrides object: thresholds as floats in [0, 1], switches
    checked, other (SageMaker's own) keys kept as they are."""
    out: dict[str, Any] = {}
    for k, v in given.items():
        if k in THRESHOLD_KEYS:
            out[k] = _float(v, where, f"{prefix}{k}", 0.0, 1.0)
        elif k in _SWITCHES and v not in _SWITCHES[k]:
            raise where.fail(f"{prefix}{k}", f"{v!r} is not one of {', '.join(map(repr, _SWITCHES[k]))}")
        else:
            out[k] = v
    return out


def _monitoring_config(given: Any, where: _Where) -> dict[str, Any]:
    cfg: dict[str, Any] = json.loads(json.dumps(DEFAULT_MONITORING_CONFIG))
    given = _object(given, where, "monitoring_config")
    for k, v in _thresholds({k: v for k, v in given.items() if k != "distribution_constraints"}, where, "monitoring_config.").items():
        cfg[k] = v
    dist = _object(given.get("distribution_constraints"), where, "monitoring_config.distribution_constraints")
    cfg["distribution_constraints"].update(_thresholds(dist, where, "monitoring_config.distribution_constraints."))
    return cfg


def _feature_name(f: Any, where: _Where, index: int, seen: set[str]) -> str:
    if not isinstance(f, dict):
        raise where.fail(f"features[{index}]", f"must be a JSON object, got {type(f).__name__}")
    name = f.get("name")
    if not isinstance(name, str) or not name:
        raise where.fail(f"features[{index}]", f"needs a non-empty string name, got {name!r}")
    if name in seen:
        raise where.fail(f"features[{index}]", f"repeats the feature name {name!r}")
    seen.add(name)
    t = f.get("inferred_type", "Unknown")
    if t not in INFERRED_TYPES:
        raise where.at(index, name).fail("inferred_type", f"{t!r} is not one of {', '.join(INFERRED_TYPES)}")
    return name


def _statistics_feature(f: dict[str, Any], where: _Where, trusted: bool = False) -> BaselineFeature:
    feat = BaselineFeature(name=f["name"], inferred_type=f.get("inferred_type", "Unknown"))
    num = _object(f.get("numerical_statistics"), where, "numerical_statistics")
    sta = _object(f.get("string_statistics"), where, "string_statistics")
    if num and sta:
        raise where.fail("numerical_statistics", "and string_statistics are both given")
    key = "numerical_statistics" if num else "string_statistics"
    common = _object((num or sta).get("common"), where, f"{key}.common")
    feat.num_present = _count(common.get("num_present", 0), where, f"{key}.common.num_present")
    feat.num_missing = _count(common.get("num_missing", 0), where, f"{key}.common.num_missing")
    if num:
        feat.mean = _float(num.get("mean"), where, "numerical_statistics.mean", optional=True)
        feat.std_dev = _float(num.get("std_dev"), where, "numerical_statistics.std_dev", lo=0.0, optional=True)
        _float(num.get("sum"), where, "numerical_statistics.sum", optional=True)
        feat.min = _float(num.get("min"), where, "numerical_statistics.min", optional=True)
        feat.max = _float(num.get("max"), where, "numerical_statistics.max", optional=True)
        if feat.min is not None and feat.max is not None and feat.min > feat.max:
            raise where.fail("numerical_statistics.min", f"{feat.min!r} is above max {feat.max!r}")
        dist = _object(num.get("distribution"), where, "numerical_statistics.distribution")
        kll = _object(dist.get("kll"), where, "numerical_statistics.distribution.kll")
        # a document driftline just built (``trusted``) skips the checks of what it does not read
        for j, b in enumerate([] if trusted else _list(kll.get("buckets"), where, "numerical_statistics.distribution.kll.buckets")):
            field_ = f"numerical_statistics.distribution.kll.buckets[{j}]"
            b = _object(b, where, field_, optional=False)
            lo = _float(b.get("lower_bound"), where, f"{field_}.lower_bound")
            hi = _float(b.get("upper_bound"), where, f"{field_}.upper_bound")
            _float(b.get("count"), where, f"{field_}.count", lo=0.0)
            if lo is not None and hi is not None and lo > hi:
                raise where.fail(f"{field_}.lower_bound", f"{lo!r} is above upper_bound {hi!r}")
        if kll.get("sketch"):
            sketch = _object(kll["sketch"], where, "numerical_statistics.distribution.kll.sketch")
            for j, level in enumerate([] if trusted else _list(sketch.get("data"), where, "numerical_statistics.distribution.kll.sketch.data")):
                items = _list(level, where, f"numerical_statistics.distribution.kll.sketch.data[{j}]")
                if not _finite_numbers(items):
                    raise where.fail(f"numerical_statistics.distribution.kll.sketch.data[{j}]", "holds a value that is not a finite number")
            try:
                feat.kll = KllSketch.from_sagemaker(sketch, feat.min, feat.max)
            except (DriftlineError, ValueError, TypeError, KeyError) as e:
                raise where.fail("numerical_statistics.distribution.kll.sketch", f"is not a valid KLL sketch: {e}") from None
    if sta:
        feat.distinct_count = _float(sta.get("distinct_count"), where, "string_statistics.distinct_count", lo=0.0, optional=True)
        dist = _object(sta.get("distribution"), where, "string_statistics.distribution")
        cat = _object(dist.get("categorical"), where, "string_statistics.distribution.categorical")
        for j, b in enumerate(_list(cat.get("buckets"), where, "string_statistics.distribution.categorical.buckets")):
            field_ = f"string_statistics.distribution.categorical.buckets[{j}]"
            b = _object(b, where, field_, optional=False)
            value = b.get("value")
            if not isinstance(value, str | int | float) or isinstance(value, bool):
                raise where.fail(f"{field_}.value", f"{value!r} is not a string")
            feat.categories[str(value)] = _count(b.get("count"), where, f"{field_}.count")
    return feat


def _apply_constraints(feat: BaselineFeature, c: dict[str, Any], where: _Where) -> None:
    feat.inferred_type = c.get("inferred_type", feat.inferred_type)
    if "completeness" in c:
        feat.completeness = _float(c["completeness"], where, "completeness", 0.0, 1.0)
    nc = _object(c.get("num_constraints"), where, "num_constraints")
    non_negative = nc.get("is_non_negative")
    if non_negative is not None and not isinstance(non_negative, bool):
        raise where.fail("num_constraints.is_non_negative", f"{non_negative!r} is not true or false")
    feat.is_non_negative = non_negative
    sc = _object(c.get("string_constraints"), where, "string_constraints")
    if sc.get("domains") is not None:
        domains = _list(sc["domains"], where, "string_constraints.domains")
        if not all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in domains):
            raise where.fail("string_constraints.domains", "holds a value that is not a string")
        feat.domains = [str(v) for v in domains]
    for key in ("monitoringConfigOverrides", "monitoring_config_overrides"):
        for holder, prefix in ((c, ""), (sc, "string_constraints.")):
            if key in holder:
                feat.overrides.update(_thresholds(_object(holder[key], where, prefix + key), where, f"{prefix}{key}."))


def _features_from(statistics: Mapping[str, Any], constraints: Mapping[str, Any], stats_file: str, cons_file: str,
                   trusted: bool = False) -> dict[str, BaselineFeature]:
    """The features of a statistics and a constraints document (either may be empty), every
    field validated (``trusted``: documents driftline just built, whose KLL buckets and sketch
    items are not checked again); the two must list the same features in the same order."""
    sw, cw = _Where(stats_file), _Where(cons_file)
    _count(_object(statistics.get("dataset"), sw, "dataset").get("item_count", 0), sw, "dataset.item_count")
    stats_list = _list(statistics.get("features"), sw, "features")
    cons_list = _list(constraints.get("features"), cw, "features")
    seen: set[str] = set()
    stats_names = [_feature_name(f, sw, i, seen) for i, f in enumerate(stats_list)]
    seen = set()
    cons_names = [_feature_name(f, cw, i, seen) for i, f in enumerate(cons_list)]
    if "features" in statistics and "features" in constraints and stats_names != cons_names:
        i = next((i for i, (a, b) in enumerate(zip(stats_names, cons_names)) if a != b), min(len(stats_names), len(cons_names)))
        a = repr(stats_names[i]) if i < len(stats_names) else "absent"
        b = repr(cons_names[i]) if i < len(cons_names) else "absent"
        raise InvalidInputError(
            f"{stats_file} and {cons_file} disagree: feature {i} is {a} in one and {b} in the other "
            f"({len(stats_names)} and {len(cons_names)} features); they must come from the same baseline")
    out: dict[str, BaselineFeature] = {}
    for i, f in enumerate(stats_list):
        out[f["name"]] = _statistics_feature(f, sw.at(i, f["name"]), trusted)
    for i, c in enumerate(cons_list):
        feat = out.setdefault(c["name"], BaselineFeature(name=c["name"], inferred_type=c.get("inferred_type", "Unknown")))
        _apply_constraints(feat, c, cw.at(i, c["name"]))
    _monitoring_config(constraints.get("monitoring_config"), cw)
    return out


def _read_json(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError as e:
        raise InvalidInputError(f"{path}: not found") from e
    except OSError as e:
        raise InvalidInputError(f"{path}: cannot be read: {e.strerror}") from e
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise InvalidInputError(f"{path}: line {line}: not UTF-8 text (byte {e.start}); a baseline file is JSON") from None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        raise InvalidInputError(f"{path}: line {e.lineno} column {e.colno}: not valid JSON: {e.msg}") from None
    except RecursionError:
        raise InvalidInputError(f"{path}: nested too deeply to be a baseline file") from None
    if not isinstance(obj, dict):
        raise InvalidInputError(f"{path}: expected a JSON object, got {type(obj).__name__}")
    return obj


def load_baseline(source: str | Path | Baseline) -> Baseline:
    """Read ``statistics.json`` and ``constraints.json`` from a folder (or two explicit files
    given as the folder's contents), written by driftline or by SageMaker. Every field is
    validated (an error names the file, the feature and the field), and the two files must list
    the same features in the same order."""
    if isinstance(source, Baseline):
        return source
    if not isinstance(source, str | os.PathLike):
        raise InvalidArgumentError(f"`baseline` must be a folder path or a Baseline, got {type(source).__name__}")
    root = Path(source)
    if root.is_file():
        raise InvalidInputError(f"{root}: a baseline is a folder holding statistics.json and/or constraints.json, not a file")
    stats_path, cons_path = root / "statistics.json", root / "constraints.json"
    if not stats_path.exists() and not cons_path.exists():
        raise InvalidInputError(f"{root}: a baseline folder needs statistics.json and/or constraints.json")
    # constraints alone still give the type, completeness and domain checks; drift needs statistics
    stats_doc = _read_json(stats_path) if stats_path.exists() else {}
    cons_doc = _read_json(cons_path) if cons_path.exists() else {}
    features = _features_from(stats_doc, cons_doc, str(stats_path), str(cons_path))  # validates both documents
    return Baseline(cast(StatisticsDoc, stats_doc), cast(ConstraintsDoc, cons_doc), features)


def _describe(data: Any) -> str:
    """A short description of an unexpected value (never its whole drawing)."""
    if isinstance(data, list | tuple):
        kinds = sorted({type(d).__name__ for d in data})
        return f"a {type(data).__name__} of {', '.join(kinds)}" if kinds else f"an empty {type(data).__name__}"
    return f"a {type(data).__name__}"


def suggest_baseline(
    data: Any,
    *,
    has_header: bool = True,
    batch_rows: int = 500_000,
    exclude: tuple[str, ...] = (),
    progress: Callable[[int], None] | None = None,
    on_bad_record: Literal["fail", "skip"] = "fail",
) -> Baseline:
    """Profile ``data`` and suggest a baseline. ``data`` (``--data`` on the command line) is a
    CSV, Parquet or JSON Lines file or folder, or a list of them, read in batches (so inputs
    larger than memory work), or an in-memory Polars, pandas or PyArrow table. Data without
    rows is refused (:class:`InvalidInputError`: a baseline of nothing would pass every later
    window), as SageMaker's baseline job fails on it. ``progress`` is called with the rows read
    so far after every batch. Bad records fail the build (``on_bad_record="fail"``, the error
    names the file and line) or are skipped and counted in the profile's ``bad_records``.
    Returns the :class:`Baseline`, which carries the profile it was made from (``.profile``)."""
    from driftline.io import iter_batches

    paths = isinstance(data, str | os.PathLike) or (
        isinstance(data, list | tuple) and len(data) > 0 and all(isinstance(d, str | os.PathLike) for d in data))
    module = type(data).__module__.split(".", 1)[0]
    if not paths and not isinstance(data, pl.DataFrame | pl.LazyFrame) and module not in ("pandas", "pyarrow"):
        raise InvalidArgumentError(
            f"`data` (--data) must be a path to a CSV, Parquet or JSON Lines file or folder, a list of such paths, "
            f"or a Polars, pandas or PyArrow table; got {_describe(data)}")
    profile = Profile()
    batches = iter_batches(data, batch_rows=batch_rows, has_header=has_header, on_bad_record=on_bad_record)
    for batch in batches:
        profile.update(batch, exclude=exclude)
        if progress is not None:
            progress(profile.item_count)
    profile.bad_records = batches.bad_records.total
    if profile.item_count == 0:
        where = f"data {os.fspath(data)!r}" if isinstance(data, str | os.PathLike) else "data"
        found = f" (only a header: {len(profile.columns)} columns)" if profile.columns else ""
        raise InvalidInputError(f"{where} has no rows{found}: a baseline needs at least one row")
    stats_doc = statistics_json(profile)
    cons_doc = suggest_constraints(profile)
    source = data if isinstance(data, str | os.PathLike) else None
    return Baseline(stats_doc, cons_doc, _features_from(stats_doc, cons_doc, "statistics.json", "constraints.json", trusted=True), source,
                    profile)
