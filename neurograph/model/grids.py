"""Grids of units: image inputs, convolution and pooling, built from units and links.

A :class:`Grid` is a layer whose units have positions ``g[c, r, col]`` (map,
row, column). ``add_conv`` makes one unit per map and position and links it
to the input units under its window, every link of map m at kernel place
(c, i, j) reading the one shared weight ``kernels[m, c, i, j]`` and every
unit of map m the shared bias ``biases[m]``; zero padding is links that are
not there. ``add_pool`` makes units whose input function is the max or the
mean of their window and whose activation is the identity — units as the
lecture defines them; their links carry no weight (they read a fixed 1, their
biases a fixed 0: no room in θ; writing them is refused).

The numbers of d2l's cross-correlation example:

>>> import numpy as np, neurograph as ng
>>> net = ng.Network()
>>> x = net.add_inputs((3, 3))
>>> c = net.add_conv(x, maps=1, kernel=2, activation="linear", name="c")
>>> c.kernels = [[[[0.0, 1.0], [2.0, 3.0]]]]
>>> net.forward(np.arange(9.0)).reshape(2, 2)
array([[19., 25.],
       [37., 43.]])
"""

from __future__ import annotations

import re
from itertools import product
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ConfigError, PositionError, ShapeError, TopologyError
from .layer import Layer

if TYPE_CHECKING:  # pragma: no cover
    from .node import Node
    from .parameters import ParameterArray

POOLS = {"max": "max", "avg": "mean"}  # kind → the units' input function


class Grid:
    """Units laid out as maps × rows × columns; ``g[m, r, col]`` is one Node.

    A conv grid also has ``kernels`` (maps, input maps, kh, kw) and ``biases``
    (maps,), read and written as arrays (the shared weights behind its links).
    Iterating gives the units in C order (the order of X's columns for inputs).
    """

    def __init__(self, name: str, nodes: np.ndarray, layer: Layer, kind: str,
                 kernels: ParameterArray | None = None, biases: ParameterArray | None = None):
        self.name, self.nodes, self.layer, self.kind = name, nodes, layer, kind
        self._kernels, self._biases = kernels, biases

    @property
    def shape(self) -> tuple[int, ...]:
        return self.nodes.shape

    @property
    def maps_shape(self) -> tuple[int, int, int]:
        """(maps, rows, columns); a 2-D grid is one map."""
        return self.nodes.shape if self.nodes.ndim == 3 else (1, *self.nodes.shape)

    def __getitem__(self, key) -> Node:
        try:
            return self.nodes[key]
        except IndexError:
            raise PositionError(f"grid {self.name!r} has shape {self.shape} "
                                f"({'maps, ' if self.nodes.ndim == 3 else ''}rows, columns); "
                                f"position {key!r} is outside it") from None

    def __iter__(self):
        return iter(self.nodes.flat)

    def __len__(self) -> int:
        return self.nodes.size

    def _params(self, which: str) -> ParameterArray:
        p = getattr(self, f"_{which}")
        if p is None:
            raise TopologyError(f"grid {self.name!r} is a {self.kind} grid: it has no {which}")
        return p

    @property
    def kernels(self) -> np.ndarray:
        """The kernels (maps, input maps, kh, kw) as an array; assigning writes them."""
        return self._params("kernels").value

    @kernels.setter
    def kernels(self, v) -> None:
        self._params("kernels").value = v

    @property
    def biases(self) -> np.ndarray:
        """One bias per map; assigning writes them."""
        return self._params("biases").value

    @biases.setter
    def biases(self, v) -> None:
        self._params("biases").value = v

    def __repr__(self) -> str:
        m, h, w = self.maps_shape
        return f"Grid({self.name!r}, {self.kind}, maps={m}, {h}×{w})"


def _count(what: str, v, low: int = 1) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
        raise ConfigError(f"{what} must be a whole number ≥ {low}, got {v!r}")
    return int(v)


def _pair(what: str, v, low: int = 1) -> tuple[int, int]:
    if isinstance(v, (tuple, list)):
        if len(v) != 2:
            raise ConfigError(f"{what} must be a number or a pair (rows, columns), got {v!r}")
        return _count(what, v[0], low), _count(what, v[1], low)
    k = _count(what, v, low)
    return k, k


def _table(table, maps: int, C: int) -> np.ndarray:
    """Which input maps each map reads: all (``table`` None) or a (maps, input maps)
    array of booleans (a partial connection table, as LeNet-5's C3)."""
    if table is None:
        return np.ones((maps, C), dtype=bool)
    t = np.asarray(table)
    if t.shape != (maps, C) or t.dtype != bool:
        raise ShapeError(f"a connection table is a ({maps}, {C}) array of booleans (maps × "
                         f"input maps), got {t.dtype} of shape {t.shape}")
    if not t.any(axis=1).all():
        raise ConfigError(f"every map must read an input map: rows "
                          f"{np.flatnonzero(~t.any(axis=1)).tolist()} of the table read none")
    return t


