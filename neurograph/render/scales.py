"""The explorer page's colour scales: each view's ends over the run, per layer or per
frame (``POLICIES``), read from the Traces' numbers as its entry in the view table says.

>>> import neurograph as ng
>>> X, y = ng.data.truth_table("XOR")
>>> net = ng.Network.from_architecture([2, 2, 1], seed=0)
>>> sorted(scales(net, [net.backward(X, y)], [0, 1])["errors"]["unit"])
['frame', 'layer', 'run']
"""

from __future__ import annotations

import weakref

import numpy as np

from .views import PAGE_VIEWS, VIEWS

POLICIES = ("run", "layer", "frame")  # the scales a page offers for its error colours


def _finite(v) -> np.ndarray:
    """The finite values of ``v``, flat: a scale's end is a number (inf and NaN are drawn
    beyond it and named in the panel)."""
    v = np.asarray(v, float).ravel()
    return v[np.isfinite(v)]


def _amax(values) -> float:
    vals = [float(np.abs(f).max()) for f in map(_finite, values) if f.size]
    return max(vals + [0.0])


def places(net) -> dict:
    """Each unit's (layer, position), layer 1-based, by name: read off the layers once (a
    node's own ``layer`` checks the layout at every call, 4 per link on a page)."""
    return {node.name: (lay.index, p) for lay in net.layers for p, node in enumerate(lay.nodes)}


# a table per network, while its layout holds: the live explorer asks at every change
_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def link_table(net) -> dict:
    """Every link's index, and its ends' layers (1-based) and positions, as arrays (a bias
    link's source: layer 0), read once per layout: the scales index them per frame."""
    hit = _TABLES.get(net)
    if hit is not None and hit[0] == net.version:
        return hit[1]
    links, at = net.links, places(net)
    bias = [k.is_bias for k in links]
    _TABLES[net] = net.version, {"index": np.array([k.index for k in links], dtype=np.intp),
            "bias": np.array(bias, dtype=bool),
            "target": np.array([at[k.target.name] for k in links],
                               dtype=np.intp).reshape(-1, 2),
            "source": np.array([(0, 0) if b else at[k.source.name] for k, b in zip(links, bias)],
                               dtype=np.intp).reshape(-1, 2)}
    return _TABLES[net][1]


def _link_values(table, tr, rows, factors, layer: int) -> list:
    """The product of the factors of every link into Layer ``layer + 1``, per row (a row
    for all when every factor is a weight's): the page's link values of one frame, as
    numbers (an empty list when a factor is missing)."""
    keep = table["target"][:, 0] - 1 == layer
    if "w" in factors and "delta@target" in factors:
        keep &= ~table["bias"]  # the bias unit takes no blame
    if not keep.any() or not rows:
        return []
    # a weight factor is one row for every instance: broadcast, not repeated per row
    out = np.ones((1, int(keep.sum())))
    idx = table["index"][keep]
    for f in factors:
        if f in ("w", "grad"):
            arr = tr.theta if f == "w" else tr.grad
            if arr is None:
                return []
            out = out * np.asarray(arr, float)[idx]
            continue
        what, end = f.split("@")
        arrs = getattr(tr, what)
        ends = table[end][keep]
        layers = [int(l) for l in np.unique(ends[:, 0]) if l > 0]  # 0: the bias unit, a = 1
        if arrs is None or any(arrs[l - 1] is None for l in layers):
            return []
        col = np.ones((len(rows), out.shape[1]))
        for l in layers:
            at = ends[:, 0] == l
            col[:, at] = np.asarray(arrs[l - 1], float)[np.ix_(rows, ends[at, 1])]
        out = out * col
    return [out]


def _grid(net, traces, rows, values_of) -> np.ndarray:
    """max |value| per frame and layer (frames × layers; Layer l at column l − 1)."""
    with np.errstate(invalid="ignore", over="ignore"):  # inf·0 of a diverged run: NaN, skipped
        return np.array([[_amax(values_of(tr, l)) for l in range(len(net.layers))]
                         for tr in traces])


def _policies(grid: np.ndarray) -> dict:
    """A scale's ends under each policy: one for the run, one per layer, one per frame."""
    return {"run": float(grid.max(initial=0.0)), "layer": grid.max(axis=0).tolist(),
            "frame": grid.max(axis=1).tolist()}


