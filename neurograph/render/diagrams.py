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

import numpy as np

from ..errors import ConfigError, renamed_keywords
from ..notation import instance_label
from . import colors, maps
from .dotsafe import Ids, text
from .health import mark_findings
from .lab import overlay
from .legend import STYLE, legend
from .output import Diagram
from .pictures import unit_pictures
from .views import VIEWS, link_value, node_label, node_values, view

# the views drawn from a network and, for values, a Trace (health and changes draw data)
SHOWS = tuple(v.name for v in VIEWS.values() if v.needs not in ("diagnosis", "comparison"))
NEEDS_TRACE = frozenset(v.name for v in VIEWS.values() if v.needs_trace())
def unpack(trace):
    """(Trace, data index of its only row or None): a Step of one instance names x(i).
    A Step is read by its fields (render stands below train and draws what it is given)."""
    if hasattr(trace, "phase") and hasattr(trace, "trace"):
        one = trace.instance is not None and trace.trace is not None and trace.trace.n == 1
        return trace.trace, (trace.instance if one else None)
    return trace, None


def _check(net, show, trace, row):
    """The row of the trace drawn: ``row`` checked, or its default (None: the batch)."""
    v = view(show)
    need = "delta" if v.link_one and row is not None else v.needs
    if need in ("a", "delta", "grad"):
        if trace is None:
            how = "net.forward(X)" if need == "a" else "net.backward(X, Y)"
            raise ConfigError(f"show={show!r} needs a trace: pass trace={how}")
        if need == "grad" and trace.grad is None:
            raise ConfigError("show='gradients' of the batch needs ∂J/∂w: trace=net.backward("
                              "X, Y), or row=k for the own a·δ of the trace's row k")
        if need == "delta" and trace.delta is None:
            raise ConfigError(f"show={show!r} needs a backward pass: trace=net.backward(X, Y)")
    if trace is None:
        return None
    trace.check(net)
    if row is None:
        return 0 if v.needs in ("a", "delta") else None
    if isinstance(row, bool) or not isinstance(row, (int, np.integer)):
        raise ConfigError(f"row must be a 0-based row of the trace or None, got {row!r}")
    if not 0 <= row < trace.n:
        raise ConfigError(f"row must be in 0..{trace.n - 1} (0-based rows of the trace), "
                          f"got {row}")
    return int(row)


def _scale(values, vmin, vmax) -> tuple[float, float]:
    """(lo, hi) of a picture's one error scale: the user's ends, else ±max |value|."""
    if vmin is None and vmax is None:
        m = max([abs(v) for v in values if np.isfinite(v)] + [0.0])
        return -m, m
    lo = -vmax if vmin is None else float(vmin)
    hi = -vmin if vmax is None else float(vmax)
    if not (np.isfinite(lo) and np.isfinite(hi) and lo <= 0 <= hi and lo < hi):
        raise ConfigError(f"vmin, vmax must be finite with vmin ≤ 0 ≤ vmax and vmin < vmax "
                          f"(the scale is centred on 0), got vmin={vmin}, vmax={vmax}")
    return lo, hi


def _visible(layer, collapse: int, keep=frozenset()) -> tuple[list, dict]:
    """(units drawn, {k: units hidden just before the k-th drawn}) of a layer. A layer of
    more than ``collapse`` units draws its first two, its last and those named in
    ``keep``; each run of units between them becomes one "… k more"."""
    nodes = layer.nodes
    if not collapse or len(nodes) <= collapse:
        return list(nodes), {}
    shown = [k for k, u in enumerate(nodes) if k < 2 or k == len(nodes) - 1 or u.name in keep]
    gaps = {i: k - before - 1 for i, (before, k) in enumerate(zip([-1] + shown, shown))
            if k - before > 1}
    return [nodes[k] for k in shown], gaps


