"""Other libraries' default drift tests, for comparison in ``bench-drift``: Evidently and NannyML.

Each adapter calls the library itself, with its default drift method and default threshold for the
column type and size, on one column; nothing of their statistics is re-implemented here. The
libraries are imported inside the adapters only, so this module imports without them
(:func:`available`, :func:`external_tests_skipped`). Their warnings and logging are silenced during
a call; an error they raise, or one NannyML catches and logs (it then reports no value and no alert
for the chunk), is raised as :class:`ExternalTestError` naming the test.

Categorical data arrives as counts per category; it is expanded into a string column
(``np.repeat`` of the names), as a user's data would reach the library; for NannyML in a fixed random
order (its thresholds come from consecutive chunks of the reference, so sorted labels would make
every chunk one category).

**Evidently** (0.7): ``ValueDrift`` and ``DataDriftPreset`` decide a column's drift in the legacy
``get_one_column_drift``, which picks the stat test with ``get_stattest(reference, current, type,
None)`` (by column type, the reference's size and the number of distinct values) and calls it with
the test's default threshold. The adapter makes exactly these two calls, and skips the rest of
``get_one_column_drift`` (histograms, correlations and plot data for the report: 1.6x the time at
10^6 rows, 5x at 100). ``tests/benchdrift/test_external.py`` checks the adapter's method and decision
against a full ``Report([ValueDrift(...)])`` on both sides of the 1000-row boundary.

**NannyML** (0.13): a ``UnivariateDriftCalculator`` with one method is fitted on the reference with
its default chunker (``DefaultChunker``: the reference in 10 chunks of n/10 rows, from whose
method values the default threshold is computed), then calculated on the window as one chunk (the
calculator's chunker replaced by a ``SizeBasedChunker`` of the window's size after the fit); the
test reads the chunk's ``alert`` flag. Every method's default threshold except chi2's is NannyML's
``StandardDeviationThreshold``: alert when the window's value exceeds the mean + 3 standard
deviations of the values of the 10 reference chunks, each compared with the whole reference that
contains it (clipped to the method's limits). A reference chunk has a tenth of the window's rows,
so its values vary more than a same-sized window's would: the threshold is loose for one window
(few false alarms, little power), which is what NannyML's defaults give with a reference as large
as the window. chi2 alerts at p < 0.05 (fixed; NannyML ignores custom thresholds for it).
NannyML's usage logging (an analytics event per fit and calculate) is switched off during a call
with its ``NML_DISABLE_USAGE_LOGGING`` variable.

Seconds per call (reference and window of n rows each, standard normal / five categories with
probabilities 0.40, 0.25, 0.15, 0.12, 0.08; the whole adapter call, including the expansion of counts
into labels; median of 5 calls after a warm-up; Evidently 0.7.23, NannyML 0.13.1, pandas and scipy of
``.venv-compare`` (the virtualenv ``.ci/run`` makes), a 2-core machine shared with other work; measured with
``PYTHONPATH=python .venv-compare/bin/python -m driftline.benchdrift.external``)::

    test                          kind         n=100     n=1000    n=10^4    n=10^5    n=10^6
    evidently                     numeric      0.000723  0.000823  0.00419   0.0638    1.05
    evidently                     categorical  0.00103   0.00114   0.00328   0.0207    0.229
    nannyml                       numeric      0.00851   0.00859   0.0101    0.0291    0.242
    nannyml                       categorical  0.00876   0.00948   0.0193    0.131     1.47
    nannyml_kolmogorov_smirnov    numeric      0.0138    0.0162    0.0144    0.0303    0.207
    nannyml_wasserstein           numeric      0.00761   0.00957   0.0156    0.0281    0.174
    nannyml_hellinger             numeric      0.00797   0.00816   0.0097    0.0286    0.242
    nannyml_hellinger             categorical  0.00842   0.00917   0.0189    0.135     1.46
    nannyml_chi2                  categorical  0.0288    0.0269    0.0278    0.0525    0.322
    nannyml_l_infinity            categorical  0.0148    0.0141    0.0145    0.0398    0.298

What the defaults give on single windows (rejection rates over 200 simulated pairs of the data above
at n = 1000 / 10^4; no drift, mean + 0.1 sd, mean + 0.25 sd; categorical: no drift, a new category
with 5 % of the window): ``evidently`` numeric 0.05 / 0.00, 0.53 / 0.52, 1.00 / 1.00 (above 1000
rows W1/sd >= 0.1 is a fixed effect size: a 0.1 sd shift is a coin flip at any n), categorical
0.31 / 0.00, 1.00 / 1.00 (its chi-square treats the reference's frequencies as exact, so its false
alarms at <= 1000 rows are far above 0.05); ``nannyml`` numeric 0.00 / 0.00, 0.00 / 0.00,
0.00 / 1.00, categorical 0.00 / 0.00, 0.89 / 1.00; ``nannyml_kolmogorov_smirnov`` 0 / 0,
0 / 0.44, 0.12 / 1.00; ``nannyml_wasserstein`` 0 / 0, 0.01 / 0.88, 0.60 / 1.00;
``nannyml_hellinger`` like ``nannyml``; ``nannyml_chi2`` 0.04 / 0.035, 1.00 / 1.00;
``nannyml_l_infinity`` 0 / 0, 0.00 / 1.00.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import logging
import math
import os
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["EXTERNAL_TESTS", "ExternalTest", "ExternalTestError", "available", "external_tests_skipped"]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
NumericDecide = Callable[[F64, F64, float], bool]
CategoricalDecide = Callable[[I64, I64, tuple[str, ...]], bool]

COLUMN = "x"


@dataclass(frozen=True)
class ExternalTest:
    name: str
    package: str  # the importable module
    description: str
    numeric: NumericDecide | None = None  # (reference values, window values, alpha) -> drift detected?
    categorical: CategoricalDecide | None = None  # (reference counts, window counts, category names) -> drift?


class ExternalTestError(RuntimeError):
    """A library failed to decide drift for one (reference, window) pair."""


def available(test: ExternalTest) -> bool:
    return importlib.util.find_spec(test.package) is not None


def _import(module: str) -> Any:
    """A library module, imported on first use (typed Any: the libraries ship no type information)."""
    return importlib.import_module(module)


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def _quiet(package: str) -> Iterator[_Capture]:
    """The package's warnings and log records below ERROR dropped, its ERROR records captured (not
    printed); NannyML's usage logging off. Everything restored afterwards."""
    logger = logging.getLogger(package)
    level, propagate = logger.level, logger.propagate
    capture = _Capture()
    logger.addHandler(capture)
    logger.setLevel(logging.ERROR)
    logger.propagate = False
    usage = os.environ.get("NML_DISABLE_USAGE_LOGGING")
    if package == "nannyml":
        os.environ["NML_DISABLE_USAGE_LOGGING"] = "1"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield capture
    finally:
        logger.removeHandler(capture)
        logger.setLevel(level)
        logger.propagate = propagate
        if package == "nannyml" and usage is None:
            os.environ.pop("NML_DISABLE_USAGE_LOGGING", None)


