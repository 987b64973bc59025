"""Benchmark drift tests: false-alarm rate, power and cost, measured by simulation on synthetic
data or on the user's own data (``driftline bench-drift``, :func:`bench_drift`)."""

from __future__ import annotations

from driftline.benchdrift.battery import DEFAULT_TESTS, TESTS
from driftline.benchdrift.run import BenchResult, BenchRow, bench_drift, clopper_pearson
from driftline.benchdrift.scenarios import DEFAULT_SCENARIOS, SCENARIOS, Reference

__all__ = ["DEFAULT_SCENARIOS", "DEFAULT_TESTS", "SCENARIOS", "TESTS", "BenchResult", "BenchRow", "Reference", "bench_drift",
           "clopper_pearson"]
