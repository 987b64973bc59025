"""Writing a benchmark's results: ``results.csv``, ``results.json``, the plots (power curves per
scenario, false-positive rate against sample size) as PNG, and ``report.html``, one
self-contained page with the same plots embedded as base64 PNG and the results table.

The CSV is deterministic: numbers are written with ``repr`` (rates and intervals) and the time per
test with 4 significant digits, empty where absent, so the same seed with ``timing=False`` gives
the same bytes."""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import math
from pathlib import Path
from typing import Any

from driftline.benchdrift.run import BenchResult, BenchRow

__all__ = ["csv_text", "plot_false_positive_rate", "plot_power", "write_report"]


def _cell(row: BenchRow, column: str) -> str:
    value = getattr(row, column)
    if value is None:
        return ""
    if column == "seconds_per_test":
        return f"{value:.4g}"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def csv_text(result: BenchResult) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(BenchRow.COLUMNS)
    for r in result.rows:
        w.writerow([_cell(r, c) for c in BenchRow.COLUMNS])
    return buf.getvalue()


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig: Any, dpi: int) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    _pyplot().close(fig)
    return buf.getvalue()


def plot_false_positive_rate(result: BenchResult, dpi: int = 80) -> bytes | None:
    """False-positive rate under no drift against sample size, per test, with its interval; the
    dashed line is alpha. None when the run had no ``no_drift`` rows."""
    rows = [r for r in result.rows if r.scenario == "no_drift"]
    if not rows:
        return None
    plt = _pyplot()
    kinds = [k for k in ("numeric", "categorical") if any(r.kind == k for r in rows)]
    fig, axes = plt.subplots(1, len(kinds), figsize=(6 * len(kinds), 4), squeeze=False)
    for ax, kind in zip(axes[0], kinds, strict=True):
        for test in dict.fromkeys(r.test for r in rows if r.kind == kind):
            pts = sorted((r for r in rows if r.kind == kind and r.test == test), key=lambda r: r.n)
            xs = [r.n for r in pts]
            ys = [r.rate for r in pts]
            err = [[r.rate - r.ci_low for r in pts], [r.ci_high - r.rate for r in pts]]
            ax.errorbar(xs, ys, yerr=err, marker="o", markersize=3, capsize=2, label=test)
        ax.axhline(result.alpha, color="black", linestyle="--", linewidth=1, label=f"alpha = {result.alpha:g}")
        ax.set_xscale("log")
        ax.set_xlabel("sample size n (reference = window)")
        ax.set_ylabel("false-positive rate")
        reps = sorted({r.reps for r in rows if r.kind == kind}, reverse=True)
        ax.set_title(f"no drift, {kind} data ({' / '.join(map(str, reps))} reps, {_pct(result.confidence)} Clopper-Pearson)",
                     fontsize=9)
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
    return _png(fig, dpi)


def _pct(x: float) -> str:
    return f"{100 * x:g}%"


