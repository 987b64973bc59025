"""DLE (driftline.estimate.DLE): direct loss estimation of a regression model's MAE, MSE and RMSE.

References and tolerances:
- on its own reference the estimated MAE and MSE equal the realised ones to 1e-9 relative. The
  ridge intercept is ``ȳ − x̄ᵀβ``, so the fitted losses average to the realised mean loss whatever
  the rounding of ``β``; what is left is the rounding of the means and of the design (measured:
  at most 5.6e-15 relative over the cases of the test without clipping). A fitted loss clipped at
  0 raises the estimate by exactly the clipped mass, which the test checks too.
- the standard deviations against the exact sampling spread given the true loss function
  (``Var|e| = σ²(1 − 2/π)``, ``Var e² = 2σ⁴`` for normal errors) and against 1000 redraws of the
  errors: 10 %.
- realised metrics: scikit-learn's ``mean_absolute_error`` / ``mean_squared_error``.
- coverage: counts over windows, thresholds stated per test.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import pytest
import sklearn.metrics as sk
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from driftline._outputs import write_json
from driftline.errors import EmptyInputError, InvalidArgumentError, InvalidInputError
from driftline.estimate import DLE, Estimate

F64 = npt.NDArray[np.float64]


def _sigma(x: F64) -> F64:
    """Noise sd of the simulation: heteroscedastic, 0.1 + 0.4 |x|."""
    return 0.1 + 0.4 * np.abs(x)


def _window(rng: np.random.Generator, mu: float, n: int, noise: float = 1.0, biased: bool = False) -> pl.DataFrame:
    """x ~ N(mu, 1); y = sin(x) + N(0, (noise · σ(x))²); the model predicts sin(x), or the slightly
    biased 0.9 sin(x) + 0.05."""
    x = rng.normal(mu, 1.0, n)
    y = np.sin(x) + rng.standard_normal(n) * _sigma(x) * noise
    pred = 0.9 * np.sin(x) + 0.05 if biased else np.sin(x)
    return pl.DataFrame({"x": x, "y": y, "pred": pred})


def _realised(frame: pl.DataFrame) -> dict[str, float]:
    y, p = frame["y"].to_numpy(), frame["pred"].to_numpy()
    mse = sk.mean_squared_error(y, p)
    return {"mae": sk.mean_absolute_error(y, p), "mse": mse, "rmse": math.sqrt(mse)}


def _inside(e: Estimate, value: float) -> bool:
    return e.lower <= value <= e.upper


def _raw_losses(dle: DLE, frame: pl.DataFrame) -> dict[str, F64]:
    """The loss models' predictions before clipping at 0 (to check that no clipping happened)."""
    model = dle._model
    assert model is not None
    x = dle._design(frame, frame["pred"].to_numpy(), model)
    return {k: model[k]["intercept"] + x @ np.asarray(model[k]["coef"]) for k in ("abs", "sq")}


# --- exactness on the reference, the spread ------------------------------------------------------


@pytest.mark.parametrize("features", [(), ("x",), ("x", "group")])
@pytest.mark.parametrize("ridge", [0.0, 1e-3, 10.0])
def test_reference_estimates_equal_realised(features: tuple[str, ...], ridge: float) -> None:
    rng = np.random.default_rng(3)
    ref = _window(rng, 0.0, 20_000, biased=True)
    ref = ref.with_columns(group=pl.Series(rng.choice(["a", "b", "c"], ref.height)))
    dle = DLE(features=features, ridge=ridge).fit(ref, y_true="y", y_pred="pred")
    result, realised = dle.estimate(ref, y_pred="pred"), _realised(ref)
    # Clipping fitted losses at 0 can only raise the estimate, by exactly the clipped mass.
    assert dle._model is not None
    unit = dle._model["unit"]
    raw = _raw_losses(dle, ref)
    clipped = {"mae": unit * np.mean(np.maximum(-raw["abs"], 0.0)), "mse": unit**2 * np.mean(np.maximum(-raw["sq"], 0.0))}
    for name in ("mae", "mse"):
        assert result[name].value == pytest.approx(realised[name] + clipped[name], rel=1e-9, abs=0), name
        if clipped[name] == 0.0:  # the identity itself (ridge=0 with x clips a few rows of the MSE model)
            assert result[name].value == pytest.approx(realised[name], rel=1e-9, abs=0), name
    # Measured: only the unpenalised fits with x clip (a few rows of the MSE model, +9e-5 here).
    assert clipped["mae"] == 0.0 and (clipped["mse"] == 0.0 or (ridge == 0.0 and "x" in features))
    for name in DLE.METRICS:
        assert _inside(result[name], realised[name])
    assert set(result) == set(DLE.METRICS)


