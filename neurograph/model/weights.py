"""The weights: one store for every link weight, and its compiled layout as Θ(l).

Before compiling, the store grows like a list as links are made, and each
Link keeps an index into it. After compiling, the store *is* θ, the unrolled
vector of Θ(1), Θ(2), …; each Θ(l) (shape s_{l+1} × (s_l + 1), bias column first) is a
view of it and each Link keeps the index of its own entry. So unrolling and
reshaping cost nothing, ``link.weight = 5`` shows in Θ, and a training update
of Θ shows on the links. Entries with no link (partial connectivity) are fixed
zeros that training keeps at zero (their ``mask`` entries are False).

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
from typing import TYPE_CHECKING

import numpy as np

from ..errors import (
    CompileError,
    EmptyNetworkError,
    InputValueError,
    ShapeError,
    StaleTraceError,
    TopologyError,
)
from . import parameters
from .activations import Activation

if TYPE_CHECKING:
    from .network import Network


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


class ThetaView(np.ndarray):
    """Θ(l) or θ as the network hands it out: a view of the weights whose failed
    writes say why, as NeurographErrors (a wrong shape or a non-number: ShapeError,
    InputValueError; a view of a layout that is gone: StaleTraceError). Arithmetic
    on it gives plain arrays, and it prints as one.

    >>> import neurograph as ng
    >>> net = ng.Network.from_architecture([2, 3, 1], seed=0)
    >>> net.theta(1)[:] = np.zeros((2, 2))
    Traceback (most recent call last):
    ...
    neurograph.errors.ShapeError: Θ(1)[:] has shape (3, 3); got a value of shape (2, 2)
    """

    _name = "Θ"
    _tied = False  # Θ(l) of a layer with shared weights: a read-only copy

    def __array_finalize__(self, obj) -> None:
        self._name = getattr(obj, "_name", "Θ")

    def __array_wrap__(self, arr, context=None, return_scalar=False):
        # a result of arithmetic is new data, not a view of the network's weights
        out = arr.view(np.ndarray)
        return out[()] if return_scalar else out

    def __repr__(self) -> str:
        return repr(self.view(np.ndarray))

    def __reduce__(self):
        return self.view(np.ndarray).__reduce__()

    def __setitem__(self, key, value) -> None:
        try:
            super().__setitem__(key, value)
        except ValueError as exc:
            raise self._why(key, value, exc) from None

    def _why(self, key, value, exc: ValueError) -> Exception:
        where = f"{self._name}[{_key_text(key)}]"
        if self._tied:
            return TopologyError(
                f"{where} is read-only: {self._name} has links that share parameters, so "
                "its tied entries are copies; expected a write through a parameter "
                "(p.value = …, net.parameters[name].value = …) or a link (link.weight = …)")
        if not self.flags.writeable:
            return StaleTraceError(
                f"{where} is read-only: a view of a layout that no longer exists (the "
                "network's topology changed after it was taken); expected a view of the "
                "network as it is: take net.thetas / net.theta(l) again")
        target = np.shape(np.ndarray.__getitem__(self, key))
        try:
            got = np.shape(value)
            np.broadcast_shapes(got, target)
        except ValueError:
            return ShapeError(f"{where} has shape {target}; got a value of shape "
                              f"{_shape_text(value)}")
        return InputValueError(f"{where} takes real numbers; got {value!r} ({exc})")


def _key_text(key) -> str:
    keys = key if isinstance(key, tuple) else (key,)
    out = []
    for k in keys:
        if isinstance(k, slice):
            out.append(":" if k == slice(None) else
                       f"{'' if k.start is None else k.start}:{'' if k.stop is None else k.stop}"
                       + ("" if k.step is None else f":{k.step}"))
        else:
            out.append("..." if k is Ellipsis else repr(k))
    return ", ".join(out)


def _shape_text(value) -> str:
    try:
        return str(np.shape(value))
    except ValueError:  # a ragged nest of lists has no shape
        return "ragged (rows of different lengths)"


@dataclass(eq=False)
class Compiled:
    """The compiled form: θ, its Θ(l) views, masks of fixed zeros, activations."""

    theta: np.ndarray
    thetas: list[np.ndarray]
    masks: list[np.ndarray | None]  # True where a link exists; None when the block is full
    s: list[int]
    activations: list[Activation]  # g of layers 2..L
    version: int
    handed_out: list = field(default_factory=list)  # [θ, Θ(1), …] as ThetaViews, once made
    # per Θ(l): its tied links (holes of the block, read from the parameters), or None
    ties: list = field(default_factory=list)

    @property
    def tied(self) -> bool:
        """True when some Θ(l) has links that share a parameter."""
        return any(t is not None for t in self.ties)

    def full(self, k: int, theta: np.ndarray | None = None) -> np.ndarray:
        """Θ(k+1) as the lecture writes it: the block with each tied link's entry
        read from its parameter (the block itself when no link of it is tied).
        ``theta`` defaults to θ; a Trace's copy of θ gives that pass's Θ."""
        theta = self.theta if theta is None else theta
        T = self.thetas[k] if theta is self.theta else split(theta, self.shapes)[k]
        t = self.ties[k] if self.ties else None
        if t is None:
            return T
        T = T.copy()
        T.ravel()[t.pos] = theta[t.tidx]
        return T

    @property
    def shapes(self) -> list[tuple[int, int]]:
        return [t.shape for t in self.thetas]

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


def split(flat: np.ndarray, shapes: list[tuple[int, int]]) -> list[np.ndarray]:
    """Views of ``flat`` reshaped to ``shapes`` (the slide's reshape of θ), no copy.

    >>> split(np.arange(10.0), [(2, 2), (2, 3)])[1]
    array([[4., 5., 6.],
           [7., 8., 9.]])
    """
    out, k = [], 0
    for r, c in shapes:
        out.append(flat[k : k + r * c].reshape(r, c))
        k += r * c
    return out


def compile_network(net: Network) -> Compiled:
    """Compile ``net`` (cached until its topology changes) and return the compiled form.

    Raises
    ------
    CompileError
        A link that skips a layer (it names the link), a layer mixing
        activations, or a unit with another input function: run those with
        the graph engine (``engine="graph"``).
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
    acts = []
    for u in net.nodes:
        if u.input_function is not None and u.input_function.name != "weighted_sum":
            raise CompileError(
                f"unit {u.name!r} uses the input function {u.input_function.name!r}; Θ holds "
                "weighted sums only. Run this network with the graph engine (engine='graph')."
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
    shapes = theta_shapes(s)
    offsets = np.cumsum([0] + [r * c for r, c in shapes])
    with no_gc():  # a tuple per link
        return _compile(net, store, acts, s, shapes, offsets)


def _compile(net, store: Weights, acts, s, shapes, offsets) -> Compiled:
    old, old_frozen = store.theta, store._frozen
    # shared parameters go after the Θ blocks; their links are holes of the blocks
    where = parameters.relocate(net, int(offsets[-1]))
    theta = np.zeros(int(offsets[-1]) + len(where), dtype=store.dtype)
    frozen = np.zeros(len(theta), dtype=bool)
    links, tied = [], []
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
        pos = int(offsets[li - 1]) + link.target._pos * shapes[li - 1][1] + col
        if link._i in where:
            tied.append((link, pos, li - 1))
            continue
        links.append((link, pos, li - 1))
        counts[li - 1] += 1
    masks: list[np.ndarray | None] = []
    for k, (r, cc) in enumerate(shapes):
        masks.append(None if counts[k] == r * cc else np.zeros((r, cc), dtype=bool))
    for link, pos, _ in links:
        theta[pos] = old[link._i]
        frozen[pos] = old_frozen[link._i]
        link._i = pos
    for i, j in where.items():
        theta[j], frozen[j] = old[i], old_frozen[i]
    for link, _, _ in tied:
        link._i = where[link._i]
    parameters.moved(net, where)
    store.layout_changed()  # weights moved: traces and plans of the old layout are stale
    store._buf, store.n = theta, len(theta)
    store._frozen, store.n_frozen = frozen, int(frozen.sum())
    thetas = split(theta, shapes)
    mask_flat = [None if m is None else m.reshape(-1) for m in masks]
    for _, pos, k in links:
        if masks[k] is not None:
            mask_flat[k][pos - offsets[k]] = True
    c = Compiled(theta, thetas, masks, s, acts, store.version)
    c.ties = parameters.layer_ties(net, tied, offsets, len(shapes))
    store.compiled = c
    return c
