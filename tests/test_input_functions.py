"""Input functions beyond the weighted sum: a radial-basis unit on the graph engine."""

import numpy as np
import pytest

import neurograph as ng


def rbf_net(seed=0):
    """x → two RBF units (centres as weights, a = e^−‖x − c‖²) → a sigmoid output."""
    rng = np.random.default_rng(seed)
    net = ng.Network(seed=seed)
    xs = [net.add_input(f"x{i}") for i in (1, 2)]
    out = net.add_node("o")
    for k in (1, 2):
        r = net.add_node(f"r{k}", activation="gaussian", input_function="euclidean_rbf")
        for x in xs:
            net.connect(x, r, weight=rng.normal())
        net.connect(r, out, weight=rng.normal())
    return net


def test_rbf_forward_by_hand_and_gradients_by_finite_differences():
    net = rbf_net()
    X = np.array([[0.3, -0.2], [1.0, 0.5], [-0.4, 0.8]])
    y = np.array([1, 0, 1])
    c = np.array([li.weight for li in net["r1"].incoming[1:]])
    fw = ng.engines.run_forward(net, X)  # the forward pass's Trace (net.forward shows none)
    np.testing.assert_allclose(fw.node_value(net["r1"], "a"),
                               np.exp(-((X - c) ** 2).sum(axis=1)), rtol=1e-14)
    assert fw.engine == "graph"
    report = ng.gradcheck(net, X, y, lam=0.3)
    assert report.rel_diff < 1e-8
    tr = net.backward(X, y)
    for name in ("r1", "r2"):  # δ_i = g'(z_i)·Σ_j blame_ij still holds
        u = net[name]
        np.testing.assert_allclose(u.delta, u.activation.dg(u.z, u.a) * sum(tr.blame(u).values()),
                                   rtol=1e-13)
    # an input unit's share from an RBF unit is ∂z/∂a·δ = 2(x − c)·δ
    share = tr.blame(net["x1"])["r1"]
    np.testing.assert_allclose(share, 2 * (X[:, 0] - c[0]) * net["r1"].delta, rtol=1e-13)


def test_compile_refuses_and_names_the_unit():
    net = rbf_net()
    with pytest.raises(ng.CompileError, match="'r1' uses the input function 'euclidean_rbf'"):
        net.compile()
    with pytest.raises(ng.ConfigError, match="known: euclidean_rbf, max, mean, weighted_sum"):
        net.add_node("q", input_function="product")


def test_changing_a_unit_s_functions_invalidates_compiled_form(tmp_path):
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    net.compile()
    net["a2_1"].input_function = "euclidean_rbf"
    assert net.weights.current() is None
    with pytest.raises(ng.CompileError):
        net.compile()
    net["a2_1"].input_function = "weighted_sum"
    net["a2_2"].activation = "tanh"
    with pytest.raises(ng.CompileError, match="mixes activations"):
        net.compile()
    with pytest.raises(ng.TopologyError, match="no activation"):
        net["x1"].activation = "tanh"


def test_rbf_network_trains_saves_and_loads(tmp_path):
    X, y = ng.data.truth_table("XOR")
    net = rbf_net(seed=3)
    # the classic RBF XOR: centres near the two corners where XOR is 1
    for name, centre in (("r1", (0.1, 0.9)), ("r2", (0.9, 0.1))):
        for link, c in zip(net[name].incoming[1:], centre):
            link.weight = c
    h = ng.Trainer(net, alpha=1.0).fit(X, y, epochs=2000)
    assert h.cost[-1] < h.cost[0] / 2
    assert net.predict(X).tolist() == y.tolist()
    ng.save(net, tmp_path / "rbf.ngz")
    back = ng.load(tmp_path / "rbf.ngz")
    assert back["r2"].input_function.name == "euclidean_rbf"
    np.testing.assert_array_equal(back.forward(X), net.forward(X))
    ng.to_graphml(net, tmp_path / "rbf.graphml")
    np.testing.assert_array_equal(ng.from_graphml(tmp_path / "rbf.graphml").forward(X),
                                  net.forward(X))
