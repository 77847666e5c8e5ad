"""The lecture's units: AND, OR, NOT, NOR, XNOR truth tables and the slide's values."""

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

import neurograph as ng

EX = Path(__file__).resolve().parents[1] / "examples" / "logic_gates.py"
spec = importlib.util.spec_from_file_location("logic_gates", EX)
gates = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gates)

X2 = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)


def g(z):
    return 1.0 / (1.0 + math.exp(-z))


@pytest.mark.parametrize(
    "name, X, truth",
    [
        ("AND", X2, [0, 0, 0, 1]),
        ("OR", X2, [0, 1, 1, 1]),
        ("NOT", np.array([[0.0], [1.0]]), [1, 0]),
        ("NOR", X2, [1, 0, 0, 0]),
    ],
)
def test_units_truth_tables(name, X, truth):
    net = gates.unit(name)
    h = net.forward(X)[:, 0]
    assert np.array_equal(np.round(h), truth)
    # each h is g(θ0 + θ·x) computed here independently with math.exp
    bias, weights = gates.UNITS[name]
    expect = [g(bias + float(np.dot(weights, x))) for x in X]
    np.testing.assert_allclose(h, expect, rtol=1e-14, atol=0)
    assert net.predict(X).tolist() == truth


def test_slide_values_for_and():
    """The slide: g(−30) ≈ 0, g(−10) ≈ 0, g(−10) ≈ 0, g(10) ≈ 1."""
    h = gates.unit("AND").forward(X2)[:, 0]
    # ≈ 0 / ≈ 1 to the 4 decimals a probability on a slide implies
    assert h.round(4).tolist() == [0.0, 0.0, 0.0, 1.0]
    assert h[0] == pytest.approx(9.357622968839299e-14, rel=1e-12)  # g(−30)
    assert h[1] == h[2] == pytest.approx(4.5397868702434395e-05, rel=1e-12)  # g(−10)
    assert h[3] == pytest.approx(0.9999546021312976, rel=1e-15)  # g(10)


def test_xnor_two_layers():
    net = gates.xnor()
    h = net.forward(X2, show=True)[:, 0]
    assert np.round(h).tolist() == [1, 0, 0, 1]
    assert net.s == [2, 2, 1]
    # hidden units are the AND and NOR units of the slide
    assert np.round(net["AND"].a).tolist() == [0, 0, 0, 1]
    assert np.round(net["NOR"].a).tolist() == [1, 0, 0, 0]
    assert net["XNOR"].kind == "output" and net["AND"].kind == "hidden"


def test_xnor_from_thetas_equals_node_by_node():
    T1 = np.array([[-30.0, 20, 20], [10, -20, -20]])
    T2 = np.array([[-10.0, 20, 20]])
    a = ng.Network.from_thetas([T1, T2]).forward(X2)
    b = gates.xnor().forward(X2)
    np.testing.assert_array_equal(a, b)


def test_example_runs(capsys):
    tables = gates.main()
    out = capsys.readouterr().out
    assert "XNOR" in out and "layer" in out
    assert np.round(tables["XNOR"]).tolist() == [1, 0, 0, 1]