def test_spread_matches_the_sampling_of_errors() -> None:
    """With the loss function right, ``std`` is the spread of the realised metric over redraws of
    the errors for fixed inputs (1000 redraws), and matches the exact normal-error formula."""
    rng = np.random.default_rng(1)
    dle = DLE(features=["x"]).fit(_window(rng, 0.0, 20_000), y_true="y", y_pred="pred")
    x = rng.normal(0.5, 1.0, 2000)
    result = dle.estimate(pl.DataFrame({"x": x, "pred": np.sin(x)}), y_pred="pred")
    s = _sigma(x)
    errors = rng.standard_normal((1000, x.size)) * s
    simulated = {"mae": np.abs(errors).mean(axis=1), "mse": np.square(errors).mean(axis=1)}
    simulated["rmse"] = np.sqrt(simulated["mse"])
    exact = {"mae": np.sqrt(np.sum(s**2 * (1 - 2 / np.pi))) / x.size, "mse": np.sqrt(np.sum(2 * s**4)) / x.size}
    for name in DLE.METRICS:
        assert result[name].std == pytest.approx(np.std(simulated[name], ddof=1), rel=0.1), name
        if name in exact:
            assert result[name].std == pytest.approx(exact[name], rel=0.1), name
    e = result["rmse"]  # delta method, normal interval
    assert e.std == pytest.approx(result["mse"].std / (2 * e.value), rel=1e-12)
    assert (e.lower, e.upper) == pytest.approx((e.value - 1.959963984540054 * e.std, e.value + 1.959963984540054 * e.std))


# --- validation under covariate shift, and the negative control ----------------------------------

N_WINDOWS, WINDOW, N_REFERENCE = 20, 2000, 20_000
# Before version 2 the intervals covered the sampling of the window's errors only, not the error of
# the loss models fitted on a finite reference, which every window shares. Measured then (version 1)
# with this simulation over seeds 0-11
# (scratch script, not in the repository), windows of 20 covered: sin(x) model MAE
# 19 17 19 20 19 18 14 18 17 14 17 20, RMSE 19 17 19 20 20 17 14 18 16 9 14 19; biased model MAE
# 18 17 19 20 19 19 14 19 17 14 18 18, RMSE 20 16 19 20 20 17 14 18 16 9 14 18; correlation of
# the estimated and realised MAE 0.988-0.998. So the 80 % threshold holds for 9-10 of 12
# references of 20 000 rows; seed 2024 (CBPE's, chosen before looking) is one of them.
SEED = 2024


def test_windows_larger_than_the_reference_are_covered() -> None:
    """The loss model's own error is in the interval: with a 5,000-row reference and windows of
    20,000 rows, sampling-only intervals covered 36 % (MAE) and 39 % (RMSE) of 280 windows; with
    the model's error 98 % and 94 % (40 references x 7 shifts, measured once). Here 6 references
    x 7 shifts: at least 80 % each (without the model error this fails); the version-1 document
    (no model error) gives narrower intervals around the same value."""
    hits, total = {"mae": 0, "rmse": 0}, 0
    for seed in range(6):
        rng = np.random.default_rng(seed)
        dle = DLE(features=["x"]).fit(_window(rng, 0.0, 5000), y_true="y", y_pred="pred")
        doc = dle.to_json()
        doc["version"] = 1
        for key in ("abs", "sq"):
            del doc["model"][key]["model_error"]
        sampling_only = DLE.from_json(doc)
        for mu in np.linspace(-1.5, 1.5, 7):
            frame = _window(rng, float(mu), 20_000)
            result, narrow, realised = dle.estimate(frame.drop("y"), y_pred="pred"), sampling_only.estimate(frame.drop("y"), y_pred="pred"), _realised(frame)
            for name in hits:
                hits[name] += _inside(result[name], realised[name])
                assert narrow[name].value == result[name].value
                assert narrow[name].upper - narrow[name].lower < result[name].upper - result[name].lower
            total += 1
    assert all(h >= 0.8 * total for h in hits.values()), (hits, total)


