"""show="health": a diagnosis drawn on the network — an outline and badge per kind of
finding on its units, its links coloured, and a legend; and the same findings per
frame packed for the explorer page's health view (one set of colours and badges for
both). The diagnosis is handed in: render never diagnoses.

>>> import neurograph as ng
>>> X, y = ng.data.truth_table("XOR")
>>> net = ng.Network.from_architecture([2, 2, 1]); net.weights.theta[:] = 0
>>> src = ng.diagram(net, show="health", trace=net.backward(X, y)).source
>>> "symmetric" in src and 'a2_1 [color="#7b3294"' in src
True
"""

from __future__ import annotations

from .dotsafe import Ids, html, text
from .maps import ring

# one colour and badge per kind of finding
BADGES = {
    "nonfinite": ("#d7191c", "NaN"), "symmetric": ("#7b3294", "≡"),
    "saturated": ("#fdae61", "sat"), "dead": ("#404040", "dead"),
    "vanishing": ("#2c7bb6", "δ↓"), "exploding": ("#e66101", "δ↑"),
    "stuck_output": ("#a6611a", "stuck"), "stuck_cost": ("#a6611a", "J flat"),
    "learning_rate": ("#b2182b", "α"), "huge_weights": ("#ca0020", "|w|≫"),
}


def mark_findings(g, net, diagnosis):
    """Mark each finding of ``diagnosis`` (a Diagnosis, or a frame's list of findings) on
    ``g``, a structure diagram of ``net``: its units ringed and badged, the links it
    names (by θ index) coloured, and a legend of the kinds found."""
    ids = Ids([n.name for lay in net.layers
               for n in ([lay.bias] if lay.bias else []) + lay.nodes])
    at = {k.index: k for k in net.links}
    badges: dict[str, list[str]] = {}
    cells, on_maps, rings = getattr(g, "cells", {}), {}, {}
    kinds = []
    for f in diagnosis:
        color, badge = BADGES.get(f.kind, ("#000000", f.kind))
        kinds.append(f.kind)
        for u in f.units:
            if u in cells:  # a cell of a feature map: the cell ringed, the map badged once
                on_maps.setdefault(cells[u][0], {})[badge] = color
                rings.setdefault(u, color)
            elif u in net:
                badges.setdefault(u, []).append(badge)
                g.node(ids[u], color=color, penwidth="3")
        for i in f.links:
            link = at.get(i)
            if link is not None and not link.is_bias:
                g.edge(ids[link.source.name], ids[link.target.name], color=color,
                       penwidth="2.5")
    for u, marks in badges.items():
        g.node(ids[u], xlabel=text(" ".join(dict.fromkeys(marks))))
    ring(g, cells, rings)
    for m, marks in on_maps.items():  # the badge beside the map, its caption in the colour
        g.node(m, xlabel=text(" ".join(marks)), fontcolor=next(iter(marks.values())))
    rows = "".join(
        f'<TR><TD BGCOLOR="{BADGES.get(k, ("#000000",))[0]}" WIDTH="18"> </TD>'
        f'<TD ALIGN="LEFT">{html(BADGES.get(k, ("", k))[1])}: {html(k)}</TD></TR>'
        for k in dict.fromkeys(kinds)) or '<TR><TD>healthy: no findings</TD></TR>'
    with g.subgraph(name="cluster_health") as c:
        c.attr(label="findings", style="rounded", color="#bbbbbb", fontsize="10")
        c.node(Ids.own("health"), label=f'<<TABLE BORDER="0" CELLSPACING="2">{rows}</TABLE>>',
               shape="plaintext", fontsize="9")
    return g


def pack_findings(net, found) -> list[list]:
    """Each frame's findings packed for the explorer page, one list per frame.

    A finding is ``[kind, units, links, summary, advice]``: units as positions in
    layer order (the page's layout), links as indices into θ (``link.index``), as
    the finding names them.

    >>> import neurograph as ng
    >>> net = ng.Network.from_architecture([2, 2, 1])
    >>> f = ng.diagnosis.Finding("dead", "never fires", units=("a2_2",), links=(4,))
    >>> pack_findings(net, [[f]])
    [[['dead', [3], [4], 'never fires', '']]]
    """
    unit_at = {u.name: k for k, u in enumerate(u for lay in net.layers for u in lay.nodes)}
    return [[[f.kind, [unit_at[u] for u in f.units if u in unit_at],
              [int(i) for i in f.links], f.summary, f.advice]
             for f in frame] for frame in found]
