"""LeNet-5 as published (issue 22, item 6): its counts are the paper's.

LeCun, Bottou, Bengio, Haffner, "Gradient-based learning applied to document
recognition", Proc. IEEE 86(11), 1998, section II.B: trainable parameters and
connections per layer, and Table I (the S2 maps each C3 map reads).
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import neurograph as ng

# layer: (units, trainable parameters, connections), as the paper gives them
PAPER = {"C1": (6 * 28 * 28, 156, 122_304), "S2": (6 * 14 * 14, 12, 5_880),
         "C3": (16 * 10 * 10, 1_516, 151_600), "S4": (16 * 5 * 5, 32, 2_000),
         "C5": (120, 48_120, 48_120), "F6": (84, 10_164, 10_164)}

# Table I of the paper, row = S2 map, column = C3 map ("X" where connected)
TABLE_I = """
X...XXX..XXXX.XX
XX...XXX..XXXX.X
XXX...XXX..X.XXX
.XXX..XXXX..X.XX
..XXX..XXXX.XX.X
...XXX..XXXX.XXX
"""


@pytest.fixture(scope="module")
def net():
    return ng.Network.lenet5()


def unit(net, name):
    return net.graph.nodes[name]["node"]


def test_each_layer_has_the_papers_units_parameters_and_connections(net):
    names = ["C1", "S2", "C3", "S4", "C5", "F6"]
    assert net.s == [32 * 32] + [PAPER[k][0] for k in names] + [10]
    for lay, name in zip(net.layers[1:], names):
        links = [li for u in lay.nodes for li in net.in_links(u)]
        trainable = {li.index for li in links if not li.frozen}
        assert (len(lay.nodes), len(trainable), len(links)) == PAPER[name], name
    # the paper's 60,000 trainable parameters; its 340,908 connections, and the ten
    # bias links (held at 0) every unit here has, the RBF outputs' too
    assert net.n_params == 60_000
    assert net.n_links == 340_908 + 10


def test_c3_reads_the_s2_maps_of_table_i(net):
    rows = [r for r in TABLE_I.split() if r]
    want = np.array([[ch == "X" for ch in r] for r in rows]).T  # (C3 map, S2 map)
    for m in range(16):
        u = unit(net, f"C3[{m}, 0, 0]")
        read = {int(li.source.name.split("[")[1].split(",")[0])
                for li in net.in_links(u) if not li.is_bias}
        assert read == set(np.flatnonzero(want[m])), m
    K = net.parameters["C3.kernels"]
    assert K.shape == (16, 6, 5, 5)
    assert all(len(K[m, c, 0, 0].links) == (100 if want[m, c] else 0)
               for m in range(16) for c in range(6))


def test_s2_is_a_coefficient_and_a_bias_per_map(net):
    u = unit(net, "S2[3, 4, 5]")
    a, b = net.parameters["S2.coefficients"][3], net.parameters["S2.biases"][3]
    ins = [li for li in net.in_links(u) if not li.is_bias]
    assert {li.source.name for li in ins} == {"C1[3, 8, 10]", "C1[3, 8, 11]",
                                             "C1[3, 9, 10]", "C1[3, 9, 11]"}
    assert all(li.parameter is a for li in ins) and u.bias_link.parameter is b
    assert len(a.links) == 4 * 14 * 14


def test_the_output_is_ten_fixed_rbf_units_and_a_pass_runs(net):
    out = net.outputs
    assert len(out) == 10 and all(u.input_function.name == "euclidean_rbf" for u in out)
    assert all(li.frozen for u in out for li in net.in_links(u))
    X = np.random.default_rng(0).normal(size=(2, 1024))
    y = net.forward(X)
    assert y.shape == (2, 10) and np.all(np.isfinite(y)) and np.all(y >= 0)


def test_builds_in_150_mb():
    code = ("import resource, neurograph as ng\n"
            "ng.Network  # the package loaded before the measure\n"
            "r0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            "net = ng.Network.lenet5()\n"
            "r1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            "print((r1 - r0) / 1024)\n")
    root = str(Path(__file__).resolve().parents[1])  # this checkout's package
    env = dict(os.environ, PYTHONPATH=root)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True).stdout.split()
    mb = float(out[0])
    assert mb <= 150, mb  # its build time is make bench's (a timed test only measures the load)


def test_a_connection_table_of_the_wrong_shape_or_an_empty_row_is_refused():
    net = ng.Network(seed=0)
    x = net.add_inputs((2, 6, 6))
    with pytest.raises(ng.ShapeError, match=r"\(3, 2\) array of booleans.*\(2, 2\)"):
        net.add_conv(x, maps=3, kernel=3, table=np.ones((2, 2), dtype=bool))
    with pytest.raises(ng.ConfigError, match=r"rows \[1\]"):
        net.add_conv(x, maps=2, kernel=3, table=np.array([[True, False], [False, False]]))
