"""The one pass driver: forward layer by layer, J, backward layer by layer.

Every pass of the library runs here: ``net.forward``, ``net.backward``,
``gradcheck``, and each batch of ``Trainer.fit`` and ``Trainer.steps`` at
every granularity. A :class:`Pass` is a generator that can pause between
layers; when it is not asked to pause it never yields and costs one ``next``.
The Trace of a pass — whole or partial — is built here and only here.

>>> import numpy as np, neurograph as ng
>>> net = ng.Network.from_architecture([2, 3, 1], seed=0)
>>> p = Pass(net, make_engine(net), np.array([[0.0, 1.0]]), np.array([[1.0]]))
>>> phases = list(p.run(pause=True))
>>> [str(ph) for ph in phases]
['forward layer 2', 'forward layer 3', 'backward layer 3', 'backward layer 2']
>>> round(p.J, 6) == round(net.cost([[0.0, 1.0]], [1]), 6)
True
"""

from __future__ import annotations

import weakref

import numpy as np

from ..errors import CompileError, ConfigError, EmptyNetworkError
from ..model.weights import compile_network
from .base import Engine, Phase
from .graph import GraphEngine
from .losses import check_lam, resolve_loss
from .matrix import MatrixEngine
from .torch_backend import TorchEngine
from .torch_kernels import check_backend
from .trace import Trace

ENGINES = ("auto", "matrix", "graph")

# layout version at which a network last failed to compile: "auto" does not retry each pass
_NOT_COMPILABLE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# each network's engine for whole passes (net.forward, net.backward, gradcheck …)
_SHARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def check_ready(net) -> None:
    """EmptyNetworkError unless the network has inputs and units after them."""
    lays = net.layers
    if not lays[0].nodes:
        raise EmptyNetworkError("the network has no inputs: add_input() or add_layer(d) first")
    if len(lays) < 2:
        raise EmptyNetworkError("the network has inputs but no units after them: "
                                "add_node() or add_layer(n) first")


def choose(net, engine: str = "auto") -> str:
    """"matrix" or "graph" for ``engine``: "auto" compiles when the network is layered.

    Choosing the graph engine never compiles (compiling moves the weights and
    would make earlier traces stale).
    """
    if engine not in ENGINES:
        raise ConfigError(f"unknown engine {engine!r}; known: {', '.join(ENGINES)}")
    check_ready(net)
    if engine == "graph":
        return "graph"
    if engine == "matrix" or net.weights.current() is not None:
        compile_network(net)
        return "matrix"
    if _NOT_COMPILABLE.get(net) == net.version:
        return "graph"
    try:
        compile_network(net)
        return "matrix"
    except CompileError:
        _NOT_COMPILABLE[net] = net.version
        return "graph"


def make_engine(net, lam: float = 0.0, loss: str = "auto", engine: str = "auto",
                shared: bool = False, backend: str = "numpy", device=None,
                reuse=None) -> Engine:
    """The engine that runs ``net`` with this λ and loss ("auto": from the outputs),
    on ``backend``'s kernels ("numpy", or "torch" on ``device``: the matrix engine only).

    ``shared=True`` gives the network's shared engine for whole passes (its
    workspaces are reused across calls, as long as no Trace holds them); a
    trainer, whose passes pause, takes an engine of its own, and hands back the one
    of its last run as ``reuse``: it is kept when made for the same network, layout
    and settings (a run's start then makes no tensors, workspaces or tables again).
    """
    lam = check_lam(lam)
    backend, dev = check_backend(backend, device)
    kind = choose(net, engine) if backend == "numpy" else torch_kind(net, engine)
    loss = resolve_loss(loss, [u.activation for u in net.outputs])
    key = (kind, net.version, lam, loss, backend, dev)
    made = getattr(reuse, "made_for", None)
    if made is not None and made[0]() is net and made[1] == key:
        return reuse
    if shared:
        cached = _SHARED.get(net)
        if cached is not None and cached[0] == key:
            return cached[1]
    if backend == "torch":
        e = TorchEngine(net, lam, loss, dev)
    else:
        e = (MatrixEngine if kind == "matrix" else GraphEngine)(net, lam, loss)
    if shared:
        _SHARED[net] = (key, e)
    e.made_for = (weakref.ref(net), key)  # weak: an engine never keeps its network alive
    return e


def torch_kind(net, engine: str) -> str:
    """"matrix" for a torch run, or ConfigError: the graph engine has no torch backend."""
    if engine == "graph":
        raise ConfigError("engine='graph' runs on numpy only; backend='torch' runs the "
                          "matrix engine (engine='matrix' or 'auto'): use backend='numpy' "
                          "for the graph engine")
    try:
        return choose(net, "matrix" if engine == "auto" else engine)
    except CompileError as exc:
        raise ConfigError(f"backend='torch' runs the matrix engine, and this network does not "
                          f"compile to Θ ({exc}); the graph engine has no torch backend: use "
                          "backend='numpy'") from None


