"""An A/B demo: a champion and a challenger behind one endpoint (SageMaker production variants),
captured in the ``{endpoint}/{variant}/yyyy/mm/dd/hh`` layout, with ground truth arriving an
hour later and a business-event table (conversions, order values) keyed by inference id. The
challenger converts slightly better (``lift``) and is a little more accurate; traffic is split
50/50.

:func:`run_ab_demo` checks the test after every hour with the mSPRT (each look carries the
previous one), prints the sample-ratio check and the always-valid p-value converging, and stops
at the first decision; then it runs the group-sequential design over the same looks for
comparison. A caller (``driftline demo``) only needs :func:`run_ab_demo`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from driftline.abtest import data as d
from driftline.abtest.run import ABTestRun, run_abtest

__all__ = ["ABScenario", "run_ab_demo", "write_ab_scenario"]

START = datetime(2026, 11, 1, tzinfo=timezone.utc)
METRICS = ["converted:binary", "order_value:continuous", "correct:binary"]


@dataclass(frozen=True)
class ABScenario:
    root: Path
    capture_dir: Path
    ground_truth_dir: Path
    events_path: Path
    endpoint: str
    hours: int
    rows_per_hour: int
    lift: float


def write_ab_scenario(root: str | Path, *, seed: int = 13, hours: int = 24, rows_per_hour: int = 600, lift: float = 0.02,
                      endpoint: str = "credit-risk") -> ABScenario:
    """Write the scenario under ``root``: ``capture/``, ``groundtruth/``, ``events.csv``.
    Conversion is 10 % for the champion and ``10 % + lift`` for the challenger; accuracy 80 %
    and 82 %; an order of about 60 per conversion."""
    rng = np.random.default_rng(seed)
    root = Path(root)
    cap, gt = root / "capture", root / "groundtruth"
    events: list[tuple[str, int, float]] = []
    for h in range(hours):
        hour = START + timedelta(hours=h)
        labels: list[str] = []
        n_champion = int(rng.binomial(2 * rows_per_hour, 0.5))
        for variant, conversion, accuracy in (("champion", 0.10, 0.80), ("challenger", 0.10 + lift, 0.82)):
            n = n_champion if variant == "champion" else 2 * rows_per_hour - n_champion
            folder = cap / endpoint / variant / hour.strftime("%Y/%m/%d/%H")
            folder.mkdir(parents=True, exist_ok=True)
            lines = []
            preds = rng.integers(0, 2, n)
            right = rng.random(n) < accuracy
            converted = rng.random(n) < conversion
            seconds = np.sort(rng.integers(0, 3600, n))
            for i in range(n):
                iid = f"{variant}-{h:03d}-{i:05d}"
                record = {
                    "captureData": {
                        "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT", "data": f"{rng.normal():.3f},{rng.normal():.3f}",
                                          "encoding": "CSV"},
                        "endpointOutput": {"observedContentType": "text/csv", "mode": "OUTPUT", "data": str(int(preds[i])), "encoding": "CSV"}},
                    "eventMetadata": {"eventId": f"e-{iid}", "inferenceId": iid,
                                      "inferenceTime": (hour + timedelta(seconds=int(seconds[i]))).strftime("%Y-%m-%dT%H:%M:%SZ")},
                    "eventVersion": "0"}
                lines.append(json.dumps(record, separators=(",", ":")))
                truth = int(preds[i]) if right[i] else 1 - int(preds[i])
                labels.append(json.dumps({"groundTruthData": {"data": str(truth), "encoding": "CSV"}, "eventMetadata": {"eventId": iid},
                                          "eventVersion": "0"}, separators=(",", ":")))
                if converted[i]:
                    events.append((iid, 1, float(rng.gamma(4.0, 15.0))))
            (folder / "capture.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        upload = gt / (hour + timedelta(hours=1)).strftime("%Y/%m/%d/%H")
        upload.mkdir(parents=True, exist_ok=True)
        (upload / "labels.jsonl").write_text("\n".join(labels) + "\n", encoding="utf-8")
    events_path = root / "events.csv"
    pl.DataFrame(events, schema={"inferenceId": pl.String, "converted": pl.Int64, "order_value": pl.Float64}, orient="row").write_csv(events_path)
    return ABScenario(root, cap, gt, events_path, endpoint, hours, rows_per_hour, lift)


def _hourly_frames(sc: ABScenario) -> tuple[pl.DataFrame, list[datetime]]:
    frame, _ = d.read_capture_input(sc.capture_dir, sc.ground_truth_dir, None, None, "1")
    frame = d.join_events(frame, sc.events_path, "inferenceId")
    return frame, [START + timedelta(hours=h + 1) for h in range(sc.hours)]


def run_ab_demo(root: str | Path, out: str | Path, *, seed: int = 13, hours: int = 24, rows_per_hour: int = 600, lift: float = 0.02,
                echo: Callable[[str], None] | None = None) -> list[ABTestRun]:
    """Write the scenario under ``root``, then look after every hour: mSPRT runs carry the
    previous look (``out/msprt-hHH``) until the overall decision is no longer
    ``keep_running``; the group-sequential design over the planned maximum (all hours) looks
    at the same hours (``out/gst-hHH``). Returns the mSPRT runs; ``echo`` receives the lines."""
    say = echo if echo is not None else print
    sc = write_ab_scenario(root, seed=seed, hours=hours, rows_per_hour=rows_per_hour, lift=lift)
    frame, ends = _hourly_frames(sc)
    max_samples = 2 * rows_per_hour * hours
    out = Path(out)
    say(f"A/B demo: champion vs challenger (conversion +{lift:.0%} points), {hours} hours of {2 * rows_per_hour} requests, "
        f"checked every hour")
    runs: list[ABTestRun] = []
    prev: Any = None
    gst_prev: Any = None
    gst_done = False
    common: dict[str, Any] = {"variant_column": "variant", "metrics": METRICS, "control": "champion",
                              "weights": {"champion": 1.0, "challenger": 1.0}, "max_samples": max_samples, "bootstrap": 0}
    msprt_done = False
    for k, end in enumerate(ends):
        part = frame.filter(pl.col("inferenceTime") < end)
        if not msprt_done:
            run = run_abtest(part, method="msprt", previous=prev, out=out / f"msprt-h{k + 1:02d}", **common)
            runs.append(run)
            prev = run
            doc = run.to_dict()
            conv = next(e for e in doc["metrics"] if e["name"] == "converted")
            srm = doc["srm"]
            say(f"  hour {k + 1:>2}: {doc['variants']['champion']['n']:>6} vs {doc['variants']['challenger']['n']:>6} rows, "
                f"SRM p {srm['pvalue']:.3f}{' MISMATCH' if srm['mismatch'] else ''}; conversion {conv['control_mean']:.4f} vs "
                f"{conv['variant_mean']:.4f}, always-valid p {conv['pvalue']:.4f} -> {doc['decision']['decision']}")
            if doc["decision"]["decision"] != "keep_running":
                msprt_done = True
                w = ", ".join(f"{v}={x:.2f}" for v, x in doc["decision"]["suggested_weights"].items())
                say(f"  mSPRT decides at hour {k + 1}: {doc['decision']['decision']} ({doc['decision']['reason']}); "
                    f"suggested weights {w}")
        if not gst_done:
            g = run_abtest(part, method="gst", previous=gst_prev, out=out / f"gst-h{k + 1:02d}", **common)
            gst_prev = g
            gdoc = g.to_dict()
            if gdoc["decision"]["decision"] != "keep_running":
                gst_done = True
                gconv = next(e for e in gdoc["metrics"] if e["name"] == "converted")
                say(f"  group-sequential design (O'Brien-Fleming over {max_samples} rows) decides at hour {k + 1}: "
                    f"{gdoc['decision']['decision']} (|z| {abs(gconv['statistic']):.2f} against boundary {gconv['gst']['boundary']:.2f})")
        if msprt_done and gst_done:
            break
    return runs