def _sequential(net, traces: list, rows: list[int], ends) -> tuple[list, dict]:
    """A sequential scale's [lo, hi] for the run (the layers after the input, ``ends``
    within), and ``{"layer": [[lo, hi] per layer], "frame": [[lo, hi] per frame]}``, each
    its own values' ends: a conv layer's a of about 1 is drawn on its own scale beside a
    ReLU layer's 10 when the page's picker says per layer."""
    got = np.full((len(traces), len(net.layers), 2), np.nan)  # frame, layer: min, max
    for k, tr in enumerate(traces):
        for l in range(1, len(tr.a)):
            f = _finite(np.asarray(tr.a[l], float)[rows]) if tr.a[l] is not None and rows \
                else np.zeros(0)
            if f.size:
                got[k, l] = f.min(), f.max()

    def span(g, within=False):  # its own ends (none: the entry's); the run's hold ``ends``
        lo, hi = g[..., 0][~np.isnan(g[..., 0])], g[..., 1][~np.isnan(g[..., 1])]
        if within or not lo.size:
            lo, hi = np.r_[lo, ends[0]], np.r_[hi, ends[1]]
        return [float(lo.min()), float(hi.max())]
    return span(got, True), {"layer": [span(got[:, l]) for l in range(len(net.layers))],
                             "frame": [span(got[k]) for k in range(len(traces))]}


def merge_by(each: list[dict]) -> dict:
    """The ``unit_by`` of a run from each frame's own (:func:`_sequential`): a layer's
    ends the widest of its frames', the frames' ends side by side."""
    return {"layer": [[min(e[0] for e in ls), max(e[1] for e in ls)]
                      for ls in zip(*(b["layer"] for b in each))],
            "frame": [f for b in each for f in b["frame"]]}


def scales(net, traces: list, rows: list[int], user=None) -> dict:
    """Each view's scales under each policy (``POLICIES``): its units' and its links'
    ends, ``default`` its entry's policy. ``user``: (vmin, vmax) given for the error scale
    (then every policy is that one scale). A sequential unit scale (a) is [lo, hi] of the
    run, its ends per layer and per frame beside (``unit_by``).

    >>> import neurograph as ng
    >>> X, y = ng.data.truth_table("XOR")
    >>> net = ng.Network.from_architecture([2, 2, 1], seed=0)
    >>> sc = scales(net, [net.backward(X, y)], [0, 1])["errors"]
    >>> sorted(sc["unit"]), len(sc["unit"]["layer"]), sc["default"]
    (['frame', 'layer', 'run'], 3, 'run')
    """
    table = link_table(net)
    out = {}
    for name in PAGE_VIEWS:
        v = VIEWS[name]
        sc = {"unit": None, "link": None, "lk": v.link_symbol or v.link_legend,
              "default": v.unit_scale.policy if v.unit_palette == "div" else
              v.link_scale.policy}
        if v.unit == "a":
            sc["unit"], sc["unit_by"] = _sequential(net, traces, rows,
                                                    v.unit_scale.ends or (0.0, 1.0))
        unit = link = None
        if v.unit is not None and v.unit != "a":
            unit = _grid(net, traces, rows, lambda tr, l, q=v.unit: [] if l == 0 or getattr(
                tr, q) is None or getattr(tr, q)[l] is None or not rows else
                [np.asarray(getattr(tr, q)[l], float)[rows]])
        if v.link:
            f = v.link
            link = _grid(net, traces, rows, lambda tr, l, f=f: (  # links into Layer l + 1
                _link_values(table, tr, rows, f, l) if f != ("grad",) else
                [] if tr.grad is None else _link_values(table, tr, [0], f, l)))
        if v.shared:
            unit = link = np.maximum(unit, link)
        if unit is not None:
            sc["unit"] = _policies(unit)
        if link is not None:
            sc["link"] = _policies(link)
        if user is not None:
            m = max(abs(user[0] or 0.0), abs(user[1] or 0.0))
            fixed = {"run": m, "layer": [m] * len(net.layers), "frame": [m] * len(traces)}
            sc.update({side: fixed for side, pal in (("unit", v.unit_palette),
                                                    ("link", v.link_palette)) if pal == "div"})
        out[name] = sc
    return out
