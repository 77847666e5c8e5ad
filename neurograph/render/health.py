"""show="health": a diagnosis drawn on the network — an outline and badge per kind of
finding on its units, its links coloured, and a legend; and the same findings per
frame for the explorer page's health view (one set of colours and badges for both).

>>> import neurograph as ng
>>> X, y = ng.data.truth_table("XOR")
>>> net = ng.Network.from_architecture([2, 2, 1]); net.weights.theta[:] = 0
>>> src = ng.diagram(net, show="health", trace=net.backward(X, y)).source
>>> "symmetric" in src and 'a2_1 [color="#7b3294"' in src
True
"""

from __future__ import annotations

from .dotsafe import Ids, html, text

# one colour and badge per kind of finding
BADGES = {
    "nonfinite": ("#d7191c", "NaN"), "symmetric": ("#7b3294", "≡"),
    "saturated": ("#fdae61", "sat"), "dead": ("#404040", "dead"),
    "vanishing": ("#2c7bb6", "δ↓"), "exploding": ("#e66101", "δ↑"),
    "stuck_output": ("#a6611a", "stuck"), "stuck_cost": ("#a6611a", "J flat"),
    "learning_rate": ("#b2182b", "α"), "huge_weights": ("#ca0020", "|w|≫"),
}


def health_diagram(net, trace=None, diagnosis=None, **kw):
    """The structure diagram with each finding of ``diagnosis`` (default: a diagnosis of
    ``trace``, or of the weights alone) marked on its units and links."""
    from ..diagnosis import diagnose
    from .diagrams import _title, _unpack, diagram

    tr, _ = _unpack(trace)
    if diagnosis is None:
        diagnosis = diagnose(tr, net=net) if tr is not None else diagnose(net)
    n = len(list(diagnosis))  # a Diagnosis, or a frame's list of findings
    title = kw.pop("title", None) or _title(net, "health", tr, None, None) + (
        f", {n} finding(s)" if n else ", healthy")
    g = diagram(net, show="structure", trace=tr, title=title, **kw)
    ids = Ids([n.name for lay in net.layers
               for n in ([lay.bias] if lay.bias else []) + lay.nodes])
    badges: dict[str, list[str]] = {}
    kinds = []
    for f in diagnosis:
        color, badge = BADGES.get(f.kind, ("#000000", f.kind))
        kinds.append(f.kind)
        for u in f.units:
            if u in net:
                badges.setdefault(u, []).append(badge)
                g.node(ids[u], color=color, penwidth="3")
        for name in f.links:
            src, dst = name.split("→")
            if src != "+1" and src in net and dst in net:
                g.edge(ids[src], ids[dst], color=color, penwidth="2.5")
    for u, marks in badges.items():
        g.node(ids[u], xlabel=text(" ".join(dict.fromkeys(marks))))
    rows = "".join(
        f'<TR><TD BGCOLOR="{BADGES.get(k, ("#000000",))[0]}" WIDTH="18"> </TD>'
        f'<TD ALIGN="LEFT">{html(BADGES.get(k, ("", k))[1])}: {html(k)}</TD></TR>'
        for k in dict.fromkeys(kinds)) or '<TR><TD>healthy: no findings</TD></TR>'
    with g.subgraph(name="cluster_health") as c:
        c.attr(label="findings", style="rounded", color="#bbbbbb", fontsize="10")
        c.node(Ids.own("health"), label=f'<<TABLE BORDER="0" CELLSPACING="2">{rows}</TABLE>>',
               shape="plaintext", fontsize="9")
    return g


def frame_diagnoses(net, traces, history=None) -> list[list]:
    """The findings of each Trace, one list per frame. A Trace of weights alone
    (``history`` given: the page of a History) is diagnosed by its weights, with the
    run's own findings (J flat, α too large) added."""
    from ..diagnosis import diagnose

    # a History's frame holds θ and no pass: only what the weights and J can say
    return [list(diagnose(tr, net=net)) if history is None else
            list(diagnose(net)) + list(diagnose(history, net=net)) for tr in traces]


def frame_findings(net, traces, history=None, found=None) -> list[list]:
    """The findings of each Trace packed for the explorer page, one list per frame
    (``found``: :func:`frame_diagnoses` of them, when already made).

    A finding is ``[kind, units, links, summary, advice]``: units as positions in
    layer order (the page's layout), links as indices into θ (``link.index``).

    >>> import neurograph as ng
    >>> X, y = ng.data.truth_table("XOR")
    >>> net = ng.Network.from_architecture([2, 2, 1]); net.weights.theta[:] = 0
    >>> [f[:2] for f in frame_findings(net, [net.backward(X, y)])[0]][0]
    ['symmetric', [2, 3]]
    """
    from ..diagnosis.checks import link_name

    if found is None:
        found = frame_diagnoses(net, traces, history)
    unit_at = {u.name: k for k, u in enumerate(u for lay in net.layers for u in lay.nodes)}
    link_at = {link_name(k): k.index for k in net.links}
    return [[[f.kind, [unit_at[u] for u in f.units if u in unit_at],
              [link_at[n] for n in f.links if n in link_at], f.summary, f.advice]
             for f in frame] for frame in found]
