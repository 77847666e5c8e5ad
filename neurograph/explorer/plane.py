"""The transformed plane (ConvNetJS's "classify2d"): how a hidden layer maps the input box.

A grid of lines over the input plane of a two-input network, and the training
points, carried through a hidden layer at each frame's weights: drawn over two of
the layer's units, straight lines become the curves along which the next layer
cuts — the lecture's "combining representations", made visible. The passes run
here; the page only draws the numbers (the units' activations at every grid point).
"""

from __future__ import annotations

import numbers

import numpy as np

from ..data.labels import check_inputs
from ..engines.passes import run_forward
from ..errors import ConfigError
from ..render.plots import point_classes
from ..train.checks import real_arg
from .rows import weights_of

RES = 21  # grid points along each input: a line every EVERY-th, sampled between crossings
EVERY = 2
LIMIT = 500  # training points carried (the first ones of X)


def input_box(net, X, margin: float, res: int, what: str):
    """X as (n, 2), the box around it padded by ``margin`` of its size, and the
    res points along each of its two axes; ConfigError unless two inputs."""
    if net.s[0] != 2:
        raise ConfigError(f"{what} needs a network with two inputs, this one has "
                          f"{net.s[0]} (s = {net.s})")
    if isinstance(res, (bool, np.bool_)) or not isinstance(res, numbers.Integral) or res < 2:
        raise ConfigError(f"res must be an int ≥ 2 (grid points per axis), got {res!r}")
    margin = real_arg("margin", margin, low=0.0)
    X, _ = check_inputs(X, 2)  # finite numbers, (n, 2): NaN would make the box NaN
    if len(X) == 0:
        raise ConfigError(f"{what} needs at least one instance in X to place its box, got 0")
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = (hi - lo) * margin + (hi == lo)
    lo, hi = lo - pad, hi + pad
    return X, lo, hi, np.linspace(lo[0], hi[0], res), np.linspace(lo[1], hi[1], res)


def choose(net, plane) -> tuple[int, tuple[int, int]]:
    """The layer (1-based, as on the slides) and its two units (0-based positions) that
    ``plane=`` asks for: True, the first hidden layer of two units or more and its units
    1 and 2; or ``(layer, (u1, u2))``, a hidden layer's number and two of its units, by
    number (1-based) or name. ConfigError naming what came otherwise.

    >>> import neurograph as ng
    >>> net = ng.Network.from_architecture([2, 3, 4, 1], seed=0)
    >>> choose(net, True), choose(net, (3, (4, "a3_1")))
    ((2, (0, 1)), (3, (3, 0)))
    >>> choose(net, (4, (1, 2)))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    neurograph.errors.ConfigError: plane=(layer, (u1, u2)) needs a hidden layer, ... got layer 4
    """
    hidden = list(range(2, net.L))
    if net.s[0] != 2:
        raise ConfigError(f"the transformed plane needs a network with two inputs, this one "
                          f"has {net.s[0]} (s = {net.s})")
    if plane is True:
        wide = [l for l in hidden if net.s[l - 1] >= 2]
        if not wide:
            raise ConfigError(f"the transformed plane needs a hidden layer of two units or "
                              f"more, this network has none (s = {net.s})")
        return wide[0], (0, 1)
    ok = isinstance(plane, (tuple, list)) and len(plane) == 2 and \
        isinstance(plane[1], (tuple, list)) and len(plane[1]) == 2
    if not ok:
        raise ConfigError(f"plane must be True or (layer, (u1, u2)), e.g. (2, (1, 2)), got "
                          f"{plane!r}")
    layer, units = plane
    if isinstance(layer, bool) or not isinstance(layer, numbers.Integral) or \
            layer not in hidden:
        where = f"one of Layers 2..{net.L - 1}" if hidden else "and this one has none"
        raise ConfigError(f"plane=(layer, (u1, u2)) needs a hidden layer, {where} "
                          f"(s = {net.s}), got layer {layer!r}")
    nodes = net.layers[layer - 1].nodes
    pos = tuple(_unit(nodes, u, layer) for u in units)
    if pos[0] == pos[1]:
        raise ConfigError(f"plane=(layer, (u1, u2)) needs two different units of Layer "
                          f"{layer}, got {units[0]!r} twice")
    return int(layer), pos


def _unit(nodes, u, layer: int) -> int:
    """The 0-based position of unit ``u`` (1-based number or name) of Layer ``layer``."""
    if isinstance(u, str):
        for node in nodes:
            if node.name == u:
                return node.position
    elif not isinstance(u, bool) and isinstance(u, numbers.Integral) and 1 <= u <= len(nodes):
        return int(u) - 1
    raise ConfigError(f"Layer {layer} has units 1..{len(nodes)} "
                      f"({', '.join(n.name for n in nodes[:6])}{', …' if len(nodes) > 6 else ''})"
                      f", got unit {u!r}")


def transformed_plane(net, traces: list, X, y=None, start=True, res: int = RES,
                      every: int = EVERY, margin: float = 0.1) -> dict:
    """Every hidden unit's activation over a res×res grid of the input box and at the
    training points (the first 500 rows of X), per Trace, at that Trace's weights.

    ``frames[k][j]``: Layer ``layers[j]``'s (s_l, res² + m) array: a unit's row holds its
    a at grid point r·res + c (r along x2, c along x1, as a decision map's) then at the
    m points; the page draws grid rows and columns every ``every``-th as lines.
    ``ranges[k][j][p]``: the finite ends of unit p's values in frame k (its axis).
    ``start``: the layer and units drawn first (``plane=`` of :func:`ng.player`, checked
    by :func:`choose`); ``classes``: each point's class, for its colour.

    >>> import neurograph as ng
    >>> X, y = ng.data.truth_table("XOR")
    >>> net = ng.Network.from_architecture([2, 2, 1], seed=0)
    >>> p = transformed_plane(net, [net.backward(X, y)], X, y, res=3)
    >>> p["layers"], p["frames"][0][0].shape, p["start"], p["classes"]
    ([2], (2, 13), [2, 0, 1], [0.0, 1.0, 1.0, 0.0])
    """
    layer, units = choose(net, start)
    X, lo, hi, g1, g2 = input_box(net, X, margin, res, "the transformed plane")
    pts = X[:LIMIT]
    grid = np.vstack([np.column_stack([np.tile(g1, res), np.repeat(g2, res)]), pts])
    hidden = list(range(2, net.L))
    frames, ranges = [], []
    with weights_of(net) as store:
        for tr in traces:
            tr.check(net)
            store[:] = tr.theta
            with np.errstate(all="ignore"):  # a diverged frame's plane is inf/NaN, drawn so
                a = run_forward(net, grid).a
            frames.append([np.array(a[l - 1].T) for l in hidden])
            ranges.append([[_ends(row) for row in f] for f in frames[-1]])
    classes = np.zeros(len(pts)) if y is None else point_classes(y, len(X))[:LIMIT]
    return {"frames": frames, "ranges": ranges, "layers": hidden, "res": res,
            "every": every, "points": len(pts), "start": [layer, *units],
            "classes": [float(c) for c in classes],
            "box": [round(float(v), 12) for v in (lo[0], hi[0], lo[1], hi[1])]}


def _ends(values: np.ndarray) -> list[float]:
    """The finite ends of one unit's values, widened when they meet (a flat unit)."""
    v = values[np.isfinite(values)]
    if not v.size:
        return [0.0, 1.0]
    lo, hi = float(v.min()), float(v.max())
    pad = 0.05 * (hi - lo) or max(abs(lo), 1.0) * 0.05
    return [lo - pad, hi + pad]
