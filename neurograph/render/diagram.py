"""Graphviz diagrams of a network: structure, weights, activations, errors, blame, gradients.

A diagram reads the network and, for values, a Trace (or a training Step); it
never runs a pass. It returns a ``graphviz.Digraph`` — text until rendered —
named and ordered by the network's node names, so the same input gives
byte-identical DOT.

>>> import neurograph as ng
>>> net = ng.Network.from_thetas([[[-30.0, 20.0, 20.0]]])
>>> dot = ng.diagram(net, show="weights")
>>> 'label="Layer 1"' in dot.source and 'label="+20"' in dot.source
True
"""

from __future__ import annotations

import os
import re
import tempfile

import graphviz
import numpy as np

from ..errors import ConfigError
from . import colors
from .png import png_bytes

SHOWS = ("structure", "weights", "activations", "errors", "blame", "gradients")
_NEEDS = {"activations": "a", "errors": "delta", "blame": "delta", "gradients": "grad"}
STYLE = {
    "input": {"shape": "circle", "style": "filled", "fillcolor": "#dbe9f6"},
    "hidden": {"shape": "circle", "style": "filled", "fillcolor": "#fff2cc"},
    "output": {"shape": "doublecircle", "style": "filled", "fillcolor": "#e2f0d9"},
    "bias": {"shape": "box", "style": "filled,dashed", "fillcolor": "#eeeeee",
             "fontcolor": "#555555"},
}


def _trace_of(trace):
    return getattr(trace, "trace", trace)  # a Step carries its Trace


def _check(net, show, trace, instance):
    if show not in SHOWS:
        raise ConfigError(f"unknown show {show!r}; known: {', '.join(SHOWS)}")
    if show in _NEEDS:
        if trace is None:
            how = "net.forward(X)" if show == "activations" else "net.backward(X, Y)"
            raise ConfigError(f"show={show!r} needs a trace: pass trace={how}")
        need = _NEEDS[show]
        if need == "grad" and trace.grad is None or need == "delta" and trace.delta is None:
            raise ConfigError(f"show={show!r} needs a backward pass: trace=net.backward(X, Y)")
    if trace is not None:
        if not trace.belongs_to(net):
            raise ConfigError("the trace is of another network, or from before this one's "
                              "topology changed or it was compiled: run a new pass")
        if not 0 <= instance < trace.n:
            raise ConfigError(f"instance must be in 0..{trace.n - 1}, got {instance}")