def _labels(counts: I64, names: tuple[str, ...], shuffle: bool = False) -> Any:
    """A string column with ``counts[i]`` copies of ``names[i]``, in a fixed random order if
    ``shuffle`` (for NannyML, whose thresholds come from consecutive chunks of the reference)."""
    pd = _import("pandas")
    counts = np.asarray(counts, dtype=np.int64)
    if counts.shape != (len(names),):
        raise ValueError(f"{len(counts)} counts for {len(names)} category names")
    labels = np.repeat(np.asarray(names, dtype=object), counts)
    if shuffle:
        labels = np.random.default_rng(0).permutation(labels)
    return pd.Series(labels, name=COLUMN, dtype=object)


def _column(values: F64) -> Any:
    pd = _import("pandas")
    values = np.asarray(values, dtype=np.float64)
    if len(values) == 0 or not np.isfinite(values).all():
        # Evidently's get_one_column_drift drops NaN and infinities and refuses an empty column before it picks the
        # test, a step the adapter skips (the benchmark's samples are finite): such input is refused here instead
        raise ValueError("the values must be finite and not empty")
    return pd.Series(values, name=COLUMN)


# -- Evidently -----------------------------------------------------------------------------------


def evidently_stattest(reference: Any, current: Any, categorical: bool) -> Any:
    """The stat test Evidently's default picks for this column (a legacy ``StatTest``)."""
    registry, core = _import("evidently.legacy.calculations.stattests.registry"), _import("evidently.legacy.core")
    column_type = core.ColumnType.Categorical if categorical else core.ColumnType.Numerical
    return registry.get_stattest(reference, current, column_type, None)


