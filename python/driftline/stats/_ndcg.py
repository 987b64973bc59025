"""Attribution ranking drift."""

from __future__ import annotations

from typing import Any

from driftline import _core
from driftline._convert import to_float64

__all__ = ["ndcg"]


def ndcg(baseline_attributions: Any, current_attributions: Any, *, ignore_ties: bool = False) -> float:
    """SageMaker Clarify's feature-attribution drift score.

    With features ``f`` sorted by baseline attribution ``a`` and ``f'`` sorted by current
    attribution: ``DCG = sum_i a(f'_i) / log2(i + 1)``, ``iDCG = sum_i a(f_i) / log2(i + 1)``,
    ``NDCG = DCG / iDCG``. Gains are always the baseline attributions; the current ones only
    order the features. Clarify flags drift when NDCG < 0.9. Features whose current attributions
    tie share the mean gain of their group (``ignore_ties=False``), so the result equals
    ``sklearn.metrics.ndcg_score([baseline], [current])``; 0 when the ideal DCG is 0.

    ``ignore_ties=True`` ranks tied features in decreasing index order, which is what
    ``ndcg_score(..., ignore_ties=True)`` computes (``np.argsort(scores)[::-1]``) wherever
    numpy's default, unstable sort keeps ties in index order; with ties, scikit-learn's own
    result can depend on the input's length and the CPU, so prefer ``ignore_ties=False`` then.
    Baseline attributions are gains and must be non-negative (pass absolute SHAP values), else
    :class:`~driftline.errors.InvalidArgumentError`, where scikit-learn raises too.
    """
    b = to_float64(baseline_attributions, "baseline_attributions")
    c = to_float64(current_attributions, "current_attributions")
    return _core.ndcg(b, c, ignore_ties)
