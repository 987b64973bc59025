"""``bench_drift``: false-positive rate, power and cost of drift tests, by simulation.

For every scenario, effect size and sample size, ``reps`` (reference, window) pairs are drawn at
once with numpy (in chunks of at most ``CHUNK_VALUES`` values per array, so that 10^6-value windows
fit in memory), then every applicable test of the battery decides each pair through driftline's
Rust kernels. A row of the results table is one (test, scenario, effect, n): its rejection count
and rate with a Clopper-Pearson interval (exact binomial, ``confidence`` 0.95 by default), the
false alarms per day of hourly windows (24 x rate, for ``no_drift`` rows), and the mean time per
decision (the test's own work plus the shared inputs it used: sketches, deciles, counts).

Reference and window have the same size ``n``. Samples depend only on the seed, the scenario, the
effect and ``n`` (not on which tests run, nor on the other scenarios), so the same seed gives the
same table.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter
from typing import Any

import numpy as np

from driftline.benchdrift.battery import CATEGORICAL_PREP, NUMERIC_PREP, BenchTest, Prep, external_tests_skipped, resolve_tests
from driftline.benchdrift.scenarios import SCENARIOS, Reference, categorical_counts, numeric_samples, validate_effect
from driftline.errors import InvalidInputError

__all__ = ["DEFAULT_SIZES", "BenchResult", "BenchRow", "bench_drift", "clopper_pearson"]

DEFAULT_SIZES = (100, 1000, 10000, 100000, 1000000)
CHUNK_VALUES = 1 << 23  # values per generated array (64 MiB of float64)
WINDOWS_PER_DAY = 24


@dataclass(frozen=True)
class BenchRow:
    test: str
    scenario: str
    effect: float
    n: int
    reps: int
    rejections: int
    rate: float
    ci_low: float
    ci_high: float
    seconds_per_test: float | None
    false_alarms_per_day: float | None
    kind: str  # "numeric" or "categorical": the data the test ran on (no_drift has both)

    COLUMNS = ("test", "scenario", "effect", "n", "reps", "rejections", "rate", "ci_low", "ci_high",
               "seconds_per_test", "false_alarms_per_day", "kind")

    def to_json(self) -> dict[str, Any]:
        return {c: getattr(self, c) for c in self.COLUMNS}


@dataclass
class BenchResult:
    """The results table (``rows``) and how it was made."""

    rows: list[BenchRow]
    alpha: float
    confidence: float
    seed: int
    reps: int
    sizes: list[int]
    tests: dict[str, str]
    scenarios: dict[str, dict[str, Any]]
    reference: str
    skipped: list[dict[str, str]] = field(default_factory=list)
    elapsed_seconds: float = 0.0
    interval: str = "clopper-pearson"

    def row(self, test: str, scenario: str, effect: float, n: int, kind: str | None = None) -> BenchRow:
        """The row of one cell; ``kind`` tells the numeric and categorical forms of a test apart
        under ``no_drift`` (default: numeric when both exist)."""
        found = [r for r in self.rows if (r.test, r.scenario, r.effect, r.n) == (test, scenario, effect, n)
                 and (kind is None or r.kind == kind)]
        if not found:
            raise KeyError((test, scenario, effect, n, kind))
        return found[0]

    def to_polars(self) -> Any:
        import polars as pl

        return pl.DataFrame([r.to_json() for r in self.rows], schema={
            "test": pl.String, "scenario": pl.String, "effect": pl.Float64, "n": pl.Int64, "reps": pl.Int64,
            "rejections": pl.Int64, "rate": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64,
            "seconds_per_test": pl.Float64, "false_alarms_per_day": pl.Float64, "kind": pl.String})

    def meta(self) -> dict[str, Any]:
        return {"alpha": self.alpha, "confidence": self.confidence, "interval": self.interval, "seed": self.seed,
                "reps": self.reps, "sizes": self.sizes, "reference": self.reference, "tests": self.tests,
                "scenarios": self.scenarios, "skipped": self.skipped, "elapsed_seconds": self.elapsed_seconds}


# -- binomial interval ---------------------------------------------------------------------------


def _binom_sf_ge(k: int, n: int, p: float) -> float:
    """P(Binomial(n, p) >= k)."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    if p <= 0:
        return 0.0
    if p >= 1:
        return 1.0
    j = np.arange(k, n + 1, dtype=np.float64)
    lg = math.lgamma(n + 1) - np.array([math.lgamma(x + 1) + math.lgamma(n - x + 1) for x in j])
    logs = lg + j * math.log(p) + (n - j) * math.log1p(-p)
    top = float(logs.max())
    return float(min(1.0, math.exp(top) * np.exp(logs - top).sum()))