def _evidently(reference: Any, current: Any, categorical: bool, _: _Capture) -> bool:
    core = _import("evidently.legacy.core")
    column_type = core.ColumnType.Categorical if categorical else core.ColumnType.Numerical
    stattest = evidently_stattest(reference, current, categorical)
    return bool(stattest(reference, current, column_type, None).drifted)  # None: the test's default threshold


# -- NannyML -------------------------------------------------------------------------------------


def _nannyml(method: str, reference: Any, current: Any, categorical: bool, capture: _Capture) -> bool:
    pd = _import("pandas")
    chunk, univariate = _import("nannyml.chunk"), _import("nannyml.drift.univariate")

    methods = {"categorical_methods" if categorical else "continuous_methods": [method]}
    calc = univariate.UnivariateDriftCalculator(column_names=[COLUMN], **methods)  # default chunker and thresholds
    calc.fit(pd.DataFrame({COLUMN: reference}))
    calc.chunker = chunk.SizeBasedChunker(chunk_size=len(current))  # the window as one chunk
    data = calc.calculate(pd.DataFrame({COLUMN: current})).data
    analysis = data[data[("chunk", "chunk", "period")] == "analysis"]
    if len(analysis) != 1:
        raise ExternalTestError(f"NannyML made {len(analysis)} chunks of the window, expected 1")
    value, alert = analysis[(COLUMN, method, "value")].iloc[0], analysis[(COLUMN, method, "alert")].iloc[0]
    if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in (value, alert)):
        why = "; ".join(capture.messages) or "no value for the window"
        raise ExternalTestError(f"NannyML's {method} gave value {value}, alert {alert}: {why}")
    return bool(alert)


# -- the tests -----------------------------------------------------------------------------------


def _run(name: str, package: str, decide: Callable[[Any, Any, bool, _Capture], bool], column: Callable[[], Any],
         categorical: bool) -> bool:
    try:
        with _quiet(package) as capture:
            reference, current = column()
            return decide(reference, current, categorical, capture)
    except Exception as exc:
        raise ExternalTestError(f"external test {name!r} ({package}) failed: {exc}") from exc


def _numeric(name: str, package: str, decide: Callable[[Any, Any, bool, _Capture], bool]) -> NumericDecide:
    def run(reference: F64, current: F64, alpha: float) -> bool:  # alpha unused: the library's default threshold
        return _run(name, package, decide, lambda: (_column(reference), _column(current)), False)

    return run


def _categorical(name: str, package: str, decide: Callable[[Any, Any, bool, _Capture], bool]) -> CategoricalDecide:
    shuffle = package == "nannyml"

    def run(reference: I64, current: I64, names: tuple[str, ...]) -> bool:
        return _run(name, package, decide,
                    lambda: (_labels(reference, names, shuffle), _labels(current, names, shuffle)), True)

    return run


def _nannyml_test(name: str, method: str, description: str, numeric: bool, categorical: bool) -> ExternalTest:
    decide = partial(_nannyml, method)
    return ExternalTest(
        name, "nannyml", description,
        numeric=_numeric(name, "nannyml", decide) if numeric else None,
        categorical=_categorical(name, "nannyml", decide) if categorical else None,
    )


_STD = ("alert above NannyML's default StandardDeviationThreshold: mean + 3 sd of the values of the reference's "
        "10 default chunks (n/10 rows each, against the whole reference); the window is one chunk of n rows")

