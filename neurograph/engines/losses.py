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

from ..data.values import real_number
from ..errors import ConfigError

LOSSES = ("cross_entropy", "mse")


def check_lam(lam) -> float:
    """λ as a float: the one check every λ passes (net.cost, gradients, backward,
    gradcheck, explain, Trainer, lesion_study: each engine is made with a checked λ).

    >>> check_lam(-1)
    Traceback (most recent call last):
    ...
    neurograph.errors.ConfigError: lam (λ) must be a finite number ≥ 0, got -1
    """
    return real_number("lam (λ)", lam, low=0.0)


def resolve_loss(loss: str, activations) -> str:
    """The loss to use for output activations; "auto" picks each activation's natural
    loss (cross-entropy for sigmoid or all-softmax outputs, mse otherwise)."""
    acts = set(activations)
    names = {a.name for a in acts}
    # one kind of cross-entropy output: all elementwise (sigmoid) or all one softmax
    ce_ok = all(a.natural_loss == "cross_entropy" for a in acts) and \
        len({a.layerwise for a in acts}) <= 1 and (len(names) == 1 or not any(
            a.layerwise for a in acts))
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


def output_cost(loss: str, act, z: np.ndarray, a: np.ndarray, y: np.ndarray,
                tmp: np.ndarray | None = None, tmp2: np.ndarray | None = None) -> float:
    """Σ over instances and outputs of the per-output cost (not yet divided by n).

    ``tmp``, ``tmp2`` are optional scratch arrays shaped like z (no allocation).
    """
    if loss == "mse":
        d = a - y
        return 0.5 * float(np.vdot(d, d))
    if act.layerwise:  # softmax: −Σ y·log a, from z by log-sum-exp
        zmax = z.max(axis=1, keepdims=True)
        lse = zmax + np.log(np.exp(z - zmax).sum(axis=1, keepdims=True))
        return float(-(y * (z - lse)).sum())
    # −[y log g(z) + (1−y) log(1−g(z))] = softplus(z) − y·z
    #   = max(z, 0) − y·z + log(1 + e^−|z|): exact for 0/1 labels, finite at any z.
    tmp = np.empty_like(z) if tmp is None else tmp
    tmp2 = np.empty_like(z) if tmp2 is None else tmp2
    np.abs(z, out=tmp)
    np.negative(tmp, out=tmp)
    np.exp(tmp, out=tmp)
    np.log1p(tmp, out=tmp)
    np.maximum(z, 0.0, out=tmp2)
    tmp += tmp2
    np.multiply(y, z, out=tmp2)
    tmp -= tmp2
    return float(tmp.sum())


def output_delta(loss: str, act, z: np.ndarray, a: np.ndarray, y: np.ndarray,
                 out: np.ndarray | None = None, tmp: np.ndarray | None = None) -> np.ndarray:
    """δ(L) per instance: a − y for cross-entropy, (a − y)·g'(z) for mse."""
    out = np.subtract(a, y, out=out)
    if loss != "cross_entropy":
        act.backprop_into(z, a, out, out, np.empty_like(z) if tmp is None else tmp)
    return out
