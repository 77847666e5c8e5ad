"""The lecture's parts: a unit (`Node`) and a weighted connection (`Link`).

A Node holds its name, kind, input function and activation function; it shows
its ``z``, ``a``, ``delta`` and ``blame`` (arrays over the instances of the
batch) from the Trace the network shows: the latest ``net.backward`` (or
``gradcheck``), or the training step a ``trainer.steps`` loop stands at.
``net.forward``, ``predict``, ``cost`` and ``gradients`` leave it as it was
(``net.forward(X, show=True)`` shows a forward pass when asked). A Link holds
its ends and its weight; the weight lives in the network's weight store, so
that after compiling it *is* an entry of Θ(l) (one source of truth).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..data.values import real_array
from ..errors import InputValueError, TopologyError
from .activations import get_activation
from .inputs import get_input_function
from .parameters import parameter_of

if TYPE_CHECKING:  # pragma: no cover
    from .activations import Activation
    from .layer import Layer


def _fmt(v) -> str:
    """Short text for a value at a prompt: a scalar, or the first instance of a batch."""
    if v is None:
        return "None"
    arr = np.asarray(v)
    if arr.size == 1:
        return f"{float(arr.reshape(-1)[0]):.4g}"
    return f"[{float(arr.reshape(-1)[0]):.4g}, …]({arr.shape[0]})"


class Node:
    """A unit: input function (weighted sum Σ w·a), activation g, output a.

    Create nodes through :meth:`Network.add_input` / :meth:`Network.add_node`,
    never directly. ``layer`` is the 1-based layer number as on the slides.

    What a node shows (``z``, ``a``, ``delta``, ``blame``, and its links'
    ``signal`` and ``grad``) is one Trace, ``net.last_trace``: ``net.backward``
    makes its Trace that one, and so do a trainer's steps (each step's values, at
    a pdb prompt inside ``for step in trainer.steps(...)``) and
    ``net.forward(X, show=True)``. ``net.forward``, ``predict``, ``cost`` and
    ``gradients`` return their numbers and leave what nodes show as it was.

    Examples
    --------
    >>> import neurograph as ng
    >>> net = ng.Network()
    >>> x = net.add_input("x1")
    >>> h = net.add_node("h", activation="sigmoid")
    >>> _ = net.connect(x, h, weight=2.0)
    >>> _ = net.backward([[0.0]], [1])
    >>> h
    Node('h', layer=2, output, sigmoid, z=0, a=0.5, δ=-0.5)
    >>> _ = net.cost([[5.0]], [1]); h.z          # another pass: h still shows backward's
    array([0.])
    """

    __slots__ = ("name", "_kind", "_activation", "_input_function", "_net", "_layer", "_pos",
                 "_assigned_layer", "_bias_link", "__weakref__")

    def __init__(self, net, name: str, kind: str, activation: Activation | None = None,
                 input_function=None, assigned_layer: Layer | None = None,
                 bias_index: int | None = None):
        # kind is "input", "bias" or "hidden" (hidden or output: the layers decide)
        self.name = name
        self._kind = kind
        self._activation = activation
        self._input_function = input_function
        self._net = net
        self._layer: Layer | None = None
        self._pos = -1
        self._assigned_layer = assigned_layer
        self._bias_link = None if bias_index is None else Link(None, self, net.weights, bias_index)

    def place(self, layer: Layer, position: int) -> None:
        """Put the unit at ``position`` of ``layer`` (the Network calls this when it
        lays out its layers; a bias unit's position is −1)."""
        self._layer, self._pos = layer, position

    def assign(self, layer: Layer) -> None:
        """Make ``layer`` the one this unit was put in (a copy's layering calls this)."""
        self._assigned_layer = layer

    def copy_to(self, net) -> Node:
        """This unit for ``net``: same name, kind and functions, its bias link at the
        same index of ``net``'s weights (its source, layers and place are set by
        ``net``'s topology and layering)."""
        b = self._bias_link
        return Node(net, self.name, self._kind, self._activation, self._input_function,
                    bias_index=None if b is None else b.index)

    # --- the unit's functions (changing one invalidates compiled forms and traces) ---
    @property
    def activation(self):
        """g: the Activation of this unit (None for inputs and bias units)."""
        return self._activation

    @activation.setter
    def activation(self, spec) -> None:
        self._set_function("_activation", "activation", get_activation, spec)

    @property
    def input_function(self):
        """How z is formed from the incoming links (weighted sum by default)."""
        return self._input_function

    @input_function.setter
    def input_function(self, spec) -> None:
        self._set_function("_input_function", "input function", get_input_function, spec)

    def _set_function(self, slot: str, what: str, lookup, spec) -> None:
        if self._kind in ("input", "bias"):
            raise TopologyError(f"{self._kind} unit {self.name!r} has no {what}")
        setattr(self, slot, lookup(spec))
        self._net.layout_changed()

    # --- place in the network -------------------------------------------------
    @property
    def network(self):
        return self._net

    @property
    def layer(self) -> int:
        """1-based layer number (Layer 1 is the input layer)."""
        self._net.layers  # noqa: B018 -- brings the layout up to date
        return self._layer.index

    @property
    def kind(self) -> str:
        """'input', 'bias', 'hidden' or 'output' (output = a unit of the last layer)."""
        if self._kind in ("input", "bias"):
            return self._kind
        last = self._net.layers[-1]  # first: it brings self._layer up to date
        return "output" if self._layer is last else "hidden"

    @property
    def is_input(self) -> bool:
        """True for an input unit x_k (cheap: needs no layout)."""
        return self._kind == "input"

    @property
    def is_bias(self) -> bool:
        """True for a "+1" bias unit (cheap: needs no layout)."""
        return self._kind == "bias"

    @property
    def assigned_layer(self) -> Layer | None:
        """The Layer this unit was put in (add_layer, add_input, ``layer=``), or
        None when the network infers it from the links."""
        return self._assigned_layer

    @property
    def bias_link(self) -> Link | None:
        """The link from the "+1" unit (θ0), None for inputs and bias units."""
        return self._bias_link

    @property
    def position(self) -> int:
        """0-based position within its layer (column of the layer's arrays)."""
        self._net.layers  # noqa: B018 -- brings the layout up to date
        return self._pos

    @property
    def incoming(self) -> list[Link]:
        """Links into this node, bias link first."""
        return self._net.in_links(self)

    @property
    def outgoing(self) -> list[Link]:
        """Links out of this node."""
        return self._net.out_links(self)

    @property
    def bias(self) -> float | None:
        """Weight of the link from the bias unit (θ0), None for inputs and bias units."""
        return None if self._bias_link is None else self._bias_link.weight

    # --- values of the Trace the network shows (net.last_trace) ------------------
    def _state(self, what: str):
        trace = self._net.current_trace()
        if trace is None:
            return None
        return trace.node_value(self, what)

    @property
    def z(self):
        """Input-function value z over the instances of the shown Trace (None before one)."""
        return self._state("z")

    @property
    def a(self):
        """Output a = g(z) over the instances of the shown Trace (1 for a bias unit)."""
        return self._state("a")

    @property
    def delta(self):
        """Error δ = ∂cost/∂z over the instances of the shown Trace (a backward pass's)."""
        return self._state("delta")

    @property
    def blame(self):
        """Blame shares {downstream node name: Θ_ji·δ_j} of the shown Trace."""
        trace = self._net.current_trace()
        return None if trace is None else trace.blame(self)

    def __repr__(self) -> str:
        parts = [repr(self.name)]
        try:  # a repr must never raise at a debugger prompt
            parts += [f"layer={self.layer}", self.kind]
        except Exception:
            parts.append(self._kind)
        if self.activation is not None:
            parts.append(self.activation.name)
        trace = self._net.current_trace()
        if trace is not None and self._kind != "bias":
            for label, what in (("z", "z"), ("a", "a"), ("δ", "delta")):
                v = trace.node_value(self, what)
                if v is not None:
                    parts.append(f"{label}={_fmt(v)}")
        return f"Node({', '.join(parts)})"


class Link:
    """A weighted connection source → target.

    The weight is stored in the network's weight store; after ``net.compile()``
    it is an entry of Θ(l), so ``link.weight = 5`` shows in Θ and a training
    update of Θ shows on the link, with nothing copied.

    Examples
    --------
    >>> import neurograph as ng
    >>> net = ng.Network.from_thetas([[[-30.0, 20.0, 20.0]]])
    >>> link = net.link("x1", "a2_1")
    >>> link.weight = 25.0
    >>> float(net.theta(1)[0, 1])
    25.0
    """

    __slots__ = ("source", "target", "_store", "_i")

    def __init__(self, source: Node | None, target: Node, store, i: int):
        self.source = source
        self.target = target
        self._store = store
        self._i = i

    @property
    def weight(self) -> float:
        return self._store.get(self._i)

    @weight.setter
    def weight(self, value) -> None:
        w = _check_weight(value, self, self._store.dtype)
        if self._store.fixed and self._store.is_fixed(self._i):
            raise TopologyError(self._carries_none(f"cannot set the weight of {self!r} to {w:g}"))
        self._store.set(self._i, w)

    def _carries_none(self, what: str) -> str:
        return (f"{what}: it is a link into pooling unit {self.target.name!r}, whose links "
                f"carry no weight (max and mean read a, not w·a); it reads a fixed "
                f"{self.weight:g}. Expected a link into a weighted-sum unit")

    @property
    def is_bias(self) -> bool:
        return self.source is None or self.source.is_bias

    @property
    def carries_weight(self) -> bool:
        """False for a link into a pooling unit (max or mean reads a, not w·a): its
        1 (or bias 0) is structure, not a parameter to train or check (add_pool's links
        read one constant of the store for all of them, and writing them is refused)."""
        fn = self.target.input_function
        return fn is None or fn.weighted

    @property
    def frozen(self) -> bool:
        """True when training holds this weight fixed (its gradient is still computed).

        >>> import neurograph as ng
        >>> net = ng.Network.from_thetas([[[-30.0, 20.0, 20.0]]])
        >>> link = net.link("x1", "a2_1"); link.frozen = True
        >>> link, net.weights.frozen.tolist()
        (Link('x1' → 'a2_1', w=20, frozen), [False, True, False])
        """
        return self._store.is_frozen(self._i)

    @frozen.setter
    def frozen(self, value) -> None:
        if not isinstance(value, (bool, np.bool_)):
            raise InputValueError(f"link.frozen must be True or False, got {value!r}")
        if not value and self._store.fixed and self._store.is_fixed(self._i):
            raise TopologyError(self._carries_none(f"cannot unfreeze {self!r}"))
        p = self.parameter
        if p is not None and bool(value) != p.frozen:
            raise TopologyError(f"{self!r} shares parameter {p.name!r} with {len(p.links) - 1} "
                                "other link(s): freeze the parameter (p.frozen = …), not one "
                                "of its links")
        self._store.set_frozen(self._i, bool(value))

    @property
    def parameter(self):
        """The shared :class:`~neurograph.model.parameters.Parameter` this link reads
        and writes, or None for a weight of its own.

        >>> import neurograph as ng
        >>> net = ng.Network(); x = net.add_input("x"); h = net.add_node("h")
        >>> p = net.parameter(0.3, name="k"); net.connect(x, h, weight=p).parameter is p
        True
        """
        return parameter_of(self.target.network, self._i)

    @property
    def index(self) -> int:
        """Where the weight sits in θ (``net.weights.theta``); compiling moves it."""
        return self._i

    @property
    def signal(self):
        """The link's activation level w·a(source) over the shown Trace's instances."""
        trace = self.target.network.current_trace()
        return None if trace is None else trace.link_signal(self)

    @property
    def grad(self):
        """∂J/∂w of the shown Trace (a_i·δ_j averaged over m, plus λ/n·w off bias)."""
        trace = self.target.network.current_trace()
        return None if trace is None else trace.link_grad(self)

    def __repr__(self) -> str:
        src = "+1" if self.source is None else self.source.name
        fz = ", frozen" if self.frozen else ""
        return f"Link({src!r} → {self.target.name!r}, w={self.weight:.4g}{fz})"


def _check_weight(value, where, dtype=np.float64) -> float:
    arr = real_array(value, f"the weight of {where}", dtype)
    if arr.ndim:
        raise InputValueError(f"a weight must be one number, got shape {arr.shape} for {where}")
    return float(arr)
