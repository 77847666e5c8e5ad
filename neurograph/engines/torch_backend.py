"""The matrix engine on PyTorch's kernels: ``backend="torch"``, one kernel set per run.

Every product and every element-wise pass of forward, J, backprop and the
trainer's update runs in PyTorch, so one thread pool does the work (numpy's
BLAS and PyTorch's intra-op threads in one run fight for the same cores).
The numbers are the numpy matrix engine's: the same formulas in the same order.
Shared weights too, from the numpy engine's index tables (one definition): a
tied Θ(l) reads each hole from its parameter, each tied link's own term goes
into ``terms`` and a parameter's gradient is their sum (λ once, ``covered``);
conv and pool blocks run on ``windows.tables`` (see ``torch_kernels.TorchWindows``).

One weight store. On the CPU θ, ∂J/∂θ and every workspace array are numpy
arrays that tensors share (``torch.from_numpy``, zero copy both ways): a
training step on tensors is on the links at once, ``link.weight = 5`` is read
by the next pass, and a Trace holds plain numpy arrays as on the numpy backend.
On a GPU θ has a device twin. A plain pass (``net.forward``, ``net.backward``)
sends θ when it starts; a trainer's run sends θ and momentum's v once (``keep``),
keeps every pass and update on the device, and brings them back when the user
can look (``on_host``: a yielded Step, a callback) and at its end (``let_go``).
∂J/∂θ is copied to the host when first read, a Trace's z, a, δ when the Trace is
made (``views``: a Step, ``net.backward``; a plain ``fit`` makes none). A trainer's
data is sent once per run (``hold``); each pass takes rows of it (``batch``).

>>> import numpy as np, neurograph as ng
>>> net = ng.Network.from_architecture([2, 3, 1], seed=0)
>>> X, y = np.array([[0.0, 1.0], [1.0, 1.0]]), np.array([1, 0])
>>> bool(abs(net.cost(X, y, backend="torch") - net.cost(X, y)) < 1e-12)
True
>>> k = net.tie(*[li for li in net.links if not li.is_bias][:2], name="k")
>>> t, u = net.backward(X, y, backend="torch"), net.backward(X, y)
>>> bool(abs(t.grad(k) - u.grad(k)) < 1e-12)
True
"""

from __future__ import annotations

import numpy as np

from ..model.parameters import ties
from ..model.weights import compile_network
from . import windows
from .base import Pool, Workspace
from .losses import L2
from .matrix import covered
from .torch_device import DeviceTwin
from .torch_kernels import (
    TorchActivation,
    TorchWindows,
    check_backend,
    load_torch,
    output_cost,
    output_delta,
)


