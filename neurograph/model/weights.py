"""The weights: one store for every link weight, and its compiled layout as Θ(l).

Before compiling, the store grows like a list as links are made, and each
Link keeps an index into it. After compiling, the store *is* θ, the unrolled
vector of Θ(1), Θ(2), …; each Θ(l) (shape s_{l+1} × (s_l + 1), bias column first) is a
view of it and each Link keeps the index of its own entry. So unrolling and
reshaping cost nothing, ``link.weight = 5`` shows in Θ, and a training update
of Θ shows on the links. Entries with no link (partial connectivity) are fixed
zeros that training keeps at zero (their ``mask`` entries are False). A block with
no weight of its own (a conv layer: every link reads a shared parameter; a pooling
layer: every link reads one of the store's constants, a 1 or the bias 0) takes no
room in θ: its view is a read-only zero array of its shape that holds no memory,
and :meth:`Compiled.full` reads its entries from the parameters and constants.
The store itself, :class:`~neurograph.model.store.Weights`, is ``store.py``.

>>> import neurograph as ng
>>> net = ng.Network.from_architecture([3, 3, 2, 1], seed=0)
>>> c = net.compile()
>>> [t.shape for t in c.thetas], c.theta.shape
([(3, 4), (2, 4), (1, 3)], (23,))
>>> bool(np.shares_memory(c.thetas[1], net.weights.theta))
True
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import CompileError, EmptyNetworkError, ShapeError
from . import parameters
from .activations import Activation
from .store import Weights, no_gc
from .thetaview import ThetaView


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

    # per Θ(l): its links that carry no weight (a pooling layer's), read from the store's
    # fixed constants (``Weights.fixed``) as tied links are from their parameters, or None
    held: list = field(default_factory=list)

    @property
    def tied(self) -> bool:
        """True when some Θ(l) has links that share a parameter."""
        return any(t is not None for t in self.ties)

    @property
    def filled(self) -> bool:
        """True when some Θ(l) has entries read from elsewhere (:meth:`full` fills them)."""
        return self.tied or any(t is not None for t in self.held)

    def full(self, k: int, theta: np.ndarray | None = None) -> np.ndarray:
        """Θ(k+1) as the lecture writes it: the block with each tied link's entry
        read from its parameter and each pooling link's from its constant (the block
        itself when it has neither). ``theta`` defaults to θ; a Trace's copy of θ
        gives that pass's Θ (and a gradient, D(k+1): 0 for a pooling link)."""
        theta = self.theta if theta is None else theta
        T = self.thetas[k] if theta is self.theta else self.views(theta)[k]
        filled = [t[k] for t in (self.ties, self.held) if t and t[k] is not None]
        if not filled:
            return T
        T = T.copy()
        for t in filled:
            T.ravel()[t.pos] = theta[t.tidx]
        return T

    def windows(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(row, column − 1) of every link of Θ(k+1) but the bias links, row by row and
        columns ascending: a pooling block's windows, held or of its own."""
        r, cols = self.shapes[k]
        m = self.masks[k]
        own = np.arange(r * cols) if m is None else np.flatnonzero(m) if not self.hollow[k] \
            else np.zeros(0, np.intp)
        t = self.held[k] if self.held else None
        pos = np.sort(own if t is None else np.concatenate([own, t.pos]))
        row, col = np.divmod(pos, cols)
        return row[col > 0], col[col > 0] - 1

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
                        hollow=list(self.hollow), held=list(self.held))

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

    def dense_index(self, room: list | None = None) -> tuple[np.ndarray, int]:
        """(index, n): where each entry of θ sits in an older layout of length n that
        gave room to the blocks ``room`` says (default: every block), as checkpoints
        written before blocks could be hollow hold θ-shaped arrays: ``old[index]`` is
        such an array in θ's layout. A constant pooling links read is taken from the
        place of one of its links (where that layout held it)."""
        room = [True] * len(self.shapes) if room is None else room
        dense = offsets_of(self.shapes, [not r for r in room])
        parts = [np.arange(dense[k], dense[k + 1]) for k, h in enumerate(self.hollow) if not h]
        first = {}  # constant's θ index → its first link's place in the old layout
        for k, t in enumerate(self.held):
            for i, p in zip(t.tidx, t.pos) if t is not None else ():
                first.setdefault(int(i), dense[k] + int(p))
        n_params = len(self.theta) - self.offsets[-1] - len(first)
        parts += [dense[-1] + np.arange(n_params), [first[i] for i in sorted(first)]]
        return np.concatenate(parts).astype(np.intp), dense[-1] + n_params

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
        if not self.filled:
            return self.handed_out
        out = list(self.handed_out)
        for k in range(len(self.shapes)):
            why = "tied" if self.ties and self.ties[k] is not None else \
                "pool" if self.held and self.held[k] is not None else None
            if why:  # a copy: the tied entries live in their parameters, a pool's in constants
                v = self.full(k).view(ThetaView)
                v._name, v._tied = f"Θ({k + 1})", why
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
    the identity activation (its windows are read by index, never multiplied; its
    links, read from the store's constants, take no room), else None."""
    fns = {u.input_function.name for u in lay.nodes}
    if len(fns) != 1 or lay.activations != ["linear"]:
        return None
    fn = lay.nodes[0].input_function
    return None if fn.weighted else fn.name


def _compile(net, store: Weights, acts, s, shapes, pools) -> Compiled:
    old, old_frozen = store.theta, store._frozen
    # shared parameters go after the Θ blocks; their links are holes of the blocks
    where = parameters.relocate(net, 0)
    links, tied, held = [], [], []  # (link, its place in its block, block number)
    fixed = set(store.fixed.values())
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
        if link._i in where or link._i in fixed:
            (held if link._i in fixed else tied).append((link, pos, li - 1))
            continue
        links.append((link, pos, li - 1))
        counts[li - 1] += 1
    # a block whose links all read parameters or constants (a conv layer, a pooling
    # layer) would hold only holes
    elsewhere = {k for _, _, k in tied + held}
    hollow = [counts[k] == 0 and k in elsewhere for k in range(len(shapes))]
    offsets = offsets_of(shapes, hollow)
    where = {i: offsets[-1] + j for i, j in where.items()}
    # the constants the held links read go last, those still read only
    read = {li._i for li, _, _ in held}  # in one order however they were made: 1, then 0
    consts = {v: store.fixed[v] for v in sorted(store.fixed, reverse=True)
              if store.fixed[v] in read}
    moved = {i: offsets[-1] + len(where) + j for j, i in enumerate(consts.values())}
    theta = np.zeros(offsets[-1] + len(where) + len(moved), dtype=store.dtype)
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
    for i, j in (where | moved).items():
        theta[j], frozen[j] = old[i], old_frozen[i]
    for link, _, _ in tied + held:
        link._i = where[link._i] if link._i in where else moved[link._i]
    parameters.moved(net, where)
    store.layout_changed()  # weights moved: traces and plans of the old layout are stale
    store._buf, store.n = theta, len(theta)
    store._frozen, store.n_frozen = frozen, int(frozen.sum())
    store.fixed = {v: moved[i] for v, i in consts.items()}
    mask_flat = [None if m is None or h else m.reshape(-1) for m, h in zip(masks, hollow)]
    for _, pos, k in links:
        if mask_flat[k] is not None:
            mask_flat[k][pos] = True
    c = Compiled(theta, shapes, masks, s, acts, store.version, pools=pools, hollow=hollow,
                 held=parameters.layer_ties(net, held, len(shapes), slots=False))
    for k, kind in enumerate(pools):  # the matrix engine pools windows of one size
        size = np.bincount(c.windows(k)[0], minlength=shapes[k][0]) if kind else [1]
        if kind is not None and (np.min(size) == 0 or np.ptp(size) != 0):
            raise CompileError(f"the pooling units of Layer {k + 2} read windows of "
                               f"{np.min(size)} to {np.max(size)} units; a pooling layer "
                               "compiles with windows of one size. Run this network with "
                               "the graph engine (engine='graph').")
    c.ties = parameters.layer_ties(net, tied, len(shapes))
    if any(p is not None and t is not None for p, t in zip(pools, c.ties)):
        raise CompileError("a pooling layer whose links share parameters does not compile "
                           "(its links carry no weight). Run this network with the graph "
                           "engine (engine='graph').")
    store.compiled = c
    return c
