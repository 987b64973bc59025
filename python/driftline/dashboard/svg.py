"""Inline SVG charts for the dashboard and the reports: no JavaScript, no external resource.

Every function returns :class:`markupsafe.Markup`; every piece of text that comes from data
(feature names, category labels, titles) goes through :func:`markupsafe.escape`, so a name such
as ``<script>`` is drawn as text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup

__all__ = ["bars", "heatmap", "histograms", "line", "matrix", "xy_curve"]

_COLORS = ("#1f6fb4", "#e07b00", "#2a9d4b", "#b8323a", "#7a4fb0")


def _n(x: float) -> str:
    return f"{x:.1f}"


def _fmt(v: float) -> str:
    if not math.isfinite(v):
        return str(v)
    a = abs(v)
    if a != 0 and (a >= 1e5 or a < 1e-3):
        return f"{v:.3g}"
    return f"{v:.4g}"


def line(points: Sequence[tuple[str, float]], *, width: int = 560, height: int = 120, title: str = "") -> Markup:
    """A line chart of (label, value) points in order (labels shown at both ends)."""
    vals = [v for _, v in points if math.isfinite(v)]
    if not vals:
        return Markup('<svg class="chart" width="{w}" height="24" role="img"><text x="4" y="16">no data</text></svg>').format(w=width)
    lo, hi = min(vals), max(vals)
    if hi == lo:
        hi, lo = hi + 1.0, lo - 1.0
    pad_l, pad_r, pad_t, pad_b = 56, 8, 14, 18
    w, h = width - pad_l - pad_r, height - pad_t - pad_b
    n = len(points)
    coords = []
    for i, (_, v) in enumerate(points):
        if not math.isfinite(v):
            continue
        x = pad_l + (w * i / (n - 1) if n > 1 else w / 2)
        y = pad_t + h - (v - lo) / (hi - lo) * h
        coords.append(f"{_n(x)},{_n(y)}")
    parts = [Markup('<svg class="chart" width="{}" height="{}" viewBox="0 0 {} {}" role="img">').format(width, height, width, height)]
    if title:
        parts.append(Markup('<title>{}</title>').format(title))
    parts.append(Markup('<rect x="{}" y="{}" width="{}" height="{}" fill="#fafafa" stroke="#ddd"/>').format(pad_l, pad_t, w, h))
    parts.append(Markup('<text x="{}" y="{}" text-anchor="end" font-size="10">{}</text>').format(pad_l - 3, pad_t + 8, _fmt(hi)))
    parts.append(Markup('<text x="{}" y="{}" text-anchor="end" font-size="10">{}</text>').format(pad_l - 3, pad_t + h, _fmt(lo)))
    parts.append(Markup('<polyline fill="none" stroke="#1f6fb4" stroke-width="1.5" points="{}"/>').format(" ".join(coords)))
    if len(coords) == 1:
        cx, cy = coords[0].split(",")
        parts.append(Markup('<circle cx="{}" cy="{}" r="2.5" fill="#1f6fb4"/>').format(cx, cy))
    parts.append(Markup('<text x="{}" y="{}" font-size="10">{}</text>').format(pad_l, height - 4, points[0][0]))
    parts.append(Markup('<text x="{}" y="{}" font-size="10" text-anchor="end">{}</text>').format(width - pad_r, height - 4, points[-1][0]))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def histograms(series: Sequence[tuple[str, Sequence[tuple[float, float, float]]]], *, width: int = 460, height: int = 150) -> Markup:
    """Densities of one or more histograms ``(name, [(lower, upper, count), ...])`` drawn as step
    outlines over a common axis (baseline vs current)."""
    edges = [(lo, hi) for _, b in series for lo, hi, _c in b if math.isfinite(lo) and math.isfinite(hi)]
    if not edges:
        return Markup('<svg class="chart" width="{}" height="24" role="img"><text x="4" y="16">no distribution</text></svg>').format(width)
    xmin = min(lo for lo, _ in edges)
    xmax = max(hi for _, hi in edges)
    if xmax <= xmin:
        xmax = xmin + 1.0
    dens: list[tuple[str, list[tuple[float, float, float]]]] = []
    top = 0.0
    for name, buckets in series:
        total = sum(c for _, _, c in buckets) or 1.0
        d = []
        for lo, hi, c in buckets:
            span = hi - lo if hi > lo else (xmax - xmin) / 100.0
            d.append((lo, lo + span, c / total / span))
            top = max(top, c / total / span)
        dens.append((name, d))
    top = top or 1.0
    pad_l, pad_r, pad_t, pad_b = 8, 8, 18, 18
    w, h = width - pad_l - pad_r, height - pad_t - pad_b

    def sx(x: float) -> float:
        return pad_l + (x - xmin) / (xmax - xmin) * w

    def sy(y: float) -> float:
        return pad_t + h - y / top * h

    parts = [Markup('<svg class="chart" width="{}" height="{}" viewBox="0 0 {} {}" role="img">').format(width, height, width, height),
             Markup('<rect x="{}" y="{}" width="{}" height="{}" fill="#fafafa" stroke="#ddd"/>').format(pad_l, pad_t, w, h)]
    for k, (name, d) in enumerate(dens):
        color = _COLORS[k % len(_COLORS)]
        pts = []
        for lo, hi, y in sorted(d):
            pts += [f"{_n(sx(lo))},{_n(sy(0))}", f"{_n(sx(lo))},{_n(sy(y))}", f"{_n(sx(hi))},{_n(sy(y))}", f"{_n(sx(hi))},{_n(sy(0))}"]
        opacity = "0.25" if k == 0 else "0"
        parts.append(Markup('<polyline fill="{}" fill-opacity="{}" stroke="{}" stroke-width="1.5" points="{}"/>').format(
            color, opacity, color, " ".join(pts)))
        parts.append(Markup('<text x="{}" y="12" font-size="11" fill="{}">{}</text>').format(pad_l + 4 + 110 * k, color, name))
    parts.append(Markup('<text x="{}" y="{}" font-size="10">{}</text>').format(pad_l, height - 4, _fmt(xmin)))
    parts.append(Markup('<text x="{}" y="{}" font-size="10" text-anchor="end">{}</text>').format(width - pad_r, height - 4, _fmt(xmax)))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def bars(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], *, width: int = 460) -> Markup:
    """Horizontal grouped bars: one group per label, one bar per series (e.g. the proportions of
    each category in the baseline and in the window)."""
    rows = len(labels)
    k = max(1, len(series))
    bar_h, gap, pad_l, pad_t = 8, 6, 130, 18
    height = pad_t + rows * (k * bar_h + gap) + 4
    top = max([v for _, vs in series for v in vs if math.isfinite(v)] or [1.0]) or 1.0
    w = width - pad_l - 50
    parts = [Markup('<svg class="chart" width="{}" height="{}" viewBox="0 0 {} {}" role="img">').format(width, height, width, height)]
    for j, (name, _) in enumerate(series):
        parts.append(Markup('<text x="{}" y="12" font-size="11" fill="{}">{}</text>').format(pad_l + 110 * j, _COLORS[j % len(_COLORS)], name))
    for i, label in enumerate(labels):
        y0 = pad_t + i * (k * bar_h + gap)
        text = label if len(label) <= 22 else label[:21] + "\u2026"
        parts.append(Markup('<text x="{}" y="{}" font-size="10" text-anchor="end">{}</text>').format(pad_l - 4, y0 + k * bar_h / 2 + 3, text))
        for j, (_, vs) in enumerate(series):
            v = vs[i] if i < len(vs) and math.isfinite(vs[i]) else 0.0
            parts.append(Markup('<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>').format(
                pad_l, y0 + j * bar_h, _n(max(0.0, v) / top * w), bar_h - 1, _COLORS[j % len(_COLORS)]))
            parts.append(Markup('<text x="{}" y="{}" font-size="9">{}</text>').format(
                _n(pad_l + max(0.0, v) / top * w + 3), y0 + j * bar_h + bar_h - 1, _fmt(v)))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def heatmap(rows: Sequence[str], columns: Sequence[tuple[str, str]], values: Sequence[Sequence[float | None]], *,
            threshold: float | None = None, cell: int = 9) -> Markup:
    """Rows (features) by columns (windows: ``(label, link)``) colored by value; each cell links to
    its column's page and has a title with the row, the column and the value."""
    finite = [v for r in values for v in r if v is not None and math.isfinite(v)]
    top = max(finite or [1.0]) or 1.0
    pad_l, pad_t = 140, 4
    width = pad_l + cell * len(columns) + 10
    height = pad_t + 14 * len(rows) + 20
    parts = [Markup('<svg class="heatmap" width="{}" height="{}" viewBox="0 0 {} {}" role="img">').format(width, height, width, height)]
    for i, name in enumerate(rows):
        y = pad_t + 14 * i
        parts.append(Markup('<text x="{}" y="{}" font-size="10" text-anchor="end">{}</text>').format(pad_l - 4, y + 10, name))
        for j, (label, href) in enumerate(columns):
            v = values[i][j] if j < len(values[i]) else None
            if v is None or not math.isfinite(v):
                fill = "#eee"
                shown = "no value"
            else:
                t = max(0.0, min(1.0, v / top))
                fill = f"rgb(255,{int(255 - 200 * t)},{int(255 - 230 * t)})"
                if threshold is not None and v > threshold:
                    fill = f"rgb({int(200 - 60 * t)},30,40)"
                shown = _fmt(v)
            parts.append(Markup('<a href="{}"><rect x="{}" y="{}" width="{}" height="12" fill="{}"><title>{} {}: {}</title></rect></a>').format(
                href, pad_l + cell * j, y, cell - 1, fill, name, label, shown))
    if columns:
        parts.append(Markup('<text x="{}" y="{}" font-size="10">{}</text>').format(pad_l, height - 4, columns[0][0]))
        parts.append(Markup('<text x="{}" y="{}" font-size="10" text-anchor="end">{}</text>').format(width - 10, height - 4, columns[-1][0]))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def xy_curve(xs: Sequence[float], ys: Sequence[float], *, xlabel: str, ylabel: str, size: int = 220, diagonal: bool = False) -> Markup:
    """A curve in the unit square (ROC, precision-recall)."""
    pad = 30
    s = size - 2 * pad

    def px(x: float) -> float:
        return pad + max(0.0, min(1.0, x)) * s

    def py(y: float) -> float:
        return pad + s - max(0.0, min(1.0, y)) * s

    step = max(1, len(xs) // 400)
    pts = " ".join(f"{_n(px(x))},{_n(py(y))}" for x, y in list(zip(xs, ys, strict=False))[::step] if math.isfinite(x) and math.isfinite(y))
    parts = [Markup('<svg class="chart" width="{}" height="{}" viewBox="0 0 {} {}" role="img">').format(size, size, size, size),
             Markup('<rect x="{}" y="{}" width="{}" height="{}" fill="#fafafa" stroke="#999"/>').format(pad, pad, s, s)]
    if diagonal:
        parts.append(Markup('<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#bbb" stroke-dasharray="3"/>').format(pad, pad + s, pad + s, pad))
    parts.append(Markup('<polyline fill="none" stroke="#1f6fb4" stroke-width="1.5" points="{}"/>').format(pts))
    parts.append(Markup('<text x="{}" y="{}" font-size="10" text-anchor="middle">{}</text>').format(pad + s / 2, size - 8, xlabel))
    parts.append(Markup('<text x="10" y="{}" font-size="10" transform="rotate(-90 10 {})" text-anchor="middle">{}</text>').format(
        pad + s / 2, pad + s / 2, ylabel))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def matrix(labels: Sequence[str], counts: Sequence[Sequence[float]]) -> Markup:
    """A confusion matrix (rows: actual, columns: predicted) as an SVG grid."""
    n = len(labels)
    c, pad = 56, 70
    size = pad + c * n + 10
    top = max([v for r in counts for v in r] or [1.0]) or 1.0
    parts = [Markup('<svg class="chart" width="{}" height="{}" viewBox="0 0 {} {}" role="img">').format(size, size, size, size),
             Markup('<text x="{}" y="12" font-size="10" text-anchor="middle">predicted</text>').format(pad + c * n / 2)]
    for j, lab in enumerate(labels):
        parts.append(Markup('<text x="{}" y="{}" font-size="10" text-anchor="middle">{}</text>').format(pad + c * j + c / 2, pad - 6, lab))
        parts.append(Markup('<text x="{}" y="{}" font-size="10" text-anchor="end">{}</text>').format(pad - 6, pad + c * j + c / 2 + 3, lab))
    for i in range(n):
        for j in range(n):
            v = counts[i][j]
            t = v / top
            parts.append(Markup('<rect x="{}" y="{}" width="{}" height="{}" fill="rgb({},{},255)" stroke="#fff"/>').format(
                pad + c * j, pad + c * i, c, c, int(255 - 180 * t), int(255 - 150 * t)))
            parts.append(Markup('<text x="{}" y="{}" font-size="12" text-anchor="middle">{}</text>').format(
                pad + c * j + c / 2, pad + c * i + c / 2 + 4, _fmt(v)))
    parts.append(Markup('<text x="12" y="{}" font-size="10" transform="rotate(-90 12 {})" text-anchor="middle">actual</text>').format(
        pad + c * n / 2, pad + c * n / 2))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
