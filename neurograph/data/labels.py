"""Labels and inputs at the boundary: 1-of-K encoding and validation.

Everything a user passes in is checked here once, with messages naming what
was expected and what came; the engines' inner loops then trust their inputs.

>>> one_hot([0, 2, 1], 3)
array([[1., 0., 0.],
       [0., 0., 1.],
       [0., 1., 0.]])
"""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError, InputValueError, LabelError, ShapeError
from .values import real_array


def _int_labels(y, what: str = "labels") -> np.ndarray:
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise LabelError(f"expected 1-D integer {what}, got shape {arr.shape}")
    if arr.dtype.kind in "iub":
        return arr.astype(np.intp, copy=False)
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)):
            raise InputValueError(f"{what} contain NaN or inf")
        if np.any(arr != np.round(arr)):
            bad = int(np.flatnonzero(arr != np.round(arr))[0])
            raise LabelError(f"{what} must be whole numbers, got {float(arr[bad])} at index {bad}")
        return arr.astype(np.intp)
    raise LabelError(f"expected integer {what}, got dtype {arr.dtype}")


def one_hot(y, K: int | None = None, dtype=np.float64) -> np.ndarray:
    """1-of-K (one-vs-rest) encoding of labels 0..K−1: shape (n, K).

    Parameters
    ----------
    y : integer labels, shape (n,).
    K : number of classes; max(y) + 1 when None.

    Raises
    ------
    LabelError
        Non-integer, negative or ≥ K labels (the message names the first one).

    Examples
    --------
    >>> one_hot([1, 3], 4)  # car, truck of pedestrian/car/motorcycle/truck
    array([[0., 1., 0., 0.],
           [0., 0., 0., 1.]])
    >>> one_hot([0, 4], 4)
    Traceback (most recent call last):
    ...
    neurograph.errors.LabelError: labels must be in 0..3 (K=4), got 4 at index 1
    """
    lab = _int_labels(y)
    if K is None:
        K = int(lab.max()) + 1 if lab.size else 0
    bad = np.flatnonzero((lab < 0) | (lab >= K))
    if bad.size:
        i = int(bad[0])
        raise LabelError(f"labels must be in 0..{K - 1} (K={K}), got {lab[i]} at index {i}")
    out = np.zeros((lab.size, K), dtype=dtype)
    out[np.arange(lab.size), lab] = 1
    return out


CROSS_ENTROPY_OUTPUTS = (None, "sigmoid", "softmax")


def as_targets(Y, K: int, n: int, *, cross_entropy: str | None = None) -> np.ndarray:
    """Targets for a network with K outputs and n instances, as an (n, K) float array.

    Accepts integer labels (n,) — one-hot for K > 1, 0/1 for K = 1 — or real
    targets (n, K), or (n,) reals when K = 1.

    ``cross_entropy`` names the output activation when the loss is
    cross-entropy: "sigmoid" needs every target in [0, 1], "softmax" also
    needs each row to sum to 1. Outside those, J is not the function whose
    gradient backprop computes (J can go negative, gradcheck disagrees).
    None (mse, linear outputs) takes any finite reals.

    Raises
    ------
    LabelError, ShapeError, InputValueError
        Labels out of range, a count other than n, a width other than K,
        NaN/inf, targets that cross-entropy cannot take (the row is named).

    Examples
    --------
    >>> as_targets([1, 0], K=1, n=2).ravel()
    array([1., 0.])
    >>> as_targets([0, 1, 2], K=3, n=4)
    Traceback (most recent call last):
    ...
    neurograph.errors.LabelError: X has 4 instances, Y has 3
    >>> as_targets([[0.5, 0.4]], K=2, n=1, cross_entropy="softmax")
    Traceback (most recent call last):
    ...
    neurograph.errors.LabelError: softmax cross-entropy needs target rows that sum to 1, row 0 ...
    """
    if cross_entropy not in CROSS_ENTROPY_OUTPUTS:
        raise ConfigError(f"cross_entropy must be None, 'sigmoid' or 'softmax', "
                          f"got {cross_entropy!r}")
    arr = np.asarray(Y)
    if arr.dtype.kind not in "iubf":
        raise LabelError(f"targets must be numbers, got dtype {arr.dtype}")
    if arr.ndim == 0 or arr.ndim > 2:
        raise ShapeError(f"targets must be labels (n,) or an (n, {K}) array, got shape {arr.shape}")
    if arr.shape[0] != n:
        raise LabelError(f"X has {n} instances, Y has {arr.shape[0]}")
    if arr.ndim == 1:
        if arr.dtype.kind in "iub" or K > 1:
            lab = _int_labels(arr, "labels")
            if K == 1:
                if np.any((lab != 0) & (lab != 1)):
                    bad = int(np.flatnonzero((lab != 0) & (lab != 1))[0])
                    raise LabelError(f"one output unit takes labels 0 or 1, got {lab[bad]} "
                                     f"at index {bad}")
                return lab.astype(np.float64)[:, None]
            return one_hot(lab, K)
        arr = arr[:, None]
    if arr.shape[1] != K:
        raise ShapeError(f"expected K={K} target columns (one per output unit), "
                         f"got {arr.shape[1]}")
    out = np.ascontiguousarray(arr, dtype=np.float64)
    if not np.all(np.isfinite(out)):
        i = int(np.flatnonzero(~np.isfinite(out).all(axis=1))[0])
        raise InputValueError(f"targets contain NaN or inf (first at instance {i})")
    if cross_entropy is not None:
        _check_probabilities(out, cross_entropy)
    return out


