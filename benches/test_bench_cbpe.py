"""driftline's CBPE beside NannyML's on the same simulated windows (results: BENCHMARKS.md, "CBPE beside NannyML").

Data (as tests/mq/test_cbpe.py): x ~ N(mu_w, 1) with mu_w from -0.5 to 2.0 over 20 windows of
2000 rows, P(y=1|x) = sigmoid(2x) fixed (covariate shift, no concept drift), the model's score
sigmoid(2x + N(0, 0.3²)), prediction score >= 0.5; the reference holds 50 000 labelled rows at
mu = 0. Both tools get the same reference and the same windows (NannyML: chunk_size=2000).

Needs NannyML (skipped otherwise). Run in a venv with nannyml==0.13.1 and driftline's wheel:
``python -m pytest benches/test_bench_cbpe.py -s -p no:cacheprovider --benchmark-enable
--benchmark-group-by=group --benchmark-columns=min,median,rounds``; ``-s`` shows the table.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

import numpy as np
import pytest
import sklearn.metrics as sk

from driftline.estimate import CBPE

nml = pytest.importorskip("nannyml")
pd = pytest.importorskip("pandas")

METRICS = ("accuracy", "f1", "roc_auc")
N_WINDOWS, WINDOW, N_REFERENCE = 20, 2000, 50_000


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


@functools.lru_cache(maxsize=4)
def _data(seed: int = 2024, n_reference: int = N_REFERENCE) -> tuple[Any, list[Any]]:
    rng = np.random.default_rng(seed)

    def window(mu: float, n: int) -> tuple[np.ndarray, np.ndarray]:
        x = rng.normal(mu, 1.0, n)
        y = rng.random(n) < _sigmoid(2 * x)
        return y, _sigmoid(2 * x + rng.normal(0.0, 0.3, n))

    reference = window(0.0, n_reference)
    return reference, [window(float(mu), WINDOW) for mu in np.linspace(-0.5, 2.0, N_WINDOWS)]


def _frame(y: np.ndarray, s: np.ndarray) -> Any:
    return pd.DataFrame({"y_true": y.astype(int), "y_pred_proba": s, "y_pred": (s >= 0.5).astype(int)})


def _driftline(reference: Any, windows: list[Any]) -> list[dict[str, Any]]:
    cbpe = CBPE(threshold=0.5).fit(*reference)
    return [cbpe.estimate(s) for _, s in windows]


def _nannyml(reference: Any, windows: list[Any]) -> Any:
    est = nml.CBPE(
        problem_type="classification_binary",
        y_pred_proba="y_pred_proba",
        y_pred="y_pred",
        y_true="y_true",
        metrics=list(METRICS),
        chunk_size=WINDOW,
    )
    est.fit(_frame(*reference))
    analysis = pd.concat([_frame(y, s) for y, s in windows], ignore_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.estimate(analysis).filter(period="analysis").to_df()


def _realised(windows: list[Any]) -> dict[str, np.ndarray]:
    return {
        "accuracy": np.array([sk.accuracy_score(y, s >= 0.5) for y, s in windows]),
        "f1": np.array([sk.f1_score(y, s >= 0.5) for y, s in windows]),
        "roc_auc": np.array([sk.roc_auc_score(y, s) for y, s in windows]),
    }


def compare(seed: int = 2024, n_reference: int = N_REFERENCE) -> dict[str, dict[str, float]]:
    """Per metric: mean |driftline - NannyML| of the estimates, each tool's mean |estimate -
    realised|, and the share of windows whose realised value lies in each tool's band (driftline:
    95 % simulation interval; NannyML: its confidence band, value ± 3 sampling errors)."""
    reference, windows = _data(seed, n_reference)
    ours, theirs, real = _driftline(reference, windows), _nannyml(reference, windows), _realised(windows)
    assert len(theirs) == N_WINDOWS
    out: dict[str, dict[str, float]] = {}
    for m in METRICS:
        d_val = np.array([r[m].value for r in ours])
        d_lo, d_hi = np.array([r[m].lower for r in ours]), np.array([r[m].upper for r in ours])
        n_val = theirs[(m, "value")].to_numpy()
        n_lo = theirs[(m, "lower_confidence_boundary")].to_numpy(dtype=float)
        n_hi = theirs[(m, "upper_confidence_boundary")].to_numpy(dtype=float)
        out[m] = {
            "mean_abs_diff": float(np.mean(np.abs(d_val - n_val))),
            "driftline_mae": float(np.mean(np.abs(d_val - real[m]))),
            "nannyml_mae": float(np.mean(np.abs(n_val - real[m]))),
            "driftline_coverage": float(np.mean((d_lo <= real[m]) & (real[m] <= d_hi))),
            "nannyml_coverage": float(np.mean((n_lo <= real[m]) & (real[m] <= n_hi))),
            "driftline_halfwidth": float(np.mean(d_hi - d_lo) / 2),
            "nannyml_halfwidth": float(np.mean(n_hi - n_lo) / 2),
        }
    return out


@pytest.mark.parametrize("n_reference", [N_REFERENCE, 2000])
def test_estimates_beside_nannyml(n_reference: int) -> None:
    table = compare(n_reference=n_reference)
    print(f"\nreference rows: {n_reference}")
    for m, row in table.items():
        print(m, " ".join(f"{k}={v:.2e}" for k, v in row.items()))
    for m, row in table.items():
        # Same calibration (isotonic on the same reference) and the same expected-confusion
        # formulas: the two tools' point estimates agree closely; both track the realised metric.
        assert row["mean_abs_diff"] < 0.01, m
        assert row["driftline_mae"] < 0.03 and row["nannyml_mae"] < 0.03, m


@pytest.mark.benchmark(group="cbpe-fit+estimate-20x2000")
@pytest.mark.parametrize("impl", ["driftline", "nannyml"])
def test_speed(benchmark: Any, impl: str) -> None:
    reference, windows = _data()
    run = _driftline if impl == "driftline" else _nannyml
    result = benchmark.pedantic(run, args=(reference, windows), rounds=5, iterations=1)
    assert len(result) == N_WINDOWS
