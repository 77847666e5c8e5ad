"""Why doesn't it learn? Per-unit findings, the first bad step of a diverged run,
and breakpoints on conditions (``ng.when``).

>>> import neurograph as ng
>>> X, y = ng.data.truth_table("XOR")
>>> ng.diagnose(ng.Network.from_architecture([2, 2, 1], seed=3), X, y).ok
True
"""

from . import when
from .api import diagnose
from .findings import KINDS, Diagnosis, Finding, Thresholds
from .origin import first_bad_step

__all__ = ["KINDS", "Diagnosis", "Finding", "Thresholds", "diagnose", "first_bad_step", "when"]
