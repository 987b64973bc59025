"""Drift scenarios: how the benchmark draws a reference sample and a current window.

Every scenario has an effect size in natural units (``Scenario.unit``): a mean shift in reference
standard deviations, a scale change as the relative change of the spread, a share of the window
that comes from a heavier tail or a new mixture component, probability mass moved between
categories or given to a new one, and the end point of a gradual drift.

Synthetic data: the numeric reference is standard normal, the categorical reference has five
categories with probabilities 0.40, 0.25, 0.15, 0.12, 0.08. With a user's data
(:class:`Reference`), both samples are resampled with replacement from it and the current window is
perturbed the same way (shifts in the data's standard deviation, spreads around its median), so the
tests are measured on data like the user's.

Samples of all repetitions of one (scenario, effect, n) are drawn at once: numeric samples as
``(reps, n)`` arrays, categorical ones as ``(reps, k)`` count matrices (multinomial counts, which is
exactly what resampling ``n`` values and counting them gives).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from driftline.errors import InvalidInputError

__all__ = ["DEFAULT_SCENARIOS", "SCENARIOS", "Reference", "Scenario", "categorical_counts", "numeric_samples"]

Kind = Literal["numeric", "categorical"]
F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

TAIL_FACTOR = 3.0  # tail_change: the affected values' distance from the median is multiplied by this
MIXTURE_OFFSET = 3.0  # mixture_component: the new component sits this many standard deviations above the reference
SYNTHETIC_CATEGORIES = ("a", "b", "c", "d", "e")
SYNTHETIC_PROBS = (0.40, 0.25, 0.15, 0.12, 0.08)


@dataclass(frozen=True)
class Scenario:
    name: str
    kinds: tuple[Kind, ...]
    effects: tuple[float, ...]  # the default effect sizes
    unit: str
    description: str


SCENARIOS: dict[str, Scenario] = {s.name: s for s in (
    Scenario("no_drift", ("numeric", "categorical"), (0.0,), "none",
             "reference and window from the same distribution: every rejection is a false alarm"),
    Scenario("mean_shift", ("numeric",), (0.1, 0.25, 0.5), "reference standard deviations",
             "the window's values shifted by effect * sd"),
    Scenario("scale_change", ("numeric",), (0.1, 0.25, 0.5), "relative change of the spread",
             "the window's distances from the median multiplied by 1 + effect"),
    Scenario("tail_change", ("numeric",), (0.02, 0.05, 0.2), "share of the window",
             f"a share 'effect' of the window moved {TAIL_FACTOR:g}x further from the median (a heavier tail)"),
    Scenario("mixture_component", ("numeric",), (0.02, 0.05, 0.2), "share of the window",
             f"a share 'effect' of the window from a new component {MIXTURE_OFFSET:g} sd above the reference"),
    Scenario("gradual_drift", ("numeric",), (0.2, 0.5, 1.0), "reference standard deviations at the window's end",
             "the mean drifts linearly through the window from 0 to effect * sd (drift starting within the window)"),
    Scenario("category_frequency_shift", ("categorical",), (0.02, 0.05, 0.15), "probability moved (total variation)",
             "probability 'effect' moved from the most frequent category to the least frequent"),
    Scenario("new_category", ("categorical",), (0.02, 0.05, 0.15), "share of the window",
             "a category unseen in the reference takes a share 'effect' of the window"),
)}
DEFAULT_SCENARIOS = tuple(SCENARIOS)


@dataclass(frozen=True)
class Reference:
    """The data the scenarios perturb: ``numeric`` values (None: standard normal) and categorical
    ``probs`` over ``categories`` (synthetic five categories when not given)."""

    numeric: F64 | None = None
    categories: tuple[str, ...] = SYNTHETIC_CATEGORIES
    probs: tuple[float, ...] = SYNTHETIC_PROBS
    source: str = "synthetic"

    @property
    def has_categorical(self) -> bool:
        return len(self.categories) >= 2

    def center_and_spread(self) -> tuple[float, float]:
        if self.numeric is None:
            return 0.0, 1.0
        return float(np.median(self.numeric)), float(np.std(self.numeric))

    @classmethod
    def of(cls, data: Any, column: str | None = None, category_column: str | None = None) -> Reference:
        """A reference from a file (CSV, Parquet, JSON Lines), a Polars/pandas frame, a Series or an
        array. ``column`` is the numeric column perturbed by the numeric scenarios (default: the
        first numeric column), ``category_column`` the categorical one (default: the first text
        column; without one the categorical scenarios are skipped)."""
        import polars as pl

        from driftline.io.tables import read_table

        if isinstance(data, Reference):
            return data
        source = "data"
        if isinstance(data, str | Path):
            source = str(data)
            frame = read_table(data, columns_as_strings=False).frame
        elif isinstance(data, pl.DataFrame):
            frame = data
        elif isinstance(data, pl.Series):
            frame = data.to_frame()
        elif hasattr(data, "columns") and hasattr(data, "dtypes"):  # pandas
            frame = pl.from_pandas(data)
        else:
            frame = pl.DataFrame({"value": np.asarray(data)})
        numeric_cols = [c for c, t in frame.schema.items() if t.is_numeric() and t != pl.Boolean]
        text_cols = [c for c, t in frame.schema.items() if t in (pl.String, pl.Categorical, pl.Enum, pl.Boolean)]
        num = column if column is not None else (numeric_cols[0] if numeric_cols else None)
        cat = category_column if category_column is not None else (text_cols[0] if text_cols else None)
        for name in (num, cat):
            if name is not None and name not in frame.columns:
                raise InvalidInputError(f"reference data has no column {name!r} (columns: {', '.join(frame.columns)})")
        values: F64 | None = None
        if num is not None:
            values = frame[num].cast(pl.Float64, strict=False).drop_nulls().to_numpy()
            values = values[np.isfinite(values)]
            if len(values) < 2 or float(np.std(values)) == 0:
                raise InvalidInputError(f"reference column {num!r} needs at least two distinct finite values")
        categories: tuple[str, ...] = ()
        probs: tuple[float, ...] = ()
        if cat is not None:
            counts = frame[cat].cast(pl.String).drop_nulls().value_counts(sort=True)
            names = counts[cat].to_list()
            freq = counts["count"].to_numpy().astype(np.float64)
            order = sorted(range(len(names)), key=lambda i: (-freq[i], names[i]))  # deterministic order
            categories = tuple(str(names[i]) for i in order)
            total = float(freq.sum())
            probs = tuple(float(freq[i] / total) for i in order)
        if values is None and len(categories) < 2:
            raise InvalidInputError("reference data needs a numeric column or a categorical column with two or more values")
        return cls(values, categories, probs, source)


def numeric_samples(scenario: str, effect: float, n: int, reps: int, rng: np.random.Generator, ref: Reference) -> tuple[F64, F64]:
    """Reference and current samples, ``(reps, n)`` each."""
    if ref.numeric is None:
        x = rng.standard_normal((reps, n))
        y = rng.standard_normal((reps, n))
    else:
        x = ref.numeric[rng.integers(0, len(ref.numeric), size=(reps, n))]
        y = ref.numeric[rng.integers(0, len(ref.numeric), size=(reps, n))]
    return x, perturb(y, scenario, effect, rng, ref)


def perturb(y: F64, scenario: str, effect: float, rng: np.random.Generator, ref: Reference) -> F64:
    center, sd = ref.center_and_spread()
    if scenario == "no_drift":
        return y
    if scenario == "mean_shift":
        return y + effect * sd
    if scenario == "scale_change":
        return center + (y - center) * (1.0 + effect)
    if scenario == "tail_change":
        hit = rng.random(y.shape) < effect
        return np.where(hit, center + TAIL_FACTOR * (y - center), y)
    if scenario == "mixture_component":
        hit = rng.random(y.shape) < effect
        return np.where(hit, y + MIXTURE_OFFSET * sd, y)
    if scenario == "gradual_drift":
        n = y.shape[-1]
        ramp: F64 = np.arange(n, dtype=np.float64) / max(n - 1, 1)
        shifted: F64 = y + effect * sd * ramp
        return shifted
    raise InvalidInputError(f"scenario {scenario!r} has no numeric form")


def categorical_probs(scenario: str, effect: float, ref: Reference) -> tuple[F64, F64]:
    """The reference's and the window's category probabilities (the window may add one category,
    which the reference gives probability 0)."""
    p = np.asarray(ref.probs, dtype=np.float64)
    if scenario == "no_drift":
        return p, p.copy()
    if scenario == "category_frequency_shift":
        if not 0 <= effect <= p[0]:
            raise InvalidInputError(f"category_frequency_shift: effect {effect:g} must be between 0 and the top category's share {p[0]:g}")
        q = p.copy()
        q[0] -= effect
        q[-1] += effect
        return p, q
    if scenario == "new_category":
        if not 0 <= effect < 1:
            raise InvalidInputError(f"new_category: effect {effect:g} must be in [0, 1)")
        return np.append(p, 0.0), np.append(p * (1.0 - effect), effect)
    raise InvalidInputError(f"scenario {scenario!r} has no categorical form")


def categorical_counts(scenario: str, effect: float, n: int, reps: int, rng: np.random.Generator, ref: Reference) -> tuple[I64, I64]:
    """Reference and current category counts, ``(reps, k)`` each."""
    p, q = categorical_probs(scenario, effect, ref)
    return rng.multinomial(n, p, size=reps).astype(np.int64), rng.multinomial(n, q, size=reps).astype(np.int64)


def validate_effect(scenario: str, effect: float) -> None:
    if not np.isfinite(effect) or effect < 0:
        raise InvalidInputError(f"scenario {scenario!r}: effect sizes are finite and >= 0, got {effect!r}")
