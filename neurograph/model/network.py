"""The Network: nodes and links in a ``networkx.DiGraph``, weights in one store.

Build node by node (``add_input``, ``add_node``, ``connect``, ``set_bias``) or
layer by layer (``add_layer``, ``connect_layers``, ``from_architecture``,
``from_thetas``). Layers are 1-based as on the slides: ``net.layers[0]`` is
Layer 1, the input layer.

What a built network offers (Θ, passes, pictures, spec) is in ``views.py``;
whole-network constructors and the building checks in ``build.py``; the
layout of layers in ``layering.py``.
"""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx
import numpy as np

from ..errors import ConfigError, TopologyError
from . import build, layering
from .activations import Activation, get_activation
from .build import WholeNetworks
from .edit import NetworkEdits
from .inputs import InputFunction, get_input_function
from .layer import Layer
from .node import Link, Node, _check_weight
from .parameters import Parameter
from .sharing import NetworkParameters
from .views import NetworkViews
from .weights import Weights


class Network(WholeNetworks, NetworkViews, NetworkEdits, NetworkParameters):
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
        self._input_layer = Layer(1)
        self._assigned: list[Layer] = []  # layers 2.. made by add_layer
        self._layers: list[Layer] = [self._input_layer]
        self._bias_units: dict[int, Node] = {}
        self._units: list[Node] = []  # every non-bias node in insertion order
        self._layers_dirty = False
        self.last_trace = None  # the latest pass's Trace: node.z, link.grad … show it
        self._classes: tuple[str, ...] | None = None
        self._silenced: dict = {}  # units of a lesion: see NetworkEdits.silenced
        self._lesions: list = []  # per open lesion, its cut links' intact (link, w, frozen)

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
    @property
    def version(self) -> int:
        """Counts layout changes (topology, compiling): a Trace records it."""
        return self.weights.version

    def layout_changed(self) -> None:
        """Note a change of topology or of a unit's function: the layers are laid
        out again when next needed, and compiled forms and traces are stale."""
        self._layers_dirty = True
        self.weights.layout_changed()

    _changed = layout_changed

    def add_input(self, name: str | None = None) -> Node:
        """Add an input unit x_k to Layer 1 and return it.

        Examples
        --------
        >>> net = Network()
        >>> net.add_input()
        Node('x1', layer=1, input)
        """
        self._not_in_lesion("add_input")
        g = self._graph
        name = build.check_new_name(g, name if name is not None else build.new_name(g, "x"))
        node = Node(self, name, "input", assigned_layer=self._input_layer)
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
        self._not_in_lesion("add_node")
        target = self._resolve_layer(layer) if layer is not None else None
        if target is self._input_layer:
            raise TopologyError("Layer 1 holds inputs only: use add_input()")
        default = target.activation if target is not None else None
        act = get_activation(activation if activation is not None else default)
        fn = get_input_function(input_function)
        w = _check_weight(bias, "the bias", self.dtype)
        g = self._graph
        name = build.check_new_name(g, name if name is not None else build.new_name(g, "h"))
        node = Node(self, name, "hidden", act, input_function=fn, assigned_layer=target,
                    bias_index=self.weights.append(np.array([w])))
        self._graph.add_node(name, node=node)
        if target is not None:
            target.nodes.append(node)
        self._units.append(node)
        self._changed()
        return node

    def _resolve_layer(self, layer) -> Layer:
        if isinstance(layer, Layer):
            if layer is not self._input_layer and layer not in self._assigned:
                raise TopologyError(f"{layer!r} belongs to another network")
            return layer
        if isinstance(layer, (int, np.integer)) and not isinstance(layer, bool):
            every = [self._input_layer, *self._assigned]
            if 1 <= layer <= len(every):
                return every[layer - 1]
            raise TopologyError(f"no Layer {layer}: layers are 1..{len(every)}")
        raise TopologyError(f"expected a Layer or a 1-based layer number, got {layer!r}")

    def _node(self, x) -> Node:
        if isinstance(x, Node):
            if x.network is not self:
                raise TopologyError(f"node {x.name!r} belongs to another network")
            return x
        if isinstance(x, str):
            if x not in self._graph:
                self._ensure_layers()  # a bias unit exists once the layers are laid out
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
        generator (never all equal: symmetric weights never learn). A
        :class:`~neurograph.model.parameters.Parameter` (``net.parameter``) as
        the weight makes the link read and write that shared weight.

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
        self._not_in_lesion("connect")
        u, v = self._node(source), self._node(target)
        build.check_links(self._graph, [u], [v])
        link = Link(u, v, self.weights, self._link_entry(weight, u, v))  # p: a shared weight
        self._graph.add_edge(u.name, v.name, link=link)
        self._changed()
        return link

    def set_bias(self, node, w: float) -> None:
        """Set θ0 of ``node``: the weight of its link from the "+1" bias unit.

        Examples
        --------
        >>> net = Network(); h = net.add_node("h")
        >>> net.set_bias(h, -10); h.bias
        -10.0
        """
        node = self._node(node)
        if node.bias_link is None:
            raise TopologyError(f"{node.kind} unit {node.name!r} has no bias link")
        if isinstance(w, Parameter):
            self._bias_through(node, w)
        else:
            node.bias_link.weight = w

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
        self._not_in_lesion("add_layer")
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
            raise ConfigError(f"a layer needs a whole number of units ≥ 1, got {n!r}")
        if names is not None and len(names) != n:
            raise ConfigError(f"expected {n} names for the layer, got {len(names)}")
        first = not self._input_layer.nodes and not self._assigned
        if first:
            if activation is not None:
                raise ConfigError("Layer 1 is the input layer: it takes no activation")
            if names is None:
                names = [f"x{i}" for i in range(1, n + 1)]
            for nm in names:
                build.check_new_name(self._graph, nm)
            for nm in names:
                self.add_input(nm)
            return self._input_layer
        act = get_activation(activation)
        index = len(self._assigned) + 2
        if names is None:
            names = [f"a{index}_{i}" for i in range(1, n + 1)]
        if len(set(names)) != len(names):
            raise TopologyError("layer names must be distinct")
        for nm in names:
            build.check_new_name(self._graph, nm)
        layer = self.new_layer(act)
        for nm in names:
            self.add_node(nm, layer=layer)
        return layer

    def new_layer(self, activation: str | Activation | None = None) -> Layer:
        """An empty layer after the last one made, to fill with ``add_node(layer=…)``.

        Examples
        --------
        >>> net = Network(); x = net.add_input("x")
        >>> lay = net.new_layer("tanh"); h = net.add_node("h", layer=lay)
        >>> lay
        Layer(2, 1 units, tanh)
        """
        self._not_in_lesion("new_layer")
        act = None if activation is None else get_activation(activation)
        layer = Layer(len(self._assigned) + 2, act)
        self._assigned.append(layer)
        return layer

    @property
    def assigned_layers(self) -> list[Layer]:
        """Layers 2, 3, … as made by add_layer / new_layer, in order (even unused)."""
        return list(self._assigned)

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
        self._not_in_lesion("connect_layers")
        src = [self._node(u) for u in build.as_node_list(a)]
        dst = [self._node(v) for v in build.as_node_list(b)]
        if not src or not dst:
            raise TopologyError("connect_layers needs two non-empty layers")
        build.check_links(self._graph, src, dst)
        W, bias = build.block_weights(init, len(src), len(dst), self.rng, self.dtype)
        build.add_block(self._graph, self.weights, src, dst, W)
        if bias is not None:
            for v, w in zip(dst, bias):
                v.bias_link.weight = w
        self.layout_changed()

    # --- layers (inferred when not given) ------------------------------------------
    def _ensure_layers(self) -> None:
        if self._layers_dirty:
            g = self._graph
            self._layers = layering.layout(g, self._units, self._input_layer, self._assigned)
            layering.place_bias_units(g, self._layers, self._bias_units,
                                      lambda name: Node(self, name, "bias"))
            self._layers_dirty = False

    @property
    def layers(self) -> list[Layer]:
        """Layers in order; ``net.layers[0]`` is Layer 1 (0-based list, 1-based names)."""
        self._ensure_layers()
        return list(self._layers)

    @property
    def inputs(self) -> list[Node]:
        return list(self._input_layer.nodes)

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

    def in_links(self, node) -> list[Link]:
        """Links into ``node``, its bias link first, then in the order z sums them."""
        node = self._node(node)
        self._ensure_layers()
        out = [node.bias_link] if node.bias_link is not None else []
        out += [d["link"] for d in self._graph._pred[node.name].values()
                if not d["link"].is_bias]
        return out

    def out_links(self, node) -> list[Link]:
        """Links out of ``node``."""
        node = self._node(node)
        self._ensure_layers()
        return [d["link"] for d in self._graph._succ[node.name].values()]

    _in_links, _out_links = in_links, out_links  # the names engines and render read

    def current_trace(self):
        """The latest pass's Trace while it still describes this network, else None."""
        t = self.last_trace
        if t is None or not t.belongs_to(self):
            return None
        return t

    _current_trace = current_trace