def plot_power(result: BenchResult, scenario: str, dpi: int = 80) -> bytes | None:
    """Power against sample size for one scenario: one panel per effect size, one line per test
    (the band is the interval)."""
    rows = [r for r in result.rows if r.scenario == scenario]
    if not rows:
        return None
    plt = _pyplot()
    effects = sorted({r.effect for r in rows})
    cols = min(3, len(effects))
    nrows = math.ceil(len(effects) / cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(4.5 * cols, 3.5 * nrows), squeeze=False, sharey=True)
    unit = result.scenarios.get(scenario, {}).get("unit", "")
    for i, effect in enumerate(effects):
        ax = axes[i // cols][i % cols]
        for test in dict.fromkeys(r.test for r in rows):
            pts = sorted((r for r in rows if r.test == test and r.effect == effect), key=lambda r: r.n)
            if not pts:
                continue
            xs = [r.n for r in pts]
            (line,) = ax.plot(xs, [r.rate for r in pts], marker="o", markersize=3, label=test)
            ax.fill_between(xs, [r.ci_low for r in pts], [r.ci_high for r in pts], color=line.get_color(), alpha=0.15)
        ax.set_xscale("log")
        ax.set_ylim(-0.02, 1.02)
        ax.set_title(f"{scenario}, effect {effect:g} ({unit})", fontsize=9)
        ax.set_xlabel("sample size n")
        ax.set_ylabel("power (rejection rate)")
        ax.grid(alpha=0.3)
    for j in range(len(effects), nrows * cols):
        axes[j // cols][j % cols].set_visible(False)
    axes[0][0].legend(fontsize=7)
    return _png(fig, dpi)


def write_report(result: BenchResult, out: str | Path) -> dict[str, Path]:
    """Write results.csv, results.json, false_positive_rate.png, power_<scenario>.png and
    report.html into ``out`` (created); returns the paths by name."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    paths["csv"] = folder / "results.csv"
    paths["csv"].write_text(csv_text(result), encoding="utf-8")
    images: list[tuple[str, bytes]] = []
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        result.skipped.append({"test": "plots", "description": "PNG plots", "reason": "matplotlib is not installed "
                               "(pip install 'driftline[bench]')"})
    else:
        fpr = plot_false_positive_rate(result)
        if fpr is not None:
            images.append(("false_positive_rate", fpr))
        for scenario in dict.fromkeys(r.scenario for r in result.rows):
            if scenario != "no_drift":
                png = plot_power(result, scenario)
                if png is not None:
                    images.append((f"power_{scenario}", png))
    for name, png in images:
        paths[name] = folder / f"{name}.png"
        paths[name].write_bytes(png)
    paths["json"] = folder / "results.json"
    paths["json"].write_text(json.dumps({**result.meta(), "results": [r.to_json() for r in result.rows]}, indent=1) + "\n",
                             encoding="utf-8")
    paths["html"] = folder / "report.html"
    paths["html"].write_text(_html(result, images), encoding="utf-8")
    return paths


def _html(result: BenchResult, images: list[tuple[str, bytes]]) -> str:
    e = html.escape
    head = ["test", "kind", "scenario", "effect", "n", "reps", "rejections", "rate", "ci_low", "ci_high", "seconds_per_test",
            "false_alarms_per_day"]

    def fmt(r: BenchRow, c: str) -> str:
        v = getattr(r, c)
        if v is None:
            return ""
        if c == "seconds_per_test":
            return f"{v:.3g}"
        if isinstance(v, float) and c != "effect":
            return f"{v:.4f}" if c != "false_alarms_per_day" else f"{v:.2f}"
        return str(v)

    table = "".join("<tr>" + "".join(f"<td>{e(fmt(r, c))}</td>" for c in head) + "</tr>\n" for r in result.rows)
    figs = "".join(f'<h3>{e(name)}</h3>\n<img alt="{e(name)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">\n'
                   for name, png in images)
    tests = "".join(f"<li><b>{e(k)}</b>: {e(v)}</li>" for k, v in result.tests.items())
    scen = "".join(f"<li><b>{e(k)}</b> (effect in {e(str(v['unit']))}; {e(', '.join(f'{x:g}' for x in v['effects']))}): "
                   f"{e(str(v['description']))}</li>" for k, v in result.scenarios.items())
    skipped = "".join(f"<li>{e(s['test'])}: {e(s['description'])}: {e(s['reason'])}</li>" for s in result.skipped)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>driftline bench-drift</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1400px}}table{{border-collapse:collapse;font-size:12px}}
td,th{{border:1px solid #ccc;padding:2px 6px;text-align:right}}img{{max-width:100%}}</style></head><body>
<h1>Drift test benchmark</h1>
<p>alpha {result.alpha:g}; {result.reps} repetitions per cell (other libraries' tests: the first {result.external_reps},
up to n = {result.external_max_n}); sizes {e(', '.join(map(str, result.sizes)))};
seed {result.seed}; reference: {e(result.reference)}; intervals: {_pct(result.confidence)} Clopper-Pearson (exact binomial);
false alarms per day = 24 hourly windows x the no-drift rate; run time {result.elapsed_seconds:.1f} s.</p>
<h2>Tests</h2><ul>{tests}</ul>
<h2>Scenarios</h2><ul>{scen}</ul>
<h2>Skipped</h2><ul>{skipped or '<li>nothing</li>'}</ul>
<h2>Plots</h2>
{figs}
<h2>Results</h2>
<table><tr>{''.join(f'<th>{c}</th>' for c in head)}</tr>
{table}</table>
</body></html>
"""
