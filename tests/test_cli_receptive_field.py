"""`neurograph render --receptive-field UNIT`: one unit's links drawn cell to cell, through
the command as a user runs it; a name that is not a grid unit is one line, exit 2."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import neurograph as ng

ROOT = Path(__file__).resolve().parent.parent
EDGE = re.compile(r'^\s*("#map\d+_\d+":r\d+c\d+|bias\d+) -> ("#map\d+_\d+":r\d+c\d+) '
                  r'\[label="?([-+0-9.e]+)"?')


def neurograph(*args, cwd):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "neurograph", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


@pytest.fixture
def conv_checkpoint(tmp_path):
    net = ng.Network(seed=0)
    x = net.add_inputs((2, 4, 5))
    c = net.add_conv(x, maps=3, kernel=(3, 2), padding=1, activation="tanh", name="c1")
    net.connect_layers(c, net.add_layer(2))
    ng.save(net, tmp_path / "conv.ngz")
    return net, tmp_path


def test_the_dot_output_draws_the_units_links_from_its_input_cells(conv_checkpoint):
    net, tmp = conv_checkpoint
    r = neurograph("render", "conv.ngz", "--receptive-field", "c1[2,0, 4]", "--out", "c.dot",
                   cwd=tmp)
    assert r.returncode == 0, r.stderr
    drawn = {}
    for line in (tmp / "c.dot").read_text().splitlines():
        m = EDGE.match(line)
        if m:
            drawn[m.group(1)] = (m.group(2), float(m.group(3)))
    # what the network says: c1[2, 0, 4] (map 2, row 0, column 4; padding 1) reads x[c, r, col]
    # for rows 0..1 (row −1 is padding) and columns 3..4: 2 maps × 2 rows × 2 columns + a bias
    unit = net["c1[2, 0, 4]"]
    want = {}
    for link in unit.incoming:
        if link.is_bias:
            tail = "bias1"
        else:
            c, row, col = map(int, re.findall(r"\d+", link.source.name))
            tail = f'"#map1_{c}":r{row}c{col}'
        want[tail] = link.weight
    assert len(want) == 9 and set(drawn) == set(want)
    for tail, w in want.items():
        head, label = drawn[tail]
        assert head == '"#map2_2":r0c4'
        assert label == pytest.approx(w, rel=1e-3, abs=1e-4)


@pytest.mark.parametrize("name, message", [
    ("c1[3, 0, 0]", r"--receptive-field names 'c1\[3, 0, 0\]', which is not a unit of this "
                    r"network \(a grid unit is named like 'c1\[0, 1, 1\]'"),
    ("a3_1", "--receptive-field names 'a3_1', which neither is in a grid layer nor reads one"),
    ("x[1, 2, 3]", "--receptive-field names the input unit 'x\\[1, 2, 3\\]': it has no links"),
])
def test_a_name_that_is_not_a_grid_unit_exits_2_with_one_line(conv_checkpoint, name, message):
    net, tmp = conv_checkpoint
    if name == "a3_1":  # a dense unit of a network without grids
        ng.save(ng.Network.from_architecture([2, 2, 1], seed=0), tmp / "conv.ngz")
    r = neurograph("render", "conv.ngz", "--receptive-field", name, "--out", "c.dot", cwd=tmp)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and re.search(message, r.stderr), r.stderr


def test_help_lists_the_flag():
    r = subprocess.run([sys.executable, "-m", "neurograph", "render", "--help"],
                       capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0 and "--receptive-field UNIT" in r.stdout
