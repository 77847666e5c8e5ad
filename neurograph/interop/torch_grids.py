"""Grid layers for ``to_torch``: which Θ(l) a plain PyTorch module can carry, read off the links.

A conv layer exports as ``nn.Conv2d`` and a pooling layer as ``nn.MaxPool2d`` or
``nn.AvgPool2d`` only when its links are exactly that module's: every unit of map
m reads ``kernels[m]`` at the places of its window and ``biases[m]``, every map
reads every input map, and one stride and zero padding per axis place every
window. That is checked on the links themselves (not on how the layer was built),
so an edited conv, a partial connection table (LeNet-5's C3), LeNet-5's trainable
subsampling and ties between dense links are refused with a ConfigError naming
the layer and what no module has; stride and padding are read off the links.

>>> import neurograph as ng
>>> net = ng.Network(seed=0)
>>> x = net.add_inputs((1, 5, 5))
>>> c = net.add_conv(x, maps=2, kernel=3, stride=2, padding=1, name="c1")
>>> s = net.add_pool(c, size=2, stride=1, kind="avg", name="s2")
>>> for step in plan(net, net.compile()): print(step)
Conv(name='c1', stride=(2, 2), padding=(1, 1))
Pool(name='s2', kind='avg', size=(2, 2), stride=(1, 1))
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import ConfigError
from ..model.activations import LEAKY_SLOPE
from ..model.grids import Grid, layer_grid
from ..model.network import Network
from ..model.parameters import ParameterArray, parameter_of


@dataclass
class Conv:
    """A conv layer as ``nn.Conv2d``: θ indices of its kernels (maps, input maps, kh, kw)
    and biases (maps,), stride and padding (rows, columns)."""

    name: str
    stride: tuple[int, int]
    padding: tuple[int, int]
    kernels: np.ndarray = field(repr=False)
    biases: np.ndarray = field(repr=False)

    def module(self, torch, theta: np.ndarray, dtype):
        M, C, kh, kw = self.kernels.shape
        conv = torch.nn.Conv2d(C, M, (kh, kw), stride=self.stride, padding=self.padding,
                               dtype=dtype)
        with torch.no_grad():
            conv.weight.copy_(torch.from_numpy(theta[self.kernels]))
            conv.bias.copy_(torch.from_numpy(theta[self.biases]))
        return conv


@dataclass
class Pool:
    """A pooling layer as ``nn.MaxPool2d`` or ``nn.AvgPool2d`` (no padding)."""

    name: str
    kind: str  # "max" | "avg"
    size: tuple[int, int]
    stride: tuple[int, int]

    def module(self, torch, theta: np.ndarray, dtype):
        cls = torch.nn.MaxPool2d if self.kind == "max" else torch.nn.AvgPool2d
        return cls(self.size, stride=self.stride)


def plan(net, c) -> list:
    """Per Θ(l) of the compiled form ``c``: a :class:`Conv`, a :class:`Pool`, or None for
    a dense layer (``nn.Linear``); ConfigError for a layer no plain module expresses."""
    out = []
    for k in range(len(c.shapes)):
        src, grid = layer_grid(net, net.layers[k]), layer_grid(net, net.layers[k + 1])
        if c.pools and c.pools[k] is not None:
            out.append(_pool(c, k, *_grid_pair(src, grid, k, "a pooling layer")))
        elif c.ties and c.ties[k] is not None:
            if grid is None or grid.kind != "conv":
                _refuse_ties(net, k + 2, grid)
            out.append(_conv(net, c, k, *_grid_pair(src, grid, k, "a conv layer")))
        else:
            out.append(None)
    return out


def _grid_pair(src: Grid | None, grid: Grid | None, k: int, what: str):
    if src is None or grid is None:
        raise ConfigError(f"to_torch: layer {k + 2} is {what} but its units or those of layer "
                          f"{k + 1} are not a grid (units named name[m, r, col]): expected "
                          "grids of units, as add_inputs, add_conv and add_pool make them")
    return src, grid


def _refuse_ties(net, layer: int, grid: Grid | None) -> None:
    """ConfigError naming Layer ``layer`` (1-based), its grid and its parameters."""
    idx = {link.index for v in net.layers[layer - 1].nodes for link in v.incoming}
    names = [n for n, x in net.shared.named.items()
             if idx.intersection(x.indices.ravel().tolist() if isinstance(x, ParameterArray)
                                 else [x._i])]
    shown = ", ".join(repr(n) for n in names[:5]) + (" …" if len(names) > 5 else "")
    if grid is not None and grid.kind == "subsampling":
        why = ("it is LeNet-5's subsampling (a trainable coefficient times each window's "
               "sum): no PyTorch module has it")
    else:
        why = "ties between its links: nn.Linear has a weight per link"
    called = "" if grid is None else f" ({grid.name!r})"
    raise ConfigError(f"to_torch cannot carry shared weights of layer {layer}{called} "
                      f"(parameters {shown}): {why}; expected conv layers (add_conv) and "
                      "dense layers of weights of their own; run it with backend='numpy'")


def _links(c, k: int):
    """Block k's links as arrays, read off the compiled form (its own links: the mask;
    tied ones and a pooling layer's: the tie and held tables): target row (the unit's
    flat C-order place in its grid, the order of its layer), source (the same in the
    grid below), θ index; and each unit's bias index (−1: none)."""
    r, cols = c.shapes[k]
    mask = c.masks[k]
    rows, col = np.nonzero(np.ones((r, cols), bool) if mask is None else mask)
    idx = c.offsets[k] + rows * cols + col
    for t in (c.ties[k] if c.ties else None, c.held[k] if c.held else None):
        if t is not None:  # links read from parameters or (a pooling layer's) constants
            tr, tc = np.divmod(t.pos, cols)
            rows, col, idx = (np.concatenate(p) for p in ((rows, tr), (col, tc), (idx, t.tidx)))
    bias = np.full(r, -1, dtype=np.intp)
    b = col == 0
    bias[rows[b]] = idx[b]
    return rows[~b], col[~b] - 1, idx[~b], bias