@pytest.mark.parametrize("biased", [False, True])
def test_covariate_shift_without_concept_drift(biased: bool) -> None:
    """The acceptance test: x shifts from N(-1.5, 1) to N(1.5, 1), P(y | x) fixed; the intervals
    cover the realised MAE and RMSE in at least 80 % of the windows, the realised MAE moves and
    the estimate follows it."""
    rng = np.random.default_rng(SEED)
    dle = DLE(features=["x"]).fit(_window(rng, 0.0, N_REFERENCE, biased=biased), y_true="y", y_pred="pred")
    hits = {"mae": 0, "rmse": 0}
    realised_mae, estimated_mae = [], []
    for mu in np.linspace(-1.5, 1.5, N_WINDOWS):
        frame = _window(rng, float(mu), WINDOW, biased=biased)
        result, realised = dle.estimate(frame.drop("y"), y_pred="pred"), _realised(frame)
        for name in hits:
            hits[name] += _inside(result[name], realised[name])
        realised_mae.append(realised["mae"])
        estimated_mae.append(result["mae"].value)
    print(f"coverage of {N_WINDOWS} windows (biased={biased}): {hits}")
    assert all(h >= 0.8 * N_WINDOWS for h in hits.values()), hits
    assert np.ptp(realised_mae) > 0.1
    assert np.corrcoef(realised_mae, estimated_mae)[0, 1] > 0.9


