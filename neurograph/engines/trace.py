"""The Trace: plain data of one pass — per layer z, a, δ; weights and gradients.

Both engines fill the same Trace. Arrays are kept per layer (list index 0 is
Layer 1) with one column per unit; a node's values are views of its column.
The weights used by the pass are snapshotted, so blame shares Θ_ji·δ_j stay
true after an update. Blame is computed when asked, never stored whole.

A network shows one Trace, ``net.last_trace``: what ``node.z``, ``node.delta``,
``link.grad`` read. ``net.backward`` returns its Trace and makes it that one
(so does a trainer's step, at a pause of ``trainer.steps``, and
``net.forward(X, show=True)``); ``net.forward``, ``predict``, ``cost`` and
``gradients`` return their numbers and leave it as it was: asking for J never
changes what a node says.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

import numpy as np

from ..errors import StaleTraceError, TopologyError, renamed
from ..model.parameters import Parameter, ParameterArray, ties


class Gradient(np.ndarray):
    """∂J/∂θ in θ's layout (index it as an array), that also answers for a shared
    weight: ``trace.grad(p)`` for a Parameter (a number) or a ParameterArray (an
    array of its shape). Arithmetic on it gives plain arrays."""

    def __array_finalize__(self, obj) -> None:
        self._trace = getattr(obj, "_trace", None)

    def __array_wrap__(self, arr, context=None, return_scalar=False):
        out = arr.view(np.ndarray)
        return out[()] if return_scalar else out

    def __reduce__(self):
        return self.view(np.ndarray).__reduce__()

    def __call__(self, p):
        tr = None if self._trace is None else self._trace()
        if tr is None:
            raise StaleTraceError("this gradient's Trace is gone: run a new pass")
        return tr.param_grad(p)


@dataclass(eq=False)
class Trace:
    """z, a, δ of every layer for the n instances of one pass.

    Attributes
    ----------
    z, a, delta : list of arrays (m, s_l), index 0 = Layer 1 (``z[0]`` and
        ``delta[0]`` are None: inputs have neither). ``delta`` holds ∂cost/∂z
        per instance (δ(L) = a(L) − y for cross-entropy), not divided by m.
    theta : θ, the weights used (a copy of the store, the layout of ``link.index``;
        ``w`` is its former name).
    grad : ∂J/∂θ per weight in the same layout (None after a forward pass).
    cost : J(Θ) (None after a forward pass).
    terms : each link that shares a parameter, its own term ∂J/∂w (the mean of
        a·δ, without λ), in the slots of the network's tie table; None when no
        link shares one. ``grad(p)`` is the sum of p's terms plus λ/n·p once.

    Examples
    --------
    >>> import neurograph as ng
    >>> net = ng.Network.from_architecture([2, 2, 1], seed=0)
    >>> tr = net.backward([[0., 1.]], [1])
    >>> tr.layer(3)["delta"].shape
    (1, 1)
    >>> node = net.layers[1][0]
    >>> d = tr.node(node)
    >>> bool(np.allclose(d["delta"], node.activation.dg(d["z"], d["a"]) * sum(d["blame"].values())))
    True
    """

    version: int  # the network's layout version at the pass
    z: list
    a: list
    theta: np.ndarray
    delta: list | None = None
    grad: np.ndarray | None = None
    cost: float | None = None
    lam: float = 0.0
    loss: str | None = None
    engine: str = ""
    phase: str = ""
    owner: int = 0  # id() of the network whose pass this is
    # a weak reference to that network (a trace must not keep a network alive)
    network_ref: object = field(default=None, repr=False)
    terms: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.grad is not None:
            self.grad = np.asarray(self.grad).view(Gradient)
            self.grad._trace = weakref.ref(self)

    def _live_network(self):
        net = self.network
        if net is None:
            raise StaleTraceError("this trace is of a network that is gone or was changed "
                                  "since: run a new pass")
        return net

    def param_grad(self, p):
        """∂J/∂p of a shared weight: Σ over p.links of each link's term, plus λ/n·p.

        A Parameter gives a number, a ParameterArray an array of its shape.

        >>> import neurograph as ng
        >>> net = ng.Network(); x = net.add_input("x"); h = net.add_node("h")
        >>> o = net.add_node("o", activation="linear"); p = net.parameter(0.5, name="k")
        >>> _ = net.connect(x, h, p); _ = net.connect(h, o, p)
        >>> tr = net.backward([[1.0]], [[0.0]])
        >>> bool(np.isclose(tr.grad(p), sum(tr.link_grad(li) for li in p.links)))
        True
        """
        net = self._live_network()
        if self.grad is None:
            return None
        if isinstance(p, ParameterArray):
            return self.grad.view(np.ndarray)[p.indices].copy()
        if not isinstance(p, Parameter) or ties(net).by_index.get(p._i) is not p:
            raise TopologyError(f"expected a Parameter or ParameterArray of this trace's "
                                f"network, got {p!r}")
        return float(self.grad[p._i])

    def grad_by_layer(self, p) -> dict:
        """A shared weight's gradient split by the layer its links go into: {layer
        number: the sum of those links' terms}, a number for a Parameter or an array
        of its shape for a ParameterArray. λ is not in the terms: the values add
        up to ``grad(p)`` less λ/n·p. In an unrolled recurrent network h(t) is
        Layer t + 1, so this is ∂J/∂p step by step (backpropagation through time).

        >>> import numpy as np, neurograph as ng
        >>> rnn = ng.Network.recurrent(inputs=1, hidden=1, steps=3, outputs=None, seed=0)
        >>> tr = rnn.backward(np.ones((2, 3)), np.zeros((2, 1)))
        >>> per = tr.grad_by_layer(rnn.parameters["W_h"]); sorted(per)    # h(1) has no W_h
        [3, 4]
        >>> bool(np.isclose(sum(per.values()).item(), tr.grad(rnn.parameters["W_h"]).item()))
        True
        """
        net = self._live_network()
        if self.grad is None:
            return None
        if isinstance(p, ParameterArray):
            params, shape = list(p.params.flat), p.shape
        elif isinstance(p, Parameter):
            params, shape = [p], None
        else:
            raise TopologyError(f"expected a Parameter or ParameterArray, got {p!r}")
        t = ties(net)
        out: dict[int, np.ndarray] = {}
        for k, q in enumerate(params):
            for li in t.links_of.get(q._i, ()):
                acc = out.setdefault(li.target.layer, np.zeros(len(params)))
                acc[k] += self.terms[t.slot[li]]
        return {lay: (float(v[0]) if shape is None else v.reshape(shape))
                for lay, v in sorted(out.items())}

    @property
    def w(self) -> np.ndarray:
        """Former name of :attr:`theta`."""
        renamed("trace.w", "trace.theta")
        return self.theta

    @property
    def network(self):
        """The network of this pass while it exists with this layout; else None."""
        net = None if self.network_ref is None else self.network_ref()
        return net if net is not None and self.belongs_to(net) else None

    def belongs_to(self, net) -> bool:
        """True when this trace is of ``net`` as it is laid out now."""
        return self.owner == id(net) and self.version == net.version

    def check(self, net) -> None:
        """Raise StaleTraceError unless this trace is of ``net`` as it is laid out now."""
        if not self.belongs_to(net):
            why = ("of another network" if self.owner != id(net) else
                   "from before the network's topology changed (or it was compiled)")
            raise StaleTraceError(f"this trace is {why}: its columns no longer match the "
                                  "network's units; run a new pass (net.backward(X, y))")

    @property
    def n(self) -> int:
        return self.a[0].shape[0]

    def layer(self, l: int) -> dict:
        """{"z", "a", "delta"} arrays of Layer l (1-based, as on the slides)."""
        i = l - 1
        return {"z": self.z[i], "a": self.a[i],
                "delta": None if self.delta is None else self.delta[i]}

    def node_value(self, node, what: str):
        """``what`` ("z", "a" or "delta") of one node over the instances, or None."""
        self.check(node.network)
        if node.is_bias:
            return np.ones(self.n, dtype=self.theta.dtype) if what == "a" else None
        arrs = getattr(self, what)
        if arrs is None:
            return None
        arr = arrs[node.layer - 1]
        return None if arr is None else arr[:, node.position]

    def blame(self, node) -> dict | None:
        """{downstream name: Θ_ji·δ_j over instances}: node i's share of each δ_j.

        Summed over j and multiplied by g'(z_i), the shares give δ_i. (For a
        unit j with another input function the share is ∂z_j/∂a_i·δ_j.)
        """
        self.check(node.network)
        if self.delta is None or node.is_bias:
            return None
        out = {}
        for link in node.network.out_links(node):
            d = self.node_value(link.target, "delta")
            if d is None:
                continue
            fn = link.target.input_function
            if fn is None or fn.name == "weighted_sum":
                out[link.target.name] = self.theta[link.index] * d
            else:  # the share is ∂z_j/∂a_i · δ_j, which reads j's whole window (a max
                # unit's winner, a mean's k), its sources in the engines' order
                ins = sorted((li for li in node.network.in_links(link.target)
                              if not li.is_bias),
                             key=lambda li: (li.source.layer, li.source.position))
                A = np.stack([self.node_value(li.source, "a") for li in ins], axis=1)
                w = self.theta[[li.index for li in ins]]
                k = next(i for i, li in enumerate(ins) if li is link)
                out[link.target.name] = fn.dz_da(A, w)[:, k] * d
        return out

    def link_signal(self, link):
        """w·a(source): the link's activation level over the instances."""
        self.check(link.target.network)
        a = self.node_value(link.source, "a") if link.source is not None else 1.0
        return self.theta[link.index] * a

    def link_grad(self, link):
        """∂J/∂w for this link (scalar), or None after a forward pass only.

        For a link that shares a parameter, its own term: ∂J/∂w as if the weight
        were its own, the mean of a·δ without λ (λ/n·p is counted once, in
        ``grad(p)``); the parameter's gradient is the sum of these terms.
        """
        net = link.target.network
        self.check(net)
        if self.grad is None:
            return None
        if self.terms is not None and len(self.terms):
            k = ties(net).slot.get(link)
            if k is not None:
                return float(self.terms[k])
        return float(self.grad[link.index])

    def node(self, node) -> dict:
        """Everything about one node: z, a, delta, blame."""
        return {"z": self.node_value(node, "z"), "a": self.node_value(node, "a"),
                "delta": self.node_value(node, "delta"), "blame": self.blame(node)}

    def __repr__(self) -> str:
        # a paused pass has no a for the layers it has not reached: their size is the
        # network's, or "?" (a repr must never raise at a debugger prompt)
        net = self.network
        s = [a.shape[1] if a is not None else (net.s[i] if net is not None else "?")
             for i, a in enumerate(self.a)]
        more = "" if self.cost is None else f", J={self.cost:.6g}"
        reached = all(a is not None for a in self.a)
        at = "" if reached or not self.phase else f", phase={str(self.phase)!r}"
        return f"Trace(s={s}, n={self.n}, engine={self.engine!r}{more}{at})"
