"""The Network: nodes and links in a ``networkx.DiGraph``, weights in one store.

Build node by node (``add_input``, ``add_node``, ``connect``, ``set_bias``) or
layer by layer (``add_layer``, ``connect_layers``, ``from_architecture``,
``from_thetas``). Layers are 1-based as on the slides: ``net.layers[0]`` is
Layer 1, the input layer.

The model knows no math of passes: ``forward``, ``cost``, ``backward`` … are
thin methods that import the engines when called and hand the work to plain
functions of ``neurograph.engines.passes`` (as networkx's graph methods call
``nx.`` functions); importing ``neurograph.model`` alone imports no engine.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from itertools import repeat

import networkx as nx
import numpy as np

from ..data.values import real_array
from ..errors import (
    ConfigError,
    CycleError,
    ShapeError,
    TopologyError,
)
from .activations import Activation, get_activation
from .init import initial_weights
from .inputs import InputFunction, get_input_function
from .layer import Layer
from .node import Link, Node, _check_weight
from .weights import Weights, compile_network, no_gc

_BIAS_NAME = re.compile(r"bias\d+$")
DEFAULT_EPSILON = 0.12  # the course's ε_init for a link made one at a time
_BYTES_PER_LINK = 350  # a Link object and its networkx edge dicts (measured: 347 B)


def _check_fits_in_memory(s: list[int], dtype: np.dtype) -> None:
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


def _as_node_list(x) -> list:
    return list(x.nodes) if isinstance(x, Layer) else list(x)


class Network:
    """A feed-forward network of explicit nodes and links.

    Parameters
    ----------
    seed : int, optional
        Seed of the network's :class:`numpy.random.Generator` (initial weights).
    dtype : numpy dtype, default float64
        Weight and activation precision; ``np.float32`` on request.
    rng : numpy.random.Generator, optional
        Use this generator instead of one made from ``seed``.

    Examples
    --------
    The lecture's AND unit, h = g(−30 + 20·x1 + 20·x2):

    >>> import neurograph as ng
    >>> net = ng.Network()
    >>> x1, x2 = net.add_input("x1"), net.add_input("x2")
    >>> h = net.add_node("h", activation="sigmoid")
    >>> _ = net.connect(x1, h, weight=20); _ = net.connect(x2, h, weight=20)
    >>> net.set_bias(h, -30)
    >>> net.forward([[0, 0], [0, 1], [1, 0], [1, 1]]).round(4)
    array([[0.],
           [0.],
           [0.],
           [1.]])
    >>> net
    Network(s=[2, 1], nodes=3, links=3, activations=sigmoid, compiled)
    """

    def __init__(self, seed: int | None = None, dtype=np.float64, rng=None):
        self._graph = nx.DiGraph()
        self.rng = rng if rng is not None else np.random.default_rng(seed)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float64, np.float32):
            raise ConfigError(f"dtype must be float64 or float32, got {self.dtype}")
        self.weights = Weights(self.dtype)  # θ; links index into it
        self._input_layer = Layer(1, None, explicit=True)
        self._explicit: list[Layer] = []  # layers 2.. made by add_layer
        self._layers: list[Layer] = [self._input_layer]
        self._bias_units: dict[int, Node] = {}
        self._units: list[Node] = []  # every non-bias node in insertion order
        self._layers_dirty = False
        self.last_trace = None  # the latest pass's Trace: node.z, link.grad … show it
        self._classes: tuple[str, ...] | None = None

    @property
    def graph(self) -> nx.DiGraph:
        """A read-only view of the ``networkx.DiGraph``: node attribute "node" is the
        Node, edge attribute "link" the Link (bias units and their links included).

        It follows the network live, but cannot be edited: an edit behind the
        network's back would leave Θ and the layers stale. Build with the
        Network's methods.

        Examples
        --------
        >>> net = Network.from_architecture([2, 1], seed=0)
        >>> net.graph.remove_edge("x1", "a2_1")
        Traceback (most recent call last):
        ...
        networkx.exception.NetworkXError: Frozen graph can't be modified
        """
        self._ensure_layers()
        return self._graph.copy(as_view=True)

    # --- building ----------------------------------------------------------------
    def _new_name(self, prefix: str) -> str:
        k = 1
        while f"{prefix}{k}" in self._graph:
            k += 1
        return f"{prefix}{k}"

    def _check_new_name(self, name) -> str:
        if not isinstance(name, str) or not name:
            raise TopologyError(f"a node name must be a non-empty string, got {name!r}")
        if name in self._graph:
            raise TopologyError(f"a node named {name!r} exists already")
        if _BIAS_NAME.match(name):
            raise TopologyError(f"node names 'bias<l>' are reserved for bias units, got {name!r}")
        return name

    @property
    def version(self) -> int:
        """Counts layout changes (topology, compiling): a Trace records it."""
        return self.weights.version

    def _changed(self) -> None:
        self._layers_dirty = True
        self.weights.layout_changed()

    def add_input(self, name: str | None = None) -> Node:
        """Add an input unit x_k to Layer 1 and return it.

        Examples
        --------
        >>> net = Network()
        >>> net.add_input()
        Node('x1', layer=1, input)
        """
        name = self._check_new_name(name if name is not None else self._new_name("x"))
        node = Node(self, name, "input", None)
        node._hint = self._input_layer
        self._input_layer.nodes.append(node)
        self._graph.add_node(name, node=node)
        self._units.append(node)
        self._changed()
        return node

    def add_node(
        self,
        name: str | None = None,
        activation: str | Activation | None = None,
        bias: float = 0.0,
        layer: Layer | int | None = None,
        input_function: str | InputFunction = "weighted_sum",
    ) -> Node:
        """Add a computing unit (hidden or output) and return it.

        Its bias link (from the "+1" unit of the layer before it) is made for
        you with weight ``bias``; set it later with :meth:`set_bias`.

        Parameters
        ----------
        activation : name or Activation, default: the layer's, else "sigmoid".
        input_function : "weighted_sum" (z = θ0 + Σ w·a, the default) or
            "euclidean_rbf" (z = θ0 + Σ (a − w)²), or an InputFunction.
        layer : a Layer made by :meth:`add_layer` (or its 1-based number) to put
            the node in; without it the layer is inferred from the links
            (longest path from the inputs).

        Raises
        ------
        ActivationError
            For an unknown activation name.
        TopologyError
            For a duplicate or reserved name, or an unknown layer.
        """
        target = self._resolve_layer(layer) if layer is not None else None
        if target is self._input_layer:
            raise TopologyError("Layer 1 holds inputs only: use add_input()")
        default = target.activation if target is not None else None
        act = get_activation(activation if activation is not None else default)
        fn = get_input_function(input_function)
        w = _check_weight(bias, "the bias", self.dtype)
        name = self._check_new_name(name if name is not None else self._new_name("h"))
        node = Node(self, name, "hidden", act)
        node._input_function = fn
        node._hint = target
        self._graph.add_node(name, node=node)
        node._bias_link = Link(None, node, self.weights, self.weights.append(np.array([w])))
        if target is not None:
            target.nodes.append(node)
        self._units.append(node)
        self._changed()
        return node

    def _resolve_layer(self, layer) -> Layer:
        if isinstance(layer, Layer):
            if layer is not self._input_layer and layer not in self._explicit:
                raise TopologyError(f"{layer!r} belongs to another network")
            return layer
        if isinstance(layer, (int, np.integer)) and not isinstance(layer, bool):
            every = [self._input_layer, *self._explicit]
            if 1 <= layer <= len(every):
                return every[layer - 1]
            raise TopologyError(f"no Layer {layer}: layers are 1..{len(every)}")
        raise TopologyError(f"expected a Layer or a 1-based layer number, got {layer!r}")

    def _node(self, x) -> Node:
        if isinstance(x, Node):
            if x._net is not self:
                raise TopologyError(f"node {x.name!r} belongs to another network")
            return x
        if isinstance(x, str):
            if x not in self._graph:
                raise TopologyError(f"no node named {x!r} in this network")
            return self._graph.nodes[x]["node"]
        raise TopologyError(f"expected a Node or a node name, got {type(x).__name__}")

    def __getitem__(self, name: str) -> Node:
        """The node called ``name``."""
        return self._node(name)

    def __contains__(self, name) -> bool:
        return name in self._graph

    def connect(self, source, target, weight: float | None = None) -> Link:
        """Link ``source`` → ``target`` with ``weight`` and return the Link.

        Without a weight, it is drawn from U[−0.12, 0.12] by the network's
        generator (never all equal: symmetric weights never learn).

        Raises
        ------
        TopologyError
            A node of another network, a link into an input or bias unit, a
            duplicate link, or (between layers made by add_layer) a backward link.
        CycleError
            If the link would close a cycle; the message names the cycle.

        Examples
        --------
        >>> net = Network()
        >>> x, h = net.add_input("x"), net.add_node("h")
        >>> net.connect(x, h, weight=0.5)
        Link('x' → 'h', w=0.5)
        >>> net.connect(h, x)
        Traceback (most recent call last):
        ...
        neurograph.errors.TopologyError: cannot link into input unit 'x': inputs are set ...
        """
        u, v = self._node(source), self._node(target)
        self._check_block([u], [v])
        if weight is None:
            weight = self.rng.uniform(-DEFAULT_EPSILON, DEFAULT_EPSILON)
        w = _check_weight(weight, f"link {u.name!r} → {v.name!r}", self.dtype)
        link = Link(u, v, self.weights, self.weights.append(np.array([w])))
        self._graph.add_edge(u.name, v.name, link=link)
        self._changed()
        return link

    def _check_block(self, src: list[Node], dst: list[Node]) -> None:
        """The one check every new link passes (connect, connect_layers, from_*):
        direction, same layer, duplicates, cycles. Raises before anything is built."""
        for what, nodes in (("source", src), ("target", dst)):
            seen = set()
            for u in nodes:
                if u.name in seen:
                    raise TopologyError(f"{what} node {u.name!r} is listed twice")
                seen.add(u.name)
        for v in dst:
            if v._kind in ("input", "bias"):
                why = "inputs are set from outside" if v._kind == "input" else "it is always 1"
                raise TopologyError(f"cannot link into {v._kind} unit {v.name!r}: {why}")
        for u in src:
            if u._kind == "bias":
                raise TopologyError(f"bias units are linked for you; use set_bias(node, w), "
                                    f"got a link from {u.name!r}")
        hinted_src = [u for u in src if u._hint is not None]
        hinted_dst = [v for v in dst if v._hint is not None]
        if hinted_src and hinted_dst:
            u = max(hinted_src, key=lambda n: n._hint.index)
            v = min(hinted_dst, key=lambda n: n._hint.index)
            if u._hint.index >= v._hint.index:
                raise TopologyError(f"links go forward: {u.name!r} is in Layer {u._hint.index}, "
                                    f"{v.name!r} in Layer {v._hint.index}")
        succ = self._graph._succ
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
                for d in nx.descendants(self._graph, v.name):
                    reach.setdefault(d, v.name)
        for u in src:
            if u.name in reach:
                v = reach[u.name]
                path = nx.shortest_path(self._graph, v, u.name)
                cycle = " → ".join([*path, v])
                raise CycleError(f"linking {u.name!r} → {v!r} would close the cycle {cycle}; "
                                 "feed-forward networks have none")

    def set_bias(self, node, w: float) -> None:
        """Set θ0 of ``node``: the weight of its link from the "+1" bias unit.

        Examples
        --------
        >>> net = Network(); h = net.add_node("h")
        >>> net.set_bias(h, -10); h.bias
        -10.0
        """
        node = self._node(node)
        if node._bias_link is None:
            raise TopologyError(f"{node._kind} unit {node.name!r} has no bias link")
        node._bias_link.weight = w

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
        >>> net = Network(seed=0)
        >>> l1, l2 = net.add_layer(2), net.add_layer(3, activation="tanh")
        >>> l2
        Layer(2, 3 units, tanh)
        """
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
            raise ConfigError(f"a layer needs a whole number of units ≥ 1, got {n!r}")
        if names is not None and len(names) != n:
            raise ConfigError(f"expected {n} names for the layer, got {len(names)}")
        first = not self._input_layer.nodes and not self._explicit
        if first:
            if activation is not None:
                raise ConfigError("Layer 1 is the input layer: it takes no activation")
            if names is None:
                names = [f"x{i}" for i in range(1, n + 1)]
            for nm in names:
                self._check_new_name(nm)
            for nm in names:
                self.add_input(nm)
            return self._input_layer
        act = get_activation(activation)
        index = len(self._explicit) + 2
        if names is None:
            names = [f"a{index}_{i}" for i in range(1, n + 1)]
        if len(set(names)) != len(names):
            raise TopologyError("layer names must be distinct")
        for nm in names:
            self._check_new_name(nm)
        layer = Layer(index, act, explicit=True)
        self._explicit.append(layer)
        for nm in names:
            self.add_node(nm, layer=layer)
        return layer

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
        >>> net = Network(seed=1)
        >>> l1, l2 = net.add_layer(3), net.add_layer(2)
        >>> net.connect_layers(l1, l2)
        >>> net.theta(1).shape
        (2, 4)
        """
        src = [self._node(u) for u in _as_node_list(a)]
        dst = [self._node(v) for v in _as_node_list(b)]
        if not src or not dst:
            raise TopologyError("connect_layers needs two non-empty layers")
        self._check_block(src, dst)
        sa, sb = len(src), len(dst)
        W, bias = self._block_weights(init, sa, sb)
        succ, pred = self._graph._succ, self._graph._pred
        dnames = [v.name for v in dst]
        store = self.weights
        start = store.append(W.T.reshape(-1))
        with no_gc():  # millions of new containers, none of them garbage
            for i, u in enumerate(src):
                base = start + i * sb
                links = map(Link, repeat(u, sb), dst, repeat(store, sb), range(base, base + sb))
                datas = [{"link": li} for li in links]
                succ[u.name].update(zip(dnames, datas))
                un = u.name
                for vn, d in zip(dnames, datas):
                    pred[vn][un] = d
        if hasattr(nx, "_clear_cache"):
            nx._clear_cache(self._graph)
        if bias is not None:
            for v, w in zip(dst, bias):
                store.set(v._bias_link._i, w)
        self._changed()

    def _block_weights(self, init, sa: int, sb: int):
        if isinstance(init, (str, int, float)) and not isinstance(init, bool):
            full = initial_weights((sb, sa + 1), sa, sb, self.rng, init, self.dtype)
            return full[:, 1:], full[:, 0]
        arr = real_array(init, f"the weights of a block {sa} → {sb}", self.dtype)
        if arr.shape == (sb, sa + 1):
            W, bias = arr[:, 1:], arr[:, 0]
        elif arr.shape == (sb, sa):
            W, bias = arr, None
        else:
            raise ShapeError(f"weights for a block {sa} → {sb} must have shape ({sb}, {sa + 1}) "
                             f"(bias column first) or ({sb}, {sa}), got {arr.shape}")
        return W, bias

    # --- whole networks ------------------------------------------------------------
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
    ) -> Network:
        """A fully connected layered network with s = [s_1, …, s_L] units per layer.

        Weights (biases too) are drawn by ``init`` from a generator made from
        ``seed``: the same seed gives the same network. ``inputs`` and
        ``outputs`` name the units of Layer 1 and Layer L (default x1…, aL_1…).

        Raises
        ------
        ConfigError
            For a malformed architecture, or one too big for this machine's
            memory (the message says how many GiB it would need).

        Examples
        --------
        >>> net = Network.from_architecture([3, 3, 2, 1], seed=0)
        >>> [t.shape for t in net.thetas]
        [(3, 4), (2, 4), (1, 3)]
        >>> Network.from_architecture([2, 2], outputs=["cat", "dog"]).outputs
        [Node('cat', layer=2, output, sigmoid), Node('dog', layer=2, output, sigmoid)]
        """
        s = list(s)
        if len(s) < 2 or not all(isinstance(k, (int, np.integer)) and not isinstance(k, bool)
                                 and k >= 1 for k in s):
            raise ConfigError(f"an architecture is a list of ≥ 2 whole numbers ≥ 1, got {s}")
        _check_fits_in_memory(s, np.dtype(dtype))
        net = cls(seed=seed, dtype=dtype, rng=rng)
        net._build_layers(s, activation, output_activation, [init] * (len(s) - 1), inputs, outputs)
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
    ) -> Network:
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
        >>> import numpy as np
        >>> T1 = np.array([[-30., 20., 20.], [10., -20., -20.]])   # AND, NOR
        >>> T2 = np.array([[-10., 20., 20.]])                        # OR
        >>> xnor = Network.from_thetas([T1, T2])
        >>> xnor.forward([[0, 0], [0, 1], [1, 0], [1, 1]]).round(3).ravel()
        array([1., 0., 0., 1.])
        """
        thetas = list(thetas)
        if dtype is None:
            dtype = np.float32 if thetas and all(np.asarray(t).dtype == np.float32
                                                 for t in thetas) else np.float64
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
        s = [ths[0].shape[1] - 1] + [t.shape[0] for t in ths]
        net = cls(dtype=dtype)
        net._build_layers(s, activation, output_activation, ths, inputs, outputs)
        return net

    def _build_layers(self, s, activation, output_activation, inits, inputs, outputs) -> None:
        # the one layer-building path of from_architecture and from_thetas
        for what, names, k in (("inputs", inputs, s[0]), ("outputs", outputs, s[-1])):
            if names is not None and len(names) != k:
                raise ConfigError(f"{what} names {k} units, got {len(names)} names")
        layers = [self.add_layer(s[0], names=inputs)]
        for i, k in enumerate(s[1:]):
            last = i == len(s) - 2
            act = output_activation if (last and output_activation is not None) else activation
            layers.append(self.add_layer(k, activation=act, names=outputs if last else None))
        for a, b, init in zip(layers, layers[1:], inits):
            self.connect_layers(a, b, init=init)

    # --- layers (inferred when not given) ------------------------------------------
    def _ensure_layers(self) -> None:
        if self._layers_dirty:
            self._relayer()
            self._layers_dirty = False

    def _relayer(self) -> None:
        computing = [u for u in self._units if u._kind != "input"]
        if all(u._hint is not None for u in computing):
            layers = [self._input_layer] + [lay for lay in self._explicit if lay.nodes]
        else:
            layers = self._infer_layers(computing)
        for i, lay in enumerate(layers, start=1):
            lay.index = i
            for pos, u in enumerate(lay.nodes):
                u._layer, u._pos = lay, pos
        self._layers = layers
        self._place_bias_units()

    def _infer_layers(self, computing: list[Node]) -> list[Layer]:
        depth: dict[str, int] = {u.name: 1 for u in self._input_layer.nodes}
        g = self._graph
        for name in nx.topological_sort(g):
            node = g.nodes[name]["node"]
            if node._kind in ("input", "bias"):
                continue
            preds = [depth[p] for p in g._pred[name] if p in depth]
            depth[name] = max([1, *preds]) + 1
        last = max([depth[u.name] for u in computing], default=1)
        for u in computing:
            if not g._succ[u.name]:
                depth[u.name] = last  # outputs (sinks) line up in the last layer
        layers = [self._input_layer] + [Layer(k, None, explicit=False) for k in range(2, last + 1)]
        for u in computing:
            layers[depth[u.name] - 1].nodes.append(u)
        return [lay for lay in layers if lay.nodes or lay is self._input_layer]

    def _place_bias_units(self) -> None:
        L = len(self._layers)
        g = self._graph
        for k, lay in enumerate(self._layers, start=1):
            if k < L:
                if k not in self._bias_units:
                    unit = Node(self, f"bias{k}", "bias", None)
                    self._bias_units[k] = unit
                    g.add_node(unit.name, node=unit)
                lay.bias = self._bias_units[k]
                lay.bias._layer, lay.bias._pos = lay, -1
            else:
                lay.bias = None
        for k in [k for k in self._bias_units if k >= L]:
            g.remove_node(self._bias_units.pop(k).name)
        for lay in self._layers[1:]:
            unit = self._bias_units[lay.index - 1]
            for v in lay.nodes:
                link = v._bias_link
                if link.source is not unit:
                    if link.source is not None and g.has_edge(link.source.name, v.name):
                        g.remove_edge(link.source.name, v.name)
                    g.add_edge(unit.name, v.name, link=link)
                    link.source = unit

    @property
    def layers(self) -> list[Layer]:
        """Layers in order; ``net.layers[0]`` is Layer 1 (0-based list, 1-based names)."""
        self._ensure_layers()
        return list(self._layers)

    @property
    def L(self) -> int:
        """Number of layers (input and output included)."""
        return len(self.layers)

    @property
    def s(self) -> list[int]:
        """The architecture s = [s_1, …, s_L], bias units not counted."""
        return [lay.size for lay in self.layers]

    @property
    def inputs(self) -> list[Node]:
        return list(self._input_layer.nodes)

    @property
    def outputs(self) -> list[Node]:
        """The units of the last layer, in order (the columns of ``forward``)."""
        lays = self.layers
        return list(lays[-1].nodes) if len(lays) > 1 else []

    @property
    def nodes(self) -> list[Node]:
        """Every unit but the bias units, layer by layer."""
        return [u for lay in self.layers for u in lay.nodes]

    @property
    def bias_units(self) -> list[Node]:
        return [lay.bias for lay in self.layers if lay.bias is not None]

    @property
    def links(self) -> list[Link]:
        """Every link, bias links included, in graph order."""
        self._ensure_layers()
        return [d["link"] for _, _, d in self._graph.edges(data=True)]

    def link(self, source, target) -> Link:
        """The Link source → target (names or nodes)."""
        u, v = self._node(source), self._node(target)
        if not self._graph.has_edge(u.name, v.name):
            raise TopologyError(f"no link {u.name!r} → {v.name!r}")
        return self._graph.edges[u.name, v.name]["link"]

    def _in_links(self, node: Node) -> list[Link]:
        self._ensure_layers()
        g = self._graph
        out = [node._bias_link] if node._bias_link is not None else []
        out += [d["link"] for d in g._pred[node.name].values() if not d["link"].is_bias]
        return out

    def _out_links(self, node: Node) -> list[Link]:
        self._ensure_layers()
        return [d["link"] for d in self._graph._succ[node.name].values()]

    @property
    def n_links(self) -> int:
        """Number of links, bias links included (= number of parameters)."""
        return self.graph.number_of_edges()

    @property
    def is_layered(self) -> bool:
        """True when every link goes from layer l to l+1 (compilable to Θ)."""
        self._ensure_layers()
        return all(d["link"].source._layer.index + 1 == d["link"].target._layer.index
                   for _, _, d in self._graph.edges(data=True))

    # --- weights as Θ, and passes (the engines do the math) -------------------------
    def compile(self):
        """Lay θ out as Θ(1), Θ(2), … (a no-op when already so); see model.weights."""
        return compile_network(self)

    @property
    def thetas(self) -> list[np.ndarray]:
        """[Θ(1), …, Θ(L−1)]: live views of one buffer (compiles on first use).

        Assigning a list of matrices copies them in (shapes and values checked;
        a position without a link must stay 0).

        Examples
        --------
        >>> net = Network.from_architecture([2, 1], seed=0)
        >>> net.thetas = [[[-30, 20, 20]]]
        >>> net.forward([1, 1]).round(3)
        array([[1.]])
        """
        return list(self.compile().thetas)

    @thetas.setter
    def thetas(self, values) -> None:
        c = self.compile()
        values = list(values)
        if len(values) != len(c.thetas):
            raise ShapeError(f"expected {len(c.thetas)} Θ matrices, got {len(values)}")
        new = [real_array(v, f"Θ({k})", self.dtype) for k, v in enumerate(values, start=1)]
        for k, (T, v) in enumerate(zip(c.thetas, new), start=1):
            if v.shape != T.shape:
                raise ShapeError(f"Θ({k}) must have shape {T.shape}, got {v.shape}")
        flat = np.concatenate([v.ravel() for v in new])
        self.theta_flat = flat

    @property
    def theta_flat(self) -> np.ndarray:
        """θ: Θ(1), Θ(2), … unrolled into one vector (a view: writes go to Θ).

        Assigning a vector of the same length copies it in (checked)."""
        return self.compile().theta

    @theta_flat.setter
    def theta_flat(self, values) -> None:
        c = self.compile()
        v = real_array(values, "θ", self.dtype)
        if v.shape != c.theta.shape:
            raise ShapeError(f"θ must have shape {c.theta.shape}, got {v.shape}")
        start = 0
        for k, (T0, m) in enumerate(zip(c.thetas, c.masks), start=1):
            T = v[start : start + T0.size].reshape(T0.shape)
            start += T0.size
            if m is not None and np.any(T[~m]):
                j, i = np.argwhere((T != 0) & ~m)[0]
                raise TopologyError(f"Θ({k})[{j}, {i}] = {T[j, i]:g} but there is no link "
                                    "there: positions without a link stay 0")
        c.theta[...] = v

    def theta(self, l: int) -> np.ndarray:
        """Θ(l), 1-based as on the slides: Θ(1) maps Layer 1 to Layer 2."""
        ths = self.compile().thetas
        if not isinstance(l, (int, np.integer)) or not 1 <= l <= len(ths):
            raise ConfigError(f"Θ(l) exists for l = 1..{len(ths)}, got {l!r}")
        return ths[l - 1]


    def forward(self, X, engine: str = "auto") -> np.ndarray:
        """h_Θ(x) for each instance: (n, s_L); a single instance (1-D) gives (1, s_L).

        ``engine`` is "auto" (the compiled matrix engine when the network is
        layered, else the graph engine), "matrix" or "graph".
        """
        from ..engines import passes

        return passes.forward(self, X, engine=engine)

    def predict(self, X, engine: str = "auto", names: bool = False) -> np.ndarray:
        """Class per instance: argmax over outputs, or 0/1 (a ≥ 0.5) for one output.

        With ``names=True`` the class names of :attr:`classes` instead of indices.
        """
        from ..engines import passes

        k = passes.predict(self, X, engine=engine)
        if not names:
            return k
        if self._classes is None:
            raise ConfigError("predict(names=True) needs class names: set net.classes first")
        return np.asarray(self._classes)[k]

    @property
    def classes(self) -> tuple[str, ...] | None:
        """Names of the classes the outputs stand for (output unit k is class k;
        one output unit stands for two classes, 0 and 1), or None.

        Examples
        --------
        >>> net = Network.from_architecture([2, 3, 3], seed=0)
        >>> net.classes = ["cat", "dog", "fish"]
        >>> net.predict([[0.0, 1.0]], names=True).tolist()
        ['cat']
        """
        return self._classes

    @classes.setter
    def classes(self, names) -> None:
        if names is None:
            self._classes = None
            return
        names = tuple(str(c) for c in names)
        k = len(self.outputs)
        want = 2 if k == 1 else k
        if len(names) != want:
            raise ShapeError(f"classes must name {want} classes for {k} output unit(s), "
                             f"got {len(names)}: {list(names)[:5]}")
        if len(set(names)) != len(names):
            raise ConfigError(f"class names must be distinct, got {list(names)}")
        self._classes = names

    def cost(self, X, Y, lam: float = 0.0, loss: str = "auto", engine: str = "auto") -> float:
        """J(Θ) as on the slides: cross-entropy over outputs, mean over n, + λ/(2n)ΣΘ²."""
        from ..engines import passes

        return passes.cost(self, X, Y, lam=lam, loss=loss, engine=engine)

    def gradients(self, X, Y, lam: float = 0.0, loss: str = "auto", engine: str = "auto"):
        """[D(1), …, D(L−1)] by backprop (graph engine: per link, see backward)."""
        from ..engines import passes

        return passes.gradients(self, X, Y, lam=lam, loss=loss, engine=engine)

    def backward(self, X, Y, lam: float = 0.0, loss: str = "auto", engine: str = "auto"):
        """Forward and backward pass; returns the Trace (per node z, a, δ, blame)."""
        from ..engines import passes

        return passes.backward(self, X, Y, lam=lam, loss=loss, engine=engine)

    def render(self, path, show: str = "structure", trace=None, **options):
        """Write a diagram to ``path``: .svg, .png, .pdf or .dot by extension.

        See :func:`neurograph.diagram` for ``show`` and the options. Returns the path.
        """
        from ..render.output import render

        return render(self, path, show=show, trace=trace, **options)

    def diagram(self, show: str = "structure", trace=None, **options):
        """The ``graphviz.Digraph`` of :func:`neurograph.diagram` for this network."""
        from ..render.diagrams import diagram

        return diagram(self, show=show, trace=trace, **options)

    def _repr_mimebundle_(self, include=None, exclude=None):
        # Jupyter shows the network's diagram inline (weights once it has any).
        from ..render.output import mimebundle

        return mimebundle(self)

    def _current_trace(self):
        t = self.last_trace
        if t is None or not t.belongs_to(self):
            return None
        return t

    # --- looking at it ---------------------------------------------------------------
    def summary_text(self) -> str:
        """The table printed by :meth:`summary`."""
        lays = self.layers
        rows = [("layer", "units", "kind", "activation", "parameters")]
        total = 0
        for lay in lays:
            if lay.index == 1:
                rows.append(("1", str(lay.size), "input", "-", "0"))
                continue
            params = sum(1 + len([p for p in self._graph._pred[u.name] if not _BIAS_NAME.match(p)])
                         for u in lay.nodes)
            total += params
            kind = "output" if lay is lays[-1] else "hidden"
            rows.append((str(lay.index), str(lay.size), kind,
                         "/".join(lay.activations), str(params)))
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        form = "layered" if self.is_layered else "DAG (graph engine)"
        lines.append(f"s = {self.s}, {total} parameters (bias included), {form}, "
                     f"{self.dtype.name}")
        return "\n".join(lines)

    def summary(self) -> None:
        """Print a table of the layers: units, activation, parameters.

        Examples
        --------
        >>> Network.from_architecture([400, 25, 10], seed=0).summary()
        layer  units  kind    activation  parameters
        -----  -----  ------  ----------  ----------
        1      400    input   -           0
        2      25     hidden  sigmoid     10025
        3      10     output  sigmoid     260
        s = [400, 25, 10], 10285 parameters (bias included), layered, float64
        """
        print(self.summary_text())

    def __repr__(self) -> str:
        acts: list[str] = []
        for lay in self.layers[1:]:
            for a in lay.activations:
                if a not in acts:
                    acts.append(a)
        extra = ", compiled" if self.weights.current() is not None else ""
        return (f"Network(s={self.s}, nodes={len(self._units)}, links={self.n_links}, "
                f"activations={'/'.join(acts) or '-'}{extra})")

