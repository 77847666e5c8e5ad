"""The cost, written once: one object per loss and one regularization term.

A loss gives, for the outputs z(L), a(L) of a batch of m instances and their
targets y: the **element cost** (each output of each instance), its **sum**
(what J averages over the batch) and **δ(L)** = ∂cost/∂z(L). The λ term,
:class:`L2`, gives λ/(2n)·ΣΘ² over the non-bias weights and its gradient
(λ/n)·Θ (bias column 0), n the training set's size. The pass driver
(:class:`neurograph.engines.sweep.Pass`) puts them together once:

    J = (1/m)·Σ element cost + λ/(2n)·ΣΘ²,    D = Δ/m + (λ/n)·Θ

"cross_entropy" is the lecture's J: with sigmoid outputs the binary
cross-entropy summed over the K outputs, with softmax outputs the categorical
one; both give δ(L) = a(L) − y. "mse" is ½Σ(a − y)², δ(L) = (a − y)·g'(z).
Cross-entropy is computed from z (softplus, log-sum-exp), so J stays finite
when outputs saturate to exactly 0 or 1.

>>> import numpy as np
>>> from neurograph.model.activations import SIGMOID
>>> z = np.array([[1000.0, -1000.0]]); y = np.array([[0.0, 1.0]])
>>> loss = loss_of("cross_entropy", SIGMOID)
>>> loss, loss.element(z, SIGMOID.g(z), y), loss.total(z, SIGMOID.g(z), y)
(CrossEntropy(sigmoid), array([[1000., 1000.]]), 2000.0)
"""

from __future__ import annotations

import numpy as np

from ..data.values import real_number
from ..errors import ConfigError

LOSSES = ("cross_entropy", "mse")


def check_lam(lam) -> float:
    """λ as a float: the one check every λ passes (net.cost, gradients, backward,
    gradcheck, explain, Trainer, lesion_study: each engine's :class:`L2` is made with
    a checked λ).

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


class Loss:
    """One loss: the element cost, its sum, and δ(L). ``name`` is what users pass
    (``loss="mse"``) and what a Trace records.

    Arrays are (m, outputs); ``tmp``, ``tmp2`` are optional scratch arrays shaped
    like z, so the engines' hot path allocates nothing.
    """

    name = ""

    def element(self, z: np.ndarray, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The cost of each output of each instance: the terms J sums."""
        return self._element(z, a, y, np.empty_like(z), np.empty_like(z))

    def total(self, z: np.ndarray, a: np.ndarray, y: np.ndarray,
              tmp: np.ndarray | None = None, tmp2: np.ndarray | None = None) -> float:
        """Σ over instances and outputs of :meth:`element` (not yet divided by m)."""
        tmp = np.empty_like(z) if tmp is None else tmp
        tmp2 = np.empty_like(z) if tmp2 is None else tmp2
        return float(self._element(z, a, y, tmp, tmp2).sum())

    def delta(self, act, z: np.ndarray, a: np.ndarray, y: np.ndarray,
              out: np.ndarray | None = None, tmp: np.ndarray | None = None) -> np.ndarray:
        """δ(L) = ∂cost/∂z(L) per instance, into ``out`` (the output units' activation
        ``act`` is read by losses whose δ has g'(z) in it)."""
        return np.subtract(a, y, out=out)  # a − y: each cross-entropy with its own g

    def _element(self, z, a, y, tmp, tmp2) -> np.ndarray:  # the formula, into tmp
        raise NotImplementedError

    def __repr__(self) -> str:
        return type(self).__name__


class SquaredError(Loss):
    """½(a − y)² per output; δ(L) = (a − y)·g'(z)."""

    name = "mse"

    def _element(self, z, a, y, tmp, tmp2):
        np.subtract(a, y, out=tmp)
        np.multiply(tmp, tmp, out=tmp)
        tmp *= 0.5
        return tmp

    def total(self, z, a, y, tmp=None, tmp2=None) -> float:
        d = a - y  # ½·(a − y)·(a − y) as one dot product: no array of squares
        return 0.5 * float(np.vdot(d, d))

    def delta(self, act, z, a, y, out=None, tmp=None):
        out = np.subtract(a, y, out=out)
        act.backprop_into(z, a, out, out, np.empty_like(z) if tmp is None else tmp)
        return out


