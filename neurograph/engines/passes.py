"""The passes a Network's methods hand their work to: plain functions of a network.

``net.forward(X)`` is ``passes.forward(net, X)``, and so on; the Network
imports this module when a method is called, so ``neurograph.model`` imports
no engine. Inputs and targets are checked here, once, at the boundary; every
pass then runs through :class:`~neurograph.engines.sweep.Pass`.

What nodes show (``node.z``, ``node.delta``, ``link.grad``: ``net.last_trace``)
changes only when asked: ``backward`` returns its Trace and makes it the one
nodes show; ``forward`` (unless ``show=True``), ``predict``, ``cost`` and
``gradients`` return their numbers and leave it as it was (as scikit-learn's
``predict`` leaves a fitted model's state alone), so a ``net.cost(...)`` at a
debugger prompt does not change what ``node.z`` says.

>>> import neurograph as ng
>>> net = ng.Network.from_architecture([2, 2, 1], seed=0)
>>> run_backward(net, [[0.0, 1.0]], [1]).phase
'backward'
"""

from __future__ import annotations

import numpy as np

from ..data.labels import as_targets, check_inputs
from ..errors import CompileError, ConfigError
from .base import Phase
from .losses import check_lam, resolve_loss
from .sweep import Pass, check_ready, make_engine
from .trace import Trace


class Gradients(list):
    """[D(1), …, D(L−1)]; ``.flat`` is the unrolled vector they are views of."""

    flat: np.ndarray


def inputs(net, X) -> np.ndarray:
    """X as an (n, s_1) array of the network's dtype (checked)."""
    return check_inputs(X, len(net.inputs), dtype=net.dtype)[0]


def cross_entropy_outputs(net, loss: str) -> str | None:
    """"softmax" or "sigmoid" when ``loss`` (resolved) is cross-entropy, else None:
    what the targets must satisfy for J and its gradient to agree."""
    if loss != "cross_entropy":
        return None
    return "softmax" if all(u.activation.layerwise for u in net.outputs) else "sigmoid"


def targets(net, Y, n: int, loss: str) -> np.ndarray:
    """Y as an (n, s_L) array of the network's dtype, checked against ``loss``."""
    return as_targets(Y, len(net.outputs), n, cross_entropy=cross_entropy_outputs(net, loss)
                      ).astype(net.dtype, copy=False)


def resolved_loss(net, loss: str) -> str:
    """``loss`` with "auto" resolved for the network's output units."""
    return resolve_loss(loss, [u.activation for u in net.outputs])


def run_forward(net, X, engine: str = "auto", show: bool = False, backend: str = "numpy",
                device=None) -> Trace:
    """Forward pass; returns the Trace (z, a per layer). ``show=True`` makes it the
    one nodes show (``net.last_trace``)."""
    check_ready(net)
    X = inputs(net, X)
    e = make_engine(net, engine=engine, shared=True, backend=backend, device=device)
    p = Pass(net, e, X)
    p.complete()
    trace = p.trace(Phase("forward"))
    if show:
        net.last_trace = trace
    return trace


def run_backward(net, X, Y, lam: float = 0.0, loss: str = "auto", engine: str = "auto",
                 grad: bool = True, show: bool = False, backend: str = "numpy",
                 device=None) -> Trace:
    """Forward and backward pass: J, δ per layer and ∂J/∂w per weight, in a Trace.

    With ``grad=False`` only the forward pass and J (no δ, no gradients).
    ``show=True`` makes the Trace the one nodes show (``net.last_trace``).
    """
    lam = check_lam(lam)
    check_ready(net)
    X = inputs(net, X)
    e = make_engine(net, lam, loss, engine, shared=True, backend=backend, device=device)
    Y = targets(net, Y, X.shape[0], e.loss)
    if X.shape[0] == 0:
        raise ConfigError("cost and gradients need at least one instance, got 0")
    p = Pass(net, e, X, Y, backward=grad)
    p.complete()
    trace = p.trace(Phase("backward" if grad else "cost"), with_grad=grad)
    if show:
        net.last_trace = trace
    return trace


def forward(net, X, engine: str = "auto", show: bool = False, backend: str = "numpy",
            device=None) -> np.ndarray:
    """h_Θ(x): a(L) for each instance, (n, s_L); what nodes show is left as it was
    unless ``show=True`` (then it is this pass).

    >>> import neurograph as ng
    >>> net = ng.Network.from_thetas([[[-30.0, 20.0, 20.0]]])       # AND
    >>> h = forward(net, [[1.0, 1.0]]); net.outputs[0].z is None   # nothing shown
    True
    >>> h = forward(net, [[1.0, 1.0]], show=True); net.outputs[0].z
    array([10.])
    """
    return run_forward(net, X, engine, show=show, backend=backend, device=device).a[-1]


def predict(net, X, engine: str = "auto", backend: str = "numpy", device=None) -> np.ndarray:
    """Class index per instance: argmax over outputs, or for one output a ≥ its
    activation's threshold (0.5; tanh: 0); what nodes show is left as it was."""
    return labels_of(net, forward(net, X, engine, backend=backend, device=device))


def labels_of(net, out: np.ndarray) -> np.ndarray:
    """Class index per row of outputs ``out``."""
    if out.shape[1] == 1:
        return (out[:, 0] >= net.outputs[0].activation.threshold).astype(np.intp)
    return out.argmax(axis=1)


def cost(net, X, Y, lam=0.0, loss="auto", engine="auto", backend="numpy", device=None) -> float:
    """J(Θ) of the instances; what nodes show is left as it was."""
    return run_backward(net, X, Y, lam, loss, engine, grad=False, backend=backend,
                        device=device).cost


def cost_and_gradients(net, X, Y, lam=0.0, loss="auto", engine="auto", backend="numpy",
                       device=None):
    """(J, [D(1), …, D(L−1)]) from one pass; the D(l) are views of ``D.flat`` (θ's layout).
    What nodes show is left as it was (``backward`` changes it).

    D(l) of a layer with tied links is a copy laid out like Θ(l) as ``net.theta(l)``
    shows it: each tied entry is its parameter's gradient ∂J/∂p (the sum of its
    links' terms, λ once), repeated where the parameter is, so that
    Θ(l) − αD(l) is Θ(l) one gradient step later. A link's own term is
    ``trace.link_grad(link)`` of ``net.backward``.

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
    trace = run_backward(net, X, Y, lam, loss, engine, grad=True, backend=backend, device=device)
    c = net.weights.current()
    if c is None:
        raise CompileError(
            "D(l) matrices exist only for layered networks; this one runs on the graph "
            "engine: use net.backward(X, Y) and read link.grad or trace.grad"
        )
    D = Gradients(c.views(trace.grad) if not c.filled
                  else [c.full(k, trace.grad) for k in range(len(c.shapes))])
    D.flat = trace.grad
    return trace.cost, D


def gradients(net, X, Y, lam=0.0, loss="auto", engine="auto", backend="numpy", device=None):
    """[D(1), …, D(L−1)]; what nodes show is left as it was."""
    return cost_and_gradients(net, X, Y, lam, loss, engine, backend, device)[1]


def backward(net, X, Y, lam=0.0, loss="auto", engine="auto", backend="numpy",
             device=None) -> Trace:
    """Forward and backward pass: the Trace, made the one nodes show."""
    return run_backward(net, X, Y, lam, loss, engine, show=True, backend=backend,
                        device=device)
