"""The Trace: plain data of one pass — per layer z, a, δ; weights and gradients.

Both engines fill the same Trace. Arrays are kept per layer (list index 0 is
Layer 1) with one column per unit; a node's values are views of its column.
The weights used by the pass are snapshotted, so blame shares Θ_ji·δ_j stay
true after an update. Blame is computed when asked, never stored whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import StaleTraceError, renamed


@dataclass(eq=False)
class Trace:
    """z, a, δ of every layer for the n instances of one pass.

    Attributes
    ----------
    z, a, delta : list of arrays (n, s_l), index 0 = Layer 1 (``z[0]`` and
        ``delta[0]`` are None: inputs have neither). ``delta`` holds ∂cost/∂z
        per instance (δ(L) = a(L) − y for cross-entropy), not divided by n.
    theta : θ, the weights used (a copy of the store, the layout of ``link.index``;
        ``w`` is its former name).
    grad : ∂J/∂θ per weight in the same layout (None after a forward pass).
    cost : J(Θ) (None after a forward pass).

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
        a = None
        for link in node.network.out_links(node):
            d = self.node_value(link.target, "delta")
            if d is None:
                continue
            fn = link.target.input_function
            if fn is None or fn.name == "weighted_sum":
                out[link.target.name] = self.theta[link.index] * d
            else:  # the share is ∂z_j/∂a_i · δ_j
                a = self.node_value(node, "a") if a is None else a
                w = np.array([self.theta[link.index]])
                out[link.target.name] = fn.dz_da(a[:, None], w)[:, 0] * d
        return out

    def link_signal(self, link):
        """w·a(source): the link's activation level over the instances."""
        self.check(link.target.network)
        a = self.node_value(link.source, "a") if link.source is not None else 1.0
        return self.theta[link.index] * a

    def link_grad(self, link):
        """∂J/∂w for this link (scalar), or None after a forward pass only."""
        self.check(link.target.network)
        return None if self.grad is None else float(self.grad[link.index])

    def node(self, node) -> dict:
        """Everything about one node: z, a, delta, blame."""
        return {"z": self.node_value(node, "z"), "a": self.node_value(node, "a"),
                "delta": self.node_value(node, "delta"), "blame": self.blame(node)}

    def __repr__(self) -> str:
        s = [a.shape[1] for a in self.a]
        more = "" if self.cost is None else f", J={self.cost:.6g}"
        return f"Trace(s={s}, n={self.n}, engine={self.engine!r}{more})"
