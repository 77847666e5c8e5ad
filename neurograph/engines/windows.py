"""Conv and pool layers on the matrix engine: products over gathered windows.

A conv layer's Θ(l) is mostly holes: each unit reads a small window of a(l)
through weights shared by every unit of its map. Multiplying by that dense
Θ(l) does the work of a dense layer; here the layer is one product instead
(im2col): the windows of a(l) are gathered by an index table into
P (m, positions, k) and z = P·W with W (k, maps) the kernels, one column per
map. Backward, each kernel entry's gradient is the sum over positions of its
links' terms a·δ (``terms``, one per link, summed by the tie table at
``finish``), and δ(l) is the windows' blame Σ_maps W·δ added back onto the
units it was gathered from (col2im). Pooling reads the same kind of table:
max takes each window's largest a (δ goes to the first winner per window and
instance, as the graph engine's ``max`` unit does), mean divides δ by the
window's size.

The tables are read off the compiled form and the links themselves, not from
how the layer was built: a block is a conv when its links are all tied, the
units of a map share one bias parameter and the weight links read one
:class:`~neurograph.model.parameters.ParameterArray` whose first axis is the
map, each kernel entry at the same place of every window. Anything else
(an edited conv, LeNet-5's subsampling) keeps the dense Θ(l) and gives the
same numbers, slower.

>>> import numpy as np, neurograph as ng
>>> net = ng.Network(seed=0)
>>> x = net.add_inputs((1, 4, 4))
>>> c = net.add_conv(x, maps=2, kernel=3, padding=1, name="c")
>>> s = net.add_pool(c, size=2, kind="max")
>>> [type(t).__name__ for t in tables(net, net.compile())[:2]]
['Conv', 'Pool']
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

from ..model.parameters import ParameterArray, ties


@dataclass(eq=False)
class Windows:
    """Which unit of a(l) sits at each place of each window: ``src`` (windows, k),
    s_l (a zero column appended to a(l)) where a window hangs over the edge."""

    src: np.ndarray
    s_in: int

    def gather(self, a: np.ndarray, out: np.ndarray, across: bool = False) -> np.ndarray:
        """The windows of ``a`` (m, s_l) as (m, windows, k), or (m, k, windows)
        ``across``, through ``out`` (m, s_l + 1): a(l) with the zero column."""
        out[:, : self.s_in] = a
        out[:, self.s_in] = 0.0
        return out[:, self.src.T if across else self.src]

    def scatter(self, d: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Σ of ``d`` (m, windows, k) onto the units each entry was gathered from:
        (m, s_l + 1), the last column (the edge) to be dropped. A unit sits at most once
        in a window, so adding one window (or one place of every window, when no
        unit repeats there) at a time adds each entry once."""
        out[...] = 0.0
        W, k = self.src.shape
        if k <= W and self.by_place:
            for j in range(k):
                out[:, self.src[:, j]] += d[:, :, j]
        else:
            for w in range(W):
                out[:, self.src[w]] += d[:, w, :]
        return out

    def __post_init__(self) -> None:
        # one place of every window reads distinct units (padding aside): that place's
        # entries can be added at once
        self.by_place = all(_distinct(self.src[:, j], self.s_in)
                            for j in range(self.src.shape[1]))


def _distinct(cols: np.ndarray, edge: int) -> bool:
    inside = cols[cols != edge]
    return len(np.unique(inside)) == len(inside)


@dataclass(eq=False)
class Conv:
    """A conv block: windows per position, kernels (k, maps) as θ indices and where
    they have links, the units' rows (maps, positions), biases and term slots."""

    win: Windows
    kidx: np.ndarray  # (k, maps) θ index of each kernel entry
    used: np.ndarray  # (k, maps) bool: the entry has links (else it is 0, held)
    rows: np.ndarray  # (maps, positions) row of Θ(l): the unit
    bidx: np.ndarray  # (maps,) θ index of each map's bias
    places: np.ndarray  # flat (positions, k, maps) places with a link ...
    slots: np.ndarray  # ... and their slots in the tie table
    bslots: np.ndarray  # (maps, positions) bias link slots

    def kernels(self, theta: np.ndarray) -> np.ndarray:
        return np.where(self.used, theta[self.kidx], 0.0)


