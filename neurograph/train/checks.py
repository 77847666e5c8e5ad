"""Checks of the numbers a user passes to training (once, at the boundary).

>>> import numpy as np
>>> real_arg("alpha", np.float32(0.5), low=0.0)
0.5
>>> count_arg("epochs", True, "an int ≥ 1")
Traceback (most recent call last):
...
neurograph.errors.ConfigError: epochs must be an int ≥ 1, got True
"""

from __future__ import annotations

from ..data.values import count_number as count_arg  # noqa: F401  (one check of a count)
from ..data.values import real_number as real_arg  # noqa: F401  (one check of a real number)


