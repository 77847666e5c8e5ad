"""The weights: one store for every link weight, and its compiled layout as Θ(l).

Before compiling, the store grows like a list as links are made, and each
Link keeps an index into it. After compiling, the store *is* θ, the unrolled
vector of Θ(1), Θ(2), …; each Θ(l) (shape s_{l+1} × (s_l + 1), bias column first) is a
view of it and each Link keeps the index of its own entry. So unrolling and
reshaping cost nothing, ``link.weight = 5`` shows in Θ, and a training update
of Θ shows on the links. Entries with no link (partial connectivity) are fixed
zeros that training keeps at zero (their ``mask`` entries are False). A block with
no weight of its own (a conv layer: every link reads a shared parameter) takes no
room in θ: its view is a read-only zero array of its shape that holds no memory,
and :meth:`Compiled.full` reads its entries from the parameters.

>>> import neurograph as ng
>>> net = ng.Network.from_architecture([3, 3, 2, 1], seed=0)
>>> c = net.compile()
>>> [t.shape for t in c.thetas], c.theta.shape
([(3, 4), (2, 4), (1, 3)], (23,))
>>> bool(np.shares_memory(c.thetas[1], net.weights.theta))
True
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from ..errors import CompileError, EmptyNetworkError, ShapeError
from . import parameters
from .activations import Activation
from .thetaview import ThetaView


class Weights:
    """One flat buffer θ holding every link weight; links keep an index into it.

    ``version`` counts layout changes: a change of topology, or a compile
    (weights move). Traces, plans and the compiled form record the version
    they were made at, and are stale once it moves on.
    """

    __slots__ = ("_buf", "_frozen", "n_frozen", "n", "dtype", "version", "compiled")

    def __init__(self, dtype):
        self.dtype = np.dtype(dtype)
        self._buf = np.zeros(16, dtype=self.dtype)
        self._frozen = np.zeros(16, dtype=bool)  # held fixed by training, aligned with θ
        self.n_frozen = 0  # kept so an update with nothing frozen pays nothing
        self.n = 0
        self.version = 0
        self.compiled: Compiled | None = None

    @property
    def theta(self) -> np.ndarray:
        """θ: every weight, as one vector (a view: writing it writes the links)."""
        return self._buf[: self.n]

    @property
    def frozen(self) -> np.ndarray:
        """True where θ's entry is frozen (training never changes it); aligned with θ.

        A read-only view: freeze with ``link.frozen`` or ``net.freeze``.

        >>> import neurograph as ng
        >>> net = ng.Network.from_architecture([2, 1], seed=0); net.freeze("bias")
        >>> net.weights.frozen.tolist()
        [True, False, False]
        """
        v = self._frozen[: self.n]
        v.flags.writeable = False
        return v

    def frozen_mask(self) -> np.ndarray | None:
        """:attr:`frozen`, or None when nothing is frozen (the common, free case)."""
        return self.frozen if self.n_frozen else None

    def is_frozen(self, i: int) -> bool:
        return bool(self._frozen[i])

    def set_frozen(self, i: int, value: bool) -> None:
        if bool(self._frozen[i]) != value:
            self._frozen[i] = value
            self.n_frozen += 1 if value else -1

    def detach(self) -> None:
        """Move θ to a new buffer and make the old one read-only: Θ views taken before
        a change of layout refuse writes instead of writing into a layout that is gone."""
        old = self._buf
        self._buf = old.copy()
        old.flags.writeable = False
        c, self.compiled = self.compiled, None
        if c is not None:  # the very arrays net.thetas and net.theta(l) handed out
            for a in (c.theta, *c.thetas, *c.handed_out):
                a.flags.writeable = False

    def get(self, i: int) -> float:
        return float(self._buf[i])

    def set(self, i: int, value: float) -> None:
        self._buf[i] = value

    def append(self, values: np.ndarray) -> int:
        """Store ``values`` at the end; return the index of the first."""
        k = len(values)
        need = self.n + k
        if need > len(self._buf):
            # A new buffer: any compiled Θ views are cut loose, as a topology change must.
            grown = np.zeros(max(need, 2 * len(self._buf)), dtype=self.dtype)
            grown[: self.n] = self._buf[: self.n]
            self._buf = grown
            fz = np.zeros(len(grown), dtype=bool)
            fz[: self.n] = self._frozen[: self.n]
            self._frozen = fz
        self._buf[self.n : need] = values
        self._frozen[self.n : need] = False
        start, self.n = self.n, need
        return start

    def layout_changed(self) -> None:
        """Links were added or moved: what was indexed by the old layout is stale.

        The next compile lays θ out anew in a new buffer, so a Θ view handed out
        now would be written in vain: the compiled form's arrays become read-only
        (:meth:`detach`), and a write through them raises.
        """
        if self.compiled is not None:
            self.detach()
        self.version += 1

    def current(self) -> Compiled | None:
        """The compiled form, if it is of the layout as it is now."""
        c = self.compiled
        return c if c is not None and c.version == self.version else None

    def copy(self, theta: np.ndarray | None = None, frozen: np.ndarray | None = None) -> Weights:
        """An independent store of these weights and frozen flags (or of ``theta`` and
        ``frozen``, laid out like θ: a lesion's intact values), with the indices
        links hold unchanged; compiled when this store is, Θ(l) views of the new θ.

        >>> import neurograph as ng
        >>> w = ng.Network.from_architecture([2, 1], seed=0).weights
        >>> c = w.copy(); c.set(0, 5.0); w.get(0) == 5.0, c.current() is None
        (False, True)
        """
        new = Weights(self.dtype)
        new._buf, new._frozen = self._buf.copy(), self._frozen.copy()
        if theta is not None:
            new._buf[: self.n], new._frozen[: self.n] = theta, frozen
        new.n, new.n_frozen = self.n, int(new._frozen[: self.n].sum())
        c = self.current()
        if c is not None:
            new.compiled = c.moved_to(new.theta, new.version)
        return new


@contextmanager
def no_gc():
    """Build many small containers without the cyclic GC rescanning the whole heap
    again and again: none of them can form garbage cycles while we build."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            # Hand what was built straight to the oldest generation (two list splices):
            # otherwise the next young collection walks every new Link and dict once
            # more, only to find them alive (0.3 s for the 795 000 links of a
            # 784-1000-10 copy). Young garbage made before is collected at the next
            # full collection instead. Skipped when the program froze objects itself.
            gc.freeze()
            gc.unfreeze()
        if was_on:
            gc.enable()


@dataclass(eq=False)
class Compiled:
    """The compiled form: θ, its layout (each Θ(l)'s shape and offset in θ) and Θ(l)
    as views of θ, masks of fixed zeros, activations.

    The layout is kept, not re-derived: anything laid out like θ (a Trace's copy of
    θ, a gradient) is cut into its Θ(l) by :meth:`views`.

    >>> import neurograph as ng
    >>> c = ng.Network.from_architecture([3, 2, 1], seed=0).compile()
    >>> c.shapes, c.offsets
    ([(2, 4), (1, 3)], [0, 8, 11])
    >>> [T.shape for T in c.views(np.arange(11.0))]
    [(2, 4), (1, 3)]
    """

    theta: np.ndarray
    shapes: list[tuple[int, int]]  # Θ(l): s_{l+1} × (s_l + 1)
    masks: list[np.ndarray | None]  # True where a link exists; None when the block is full
    s: list[int]
    activations: list[Activation]  # g of layers 2..L
    version: int
    # Θ(l) is θ[offsets[l-1]:offsets[l]]; the last is where shared parameters start (θ's end
    # when there are none)
    offsets: list[int] = field(init=False)
    thetas: list[np.ndarray] = field(init=False)  # Θ(1), Θ(2), … as views of θ
    handed_out: list = field(default_factory=list)  # [θ, Θ(1), …] as ThetaViews, once made
    # per Θ(l): its tied links (holes of the block, read from the parameters), or None
    ties: list = field(default_factory=list)
    # per Θ(l): "max" or "mean" for a layer of pooling units (its block: the windows), or None
    pools: list = field(default_factory=list)
    # per Θ(l): True when no link of it has a weight of its own (a conv layer: all tied);
    # such a block takes no room in θ, nor in anything laid out like θ
    hollow: list = field(default_factory=list)

    @property
    def tied(self) -> bool:
        """True when some Θ(l) has links that share a parameter."""
        return any(t is not None for t in self.ties)

    def full(self, k: int, theta: np.ndarray | None = None) -> np.ndarray:
        """Θ(k+1) as the lecture writes it: the block with each tied link's entry
        read from its parameter (the block itself when no link of it is tied).
        ``theta`` defaults to θ; a Trace's copy of θ gives that pass's Θ."""
        theta = self.theta if theta is None else theta
        T = self.thetas[k] if theta is self.theta else self.views(theta)[k]
        t = self.ties[k] if self.ties else None
        if t is None:
            return T
        T = T.copy()
        T.ravel()[t.pos] = theta[t.tidx]
        return T

    def __post_init__(self) -> None:
        self.shapes = [(int(r), int(c)) for r, c in self.shapes]
        self.hollow = list(self.hollow) or [False] * len(self.shapes)
        self.offsets = offsets_of(self.shapes, self.hollow)
        self.thetas = self.views(self.theta)

    def moved_to(self, theta: np.ndarray, version: int) -> Compiled:
        """This layout over another θ (a copied store's), masks copied; the tie table's
        positions hold, as the copy's links and parameters keep their θ indices."""
        masks = [None if m is None else m.copy() if m.flags.writeable else m for m in self.masks]
        return Compiled(theta, self.shapes, masks, list(self.s), list(self.activations),
                        version, ties=list(self.ties), pools=list(self.pools),
                        hollow=list(self.hollow))

    def views(self, flat, fill=0, hole=None) -> list:
        """Θ(1), Θ(2), … of ``flat``, a vector laid out like θ, as views (no copy).

        A hollow block (:attr:`hollow`) has no entries in ``flat``: its view is a
        read-only array of its shape, all ``fill``, that takes no memory (``hole(shape)``
        makes it instead, for a tensor).

        Raises ShapeError when ``flat`` is not of θ's length (shared parameters
        included: they follow the blocks).

        >>> import neurograph as ng
        >>> net = ng.Network(seed=0); x = net.add_inputs((1, 3, 3))
        >>> c = net.add_conv(x, maps=1, kernel=2); comp = net.compile()
        >>> comp.hollow, comp.theta.size, comp.views(comp.theta)[0].shape
        ([True], 5, (4, 10))
        """
        if np.shape(flat) != self.theta.shape:
            raise ShapeError(f"a vector laid out like θ has shape {self.theta.shape}, got "
                             f"{np.shape(flat)}")
        if hole is None:
            def hole(shape):  # zero strides: one number stands for the whole block
                return np.broadcast_to(np.full((), fill, dtype=flat.dtype), shape)
        return [hole(shape) if h else flat[a:b].reshape(shape)
                for a, b, shape, h in zip(self.offsets, self.offsets[1:], self.shapes,
                                          self.hollow)]

    def dense_index(self) -> np.ndarray:
        """Where each entry of θ sits in the layout that gives every block its room (the
        one checkpoints written before hollow blocks hold θ-shaped arrays in):
        ``old[dense_index()]`` is such an array in θ's layout."""
        dense = offsets_of(self.shapes)
        parts = [np.arange(dense[k], dense[k + 1]) for k, h in enumerate(self.hollow) if not h]
        parts.append(dense[-1] + np.arange(len(self.theta) - self.offsets[-1]))
        return np.concatenate(parts).astype(np.intp)

    def public(self) -> list[ThetaView]:
        """[θ, Θ(1), Θ(2), …] as the ThetaViews users get (made once: a change of
        layout makes these very arrays read-only)."""
        if not self.handed_out:
            views = [self.theta.view(ThetaView)] + [T.view(ThetaView) for T in self.thetas]
            views[0]._name = "θ"
            for k, v in enumerate(views[1:], start=1):
                v._name = f"Θ({k})"
            if not self.theta.flags.writeable:
                for v in views:
                    v.flags.writeable = False
            self.handed_out = views
        if not self.tied:
            return self.handed_out
        out = list(self.handed_out)
        for k, t in enumerate(self.ties):
            if t is not None:  # a copy: the tied entries live in their parameters
                v = self.full(k).view(ThetaView)
                v._name, v._tied = f"Θ({k + 1})", True
                v.flags.writeable = False
                out[k + 1] = v
        return out


def theta_shapes(s: list[int]) -> list[tuple[int, int]]:
    """Shapes of Θ(1)…Θ(L−1) for an architecture s: s_{l+1} × (s_l + 1)."""
    return [(s[i + 1], s[i] + 1) for i in range(len(s) - 1)]


def offsets_of(shapes: list[tuple[int, int]], hollow: list | None = None) -> list[int]:
    """Where each Θ(l) of these shapes starts in θ, and where the blocks end last; a
    ``hollow`` block takes no room.

    >>> offsets_of([(2, 4), (1, 3)]), offsets_of([(2, 4), (1, 3)], [True, False])
    ([0, 8, 11], [0, 0, 3])
    """
    out = [0]
    for k, (r, c) in enumerate(shapes):
        out.append(out[-1] + (0 if hollow and hollow[k] else r * c))
    return out


def compile_network(net) -> Compiled:
    """Compile ``net`` (cached until its topology changes) and return the compiled form.

    Raises
    ------
    CompileError
        A link that skips a layer (it names the link), a layer mixing
        activations, or a unit with another input function (a layer of pooling
        units alone compiles, with windows of one size and no shared links): run
        those with the graph engine (``engine="graph"``).
    EmptyNetworkError
        A network without inputs or without a layer after the inputs.
    """
    store = net.weights
    c = store.current()
    if c is not None:
        return c
    layers = net.layers
    if not layers[0].nodes or len(layers) < 2:
        raise EmptyNetworkError(
            f"nothing to compile: the network has {len(layers[0].nodes)} inputs and "
            f"{len(layers) - 1} layers after them (expected ≥ 1 input and ≥ 1 computing layer)"
        )
    acts, pools = [], [pool_of(lay) for lay in layers[1:]]
    for u in net.nodes:
        fn = u.input_function
        if fn is not None and fn.name != "weighted_sum" and u._layer.index >= 2 \
                and pools[u._layer.index - 2] is None:
            raise CompileError(
                f"unit {u.name!r} uses the input function {fn.name!r}; Θ holds weighted "
                "sums (and layers of pooling units alone). Run this network with the graph "
                "engine (engine='graph')."
            )
    for lay in layers[1:]:
        names = lay.activations
        if len(names) != 1:
            raise CompileError(
                f"Layer {lay.index} mixes activations {', '.join(names)}; a Θ layer has one g. "
                "Run this network with the graph engine (engine='graph')."
            )
        acts.append(lay.nodes[0].activation)
    s = [lay.size for lay in layers]
    with no_gc():  # a tuple per link
        return _compile(net, store, acts, s, theta_shapes(s), pools)


def pool_of(lay) -> str | None:
    """"max" or "mean" when every unit of the layer is a pooling unit of that kind with
    the identity activation (its block of Θ then holds the windows: 1 where a link is,
    read by index, never multiplied), else None."""
    fns = {u.input_function.name for u in lay.nodes}
    if len(fns) != 1 or lay.activations != ["linear"]:
        return None
    fn = lay.nodes[0].input_function
    return None if fn.weighted else fn.name


def _compile(net, store: Weights, acts, s, shapes, pools) -> Compiled:
    old, old_frozen = store.theta, store._frozen
    # shared parameters go after the Θ blocks; their links are holes of the blocks
    where = parameters.relocate(net, 0)
    links, tied = [], []  # (link, its place in its block, block number)
    counts = [0] * len(shapes)
    for _, _, d in net.graph.edges(data=True):
        link = d["link"]
        li = link.source._layer.index
        lj = link.target._layer.index
        if lj != li + 1:
            raise CompileError(
                f"link {link.source.name!r} → {link.target.name!r} goes from Layer {li} to "
                f"Layer {lj}; only links from layer l to l+1 compile to Θ. "
                "Run this network with the graph engine (engine='graph')."
            )
        col = 0 if link.source._kind == "bias" else link.source._pos + 1
        pos = link.target._pos * shapes[li - 1][1] + col
        if link._i in where:
            tied.append((link, pos, li - 1))
            continue
        links.append((link, pos, li - 1))
        counts[li - 1] += 1
    # a block whose links all read parameters (a conv layer) would hold only holes
    has_tied = {k for _, _, k in tied}
    hollow = [counts[k] == 0 and k in has_tied for k in range(len(shapes))]
    offsets = offsets_of(shapes, hollow)
    where = {i: offsets[-1] + j for i, j in where.items()}
    theta = np.zeros(offsets[-1] + len(where), dtype=store.dtype)
    frozen = np.zeros(len(theta), dtype=bool)
    masks: list[np.ndarray | None] = []
    for k, (r, cc) in enumerate(shapes):
        masks.append(None if counts[k] == r * cc else np.broadcast_to(np.False_, (r, cc))
                     if hollow[k] else np.zeros((r, cc), dtype=bool))
    for link, pos, k in links:
        at = offsets[k] + pos
        theta[at] = old[link._i]
        frozen[at] = old_frozen[link._i]
        link._i = at
    for i, j in where.items():
        theta[j], frozen[j] = old[i], old_frozen[i]
    for link, _, _ in tied:
        link._i = where[link._i]
    parameters.moved(net, where)
    store.layout_changed()  # weights moved: traces and plans of the old layout are stale
    store._buf, store.n = theta, len(theta)
    store._frozen, store.n_frozen = frozen, int(frozen.sum())
    mask_flat = [None if m is None or h else m.reshape(-1) for m, h in zip(masks, hollow)]
    for _, pos, k in links:
        if mask_flat[k] is not None:
            mask_flat[k][pos] = True
    for k, kind in enumerate(pools):  # the matrix engine pools windows of one size
        size = shapes[k][1] - 1 if masks[k] is None else masks[k][:, 1:].sum(axis=1)
        if kind is not None and (np.min(size) == 0 or np.ptp(size) != 0):
            raise CompileError(f"the pooling units of Layer {k + 2} read windows of "
                               f"{np.min(size)} to {np.max(size)} units; a pooling layer "
                               "compiles with windows of one size. Run this network with "
                               "the graph engine (engine='graph').")
    c = Compiled(theta, shapes, masks, s, acts, store.version, pools=pools, hollow=hollow)
    c.ties = parameters.layer_ties(net, tied, len(shapes))
    if any(p is not None and t is not None for p, t in zip(pools, c.ties)):
        raise CompileError("a pooling layer whose links share parameters does not compile "
                           "(its links carry no weight). Run this network with the graph "
                           "engine (engine='graph').")
    store.compiled = c
    return c
