"""Checks of the numbers a user passes to training (once, at the boundary).

>>> real_arg("alpha", np.float32(0.5), low=0.0)
0.5
>>> count_arg("epochs", True, "an int ≥ 1")
Traceback (most recent call last):
...
neurograph.errors.ConfigError: epochs must be an int ≥ 1, got True
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..errors import ConfigError


def real_arg(name: str, v, low: float) -> float:
    # numpy scalars are numbers too; bools and strings are not what anyone meant
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real) \
            or not math.isfinite(v) or v < low:
        raise ConfigError(f"{name} must be a finite number ≥ {low:g}, got {v!r}")
    return float(v)


def count_arg(name: str, v, want: str) -> int:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral) or v < 1:
        raise ConfigError(f"{name} must be {want}, got {v!r}")
    return int(v)
