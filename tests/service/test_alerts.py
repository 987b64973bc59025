"""Alert rules against hand-worked sequences (newest first everywhere)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from driftline.service._types import ALERT_STATES, Alert, Execution
from driftline.service.alerts import evaluate, transition

T0 = datetime(2026, 11, 1, tzinfo=timezone.utc)
NAN = float("nan")


def runs(*statuses: str) -> list[Execution]:
    """Executions newest first, one hour apart, from short codes: V (violations), C (completed),
    F (failed), S (stopped), P (pending), I (in progress)."""
    full = {"V": "CompletedWithViolations", "C": "Completed", "F": "Failed", "S": "Stopped",
            "P": "Pending", "I": "InProgress"}
    out = []
    for i, s in enumerate(statuses):
        end = T0 - timedelta(hours=i)
        out.append(Execution(id=100 - i, monitor="m", model="mdl", window_start=end - timedelta(hours=1),
                             window_end=end, scheduled_time=end, status=full[s])  # type: ignore[arg-type]
                   )
    return out


def series(*values: float) -> list[tuple[datetime, float]]:
    return [(T0 - timedelta(hours=i), v) for i, v in enumerate(values)]


def viol(m: int, n: int) -> Alert:
    return Alert(name="a", rule="violations", datapoints_to_alert=m, evaluation_period=n)


def thr(m: int, n: int, op: Any = ">", threshold: float = 0.2) -> Alert:
    return Alert(name="a", rule="threshold", datapoints_to_alert=m, evaluation_period=n,
                 metric="feature_baseline_drift_age", op=op, threshold=threshold)


# -- violations ----------------------------------------------------------------------------------

@pytest.mark.parametrize("codes, expected", [
    ("", "InsufficientData"),
    ("V", "InAlert"),
    ("C", "OK"),
    ("F", "InsufficientData"),
    ("CV", "OK"),          # only the newest counts
    ("VC", "InAlert"),
    ("FV", "InsufficientData"),  # the failed one takes the slot; the older one is not pulled in
])
def test_violations_n1(codes: str, expected: str) -> None:
    state, _ = evaluate(viol(1, 1), runs(*codes), [])
    assert state == expected


@pytest.mark.parametrize("codes, expected", [
    ("VV", "InsufficientData"),   # fewer than N
    ("VVV", "InAlert"),
    ("VVC", "InAlert"),
    ("VCV", "InAlert"),
    ("CVV", "InAlert"),
    ("VCC", "OK"),
    ("CCC", "OK"),
    ("CCCVVV", "OK"),             # only the last 3
    ("VFV", "InAlert"),           # failed is missing; 2 violations present still reach M
    ("VFC", "OK"),                # 2 present, 1 violation
    ("FFV", "InsufficientData"),  # 1 present < M
    ("FFC", "InsufficientData"),
    ("FFF", "InsufficientData"),  # all failed
    ("SVC", "OK"),                # stopped counts like failed
    ("PIVVC", "InAlert"),         # unfinished ones are ignored entirely
    ("PIVV", "InsufficientData"),
])
def test_violations_2_of_3(codes: str, expected: str) -> None:
    state, _ = evaluate(viol(2, 3), runs(*codes), [])
    assert state == expected


@pytest.mark.parametrize("codes, expected", [
    ("VVV", "InAlert"),
    ("VVC", "OK"),
    ("CVV", "OK"),
    ("VVF", "InsufficientData"),  # M = N: any missing datapoint makes it undecidable
    ("FFF", "InsufficientData"),
    ("VV", "InsufficientData"),
])
def test_violations_m_equals_n(codes: str, expected: str) -> None:
    state, _ = evaluate(viol(3, 3), runs(*codes), [])
    assert state == expected


def test_violations_reasons() -> None:
    assert evaluate(viol(2, 3), runs(*"VVV"), []) == (
        "InAlert", "3 of the last 3 executions had violations (datapoints_to_alert=2)")
    assert evaluate(viol(2, 3), runs(*"VCC"), []) == (
        "OK", "1 of the last 3 executions had violations (datapoints_to_alert=2)")
    assert evaluate(viol(1, 1), runs("V"), []) == (
        "InAlert", "the last execution had violations (datapoints_to_alert=1)")
    assert evaluate(viol(1, 1), runs("C"), []) == (
        "OK", "the last execution had no violations (datapoints_to_alert=1)")
    state, reason = evaluate(viol(2, 3), runs(*"VFV"), [])
    assert state == "InAlert" and "2 of the last 3" in reason and "1 failed" in reason
    assert evaluate(viol(1, 1), runs("S"), []) == (
        "InsufficientData", "the last execution ended Stopped, counted as missing (datapoints_to_alert=1)")
    state, reason = evaluate(viol(2, 3), runs("V"), [])
    assert state == "InsufficientData" and "only 1 finished execution of the 3 needed" in reason
    state, reason = evaluate(viol(2, 3), runs(*"FFF"), [])
    assert state == "InsufficientData" and "only 0 completed" in reason and "3 failed" in reason


def test_violations_ignores_series_and_threshold_ignores_executions() -> None:
    assert evaluate(viol(1, 1), runs("C"), series(99.0))[0] == "OK"
    assert evaluate(thr(1, 1), runs("V"), series(0.1))[0] == "OK"


# -- threshold -----------------------------------------------------------------------------------

@pytest.mark.parametrize("op, value, breach", [
    (">", 0.3, True), (">", 0.2, False), (">", 0.1, False),
    (">=", 0.3, True), (">=", 0.2, True), (">=", 0.1, False),
    ("<", 0.3, False), ("<", 0.2, False), ("<", 0.1, True),
    ("<=", 0.3, False), ("<=", 0.2, True), ("<=", 0.1, True),
])
def test_threshold_each_operator(op: str, value: float, breach: bool) -> None:
    state, _ = evaluate(thr(1, 1, op=op), [], series(value))
    assert state == ("InAlert" if breach else "OK")


@pytest.mark.parametrize("values, expected", [
    ((), "InsufficientData"),
    ((0.31, 0.25), "InsufficientData"),
    ((0.31, 0.25, 0.1), "InAlert"),
    ((0.31, 0.1, 0.1), "OK"),
    ((0.1, 0.31, 0.25), "InAlert"),
    ((0.1, 0.1, 0.1, 0.9, 0.9), "OK"),       # only the last 3
    ((0.31, NAN, 0.25), "InAlert"),           # NaN missing, 2 present breaches
    ((0.31, NAN, 0.1), "OK"),                 # 2 present, 1 breach
    ((NAN, NAN, 0.9), "InsufficientData"),    # 1 present < M
    ((NAN, NAN, NAN), "InsufficientData"),
    ((float("inf"), 0.5, 0.1), "InAlert"),    # infinity is a value, not missing
])
def test_threshold_2_of_3(values: tuple[float, ...], expected: str) -> None:
    state, _ = evaluate(thr(2, 3), [], series(*values))
    assert state == expected


def test_threshold_reasons() -> None:
    assert evaluate(thr(2, 3), [], series(0.31, 0.1, 0.25)) == (
        "InAlert", "feature_baseline_drift_age = 0.31 > 0.2 in 2 of the last 3 datapoints (datapoints_to_alert=2)")
    assert evaluate(thr(2, 3), [], series(0.1, 0.05, 0.25)) == (
        "OK", "feature_baseline_drift_age > 0.2 in 1 of the last 3 datapoints "
              "(datapoints_to_alert=2; latest feature_baseline_drift_age = 0.1)")
    state, reason = evaluate(thr(2, 3), [], series(NAN, 0.3, 0.25))
    assert state == "InAlert" and reason.startswith("feature_baseline_drift_age = 0.3 > 0.2 in 2") and "1 missing" in reason
    assert evaluate(thr(1, 1, op="<", threshold=10), [], series(2.5)) == (
        "InAlert", "feature_baseline_drift_age = 2.5 < 10 in the last datapoint (datapoints_to_alert=1)")
    assert evaluate(thr(1, 1), [], series(0.1)) == (
        "OK", "feature_baseline_drift_age = 0.1, not > 0.2 (datapoints_to_alert=1)")
    assert evaluate(thr(1, 1), [], series(NAN))[0] == "InsufficientData"
    state, reason = evaluate(thr(1, 2, op="<", threshold=10), [], series(12.0))
    assert state == "InsufficientData" and "only 1 datapoint" in reason


@pytest.mark.parametrize("alert", [
    Alert(name="a", datapoints_to_alert=2, evaluation_period=1),
    Alert(name="a", datapoints_to_alert=0, evaluation_period=1),
    Alert(name="a", datapoints_to_alert=1, evaluation_period=0),
    Alert(name="a", rule="threshold", metric=None, threshold=1.0),
    Alert(name="a", rule="threshold", metric="x", threshold=None),
    Alert(name="a", rule="threshold", metric="x", threshold=1.0, op="=="),  # type: ignore[arg-type]
    Alert(name="a", rule="other"),  # type: ignore[arg-type]
])
def test_invalid_alerts_raise(alert: Alert) -> None:
    with pytest.raises(ValueError):
        evaluate(alert, runs("V"), series(1.0))


# -- transition ----------------------------------------------------------------------------------

def test_transition_table() -> None:
    fires = {(a, b) for a, b in itertools.product(ALERT_STATES, repeat=2) if transition(a, b)}  # type: ignore[arg-type]
    assert fires == {
        ("OK", "InAlert"), ("InsufficientData", "InAlert"),
        ("InAlert", "OK"),
        ("InAlert", "InsufficientData"), ("OK", "InsufficientData"),
    }
    assert not transition("InsufficientData", "OK")
    assert not transition("InAlert", "InAlert")
