"""The statistics API under extreme floats: +/-1.79e308, 1e308, the smallest normal, subnormals
down to 5e-324, signed zeros, +/-inf, NaN, all-tied samples, empty and one-value samples.

Every result is either checked against a reference (numpy / scipy / scikit-learn, or exact
rational arithmetic where those overflow) within the tolerance stated beside the check, or is a
clear driftline error (``InvalidInputError`` and its subclasses). A wrong finite number or any
other exception fails the test.

References: exact values are computed with ``fractions.Fraction`` (every float is a rational),
then rounded once; a square root is taken after scaling by a power of two so that it cannot
overflow. Tolerances are absolute in units of the largest magnitude involved (``eps * max``)
wherever a result is a difference of extreme values, because no floating-point algorithm is
relatively accurate there; plus a few subnormal ulps (5e-324) where results are subnormal.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any, TypeVar

import numpy as np
import pytest
import scipy.stats as ss
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.metrics import ndcg_score

from driftline import stats
from driftline.errors import DriftlineError, EmptyInputError, InvalidArgumentError, InvalidInputError

M = float(np.finfo(np.float64).max)
TINY = 5e-324  # the smallest subnormal
EPS = float(np.finfo(np.float64).eps)
EXTREMES = [M, -M, 1e308, -1e308, 1.5e300, -1e-300, 2.2250738585072014e-308, 1e-310, -1e-310, TINY, -TINY, 0.0, -0.0, 1.0, -1.0]
POSITIVE = [M, 1e308, 1.5e300, 1e-300, 2.2250738585072014e-308, 1e-310, TINY, 0.0, 1.0, 3.0]

subnormal = st.integers(-64, 64).map(lambda k: k * TINY)  # a grid of subnormals: ties and tiny ranges
finite = st.one_of(st.sampled_from(EXTREMES), subnormal, st.floats(allow_nan=False, allow_infinity=False))
special = st.sampled_from([math.inf, -math.inf, math.nan])
value = st.one_of(finite, finite, special)  # specials about one draw in three


@st.composite
def samples(draw: st.DrawFn, elements: st.SearchStrategy[float] = value, min_size: int = 0, max_size: int = 20) -> np.ndarray:
    """Arrays mixing extremes, or all-tied arrays of one extreme value."""
    if draw(st.integers(0, 4)) == 0:
        return np.full(draw(st.integers(min_size, max_size) if min_size else st.integers(1, max_size)), draw(elements))
    return draw(hnp.arrays(np.float64, st.integers(min_size, max_size), elements=elements))


count = st.one_of(st.sampled_from(POSITIVE), st.floats(0.0, M))
counts = samples(elements=count, min_size=1, max_size=12)


@st.composite
def count_pairs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(1, 12))
    return draw(hnp.arrays(np.float64, n, elements=count)), draw(hnp.arrays(np.float64, n, elements=count))

T = TypeVar("T")


def outcome(call: Callable[[], T], allowed: str | None = None) -> T | DriftlineError:
    """The result of ``call``, or the driftline error it raised (any other exception propagates).
    A warning is an error too (a numpy RuntimeWarning must not reach users), except a documented
    one whose message matches ``allowed``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            if allowed is not None:
                warnings.filterwarnings("ignore", message=allowed)
            return call()
    except DriftlineError as e:
        assert isinstance(e, InvalidInputError), f"{type(e).__name__}: {e}"
        assert str(e), "error without a message"
        return e


def to_float(q: Fraction) -> float:
    """Correctly rounded float of an exact rational (+/-inf where it overflows)."""
    try:
        return float(q)
    except OverflowError:
        return math.inf if q > 0 else -math.inf


