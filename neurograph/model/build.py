"""Building a network: the checks every new link passes, and a layer or a whole
network at a time (``add_layer``, ``connect_layers``, ``from_architecture``,
``from_thetas``, ``from_spec``: the class ``WholeNetworks``, which ``Network``
inherits; they build through the Network's unit-by-unit methods and its parts).
The plain functions here are what the Network's building methods call.

>>> check_architecture([3, 3, 2, 1])
[3, 3, 2, 1]
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

from ..data.values import real_array
from ..errors import ConfigError, CycleError, ShapeError, TopologyError
from . import spec as _spec
from .activations import Activation, get_activation
from .initialization import initial_weights
from .layer import Layer

if TYPE_CHECKING:  # pragma: no cover
    from .node import Node

_BIAS_NAME = re.compile(r"bias\d+$")
_BYTES_PER_LINK = 350  # a Link object and its networkx edge dicts (measured: 347 B)


def new_name(graph: nx.DiGraph, prefix: str) -> str:
    """The first of prefix1, prefix2, … not taken."""
    k = 1
    while f"{prefix}{k}" in graph:
        k += 1
    return f"{prefix}{k}"


def check_new_name(graph: nx.DiGraph, name) -> str:
    """``name`` if a new unit may take it, else TopologyError."""
    if not isinstance(name, str) or not name:
        raise TopologyError(f"a node name must be a non-empty string, got {name!r}")
    if name in graph:
        raise TopologyError(f"a node named {name!r} exists already")
    if _BIAS_NAME.match(name):
        raise TopologyError(f"node names 'bias<l>' are reserved for bias units, got {name!r}")
    return name


def as_node_list(x) -> list:
    """The units of a Layer, or the given sequence as a list."""
    return list(x.nodes) if isinstance(x, Layer) else list(x)


def check_architecture(s) -> list[int]:
    """s as a list of ≥ 2 whole numbers ≥ 1, else ConfigError."""
    s = list(s)
    if len(s) < 2 or not all(isinstance(k, (int, np.integer)) and not isinstance(k, bool)
                             and k >= 1 for k in s):
        raise ConfigError(f"an architecture is a list of ≥ 2 whole numbers ≥ 1, got {s}")
    return s


def check_fits_in_memory(s: list[int], dtype: np.dtype) -> None:
    """Refuse an architecture whose links would not fit in memory, before allocating."""
    links = sum((a + 1) * b for a, b in zip(s, s[1:]))
    need = links * (dtype.itemsize + _BYTES_PER_LINK)
    try:
        have = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # not every platform tells
        return
    if need > have:
        raise ConfigError(f"s = {s} has {links:,} links: about {need / 2**30:.1f} GiB as "
                          f"nodes and links, more than this machine's {have / 2**30:.1f} GiB")


def check_thetas(thetas: list, dtype) -> tuple[list[np.ndarray], list[int]]:
    """Θ(1), Θ(2), … as checked arrays of ``dtype``, and the architecture they chain."""
    ths = [real_array(t, f"Θ({k})", dtype) for k, t in enumerate(thetas, start=1)]
    if not ths:
        raise ShapeError("from_thetas needs at least one Θ matrix")
    for k, t in enumerate(ths, start=1):
        if t.ndim != 2 or t.shape[1] < 2:
            raise ShapeError(f"Θ({k}) must be 2-D with shape s_{k + 1} × (s_{k} + 1), "
                             f"got shape {t.shape}")
    for k in range(1, len(ths)):
        if ths[k].shape[1] != ths[k - 1].shape[0] + 1:
            raise ShapeError(
                f"Θ({k + 1}) must have s_{k + 1} + 1 = {ths[k - 1].shape[0] + 1} columns "
                f"(Θ({k}) has {ths[k - 1].shape[0]} rows), got shape {ths[k].shape}"
            )
    return ths, [ths[0].shape[1] - 1] + [t.shape[0] for t in ths]


def build_layers(net, s, activation, output_activation, inits, inputs,
                 outputs) -> None:
    """The one layer-building path of from_architecture and from_thetas: layers
    of s units, each block linked with its ``inits`` entry (a scheme or Θ)."""
    for what, names, k in (("inputs", inputs, s[0]), ("outputs", outputs, s[-1])):
        if names is not None and len(names) != k:
            raise ConfigError(f"{what} names {k} units, got {len(names)} names")
    layers = [net.add_layer(s[0], names=inputs)]
    for i, k in enumerate(s[1:]):
        last = i == len(s) - 2
        act = output_activation if (last and output_activation is not None) else activation
        layers.append(net.add_layer(k, activation=act, names=outputs if last else None))
    for a, b, init in zip(layers, layers[1:], inits):
        net.connect_layers(a, b, init=init)


def check_links(graph: nx.DiGraph, src: list[Node], dst: list[Node]) -> None:
    """The one check every new link passes (connect, connect_layers, from_*):
    direction, same layer, duplicates, cycles. Raises before anything is built."""
    for what, nodes in (("source", src), ("target", dst)):
        seen = set()
        for u in nodes:
            if u.name in seen:
                raise TopologyError(f"{what} node {u.name!r} is listed twice")
            seen.add(u.name)
    for v in dst:
        if v.is_input or v.is_bias:
            kind, why = ("input", "inputs are set from outside") if v.is_input else \
                ("bias", "it is always 1")
            raise TopologyError(f"cannot link into {kind} unit {v.name!r}: {why}")
    for u in src:
        if u.is_bias:
            raise TopologyError(f"bias units are linked for you; use set_bias(node, w), "
                                f"got a link from {u.name!r}")
    assigned_src = [u for u in src if u.assigned_layer is not None]
    assigned_dst = [v for v in dst if v.assigned_layer is not None]
    if assigned_src and assigned_dst:
        u = max(assigned_src, key=lambda n: n.assigned_layer.index)
        v = min(assigned_dst, key=lambda n: n.assigned_layer.index)
        if u.assigned_layer.index >= v.assigned_layer.index:
            raise TopologyError(f"links go forward: {u.name!r} is in Layer "
                                f"{u.assigned_layer.index}, {v.name!r} in Layer "
                                f"{v.assigned_layer.index}")
    succ = graph.succ
    dset = {v.name for v in dst}
    for u in src:
        both = succ[u.name].keys() & dset
        if both:
            v = sorted(both)[0]
            raise TopologyError(f"a link {u.name!r} → {v!r} exists already (weight "
                                f"{succ[u.name][v]['link'].weight:.4g})")
    # a new link u → v closes a cycle when v already reaches u (or u is v)
    reach: dict[str, str] = {}
    for v in dst:
        if v.name not in reach:
            reach[v.name] = v.name
            for d in nx.descendants(graph, v.name):
                reach.setdefault(d, v.name)
    for u in src:
        if u.name in reach:
            v = reach[u.name]
            path = nx.shortest_path(graph, v, u.name)
            cycle = " → ".join([*path, v])
            raise CycleError(f"linking {u.name!r} → {v!r} would close the cycle {cycle}; "
                             "feed-forward networks have none")


def block_weights(init, sa: int, sb: int, rng, dtype):
    """(W of shape (sb, sa), biases or None) for a block sa → sb from ``init``:
    a scheme (biases drawn too) or an array, bias column first or without it."""
    if isinstance(init, (str, int, float)) and not isinstance(init, bool):
        full = initial_weights((sb, sa + 1), sa, sb, rng, init, dtype)
        return full[:, 1:], full[:, 0]
    arr = real_array(init, f"the weights of a block {sa} → {sb}", dtype)
    if arr.shape == (sb, sa + 1):
        W, bias = arr[:, 1:], arr[:, 0]
    elif arr.shape == (sb, sa):
        W, bias = arr, None
    else:
        raise ShapeError(f"weights for a block {sa} → {sb} must have shape ({sb}, {sa + 1}) "
                         f"(bias column first) or ({sb}, {sa}), got {arr.shape}")
    return W, bias


class WholeNetworks:
    """The methods of :class:`~neurograph.model.network.Network` that build a layer or
    a whole network at a time, through its unit-by-unit methods and its parts."""

    def add_layer(
        self,
        n: int,
        activation: str | Activation | None = None,
        names: Sequence[str] | None = None,
    ) -> Layer:
        """Append a layer of ``n`` units and return it.

        The first call makes Layer 1, the input layer (``activation`` must be
        None); later calls make Layer 2, 3, … of computing units named
        ``a<l>_<i>`` unless ``names`` are given. Bias weights start at 0;
        :meth:`connect_layers` initialises them with the links.

        Examples
        --------
        >>> import neurograph as ng
        >>> net = ng.Network(seed=0)
        >>> l1, l2 = net.add_layer(2), net.add_layer(3, activation="tanh")
        >>> l2
        Layer(2, 3 units, tanh)
        """
        self.lesions.refuse("add_layer")
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
            raise ConfigError(f"a layer needs a whole number of units ≥ 1, got {n!r}")
        if names is not None and len(names) != n:
            raise ConfigError(f"expected {n} names for the layer, got {len(names)}")
        if self.layering.empty:
            if activation is not None:
                raise ConfigError("Layer 1 is the input layer: it takes no activation")
            if names is None:
                names = [f"x{i}" for i in range(1, n + 1)]
            for nm in names:
                check_new_name(self.topology.graph, nm)
            for nm in names:
                self.add_input(nm)
            return self.layering.input
        act = get_activation(activation)
        index = len(self.layering.assigned) + 2
        if names is None:
            names = [f"a{index}_{i}" for i in range(1, n + 1)]
        if len(set(names)) != len(names):
            raise TopologyError("layer names must be distinct")
        for nm in names:
            check_new_name(self.topology.graph, nm)
        layer = self.new_layer(act)
        for nm in names:
            self.add_node(nm, layer=layer)
        return layer

    def new_layer(self, activation: str | Activation | None = None) -> Layer:
        """An empty layer after the last one made, to fill with ``add_node(layer=…)``.

        Examples
        --------
        >>> import neurograph as ng
        >>> net = ng.Network(); x = net.add_input("x")
        >>> lay = net.new_layer("tanh"); h = net.add_node("h", layer=lay)
        >>> lay
        Layer(2, 1 units, tanh)
        """
        self.lesions.refuse("new_layer")
        act = None if activation is None else get_activation(activation)
        return self.layering.new_layer(act)

    @property
    def assigned_layers(self) -> list[Layer]:
        """Layers 2, 3, … as made by add_layer / new_layer, in order (even unused)."""
        return list(self.layering.assigned)

    def connect_layers(self, a: Layer, b: Layer, init="uniform") -> None:
        """Link every unit of layer ``a`` to every unit of layer ``b`` (a full block).

        Parameters
        ----------
        init : "uniform" (U[−ε, ε], ε = √6/√(s_a + s_b), the default), "normal",
            "xavier", "he", a number ε, or an array of weights: shape
            (s_b, s_a + 1) in the course layout (bias column first, which also
            sets the biases) or (s_b, s_a) (biases left as they are).
            A scheme draws the biases too, from the network's generator.

        Raises
        ------
        TopologyError
            Layers of another network, a backward block, or links that exist.
        ShapeError, InputValueError
            For an array of the wrong shape or with NaN/inf.

        Examples
        --------
        >>> import neurograph as ng
        >>> net = ng.Network(seed=1)
        >>> l1, l2 = net.add_layer(3), net.add_layer(2)
        >>> net.connect_layers(l1, l2)
        >>> net.theta(1).shape
        (2, 4)
        """
        self.lesions.refuse("connect_layers")
        src = [self._node(u) for u in as_node_list(a)]
        dst = [self._node(v) for v in as_node_list(b)]
        if not src or not dst:
            raise TopologyError("connect_layers needs two non-empty layers")
        check_links(self.topology.graph, src, dst)
        W, bias = block_weights(init, len(src), len(dst), self.rng, self.dtype)
        self.topology.add_block(self.weights, src, dst, W)
        if bias is not None:
            for v, w in zip(dst, bias):
                v.bias_link.weight = w
        self.layout_changed()

    @classmethod
    def from_architecture(
        cls,
        s: Sequence[int],
        activation: str | Activation = "sigmoid",
        output_activation: str | Activation | None = None,
        seed: int | None = None,
        init="uniform",
        dtype=np.float64,
        rng=None,
        inputs: Sequence[str] | None = None,
        outputs: Sequence[str] | None = None,
    ):
        """A fully connected layered network with s = [s_1, …, s_L] units per layer.

        Weights (biases too) are drawn by ``init`` from a generator made from
        ``seed``: the same seed gives the same network. ``inputs`` and
        ``outputs`` name the units of Layer 1 and Layer L (default x1…, aL_1…).

        ``activation`` is g of the hidden units; the output units stay sigmoid (the
        lecture's logistic outputs, whose δ(L) = a − y) unless ``output_activation``
        is given. With no hidden layer (s = [d, K]) ``activation`` is the outputs' g.

        Raises
        ------
        ConfigError
            For a malformed architecture, or one too big for this machine's
            memory (the message says how many GiB it would need).

        Examples
        --------
        >>> import neurograph as ng
        >>> net = ng.Network.from_architecture([3, 3, 2, 1], seed=0)
        >>> [t.shape for t in net.thetas]
        [(3, 4), (2, 4), (1, 3)]
        >>> ng.Network.from_architecture([2, 2], outputs=["cat", "dog"]).outputs
        [Node('cat', layer=2, output, sigmoid), Node('dog', layer=2, output, sigmoid)]
        >>> ng.Network.from_architecture([2, 3, 2], activation="relu").layers[1:]
        [Layer(2, 3 units, relu, bias='bias2'), Layer(3, 2 units, sigmoid)]
        """
        s = check_architecture(s)
        if output_activation is None and len(s) > 2:
            output_activation = "sigmoid"  # hidden units take `activation`, outputs stay logistic
        check_fits_in_memory(s, np.dtype(dtype))
        net = cls(seed=seed, dtype=dtype, rng=rng)
        build_layers(net, s, activation, output_activation, [init] * (len(s) - 1),
                           inputs, outputs)
        return net

    @classmethod
    def from_thetas(
        cls,
        thetas: Sequence,
        activation: str | Activation = "sigmoid",
        output_activation: str | Activation | None = None,
        dtype=None,
        inputs: Sequence[str] | None = None,
        outputs: Sequence[str] | None = None,
    ):
        """A layered network from Θ(1), Θ(2), … in the course layout.

        Θ(l) has shape s_{l+1} × (s_l + 1), bias column first. The values are
        copied into the network (later changes to the arrays you passed do
        not show); ``net.thetas`` gives the live matrices. ``dtype`` defaults
        to float32 when every Θ is float32, else float64; values are checked
        after the cast (1e308 is refused for float32).

        Raises
        ------
        ShapeError
            If a Θ is not 2-D or the shapes do not chain.
        InputValueError
            For complex, NaN or inf values (also when the cast makes them inf).

        Examples
        --------
        >>> import numpy as np, neurograph as ng
        >>> T1 = np.array([[-30., 20., 20.], [10., -20., -20.]])   # AND, NOR
        >>> T2 = np.array([[-10., 20., 20.]])                        # OR
        >>> xnor = ng.Network.from_thetas([T1, T2])
        >>> xnor.forward([[0, 0], [0, 1], [1, 0], [1, 1]]).round(3).ravel()
        array([1., 0., 0., 1.])
        """
        thetas = list(thetas)
        if dtype is None:
            # read off arrays only: np.asarray of a ragged list raises before the checks
            dtype = np.float32 if thetas and all(getattr(t, "dtype", None) == np.float32
                                                 for t in thetas) else np.float64
        ths, s = check_thetas(thetas, dtype)
        net = cls(dtype=dtype)
        build_layers(net, s, activation, output_activation, ths, inputs, outputs)
        return net

    @classmethod
    def from_spec(cls, spec: dict):
        """The network of a spec (:meth:`to_spec`'s plain data), built with the
        Network's own methods: ``from_spec(net.to_spec())`` gives the same
        outputs bit for bit, names, layers, kinds, dtype and classes.

        Raises
        ------
        ConfigError, ShapeError, TopologyError
            For a malformed spec (the message says what was expected); an
            unknown activation raises ActivationError.

        Examples
        --------
        >>> import neurograph as ng
        >>> net = ng.Network.from_architecture([2, 3, 1], seed=0)
        >>> back = ng.Network.from_spec(net.to_spec())
        >>> bool((back.forward([[0.5, 1.0]]) == net.forward([[0.5, 1.0]])).all())
        True
        """
        return _spec.from_spec(cls, spec)
