"""driftline's KernelSHAP: any model over a batch, explained against a background.

The coalition algebra (Shapley-kernel weights, coalition sampling, the constrained weighted
least squares) runs in the Rust core (``driftline._core.shap_*``); this module turns inputs into
matrices, calls the model in large batches and hands its outputs to the core. Every coalition is
evaluated once per (row, background row); the empty coalition (E[f] over the background) is
evaluated once for all rows and the full coalition (f(x)) once per row.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from driftline import _core
from driftline.errors import InvalidArgumentError, InvalidInputError

__all__ = ["Model", "ShapValues", "as_matrix", "call_model", "default_num_samples", "kernel_shap", "kmeans_background"]

F64 = npt.NDArray[np.float64]
Model = Callable[[Any], Any]
ModelInput = Literal["numpy", "polars"]


@dataclass
class ShapValues:
    """Local Shapley values of ``rows`` explained by :func:`kernel_shap`.

    ``values`` is ``(rows, features, outputs)``; ``expected_value`` is E[f] over the background
    (``(outputs,)``); each row's values sum to ``f(x) - expected_value``. ``exact`` says every
    coalition was evaluated (the values are the exact Shapley values of the background game).
    ``model_rows`` and ``model_seconds`` count the model's evaluations and the time spent in it;
    ``seconds`` is the whole call."""

    values: F64
    expected_value: F64
    features: list[str]
    exact: bool
    num_coalitions: int
    model_rows: int
    model_seconds: float
    seconds: float

    def output(self, k: int = 0) -> F64:
        """The ``(rows, features)`` values of output ``k``."""
        return self.values[:, :, k]


def default_num_samples(m: int) -> int:
    """The coalition budget when none is given: shap's ``2 M + 2048``, or all of them if fewer."""
    return int(min(2 * m + 2048, 2**m - 2 if m < 62 else 2**62))


def as_matrix(data: Any, features: Sequence[str] | None, what: str) -> tuple[F64, list[str]]:
    """``data`` (Polars or pandas frame, numpy 2-D array, PyArrow table) as a C-contiguous float64
    matrix with one column per feature. A frame must hold every feature (a missing one is named);
    a value that is null or not a number is an :class:`InvalidInputError` naming the column."""
    if isinstance(data, np.ndarray):
        arr = np.asarray(data)
        if arr.ndim == 1:
            arr = arr.reshape(1, -1)
        if arr.ndim != 2:
            raise InvalidInputError(f"{what} must be a 2-D array (rows x features), got {arr.ndim} dimensions")
        names = list(features) if features is not None else [f"feature_{i}" for i in range(arr.shape[1])]
        if arr.shape[1] != len(names):
            raise InvalidInputError(f"{what} has {arr.shape[1]} columns but there are {len(names)} features ({', '.join(names[:5])}...)")
        try:
            out = np.ascontiguousarray(arr, dtype=np.float64)
        except (TypeError, ValueError):
            raise InvalidInputError(f"{what} holds values that are not numbers: KernelSHAP explains numeric features") from None
        bad = ~np.isfinite(out)
        if bad.any():
            j = int(np.argwhere(bad)[0][1])
            raise InvalidInputError(f"{what}: column {names[j]!r} holds missing or non-finite values")
        return out, names
    frame = data if isinstance(data, pl.DataFrame) else pl.DataFrame(data)
    names = list(features) if features is not None else list(frame.columns)
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise InvalidInputError(f"{what} has no column {missing[0]!r}" + (f" (nor {', '.join(map(repr, missing[1:4]))})" if len(missing) > 1 else "")
                                + f"; its columns: {', '.join(frame.columns[:8])}")
    cols = []
    for n in names:
        s = frame[n]
        if s.dtype == pl.String:
            parsed = s.str.strip_chars().cast(pl.Float64, strict=False)
            if (parsed.is_null() & s.is_not_null()).any():
                bad_value = s.filter(parsed.is_null() & s.is_not_null())[0]
                raise InvalidInputError(f"{what}: column {n!r} is not numeric ({bad_value!r}); KernelSHAP explains numeric features "
                                        "(encode categorical ones first)")
            s = parsed
        elif s.dtype == pl.Boolean or s.dtype.is_numeric():
            s = s.cast(pl.Float64)
        else:
            raise InvalidInputError(f"{what}: column {n!r} is not numeric ({s.dtype}); KernelSHAP explains numeric features")
        if s.null_count() or not s.is_finite().all():
            raise InvalidInputError(f"{what}: column {n!r} holds missing or non-finite values")
        cols.append(s.to_numpy())
    if not cols:
        raise InvalidInputError(f"{what} has no features to explain")
    return np.ascontiguousarray(np.column_stack(cols), dtype=np.float64), names


