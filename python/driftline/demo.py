"""``driftline demo``.

:func:`run_scenario` (the default) is the data-quality scenario: it writes the built-in training
data and three days of captured traffic (:mod:`driftline.scenario`), builds the baseline, runs
the 72 hourly monitors and summarises what they found. :func:`run_demo` (``--stats``) compares
two built-in samples with every statistic of :mod:`driftline.stats`. Both are deterministic.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from driftline import stats


@dataclass(frozen=True)
class Row:
    feature: str
    statistic: str
    value: float
    pvalue: float | None
    drift: bool
    rule: str


def _samples(seed: int, rows: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    current_rows = max(rows * 2 // 5, 5)
    cats = np.array(["card", "cash", "transfer", "wallet"])
    return {
        "amount_base": rng.lognormal(3.0, 0.5, rows),
        "amount_live": rng.lognormal(3.08, 0.55, current_rows),
        "channel_base": rng.choice(cats, rows, p=[0.5, 0.3, 0.15, 0.05]),
        "channel_live": rng.choice(np.append(cats, "crypto"), current_rows, p=[0.45, 0.3, 0.15, 0.05, 0.05]),
    }


def compute_rows(seed: int = 7, rows: int = 50_000) -> tuple[list[Row], dict[str, str]]:
    s = _samples(seed, rows)
    base, live = s["amount_base"], s["amount_live"]
    out: list[Row] = []

    def add(feature: str, name: str, value: float, pvalue: float | None, drift: bool, rule: str) -> None:
        out.append(Row(feature, name, float(value), None if pvalue is None else float(pvalue), bool(drift), rule))

    ks = stats.ks_2samp(base, live)
    add("amount", "ks_2samp", ks.statistic, ks.pvalue, ks.pvalue < 0.05, "p < 0.05")
    sk_base, sk_live = stats.KllSketch.of(base), stats.KllSketch.of(live)
    kss = stats.ks_sketch(sk_base, sk_live)
    add("amount", "ks_sketch (KLL k=2048)", kss.statistic, None, kss.statistic - kss.error_bound > 0.1,
        f"D - {kss.error_bound:.4f} (bound) > 0.1")
    std = stats.moments(base).std_pop
    w1 = stats.wasserstein_distance(base, live)
    add("amount", "wasserstein_distance / std", w1 / std, None, w1 / std > 0.1, "> 0.1 baseline std")
    add("amount", "energy_distance", stats.energy_distance(base, live), None, False, "(no fixed threshold)")
    # Bins: baseline deciles from its sketch, open-ended at both sides.
    edges = np.concatenate([[-np.inf], sk_base.quantiles(np.linspace(0.1, 0.9, 9)), [np.inf]])
    b_counts = stats.histogram(base, edges)[0].astype(float)
    l_counts = stats.histogram(live, edges)[0].astype(float)
    psi = stats.psi(b_counts, l_counts)
    add("amount", "psi (baseline deciles)", psi, None, psi > 0.2, "> 0.2")
    add("amount", "kl_divergence", stats.kl_divergence(l_counts, b_counts), None, False, "(no fixed threshold)")
    js = stats.jensenshannon(b_counts, l_counts, base=2)
    add("amount", "jensenshannon (base 2)", js, None, js > 0.1, "> 0.1")
    hd = stats.hellinger(b_counts, l_counts)
    add("amount", "hellinger", hd, None, hd > 0.1, "> 0.1")
    add("amount", "total_variation", stats.total_variation(b_counts, l_counts), None, False, "(no fixed threshold)")

    cats_b, counts_b, _ = stats.count_categories(s["channel_base"])
    cats_l, counts_l, _ = stats.count_categories(s["channel_live"])
    names = sorted(set(cats_b) | set(cats_l))
    table = np.array(
        [[dict(zip(cats_b, counts_b.tolist())).get(n, 0) for n in names], [dict(zip(cats_l, counts_l.tolist())).get(n, 0) for n in names]],
        dtype=float,
    )
    chi = stats.chi2_contingency(table)
    add("channel", f"chi2_contingency (dof {chi.dof})", chi.statistic, chi.pvalue, chi.pvalue < 0.05, "p < 0.05")
    g = stats.chi2_contingency(table, lambda_="log-likelihood")
    add("channel", "G-test (log-likelihood)", g.statistic, g.pvalue, g.pvalue < 0.05, "p < 0.05")
    linf = stats.linf(table[0], table[1])
    add("channel", "linf (SageMaker LInfinity)", linf, None, linf > 0.1, "> 0.1")
    gof = stats.chisquare(table[1][table[0] > 0], table[0][table[0] > 0] / table[0].sum() * table[1][table[0] > 0].sum())
    add("channel", "chisquare (known categories)", gof.statistic, gof.pvalue, gof.pvalue < 0.05, "p < 0.05")

    baseline_attr = np.array([0.42, 0.31, 0.12, 0.09, 0.06])
    live_attr = np.array([0.20, 0.33, 0.30, 0.10, 0.07])
    nd = stats.ndcg(baseline_attr, live_attr)
    add("attributions", "ndcg (Clarify)", nd, None, nd < 0.9, "< 0.9")

    mb, ml = stats.moments(base), stats.moments(live)
    q = sk_base.quantiles([0.5, 0.99])
    summary = {
        "baseline amount": f"n={mb.count}, mean={mb.mean:.3f}, std={mb.std_pop:.3f}, median~{q[0]:.3f}, p99~{q[1]:.3f}",
        "current amount": f"n={ml.count}, mean={ml.mean:.3f}, std={ml.std_pop:.3f}",
        "channel categories": f"baseline {cats_b}, current {cats_l}",
    }
    return out, summary


def render(rows: list[Row], summary: dict[str, str]) -> str:
    lines = ["driftline demo: built-in baseline vs current sample", ""]
    lines += [f"  {k:<20} {v}" for k, v in summary.items()]
    lines.append("")
    header = f"{'feature':<13} {'statistic':<30} {'value':>12} {'p-value':>11}  {'drift':<5} rule"
    lines += [header, "-" * len(header)]
    for r in rows:
        p = "" if r.pvalue is None else f"{r.pvalue:.3g}"
        lines.append(f"{r.feature:<13} {r.statistic:<30} {r.value:>12.6g} {p:>11}  {'YES' if r.drift else 'no':<5} {r.rule}")
    drifted = sorted({r.feature for r in rows if r.drift})
    lines += ["", f"features with drift: {', '.join(drifted) if drifted else 'none'}"]
    return "\n".join(lines)


def run_demo(seed: int = 7, rows: int = 50_000) -> str:
    return render(*compute_rows(seed, rows))


def run_scenario(out: Path, *, seed: int = 7, progress: bool | None = None) -> str:
    """Write the scenario under ``out/data``, the baseline under ``out/baseline`` and one
    monitoring run per hour under ``out/monitoring/yyyy/mm/dd/hh``; return the summary."""
    from driftline.data_quality.baseline import suggest_baseline
    from driftline.data_quality.monitor import MonitorRun, run_monitor
    from driftline.scenario import write_scenario

    if progress is None:
        progress = sys.stderr.isatty()
    _check_demo_folder(Path(out))
    sc = write_scenario(out / "data", seed=seed)
    baseline = suggest_baseline(sc.train_path, has_header=False)
    baseline.write(out / "baseline")
    runs: list[tuple[int, MonitorRun]] = []
    for i, hour in enumerate(sc.hours):
        end = hour + (sc.hours[1] - sc.hours[0])
        run_dir = out / "monitoring" / hour.strftime("%Y/%m/%d/%H")
        runs.append((i // 24 + 1, run_monitor(baseline, sc.capture_dir, start=hour, end=end, out=run_dir)))
        if progress:
            r = runs[-1][1]
            print(f"\r  monitoring {hour:%Y-%m-%d %H}:00  [{i + 1:>2}/{len(sc.hours)}]  {r.status:<24}", end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)

    def label(col: str) -> str:
        return f"{sc.feature_names.get(col, col)} ({col})"

    lines = [
        f"driftline demo: model '{sc.endpoint}', baseline from {sc.train_rows} training rows, "
        f"{len(runs)} hourly data-quality runs of {sc.rows_per_hour} captured requests",
        "",
    ]
    found: dict[tuple[int, str, str], int] = defaultdict(int)
    for day in sorted({d for d, _ in runs}):
        day_runs = [r for d, r in runs if d == day]
        statuses: dict[str, int] = defaultdict(int)
        for r in day_runs:
            statuses[r.status] += 1
            for v in r.violations:
                found[(day, v.feature_name, v.constraint_check_type)] += 1
        n_viol = sum(len(r.violations) for r in day_runs)
        when = sc.day_window(day)[0].strftime("%Y-%m-%d")
        status_text = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
        lines.append(f"day {day} ({when}): {len(day_runs)} runs: {status_text}; {n_viol} violations")
        for (d, col, check), hours in sorted(found.items()):
            if d == day:
                lines.append(f"    {label(col):<26} {check:<26} in {hours:>2} of {len(day_runs)} hours")
    lines += ["", "injected problems:"]
    for inj in sc.injected:
        hours = found.get((inj.day, inj.column, inj.check), 0)
        verdict = "DETECTED" if hours else "MISSED"
        lines.append(f"  day {inj.day}: {inj.description:<58} -> {inj.check} {verdict} ({hours}/24 hours)")
    lines += [""] + _clean_day_flags([r for d, r in runs if d != 2])
    lines += [""] + _model_quality(sc, out / "model-quality", progress)
    from driftline.demo_clarify import run_clarify_demo
    from driftline.demo_service import run_service_demo

    lines += [""] + run_clarify_demo(sc, out / "clarify")
    from driftline.abtest.demo import run_ab_demo

    ab: list[str] = []
    run_ab_demo(out / "abtest" / "data", out / "abtest" / "runs", echo=ab.append)
    lines += [""] + ab
    lines += [""] + run_service_demo(sc, out / "service")
    lines += ["", f"files: {out}/data (scenario), {out}/baseline, {out}/monitoring/yyyy/mm/dd/hh, "
              f"{out}/model-quality/{{baseline,estimated,realised}}, {out}/clarify/{{bias,attribution}}, {out}/abtest/runs, "
              f"{out}/service (monitors.toml, driftline.db, runs)"]
    text = "\n".join(lines)
    (out / "summary.txt").write_text(text + "\n", encoding="utf-8")
    return text


DEMO_ENTRIES = frozenset({"data", "baseline", "monitoring", "model-quality", "clarify", "abtest", "service", "summary.txt"})


def _check_demo_folder(out: Path) -> None:
    """The demo writes only into a new folder or an earlier demo's (the output-folder rule of
    every command): it never overwrites a user's files."""
    from driftline._outputs import OutputFolder

    OutputFolder(out, DEMO_ENTRIES, "demo", argument="--out")


