"""The graph engine: any feed-forward DAG, node by node, vectorized over instances.

Layers (given or inferred) are a topological order: every link goes to a
later layer, so walking layers forward visits each node after all its
sources, and backward after all the nodes it feeds. Each node computes its z
(weighted sum of its sources' a plus its bias weight) and a for the whole
batch at once; going back, each node j pushes its blame shares w_ij·δ_j onto
its sources and takes its link gradients a_i·δ_j. Skip connections and
partial connectivity need nothing special.

>>> import neurograph as ng
>>> net = ng.Network()
>>> x = net.add_input("x"); h = net.add_node("h"); o = net.add_node("o")
>>> _ = net.connect(x, h, 1.0); _ = net.connect(h, o, 1.0); _ = net.connect(x, o, -1.0)
>>> net.forward([[0.0]], engine="graph").round(4)      # g(0.5·1 − 0) with a skip
array([[0.6225]])
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

from ..model.parameters import registry, ties
from . import windows
from .base import Pool, Workspace
from .losses import L2, loss_of


@dataclass(eq=False)
class NodePlan:
    """A unit with another input function (radial basis …), run on its own."""

    col: int
    src: object  # slice or index array of source columns
    w_idx: np.ndarray  # store indices of the incoming (non-bias) links
    b_idx: int  # store index of the bias link
    fn: object  # the InputFunction
    tied: tuple | None = None  # (positions in w_idx, slots) of links sharing a parameter
    b_slot: int = -1  # the bias link's slot when it shares one


@dataclass(eq=False)
class Block:
    """The weighted-sum units of one layer as one product, z = a(src) W + b: the
    layer's Θ as the graph has it, with zeros where a link is missing and the
    skip links from earlier layers as more rows."""

    cols: object  # the units' columns (slice or index array)
    src: object  # every column any of them reads (slice or index array)
    w_idx: np.ndarray  # (len(src), units) store indices (0 where no link)
    mask: np.ndarray | None  # True where a link exists; None when every one does
    b_idx: np.ndarray  # store index of each unit's bias link
    # the sources as (columns, rows of W) pieces: the longest contiguous run of
    # columns as a slice (the layer before, read in place) and the skip links' columns
    parts: tuple
    blamed: tuple  # the pieces that take blame (input columns dropped)
    # with a mask: flat positions in W of the links and of the holes, and the links'
    # store indices in that order (fixed per plan, so no boolean indexing per pass)
    linked: np.ndarray | None = None
    holes: np.ndarray | None = None
    w_linked: np.ndarray | None = None
    # links sharing a parameter: (flat positions in W, slots), (units, slots) of bias links
    tied_w: tuple | None = None
    tied_b: tuple | None = None

    def __post_init__(self):
        if self.mask is not None:
            flat = self.mask.ravel()
            self.linked, self.holes = np.flatnonzero(flat), np.flatnonzero(~flat)
            self.w_linked = self.w_idx.ravel()[self.linked]


def _pieces(src: np.ndarray, n_inputs: int) -> tuple[tuple, tuple]:
    """(parts, blamed) of a block reading the sorted columns ``src``; none when its
    units read no column (each has only its bias link: z = θ0)."""
    if not len(src):
        return (), ()
    breaks = np.flatnonzero(np.diff(src) != 1) + 1
    runs = np.split(np.arange(len(src)), breaks)
    best = max(runs, key=len)
    r0, r1 = int(best[0]), int(best[-1]) + 1
    rest = np.concatenate([np.arange(r0), np.arange(r1, len(src))]).astype(np.intp)
    parts = [(slice(int(src[r0]), int(src[r1 - 1]) + 1), slice(r0, r1))]
    if len(rest):
        parts.append((src[rest], rest))
    blamed = []
    for cols, rows in parts:
        if isinstance(cols, slice):
            cut = max(0, n_inputs - cols.start)  # the run's first columns may be inputs
            if cut < cols.stop - cols.start:
                blamed.append((slice(cols.start + cut, cols.stop),
                               slice(rows.start + cut, rows.stop)))
        elif (cols >= n_inputs).any():
            keep = cols >= n_inputs
            blamed.append((cols[keep], rows[keep]))
    return tuple(parts), tuple(blamed)


@dataclass(eq=False)
class LayerPlan:
    start: int
    stop: int
    block: Block | None  # the weighted-sum units
    nodes: list  # NodePlan per unit with another input function
    groups: list  # (Activation, column index array or slice) per activation
    pools: list = ()  # windows.PoolGroup: pooling units run a layer's worth at once


@dataclass(eq=False)
class Plan:
    version: int  # the network's layout version it was made at
    width: int  # total columns: all units of all layers
    layers: list  # LayerPlan per layer (index 0 = Layer 1)
    reg_idx: np.ndarray  # store indices of non-bias links (regularized)
    out_groups: list  # (Activation, columns relative to the output layer)
    inputs_later: np.ndarray  # input columns read past Layer 2 (skip links): kept in A
    table: object = None  # the TieTable when links share parameters


def _as_slice(cols: np.ndarray):
    if len(cols) and np.all(np.diff(cols) == 1):
        return slice(int(cols[0]), int(cols[-1]) + 1)
    return cols


# the engine's own cache: a plan per network, valid while its layout version holds
_PLANS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def make_plan(net) -> Plan:
    """Column and weight indices of every node (cached until the topology changes)."""
    cached = _PLANS.get(net)
    if cached is not None and cached.version == net.version:
        return cached
    layers = net.layers
    starts, k = [], 0
    for lay in layers:
        starts.append(k)
        k += lay.size
    col = {u.name: starts[lay.index - 1] + u.position for lay in layers for u in lay.nodes}
    table = ties(net) if registry(net).all else None
    slot = table.slot if table is not None else {}
    lplans, reg = [], []
    for lay in layers:
        start = starts[lay.index - 1]
        block, nplans, by_act = None, [], {}
        if lay.index > 1:
            summed = []
            for u in lay.nodes:
                links = [li for li in net.in_links(u) if not li.is_bias]
                cols = np.array([col[li.source.name] for li in links], dtype=np.intp)
                w_idx = np.array([li.index for li in links], dtype=np.intp)
                order = np.argsort(cols, kind="stable")
                cols, w_idx = cols[order], w_idx[order]
                if u.input_function.weighted:  # a pooling unit's links carry no weight
                    reg.append(w_idx)
                slots = np.array([slot.get(li, -1) for li in links], dtype=np.intp)[order]
                b_slot = slot.get(u._bias_link, -1)
                if u.input_function.name == "weighted_sum":
                    summed.append((col[u.name], cols, w_idx, u._bias_link.index, slots, b_slot))
                else:
                    at = np.flatnonzero(slots >= 0)
                    nplans.append(NodePlan(col[u.name], _as_slice(cols), w_idx,
                                           u._bias_link.index, u.input_function,
                                           (at, slots[at]) if len(at) else None, b_slot))
                by_act.setdefault(u.activation, []).append(col[u.name])
            block = _block(summed, layers[0].size) if summed else None
        groups = [(act, _as_slice(np.array(cs, dtype=np.intp))) for act, cs in by_act.items()]
        pools, nplans = windows.group_pools(nplans)
        lplans.append(LayerPlan(start, start + lay.size, block, nplans, groups, pools))
    last = lplans[-1]
    out_groups = []
    for act, cols in last.groups:
        rel = (slice(cols.start - last.start, cols.stop - last.start)
               if isinstance(cols, slice) else cols - last.start)
        out_groups.append((act, rel))
    reg_idx = np.concatenate(reg) if reg else np.zeros(0, dtype=np.intp)
    if table is not None:  # λ counts a shared parameter once
        reg_idx = np.unique(reg_idx)
    read = [np.arange(k)[src] for lp in lplans[2:]
            for src in ([lp.block.src] if lp.block else []) + [p.src for p in lp.nodes]]
    later = np.unique(np.concatenate(read)) if read else np.zeros(0, dtype=np.intp)
    plan = Plan(net.version, k, lplans, reg_idx, out_groups, later[later < lplans[0].stop],
                table)
    _PLANS[net] = plan
    return plan


def _block(summed: list, n_inputs: int) -> Block:
    src = np.unique(np.concatenate([s[1] for s in summed]))
    w_idx = np.zeros((len(src), len(summed)), dtype=np.intp)
    mask = np.zeros(w_idx.shape, dtype=bool)
    tw, tws = [], []
    for j, (_, cols, idx, _, slots, _) in enumerate(summed):
        rows = np.searchsorted(src, cols)
        w_idx[rows, j] = idx
        mask[rows, j] = True
        at = slots >= 0
        tw.append(rows[at] * len(summed) + j)
        tws.append(slots[at])
    ucols = np.array([s[0] for s in summed], dtype=np.intp)
    b_idx = np.array([s[3] for s in summed], dtype=np.intp)
    blk = Block(_as_slice(ucols), _as_slice(src), w_idx, None if mask.all() else mask, b_idx,
                *_pieces(src, n_inputs))
    tw, tws = np.concatenate(tw), np.concatenate(tws)
    if len(tw):
        blk.tied_w = (tw, tws)
    bs = np.array([s[5] for s in summed], dtype=np.intp)
    if (bs >= 0).any():
        blk.tied_b = (np.flatnonzero(bs >= 0), bs[bs >= 0])
    return blk


def block_weights(blk: Block, w: np.ndarray) -> np.ndarray:
    """W of the block from θ: (len(src), units), zeros where no link."""
    W = w[blk.w_idx]
    if blk.mask is not None:
        W.ravel()[blk.holes] = 0.0  # W is a new C-ordered array: ravel is a view
    return W


class GraphWorkspace(Workspace):
    """(m, width) arrays of every unit's z, a, δ and received blame ∂J/∂a."""

    def __init__(self, plan: Plan, m: int, dtype):
        # column-major: each unit's column, and each layer's block of columns, is one
        # contiguous piece of memory, so products and g run on it in place
        self.Z, self.A, self.delta, self.dJ_da = (np.empty((m, plan.width), dtype=dtype,
                                                           order="F") for _ in range(4))
        self.tmp = np.empty((m, max(lp.stop - lp.start for lp in plan.layers)), dtype=dtype,
                            order="F")  # scratch for g
        self.seal()

    def arrays(self):
        return [self.Z, self.A, self.delta, self.dJ_da]


