"""The live explorer: a network on show, edited and trained while Python runs.

``ng.explore(net, X, y)`` returns a notebook widget (the ``live`` extra: anywidget)
that shows the recorded explorer's page of the network as it is now. Every change —
a weight typed or dragged in the page, ``w.set_weight`` in Python, training, undo —
goes through :class:`Live`: it sets ``link.weight`` (the one store of the weights),
runs neurograph's own backward pass over X, diagnoses it, and hands render the
frames to draw. The page multiplies nothing of its own: it draws the numbers sent.

:class:`Live` holds no widget, so it runs (and is tested) without a browser.
"""

from __future__ import annotations

import base64
import itertools
import numbers
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from .. import diagnosis
from ..data.labels import check_inputs
from ..engines.passes import run_backward
from ..engines.trace import Trace
from ..errors import (
    ConfigError,
    InputValueError,
    MissingExtraError,
    StaleTraceError,
    TopologyError,
)
from ..notation import instance_label
from ..render import colors, health
from ..render import explorer as ex
from ..render.player import Frames, curve, frame_markup, heading, parts
from ..train.trainer import Trainer
from .recorded import decision_maps

MAX_FRAMES = 60  # frames kept (and sent) at once: the start, then the latest


@dataclass
class Frame:
    """One moment shown: its Trace (over all of X), the line under the slider, what made
    it ("start", "edit", "train", "undo", "reset", "refresh"), its place on the J curve,
    its findings and decision map, and the link an edit changed."""

    trace: Trace
    info: str
    kind: str
    at: int
    findings: list
    map: list | None = None
    link: int | None = None  # the link an edit's frame edited (its index)
    id: int = field(default_factory=itertools.count().__next__)  # the page knows frames by it
    page: dict | None = field(default=None, repr=False)  # its part of the page, made once


