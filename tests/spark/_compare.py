"""Comparisons of a Spark result with the single-process one: what must be equal, and what
within which bound.

- Exact: row, null, NaN, inf and type counts, inferred types, category counts (while exact),
  non-finite texts, the distinct-count summaries (KMV hashes) and min / max.
- Moments (sum, mean, population std): up to summation order, ``|a - b| <= MOMENT_RTOL * n * max|x|``
  (plus relative ``MOMENT_RTOL`` for std).
- Quantiles: the rank error of the Spark sketch's quantile against the exact values is within
  the sketch's ``normalized_rank_error()`` (99 % bound at k = 2048: 0.00138).
- KS between the two sketches: within the sum of their bounds.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from driftline.profile import ColumnProfile, Profile
from driftline.stats import ks_sketch

MOMENT_RTOL = 1e-12


def close(a: float | None, b: float | None, scale: float, rtol: float = MOMENT_RTOL) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=rtol, abs_tol=rtol * scale)


def assert_columns_match(s: ColumnProfile, p: ColumnProfile, exact_values: np.ndarray | None = None) -> None:
    where = f"column {p.name!r}"
    assert (s.num_null, s.num_nan, s.num_inf) == (p.num_null, p.num_nan, p.num_inf), where
    assert s.type_counts == p.type_counts, where
    assert s.inferred_type == p.inferred_type, where
    assert (s.num_present, s.num_missing) == (p.num_present, p.num_missing), where
    assert s.categories_exact == p.categories_exact, where
    if p.categories_exact:
        assert s.category_counts == p.category_counts, where
        assert s.categories == p.categories, where
    assert s.nonfinite_text == p.nonfinite_text, where
    assert np.array_equal(s.kmv, p.kmv), where
    assert s.distinct_count == p.distinct_count, where
    if p.moments is None:
        assert s.moments is None, where
    else:
        assert s.moments is not None, where
        a, b = s.moments, p.moments
        assert a.count == b.count and a.min == b.min and a.max == b.max, where
        scale = b.count * max(abs(b.min), abs(b.max), 1e-300)
        assert close(a.sum, b.sum, scale), (where, a.sum, b.sum)
        assert close(a.mean, b.mean, scale / max(b.count, 1)), (where, a.mean, b.mean)
        assert close(a.std_pop, b.std_pop, max(abs(b.max - b.min), 1e-300), rtol=1e-9), (where, a.std_pop, b.std_pop)
    if p.kll is None or p.kll.is_empty:
        assert s.kll is None or s.kll.is_empty, where
        return
    assert s.kll is not None, where
    assert (s.kll.n, s.kll.min, s.kll.max) == (p.kll.n, p.kll.min, p.kll.max), where
    ks = ks_sketch(s.kll, p.kll)
    assert ks.statistic <= ks.error_bound + 1e-12, (where, ks)
    if exact_values is not None:
        assert_quantiles_within_bound(s, np.sort(exact_values))


def rank_errors(col: ColumnProfile, sorted_values: np.ndarray, qs: np.ndarray) -> np.ndarray:
    """Per q: how far (as a fraction of n) the sketch's quantile's exact rank is from q."""
    assert col.kll is not None
    n = len(sorted_values)
    got = col.kll.quantiles(qs)
    lo = np.searchsorted(sorted_values, got, side="left") / n
    hi = np.searchsorted(sorted_values, got, side="right") / n
    return np.where(qs < lo, lo - qs, np.where(qs > hi, qs - hi, 0.0))


def assert_quantiles_within_bound(col: ColumnProfile, sorted_values: np.ndarray) -> float:
    assert col.kll is not None
    qs = np.linspace(0.01, 0.99, 99)
    err = float(rank_errors(col, sorted_values, qs).max())
    bound = col.kll.normalized_rank_error() + 1 / len(sorted_values)
    assert err <= bound, (col.name, err, bound)
    return err


def assert_profiles_match(s: Profile, p: Profile, exact: dict[str, np.ndarray] | None = None) -> None:
    assert list(s.columns) == list(p.columns)
    assert s.item_count == p.item_count
    for name, col in p.columns.items():
        assert_columns_match(s.columns[name], col, (exact or {}).get(name))


def schema_of(doc: Any) -> Any:
    """The shape of a JSON document: keys and value types (lists by their items' union)."""
    if isinstance(doc, dict):
        return {k: schema_of(v) for k, v in sorted(doc.items())}
    if isinstance(doc, list):
        # an empty inner list (a sketch level without items) is compatible with any list
        return ["list", sorted({repr(schema_of(v)) for v in doc if not (isinstance(v, list) and not v)})]
    if isinstance(doc, bool) or doc is None:
        return type(doc).__name__
    if isinstance(doc, int | float):
        return "number"
    return type(doc).__name__


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def assert_violations_match(a: list[dict[str, Any]], b: list[dict[str, Any]], atol: float = 0.01) -> None:
    """The same violations (feature, check, description); numbers in the descriptions (distances
    computed from sketches) within ``atol``."""
    assert [(v["feature_name"], v["constraint_check_type"]) for v in a] == [(v["feature_name"], v["constraint_check_type"]) for v in b]
    for va, vb in zip(a, b, strict=True):
        da, db = va["description"], vb["description"]
        assert _NUMBER.sub("#", da) == _NUMBER.sub("#", db), (da, db)
        for x, y in zip(_NUMBER.findall(da), _NUMBER.findall(db), strict=True):
            assert abs(float(x) - float(y)) <= atol, (da, db)
