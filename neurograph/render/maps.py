"""Grid layers drawn as feature maps: a grid per map (a cell per unit), the kernel as a
small picture with its values, links collapsed by map, one unit's receptive field
drawn link by link on request.

A conv layer of 6 maps of 28×28 is 4,704 units and 28,000 links: as circles and
arrows it is a smear, as six pictures it is what the lecture draws. A map is one
Graphviz node whose HTML-like label is a table, each cell a unit (filled by the view's
value, e.g. a or δ, with the number printed in small maps) and a ``PORT`` named
``r<row>c<col>``, so a receptive field's links run from the input cells to the unit's
cell. The grids are read off the network (``model.grids.layer_grid``); the values are
the ones the diagram hands over: this module draws, it computes nothing.

>>> import neurograph as ng
>>> net = ng.Network(seed=0); x = net.add_inputs((4, 4))
>>> c = net.add_conv(x, maps=2, kernel=3, name="c1")
>>> src = ng.diagram(net, show="weights").source
>>> "c1[1]" in src and 'PORT="r1c1"' in src and "c1[0, 0, 0] [" not in src
True
"""

from __future__ import annotations

import re

import numpy as np

from ..errors import ConfigError
from ..model.grids import layer_grid
from . import colors
from .dotsafe import Ids, html

MAX_KERNELS = 3  # kernels drawn per map (one per input map read); the rest are counted
CAPTION = {"input": "input", "conv": "conv", "subsampling": "subsampling",
           "max pool": "max pool", "avg pool": "avg pool", "grid": "grid"}


def grid_layers(net) -> dict:
    """{layer index: Grid} of the layers drawn as maps: every grid layer (an input grid
    too: an image is a picture)."""
    out = {}
    for lay in net.layers:
        g = layer_grid(net, lay)
        if g is not None:
            out[lay.index] = g
    return out


def choose(grids: dict, collapse: int, keep=frozenset()) -> None:
    """Say which maps each grid draws (``grid.shown``): all, or, past ``collapse`` maps,
    the first two, the last and those holding a unit ``keep`` names — as a layer of
    units is cut (LeNet-5's C5 is 120 maps)."""
    for grid in grids.values():
        M = grid.maps_shape[0]
        held = {m for m in range(M) for u in _maps(grid)[m].flat if u.name in keep}
        grid.shown = list(range(M)) if not collapse or collapse >= M else \
            sorted({0, 1, M - 1} | held)


def map_id(layer: int, m: int) -> str:
    return Ids.own(f"map{layer}_{m}")


def _maps(grid) -> np.ndarray:
    """The grid's units as (maps, rows, columns)."""
    return grid.nodes.reshape(grid.maps_shape)


def where(grids: dict) -> dict:
    """{unit name: (map node ID, port)} of every unit drawn as a cell (of a map drawn)."""
    out = {}
    for l, grid in grids.items():
        shown = set(getattr(grid, "shown", range(grid.maps_shape[0])))
        for (m, r, c), u in np.ndenumerate(_maps(grid)):
            if m in shown:
                out[u.name] = (map_id(l, m), f"r{r}c{c}")
    return out


def _tint(x: float, top: float) -> str:
    """A weight's cell: green (> 0) or purple (< 0), paler as |x| is smaller than ``top``."""
    t = abs(x) / top if top > 0 else 0.0
    return colors.tint(colors.EXCITATORY if x >= 0 else colors.INHIBITORY, t)


def _number(x: float) -> str:
    """A value short enough for a cell of a map or a kernel (≤ 5 characters)."""
    if x == 0 or not np.isfinite(x):
        return "0" if x == 0 else str(x)
    if 0.01 <= abs(x) < 100:
        return f"{x:.2g}"
    m, e = f"{x:.0e}".split("e")
    return f"{m}e{int(e)}"