def forward_layer(plan: Plan, i: int, w: np.ndarray, Z: np.ndarray, A: np.ndarray,
                  tmp: np.ndarray | None = None, S: np.ndarray | None = None):
    """Fill z and a of every unit of layer i (0-based list index; Layer i+1), reading
    the sources' a from ``S`` (default A; Layer 2 reads X itself).

    Returns the block's W (kept for the backward sweep), or None.
    """
    S = A if S is None else S
    lp = plan.layers[i]
    W = None
    blk = lp.block
    if blk is not None:
        W = block_weights(blk, w)
        sliced = isinstance(blk.cols, slice)
        z = Z[:, blk.cols] if sliced else np.empty((S.shape[0], len(blk.b_idx)), Z.dtype)
        if blk.parts:
            (run, rows), *skips = blk.parts
            np.matmul(S[:, run], W[rows], out=z)
            for cols, rows in skips:  # the few skip links: a small gather each
                z += S[:, cols] @ W[rows]
        else:  # units with only their bias link: z = θ0
            z[...] = 0.0
        z += w[blk.b_idx]
        if not sliced:
            Z[:, blk.cols] = z
    for g in lp.pools:
        windows.group_forward(g, S, Z, w)
    for p in lp.nodes:
        Z[:, p.col] = p.fn.z(S[:, p.src], w[p.w_idx], w[p.b_idx])
    for act, cols in lp.groups:
        if isinstance(cols, slice) and tmp is not None:
            act.apply_into(Z[:, cols], A[:, cols], tmp[:, : cols.stop - cols.start])
        else:
            A[:, cols] = act.g(Z[:, cols])
    return W


