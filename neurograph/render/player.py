"""A training player: one self-contained HTML file of the network over training.

SVG frames (one per sampled Step, drawn from its Trace), a slider, play and
step buttons, and the J(Θ) curve with a marker at the current frame. Nothing
is loaded from the network: the file opens anywhere.
"""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path

import numpy as np

from ..errors import ConfigError
from ..io import atomic_write
from ..notation import instance_label
from ..train.trainer import History
from . import colors
from .diagrams import diagram, scale_values
from .output import pipe

_CSS = """
body { font-family: Helvetica, Arial, sans-serif; margin: 1.2em; color: #222; }
#controls { display: flex; gap: .6em; align-items: center; margin: .6em 0; }
#slider { width: 28em; }
#info { font-family: monospace; }
.frame svg { max-width: 100%; height: auto; }
#curve { border: 1px solid #ddd; }
"""

_JS = """
const frames = Array.from(document.querySelectorAll('.frame'));
const slider = document.getElementById('slider');
const info = document.getElementById('info');
const marker = document.getElementById('marker');
const xs = %s, ys = %s;
let timer = null;
function show(i) {
  i = Math.max(0, Math.min(frames.length - 1, i));
  frames.forEach((f, k) => { f.style.display = (k === i) ? 'block' : 'none'; });
  slider.value = i;
  info.textContent = frames[i].dataset.info;
  marker.setAttribute('cx', xs[i]);
  marker.setAttribute('cy', ys[i]);
  document.body.dataset.frame = String(i);
}
slider.addEventListener('input', () => show(parseInt(slider.value, 10)));
const at = () => parseInt(slider.value, 10);
document.getElementById('prev').addEventListener('click', () => show(at() - 1));
document.getElementById('next').addEventListener('click', () => show(at() + 1));
document.getElementById('play').addEventListener('click', (e) => {
  if (timer) { clearInterval(timer); timer = null; e.target.textContent = '▶ play'; return; }
  e.target.textContent = '❚❚ pause';
  timer = setInterval(() => {
    const i = parseInt(slider.value, 10);
    if (i >= frames.length - 1) { clearInterval(timer); timer = null;
      document.getElementById('play').textContent = '▶ play'; return; }
    show(i + 1);
  }, 400);
});
show(0);
"""


def _svg(dot, k: int) -> str:
    svg = pipe(dot, "svg").decode()
    svg = svg[svg.index("<svg"):]  # drop the XML prolog and doctype
    return re.sub(r'id="', f'id="f{k}_', svg)


def _curve(costs: list, frame_steps: list[int], width=560, height=160, pad=28):
    idx = [i for i, c in enumerate(costs) if c is not None and np.isfinite(c)]
    if not idx:
        return "<svg></svg>", [0] * len(frame_steps), [0] * len(frame_steps)
    vals = np.array([costs[i] for i in idx])
    lo, hi = float(vals.min()), float(vals.max())
    span = hi - lo or 1.0
    n = max(len(costs) - 1, 1)

    def xy(i, c):
        return (pad + (width - 2 * pad) * i / n,
                height - pad - (height - 2 * pad) * (c - lo) / span)

    pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, costs[i]) for i in idx))
    xs, ys = [], []
    for s in frame_steps:
        j = min(idx, key=lambda i: abs(i - s))
        x, y = xy(j, costs[j])
        xs.append(round(x, 1))
        ys.append(round(y, 1))
    svg = (f'<svg id="curve" width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
           f'<text x="{pad}" y="16" font-size="12">J(Θ) over training: {hi:.4g} → '
           f'{costs[idx[-1]]:.4g}</text>'
           f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" '
           f'stroke="#999"/><polyline fill="none" stroke="#2171b5" stroke-width="2" '
           f'points="{pts}"/><circle id="marker" r="5" fill="#b2182b"/></svg>')
    return svg, xs, ys


def _scale_note(vmin, vmax) -> str:
    if vmin is None and vmax is None:
        return ""
    lo, hi = (-vmax if vmin is None else vmin), (-vmin if vmax is None else vmax)
    return (f'<p id="scale">One colour scale for every frame: {colors.fmt(lo)} (blue) to '
            f"{colors.fmt(hi)} (red).</p>")


def player(steps_or_history, path, net=None, show: str = "errors", max_frames: int = 60,
           vmin: float | None = None, vmax: float | None = None, **options) -> Path:
    """Write a self-contained HTML player of training to ``path`` and return the path.

    Parameters
    ----------
    steps_or_history : a list of Steps (from ``trainer.steps(...)``), each drawn
        from its own Trace; or a History, which gives the J curve and one frame
        of ``net`` as it is now.
    net : the trained network (taken from nothing else: Steps do not hold it).
    show : what each frame shows (see :func:`neurograph.diagram`); "errors"
        shows δ on the units and the weights of that moment on the edges.
    max_frames : frames are sampled evenly down to this many.
    vmin, vmax : ends of the error scale (δ, blame, gradients). By default
        one scale, ±max |value| over all frames, holds for the whole run, so
        a small late δ looks small beside a large early one.
    options : passed to :func:`neurograph.diagram` (``instance``, ``collapse``, …).

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
    if net is None:
        raise ConfigError("player needs net=the network the steps belong to")
    if isinstance(steps_or_history, History):
        costs = list(steps_or_history.cost)
        frames = [(len(costs) - 1, diagram(net, show="weights", **options),
                   f"after {len(costs)} epochs")]
    else:
        items = list(steps_or_history)
        if not items:
            raise ConfigError("player needs at least one Step")
        costs = [s.cost for s in items]
        keep = sorted(set(np.linspace(0, len(items) - 1, min(max_frames, len(items)))
                          .round().astype(int).tolist()))
        shows = [show if show in ("structure", "weights", "activations")
                 or items[i].trace.delta is not None else "activations" for i in keep]
        if vmin is None and vmax is None:
            m = max([abs(v) for i, sh in zip(keep, shows)
                     for v in scale_values(net, sh, items[i], options.get("instance"))
                     if np.isfinite(v)] + [0.0])
            vmin, vmax = (-m, m) if m > 0 else (None, None)
        frames = []
        for i, sh in zip(keep, shows):
            s = items[i]
            dot = diagram(net, show=sh, trace=s, vmin=vmin, vmax=vmax, **options)
            J = "" if s.cost is None else f", J = {s.cost:.5g}"
            who = "" if s.instance is None else f", instance {instance_label(s.instance)}"
            frames.append((i, dot, f"epoch {s.epoch}, batch {s.batch}{who}, {s.phase}{J}"))
    curve, xs, ys = _curve(costs, [f[0] for f in frames])
    body = "\n".join(f'<div class="frame" data-info="{html.escape(info)}">{_svg(dot, k)}</div>'
                     for k, (_, dot, info) in enumerate(frames))
    doc = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
           f"<title>neurograph training player</title><style>{_CSS}</style></head><body>"
           f"<h2>neurograph: s = {net.s}, {len(frames)} frames</h2>{_scale_note(vmin, vmax)}"
           f'<div id="controls"><button id="prev">◀ step</button>'
           f'<button id="play">▶ play</button><button id="next">step ▶</button>'
           f'<input type="range" id="slider" min="0" max="{len(frames) - 1}" value="0">'
           f'<span id="info"></span></div>{curve}<div id="frames">{body}</div>'
           f"<script>{_JS % (json.dumps(xs), json.dumps(ys))}</script></body></html>\n")
    path = Path(path)
    atomic_write(os.fspath(path), doc.encode("utf-8"))
    return path
