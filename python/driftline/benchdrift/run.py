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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter
from typing import Any

import numpy as np

from driftline.benchdrift.battery import TESTS, BenchTest, CategoricalBatch, NumericBatch, categorical_batch, numeric_batch
from driftline.benchdrift.external import EXTERNAL_TESTS, ExternalTest, available, external_tests_skipped
from driftline.benchdrift.scenarios import SCENARIOS, Reference, categorical_counts, numeric_samples, validate_effect
from driftline.errors import InvalidInputError

__all__ = ["DEFAULT_SIZES", "BenchResult", "BenchRow", "bench_drift", "clopper_pearson"]

DEFAULT_SIZES = (100, 1000, 10000, 100000, 1000000)
CHUNK_VALUES = 1 << 23  # values per generated array (64 MiB of float64)
WINDOWS_PER_DAY = 24
DEFAULT_EXTERNAL = ("evidently", "nannyml")  # the other libraries' default tests, run when installed
EXTERNAL_REPS = 50  # repetitions per cell for the other libraries' tests (one Python call per pair)
EXTERNAL_MAX_N = 100_000  # their cells above this size are left out (about a second per call at 10^6)


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
    external_reps: int = EXTERNAL_REPS
    external_max_n: int = EXTERNAL_MAX_N

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
                "scenarios": self.scenarios, "skipped": self.skipped, "elapsed_seconds": self.elapsed_seconds,
                "external_reps": self.external_reps, "external_max_n": self.external_max_n}


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
    external_reps: int = EXTERNAL_REPS,
    external_max_n: int = EXTERNAL_MAX_N,
    out: str | Path | None = None,
    progress: Any = None,
) -> BenchResult:
    """Benchmark drift tests: the false-positive rate under no drift and the power under each
    drift scenario, per sample size, with binomial intervals and the time per test.

    ``tests``: names from :data:`driftline.benchdrift.battery.TESTS` and, for comparison, from
    :data:`driftline.benchdrift.external.EXTERNAL_TESTS` (Evidently's and NannyML's defaults, their
    library installed); default: all ten of the battery plus ``evidently`` and ``nannyml`` when
    installed. The other libraries' tests are called once per pair, in Python, so they run on the
    first ``external_reps`` repetitions of each cell (default 50) and only up to
    ``external_max_n`` values (default 10^5; larger cells are listed in ``skipped``).
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
    battery, external, skipped = _select_tests(_parse_list(tests, str))
    if external_reps < 1 or external_max_n < 2:
        raise InvalidInputError(f"external_reps must be >= 1 and external_max_n >= 2, got {external_reps}, {external_max_n}")
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

    rows: list[BenchRow] = []
    too_large: dict[str, set[int]] = {}
    warmed: set[tuple[str, str]] = set()  # (test, kind) of the other libraries' tests called once untimed
    for name, chosen in effects_of.items():
        sc = SCENARIOS[name]
        for kind in sc.kinds:
            kind_tests = [t for t in battery if (t.numeric if kind == "numeric" else t.categorical) is not None]
            kind_external = [t for t in external if (t.numeric if kind == "numeric" else t.categorical) is not None]
            if not kind_tests and not kind_external:
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
                    cell_external = kind_external if n <= external_max_n else []
                    for t in kind_external if n > external_max_n else []:
                        too_large.setdefault(t.name, set()).add(n)
                    rows.extend(_run_cell(kind_tests, cell_external, min(external_reps, reps), kind, name, effect, n, reps,
                                          alpha, seed, ref, confidence, timing, warmed))
    for test_name, big in too_large.items():
        skipped.append({"test": test_name, "description": f"n = {', '.join(map(str, sorted(big)))}",
                        "reason": f"above external_max_n ({external_max_n}): the library is called once per pair in Python "
                                  "(seconds per call at 10^6 values); raise --external-max-n to include it"})
    result = BenchResult(
        rows=rows, alpha=alpha, confidence=confidence, seed=seed, reps=reps, sizes=size_list,
        tests={**{t.name: t.description for t in battery}, **{e.name: e.description for e in external}},
        scenarios={n: {"unit": SCENARIOS[n].unit, "description": SCENARIOS[n].description, "effects": e} for n, e in effects_of.items()},
        reference=ref.source, skipped=skipped, elapsed_seconds=perf_counter() - started,
        external_reps=min(external_reps, reps), external_max_n=external_max_n,
    )
    if out is not None:
        from driftline.benchdrift.report import write_report

        write_report(result, out)
    return result


def _select_tests(names: list[str] | None) -> tuple[list[BenchTest], list[ExternalTest], list[dict[str, str]]]:
    """The battery's tests and the other libraries' tests to run, and what is left out (with why)."""
    if names is None:
        external = [EXTERNAL_TESTS[n] for n in DEFAULT_EXTERNAL if available(EXTERNAL_TESTS[n])]
        return list(TESTS.values()), external, external_tests_skipped()
    names = list(dict.fromkeys(names))
    unknown = [n for n in names if n not in TESTS and n not in EXTERNAL_TESTS]
    if unknown:
        raise InvalidInputError(f"unknown test(s) {', '.join(unknown)}; driftline's: {', '.join(TESTS)}; other libraries' "
                                f"(when installed): {', '.join(EXTERNAL_TESTS)}")
    for n in names:
        if n in EXTERNAL_TESTS and not available(EXTERNAL_TESTS[n]):
            package = EXTERNAL_TESTS[n].package
            raise InvalidInputError(f"test {n!r} calls {package}, which is not installed (pip install {package})")
    chosen = [EXTERNAL_TESTS[n] for n in names if n in EXTERNAL_TESTS]
    return [TESTS[n] for n in names if n in TESTS], chosen, external_tests_skipped()


def category_names(scenario: str, ref: Reference) -> tuple[str, ...]:
    """The names of the count columns :func:`categorical_counts` draws (the reference's categories,
    and for ``new_category`` one more that the reference never holds)."""
    names = tuple(ref.categories)
    if scenario == "new_category":
        new = "new category"
        while new in names:
            new += "'"
        names += (new,)
    return names


def _run_cell(battery: list[BenchTest], external: list[ExternalTest], external_reps: int, kind: str, scenario: str,
              effect: float, n: int, reps: int, alpha: float, seed: int, ref: Reference, confidence: float,
              timing: bool, warmed: set[tuple[str, str]]) -> list[BenchRow]:
    rng = _rng(seed, scenario, effect, n, kind)
    every = [t.name for t in battery] + [e.name for e in external]
    rejections = dict.fromkeys(every, 0)
    seconds = dict.fromkeys(every, 0.0)
    names = category_names(scenario, ref) if kind == "categorical" else ()
    external_done = 0

    def draw(chunk: int) -> tuple[Any, Any]:
        if kind == "numeric":
            return numeric_samples(scenario, effect, n, chunk, rng, ref)
        return categorical_counts(scenario, effect, n, chunk, rng, ref)

    def statistics(xs: Any, ys: Any) -> NumericBatch | CategoricalBatch:
        return numeric_batch(xs, ys) if kind == "numeric" else categorical_batch(xs, ys)

    # the core computes chunk i (releasing the GIL, its repetitions spread over the rayon pool)
    # while numpy draws chunk i + 1; the draws happen in the same order either way, so the table
    # does not depend on the overlap
    chunks = _chunks(reps, n)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="driftline-bench") as worker:
        current = draw(chunks[0])
        pending = worker.submit(statistics, *current)
        for i in range(len(chunks)):
            following = draw(chunks[i + 1]) if i + 1 < len(chunks) else None
            # the other libraries' tests, one pair at a time, on the first external_reps pairs
            take = min(chunks[i], external_reps - external_done) if external else 0
            for r in range(take):
                if kind == "numeric":
                    pair: tuple[Any, ...] = (np.ascontiguousarray(current[0][r]), np.ascontiguousarray(current[1][r]), alpha)
                else:
                    pair = (np.asarray(current[0][r]), np.asarray(current[1][r]), names)
                for e in external:
                    decide = e.numeric if kind == "numeric" else e.categorical
                    assert decide is not None
                    if (e.name, kind) not in warmed:
                        # the library's first call imports its modules and fills its caches (0.1 s for
                        # Evidently): made once per run, untimed, so it is not charged to one cell
                        decide(*pair)
                        warmed.add((e.name, kind))
                    t0 = perf_counter()
                    hit = decide(*pair)
                    seconds[e.name] += perf_counter() - t0
                    rejections[e.name] += int(bool(hit))
            external_done += take
            batch = pending.result()
            if following is not None:
                current = following
                pending = worker.submit(statistics, *following)
            for t in battery:
                t0 = perf_counter()
                rejected = t.decide(kind, batch, alpha)
                own = perf_counter() - t0
                seconds[t.name] += own + sum(batch.seconds.get(k, 0.0) for k in t.kernels(kind))
                rejections[t.name] += int(np.count_nonzero(rejected))
    out = []
    for name, runs in [*((t.name, reps) for t in battery), *((e.name, external_done) for e in external)]:
        k = rejections[name]
        rate = k / runs
        low, high = clopper_pearson(k, runs, confidence)
        out.append(BenchRow(
            test=name, scenario=scenario, effect=float(effect), n=n, reps=runs, rejections=k, rate=rate,
            ci_low=low, ci_high=high, seconds_per_test=seconds[name] / runs if timing else None,
            false_alarms_per_day=WINDOWS_PER_DAY * rate if scenario == "no_drift" else None, kind=kind,
        ))
    return out