def _kernel(K: np.ndarray, label: str, top: float | None = None) -> str:
    """One kernel (kh × kw) as a small table of its values, coloured by sign; with ``top``,
    a gradient on the red/blue error scale ±top."""
    def bg(w):
        return _tint(w, float(np.max(np.abs(K), initial=0.0))) if top is None else \
            colors.diverging(w, top)
    rows = "".join("<TR>" + "".join(
        f'<TD BGCOLOR="{bg(w)}" WIDTH="22" HEIGHT="14"><FONT POINT-SIZE="7" '
        f'COLOR="{colors.text_color(bg(w))}">{html(_number(w))}</FONT></TD>'
        for w in row) + "</TR>" for row in K)
    return (f'<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="0">'
            f'<TR><TD BORDER="0" COLSPAN="{K.shape[1]}"><FONT POINT-SIZE="8">{html(label)}'
            f'</FONT></TD></TR>{rows}</TABLE>')


def draw(c, l: int, grid, fill, value, weights, rf=frozenset(), grads=None,
         blank: str = "#ffffff") -> list:
    """Add one node per map of ``grid`` (Layer ``l``) to the cluster ``c``; return their IDs.

    fill(name) → a cell's colour (None: the kind's), value(name) → the number printed
    (None: none), weights(parameter array) → its values as drawn (the trace's θ), ``rf``
    the names of the cells outlined (a receptive field and its unit), grads(parameter
    array) → ∂J/∂K drawn under each kernel (show="gradients" of a batch), ``blank`` the
    fill of a cell without a value (its kind's colour)."""
    M, H, W = grid.maps_shape
    units = _maps(grid)
    size = 30 if W <= 6 else max(5, min(16, 140 // W))
    kernels = weights(grid._kernels) if grid._kernels is not None else None
    dK = grads(grid._kernels) if grads is not None and kernels is not None else None
    top = float(np.max(np.abs(dK), initial=0.0)) if dK is not None else None
    biases = weights(grid._biases) if grid._biases is not None else None
    ids = []
    shown = getattr(grid, "shown", list(range(M)))
    for k, m in enumerate(shown):
        if m > (shown[k - 1] + 1 if k else 0):  # "… k more maps" where they stand
            ids.append(Ids.own(f"moremaps{l}_{m}"))
            c.node(ids[-1], label=f"… {m - (shown[k - 1] + 1 if k else 0)} more maps",
                   shape="plaintext", fontcolor="#555555")
        rows = []
        for r in range(H):
            cells = []
            for col in range(W):
                u = units[m, r, col]
                bg = fill(u.name) or blank
                x = value(u.name) if size >= 30 else None
                txt = "" if x is None else (f'<FONT POINT-SIZE="7" COLOR="{colors.text_color(bg)}">'
                                            f"{html(_number(x))}</FONT>")
                edge = ' BORDER="3" COLOR="#e6550d"' if u.name in rf else ""
                cells.append(f'<TD PORT="r{r}c{col}" BGCOLOR="{bg}" WIDTH="{size}" '
                             f'HEIGHT="{min(size, 18)}" FIXEDSIZE="TRUE"{edge}>{txt}</TD>')
            rows.append("<TR>" + "".join(cells) + "</TR>")
        head = f"{grid.name}[{m}]" + (f"  {CAPTION[grid.kind]}" if m == 0 else "")
        if biases is not None:
            head += f"  b = {_number(float(biases[m]))}"
        # the grid in a table of its own: a wider kernel row below must not stretch its cells
        parts = [f'<TR><TD><FONT POINT-SIZE="9">{html(head)}</FONT></TD></TR>',
                 f'<TR><TD><TABLE BORDER="{int(size < 10)}" CELLBORDER="{int(size >= 10)}" '
                 'CELLSPACING="0" CELLPADDING="0" '
                 f'FIXEDSIZE="TRUE" WIDTH="{W * size + 3}" HEIGHT="{H * min(size, 18) + 3}">'
                 + "".join(rows) + "</TABLE></TD></TR>"]
        if kernels is not None:
            k = kernels[m] if kernels.ndim == 4 else np.array([[[kernels[m]]]])
            read = [ci for ci in range(k.shape[0]) if np.any(k[ci] != 0)] or [0]
            pics = [_kernel(k[ci], f"K[{m}, {ci}]" if kernels.ndim == 4 else
                            "coefficient") for ci in read[:MAX_KERNELS]]
            if dK is not None:  # each kernel's ∂J/∂K, the sum of its links' terms
                g = dK[m] if dK.ndim == 4 else np.array([[[dK[m]]]])
                pics += [_kernel(g[ci], f"∂J/∂K[{m}, {ci}]", top) for ci in read[:MAX_KERNELS]]
            more = f"<TD>+ {len(read) - MAX_KERNELS} more</TD>" if len(read) > MAX_KERNELS \
                else ""
            parts.append(f'<TR><TD><TABLE BORDER="0" CELLSPACING="4">'
                         f'<TR>{"".join(f"<TD>{p}</TD>" for p in pics)}{more}</TR></TABLE>'
                         "</TD></TR>")
        label = ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0">'
                 + "".join(parts) + "</TABLE>>")
        ids.append(map_id(l, m))
        c.node(ids[-1], label=label, shape="plaintext", margin="0")
    return ids


def ring(g, cells: dict, colors_of: dict) -> None:
    """Outline the cells of the units ``colors_of`` names ({unit name: colour}) in ``g``'s
    map nodes: a finding on units drawn as cells (show="health"). The map nodes are
    already written, so their labels are edited in place; a port is unique in its map."""
    by_map: dict = {}
    for name, color in colors_of.items():
        if name in cells:
            m, port = cells[name]
            by_map.setdefault(m, {})[port] = color
    for k, line in enumerate(g.body):
        node = line.strip().split(" ", 1)[0].strip('"')
        for port, color in by_map.get(node, {}).items():
            line = line.replace(f'PORT="{port}" ', f'PORT="{port}" BORDER="3" COLOR="{color}" ')
        g.body[k] = line


def collapsed(net, grids: dict, drawn: set, ids) -> list:
    """[(tail, head, links)]: the links into or out of maps, one edge per (map or unit,
    map or unit) pair that has any, bias links per map (a conv map's b); links of units
    not drawn are left out, as a collapsed layer's are."""
    cell = where(grids)
    groups: dict = {}
    for l in grids:
        for u in grids[l].nodes.flat:
            if u.name not in cell:
                continue  # a map not drawn
            for link in net._in_links(u):
                src = link.source
                if src is None or (src.name not in cell and src.name not in drawn):
                    continue
                if link.is_bias and grids[l]._biases is None:
                    continue  # a pool unit's bias is held at 0: nothing to draw
                tail = cell[src.name][0] if src.name in cell else ids[src.name]
                groups.setdefault((tail, cell[u.name][0]), []).append(link)
    for lay in net.layers[1:]:  # units fed by maps (a dense layer after a pool)
        if lay.index in grids:
            continue
        for u in lay.nodes:
            if u.name not in drawn:
                continue
            for link in net._in_links(u):
                if link.source is not None and link.source.name in cell:
                    groups.setdefault((cell[link.source.name][0], ids[u.name]), []).append(link)
    return [(t, h, links) for (t, h), links in groups.items()]


def receptive_field(net, unit, grids: dict) -> tuple:
    """(the unit, its incoming links) of ``receptive_field=``: a unit or its name, spaces
    inside the brackets optional ("c1[0,1,1]")."""
    name = getattr(unit, "name", unit)
    if not isinstance(name, str):
        raise ConfigError(f"receptive_field names a unit (a node or its name, e.g. "
                          f"'c1[0, 1, 1]'), got {unit!r}")
    if name not in net:
        name = re.sub(r"\s*,\s*", ", ", re.sub(r"\[\s*", "[", re.sub(r"\s*\]", "]", name)))
    if name not in net or (hasattr(unit, "network") and unit.network is not net):
        raise ConfigError(f"receptive_field names {unit!r}, which is not a unit of this "
                          "network (a grid unit is named like 'c1[0, 1, 1]': map, row, column)")
    u = net[name]
    if u.kind == "input":
        raise ConfigError(f"receptive_field names the input unit {name!r}: it has no links "
                          "in; name a unit of a conv, pool or later layer")
    in_grid = {v.name for grid in grids.values() for v in grid.nodes.flat}
    if not any(li.source is not None and li.source.name in in_grid
               for li in net._in_links(u)) and name not in in_grid:
        raise ConfigError(f"receptive_field names {name!r}, which neither is in a grid "
                          "layer nor reads one: its links are drawn already")
    # a pool unit's bias link is held at 0 and read by nothing
    return u, [li for li in net._in_links(u) if li.source is not None
               and not (li.is_bias and not li.carries_weight)]
