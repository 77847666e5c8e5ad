"""Small pieces of the training loop: quiet numerics, breakpoints, the progress bar.

>>> list(first_where((k for k in [1, 2, 3, 4]), lambda k: k > 2))
[3]
"""

from __future__ import annotations

import math
import os
import sys

import numpy as np

from ..errors import ConfigError

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


def first_where(gen, cond, on_hit=None):
    """The first step of ``gen`` where ``cond`` holds (then ``gen`` is closed), if any;
    ``on_hit(step)`` is called before it is yielded."""
    for step in gen:
        if cond(step):
            if on_hit is not None:
                on_hit(step)
            yield step
            gen.close()
            return


class Condition:
    """A test of a Step: ``cond(step)`` is True or False; ``a | b``, ``a & b`` combine.
    The conditions to use are in ``ng.when``; this is their type, which ``until=`` and
    ``break_on=`` ask for.

    >>> big = Condition(lambda s: s > 2, "big"); (big | big)(3), big & big
    (True, (big & big))
    """

    def __init__(self, test, text: str):
        self._test, self._text = test, text

    def __call__(self, step) -> bool:
        return bool(self._test(step))

    def __or__(self, other: Condition) -> Condition:
        other = condition_arg("a | b", other)
        return Condition(lambda s: self(s) or other(s), f"({self._text} | {other._text})")

    def __and__(self, other: Condition) -> Condition:
        other = condition_arg("a & b", other)
        return Condition(lambda s: self(s) and other(s), f"({self._text} & {other._text})")

    def __repr__(self) -> str:
        return self._text


def condition_arg(name: str, x) -> Condition:
    """``x`` when it is a Condition; else a ConfigError naming what came."""
    if not isinstance(x, Condition):
        got = x.__name__ if hasattr(x, "__name__") else repr(x)
        raise ConfigError(f"{name} takes a condition (ng.when.nonfinite, "
                          f"ng.when.cost_above(5), … combined with | and &); got "
                          f"{type(x).__name__} {got}"[:300])
    return x


def break_into(step, name: str = "step") -> None:
    """Stop in the debugger at the caller's frame — the first frame outside neurograph,
    where the user's names are — with ``step`` put in scope there as ``name`` (as
    ``break_step`` when the caller already has a ``name`` of its own).

    ``PYTHONBREAKPOINT=0`` skips it, as it skips ``breakpoint()``; another debugger
    named there (or installed as ``sys.breakpointhook``) is called as
    ``breakpoint()`` would call it, with ``step`` in scope here."""
    hook = os.environ.get("PYTHONBREAKPOINT", "")
    if hook == "0" and not sys.flags.ignore_environment:
        return
    frame = _caller_frame()
    if name in frame.f_locals and frame.f_locals[name] is not step:
        name = "break_step"  # the caller's own ``step`` is left as it is
    frame.f_locals[name] = step  # a module's globals, or a function's locals dict
    print(f"break_on: {step!r} ({name} is the step)")
    if sys.breakpointhook is not sys.__breakpointhook__ or hook not in ("", "pdb.set_trace"):
        breakpoint()  # noqa: T100  (on purpose: fit(break_on=…) asked for it)
        return
    _debugger(frame)


def _caller_frame():
    f = sys._getframe(1)
    while f.f_back is not None and _ours(f):
        f = f.f_back
    return f


def _ours(frame) -> bool:
    mod = frame.f_globals.get("__name__", "")
    return mod == "neurograph" or mod.startswith("neurograph.")


def _debugger(frame) -> None:
    """pdb's prompt at ``frame`` (not at this function): ``continue`` goes on training,
    ``quit`` raises BdbQuit as under ``breakpoint()``, ``next``/``step`` go on tracing."""
    import bdb
    import pdb

    dbg = pdb.Pdb()
    dbg.reset()
    dbg.interaction(frame, None)
    if dbg.quitting:
        raise bdb.BdbQuit
    if dbg.stoplineno != -1:  # next, step or return asked for: trace from here as set_trace
        f = frame
        while f is not None:
            f.f_trace = dbg.trace_dispatch
            dbg.botframe, f = f, f.f_back
        sys.settrace(dbg.trace_dispatch)


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
