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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from driftline._outputs import write_json
from driftline.errors import InvalidInputError
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


def statistics_json(profile: Profile) -> dict[str, Any]:
    """``statistics.json`` of a profile, in SageMaker's schema."""
    features = []
    for col in profile.columns.values():
        t = _sagemaker_type(col)
        common = {"num_present": col.num_present, "num_missing": col.num_missing}
        if t in ("Integral", "Fractional") and col.moments is not None and col.kll is not None and not col.kll.is_empty:
            m = col.moments
            buckets = [{"lower_bound": lo, "upper_bound": hi, "count": float(c)} for lo, hi, c in col.kll.buckets(10)]
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


def suggest_constraints(profile: Profile) -> dict[str, Any]:
    """``constraints.json`` as SageMaker's baseline job suggests it."""
    features = []
    for col in profile.columns.values():
        t = _sagemaker_type(col)
        entry: dict[str, Any] = {
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
    """One feature of a baseline, as read from ``statistics.json`` and ``constraints.json``."""

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
    """A baseline: the statistics and constraints documents, and their features by name."""

    statistics: dict[str, Any]
    constraints: dict[str, Any]
    features: dict[str, BaselineFeature]

    @property
    def item_count(self) -> int:
        return int(self.statistics.get("dataset", {}).get("item_count", 0))

    @property
    def monitoring_config(self) -> dict[str, Any]:
        cfg: dict[str, Any] = json.loads(json.dumps(DEFAULT_MONITORING_CONFIG))
        given = self.constraints.get("monitoring_config") or {}
        for k, v in given.items():
            if k == "distribution_constraints" and isinstance(v, Mapping):
                cfg[k].update(v)
            else:
                cfg[k] = v
        return cfg

    def write(self, out: Path) -> None:
        write_json(out / "statistics.json", self.statistics)
        write_json(out / "constraints.json", self.constraints)


def _features_from(statistics: Mapping[str, Any], constraints: Mapping[str, Any], where: str) -> dict[str, BaselineFeature]:
    out: dict[str, BaselineFeature] = {}
    for i, f in enumerate(statistics.get("features") or []):
        try:
            name = str(f["name"])
            feat = BaselineFeature(name=name, inferred_type=str(f.get("inferred_type", "Unknown")))
            num = f.get("numerical_statistics")
            sta = f.get("string_statistics")
            common = (num or sta or {}).get("common", {})
            feat.num_present = int(common.get("num_present", 0))
            feat.num_missing = int(common.get("num_missing", 0))
            if num:
                feat.mean, feat.std_dev = num.get("mean"), num.get("std_dev")
                feat.min, feat.max = num.get("min"), num.get("max")
                kll = (num.get("distribution") or {}).get("kll") or {}
                if kll.get("sketch"):
                    feat.kll = KllSketch.from_sagemaker(kll["sketch"], feat.min, feat.max)
            if sta:
                feat.distinct_count = sta.get("distinct_count")
                buckets = ((sta.get("distribution") or {}).get("categorical") or {}).get("buckets") or []
                feat.categories = {str(b["value"]): int(b["count"]) for b in buckets}
        except (KeyError, TypeError, ValueError) as e:
            raise InvalidInputError(f"{where}/statistics.json: feature {i} is malformed: {e}") from e
        out[name] = feat
    for i, c in enumerate(constraints.get("features") or []):
        try:
            name = str(c["name"])
        except (KeyError, TypeError) as e:
            raise InvalidInputError(f"{where}/constraints.json: feature {i} has no name") from e
        feat = out.setdefault(name, BaselineFeature(name=name, inferred_type=str(c.get("inferred_type", "Unknown"))))
        feat.inferred_type = str(c.get("inferred_type", feat.inferred_type))
        if "completeness" in c:
            feat.completeness = float(c["completeness"])
        feat.is_non_negative = (c.get("num_constraints") or {}).get("is_non_negative")
        sc = c.get("string_constraints") or {}
        if sc.get("domains") is not None:
            feat.domains = [str(v) for v in sc["domains"]]
        feat.overrides = dict(c.get("monitoringConfigOverrides") or c.get("monitoring_config_overrides") or sc.get("monitoring_config_overrides") or {})
    return out


def _read_json(path: Path) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as f:
            obj = json.load(f)
    except FileNotFoundError as e:
        raise InvalidInputError(f"{path}: not found") from e
    except json.JSONDecodeError as e:
        raise InvalidInputError(f"{path}: line {e.lineno}: not valid JSON: {e.msg}") from e
    if not isinstance(obj, dict):
        raise InvalidInputError(f"{path}: expected a JSON object")
    return obj


def load_baseline(source: str | Path | Baseline) -> Baseline:
    """Read ``statistics.json`` and ``constraints.json`` from a folder (or two explicit files
    given as the folder's contents), written by driftline or by SageMaker."""
    if isinstance(source, Baseline):
        return source
    root = Path(source)
    stats_path, cons_path = root / "statistics.json", root / "constraints.json"
    if not stats_path.exists() and not cons_path.exists():
        raise InvalidInputError(f"{root}: a baseline folder needs statistics.json and/or constraints.json")
    # constraints alone still give the type, completeness and domain checks; drift needs statistics
    stats_doc = _read_json(stats_path) if stats_path.exists() else {}
    cons_doc = _read_json(cons_path) if cons_path.exists() else {}
    return Baseline(stats_doc, cons_doc, _features_from(stats_doc, cons_doc, str(root)))


def suggest_baseline(
    data: Any,
    *,
    has_header: bool = True,
    batch_rows: int = 500_000,
    exclude: tuple[str, ...] = (),
    progress: Callable[[int], None] | None = None,
    on_bad_record: Literal["fail", "skip"] = "fail",
) -> tuple[Baseline, Profile]:
    """Profile ``data`` (a path read in batches, so inputs larger than memory work, or an
    in-memory table) and suggest a baseline. ``progress`` is called with the rows read so far
    after every batch. Bad records fail the build (``on_bad_record="fail"``, the error names the
    file and line) or are skipped and counted in the profile's ``bad_records``."""
    from driftline.io import iter_batches

    profile = Profile()
    if isinstance(data, str | Path):
        batches = iter_batches(data, batch_rows=batch_rows, has_header=has_header, on_bad_record=on_bad_record)
        for batch in batches:
            profile.update(batch, exclude=exclude)
            if progress is not None:
                progress(profile.item_count)
        profile.bad_records = batches.bad_records.total
    else:
        profile = Profile.of(data, exclude=exclude)
    if profile.item_count == 0:
        raise InvalidInputError(f"{data}: no rows to build a baseline from")
    stats_doc = statistics_json(profile)
    cons_doc = suggest_constraints(profile)
    return Baseline(stats_doc, cons_doc, _features_from(stats_doc, cons_doc, "<memory>")), profile