def _grid(net, x) -> Grid:
    if not isinstance(x, Grid):
        raise TopologyError(f"expected a grid of units (net.add_inputs, add_conv, add_pool), "
                            f"got {type(x).__name__}: only a grid has rows and columns")
    if x.layer not in (net.layering.input, *net.layering.assigned):
        raise TopologyError(f"grid {x.name!r} belongs to another network")
    return x


def link_all(net, rows: list) -> None:
    """Add the links (source, target, θ index) at once: the targets are new units of a
    new layer, so no link can exist already or close a cycle."""
    net.topology.add_links(net.weights, rows)
    net.layout_changed()


def units(net, name: str, shape, layer: Layer, **kw) -> np.ndarray:
    out = np.empty(shape, dtype=object)
    for ix in np.ndindex(*shape):
        out[ix] = net.add_node(f"{name}[{', '.join(map(str, ix))}]", layer=layer, **kw)
    return out


def add_inputs(net, shape, name: str = "x") -> Grid:
    """Input units in a grid of ``shape`` ((rows, cols) or (maps, rows, cols)),
    named ``x[c, r, col]``, added in C order (the order of X's columns)."""
    shape = tuple(shape) if isinstance(shape, (tuple, list)) else (shape,)
    if len(shape) not in (2, 3):
        raise ShapeError(f"an input grid is (rows, columns) or (maps, rows, columns), got "
                         f"{shape}")
    shape = tuple(_count("an input grid's size", k) for k in shape)
    nodes = np.empty(shape, dtype=object)
    for ix in np.ndindex(*shape):
        nodes[ix] = net.add_input(f"{name}[{', '.join(map(str, ix))}]")
    return Grid(name, nodes, net.layering.input, "input")


def add_conv(net, x, maps: int, kernel, stride=1, padding=0,
             activation="relu", name: str | None = None, table=None) -> Grid:
    """A convolution layer over the grid ``x`` (see :meth:`Network.add_conv`)."""
    x = _grid(net, x)
    maps = _count("maps", maps)
    reads = _table(table, maps, x.maps_shape[0])
    kh, kw = _pair("kernel", kernel)
    sh, sw = _pair("stride", stride)
    ph, pw = _pair("padding", padding, low=0)
    C, H, W = x.maps_shape
    if kh > H + 2 * ph or kw > W + 2 * pw:
        raise ShapeError(f"kernel {kh}×{kw} is larger than the padded input "
                         f"{H + 2 * ph}×{W + 2 * pw} (expected a kernel that fits)")
    Ho, Wo = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
    name = name if name is not None else f"c{len(net.layering.assigned) + 2}"
    bound = 1.0 / np.sqrt(C * kh * kw)  # PyTorch's default scale for conv2d
    K = net.parameter_array(net.rng.uniform(-bound, bound, (maps, C, kh, kw)),
                            name=f"{name}.kernels")
    B = net.parameter_array(net.rng.uniform(-bound, bound, maps), name=f"{name}.biases")
    layer = net.new_layer(activation)
    out = units(net, name, (maps, Ho, Wo), layer)
    src = x.nodes.reshape(C, H, W)
    kidx, bidx = K.indices, B.indices
    for m, v in zip(np.repeat(np.arange(maps), Ho * Wo), out.flat):
        v._bias_link._i = int(bidx[m])
    # every (unit, kernel entry) pair at once, in the order z sums them (unit by unit,
    # then input map, row, column): the loop in Python costs seconds for LeNet-5
    shape = (maps, Ho, Wo, C, kh, kw)
    m, r, c, ci, i, j = np.ix_(*map(np.arange, shape))
    rr, cc = r * sh + i - ph, c * sw + j - pw
    keep = np.broadcast_to((rr >= 0) & (rr < H) & (cc >= 0) & (cc < W) & reads[m, ci],
                           shape).reshape(-1)  # padding: no link
    m, r, c, ci, rr, cc, i, j = (np.broadcast_to(a, shape).reshape(-1)[keep]
                                 for a in (m, r, c, ci, rr, cc, i, j))
    sources, targets = src[ci, rr, cc].tolist(), out[m, r, c].tolist()
    link_all(net, zip(sources, targets, kidx[m, ci, i, j].tolist()))
    if not reads.all():  # a map's kernel over an input map it does not read: 0, held
        unread = np.broadcast_to(~reads[:, :, None, None], K.shape)
        K.value = np.where(unread, 0.0, K.value)
        for p in K.params[unread]:
            p.frozen = True
    return Grid(name, out, layer, "conv", K, B)


