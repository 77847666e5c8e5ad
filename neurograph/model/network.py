"""The Network: nodes and links in a ``networkx.DiGraph``, weights in one store.

Build node by node (``add_input``, ``add_node``, ``connect``, ``set_bias``) or
layer by layer (``add_layer``, ``connect_layers``, ``from_architecture``,
``from_thetas``). Layers are 1-based as on the slides: ``net.layers[0]`` is
Layer 1, the input layer.

The state has one owner per part, each a small class that copies itself:
``topology`` (the units and links: the graph), ``weights`` (θ, the frozen flags,
the compiled layout), ``layering`` (the layers), ``lesions`` (what an open
lesion holds) and ``shared`` (the shared weights: parameters by name). The
Network composes them; its methods check what a user asks for and hand it to
the part. What a built network offers (Θ, passes, pictures,
spec) is in ``views.py``; taking it apart (remove, freeze, lesion, copy) in
``edit.py``; whole-network constructors and the building checks in ``build.py``.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from ..data.values import generator
from ..errors import ConfigError, ShapeError, TopologyError
from . import build
from .activations import Activation, get_activation
from .build import WholeNetworks
from .edit import NetworkEdits
from .inputs import InputFunction, get_input_function
from .layer import Layer
from .layering import Layering
from .lesions import Lesions
from .node import Link, Node, _check_weight
from .parameters import Parameter, Registry
from .sharing import NetworkParameters
from .store import Weights, no_gc
from .topology import Topology
from .views import NetworkViews


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
        self.rng = rng if rng is not None else generator(seed)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float64, np.float32):
            raise ConfigError(f"dtype must be float64 or float32, got {self.dtype}")
        self.weights = Weights(self.dtype)  # θ; links index into it
        self.topology = Topology()
        self.layering = Layering(self.topology, self._new_bias)
        self.lesions = Lesions()
        self.shared = Registry()  # the shared weights (parameters): entries of θ
        self.last_trace = None  # the latest pass's Trace: node.z, link.grad … show it
        self._classes: tuple[str, ...] | None = None

    def _new_bias(self, name: str) -> Node:
        return Node(self, name, "bias")

    def copy(self) -> Network:
        """An independent network: same names, kinds, layers, activations, frozen flags,
        weights, classes and generator state; changing one never changes the other.
        Inside a lesion the copy is of the intact network (no unit silenced, no link cut).

        Each part copies itself (θ and the flags as arrays, the graph dict by dict, the
        layers as laid out): nothing is checked or compiled again.

        >>> import neurograph as ng
        >>> a = ng.Network.from_architecture([2, 2, 1], seed=0); b = a.copy()
        >>> b.link("x1", "a2_1").weight = 9.0; a.link("x1", "a2_1").weight == 9.0
        False
        """
        self.layering.current()
        new = type(self)(dtype=self.dtype)
        new.rng.bit_generator.state = self.rng.bit_generator.state
        new._classes = self._classes
        lesioned = self.lesions.active  # the copy takes the intact weights
        new.weights = self.weights.copy(*self.lesions.intact(self.weights)) if lesioned \
            else self.weights.copy()
        with no_gc():  # a Link and a dict per link, none of them garbage
            new.topology, nodes = self.topology.copy(new)
            new.layering = self.layering.copy(new.topology, nodes, new._new_bias)
        new.lesions = self.lesions.copy()
        new.shared = self.shared.copy(new)  # the links kept their θ indices: so do these
        return new

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
        self.layering.current()
        return self.topology.graph.copy(as_view=True)

    # --- building ----------------------------------------------------------------
    @property
    def version(self) -> int:
        """Counts layout changes (topology, compiling): a Trace records it."""
        return self.weights.version

    def layout_changed(self) -> None:
        """Note a change of topology or of a unit's function: the layers are laid
        out again when next needed, and compiled forms and traces are stale."""
        self.layering.changed()
        self.weights.layout_changed()

    def add_input(self, name: str | None = None) -> Node:
        """Add an input unit x_k to Layer 1 and return it.

        Examples
        --------
        >>> net = Network()
        >>> net.add_input()
        Node('x1', layer=1, input)
        """
        self.lesions.refuse("add_input")
        g = self.topology.graph
        name = build.check_new_name(g, name if name is not None else build.new_name(g, "x"))
        node = Node(self, name, "input", assigned_layer=self.layering.input)
        self.topology.add_unit(node)
        self.layering.put(node)
        self.layout_changed()
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
        self.lesions.refuse("add_node")
        target = self.layering.resolve(layer) if layer is not None else None
        if target is self.layering.input:
            raise TopologyError("Layer 1 holds inputs only: use add_input()")
        default = target.activation if target is not None else None
        act = get_activation(activation if activation is not None else default)
        fn = get_input_function(input_function)
        w = _check_weight(bias, "the bias", self.dtype)
        g = self.topology.graph
        name = build.check_new_name(g, name if name is not None else build.new_name(g, "h"))
        node = Node(self, name, "hidden", act, input_function=fn, assigned_layer=target,
                    bias_index=self.weights.append(np.array([w])))
        self.topology.add_unit(node)
        self.layering.put(node)
        self.layout_changed()
        return node

    def _node(self, x) -> Node:
        if isinstance(x, Node):
            if x.network is not self:
                raise TopologyError(f"node {x.name!r} belongs to another network")
            return x
        if isinstance(x, str):
            if x not in self.topology:
                self.layering.current()  # a bias unit exists once the layers are laid out
            if x not in self.topology:
                raise TopologyError(f"no node named {x!r} in this network")
            return self.topology.node(x)
        raise TopologyError(f"expected a Node or a node name, got {type(x).__name__}")

    def __getitem__(self, name: str) -> Node:
        """The node called ``name``."""
        return self._node(name)

    def __contains__(self, name) -> bool:
        return name in self.topology

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
        self.lesions.refuse("connect")
        u, v = self._node(source), self._node(target)
        build.check_links(self.topology.graph, [u], [v])
        link = Link(u, v, self.weights, self._link_entry(weight, u, v))  # p: a shared weight
        self.topology.add_link(link)
        self.layout_changed()
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

    # --- layers (inferred when not given) ------------------------------------------
    @property
    def layers(self) -> list[Layer]:
        """Layers in order; ``net.layers[0]`` is Layer 1 (0-based list, 1-based names)."""
        return list(self.layering.current())

    @property
    def inputs(self) -> list[Node]:
        return list(self.layering.input.nodes)

    @property
    def links(self) -> list[Link]:
        """Every link, bias links included, in graph order."""
        self.layering.current()
        return self.topology.links()

    def link(self, source, target) -> Link:
        """The Link source → target (names or nodes)."""
        u, v = self._node(source), self._node(target)
        link = self.topology.link(u.name, v.name)
        if link is None:
            raise TopologyError(f"no link {u.name!r} → {v.name!r}")
        return link

    def in_links(self, node) -> list[Link]:
        """Links into ``node``, its bias link first, then in the order z sums them."""
        node = self._node(node)
        self.layering.current()
        return self.topology.in_links(node)

    def out_links(self, node) -> list[Link]:
        """Links out of ``node``."""
        node = self._node(node)
        self.layering.current()
        return self.topology.out_links(node)

    _in_links, _out_links = in_links, out_links  # the names engines and render read

    @property
    def classes(self) -> tuple[str, ...] | None:
        """Names of the classes the outputs stand for (output unit k is class k;
        one output unit stands for two classes, 0 and 1), or None.

        Examples
        --------
        >>> import neurograph as ng
        >>> net = ng.Network.from_architecture([2, 3, 3], seed=0)
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

    def current_trace(self):
        """The latest pass's Trace while it still describes this network, else None."""
        t = self.last_trace
        if t is None or not t.belongs_to(self):
            return None
        return t