def summed_cost(plan: Plan, Z, A, Y, loss: str) -> float:
    """Σ over the batch's instances and the output columns of the loss's element cost."""
    last = plan.layers[-1]
    zL, aL = Z[:, last.start : last.stop], A[:, last.start : last.stop]
    return sum(loss_of(loss, act).total(zL[:, c], aL[:, c], Y[:, c])
               for act, c in plan.out_groups)


def output_deltas(plan: Plan, Z, A, Y, loss: str, dJ_da, delta) -> None:
    """δ(L) into the output columns of ``delta``; ``dJ_da`` (∂cost/∂a: the blame
    each unit receives, summed) zeroed where units will receive blame."""
    dJ_da[:, plan.layers[1].start :] = 0.0  # inputs take no blame: never read
    last = plan.layers[-1]
    sl = slice(last.start, last.stop)
    zL, aL, dL = Z[:, sl], A[:, sl], delta[:, sl]
    for act, c in plan.out_groups:
        dL[:, c] = loss_of(loss, act).delta(act, zL[:, c], aL[:, c], Y[:, c])


def links_into(plan: Plan, i: int, w, A, dJ_da, delta, grad, W=None, terms=None) -> None:
    """Σ a_i·δ_j of the links into layer i (0-based list index) into ``grad``, and
    the blame shares w_ij·δ_j (or ∂z_j/∂a_i·δ_j) onto their sources in ``dJ_da``.
    ``W`` is the block's weights as the forward sweep used them; ``A`` holds the
    sources' a (X itself for Layer 2). A link sharing a parameter puts its own term
    into ``terms`` (its slot): the parameter's entry is their sum (``finish_grad``)."""
    lp = plan.layers[i]
    blk = lp.block
    if blk is not None:
        d = delta[:, blk.cols]
        db = d.sum(axis=0)
        grad[blk.b_idx] = db
        if blk.tied_b is not None:
            terms[blk.tied_b[1]] = db[blk.tied_b[0]]
        G = np.empty(blk.w_idx.shape, dtype=d.dtype)
        for cols, rows in blk.parts:
            if isinstance(rows, slice):
                np.matmul(A[:, cols].T, d, out=G[rows])
            else:
                G[rows] = A[:, cols].T @ d
        if blk.mask is None:
            grad[blk.w_idx] = G
        else:
            grad[blk.w_linked] = G.ravel()[blk.linked]
        if blk.tied_w is not None:
            terms[blk.tied_w[1]] = G.ravel()[blk.tied_w[0]]
        if i > 1:  # inputs need no blame
            for cols, rows in blk.blamed:
                dJ_da[:, cols] += d @ W[rows].T
    for g in lp.pools:
        windows.group_backward(g, A, delta, dJ_da, grad, i > 1)
    for p in lp.nodes:
        d = delta[:, p.col]
        grad[p.b_idx] = d.sum()
        if p.b_slot >= 0:
            terms[p.b_slot] = grad[p.b_idx]
        a_in, wj = A[:, p.src], w[p.w_idx]
        gw = d @ p.fn.dz_dw(a_in, wj)
        grad[p.w_idx] = gw
        if p.tied is not None:
            terms[p.tied[1]] = gw[p.tied[0]]
        if i > 1:
            dJ_da[:, p.src] += d[:, None] * p.fn.dz_da(a_in, wj)


