"""SageMaker Clarify's bias metrics, computed from counts, equal to smclarify 0.5's values.

Every metric but FT depends only on the counts of rows per (facet group, ``group_variable``
stratum, observed label, predicted label), the *count tensor*. One counting pass per facet column
(the core's ``count_codes`` over one combined integer code per row) gives the counts of every
facet value at once; a facet value's tensor (its group *d* against the rest, *a*) is two sums of
it. The metric functions take tensors of shape ``(..., 2, G, 2, 2)`` (facet a/d, stratum, label
0/1, predicted 0/1) with any leading batch axes, so the bootstrap of the confidence-interval rule
evaluates all its resamples at once.

smclarify's behaviour is kept where it departs from Clarify's docs
(``../shared/research/bias_attribution_ab.md`` §1.5): KL, JS, LP, TVD and KS compare the
*binary-collapsed* label; "KS" is the L-infinity distance of the two label pmfs; a label class
is kept only when present in both groups (no renormalisation); ``divide(0, 0) = 0`` and
``x/0 = inf``; DCA, DCR, DAR, DRR, RD, SD, AD and TE are 0 when both group terms are infinite.
Whether a facet or label column is categorical or a threshold follows smclarify's
``series_datatype`` (float, or integer / integer-like strings with at least 5% unique values:
a threshold; a ``Categorical`` column or more than one value given: categorical).

A metric that is undefined for the data is reported with ``value`` None and an ``error`` saying
why (as smclarify's ``MetricError``); nothing here raises for a whole report.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from driftline import _core
from driftline.errors import InvalidInputError

__all__ = [
    "DESCRIPTIONS", "FacetValue", "Labels", "MetricResult", "POST_TRAINING", "PRE_TRAINING", "column_kind",
    "count_tensor", "encode_facet", "encode_labels", "flip_counts", "metric_values", "split_tensor",
]

F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]
INF = float("inf")
UNIQUENESS_THRESHOLD = 0.05
Kind = Literal["categorical", "continuous"]

PRE_TRAINING = ("CDDL", "CI", "DPL", "JS", "KL", "KS", "LP", "TVD")
POST_TRAINING = ("AD", "CDDPL", "DAR", "DCA", "DCR", "DI", "DPPL", "DRR", "FT", "GE", "RD", "SD", "TE")
DESCRIPTIONS = {
    "CI": "Class Imbalance (CI)",
    "DPL": "Difference in Positive Proportions in Labels (DPL)",
    "KL": "Kullback-Liebler Divergence (KL)",
    "JS": "Jensen-Shannon Divergence (JS)",
    "LP": "L-p Norm (LP)",
    "TVD": "Total Variation Distance (TVD)",
    "KS": "Kolmogorov-Smirnov Distance (KS)",
    "CDDL": "Conditional Demographic Disparity in Labels (CDDL)",
    "DPPL": "Difference in Positive Proportions in Predicted Labels (DPPL)",
    "DI": "Disparate Impact (DI)",
    "DCA": "Difference in Conditional Acceptance (DCA)",
    "DCR": "Difference in Conditional Rejection (DCR)",
    "RD": "Recall Difference (RD)",
    "SD": "Specificity Difference (SD)",
    "DAR": "Difference in Acceptance Rates (DAR)",
    "DRR": "Difference in Rejection Rates (DRR)",
    "AD": "Accuracy Difference (AD)",
    "CDDPL": "Conditional Demographic Disparity in Predicted Labels (CDDPL)",
    "TE": "Treatment Equality (TE)",
    "FT": "Flip Test (FT)",
    "GE": "Generalized Entropy (GE)",
}
#: the value of each metric at which the groups are at parity ("worse" is farther from it)
PARITY = {name: (1.0 if name == "DI" else 0.0) for name in DESCRIPTIONS}

# -- column kinds and encodings -----------------------------------------------------------------


def _unique_fraction(s: pl.Series) -> float:
    count = s.len() - s.null_count() - (int(s.is_nan().sum()) if s.dtype.is_float() else 0)
    n_unique = s.drop_nulls().n_unique() if count else 0
    if s.dtype.is_float():
        n_unique = s.drop_nulls().filter(~s.drop_nulls().is_nan()).n_unique()
    return 0.0 if count == 0 and n_unique == 0 else (INF if count == 0 else n_unique / count)


def column_kind(s: pl.Series, values: Sequence[Any] | None) -> Kind:
    """smclarify's ``series_datatype``: categorical or continuous (a threshold applies)."""
    if s.dtype in (pl.Categorical, pl.Enum) or (values is not None and len(values) > 1):
        return "categorical"
    if s.dtype == pl.String:
        cast = s.str.strip_chars().cast(pl.Int64, strict=False)
        if cast.null_count() == s.null_count() and _unique_fraction(s) >= UNIQUENESS_THRESHOLD:
            return "continuous"
        return "categorical"
    if s.dtype.is_float():
        return "continuous"
    if s.dtype.is_integer() and _unique_fraction(s) >= UNIQUENESS_THRESHOLD:
        return "continuous"
    return "categorical"


