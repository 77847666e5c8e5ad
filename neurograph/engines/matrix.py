"""The matrix engine: the compiled Θ(l), vectorized over units and instances.

Forward: a(1) = x, z(l+1) = Θ(l)a(l) (bias column times a_0 = 1), a(l+1) = g(z(l+1)).
Backward: δ(L) = a(L) − y, δ(l) = Θ(l)ᵀδ(l+1) .* g'(z(l)) with the bias row
dropped, Δ(l) = Σ δ(l+1)a(l)ᵀ, D(l) = Δ(l)/n + (λ/n)Θ(l) off the bias column.

Instances are rows here (X is n × d), so the code reads z = a Θᵀ; the bias
column is added as a vector rather than by stacking a column of ones onto a,
which would copy the whole batch every layer.

>>> import numpy as np, neurograph as ng
>>> net = ng.Network.from_architecture([3, 5, 3], seed=0)
>>> X = np.random.default_rng(1).normal(size=(5, 3)); y = np.array([0, 1, 2, 1, 0])
>>> D = net.gradients(X, y, lam=0.1)
>>> D_loop = gradients_loop(net.compile(), X, ng.one_hot(y, 3), lam=0.1)
>>> all(np.allclose(a, b, rtol=0, atol=1e-14) for a, b in zip(D, D_loop))
True
"""

from __future__ import annotations

import numpy as np

from ..compile import Compiled, split
from .losses import output_cost, output_delta


def forward_layer(c: Compiled, l: int, a: np.ndarray):
    """z(l+1), a(l+1) from a(l); ``l`` is 1-based (uses Θ(l))."""
    T = c.thetas[l - 1]
    z = a @ T[:, 1:].T
    z += T[:, 0]
    return z, c.activations[l - 1].g(z)


def forward(c: Compiled, X: np.ndarray):
    """Lists z, a over layers (index 0 = Layer 1; z[0] is None)."""
    zs, acts = [None], [X]
    a = X
    for l in range(1, len(c.thetas) + 1):
        z, a = forward_layer(c, l, a)
        zs.append(z)
        acts.append(a)
    return zs, acts


def regularization(c: Compiled, lam: float, n: int) -> float:
    """λ/(2n) Σ Θ² over all Θ(l), bias columns left out."""
    if lam == 0.0:
        return 0.0
    return lam / (2.0 * n) * sum(float(np.vdot(T[:, 1:], T[:, 1:])) for T in c.thetas)


def cost(c: Compiled, zs, acts, Y, lam: float, loss: str) -> float:
    """J(Θ) from a forward pass's lists."""
    n = Y.shape[0]
    J = output_cost(loss, c.activations[-1], zs[-1], acts[-1], Y) / n
    return J + regularization(c, lam, n)


def backward_layer(c: Compiled, l: int, delta_next: np.ndarray, zs, acts, D: list, lam: float):
    """Fill D(l) from δ(l+1) and return δ(l) (None for l = 1: inputs have no δ)."""
    n = delta_next.shape[0]
    T = c.thetas[l - 1]
    Dl = D[l - 1]
    a = acts[l - 1]
    np.matmul(delta_next.T, a, out=Dl[:, 1:])
    Dl[:, 0] = delta_next.sum(axis=0)
    Dl *= 1.0 / n
    if lam:
        Dl[:, 1:] += (lam / n) * T[:, 1:]
    m = c.masks[l - 1]
    if m is not None:
        Dl *= m  # missing links are fixed zeros: no gradient, no update
    if l == 1:
        return None
    grad_a = delta_next @ T[:, 1:]
    return c.activations[l - 2].backprop(zs[l - 1], acts[l - 1], grad_a)


def backward(c: Compiled, zs, acts, Y, lam: float, loss: str, Dflat: np.ndarray | None = None):
    """δ for every layer and D(l) (as views of one flat buffer) by backprop."""
    if Dflat is None:
        Dflat = np.empty_like(c.flat)
    D = split(Dflat, c.shapes)
    L = len(acts)
    deltas = [None] * L
    deltas[-1] = output_delta(loss, c.activations[-1], zs[-1], acts[-1], Y)
    for l in range(L - 1, 0, -1):
        deltas[l - 1] = backward_layer(c, l, deltas[l], zs, acts, D, lam)
    return deltas, D, Dflat


def gradients_loop(c: Compiled, X: np.ndarray, Y: np.ndarray, lam: float = 0.0) -> list:
    """D(l) by the slide's loop: one training instance at a time, accumulating Δ.

    Slow and for checking only: a(1) = x with a_0 = 1 prepended, Δ(l) += δ(l+1)a(l)ᵀ,
    D(l) = Δ(l)/n + (λ/n)Θ(l) for j ≠ 0. Sigmoid/softmax outputs with cross-entropy.
    """
    n = X.shape[0]
    Delta = [np.zeros_like(T) for T in c.thetas]
    for i in range(n):
        a_list = [np.concatenate(([1.0], X[i]))]
        z_list = [None]
        for l, T in enumerate(c.thetas, start=1):
            z = T @ a_list[-1]
            a = c.activations[l - 1].g(z[None, :])[0]
            z_list.append(z)
            a_list.append(np.concatenate(([1.0], a)) if l < len(c.thetas) else a)
        delta = a_list[-1] - Y[i]
        for l in range(len(c.thetas), 0, -1):
            Delta[l - 1] += np.outer(delta, a_list[l - 1])
            if l > 1:
                T = c.thetas[l - 1]
                a_prev = a_list[l - 1][1:]
                g = c.activations[l - 2].dg(z_list[l - 1], a_prev)
                delta = (T.T @ delta)[1:] * g
    D = []
    for T, Dl, m in zip(c.thetas, Delta, c.masks):
        Dl = Dl / n
        Dl[:, 1:] += (lam / n) * T[:, 1:]
        D.append(Dl if m is None else Dl * m)
    return D