def _clean_day_flags(clean: list[Any]) -> list[str]:
    """Every kind of flag raised on the clean days, each beside the rate the run promises: the
    constraint violations, the runs whose verdict (the default drift tests) lists a drifted
    feature, and each other drift test's flags per feature."""
    from driftline.data_quality.monitor import MonitorRun

    runs: list[MonitorRun] = clean
    alpha = 0.05
    violations = sum(len(r.violations) for r in runs)
    flagged_runs = sum(1 for r in runs if r.drifted_features)
    lines = [
        f"false alarms on the clean days 1 and 3 ({len(runs)} runs):",
        f"  constraint violations: {violations}",
        f"  runs whose drift verdict lists a feature: {flagged_runs} of {len(runs)} "
        f"(expected at most {alpha:g} of runs: p-values adjusted across features, Benjamini-Hochberg)",
    ]
    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in runs:
        for t in r.drift:
            if not t.default:
                rows[t.test][0] += t.drift
                rows[t.test][1] += 1
    shown = ", ".join(f"{name} {k}/{n} ({100 * k / n:.1f} %)" for name, (k, n) in sorted(rows.items()) if n)
    lines.append(f"  other drift tests, flags per feature (each calibrated to about {100 * alpha:g} % or less): {shown}")
    return lines


MQ_WINDOW_HOURS = 6
MQ_TOLERANCE = 0.08  # a 6-hour window (1200 rows, ~270 defaulters) varies more than the 5000-row baseline
MQ_METRICS = ("recall", "f1")


