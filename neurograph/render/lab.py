"""What a diagram draws for the lab bench: any per-unit number (``values=``) and the
changes between two moments (``show="changes", between=ng.compare(a, b)``: a
Comparison handed in, render never compares).

>>> import neurograph as ng
>>> net = ng.Network.from_thetas([[[0.0, 1.0]]])
>>> over = overlay(net, "structure", {"a2_1": 0.5}, "my measure", None)
>>> over.units, over.label
({'a2_1': 0.5}, 'my measure')
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError, InputValueError
from . import colors


@dataclass
class Overlay:
    """Numbers drawn over a network: units filled on the red/blue scale, and (for
    changes) edges coloured by theirs; None edges: the show's own edges."""

    units: dict  # unit name → number
    edges: dict | None  # (source name, target name) → number
    label: str  # what the unit numbers are
    edge_label: str | None
    title: str

    def node_label(self, name: str) -> str:
        """The unit's label as plain text (the diagram escapes it for DOT)."""
        return f"{name}\n{colors.fmt(self.units[name])}"

    def legend(self, unit_scale, edge_scale) -> list:
        """Legend rows: each quantity named once, with what it colours, then its colours
        by value; one row for a quantity that is 0 everywhere, none for one with no
        values (Δδ between two networks)."""
        rows = _scale_rows(f"unit fill: {self.label}", unit_scale, self.units, 5)
        if self.edges is not None:
            rows += _scale_rows(f"edge colour: {self.edge_label}", edge_scale, self.edges, 3)
        return rows


def _scale_rows(name: str, scale, values: dict, ticks: int) -> list:
    """``name`` once, then ``ticks`` colours of its scale by value (lo … 0 … hi)."""
    if not values:
        return []
    lo, hi = scale
    if lo == hi == 0:
        return [(colors.diverging(0.0, 0.0, 0.0), f"{name} = 0 everywhere")]
    at = (lo, lo / 2, 0.0, hi / 2, hi) if ticks == 5 else (lo, 0.0, hi)
    return [(None, name)] + [(colors.diverging(v, hi, lo), colors.fmt(v)) for v in at]


def overlay(net, show: str, values, label, between) -> Overlay | None:
    """The Overlay a diagram's ``values``/``label``/``between`` ask for, checked; None
    when they ask for none. Raises ConfigError / InputValueError naming what came."""
    if show == "changes":
        if values is not None:
            raise ConfigError("show='changes' draws the changes between=(a, b); values= is "
                              "for show='structure' or 'weights'")
        if not hasattr(between, "link_deltas"):
            raise ConfigError(f"show='changes' draws a Comparison: pass between=ng.compare(a, "
                              f"b) (ng.diagram takes between=(a, b): two networks, Traces or "
                              f"Steps); got between={between!r}")
        cmp = between
        _same_structure(net, cmp)
        return Overlay(cmp.unit_deltas("delta"), cmp.link_deltas(), label or "Δδ", "Δw",
                       f"s = {net.s}, show = changes ({cmp.kind})")
    if between is not None:
        raise ConfigError(f"between= goes with show='changes', got show={show!r}")
    if values is None:
        if label is not None:
            raise ConfigError("label= names the numbers of values=; got a label without values")
        return None
    if show not in ("structure", "weights"):
        raise ConfigError(f"values= fills the units of show='structure' or 'weights', "
                          f"got show={show!r}")
    if not hasattr(values, "items"):
        raise ConfigError(f"values must map units (nodes or names) to numbers, got "
                          f"{type(values).__name__}")
    units = {}
    for k, v in values.items():
        name = getattr(k, "name", k)
        if not isinstance(name, str) or name not in net or (hasattr(k, "network")
                                                             and k.network is not net):
            raise ConfigError(f"values names {k!r}, which is not a unit of this network")
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float)) \
                and not hasattr(v, "__float__") or np.ndim(v) != 0:  # an array: one per unit
            what = f"an array of shape {np.shape(v)}" if np.ndim(v) else repr(v)
            raise InputValueError(f"values[{name!r}] must be one number, got {what}")
        if not math.isfinite(float(v)):
            raise InputValueError(f"values[{name!r}] must be finite, got {float(v)}")
        units[name] = float(v)
    return Overlay(units, None, label or "value", None,
                   f"s = {net.s}, {label or 'value'} per unit")


def _same_structure(net, cmp) -> None:
    """Refuse changes between a and b unless a, b and the drawn network have one structure:
    the same links by name (a unit of net's that a and b lack would be drawn unchanged)."""
    have = set(cmp.link_deltas())
    want = {(k.source.name, k.target.name) for k in net.links}
    diff = [("only in a", cmp.only_in_a), ("only in b", cmp.only_in_b),
            ("links of the drawn network missing from a and b",
             [f"{s} → {t}" for s, t in sorted(want - have)]),
            ("links of a and b not in the drawn network",
             [f"{s} → {t}" for s, t in sorted(have - want)])]
    said = "; ".join(f"{what}: {', '.join(items[:6])}" + (f", … ({len(items) - 6} more)"
                                                         if len(items) > 6 else "")
                     for what, items in diff if items)
    if said:
        raise ConfigError(f"show='changes' needs a and b of the drawn network's structure "
                          f"(s = {net.s}); they differ: {said}")
