"""Small pieces of the training loop: quiet numerics, breakpoints, the progress bar.

>>> list(first_where((k for k in [1, 2, 3, 4]), lambda k: k > 2))
[3]
"""

from __future__ import annotations

import math
import sys

import numpy as np

# A diverging run overflows on its way to inf/NaN; it is reported as "diverged"
# (or NonFiniteError), so numpy's warnings about it would only be noise.
DIVERGING = dict(over="ignore", invalid="ignore")


def quiet(gen):
    """Advance ``gen`` under DIVERGING; the caller's code between steps runs as it was."""
    while True:
        with np.errstate(**DIVERGING):
            try:
                item = next(gen)
            except StopIteration:
                return
        try:
            yield item
        except GeneratorExit:
            gen.close()
            raise


def first_where(gen, cond):
    """The first step of ``gen`` where ``cond`` holds (then ``gen`` is closed), if any."""
    for step in gen:
        if cond(step):
            yield step
            gen.close()
            return


def break_into(step) -> None:
    """Stop in the debugger with ``step`` in scope (``PYTHONBREAKPOINT`` is honoured)."""
    print(f"break_on: {step!r}")
    breakpoint()  # noqa: T100  (on purpose: fit(break_on=…) asked for it)


def finite(a: np.ndarray, probe: float) -> bool:
    """True when every entry of ``a`` is finite. ``probe`` is a one-pass reduction of
    ``a`` (a·a, Σa) that NaN and inf carry through: finite means ``a`` is, unless the
    reduction overflowed, and then isfinite over ``a`` decides."""
    return math.isfinite(probe) or bool(np.isfinite(a).all())


def progress_bar(epochs: int, progress: bool | None):
    if progress is None:
        progress = epochs >= 50 and sys.stderr.isatty()
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=epochs, unit="epoch", leave=False)
