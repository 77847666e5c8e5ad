"""The passes a Network's methods hand their work to: plain functions of a network.

``net.forward(X)`` is ``passes.forward(net, X)``, and so on; the Network
imports this module when a method is called, so ``neurograph.model`` imports
no engine.
"""

from __future__ import annotations

from . import cost_and_gradients, run_backward, run_forward
from .trace import Trace


def forward(net, X, engine: str = "auto"):
    """h_Θ(x): a(L) for each instance, (n, s_L)."""
    return run_forward(net, X, engine).a[-1]


def predict(net, X, engine: str = "auto"):
    """Class index per instance: argmax over outputs, or a ≥ 0.5 (tanh: ≥ 0) for one."""
    import numpy as np

    out = forward(net, X, engine)
    if out.shape[1] == 1:
        thr = 0.0 if net.outputs[0].activation.name == "tanh" else 0.5
        return (out[:, 0] >= thr).astype(np.intp)
    return out.argmax(axis=1)


def cost(net, X, Y, lam=0.0, loss="auto", engine="auto") -> float:
    """J(Θ) of the instances."""
    return run_backward(net, X, Y, lam, loss, engine, grad=False).cost


def gradients(net, X, Y, lam=0.0, loss="auto", engine="auto"):
    """[D(1), …, D(L−1)]."""
    return cost_and_gradients(net, X, Y, lam, loss, engine)[1]


def backward(net, X, Y, lam=0.0, loss="auto", engine="auto") -> Trace:
    """Forward and backward pass: the Trace."""
    return run_backward(net, X, Y, lam, loss, engine)