def add_pool(net, x, size, stride=None, kind: str = "max",
             name: str | None = None) -> Grid:
    """A pooling layer over the grid ``x`` (see :meth:`Network.add_pool`)."""
    if kind not in POOLS:
        raise ConfigError(f"kind must be one of {', '.join(POOLS)}, got {kind!r}")
    x = _grid(net, x)
    kh, kw = _pair("size", size)
    sh, sw = (kh, kw) if stride is None else _pair("stride", stride)
    C, H, W = x.maps_shape
    if kh > H or kw > W:
        raise ShapeError(f"a {kh}×{kw} window does not fit a {H}×{W} map (expected a "
                         "window no larger than the map)")
    Ho, Wo = (H - kh) // sh + 1, (W - kw) // sw + 1
    name = name if name is not None else f"s{len(net.layering.assigned) + 2}"
    layer = net.new_layer("linear")
    out = units(net, name, (C, Ho, Wo), layer, input_function=POOLS[kind])
    src = x.nodes.reshape(C, H, W)
    store = net.weights
    # the links carry no weight: each reads the store's one fixed, frozen 1 (drawn, never
    # read by max or mean) and each bias the fixed 0, so the layer takes no room in θ
    one, zero = store.fixed_entry(1.0), store.fixed_entry(0.0)
    rows = []
    for m, r, c in product(range(C), range(Ho), range(Wo)):
        v = out[m, r, c]
        v._bias_link._i = zero
        rows.extend((src[m, r * sh + i, c * sw + j], v, one)
                    for i, j in product(range(kh), range(kw)))
    link_all(net, rows)
    return Grid(name, out, layer, kind + " pool")


def hold_pool_links(net) -> None:
    """Let the links of each pooling unit that holds what :func:`add_pool` gives it (its
    links a frozen 1, its bias a frozen 0) read the store's constants, as add_pool's do:
    a network read from a spec (a checkpoint written before they did) takes no room in
    θ for them either. Other pooling units keep their entries."""
    store, changed = net.weights, False
    for u in net.nodes:
        fn = u.input_function
        if fn is None or fn.weighted:
            continue
        links = net.in_links(u)
        if all(li.frozen and li.weight == (0.0 if li.is_bias else 1.0) for li in links):
            for li in links:
                li._i = store.fixed_entry(0.0 if li.is_bias else 1.0)
            changed = True
    if changed:
        net.layout_changed()


_POSITION = re.compile(r"^(.*)\[(\d+(?:, \d+)*)\]$")


def layer_grid(net, layer: Layer) -> Grid | None:
    """The grid a layer's units form, read off their names (``name[m, r, col]`` in C
    order, a full box), or None for a layer of plain units. Names survive copy, save
    and load, so a loaded conv net is still drawn and diagnosed map by map; its kernels
    are the parameter array ``<name>.kernels`` (LeNet's subsampling:
    ``<name>.coefficients``).

    >>> import neurograph as ng
    >>> net = ng.Network(seed=0); x = net.add_inputs((4, 4))
    >>> c = net.add_conv(x, maps=2, kernel=3, name="c1")
    >>> g = layer_grid(net, net.layers[1]); g.name, g.kind, g.maps_shape
    ('c1', 'conv', (2, 2, 2))
    >>> dense = ng.Network.from_architecture([2, 1]); layer_grid(dense, dense.layers[0]) is None
    True
    """
    nodes = layer.nodes
    first = _POSITION.match(nodes[0].name) if nodes else None
    if first is None:
        return None
    prefix, dims = first.group(1), first.group(2).count(",") + 1
    pos = []
    for u in nodes:
        m = _POSITION.match(u.name)
        if m is None or m.group(1) != prefix:
            return None
        pos.append(tuple(int(k) for k in m.group(2).split(", ")))
    if any(len(p) != dims for p in pos) or dims not in (2, 3):
        return None
    shape = tuple(int(k) + 1 for k in pos[-1])
    if len(pos) != int(np.prod(shape)) or pos != list(np.ndindex(*shape)):
        return None  # not a full box in C order: a layer of units named like positions
    params = net.parameters
    kernels = params.get(f"{prefix}.kernels", params.get(f"{prefix}.coefficients"))
    biases = params.get(f"{prefix}.biases")
    f = nodes[0].input_function
    kind = ("input" if layer.index == 1 else "conv" if f"{prefix}.kernels" in params else
            "subsampling" if kernels is not None else
            f"{'avg' if f.name == 'mean' else f.name} pool" if f is not None and not f.weighted
            else "grid")
    arr = np.empty(len(nodes), dtype=object)
    arr[:] = nodes
    return Grid(prefix, arr.reshape(shape), layer, kind, kernels, biases)
