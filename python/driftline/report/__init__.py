"""Self-contained HTML reports of one monitoring run (``driftline report --run DIR``).

The report reads the run folder's files (data quality: ``statistics.json``, ``drift.json``,
``constraint_violations.json``, ``monitoring_run.json``; model quality: the confusion matrix and
curves in ``statistics.json``; bias: ``analysis.json``; attribution: ``attribution_drift.json``)
and, when known, the baseline's ``statistics.json``, and renders one HTML file with inline CSS and
inline SVG charts: no script, no external URL, so it opens from disk with no network.

Columns listed in ``sensitive`` never show a raw category value: each is replaced by a hashed
label (``#`` and 8 hex digits of its SHA-256), in the charts and in every text of the report
(violation descriptions, reasons); their statistics (counts, distances) still show.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup

from driftline.dashboard import svg
from driftline._redact import Redactor as _Redactor
from driftline._redact import redactor
from driftline.dashboard._templates import CSP, css, environment
from driftline.errors import InvalidInputError

__all__ = ["build_report", "redactor", "render_report", "render_report_body", "write_report"]

_MAX_CATEGORIES = 20


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise InvalidInputError(f"{path}: cannot be read as JSON: {e}") from None


def _baseline_statistics(baseline: str | Path | None) -> Any:
    if baseline is None:
        return None
    p = Path(baseline)
    if p.is_dir():
        p = p / "statistics.json"
    if not p.exists():
        return None
    return _load(p)


def _categorical(feature: dict[str, Any]) -> list[dict[str, Any]]:
    st = feature.get("string_statistics") or {}
    buckets = ((st.get("distribution") or {}).get("categorical") or {}).get("buckets") or []
    return [b for b in buckets if isinstance(b, dict)]


def _kll(feature: dict[str, Any]) -> list[tuple[float, float, float]]:
    st = feature.get("numerical_statistics") or {}
    buckets = ((st.get("distribution") or {}).get("kll") or {}).get("buckets") or []
    out = []
    for b in buckets:
        try:
            out.append((float(b["lower_bound"]), float(b["upper_bound"]), float(b["count"])))
        except (KeyError, TypeError, ValueError):
            continue
    return out


def _common(feature: dict[str, Any]) -> dict[str, Any]:
    for key in ("numerical_statistics", "string_statistics"):
        if isinstance(feature.get(key), dict):
            return dict(feature[key].get("common") or {})
    return {}


def _features(current: Any, baseline: Any, red: _Redactor) -> list[dict[str, Any]]:
    cur = {f.get("name"): f for f in (current or {}).get("features", []) if isinstance(f, dict)}
    base = {f.get("name"): f for f in (baseline or {}).get("features", []) if isinstance(f, dict)}
    names = list(cur) + [n for n in base if n not in cur]
    out = []
    for name in names:
        c, b = cur.get(name), base.get(name)
        f = c or b or {}
        row: dict[str, Any] = {"name": str(name), "type": f.get("inferred_type", ""), "sensitive": name in red.sensitive,
                               "in_current": c is not None, "in_baseline": b is not None}
        cc, bc = _common(c or {}), _common(b or {})
        row["present"], row["missing"] = cc.get("num_present"), cc.get("num_missing")
        row["base_present"], row["base_missing"] = bc.get("num_present"), bc.get("num_missing")
        for key in ("mean", "std_dev", "min", "max"):
            row[key] = ((c or {}).get("numerical_statistics") or {}).get(key)
            row["base_" + key] = ((b or {}).get("numerical_statistics") or {}).get(key)
        hist_series = []
        if b is not None and _kll(b):
            hist_series.append(("baseline", _kll(b)))
        if c is not None and _kll(c):
            hist_series.append(("current", _kll(c)))
        chart: Markup | None = None
        if hist_series:
            chart = svg.histograms(hist_series)
        else:
            cb = {str(x.get("value")): float(x.get("count") or 0) for x in _categorical(c or {})}
            bb = {str(x.get("value")): float(x.get("count") or 0) for x in _categorical(b or {})}
            if cb or bb:
                ct, bt = sum(cb.values()) or 1.0, sum(bb.values()) or 1.0
                values = sorted(set(cb) | set(bb), key=lambda v: -(cb.get(v, 0.0) / ct + bb.get(v, 0.0) / bt))
                shown = values[:_MAX_CATEGORIES]
                labels = [red.label(str(name), v) for v in shown]
                series: list[tuple[str, list[float]]] = []
                if bb:
                    series.append(("baseline", [bb.get(v, 0.0) / bt for v in shown]))
                if cb:
                    series.append(("current", [cb.get(v, 0.0) / ct for v in shown]))
                chart = svg.bars(labels, series)
                row["more_categories"] = max(0, len(values) - len(shown))
        row["chart"] = chart
        out.append(row)
    return out


def _drift(drift: Any, red: _Redactor) -> dict[str, Any] | None:
    if not isinstance(drift, dict):
        return None
    tests = []
    for t in drift.get("tests", []):
        if isinstance(t, dict):
            tests.append({**t, "note": red.text(t.get("note", "")), "feature": str(t.get("feature", ""))})
    return {"alpha": drift.get("alpha"), "fdr": drift.get("fdr"), "dataset_drift": drift.get("dataset_drift"),
            "drifted": [str(x) for x in drift.get("drifted_features") or []], "tests": tests}


def _violations(doc: Any, red: _Redactor) -> list[dict[str, str]]:
    out = []
    for v in (doc or {}).get("violations", []) if isinstance(doc, dict) else []:
        if not isinstance(v, dict):
            continue
        feature = v.get("feature_name", v.get("facet", v.get("label", "")))
        check = v.get("constraint_check_type", v.get("metric_name", ""))
        desc = v.get("description")
        if desc is None:
            desc = json.dumps({k: x for k, x in v.items() if k not in ("feature_name", "constraint_check_type")}, sort_keys=True, default=str)
        out.append({"feature": str(feature), "check": str(check), "description": red.text(desc)})
    return out


def _model_quality(stats: Any) -> dict[str, Any] | None:
    if not isinstance(stats, dict):
        return None
    for kind in ("binary_classification_metrics", "multiclass_classification_metrics", "regression_metrics"):
        m = stats.get(kind)
        if not isinstance(m, dict):
            continue
        out: dict[str, Any] = {"kind": kind.replace("_", " "), "metrics": [], "matrix": None, "roc": None, "pr": None}
        for name, v in m.items():
            if isinstance(v, dict) and "value" in v and isinstance(v["value"], (int, float)):
                ci = v.get("confidence_interval") or {}
                out["metrics"].append({"name": name, "value": v["value"], "lower": ci.get("lower"), "upper": ci.get("upper")})
        cm = m.get("confusion_matrix")
        if isinstance(cm, dict) and cm:
            labels = sorted({str(k) for k in cm} | {str(k2) for row in cm.values() if isinstance(row, dict) for k2 in row})
            counts = [[float((cm.get(a) or {}).get(b, 0) or 0) for b in labels] for a in labels]
            out["matrix"] = svg.matrix(labels, counts)
        roc = m.get("receiver_operating_characteristic_curve")
        if isinstance(roc, dict) and roc.get("false_positive_rates"):
            out["roc"] = svg.xy_curve(roc["false_positive_rates"], roc.get("true_positive_rates") or [], xlabel="false positive rate",
                                      ylabel="true positive rate", diagonal=True)
        pr = m.get("precision_recall_curve")
        if isinstance(pr, dict) and pr.get("recalls"):
            out["pr"] = svg.xy_curve(pr["recalls"], pr.get("precisions") or [], xlabel="recall", ylabel="precision")
        return out
    return None


def _bias(analysis: Any, red: _Redactor) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if not isinstance(analysis, dict):
        return out
    for stage in ("pre_training_bias_metrics", "post_training_bias_metrics"):
        section = analysis.get(stage)
        if not isinstance(section, dict):
            continue
        for facet, entries in (section.get("facets") or {}).items():
            for entry in entries or []:
                for m in entry.get("metrics", []) if isinstance(entry, dict) else []:
                    if isinstance(m, dict):
                        out.append({"stage": stage.replace("_bias_metrics", "").replace("_", "-"), "facet": str(facet),
                                    "value_or_threshold": red.label(str(facet), str(entry.get("value_or_threshold", ""))),
                                    "name": str(m.get("name", "")), "value": m.get("value"), "error": red.text(m.get("error") or "")})
    return out


def _attribution(doc: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if not isinstance(doc, dict):
        return out
    for lab in doc.get("labels", []):
        if not isinstance(lab, dict):
            continue
        feats = [f for f in lab.get("features", []) if isinstance(f, dict)]
        chart = svg.bars([str(f.get("feature", "")) for f in feats[:_MAX_CATEGORIES]],
                         [("baseline", [float(f.get("baseline") or 0.0) for f in feats[:_MAX_CATEGORIES]]),
                          ("current", [float(f.get("current") or 0.0) for f in feats[:_MAX_CATEGORIES]])])
        out.append({"label": str(lab.get("label", "")), "ndcg": lab.get("ndcg"), "threshold": lab.get("threshold"), "drift": lab.get("drift"),
                    "spearman": lab.get("spearman"), "features": feats, "chart": chart})
    return out


def build_report(run: str | Path, *, baseline: str | Path | None = None, sensitive: Iterable[str] = (),
                 title: str | None = None) -> dict[str, Any]:
    """The report's content (the template's context) for the run folder ``run``."""
    folder = Path(run)
    if not folder.is_dir():
        raise InvalidInputError(f"{folder}: no such run folder")
    record = _load(folder / "monitoring_run.json")
    if record is None:
        raise InvalidInputError(f"{folder}: not a monitoring run folder (no monitoring_run.json)")
    red = _Redactor(sensitive)
    stats = _load(folder / "statistics.json")
    base_stats = _baseline_statistics(baseline)
    if base_stats is None and isinstance(record, dict) and isinstance(record.get("baseline"), str):
        base_stats = _baseline_statistics(record["baseline"])
    red.learn(stats)
    red.learn(base_stats)
    is_dq = isinstance(stats, dict) and "features" in stats
    features = _features(stats, base_stats, red) if is_dq else []
    analysis = _load(folder / "analysis.json")
    attribution_doc = _load(folder / "attribution_drift.json")
    bias = _bias(analysis, red) if attribution_doc is None else []
    rec = {k: (red.text(v) if isinstance(v, str) else v) for k, v in (record if isinstance(record, dict) else {}).items()}
    return {
        "title": title or f"driftline report: {folder.name}",
        "folder": folder.name,
        "record": rec,
        "record_rows": [(k, v) for k, v in rec.items() if not isinstance(v, (dict, list))],
        "has_baseline": base_stats is not None,
        "features": features,
        "drift": _drift(_load(folder / "drift.json"), red),
        "violations": _violations(_load(folder / "constraint_violations.json"), red),
        "model_quality": None if is_dq else _model_quality(stats),
        "bias": bias,
        "attribution": _attribution(attribution_doc),
        "sensitive": sorted(red.sensitive),
        "generated": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "redact": red.text,
    }


def render_report_body(context: dict[str, Any]) -> Markup:
    """The report's sections as an HTML fragment (the dashboard's execution page embeds it)."""
    return Markup(environment().get_template("_report_body.html").render(**context))


def render_report(run: str | Path, *, baseline: str | Path | None = None, sensitive: Iterable[str] = (),
                  title: str | None = None) -> str:
    """The whole self-contained HTML document."""
    ctx = build_report(run, baseline=baseline, sensitive=sensitive, title=title)
    return environment().get_template("report.html").render(body=render_report_body(ctx), css=Markup(css()), csp=CSP, **ctx)


def write_report(run: str | Path, out: str | Path, *, baseline: str | Path | None = None, sensitive: Iterable[str] = ()) -> int:
    """Write the report to ``out``; returns its size in bytes."""
    html = render_report(run, baseline=baseline, sensitive=sensitive)
    data = html.encode("utf-8")
    Path(out).write_bytes(data)
    return len(data)