def exact_sqrt(q: Fraction) -> float:
    """sqrt of a non-negative rational: an integer square root with at least 128 correct bits,
    rounded once (+inf where it overflows)."""
    if q == 0:
        return 0.0
    s = max(0, 128 - (q.numerator.bit_length() - q.denominator.bit_length()) // 2)
    return to_float(Fraction(math.isqrt(q.numerator * 4**s // q.denominator), 2**s))


def close(got: float, want: float, rel: float, abs_: float) -> bool:
    """Within ``rel * |want| + abs_``; inf only where the true value overflows, or lies within
    the allowed error of f64::MAX (rounding up past it)."""
    if math.isinf(want) or math.isinf(got):
        return got == want or (got == math.inf and want >= M - rel * M - abs_)
    return abs(got - want) <= rel * abs(want) + abs_


# --- counting -----------------------------------------------------------------------------------


@given(samples(), st.integers(0, 20))
def test_moments(x: np.ndarray, split: int) -> None:
    fin = x[np.isfinite(x)]
    for m in (stats.moments(x), stats.moments(x[:split]).merge(stats.moments(x[split:]))):
        assert (m.count, m.nan, m.pos_inf, m.neg_inf) == (fin.size, np.isnan(x).sum(), np.isposinf(x).sum(), np.isneginf(x).sum())
        if fin.size == 0:
            assert math.isnan(m.mean) and math.isnan(m.std_pop) and m.sum == 0.0
            continue
        assert (m.min, m.max) == (fin.min(), fin.max())
        exact = [Fraction(float(v)) for v in fin]
        mean = sum(exact) / len(exact)
        var = sum((v - mean) ** 2 for v in exact) / len(exact)
        big = float(np.abs(fin).max())
        # mean and std: a few eps of the largest magnitude (a compensated, scaled two-pass sum;
        # deviations from the mean are rounded to eps * max however they are computed)
        assert close(m.mean, to_float(mean), 0.0, 4 * EPS * big + TINY), (m.mean, float(mean))
        assert close(m.std_pop, exact_sqrt(var), 0.0, 8 * EPS * big + 2 * TINY), (m.std_pop, exact_sqrt(var))
        if fin.size > 1:
            svar = sum((v - mean) ** 2 for v in exact) / (len(exact) - 1)
            assert close(m.std_sample, exact_sqrt(svar), 0.0, 8 * EPS * big + 2 * TINY)
        # the sum: inf exactly where the true sum overflows; else a few eps of n * max
        total = to_float(sum(exact))
        if math.isinf(total) or abs(sum(exact)) > Fraction(M) * (1 - Fraction(1, 2**50)):
            assume(not (abs(sum(exact)) > Fraction(M) * (1 - Fraction(1, 2**50)) and not math.isinf(total)))
            assert m.sum == total
        else:
            assert close(m.sum, total, 0.0, 4 * EPS * big * fin.size + TINY), (m.sum, total)


@given(samples(), st.integers(1, 20))
def test_histogram_equal_width(x: np.ndarray, bins: int) -> None:
    xs = x[~np.isnan(x)]  # driftline leaves NaN out (missing); numpy would raise on it
    got = outcome(lambda: stats.histogram(x, bins))
    try:
        with np.errstate(all="ignore"):
            ref: tuple[np.ndarray, np.ndarray] | None = np.histogram(xs, bins)
    except (ValueError, IndexError):
        ref = None  # numpy: range not finite, or "Too many bins", or garbage from overflow
    if ref is not None and np.isfinite(ref[1]).all():
        assert not isinstance(got, DriftlineError), got
        np.testing.assert_array_equal(got[0], ref[0])  # counts are integers: exact
        np.testing.assert_array_equal(got[1], ref[1])
        return
    if isinstance(got, DriftlineError):
        assert isinstance(got, InvalidArgumentError)
        return
    # numpy fails only through overflow of max - min: driftline's edges must be finite,
    # increasing, span the data, and count it as numpy counts explicit edges
    counts, edges = got
    with np.errstate(over="ignore"):
        assert xs.size and not np.isfinite(xs.max() - xs.min())
    assert np.isfinite(edges).all() and (np.diff(edges) > 0).all()
    assert edges[0] == xs.min() and edges[-1] == xs.max()
    np.testing.assert_array_equal(counts, np.histogram(xs, edges)[0])


def test_histogram_subnormal_range() -> None:
    # n / (max - min) overflows for a subnormal range: the float index must not be trusted
    x = np.arange(21) * TINY
    counts, edges = stats.histogram(x, 4)
    ref_counts, ref_edges = np.histogram(x, 4)
    np.testing.assert_array_equal(counts, ref_counts)
    np.testing.assert_array_equal(edges, ref_edges)


@given(samples(), st.lists(st.one_of(finite, st.sampled_from([math.inf, -math.inf])), min_size=2, max_size=8))
def test_histogram_explicit_edges(x: np.ndarray, edges: list[float]) -> None:
    e = np.sort(np.array(edges))
    got = outcome(lambda: stats.histogram(x, e))
    assert not isinstance(got, DriftlineError), got
    np.testing.assert_array_equal(got[0], np.histogram(x[~np.isnan(x)], e)[0])


@given(samples())
def test_count_categories(x: np.ndarray) -> None:
    values = x.tolist()
    cats, got, missing = stats.count_categories(values)
    want = Counter(str(v) for v in values if not math.isnan(v))
    assert dict(zip(cats, got.tolist())) == dict(want)
    assert missing == int(np.isnan(x).sum())  # NaN is missing, never a category


# --- two-sample tests and distances -------------------------------------------------------------


@given(samples(), samples())
def test_ks_2samp(a: np.ndarray, b: np.ndarray) -> None:
    # the documented fallback warning, which scipy gives in the same cases
    got = outcome(lambda: stats.ks_2samp(a, b), allowed="ks_2samp: Exact calculation unsuccessful")
    a_, b_ = a[~np.isnan(a)], b[~np.isnan(b)]
    if a_.size == 0 or b_.size == 0:
        assert isinstance(got, EmptyInputError)
        return
    assert not isinstance(got, DriftlineError), got
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ref = ss.ks_2samp(a_, b_)
    # the statistic is a difference of k/n fractions: equal; p-values as tests/stats/test_ks.py
    assert got.statistic == pytest.approx(float(ref.statistic), rel=1e-15, abs=1e-15)
    assert got.pvalue == pytest.approx(float(ref.pvalue), rel=1e-9, abs=1e-300)


def exact_cdf_distance(u: np.ndarray, v: np.ndarray, power: int) -> Fraction | float:
    """integral |U - V|^power dx over the empirical CDFs, exactly; inf when an infinite stretch
    has U != V, NaN when the samples sit at the same infinity (inf - inf)."""
    points = sorted(set(u.tolist()) | set(v.tolist()))
    total = Fraction(0)
    for lo, hi in zip(points, points[1:]):
        diff = abs(Fraction(int((u <= lo).sum()), u.size) - Fraction(int((v <= lo).sum()), v.size))
        if diff == 0:
            continue
        if math.isinf(lo) or math.isinf(hi):
            return math.inf
        total += diff**power * (Fraction(hi) - Fraction(lo))
    if any(math.isinf(p) for p in points) and total == 0 and len(points) == 1:
        return math.nan
    return total


@given(samples(), samples())
def test_wasserstein_and_energy(u: np.ndarray, v: np.ndarray) -> None:
    u_, v_ = u[~np.isnan(u)], v[~np.isnan(v)]
    w = outcome(lambda: stats.wasserstein_distance(u, v))
    e = outcome(lambda: stats.energy_distance(u, v))
    if u_.size == 0 or v_.size == 0:
        assert isinstance(w, EmptyInputError) and isinstance(e, EmptyInputError)
        return
    assert not isinstance(w, DriftlineError) and not isinstance(e, DriftlineError), (w, e)
    w1 = exact_cdf_distance(u_, v_, 1)
    w2 = exact_cdf_distance(u_, v_, 2)
    if isinstance(w1, float):
        # an infinite stretch with U != V (inf), or samples at the same infinity: never a
        # finite number (inf, or scipy's NaN from inf - inf for a repeated infinity)
        assert not math.isfinite(w) and not math.isfinite(e), (w, e)
        if math.isinf(w1) and math.isnan(w):
            with np.errstate(all="ignore"):
                assert np.isnan(ss.wasserstein_distance(u_, v_)), (w, e)
        return
    assert isinstance(w2, Fraction)
    if math.isnan(w) or math.isnan(e):
        # a zero-weight step to or between infinities: 0 * inf = NaN, as scipy computes it
        with np.errstate(all="ignore"):
            ref_w, ref_e = ss.wasserstein_distance(u_, v_), ss.energy_distance(u_, v_)
        assert np.isinf(np.concatenate([u_, v_])).any()
        np.testing.assert_equal((w, e), (ref_w, ref_e))
        return
    n = u_.size + v_.size
    # a sum of n non-negative terms, each rounded (rel n eps), some of them subnormal (n TINY)
    assert close(w, to_float(w1), 4 * n * EPS, n * TINY), (w, float(w1))
    # sqrt of such a sum: an absolute error d in the sum moves the root by at most sqrt(d)
    assert close(e, exact_sqrt(2 * w2), 4 * n * EPS, math.sqrt(2 * n * TINY)), (e, exact_sqrt(2 * w2))


def proportions(c: np.ndarray) -> np.ndarray:
    exact = [Fraction(float(v)) for v in c]
    total = sum(exact)
    return np.array([float(v / total) for v in exact])


def kl_ref(p: np.ndarray, q: np.ndarray) -> float:
    """sum p ln(p/q) in extended precision (80-bit on x86), where subnormal proportions keep
    their ratios; otherwise scipy.stats.entropy's formula."""
    pl, ql = p.astype(np.longdouble), q.astype(np.longdouble)
    keep = pl > 0
    if (ql[keep] == 0).any():
        return math.inf
    return float(np.sum(pl[keep] * np.log(pl[keep] / ql[keep])))


def js_ref(p: np.ndarray, q: np.ndarray) -> float:
    """scipy.spatial.distance.jensenshannon's formula in extended precision (scipy's own
    m = (p + q) / 2 underflows to 0 for a subnormal proportion and then gives inf)."""
    m = (p.astype(np.longdouble) + q.astype(np.longdouble)) / 2
    return math.sqrt(max((kl_ref(p, m) + kl_ref(q, m)) / 2, 0.0))


BINNED: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "kl_divergence": kl_ref,
    "jensenshannon": js_ref,
    "hellinger": lambda p, q: float(np.sqrt(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2) / 2)),
    "total_variation": lambda p, q: float(np.abs(p - q).sum() / 2),
    "linf": lambda p, q: float(np.abs(p - q).max()),
    "psi": lambda p, q: float(np.sum((np.maximum(q, 1e-4) - np.maximum(p, 1e-4)) * np.log(np.maximum(q, 1e-4) / np.maximum(p, 1e-4)))),
}


@given(count_pairs(), st.sampled_from(sorted(BINNED)))
def test_binned_distances(pq: tuple[np.ndarray, np.ndarray], name: str) -> None:
    p, q = pq
    got = outcome(lambda: getattr(stats, name)(p, q))
    if not (p.max() > 0 and q.max() > 0):
        assert isinstance(got, EmptyInputError)
        return
    assert not isinstance(got, DriftlineError), got
    # reference: scipy / the formula on exactly normalised proportions (scipy's own
    # normalisation overflows for counts near 1.8e308); divergences cancel to about n eps
    # absolute (as in test_distance.py), the others are sums of n terms each rounded once
    with np.errstate(all="ignore"):
        ref = BINNED[name](proportions(p), proportions(q))
    assert got >= 0.0
    # jensenshannon is a square root: the divergence's absolute error d moves it by d / (2 sqrt)
    atol = p.size * 4e-16 / max(got + ref, 1e-300) if name == "jensenshannon" else p.size * 4e-16
    assert close(got, ref, 1e-10, atol), (got, ref)


@st.composite
def value_pairs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(1, 12))
    return draw(hnp.arrays(np.float64, n, elements=value)), draw(hnp.arrays(np.float64, n, elements=value))


@given(value_pairs())
def test_binned_distances_refuse_bad_counts(pq: tuple[np.ndarray, np.ndarray]) -> None:
    p, q = pq
    bad = not (np.isfinite(p).all() and np.isfinite(q).all() and (p >= 0).all() and (q >= 0).all())
    for name in BINNED:
        got = outcome(lambda: getattr(stats, name)(p, q))
        if bad:
            assert isinstance(got, InvalidInputError), (name, got)
        elif not isinstance(got, DriftlineError):
            assert math.isfinite(got) or name == "kl_divergence", (name, got)


def exact_chisquare(o: Sequence[float], e: Sequence[float] | None) -> float:
    obs = [Fraction(v) for v in o]
    exp = [sum(obs) / len(obs)] * len(obs) if e is None else [Fraction(v) for v in e]
    return to_float(sum((a - b) ** 2 / b for a, b in zip(obs, exp)))


@given(counts, st.booleans())
def test_chisquare(f_obs: np.ndarray, with_expected: bool) -> None:
    f_exp = np.roll(f_obs, 1) if with_expected else None
    got = outcome(lambda: stats.chisquare(f_obs, f_exp))
    if f_obs.max() == 0 or (f_exp is not None and (f_exp == 0).any()) or f_obs.size == 1 and f_exp is not None:
        if isinstance(got, DriftlineError):
            return
    if isinstance(got, DriftlineError):
        # only for what scipy also rejects or leaves undefined: zero expected frequencies
        assert f_obs.max() == 0 or f_exp is not None and (f_exp == 0).any(), got
        return
    want = exact_chisquare(f_obs.tolist(), None if f_exp is None else f_exp.tolist())
    big = float(f_obs.max())
    # a sum of k terms (o - e)^2 / e, each within a few eps; (o - e) cancels to eps * max
    assert close(got.statistic, want, 16 * f_obs.size * EPS, 16 * EPS * big), (got.statistic, want)
    dof = f_obs.size - 1
    if dof > 0 and math.isfinite(got.statistic):
        assert got.pvalue == pytest.approx(float(ss.chi2.sf(got.statistic, dof)), rel=1e-9, abs=1e-300)


# --- sketch and ranking -------------------------------------------------------------------------


@given(samples(), st.lists(st.floats(0, 1), min_size=1, max_size=5))
def test_kll_sketch(x: np.ndarray, qs: list[float]) -> None:
    sketch = stats.KllSketch()
    sketch.update(x)
    fin = np.sort(x[np.isfinite(x)])
    assert (sketch.n, sketch.nan_count, sketch.pos_inf_count, sketch.neg_inf_count) == (
        fin.size, np.isnan(x).sum(), np.isposinf(x).sum(), np.isneginf(x).sum()
    )
    got = outcome(lambda: sketch.quantiles(qs))
    if fin.size == 0:
        assert isinstance(got, EmptyInputError)
        return
    # at most k = 2048 values: the sketch is exact, the inverted-CDF quantile of the data
    assert not isinstance(got, DriftlineError), got
    np.testing.assert_array_equal(got, np.quantile(fin, qs, method="inverted_cdf"))
    buckets = sketch.buckets(4)
    assert all(math.isfinite(lo) and math.isfinite(hi) and lo <= hi for lo, hi, _ in buckets), buckets
    # as in Deequ, the last upper bound can round to just below the maximum, which then is
    # not counted (documented in KllSketch.buckets)
    missed = int((fin > buckets[-1][1]).sum())
    assert sum(c for _, _, c in buckets) == fin.size - missed


@st.composite
def rankings(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(1, 12))
    gains = draw(hnp.arrays(np.float64, n, elements=st.one_of(st.sampled_from(POSITIVE + [-1.0, -TINY, math.nan, math.inf]), st.floats(0, M))))
    scores = draw(hnp.arrays(np.float64, n, elements=st.one_of(finite, special)))
    return gains, scores


@given(rankings(), st.booleans())
def test_ndcg(gs: tuple[np.ndarray, np.ndarray], ignore_ties: bool) -> None:
    gains, scores = gs
    got = outcome(lambda: stats.ndcg(gains, scores, ignore_ties=ignore_ties))
    if not (np.isfinite(gains).all() and np.isfinite(scores).all()) or (gains < 0).any():
        assert isinstance(got, InvalidInputError), got  # scikit-learn raises as well
        return
    assert not isinstance(got, DriftlineError), got
    # NDCG does not change when the gains are scaled; scaling by a power of two is exact and
    # keeps scikit-learn's sums from overflowing (gains near 1.8e308) or going subnormal
    big = float(gains.max())
    scaled = gains / math.ldexp(1.0, math.frexp(big)[1] - 1) if big > 0 else gains
    order = ss.rankdata(scores, method="ordinal") if ignore_ties else scores  # see test_ndcg.py
    with np.errstate(all="ignore"):  # scikit-learn's tie averaging over scores like -M and M
        ref = float(ndcg_score([scaled], [order], ignore_ties=ignore_ties)) if gains.size > 1 else (1.0 if big > 0 else 0.0)
    # sums of at most 12 terms: rtol 1e-12 as in test_ndcg.py; subnormal gains below 2^-52 of
    # the largest lose their digits in either computation
    assert got == pytest.approx(ref, rel=1e-12, abs=1e-15), (got, ref)


def test_one_value_and_empty_inputs_end_in_a_result_or_a_clear_error() -> None:
    calls: list[Callable[[Any], Any]] = [
        lambda x: stats.moments(x),
        lambda x: stats.histogram(x, 3),
        lambda x: stats.count_categories(x),
        lambda x: stats.ks_2samp(x, x),
        lambda x: stats.wasserstein_distance(x, x),
        lambda x: stats.energy_distance(x, x),
        lambda x: stats.psi(x, x),
        lambda x: stats.kl_divergence(x, x),
        lambda x: stats.jensenshannon(x, x),
        lambda x: stats.hellinger(x, x),
        lambda x: stats.total_variation(x, x),
        lambda x: stats.linf(x, x),
        lambda x: stats.chisquare(x),
        lambda x: stats.KllSketch.of(x).quantiles([0.5]),
        lambda x: stats.ndcg(x, x),
    ]
    for x in ([], [M], [TINY], [math.nan], [math.inf], [-0.0]):
        for call in calls:
            got = outcome(lambda: call(np.array(x, dtype=np.float64)))
            if isinstance(got, DriftlineError):
                continue
            flat = np.ravel(np.asarray(got[0] if isinstance(got, tuple) and not hasattr(got, "_fields") else got, dtype=object))
            for v in flat:
                if isinstance(v, float) and not math.isfinite(v):
                    # only where the value is truly undefined or infinite: NaN moments of no
                    # value, NaN/inf distances of samples sitting at infinity
                    assert x in ([], [math.nan], [math.inf]) or math.isnan(v), (x, got)
