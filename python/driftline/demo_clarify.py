"""The demo's bias-drift and feature-attribution-drift part, on the scenario's captured traffic.

- Bias: a Clarify analysis configuration with the facet ``region = east``; the baseline from the
  training rows and their outcomes; then one bias-drift run per day over the captured requests
  joined with their ground truth, with the confidence-interval rule (no alarm from the noise of
  a day's 4800 rows). On day two the outcomes of region east change (the scenario's
  ``EAST_DEFAULT_FACTOR``): the pre-training metrics of the facet move.
- Attribution: driftline's KernelSHAP explains the model's logit (all 62 coalitions of its six
  features: exact) against one background row (the training means and the neutral categories),
  for the training rows and each day's requests; NDCG of the days' global SHAP values against
  the baseline's, SageMaker's threshold 0.9. On day two most ``debt_ratio`` fields are empty and
  the model imputes them (their attributions vanish) while income is shifted (its attributions
  rise): the ranking of what drives the model changes.

The model is the scenario's (:func:`driftline.scenario.score`), seen through :func:`credit_model`:
numbers in, the categories as codes, an unreadable field as -1 (the model imputes it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

__all__ = ["FEATURES", "credit_model", "run_clarify_demo"]

FEATURES = ("age", "income", "debt_ratio", "num_accounts", "channel", "region")
_CHANNELS = ("web", "app", "branch", "phone")  # code 4: a channel the model does not know (kiosk)
_REGIONS = ("north", "south", "east", "west")


def credit_model(x: np.ndarray[Any, Any]) -> np.ndarray[Any, np.dtype[np.float64]]:
    """The scenario's model over a batch: columns :data:`FEATURES`, categories as codes, -1 for a
    field the model cannot read; returns P(default)."""
    from driftline.scenario import score

    x = np.asarray(x, dtype=np.float64)
    debt = np.where(x[:, 2] < 0, np.nan, x[:, 2])
    accounts = np.where(x[:, 3] < 0, np.nan, x[:, 3])
    channels = np.array([*_CHANNELS, "unknown"], dtype=object)
    regions = np.array([*_REGIONS, "unknown"], dtype=object)
    ch = channels[np.clip(x[:, 4].astype(np.int64), 0, len(_CHANNELS))]
    rg = regions[np.clip(x[:, 5].astype(np.int64), 0, len(_REGIONS))]
    return score(x[:, 0], x[:, 1], debt, accounts, ch, rg)


def _encoded(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows of the six features (text or numbers) as the model's numbers."""
    def code(name: str, values: tuple[str, ...]) -> pl.Expr:
        return pl.col(name).cast(pl.String).replace_strict(list(values), list(range(len(values))), default=len(values),
                                                           return_dtype=pl.Float64)

    return frame.select(
        pl.col("age").cast(pl.Float64, strict=False),
        pl.col("income").cast(pl.Float64, strict=False),
        pl.col("debt_ratio").cast(pl.Float64, strict=False).fill_null(-1.0),
        pl.col("num_accounts").cast(pl.Float64, strict=False).fill_null(-1.0),
        code("channel", _CHANNELS).alias("channel"),
        code("region", _REGIONS).alias("region"),
    )


def _window(sc: Any, start: Any, end: Any) -> pl.DataFrame:
    from driftline.io import read_window

    w = read_window(sc.capture_dir, start=start, end=end)
    f = w.collect()
    return f.select([pl.col(f"_c{i + 1}").alias(n) for i, n in enumerate(FEATURES)])


def run_clarify_demo(sc: Any, out: Path) -> list[str]:
    from driftline.attribution import run_attribution_monitor, suggest_attribution_baseline
    from driftline.bias import run_bias_monitor, suggest_bias_baseline
    from driftline.scenario import DECISION_THRESHOLD, EAST_DEFAULT_FACTOR

    out.mkdir(parents=True, exist_ok=True)
    train = pl.read_csv(sc.train_path, has_header=False, new_columns=["score", *FEATURES], infer_schema_length=0)
    labels = pl.read_csv(sc.validation_path)["label"]
    base = train.with_columns(pl.col("score").cast(pl.Float64), *(pl.col(c).cast(pl.Float64) for c in FEATURES[:4]),
                              label=labels)
    bias_config = {
        "headers": ["label", *FEATURES, "score"],
        "label": "label", "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "region", "value_or_threshold": ["east"]}],
        "probability": "score", "probability_threshold": DECISION_THRESHOLD,
        "methods": {"pre_training_bias": {"methods": "all"}, "post_training_bias": {"methods": "all"}},
    }
    shap_config = {
        "headers": ["label", *FEATURES], "label": "label",
        # one background row: the training means, the neutral channel and region (no effect)
        "methods": {"shap": {"baseline": [[42.0, 52000.0, 2.0 / 7.0, 4.0, 1.0, 0.0]], "num_samples": 64,
                             "agg_method": "mean_abs", "use_logit": True, "seed": 0}},
    }
    (out / "bias_analysis_config.json").write_text(json.dumps(bias_config, indent=1), encoding="utf-8")
    (out / "explainability_analysis_config.json").write_text(json.dumps(shap_config, indent=1), encoding="utf-8")
    lines = [f"bias drift (facet region = east; confidence-interval rule) and feature-attribution drift (KernelSHAP of the "
             f"model's logit, NDCG >= 0.9), one run per day; injected on day 2: region east defaults {EAST_DEFAULT_FACTOR:g}x "
             "as often"]
    suggest_bias_baseline(base, out / "bias_analysis_config.json", out=out / "bias" / "baseline")
    suggest_attribution_baseline(out / "explainability_analysis_config.json", _encoded(base), model=credit_model,
                                 out=out / "attribution" / "baseline")
    for day in (1, 2, 3):
        start, end = sc.day_window(day)
        bias = run_bias_monitor(out / "bias" / "baseline", out / "bias_analysis_config.json", sc.capture_dir,
                                ground_truth=sc.ground_truth_dir, start=start, end=end, rule="confidence-interval",
                                out=out / "bias" / f"day-{day}")
        flagged = sorted({v["metric_name"] for v in bias.violations})
        att = run_attribution_monitor(out / "attribution" / "baseline", out / "explainability_analysis_config.json",
                                      _encoded(_window(sc, start, end)), model=credit_model, out=out / "attribution" / f"day-{day}")
        drift = json.loads((out / "attribution" / f"day-{day}" / "attribution_drift.json").read_text(encoding="utf-8"))
        first = drift["labels"][0]
        ndcg = first.get("ndcg")
        moved = _moves(first) if att.status == "CompletedWithViolations" else ""
        lines.append(f"  day {day}: bias {bias.status}" + (f" ({', '.join(flagged)})" if flagged else "")
                     + f"; attribution {att.status}" + (f" (NDCG {ndcg:.3f}{'; ' + moved if moved else ''})" if isinstance(ndcg, float) else ""))
    lines.append(f"  files: {out}/bias/{{baseline,day-N}}, {out}/attribution/{{baseline,day-N}} (analysis.json, "
                 "constraint_violations.json, metrics.json; attribution_drift.json: each feature's change)")
    return lines


def _moves(doc: Any) -> str:
    """The two features whose global SHAP value changed most, as 'name a -> b'."""
    feats = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(feats, list):
        return ""
    out = []
    for f in feats[:2]:
        out.append(f"{f['feature']} {f['baseline']:.3f} -> {f['current']:.3f}")
    return ", ".join(out)
