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

import numpy as np

from ..data.labels import as_targets
from ..engines.losses import resolve_loss
from ..errors import ConfigError, InputValueError, LabelError, ShapeError
from ..notation import instance_label
from . import colors, mapview
from .pictures import _check_shape
from .scales import POLICIES, link_table, merge_by, places, scales  # noqa: F401  (the page's)
from .views import PAGE_VIEWS, VIEWS  # noqa: F401  (PAGE_VIEWS: the page's)

MAX_ROWS = 32  # a layer taller than this is drawn as a block of columns
COLLAPSE = 100  # links out of a layer larger than this are not drawn (pictures stand in)
PICTURE = 176.0  # px: the longer side of an input drawn as its picture
FIT = 870.0  # px: the drawing's width beside the panel in a 1350-px window


def image_shape(net, shape=None) -> tuple[int, int] | None:
    """(h, w) of the input drawn as a picture: ``shape`` checked against s_1, else a square
    s_1 ≥ 16 (8×8 digits, 20×20); None for no picture (``shape=False``, or not square).

    >>> import neurograph as ng
    >>> image_shape(ng.Network.from_architecture([64, 3, 1], seed=0))
    (8, 8)
    >>> image_shape(ng.Network.from_architecture([6, 3, 1], seed=0), (2, 3))
    (2, 3)
    >>> image_shape(ng.Network.from_architecture([6, 3, 1], seed=0), (2, 2))
    Traceback (most recent call last):
    ...
    neurograph.errors.ConfigError: shape=(2, 2) needs 4 inputs (units in Layer 1), the network has 6
    """
    if shape is False or len(net.layers) < 2:
        return None
    if shape is not None:
        return _check_shape(net, shape, 2, "shape")
    side = math.isqrt(net.s[0])
    return (side, side) if net.s[0] >= 16 and side * side == net.s[0] else None


