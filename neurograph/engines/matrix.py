"""The matrix engine: the compiled Θ(l), vectorized over units and instances.

Forward: a(1) = x, z(l+1) = Θ(l)a(l) (bias column times a_0 = 1), a(l+1) = g(z(l+1)).
Backward: δ(L) = a(L) − y, δ(l) = Θ(l)ᵀδ(l+1) .* g'(z(l)) with the bias row
dropped, Δ(l) = Σ δ(l+1)a(l)ᵀ over the batch's m instances, D(l) = Δ(l)/m; the
pass driver adds the λ term (λ/n)Θ(l) off the bias column, n the training set's size.

Instances are rows here (X is m × d), so the code reads z = a Θᵀ; the bias
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
from ..model.weights import Compiled, compile_network
from . import windows
from .base import Pool, Workspace
from .losses import L2, loss_of


def covered(c: Compiled, table=None) -> list:
    """The λ term's weights in θ's compiled layout: each Θ(l) as a block
    (start, rows, cols), its bias column left out by :class:`~.losses.L2`; a block
    with tied links as the indices of its own weights (the holes left out); and
    each shared parameter of weight links once (``table``: the tie table)."""
    out = []
    for k, (start, (r, cols)) in enumerate(zip(c.offsets, c.shapes)):
        if c.pools and c.pools[k] is not None or c.hollow[k]:
            continue  # a pooling block's links carry no weight, a hollow one's are all tied
        tie = c.ties[k] if c.ties else None
        if tie is None:
            out.append((start, r, cols))
            continue
        own = np.ones((r, cols), dtype=bool) if c.masks[k] is None else c.masks[k].copy()
        own[:, 0] = False  # the bias column: not regularized
        out.append(start + np.flatnonzero(own))
    if table is not None and len(table.p_reg):
        out.append(table.p_reg)
    return out


class MatrixEngine:
    """The compiled Θ(l) as an :class:`~neurograph.engines.base.Engine`.

    Keeps one workspace of arrays per batch size; a workspace is reused only
    when nothing outside (a kept Step's Trace) holds any of its arrays.
    """

    kind = "matrix"

    def __init__(self, net, lam: float, loss: str):
        self.c = compile_network(net)
        self.L = len(self.c.s)
        self.loss = loss
        self.out_loss = loss_of(loss, self.c.activations[-1])
        # shared weights: each tied link's own term a·δ, summed into its parameter at finish
        self.table = ties(net) if self.c.tied else None
        self.reg = L2(lam, covered(self.c, self.table))  # each parameter once
        self.theta = self.c.theta
        self.grad = np.zeros_like(self.theta)
        self.D = self.c.views(self.grad)  # D(l) as views of grad
        self.pool = Pool(lambda m: MatrixWorkspace(self.c, m))
        self.work: MatrixWorkspace | None = None
        self.silent = net.silenced  # a lesion's units: live {layer index: positions}
        self.terms = np.zeros(0 if self.table is None else self.table.n_slots, self.theta.dtype)
        # conv and pool blocks: products over gathered windows (None: the dense Θ(l))
        self.windows = windows.tables(net, self.c)

    def start(self, X: np.ndarray) -> None:
        self.work = self.pool.get(X.shape[0])
        cols = self.silent.get(0)
        if cols is not None:
            X = X.copy()
            X[:, cols] = 0.0
        self.work.a[0] = X

    def forward_layer(self, l: int) -> None:
        t, w = self.windows[l - 1], self.work
        if t is None:
            forward_layer(self.c, l, w)
        else:
            windows.forward(t, self.theta, w.a[l - 1], w.z[l], w, l)
            self.c.activations[l - 1].apply_into(w.z[l], w.a[l], w.tmp[l])
        cols = self.silent.get(l)
        if cols is not None:
            self.work.a[l][:, cols] = 0.0

    @property
    def lam(self) -> float:
        return self.reg.lam

    def summed_cost(self, Y) -> float:
        w = self.work
        return self.out_loss.total(w.z[-1], w.a[-1], Y, w.tmp[-1], w.tmp2)

    def output_delta(self, Y) -> None:
        w = self.work
        self.out_loss.delta(self.c.activations[-1], w.z[-1], w.a[-1], Y, w.delta[-1], w.tmp[-1])

    def backward_layer(self, l: int) -> None:
        t, w = self.windows[l - 1], self.work
        if t is None:
            backward_layer(self.c, l, w, self.D, self.terms)
        else:
            blame = windows.backward(t, self.theta, w.delta[l], self.D[l - 1], self.terms, w, l)
            if blame is not None:
                d = w.delta[l - 1]
                self.c.activations[l - 2].backprop_into(w.z[l - 1], w.a[l - 1], blame, d,
                                                        w.tmp[l - 1])
        cols = self.silent.get(l - 1) if l > 1 else None
        if cols is not None:  # a silenced unit's a is constant: δ = 0
            self.work.delta[l - 1][:, cols] = 0.0

    def finish(self) -> None:
        # each Δ(l)/m was completed by its backward_layer; a parameter's entry is the sum
        # of its links' terms (its λ term, once, is the pass driver's: ``reg``)
        if self.table is not None:
            self.table.sum_terms(self.terms, self.grad)

    def views(self):
        w = self.work
        return w.z, w.a, w.delta


class MatrixWorkspace(Workspace):
    """z, a, δ per layer and scratch for one batch size (see base.Workspace)."""

    def __init__(self, c: Compiled, m: int):
        dt = c.theta.dtype
        shapes = [None] + [(m, k) for k in c.s[1:]]
        self.m = m
        self.z = [None if s is None else np.empty(s, dt) for s in shapes]
        self.a = [None if s is None else np.empty(s, dt) for s in shapes]
        self.delta = [None if s is None else np.empty(s, dt) for s in shapes]
        self.tmp = [None if s is None else np.empty(s, dt) for s in shapes]
        self.tmp2 = np.empty(shapes[-1], dt)
        self.ones = np.ones(m, dt)  # Σ over instances as one BLAS call: 1ᵀδ
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


def backward_layer(c: Compiled, l: int, work: MatrixWorkspace, D: list,
                   terms: np.ndarray | None = None) -> None:
    """Fill D(l) with Δ(l)/m from δ(l+1) (the λ term is the pass driver's), then
    δ(l) into the workspace (none for l = 1: inputs). A tied link's own term goes
    into ``terms`` (its slot); its parameter's entry is summed at finish."""
    delta_next = work.delta[l]
    m = delta_next.shape[0]
    T = c.thetas[l - 1]  # the block: a tied link's place in it is a hole (0)
    # a hollow block has no room in grad: Δ(l)/m is made only for its links' terms
    Dl = np.empty(T.shape, T.dtype) if c.hollow[l - 1] else D[l - 1]
    np.matmul(delta_next.T, work.a[l - 1], out=Dl[:, 1:])
    Dl[:, 0] = work.ones @ delta_next
    Dl *= 1.0 / m
    tie = c.ties[l - 1] if c.ties else None
    if tie is not None:
        terms[tie.slots] = Dl.ravel()[tie.pos]
        T = c.full(l - 1)  # δ(l) flows back through the tied weights too
    mask = c.masks[l - 1]  # also zeroes the tied links' places: their sum is the parameter's
    if mask is not None and not c.hollow[l - 1]:
        Dl *= mask  # missing links are fixed zeros: no gradient, no update
    if l > 1:
        d = work.delta[l - 1]
        np.matmul(delta_next, T[:, 1:], out=d)
        c.activations[l - 2].backprop_into(work.z[l - 1], work.a[l - 1], d, d, work.tmp[l - 1])


def gradients_loop(c: Compiled, X: np.ndarray, Y: np.ndarray, lam: float = 0.0,
                   loss: str = "cross_entropy") -> list:
    """D(l) by the slide's loop: one training instance at a time, accumulating Δ.

    Slow and for checking only: a(1) = x with a_0 = 1 prepended, Δ(l) += δ(l+1)a(l)ᵀ,
    D(l) = Δ(l)/n + (λ/n)Θ(l) for j ≠ 0. δ(L) and the λ term are the loss's and
    :class:`~.losses.L2`'s, as in every pass.
    """
    n = X.shape[0]
    out = loss_of(loss, c.activations[-1])
    grad = np.zeros_like(c.theta)
    Delta = c.views(grad)
    for i in range(n):
        a_list = [np.concatenate(([1.0], X[i]))]
        z_list = [None]
        for l, T in enumerate(c.thetas, start=1):
            z = T @ a_list[-1]
            a = c.activations[l - 1].g(z[None, :])[0]
            z_list.append(z)
            a_list.append(np.concatenate(([1.0], a)) if l < len(c.thetas) else a)
        delta = out.delta(c.activations[-1], z_list[-1][None, :], a_list[-1][None, :],
                          Y[i][None, :])[0]
        for l in range(len(c.thetas), 0, -1):
            Delta[l - 1] += np.outer(delta, a_list[l - 1])
            if l > 1:
                T = c.thetas[l - 1]
                a_prev = a_list[l - 1][1:]
                g = c.activations[l - 2].dg(z_list[l - 1], a_prev)
                delta = (T.T @ delta)[1:] * g
    grad /= n
    L2(lam, covered(c)).add_grad(c.theta, grad, n)
    return [Dl if m is None else Dl * m for Dl, m in zip(Delta, c.masks)]