def _check_probabilities(Y: np.ndarray, output: str) -> None:
    outside = (Y < 0) | (Y > 1)
    if outside.any():
        i, j = (int(v) for v in np.argwhere(outside)[0])
        raise LabelError(f"{output} cross-entropy needs targets in [0, 1], got {Y[i, j]:g} "
                         f"at row {i}, column {j}")
    if output == "softmax":
        sums = Y.sum(axis=1)
        # rounding of rows written as decimals (0.1 + 0.2 + 0.7) stays far below 1e-6
        off = np.abs(sums - 1.0) > 1e-6
        if off.any():
            i = int(np.flatnonzero(off)[0])
            raise LabelError(f"softmax cross-entropy needs target rows that sum to 1, "
                             f"row {i} sums to {sums[i]:.6g}")


def check_inputs(X, d: int, dtype=np.float64) -> tuple[np.ndarray, bool]:
    """Inputs for a network with d input units: ((n, d) array, was a single instance).

    A 1-D array of length d is one instance. No copy when X already has the
    right dtype, shape and layout.

    Raises
    ------
    ShapeError
        Wrong width ("expected 3 input values per instance, got 2") or > 2-D.
    InputValueError
        NaN or inf (the message names the first position), or non-numbers.

    Examples
    --------
    >>> X, single = check_inputs([0.5, 1.0], 2)
    >>> X.shape, single
    ((1, 2), True)
    >>> check_inputs([[1.0, 2.0]], 3)
    Traceback (most recent call last):
    ...
    neurograph.errors.ShapeError: expected 3 input values per instance, got 2
    """
    try:
        arr = real_array(X, "inputs", dtype, finite=False)
    except ValueError as exc:  # ragged lists
        raise InputValueError(f"inputs must be numbers in an (n, {d}) array: {exc}") from None
    single = arr.ndim == 1
    if single:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ShapeError(f"expected inputs of shape (n, {d}) or ({d},), got shape {arr.shape}")
    if arr.shape[1] != d:
        raise ShapeError(f"expected {d} input values per instance, got {arr.shape[1]}")
    if not np.isfinite(arr).all():
        i, j = np.argwhere(~np.isfinite(arr))[0]
        came = np.asarray(X)[(i, j) if np.ndim(X) == 2 else j]
        cast = f" ({came:g} in {arr.dtype.name})" if np.isfinite(came) else ""
        raise InputValueError(f"inputs must be finite: got {arr[i, j]}{cast} (NaN or inf) at "
                              f"instance {i}, input {j}")
    return np.ascontiguousarray(arr), single