def _numeric(s: pl.Series) -> pl.Series:
    if s.dtype == pl.String:
        return s.str.strip_chars().cast(pl.Int64, strict=False)
    return s


def _threshold(values: Sequence[Any] | None, what: str) -> float | int:
    if not values:
        raise InvalidInputError(f"{what} is continuous (numeric with many distinct values): give one threshold in its value_or_threshold")
    t: Any = values[0]
    if isinstance(t, bool) or not isinstance(t, int | float):
        try:
            t = float(t)
        except (TypeError, ValueError):
            raise InvalidInputError(f"{what} is continuous: its threshold must be a single number, got {values[0]!r}") from None
    return t if isinstance(t, int) else float(t)


def _interval_text(t: float | int, top: Any) -> str:
    """smclarify's label for a threshold: ``pd.IntervalIndex.from_breaks`` of (t, max]."""
    if top is None:
        return ""
    both_int = isinstance(t, int) and isinstance(top, int)
    if not both_int:
        t, top = float(t), float(top)
    if abs(top) == t:
        return ""  # smclarify's quirk: an empty interval index
    lo, hi = sorted([t, top])
    return f"({lo}, {hi}]"


def _matching(uniques: list[Any], values: Sequence[Any], first: Any) -> tuple[list[int], list[Any]]:
    """Indices of ``uniques`` equal to one of ``values``; when none is, ``values`` converted to
    the type of the column's first value, as smclarify's ``convert_positive_label_values``."""
    hits = [i for i, u in enumerate(uniques) if any(_eq(u, v) for v in values)]
    if hits or first is None:
        return hits, list(values)
    kind: Callable[[Any], Any] = type(first)
    try:
        converted = [kind(v) for v in values]
    except (TypeError, ValueError):
        try:
            converted = [float(v) for v in values]
        except (TypeError, ValueError):
            return [], list(values)
    return [i for i, u in enumerate(uniques) if any(_eq(u, v) for v in converted)], converted