def test_concept_drift_is_not_covered() -> None:
    """Negative control: the noise sd doubles in the second half of the windows, independently of
    x; the realised MAE leaves the interval in most of those windows."""
    rng = np.random.default_rng(SEED)
    dle = DLE(features=["x"]).fit(_window(rng, 0.0, N_REFERENCE), y_true="y", y_pred="pred")
    outside = 0
    for w, mu in enumerate(np.linspace(-1.5, 1.5, N_WINDOWS)):
        drifted = w >= N_WINDOWS // 2
        frame = _window(rng, float(mu), WINDOW, noise=2.0 if drifted else 1.0)
        if drifted:
            outside += not _inside(dle.estimate(frame, y_pred="pred")["mae"], _realised(frame)["mae"])
    assert outside >= 0.8 * (N_WINDOWS - N_WINDOWS // 2)


# --- categorical features ------------------------------------------------------------------------

LEVELS = {"café": 0.1, "東京": 0.3, "naïve ✓": 0.6, "🚀": 1.2}  # level -> noise sd


def _levels_window(rng: np.random.Generator, n: int, weights: list[float]) -> pl.DataFrame:
    names = list(LEVELS)
    level = rng.choice(names, n, p=np.asarray(weights) / sum(weights))
    sd = np.select([level == v for v in names], [LEVELS[v] for v in names])
    x = rng.normal(0.0, 1.0, n)
    return pl.DataFrame({"level": level, "x": x, "pred": np.sin(x), "y": np.sin(x) + rng.standard_normal(n) * sd})


def test_categorical_feature_explains_the_loss() -> None:
    """Noise depends on a unicode string level; the mix of levels shifts. With the level as a
    feature the estimate is close to the realised MAE and covers it; from the prediction alone
    it cannot see the shift."""
    rng = np.random.default_rng(7)
    ref = _levels_window(rng, 20_000, [1, 1, 1, 1])
    with_level = DLE(features=["level"]).fit(ref, y_true="y", y_pred="pred")
    prediction_only = DLE().fit(ref, y_true="y", y_pred="pred")
    errors: dict[str, list[float]] = {"level": [], "prediction": []}
    hits = 0
    mixes = [[w, 1, 1, 1] for w in (0.1, 0.3, 1, 3, 10)] + [[1, 1, 1, w] for w in (0.1, 0.3, 3, 10, 30)]
    for weights in mixes:
        frame = _levels_window(rng, 2000, weights)
        realised = _realised(frame)["mae"]
        e = with_level.estimate(frame, y_pred="pred")["mae"]
        hits += _inside(e, realised)
        errors["level"].append(abs(e.value - realised))
        errors["prediction"].append(abs(prediction_only.estimate(frame, y_pred="pred")["mae"].value - realised))
    assert hits >= 8, hits
    assert np.mean(errors["level"]) < 0.25 * np.mean(errors["prediction"]), errors
    # The same as a Categorical column; an unseen level and a null go to "other" without error.
    as_cat = frame.with_columns(pl.col("level").cast(pl.Categorical))
    assert with_level.estimate(as_cat, y_pred="pred") == with_level.estimate(frame, y_pred="pred")
    odd = frame.head(3).with_columns(level=pl.Series(["Zürich", None, "café"]))
    assert all(math.isfinite(v.value) for v in with_level.estimate(odd, y_pred="pred").values())


def test_string_feature_keeps_the_20_most_frequent_levels() -> None:
    # 19 levels of 100-i rows, then "zz" and "aa" tied at 50 rows for the 20th place (ties by
    # value: "aa" is kept), then 9 levels of 10 rows.
    counts = {f"l{i:02d}": 100 - i for i in range(19)} | {"zz": 50, "aa": 50} | {f"m{i}": 10 for i in range(9)}
    level = np.repeat(list(counts), list(counts.values()))
    rng = np.random.default_rng(2)
    frame = pl.DataFrame({"g": rng.permutation(level), "pred": np.zeros(level.size), "y": rng.standard_normal(level.size)})
    doc = DLE(features=["g"], knots=2).fit(frame, y_true="y", y_pred="pred").to_json()
    assert doc["model"]["features"][0]["levels"] == [f"l{i:02d}" for i in range(19)] + ["aa"]


# --- persistence, determinism, inputs ------------------------------------------------------------


def _fitted(seed: int = 5) -> tuple[DLE, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    ref = _window(rng, 0.0, 4000).with_columns(level=pl.Series(rng.choice(list(LEVELS), 4000)))
    dle = DLE(features=["x", "level"], knots=6, ridge=0.01, seed=3).fit(ref, y_true="y", y_pred="pred")
    window = _window(rng, 1.0, 1500).with_columns(level=pl.Series(rng.choice(list(LEVELS), 1500)))
    return dle, window


def test_json_round_trip_and_determinism(tmp_path: Path) -> None:
    dle, window = _fitted()
    doc = dle.to_json()
    text = json.dumps(doc, sort_keys=True, allow_nan=False)
    assert text == json.dumps(_fitted()[0].to_json(), sort_keys=True, allow_nan=False)  # same bytes
    write_json(tmp_path / "dle.json", doc)
    write_json(tmp_path / "again.json", _fitted()[0].to_json())
    assert (tmp_path / "dle.json").read_bytes() == (tmp_path / "again.json").read_bytes()
    restored = DLE.from_json(json.loads((tmp_path / "dle.json").read_text(encoding="utf-8")))
    assert restored.fitted and restored.features == ("x", "level") and restored.knots == 6
    assert restored.ridge == 0.01 and restored.seed == 3
    first = dle.estimate(window, y_pred="pred")
    assert restored.estimate(window, y_pred="pred") == first
    assert dle.estimate(window, y_pred="pred") == first
    assert restored.to_json() == doc


def test_text_columns_that_hold_numbers() -> None:
    dle, window = _fitted()
    rng = np.random.default_rng(5)
    ref = _window(rng, 0.0, 4000).with_columns(level=pl.Series(rng.choice(list(LEVELS), 4000)))
    as_text = ref.with_columns(pl.col("y").cast(pl.String), pl.col("pred").cast(pl.String))
    again = DLE(features=["x", "level"], knots=6, ridge=0.01, seed=3).fit(as_text, y_true="y", y_pred="pred")
    assert again.to_json() == dle.to_json()
    text_window = window.with_columns(pl.col("pred").cast(pl.String), pl.col("x").cast(pl.String))
    assert dle.estimate(text_window, y_pred="pred") == dle.estimate(window, y_pred="pred")
    # Integer columns and a boolean feature are numbers too.
    ints = pl.DataFrame({"y": [1, 2, 3, 5, 8, 13, 21, 34] * 5, "pred": [1, 2, 3, 4, 5, 6, 7, 8] * 5, "b": [True, False] * 20})
    floats = ints.cast(pl.Float64)
    from_ints = DLE(features=["b"], knots=2).fit(ints, y_true="y", y_pred="pred")
    assert from_ints.to_json() == DLE(features=["b"], knots=2).fit(floats, y_true="y", y_pred="pred").to_json()
    assert from_ints.estimate(ints, y_pred="pred") == from_ints.estimate(floats, y_pred="pred")


def test_missing_feature_values_are_imputed_and_flagged() -> None:
    """Missing x (null, NaN, inf) in the reference where the noise is large: the indicator column
    learns that, so a window with many missing x gets a larger estimate."""
    rng = np.random.default_rng(4)
    n = 20_000
    x = rng.normal(0.0, 1.0, n)
    missing = rng.random(n) < 0.2
    y = np.sin(x) + rng.standard_normal(n) * np.where(missing, 1.0, 0.1)
    xs = np.where(missing, np.nan, x)
    ref = pl.DataFrame({"x": xs, "y": y, "pred": np.sin(x)})
    dle = DLE(features=["x"]).fit(ref, y_true="y", y_pred="pred")
    clean = dle.estimate(ref.filter(~pl.Series(missing)), y_pred="pred")["mae"].value
    dirty = dle.estimate(ref.filter(pl.Series(missing)), y_pred="pred")["mae"].value
    assert clean == pytest.approx(0.1 * math.sqrt(2 / math.pi), rel=0.1)
    assert dirty == pytest.approx(1.0 * math.sqrt(2 / math.pi), rel=0.1)
    nulls = ref.head(4).with_columns(x=pl.Series([None, float("inf"), float("-inf"), float("nan")], dtype=pl.Float64))
    assert dle.estimate(nulls, y_pred="pred")["mae"].value == pytest.approx(dirty, rel=0.05)


# --- errors --------------------------------------------------------------------------------------


def test_errors_name_the_problem() -> None:
    frame = pl.DataFrame({"y": [1.0, 2.0, 3.0, 4.0] * 10, "pred": [1.1, 1.9, 3.2, 3.7] * 10, "x": [0.0, 1.0] * 20})
    with pytest.raises(InvalidArgumentError, match="not fitted"):
        DLE().estimate(frame, y_pred="pred")
    with pytest.raises(InvalidArgumentError, match="not fitted"):
        DLE().to_json()
    assert not DLE().fitted
    with pytest.raises(InvalidArgumentError, match="no column 'label'"):
        DLE().fit(frame, y_true="label", y_pred="pred")
    with pytest.raises(InvalidArgumentError, match="no column 'z'"):
        DLE(features=["z"]).fit(frame, y_true="y", y_pred="pred")
    text = frame.with_columns(pl.col("y").cast(pl.String)).with_columns(
        y=pl.when(pl.int_range(pl.len()) == 2).then(pl.lit("n/a")).otherwise(pl.col("y"))
    )
    with pytest.raises(InvalidArgumentError, match=r"'y' \(`y_true`\) must hold finite numbers, got 'n/a' at row 2"):
        DLE().fit(text, y_true="y", y_pred="pred")
    with_null = frame.with_columns(pred=pl.when(pl.int_range(pl.len()) == 5).then(None).otherwise(pl.col("pred")))
    with pytest.raises(InvalidArgumentError, match=r"'pred' \(`y_pred`\) must hold finite numbers, got None at row 5"):
        DLE().fit(with_null, y_true="y", y_pred="pred")
    with pytest.raises(InvalidArgumentError, match="must hold finite numbers, got inf at row 0"):
        DLE().fit(frame.with_columns(y=pl.lit(float("inf"))), y_true="y", y_pred="pred")
    with pytest.raises(InvalidArgumentError, match="'pred'.*must be numeric, got Polars dtype Date"):
        DLE().fit(frame.with_columns(pred=pl.lit(0).cast(pl.Date)), y_true="y", y_pred="pred")
    with pytest.raises(EmptyInputError, match="no rows"):
        DLE().fit(frame.head(0), y_true="y", y_pred="pred")
    with pytest.raises(InvalidArgumentError, match="Polars DataFrame"):
        DLE().fit(frame.to_pandas(), y_true="y", y_pred="pred")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="3 rows, fewer than the 12 design columns"):
        DLE().fit(frame.head(3), y_true="y", y_pred="pred")
    with pytest.raises(InvalidArgumentError, match="label column 'y'"):
        DLE(features=["y"]).fit(frame, y_true="y", y_pred="pred")
    with pytest.raises(InvalidArgumentError, match="overflows float64 at row 0"):
        DLE().fit(frame.with_columns(y=pl.lit(1e308), pred=pl.lit(-1e308)), y_true="y", y_pred="pred")
    with pytest.raises(InvalidArgumentError, match="squared errors overflow"):
        DLE().fit(frame.with_columns(y=pl.col("y") * 1e200), y_true="y", y_pred="pred")

    dle = DLE(features=["x"], knots=2).fit(frame, y_true="y", y_pred="pred")
    with pytest.raises(EmptyInputError, match="no rows"):
        dle.estimate(frame.head(0), y_pred="pred")
    with pytest.raises(InvalidArgumentError, match="no column 'x'"):
        dle.estimate(frame.drop("x"), y_pred="pred")
    with pytest.raises(InvalidArgumentError, match="feature 'x' must be numeric, got 'abc' at row 0"):
        dle.estimate(frame.with_columns(x=pl.lit("abc")), y_pred="pred")
    with pytest.raises(InvalidArgumentError, match="got nan at row 0"):
        dle.estimate(frame.with_columns(pred=pl.lit(float("nan"))), y_pred="pred")

    for kwargs in ({"features": "x"}, {"features": ["x", "x"]}, {"features": [1]}, {"knots": -1}, {"knots": 2.0},
                   {"knots": True}, {"ridge": -1.0}, {"ridge": float("nan")}, {"seed": -1}):
        with pytest.raises(InvalidArgumentError):
            DLE(**kwargs)

    doc = dle.to_json()
    model = doc["model"]
    bad_docs: list[Any] = [
        {},
        doc | {"version": 99},
        doc | {"format": "driftline.cbpe"},
        doc | {"knots": 3},
        doc | {"features": ["w"]},
        {k: v for k, v in doc.items() if k != "ridge"},
        doc | {"model": model | {"unit": -1.0}},
        doc | {"model": model | {"abs": model["abs"] | {"coef": model["abs"]["coef"][:-1]}}},
        doc | {"model": model | {"sq": model["sq"] | {"intercept": "0"}}},
        doc | {"model": model | {"prediction": model["prediction"] | {"std": 0.0}}},
        doc | {"model": {k: v for k, v in model.items() if k != "sq"}},
        doc | {"model": model | {"features": [model["features"][0] | {"kind": "date"}]}},
    ]
    for bad in bad_docs:
        with pytest.raises(InvalidArgumentError):
            DLE.from_json(bad)
    assert issubclass(InvalidArgumentError, InvalidInputError)


# --- edge cases (property tests) -----------------------------------------------------------------


@st.composite
def edge_case(draw: st.DrawFn) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, Any]]:
    n = draw(st.integers(25, 300))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    magnitude = draw(st.sampled_from([1.0, 1e-150, 1e-300, 1e100, 1e150, 1e300]))
    pred_kind = draw(st.sampled_from(["normal", "constant", "ties"]))
    noise_kind = draw(st.sampled_from(["normal", "zero", "outlier"]))

    def make(m: int) -> pl.DataFrame:
        pred = {
            "normal": lambda: rng.standard_normal(m),
            "constant": lambda: np.full(m, 0.7),
            "ties": lambda: rng.integers(0, 3, m).astype(float),
        }[pred_kind]() * magnitude
        noise = {
            "normal": lambda: rng.standard_normal(m),
            "zero": lambda: np.zeros(m),
            "outlier": lambda: np.where(np.arange(m) == 0, 1e6, rng.standard_normal(m)),
        }[noise_kind]()
        x = rng.standard_normal(m) * draw(st.sampled_from([1.0, 1e-300, 1e300]))
        x[rng.random(m) < draw(st.sampled_from([0.0, 0.1, 1.0]))] = draw(st.sampled_from([np.nan, np.inf]))
        return pl.DataFrame(
            {
                "y": pred + noise * magnitude,
                "pred": pred,
                "x": x,
                "const": np.full(m, 3.0),
                "g": pl.Series(rng.choice(["α", "β", "γ"], m)).set(pl.Series(rng.random(m) < 0.1), None),
            }
        )

    kwargs = {"knots": draw(st.integers(0, 6)), "ridge": draw(st.sampled_from([0.0, 1e-3, 1.0]))}
    return make(n), make(draw(st.integers(1, 200))), kwargs


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edge_case())
def test_edge_cases_give_finite_estimates_or_clear_errors(case: tuple[pl.DataFrame, pl.DataFrame, dict[str, Any]]) -> None:
    ref, window, kwargs = case
    try:
        dle = DLE(features=["x", "const", "g"], **kwargs).fit(ref, y_true="y", y_pred="pred")
    except InvalidArgumentError as e:
        assert "overflow" in str(e), e  # the only refusal here: errors whose squares overflow
        return
    result = dle.estimate(window, y_pred="pred")
    for name, e in result.items():
        numbers = (e.value, e.std, e.lower, e.upper)
        assert all(math.isfinite(v) for v in numbers), (name, e)
        assert 0.0 <= e.lower <= e.value <= e.upper and e.std >= 0.0, (name, e)
    assert DLE.from_json(json.loads(json.dumps(dle.to_json(), allow_nan=False))).estimate(window, y_pred="pred") == result