def _axis(r: np.ndarray, v: np.ndarray, size: int, k: int, out: int, i=None):
    """One stride ≥ 1 and padding ≥ 0 with v = r·stride − padding for every link (v: the
    source's row minus its kernel row ``i``) and ``out`` = (size + 2·padding − k)//stride
    + 1 windows, or None. Two rows of units fix the stride; else every stride is tried.
    With ``i``, the links' (window, kernel row) pairs must be all those inside the input:
    windows wholly in the padding have no links, so the rows with links alone may fit a
    stride and padding that would place links elsewhere."""
    if not len(r):
        return None
    rs = np.unique(r)
    steps = list(range(1, 2 * (size + k) + 2))
    if len(rs) > 1:
        a, b = (int(v[r == x][0]) for x in rs[:2])
        if (b - a) % int(rs[1] - rs[0]) == 0 and b > a:
            steps.insert(0, (b - a) // int(rs[1] - rs[0]))
    pairs = None if i is None else len(np.unique(r * k + i))
    for step in steps:
        pad = int(r[0]) * step - int(v[0])
        if pad >= 0 and size + 2 * pad >= k and (size + 2 * pad - k) // step + 1 == out \
                and np.array_equal(v, r * step - pad) \
                and (pairs is None or pairs == _inside(size, k, step, pad, out)):
            return step, pad
    return None


def _inside(size: int, k: int, step: int, pad: int, out: int) -> int:
    """How many (window, kernel place) pairs of one axis fall inside the input."""
    at = np.arange(out)[:, None] * step + np.arange(k)[None, :] - pad
    return int(((at >= 0) & (at < size)).sum())


def _conv(net, c, k: int, src: Grid, grid: Grid) -> Conv:
    K, B = net.parameters[f"{grid.name}.kernels"], net.parameters.get(f"{grid.name}.biases")
    M, C, kh, kw = K.shape
    Cs, H, W = src.maps_shape
    Mo, Ho, Wo = grid.maps_shape
    what = f"to_torch: conv layer {grid.name!r}"
    if (Cs, Mo) != (C, M) or not isinstance(B, ParameterArray) or B.shape != (M,):
        raise ConfigError(f"{what} has kernels of shape {K.shape} over {Cs} input maps into "
                          f"{Mo} maps: expected (maps, input maps, kh, kw) = ({Mo}, {Cs}, …) "
                          f"and biases {grid.name}.biases of shape ({Mo},)")
    f, s, idx, bias = _links(c, k)
    m = np.repeat(np.arange(M), Ho * Wo)
    if not np.array_equal(bias, B.indices[m]):
        u = grid.nodes.flat[int(np.flatnonzero(bias != B.indices[m])[0])]
        raise ConfigError(f"{what}: unit {u.name}'s bias is not {grid.name}.biases of its map "
                          "(an edited conv): nn.Conv2d has one bias per map")
    kflat = K.indices.ravel()  # each link's kernel entry (flat), −1 when it reads none
    order = np.argsort(kflat)
    at = order[np.minimum(np.searchsorted(kflat, idx, sorter=order), len(kflat) - 1)]
    p = np.where(kflat[at] == idx, at, -1)
    if (p < 0).any():
        j = int(np.flatnonzero(p < 0)[0])
        shared = parameter_of(net, int(idx[j]))
        has = "a weight of its own" if shared is None else f"parameter {shared.name!r}"
        raise ConfigError(f"{what}: link {src.nodes.flat[s[j]].name} → "
                          f"{grid.nodes.flat[f[j]].name} has {has}, not an entry of "
                          f"{K.name} (an edited conv): nn.Conv2d shares every weight")
    tm, r, col = np.unravel_index(f, (M, Ho, Wo))
    ci, rr, cc = np.unravel_index(s, (C, H, W))
    km, kc, i, j = np.unravel_index(p, K.shape)
    read = np.zeros((M, C), dtype=bool)
    read[km, kc] = True
    if (km != tm).any() or (kc != ci).any():
        raise ConfigError(f"{what}: some links read the kernel of another map or input map "
                          "(an edited conv): expected map m's units to read kernels[m, c] "
                          "over input map c")
    if not read.all():
        raise ConfigError(f"{what} reads only some input maps ({int(read.sum())} of "
                          f"{M}×{C} map pairs: a partial connection table, as LeNet-5's C3): "
                          "nn.Conv2d reads every input map; run it with backend='numpy'")
    rows, cols = _axis(r, rr - i, H, kh, Ho, i), _axis(col, cc - j, W, kw, Wo, j)
    if rows is None or cols is None or len(f) != M * C * _inside(H, kh, *rows, Ho) * \
            _inside(W, kw, *cols, Wo):
        raise ConfigError(f"{what}: its links are not a convolution's (an edited conv: a "
                          "link missing or moved): expected one stride and zero padding "
                          "per axis placing every window")
    return Conv(grid.name, (rows[0], cols[0]), (rows[1], cols[1]), K.indices, B.indices)


def _pool(c, k: int, src: Grid, grid: Grid) -> Pool:
    theta, fn = c.theta, c.pools[k]
    C, H, W = src.maps_shape
    Co, Ho, Wo = grid.maps_shape
    kind = "max" if fn == "max" else "avg"
    what = f"to_torch: pooling layer {grid.name!r}"
    f, s, _, bias = _links(c, k)
    if (theta[bias] != 0).any():
        u = grid.nodes.flat[int(np.flatnonzero(theta[bias] != 0)[0])]
        raise ConfigError(f"{what}: unit {u.name} has bias {theta[bias[u.position]]!r}: "
                          f"nn.{kind.capitalize()}Pool2d adds none (expected 0)")
    tm, r, col = np.unravel_index(f, grid.maps_shape)
    ci, rr, cc = np.unravel_index(s, (C, H, W))
    top = np.full(len(grid), H, dtype=np.intp)
    left = np.full(len(grid), W, dtype=np.intp)
    np.minimum.at(top, f, rr)
    np.minimum.at(left, f, cc)
    kh, kw = int((rr - top[f]).max(initial=0)) + 1, int((cc - left[f]).max(initial=0)) + 1
    ur, uc = np.unravel_index(np.arange(len(grid)), grid.maps_shape)[1:]
    rows, cols = _axis(ur, top, H, kh, Ho), _axis(uc, left, W, kw, Wo)
    if Co != C or (tm != ci).any() or rows is None or cols is None or rows[1] or cols[1] \
            or len(f) != len(grid) * kh * kw:
        raise ConfigError(f"{what}: its windows are not a pooling module's: expected each "
                          "unit of map c to read a full window of input map c, one size and "
                          "stride per axis, no padding")
    return Pool(grid.name, kind, (kh, kw), (rows[0], cols[0]))


# --- from_torch: nn.Unflatten, nn.Conv2d, pooling, nn.Flatten, nn.Linear back into grids --------
def _refuse_module(i: int, m, what: str) -> None:
    raise ConfigError(f"from_torch: layer {i} ({type(m).__name__}) {what}")


def _pair(v) -> tuple[int, int]:
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def _check_conv(i: int, m) -> None:
    if m.bias is None:
        _refuse_module(i, m, "has no bias; a conv map has one (expected bias=True)")
    if m.groups != 1 or _pair(m.dilation) != (1, 1) or m.padding_mode != "zeros" \
            or isinstance(m.padding, str) and m.padding != "valid":
        _refuse_module(i, m, f"has groups={m.groups}, dilation={m.dilation}, padding="
                             f"{m.padding!r}, padding_mode={m.padding_mode!r}: expected "
                             "groups=1, dilation 1, numeric zero padding (add_conv's)")


def _check_pool(i: int, m, torch) -> None:
    extra = (m.ceil_mode or _pair(m.padding) != (0, 0)
             or (isinstance(m, torch.nn.MaxPool2d) and (_pair(m.dilation) != (1, 1)
                                                        or m.return_indices))
             or (isinstance(m, torch.nn.AvgPool2d) and m.divisor_override is not None))
    if extra:
        _refuse_module(i, m, "pads, dilates, rounds up or returns indices: expected "
                             "kernel_size and stride only (add_pool's windows)")


def from_modules(torch, mods: list, dtype, acts: dict):
    """A grid network from modules beginning with ``nn.Unflatten(1, (C, H, W))``: each
    Conv2d (and the activation after it) an ``add_conv``, each MaxPool2d/AvgPool2d an
    ``add_pool``, each Linear after Flatten a dense layer; weights copied."""
    nn = torch.nn
    first = mods[0]
    if not isinstance(first, nn.Unflatten) or first.dim != 1 \
            or len(first.unflattened_size) != 3:
        raise ConfigError(f"from_torch: layer 0 is {first!r}; a module with Conv2d or pooling "
                          "must begin with nn.Unflatten(1, (C, H, W)), the input grid's shape "
                          "(X's columns in C order), as to_torch writes it")
    params = [p for m in mods for p in m.parameters()]
    dt = dtype or (params[0].detach().numpy().dtype if params else np.float64)
    net = Network(dtype=dt)
    prev, flat, i = net.add_inputs(tuple(first.unflattened_size), name="x"), False, 1
    while i < len(mods):
        m, after = mods[i], mods[i + 1: i + 3]
        act, used = "linear", 1
        if isinstance(m, (nn.Conv2d, nn.Linear)) and after:
            if type(after[0]).__name__ in acts:
                act, used = acts[type(after[0]).__name__], 2
            elif len(after) == 2 and isinstance(after[0], nn.Flatten) \
                    and isinstance(after[1], nn.Softmax):  # softmax over every unit
                act, used = "softmax", 3
        if act == "leaky_relu" and after[0].negative_slope != LEAKY_SLOPE:
            _refuse_module(i + 1, after[0], f"has slope {after[0].negative_slope}; "
                                            f"neurograph's leaky_relu has {LEAKY_SLOPE}")
        if isinstance(m, nn.Conv2d) and not flat:
            _check_conv(i, m)
            pad = (0, 0) if m.padding == "valid" else _pair(m.padding)
            prev = net.add_conv(prev, maps=m.out_channels, kernel=_pair(m.kernel_size),
                                stride=_pair(m.stride), padding=pad, activation=act)
            prev.kernels = m.weight.detach().cpu().numpy()
            prev.biases = m.bias.detach().cpu().numpy()
            flat = used == 3
        elif isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)) and not flat:
            _check_pool(i, m, torch)
            prev = net.add_pool(prev, size=_pair(m.kernel_size), stride=_pair(m.stride),
                                kind="max" if isinstance(m, nn.MaxPool2d) else "avg")
        elif isinstance(m, nn.Flatten) and m.start_dim == 1 and m.end_dim == -1:
            flat = True
        elif isinstance(m, nn.Linear) and flat:
            if m.bias is None:
                _refuse_module(i, m, "has no bias; the course's Θ has a bias column")
            n_in = len(prev) if isinstance(prev, Grid) else len(prev.nodes)
            if m.in_features != n_in:
                _refuse_module(i, m, f"reads {m.in_features} features; the layer before it "
                                     f"has {n_in} units")
            layer = net.add_layer(m.out_features, activation=act)
            net.connect_layers(prev, layer)
            net.theta(layer.index - 1)[:] = np.hstack([m.bias.detach().cpu().numpy()[:, None],
                                                        m.weight.detach().cpu().numpy()])
            prev = layer
        else:
            where = "after Flatten" if flat else "on a grid (give nn.Flatten first)"
            _refuse_module(i, m, f"cannot stand {where}: expected Conv2d, MaxPool2d, "
                                 "AvgPool2d and Flatten on grids, Linear after Flatten, "
                                 f"each weighted layer followed by one of {', '.join(acts)}")
        i += used
    return net