def _visible(layer, collapse: int):
    """(nodes drawn, count hidden) of a layer: first two, last one and '… k more'."""
    nodes = layer.nodes
    if collapse and len(nodes) > collapse:
        return nodes[:2] + nodes[-1:], len(nodes) - 3
    return list(nodes), 0


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def diagram(net, show: str = "structure", trace=None, instance: int = 0, collapse: int = 12,
            top_k: int = 24, hidden_images: tuple[int, int] | None = None,
            image_dir: str | os.PathLike | None = None, edge_labels: bool | None = None,
            title: str | None = None) -> graphviz.Digraph:
    """Draw ``net`` as a ``graphviz.Digraph``.

    Parameters
    ----------
    show : "structure" | "weights" | "activations" | "errors" | "blame" | "gradients".
        Weights colour edges by sign (excitatory green, inhibitory red) and
        width by |w|; activations fill units by a (z and a in the label);
        errors fill by δ on a diverging scale; blame labels each edge with
        Θ_ji·δ_j, drawn flowing backward; gradients colour edges by ∂J/∂w.
    trace : a Trace (``net.backward(X, Y)``) or a training Step: the values
        shown, and the weights as they were at that pass.
    instance : which instance of the trace's batch to show (0-based).
    collapse : a layer with more units is drawn as its first two, its last,
        and "… k more"; the links of such layers are cut to the ``top_k``
        strongest by |w|.
    hidden_images : (h, w): draw each Layer 2 unit's incoming weights as an
        h×w grey-scale picture inside its node (PNG files in ``image_dir``).

    Raises
    ------
    ConfigError
        Unknown ``show``, a show that needs a trace without one, a trace of
        another topology, an instance out of range.
    """
    trace = _trace_of(trace)
    _check(net, show, trace, instance)
    layers = net.layers
    w_of = (lambda link: float(trace.w[link._i])) if trace is not None else \
        (lambda link: link.weight)
    g = graphviz.Digraph("neurograph", graph_attr={
        # mclimit=0 keeps the declared order: bias unit on top, then units 1..s_l, as drawn
        # on the slides (crossing minimisation would shuffle them).
        "rankdir": "LR", "newrank": "true", "mclimit": "0", "remincross": "false",
        "nodesep": "0.25", "ranksep": "1.1",
        "fontname": "Helvetica", "labelloc": "t", "fontsize": "14"},
        node_attr={"fontname": "Helvetica", "fontsize": "11", "width": "0.75",
                   "fixedsize": "false"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9", "arrowsize": "0.6"})
    head = title or _title(net, show, trace, instance)
    g.attr(label=head)

    drawn: dict[str, bool] = {}
    vals = _node_values(net, show, trace, instance)
    vmax_node = max([abs(v) for v in vals.values()] + [0.0])
    images = _images(net, hidden_images, image_dir) if hidden_images else {}
    for lay in layers:
        nodes, more = _visible(lay, collapse)
        kind = "input" if lay.index == 1 else ("output" if lay is layers[-1] else "hidden")
        with g.subgraph(name=f"cluster_layer{lay.index}") as c:
            c.attr(label=f"Layer {lay.index}", style="rounded", color="#bbbbbb", rank="same",
                   fontsize="12")
            if lay.bias is not None:
                c.node(lay.bias.name, label="+1", **STYLE["bias"])
                drawn[lay.bias.name] = True
            order = [lay.bias.name] if lay.bias is not None else []
            for k, u in enumerate(nodes):
                if more and k == len(nodes) - 1:  # "… k more" stands before the last unit
                    c.node(f"more{lay.index}", label=f"… {more} more", shape="plaintext",
                           fontcolor="#555555")
                    order.append(f"more{lay.index}")
                order.append(u.name)
                attrs = dict(STYLE[kind])
                label = u.name
                if u.name in vals:
                    v = vals[u.name]
                    fill = colors.sequential(v) if show == "activations" else \
                        colors.diverging(v, vmax_node)
                    attrs.update(fillcolor=fill, fontcolor=colors.text_color(fill))
                    label = _node_label(u, show, trace, instance)
                if u.name in images:
                    attrs.update(image=images[u.name], shape="box", imagescale="true",
                                 width="0.9", height="0.9", fixedsize="true", labelloc="b",
                                 style="filled", fillcolor="#ffffff")
                c.node(u.name, label=label, **attrs)
                drawn[u.name] = True
            for a, b in zip(order[1:], order):  # a flat edge's tail goes below in LR
                c.edge(a, b, style="invis")
    _edges(g, net, layers, show, trace, instance, drawn, collapse, top_k, w_of, edge_labels)
    _legend(g, show, vmax_node, trace)
    return g


def _title(net, show, trace, instance) -> str:
    parts = [f"s = {net.s}", f"show = {show}"]
    if trace is not None and show != "structure":
        parts.append(f"instance {instance} of {trace.n}")
        if trace.cost is not None:
            parts.append(f"J = {colors.fmt(trace.cost)}")
    return ", ".join(parts)


def _node_values(net, show, trace, instance) -> dict:
    if show not in ("activations", "errors", "blame"):
        return {}
    what = "a" if show == "activations" else "delta"
    out = {}
    for u in net.nodes:
        v = trace.node_value(u, what)
        if v is not None:
            out[u.name] = float(v[instance])
    return out


def _node_label(u, show, trace, instance) -> str:
    if show == "activations":
        z = trace.node_value(u, "z")
        a = float(trace.node_value(u, "a")[instance])
        if z is None:
            return f"{u.name}\\na={colors.fmt(a)}"
        return f"{u.name}\\nz={colors.fmt(float(z[instance]))}\\na={colors.fmt(a)}"
    d = float(trace.node_value(u, "delta")[instance])
    return f"{u.name}\\nδ={colors.fmt(d)}"


def _edges(g, net, layers, show, trace, instance, drawn, collapse, top_k, w_of, edge_labels):
    big = {lay.index for lay in layers if collapse and lay.size > collapse}
    groups: dict[tuple, list] = {}
    for lay in layers[1:]:
        for v in lay.nodes:
            if v.name not in drawn:
                continue
            for link in net._in_links(v):
                src = link.source
                if src is None or src.name not in drawn:
                    continue
                key = (src._layer.index, lay.index)
                groups.setdefault(key, []).append(link)
    chosen = []
    for key in sorted(groups):
        links = groups[key]
        if key[0] in big or key[1] in big:
            links = sorted(links, key=lambda li: (-abs(w_of(li)), li.source.name, li.target.name))
            links = links[:top_k]
        chosen.extend(links)
    values = [_edge_value(li, show, trace, instance, w_of) for li in chosen]
    vmax = max([abs(v) for v in values if v is not None] + [0.0])
    labels = edge_labels if edge_labels is not None else len(chosen) <= 40
    for link, v in zip(chosen, values):
        attrs = {}
        if v is None or show == "structure":
            attrs.update(color=colors.NEUTRAL, penwidth="0.8")
        else:
            width = 0.6 + 3.4 * abs(v) / vmax if vmax > 0 else 1.0
            if show in ("blame", "gradients"):
                attrs["color"] = colors.diverging(v, vmax)
            else:
                attrs["color"] = colors.EXCITATORY if v >= 0 else colors.INHIBITORY
            attrs["penwidth"] = f"{width:.2f}"
            if labels and show not in ("activations", "errors"):
                attrs["label"] = _signed(v)
                attrs["fontcolor"] = attrs["color"] if show == "weights" else "#333333"
        if show == "blame" and v is not None:
            attrs["dir"] = "back"  # blame flows from the unit it was passed back from
        g.edge(link.source.name, link.target.name, **attrs)


def _signed(v: float) -> str:
    s = colors.fmt(v)
    return s if s.startswith("-") or s == "0" else "+" + s


def _edge_value(link, show, trace, instance, w_of):
    if show == "structure":
        return None
    if show == "gradients":
        return float(trace.grad[link._i])
    if show == "blame":
        if link.is_bias:
            return None
        share = trace.blame(link.source).get(link.target.name)
        return None if share is None else float(share[instance])
    return w_of(link)


def _legend(g, show, vmax_node, trace) -> None:
    rows = []
    if show in ("weights", "activations", "errors"):
        rows += [(colors.EXCITATORY, "w > 0: excitatory"), (colors.INHIBITORY, "w < 0: inhibitory"),
                 (None, "edge width ∝ |w|")]
    if show == "activations":
        rows += [(colors.sequential(v), f"a = {v:g}") for v in (0.0, 0.25, 0.5, 0.75, 1.0)]
    if show in ("errors", "blame"):
        vm = vmax_node
        rows += [(colors.diverging(f * vm, vm), f"δ = {colors.fmt(f * vm)}")
                 for f in (-1.0, -0.5, 0.0, 0.5, 1.0)]
    if show == "blame":
        rows += [(None, "edge: blame share Θ_ji·δ_j, flowing back")]
    if show == "gradients":
        rows += [(colors.diverging(-1, 1), "∂J/∂w < 0"), (colors.diverging(1, 1), "∂J/∂w > 0"),
                 (None, "edge width ∝ |∂J/∂w|")]
    if not rows:
        rows = [(STYLE["input"]["fillcolor"], "input unit"),
                (STYLE["hidden"]["fillcolor"], "hidden unit"),
                (STYLE["output"]["fillcolor"], "output unit"),
                (STYLE["bias"]["fillcolor"], "+1: bias unit")]
    cells = "".join(
        f'<TR><TD BGCOLOR="{c}" WIDTH="18"> </TD><TD ALIGN="LEFT">{_html(t)}</TD></TR>'
        if c else f'<TR><TD></TD><TD ALIGN="LEFT">{_html(t)}</TD></TR>' for c, t in rows)
    with g.subgraph(name="cluster_legend") as c:
        c.attr(label="legend", style="rounded", color="#bbbbbb", fontsize="10")
        c.node("legend", label=f'<<TABLE BORDER="0" CELLSPACING="2">{cells}</TABLE>>',
               shape="plaintext", fontsize="9")


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _images(net, shape, image_dir) -> dict:
    """PNG files of each Layer 2 unit's incoming weights, by node name."""
    h, w = shape
    layers = net.layers
    if len(layers) < 2 or layers[0].size != h * w:
        raise ConfigError(f"hidden_images={shape} needs {h * w} inputs, the network has "
                          f"{layers[0].size}")
    folder = image_dir if image_dir is not None else tempfile.mkdtemp(prefix="neurograph-")
    os.makedirs(folder, exist_ok=True)
    out = {}
    for u in layers[1].nodes:
        weights = np.array([li.weight for li in net._in_links(u)[1:]])
        if len(weights) != h * w:
            continue
        path = os.path.join(folder, f"{_safe(u.name)}.png")
        with open(path, "wb") as f:
            f.write(png_bytes(weights.reshape(h, w), scale=6))
        out[u.name] = path
    return out


def hidden_unit_grid(net, shape: tuple[int, int] = (8, 8), path=None, layer: int = 2,
                     scale: int = 4) -> os.PathLike | bytes:
    """All units of ``layer`` as h×w pictures of their incoming weights, tiled in a grid.

    The slide's "visualization of hidden layer": black is the most inhibitory
    weight of a unit, white the most excitatory. Writes a PNG to ``path``
    (atomically) and returns the path, or returns the PNG bytes when ``path``
    is None.
    """
    from ..data.loaders import atomic_write
    from .png import grid, to_gray

    h, w = shape
    lays = net.layers
    if not 2 <= layer <= len(lays):
        raise ConfigError(f"layer must be in 2..{len(lays)}, got {layer}")
    if lays[layer - 2].size != h * w:
        raise ConfigError(f"shape {shape} needs {h * w} units in Layer {layer - 1}, it has "
                          f"{lays[layer - 2].size}")
    tiles = []
    for u in lays[layer - 1].nodes:
        wts = np.zeros(h * w)
        for li in net._in_links(u)[1:]:
            wts[li.source._pos] = li.weight
        tiles.append(to_gray(wts.reshape(h, w)))
    img = grid(tiles)
    data = png_bytes(img, scale=scale)
    if path is None:
        return data
    atomic_write(os.fspath(path), data)
    return path
