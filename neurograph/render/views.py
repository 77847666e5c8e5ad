"""The views: what a picture of a network shows, one entry each in one table.

A view says what fills a unit and what its label prints, what a link shows (a
product of factors: ``"w"``, ``"grad"``, ``"a@source"``, ``"delta@target"``),
its palettes, its scales (per run, per layer, or fixed), its legend, and what it
needs. Graphviz diagrams, the explorer page (which receives the table as data
and only multiplies the factors it names) and the legends all read these
entries; adding a view is adding an entry.

>>> VIEWS["signals"].link, VIEWS["signals"].unit_text
(('w', 'a@source'), ('z',))
>>> view("helth")
Traceback (most recent call last):
...
neurograph.errors.ConfigError: unknown show 'helth'; known: structure, weights, activations, \
signals, errors, blame, gradients, health, changes
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from ..errors import ConfigError
from . import colors
from .dotsafe import text

SYMBOL = {"w": "w", "grad": "∂J/∂w", "a": "a", "z": "z", "delta": "δ"}


@dataclass(frozen=True)
class Scale:
    """How a colour scale finds its ends: ``"run"`` (one for everything shown: a
    diagram's picture, a page's whole run), ``"layer"`` (one per layer) or ``"fixed"``
    (``ends``). For a run or layer scale, ``ends`` is a range it always covers."""

    policy: str = "run"
    ends: tuple | None = None


@dataclass(frozen=True)
class View:
    """One way of showing a network (see the module's docstring)."""

    name: str
    unit: str | None = None  # what fills a unit: "a", "delta", "z"; None: its kind's colour
    unit_text: tuple = ()  # the quantities a unit's label prints under its name
    link: tuple = ()  # a link's value: the product of these factors; () draws it plain
    link_one: tuple | None = None  # its value for one instance, where that differs
    unit_palette: str | None = None  # "seq" (0 → 1) or "div" (the error scale)
    link_palette: str | None = None  # "sign" (green/purple by sign) or "div"
    unit_scale: Scale = field(default_factory=Scale)
    link_scale: Scale = field(default_factory=Scale)
    shared: bool = False  # units and links on one scale: one colour, one value
    link_labels: bool = False  # links labelled with their value
    backward: bool = False  # links drawn flowing back (blame is passed back)
    needs: str | None = None  # "a" (a forward pass), "delta" (a backward pass), "grad",
    # "diagnosis", "comparison"
    unit_legend: str = ""  # what the unit's colour is
    link_legend: str = ""  # what the link's value is (short, or a sentence with link_symbol)
    link_symbol: str = ""  # the link's symbol, when link_legend is a sentence
    link_one_legend: str = ""  # link_legend of one instance's value

    def factors(self, one: bool) -> tuple:
        """The link's factors for one instance (``one``) or for the batch."""
        return self.link_one if one and self.link_one is not None else self.link

    def needs_trace(self) -> bool:
        return self.needs in ("a", "delta", "grad")

    def page(self) -> dict:
        """The entry as the page's script reads it (plain data)."""
        return asdict(self)


_SIGN = dict(link_palette="sign", link_legend="w")
TABLE = (
    View("structure", unit_legend="the kind of unit"),
    View("weights", link=("w",), link_labels=True, **_SIGN),
    View("activations", unit="a", unit_text=("z", "a"), unit_palette="seq",
         unit_scale=Scale("run", (0.0, 1.0)), link=("w",), needs="a",
         unit_legend="a", **_SIGN),
    View("signals", unit_text=("z",), link=("w", "a@source"), link_palette="sign",
         link_labels=True, needs="a", unit_legend="z = Σ w·a",
         link_legend="w·a"),
    View("errors", unit="delta", unit_text=("delta",), unit_palette="div", link=("w",),
         needs="delta", unit_legend="δ", **_SIGN),
    View("blame", unit="delta", unit_text=("delta",), unit_palette="div",
         link=("w", "delta@target"), link_palette="div", shared=True, link_labels=True,
         backward=True, needs="delta", unit_legend="δ",
         link_legend="blame share Θ_ji·δ_j, flowing back", link_symbol="Θ_ji·δ_j"),
    View("gradients", link=("grad",), link_one=("a@source", "delta@target"),
         link_palette="div", link_labels=True, needs="grad", link_legend="∂J/∂w",
         link_one_legend="a_i·δ_j"),
    View("health", needs="diagnosis", unit_legend="findings of ng.diagnose"),
    View("changes", needs="comparison", unit_legend="Δδ", link_legend="Δw"),
)
VIEWS = {v.name: v for v in TABLE}
# the views a page offers: every entry of the table but the bare structure and the
# changes between two moments (a page is one run)
PAGE_VIEWS = tuple(v.name for v in TABLE if v.name not in ("structure", "changes"))
SHOWS = tuple(VIEWS)


def view(show) -> View:
    """The entry of ``show``; ConfigError naming every view otherwise."""
    if not isinstance(show, str) or show not in VIEWS:
        raise ConfigError(f"unknown show {show!r}; known: {', '.join(SHOWS)}")
    return VIEWS[show]


def node_values(net, v, trace, row) -> dict:
    """{unit name: the number that fills it} of view ``v`` for one row of ``trace``."""
    if v.unit is None or trace is None:
        return {}
    out = {}
    for u in net.nodes:
        x = trace.node_value(u, v.unit)
        if x is not None:
            out[u.name] = float(x[row])
    return out


def node_label(u, v, trace, row) -> str:
    """The unit's name and the view's quantities for the row (DOT-escaped)."""
    lines = [u.name]
    for q in v.unit_text if trace is not None and row is not None else ():
        x = trace.node_value(u, q)
        if x is not None:
            lines.append(f"{SYMBOL[q]}={colors.fmt(float(x[row]))}")
    return text("\n".join(lines))


def link_value(v, link, trace, row, w_of):
    """The product of the view's factors for ``link`` (one row, or the batch when ``row``
    is None); None where a factor is not there yet (the backward sweep has not reached
    it). Into a unit with another input function, w and a in a product with δ stand for
    ∂z_j/∂a_i and ∂z_j/∂w_ij, the factors' meaning for a weighted sum."""
    factors = v.factors(row is not None)
    if not factors:
        return None
    if factors == ("grad",):
        return float(trace.grad[link._i])
    if "delta@target" in factors:
        if link.is_bias and "w" in factors:
            return None  # the bias unit takes no blame
        d = trace.node_value(link.target, "delta")
        fn = link.target.input_function
        if d is None:
            return None
        if fn is not None and fn.name != "weighted_sum":
            return _local(link, trace, row, factors, fn) * float(d[row])
    out = 1.0
    for f in factors:
        if f == "w":
            out *= w_of(link)
        else:
            what, end = f.split("@")
            node = link.source if end == "source" else link.target
            x = 1.0 if node is None else trace.node_value(node, what)
            out *= x if node is None else float(x[row])
    return float(out)


def _local(link, trace, row, factors, fn) -> float:
    """∂z_j/∂a_i ("w") or ∂z_j/∂w_ij ("a@source") of an input function other than Σ w·a."""
    w = np.array([trace.theta[link._i]])
    a = trace.node_value(link.source, "a") if link.source is not None else \
        np.ones(trace.n)
    if "w" in factors:
        return float(fn.dz_da(a[row:row + 1, None], w)[0, 0])
    return float(fn.dz_dw(a[row:row + 1, None], w)[0, 0])