class TorchEngine(DeviceTwin):
    """The compiled Θ(l) on PyTorch tensors, as an :class:`~neurograph.engines.base.Engine`.

    ``theta`` and ``grad`` are numpy arrays as on every engine (the network's
    store and ∂J/∂θ); ``descend`` and ``grad_sq`` give the trainer the update and
    ‖D‖² on the same kernels. ``host=False`` keeps a device twin of θ even on
    the CPU: the GPU's path, run where there is no GPU (for tests).
    """

    kind = "matrix"
    backend = "torch"

    def __init__(self, net, lam: float, loss: str, device=None, host: bool | None = None):
        self.torch = torch = load_torch()
        self.device = dev = check_backend("torch", device)[1]
        self.host = dev.type == "cpu" if host is None else host
        self.c = c = compile_network(net)
        self.L = len(c.s)
        self.loss = loss
        self.theta = c.theta
        self._grad = np.zeros_like(self.theta)
        self._twin_state()
        self.t_theta, self.t_grad = self.alloc(self.theta), self.alloc(self._grad)
        # Θ(l) as tensor views of θ; a hollow block (no room in θ): a zero that takes none
        self.T = c.views(self.t_theta, hole=lambda s: self.t_theta.new_zeros(()).expand(s))
        self.D = c.views(self.t_grad, hole=lambda s: self.t_grad.new_zeros(()).expand(s))
        # each Θ(l)'s and D(l)'s bias column and weights as views made once: taken per pass,
        # every slice and transpose is an aten call of its own (a step's count, profiled)
        self.parts = [(T[:, 0], T[:, 1:], T[:, 1:].t(), D[:, 0], D[:, 1:])
                      for T, D in zip(self.T, self.D)]
        # shared weights: each tied link's own term a·δ, summed into its parameter at
        # finish; the index tables are the numpy engine's (the tie table, the windows)
        self.table = table = ties(net) if c.tied else None
        self.reg = TorchL2(self, lam, covered(c, table))  # each parameter once
        self._terms = np.zeros(0 if table is None else table.n_slots, self.theta.dtype)
        self.t_terms = self.alloc(self._terms)
        if table is not None:
            self.owner, self.p_idx = self.tensor(table.owner), self.tensor(table.p_idx)
        self.ties = [None if t is None else (self.tensor(t.pos), self.tensor(t.slots),
                                             self.tensor(t.tidx))
                     for t in (c.ties or [None] * len(c.shapes))]
        self.windows = [None if t is None else TorchWindows(t, self.tensor)
                        for t in windows.tables(net, c)]
        self.full = [None] * len(c.shapes)  # a tied Θ(l) of the pass in progress
        self.masks = [None if m is None or h else self.tensor(m) for m, h in zip(c.masks, c.hollow)]
        self.g = [TorchActivation(torch, act, dev) for act in c.activations]
        self.pool = Pool(lambda n: TorchWorkspace(self, n))
        self.work: TorchWorkspace | None = None
        self.silent = net.silenced  # a lesion's units: live {layer index: positions}
        self.held = {}  # a run's data, sent once: id(X) -> (X, its tensor), Y likewise
        # id(array) -> (array, its tensor): for the next pass (``batch``), then the
        # pass in progress (``start`` takes them over: they serve that one pass only)
        self.fed, self.now = {}, {}
        self._order = (None, None)  # an epoch's order of the instances, and its tensor
        self._cols = {}  # a lesion's silenced positions as tensors, by layer
        self._frozen = (None, None)  # frozen flags sent to the device, and their tensor

    # --- a run's data: converted once, batches are rows of it ------------------------
    def hold(self, *arrays) -> None:
        """A run's data (X and Y, and a validation set's), each made a tensor once: the
        run's passes take rows of these (``batch``), so on a device nothing more is sent.
        Called at each run's start, so a change to the arrays between runs is seen."""
        self.held = {id(a): (a, self.tensor(np.ascontiguousarray(a))) for a in arrays}
        self.fed, self._order = {}, (None, None)

    def batch(self, X, Y, rows=None):
        """X[rows], Y[rows] of held arrays for the next pass (all rows: None), as host
        arrays (a Trace's a(1)); the next pass reads their tensors (``fed``): on the
        CPU the host rows' own memory, on a device rows of the held copy."""
        Xb, Yb = (X, Y) if rows is None else (X[rows], Y[rows])
        if rows is not None and not self.host:
            rows = self._rows(rows)
        self.fed = {id(b): (b, self._slice(a, b, rows)) for a, b in ((X, Xb), (Y, Yb))}
        return Xb, Yb

    def _slice(self, a, b, rows):
        held = self.held.get(id(a))
        if held is None or held[0] is not a:  # not held: made now, as a pass over any X
            return self.tensor(np.ascontiguousarray(b))
        if rows is None:
            return held[1]
        return self.torch.from_numpy(b) if self.host else held[1][rows]

    def _rows(self, rows):
        """A batch's rows as the device takes them: a slice as it is; a slice of the
        epoch's order (``loop.batch_rows``) as the same slice of the order sent once."""
        if isinstance(rows, slice):
            return rows
        order = rows.base
        if not (isinstance(order, np.ndarray) and order.ndim == 1 and rows.ndim == 1
                and rows.dtype == order.dtype and rows.strides == order.strides):
            return self.tensor(rows)
        if self._order[0] is not order:
            self._order = (order, self.tensor(order))
        start = (rows.__array_interface__["data"][0]
                 - order.__array_interface__["data"][0]) // order.itemsize
        return self._order[1][start:start + len(rows)]

    def _fed(self, arr):
        """``arr``'s tensor: the one ``batch`` made for this pass, or made now."""
        fed = self.now.get(id(arr))
        if fed is not None and fed[0] is arr:
            return fed[1]
        return self.tensor(np.ascontiguousarray(arr))

    # --- the Engine protocol ---------------------------------------------------------
    def start(self, X: np.ndarray) -> None:
        if self._seen is not None:  # a run's θ is on the device: only a user's writes
            self._refresh()
        elif not self.resident:  # θ as the links hold it now (nothing moves on the CPU)
            self.send(self.t_theta, self.theta)
        self.work = w = self.pool.get(X.shape[0])
        self.now, self.fed = self.fed, {}
        t = self._fed(X)
        cols = self.silent.get(0)
        if cols is not None:  # a copy: the held data stays as it is
            X = X.copy()
            X[:, cols] = 0.0
            t = t.index_fill(1, self._cols_of(0, cols), 0.0)
        w.a[0], w.ta[0] = X, t

    def forward_layer(self, l: int) -> None:
        if self._seen is not None:  # paused at a layer: a write there is read, as on numpy
            self._refresh()
        w, T, win = self.work, self.T[l - 1], self.windows[l - 1]
        z, a = w.tz[l], w.ta[l]
        if win is not None:
            win.forward(self.torch, self.t_theta, w.ta[l - 1], z)
        else:
            tie = self.ties[l - 1]
            if tie is not None:  # Θ(l) as the lecture writes it: each hole from its parameter
                pos, _, tidx = tie
                T = self.full[l - 1] = T.clone()
                T.view(-1).index_copy_(0, pos, self.t_theta.index_select(0, tidx))
                bias, WT = T[:, 0], T[:, 1:].t()
            else:
                bias, _, WT, _, _ = self.parts[l - 1]
            self.torch.addmm(bias, w.ta[l - 1], WT, out=z)  # the bias in the one product
        self.g[l - 1].g(z, a)
        self._silence(a, l)

    def _silence(self, arr, l: int) -> None:
        cols = self.silent.get(l)
        if cols is not None:
            arr.index_fill_(1, self._cols_of(l, cols), 0.0)

    def _cols_of(self, l: int, cols):
        """A lesion's positions in layer index ``l`` as a tensor, sent again only when
        they change (a lesion's arrays are small: comparing them is cheap)."""
        had = self._cols.get(l)
        if had is None or not np.array_equal(had[0], cols):
            had = self._cols[l] = (np.array(cols), self.tensor(np.asarray(cols)))
        return had[1]

    def targets(self, Y: np.ndarray):
        """Y as a tensor: the pass's own (``batch``), or made now."""
        return self._fed(Y)

    @property
    def lam(self) -> float:
        return self.reg.lam

    def summed_cost(self, Y) -> float:
        if self._seen is not None:  # paused after the forward sweep: λ's term reads θ next
            self._refresh()
        w = self.work
        return output_cost(self.torch, self.loss, self.c.activations[-1], w.tz[-1], w.ta[-1],
                           self.targets(Y), w.tmp[-1], w.tmp2)

    def output_delta(self, Y) -> None:
        w = self.work
        output_delta(self.loss, self.g[-1], w.tz[-1], w.ta[-1], self.targets(Y), w.td[-1],
                     self.torch)

    def backward_layer(self, l: int) -> None:
        if self._seen is not None:
            self._refresh()
        torch, w, win = self.torch, self.work, self.windows[l - 1]
        d_next, T, Dl = w.td[l], self.T[l - 1], self.D[l - 1]
        if win is not None:
            blame = win.backward(torch, self.t_theta, d_next, Dl, self.t_terms, l == 1)
            if blame is not None:
                d = w.td[l - 1]
                self.g[l - 2].backprop(w.tz[l - 1], w.ta[l - 1], blame, d)
                self._silence(d, l - 1)
            return
        n = d_next.shape[0]
        # Δ(l)/m with the 1/m inside the product (no pass of its own over D(l)); the bias
        # column 1ᵀδ/m as numpy's engine takes it (a column sum took half a matrix-vector
        # product's time); the λ term is the pass driver's (``reg``, on these tensors)
        _, W, _, Db, Dw = self.parts[l - 1]
        if self.c.hollow[l - 1]:  # no room in ∂J/∂θ: Δ(l)/m only for its links' terms
            Dl = torch.empty(Dl.shape, dtype=Dl.dtype, device=Dl.device)
            Db, Dw = Dl[:, 0], Dl[:, 1:]
        torch.addmm(Dw, w.tdT[l], w.ta[l - 1], beta=0.0, alpha=1.0 / n, out=Dw)
        torch.sum(d_next, 0, out=Db).mul_(w.inv_n)
        tie = self.ties[l - 1]
        if tie is not None:  # each tied link's own term, before the mask zeroes its place
            pos, slots, _ = tie
            self.t_terms.index_copy_(0, slots, Dl.reshape(-1).index_select(0, pos))
            T = self.full[l - 1]  # δ(l) flows back through the tied weights too
        m = self.masks[l - 1]
        if m is not None:
            Dl.mul_(m)  # missing links are fixed zeros: no gradient, no update
        if l > 1:
            d = w.td[l - 1]
            torch.mm(d_next, W if tie is None else T[:, 1:], out=d)
            self.g[l - 2].backprop(w.tz[l - 1], w.ta[l - 1], d, d)
            self._silence(d, l - 1)  # a silenced unit's a is constant: δ = 0

    def finish(self) -> None:
        if self.table is not None:  # a parameter's entry: the sum of its links' terms
            sums = self.t_terms.new_zeros(len(self.table.params))
            sums.index_add_(0, self.owner, self.t_terms)
            self.t_grad.index_copy_(0, self.p_idx, sums)
            if not self.host:
                self._stale.add("terms")
        # the pass driver hands ``grad`` to ``reg.add_grad`` next (unused there), which
        # marks ∂J/∂θ as behind on the host: until then reading it must not copy
        self._stale.discard("grad")

    def outputs(self) -> np.ndarray:
        """a(L) of the pass on the host: on a device only it is brought back (the
        trainer's accuracy count reads it after every batch; ``views`` copies all)."""
        w = self.work
        return w.a[-1] if self.host else w.ta[-1].cpu().numpy()

    def views(self):
        w = self.work
        if self.host:
            return w.z, w.a, w.delta
        host = [[None if t is None else t.cpu().numpy() for t in ts]
                for ts in (w.tz, w.ta, w.td)]
        host[1][0] = w.a[0]
        return tuple(host)

    # --- the trainer's update on the same kernels -----------------------------------
    def grad_sq(self) -> float:
        """‖∂J/∂θ‖²."""
        return float(self.torch.dot(self.t_grad, self.t_grad))

    def descend(self, theta, grad, alpha: float, frozen=None, momentum: float = 0.0,
                velocity=None) -> None:
        """``train.trainer.descend`` on this engine's θ and ∂J/∂θ (``theta`` and ``grad``
        are its own, never read: on a device that would copy them): Θ ← Θ − αD, or
        v ← μv − αD, Θ ← Θ + v; frozen entries keep still and keep no velocity. One
        pass over flat θ without momentum (``sub_(D, alpha=α)``: no scratch). In a
        run (``keep``) θ and v stay on the device; otherwise both come back."""
        torch = self.torch
        if self._seen is not None:
            self._refresh()  # a write at a layer's pause is updated, as on numpy
        g = self.t_grad
        if frozen is not None:
            frozen = self._frozen_of(frozen)
            g = torch.where(frozen, 0.0, g)
        if momentum:
            if not self.resident or self._v is None or self._v[0] is not velocity:
                self._v = (velocity, self.tensor(velocity))  # a v the run did not keep
            v = self._v[1]
            v.mul_(momentum).sub_(g, alpha=alpha)
            if frozen is not None:
                v.masked_fill_(frozen, 0.0)
            self.t_theta.add_(v)
            if not self.resident:
                self.to_host(v, velocity)
        else:
            self.t_theta.sub_(g, alpha=alpha)
        if self.resident:
            self._ahead = True
        else:
            self.to_host(self.t_theta, self.theta)

    def _frozen_of(self, frozen):
        """The frozen flags as a tensor, made again only when they change (a freeze
        between steps is seen): a read-only view is copied for PyTorch, and on a device
        each copy is sent; comparing is one cheap pass over bools."""
        had = self._frozen
        if had[0] is None or not np.array_equal(had[0], frozen):
            had = self._frozen = (frozen.copy(), self.tensor(frozen))
        return had[1]


