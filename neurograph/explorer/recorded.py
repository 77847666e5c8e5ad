"""The explorer's passes: decision maps over the input box, then the page.

``render`` never runs a pass, so the activations of a grid of inputs (one
per frame, with that frame's weights) are computed here and handed to
:func:`neurograph.render.player` as numbers.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

from .. import diagnosis
from ..data.labels import check_inputs
from ..engines.passes import run_forward
from ..engines.trace import Trace
from ..errors import ConfigError, ShapeError, renamed_keywords
from ..notation import instance_label
from ..render import colors, explorer
from ..render.player import Frames, Page, page
from ..render.plots import decision_boundary, point_classes
from ..train.records import History, Step
from .plane import choose, input_box, transformed_plane
from .rows import batched, check_rows_of, replay, weights_of, whole_data


def decision_maps(net, traces: list, X, y=None, res: int = 40, margin: float = 0.1,
                  rows=None) -> dict:
    """Activations of every non-input unit over a res×res grid of the input box, per Trace.

    Each Trace's own weights are used (the network's are put back after);
    ``frames[k][u]`` is unit u's (layer order) grid, row r = x2, column c = x1.

    >>> import neurograph as ng
    >>> X, y = ng.data.truth_table("XOR")
    >>> net = ng.Network.from_architecture([2, 2, 1], seed=0)
    >>> m = decision_maps(net, [net.backward(X, y)], X, y, res=5)
    >>> len(m["frames"][0]), m["frames"][0][2].shape, m["box"]
    (3, (25,), [-0.1, 1.1, -0.1, 1.1])
    """
    X, lo, hi, g1, g2 = input_box(net, X, margin, res, "a decision map")
    grid = np.column_stack([np.tile(g1, res), np.repeat(g2, res)])
    frames = []
    with weights_of(net) as store:
        for tr in traces:
            tr.check(net)
            store[:] = tr.theta
            with np.errstate(all="ignore"):  # a diverged frame's map is inf/NaN, drawn so
                t = run_forward(net, grid)
            frames.append([t.a[l][:, p].copy() for l in range(1, len(t.a))
                           for p in range(t.a[l].shape[1])])
    rows = list(range(len(X))) if rows is None else rows
    lab = np.zeros(len(X)) if y is None else point_classes(y, len(X))  # one-hot rows too
    return {"frames": frames, "res": res, "box": [round(float(v), 12) for v in
                                                  (lo[0], hi[0], lo[1], hi[1])],
            "points": [[float(X[r, 0]), float(X[r, 1]), float(lab[r])] for r in rows]}


@renamed_keywords("ng.player", instance="row")
def player(steps_or_trace, path=None, net=None, X=None, y=None, maps: bool | None = None,
           res: int = 40, history: History | None = None, plane=None, **options) -> Page:
    """Write the explorer of a run to ``path`` (one HTML file) and return it as a Page.

    ``steps_or_trace``: Steps (``trainer.steps(...)``), one Trace, or a History (its J
    curve and its network as it is now: weights only); each knows its network, so
    ``net=`` is needed only when that network is gone (and when given, the steps must be
    of it). Without ``path`` the page goes to a temporary file (the returned Page is its
    path; Jupyter shows it inline). ``max_frames`` (default 60) samples the steps evenly;
    ``history``: a History whose validation J is drawn beside the steps' J. ``X`` and
    ``y``: the training data; x(i) is row i of it on every frame (mini-batch Steps need
    them: the explorer runs each frame's pass over X at that frame's weights).
    The page's own options (show, instances, vmin, vmax, static, ``shape``: an image
    input's (height, width), and ng.diagram's for the static picture) are
    :func:`neurograph.render.player.page`'s. The output units carry ``net.classes``, or
    the labels of ``y`` (0–9 for the digits). With two inputs
    and ``X``, each frame also carries the decision map and each hidden unit its heat map.

    ``maps``: None draws them when possible, True insists (an error when not), False never.

    ``plane``: the transformed plane beside the decision map (two inputs and ``X``): the
    input box's grid lines and the training points carried through a hidden layer, drawn
    over two of its units, per frame; the page picks any layer and units. True: the first
    hidden layer of two units or more, units 1 and 2 first; ``(layer, (u1, u2))``: that
    hidden layer (1-based, as on the slides) and those units (1-based numbers or names);
    None: True when maps are drawn and a hidden layer has two units, False: never.

    >>> import neurograph as ng
    >>> X, y = ng.data.truth_table("XOR")
    >>> net = ng.Network.from_architecture([2, 2, 1], seed=0)
    >>> steps = list(ng.Trainer(net, alpha=2.0).steps(X, y, every="epoch", epochs=2))
    >>> page = ng.player(steps, X=X, y=y)
    >>> page.name.endswith(".html"), '"res": 40' in open(page, encoding="utf-8").read()
    (True, True)
    >>> page = ng.player(steps, X=X, y=y, plane=(2, ("a2_2", 1)))  # Layer 2, units 2 and 1
    >>> '"start": [2, 1, 0]' in open(page, encoding="utf-8").read()
    True
    """
    if not isinstance(steps_or_trace, (Trace, History)):
        steps_or_trace = list(steps_or_trace)
        if not steps_or_trace:
            raise ConfigError("the player needs at least one Step (got an empty list)")
        other = next((s for s in steps_or_trace if not isinstance(s, Step)), None)
        if other is not None:  # a list of Traces read as Steps said "the network is gone"
            raise ConfigError(f"the player takes Steps (trainer.steps), one Trace or a "
                              f"History; got a list holding a {type(other).__name__}"
                              + (" (pass the Trace itself)" if isinstance(other, Trace) else ""))
    net = _network_of(steps_or_trace, net)
    res = explorer.whole(res, "res (grid points along each input of a decision map)", 2)
    max_frames = explorer.whole(options.pop("max_frames", 60), "max_frames")
    source = steps_or_trace
    if plane not in (None, False):  # asked for: checked before any pass
        choose(net, plane)
        if X is None:
            raise ConfigError("the transformed plane needs X (the instances) to place its "
                              "grid and points")
    if X is not None:
        X = check_inputs(X, net.s[0])[0]
        if not len(X):
            raise ShapeError(f"X must hold the training data, one row per instance, got 0 "
                             f"rows (shape {X.shape})")
    fr = frames(source, net, max_frames, history, diagnose=False)
    labels = y
    y = _rows_of_data(fr, source, net, X, y, options)
    _infos(fr, source, fr.replayed)
    want = maps if maps is not None else (X is not None and net.s[0] == 2
                                          and not isinstance(source, History))
    data = None
    if want:
        if X is None:
            raise ConfigError("a decision map needs X (the instances) to place its box")
        if net.s[0] != 2:
            raise ConfigError(f"a decision map needs a network with two inputs, this one "
                              f"has {net.s[0]} (s = {net.s})")
        data = decision_maps(net, fr.traces, X, labels, res=res, rows=fr.data_rows)
    explorer.image_shape(net, options.get("shape"))  # a wrong shape= refused before any file
    if plane is None:
        plane = want and X is not None and any(s >= 2 for s in net.s[1:-1])
    carried = None if not plane else transformed_plane(net, fr.traces, X, labels, plane)
    fr.findings = _diagnosed(fr, source, net)
    if path is None:  # made last: a refused call leaves no file behind
        fd, path = tempfile.mkstemp(prefix="neurograph-explorer-", suffix=".html")
        os.close(fd)
    options.setdefault("classes", class_names(net, labels))
    return page(fr, path, net=net, maps=data, y=y, plane=carried, **options)


def class_names(net, y=None) -> list[str] | None:
    """What the page calls the output units: ``net.classes``, else the labels the data
    had (integer labels: output k is label k), else None (targets given as rows name no
    class: they may be a regression's).

    >>> import neurograph as ng
    >>> net = ng.Network.from_architecture([64, 25, 10], seed=0)
    >>> class_names(net, [3, 0, 9])[:3], class_names(net), class_names(net, [[0.5] * 10])
    (['0', '1', '2'], None, None)
    """
    if net.classes is not None:
        return list(net.classes)
    if y is None or np.ndim(y) != 1 or np.asarray(y).dtype.kind not in "iub":
        return None
    return [str(k) for k in range(max(net.s[-1], 2))]


def _network_of(source, net):
    """The network ``source`` knows (a Trace's, each Step's, a History's), checked against
    ``net`` when given; a clear error when neither says."""
    if isinstance(source, History):
        known = source.network
    else:
        traces = [source] if isinstance(source, Trace) else \
            [s.trace for s in source if getattr(s, "trace", None) is not None]
        known = next((t.network for t in traces if t.network is not None), None)
    if isinstance(source, History) and None not in (net, known) and net is not known:
        raise ConfigError(f"this History is of another network (s = {known.s}) than net= "
                          f"(s = {net.s})")
    if net is None and known is None:
        raise ConfigError("player needs the network of these steps: theirs is gone or its "
                          "topology changed since (pass net=the network)")
    return known if net is None else net


def _rows_of_data(fr: Frames, source, net, X, y, options: dict):
    """Make x(i) row i of the data on every frame: the Steps' own rows when they are the
    data's (full batch), else each frame's pass again over X (mini-batches); ``fr.rows``
    becomes the data rows the page offers. Returns y for the page (one row per row
    offered, or of the Traces' rows)."""
    steps = fr.steps
    n = fr.traces[0].n if fr.traces[0] is not None else 0
    if steps and X is not None and not whole_data(steps, len(X)):
        if batched(steps) is None and all(s.instance is None for s in steps):
            raise ShapeError(f"X must have one row per instance of the Steps' Traces ({n}), "
                             f"got {len(X)} rows")
        if y is None:
            raise ConfigError("the explorer computes each frame's rows of X again (its Steps "
                              "are of mini-batches or instances) and needs y= (the targets "
                              "of X) for δ")
        check_rows_of(fr.traces, X)
        fr.data_rows = explorer.pick_instances(len(X), options.pop("instances", None),
                                               of="X (the training data)")
        fr.traces = fr.shown = replay(net, fr.traces, X, y, fr.data_rows)
        fr.rows, fr.replayed = list(range(len(fr.data_rows))), True
        fr.labels = [instance_label(r) for r in fr.data_rows]
        fr.who = [None] * len(fr.traces)
        return explorer.targets(net, y, len(X))[fr.data_rows]
    why = batched(steps) if steps else None
    if why is not None:
        raise ConfigError(f"{why}: x(i) is row i of the training data, so pass X= and y= "
                          "(the training data) and the explorer computes each frame's rows")
    if X is not None and n and len(X) != n:
        raise ShapeError(f"X must have one row per instance of the Steps' Traces ({n}), "
                         f"got {len(X)} rows")
    fr.rows = fr.data_rows = explorer.pick_instances(n, options.pop("instances", None)) \
        if n else []
    # a Trace's rows are kept as given: which rows of the data they are, it does not say
    fr.labels = [f"row {r + 1} of the Trace" if isinstance(source, Trace) else
                 instance_label(r) for r in fr.rows]
    return None if y is None else explorer.targets(net, y, n)[fr.rows]


def frames(source, net, max_frames: int = 60, history=None, diagnose: bool = True) -> Frames:
    """The Frames of a page: Steps sampled evenly down to ``max_frames``, one Trace, or a
    History (its J curve and ``net`` as it is now: weights only); each frame diagnosed
    once (``diagnose=False``: not yet, the player diagnoses the rows it shows)."""
    val, val_x = None, None
    if isinstance(source, Trace):
        fr = Frames([source], [""], [0], [source.cost], [(0, 0)], [None], [source], [],
                    curve_label="J of the Trace's rows")
    elif isinstance(source, History):
        tr = Trace(version=net.version, z=[None] * net.L, a=[np.zeros((0, s)) for s in net.s],
                   theta=np.array(net.weights.theta, copy=True), owner=id(net))
        costs = list(source.cost)
        fr = Frames([tr], [f"after {len(costs)} epochs"], [len(costs) - 1], costs, [(0, 0)],
                    [None], [tr], [], weights_only=True, curve_label=EPOCH_J)
        if source.val_cost:
            val, val_x = list(source.val_cost), list(range(len(source.val_cost)))
    else:
        source = list(source)
        fr = _sampled(source, max_frames)
        if history is not None and history.val_cost:
            ends = {s.epoch: k for k, s in enumerate(source) if s.phase == "epoch end"}
            at = [ends.get(e) for e in range(len(history.val_cost))]
            val = [v for v, x in zip(history.val_cost, at) if x is not None]
            val_x = [x for x in at if x is not None]
    fr.val, fr.val_x = val, val_x
    if any(t is None for t in fr.traces):
        k = next(k for k, t in enumerate(fr.traces) if t is None)
        raise ConfigError(f"step {k} has no Trace (phase before any pass): nothing to show")
    for tr in fr.traces:  # a Trace of another network is said as such, before its run
        tr.check(net)
    if fr.steps:
        _one_run(source)  # all of them, not only those sampled
    if diagnose:
        fr.findings = _diagnosed(fr, source, net)
    return fr


def _one_run(steps: list) -> None:
    """ConfigError unless every Step is of one Trainer's run (a Step made by hand, without
    a run, goes with any)."""
    runs = [getattr(s, "run", None) for s in steps]
    first = next((r for r in runs if r is not None), None)
    other = next((k for k, r in enumerate(runs) if None not in (r, first) and r != first), None)
    if other is not None:
        raise ConfigError(f"steps from different runs mixed: step {other} is of Trainer run "
                          f"{runs[other]}, step {runs.index(first)} of run {first} (a page "
                          "shows one run)")


EPOCH_J = "J per epoch: the mean of its batches' J, each before its update"


def _sampled(items: list, max_frames: int) -> Frames:
    if not items:
        raise ConfigError("the player needs at least one Step (got an empty list)")
    keep = sorted(set(np.linspace(0, len(items) - 1, min(max_frames, len(items)))
                      .round().astype(int).tolist()))
    who = [None if items[i].instance is None or items[i].trace is None
           or items[i].trace.n != 1 else instance_label(items[i].instance) for i in keep]
    one = all(s.batch == 0 and s.instance is None for s in items)
    label = "J on the training data, before each step's update" if one else \
        EPOCH_J if all(s.phase == "epoch end" for s in items) else \
        "J of each step's mini-batch, before its update"
    return Frames([items[i].trace for i in keep], [""] * len(keep), keep,
                  [s.cost for s in items], [(items[i].epoch, items[i].batch) for i in keep],
                  who, [items[i] for i in keep], [], curve_label=label,
                  steps=[items[i] for i in keep])


def _infos(fr: Frames, source, replayed: bool) -> None:
    """The line under the slider and the frame's J, each J named: on the training data at
    the frame's weights, of the Step's batch, the validation J at that epoch."""
    val = dict(zip(fr.val_x or [], fr.val or []))
    for k, tr in enumerate(fr.traces):
        step = fr.steps[k] if fr.steps else None
        if isinstance(source, History):
            fr.j[k] = f"J (last epoch) = {colors.fmt(source.cost[-1])}" if source.cost else ""
            continue
        whole = replayed or (step is not None and step.batch == 0 and step.instance is None)
        J = []
        if tr.cost is not None:
            J.append(("J on the training data" if whole else "J of the Trace's rows"
                      if step is None else "J of this step's batch")
                     + f" = {colors.fmt(tr.cost)}")
        if replayed and step is not None and step.cost is not None:
            J.append(("the epoch's mean mini-batch J" if step.phase == "epoch end" else
                      "its mini-batch's J") + f" = {colors.fmt(step.cost)}")
        if fr.xs[k] in val:
            J.append(f"validation J = {colors.fmt(val[fr.xs[k]])}")
        fr.j[k] = "; ".join(J)
        where = "one pass" if step is None else f"epoch {step.epoch}, batch {step.batch}" + (
            "" if step.instance is None else f", instance {instance_label(step.instance)}") + \
            f", {step.phase}"
        fr.infos[k] = where + (f" — {fr.j[k]}" if fr.j[k] else "")


def _diagnosed(fr: Frames, source, net) -> list:
    """Each frame's findings, once, for the health view and its static picture alike (a
    History's frame holds θ and no pass: only what the weights and J can say)."""
    explorer.check_frames(net, fr.traces, fr.where)  # before any diagnosis of them
    diagnose = diagnosis.diagnose
    if fr.weights_only:
        return [list(diagnose(net)) + list(diagnose(source, net=net)) for _ in fr.traces]
    return [list(diagnose(tr, net=net)) for tr in fr.traces]


def plot_decision_boundary(net, X, y, ax=None, res: int = 200, margin: float = 0.1):
    """The output over the input box with the points (matplotlib, the ``plot`` extra).

    The grid's pass runs here, with the network's current weights; returns the Axes.
    The boundary is a = 0.5, where ``net.predict`` changes; outputs beyond
    0..1 (linear, tanh) widen the colour scale. ``res`` (≥ 2) points per
    axis; ``y`` one label (or one-hot row) per instance of X.

    >>> import neurograph as ng
    >>> X, y = ng.data.truth_table("XOR")
    >>> net = ng.Network.from_architecture([2, 2, 1], seed=0)
    >>> ng.plot_decision_boundary(net, X, y, res=20).get_xlabel()
    'x1'
    """
    X, _, _, g1, g2 = input_box(net, X, margin, res, "a decision boundary")
    if net.s[-1] != 1:
        raise ConfigError(f"plot_decision_boundary draws one output unit, this network has "
                          f"{net.s[-1]} (s = {net.s})")
    point_classes(y, len(X))  # before the grid's pass: a wrong y costs nothing
    last = net.last_trace
    try:
        out = run_forward(net, np.column_stack([np.tile(g1, res), np.repeat(g2, res)])).a[-1]
    finally:
        net.last_trace = last
    return decision_boundary(g1, g2, out[:, 0].reshape(res, res), X, y, ax=ax)
