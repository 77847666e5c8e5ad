"""The explorer's data: a network's layout and its Traces packed for the page.

Everything the page shows is read from Traces here and written as numbers:
per frame θ, ∂J/∂w, and per layer z, a, δ, g'(z) of the instances shown,
one float32 block (base64) the page reads back (the health view's findings are
packed by :mod:`neurograph.render.health`), and each view's scale as its entry
says. The page multiplies the factors a view's entry names; it holds no view of its
own. Nothing here runs a pass.
"""

from __future__ import annotations

import base64
import math
import weakref

import numpy as np

from ..data.labels import as_targets
from ..errors import ConfigError, InputValueError, LabelError
from ..notation import instance_label
from . import colors
from .views import TABLE, VIEWS

MAX_ROWS = 32  # a layer taller than this is drawn as a block of columns
COLLAPSE = 100  # links out of a layer larger than this are not drawn (pictures stand in)
# the views a page offers: every entry of the table but the bare structure and the
# changes between two moments (a page is one run)
PAGE_VIEWS = tuple(v.name for v in TABLE if v.name not in ("structure", "changes"))


def layout(net) -> dict:
    """Where every unit and link is drawn, and what the page calls them.

    >>> import neurograph as ng
    >>> lay = layout(ng.Network.from_architecture([2, 2, 1], seed=0))
    >>> [len(l["units"]) for l in lay["layers"]], len(lay["links"])
    ([2, 2, 1], 9)
    """
    layers, x = [], 60.0
    shape = []
    for lay in net.layers:
        cols = max(1, math.ceil(lay.size / MAX_ROWS))
        rows = math.ceil(lay.size / cols) if lay.size else 1
        gap = 44.0 if rows <= 6 else 26.0 if rows <= 12 else max(8.0, 480.0 / rows)
        shape.append((cols, rows, gap))
    tall = max(rows * gap for _, rows, gap in shape)
    for lay, (cols, rows, gap) in zip(net.layers, shape):
        r = 11.0 if rows <= 12 else max(3.0, gap / 2.4)
        units = []
        for node in lay.nodes:
            c, k = divmod(node.position, rows)
            units.append({"name": node.name, "x": round(x + c * gap, 1),
                          "y": round(30 + (tall - rows * gap) / 2 + (k + 0.5) * gap, 1),
                          "r": round(r, 1), "g": node.activation.name if node.activation else ""})
        layers.append({"l": lay.index, "units": units, "big": lay.size > COLLAPSE})
        x += (cols - 1) * gap + 170
    at = places(net)
    links = [{"i": link.index, "t": list(at[link.target.name]),
              "s": None if link.is_bias else list(at[link.source.name])} for link in net.links]
    classes = getattr(net, "classes", None)
    return {"layers": layers, "links": links, "width": x - 110,
            "classes": list(classes) if classes else None}


