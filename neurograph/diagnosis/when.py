"""Conditions on a training Step: breakpoints for ``trainer.steps(..., until=…)`` and
``Trainer.fit(..., break_on=…)``, combined with ``|`` and ``&``.

>>> import neurograph as ng
>>> cond = ng.when.nonfinite | ng.when.cost_above(10)
>>> cond
(when.nonfinite | when.cost_above(10))
>>> X, y = ng.data.truth_table("XOR")
>>> t = ng.Trainer(ng.Network.from_architecture([2, 2, 1], seed=3), alpha=2.0)
>>> [s.epoch for s in t.steps(X, y, every="epoch", epochs=50, until=ng.when.cost_above(0))]
[0]
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..errors import ConfigError
from ..train.stepping import Condition
from .checks import _finite, dead_units, nonfinite_at, saturation

__all__ = ["Condition", "nonfinite", "saturated", "dead", "cost_above", "unit"]


def _nonfinite(step) -> bool:
    if step.cost is not None and not math.isfinite(step.cost):
        return True
    tr = step.trace
    # a(1) is X, which every pass checks finite on the way in: nonfinite_at starts at layer 2
    return tr is not None and (nonfinite_at(tr) is not None or
                               (tr.grad is not None and not _finite(tr.grad)))


nonfinite = Condition(_nonfinite, "when.nonfinite")
"""True at a step whose J, z, a, δ or ∂J/∂w holds a NaN or inf."""


def _real(fn: str, arg: str, v, want: str, ok) -> float:
    # a NaN bound would hold at every step (not J <= nan is always True): refused, not run
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real) or not ok(v):
        raise ConfigError(f"when.{fn}: {arg} must be {want}, got {v!r}")
    return float(v)


def _network(step):
    tr = step.trace
    return None if tr is None else tr.network


def saturated(fraction: float = 0.5, gprime: float = 0.05) -> Condition:
    """True when at least ``fraction`` of the saturating units (sigmoid, tanh) have g'(z)
    below ``gprime`` × its maximum on most (90 %) of the step's instances; the units
    are those ``ng.diagnose`` judges (outputs under cross-entropy left out)."""
    fraction = _real("saturated", "fraction", fraction, "in (0, 1]", lambda v: 0 < v <= 1)
    gprime = _real("saturated", "gprime", gprime, "in (0, 1]", lambda v: 0 < v <= 1)

    def test(step):
        net = _network(step)
        if net is None:
            return False
        shares = [sh for _, sh in saturation(net, step.trace, gprime)]
        return bool(shares) and sum(sh >= 0.9 for sh in shares) / len(shares) >= fraction
    return Condition(test, f"when.saturated({fraction:g})")


def _dead(step) -> bool:
    net = _network(step)
    return net is not None and bool(dead_units(net, step.trace, 1.0))


dead = Condition(_dead, "when.dead")
"""True when some unit that can die (ReLU) has g'(z) = 0 on every instance of the step."""


def cost_above(v: float) -> Condition:
    """True when the step's J is above ``v`` (or not finite); ``v`` a finite number."""
    v = _real("cost_above", "v", v, "a finite number", math.isfinite)
    return Condition(lambda s: s.cost is not None and not s.cost <= v, f"when.cost_above({v:g})")


def unit(name: str, fn) -> Condition:
    """True when ``fn(values)`` is true for the unit ``name``; ``values`` holds its
    z, a, delta (arrays over the step's instances, or None) and blame.

    >>> unit("a2_1", lambda u: u["a"] is not None and u["a"].mean() > 0.9)
    when.unit('a2_1', …)
    """
    if not isinstance(name, str):
        raise ConfigError(f"when.unit takes a unit's name (a str), got {name!r}")
    if not callable(fn):
        raise ConfigError(f"unit() needs a function of the unit's values, got {fn!r}")

    def test(step):
        tr = step.trace
        net = None if tr is None else tr.network
        if net is None:
            return False
        if name not in net:
            raise ConfigError(f"when.unit: the network has no unit named {name!r}; "
                              f"units: {', '.join(u.name for u in net.nodes)}")
        return bool(fn(tr.node(net[name])))
    return Condition(test, f"when.unit({name!r}, …)")