class Pass:
    """One pass of ``engine`` over the m instances X (and targets Y).

    Without Y only the forward sweep runs; with ``backward=False`` the
    forward sweep and J. ``n`` is the training set's size, the n of λ/(2n) and
    λ/n, when X is a batch of it (default: m, the whole set is this batch).
    (``n_reg`` is its old name.)

    The pass is where J and D are put together, once for both engines:
    J = (1/m)·Σ element cost + λ/(2n)·ΣΘ², D = Δ/m + (λ/n)·Θ off the bias
    column (the engine's ``reg``), so every batch size steps along the same J.
    """

    def __init__(self, net, engine: Engine, X: np.ndarray, Y: np.ndarray | None = None,
                 n: int | None = None, backward: bool = True, *, n_reg: int | None = None):
        self.net, self.engine, self.X, self.Y = net, engine, X, Y
        self.n = n if n is not None else (n_reg if n_reg is not None else X.shape[0])
        self.backward = backward and Y is not None
        self.J: float | None = None
        self.forward_done = 1  # layers 1..forward_done have z and a
        self.delta_from = engine.L + 1  # layers delta_from..L have δ
        self.grad_done = False

    def run(self, pause: bool = False):
        """Generator over the pass; yields a Phase after each layer when ``pause``.

        Returns J (as StopIteration's value), or None without targets.
        """
        e, L = self.engine, self.engine.L
        e.start(self.X)
        for l in range(1, L):
            e.forward_layer(l)
            self.forward_done = l + 1
            if pause:
                yield Phase(Phase.FORWARD, l + 1)
        if self.Y is None:
            return None
        self.J = e.summed_cost(self.Y) / self.X.shape[0] + e.reg.cost(e.theta, self.n)
        if not self.backward:
            return self.J
        e.output_delta(self.Y)
        self.delta_from = L
        if pause:
            yield Phase(Phase.BACKWARD, L)
        for l in range(L - 1, 0, -1):
            e.backward_layer(l)
            self.delta_from = max(l, 2)
            if pause and l > 1:
                yield Phase(Phase.BACKWARD, l)
        e.finish()
        e.reg.add_grad(e.theta, e.grad, self.n)
        self.grad_done = True
        return self.J

    def complete(self):
        """Run the whole pass without pausing; returns J (None without targets)."""
        for _ in self.run():
            pass
        return self.J

    def outputs(self) -> np.ndarray:
        """a(L) of the pass (an engine on a device brings back a(L) alone: ``outputs``)."""
        own = getattr(self.engine, "outputs", None)
        return own() if own is not None else self.engine.views()[1][-1]

    def trace(self, phase: str, with_grad: bool = False, rows=None) -> Trace:
        """A Trace of the pass so far, sharing the pass's arrays (an engine writes
        them again only once nothing holds them); θ and ∂J/∂θ are copied.

        Layers not reached forward have z = a = None; δ exists from the output
        layer down to where the backward sweep has reached. ``rows`` picks
        instances (a slice of the batch).
        """
        L, done, back = self.engine.L, self.forward_done, self.delta_from
        zs, acts, dl = self.engine.views()
        zs, acts = list(zs), list(acts)
        dl = [None] * L if dl is None else list(dl)
        if rows is not None:
            zs = [None if z is None else z[rows] for z in zs]
            acts = [a[rows] for a in acts]
            dl = [None if d is None else d[rows] for d in dl]
        zs = [None if (i == 0 or i >= done) else zs[i] for i in range(L)]
        acts = [None if i >= done else acts[i] for i in range(L)]
        deltas = [dl[i] if (i > 0 and i + 1 >= back) else None for i in range(L)]
        if all(d is None for d in deltas):
            deltas = None
        # read only when wanted: on a device ∂J/∂θ and the terms are copied when first read
        grad = self.engine.grad.copy() if (with_grad and self.grad_done) else None
        terms = None if grad is None else getattr(self.engine, "terms", None)
        terms = terms.copy() if terms is not None and len(terms) else None
        if hasattr(self.engine, "on_host"):  # a run's θ kept on a device: brought back
            self.engine.on_host()
        return Trace(version=self.net.version, z=zs, a=acts, theta=self.engine.theta.copy(),
                     delta=deltas, grad=grad, cost=self.J, lam=self.engine.lam,
                     loss=self.engine.loss, engine=self.engine.kind, phase=phase,
                     owner=id(self.net), network_ref=weakref.ref(self.net), terms=terms)
