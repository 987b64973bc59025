"""A/B tests of model variants: per-variant model metrics and business KPIs compared with the
control, with a sample-ratio check first, fixed-horizon tests (two-proportion z, Welch's t,
Mann-Whitney U, the delta method for ratios, bootstrap intervals, CUPED), corrections across
metrics and variants (Holm, Benjamini-Hochberg), and tests that stay valid under peeking (mSPRT
and O'Brien-Fleming group-sequential boundaries)."""

from driftline.abtest.data import MetricSpec, parse_metric
from driftline.abtest.run import ABTestRun, run_abtest

__all__ = ["ABTestRun", "MetricSpec", "parse_metric", "run_abtest"]