def _bisect(f: Any, target: float, increasing: bool) -> float:
    lo, hi = 0.0, 1.0
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if (f(mid) < target) == increasing:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def clopper_pearson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The exact (Clopper-Pearson) interval for a binomial proportion ``k / n``: the lower end is
    the ``p`` with ``P(X >= k) = (1 - confidence) / 2``, the upper the ``p`` with
    ``P(X <= k) = (1 - confidence) / 2`` (0 and 1 at the edges)."""
    if n <= 0 or not 0 <= k <= n:
        raise InvalidInputError(f"clopper_pearson: need 0 <= k <= n and n > 0, got k={k}, n={n}")
    tail = (1 - confidence) / 2
    low = 0.0 if k == 0 else _bisect(lambda p: _binom_sf_ge(k, n, p), tail, increasing=True)
    high = 1.0 if k == n else _bisect(lambda p: 1.0 - _binom_sf_ge(k + 1, n, p), tail, increasing=False)
    return low, high


# -- the run -------------------------------------------------------------------------------------


def _rng(seed: int, scenario: str, effect: float, n: int, kind: str) -> np.random.Generator:
    key = [zlib.crc32(scenario.encode()), zlib.crc32(repr(float(effect)).encode()), n, zlib.crc32(kind.encode())]
    return np.random.default_rng(np.random.SeedSequence([seed, *key]))


def _chunks(reps: int, n: int) -> list[int]:
    size = max(1, min(reps, CHUNK_VALUES // max(n, 1)))
    out = [size] * (reps // size)
    if reps % size:
        out.append(reps % size)
    return out


def _parse_list(value: Any, kind: type) -> list[Any] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [kind(v.strip()) for v in value.split(",") if v.strip()]
    return [kind(v) for v in value]


def bench_drift(
    tests: Sequence[str] | str | None = None,
    scenarios: Sequence[str] | str | None = None,
    effects: Sequence[float] | str | dict[str, Sequence[float]] | None = None,
    sizes: Sequence[int] | str = DEFAULT_SIZES,
    reps: int = 200,
    alpha: float = 0.05,
    seed: int = 0,
    reference: Any = None,
    *,
    column: str | None = None,
    category_column: str | None = None,
    confidence: float = 0.95,
    timing: bool = True,
    out: str | Path | None = None,
    progress: Any = None,
) -> BenchResult:
    """Benchmark drift tests: the false-positive rate under no drift and the power under each
    drift scenario, per sample size, with binomial intervals and the time per test.

    ``tests``: names from :data:`driftline.benchdrift.battery.TESTS` (default all ten).
    ``scenarios``: names from :data:`driftline.benchdrift.scenarios.SCENARIOS` (default all eight).
    ``effects``: effect sizes in the scenarios' natural units, one list for every drifting scenario
    or a dict by scenario (default: each scenario's own three). ``sizes``: sample sizes (reference
    and window alike). ``reference``: the user's data (path, frame, series or array) to resample and
    perturb instead of synthetic distributions; ``column`` / ``category_column`` pick its numeric and
    categorical columns. ``timing=False`` leaves ``seconds_per_test`` empty, so that the same seed
    gives a byte-identical ``results.csv``. ``out``: a folder to write results.csv, results.json,
    the plots and report.html into. ``progress``: called with a short text per (scenario, effect, n).
    """
    started = perf_counter()
    battery = resolve_tests(_parse_list(tests, str))
    scenario_names = _parse_list(scenarios, str) or list(SCENARIOS)
    unknown = [s for s in scenario_names if s not in SCENARIOS]
    if unknown:
        raise InvalidInputError(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(SCENARIOS)}")
    size_list = _parse_list(sizes, int) or []
    if not size_list or any(n < 2 for n in size_list):
        raise InvalidInputError(f"sizes must be integers >= 2, got {sizes!r}")
    if reps < 1:
        raise InvalidInputError(f"reps must be >= 1, got {reps}")
    if not 0 < alpha < 1 or not 0 < confidence < 1:
        raise InvalidInputError(f"alpha and confidence must be in (0, 1), got {alpha}, {confidence}")
    ref = Reference() if reference is None else Reference.of(reference, column, category_column)
    effects_of: dict[str, list[float]] = {}
    for name in dict.fromkeys(scenario_names):
        sc = SCENARIOS[name]
        if name == "no_drift":
            chosen = [0.0]
        elif isinstance(effects, dict):
            chosen = [float(e) for e in effects.get(name, sc.effects)]
        else:
            chosen = _parse_list(effects, float) or list(sc.effects)
        for e in chosen:
            validate_effect(name, e)
        effects_of[name] = chosen

    skipped = external_tests_skipped()
    rows: list[BenchRow] = []
    for name, chosen in effects_of.items():
        sc = SCENARIOS[name]
        for kind in sc.kinds:
            kind_tests = [t for t in battery if (t.numeric if kind == "numeric" else t.categorical) is not None]
            if not kind_tests:
                continue
            if kind == "numeric" and ref.numeric is None and reference is not None:
                skipped.append({"test": "*", "description": f"{name} (numeric)", "reason": "the reference data has no numeric column"})
                continue
            if kind == "categorical" and not ref.has_categorical:
                skipped.append({"test": "*", "description": f"{name} (categorical)", "reason": "the reference data has no categorical column"})
                continue
            for effect in sorted(chosen):
                for n in size_list:
                    if progress is not None:
                        progress(f"{name} ({kind}) effect={effect:g} n={n}")
                    rows.extend(_run_cell(kind_tests, kind, name, effect, n, reps, alpha, seed, ref, confidence, timing))
    result = BenchResult(
        rows=rows, alpha=alpha, confidence=confidence, seed=seed, reps=reps, sizes=size_list,
        tests={t.name: t.description for t in battery},
        scenarios={n: {"unit": SCENARIOS[n].unit, "description": SCENARIOS[n].description, "effects": e} for n, e in effects_of.items()},
        reference=ref.source, skipped=skipped, elapsed_seconds=perf_counter() - started,
    )
    if out is not None:
        from driftline.benchdrift.report import write_report

        write_report(result, out)
    return result


def _run_cell(battery: list[BenchTest], kind: str, scenario: str, effect: float, n: int, reps: int, alpha: float,
              seed: int, ref: Reference, confidence: float, timing: bool) -> list[BenchRow]:
    rng = _rng(seed, scenario, effect, n, kind)
    rejections = dict.fromkeys((t.name for t in battery), 0)
    seconds = dict.fromkeys((t.name for t in battery), 0.0)
    warmed = False
    for chunk in _chunks(reps, n):
        if kind == "numeric":
            xs, ys = numeric_samples(scenario, effect, n, chunk, rng, ref)
            builders, keys = NUMERIC_PREP, ("ref", "cur")
        else:
            xs, ys = categorical_counts(scenario, effect, n, chunk, rng, ref)  # type: ignore[assignment]
            builders, keys = CATEGORICAL_PREP, ("ref_counts", "cur_counts")
        for i in range(chunk):
            if timing and not warmed:
                # warm-up, untimed: one-off costs (first calls, cached chi-square quantiles) stay out of the times
                warm = Prep(builders, {keys[0]: np.ascontiguousarray(xs[i]), keys[1]: np.ascontiguousarray(ys[i])})
                for t in battery:
                    decide = t.numeric if kind == "numeric" else t.categorical
                    assert decide is not None
                    decide(warm, alpha)
                warmed = True
            prep = Prep(builders, {keys[0]: np.ascontiguousarray(xs[i]), keys[1]: np.ascontiguousarray(ys[i])})
            for t in battery:
                decide = t.numeric if kind == "numeric" else t.categorical
                assert decide is not None
                prep.used = set()
                before = prep.computed
                t0 = perf_counter()
                rejected = decide(prep, alpha)
                elapsed = perf_counter() - t0
                seconds[t.name] += elapsed - (prep.computed - before) + prep.cost()
                rejections[t.name] += int(rejected)
    out = []
    for t in battery:
        k = rejections[t.name]
        rate = k / reps
        low, high = clopper_pearson(k, reps, confidence)
        out.append(BenchRow(
            test=t.name, scenario=scenario, effect=float(effect), n=n, reps=reps, rejections=k, rate=rate,
            ci_low=low, ci_high=high, seconds_per_test=seconds[t.name] / reps if timing else None,
            false_alarms_per_day=WINDOWS_PER_DAY * rate if scenario == "no_drift" else None, kind=kind,
        ))
    return out