def _eq(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - incomparable values are not equal
        return False


@dataclass
class FacetValue:
    """One reported facet value: its ``value_or_threshold`` text and the facet codes of group d."""

    value_or_threshold: str
    codes: list[int]


@dataclass
class FacetEncoding:
    """A facet column as integer codes (``n_codes`` of them, nulls included as one code) and the
    values to report."""

    name: str
    kind: Kind
    codes: npt.NDArray[np.int64]
    n_codes: int
    values: list[FacetValue]
    sensitive: B | None = None  # for a single reported value: each row in group d


def encode_facet(s: pl.Series, values: Sequence[Any] | None) -> FacetEncoding:
    """The facet column's codes and reported values (one-vs-rest for each value when ``values`` is
    None; a categorical facet's codes are its distinct values in order of appearance; a threshold
    facet's are 1 above the threshold, else 0)."""
    name = s.name
    kind = column_kind(s, values)
    if kind == "continuous":
        t = _threshold(values, f"facet {name!r}")
        x = _numeric(s)
        top = x.max()
        codes = _above(x, t).astype(np.int64)
        return FacetEncoding(name, kind, codes, 2, [FacetValue(_interval_text(t, top), [1])])
    uniques = s.drop_nulls().unique(maintain_order=True)
    ulist = uniques.to_list()
    arr = s.replace_strict(uniques, pl.int_range(len(ulist), eager=True), default=len(ulist), return_dtype=pl.Int64).to_numpy()
    if values is None:
        reported = [FacetValue(str(v), [i]) for i, v in enumerate(ulist)]
    else:
        first = s[0] if s.len() else None
        hits, _ = _matching(ulist, values, first)
        reported = [FacetValue(",".join(map(str, values)), hits)]
    return FacetEncoding(name, kind, arr, len(ulist) + 1, reported)


@dataclass
class Labels:
    """Observed (and predicted) labels collapsed to positive / negative."""

    positive: B
    value_or_threshold: str
    kind: Kind
    predicted: B | None = None
    predicted_error: str | None = None


def encode_labels(label: pl.Series, values: Sequence[Any], predicted: pl.Series | None = None,
                  probability: pl.Series | None = None, probability_threshold: float = 0.5) -> Labels:
    """Positive labels (values in ``values``, or above the one threshold) and positive predictions
    (the same rule on ``predicted``, or ``probability > probability_threshold``)."""
    kind = column_kind(label, values)
    if kind == "continuous":
        t = _threshold(values, f"label column {label.name!r}")
        y = _numeric(label)
        pos = _above(y, t)
        text = _interval_text(t, y.max())
    else:
        ulist = label.drop_nulls().unique(maintain_order=True).to_list()
        hits, _ = _matching(ulist, values, label[0] if label.len() else None)
        pos = label.is_in([ulist[i] for i in hits]).fill_null(False).to_numpy() if hits else np.zeros(label.len(), bool)
        text = ",".join(map(str, values))
    out = Labels(np.asarray(pos, dtype=bool), text, kind)
    if probability is not None:
        p = _numeric(probability).cast(pl.Float64, strict=False)
        out.predicted = np.asarray((p > probability_threshold).fill_null(False).to_numpy(), dtype=bool)
    elif predicted is not None:
        pkind = column_kind(predicted, values)
        if pkind != kind:
            raise InvalidInputError(f"the predicted label column {predicted.name!r} is {pkind} but the label column "
                                    f"{label.name!r} is {kind}: they must be of the same kind (smclarify's rule)")
        if kind == "continuous":
            t = _threshold(values, f"label column {label.name!r}")
            yp = _numeric(predicted)
            out.predicted = _above(yp, t)
        else:
            ulist = predicted.drop_nulls().unique(maintain_order=True).to_list()
            hits, _ = _matching(ulist, values, predicted[0] if predicted.len() else None)
            out.predicted = (predicted.is_in([ulist[i] for i in hits]).fill_null(False).to_numpy() if hits
                             else np.zeros(predicted.len(), bool))
        out.predicted = np.asarray(out.predicted, dtype=bool)
    if out.predicted is not None and not out.predicted.any():
        out.predicted_error = (f"no positive predicted label: no prediction is one of the positive label values "
                               f"{out.value_or_threshold} (post-training metrics are undefined)")
    return out


def _above(x: pl.Series, t: float | int) -> B:
    above = (x.cast(pl.Float64) > float(t)).fill_null(False)  # NaN > t is False
    return np.asarray(above.to_numpy(), dtype=bool)


def group_codes(s: pl.Series | None) -> tuple[npt.NDArray[np.int64], int]:
    """Strata codes in sorted order of the values (as ``np.unique``); nulls are one more stratum."""
    if s is None:
        return np.zeros(0, np.int64), 1
    uniques = s.drop_nulls().unique().sort()
    n = uniques.len()
    codes = s.replace_strict(uniques, pl.int_range(n, eager=True), default=n, return_dtype=pl.Int64).to_numpy()
    return codes, n + (1 if s.null_count() else 0)


# -- counting ------------------------------------------------------------------------------------


def count_tensor(facet: FacetEncoding, groups: npt.NDArray[np.int64], n_groups: int, labels: Labels) -> npt.NDArray[np.float64]:
    """Counts per (facet code, stratum, label, predicted label): shape (n_codes, G, 2, 2), one
    pass of the core's ``count_codes`` over one combined code per row."""
    code = facet.codes.astype(np.int64) * n_groups
    if groups.size:
        code += groups
    code = code * 2 + labels.positive
    code = code * 2 + (labels.predicted if labels.predicted is not None else 0)
    size = facet.n_codes * n_groups * 4
    counts, _ = _core.count_codes(np.ascontiguousarray(code, dtype=np.int64), size)
    return counts.astype(np.float64).reshape(facet.n_codes, n_groups, 2, 2)


def split_tensor(counts: F64, d_codes: Sequence[int]) -> F64:
    """The (2, G, 2, 2) tensor of one facet value: group a (every other code), group d."""
    mask = np.zeros(counts.shape[0], bool)
    mask[list(d_codes)] = True
    d = counts[mask].sum(axis=0)
    a = counts.sum(axis=0) - d
    return np.stack([a, d])


# -- metrics -------------------------------------------------------------------------------------

Errors = list[tuple[B, str]]
Metric = tuple[F64, Errors]


def _div(a: F64, b: F64) -> F64:
    """smclarify's ``divide``: 0 for 0/0, +-inf for x/0."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = a / np.where(b == 0, 1.0, b)
    return np.where(b == 0, np.where(a == 0, 0.0, np.where(a < 0, -INF, INF)), q)


def _sizes(t: F64) -> tuple[F64, F64]:
    n = t.sum(axis=(-3, -2, -1))
    return n[..., 0], n[..., 1]


def _empty(na: F64, nd: F64, d_first: bool = False) -> Errors:
    ea = (na == 0, "facet group a (every row not in the sensitive group) is empty")
    ed = (nd == 0, "facet group d (the sensitive group) is empty: the facet value is absent from the data")
    return [ed, ea] if d_first else [ea, ed]


def _ci(t: F64) -> Metric:
    na, nd = _sizes(t)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (na - nd) / (na + nd), _empty(na, nd)


def _dpl(t: F64, axis: int) -> Metric:
    """DPL (axis -1: observed labels, summing predictions) or DPPL (axis -2)."""
    na, nd = _sizes(t)
    pos = t.sum(axis=(-3, axis))[..., 1]  # (..., 2 facet) counts of label 1
    with np.errstate(divide="ignore", invalid="ignore"):
        return pos[..., 0] / na - pos[..., 1] / nd, _empty(na, nd)


def _pmfs(t: F64) -> tuple[F64, F64, B, Errors]:
    ny = t.sum(axis=(-3, -1))  # (..., facet, label)
    n = ny.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = ny / n
    keep = (ny[..., 0, :] > 0) & (ny[..., 1, :] > 0)
    none = ~keep.any(axis=-1)
    pa = np.where(keep, p[..., 0, :], 1.0)
    pd_ = np.where(keep, p[..., 1, :], 1.0)
    return pa, pd_, keep, [(none, "no label class (positive or negative) is present in both facet groups")]


def _kl(t: F64) -> Metric:
    pa, pd_, keep, err = _pmfs(t)
    return np.where(keep, pa * np.log(pa / pd_), 0.0).sum(axis=-1), err


def _js(t: F64) -> Metric:
    pa, pd_, keep, err = _pmfs(t)
    p = 0.5 * (pa + pd_)
    v = 0.5 * (np.where(keep, pa * np.log(pa / p), 0.0).sum(axis=-1) + np.where(keep, pd_ * np.log(pd_ / p), 0.0).sum(axis=-1))
    return v, err


def _lp(t: F64) -> Metric:
    pa, pd_, keep, err = _pmfs(t)
    return np.sqrt(np.where(keep, (pa - pd_) ** 2, 0.0).sum(axis=-1)), err


def _tvd(t: F64) -> Metric:
    pa, pd_, keep, err = _pmfs(t)
    return 0.5 * np.where(keep, np.abs(pa - pd_), 0.0).sum(axis=-1), err


def _ks(t: F64) -> Metric:
    pa, pd_, keep, err = _pmfs(t)
    return np.where(keep, np.abs(pa - pd_), 0.0).max(axis=-1), err


def _cdd(t: F64, axis: int, has_groups: bool) -> Metric:
    """CDDL (axis -1 summed: observed labels) or CDDPL (axis -2 summed: predicted labels)."""
    lab = t.sum(axis=axis)  # (..., facet, G, label)
    total = lab.sum(axis=-3)  # (..., G, label)
    pos_all = total[..., 1].sum(axis=-1)
    neg_all = total[..., 0].sum(axis=-1)
    a_term = _safe(lab[..., 1, :, 1], total[..., 1])
    d_term = _safe(lab[..., 1, :, 0], total[..., 0])
    n_g = total.sum(axis=-1)
    v = _div((n_g * (d_term - a_term)).sum(axis=-1), n_g.sum(axis=-1))
    errors: Errors = []
    if not has_groups:
        errors.append((np.ones(v.shape, bool), "group_variable is not configured: conditional demographic disparity needs strata"))
    which = "labels" if axis == -1 else "predicted labels"
    errors += [(pos_all == 0, f"no positive {which} in the data"), (neg_all == 0, f"no negative {which} in the data")]
    return v, errors


def _safe(a: F64, b: F64) -> F64:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b != 0, a / np.where(b == 0, 1.0, b), 0.0)


def _di(t: F64) -> Metric:
    na, nd = _sizes(t)
    pos = t.sum(axis=(-3, -2))[..., 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        qa, qd = pos[..., 0] / na, pos[..., 1] / nd
    return _div(qd, qa), _empty(na, nd)


def _both_inf(x: F64, y: F64, v: F64) -> F64:
    return np.where((x == y) & (x == INF), 0.0, v)


def _cm(t: F64) -> tuple[F64, F64, F64, F64]:
    """TP, FP, FN, TN per facet group: each (..., 2)."""
    c = t.sum(axis=-3)  # (..., facet, label, pred)
    return c[..., 1, 1], c[..., 0, 1], c[..., 1, 0], c[..., 0, 0]


def _dco(t: F64) -> tuple[F64, F64, Errors]:
    na, nd = _sizes(t)
    tp, fp, fn, tn = _cm(t)
    n1, n0 = tp + fn, fp + tn  # observed
    h1, h0 = tp + fp, fn + tn  # predicted
    rr, c = _div(n0, h0), _div(n1, h1)
    dca = _both_inf(c[..., 0], c[..., 1], c[..., 0] - c[..., 1])
    dcr = _both_inf(rr[..., 0], rr[..., 1], rr[..., 1] - rr[..., 0])
    return dca, dcr, _empty(na, nd, d_first=True)


def _dlr(t: F64) -> tuple[F64, F64, Errors]:
    na, nd = _sizes(t)
    tp, fp, fn, tn = _cm(t)
    ar, rr = _div(tp, tp + fp), _div(tn, tn + fn)
    dar = _both_inf(ar[..., 0], ar[..., 1], ar[..., 0] - ar[..., 1])
    drr = _both_inf(rr[..., 0], rr[..., 1], rr[..., 1] - rr[..., 0])
    return dar, drr, _empty(na, nd, d_first=True)


def _dla(t: F64) -> tuple[F64, F64, Errors]:
    na, nd = _sizes(t)
    tp, fp, fn, tn = _cm(t)
    rec, sp = _div(tp, tp + fn), _div(tn, tn + fp)
    rd = _both_inf(rec[..., 0], rec[..., 1], rec[..., 0] - rec[..., 1])
    sd = _both_inf(sp[..., 0], sp[..., 1], sp[..., 1] - sp[..., 0])
    return rd, sd, _empty(na, nd, d_first=True)


def _ad(t: F64) -> Metric:
    na, nd = _sizes(t)
    tp, fp, fn, tn = _cm(t)
    acc = _div(tp + tn, tp + tn + fp + fn)
    return _both_inf(acc[..., 0], acc[..., 1], acc[..., 0] - acc[..., 1]), _empty(na, nd, d_first=True)


def _te(t: F64) -> Metric:
    na, nd = _sizes(t)
    tp, fp, fn, tn = _cm(t)
    tau = _div(fn, fp)
    with np.errstate(invalid="ignore"):
        v = tau[..., 1] - tau[..., 0]
    return _both_inf(tau[..., 0], tau[..., 1], v), _empty(na, nd, d_first=True)


def _ge(t: F64) -> Metric:
    tp, fp, fn, tn = (x.sum(axis=-1) for x in _cm(t))
    n = tp + fp + fn + tn
    with np.errstate(divide="ignore", invalid="ignore"):
        m = (tp + tn + 2 * fp) / n
        v = (fn * (0.0 - 1) + (tp + tn) * ((1 / m) ** 2 - 1) + fp * ((2 / m) ** 2 - 1)) / (n * 2)
    return v, [(n == 0, "the data is empty"),
               (m == 0, "every prediction is a false negative: generalized entropy needs at least one that is not")]


def metric_values(name: str, t: F64, has_groups: bool) -> Metric:
    """The metric ``name`` (any but FT) of tensors ``t`` of shape (..., 2, G, 2, 2): its values
    and, in order, the conditions (masks) under which it is undefined with their reasons."""
    with np.errstate(invalid="ignore", divide="ignore"):
        if name == "CI":
            return _ci(t)
        if name == "DPL":
            return _dpl(t, -1)
        if name == "DPPL":
            return _dpl(t, -2)
        if name in ("KL", "JS", "LP", "TVD", "KS"):
            return {"KL": _kl, "JS": _js, "LP": _lp, "TVD": _tvd, "KS": _ks}[name](t)
        if name == "CDDL":
            return _cdd(t, -1, has_groups)
        if name == "CDDPL":
            return _cdd(t, -2, has_groups)
        if name == "DI":
            return _di(t)
        if name in ("DCA", "DCR"):
            dca, dcr, e = _dco(t)
            return (dca if name == "DCA" else dcr), e
        if name in ("DAR", "DRR"):
            dar, drr, e = _dlr(t)
            return (dar if name == "DAR" else drr), e
        if name in ("RD", "SD"):
            rd, sd, e = _dla(t)
            return (rd if name == "RD" else sd), e
        if name == "AD":
            return _ad(t)
        if name == "TE":
            return _te(t)
        if name == "GE":
            return _ge(t)
    raise ValueError(f"unknown bias metric {name!r}")


@dataclass
class MetricResult:
    """One metric of one facet value: a value, or None with the reason."""

    name: str
    value: float | None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"name": self.name, "description": DESCRIPTIONS[self.name], "value": _json_value(self.value)}
        if self.error is not None:
            doc["error"] = self.error
        return doc


def _json_value(v: float | None) -> float | str | None:
    if v is None:
        return None
    if v == INF:
        return "Infinity"
    if v == -INF:
        return "-Infinity"
    return float(v)


def scalar_result(name: str, metric: Metric) -> MetricResult:
    """The result of an unbatched metric: its first failing condition, else its value."""
    value, errors = metric
    for mask, reason in errors:
        if bool(np.asarray(mask).reshape(-1)[0]):
            return MetricResult(name, None, reason)
    v = float(np.asarray(value).reshape(-1)[0])
    if np.isnan(v):
        return MetricResult(name, None, "the metric is undefined for this data")
    return MetricResult(name, v)


def batched_values(metric: Metric) -> F64:
    """Values of a batched metric with NaN where it is undefined."""
    value, errors = metric
    bad = np.zeros(np.shape(value), bool)
    for mask, _ in errors:
        bad |= np.broadcast_to(mask, bad.shape)
    return np.where(bad, np.nan, value)


# -- flip test -----------------------------------------------------------------------------------

FT_DEFAULT_NEIGHBOR, FT_MIN_NEIGHBOR, FT_SAMPLES_COUNT_THRESHOLD = 5, 1, 9


def flip_counts(features: pl.DataFrame, sensitive: B, predicted: B) -> tuple[int, int, int] | str:
    """FT's counts (flips to positive, flips to negative, size of d), or the reason it is undefined.

    smclarify's rule: a k-nearest-neighbour classifier (k = 5, or 1 when group a has at most 9
    rows; Euclidean distance, uniform weights) is fitted on group a's features with the model's
    predicted labels as targets and predicts group d; FS+ = model predicts 1 and kNN 0, FS- the
    reverse. scikit-learn's ``KNeighborsClassifier`` is used when installed (the same neighbours as
    smclarify, ties included); otherwise an exact brute-force search in numpy."""
    nd = int(sensitive.sum())
    na = int((~sensitive).sum())
    if nd == 0:
        return "facet group d (the sensitive group) is empty: the facet value is absent from the data"
    if na == 0:
        return "facet group a (every row not in the sensitive group) is empty"
    bad = [c for c, dt in features.schema.items() if not (dt.is_numeric() or dt == pl.Boolean)]
    if bad:
        return f"the flip test needs numeric features; non-numeric column(s): {', '.join(bad)}"
    if features.width == 0:
        return "the flip test needs at least one feature column besides the facet, label and prediction"
    x = features.cast(pl.Float64).to_numpy()
    if not np.isfinite(x).all():
        return "the flip test needs features without missing or infinite values"
    xa, ya, xd = x[~sensitive], predicted[~sensitive], x[sensitive]
    k = FT_DEFAULT_NEIGHBOR if na > FT_SAMPLES_COUNT_THRESHOLD else FT_MIN_NEIGHBOR
    knn = _knn_predict(xa, ya, xd, k)
    model = predicted[sensitive]
    return int((model & ~knn).sum()), int((~model & knn).sum()), nd


def _knn_predict(xa: F64, ya: B, xd: F64, k: int) -> B:
    try:
        from sklearn.neighbors import KNeighborsClassifier
    except ImportError:
        return _knn_numpy(xa, ya, xd, k)
    knn = KNeighborsClassifier(n_neighbors=k, weights="uniform", algorithm="auto", leaf_size=30, p=2, metric="minkowski")
    knn.fit(xa, ya)
    return np.asarray(knn.predict(xd), dtype=bool)


def _knn_numpy(xa: F64, ya: B, xd: F64, k: int) -> B:
    k = min(k, len(xa))
    out = np.empty(len(xd), bool)
    sq = (xa ** 2).sum(axis=1)
    step = max(1, 2_000_000 // max(1, len(xa)))
    for i in range(0, len(xd), step):  # blocks of rows, not a loop over rows
        block = xd[i:i + step]
        d2 = sq[None, :] - 2 * block @ xa.T + (block ** 2).sum(axis=1)[:, None]
        idx = np.argpartition(d2, k - 1, axis=1)[:, :k] if k < len(xa) else np.broadcast_to(np.arange(len(xa)), (len(block), len(xa)))
        votes = ya[idx].sum(axis=1)
        out[i:i + step] = votes * 2 > k  # binary majority (k odd)
    return out
