"""Engines: run passes over a network and fill a Trace.

``graph`` runs any feed-forward DAG node by node; ``matrix`` runs the compiled
Θ(l). ``engine="auto"`` uses the matrix engine when the network compiles and
the graph engine otherwise; on layered networks both give the same numbers.
This module registers the passes as the Network's methods (forward, predict,
cost, gradients, backward).
"""

from __future__ import annotations

import weakref

import numpy as np

from ..data.labels import as_targets, check_inputs
from ..errors import CompileError, ConfigError, EmptyNetworkError
from ..model.network import Network
from ..model.weights import compile_network, split
from . import graph, matrix
from .losses import resolve_loss
from .trace import Trace

ENGINES = ("auto", "matrix", "graph")


class Gradients(list):
    """[D(1), …, D(L−1)]; ``.flat`` is the unrolled vector they are views of."""

    flat: np.ndarray


def _check_ready(net: Network) -> None:
    lays = net.layers
    if not lays[0].nodes:
        raise EmptyNetworkError("the network has no inputs: add_input() or add_layer(d) first")
    if len(lays) < 2:
        raise EmptyNetworkError("the network has inputs but no units after them: "
                                "add_node() or add_layer(n) first")


# version at which a network last failed to compile, so "auto" does not retry each pass
_NOT_COMPILABLE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def choose(net: Network, engine: str) -> str:
    """"matrix" or "graph" for ``engine`` ("auto" compiles if it can)."""
    if engine not in ENGINES:
        raise ConfigError(f"unknown engine {engine!r}; known: {', '.join(ENGINES)}")
    _check_ready(net)
    if engine == "graph":
        return "graph"  # the weights stay where they are: earlier traces stay valid
    if engine == "matrix":
        compile_network(net)
        return "matrix"
    if net.weights.current() is not None:
        return "matrix"
    if _NOT_COMPILABLE.get(net) == net.version:
        return "graph"
    try:
        compile_network(net)
        return "matrix"
    except CompileError:
        _NOT_COMPILABLE[net] = net.version
        return "graph"


def _inputs(net: Network, X):
    X, _ = check_inputs(X, len(net._input_layer.nodes), dtype=net.dtype)
    return X


def _targets(net: Network, Y, n: int, loss: str):
    return as_targets(Y, len(net.outputs), n, cross_entropy=cross_entropy_outputs(net, loss)
                      ).astype(net.dtype, copy=False)


def cross_entropy_outputs(net: Network, loss: str) -> str | None:
    """"softmax" or "sigmoid" when ``loss`` (resolved) is cross-entropy, else None:
    what the targets must satisfy for J and its gradient to agree."""
    if loss != "cross_entropy":
        return None
    return "softmax" if all(a.name == "softmax" for a in _output_acts(net)) else "sigmoid"


def _output_acts(net: Network):
    return [u.activation for u in net.outputs]


def run_forward(net: Network, X, engine: str = "auto") -> Trace:
    """Forward pass; records and returns the Trace (z, a per layer)."""
    kind = choose(net, engine)
    X = _inputs(net, X)
    w = net.weights.theta.copy()
    if kind == "matrix":
        zs, acts = matrix.forward(net.weights.current(), X)
    else:
        plan = graph.make_plan(net)
        Z, A = graph.forward(plan, net.weights.theta, X)
        zs, acts = graph.layer_views(plan, Z), graph.layer_views(plan, A, first_none=False)
    trace = Trace(net.version, zs, acts, w, engine=kind, phase="forward", owner=id(net))
    net.last_trace = trace
    return trace


def run_backward(net: Network, X, Y, lam: float = 0.0, loss: str = "auto",
                 engine: str = "auto", grad: bool = True) -> Trace:
    """Forward and backward pass: J, δ per layer and ∂J/∂w per weight, in a Trace.

    With ``grad=False`` only the forward pass and J (no δ, no gradients).
    """
    if not np.isfinite(lam) or lam < 0:
        raise ConfigError(f"λ must be a finite number ≥ 0, got {lam}")
    kind = choose(net, engine)
    X = _inputs(net, X)
    loss = resolve_loss(loss, _output_acts(net))
    Y = _targets(net, Y, X.shape[0], loss)
    if X.shape[0] == 0:
        raise ConfigError("cost and gradients need at least one instance, got 0")
    w = net.weights.theta.copy()
    if kind == "matrix":
        c = net.weights.current()
        ws = matrix.Workspace(c, X.shape[0])
        zs, acts = matrix.forward(c, X, ws)
        J = matrix.cost(c, zs, acts, Y, lam, loss, ws)
        deltas, g = (matrix.backward(c, zs, acts, Y, lam, loss, ws=ws)[::2] if grad
                     else (None, None))
    else:
        plan = graph.make_plan(net)
        ww = net.weights.theta
        Z, A = graph.forward(plan, ww, X)
        J = graph.cost(plan, ww, Z, A, Y, lam, loss)
        zs, acts = graph.layer_views(plan, Z), graph.layer_views(plan, A, first_none=False)
        deltas, g = None, None
        if grad:
            Dl, g = graph.backward(plan, ww, Z, A, Y, lam, loss)
            deltas = graph.layer_views(plan, Dl)
    phase = "backward" if grad else "cost"
    trace = Trace(net.version, zs, acts, w, deltas, g, J, lam, loss, kind, phase, owner=id(net))
    net.last_trace = trace
    return trace


def cost_and_gradients(net, X, Y, lam=0.0, loss="auto", engine="auto"):
    """(J, [D(1), …, D(L−1)]) from one pass; the D(l) are views of ``D.flat`` (θ's layout).

    Raises
    ------
    CompileError
        For a network that is not layered: it has no Θ, so no D(l); use
        ``net.backward(X, Y)`` and read ``link.grad`` or ``trace.grad``.

    Examples
    --------
    >>> import neurograph as ng
    >>> J, D = ng.cost_and_gradients(ng.Network.from_architecture([2, 3, 1], seed=0),
    ...                              [[0.0, 1.0]], [1])
    >>> [d.shape for d in D], D.flat.shape
    ([(3, 3), (1, 4)], (13,))
    """
    trace = run_backward(net, X, Y, lam, loss, engine)
    c = net.weights.current()
    if c is None:
        raise CompileError(
            "D(l) matrices exist only for layered networks; this one runs on the graph "
            "engine: use net.backward(X, Y) and read link.grad or trace.grad"
        )
    D = Gradients(split(trace.grad, c.shapes))
    D.flat = trace.grad
    return trace.cost, D


__all__ = ["ENGINES", "Gradients", "Trace", "choose", "cost_and_gradients", "run_backward",
           "run_forward"]