EXTERNAL_TESTS: dict[str, ExternalTest] = {t.name: t for t in (
    ExternalTest(
        "evidently", "evidently",
        "Evidently 0.7 default column drift (what ValueDrift / DataDriftPreset pick): numeric: KS p <= 0.05 for a "
        "reference of <= 1000 rows, normed Wasserstein (W1 / reference std) >= 0.1 above (chi-square / z-test for "
        "<= 5 distinct values); categorical: chi-square goodness of fit of the window against the reference's "
        "frequencies p < 0.05 (z-test for 2 categories) for <= 1000 rows, Jensen-Shannon distance (natural log, "
        ">= 0.1) above; alpha is not used",
        numeric=_numeric("evidently", "evidently", _evidently),
        categorical=_categorical("evidently", "evidently", _evidently),
    ),
    _nannyml_test("nannyml", "jensen_shannon", "NannyML 0.13 default univariate drift method, Jensen-Shannon "
                  "distance (base 2; numeric: over the reference's 'doane' histogram bins), " + _STD, True, True),
    _nannyml_test("nannyml_kolmogorov_smirnov", "kolmogorov_smirnov", "NannyML's Kolmogorov-Smirnov D statistic "
                  "(exact under 10^4 reference rows, over 10^4 equal-width reference bins above; the alert is not "
                  "its p-value), " + _STD, True, False),
    _nannyml_test("nannyml_wasserstein", "wasserstein", "NannyML's Wasserstein distance (not normed; exact under "
                  "10^4 reference rows, over 10^4 reference bins above), " + _STD, True, False),
    _nannyml_test("nannyml_hellinger", "hellinger", "NannyML's Hellinger distance (numeric: over the reference's "
                  "'doane' histogram bins), " + _STD, True, True),
    _nannyml_test("nannyml_chi2", "chi2", "NannyML's chi-square test of the 2 x k contingency table (reference "
                  "and window counts), alert at p < 0.05 (fixed: NannyML's default for chi2; alpha is not used)",
                  False, True),
    _nannyml_test("nannyml_l_infinity", "l_infinity", "NannyML's L-infinity distance between category "
                  "frequencies, " + _STD, False, True),
)}

PACKAGES = {"evidently": "Evidently's default drift tests", "nannyml": "NannyML's univariate drift methods"}


def external_tests_skipped() -> list[dict[str, str]]:
    """The comparison tests left out because their library is not installed, each with its reason."""
    out = []
    for package, what in PACKAGES.items():
        if importlib.util.find_spec(package) is None:
            names = ", ".join(t.name for t in EXTERNAL_TESTS.values() if t.package == package)
            out.append({"test": package, "description": f"{what} ({names})", "reason": f"{package} is not installed"})
    return out


# -- timing --------------------------------------------------------------------------------------


def _timings(sizes: tuple[int, ...] = (100, 1000, 10_000, 100_000, 1_000_000), calls: int = 5) -> list[str]:
    """The seconds-per-call table of the module docstring."""
    from statistics import median
    from time import perf_counter

    probs = np.array([0.40, 0.25, 0.15, 0.12, 0.08])
    names = ("a", "b", "c", "d", "e")
    rows = []
    for test in EXTERNAL_TESTS.values():
        if not available(test):
            continue
        for kind in ("numeric", "categorical"):
            if (test.numeric if kind == "numeric" else test.categorical) is None:
                continue
            cells = []
            for n in sizes:
                rng = np.random.default_rng(n)
                seconds = []
                for i in range(calls + 1):
                    t0 = perf_counter()
                    if kind == "numeric":
                        assert test.numeric is not None
                        x, y = rng.standard_normal(n), rng.standard_normal(n)
                        t0 = perf_counter()
                        test.numeric(x, y, 0.05)
                    else:
                        assert test.categorical is not None
                        a, b = rng.multinomial(n, probs), rng.multinomial(n, probs)
                        t0 = perf_counter()
                        test.categorical(a, b, names)
                    if i:  # the first call is a warm-up
                        seconds.append(perf_counter() - t0)
                cells.append(f"{median(seconds):<9.3g}")
            rows.append(f"{test.name:<29} {kind:<12} " + " ".join(cells).rstrip())
    return rows


if __name__ == "__main__":
    print("\n".join(_timings()))
