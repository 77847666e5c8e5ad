"""A diagram's legend: what its colours, widths and shapes mean, for the view drawn.

>>> from neurograph.render.views import view
>>> import graphviz
>>> g = graphviz.Digraph(); legend(g, view("structure"), (-1.0, 1.0), (0.0, 1.0), None)
>>> "+1: bias unit" in g.source
True
"""

from __future__ import annotations

from . import colors
from .dotsafe import Ids, html

STYLE = {
    "input": {"shape": "circle", "style": "filled", "fillcolor": "#dbe9f6"},
    "hidden": {"shape": "circle", "style": "filled", "fillcolor": "#fff2cc"},
    "output": {"shape": "doublecircle", "style": "filled", "fillcolor": "#e2f0d9"},
    "bias": {"shape": "box", "style": "filled,dashed", "fillcolor": "#eeeeee",
             "fontcolor": "#555555"},
}


def legend(g, v, scale, seq, row, extra=(), only=None) -> None:
    """Add the legend of view ``v`` to ``g``: its error scale (lo, hi), its sequential
    ends ``seq``, one instance's symbols when ``row`` is given; ``extra`` rows after,
    ``only`` rows instead (an overlay's)."""
    lo, hi = scale
    rows = [] if only is None else list(only)
    sym = v.link_legend if v.link_one is None or row is None else v.link_one_legend
    if only is None and v.link_palette == "sign":
        rows += [(colors.EXCITATORY, f"{sym} > 0: excitatory"),
                 (colors.INHIBITORY, f"{sym} < 0: inhibitory"), (None, f"edge width ∝ |{sym}|")]
    if only is None and v.unit_palette == "seq":
        rows += [(colors.sequential(t), f"{v.unit_legend} = {seq[0] + (seq[1] - seq[0]) * t:g}")
                 for t in (0.0, 0.25, 0.5, 0.75, 1.0)]
    what = [v.unit_legend] if v.unit_palette == "div" else []
    what += [v.link_symbol or sym] if v.link_palette == "div" else []
    if only is None and what:
        rows += [(colors.diverging(x, hi, lo), f"{', '.join(what)} = {colors.fmt(x)}")
                 for x in (lo, lo / 2, 0.0, hi / 2, hi)]
    if only is None and v.link_palette == "div":
        rows += [(None, f"edge: {v.link_legend}" if v.link_symbol else
                  f"edge width ∝ |{sym}|")]
    if not rows:
        rows = [(STYLE["input"]["fillcolor"], "input unit"),
                (STYLE["hidden"]["fillcolor"], "hidden unit"),
                (STYLE["output"]["fillcolor"], "output unit"),
                (STYLE["bias"]["fillcolor"], "+1: bias unit")]
    rows += list(extra)
    cells = "".join(
        f'<TR><TD BGCOLOR="{c}" WIDTH="18"> </TD><TD ALIGN="LEFT">{html(t)}</TD></TR>'
        if c else f'<TR><TD></TD><TD ALIGN="LEFT">{html(t)}</TD></TR>' for c, t in rows)
    with g.subgraph(name="cluster_legend") as c:
        c.attr(label="legend", style="rounded", color="#bbbbbb", fontsize="10")
        c.node(Ids.own("legend"), label=f'<<TABLE BORDER="0" CELLSPACING="2">{cells}</TABLE>>',
               shape="plaintext", fontsize="9")