def _model_quality(sc: Any, out: Path, progress: bool) -> list[str]:
    """Model quality of the scenario: a baseline from the labelled validation set (with the CBPE
    calibration), then per 6-hour window two runs, as a schedule would make them: one at the
    window's end, before any label has arrived (estimated performance only), and one a day later,
    when the labels have come in (realised metrics, checked against the constraints)."""
    from datetime import timedelta

    from driftline.model_quality import run_model_quality_monitor, suggest_model_quality_baseline
    from driftline.scenario import DECISION_THRESHOLD, LABEL_DELAY

    params: dict[str, Any] = {"probability_attribute": "0", "probability_threshold_attribute": DECISION_THRESHOLD}
    base = suggest_model_quality_baseline(
        sc.validation_path, problem_type="BinaryClassification", ground_truth_attribute="label", probability_attribute="score",
        probability_threshold_attribute=DECISION_THRESHOLD, tolerance=MQ_TOLERANCE,
    )
    # the team keeps the constraints it acts on (SageMaker recommends editing the suggestion)
    body = base.constraints["binary_classification_constraints"]
    base.constraints["binary_classification_constraints"] = {k: v for k, v in body.items() if k in MQ_METRICS}
    base.write(out / "baseline")
    assert base.statistics is not None
    stats = base.statistics["binary_classification_metrics"]
    lines = [
        f"model quality: decline at P(default) >= {DECISION_THRESHOLD:g}; labels arrive {LABEL_DELAY.days} day later "
        f"({MQ_WINDOW_HOURS}-hour windows)",
        "  baseline (validation set): " + ", ".join(f"{m} {stats[m]['value']:.3f}" for m in MQ_METRICS)
        + "; constraints: " + ", ".join(f"{m} >= {body[m]['threshold']:.3f}" for m in MQ_METRICS),
        "",
        f"  {'window (UTC)':<13} {'estimated at the window end [95%]':<45} {'realised a day later':<25} status",
    ]
    step = timedelta(hours=MQ_WINDOW_HOURS)
    windows = [sc.start + k * step for k in range(len(sc.hours) // MQ_WINDOW_HOURS)]
    early_alarm = confirmed = 0
    realised_runs = []
    for k, start in enumerate(windows):
        end = start + step
        at_end = run_model_quality_monitor(
            out / "baseline", sc.capture_dir, sc.ground_truth_dir, run_time=end, start_offset=f"-PT{MQ_WINDOW_HOURS}H",
            end_offset="PT0H", out=out / "estimated" / start.strftime("%Y/%m/%d/%H"), bootstrap=0, **params)
        later = end + LABEL_DELAY
        realised = run_model_quality_monitor(
            out / "baseline", sc.capture_dir, sc.ground_truth_dir, run_time=later,
            start_offset=f"-P{LABEL_DELAY.days}DT{MQ_WINDOW_HOURS}H", end_offset=f"-P{LABEL_DELAY.days}D",
            out=out / "realised" / start.strftime("%Y/%m/%d/%H"), **params)
        realised_runs.append(realised)
        est = "  ".join(f"{m} {at_end.estimated[m]['value']:.3f} [{at_end.estimated[m]['lower']:.2f},{at_end.estimated[m]['upper']:.2f}]"
                        for m in MQ_METRICS)
        got = realised.statistics.get("binary_classification_metrics", {})
        real = "  ".join(f"{m} {got[m]['value']:.3f}" for m in MQ_METRICS) if got else "(no labels)"
        warn = bool(at_end.estimated_violations)
        early_alarm += warn
        confirmed += warn and realised.status == "CompletedWithViolations"
        flag = ("ALERT (estimated) " if warn else "") + realised.status
        lines.append(f"  {start:%m-%d %H}-{end:%H}h  {est:<45} {real:<25} {flag}")
        if progress:
            print(f"\r  model quality window {k + 1:>2}/{len(windows)}", end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)
    violated = sum(1 for r in realised_runs if r.status == "CompletedWithViolations")
    lines += ["", f"  alarms from the estimate at the window end: {early_alarm}; confirmed by the labels a day later: {confirmed}; "
              f"windows violating the constraints once labelled: {violated}"]
    return lines