class TorchL2(L2):
    """The λ term of :class:`~neurograph.engines.losses.L2` on the engine's tensors: the
    pass driver calls ``cost`` and ``add_grad`` as on every engine, and the work stays
    on PyTorch's kernels (and on the device)."""

    def __init__(self, engine: TorchEngine, lam, blocks):
        super().__init__(lam, blocks)
        self.e = engine
        # a block's covered part of θ and of ∂J/∂θ as views made once (its non-bias
        # columns); the covered parameters as an index tensor
        self.parts = [(self._tpick(engine.t_theta, c), self._tpick(engine.t_grad, c))
                      if isinstance(c, tuple) else engine.tensor(c) for c in blocks]

    @staticmethod
    def _tpick(v, c):
        start, rows, cols = c
        return v[start:start + rows * cols].view(rows, cols)[:, 1:]

    def cost(self, theta, n: int) -> float:
        if not self.lam:
            return 0.0
        t = self.e.t_theta
        return self.lam / (2.0 * n) * sum(
            float(self.e.torch.sum(w * w)) for w in
            (p[0] if isinstance(p, tuple) else t[p] for p in self.parts))

    def add_grad(self, theta, grad, n: int) -> None:
        k, e = self.lam / n, self.e
        if not e.host:  # ∂J/∂θ is complete on the device: the host's copy is behind
            e._stale.add("grad")
        if not self.lam:
            return
        for p in self.parts:
            if isinstance(p, tuple):
                p[1].add_(p[0], alpha=k)  # one pass: no product of its own
            else:
                e.t_grad.index_add_(0, p, e.t_theta[p], alpha=k)


