"""Grid layers on the explorer page: where each feature map, its cells and its kernels
are drawn.

A conv layer of 8 maps of 6×6 is 288 units and 2,592 links: as circles in columns and
lines it is wider than a window and a smear; as eight small grids, each beside its
kernel and the kernel's ∂J/∂K, it is what the lecture draws. The facts are the
diagrams' (:mod:`neurograph.render.maps`): which unit is which cell is
``model.grids.layer_grid``'s grid, a map's kernels are its ParameterArray (here, their θ
indices: the page reads their values and gradients per frame as it reads any weight's).
This module only places things; the page colours and labels them.

>>> import neurograph as ng
>>> net = ng.Network(seed=0); x = net.add_inputs((1, 8, 8))
>>> c = net.add_conv(x, maps=8, kernel=3, name="c1"); s = net.add_pool(c, size=2)
>>> b = blocks(net)
>>> sorted(b), b[2]["maps"], b[2]["h"], b[2]["kernels"]["shape"]
([1, 2, 3], 8, 6, [1, 3, 3])
>>> map_links(net, b)[:2]  # the input's one map feeds each conv map
[[1, 0, 2, 0], [1, 0, 2, 1]]
"""

from __future__ import annotations

import numpy as np

from .maps import MAX_KERNELS, grid_layers

BUDGET = 520.0  # px: the height a grid layer's maps share (a dense layer's is 480)
LABEL = 13.0  # px above each map: its name (and a conv map's bias)
GAP = 6.0  # px between maps stacked in a column, and between a map and its kernels
KCELL = (25.0, 13.0)  # px: a kernel cell that holds its value printed ("-0.12")
SIDE = 176.0  # px: the longest a map's side may be (an image input's picture: 176 px)
KWIDE = 330.0  # px: the widest a map's kernel pictures may be with their values printed
KMAX = 92.0  # px: the widest a kernel picture may be (cells narrow past it, values go)


def _cells(H: int, W: int, M: int) -> tuple[float, int]:
    """(cell side, map columns) of M maps of H×W in the height BUDGET, a side at most
    SIDE: one column while a cell can be 5 px or more, else as few columns as make it
    so (LeNet-5's C3: 16 maps of 10×10)."""
    for cols in range(1, M + 1):
        per = -(-M // cols)
        cell = (BUDGET - per * (LABEL + 2 * GAP)) / (per * H)
        if cell >= 5 or cols == M:
            return float(max(2.0, min(14.0, np.floor(SIDE / max(H, W)), np.floor(cell)))), cols
    raise AssertionError("unreachable")  # pragma: no cover


def _kernels(grid, room: float) -> dict | None:
    """Where a conv map's kernel pictures go: their θ indices (maps × input maps × kh ×
    kw, flat), how many input maps' kernels are drawn, a cell's size (its height within
    ``room``) and whether it prints its value."""
    K = grid._kernels
    if K is None:
        return None
    idx = np.asarray(K.indices).reshape(grid.maps_shape[0], -1)
    idx = idx.reshape(idx.shape[0], *((1, 1, 1) if idx.shape[1] == 1 else K.shape[1:]))
    C, kh, kw = idx.shape[1:]
    shown = min(C, MAX_KERNELS)
    ch = float(min(KCELL[1], max(2.0, np.floor(room / kh))))
    cw = float(min(KCELL[0], np.floor(KMAX / kw)))
    # a value fits its cell, and the pictures of a map (K and ∂J/∂K per input map shown)
    # stay narrow enough to leave the window's width to the other layers
    values = ch >= 11 and cw >= 21 and 2 * shown * (kw * cw + GAP) <= KWIDE
    if not values:
        cw = ch
    bias = None if grid._biases is None else np.asarray(grid._biases.indices).tolist()
    return {"i": idx.ravel().tolist(), "shape": [C, kh, kw], "shown": shown, "cw": cw,
            "ch": ch, "values": values, "bias": bias,
            "width": 2 * shown * (kw * cw + GAP)}


def blocks(net) -> dict:
    """{layer index (1-based): its block} of every grid layer: maps, rows, columns, the
    cell's side, each map's top left corner relative to the block's left and middle
    (``at``), its kernels (:func:`_kernels`), the block's ``width`` and ``height``.
    Layers with as many maps to a column share one slot per map, so map m of a conv
    layer and of its pooling sit side by side."""
    out, slots = {}, {}
    for l, grid in grid_layers(net).items():
        M, H, W = grid.maps_shape
        cell, cols = _cells(H, W, M)
        per = -(-M // cols)
        kern = _kernels(grid, BUDGET / per - LABEL - 2 * GAP)
        tall = max(H * cell, kern["shape"][1] * kern["ch"] if kern else 0)
        slots[per] = max(slots.get(per, 0.0), tall + LABEL + 2 * GAP)
        col_w = W * cell + (GAP + kern["width"] if kern else 0) + 2 * GAP
        out[l] = {"name": grid.name, "kind": grid.kind, "maps": M, "h": H, "w": W,
                  "cell": cell, "kernels": kern, "width": cols * col_w - 2 * GAP,
                  "grid": grid, "per": per, "col_w": col_w}
    for b in out.values():
        per, col_w = b.pop("per"), b.pop("col_w")
        slot = slots[per]
        b["height"] = per * slot
        b["at"] = [[round((m // per) * col_w, 1), round((m % per) * slot - b["height"] / 2
                                                        + LABEL + GAP, 1)]
                   for m in range(b["maps"])]
    return out


def map_links(net, grids: dict) -> list:
    """[[source layer, source map, target layer, target map]]: one line per pair of maps
    of grid layers that any link joins (the page draws these, not the links)."""
    where = {}
    for l, b in grids.items():
        for (m, _, _), u in np.ndenumerate(b["grid"].nodes.reshape(b["grid"].maps_shape)):
            where[u.name] = (l, m)
    pairs = set()
    for link in net.links:
        if link.source is not None and link.source.name in where \
                and link.target.name in where:
            pairs.add(where[link.source.name] + where[link.target.name])
    return [list(p) for p in sorted(pairs)]


def place(block: dict, left: float, mid: float, units: list, nodes) -> None:
    """Put the block at ``left`` (its left edge) and ``mid`` (its middle's height): each
    map's corner absolute, each unit (``units``, the layout's entries of ``nodes``) at the
    middle of its cell."""
    M, H, W, cell = block["maps"], block["h"], block["w"], block["cell"]
    block["at"] = [[round(left + x, 1), round(mid + y, 1)] for x, y in block["at"]]
    grid = block.pop("grid")  # the page needs its numbers only
    cell_of = {u.name: ix for ix, u in np.ndenumerate(grid.nodes.reshape(M, H, W))}
    for u, node in zip(units, nodes):
        m, r, c = cell_of[node.name]
        x0, y0 = block["at"][m]
        u.update(x=round(x0 + (c + 0.5) * cell, 1), y=round(y0 + (r + 0.5) * cell, 1),
                 r=round(cell / 2, 1), m=int(m))
