"""The built-in demo scenario: a credit-risk model's training data and three days of its
captured traffic, in SageMaker's formats (research notes §1.1, §2.2, §2.3), with four data
problems injected on day two.

:func:`write_scenario` writes, under ``root``:

- ``train.csv``: the baseline dataset, CSV without header, the model output first
  (SageMaker: "the prediction/output columns are assumed to be the first columns"), so that a
  baseline names its columns ``_c0`` (output), ``_c1`` ... ``_c6`` (features);
- ``capture/credit-risk/AllTraffic/yyyy/mm/dd/hh/MM-SS-mmm-<uuid>.jsonl``: one file per hour
  for 72 hours, each line a data-capture record with a CSV input (the six features) and a CSV
  output (the score).

Columns (see :data:`COLUMNS`):

====  ============  ==========  ==================================================
name  meaning       type        training distribution
====  ============  ==========  ==================================================
_c0   score         Fractional  the model's output, P(default), 9 decimals
_c1   age           Integral    normal(42, 12) rounded, clipped to 21..80
_c2   income        Fractional  lognormal(ln 52000, 0.45), 2 decimals
_c3   debt_ratio    Fractional  beta(2, 5), 4 decimals
_c4   num_accounts  Integral    1 + poisson(3)
_c5   channel       String      web 45%, app 30%, branch 15%, phone 10%
_c6   region        String      north 30%, south 25%, east 25%, west 20%
====  ============  ==========  ==================================================

``_c0`` of ``train.csv`` is the model's score on the training rows, not the 0/1 label: the
baseline's output column then has the type (Fractional) and the distribution of the captured
outputs, as when a baseline is built from the model's predictions on its training data. A 0/1
label would be Integral and fail every hour's data-type check on ``_c0``.

The model is a fixed logistic function of the features (:func:`score`). As a deployed model
would, it scores rows it cannot read fully: an empty ``debt_ratio`` is taken as the training
mean, an unreadable ``num_accounts`` as 4, an unknown channel has no channel effect. It depends
only weakly on income, so that day two's income shift does not move the score distribution past
SageMaker's drift threshold: the demo's findings are the four injected problems.

Days (hour windows ``[start + 24(d-1) h, start + 24d h)``):

- day 1: the training distributions. A SageMaker-style hourly monitor with default thresholds
  (robust L-infinity, threshold 0.1) raises nothing: at 200 rows an hour against 5000 training
  rows the robust correction ``1.8 * sqrt((n + m) / (n m))`` is 0.130, above the hourly
  sampling noise (largest simple distance 0.145 at the defaults, so robust distances <= 0.015).
- day 2, every hour: (1) income multiplied by :data:`INCOME_FACTOR` (robust distance 0.24 to
  0.36 over the hours at the defaults, the score's at most 0.03); (2) channel ``kiosk``, unseen
  in training, in :data:`KIOSK_SHARE` of the rows (categorical L-infinity 0.20, robust 0.07: it
  shows as unknown values, not as drift); (3) :data:`DEBT_RATIO_MISSING_SHARE` of the ``debt_ratio``
  fields empty; (4) :data:`NUM_ACCOUNTS_CORRUPT_SHARE` of the ``num_accounts`` fields replaced by
  text (:data:`CORRUPT_VALUES`). The shares are exact per hour (rounded to whole rows), the rows
  chosen at random.
  The outcomes change too (the ground truth, not the captured inputs or scores): applicants
  from region ``east`` default :data:`EAST_DEFAULT_FACTOR` times as often as the model expects,
  a bias drift for the facet ``region = east``. With most ``debt_ratio`` fields empty the model
  imputes them, so what drives its scores changes (attribution drift) and its recall falls.
- day 3: the training distributions again (recovery).

Everything derives from ``seed`` through numpy's ``default_rng`` (event ids are UUID strings
built from its bytes): the same arguments give byte-identical files on the same numpy version.
``train.csv`` is written to a temporary file and renamed; the capture tree is built in a
temporary folder under ``root`` and swapped in for any previous ``capture`` folder, which is then
removed. Nothing else under ``root`` is touched.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np

from driftline.errors import InvalidArgumentError

__all__ = [
    "COLUMNS",
    "CORRUPT_VALUES",
    "DAYS",
    "DEBT_RATIO_MISSING_SHARE",
    "EAST_DEFAULT_FACTOR",
    "DEFAULT_START",
    "ENDPOINT",
    "INCOME_FACTOR",
    "DECISION_THRESHOLD",
    "LABEL_DELAY",
    "LABEL_MISSING_SHARE",
    "KIOSK_SHARE",
    "NUM_ACCOUNTS_CORRUPT_SHARE",
    "VARIANT",
    "Injection",
    "Scenario",
    "score",
    "write_scenario",
]

ENDPOINT = "credit-risk"
VARIANT = "AllTraffic"
DAYS = 3
DEFAULT_START = datetime(2026, 11, 1, tzinfo=timezone.utc)

# `_cN` -> human name, in file order (output first).
COLUMNS: Mapping[str, str] = {
    "_c0": "score",
    "_c1": "age",
    "_c2": "income",
    "_c3": "debt_ratio",
    "_c4": "num_accounts",
    "_c5": "channel",
    "_c6": "region",
}

INCOME_FACTOR = 1.6
KIOSK_SHARE = 0.20
DEBT_RATIO_MISSING_SHARE = 0.70
NUM_ACCOUNTS_CORRUPT_SHARE = 0.15
CORRUPT_VALUES: tuple[str, ...] = ("n/a", "twelve", "seven", "unknown", "ten+")
# day two's bias problem, in the outcomes only (the captured inputs and scores are untouched):
# applicants from region east default EAST_DEFAULT_FACTOR times as often as the model expects
EAST_DEFAULT_FACTOR = 2.5
LABEL_DELAY = timedelta(hours=24)  # ground truth of an hour is uploaded a day later
LABEL_MISSING_SHARE = 0.03  # ... and some of it never
DECISION_THRESHOLD = 0.3  # the lender declines an application at P(default) >= 0.3

_CHANNELS = ("web", "app", "branch", "phone")
_CHANNEL_P = (0.45, 0.30, 0.15, 0.10)
_REGIONS = ("north", "south", "east", "west")
_REGION_P = (0.30, 0.25, 0.25, 0.20)

# The model: P(default) = logistic(z).
_INTERCEPT = -1.4
_AGE_MEAN, _AGE_COEF = 42.0, -0.03
_INCOME_REF, _LOG_INCOME_COEF = 52000.0, -0.3
_DEBT_MEAN, _DEBT_COEF = 2.0 / 7.0, 3.5  # the mean of beta(2, 5)
_ACCOUNTS_DEFAULT, _ACCOUNTS_COEF = 4.0, 0.1
_CHANNEL_EFFECT = {"web": 0.10, "app": 0.0, "branch": -0.20, "phone": 0.15}
_REGION_EFFECT = {"north": 0.0, "south": 0.10, "east": -0.10, "west": 0.05}


@dataclass(frozen=True)
class Injection:
    """One injected problem: the column, the day (1-based) and window it covers, and the
    SageMaker ``constraint_check_type`` expected to report it."""

    check: str
    column: str
    name: str
    day: int
    start: datetime
    end: datetime
    description: str


@dataclass(frozen=True)
class Scenario:
    """What :func:`write_scenario` wrote. ``hours`` are the start times of the 72 captured hours;
    ``feature_names`` maps every column ``_cN`` (the output ``_c0`` included) to its name."""

    root: Path
    train_path: Path
    capture_dir: Path
    validation_path: Path
    ground_truth_dir: Path
    endpoint: str
    variant: str
    start: datetime
    hours: tuple[datetime, ...]
    feature_names: Mapping[str, str]
    injected: tuple[Injection, ...]
    seed: int
    rows_per_hour: int
    train_rows: int
    files: tuple[Path, ...] = field(repr=False)

    @property
    def end(self) -> datetime:
        return self.start + timedelta(hours=len(self.hours))

    def day_window(self, day: int) -> tuple[datetime, datetime]:
        """``[start, end)`` of day ``day`` (1-based)."""
        if not 1 <= day <= DAYS:
            raise InvalidArgumentError(f"`day` must be 1..{DAYS}, got {day}")
        lo = self.start + timedelta(days=day - 1)
        return lo, lo + timedelta(days=1)


def score(
    age: np.ndarray[Any, Any],
    income: np.ndarray[Any, Any],
    debt_ratio: np.ndarray[Any, Any],
    num_accounts: np.ndarray[Any, Any],
    channel: np.ndarray[Any, Any],
    region: np.ndarray[Any, Any],
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """The model's P(default) for rows of features. NaN ``debt_ratio`` / ``num_accounts`` (the
    fields it cannot read) are imputed; an unknown channel or region has no effect."""
    debt = np.where(np.isnan(debt_ratio), _DEBT_MEAN, debt_ratio)
    accounts = np.where(np.isnan(num_accounts), _ACCOUNTS_DEFAULT, num_accounts)
    ch = np.array([_CHANNEL_EFFECT.get(str(c), 0.0) for c in channel], dtype=np.float64)
    rg = np.array([_REGION_EFFECT.get(str(r), 0.0) for r in region], dtype=np.float64)
    z = (
        _INTERCEPT
        + _AGE_COEF * (age - _AGE_MEAN)
        + _LOG_INCOME_COEF * np.log(income / _INCOME_REF)
        + _DEBT_COEF * (debt - _DEBT_MEAN)
        + _ACCOUNTS_COEF * (accounts - _ACCOUNTS_DEFAULT)
        + ch
        + rg
    )
    out: np.ndarray[Any, np.dtype[np.float64]] = 1.0 / (1.0 + np.exp(-z))
    return out


# --------------------------------------------------------------------------------------------
# Rows


def _rows(rng: np.random.Generator, n: int, inject: bool) -> tuple[list[str], np.ndarray[Any, np.dtype[np.float64]]]:
    """``n`` rows as CSV text ``score,age,income,debt_ratio,num_accounts,channel,region``, with
    day two's problems when ``inject``; and each row's true P(default): the model's function of
    the row's real features, before fields were emptied or corrupted (the model is calibrated on
    complete rows; imputing a field it cannot read costs it information)."""
    age = np.clip(np.rint(rng.normal(_AGE_MEAN, 12.0, n)), 21, 80)
    income = np.round(rng.lognormal(np.log(_INCOME_REF), 0.45, n), 2)
    debt = np.round(rng.beta(2.0, 5.0, n), 4)
    accounts = (1 + rng.poisson(3.0, n)).astype(np.float64)
    channel = np.array(_CHANNELS, dtype=object)[rng.choice(len(_CHANNELS), n, p=_CHANNEL_P)]
    region = np.array(_REGIONS, dtype=object)[rng.choice(len(_REGIONS), n, p=_REGION_P)]
    account_text: list[str | None] = [None] * n
    debt_real, accounts_real = debt.copy(), accounts.copy()
    if inject:
        income = np.round(income * INCOME_FACTOR, 2)
        channel[_pick(rng, n, KIOSK_SHARE)] = "kiosk"
        debt[_pick(rng, n, DEBT_RATIO_MISSING_SHARE)] = np.nan
        corrupt = _pick(rng, n, NUM_ACCOUNTS_CORRUPT_SHARE)
        words = rng.choice(len(CORRUPT_VALUES), corrupt.size)
        for i, w in zip(corrupt.tolist(), words.tolist()):
            account_text[i] = CORRUPT_VALUES[w]
        accounts[corrupt] = np.nan
    p = score(age, income, debt, accounts, channel, region)
    truth = score(age, income, debt_real, accounts_real, channel, region)
    if inject:
        truth = np.where(region == "east", np.minimum(1.0, truth * EAST_DEFAULT_FACTOR), truth)
    out = []
    for i in range(n):
        d = "" if np.isnan(debt[i]) else f"{debt[i]:.4f}"
        a = account_text[i] if account_text[i] is not None else str(int(accounts[i]))
        out.append(f"{p[i]:.9f},{int(age[i])},{income[i]:.2f},{d},{a},{channel[i]},{region[i]}")
    return out, truth


def _pick(rng: np.random.Generator, n: int, share: float) -> np.ndarray[Any, np.dtype[np.int64]]:
    """``round(share * n)`` distinct row indices, at random."""
    k = int(round(share * n))
    picked: np.ndarray[Any, np.dtype[np.int64]] = np.sort(rng.choice(n, k, replace=False)).astype(np.int64)
    return picked


def _event_id(rng: np.random.Generator) -> str:
    return str(uuid.UUID(bytes=rng.bytes(16), version=4))


def _hour_file(rng: np.random.Generator, hour: datetime, n: int, inject: bool) -> tuple[str, str, list[tuple[str, float]]]:
    """The file name and the JSON Lines text of one captured hour, and each record's
    ``(inferenceId, true P(default))``."""
    rows, truth = _rows(rng, n, inject)
    ids: list[tuple[str, float]] = []
    seconds = np.sort(rng.integers(0, 3600, n)).tolist()
    lines = []
    stamp = hour.strftime("%Y%m%d%H")
    for i, (row, sec) in enumerate(zip(rows, seconds)):
        output, features = row.split(",", 1)
        ids.append((f"{stamp}-{i:05d}", float(truth[i])))
        record = {
            "captureData": {
                "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT", "data": features, "encoding": "CSV"},
                "endpointOutput": {"observedContentType": "text/csv; charset=utf-8", "mode": "OUTPUT", "data": output, "encoding": "CSV"},
            },
            "eventMetadata": {
                "eventId": _event_id(rng),
                "inferenceId": ids[-1][0],
                "inferenceTime": (hour + timedelta(seconds=sec)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
            "eventVersion": "0",
        }
        lines.append(json.dumps(record, separators=(",", ":")))
    first = seconds[0] if seconds else 0
    name = f"{first // 60:02d}-{first % 60:02d}-{int(rng.integers(0, 1000)):03d}-{_event_id(rng)}.jsonl"
    return name, "".join(line + "\n" for line in lines), ids


# --------------------------------------------------------------------------------------------
# Writing


def write_scenario(
    root: Path | str,
    *,
    seed: int = 7,
    rows_per_hour: int = 200,
    train_rows: int = 5000,
    start: datetime = DEFAULT_START,
) -> Scenario:
    """Write the demo scenario under ``root`` (created if needed; a previous scenario's
    ``train.csv`` and ``capture`` folder are replaced) and describe it. ``start`` must fall on
    an hour; a naive datetime is UTC."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InvalidArgumentError(f"`seed` must be a non-negative integer, got {seed!r}")
    for arg, value in (("rows_per_hour", rows_per_hour), ("train_rows", train_rows)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 10:
            raise InvalidArgumentError(f"`{arg}` must be an integer >= 10, got {value!r}")
    if not isinstance(start, datetime):
        raise InvalidArgumentError(f"`start` must be a datetime, got {type(start).__name__}")
    start = start.replace(tzinfo=timezone.utc) if start.tzinfo is None else start.astimezone(timezone.utc)
    if (start.minute, start.second, start.microsecond) != (0, 0, 0):
        raise InvalidArgumentError(f"`start` must fall on an hour, got {start.isoformat()}")

    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    train_path = root / "train.csv"
    capture_dir = root / "capture"
    hours = tuple(start + timedelta(hours=h) for h in range(24 * DAYS))

    train, train_truth = _rows(np.random.default_rng([seed, 0]), train_rows, inject=False)
    _write_atomic(train_path, "".join(row + "\n" for row in train))
    # the labelled validation set of the model-quality baseline: the training rows' scores and
    # outcomes (drawn from their true P(default), on a stream of their own)
    outcome = (np.random.default_rng([seed, 3]).random(train_rows) < train_truth).astype(int)
    validation_path = root / "validation.csv"
    _write_atomic(validation_path, "score,label\n" + "".join(f"{row.split(',', 1)[0]},{y}\n" for row, y in zip(train, outcome.tolist())))

    staging = Path(tempfile.mkdtemp(prefix=".capture-new-", dir=root))
    gt_staging = Path(tempfile.mkdtemp(prefix=".groundtruth-new-", dir=root))
    ground_truth_dir = root / "groundtruth"
    files: list[Path] = []
    try:
        for h, hour in enumerate(hours):
            rng = np.random.default_rng([seed, 1, h])
            name, text, ids = _hour_file(rng, hour, rows_per_hour, inject=h // 24 == 1)
            _write_labels(gt_staging, np.random.default_rng([seed, 2, h]), hour + LABEL_DELAY, ids)
            rel = Path(ENDPOINT, VARIANT, hour.strftime("%Y"), hour.strftime("%m"), hour.strftime("%d"), hour.strftime("%H"), name)
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
            files.append(capture_dir / rel)
        _swap_in(staging, capture_dir, root)
        _swap_in(gt_staging, ground_truth_dir, root)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(gt_staging, ignore_errors=True)
        raise

    day2 = (start + timedelta(days=1), start + timedelta(days=2))
    injected = (
        Injection("baseline_drift_check", "_c2", "income", 2, *day2, f"income multiplied by {INCOME_FACTOR:g} (distribution shift)"),
        Injection("categorical_values_check", "_c5", "channel", 2, *day2, f"new channel 'kiosk' in {KIOSK_SHARE:.0%} of rows"),
        Injection("completeness_check", "_c3", "debt_ratio", 2, *day2, f"{DEBT_RATIO_MISSING_SHARE:.0%} of debt_ratio values empty"),
        Injection(
            "data_type_check",
            "_c4",
            "num_accounts",
            2,
            *day2,
            f"{NUM_ACCOUNTS_CORRUPT_SHARE:.0%} of num_accounts values are text ({', '.join(repr(v) for v in CORRUPT_VALUES)})",
        ),
    )
    return Scenario(
        root=root,
        train_path=train_path,
        capture_dir=capture_dir,
        validation_path=validation_path,
        ground_truth_dir=ground_truth_dir,
        endpoint=ENDPOINT,
        variant=VARIANT,
        start=start,
        hours=hours,
        feature_names=dict(COLUMNS),
        injected=injected,
        seed=seed,
        rows_per_hour=rows_per_hour,
        train_rows=train_rows,
        files=tuple(files),
    )


def _write_labels(folder: Path, rng: np.random.Generator, upload: datetime, ids: list[tuple[str, float]]) -> None:
    """Ground truth of one captured hour, uploaded ``LABEL_DELAY`` later into the hour folder of
    the upload (SageMaker's ``yyyy/mm/dd/hh`` by label-collection time); the outcome of each
    record is drawn from its true P(default); :data:`LABEL_MISSING_SHARE` of them never arrive."""
    outcome = rng.random(len(ids))
    missing = rng.random(len(ids)) < LABEL_MISSING_SHARE
    lines = []
    for (inference_id, p), u, lost in zip(ids, outcome.tolist(), missing.tolist()):
        if lost:
            continue
        record = {"groundTruthData": {"data": "1" if u < p else "0", "encoding": "CSV"},
                  "eventMetadata": {"eventId": inference_id}, "eventVersion": "0"}
        lines.append(json.dumps(record, separators=(",", ":")) + "\n")
    path = folder / upload.strftime("%Y/%m/%d/%H") / "labels.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(lines), encoding="utf-8", newline="\n")


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _swap_in(staging: Path, target: Path, root: Path) -> None:
    """Replace ``target`` (a folder, possibly absent) by ``staging`` with renames, then remove
    the old folder."""
    if not target.exists() and not target.is_symlink():
        os.replace(staging, target)
        return
    trash = Path(tempfile.mkdtemp(prefix=".capture-old-", dir=root))
    os.replace(target, trash / "capture")
    os.replace(staging, target)
    shutil.rmtree(trash, ignore_errors=True)
