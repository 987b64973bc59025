"""Bias drift with SageMaker Clarify's metrics (smclarify 0.5's values and quirks).

- :func:`suggest_bias_baseline` (``driftline bias baseline``): a table's ``analysis.json`` and
  the monitor's ``constraints.json``;
- :func:`run_bias_monitor` (``driftline bias monitor``): a window against the baseline, with
  ``constraint_violations.json`` (``bias_drift_check``), ``metrics.json`` (``bias_metric_<NAME>``)
  and ``monitoring_run.json``, by SageMaker's "worse than the baseline" rule or the bootstrap
  confidence-interval rule;
- :func:`bias_analysis`: the metrics of a table, as Clarify's ``analysis.json`` document.

The configuration is Clarify's analysis configuration (:mod:`driftline.clarify`). The metric
definitions and where driftline follows smclarify's code against Clarify's docs are in
:mod:`driftline.bias.metrics`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from driftline.bias.baseline import BASELINE_FILES, BiasBaseline, load_bias_baseline, suggest_bias_baseline
from driftline.bias.metrics import DESCRIPTIONS, POST_TRAINING, PRE_TRAINING
from driftline.bias.monitor import RUN_FILES, BiasRun, run_bias_monitor
from driftline.bias.report import analyze, to_frame
from driftline.clarify.config import AnalysisConfig, load_analysis_config
from driftline.formats.clarify import AnalysisDoc

__all__ = ["BASELINE_FILES", "BiasBaseline", "BiasRun", "DESCRIPTIONS", "POST_TRAINING", "PRE_TRAINING", "RUN_FILES",
           "bias_analysis", "load_bias_baseline", "run_bias_monitor", "suggest_bias_baseline"]


def bias_analysis(data: Any, config: str | Path | AnalysisConfig) -> AnalysisDoc:
    """The bias metrics of ``data`` (a Polars or pandas frame) as Clarify's ``analysis.json``."""
    cfg = config if isinstance(config, AnalysisConfig) else load_analysis_config(config)
    return analyze(to_frame(data), cfg).to_json()
