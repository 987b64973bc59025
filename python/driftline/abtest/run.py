"""The A/B-test run: every variant against the control on every metric, on the shared run
lifecycle (:mod:`driftline.runs`), writing ``abtest.json`` and ``monitoring_run.json``.

Order of work: read the table (and join the events), count the rows per variant, check the
sample ratio against the configured weights (a mismatch makes every decision
``invalid: sample ratio mismatch``), then test each (metric, variant) pair, adjust the p-values
across all pairs (Holm by default, or Benjamini-Hochberg), and decide per pair, per variant and
overall, with suggested new weights.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import polars as pl

from driftline._outputs import OutputFolder
from driftline.abtest import data as d
from driftline.abtest import sequential as seq
from driftline.abtest import stats as st
from driftline.errors import InvalidArgumentError, InvalidInputError
from driftline.runs import Run, execute

__all__ = ["RUN_FILES", "ABTestRun", "run_abtest"]

RUN_FILES = ("abtest.json", "monitoring_run.json")
Method = Literal["fixed", "msprt", "gst"]
Correction = Literal["holm", "bh", "none"]
SRM_THRESHOLD = 0.001
INVALID_SRM = "invalid: sample ratio mismatch"


def _f(x: float | None) -> float | None:
    """A finite float for JSON, else None."""
    return None if x is None or not math.isfinite(x) else float(x)


@dataclass
class ABTestRun(Run):
    """An A/B-test run; :meth:`to_dict` is ``abtest.json``."""

    method: str = "fixed"
    alpha: float = 0.05
    correction: str = "holm"
    control: str | None = None
    variants: dict[str, dict[str, Any]] = field(default_factory=dict)
    srm: dict[str, Any] | None = None
    metrics: list[dict[str, Any]] = field(default_factory=list)
    decision: dict[str, Any] = field(default_factory=dict)
    item_count: int = 0
    capture: dict[str, Any] | None = None
    looks: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "alpha": self.alpha, "correction": self.correction, "control": self.control,
                "looks": self.looks, "variants": self.variants, "srm": self.srm, "metrics": self.metrics, "decision": self.decision,
                **({"capture": self.capture} if self.capture is not None else {})}

    def discard(self) -> None:
        self.metrics, self.decision = [], {}

    def output_files(self) -> dict[str, Any]:
        return {} if self.status == "Failed" else {"abtest.json": self.to_dict()}

    def summary(self) -> dict[str, Any]:
        return {**super().summary(), "item_count": self.item_count, "violations": len(self.violations),
                "srm_mismatch": bool(self.srm and self.srm.get("mismatch")),
                "decision": self.decision.get("decision") if self.decision else None}


@dataclass(frozen=True)
class _Options:
    alpha: float
    method: Method
    max_samples: int | None
    power: float
    mde: float | None
    bootstrap: int
    seed: int
    previous_looks: tuple[int, ...]


def _check_args(alpha: float, method: str, max_samples: int | None, correction: str, power: float, mde: float | None,
                bootstrap: int, previous_looks: Sequence[int] | None) -> None:
    if not (isinstance(alpha, float | int) and 0 < alpha < 1):
        raise InvalidArgumentError(f"alpha (--alpha) must be between 0 and 1 (exclusive), got {alpha!r}")
    if method not in ("fixed", "msprt", "gst"):
        raise InvalidArgumentError(f"method (--method) must be fixed, msprt or gst, got {method!r}")
    if correction not in ("holm", "bh", "none"):
        raise InvalidArgumentError(f"correction (--correction) must be holm, bh or none, got {correction!r}")
    if max_samples is not None and not (isinstance(max_samples, int) and max_samples >= 2):
        raise InvalidArgumentError(f"max_samples (--max-samples) must be a whole number of at least 2, got {max_samples!r}")
    if method == "gst" and max_samples is None:
        raise InvalidArgumentError("the group-sequential method (--method gst) needs the planned maximum sample (--max-samples)")
    if not (isinstance(power, float | int) and 0 < power < 1):
        raise InvalidArgumentError(f"power (--power) must be between 0 and 1 (exclusive), got {power!r}")
    if mde is not None and not (isinstance(mde, float | int) and mde > 0 and math.isfinite(mde)):
        raise InvalidArgumentError(f"mde (--mde) must be a positive relative effect (0.05 for 5%), got {mde!r}")
    if not (isinstance(bootstrap, int) and 0 <= bootstrap <= 1_000_000):
        raise InvalidArgumentError(f"bootstrap (--bootstrap) must be a whole number of resamples in [0, 1000000], got {bootstrap!r}")
    for s in previous_looks or ():
        if not (isinstance(s, int) and s > 0):
            raise InvalidArgumentError(f"previous_looks (--previous-looks) must hold positive sample sizes, got {s!r}")


def run_abtest(
    data: Any,
    *,
    variant_column: str,
    metrics: Sequence[str | d.MetricSpec],
    control: str | None = None,
    weights: str | Mapping[str, float] | None = None,
    alpha: float = 0.05,
    method: Method = "fixed",
    max_samples: int | None = None,
    covariates: Mapping[str, str] | None = None,
    events: Any = None,
    join_key: str | None = None,
    correction: Correction = "holm",
    power: float = 0.8,
    mde: float | None = None,
    bootstrap: int = 1000,
    seed: int = 0,
    previous_looks: Sequence[int] | None = None,
    previous: ABTestRun | Mapping[str, Any] | str | Path | None = None,
    ground_truth: Any = None,
    prediction: str | None = None,
    threshold: float | None = None,
    positive_label: str = "1",
    out: str | Path | None = None,
) -> ABTestRun:
    """Compare every variant of ``data`` (a table: path, Polars, pandas or Arrow; one row per
    request or user) with the control on each metric (``"conversion:binary"``,
    ``"latency_ms:continuous:lower"``, ``"ctr:ratio=clicks/views"``; see
    :mod:`driftline.abtest.data`).

    - ``weights``: the configured traffic shares (``{"A": 1, "B": 1}`` or ``"A=0.5,B=0.5"``;
      default equal); the sample-ratio check runs against them first.
    - ``control``: the control variant (default: the first weighted variant, else the first
      name in sorted order).
    - ``method``: ``"fixed"`` (fixed-horizon tests: valid at one planned look), ``"msprt"``
      (always-valid p-values and confidence sequences: look as often as you like) or ``"gst"``
      (O'Brien-Fleming group-sequential boundaries over ``max_samples`` total rows, the earlier
      looks' total sizes in ``previous_looks``).
    - ``previous``: the previous look's result (an :class:`ABTestRun`, its ``to_dict()``, an
      ``abtest.json`` or the folder holding it), for monitoring after every batch: with
      ``msprt`` each p-value is the running minimum over the looks and each confidence sequence
      the running intersection (both stay valid); with ``gst`` its ``looks`` are the earlier
      looks. It must have the same method and alpha.
    - ``covariates``: {metric: pre-period column} for CUPED.
    - ``events``, ``join_key``: a business-event table left-joined on ``join_key``.
    - ``correction``: ``"holm"`` (family-wise), ``"bh"`` (false discovery rate) or ``"none"``,
      across all metrics and variants.
    - ``power``, ``mde``: the planned power and relative minimum detectable effect, for the
      remaining sample of ``keep_running`` (without ``mde``: the effect observed so far).
    - ``bootstrap``: resamples of the bootstrap intervals (0: none), drawn from ``seed``.
    - Captured traffic: ``data`` may be a capture folder in the ``{endpoint}/{variant}/...``
      layout (``variant_column="variant"``); ``ground_truth`` (labels joined by inference id),
      ``prediction`` (the output column), ``threshold`` and ``positive_label`` then give the
      columns ``prediction``, ``label``, ``correct`` and ``abs_error`` to use as metrics
      (:func:`driftline.abtest.data.read_capture_input`).

    Returns an :class:`ABTestRun` whose ``to_dict()`` is ``abtest.json``; with ``out`` both
    files are written there. Bad arguments raise
    :class:`~driftline.errors.InvalidArgumentError`; bad data fails the run with its reason."""
    _check_args(alpha, method, max_samples, correction, power, mde, bootstrap, previous_looks)
    prev = _previous_doc(previous, method, float(alpha))
    if prev is not None and not previous_looks:
        previous_looks = [int(x) for x in prev.get("looks") or []]
    specs = d.check_metrics(metrics)
    wts = d.parse_weights(weights)
    covs = dict(covariates or {})
    names = {s.name: s for s in specs}
    for m, col in covs.items():
        if m not in names:
            raise InvalidArgumentError(f"covariate for {m!r}: no such metric (metrics: {', '.join(names)})")
        if names[m].type == "ratio":
            raise InvalidArgumentError(f"covariate for {m!r}: CUPED applies to binary and continuous metrics, not ratios")
        if not isinstance(col, str) or not col:
            raise InvalidArgumentError(f"covariate for {m!r} must be a column name, got {col!r}")
    if (events is None) != (join_key is None):
        raise InvalidArgumentError("events (--events) and join_key (--join-key) go together")
    opts = _Options(float(alpha), method, max_samples, float(power), None if mde is None else float(mde), bootstrap, seed,
                    tuple(previous_looks or ()))
    run = ABTestRun(method=method, alpha=float(alpha), correction=correction)
    folder = None if out is None else OutputFolder(out, RUN_FILES, "A/B test run", inputs=[data, events, ground_truth], argument="out (--out)")

    def body() -> None:
        if d.is_capture_input(data):
            frame, info = d.read_capture_input(data, ground_truth, prediction, threshold, positive_label)
            run.capture = info.to_json()
        elif ground_truth is not None:
            raise InvalidArgumentError("ground_truth (--ground-truth) applies to captured traffic (a capture folder as data)")
        else:
            frame = d.read_input(data)
        if events is not None and join_key is not None:
            frame = d.join_events(frame, events, join_key)
        _analyse(run, frame, variant_column, specs, control, wts, covs, correction, opts)
        run.looks = [*opts.previous_looks, run.item_count]
        if prev is not None and method == "msprt":
            _carry_msprt(run, prev, correction, opts)

    return execute(run, folder, body)


def _previous_doc(previous: ABTestRun | Mapping[str, Any] | str | Path | None, method: str, alpha: float) -> dict[str, Any] | None:
    """The previous look's ``abtest.json`` document, checked against this run's settings."""
    if previous is None:
        return None
    if isinstance(previous, ABTestRun):
        doc: dict[str, Any] = previous.to_dict()
    elif isinstance(previous, Mapping):
        doc = dict(previous)
    elif isinstance(previous, str | Path):
        path = Path(previous)
        path = path / "abtest.json" if path.is_dir() else path
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise InvalidArgumentError(f"previous (--previous): cannot read {str(path)!r}: {e}") from None
    else:
        raise InvalidArgumentError(f"previous (--previous) must be a run, its document or an abtest.json path, got {type(previous).__name__}")
    if not isinstance(doc, dict) or doc.get("method") != method or doc.get("alpha") != alpha:
        raise InvalidArgumentError(f"previous (--previous) must come from the same method ({method}) and alpha ({alpha}); "
                                   f"got {doc.get('method') if isinstance(doc, dict) else None!r} and "
                                   f"{doc.get('alpha') if isinstance(doc, dict) else None!r}")
    return doc


def _carry_msprt(run: ABTestRun, prev: dict[str, Any], correction: str, opts: _Options) -> None:
    """Running minimum of the always-valid p-values and running intersection of the confidence
    sequences over the looks, then the adjustment and the decisions again."""
    before = {(e.get("name"), e.get("variant")): e for e in prev.get("metrics") or [] if isinstance(e, dict)}
    changed = False
    for e in run.metrics:
        old = before.get((e["name"], e["variant"]))
        if old is None or e["pvalue"] is None:
            continue
        e["pvalue_this_look"] = e["pvalue"]
        if isinstance(old.get("pvalue"), float | int) and old["pvalue"] < e["pvalue"]:
            e["pvalue"] = float(old["pvalue"])
            changed = True
        if isinstance(old.get("ci_low"), float | int) and e["ci_low"] is not None and old["ci_low"] > e["ci_low"]:
            e["ci_low"] = float(old["ci_low"])
        if isinstance(old.get("ci_high"), float | int) and e["ci_high"] is not None and old["ci_high"] < e["ci_high"]:
            e["ci_high"] = float(old["ci_high"])
    if not changed:
        return
    internals = [_Internal(se=_se_of(e)) for e in run.metrics]
    _adjust(run.metrics, internals, correction, opts, run.item_count)
    mismatch = bool(run.srm and run.srm.get("mismatch"))
    for e, it in zip(run.metrics, internals):
        e.pop("remaining_sample", None)
        _decide(e, it, mismatch, opts, run.item_count)
    names = list(run.variants)
    w = {v: float(run.variants[v]["weight_configured"]) for v in names}
    assert run.control is not None
    run.decision = _overall(run.metrics, names, run.control, w, mismatch, sum(w.values()))


def _se_of(entry: dict[str, Any]) -> float:
    """The standard error behind an entry (kept from the comparison)."""
    se = entry.get("standard_error")
    return float(se) if isinstance(se, float | int) else math.nan


# -- the analysis ---------------------------------------------------------------------------------


def _analyse(run: ABTestRun, frame: pl.DataFrame, variant_column: str, specs: list[d.MetricSpec], control: str | None,
             weights: dict[str, float] | None, covs: dict[str, str], correction: str, opts: _Options) -> None:
    variant, seen = d.variants_of(frame, variant_column)
    if weights is not None:
        extra = [v for v in seen if v not in weights]
        if extra:
            raise InvalidInputError(f"variant {extra[0]!r} of column {variant_column!r} has no configured weight (weights: {', '.join(weights)})")
        names = list(weights)
    else:
        names = seen
    if len(names) < 2:
        only = names[0] if names else "none"
        raise InvalidInputError(f"one variant only ({only!r} in column {variant_column!r}): an A/B test needs at least two")
    if control is None:
        control = names[0]
    elif control not in names:
        raise InvalidInputError(f"the control {control!r} is not a variant of column {variant_column!r} (variants: {', '.join(names)})")
    run.control = control
    counts = {v: int((variant == v).sum()) for v in names}
    total = sum(counts.values())
    run.item_count = total
    w = weights if weights is not None else {v: 1.0 for v in names}
    wsum = sum(w.values())
    run.variants = {v: {"n": counts[v], "weight_configured": w[v], "weight_expected": w[v] / wsum,
                        "weight_observed": counts[v] / total if total else None} for v in names}
    if total == 0:
        raise InvalidInputError("the data has no rows")
    # SRM first: arms with weight 0 and no rows take no part.
    arms = [v for v in names if w[v] > 0 or counts[v] > 0]
    zero_weight_with_rows = [v for v in names if w[v] == 0 and counts[v] > 0]
    if zero_weight_with_rows:
        srm = st.Srm(math.inf, 0.0, True)
    else:
        srm = st.srm_check([counts[v] for v in arms], [w[v] for v in arms], SRM_THRESHOLD)
    run.srm = {"statistic": _f(srm.statistic), "pvalue": srm.pvalue, "mismatch": srm.mismatch, "threshold": SRM_THRESHOLD,
               "test": "chi-square goodness of fit against the configured weights"}
    if srm.mismatch:
        run.violations.append(_SrmViolation(srm.pvalue, counts, w))

    entries: list[dict[str, Any]] = []
    internals: list[_Internal] = []
    for spec in specs:
        for v in names:
            if v == control:
                continue
            entry, internal = _compare(frame, variant, spec, control, v, covs.get(spec.name), opts, total)
            entries.append(entry)
            internals.append(internal)
    _adjust(entries, internals, correction, opts, total)
    for entry, internal in zip(entries, internals):
        _decide(entry, internal, srm.mismatch, opts, total)
    run.metrics = entries
    run.decision = _overall(entries, names, control, w, srm.mismatch, wsum)


@dataclass
class _SrmViolation:
    pvalue: float
    counts: dict[str, int]
    weights: dict[str, float]

    def to_json(self) -> dict[str, str]:
        return {"feature_name": "variant", "constraint_check_type": "sample_ratio_mismatch",
                "description": f"rows per variant {self.counts} do not match the configured weights {self.weights} "
                               f"(chi-square p = {self.pvalue:.3g} < {SRM_THRESHOLD})"}


@dataclass
class _Internal:
    """What the decision needs beyond the entry."""

    se: float = math.nan
    n: int = 0
    z: float = math.nan
    boundary: float | None = None
    fraction: float | None = None
    rejected: bool | None = None  # gst: decided by the boundary


def _empty_entry(spec: d.MetricSpec, control: str, v: str) -> dict[str, Any]:
    keys = ("control_n", "variant_n", "control_nulls", "variant_nulls", "control_mean", "variant_mean", "difference",
            "relative_difference", "ci_low", "ci_high", "relative_ci_low", "relative_ci_high", "statistic", "pvalue",
            "adjusted_pvalue", "test", "decision", "reason")
    return {"name": spec.name, "type": spec.type, "direction": spec.direction, "control": control, "variant": v,
            **dict.fromkeys(keys)}


def _compare(frame: pl.DataFrame, variant: pl.Series, spec: d.MetricSpec, control: str, v: str, covariate: str | None,
             opts: _Options, total: int) -> tuple[dict[str, Any], _Internal]:
    entry = _empty_entry(spec, control, v)
    internal = _Internal()
    c_arm = d.arm_values(frame, variant == control, spec, covariate)
    v_arm = d.arm_values(frame, variant == v, spec, covariate)
    entry.update(control_n=int(c_arm.values.size), variant_n=int(v_arm.values.size), control_nulls=c_arm.nulls, variant_nulls=v_arm.nulls)
    for arm, name in ((c_arm, control), (v_arm, v)):
        if arm.values.size < 2:
            what = "no rows" if arm.values.size == 0 and arm.nulls == 0 else f"{arm.values.size} row(s) with values"
            missing = f" ({arm.nulls} missing in {', '.join(spec.columns)})" if arm.nulls else ""
            entry["reason"] = f"variant {name!r} has {what}{missing}: at least 2 are needed"
            if arm.values.size:
                entry["control_mean" if name == control else "variant_mean"] = _f(_mean(spec, arm))
            return entry, internal
    cmp, extra = _fixed(spec, c_arm, v_arm, opts)
    entry.update(extra)
    internal.se, internal.n = cmp.se, int(c_arm.values.size + v_arm.values.size)
    entry["standard_error"] = _f(cmp.se)
    entry.update(control_mean=_f(cmp.control_mean), variant_mean=_f(cmp.variant_mean), difference=_f(cmp.difference),
                 relative_difference=_f(cmp.relative_difference), test=cmp.test, reason=cmp.reason)
    if cmp.pvalue is None:
        return entry, internal
    internal.z = cmp.difference / cmp.se if cmp.se > 0 else math.nan
    if opts.method in ("fixed", "gst") or cmp.se == 0:
        entry.update(ci_low=_f(cmp.ci_low), ci_high=_f(cmp.ci_high), relative_ci_low=_f(cmp.relative_ci_low),
                     relative_ci_high=_f(cmp.relative_ci_high), statistic=_f(cmp.statistic), pvalue=_f(cmp.pvalue))
        if opts.method != "fixed" and cmp.se == 0:
            entry["reason"] = "no variance of the difference: the sequential test is undefined"
            entry["pvalue"] = None
    elif opts.method == "msprt":
        n_star = float(opts.max_samples) if opts.max_samples else float(seq.DEFAULT_N_STAR)
        m = seq.msprt(cmp.difference, cmp.se**2, float(internal.n), opts.alpha, n_star=n_star)
        entry.update(test=_sequential_name("msprt", cmp.test), statistic=_f(math.log(m.likelihood_ratio)) if m.likelihood_ratio > 0 else None,
                     pvalue=_f(m.pvalue), ci_low=_f(m.ci_low), ci_high=_f(m.ci_high),
                     msprt={"likelihood_ratio": _f(m.likelihood_ratio), "tau2": _f(m.tau2), "n_star": n_star,
                            "pvalue_note": "always valid at this look; keep the running minimum over looks"})
    return entry, internal


def _sequential_name(method: str, base: str) -> str:
    """The sequential tests work on the difference of means (or ratios) and its standard error,
    whatever the fixed-horizon test was."""
    kind = "delta_method" if base.startswith("delta") else "proportions" if base.startswith("two_proportion") else "means"
    return f"{method} ({kind}" + (", cuped)" if "cuped" in base else ")")


def _mean(spec: d.MetricSpec, arm: d.ArmValues) -> float:
    if spec.type == "ratio" and arm.den is not None:
        s = float(arm.den.sum())
        return float(arm.values.sum()) / s if s else math.nan
    return float(arm.values.mean())


def _fixed(spec: d.MetricSpec, c: d.ArmValues, v: d.ArmValues, opts: _Options) -> tuple[st.Comparison, dict[str, Any]]:
    """The fixed-horizon comparison of one pair, and extra fields (CUPED, bootstrap)."""
    extra: dict[str, Any] = {}
    yc, yv = c.values, v.values
    if spec.type == "ratio":
        assert c.den is not None and v.den is not None
        try:
            cmp = st.delta_ratio_test(yc, c.den, yv, v.den, opts.alpha)
        except InvalidArgumentError as e:
            cmp = st.Comparison("delta_method_ztest", _mean(spec, c), _mean(spec, v), math.nan, None, math.nan, None, None, None, None,
                                reason=f"{e} (columns {spec.numerator}/{spec.denominator})")
            return cmp, extra
    else:
        suffix = ""
        if c.covariate is not None and v.covariate is not None:
            cu = st.cuped(yc, c.covariate, yv, v.covariate)
            yc, yv = cu.y_c, cu.y_v
            suffix = "+cuped"
            extra["cuped"] = {"theta": _f(cu.theta), "correlation": _f(cu.correlation), "variance_ratio": _f(cu.variance_ratio),
                              "variance_reduction": _f(cu.variance_reduction)}
        if spec.type == "binary" and not suffix:
            cmp = st.two_proportion_ztest(float(yc.sum()), yc.size, float(yv.sum()), yv.size, opts.alpha)
        else:
            cmp = st.welch_ttest(float(yc.mean()), float(yc.var(ddof=1)), yc.size, float(yv.mean()), float(yv.var(ddof=1)), yv.size,
                                 opts.alpha, test="welch_ttest" + suffix)
        if spec.test == "mannwhitney" and cmp.pvalue is not None:
            u, p, effect = st.mann_whitney(yc, yv)
            cmp = st.Comparison("mann_whitney_u" + suffix, cmp.control_mean, cmp.variant_mean, cmp.difference, cmp.relative_difference,
                                cmp.se, u, p, cmp.ci_low, cmp.ci_high, cmp.relative_ci_low, cmp.relative_ci_high,
                                reason="the p-value is Mann-Whitney's (one arm tends to larger values); the interval is Welch's for the means")
            extra["probability_variant_larger"] = _f(effect)
    if opts.bootstrap and cmp.pvalue is not None:
        b = st.bootstrap_interval(yc, yv, den_c=c.den, den_v=v.den, alpha=opts.alpha, resamples=opts.bootstrap, seed=opts.seed)
        extra["bootstrap"] = {"ci_low": _f(b.ci_low), "ci_high": _f(b.ci_high), "relative_ci_low": _f(b.relative_ci_low),
                              "relative_ci_high": _f(b.relative_ci_high), "pvalue": _f(b.pvalue), "resamples": b.resamples,
                              "seed": opts.seed, "method": "percentile"}
        if spec.test == "bootstrap":
            cmp = st.Comparison("bootstrap" + ("+cuped" if "cuped" in extra else ""), cmp.control_mean, cmp.variant_mean, cmp.difference,
                                cmp.relative_difference, cmp.se, None, b.pvalue, b.ci_low, b.ci_high, b.relative_ci_low, b.relative_ci_high)
    return cmp, extra


def _adjust(entries: list[dict[str, Any]], internals: list[_Internal], correction: str, opts: _Options, total: int) -> None:
    """Adjusted p-values across every (metric, variant) pair with a p-value; gst pairs are
    decided by their boundary at alpha / pairs (Bonferroni) instead."""
    idx = [i for i, e in enumerate(entries) if e["pvalue"] is not None]
    m = len(idx)
    if opts.method == "gst":
        a = opts.alpha / m if (correction != "none" and m) else opts.alpha
        for i in idx:
            e, it = entries[i], internals[i]
            assert opts.max_samples is not None
            look = seq.gst_look(opts.previous_looks, float(total), float(opts.max_samples), a)
            it.boundary, it.fraction = look.boundary, look.fraction
            it.rejected = abs(it.z) >= look.boundary
            e.update(test=_sequential_name("gst", e["test"]), statistic=_f(it.z), relative_ci_low=None, relative_ci_high=None, ci_low=_f(e["difference"] - look.boundary * it.se),
                     ci_high=_f(e["difference"] + look.boundary * it.se), pvalue=_f(2 * st.norm_sf(abs(it.z))),
                     gst={"boundary": _f(look.boundary), "information_fraction": look.fraction, "looks": look.looks,
                          "alpha": a, "spending": "Lan-DeMets O'Brien-Fleming",
                          "pvalue_note": "nominal (fixed-horizon) p-value; the decision compares |z| with the boundary"})
        return
    ps = [float(entries[i]["pvalue"]) for i in idx]
    if correction == "holm":
        adj = st.holm(ps)
    elif correction == "bh":
        from driftline.stats import false_discovery_control

        adj = [float(x) for x in np.atleast_1d(false_discovery_control(np.asarray(ps)))] if ps else []
    else:
        adj = ps
    for i, a_p in zip(idx, adj):
        entries[i]["adjusted_pvalue"] = a_p


def _remaining(entry: dict[str, Any], it: _Internal, opts: _Options) -> dict[str, Any]:
    """The sample still needed for the planned power to detect ``mde`` (relative to the control
    mean), else the effect observed so far; per pair of arms, at their current allocation."""
    nc, nv = entry["control_n"], entry["variant_n"]
    if not (it.se > 0 and nc and nv):
        return {}
    per_row_sd = it.se / math.sqrt(1 / nc + 1 / nv)
    cm = entry["control_mean"]
    if opts.mde is not None and cm:
        effect = opts.mde * abs(cm)
        basis = f"mde {opts.mde:g} of the control mean"
    else:
        effect = abs(entry["difference"] or 0.0)
        basis = "the observed difference"
    need_c = st.sample_size_normal(effect / per_row_sd, opts.alpha, opts.power, nv / nc)
    need = need_c * (1 + nv / nc)
    out: dict[str, Any] = {"power": opts.power, "effect": _f(effect), "effect_basis": basis,
                           "required_sample": None if math.isinf(need) else math.ceil(need)}
    out["remaining_sample"] = None if math.isinf(need) else max(0, math.ceil(need) - (nc + nv))
    return out


def _decide(entry: dict[str, Any], it: _Internal, srm_mismatch: bool, opts: _Options, total: int) -> None:
    if entry["pvalue"] is None and it.rejected is None:
        entry["decision"] = INVALID_SRM if srm_mismatch else None
        return
    plan = _remaining(entry, it, opts)
    entry["planning"] = plan
    if srm_mismatch:
        entry["decision"] = INVALID_SRM
        return
    if opts.method == "gst":
        significant = bool(it.rejected)
    else:
        significant = entry["adjusted_pvalue"] is not None and entry["adjusted_pvalue"] < opts.alpha
    if significant:
        up = (entry["difference"] or 0.0) > 0
        entry["decision"] = "variant_better" if up == (entry["direction"] == "higher") else "control_better"
        return
    reached = opts.max_samples is not None and total >= opts.max_samples
    if opts.method == "gst" or (opts.max_samples is not None and opts.method in ("fixed", "msprt")):
        if reached:
            entry["decision"] = "no_detectable_difference"
        else:
            entry["decision"] = "keep_running"
            assert opts.max_samples is not None
            entry["remaining_sample"] = opts.max_samples - total
        return
    remaining = plan.get("remaining_sample")
    if opts.method == "msprt" or (opts.mde is not None and remaining):
        entry["decision"] = "keep_running"
        entry["remaining_sample"] = remaining
    else:
        entry["decision"] = "no_detectable_difference"


def _overall(entries: list[dict[str, Any]], names: list[str], control: str, w: dict[str, float], srm_mismatch: bool,
             wsum: float) -> dict[str, Any]:
    configured = {v: w[v] / wsum for v in names}
    if srm_mismatch:
        return {"decision": INVALID_SRM, "best_variant": None, "per_variant": dict.fromkeys((v for v in names if v != control), INVALID_SRM),
                "suggested_weights": configured, "remaining_sample": None,
                "reason": "the rows per variant do not match the configured weights: find the cause (assignment, logging, "
                          "filtering) before trusting any metric"}
    per_variant: dict[str, str | None] = {}
    score: dict[str, float] = {}
    remaining: list[int] = []
    for v in names:
        if v == control:
            continue
        ds = [e for e in entries if e["variant"] == v]
        decisions = [e["decision"] for e in ds]
        if "control_better" in decisions:
            per_variant[v] = "control_better"
        elif "variant_better" in decisions:
            per_variant[v] = "variant_better"
            score[v] = sum(1 for x in decisions if x == "variant_better") + 1e-6 * max(
                abs(e["relative_difference"] or 0.0) for e in ds if e["decision"] == "variant_better")
        elif "keep_running" in decisions:
            per_variant[v] = "keep_running"
            remaining += [e["remaining_sample"] for e in ds if e.get("remaining_sample") is not None]
        elif any(x == "no_detectable_difference" for x in decisions):
            per_variant[v] = "no_detectable_difference"
        else:
            per_variant[v] = None
    losers = [v for v, x in per_variant.items() if x == "control_better"]
    if score:
        best = max(score, key=lambda k: score[k])
        return {"decision": "variant_better", "best_variant": best, "per_variant": per_variant,
                "suggested_weights": {v: 1.0 if v == best else 0.0 for v in names}, "remaining_sample": None,
                "reason": f"{best!r} beats the control on at least one metric and loses on none: shift the traffic to it"}
    kept = {v: (0.0 if v in losers else configured[v]) for v in names}
    s = sum(kept.values())
    suggested = {v: x / s for v, x in kept.items()} if s > 0 else {v: float(v == control) for v in names}
    if losers and len(losers) == len(per_variant):
        return {"decision": "control_better", "best_variant": control, "per_variant": per_variant,
                "suggested_weights": {v: float(v == control) for v in names}, "remaining_sample": None,
                "reason": "every variant is worse than the control on at least one metric: keep the control"}
    if "keep_running" in per_variant.values():
        return {"decision": "keep_running", "best_variant": None, "per_variant": per_variant, "suggested_weights": suggested,
                "remaining_sample": max(remaining) if remaining else None,
                "reason": "no decision yet" + (f"; variants worse than the control get no traffic: {', '.join(losers)}" if losers else "")}
    if all(x is None for x in per_variant.values()):
        return {"decision": None, "best_variant": None, "per_variant": per_variant, "suggested_weights": configured,
                "remaining_sample": None, "reason": "no metric could be tested (see each metric's reason)"}
    return {"decision": "no_detectable_difference", "best_variant": None, "per_variant": per_variant, "suggested_weights": suggested,
            "remaining_sample": None,
            "reason": "no variant differs detectably from the control" + (f"; worse than the control: {', '.join(losers)}" if losers else "")}
