"""smclarify 0.5 as the test reference: its ``bias_report`` over the same table and configuration,
shaped like driftline's analysis (stage -> facet -> [{value_or_threshold, metrics}])."""

from __future__ import annotations

import copy
import logging
import warnings
from typing import Any

import pandas as pd

from driftline.clarify import AnalysisConfig

logging.getLogger("smclarify").setLevel(logging.CRITICAL)


def available() -> bool:
    try:
        import smclarify.bias.report  # noqa: F401
    except Exception:  # noqa: BLE001 - any import problem means: no reference
        return False
    return True


def smclarify_analysis(df: pd.DataFrame, cfg: AnalysisConfig) -> dict[str, Any]:
    from smclarify.bias.report import FacetColumn, LabelColumn, StageType, bias_report

    df = df.copy()
    for c in df.columns:  # smclarify 0.5 predates pandas 3's string dtype: strings as object, as in pandas 2
        if isinstance(df[c].dtype, pd.StringDtype):
            df[c] = df[c].astype(object)
    out: dict[str, Any] = {}
    group = df[cfg.group_variable] if cfg.group_variable else None
    for stage, methods in (("pre_training_bias_metrics", cfg.pre_training_methods), ("post_training_bias_metrics", cfg.post_training_methods)):
        if not methods:
            continue
        facets: dict[str, Any] = {}
        for f in cfg.facets:
            label = LabelColumn(cfg.label, df[cfg.label], copy.deepcopy(cfg.label_values_or_threshold))
            kwargs: dict[str, Any] = {}
            if stage.startswith("post"):
                assert cfg.predicted_label is not None
                kwargs["predicted_label_column"] = LabelColumn(cfg.predicted_label, df[cfg.predicted_label],
                                                               copy.deepcopy(cfg.label_values_or_threshold))
                st = StageType.POST_TRAINING
            else:
                st = StageType.PRE_TRAINING
            frame = df if stage.startswith("post") or cfg.predicted_label is None else df.drop(columns=[cfg.predicted_label])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                facets[f.name] = bias_report(frame, FacetColumn(f.name, copy.deepcopy(f.value_or_threshold)), label, st,
                                             metrics=list(methods), group_variable=group, **kwargs)
        out[stage] = {"facets": facets}
    return out
