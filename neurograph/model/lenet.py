"""LeNet-5 as LeCun, Bottou, Bengio and Haffner describe it (Proc. IEEE, 1998).

A 32×32 input; C1, 6 maps 28×28 (5×5 kernels); S2, 6 maps 14×14, each unit the
sum of a 2×2 window times one trainable coefficient per map plus one bias per
map, squashed; C3, 16 maps 10×10 (5×5 kernels) reading the S2 maps of the
paper's Table I only; S4, 16 maps 5×5 as S2; C5, 120 units, 5×5 kernels over
all 16 maps; F6, 84 units fully connected; the output, 10 Euclidean RBF units
y_i = Σ_j (x_j − w_ij)² over F6.

What differs from the paper, and why: the squashing function is tanh (the paper
scales it, 1.7159·tanh(2a/3)); the RBF centres are drawn as ±1 from the seed and
held frozen (the paper fixes them by hand as stylized 7×12 bitmaps of the
digits, which are not published as numbers), their bias links held at 0. The
initial weights are U[−2.4/F, 2.4/F], F the unit's fan-in, as in the paper.

>>> table_i().sum(axis=1).tolist()   # S2 maps read by each C3 map
[3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 6]
"""

from __future__ import annotations

from itertools import product

import numpy as np

from . import grids

# Table I: which S2 maps (rows of the paper's table, 0–5) each C3 map (0–15) reads
_TABLE_I = ["012", "123", "234", "345", "045", "015", "0123", "1234", "2345", "0345",
            "0145", "0125", "0134", "1245", "0235", "012345"]


def table_i() -> np.ndarray:
    """The paper's Table I as a bool array (16 C3 maps, 6 S2 maps)."""
    out = np.zeros((16, 6), dtype=bool)
    for m, cols in enumerate(_TABLE_I):
        out[m, [int(ch) for ch in cols]] = True
    return out


def subsample(net, x, name: str, activation="tanh") -> grids.Grid:
    """S2/S4: each unit a · Σ of its 2×2 window (stride 2) + b, a and b one trainable
    parameter each per map (``<name>.coefficients``, ``<name>.biases``)."""
    C, H, W = x.maps_shape
    F = 4  # fan-in of a unit
    coef = net.parameter_array(net.rng.uniform(-2.4 / F, 2.4 / F, C), name=f"{name}.coefficients")
    bias = net.parameter_array(net.rng.uniform(-2.4 / F, 2.4 / F, C), name=f"{name}.biases")
    layer = net.new_layer(activation)
    out = grids.units(net, name, (C, H // 2, W // 2), layer)
    src, ci, bi = x.nodes.reshape(C, H, W), coef.indices, bias.indices
    rows = []
    for m, r, c in product(range(C), range(H // 2), range(W // 2)):
        v = out[m, r, c]
        v._bias_link._i = int(bi[m])
        rows += [(src[m, 2 * r + i, 2 * c + j], v, int(ci[m])) for i in (0, 1) for j in (0, 1)]
    grids.link_all(net, rows)
    return grids.Grid(name, out, layer, "subsampling", coef, bias)


def paper_init(net, grid: grids.Grid) -> None:
    """U[−2.4/F, 2.4/F] for a conv grid's kernels and biases, F its units' fan-in."""
    K = net.parameters[f"{grid.name}.kernels"]
    F = len(net.in_links(grid.nodes.flat[0]))  # 25 per input map read, + the bias
    K.value = np.where(K.value == 0.0, 0.0, net.rng.uniform(-2.4 / F, 2.4 / F, K.shape))
    grid.biases = net.rng.uniform(-2.4 / F, 2.4 / F, grid.biases.shape)


def lenet5(cls, seed: int | None = 0, dtype=np.float64):
    """LeNet-5 (see the module's docstring and ``Network.lenet5``)."""
    net = cls(seed=seed, dtype=dtype)
    x = net.add_inputs((32, 32), name="x")
    c1 = net.add_conv(x, maps=6, kernel=5, activation="tanh", name="C1")
    s2 = subsample(net, c1, "S2")
    c3 = net.add_conv(s2, maps=16, kernel=5, activation="tanh", name="C3", table=table_i())
    s4 = subsample(net, c3, "S4")
    c5 = net.add_conv(s4, maps=120, kernel=5, activation="tanh", name="C5")
    for g in (c1, c3, c5):
        paper_init(net, g)
    f6 = net.add_layer(84, activation="tanh", names=[f"F6[{k}]" for k in range(84)])
    net.connect_layers(c5.layer, f6, init=2.4 / 120)
    out = net.new_layer("linear")
    codes = net.rng.choice([-1.0, 1.0], size=(10, 84))
    for k in range(10):
        v = net.add_node(f"y[{k}]", layer=out, input_function="euclidean_rbf")
        for j, u in enumerate(f6.nodes):
            net.connect(u, v, weight=codes[k, j])
    for u in out.nodes:  # the paper's RBF centres are fixed, not learnt; no bias either
        for li in net.in_links(u):
            net.weights.set_frozen(li.index, True)
    return net
