"""Loss functions: the cost of the outputs and δ(L) = ∂cost/∂z(L).

"cross_entropy" is the lecture's J: with sigmoid outputs the binary
cross-entropy summed over the K outputs, with softmax outputs the categorical
one; both give δ(L) = a(L) − y. "mse" is ½Σ(a − y)², δ(L) = (a − y)·g'(z).
Costs are computed from z where possible (``logaddexp``), so J stays finite
when outputs saturate to exactly 0 or 1.

>>> import numpy as np
>>> from neurograph.model.activations import SIGMOID
>>> z = np.array([[1000.0, -1000.0]]); y = np.array([[0.0, 1.0]])
>>> float(output_cost("cross_entropy", SIGMOID, z, SIGMOID.g(z), y))
2000.0
"""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError

LOSSES = ("cross_entropy", "mse")


def resolve_loss(loss: str, activations) -> str:
    """The loss to use for output activations (names); "auto" picks cross-entropy
    for sigmoid/softmax outputs and mse otherwise."""
    names = {a.name for a in activations}
    ce_ok = names <= {"sigmoid"} or names == {"softmax"}
    if loss == "auto":
        return "cross_entropy" if ce_ok else "mse"
    if loss not in LOSSES:
        raise ConfigError(f"unknown loss {loss!r}; known: auto, {', '.join(LOSSES)}")
    if loss == "cross_entropy" and not ce_ok:
        raise ConfigError(
            f"cross-entropy needs sigmoid (or all-softmax) outputs, got {sorted(names)}; "
            "use loss='mse'"
        )
    return loss


def output_cost(loss: str, act, z: np.ndarray, a: np.ndarray, y: np.ndarray) -> float:
    """Σ over instances and outputs of the per-output cost (not yet divided by n)."""
    if loss == "mse":
        d = a - y
        return 0.5 * float(np.vdot(d, d))
    if act.name == "softmax":
        zmax = z.max(axis=1, keepdims=True)
        lse = zmax + np.log(np.exp(z - zmax).sum(axis=1, keepdims=True))
        return float(-(y * (z - lse)).sum())
    # −[y log g(z) + (1−y) log(1−g(z))] = y·softplus(−z) + (1−y)·softplus(z)
    return float((y * np.logaddexp(0.0, -z) + (1.0 - y) * np.logaddexp(0.0, z)).sum())


def output_delta(loss: str, act, z: np.ndarray, a: np.ndarray, y: np.ndarray) -> np.ndarray:
    """δ(L) per instance: a − y for cross-entropy, (a − y)·g'(z) for mse."""
    if loss == "cross_entropy":
        return a - y
    return act.backprop(z, a, a - y)