def whole(value, name: str, low: int = 1, error=ConfigError) -> int:
    """``value`` as an int ≥ ``low``; ``error`` naming ``name`` and what came otherwise.

    Only ints count: 2.5, True and '3' are refused, not rounded, cast or compared.

    >>> whole(3, "max_frames")
    3
    >>> whole(2.5, "max_frames")
    Traceback (most recent call last):
    ...
    neurograph.errors.ConfigError: max_frames must be a whole number ≥ 1, got 2.5 (float)
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise error(f"{name} must be a whole number ≥ {low}, got {value!r} "
                    f"({type(value).__name__})")
    return int(value)


def pick_instances(n: int, instances=None, limit: int = 50) -> list[int]:
    """Rows of the Traces the page offers (0-based): the first ``limit`` or those asked for.

    >>> pick_instances(4), pick_instances(100)[-1], pick_instances(4, [2, 0])
    ([0, 1, 2, 3], 49, [2, 0])
    """
    if instances is None:
        return list(range(min(n, limit)))
    # a string is iterable too: '03' must not become rows 0 and 3
    if isinstance(instances, (str, bytes)) or not np.iterable(instances):
        raise InputValueError(f"instances must be a list of 0-based rows of the Traces, e.g. "
                              f"[0, 2], got {instances!r} ({type(instances).__name__})")
    rows = [whole(i, "each of instances", 0, InputValueError) for i in instances]
    bad = [i for i in rows if not 0 <= i < n]
    if bad or not rows:
        what = f"{instance_label(bad[0])} (row {bad[0]})" if bad else "no instance"
        raise InputValueError(f"instances must be rows 0..{n - 1} of the Traces (x(1)..x({n})),"
                              f" got {what}")
    return rows


def targets(net, y, n: int) -> np.ndarray:
    """y as (n, s_L) targets of the Traces' n instances (labels one-hot), or a clear error.

    >>> import neurograph as ng
    >>> targets(ng.Network.from_architecture([2, 3], seed=0), [2, 0], 2).tolist()
    [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    """
    if not n:
        raise ConfigError("y= gives the targets of the Steps' instances; this page has none "
                          "(a History: weights only)")
    if np.ndim(y) == 0 or len(y) != n:
        raise LabelError(f"y must have one row per instance of the Steps' Traces ({n}), got "
                         f"{'a scalar' if np.ndim(y) == 0 else f'{len(y)} rows'}")
    return as_targets(y, K=net.s[-1], n=n)


def _col(arrs, l, rows, shape):
    arr = None if arrs is None else arrs[l]
    return np.full(shape, np.nan) if arr is None else np.asarray(arr, float)[rows]


def pack(net, traces: list, rows: list[int], maps: list | None = None) -> tuple[dict, dict]:
    """(offsets, arrays): every frame's numbers as one float32 vector and where each sits."""
    nw = traces[0].theta.size
    sizes = [lay.size for lay in net.layers]
    n = len(rows)
    parts, off, pos = [], {"nw": nw, "n": n, "frame": [], "layer": {}}, 0
    inputs = [np.asarray(t.a[0], float)[rows] for t in traces] if n else []
    same = all(np.array_equal(inputs[0], x) for x in inputs[1:]) if n else True
    off["inputs_once"] = same
    for k, tr in enumerate(traces):
        start = pos
        block = [np.asarray(tr.theta, float),
                 np.full(nw, np.nan) if tr.grad is None else np.asarray(tr.grad, float)]
        if n and (not same or k == 0):
            block.append(inputs[k].ravel())
        for l, s in enumerate(sizes[1:], start=1):
            z = _col(tr.z, l, rows, (n, s))
            a = _col(tr.a, l, rows, (n, s))
            d = _col(tr.delta, l, rows, (n, s))
            dg = np.full((n, s), np.nan)
            for node in net.layers[l].nodes:
                p = node.position
                if node.activation is not None and np.isfinite(z[:, p]).all() and n:
                    dg[:, p] = node.activation.dg(z[:, p], a[:, p])
            block += [z.ravel(), a.ravel(), d.ravel(), dg.ravel()]
        if maps is not None:
            block += [np.asarray(m, float).ravel() for m in maps[k]]
        vec = np.concatenate(block)
        parts.append(vec)
        pos += vec.size
        off["frame"].append(start)
    data = np.concatenate(parts).astype(np.float32)
    return off, {"b64": base64.b64encode(data.tobytes()).decode("ascii"), "sizes": sizes}


POLICIES = ("run", "layer", "frame")  # the scales a page offers for its error colours


def _amax(values) -> float:
    vals = [float(np.nanmax(np.abs(v))) for v in values if np.size(v) and
            np.isfinite(np.asarray(v, float)).any()]
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
    return np.array([[_amax(values_of(tr, l)) for l in range(len(net.layers))]
                     for tr in traces])


def _policies(grid: np.ndarray) -> dict:
    """A scale's ends under each policy: one for the run, one per layer, one per frame."""
    return {"run": float(grid.max(initial=0.0)), "layer": grid.max(axis=0).tolist(),
            "frame": grid.max(axis=1).tolist()}


def scales(net, traces: list, rows: list[int], user=None) -> dict:
    """Each view's scales under each policy (``POLICIES``): its units' and its links'
    ends, ``default`` its entry's policy. ``user``: (vmin, vmax) given for the error scale
    (then every policy is that one scale). A sequential unit scale is one for the run.

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
            a = [np.asarray(tr.a[l], float)[rows] for tr in traces
                 for l in range(1, len(tr.a)) if tr.a[l] is not None and rows]
            lo, hi = v.unit_scale.ends or (0.0, 1.0)
            sc["unit"] = [min([float(np.nanmin(x)) for x in a if np.isfinite(x).any()] + [lo]),
                          max([float(np.nanmax(x)) for x in a if np.isfinite(x).any()] + [hi])]
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


def palette() -> dict:
    """The colour stops the page uses: the same scales as the diagrams."""
    return {"seq": colors.SEQUENTIAL, "div": colors.DIVERGING,
            "exc": colors.EXCITATORY, "inh": colors.INHIBITORY, "none": colors.NEUTRAL}


def check_frames(net, traces: list, where: list[tuple]) -> None:
    """Every Trace of ``net`` as laid out now, the same rows, in training order."""
    if not traces:
        raise ConfigError("the player needs at least one Step (got an empty list)")
    for k, tr in enumerate(traces):
        if tr is None:
            raise ConfigError(f"step {k} has no Trace (phase before any pass): nothing to show")
        tr.check(net)
        if tr.n != traces[0].n:
            raise ConfigError(f"every frame must show the same instances: step {k} has "
                              f"{tr.n} rows, step 0 has {traces[0].n} (mini-batches? "
                              "use full batch or pass steps of one batch)")
    for k in range(1, len(where)):
        if where[k] < where[k - 1]:
            raise ConfigError(f"steps from different runs mixed: step {k} is epoch "
                              f"{where[k][0]}, batch {where[k][1]} after epoch "
                              f"{where[k - 1][0]}, batch {where[k - 1][1]}")