class CrossEntropy(Loss):
    """−[y·log g(z) + (1 − y)·log(1 − g(z))] per output, for sigmoid outputs.

    Written from z: softplus(z) − y·z = max(z, 0) − y·z + log(1 + e^−|z|), exact
    for 0/1 labels and finite at any finite z (the naive form is log 0 = −inf
    once g(z) rounds to 1).
    """

    name = "cross_entropy"

    def _element(self, z, a, y, tmp, tmp2):
        np.abs(z, out=tmp)
        np.negative(tmp, out=tmp)
        np.exp(tmp, out=tmp)
        np.log1p(tmp, out=tmp)
        np.maximum(z, 0.0, out=tmp2)
        tmp += tmp2
        np.multiply(y, z, out=tmp2)
        tmp -= tmp2
        return tmp

    def __repr__(self) -> str:
        return "CrossEntropy(sigmoid)"


class SoftmaxCrossEntropy(Loss):
    """−Σ_k y_k·log a_k per instance (each output's term −y_k·log a_k), for softmax
    outputs; log a_k = z_k − log Σ_j e^z_j by log-sum-exp (no overflow)."""

    name = "cross_entropy"

    def _element(self, z, a, y, tmp, tmp2):
        zmax = z.max(axis=1, keepdims=True)
        np.subtract(z, zmax, out=tmp)
        np.exp(tmp, out=tmp)
        lse = zmax + np.log(tmp.sum(axis=1, keepdims=True))
        np.subtract(z, lse, out=tmp)
        np.multiply(y, tmp, out=tmp)
        np.negative(tmp, out=tmp)
        return tmp

    def __repr__(self) -> str:
        return "CrossEntropy(softmax)"


MSE, CROSS_ENTROPY, SOFTMAX_CROSS_ENTROPY = SquaredError(), CrossEntropy(), SoftmaxCrossEntropy()


def loss_of(name: str, act) -> Loss:
    """The loss object for a (resolved) loss name and the output units' activation.

    >>> from neurograph.model.activations import get_activation
    >>> loss_of("cross_entropy", get_activation("softmax")), loss_of("mse", get_activation("tanh"))
    (CrossEntropy(softmax), SquaredError)
    """
    if name == "mse":
        return MSE
    if name == "cross_entropy":
        return SOFTMAX_CROSS_ENTROPY if act.layerwise else CROSS_ENTROPY
    raise ConfigError(f"unknown loss {name!r}; known: {', '.join(LOSSES)}")


class L2:
    """The regularization term λ/(2n)·Σθ² over the weights it covers (the non-bias
    ones) and its gradient (λ/n)·θ there, 0 on bias weights; n is the whole training
    set's size, also when the pass is one batch of it.

    ``covered`` says which entries of a θ-shaped vector are covered: blocks
    ``(start, rows, cols)`` (a row-major Θ(l) unrolled at ``start``, bias column
    first, so its covered part is a view) or an index array.

    >>> import numpy as np
    >>> theta = np.array([0.5, 1.0, 2.0, -0.1, 3.0, 4.0])    # Θ = [[.5, 1, 2], [-.1, 3, 4]]
    >>> reg = L2(2.0, [(0, 2, 3)])
    >>> reg.squares(theta), reg.cost(theta, n=10)             # 1 + 4 + 9 + 16; 2/(2·10)·30
    (30.0, 3.0)
    >>> grad = np.zeros(6); reg.add_grad(theta, grad, n=10); grad   # (2/10)·Θ, bias column 0
    array([0. , 0.2, 0.4, 0. , 0.6, 0.8])
    """

    def __init__(self, lam, covered):
        self.lam = check_lam(lam)
        self.covered = covered

    @staticmethod
    def _pick(v: np.ndarray, c) -> np.ndarray:
        if isinstance(c, tuple):  # a block: the view of its non-bias columns
            start, rows, cols = c
            return v[start:start + rows * cols].reshape(rows, cols)[:, 1:]
        return v[c]  # an index array: a copy

    def squares(self, theta: np.ndarray) -> float:
        """Σθ² over the covered weights."""
        total = 0.0
        for c in self.covered:
            w = self._pick(theta, c)
            total += float(np.vdot(w, w))
        return total

    def cost(self, theta: np.ndarray, n: int) -> float:
        """λ/(2n)·Σθ² (0.0 when λ = 0, without reading θ)."""
        if not self.lam:
            return 0.0
        return self.lam / (2.0 * n) * self.squares(theta)

    def add_grad(self, theta: np.ndarray, grad: np.ndarray, n: int) -> None:
        """grad += (λ/n)·θ on the covered weights, in place."""
        if not self.lam:
            return
        k = self.lam / n
        for c in self.covered:
            if isinstance(c, tuple):
                g = self._pick(grad, c)  # a view: += writes grad
                g += k * self._pick(theta, c)
            else:
                grad[c] += k * theta[c]

    def __repr__(self) -> str:
        return f"L2(λ={self.lam:g})"
