"""Checks of the numbers a user passes to training (once, at the boundary).

>>> real_arg("alpha", np.float32(0.5), low=0.0)
0.5
>>> count_arg("epochs", True, "an int ≥ 1")
Traceback (most recent call last):
...
neurograph.errors.ConfigError: epochs must be an int ≥ 1, got True
"""

from __future__ import annotations

import numbers

import numpy as np

from ..data.values import real_number as real_arg  # noqa: F401  (one check of a real number)
from ..errors import ConfigError


def count_arg(name: str, v, want: str) -> int:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral) or v < 1:
        raise ConfigError(f"{name} must be {want}, got {v!r}")
    return int(v)
