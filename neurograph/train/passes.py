"""One training pass over a batch, layer by layer, on either engine.

A pass is a generator so that stepping can pause between layers; when it is
not asked to pause it never yields and costs one ``next`` call. Both engines
run the same per-layer functions as ``net.backward``, so stepping, ``fit``
and the plain passes give bit-identical numbers.
"""

from __future__ import annotations

import numpy as np

from ..compile import split
from ..engines import choose, graph, matrix
from ..engines.losses import output_delta, resolve_loss
from ..engines.trace import Trace


class Runner:
    """Runs forward/backward passes on ``net`` with a fixed loss and λ."""

    def __init__(self, net, lam: float, loss: str, engine: str = "auto"):
        self.net = net
        self.kind = choose(net, engine)
        self.lam = float(lam)
        self.loss = resolve_loss(loss, [u.activation for u in net.outputs])
        self.L = net.L
        if self.kind == "matrix":
            self.c = net._compiled
            self.flat = self.c.flat
            self.grad = np.zeros_like(self.flat)
            self.D = split(self.grad, self.c.shapes)
            self.masks = self.c.masks
        else:
            self.plan = graph.make_plan(net)
            self.flat = net._ws.w[: net._ws.n]  # a view: updates write the links' weights
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

    def _run_matrix(self, X, Y, pause):
        c, L, lam = self.c, self.L, self.lam
        zs, acts, deltas = [None] * L, [None] * L, [None] * L
        acts[0] = X
        self.state = (zs, acts, deltas)
        for l in range(1, L):
            zs[l], acts[l] = matrix.forward_layer(c, l, acts[l - 1])
            if pause:
                yield f"forward layer {l + 1}"
        J = matrix.cost(c, zs, acts, Y, lam, self.loss)
        self.J = J
        deltas[-1] = output_delta(self.loss, c.activations[-1], zs[-1], acts[-1], Y)
        if pause:
            yield f"backward layer {L}"
        for l in range(L - 1, 0, -1):
            deltas[l - 1] = matrix.backward_layer(c, l, deltas[l], zs, acts, self.D, lam)
            if pause and l > 1:
                yield f"backward layer {l}"
        return J

    def _run_graph(self, X, Y, pause):
        plan, w, L = self.plan, self.flat, self.L
        Z, A = graph.start(plan, X, w.dtype)
        self.state = (Z, A, None)
        self._done = 1
        for i in range(1, L):
            graph.forward_layer(plan, i, w, Z, A)
            self._done = i + 1
            if pause:
                yield f"forward layer {i + 1}"
        J = graph.cost(plan, w, Z, A, Y, self.lam, self.loss)
        self.J = J
        G, Dl = graph.output_deltas(plan, Z, A, Y, self.loss)
        self.state = (Z, A, Dl)
        self._back = L
        if pause:
            yield f"backward layer {L}"
        self.grad[...] = 0.0
        for i in range(L - 1, 0, -1):
            graph.backward_layer(plan, i, w, Z, A, G, Dl, self.grad)
            self._back = i
            if pause and i > 1:
                yield f"backward layer {i}"
        graph.finish_grad(plan, w, self.grad, Y.shape[0], self.lam)
        return J

    def outputs(self) -> np.ndarray:
        """a(L) of the latest pass."""
        if self.kind == "matrix":
            return self.state[1][-1]
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
        """A Trace of the pass so far (copies of the weights and gradients; the
        layer arrays are not written again, so no copy is needed)."""
        if self.kind == "matrix":
            zs, acts, deltas = (list(x) for x in self.state)
        else:
            Z, A, Dl = self.state
            zs = graph.layer_views(self.plan, Z)
            acts = graph.layer_views(self.plan, A, first_none=False)
            done = getattr(self, "_done", self.L)
            for i in range(done, self.L):
                zs[i] = acts[i] = None
            deltas = [None] * self.L
            if Dl is not None:
                dv = graph.layer_views(self.plan, Dl)
                for i in range(max(self._back - 1, 1), self.L):
                    deltas[i] = dv[i]
        if rows is not None:
            zs = [None if a is None else a[rows] for a in zs]
            acts = [None if a is None else a[rows] for a in acts]
            deltas = [None if a is None else a[rows] for a in deltas]
        if all(d is None for d in deltas):
            deltas = None
        grad = self.grad.copy() if with_grad else None
        return Trace(self.net._topo, zs, acts, self.flat.copy(), deltas, grad, cost, self.lam,
                     self.loss, self.kind, phase)
