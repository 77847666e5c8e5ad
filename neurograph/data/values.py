"""Real numbers at the boundary: one check for every array a user hands in.

Complex values are refused (casting would drop the imaginary part without a
word), and finiteness is checked *after* the cast to the network's dtype, so
1e308 is refused for a float32 network, where it would become inf.

>>> real_array([[1.0, 2.0]], "weights").dtype
dtype('float64')
>>> real_array([1e308], "Θ(1)", np.float32)
Traceback (most recent call last):
...
neurograph.errors.InputValueError: Θ(1) must be finite in float32: 1e+308 at index (0,) becomes inf
>>> real_array([1 + 2j], "inputs")
Traceback (most recent call last):
...
neurograph.errors.InputValueError: inputs must be real numbers, got complex128 ...
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..errors import ConfigError, InputValueError, ShapeError


def count_number(name: str, v, want: str) -> int:
    """``v`` as an int ≥ 1, or ConfigError saying ``name`` must be ``want`` (True, 2.5
    and "3" are refused, not cast).

    >>> count_number("top_k", 3, "an int ≥ 1")
    3
    """
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral) or v < 1:
        raise ConfigError(f"{name} must be {want}, got {v!r}")
    return int(v)


def real_number(name: str, v, low: float) -> float:
    """``v`` as a float when it is a finite real number ≥ ``low``; ConfigError naming
    ``name`` otherwise (bools and strings too: not what anyone meant by a number).

    >>> real_number("alpha", np.float32(0.5), low=0.0)
    0.5
    >>> real_number("lam", "1", low=0.0)
    Traceback (most recent call last):
    ...
    neurograph.errors.ConfigError: lam must be a finite number ≥ 0, got '1'
    """
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real) \
            or not math.isfinite(v) or v < low:
        raise ConfigError(f"{name} must be a finite number ≥ {low:g}, got {v!r}")
    return float(v)


def generator(seed, name: str = "seed") -> np.random.Generator:
    """numpy's generator for a user's ``seed``: None (fresh entropy) or a whole number
    ≥ 0; anything else is a ConfigError naming what came (numpy would raise a bare
    TypeError for "x" or 1.5, and True would quietly mean 1).

    >>> int(generator(0).integers(10)) == int(generator(0).integers(10))
    True
    >>> generator(-1)
    Traceback (most recent call last):
    ...
    neurograph.errors.ConfigError: seed must be None or a whole number ≥ 0, got -1
    """
    if seed is not None and (isinstance(seed, (bool, np.bool_))
                             or not isinstance(seed, numbers.Integral) or seed < 0):
        raise ConfigError(f"{name} must be None or a whole number ≥ 0, got {seed!r}")
    return np.random.default_rng(None if seed is None else int(seed))


def real_array(x, what: str, dtype=np.float64, finite: bool = True) -> np.ndarray:
    """``x`` as a real array of ``dtype`` (finite unless ``finite=False``: the caller
    checks, with its own message); InputValueError naming ``what`` otherwise."""
    if x is None:  # np.asarray(None, float) is NaN: a missing argument, not a number
        raise InputValueError(f"{what} must be numbers, got None")
    try:
        arr = x if isinstance(x, np.ndarray) else np.asarray(x)
    except ValueError:  # numpy refuses ragged nests of lists
        raise ShapeError(f"{what} must be a rectangular array of numbers, got rows of "
                         "different lengths") from None
    kind = arr.dtype.kind
    if kind == "c":
        raise InputValueError(f"{what} must be real numbers, got {arr.dtype} "
                              "(the imaginary part would be dropped)")
    if kind not in "biuf":
        try:  # lists of Python numbers come as objects when ragged or mixed
            arr = np.asarray(x, dtype=np.float64) if kind == "O" else None
        except (TypeError, ValueError):
            arr = None
        if arr is not None and any(v is None for v in np.asarray(x, dtype=object).flat):
            arr = None  # None became NaN
        if arr is None:
            raise InputValueError(f"{what} must be numbers, got dtype {np.asarray(x).dtype}")
    with np.errstate(over="ignore", invalid="ignore"):
        out = arr.astype(dtype, copy=False)
    if finite and not np.isfinite(out).all():
        pos = tuple(int(i) for i in np.argwhere(~np.isfinite(out))[0])
        came = arr[pos] if arr.ndim else arr
        if np.isfinite(came):
            raise InputValueError(f"{what} must be finite in {np.dtype(dtype).name}: {came:g} "
                                  f"at index {pos} becomes {out[pos] if out.ndim else out}")
        raise InputValueError(f"{what} must be finite, got {came} at index {pos}")
    return out
