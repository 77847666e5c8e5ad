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

from ..model.parameters import ties
from ..model.weights import Compiled, compile_network, split
from .base import Pool, Workspace
from .losses import output_cost, output_delta


class MatrixEngine:
    """The compiled Θ(l) as an :class:`~neurograph.engines.base.Engine`.

    Keeps one workspace of arrays per batch size; a workspace is reused only
    when nothing outside (a kept Step's Trace) holds any of its arrays.
    """

    kind = "matrix"

    def __init__(self, net, lam: float, loss: str):
        self.c = compile_network(net)
        self.L = len(self.c.s)
        self.lam, self.loss = float(lam), loss
        self.theta = self.c.theta
        self.grad = np.zeros_like(self.theta)
        self.D = split(self.grad, self.c.shapes)  # D(l) as views of grad
        self.pool = Pool(lambda n: MatrixWorkspace(self.c, n))
        self.work: MatrixWorkspace | None = None
        self.silent = net.silenced  # a lesion's units: live {layer index: positions}
        # shared weights: each tied link's own term a·δ, summed into its parameter at finish
        self.table = ties(net) if self.c.tied else None
        self.terms = np.zeros(0 if self.table is None else self.table.n_slots, self.theta.dtype)

    def start(self, X: np.ndarray) -> None:
        self.work = self.pool.get(X.shape[0])
        cols = self.silent.get(0)
        if cols is not None:
            X = X.copy()
            X[:, cols] = 0.0
        self.work.a[0] = X

    def forward_layer(self, l: int) -> None:
        forward_layer(self.c, l, self.work)
        cols = self.silent.get(l)
        if cols is not None:
            self.work.a[l][:, cols] = 0.0

    def cost(self, Y, n_reg: int | None = None) -> float:
        w = self.work
        J = cost(self.c, w.z, w.a, Y, self.lam, self.loss, w, n_reg)
        if self.lam and self.table is not None:  # each parameter once
            p = self.theta[self.table.p_reg]
            J += self.lam / (2.0 * (Y.shape[0] if n_reg is None else n_reg)) * float(p @ p)
        return J

    def output_delta(self, Y) -> None:
        output_layer_delta(self.c, self.work, Y, self.loss)

    def backward_layer(self, l: int, n_reg: int | None = None) -> None:
        backward_layer(self.c, l, self.work, self.D, self.lam, n_reg, self.terms)
        cols = self.silent.get(l - 1) if l > 1 else None
        if cols is not None:  # a silenced unit's a is constant: δ = 0
            self.work.delta[l - 1][:, cols] = 0.0

    def finish(self, n_reg: int | None = None) -> None:
        # each D(l) was completed by its backward_layer; a parameter's ∂J/∂p is the sum
        # of its links' terms, plus λ/n·p once
        t = self.table
        if t is not None:
            t.sum_terms(self.terms, self.grad)
            if self.lam:
                n = self.work.n if n_reg is None else n_reg
                self.grad[t.p_reg] += (self.lam / n) * self.theta[t.p_reg]

    def views(self):
        w = self.work
        return w.z, w.a, w.delta


class MatrixWorkspace(Workspace):
    """z, a, δ per layer and scratch for one batch size (see base.Workspace)."""

    def __init__(self, c: Compiled, n: int):
        dt = c.theta.dtype
        shapes = [None] + [(n, k) for k in c.s[1:]]
        self.n = n
        self.z = [None if s is None else np.empty(s, dt) for s in shapes]
        self.a = [None if s is None else np.empty(s, dt) for s in shapes]
        self.delta = [None if s is None else np.empty(s, dt) for s in shapes]
        self.tmp = [None if s is None else np.empty(s, dt) for s in shapes]
        self.tmp2 = np.empty(shapes[-1], dt)
        self.ones = np.ones(n, dt)  # Σ over instances as one BLAS call: 1ᵀδ
        self.seal()

    def arrays(self):
        return [x for xs in (self.z[1:], self.a[1:], self.delta[1:]) for x in xs]


def forward_layer(c: Compiled, l: int, work: MatrixWorkspace) -> None:
    """z(l+1), a(l+1) from a(l) into the workspace; ``l`` is 1-based (uses Θ(l))."""
    T = c.full(l - 1)
    z = work.z[l]
    np.matmul(work.a[l - 1], T[:, 1:].T, out=z)
    z += T[:, 0]
    c.activations[l - 1].apply_into(z, work.a[l], work.tmp[l])


def regularization(c: Compiled, lam: float, n: int) -> float:
    """λ/(2n) Σ Θ² over all Θ(l), bias columns left out."""
    if lam == 0.0:
        return 0.0
    return lam / (2.0 * n) * sum(float(np.vdot(T[:, 1:], T[:, 1:])) for T in c.thetas)


def cost(c: Compiled, zs, acts, Y, lam: float, loss: str, work: MatrixWorkspace | None = None,
         n_reg: int | None = None) -> float:
    """J(Θ) from a forward pass's lists.

    ``n_reg`` is the n of λ/(2n): the whole training set's size when this is
    one batch of it (default: this batch's size).
    """
    n = Y.shape[0]
    scratch = (None, None) if work is None else (work.tmp[-1], work.tmp2)
    J = output_cost(loss, c.activations[-1], zs[-1], acts[-1], Y, *scratch) / n
    return J + regularization(c, lam, n if n_reg is None else n_reg)


def output_layer_delta(c: Compiled, work: MatrixWorkspace, Y, loss: str) -> None:
    """δ(L) into the workspace."""
    output_delta(loss, c.activations[-1], work.z[-1], work.a[-1], Y, work.delta[-1], work.tmp[-1])


def backward_layer(c: Compiled, l: int, work: MatrixWorkspace, D: list, lam: float,
                   n_reg: int | None = None, terms: np.ndarray | None = None) -> None:
    """Fill D(l) from δ(l+1), then δ(l) into the workspace (none for l = 1: inputs).

    D(l) = Δ(l)/m + (λ/n)Θ(l) for a batch of m out of n (``n_reg``; default m):
    every batch size steps along the gradient of the same J. A tied link's own
    term goes into ``terms`` (its slot); its parameter's entry is summed at finish.
    """
    delta_next = work.delta[l]
    n = delta_next.shape[0]
    T = c.thetas[l - 1]  # the block: a tied link's place in it is a hole (0)
    Dl = D[l - 1]
    np.matmul(delta_next.T, work.a[l - 1], out=Dl[:, 1:])
    Dl[:, 0] = work.ones @ delta_next
    Dl *= 1.0 / n
    tie = c.ties[l - 1] if c.ties else None
    if tie is not None:
        terms[tie.slots] = Dl.ravel()[tie.pos]
        T = c.full(l - 1)  # δ(l) flows back through the tied weights too
    if lam:
        Dl[:, 1:] += (lam / (n if n_reg is None else n_reg)) * T[:, 1:]
    m = c.masks[l - 1]  # also zeroes the tied links' places: λ went to their parameter
    if m is not None:
        Dl *= m  # missing links are fixed zeros: no gradient, no update
    if l > 1:
        d = work.delta[l - 1]
        np.matmul(delta_next, T[:, 1:], out=d)
        c.activations[l - 2].backprop_into(work.z[l - 1], work.a[l - 1], d, d, work.tmp[l - 1])


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