def call_model(model: Model, batch: F64, features: list[str], model_input: ModelInput) -> F64:
    """The model's scores for ``batch`` as ``(rows, outputs)``; an error naming what went wrong
    when the model raises or returns the wrong shape or non-numbers."""
    arg: Any = pl.DataFrame(batch, schema=features, orient="row") if model_input == "polars" else batch
    name = getattr(model, "__qualname__", None) or type(model).__name__
    try:
        raw = model(arg)
    except Exception as e:  # the user's model: report it as bad input with its own message
        raise InvalidInputError(f"the model {name} raised {type(e).__name__} on a batch of {len(batch)} rows: {e}") from e
    if isinstance(raw, pl.Series | pl.DataFrame):
        raw = raw.to_numpy()
    try:
        out = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidInputError(f"the model {name} returned {type(raw).__name__} values that are not numbers") from None
    if out.ndim == 1:
        out = out.reshape(-1, 1)
    if out.ndim != 2 or out.shape[0] != len(batch):
        raise InvalidInputError(f"the model {name} returned shape {tuple(np.shape(raw))} for a batch of {len(batch)} rows; "
                                f"expected ({len(batch)},) or ({len(batch)}, outputs)")
    if not np.isfinite(out).all():
        raise InvalidInputError(f"the model {name} returned NaN or infinite scores")
    return np.ascontiguousarray(out)


def _logit(p: F64) -> F64:
    q = np.clip(p, 1e-12, 1 - 1e-12)
    return np.asarray(np.log(q / (1 - q)), dtype=np.float64)


def kmeans_background(data: Any, k: int, *, seed: int = 0, features: Sequence[str] | None = None,
                      max_iter: int = 100) -> tuple[F64, F64]:
    """A k-means summary of ``data`` for KernelSHAP's background: ``(centers, weights)`` with
    weights the clusters' shares of the rows. Seeded k-means++ then Lloyd iterations; ``k`` is
    capped at the number of distinct rows."""
    x, _ = as_matrix(data, features, "the baseline data")
    if len(x) == 0:
        raise InvalidInputError("the baseline data is empty: KernelSHAP needs background rows")
    if not (isinstance(k, int) and k >= 1):
        raise InvalidArgumentError(f"num_clusters must be a positive whole number, got {k!r}")
    uniq = np.unique(x, axis=0)
    if len(uniq) <= k:
        counts = np.array([np.sum(np.all(x == u, axis=1)) for u in uniq], dtype=np.float64)
        return np.ascontiguousarray(uniq), counts / counts.sum()
    rng = np.random.default_rng(seed)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = x / scale
    centers = [z[rng.integers(len(z))]]
    d2 = ((z - centers[0]) ** 2).sum(axis=1)
    for _ in range(1, k):
        total = d2.sum()
        idx = int(rng.choice(len(z), p=d2 / total)) if total > 0 else int(rng.integers(len(z)))
        centers.append(z[idx])
        d2 = np.minimum(d2, ((z - z[idx]) ** 2).sum(axis=1))
    c = np.array(centers)
    labels = np.zeros(len(z), dtype=np.int64)
    for it in range(max_iter):
        dist = ((z[:, None, :] - c[None, :, :]) ** 2).sum(axis=2) if len(z) * k <= 4_000_000 else _chunked_dist(z, c)
        new = dist.argmin(axis=1)
        if it and np.array_equal(new, labels):
            break
        labels = new
        for j in range(k):
            members = z[labels == j]
            if len(members):
                c[j] = members.mean(axis=0)
    counts = np.bincount(labels, minlength=k).astype(np.float64)
    keep = counts > 0
    return np.ascontiguousarray(c[keep] * scale), counts[keep] / counts.sum()


def _chunked_dist(z: F64, c: F64) -> F64:
    out = np.empty((len(z), len(c)))
    for s in range(0, len(z), 100_000):
        out[s:s + 100_000] = ((z[s:s + 100_000, None, :] - c[None, :, :]) ** 2).sum(axis=2)
    return out