@dataclass(eq=False)
class Pool:
    """A pool block: one window per unit, ``kind`` "max" or "mean", biases (held 0);
    ``own`` when the block has room in θ (its bias entries then get a gradient, as on
    a network built before pooling links read constants)."""

    win: Windows
    kind: str
    bidx: np.ndarray
    own: bool = True


# the tables of a compiled form (one per layout version): each trainer's engine reads them
_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def tables(net, c) -> list:
    """Per Θ(l) a :class:`Conv`, a :class:`Pool` or None (the dense product)."""
    out = _TABLES.get(c)
    if out is not None:
        return out
    out = _TABLES[c] = []
    for k in range(len(c.shapes)):
        if c.pools and c.pools[k] is not None:
            out.append(pool_table(c, k))
        elif c.ties and c.ties[k] is not None:
            out.append(conv_table(net, c, k))
        else:
            out.append(None)
    return out


def pool_table(c, k: int) -> Pool:
    """The windows of a pooling block: each unit's linked columns, in order (the
    first winner of max is the first of them, as the graph engine orders them)."""
    r, cols = c.shapes[k]
    row, src = c.windows(k)  # row by row, columns ascending
    size = np.bincount(row, minlength=r)
    if not len(size) or size.min() != size.max():  # compiling checked equal windows
        raise AssertionError("pool windows of one size expected")
    bidx = c.offsets[k] + np.arange(r) * cols
    held = c.held[k] if c.held else None
    if held is not None:  # biases read the fixed 0 (they carry no weight)
        at = held.pos % cols == 0
        bidx[held.pos[at] // cols] = held.tidx[at]
    return Pool(Windows(src.reshape(r, -1), cols - 1), c.pools[k], bidx, not c.hollow[k])


def conv_table(net, c, k: int) -> Conv | None:
    """The gathered form of tied block k, or None when its links are not a conv."""
    t = c.ties[k]
    r, cols = c.shapes[k]
    if c.masks[k] is None or c.masks[k].any():  # a link of its own: not all shared
        return None
    row, col = np.divmod(t.pos, cols)
    src = col - 1
    bias = src < 0
    if np.count_nonzero(bias) != r or len(np.unique(row[bias])) != r:
        return None
    b_of = np.empty(r, dtype=np.intp)
    b_of[row[bias]] = t.tidx[bias]
    bslot = np.empty(r, dtype=np.intp)
    bslot[row[bias]] = t.slots[bias]
    maps_b, unit_map = np.unique(b_of, return_inverse=True)  # a map: units sharing a bias
    M = len(maps_b)
    per = np.bincount(unit_map, minlength=M)
    if per.min() != per.max():
        return None
    P = int(per[0])
    rows = np.argsort(unit_map, kind="stable").reshape(M, P)  # rows of each map, in order
    pos_of = np.empty(r, dtype=np.intp)
    pos_of[rows] = np.arange(P)
    w = ~bias
    wrow, wsrc, wt, wslot = row[w], src[w], t.tidx[w], t.slots[w]
    A = _array_of(net, wt)
    if A is None or A.shape[0] != M:
        return None
    idx = A.indices.reshape(M, -1)
    K = idx.shape[1]
    place = {int(i): divmod(f, K) for f, i in enumerate(idx.ravel())}
    mk = np.array([place[int(i)] for i in wt], dtype=np.intp).reshape(-1, 2)
    m_link, k_link = mk[:, 0], mk[:, 1]
    # map m of the kernels must be the map of the units (by bias) for every link
    link_map = unit_map[wrow]
    pair = np.unique(np.stack([link_map, m_link]), axis=1)
    if pair.shape[1] != M or len(np.unique(pair[0])) != M or len(np.unique(pair[1])) != M:
        return None
    kmap = np.empty(M, dtype=np.intp)  # units' map → kernel row of A
    kmap[pair[0]] = pair[1]
    p_link = pos_of[wrow]
    gather = np.full((P, K), cols - 1, dtype=np.intp)
    gather[p_link, k_link] = wsrc
    if not np.array_equal(gather[p_link, k_link], wsrc):  # a place read from two units
        return None
    used = np.zeros((K, M), dtype=bool)
    used[k_link, link_map] = True
    inside = (gather < cols - 1).sum(axis=0)  # windows over the input at each place
    if int((inside[:, None] * used).sum()) != len(wsrc):  # a link missing somewhere
        return None
    flat = np.full(P * K * M, -1, dtype=np.intp)
    flat[(p_link * K + k_link) * M + link_map] = wslot
    at = np.flatnonzero(flat >= 0)
    return Conv(Windows(gather, cols - 1), idx[kmap].T.copy(), used, rows, b_of[rows[:, 0]],
                at, flat[at], bslot[rows])


def _array_of(net, tidx: np.ndarray) -> ParameterArray | None:
    """The one ParameterArray (2-D or more, first axis the map) every index is in."""
    first = ties(net).by_index.get(int(tidx[0])) if len(tidx) else None
    for x in net.shared.named.values():
        if isinstance(x, ParameterArray) and len(x.shape) >= 2 and first in x.params.flat:
            idx = x.indices
            return x if np.isin(tidx, idx).all() else None
    return None


def pool_blame(G: np.ndarray, d: np.ndarray, kind: str) -> np.ndarray:
    """δ of pooling units (m, units) onto their windows ``G`` (m, k, units): all of it to
    the first largest entry of each window and instance (max), or δ/k to each (mean)."""
    k = G.shape[1]
    if kind != "max":
        return np.broadcast_to(d[:, None, :] / k, G.shape)
    top = G.max(axis=1)
    dG = np.zeros_like(G)
    open_ = np.ones(d.shape, dtype=bool)  # no winner yet: ties go to the first
    for j in range(k):
        won = (G[:, j] == top) & open_
        np.multiply(d, won, out=dG[:, j])
        open_ &= ~won
    return dG


def scratch(work, l: int, shape, dtype) -> np.ndarray:
    """An array of the workspace kept for layer l's windows (made once per batch size)."""
    store = work.__dict__.setdefault("windows", {})
    a = store.get((l, shape))
    if a is None:
        a = store[(l, shape)] = np.empty(shape, dtype)
    return a


def forward(t, theta: np.ndarray, a: np.ndarray, z: np.ndarray, work, l: int) -> None:
    """z(l+1) of a conv or pool block from a(l) (``l`` 1-based, Θ(l)); the gathered
    windows stay in the workspace for the backward sweep."""
    m = a.shape[0]
    buf = scratch(work, l, (m, t.win.s_in + 1), a.dtype)
    if isinstance(t, Pool):  # (m, k, units): the reduction runs over whole rows of units
        G = work.windows[(l, "G")] = t.win.gather(a, buf, across=True)
        np.max(G, axis=1, out=z) if t.kind == "max" else np.mean(G, axis=1, out=z)
        z += theta[t.bidx]
        return
    G = work.windows[(l, "G")] = t.win.gather(a, buf)
    zz = G @ t.kernels(theta)  # (m, positions, maps): the one product
    zz += theta[t.bidx]
    z[:, t.rows] = zz.transpose(0, 2, 1)


def backward(t, theta: np.ndarray, d: np.ndarray, Dl: np.ndarray, terms: np.ndarray,
             work, l: int) -> np.ndarray | None:
    """From δ(l+1) (``d``): a pool block's bias gradient into D(l) when it has room (its
    links carry no weight: 0), a conv block's link terms into ``terms`` (D(l) stays 0: the kernels'
    gradients are the sums of their terms); returns Σ blame onto a(l) (m, s_l), or
    None for l = 1."""
    m = d.shape[0]
    G = work.windows[(l, "G")]
    if isinstance(t, Pool):
        if t.own:  # a held block's links read constants: no room, no gradient
            Dl[:, 0] = d.mean(axis=0)
        if l == 1:
            return None
        dG = pool_blame(G, d, t.kind).transpose(0, 2, 1)
    else:
        dm = np.ascontiguousarray(d[:, t.rows].transpose(0, 2, 1))  # (m, positions, maps)
        # each link's own term: the mean over instances of a·δ, per position and entry
        T = np.matmul(G.transpose(1, 2, 0), dm.transpose(1, 0, 2))
        T *= 1.0 / m
        terms[t.slots] = T.ravel()[t.places]
        terms[t.bslots] = d.mean(axis=0)[t.rows]
        if l == 1:
            return None
        dG = dm @ t.kernels(theta).T
    out = t.win.scatter(dG, scratch(work, l, (m, t.win.s_in + 1), d.dtype))
    return out[:, : t.win.s_in]


# --- the graph engine's pooling units, a layer's worth at once ----------------------------
@dataclass(eq=False)
class PoolGroup:
    """Pooling units of one layer of the graph engine with windows of one size: ``src``
    (units, k) columns of the engine's (m, width) arrays, run as one gathered max or
    mean instead of a Python call per unit."""

    cols: np.ndarray
    src: np.ndarray
    b_idx: np.ndarray
    kind: str
    by_place: bool = False

    def __post_init__(self) -> None:
        self.by_place = all(len(np.unique(c)) == len(c) for c in self.src.T)


def group_pools(nodes: list) -> tuple[list, list]:
    """(groups, the rest) of a layer's NodePlans: pooling units without shared links
    grouped by kind and window size; every other unit stays on its own."""
    by, rest = {}, []
    for p in nodes:
        src = np.arange(p.src.start, p.src.stop) if isinstance(p.src, slice) else p.src
        if p.fn.name not in ("max", "mean") or p.tied is not None or p.b_slot >= 0 \
                or not len(src):
            rest.append(p)
            continue
        by.setdefault((p.fn.name, len(src)), []).append((p.col, src, p.b_idx))
    groups = [PoolGroup(np.array([c for c, _, _ in g], dtype=np.intp),
                        np.array([s for _, s, _ in g], dtype=np.intp).reshape(len(g), k),
                        np.array([b for _, _, b in g], dtype=np.intp), kind)
              for (kind, k), g in by.items()]
    return groups, rest


def group_forward(g: PoolGroup, S: np.ndarray, Z: np.ndarray, w: np.ndarray) -> None:
    """z of the group's units from the sources' a in ``S``."""
    G = S[:, g.src.T]  # (m, k, units)
    Z[:, g.cols] = (G.max(axis=1) if g.kind == "max" else G.mean(axis=1)) + w[g.b_idx]


def group_backward(g: PoolGroup, A: np.ndarray, delta: np.ndarray, dJ_da: np.ndarray,
                   grad: np.ndarray, blame: bool) -> None:
    """The bias links' Σδ into ``grad`` (the window links carry no weight: 0) and, when
    ``blame``, δ onto the sources: the first winner's for max, δ/k each for mean."""
    d = delta[:, g.cols]
    grad[g.b_idx] = d.sum(axis=0)
    if not blame:
        return
    dG = pool_blame(A[:, g.src.T], d, g.kind)  # (m, k, units)
    if g.by_place:  # one place of every window: distinct sources, added at once
        for j in range(g.src.shape[1]):
            dJ_da[:, g.src[:, j]] += dG[:, j]
    else:
        for u in range(len(g.cols)):
            dJ_da[:, g.src[u]] += dG[:, :, u]
