"""The explorer: one self-contained HTML page of a network over training.

Frames (one per sampled Step, read from its Trace), a switch of what is
shown (weights, activations, errors, blame, gradients, and health: the
findings of ng.diagnose for each frame's Trace), an instance picker, one
colour scale per view with its legend, the J(Θ) curve with axes (click to
jump), keys ← → Space Home End, and a panel that explains every unit and
link with the lecture's formulas, the Trace's own numbers and its findings.
The network is drawn as the lecture draws it ("+1" units with their bias links, an
image input as its picture, class names on the outputs, a grid layer as its feature maps:
a cell per unit, each conv map beside its kernel and ∂J/∂K, one line per pair of maps)
and is one Tab stop: the arrow keys walk its units and links, each named for screen
readers.
The page draws itself from the numbers it carries: nothing is fetched, it
opens offline.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from ..errors import ConfigError, renamed_keywords
from ..io import atomic_write
from ..notation import instance_label
from . import explorer as ex
from . import frames as frames_mod
from . import health
from . import htmlsafe as esc
from .views import VIEWS


class Page(type(Path())):
    """The path of a written page; Jupyter shows the page itself inline (an iframe)."""

    def _repr_html_(self) -> str:
        return inline(Path(self).read_text(encoding="utf-8"))


def inline(doc: str) -> str:
    """A page shown inside a notebook's output: an iframe of the whole document, so its
    script and style stay inside it."""
    return (f'<iframe srcdoc="{esc.text(doc)}" '
            'style="width:100%;height:860px;border:1px solid #ddd"></iframe>')


def _ticks(lo: float, hi: float, k: int = 5) -> list[float]:
    """About k round numbers covering [lo, hi]."""
    span = hi - lo or abs(hi) or 1.0
    step = 10 ** np.floor(np.log10(span / k))
    step *= min((m for m in (1, 2, 5, 10) if span / (m * step) <= k), default=10)
    first = np.ceil(lo / step) * step
    # none past hi: a tick beyond the axis's end is drawn outside the picture, clipped
    return [round(float(v), 12) for v in np.arange(first, hi + step / 2, step)
            if v <= hi + step * 1e-9]


def curve(costs: list, frame_x: list[int], val: list | None = None, val_x=None,
          width=520, height=170, pad=(48, 22, 16, 34), label: str = "J(Θ)",
          train: list | None = None) -> tuple[str, list, list]:
    """The J(Θ) curve as SVG with axes and tick labels; (svg, marker xs, marker ys).

    ``label`` names what ``costs`` are; ``train``: J on the training data at each frame's
    weights (at ``frame_x``), drawn as dots where it differs from the curve's J.

    >>> svg, xs, ys = curve([1.0, 0.5, 0.25], [0, 2])
    >>> svg.count('class="tick"') > 4, xs[0] < xs[1], ys[0] < ys[1]
    (True, True, True)
    """
    left, right, top, bottom = pad
    pts = [(i, c) for i, c in enumerate(costs) if c is not None and np.isfinite(c)]
    vpts = [(x, v) for x, v in zip(val_x or [], val or []) if v is not None and np.isfinite(v)]
    tpts = [(x, v) for x, v in zip(frame_x, train or []) if v is not None and np.isfinite(v)]
    if not pts:
        return '<svg id="curve"></svg>', [0] * len(frame_x), [0] * len(frame_x)
    ys_all = [c for _, c in pts + vpts + tpts]
    lo, hi = min(ys_all + [0.0]), max(ys_all)
    hi = hi if hi > lo else lo + 1.0
    n = max(len(costs) - 1, 1)

    def X(i):
        return round(left + (width - left - right) * i / n, 1)

    def Y(c):
        return round(height - bottom - (height - top - bottom) * (c - lo) / (hi - lo), 1)

    out = [f'<svg id="curve" width="{width}" height="{height}" '
           f'xmlns="http://www.w3.org/2000/svg" data-n="{n}">',
           f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" '
           f'y2="{height - bottom}" stroke="#555"/><line x1="{left}" y1="{top}" x2="{left}" '
           f'y2="{height - bottom}" stroke="#555"/>']
    for t in _ticks(lo, hi, 4):
        out.append(f'<text class="tick" x="{left - 4}" y="{Y(t) + 4}" text-anchor="end">'
                   f'{t:g}</text><line x1="{left - 3}" x2="{left}" y1="{Y(t)}" y2="{Y(t)}" '
                   'stroke="#555"/>')
    for t in _ticks(0, n, 6):
        out.append(f'<text class="tick" x="{X(t)}" y="{height - bottom + 14}" '
                   f'text-anchor="middle">{t:g}</text>')
    out.append(f'<text x="{width - right}" y="{height - 2}" text-anchor="end" class="axis">'
               f'step</text><text x="4" y="11" class="axis">{esc.text(label)}: '
               f'{pts[0][1]:.4g} → {pts[-1][1]:.4g}</text>')
    out.append('<polyline fill="none" stroke="#2171b5" stroke-width="2" points="'
               + " ".join(f"{X(i)},{Y(c)}" for i, c in pts) + '"/>')
    if vpts:
        out.append('<polyline id="valcurve" fill="none" stroke="#e6550d" stroke-width="2" '
                   'stroke-dasharray="5 3" points="'
                   + " ".join(f"{X(i)},{Y(c)}" for i, c in vpts) + '"/>'
                   f'<text x="{width - right}" y="{top + 10}" text-anchor="end" '
                   'fill="#e6550d" class="axis">validation J</text>')
    if tpts:
        out.append('<g id="trainj" fill="#31a354">' + "".join(
            f'<circle cx="{X(i)}" cy="{Y(c)}" r="2.5"/>' for i, c in tpts) +
            f'<text x="{left + 6}" y="{top + 10}" class="axis" fill="#31a354">'
            '• J on the training data at each frame</text></g>')
    xs, ys = [], []
    for s in frame_x:
        j = min(pts, key=lambda p: abs(p[0] - s))
        xs.append(X(s))
        ys.append(Y(j[1]))
    out.append('<circle id="marker" r="5" fill="#b2182b"/></svg>')
    return "".join(out), xs, ys


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath("static", name).read_text(encoding="utf-8")


@dataclass
class Frames:
    """What a page shows, made by the explorer part: one entry per frame (its Trace, the
    line under the slider, its x on the J curve, where it sits in the run, the instance a
    one-row Step is, what its static picture draws, its findings), and the run's J
    (and validation J) curve. ``weights_only``: a History's page (θ, no pass).
    ``rows``: the rows of the Traces the page offers; ``labels``: what the picker calls
    them (x(i): row i of the data); ``data_rows``: which rows of the data they are;
    ``replayed``: the Traces are the explorer's own passes over the data, one per frame.
    ``j``: each frame's J, named; ``curve_label``: what the J curve's values are."""

    traces: list
    infos: list
    xs: list
    costs: list
    where: list
    who: list
    shown: list
    findings: list
    weights_only: bool = False
    val: list | None = None
    val_x: list | None = None
    rows: list | None = None
    labels: list | None = None
    data_rows: list | None = None
    replayed: bool = False
    steps: list = field(default_factory=list)  # the Step of each frame, when it is one
    j: list = field(default_factory=list)
    curve_label: str = "J(Θ)"

    def __post_init__(self):
        self.j = self.j or [""] * len(self.traces)


@renamed_keywords("neurograph.render.page", instance="row")
def page(fr: Frames, path, net=None, show: str = "errors", instances=None,
         maps: dict | None = None, y=None, vmin: float | None = None,
         vmax: float | None = None, static: bool | None = None, shape=None, classes=None,
         plane: dict | None = None, **options) -> Page:
    """Write the explorer page of ``fr`` to ``path`` (one HTML file) and return it as a
    :class:`Page` (``ng.player`` makes the Frames of a run and calls this).

    Parameters
    ----------
    fr : the frames (:class:`Frames`).
    net : the network the Traces are of.
    show : the view shown first: weights, activations, errors, blame, gradients, or health
        (each frame's :func:`neurograph.diagnose` findings: units ringed and badged by
        kind, the links they name coloured, a legend of the frame's findings).
    instances : rows of the Traces offered by the picker (default: the first 50).
    maps : decision maps per frame (from :func:`neurograph.explorer.decision_maps`).
    plane : the transformed plane per frame (from
        :func:`neurograph.explorer.transformed_plane`), drawn beside the map.
    y : the targets of the instances, shown in the output panel (default a − δ).
    vmin, vmax : the ends of the error scale (δ, blame, ∂J/∂w); default ±max |value|
        over the run.
    static : also embed the lecture's Graphviz diagram, which the page colours as it
        draws (default: True unless a History's page); ``options`` go to
        :func:`neurograph.diagram` for it (large layers collapsed).
    shape : (height, width) of an image input, drawn as its picture (expandable to its
        units on the page); default: a square s_1 ≥ 16 (8×8, 20×20); False: never.
    classes : the output units' class names (default ``net.classes``).

    Examples
    --------
    >>> import neurograph as ng, tempfile, os
    >>> X, y = ng.data.truth_table("XOR")
    >>> net = ng.Network.from_architecture([2, 2, 1], seed=0)
    >>> steps = list(ng.Trainer(net, alpha=2.0).steps(X, y, every="epoch", epochs=3))
    >>> out = ng.player(steps, os.path.join(tempfile.mkdtemp(), "p.html"), net=net)
    >>> open(out, encoding="utf-8").read().count('class="frame"')
    3
    """
    doc = document(*parts(fr, net, show, instances, maps, y, vmin, vmax, static, shape=shape,
                          classes=classes, plane=plane, **options))
    page = Page(path)
    atomic_write(os.fspath(page), doc.encode("utf-8"))
    return page


def parts(fr: Frames, net, show: str = "errors", instances=None, maps: dict | None = None,
          y=None, vmin: float | None = None, vmax: float | None = None,
          static: bool | None = None, shape=None, classes=None, plane: dict | None = None,
          **options) -> tuple[str, dict]:
    """(body, data) of the explorer page of ``fr``: its markup (names escaped) and the
    numbers its script draws; :func:`page` writes them as one file, the live explorer
    sends them to its widget. The arguments are :func:`page`'s."""
    if net is None:
        raise ConfigError("player needs net=the network the steps belong to")
    if show not in ex.PAGE_VIEWS:
        raise ConfigError(f"show must be one of {', '.join(ex.PAGE_VIEWS)}, got {show!r}")
    frames_mod.check_options(options)
    traces, infos, xs, costs, who = fr.traces, fr.infos, fr.xs, fr.costs, fr.who
    ex.check_frames(net, traces, fr.where)
    if fr.rows is None:  # rows of the Traces as given, called x(i)
        fr.rows = fr.data_rows = ex.pick_instances(traces[0].n, instances) \
            if traces[0].n else []
        fr.labels = [instance_label(r) for r in fr.rows]
        y = None if y is None else ex.targets(net, y, traces[0].n)[fr.rows]
    rows = fr.rows
    frame_maps = None if maps is None else [maps["frames"][k] for k in range(len(traces))]
    offsets, packed = ex.pack(net, traces, rows, frame_maps,
                              None if plane is None else plane["frames"])
    if static is None:
        static = not fr.weights_only
    picture, user = "", (vmin is not None or vmax is not None)
    if static:
        picture = frames_mod.page_picture(net, show, fr.shown[0],
                                          fr.findings[0] if show == "health" else None,
                                          **options)
    scl = ex.scales(net, traces, rows, (vmin, vmax) if user else None)
    svg, mx, my = curve(costs, xs, fr.val, fr.val_x, label=fr.curve_label,
                        train=[t.cost for t in traces] if fr.replayed else None)
    data = {"layout": ex.layout(net, shape, classes), "offsets": offsets, "packed": packed,
            "scales": scl, "palette": ex.palette(), "rules": ex.rules(net, traces[0].loss),
            "views": {v: VIEWS[v].page() for v in ex.PAGE_VIEWS},
            "instances": list(fr.labels), "rows": list(fr.data_rows),
            "y": None if y is None else np.asarray(y).tolist(),
            "frames": infos, "marker": {"x": mx, "y": my}, "view": show,
            "health": {"badges": health.BADGES,
                       "frames": health.pack_findings(net, fr.findings)},
            "maps": None if maps is None else {k: v for k, v in maps.items() if k != "frames"},
            "plane": None if plane is None else ex.plane_meta(net, plane)}
    picker = "".join(f'<option value="{k}">{esc.text(lab)}</option>'
                     for k, lab in enumerate(data["instances"]))
    views = "".join(f'<option value="{v}"{" selected" if v == show else ""}>{v}</option>'
                    for v in ex.PAGE_VIEWS)
    frames = frame_markup(net, show, infos, who, fr.j, data["instances"])
    # the body of the page, in the order it shows; document() puts it in a file
    out = (f"<h2>{esc.text(heading(net, len(infos)))}</h2>"
           f'<div id="title" data-s="{net.s}"></div>'
           f'<div id="controls"><button id="prev">◀ step</button>'
           f'<button id="play">▶ play</button><button id="next">step ▶</button>'
           f'<input type="range" id="slider" min="0" max="{len(infos) - 1}" value="0">'
           f'<label>show <select id="view">{views}</select></label>'
           f'<label>instance <select id="instance">{picker}</select></label>'
           f'<label>scale <select id="scale"><option value="">as the view says</option>'
           + "".join(f'<option value="{p}">per {p}</option>' for p in ex.POLICIES) +
           '</select></label>'
           f'<span id="info"></span></div>'
           f'<div id="main"><svg id="net" xmlns="http://www.w3.org/2000/svg"></svg>'
           f'<div id="panel" role="status" aria-live="polite">Hover or focus (Tab) a unit or '
           f'a link: its numbers and formulas appear here.</div></div>'
           f'<div id="top">{svg}<div id="legend"></div>'
           f'<div id="maps"><div id="mapbox"></div><div id="planebox"></div></div></div>'
           f'<div id="frames">{frames}</div>{_static(picture)}'
           f'<p class="keys">Keys: ← → step, Space play/pause, Home/End first/last frame. '
           'In the network (Tab into it, Tab out): ↑ ↓ move within a layer, or among the '
           'links being followed; → follows a unit\'s outgoing links, ← its incoming ones (a '
           'map\'s unit: its kernel, whose entries ↑ ↓ walk, its bias b last, and → leaves); '
           'on a link → goes to its target, ← to its source; Space, Home, End still step. '
           f'Click the J curve to jump.</p>')
    return out, data


def frame_markup(net, show: str, infos: list, who: list, js: list, labels: list) -> str:
    """The page's frame entries (line under the slider, instance, J, title), names
    escaped: :func:`parts` writes them, the live explorer sends those of new frames."""
    labels = labels or ["—"]
    return "".join(
        f'<div class="frame" data-info="{esc.text(info)}"{esc.attr("data-who", w)} '
        f'data-j="{esc.text(j)}" data-title="'
        f'{esc.text(_title(net, show, w or labels[0], j))}"></div>'
        for info, w, j in zip(infos, who, js))


def heading(net, frames: int) -> str:
    """The page's heading: the architecture and how many frames it holds."""
    return f"neurograph explorer: s = {net.s}, {frames} frames"


def document(body: str, data: dict) -> str:
    """The self-contained page (one HTML document) of :func:`parts`' body and data."""
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>neurograph explorer</title><style>{_asset('explorer.css')}</style></head>"
            f"<body>{body}"
            f'<script>const DATA = {esc.json_for_script(data)};</script>'
            f"<script>{_asset('explorer.js')}</script></body></html>\n")


def _title(net, show, who, j: str) -> str:
    return f"s = {net.s}, show = {show}, instance {who}" + (f", {j}" if j else "")


def _static(svg: str) -> str:
    if not svg:
        return ""
    return ('<details id="static"><summary>this frame as the lecture\'s diagram (Graphviz)'
            '</summary><p>Laid out by Graphviz, coloured by the page: the view, instance, '
            f'frame and scale shown above, the legend above.</p>{svg}</details>')