def _kept(net, keep) -> frozenset:
    """Names of the units ``keep`` lists (nodes or names), each checked to be one of net's."""
    if keep is None:
        return frozenset()
    if isinstance(keep, str) or hasattr(keep, "name") or not hasattr(keep, "__iter__"):
        raise ConfigError(f"keep must list units (nodes or names), got {keep!r}")
    names = []
    for k in keep:
        name = getattr(k, "name", k)
        if not isinstance(name, str) or name not in net or (hasattr(k, "network")
                                                             and k.network is not net):
            raise ConfigError(f"keep names {k!r}, which is not a unit of this network")
        names.append(name)
    return frozenset(names)


@renamed_keywords("neurograph.render.diagram", instance="row")
def diagram(net, show: str = "structure", trace=None, row: int | None = None,
            collapse: int = 12, top_k: int = 24, hidden_images: tuple[int, int] | None = None,
            image_dir: str | os.PathLike | None = None, edge_labels: bool | None = None,
            title: str | None = None, vmin: float | None = None,
            vmax: float | None = None, values=None, label: str | None = None,
            between=None, diagnosis=None, keep=None, receptive_field=None) -> Diagram:
    """Draw ``net`` as a ``graphviz.Digraph`` (a :class:`Diagram`, which carries its pictures).

    Parameters
    ----------
    show : a view of :data:`neurograph.render.views.TABLE`: "structure", "weights",
        "activations", "signals", "errors", "blame", "gradients", "health", "changes".
        Weights colour edges by sign (w > 0 green, w < 0 purple) and width by
        |w|; activations fill units by a (z and a in the label); signals label
        each link with its w·a of the row and each unit with z; errors fill
        units by δ on the red/blue error scale; blame labels each edge with
        Θ_ji·δ_j, drawn flowing backward; gradients colour edges by ∂J/∂w of
        the batch, or by one row's own a_i·δ_j when ``row`` is given.
    trace : a Trace (``net.backward(X, Y)``) or a training Step: the values
        shown, and the weights as they were at that pass.
    row : 0-based row of the trace, named x(row + 1) in the title (formerly
        ``instance=``: it warns). None (default) means row 0 for activations,
        errors and blame, and the whole batch for gradients. A Step of one
        instance names the training example it is, x(step.instance + 1).
    vmin, vmax : ends of the error scale (δ, blame, gradients), vmin ≤ 0 ≤ vmax;
        by default ±max |value| in the picture. Give them to compare pictures.
    collapse : a layer with more units is drawn as its first two, its last,
        the units in ``keep`` and "… k more" for each run of units left out; the
        links of such layers are cut to the ``top_k`` strongest by |w|.
    keep : units (nodes or names) a collapsed layer always draws: the ones the
        picture is about (a lesion study's largest |ΔJ|, say).
    hidden_images : (h, w): draw each Layer 2 unit's incoming weights as an
        h×w grey-scale picture inside its node, pixel k the weight from input
        unit k. The pictures travel with the diagram as bytes; rendering it
        writes them, into ``image_dir`` (kept) or a temporary folder.
    values, label : {node or name: number} filling the units on the red/blue
        scale, with ``label`` in the legend (any per-unit measure).
    between : for show="changes", a Comparison (``ng.compare(a, b)``): edges by Δw,
        units by Δδ. Frozen links are dashed. (``ng.diagram`` also takes (a, b).)
    receptive_field : a unit of a grid layer (or one fed by one), or its name
        ("c1[0,1,1]"): its links drawn one by one from the input cells of its
        window to its cell, with the view's values. Grid layers (``add_inputs``,
        ``add_conv``, ``add_pool``) are drawn as their feature maps: a grid per map
        (a cell per unit, filled by the view's value), each conv map's kernels as
        small pictures of their values, and links collapsed into one edge per map.
    diagnosis : for show="health", the Diagnosis to draw (``ng.diagnose(trace)``;
        ``ng.diagram`` makes it when not given). Render draws; it never diagnoses.

    Raises
    ------
    ConfigError
        Unknown ``show``, a show that needs a trace without one, a trace of
        another topology, a row out of range (or both row= and instance=), a bad vmin/vmax.

    Examples
    --------
    >>> import neurograph as ng
    >>> X, y = ng.data.truth_table("XOR")
    >>> net = ng.Network.from_thetas([[[-30.0, 20.0, 20.0]]])
    >>> tr = net.backward(X, y)
    >>> "batch of 4" in ng.diagram(net, show="gradients", trace=tr).source
    True
    >>> "instance x(2) of 4" in ng.diagram(net, show="gradients", trace=tr, row=1).source
    True
    """
    v = view(show)
    if v.needs == "diagnosis":  # findings drawn on the structure
        if diagnosis is None:
            raise ConfigError("show='health' draws a diagnosis: pass diagnosis="
                              "ng.diagnose(trace) (ng.diagram(net, show='health', trace=...) "
                              "makes it for you)")
        tr = unpack(trace)[0]
        n = len(list(diagnosis))
        title = title or _title(net, v, tr, None, None) + (
            f", {n} finding(s)" if n else ", healthy")
        return mark_findings(diagram(net, "structure", tr, collapse=collapse, top_k=top_k,
                                     title=title, keep=keep), net, diagnosis)
    over = overlay(net, show, values, label, between)
    if over is not None and over.edges is not None:
        v, trace = view("structure"), None
    trace, data_index = unpack(trace)
    row = _check(net, v.name, trace, row)
    layers = net.layers
    keep = _kept(net, keep)
    grids = maps.grid_layers(net)
    rf = maps.receptive_field(net, receptive_field, grids) if receptive_field else (None, [])
    maps.choose(grids, collapse, keep | {li.source.name for li in rf[1]} | {rf[0] and rf[0].name})
    cells = maps.where(grids)  # unit name → (map node, port): the units drawn as cells
    w_of = (lambda link: float(trace.theta[link._i])) if trace is not None else \
        (lambda link: link.weight)
    ids = Ids([n.name for lay in layers for n in ([lay.bias] if lay.bias else []) + lay.nodes])
    pictures = unit_pictures(net, hidden_images, weight=w_of) if hidden_images else {}
    files = {name: f"{_safe(name)}.png" for name in pictures}
    g = Diagram("neurograph", images={files[n]: png for n, png in pictures.items()},
                image_dir=image_dir, graph_attr={
        # mclimit=0 keeps the declared order: bias unit on top, then units 1..s_l, as drawn
        # on the slides (crossing minimisation would shuffle them).
        "rankdir": "LR", "newrank": "true", "mclimit": "0", "remincross": "false",
        "nodesep": "0.25", "ranksep": "1.1",
        "fontname": "Helvetica", "labelloc": "t", "fontsize": "14"},
        node_attr={"fontname": "Helvetica", "fontsize": "11", "width": "0.75",
                   "fixedsize": "false"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9", "arrowsize": "0.6"})
    g.attr(label=text(title or (over.title if over else _title(net, v, trace, row,
                                                              data_index))))

    drawn: dict[str, bool] = {}
    vals = node_values(net, v, trace, row) if over is None else over.units
    shown = drawn_names(layers, collapse, keep)
    chosen = [li for li in _chosen_links(net, layers, shown, collapse, top_k, w_of)
              if li.source.name not in cells and li.target.name not in cells] + rf[1]
    evals = [link_value(v, li, trace, row, w_of) if over is None or over.edges is None
             else over.edges.get((li.source.name, li.target.name)) for li in chosen]
    lo, hi = _scale(_on_error_scale(v, vals, evals) if over is None else
                    list(vals.values()), vmin, vmax)
    edge_scale = (lo, hi) if over is None or over.edges is None else \
        _scale([e for e in evals if e is not None], None, None)
    seq = _seq_ends(v, vals)

    def fill_of(name):  # a unit's fill on the view's scale, None for its kind's colour
        if name not in vals:
            return None
        x = vals[name]
        return colors.sequential((x - seq[0]) / (seq[1] - seq[0])) \
            if over is None and v.unit_palette == "seq" else colors.diverging(x, hi, lo)

    for lay in layers:
        nodes, gaps = ([], {}) if lay.index in grids else _visible(lay, collapse, keep)
        kind = "input" if lay.index == 1 else ("output" if lay is layers[-1] else "hidden")
        with g.subgraph(name=f"cluster_layer{lay.index}") as c:
            c.attr(label=f"Layer {lay.index}", style="rounded", color="#bbbbbb", rank="same",
                   fontsize="12")
            order = []
            if lay.bias is not None:
                c.node(ids[lay.bias.name], label="+1", **STYLE["bias"])
                drawn[lay.bias.name] = True
                order.append(ids[lay.bias.name])
            for k, u in enumerate(nodes):
                if k in gaps:  # "… k more" stands where the units it stands for are
                    gap = ids.own(f"more{lay.index}" + (f"_{k}" if k > min(gaps) else ""))
                    c.node(gap, label=f"… {gaps[k]} more", shape="plaintext",
                           fontcolor="#555555")
                    order.append(gap)
                order.append(ids[u.name])
                attrs = dict(STYLE[kind])
                label = text(over.node_label(u.name)) if over and u.name in vals else \
                    node_label(u, v, trace, row)
                if u.name in vals:
                    fill = fill_of(u.name)
                    attrs.update(fillcolor=fill, fontcolor=colors.text_color(fill))
                elif "div" in (v.unit_palette, v.link_palette):
                    # a kind's pastel fill would read as a value on the red/blue error scale
                    attrs["fillcolor"] = "#ffffff"
                if u.name in files:
                    # the picture on top, the name below it: never drawn over each other
                    attrs.update(image=files[u.name], shape="box", imagescale="true",
                                 imagepos="tc", width="0.9", height="1.15", fixedsize="true",
                                 labelloc="b", style="filled", fillcolor="#ffffff")
                c.node(ids[u.name], label=label, **attrs)
                drawn[u.name] = True
            if lay.index in grids:
                order += maps.draw(c, lay.index, grids[lay.index], fill_of, vals.get,
                                   lambda P: P.value if trace is None else trace.theta[P.indices],
                                   {li.source.name for li in rf[1]} | {getattr(rf[0], "name", "")},
                                   trace.grad if v.needs == "grad" and row is None else None,
                                   "#ffffff" if "div" in (v.unit_palette, v.link_palette)
                                   else STYLE[kind]["fillcolor"])
            for a, b in zip(order[1:], order):  # a flat edge's tail goes below in LR
                c.edge(a, b, style="invis")
    changes = over is not None and over.edges is not None
    _edges(g, lambda n: ":".join(cells[n]) if n in cells else ids[n],
           VIEWS["gradients"] if changes else v, chosen, evals, edge_scale, edge_labels)
    for tail, head, links in maps.collapsed(net, grids, shown, ids):
        if not all(li.target is rf[0] for li in links):  # the receptive field draws those
            g.edge(tail, head, color=colors.NEUTRAL, penwidth="1.2", tooltip=f"{len(links)} links")
    g.cells = cells  # findings on units drawn as cells are marked on their map
    extra = [(None, "dashed edge: frozen weight")] if any(li.frozen for li in chosen) else []
    extra += [(None, "grid: a feature map, a cell per unit; K: a kernel (green > 0, "
               "purple < 0); one edge per map" + ("; ∂J/∂K red/blue to its layer's max |∂J/∂K|"
                                                  if v.needs == "grad" and row is None else ""))
              ] if grids else []
    legend(g, v, (lo, hi), seq, row, extra, over.legend((lo, hi), edge_scale) if over else None)
    return g


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


@renamed_keywords("neurograph.render.diagrams.edge_values", instance="row")
def edge_values(net, show: str, trace, row: int | None = None) -> dict:
    """{(source name, target name): value} of every link, as ``diagram`` draws it.

    The value is the product of the view's factors: w for "weights", w·a for
    "signals", the blame share Θ_ji·δ_j for "blame", and for "gradients" the
    batch's ∂J/∂w (``row=None``) or the trace's row k's own a_i·δ_j (None where the
    backward sweep has not reached the link).

    >>> import neurograph as ng
    >>> net = ng.Network.from_thetas([[[-30.0, 20.0, 20.0]]])
    >>> tr = net.backward([[1.0, 1.0]], [0])
    >>> v = edge_values(net, "gradients", tr, row=0)
    >>> bool(v[("x1", "a2_1")] == tr.layer(1)["a"][0, 0] * tr.layer(2)["delta"][0, 0])
    True
    """
    trace, _ = unpack(trace)
    row = _check(net, show, trace, row)
    w_of = (lambda link: float(trace.theta[link._i])) if trace is not None else \
        (lambda link: link.weight)
    out = {}
    for lay in net.layers[1:]:
        for u in lay.nodes:
            for link in net._in_links(u):
                if link.source is not None:
                    out[link.source.name, u.name] = link_value(view(show), link, trace, row,
                                                               w_of)
    return out


def scale_values(net, show: str, trace, row: int | None = None) -> list:
    """The values a picture puts on its error scale (its "div" palettes): none for the
    other views. A player takes its one scale for the whole run from these."""
    v = view(show)
    tr, _ = unpack(trace)
    row = _check(net, show, tr, row)
    links = [li for li in net.links if not li.is_bias] if v.link_palette == "div" else []
    w_of = lambda link: float(tr.theta[link._i])  # noqa: E731
    return _on_error_scale(v, node_values(net, v, tr, row),
                           [link_value(v, li, tr, row, w_of) for li in links])


def _on_error_scale(v, units: dict, links: list) -> list:
    """The values of a picture on the red/blue error scale: one scale, one meaning."""
    out = [x for x in links if x is not None] if v.link_palette == "div" else []
    return out + (list(units.values()) if v.unit_palette == "div" else [])


def _seq_ends(v, units: dict) -> tuple[float, float]:
    """(lo, hi) of a sequential unit scale: the values' range, covering the view's ends."""
    lo, hi = v.unit_scale.ends or (0.0, 1.0)
    if v.unit_scale.policy == "fixed" or not units:
        return lo, hi
    finite = [x for x in units.values() if np.isfinite(x)]
    return min(finite + [lo]), max(finite + [hi])


def drawn_names(layers, collapse: int, keep=frozenset()) -> set:
    """Names of the units and bias units a diagram draws (collapsed layers cut)."""
    out = set()
    for lay in layers:
        if lay.bias is not None:
            out.add(lay.bias.name)
        out.update(u.name for u in _visible(lay, collapse, keep)[0])
    return out


def _title(net, v, trace, row, data_index) -> str:
    parts = [f"s = {net.s}", f"show = {v.name}"]
    if trace is not None and v.name != "structure":
        if v.needs == "grad" and row is None:
            parts.append(f"batch of {trace.n}: {v.link_legend}")
        elif row is not None and v.needs is not None:
            who = instance_label(data_index) if data_index is not None else \
                instance_label(row, trace.n)
            parts.append(f"instance {who}" + (": a·δ" if v.link_one else ""))
        if trace.cost is not None:
            parts.append(f"J = {colors.fmt(trace.cost)}")
    return ", ".join(parts)


def _chosen_links(net, layers, drawn, collapse, top_k, w_of) -> list:
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
    return chosen


def _edges(g, at, v, chosen, values, scale, edge_labels):
    lo, hi = scale
    vmax = max([abs(x) for x in values if x is not None] + [0.0])
    labels = edge_labels if edge_labels is not None else len(chosen) <= 40
    for link, x in zip(chosen, values):
        attrs = {}
        if x is None or not v.link:
            attrs.update(color=colors.NEUTRAL, penwidth="0.8")
        else:
            width = 0.6 + 3.4 * abs(x) / vmax if vmax > 0 else 1.0
            if v.link_palette == "div":
                attrs["color"] = colors.diverging(x, hi, lo)
            else:
                attrs["color"] = colors.EXCITATORY if x >= 0 else colors.INHIBITORY
            attrs["penwidth"] = f"{width:.2f}"
            if labels and v.link_labels:
                attrs["label"] = _signed(x)
                attrs["fontcolor"] = attrs["color"] if v.link_palette == "sign" else "#333333"
        if v.backward and x is not None:
            attrs["dir"] = "back"  # blame flows from the unit it was passed back from
        if link.frozen:
            attrs["style"] = "dashed"
        g.edge(at(link.source.name), at(link.target.name), **attrs)


def _signed(v: float) -> str:
    s = colors.fmt(v)
    return s if s.startswith("-") or s == "0" else "+" + s