def layout(net, shape=None, classes=None) -> dict:
    """Where every unit, "+1" bias unit and link is drawn, and what the page calls them.

    Layer l's units sit in a column (a block of columns when tall) at the layer's ``x``;
    its bias unit (l < L) above them, feeding the bias links (``"b"``: the bias unit's
    layer, 1-based). An image input (:func:`image_shape`) also has each unit's place in
    its picture (``gx``, ``gy``; ``image``: rows, columns, cell). A grid layer (an input
    grid, conv, pool: :mod:`neurograph.render.mapview`) is a block of feature maps at ``x``
    (its left edge), each unit at its cell (``m``: its map), ``grid`` the block, and
    ``maplinks`` the pairs of maps drawn as one line each; an input grid wins over
    ``shape``, and a map's bias sits in its label, not as a "+1". ``classes`` names the
    output units (default ``net.classes``).

    >>> import neurograph as ng
    >>> lay = layout(ng.Network.from_architecture([2, 2, 1], seed=0))
    >>> [len(l["units"]) for l in lay["layers"]], len(lay["links"])
    ([2, 2, 1], 9)
    >>> [l["bias"]["name"] if l["bias"] else None for l in lay["layers"]]
    ['bias1', 'bias2', None]
    """
    grids = mapview.blocks(net)  # grid layers: drawn as their feature maps
    image = None if 1 in grids else image_shape(net, shape)
    shape_of = []
    for lay in net.layers:
        cols = max(1, math.ceil(lay.size / MAX_ROWS))
        rows = math.ceil(lay.size / cols) if lay.size else 1
        gap = 56.0 if rows <= 6 else 48.0 if rows <= 12 else max(8.0, 480.0 / rows)
        shape_of.append((cols, rows, gap))
    tall = max([rows * gap for l, (_, rows, gap) in enumerate(shape_of, 1) if l not in grids]
               + [b["height"] for b in grids.values()])
    top = 60.0  # room above the tallest layer for its "+1"
    mid = top + tall / 2
    cell = PICTURE // max(image) if image else 0.0
    layers, x = [], 30.0 if 1 in grids else 60.0 + (cell * image[1] / 2 if image else 0.0)
    maplinks = mapview.map_links(net, grids)
    for lay, (cols, rows, gap), step in zip(net.layers, shape_of, _steps(net, grids)):
        r = 11.0 if rows <= 12 else max(3.0, gap / 2.4)
        y0 = mid - rows * gap / 2
        units = []
        for node in lay.nodes:
            c, k = divmod(node.position, rows)
            units.append({"name": node.name, "x": round(x + c * gap, 1),
                          "y": round(y0 + (k + 0.5) * gap, 1), "r": round(r, 1),
                          "g": node.activation.name if node.activation else ""})
        entry = {"l": lay.index, "x": x, "units": units, "big": lay.size > COLLAPSE,
                 "bias": None}
        block = grids.get(lay.index)
        if block is not None:  # x is the block's left edge
            mapview.place(block, x, mid, units, lay.nodes)
            entry["grid"] = block
        if lay.bias is not None and lay.index + 1 not in grids:  # a map's b: in its label
            rb = max(r, 9.0)
            entry["bias"] = {"name": lay.bias.name, "x": round(x, 1), "r": rb,
                             "y": round(y0 - max(gap, 2 * rb + 4) + gap / 2, 1)}
            if block is not None:  # above the block's heading
                entry["bias"].update(x=round(x + rb, 1), y=round(block["at"][0][1] - 42 - rb, 1))
        if image and lay.index == 1:
            h, w = image
            left, up = x - cell * w / 2, mid - cell * h / 2
            for p, u in enumerate(units):
                u["gx"] = round(left + (p % w + 0.5) * cell, 1)
                u["gy"] = round(up + (p // w + 0.5) * cell, 1)
            if entry["bias"]:
                entry["bias"]["gy"] = round(up - 2 * entry["bias"]["r"], 1)
        layers.append(entry)
        wide = block["width"] if block is not None else (cols - 1) * gap
        x += max(wide, cell * image[1] / 2 if image and lay.index == 1 else 0) + step
    at = places(net)
    links = [{"i": link.index, "t": list(at[link.target.name]),
              "s": None if link.is_bias else list(at[link.source.name]),
              "b": at[link.target.name][0] - 1 if link.is_bias else None}
             for link in net.links]
    for entry, link in zip(links, net.links):  # a shared weight: its parameter's name
        if link.parameter is not None:
            entry["p"] = link.parameter.name
    classes = classes if classes is not None else getattr(net, "classes", None)
    want = max(net.s[-1], 2)  # one output unit stands for two classes
    if classes is not None and len(classes) != want:
        raise ShapeError(f"classes must name {want} classes for {net.s[-1]} output unit(s), "
                         f"got {len(classes)}: {list(classes)[:5]}")
    return {"layers": layers, "links": links, "width": x - 30, "height": top + tall + 30,
            "maplinks": maplinks,
            "image": None if not image else {"h": image[0], "w": image[1], "cell": cell},
            "classes": [str(c) for c in classes] if classes else None}


def _steps(net, grids: dict) -> list[float]:
    """The room from each layer to the next (px): 170 between layers of units; 60 from a
    grid (one line per pair of maps crosses it) and 90 into a dense layer after one; the
    last, 170, holds the class names. Between layers of units it narrows, down to 110,
    while a net with grid layers would be wider than a 1350-px window leaves the page."""
    out = []
    for l in range(1, len(net.layers) + 1):
        out.append(170.0 if l == len(net.layers) or not ({l, l + 1} & set(grids)) else
                   60.0 if l + 1 in grids else 90.0)
    if grids:
        dense = [k for k in range(len(out) - 1) if out[k] == 170.0]
        need = sum(b["width"] for b in grids.values()) + sum(out) - FIT
        for k in dense:
            out[k] -= min(60.0, max(0.0, need / len(dense)))
    return out


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


def pick_instances(n: int, instances=None, limit: int = 50,
                   of: str = "the Traces") -> list[int]:
    """Rows of the Traces the page offers (0-based): the first ``limit`` or those asked for
    (an error says they are rows ``of`` what).

    >>> pick_instances(4), pick_instances(100)[-1], pick_instances(4, [2, 0])
    ([0, 1, 2, 3], 49, [2, 0])
    """
    if instances is None:
        return list(range(min(n, limit)))
    # a string is iterable too: '03' must not become rows 0 and 3
    if isinstance(instances, (str, bytes)) or not np.iterable(instances):
        raise InputValueError(f"instances must be a list of 0-based rows of {of}, e.g. "
                              f"[0, 2], got {instances!r} ({type(instances).__name__})")
    rows = [whole(i, "each of instances", 0, InputValueError) for i in instances]
    bad = [i for i in rows if not 0 <= i < n]
    if bad or not rows:
        what = f"{instance_label(bad[0])} (row {bad[0]})" if bad else "no instance"
        raise InputValueError(f"instances must be rows 0..{n - 1} of {of} (x(1)..x({n})), "
                              f"got {what}")
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


def _col(arrs, l, rows):
    arr = None if arrs is None else arrs[l]
    return None if arr is None else np.asarray(arr, float)[rows]


F32 = np.finfo(np.float32)


def beyond_float32(vec: np.ndarray) -> np.ndarray:
    """The indices of the finite values float32 cannot hold (beyond ±3.4e38, or not 0 and
    below its smallest normal, 1.2e-38): the page reads these back exactly.

    >>> beyond_float32(np.array([1.0, 1e300, -1e-300, 0.0, np.inf])).tolist()
    [1, 2]
    """
    with np.errstate(over="ignore"):
        f = vec.astype(np.float32)
    bad = np.isfinite(vec) & (~np.isfinite(f) | ((np.abs(vec) < F32.tiny) & (vec != 0)))
    return np.flatnonzero(bad)


def rules(net, loss: str | None) -> dict:
    """How the panel writes each unit's a and δ, read off its activation's facts and the
    run's loss (no name is tested): ``g[l - 1][p]`` "layerwise" (each a_k depends on every
    z of its layer: softmax; no g'(z) of one unit) or "elementwise"; ``delta[l - 1][p]``
    "ce" (δ(L) = a − y: cross-entropy, g' cancels), "mse" (δ(L) = (a − y)·g'(z)),
    "mse_layerwise" (a_k·((a_k − y_k) − Σ_j a_j (a_j − y_j))), "hidden" (g'(z)·Σ Θδ) or
    "hidden_layerwise" (a_i·(s_i − Σ_k a_k s_k), s = Σ Θδ); ``f[l - 1][p]`` how z is
    made: "sum" (Σ Θa) or a pooling unit's input function ("max": the window's largest a,
    δ back to its first winner only; "mean": δ/k to each). Layer 1: empty lists.

    >>> import neurograph as ng
    >>> r = rules(ng.Network.from_architecture([2, 2, 2], output_activation="softmax"),
    ...           "cross_entropy")
    >>> r["g"][2], r["delta"][1], r["delta"][2], r["f"][1]
    (['layerwise', 'layerwise'], ['hidden', 'hidden'], ['ce', 'ce'], ['sum', 'sum'])
    """
    if loss is None:  # a Trace that does not say: the loss "auto" picks for these outputs
        loss = resolve_loss("auto", [u.activation for u in net.layers[-1].nodes])
    out = {"loss": loss, "g": [[]], "delta": [[]], "f": [[]]}
    for lay in net.layers[1:]:
        acts = [u.activation for u in lay.nodes]
        fns = [u.input_function for u in lay.nodes]
        out["f"].append(["sum" if f is None or f.weighted else f.name for f in fns])
        out["g"].append(["layerwise" if a.layerwise else "elementwise" for a in acts])
        out["delta"].append([_delta_rule(a, lay.index == len(net.layers), loss) for a in acts])
    return out


def _delta_rule(act, output: bool, loss: str) -> str:
    """Which of :func:`rules`' δ formulas a unit of ``act`` follows."""
    if not output:
        return "hidden_layerwise" if act.layerwise else "hidden"
    if loss == "cross_entropy":
        return "ce"
    return "mse_layerwise" if act.layerwise else "mse"


def _dg(nodes, layerwise: list, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """g'(z) of each elementwise unit's column (NaN for a layerwise one: it has none)."""
    dg = np.full(z.shape, np.nan)
    with np.errstate(all="ignore"):  # g'(±inf), g'(NaN): the values they are
        for node in nodes:
            if not layerwise[node.position]:
                p = node.position
                dg[:, p] = node.activation.dg(z[:, p], a[:, p])
    return dg


def pack(net, traces: list, rows: list[int], maps: list | None = None,
         plane: list | None = None) -> tuple[dict, dict]:
    """(offsets, arrays): every frame's numbers as one float32 vector and where each sits.

    ``maps``, ``plane``: each frame's decision maps and transformed plane (arrays, after
    its layers; ``offsets["plane"][k]``: where frame k's plane starts).

    A quantity a Trace does not hold (no ∂J/∂w, a layer's δ before the backward sweep,
    g'(z) of a layerwise unit) is NaN in the vector and named in ``offsets["missing"]``
    (``[frame, quantity, layer]``; ∂J/∂w: layer 0), so the page tells it from a NaN the
    run computed. Values float32 cannot hold ride along exactly (:func:`beyond_float32`); when
    they are many, the vector is float64 (``arrays["dtype"]``)."""
    nw = traces[0].theta.size
    sizes = [lay.size for lay in net.layers]
    n = len(rows)
    parts, off, pos = [], {"nw": nw, "n": n, "frame": [], "layer": {}, "missing": []}, 0
    inputs = [np.asarray(t.a[0], float)[rows] for t in traces] if n else []
    same = all(np.array_equal(inputs[0], x) for x in inputs[1:]) if n else True
    off["inputs_once"] = same
    layerwise = [[u.activation is None or u.activation.layerwise for u in lay.nodes]
                 for lay in net.layers]
    for k, tr in enumerate(traces):
        start = pos
        block = [np.asarray(tr.theta, float),
                 np.full(nw, np.nan) if tr.grad is None else np.asarray(tr.grad, float)]
        if tr.grad is None:
            off["missing"].append([k, "grad", 0])
        if n and (not same or k == 0):
            block.append(inputs[k].ravel())
        for l, s in enumerate(sizes[1:], start=1):
            got = {q: _col(getattr(tr, attr), l, rows)
                   for q, attr in (("z", "z"), ("a", "a"), ("d", "delta"))}
            got["dg"] = None if got["z"] is None or got["a"] is None else \
                _dg(net.layers[l].nodes, layerwise[l], got["z"], got["a"])
            for q in ("z", "a", "d", "dg"):
                if got[q] is None:
                    off["missing"].append([k, q, l + 1])
                block.append(np.full(n * s, np.nan) if got[q] is None else got[q].ravel())
        if maps is not None:
            block += [np.asarray(m, float).ravel() for m in maps[k]]
        if plane is not None:
            off.setdefault("plane", []).append(start + sum(b.size for b in block))
            block += [np.asarray(m, float).ravel() for m in plane[k]]
        vec = np.concatenate(block)
        parts.append(vec)
        pos += vec.size
        off["frame"].append(start)
    vec = np.concatenate(parts)
    beyond = beyond_float32(vec)
    wide = beyond.size * 6 > vec.size  # as JSON, an exact value costs ~6 float32s
    with np.errstate(over="ignore"):  # the values beyond float32 ride along exactly
        data = vec.astype(np.float64 if wide else np.float32)
    exact = [] if wide else [[int(i), float(vec[i])] for i in beyond]
    return off, {"b64": base64.b64encode(data.tobytes()).decode("ascii"), "sizes": sizes,
                 "dtype": "f8" if wide else "f4", "exact": exact}


def plane_meta(net, plane: dict) -> dict:
    """What the page needs to draw a transformed plane besides its numbers: its layers'
    unit names, the grid, the points' classes, each frame's axis ends."""
    meta = {k: v for k, v in plane.items() if k != "frames"}
    meta["names"] = [[u.name for u in net.layers[l - 1].nodes] for l in plane["layers"]]
    return meta


def palette() -> dict:
    """The colour stops the page uses: the same scales as the diagrams."""
    return {"seq": colors.SEQUENTIAL, "div": colors.DIVERGING, "classes": colors.CLASSES,
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
