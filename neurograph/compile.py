"""Compile a layered network to the course's Θ matrices.

After compiling, the network's weight store *is* θ, the unrolled vector of
Θ(1), Θ(2), …; each Θ(l) (shape s_{l+1} × (s_l + 1), bias column first) is a
view of it and each Link keeps the index of its own entry. So unrolling and
reshaping cost nothing, ``link.weight = 5`` shows in Θ, and a training update
of Θ shows on the links. Entries with no link (partial connectivity) are fixed
zeros that training keeps at zero (their ``mask`` entries are False).

>>> import neurograph as ng
>>> net = ng.Network.from_architecture([3, 3, 2, 1], seed=0)
>>> c = net.compile()
>>> [t.shape for t in c.thetas], c.flat.shape
([(3, 4), (2, 4), (1, 3)], (23,))
>>> bool(np.shares_memory(c.thetas[1], c.flat))
True
"""

from __future__ import annotations

import gc
from dataclasses import dataclass

import numpy as np

from .errors import CompileError, EmptyNetworkError
from .model.activations import Activation
from .model.network import HOOKS, Network


@dataclass(eq=False)
class Compiled:
    """The compiled form: θ, its Θ(l) views, masks of fixed zeros, activations."""

    flat: np.ndarray
    thetas: list[np.ndarray]
    masks: list[np.ndarray | None]  # True where a link exists; None when the block is full
    s: list[int]
    activations: list[Activation]  # g of layers 2..L
    topo: int

    @property
    def shapes(self) -> list[tuple[int, int]]:
        return [t.shape for t in self.thetas]


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
    c = net._compiled
    if c is not None and c.topo == net._topo:
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
    ws = net._ws
    old = ws.w
    flat = np.zeros(int(offsets[-1]), dtype=ws.dtype)
    links = []
    counts = [0] * len(shapes)
    gc_was_on = gc.isenabled()
    gc.disable()  # a tuple per link: keep the cyclic GC from rescanning the heap
    try:
        return _compile(net, layers, acts, s, shapes, offsets, ws, old, flat, links, counts)
    finally:
        if gc_was_on:
            gc.enable()


def _compile(net, layers, acts, s, shapes, offsets, ws, old, flat, links, counts) -> Compiled:
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
        links.append((link, pos, li - 1))
        counts[li - 1] += 1
    masks: list[np.ndarray | None] = []
    for k, (r, cc) in enumerate(shapes):
        masks.append(None if counts[k] == r * cc else np.zeros((r, cc), dtype=bool))
    for link, pos, _ in links:
        flat[pos] = old[link._i]
        link._i = pos
    net._topo += 1  # weights moved: traces and plans indexed by the old layout are stale
    ws.w, ws.n = flat, len(flat)
    thetas = split(flat, shapes)
    mask_flat = [None if m is None else m.reshape(-1) for m in masks]
    for _, pos, k in links:
        if masks[k] is not None:
            mask_flat[k][pos - offsets[k]] = True
    c = Compiled(flat, thetas, masks, s, acts, net._topo)
    net._compiled = c
    return c


HOOKS["compile"] = compile_network