class TorchWorkspace(Workspace):
    """z, a, δ per layer and scratch for one batch size, as tensors (see base.Workspace).

    On the CPU the arrays are numpy views of the tensors' memory, so a Trace holds
    plain numpy arrays and the reference counts that say whether a Trace holds one
    work as for the numpy engine. PyTorch allocates them: its 64-byte alignment
    (numpy's large arrays start 16 bytes into a page) lets the products and the
    element-wise kernels run on whole vector lanes (float32's forward product
    into numpy's memory took ~10% more CPU time, measured on this host).
    """

    def __init__(self, e: TorchEngine, n: int):
        dt, torch = e.theta.dtype, e.torch
        tdt = getattr(torch, dt.name)
        shapes = [None] + [(n, k) for k in e.c.s[1:]]
        self.n = n

        def make():
            ts = [None if s is None else torch.empty(s, dtype=tdt, device=e.device)
                  for s in shapes]
            return [None if t is None else t.numpy() for t in ts] if e.host else None, ts

        (self.z, self.tz), (self.a, self.ta), (self.delta, self.td) = make(), make(), make()
        self.tdT = [None if d is None else d.t() for d in self.td]  # δᵀ, for Δ(l)
        if self.a is None:
            self.a = [None] * len(shapes)
        self.tmp = make()[1]
        self.tmp2 = torch.empty_like(self.tmp[-1])
        # 1/m as a tensor of θ's dtype: a Python float is converted by a call of its own
        # (m = 0 is a forward pass of no instances: cost and gradients refuse it first)
        self.inv_n = torch.tensor(1.0 / max(n, 1), dtype=tdt, device=e.device)
        self.seal()

    def arrays(self):
        if self.z is None:  # device arrays: a Trace holds host copies, never these
            return []
        return [x for xs in (self.z[1:], self.a[1:], self.delta[1:]) for x in xs]
