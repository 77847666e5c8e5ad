"""One training pass over a batch, layer by layer, on either engine.

A pass is a generator so that stepping can pause between layers; when it is
not asked to pause it never yields and costs one ``next`` call. Both engines
run the same per-layer functions as ``net.backward``, so stepping, ``fit``
and the plain passes give bit-identical numbers.
"""

from __future__ import annotations

import numpy as np

from ..engines import choose, graph, matrix
from ..engines.losses import resolve_loss
from ..engines.trace import Trace
from ..model.weights import split


class Runner:
    """Runs forward/backward passes on ``net`` with a fixed loss and λ."""

    def __init__(self, net, lam: float, loss: str, engine: str = "auto",
                 n_reg: int | None = None):
        self.net = net
        self.n_reg = n_reg  # the n of λ/n: the whole training set, whatever the batch
        self.kind = choose(net, engine)
        self.lam = float(lam)
        self.loss = resolve_loss(loss, [u.activation for u in net.outputs])
        self.L = net.L
        if self.kind == "matrix":
            self.c = net.weights.current()
            self.flat = self.c.theta
            self.grad = np.zeros_like(self.flat)
            self.D = split(self.grad, self.c.shapes)
            self._pools: dict[int, list] = {}  # batch size → workspaces
        else:
            self.plan = graph.make_plan(net)
            self.flat = net.weights.theta  # a view: updates write the links' weights
            self.grad = np.zeros_like(self.flat)
        self.state = None  # (zs, acts, deltas) of the latest pass

    # --- passes ---------------------------------------------------------------------
    def run(self, X, Y, pause: bool = False):
        """Generator: forward, J, backward; yields phase names when ``pause``.

        Returns J (as the StopIteration value); fills ``self.grad`` and ``self.state``.
        """
        if self.kind == "matrix":
            return (yield from self._run_matrix(X, Y, pause))
        return (yield from self._run_graph(X, Y, pause))

    def _workspace(self, n: int):
        # A Step's Trace shares the arrays of the pass that made it (no copy). A
        # workspace is reused only once nothing outside holds any of its arrays.
        pool = self._pools.setdefault(n, [])
        for ws in pool:
            if ws.free():
                return ws
        ws = matrix.Workspace(self.c, n)
        pool.append(ws)
        return ws

    def _run_matrix(self, X, Y, pause):
        c, L, lam = self.c, self.L, self.lam
        ws = self._workspace(X.shape[0])
        ws.a[0] = X
        self.state = ws
        self._done, self._back = 1, L + 1
        for l in range(1, L):
            matrix.forward_layer(c, l, ws)
            self._done = l + 1
            if pause:
                yield f"forward layer {l + 1}"
        J = matrix.cost(c, ws.z, ws.a, Y, lam, self.loss, ws, self.n_reg)
        self.J = J
        matrix.output_layer_delta(c, ws, Y, self.loss)
        self._back = L
        if pause:
            yield f"backward layer {L}"
        for l in range(L - 1, 0, -1):
            matrix.backward_layer(c, l, ws, self.D, lam, self.n_reg)
            self._back = max(l, 2)
            if pause and l > 1:
                yield f"backward layer {l}"
        return J

    def _run_graph(self, X, Y, pause):
        plan, w, L = self.plan, self.flat, self.L
        Z, A = graph.start(plan, X, w.dtype)
        self.state = (Z, A, None)
        self._done, self._back = 1, L + 1
        for i in range(1, L):
            graph.forward_layer(plan, i, w, Z, A)
            self._done = i + 1
            if pause:
                yield f"forward layer {i + 1}"
        J = graph.cost(plan, w, Z, A, Y, self.lam, self.loss, self.n_reg)
        self.J = J
        G, Dl = graph.output_deltas(plan, Z, A, Y, self.loss)
        self.state = (Z, A, Dl)
        self._back = L
        if pause:
            yield f"backward layer {L}"
        self.grad[...] = 0.0
        for i in range(L - 1, 0, -1):
            graph.backward_layer(plan, i, w, Z, A, G, Dl, self.grad)
            self._back = i + 1  # δ of Layer i+1 (list index i) is done
            if pause and i < L - 1:
                yield f"backward layer {i + 1}"
        graph.finish_grad(plan, w, self.grad, Y.shape[0], self.lam, self.n_reg)
        return J

    def outputs(self) -> np.ndarray:
        """a(L) of the latest pass."""
        if self.kind == "matrix":
            return self.state.a[-1]
        last = self.plan.layers[-1]
        return self.state[1][:, last.start : last.stop]

    def forward(self, X) -> np.ndarray:
        """Outputs only (validation, accuracy)."""
        if self.kind == "matrix":
            return matrix.forward(self.c, X)[1][-1]
        Z, A = graph.forward(self.plan, self.flat, X)
        last = self.plan.layers[-1]
        return A[:, last.start : last.stop]

    def cost(self, X, Y) -> float:
        if self.kind == "matrix":
            zs, acts = matrix.forward(self.c, X)
            return matrix.cost(self.c, zs, acts, Y, self.lam, self.loss)
        Z, A = graph.forward(self.plan, self.flat, X)
        return graph.cost(self.plan, self.flat, Z, A, Y, self.lam, self.loss)

    # --- what a Step shows ------------------------------------------------------------
    def trace(self, phase: str, with_grad: bool, cost=None, rows=None) -> Trace:
        """A Trace of the pass so far, sharing the pass's arrays (they are not
        written again while anything holds them); weights and gradients are copied.

        Layers not yet reached forward have z = a = None; δ exists from the
        output layer down to the layer the backward sweep has reached.
        """
        L, done, back = self.L, self._done, self._back
        if self.kind == "matrix":
            ws = self.state
            zs, acts, dl = list(ws.z), list(ws.a), list(ws.delta)
        else:
            Z, A, Dl = self.state
            zs = graph.layer_views(self.plan, Z)
            acts = graph.layer_views(self.plan, A, first_none=False)
            dl = graph.layer_views(self.plan, Dl) if Dl is not None else [None] * L
        if rows is not None:
            zs = [None if z is None else z[rows] for z in zs]
            acts = [a[rows] for a in acts]
            dl = [None if d is None else d[rows] for d in dl]
        zs = [None if (i == 0 or i >= done) else zs[i] for i in range(L)]
        acts = [None if i >= done else acts[i] for i in range(L)]
        deltas = [dl[i] if (i > 0 and i + 1 >= back) else None for i in range(L)]
        if all(d is None for d in deltas):
            deltas = None
        grad = self.grad.copy() if with_grad else None
        return Trace(self.net.version, zs, acts, self.flat.copy(), deltas, grad, cost, self.lam,
                     self.loss, self.kind, phase, owner=id(self.net))