def kernel_shap(
    model: Model,
    data: Any,
    background: Any,
    *,
    features: Sequence[str] | None = None,
    background_weights: Any = None,
    num_samples: int | None = None,
    seed: int = 0,
    use_logit: bool = False,
    model_input: ModelInput = "numpy",
    max_model_rows: int = 1 << 16,
) -> ShapValues:
    """KernelSHAP values of every row of ``data`` for ``model`` against ``background``.

    ``model`` is a callable over a batch: a 2-D float64 numpy array (``model_input="numpy"``) or a
    Polars frame with the feature names (``"polars"``) in; 1-D (one output) or 2-D scores out.
    ``data`` and ``background`` are Polars/pandas frames or 2-D numpy arrays; ``features`` names
    the columns to explain (default: all of ``data``'s). ``background_weights`` weighs the
    background rows (e.g. a k-means summary's cluster shares). ``num_samples`` is the coalition
    budget per row (default ``2 M + 2048``); when it covers all ``2^M - 2`` coalitions the values
    are exact. ``use_logit`` explains the logit of the model's probabilities. The model is called
    with at most about ``max_model_rows`` rows at a time."""
    t0 = time.perf_counter()
    x, names = as_matrix(data, features, "the data")
    bg, _ = as_matrix(background, names, "the background")
    if len(bg) == 0:
        raise InvalidInputError("the background is empty: KernelSHAP needs at least one background row")
    m = len(names)
    bw: F64 | None = None
    if background_weights is not None:
        bw = np.ascontiguousarray(np.asarray(background_weights, dtype=np.float64).ravel())
        if len(bw) != len(bg) or not np.isfinite(bw).all() or (bw < 0).any() or bw.sum() <= 0:
            raise InvalidArgumentError(f"background_weights must be {len(bg)} non-negative numbers with a positive sum")
    budget = default_num_samples(m) if num_samples is None else num_samples
    if not (isinstance(budget, int) and budget >= 1):
        raise InvalidArgumentError(f"num_samples must be a positive whole number, got {num_samples!r}")
    masks, weights, exact = _core.shap_plan(m, budget, seed & ((1 << 64) - 1))
    model_seconds = 0.0
    model_rows = 0

    def evaluate(batch: F64) -> F64:
        nonlocal model_seconds, model_rows
        t = time.perf_counter()
        out = call_model(model, batch, names, model_input)
        model_seconds += time.perf_counter() - t
        model_rows += len(batch)
        return _logit(out) if use_logit else out

    fbg = evaluate(bg.copy())  # a copy: a model that writes into its input must not change the background
    expected = np.ascontiguousarray((fbg * (bw[:, None] / bw.sum())).sum(axis=0) if bw is not None else fbg.mean(axis=0))
    n_out = fbg.shape[1]
    values = np.empty((len(x), m, n_out))
    per_row = max(len(masks) * len(bg), 1)
    step = max(1, max_model_rows // per_row)
    starts = list(range(0, len(x), step))
    # Two buffers for the batches' synthetic rows (the explained rows appended), reused batch
    # after batch (fresh memory per batch would cost a page fault per 4 KiB), and one worker
    # thread: while the model scores batch i from one buffer, the core writes batch i + 1 into
    # the other and solves batch i - 1 (the core releases the GIL), so on two cores the
    # coalition work hides behind the model's own time. The worker runs its jobs in order, so
    # batch i is solved before batch i + 2 overwrites its buffer: scores that are a view of the
    # model's input stay intact until they are used.
    rows_per_batch = min(step, len(x)) * (per_row + 1)
    buffers = [np.empty((rows_per_batch, m)), np.empty((rows_per_batch, m) if len(starts) > 1 else (0, m))]

    def synthesize(i: int) -> F64:
        rows = np.ascontiguousarray(x[starts[i]:starts[i] + step])
        buf = buffers[i % 2]
        return buf[:_core.shap_synthesize_into(buf, rows, bg, masks, True)]

    def solve(i: int, out: F64) -> None:
        n_rows = min(step, len(x) - starts[i])
        n_synth = len(out) - n_rows
        y, fx = np.ascontiguousarray(out[:n_synth]), np.ascontiguousarray(out[n_synth:])
        values[starts[i]:starts[i] + n_rows] = _core.shap_solve(masks, weights, y, fx, expected, len(bg), bw)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="driftline-kernelshap") as worker:
        pending: list[Future[Any]] = []
        try:
            next_batch = worker.submit(synthesize, 0)
            for i in range(len(starts)):
                batch = next_batch.result()
                if i + 1 < len(starts):
                    next_batch = worker.submit(synthesize, i + 1)
                out = evaluate(batch)
                if out.shape[1] != n_out:
                    raise InvalidInputError(f"the model returned {out.shape[1]} outputs per row, but {n_out} on the background")
                pending.append(worker.submit(solve, i, out))
                # the solve of batch i - 1 has run by now unless the worker is behind: collect
                # finished jobs so that an error surfaces at once
                while pending and pending[0].done():
                    pending.pop(0).result()
            for job in pending:
                job.result()
        except BaseException:
            for job in [*pending, next_batch]:
                job.cancel()
            raise
    return ShapValues(values, expected, names, bool(exact), len(masks), model_rows, model_seconds, time.perf_counter() - t0)
