"""The harness itself: scenarios, the user's reference data, the report files and the CLI."""

from __future__ import annotations

import base64
import csv
import importlib.util
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import driftline
from driftline.benchdrift import SCENARIOS, TESTS, Reference, bench_drift
from driftline.benchdrift.scenarios import categorical_probs, numeric_samples
from driftline.cli import main
from driftline.errors import InvalidInputError

COLUMNS = ["test", "scenario", "effect", "n", "reps", "rejections", "rate", "ci_low", "ci_high", "seconds_per_test"]


def test_battery_and_scenarios_are_the_issue_s() -> None:
    assert len(TESTS) == 10
    assert set(SCENARIOS) == {"no_drift", "mean_shift", "scale_change", "tail_change", "mixture_component",
                              "category_frequency_shift", "new_category", "gradual_drift"}
    assert driftline.bench_drift is bench_drift


def test_scenarios_have_their_effect_in_natural_units() -> None:
    rng = np.random.default_rng(0)
    ref = Reference()
    x, y = numeric_samples("mean_shift", 0.5, 20000, 2, rng, ref)
    assert x.shape == y.shape == (2, 20000)
    assert float(y.mean() - x.mean()) == pytest.approx(0.5, abs=0.03)
    _, y = numeric_samples("scale_change", 0.25, 20000, 2, rng, ref)
    assert float(y.std()) == pytest.approx(1.25, abs=0.03)
    _, y = numeric_samples("gradual_drift", 1.0, 20000, 2, rng, ref)
    assert float(y[:, -2000:].mean()) == pytest.approx(0.95, abs=0.06)
    _, y = numeric_samples("mixture_component", 0.1, 20000, 2, rng, ref)
    assert float(y.mean()) == pytest.approx(0.3, abs=0.04)
    p, q = categorical_probs("category_frequency_shift", 0.05, ref)
    assert float(np.abs(p - q).sum() / 2) == pytest.approx(0.05)
    p, q = categorical_probs("new_category", 0.1, ref)
    assert p[-1] == 0 and q[-1] == pytest.approx(0.1) and q.sum() == pytest.approx(1)


def test_reference_data_is_resampled_and_perturbed(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    data = pl.DataFrame({"amount": rng.lognormal(3, 1, 5000), "country": rng.choice(["DE", "FR", "US"], 5000, p=[0.5, 0.3, 0.2])})
    path = tmp_path / "ref.csv"
    data.write_csv(path)
    ref = Reference.of(path)
    assert ref.numeric is not None and len(ref.numeric) == 5000
    assert ref.categories == ("DE", "FR", "US")
    x, y = numeric_samples("no_drift", 0.0, 1000, 3, np.random.default_rng(2), ref)
    assert set(np.unique(x)) <= set(ref.numeric) and set(np.unique(y)) <= set(ref.numeric)
    r = bench_drift(tests=["ks", "chi2"], scenarios=["no_drift", "mean_shift", "new_category"], effects=[0.2],
                    sizes=[500], reps=20, reference=path, seed=1)
    assert r.reference == str(path)
    assert r.row("ks", "mean_shift", 0.2, 500).rate > 0.5
    assert r.row("chi2", "new_category", 0.2, 500).rate == 1.0
    # numeric only: the categorical scenarios are skipped with a reason
    only = bench_drift(tests=["chi2"], scenarios=["new_category"], sizes=[100], reps=5, reference=data["amount"].to_numpy())
    assert only.rows == [] and any("no categorical column" in s["reason"] for s in only.skipped)
    with pytest.raises(InvalidInputError, match="no column"):
        Reference.of(data, column="missing")


def test_unknown_names_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="unknown test"):
        bench_drift(tests=["ks", "nope"])
    with pytest.raises(InvalidInputError, match="unknown scenario"):
        bench_drift(scenarios=["nope"])
    with pytest.raises(InvalidInputError, match="sizes"):
        bench_drift(sizes=[1])


def test_other_libraries_run_when_installed_and_are_skipped_with_a_reason_when_not() -> None:
    """By default Evidently's and NannyML's default tests join the battery when their library is
    installed (on the first external_reps pairs, up to external_max_n values); otherwise the
    run says which library is missing. Naming one that is missing is an error naming it."""
    r = bench_drift(scenarios=["no_drift"], sizes=[50, 400], reps=6, external_reps=4, external_max_n=100)
    skipped = {s["test"]: s["reason"] for s in r.skipped}
    for lib in ("evidently", "nannyml"):
        if importlib.util.find_spec(lib) is None:
            assert skipped[lib] == f"{lib} is not installed"
            assert not [row for row in r.rows if row.test == lib]
            with pytest.raises(InvalidInputError, match=f"calls {lib}, which is not installed"):
                bench_drift(tests=[lib], scenarios=["no_drift"], sizes=[50], reps=2)
        else:
            ran = [row for row in r.rows if row.test == lib]
            assert {(row.kind, row.n, row.reps) for row in ran} == {("numeric", 50, 4), ("categorical", 50, 4)}
            assert "n = 400" in next(s["description"] for s in r.skipped if s["test"] == lib)
            assert lib in r.tests


def test_report_files(tmp_path: Path) -> None:
    r = bench_drift(tests=["ks", "psi_0.2", "chi2"], scenarios=["no_drift", "mean_shift", "new_category"], effects=[0.1, 0.3],
                    sizes=[100, 300], reps=20, seed=2, out=tmp_path)
    with open(tmp_path / "results.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[:10] == COLUMNS
    assert len(rows) == len(r.rows)
    doc = json.loads((tmp_path / "results.json").read_text())
    assert doc["interval"] == "clopper-pearson" and doc["confidence"] == 0.95
    assert [list(x)[:10] for x in doc["results"]] == [COLUMNS] * len(rows)
    for name in ("false_positive_rate", "power_mean_shift", "power_new_category"):
        assert (tmp_path / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (tmp_path / "report.html").read_text()
    assert page.count('src="data:image/png;base64,') == 3
    assert "http://" not in page and "https://" not in page
    first = page.split('src="data:image/png;base64,')[1].split('"')[0]
    assert base64.b64decode(first)[:4] == b"\x89PNG"
    frame = r.to_polars()
    assert frame.columns[:10] == COLUMNS and frame.height == len(rows)


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "bench"
    code = main(["bench-drift", "--tests", "ks,chi2", "--scenarios", "no_drift,mean_shift", "--effects", "0.5",
                 "--sizes", "100,200", "--reps", "10", "--seed", "7", "--no-timing", "--quiet", "--out", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    assert "false-positive rate under no drift" in text
    if importlib.util.find_spec("evidently") is None:
        assert "evidently is not installed" in text
    lines = (out / "results.csv").read_text().splitlines()
    assert len(lines) == 1 + 2 * 2 + 2  # ks and chi2 under no drift, ks under mean_shift, at two sizes
    assert main(["bench-drift", "--tests", "nope", "--out", str(out)]) == 2
    assert main(["bench-drift", "--tests", "ks", "--scenarios", "no_drift", "--sizes", "50", "--reps", "4", "--external-reps", "3",
                 "--external-max-n", "60", "--quiet", "--out", str(out)]) == 0
    meta = json.loads((out / "results.json").read_text())
    assert (meta["external_reps"], meta["external_max_n"]) == (3, 60)
    with pytest.raises(SystemExit):
        main(["bench-drift", "--external-reps", "0", "--out", str(out)])
