"""Conv and shared weights seen (issue 22, item 5): diagnosis by feature map, explain's
terms of a conv unit's z and of a shared weight's gradient, diagrams of feature maps.
Every number is checked against numpy written here, not against the library's formula."""

import numpy as np
import pytest

import neurograph as ng


def windows(X, k):
    """(n, Ho, Wo, k, k) windows of the (n, H, W) inputs: stride 1, no padding."""
    n, H, W = X.shape
    return np.stack([[X[:, r:r + k, c:c + k] for c in range(W - k + 1)]
                     for r in range(H - k + 1)]).transpose(2, 0, 1, 3, 4)


def conv_net(activation="relu", seed=3):
    """6×6 inputs → conv 3 maps of 3×3 (4×4 each) → 2×2 max pool → 2 sigmoid outputs."""
    net = ng.Network(seed=seed)
    x = net.add_inputs((6, 6))
    c = net.add_conv(x, maps=3, kernel=3, activation=activation, name="c1")
    s = net.add_pool(c, size=2, kind="max", name="s1")
    out = net.add_layer(2, activation="sigmoid")
    net.connect_layers(s, out)
    return net, c


def data(seed=0, n=12):
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 1, (n, 36)), rng.integers(0, 2, (n, 2)).astype(float)


def z_numpy(c, X, m):
    """z of map m for each instance, (n, 4, 4): Σ K[m]·window + b[m] by numpy."""
    W = windows(X.reshape(-1, 6, 6), 3)
    return np.einsum("nrcij,ij->nrc", W, c.kernels[m, 0]) + c.biases[m]


# --- diagnosis: dead and saturated maps ---------------------------------------------------

def test_a_map_forced_dead_is_one_finding_naming_the_map():
    net, c = conv_net("relu")
    X, Y = data()
    b = c.biases.copy()
    b[1] = -50.0  # far below any Σ K·x of inputs in [0, 1] and |K| ≤ 1/3
    c.biases = b
    d = ng.diagnose(net.backward(X, Y), net=net)
    dead = d.of("dead")
    mapped = [f for f in dead if f.where.get("map") == "c1[1]"]
    assert len(mapped) == 1, d
    f = mapped[0]
    assert "map c1[1]" in f.summary and set(f.units) == {u.name for u in c[1].flat}
    # its evidence is the largest z over the map's units and instances, by numpy
    assert f.evidence["c1[1]: max z"] == pytest.approx(z_numpy(c, X, 1).max(), abs=1e-12)
    assert z_numpy(c, X, 1).max() < 0
    # no other finding lists the map's units one by one
    others = [u for g in d if g is not f for u in g.units]
    assert not set(others) & set(f.units)


def test_a_dead_unit_that_is_not_a_whole_map_stays_a_unit_finding():
    net = ng.Network.from_architecture([2, 3, 1], activation="relu", seed=0)
    net.set_bias(net.layers[1][0], -100.0)
    X, Y = data(n=5)[0][:, :2], np.ones((5, 1))
    d = ng.diagnose(net.backward(X, Y), net=net)
    (f,) = d.of("dead")
    assert f.units == ("a2_1",) and "map" not in f.where and "1 relu unit(s)" in f.summary


def test_a_saturated_map_is_one_finding_naming_the_map():
    net, c = conv_net("sigmoid")
    X, Y = data()
    b = c.biases.copy()
    b[2] = 40.0  # σ'(z) = σ(z)(1 − σ(z)) < 1e-15 for z > 35
    c.biases = b
    d = ng.diagnose(net.backward(X, Y), net=net)
    (f,) = [f for f in d.of("saturated") if f.where.get("map") == "c1[2]"]
    assert set(f.units) == {u.name for u in c[2].flat}
    assert z_numpy(c, X, 2).min() > 35  # every unit, every instance: g' ≈ 0
    assert not any(set(g.units) & set(f.units) for g in d if g is not f)
