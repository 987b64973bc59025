"""The adapters of other libraries' drift tests (Evidently, NannyML): the module without them, and,
where installed, each adapter on identical samples, a big shift, a new category, and Evidently's
method switch at 1000 rows checked against a full Evidently report."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import warnings
from typing import Any

import numpy as np
import pytest

from driftline.benchdrift import external
from driftline.benchdrift.external import EXTERNAL_TESTS, ExternalTest, ExternalTestError, available, external_tests_skipped

NAMES = ("a", "b", "c", "d", "e", "new")
PROBS = np.array([0.40, 0.25, 0.15, 0.12, 0.08, 0.0])


def _require(library: str) -> None:
    """Skip without the library, except where CI installs it (``CI_REQUIRE_COMPARE=1``, set by
    ``.ci/run``'s comparison step): there a missing library fails the test."""
    if importlib.util.find_spec(library) is None and os.environ.get("CI_REQUIRE_COMPARE") == "1":
        pytest.fail(f"CI_REQUIRE_COMPARE=1 but {library} is not installed")
    pytest.importorskip(library)


def _with_new_category(share: float) -> Any:
    q = PROBS * (1 - share)
    q[-1] = share
    return q


def _tests(package: str) -> list[ExternalTest]:
    return [t for t in EXTERNAL_TESTS.values() if t.package == package]


_FIND_SPEC = importlib.util.find_spec


def _hide(monkeypatch: pytest.MonkeyPatch, *packages: str) -> None:
    def find_spec(name: str, package: str | None = None) -> Any:
        return None if name.split(".")[0] in packages else _FIND_SPEC(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


# -- without the libraries -----------------------------------------------------------------------


def test_the_module_imports_without_the_libraries(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("evidently", "nannyml", "pandas"):  # importing any of these at module level would fail
        monkeypatch.setitem(sys.modules, name, None)
    spec = importlib.util.spec_from_file_location("external_copy", external.__file__)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "external_copy", module)
    spec.loader.exec_module(module)  # a fresh copy, the imported module left alone
    assert {t.package for t in module.EXTERNAL_TESTS.values()} == {"evidently", "nannyml"}
    assert set(module.EXTERNAL_TESTS) == set(EXTERNAL_TESTS)


def test_missing_packages_are_skipped_with_their_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    _hide(monkeypatch, "evidently", "nannyml")
    assert EXTERNAL_TESTS and not any(available(t) for t in EXTERNAL_TESTS.values())
    skipped = external_tests_skipped()
    assert [s["test"] for s in skipped] == ["evidently", "nannyml"]
    for s in skipped:
        assert s["reason"] == f"{s['test']} is not installed"
        assert all(t.name in s["description"] for t in _tests(s["test"]))
    _hide(monkeypatch, "nannyml")
    evidently = _FIND_SPEC("evidently") is not None
    assert [s["test"] for s in external_tests_skipped()] == ([] if evidently else ["evidently"]) + ["nannyml"]
    assert all(available(t) == (evidently and t.package == "evidently") for t in EXTERNAL_TESTS.values())


def test_skipped_lists_exactly_the_packages_not_installed() -> None:
    missing = [p for p in ("evidently", "nannyml") if importlib.util.find_spec(p) is None]
    assert [s["test"] for s in external_tests_skipped()] == missing


def test_every_test_has_a_kind_and_describes_its_threshold() -> None:
    assert set(EXTERNAL_TESTS) == {"evidently", "nannyml", "nannyml_kolmogorov_smirnov", "nannyml_wasserstein",
                                   "nannyml_hellinger", "nannyml_chi2", "nannyml_l_infinity"}
    for t in EXTERNAL_TESTS.values():
        assert t.numeric is not None or t.categorical is not None
        assert t.package in ("evidently", "nannyml") and t.description
    assert "0.05" in EXTERNAL_TESTS["evidently"].description and "1000" in EXTERNAL_TESTS["evidently"].description
    assert "3 sd" in EXTERNAL_TESTS["nannyml"].description


# -- with the libraries --------------------------------------------------------------------------


def _check_decisions(test: ExternalTest, n: int) -> None:
    rng = np.random.default_rng(n)
    if test.numeric is not None:
        x = rng.standard_normal(n)
        assert not test.numeric(x, x.copy(), 0.05), (test.name, n, "identical")
        assert test.numeric(x, rng.standard_normal(n) + 1.0, 0.05), (test.name, n, "mean + 1 sd")
    if test.categorical is not None:
        a = rng.multinomial(n, PROBS)
        assert not test.categorical(a, a.copy(), NAMES), (test.name, n, "identical")
        assert test.categorical(a, rng.multinomial(n, _with_new_category(0.3)), NAMES), (test.name, n, "new 30%")


@pytest.mark.parametrize("n", [500, 2000])
def test_evidently_identical_no_drift_big_shift_and_new_category_drift(n: int) -> None:
    _require("evidently")
    _check_decisions(EXTERNAL_TESTS["evidently"], n)


@pytest.mark.parametrize("name", [t.name for t in _tests("nannyml")])
def test_nannyml_identical_no_drift_big_shift_and_new_category_drift(name: str) -> None:
    _require("nannyml")
    _check_decisions(EXTERNAL_TESTS[name], 2000)


def _evidently_report(reference: Any, current: Any, categorical: bool) -> tuple[str, bool]:
    """The method and decision of a full Evidently report with ValueDrift (as DataDriftPreset runs it)."""
    pd = importlib.import_module("pandas")
    evidently, metrics = importlib.import_module("evidently"), importlib.import_module("evidently.metrics")
    DataDefinition, Dataset, Report = evidently.DataDefinition, evidently.Dataset, evidently.Report
    ValueDrift = metrics.ValueDrift

    definition = DataDefinition(categorical_columns=["x"]) if categorical else DataDefinition(numerical_columns=["x"])

    def data(values: Any) -> Any:
        return Dataset.from_pandas(pd.DataFrame({"x": values}), data_definition=definition)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        snapshot = Report([ValueDrift(column="x")], include_tests=True).run(data(current), data(reference)).dict()
    (metric,) = snapshot["metrics"]
    (test,) = snapshot["tests"]
    return metric["config"]["method"], test["status"] == "FAIL"


@pytest.mark.parametrize("categorical", [False, True])
def test_evidently_switches_method_at_1000_rows_as_evidently_reports(categorical: bool) -> None:
    _require("evidently")
    test = EXTERNAL_TESTS["evidently"]
    rng = np.random.default_rng(7)
    want = {1000: "chi-square p_value", 1001: "Jensen-Shannon distance"} if categorical else \
        {1000: "K-S p_value", 1001: "Wasserstein distance (normed)"}
    decisions = set()
    for n in (1000, 1001):
        for effect in (0.0, 0.05, 0.1, 0.2, 0.5):
            if categorical:
                a, b = rng.multinomial(n, PROBS), rng.multinomial(n, _with_new_category(effect))
                ref, cur = external._labels(a, NAMES), external._labels(b, NAMES)
                assert test.categorical is not None
                got = test.categorical(a, b, NAMES)
            else:
                x, y = rng.standard_normal(n), rng.standard_normal(n) + effect
                ref, cur = external._column(x), external._column(y)
                assert test.numeric is not None
                got = test.numeric(x, y, 0.05)
            method, drifted = _evidently_report(ref, cur, categorical)
            assert method == want[n] == external.evidently_stattest(ref, cur, categorical).display_name
            assert got == drifted, (n, effect, method)
            decisions.add(got)
    assert decisions == {False, True}


def test_errors_propagate_naming_the_test() -> None:
    _require("nannyml")
    _require("evidently")
    x = np.random.default_rng(0).standard_normal(100)
    for t in EXTERNAL_TESTS.values():
        if t.numeric is not None:
            for bad in (np.array([]), np.full(100, np.nan)):
                with pytest.raises(ExternalTestError, match=f"{t.name}.*finite and not empty"):
                    t.numeric(x, bad, 0.05)
        if t.categorical is not None:
            with pytest.raises(ExternalTestError, match=t.name):  # an empty window: the library's own error
                t.categorical(np.array([5, 5, 0, 0, 0, 0]), np.zeros(6, dtype=np.int64), NAMES)
    with pytest.raises(ExternalTestError, match="nannyml.*chunk"):  # NannyML's thresholds need 10 reference chunks
        EXTERNAL_TESTS["nannyml"].numeric(x[:5], x, 0.05)  # type: ignore[misc]


def test_an_error_nannyml_logs_and_swallows_is_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    _require("nannyml")
    LInfinityDistance = importlib.import_module("nannyml.drift.univariate.methods").LInfinityDistance

    def fail(self: Any, data: Any) -> float:
        raise RuntimeError("boom")

    # the window's value: NannyML logs the error and reports NaN, no alert
    monkeypatch.setattr(LInfinityDistance, "calculate", fail)
    t = EXTERNAL_TESTS["nannyml_l_infinity"]
    assert t.categorical is not None
    a = np.random.default_rng(0).multinomial(1000, PROBS)
    with pytest.raises(ExternalTestError, match="nannyml_l_infinity.*boom"):
        t.categorical(a, a.copy(), NAMES)


def test_the_libraries_stay_quiet(capsys: pytest.CaptureFixture[str], recwarn: pytest.WarningsRecorder) -> None:
    _require("nannyml")
    _require("evidently")
    usage = os.environ.get("NML_DISABLE_USAGE_LOGGING")
    _check_decisions(EXTERNAL_TESTS["nannyml"], 300)
    _check_decisions(EXTERNAL_TESTS["evidently"], 300)
    assert os.environ.get("NML_DISABLE_USAGE_LOGGING") == usage  # NannyML's usage logging off during calls only
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    assert len(recwarn) == 0