class Live:
    """The live explorer without its widget: the network, X and y, the frames so far.

    Parameters
    ----------
    net : the network shown (its own weights are edited and trained).
    X, y : the instances traced in every frame (the page offers ``instances`` of them).
    alpha, lam, batch_size, seed : the Trainer's, for training from Python or the page.
    show : the view shown first (weights, activations, errors, blame, gradients, health).
    on_change : called after every change (the widget sends the page then).

    >>> import neurograph as ng
    >>> X, y = ng.data.truth_table("XOR")
    >>> net = ng.Network.from_architecture([2, 2, 1], seed=0)
    >>> live = Live(net, X, y)
    >>> link = net.link("x1", "a2_1")
    >>> live.set_weight("x1", "a2_1", -1.75)
    >>> link.weight, float(live.trace.theta[link.index]), len(live.frames)
    (-1.75, -1.75, 2)
    >>> live.undo(); bool(link.weight == live.frames[0].trace.theta[link.index])
    True
    """

    def __init__(self, net, X, y, alpha: float = 1.0, lam: float = 0.0, batch_size=None,
                 seed: int = 0, show: str = "errors", instances=None, on_change=None):
        self.net = net
        self.X = check_inputs(X, net.s[0])[0]
        if len(self.X) == 0:
            raise ConfigError("the live explorer needs at least one instance in X, got 0")
        self.y = ex.targets(net, y, len(self.X))
        self.rows = ex.pick_instances(len(self.X), instances)
        if show not in ex.PAGE_VIEWS:
            raise ConfigError(f"show must be one of {', '.join(ex.PAGE_VIEWS)}, got {show!r}")
        self.show = show
        self.trainer = Trainer(net, alpha=alpha, lam=lam, batch_size=batch_size, seed=seed)
        self._undo: list[np.ndarray] = []
        self._frames: list[Frame] = []
        self.costs: list[float] = []  # J after every change and every epoch: the curve
        self.training = False
        self._stop = False
        self._lock = threading.RLock()  # one change at a time (the page trains in a thread)
        self._on_change = on_change
        self._version = None  # the layout the frames are of: the first pass compiles
        self._record("start", "the network as given")
        self._version, self._start = net.version, net.weights.theta.copy()

    # --- what is on show ---------------------------------------------------------------
    @property
    def trace(self) -> Trace:
        """The Trace on show: the latest frame's, recomputed after each change."""
        return self._frames[-1].trace

    @property
    def frames(self) -> list[Frame]:
        """The frames shown so far (the start, then at most the latest MAX_FRAMES − 1)."""
        return list(self._frames)

    # --- changes ------------------------------------------------------------------------
    def set_weight(self, u, v, weight) -> None:
        """Set the weight of the link u → v (names or nodes; u None or "+1": the bias
        link of v) and show the network with it: the page's edit calls this.

        Raises TopologyError when there is no such link, ConfigError when it is frozen
        or training is running, InputValueError when ``weight`` is not a finite number;
        the network is then unchanged.
        """
        with self._lock:
            self._change(self._link(u, v), weight)

    def set_link(self, index, weight) -> None:
        """Set the weight of the link with index ``index`` (what the page sends)."""
        with self._lock:
            if isinstance(index, bool) or not isinstance(index, numbers.Integral):
                raise TopologyError(f"a link index must be a whole number, got {index!r}")
            link = next((k for k in self.net.links if k.index == index), None)
            if link is None:
                raise TopologyError(f"no link with index {index} (the network has "
                                    f"{self.net.n_links} links)")
            self._change(link, weight)

    def refresh(self) -> None:
        """Show the network as it is now (after ``link.weight = …`` or ``net.thetas = …``)."""
        with self._lock:
            self._check_layout()
            self._record("refresh", "refreshed from Python")

    def undo(self) -> None:
        """Put back the weights before the latest change (an edit, a training run, a reset)."""
        with self._lock:
            self._idle("undo")
            if not self._undo:
                raise ConfigError("nothing to undo: no change since the explorer started")
            self._check_layout()
            self.net.weights.theta[:] = self._undo.pop()
            self._record("undo", "undone")

    def reset(self) -> None:
        """Put back the weights the explorer started with (undo takes this back too)."""
        with self._lock:
            self._idle("reset")
            self._check_layout()
            self._undo.append(self.net.weights.theta.copy())
            self.net.weights.theta[:] = self._start
            self._record("reset", "reset to the start")

    def train(self, epochs: int = 1, batch: bool = False, every: int | None = None) -> None:
        """Train ``epochs`` more epochs (``batch=True``: one mini-batch) with the trainer's
        α; a frame every ``every`` epochs (default: about 20 frames a run) and at the end.
        :meth:`stop` (the page's stop button) ends it after the current epoch."""
        epochs = ex.whole(epochs, "epochs")
        every = max(1, epochs // 20) if every is None else ex.whole(every, "every")
        with self._lock:
            self._idle("train")
            self._check_layout()
            self._undo.append(self.net.weights.theta.copy())
            self.training, self._stop = True, False
        try:
            self._notify()
            gen = self.trainer.steps(self.X, self.y, every="batch" if batch else "epoch",
                                     epochs=1 if batch else epochs)
            told = time.monotonic()
            try:
                for k, step in enumerate(gen, 1):
                    with self._lock:
                        last = batch or k == epochs or self._stop
                        framed = last or k % every == 0
                        if framed:  # the frame's pass gives its J
                            what = f"batch {step.batch + 1} of epoch {step.epoch + 1}" \
                                if batch else f"epoch {self.trainer.epoch}"
                            self._record("train", f"trained: {what}", notify=False)
                        else:  # the epoch's own J, one point of the curve between frames
                            self.costs.append(float(step.cost))
                    # the curve between frames a few times a second: each message carries
                    # the whole curve, and an epoch of a small net takes microseconds
                    if framed or time.monotonic() - told >= self.tell_every:
                        self._notify()
                        told = time.monotonic()
                    if last:
                        break
                st = self.trainer.state  # after an epoch's last batch, its end (J, epoch
                # count) comes next: run it, or the next click would run only that
                if batch and st.epoch_shape and st.next_batch * st.epoch_shape[1] >= \
                        st.epoch_shape[0]:
                    next(gen, None)  # a run of one epoch: nothing is trained after it
            finally:
                gen.close()
        finally:
            self.training = False
            self._notify()

    def stop(self) -> None:
        """Ask a training run to stop after its current epoch."""
        self._stop = True

    @property
    def alpha(self) -> float:
        """The learning rate α of training from the page (the trainer's)."""
        return self.trainer.alpha

    # --- the page -------------------------------------------------------------------
    def page_parts(self) -> tuple[str, dict]:
        """(body, data) of the explorer page of the frames so far (render's page writer)."""
        fr = self._frames
        traces = [f.trace for f in fr]
        frames = Frames(traces, [f.info for f in fr], [f.at for f in fr], self._curve(),
                        [(k, 0) for k in range(len(fr))], [None] * len(fr), traces,
                        [f.findings for f in fr], j=[_j(t) for t in traces])
        maps = None
        if fr[0].map is not None:
            maps = decision_maps(self.net, [], self.X, self.y, res=self.res, rows=self.rows)
            maps["frames"] = [f.map for f in fr]
        return parts(frames, self.net, show=self.show, instances=self.rows, maps=maps,
                     y=self.y, static=False)

    res = 24  # decision map points per axis: a live map is redrawn at every change
    tell_every = 0.1  # s: how often a training run's J curve reaches the page between frames
    curve_points = 1000  # about as many as the page's curve draws (it is 520 px wide)

    def _curve(self) -> list:
        """J after every change and epoch, for the page's curve: a long run's points beyond
        ``curve_points`` left out (None: not drawn; the axis still counts every step) but
        each frame's and each stretch's lowest and highest, so no spike is lost; every
        message carries the curve, and a run of 100,000 epochs has as many points."""
        n = len(self.costs)
        if n <= self.curve_points:
            return self.costs
        k = -(-2 * n // self.curve_points)  # a stretch of k steps gives 2 points
        c = np.asarray(self.costs[:n - n % k], float).reshape(-1, k)
        finite = np.isfinite(c)
        starts = np.arange(0, c.size, k)
        kept = {0, n - 1, *(f.at for f in self._frames),
                *(starts + np.argmin(np.where(finite, c, np.inf), axis=1)).tolist(),
                *(starts + np.argmax(np.where(finite, c, -np.inf), axis=1)).tolist(),
                *range(n - n % k, n)}
        out = [None] * n
        for i in kept:
            out[i] = self.costs[i]
        return out

    def page_framed(self) -> tuple[str, dict, list[int]]:
        """:meth:`page_parts` with each frame's numbers packed on their own (every frame
        carries its inputs), so that :meth:`page_update` can add and drop frames; and the
        ids of the frames it shows."""
        body, data = self.page_parts()
        blocks = [self._part(f)["block"] for f in self._frames]
        data["offsets"] = {**data["offsets"], "inputs_once": False,
                           "frame": np.cumsum([0] + [b.size for b in blocks[:-1]]).tolist()}
        data["packed"] = {**data["packed"],
                          "b64": base64.b64encode(np.concatenate(blocks).tobytes()).decode()}
        return body, data, [f.id for f in self._frames]

    def page_update(self, shown: list[int]) -> tuple[dict, list[bytes], list[int]] | None:
        """What a page showing the frames ``shown`` (ids) needs to show the frames now,
        without being written again: which of its frames stay (``keep``, positions in
        ``shown``), the new frames (their entries, findings, and their packed numbers as
        float32 bytes, one buffer each), and the run's scales, J curve and heading.
        Returns (update, buffers, the ids shown after it), or None when the page's frames
        are not a start of these (then it needs the whole page).

        >>> import neurograph as ng
        >>> X, y = ng.data.truth_table("XOR")
        >>> live = Live(ng.Network.from_architecture([2, 2, 1], seed=0), X, y)
        >>> shown = [f.id for f in live.frames]
        >>> live.set_weight("x1", "a2_1", 1.0)
        >>> update, buffers, ids = live.page_update(shown)
        >>> update["keep"], len(buffers), ids == [f.id for f in live.frames]
        ([0], 1, True)
        """
        fr = self._frames
        ids = [f.id for f in fr]
        keep = [k for k, i in enumerate(shown) if i in ids]
        new = fr[len(keep):]
        if [shown[k] for k in keep] != ids[:len(keep)]:
            return None
        parts_ = [self._part(f) for f in fr]
        if not all(p["plain"] for p in parts_):  # values beyond float32: the whole page
            return None
        svg, mx, my = curve(self._curve(), [f.at for f in fr])
        update = {"keep": keep, "frames": [self._part(f)["div"] for f in new],
                  "health": [self._part(f)["health"] for f in new],
                  "scales": merge_scales([p["scales"] for p in parts_]),
                  "marker": {"x": mx, "y": my}, "curve": svg,
                  "heading": heading(self.net, len(fr))}
        return update, [self._part(f)["block"].tobytes() for f in new], ids

    def _part(self, frame: Frame) -> dict:
        """A frame's own part of the page, made the first time it is asked for: its packed
        numbers (float32), its scales, its findings and its entry under the slider."""
        if frame.page is None:
            tr = frame.trace
            _, packed = ex.pack(self.net, [tr], self.rows,
                                None if frame.map is None else [frame.map])
            labels = [instance_label(r) for r in self.rows]
            frame.page = {
                "block": np.frombuffer(base64.b64decode(packed["b64"]), dtype=np.float32),
                "plain": packed.get("dtype", "f4") == "f4" and not packed.get("exact"),
                "scales": ex.scales(self.net, [tr], self.rows),
                "health": health.pack_findings(self.net, [frame.findings])[0],
                "div": frame_markup(self.net, self.show, [frame.info], [None], [_j(tr)],
                                    labels)}
        return frame.page

    # --- inside -----------------------------------------------------------------------
    def _link(self, u, v):
        if u is None or (isinstance(u, str) and u == "+1"):
            link = next((k for k in self.net.in_links(v) if k.is_bias), None)
            if link is None:
                raise TopologyError(f"{v!r} has no bias link")
            return link
        return self.net.link(u, v)

    def _change(self, link, weight) -> None:
        self._idle("edit")
        self._check_layout()
        name = repr(link)
        if link.frozen:
            raise ConfigError(f"{name} is frozen: unfreeze it (link.frozen = False) to edit "
                              "its weight")
        if isinstance(weight, str):  # what the page's box holds: a number typed, or not
            try:
                weight = float(weight)
            except ValueError:
                raise InputValueError(f"a weight must be a finite number, got {weight!r} "
                                      f"for {name}") from None
        before = self.net.weights.theta.copy()
        link.weight = weight  # the link's own check: a finite real number, one of them
        # a drag is many edits of one link, one frame: one undo step takes it all back
        if not (self._frames[-1].kind == "edit" and self._frames[-1].link == link.index):
            self._undo.append(before)
        src = "+1" if link.is_bias else link.source.name
        p = link.parameter  # a shared weight: all its links changed, say so
        what = f"w({src} → {link.target.name})" if p is None else \
            f"{p.name} (shared by {len(p.links)} links)"
        self._record("edit", f"edited: {what} = {link.weight:.5g}")
        self._frames[-1].link = link.index

    def _idle(self, what: str) -> None:
        if self.training:
            raise ConfigError(f"cannot {what} while training runs: stop it first")

    def _check_layout(self) -> None:
        if self._version is not None and self.net.version != self._version:
            raise StaleTraceError("the network's units or links changed since the explorer "
                                  "started: its frames no longer fit; call ng.explore again")

    def _record(self, kind: str, info: str, notify: bool = True) -> None:
        """A frame of the network as it is now; edits in a row share one frame."""
        tr = run_backward(self.net, self.X, self.y, lam=self.trainer.lam)
        findings = list(diagnosis.diagnose(tr, net=self.net))
        grid = None
        if self.net.s[0] == 2:
            grid = decision_maps(self.net, [tr], self.X, self.y, res=self.res,
                                 rows=self.rows)["frames"][0]
        live = kind not in ("start", "train")
        if live and self._frames and self._frames[-1].kind == kind == "edit":
            self._frames.pop()  # a drag is many edits: one frame, one point on the curve
            self.costs.pop()
        self.costs.append(float(tr.cost))
        self._frames.append(Frame(tr, info, kind, len(self.costs) - 1, findings, grid))
        if len(self._frames) > MAX_FRAMES:
            del self._frames[1]  # the start stays: reset and the first J point need it
        if notify:
            self._notify()

    def _notify(self) -> None:
        if self._on_change is not None:
            self._on_change()


def _j(trace) -> str:
    return "" if trace.cost is None else f"J on the data shown = {colors.fmt(trace.cost)}"


def merge_scales(each: list[dict]) -> dict:
    """The scales of a run from each frame's own (render's ``scales`` of one Trace):
    the run's end is the largest, a layer's the largest of that layer's, and the frames'
    ends side by side; so a new frame costs one frame's scales, not the run's again.

    >>> import neurograph as ng
    >>> X, y = ng.data.truth_table("XOR")
    >>> net = ng.Network.from_architecture([2, 2, 1], seed=0)
    >>> t1 = net.backward(X, y); net.link("x1", "a2_1").weight = 3.0; t2 = net.backward(X, y)
    >>> each = [ex.scales(net, [t], [0, 1, 2, 3]) for t in (t1, t2)]
    >>> merge_scales(each) == ex.scales(net, [t1, t2], [0, 1, 2, 3])
    True
    """
    out = {}
    for name, first in each[0].items():
        sc = dict(first)
        for side in ("unit", "link"):
            ends = [s[name][side] for s in each]
            if first[side] is None:
                continue
            if isinstance(first[side], list):  # a sequential scale: [lo, hi] of the run,
                sc[side] = [min(e[0] for e in ends), max(e[1] for e in ends)]  # per layer
                sc["unit_by"] = ex.merge_by([s[name]["unit_by"] for s in each])  # and frame
            else:
                sc[side] = {"run": max(e["run"] for e in ends),
                            "layer": np.max([e["layer"] for e in ends], axis=0).tolist(),
                            "frame": [f for e in ends for f in e["frame"]]}
        out[name] = sc
    return out


def explore(net, X, y, **settings):
    """The live explorer of ``net`` over X, y: a notebook widget (the ``live`` extra).

    ``w.set_weight(u, v, w)``, ``w.trace``, ``w.train(epochs=20)``, ``w.frames``,
    ``w.undo()``, ``w.reset()``, ``w.refresh()``; in the page, a click on a link edits
    its weight (a click on a unit, its bias) and the buttons train. Without a kernel the
    widget shows the explorer page of its current state. ``settings``: :class:`Live`'s
    (alpha, lam, batch_size, seed, show, instances).

    >>> import neurograph as ng
    >>> X, y = ng.data.truth_table("XOR")
    >>> w = ng.explore(ng.Network.from_architecture([2, 2, 1], seed=0), X, y, alpha=2.0)
    >>> w.train(epochs=5); len(w.frames), w.alpha
    (6, 2.0)
    """
    try:
        from .widget import Explorer
    except ImportError as exc:  # anywidget (the `live` extra) is missing
        raise MissingExtraError(
            f"ng.explore needs anywidget, which is not installed ({exc}): "
            "pip install 'neurograph[live]' (ng.player writes the recorded explorer "
            "without it)") from None
    return Explorer(net, X, y, **settings)
