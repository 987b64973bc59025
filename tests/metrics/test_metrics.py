"""driftline.metrics against scikit-learn (hypothesis examples per test: tests/conftest.py).

Tolerance: 1e-12 absolute (values lie in [0, 1] or are compared relative to their scale). The
core follows scikit-learn operation by operation and sums in numpy's pairwise order, so most
values agree to the last bit; the remaining freedom is the order of the weighted running sums
inside tied scores and pairwise vs. numpy's SIMD reductions, which moves results by a few ulps,
far below 1e-12.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import sklearn.metrics as sk
from hypothesis import assume, given
from hypothesis import strategies as st

from driftline import metrics as m
from driftline.errors import InvalidArgumentError, InvalidCountError, LengthMismatchError

TOL = 1e-12
pytestmark = pytest.mark.filterwarnings("ignore:A single label was found:UserWarning")


def _close(ours: Any, ref: Any, rel: bool = False) -> None:
    a, b = np.asarray(ours, dtype=np.float64), np.asarray(ref, dtype=np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    scale = np.maximum(np.abs(b), 1.0) if rel else 1.0
    with np.errstate(invalid="ignore"):  # inf - inf where both overflowed alike
        ok = (a == b) | (np.abs(a - b) <= TOL * scale)
    assert np.all(ok), np.max(np.abs(a - b))


# Scores: few distinct values (ties), all equal, huge and tiny magnitudes.
SCORE_KINDS = st.sampled_from(["uniform", "ties", "equal", "huge", "tiny", "mixed"])


@st.composite
def binary_case(draw: st.DrawFn, weighted: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    n = draw(st.integers(2, 300))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    y[0], y[1] = 0, 1  # both classes
    kind = draw(SCORE_KINDS)
    s = {
        "uniform": lambda: rng.random(n),
        "ties": lambda: rng.integers(0, draw(st.integers(1, 6)), n).astype(float),
        "equal": lambda: np.full(n, 0.3),
        "huge": lambda: rng.standard_normal(n) * 1e300,
        "tiny": lambda: rng.standard_normal(n) * 1e-310,
        "mixed": lambda: rng.choice([-1e300, -1.0, -0.0, 0.0, 5e-324, 1.0, 1e300], n),
    }[kind]()
    w = None
    if weighted:
        w = rng.choice([0.0, 0.5, 1.0, 3.0, 1e-3, 7.25], n) if draw(st.booleans()) else rng.random(n) * 10
        w[0], w[1] = 1.0, 1.0
    return y, s, w


@given(binary_case(weighted=False) | binary_case(weighted=True))
def test_roc_and_auc_match_sklearn(case: tuple[np.ndarray, np.ndarray, np.ndarray | None]) -> None:
    y, s, w = case
    fpr, tpr, thr = m.roc_curve(y, s, sample_weight=w)
    rf, rt, rthr = sk.roc_curve(y, s, sample_weight=w)
    _close(fpr, rf)
    _close(tpr, rt)
    assert np.array_equal(thr, rthr)
    _close(m.roc_auc_score(y, s, sample_weight=w), sk.roc_auc_score(y, s, sample_weight=w))


@given(binary_case(weighted=False) | binary_case(weighted=True))
def test_pr_curve_and_average_precision_match_sklearn(case: tuple[np.ndarray, np.ndarray, np.ndarray | None]) -> None:
    y, s, w = case
    p, r, thr = m.precision_recall_curve(y, s, sample_weight=w)
    rp, rr, rthr = sk.precision_recall_curve(y, s, sample_weight=w)
    _close(p, rp)
    _close(r, rr)
    assert np.array_equal(thr, rthr)
    _close(m.average_precision_score(y, s, sample_weight=w), sk.average_precision_score(y, s, sample_weight=w))


def test_binary_labels_and_pos_label() -> None:
    y = np.array(["no", "yes", "yes", "no", "yes"])
    s = np.array([0.1, 0.8, 0.4, 0.4, 0.9])
    assert m.roc_auc_score(y, s, pos_label="yes") == sk.roc_auc_score(y == "yes", s)
    assert m.roc_auc_score(np.array([-1, 1, 1, -1]), s[:4]) == sk.roc_auc_score([-1, 1, 1, -1], s[:4])
    # roc_auc_score infers the positive label as scikit-learn does (the larger of two); the curves do not
    assert m.roc_auc_score(y, s) == sk.roc_auc_score(y, s)
    for f in (m.roc_curve, m.precision_recall_curve, m.average_precision_score):
        with pytest.raises(InvalidArgumentError, match="pos_label"):
            f(y, s)


@pytest.mark.parametrize("labels", [(0, 2), (-3, 7), (0.0, 2.0), ("a", "b"), ("0", "1"), ("no", "yes"), (False, True)])
def test_roc_auc_infers_the_larger_of_two_labels_as_sklearn(labels: tuple[Any, Any]) -> None:
    rng = np.random.default_rng(11)
    codes = rng.integers(0, 2, 400)
    y = np.array(labels)[codes]
    s = np.round(rng.random(400) * 0.6 + 0.3 * codes, 2)
    assert m.roc_auc_score(y, s) == pytest.approx(sk.roc_auc_score(y, s), abs=1e-12)
    # scikit-learn's other binary functions need {0, 1} / {-1, 1} or pos_label; so do these
    for ours, theirs in ((m.roc_curve, sk.roc_curve), (m.precision_recall_curve, sk.precision_recall_curve),
                         (m.average_precision_score, sk.average_precision_score)):
        try:
            want = theirs(y, s)
        except ValueError:
            with pytest.raises(InvalidArgumentError, match="pos_label"):
                ours(y, s)
        else:
            got = ours(y, s)
            pairs = zip(got, want, strict=True) if isinstance(want, tuple) else [(got, want)]
            for a, b in pairs:
                assert np.allclose(a, b, atol=1e-12)


def test_roc_auc_with_three_labels_or_unsortable_labels_raises() -> None:
    s = np.array([0.1, 0.5, 0.9, 0.3])
    with pytest.raises(InvalidArgumentError, match="3 labels.*pos_label"):
        m.roc_auc_score(np.array(["a", "b", "c", "a"]), s)
    with pytest.raises(InvalidArgumentError, match="pos_label"):
        m.roc_auc_score(np.array(["a", 1, "a", 1], dtype=object), s)
    with pytest.raises(InvalidArgumentError, match="index 1"):
        m.roc_auc_score(np.array([0.0, np.nan, 2.0, 2.0]), s)
    # non-integral numbers are continuous targets to scikit-learn ("continuous format is not supported")
    with pytest.raises(ValueError, match="continuous"):
        sk.roc_auc_score(np.array([0.0, 2.5, 2.5, 0.0]), s)
    with pytest.raises(InvalidArgumentError, match="continuous.*pos_label"):
        m.roc_auc_score(np.array([0.0, 2.5, 2.5, 0.0]), s)


def test_classification_metrics_with_one_class_keeps_every_defined_metric() -> None:
    # every row positive: accuracy, precision, recall, F are defined; TNR/FPR and AUC are not
    y = np.array([1, 1, 1, 1, 1])
    p = np.array([1, 0, 1, 1, 0])
    s = np.array([0.9, 0.2, 0.8, 0.7, 0.4])
    out = m.classification_metrics(y, p, labels=[0, 1], y_score=s, problem_type="BinaryClassification")
    assert out["accuracy"] == sk.accuracy_score(y, p)
    assert out["recall"] == sk.recall_score(y, p) and out["precision"] == sk.precision_score(y, p)
    assert out["f1"] == sk.f1_score(y, p)
    assert out["true_positive_rate"] == sk.recall_score(y, p) and out["false_negative_rate"] == pytest.approx(1 - sk.recall_score(y, p))
    assert math.isnan(out["true_negative_rate"]) and math.isnan(out["false_positive_rate"])
    with pytest.warns(UserWarning, match="Only one class"):
        assert math.isnan(sk.roc_auc_score(y, s))  # scikit-learn's value, which driftline follows
    assert math.isnan(out["auc"])
    assert "receiver_operating_characteristic_curve" not in out and "precision_recall_curve" not in out
    # every row negative: TPR and FNR are the undefined ones
    neg = m.classification_metrics(1 - y, 1 - p, labels=[0, 1], y_score=s, problem_type="BinaryClassification")
    assert math.isnan(neg["true_positive_rate"]) and math.isnan(neg["false_negative_rate"]) and math.isnan(neg["auc"])
    assert neg["true_negative_rate"] == sk.recall_score(1 - y, 1 - p, pos_label=0)
    assert neg["false_positive_rate"] == pytest.approx(1 - neg["true_negative_rate"])
    assert neg["accuracy"] == sk.accuracy_score(1 - y, 1 - p)


def test_large_input_uses_radix_path() -> None:
    rng = np.random.default_rng(3)
    n = 200_000
    y = rng.integers(0, 2, n)
    s = np.round(rng.standard_normal(n), 3)  # many ties, radix-sorted halves
    _close(m.roc_auc_score(y, s), sk.roc_auc_score(y, s))
    _close(m.average_precision_score(y, s), sk.average_precision_score(y, s))


def _large_scores(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    return {
        "uniform": lambda: rng.random(n),
        "sigmoid": lambda: 1 / (1 + np.exp(-rng.standard_normal(n))),
        "ties": lambda: rng.integers(0, 7, n).astype(float),
        "rounded": lambda: np.round(rng.standard_normal(n), 2),
        "equal": lambda: np.full(n, 0.3),
        "huge": lambda: rng.standard_normal(n) * 1e300,
        "tiny": lambda: rng.standard_normal(n) * 1e-310,
        "mixed": lambda: rng.choice([-1e300, -1.0, -0.0, 0.0, 5e-324, 1.0, 1e300], n),
    }[kind]()


# Sizes on both sides of the radix sort's thresholds (2048 values per class, then 2^16).
@pytest.mark.parametrize("n", [3000, 150_000])
@pytest.mark.parametrize("kind", ["uniform", "sigmoid", "ties", "rounded", "equal", "huge", "tiny", "mixed"])
@pytest.mark.parametrize("weighted", [False, True])
def test_large_inputs_match_sklearn(n: int, kind: str, weighted: bool) -> None:
    rng = np.random.default_rng(n + len(kind))
    y = (rng.random(n) < 0.3).astype(np.int64)  # imbalanced classes
    s = _large_scores(kind, n, rng)
    w = rng.choice([0.0, 0.5, 1.0, 3.0, 7.25], n) if weighted else None
    fpr, tpr, thr = m.roc_curve(y, s, sample_weight=w)
    rf, rt, rthr = sk.roc_curve(y, s, sample_weight=w)
    _close(fpr, rf)
    _close(tpr, rt)
    assert np.array_equal(thr, rthr)
    p, r, thr = m.precision_recall_curve(y, s, sample_weight=w)
    rp, rr, rthr = sk.precision_recall_curve(y, s, sample_weight=w)
    _close(p, rp)
    _close(r, rr)
    assert np.array_equal(thr, rthr)
    _close(m.roc_auc_score(y, s, sample_weight=w), sk.roc_auc_score(y, s, sample_weight=w))
    _close(m.average_precision_score(y, s, sample_weight=w), sk.average_precision_score(y, s, sample_weight=w))


@pytest.mark.parametrize("kind", ["sigmoid", "rounded"])
def test_curves_past_the_huge_page_sizes_match_sklearn(kind: str) -> None:
    # > 2^19 keys per class (split buffers advised for huge pages) and > 4 MiB curve arrays
    # (numpy's allocator advises them); "rounded" makes the PR curve shorter than its room
    rng = np.random.default_rng(11)
    n = 1_100_000
    y = rng.integers(0, 2, n)
    s = _large_scores(kind, n, rng)
    for ours, ref in ((m.roc_curve(y, s), sk.roc_curve(y, s)), (m.precision_recall_curve(y, s), sk.precision_recall_curve(y, s))):
        _close(ours[0], ref[0])
        _close(ours[1], ref[1])
        assert np.array_equal(ours[2], ref[2])


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n", [5, 150_000])
def test_curve_arrays_are_cut_to_length_and_own_their_data(n: int, weighted: bool) -> None:
    # the binding writes into arrays with room for every sample, then resizes them in place
    rng = np.random.default_rng(n)
    y = np.arange(n) % 2
    s = np.round(rng.random(n), 2)  # ties: both curves shorter than their room
    w = rng.random(n) if weighted else None
    for curve, lens in ((m.roc_curve(y, s, sample_weight=w), (0, 0, 0)), (m.precision_recall_curve(y, s, sample_weight=w), (0, 0, 1))):
        assert len({len(a) + d for a, d in zip(curve, lens, strict=True)}) == 1
        for a in curve:
            assert a.dtype == np.float64 and a.flags.c_contiguous and a.flags.writeable and a.flags.owndata
            a[:] = 0.0  # writable memory of exactly that length


@pytest.mark.parametrize("where", ["top", "bottom", "middle"])
def test_one_sample_of_a_class(where: str) -> None:
    # the merge of the two sorted classes runs out of one class at once (or at the very end)
    n = 10_000
    s = np.random.default_rng(1).random(n)
    y = np.zeros(n, dtype=np.int64)
    y[{"top": np.argmax(s), "bottom": np.argmin(s), "middle": np.argsort(s)[n // 2]}[where]] = 1
    for f, ref in [(m.roc_auc_score, sk.roc_auc_score), (m.average_precision_score, sk.average_precision_score)]:
        _close(f(y, s), ref(y, s))
        _close(f(1 - y, s), ref(1 - y, s))
    for a, b in zip(m.roc_curve(1 - y, s), sk.roc_curve(1 - y, s), strict=True):
        _close(a, b)
    for a, b in zip(m.precision_recall_curve(y, s), sk.precision_recall_curve(y, s), strict=True):
        _close(a, b)


@pytest.mark.parametrize(
    "labels",
    [
        lambda y: y.astype(bool),
        lambda y: y.astype(np.uint8),
        lambda y: y.astype(np.float32),
        lambda y: 2 * y - 1,  # {-1, 1}
        lambda y: (2 * y - 1).astype(np.float64),
        lambda y: y.tolist(),
    ],
)
def test_label_encodings_agree(labels: Any) -> None:
    rng = np.random.default_rng(9)
    y = rng.integers(0, 2, 5000)
    s = np.round(rng.random(5000), 3)
    assert m.roc_auc_score(labels(y), s) == m.roc_auc_score(y, s)
    assert m.average_precision_score(labels(y), s) == m.average_precision_score(y, s)
    _close(m.roc_auc_score(labels(y), s), sk.roc_auc_score(y, s))


@pytest.mark.parametrize("bad", [[0, 1, 2], [-1, 0, 1], [0.0, 0.5, 1.0], [0.0, np.nan, 1.0], [-1, 1, 2]])
def test_labels_that_are_not_binary(bad: list[float]) -> None:
    y = np.array(bad * 1000)
    s = np.random.default_rng(2).random(len(y))
    for f in (m.roc_curve, m.roc_auc_score, m.precision_recall_curve, m.average_precision_score):
        with pytest.raises(InvalidArgumentError, match="pos_label|holds NaN"):
            f(y, s)


def test_large_input_errors_name_the_index() -> None:
    n = 100_000
    rng = np.random.default_rng(4)
    y, s = rng.integers(0, 2, n), rng.random(n)
    s[n - 7] = np.nan
    with pytest.raises(InvalidArgumentError, match=f"index {n - 7}"):
        m.roc_auc_score(y, s)
    s[n - 7], s[n - 3] = 0.5, -np.inf
    with pytest.raises(InvalidArgumentError, match=f"index {n - 3}"):
        m.precision_recall_curve(y, s)
    s[n - 3] = 0.5
    with pytest.raises(InvalidArgumentError, match="no negative"):
        m.average_precision_score(np.ones(n, dtype=bool), s)
    w = np.where(y == 1, 0.0, 1.0)
    with pytest.raises(InvalidArgumentError, match="no positive .*non-zero weight"):
        m.roc_curve(y, s, sample_weight=w)


@pytest.mark.parametrize(
    ("y", "s", "w", "error", "match"),
    [
        ([1, 1, 1], [0.1, 0.2, 0.3], None, InvalidArgumentError, "no negative"),
        ([0, 0], [0.1, 0.2], None, InvalidArgumentError, "no positive"),
        ([0, 1, 1], [0.1, np.nan, 0.3], None, InvalidArgumentError, "index 1"),
        ([0, 1, 1], [0.1, 0.2, np.inf], None, InvalidArgumentError, "index 2"),
        ([0, 1], [0.1, 0.2], [1.0, 0.0], InvalidArgumentError, "non-zero weight"),
        ([0, 1], [0.1, 0.2], [1.0, -1.0], InvalidCountError, "index 1"),
        ([0, 1], [0.1, 0.2, 0.3], None, LengthMismatchError, "y_score"),
    ],
)
def test_binary_errors(y: Any, s: Any, w: Any, error: type[Exception], match: str) -> None:
    for f in (m.roc_curve, m.roc_auc_score, m.precision_recall_curve, m.average_precision_score):
        with pytest.raises(error, match=match):
            f(np.asarray(y), np.asarray(s, dtype=float), sample_weight=w)


def test_labels_0_2_need_pos_label_except_for_roc_auc() -> None:
    y, s = np.array([0, 2]), np.array([0.1, 0.2])
    assert m.roc_auc_score(y, s) == sk.roc_auc_score(y, s) == 1.0
    for f in (m.roc_curve, m.precision_recall_curve, m.average_precision_score):
        with pytest.raises(InvalidArgumentError, match="pos_label"):
            f(y, s)


@st.composite
def labelled_case(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(1, 300))
    k = draw(st.integers(2, 10))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    t = rng.integers(0, k, n)
    # predictions may hold classes never seen in y_true, and miss some that are
    p = rng.integers(0, k + draw(st.integers(0, 2)), n)
    kind = draw(st.sampled_from(["int", "big-int", "str", "float"]))
    conv = {
        "int": lambda a: a,
        "big-int": lambda a: a * 10_000_019 - 3,  # negative and beyond the counting path
        "str": lambda a: np.array([f"c{v}" for v in a]),
        "float": lambda a: (a - 2).astype(np.float64),  # sklearn reads non-integral floats as continuous
    }[kind]
    return conv(t), conv(p)


@given(labelled_case(), st.sampled_from([None, "micro", "macro", "weighted"]), st.sampled_from([0.5, 1.0, 2.0]))
def test_confusion_and_prf_match_sklearn(case: tuple[np.ndarray, np.ndarray], average: Any, beta: float) -> None:
    t, p = case
    assert np.array_equal(m.confusion_matrix(t, p), sk.confusion_matrix(t, p))
    ours = m.precision_recall_fscore(t, p, beta=beta, average=average)
    ref = sk.precision_recall_fscore_support(t, p, beta=beta, average=average, zero_division=0)
    for a, b in zip(ours[:3], ref[:3], strict=True):
        _close(a, b)
    if average is None:
        assert np.array_equal(ours.support, ref[3])


@given(labelled_case())
def test_multiclass_metrics_match_sklearn(case: tuple[np.ndarray, np.ndarray]) -> None:
    t, p = case
    labels = np.unique(np.concatenate([t, p]))
    assume(len(labels) > 2)
    out = m.classification_metrics(t, p)
    _close(out["accuracy"], sk.accuracy_score(t, p))
    for name, beta in [("f0_5", 0.5), ("f1", 1.0), ("f2", 2.0)]:
        _close(out[f"weighted_{name}"], sk.fbeta_score(t, p, beta=beta, average="weighted", zero_division=0))
    _close(out["weighted_recall"], sk.recall_score(t, p, average="weighted", zero_division=0))
    _close(out["weighted_precision"], sk.precision_score(t, p, average="weighted", zero_division=0))
    # best constant classifier: always the most frequent true label (first of equals)
    values, counts = np.unique(t, return_counts=True)
    const = np.full(len(t), values[np.argmax(counts)])
    _close(out["accuracy_best_constant_classifier"], sk.accuracy_score(t, const))
    for name, beta in [("f0_5", 0.5), ("f1", 1.0), ("f2", 2.0)]:
        ref = sk.fbeta_score(t, const, beta=beta, average="weighted", zero_division=0, labels=labels)
        _close(out[f"weighted_{name}_best_constant_classifier"], ref)
    cm = sk.confusion_matrix(t, p)
    assert out["confusion_matrix"] == {
        str(a): {str(b): int(cm[i, j]) for j, b in enumerate(labels)} for i, a in enumerate(labels)
    }


@given(st.integers(1, 300), st.integers(0, 2**32 - 1), st.booleans())
def test_binary_metrics_match_sklearn(n: int, seed: int, strings: bool) -> None:
    rng = np.random.default_rng(seed)
    t, p = rng.integers(0, 2, n), rng.integers(0, 2, n)
    t[0], p[0] = 0, 1  # both labels occur
    s = np.round(rng.random(n), 2)
    labels = np.array(["neg", "pos"]) if strings else np.array([0, 1])
    tl, pl = labels[t], labels[p]
    out = m.classification_metrics(tl, pl, y_score=s if t.min() != t.max() else None)
    kw: dict[str, Any] = {"pos_label": labels[1], "zero_division": 0}
    _close(out["recall"], sk.recall_score(tl, pl, **kw))
    _close(out["precision"], sk.precision_score(tl, pl, **kw))
    _close(out["accuracy"], sk.accuracy_score(tl, pl))
    for name, beta in [("f0_5", 0.5), ("f1", 1.0), ("f2", 2.0)]:
        _close(out[name], sk.fbeta_score(tl, pl, beta=beta, **kw))
        ref = sk.fbeta_score(tl, np.full(n, labels[1]), beta=beta, **kw)
        _close(out[f"{name}_best_constant_classifier"], ref)
    tn, fp, fn, tp = sk.confusion_matrix(tl, pl, labels=labels).ravel()
    # a rate over no rows is NaN (both NaN compare equal here)
    for name, value in (("true_positive_rate", tp / (tp + fn) if tp + fn else math.nan),
                        ("false_positive_rate", fp / (fp + tn) if fp + tn else math.nan),
                        ("true_negative_rate", tn / (fp + tn) if fp + tn else math.nan),
                        ("false_negative_rate", fn / (tp + fn) if tp + fn else math.nan)):
        assert math.isnan(out[name]) == math.isnan(value), name
        if not math.isnan(value):
            _close(out[name], value)
    if "auc" in out:
        _close(out["auc"], sk.roc_auc_score(t, s))
        fpr, tpr, _ = sk.roc_curve(t, s)
        _close(out["receiver_operating_characteristic_curve"]["false_positive_rates"], fpr)
        _close(out["receiver_operating_characteristic_curve"]["true_positive_rates"], tpr)
        prec, rec, _ = sk.precision_recall_curve(t, s)
        _close(out["precision_recall_curve"]["precisions"], prec)
        _close(out["precision_recall_curve"]["recalls"], rec)


def test_sagemaker_documented_example() -> None:
    # the binary example of the SageMaker developer guide (model-monitor-model-quality-metrics)
    out = m.classification_metrics([0, 0, 0, 1], [0, 1, 1, 1])
    assert out["confusion_matrix"] == {"0": {"0": 1, "1": 2}, "1": {"0": 0, "1": 1}}
    assert (out["recall"], out["precision"], out["accuracy"]) == (1.0, 0.3333333333333333, 0.5)
    assert out["recall_best_constant_classifier"] == 1.0
    assert out["precision_best_constant_classifier"] == 0.25
    assert out["accuracy_best_constant_classifier"] == 0.25
    assert out["true_negative_rate"] == 0.33333333333333337
    assert out["false_positive_rate"] == 0.6666666666666666


def test_given_labels_order_and_unknown_label() -> None:
    t, p = ["b", "a", "c"], ["a", "a", "c"]
    labels = ["c", "b", "a"]
    assert np.array_equal(m.confusion_matrix(t, p, labels=labels), sk.confusion_matrix(t, p, labels=labels))
    with pytest.raises(InvalidArgumentError, match="index 2"):
        m.confusion_matrix(t, ["a", "a", "z"], labels=["a", "b", "c"])
    with pytest.raises(LengthMismatchError):
        m.confusion_matrix([0, 1], [0])


@st.composite
def regression_case(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(1, 400))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scale = draw(st.sampled_from([1e-150, 1e-8, 1.0, 1e8, 1e150]))
    kind = draw(st.sampled_from(["noise", "constant-true", "perfect", "constant-both", "ties"]))
    t = rng.standard_normal(n) * scale + draw(st.sampled_from([0.0, 1e3 * scale]))
    p = t + rng.standard_normal(n) * scale
    if kind == "constant-true":
        t = np.full(n, 2.0 * scale)
    elif kind == "perfect":
        p = t.copy()
    elif kind == "constant-both":
        t = p = np.full(n, scale)
    elif kind == "ties":
        t, p = np.round(t / scale) * scale, np.round(p / scale) * scale
    return t, p


@given(regression_case())
def test_regression_matches_sklearn(case: tuple[np.ndarray, np.ndarray]) -> None:
    t, p = case
    out = m.regression_metrics(t, p)
    _close(out["mae"], sk.mean_absolute_error(t, p), rel=True)
    _close(out["mse"], sk.mean_squared_error(t, p), rel=True)
    _close(out["rmse"], sk.root_mean_squared_error(t, p), rel=True)
    if len(t) > 1:  # sklearn warns and returns NaN for one sample; so does driftline, silently
        _close(out["r2"], sk.r2_score(t, p), rel=True)
    else:
        assert np.isnan(out["r2"])


def test_r2_conventions_and_errors() -> None:
    assert m.regression_metrics([2.0, 2.0], [2.0, 2.0])["r2"] == sk.r2_score([2.0, 2.0], [2.0, 2.0]) == 1.0
    assert m.regression_metrics([2.0, 2.0], [2.0, 3.0])["r2"] == sk.r2_score([2.0, 2.0], [2.0, 3.0]) == 0.0
    with pytest.raises(InvalidArgumentError, match="index 1"):
        m.regression_metrics([1.0, np.nan], [1.0, 2.0])
    with pytest.raises(LengthMismatchError):
        m.regression_metrics([1.0], [1.0, 2.0])


@pytest.mark.slow
def test_large_weighted_curves() -> None:
    rng = np.random.default_rng(5)
    n = 2_000_000
    y, s, w = rng.integers(0, 2, n), np.round(rng.random(n), 4), rng.random(n)
    _close(m.roc_auc_score(y, s, sample_weight=w), sk.roc_auc_score(y, s, sample_weight=w))
    _close(m.average_precision_score(y, s, sample_weight=w), sk.average_precision_score(y, s, sample_weight=w))