def delta_of(plan: Plan, i: int, Z, A, dJ_da, delta, tmp=None) -> None:
    """δ of layer i (0-based list index, a hidden layer) from the blame it received:
    δ_i = g'(z_i)·Σ_j blame_ij. Every later layer has pushed its blame by now."""
    for act, cols in plan.layers[i].groups:
        if isinstance(cols, slice) and tmp is not None:  # in place, g' in the scratch
            act.backprop_into(Z[:, cols], A[:, cols], dJ_da[:, cols], delta[:, cols],
                              tmp[:, : cols.stop - cols.start])
        else:
            delta[:, cols] = act.backprop(Z[:, cols], A[:, cols], dJ_da[:, cols])


class GraphEngine:
    """Any feed-forward DAG as an :class:`~neurograph.engines.base.Engine`: every
    unit's z, a, δ are columns of (m, width) arrays, filled layer by layer."""

    kind = "graph"

    def __init__(self, net, lam: float, loss: str):
        self.plan = make_plan(net)
        self.L = len(self.plan.layers)
        self.loss = loss
        self.reg = L2(lam, [self.plan.reg_idx])
        self.theta = net.weights.theta  # a view: updates write the links' weights
        self.grad = np.zeros_like(self.theta)
        # the constants a pooling unit's links read (they carry no weight): no gradient
        self.fixed = np.array(list(net.weights.fixed.values()), dtype=np.intp)
        self.pool = Pool(lambda m: GraphWorkspace(self.plan, m, self.theta.dtype))
        self.Z = self.A = self.dJ_da = self.delta = self.X = None
        self.has_delta = False
        self.W: list = [None] * self.L  # each layer's block weights, as this pass used them
        self.silent = net.silenced  # a lesion's units: live {layer index: positions}
        n_slots = 0 if self.plan.table is None else self.plan.table.n_slots
        self.terms = np.zeros(n_slots, self.theta.dtype)  # each tied link's own term

    def _silence(self, M: np.ndarray, i: int) -> None:
        cols = self.silent.get(i)
        if cols is not None:
            M[:, self.plan.layers[i].start + cols] = 0.0

    def start(self, X: np.ndarray) -> None:
        work = self.pool.get(X.shape[0])
        self.Z, self.A, self.delta, self.dJ_da = work.arrays()
        self.tmp = work.tmp
        cols = self.silent.get(0)
        if cols is not None:
            X = X.copy()
            X[:, cols] = 0.0
        # Layer 2 reads X where it is (copying it into column-major A is a transpose
        # of the whole batch); only the inputs a skip link reads later go into A
        self.X = X
        later = self.plan.inputs_later
        if len(later):
            self.A[:, later] = X[:, later]
        self.has_delta = False

    def forward_layer(self, l: int) -> None:
        self.W[l] = forward_layer(self.plan, l, self.theta, self.Z, self.A, self.tmp,
                                  self.X if l == 1 else None)
        self._silence(self.A, l)

    @property
    def lam(self) -> float:
        return self.reg.lam

    def summed_cost(self, Y) -> float:
        return summed_cost(self.plan, self.Z, self.A, Y, self.loss)

    def output_delta(self, Y) -> None:
        output_deltas(self.plan, self.Z, self.A, Y, self.loss, self.dJ_da, self.delta)
        self.has_delta = True
        self.grad[...] = 0.0

    def backward_layer(self, l: int) -> None:
        # the links of Θ(l) run into Layer l+1 (list index l); then δ of Layer l
        links_into(self.plan, l, self.theta, self.X if l == 1 else self.A, self.dJ_da,
                   self.delta, self.grad, self.W[l], self.terms)
        if l > 1:
            delta_of(self.plan, l - 1, self.Z, self.A, self.dJ_da, self.delta, self.tmp)
            self._silence(self.delta, l - 1)  # a silenced unit's a is constant: δ = 0

    def finish(self) -> None:
        m = self.delta.shape[0]
        self.grad *= 1.0 / m  # Σ over the batch → Δ/m
        self.grad[self.fixed] = 0.0
        t = self.plan.table
        if t is not None:  # a shared parameter's entry: the sum of its links' terms
            self.terms *= 1.0 / m
            t.sum_terms(self.terms, self.grad)

    def views(self):
        p = self.plan
        z = layer_views(p, self.Z)
        a = layer_views(p, self.A, first_none=False)
        a[0] = self.X
        d = layer_views(p, self.delta) if self.has_delta else None
        return z, a, d


def layer_views(plan: Plan, M: np.ndarray, first_none: bool = True) -> list:
    """Per-layer column views of an (m, width) array."""
    out = [M[:, lp.start : lp.stop] for lp in plan.layers]
    if first_none:
        out[0] = None
    return out
