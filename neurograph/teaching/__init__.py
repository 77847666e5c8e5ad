"""Worked examples, the textbook kit and checking a hand calculation.

``explain`` writes out one backward pass with the network's own numbers;
``textbook.run()`` reproduces published worked examples; ``check_by_hand``
finds the first wrong step of a student's calculation.
"""

from . import textbook
from .byhand import HandCheck, check_by_hand
from .worked import WorkedExample, explain

__all__ = ["HandCheck", "WorkedExample", "check_by_hand", "explain", "textbook"]
