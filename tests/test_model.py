"""Model objects: nodes, links, layers, networks, activations, initialisation, errors."""

import tracemalloc
import warnings

import networkx as nx
import numpy as np
import pytest

import neurograph as ng
from neurograph.model.activations import get_activation, known_activations


# --- activations ------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "linear", "step"])
def test_activation_derivative_matches_finite_difference(name):
    act = get_activation(name)
    z = np.linspace(-4, 4, 41) + 0.013  # off the kinks of relu/step
    h = 1e-6
    num = (act.g(z + h) - act.g(z - h)) / (2 * h)
    np.testing.assert_allclose(act.dg(z, act.g(z)), num, rtol=1e-6, atol=1e-8)


def test_softmax_backprop_is_the_jacobian_product():
    act = get_activation("softmax")
    rng = np.random.default_rng(0)
    z, up = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    a = act.g(z)
    J = np.stack([np.diag(r) - np.outer(r, r) for r in a])  # independent Jacobian
    expect = np.einsum("nij,ni->nj", J, up)
    np.testing.assert_allclose(act.backprop(z, a, up), expect, rtol=1e-12)
    np.testing.assert_allclose(a.sum(axis=1), 1.0)


def test_sigmoid_is_stable_and_exact_at_extremes():
    act = get_activation("sigmoid")
    z = np.array([-1000.0, -745.0, -30.0, 0.0, 30.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = act.g(z)
        act.g(np.array([-1000.0, 1000.0], dtype=np.float32))
    assert a[0] == 0.0 and a[-1] == 1.0 and a[3] == 0.5
    assert a[2] == pytest.approx(1 / (1 + np.exp(30.0)), rel=1e-14)
    assert 0 <= a[1] <= 5e-324  # g(−745) ≈ 5e-324, the smallest subnormal: 0 or that


def test_unknown_activation_lists_known_ones():
    with pytest.raises(ng.ActivationError) as e:
        ng.Network().add_node("h", activation="sigmod")
    for name in ["sigmoid", "tanh", "relu", "linear", "step", "softmax"]:
        assert name in str(e.value)
    assert "sigmod" in str(e.value)


def test_user_activation_is_validated_and_registered():
    good = ng.Activation("softplus_t", lambda z: np.logaddexp(0, z),
                         lambda z, a: 1 / (1 + np.exp(-z)))
    net = ng.Network()
    h = net.add_node("h", activation=good)
    assert h.activation is good and "softplus_t" in known_activations()
    wrong = ng.Activation("bad_d", lambda z: z**2, lambda z, a: 3 * z)
    with pytest.raises(ng.ActivationError, match="finite difference"):
        ng.register_activation(wrong)
    shape = ng.Activation("bad_shape", lambda z: z.sum(), lambda z, a: z)
    with pytest.raises(ng.ActivationError, match="shape"):
        ng.register_activation(shape)
    with pytest.raises(ng.ActivationError, match="taken"):
        ng.register_activation(ng.Activation("sigmoid", np.tanh, lambda z, a: 1 - a * a))


# --- building ---------------------------------------------------------------------------
def test_node_by_node_layers_are_inferred_by_longest_path():
    net = ng.Network()
    x1, x2 = net.add_input(), net.add_input()
    h1, h2, o = net.add_node("h1"), net.add_node("h2"), net.add_node("o")
    net.connect(x1, h1, 1.0)
    net.connect(h1, h2, 1.0)
    net.connect(h2, o, 1.0)
    net.connect(x2, o, 1.0)  # a skip connection
    assert [n.layer for n in (x1, h1, h2, o)] == [1, 2, 3, 4]
    assert net.s == [2, 1, 1, 1]
    assert not net.is_layered
    assert [u.name for u in net.bias_units] == ["bias1", "bias2", "bias3"]
    # the bias link of each unit comes from the bias unit of the layer before it
    assert net.link("bias3", "o") is o.incoming[0]
    assert o.incoming[0].is_bias


def test_graph_holds_node_and_link_objects():
    net = ng.Network.from_architecture([2, 3, 1], seed=0)
    g = net.graph
    assert isinstance(g, nx.DiGraph)
    assert g.nodes["a2_1"]["node"] is net["a2_1"]
    link = g.edges["x1", "a2_1"]["link"]
    assert isinstance(link, ng.Link) and link.source is net["x1"]
    assert g.number_of_edges() == 3 * 3 + 1 * 4  # weights + biases
    assert nx.is_directed_acyclic_graph(g)


def test_from_architecture_shapes_and_init_range():
    net = ng.Network.from_architecture([3, 3, 2, 1], seed=0)
    assert [t.shape for t in net.thetas] == [(3, 4), (2, 4), (1, 3)]
    for l, T in enumerate(net.thetas, start=1):
        s_in, s_out = net.s[l - 1], net.s[l]
        eps = np.sqrt(6) / np.sqrt(s_in + s_out)
        assert np.abs(T).max() <= eps
        assert len(np.unique(T)) == T.size  # never uniform
    same = ng.Network.from_architecture([3, 3, 2, 1], seed=0)
    other = ng.Network.from_architecture([3, 3, 2, 1], seed=1)
    np.testing.assert_array_equal(net.theta_flat, same.theta_flat)
    assert not np.array_equal(net.theta_flat, other.theta_flat)


def test_init_schemes_and_bad_scheme():
    a = ng.Network.from_architecture([50, 40], seed=0, init="he").theta(1)[:, 1:]
    assert abs(a.std() - np.sqrt(2 / 50)) < 0.02
    b = ng.Network.from_architecture([50, 40], seed=0, init=0.5).theta(1)
    assert np.abs(b).max() <= 0.5 and np.abs(b).max() > 0.45
    with pytest.raises(ng.ConfigError, match="unknown init"):
        ng.Network.from_architecture([2, 2], init="zeros")
    with pytest.raises(ng.ConfigError, match="NOT all 0"):
        ng.Network.from_architecture([2, 2], init=0)


def test_from_thetas_round_trips_exactly():
    rng = np.random.default_rng(3)
    ths = [rng.normal(size=(4, 3)), rng.normal(size=(2, 5))]
    net = ng.Network.from_thetas(ths)
    for a, b in zip(net.thetas, ths):
        np.testing.assert_array_equal(a, b)
    assert net.s == [2, 4, 2]
    with pytest.raises(ng.ShapeError, match="columns"):
        ng.Network.from_thetas([rng.normal(size=(4, 3)), rng.normal(size=(2, 4))])
    with pytest.raises(ng.ShapeError, match="2-D"):
        ng.Network.from_thetas([np.zeros(3)])


def test_set_bias_and_link_weight():
    net = ng.Network()
    x = net.add_input("x")
    h = net.add_node("h")
    link = net.connect(x, h, weight=2.5)
    net.set_bias(h, -1.5)
    assert h.bias == -1.5 and link.weight == 2.5
    net.backward([[2.0]], [1])  # the pass nodes show (a forward pass leaves them)
    assert h.z[0] == pytest.approx(-1.5 + 2.5 * 2.0)
    assert link.signal[0] == pytest.approx(5.0)
    with pytest.raises(ng.InputValueError, match="finite"):
        link.weight = float("nan")


# --- reprs -----------------------------------------------------------------------------
def test_reprs_show_what_a_debugger_needs():
    net = ng.Network.from_thetas([[[-30.0, 20, 20]]])
    assert repr(net["a2_1"]) == "Node('a2_1', layer=2, output, sigmoid)"  # no pass shown
    net.backward([[1, 1]], [0])
    r = repr(net["a2_1"])
    assert r == "Node('a2_1', layer=2, output, sigmoid, z=10, a=1, δ=1)"
    assert repr(net.link("x1", "a2_1")) == "Link('x1' → 'a2_1', w=20)"
    assert repr(net) == "Network(s=[2, 1], nodes=3, links=3, activations=sigmoid, compiled)"
    tr = net.backward([[1, 1]], [1])
    assert "δ=-4.54e-05" in repr(net["a2_1"])
    assert repr(tr).startswith("Trace(s=[2, 1], n=1")


def test_summary_table(capsys):
    ng.Network.from_architecture([3, 3, 2, 1], seed=0).summary()
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["layer", "units", "kind", "activation", "parameters"]
    assert out[2].split() == ["1", "3", "input", "-", "0"]
    assert out[3].split() == ["2", "3", "hidden", "sigmoid", "12"]
    assert out[5].split() == ["4", "1", "output", "sigmoid", "3"]
    assert "23 parameters" in out[-1]


# --- errors: each names what was expected and what came; nothing half-built ---------------
def _snapshot(net):
    return (sorted(net.graph.nodes), sorted(net.graph.edges), net.weights.n)


def test_cycle_is_refused_and_named():
    net = ng.Network()
    x = net.add_input("x")
    a, b, c = net.add_node("a"), net.add_node("b"), net.add_node("c")
    net.connect(x, a)
    net.connect(a, b)
    net.connect(b, c)
    before = _snapshot(net)
    with pytest.raises(ng.CycleError, match="a → b → c → a"):
        net.connect(c, a)
    with pytest.raises(ng.CycleError):
        net.connect(a, a)
    assert _snapshot(net) == before


def test_foreign_duplicate_and_into_input_or_bias():
    n1, n2 = ng.Network(), ng.Network()
    x = n1.add_input("x")
    h = n1.add_node("h")
    y = n2.add_node("y")
    n1.connect(x, h, 1.0)
    before = _snapshot(n1)
    with pytest.raises(ng.TopologyError, match="another network"):
        n1.connect(x, y)
    with pytest.raises(ng.TopologyError, match="exists already"):
        n1.connect(x, h, 2.0)
    with pytest.raises(ng.TopologyError, match="into input unit 'x'"):
        n1.connect(h, x)
    n1.forward([[1.0]])
    with pytest.raises(ng.TopologyError, match="into bias unit"):
        n1.connect(h, n1["bias1"])
    with pytest.raises(ng.TopologyError, match="exists already"):
        n1.add_node("h")
    assert _snapshot(n1)[1] == sorted(n1.graph.edges) and n1.link("x", "h").weight == 1.0
    assert before[2] == n1.weights.n


def test_input_errors():
    net = ng.Network.from_architecture([3, 2, 1], seed=0)
    with pytest.raises(ng.ShapeError, match="expected 3.*got 2"):
        net.forward([[1.0, 2.0]])
    with pytest.raises(ng.InputValueError, match="NaN|nan"):
        net.forward([[1.0, np.nan, 0.0]])
    with pytest.raises(ng.InputValueError, match="inf"):
        net.forward([[1.0, np.inf, 0.0]])
    assert net.forward([1.0, 2.0, 3.0]).shape == (1, 1)


def test_empty_network_errors():
    with pytest.raises(ng.EmptyNetworkError, match="no inputs"):
        ng.Network().forward([[1.0]])
    net = ng.Network()
    net.add_input()
    with pytest.raises(ng.EmptyNetworkError, match="no units after"):
        net.forward([[1.0]])


def test_backward_link_between_explicit_layers_is_refused():
    net = ng.Network(seed=0)
    _, l2, l3 = net.add_layer(2), net.add_layer(2), net.add_layer(1)
    with pytest.raises(ng.TopologyError, match="links go forward"):
        net.connect(l3[0], l2[0])
    with pytest.raises(ng.TopologyError, match="links go forward"):
        net.connect_layers(l2, l2)


# --- performance guard (memory only; time lives in make bench) --------------------------
def test_connect_layers_memory_per_link():
    net = ng.Network(seed=0)
    a, b = net.add_layer(200), net.add_layer(100)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    net.connect_layers(a, b)
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert used / 20000 <= 400, f"{used / 20000:.0f} bytes per link"


def test_compiled_form_keeps_each_thetas_offset_and_shape():
    net = ng.Network.from_architecture([3, 3, 2, 1], seed=0)
    c = net.compile()
    sizes = [(b, a + 1) for a, b in zip([3, 3, 2], [3, 2, 1])]  # s_{l+1} × (s_l + 1)
    assert c.shapes == sizes
    assert c.offsets == [0, 12, 20, 23]
    v = np.arange(23.0) * 7  # anything laid out like θ: a Trace's copy, a gradient
    for (r, k), a, T in zip(sizes, [0, 12, 20], c.views(v)):
        assert np.shares_memory(T, v) and np.array_equal(T, v[a:a + r * k].reshape(r, k))
    for k, T in enumerate(c.views(net.weights.theta), start=1):
        assert np.shares_memory(T, net.theta(k)) and np.array_equal(T, net.theta(k))
    with pytest.raises(ng.ShapeError, match=r"shape \(23,\), got \(22,\)"):
        c.views(np.zeros(22))


def test_copy_is_made_part_by_part_equal_and_independent():
    net = ng.Network.from_architecture([3, 4, 2], seed=0)
    net.classes = ["cat", "dog"]
    net.freeze("bias")
    net.compile()
    late = net.add_node("late", layer=2)  # a unit of an assigned layer, after compiling
    net.connect("x1", late, 0.5)
    net.connect(late, "a3_1", -0.5)
    theta0, frozen0 = net.weights.theta.copy(), net.weights.frozen.copy()
    with net.lesion(units=["a2_1"], links=[("x2", "a2_2")]):
        b = net.copy()
    for part in ("topology", "weights", "layering", "lesions"):
        assert type(getattr(b, part)) is type(getattr(net, part))
        assert getattr(b, part) is not getattr(net, part)
    # the intact network: the cut link's own weight and flag, nothing silenced
    assert b.silenced == {} and not b.lesions.active
    np.testing.assert_array_equal(b.weights.theta, theta0)
    np.testing.assert_array_equal(b.weights.frozen, frozen0)
    assert b.classes == ("cat", "dog") and b.rng.random() == net.rng.random()
    assert [u.name for u in b.nodes] == [u.name for u in net.nodes]
    names = [[u.name for u in lay] for lay in net.layers]
    assert [[u.name for u in lay] for lay in b.layers] == names
    assert [lay.index for lay in b.assigned_layers] == [2, 3] and b["late"].assigned_layer is \
        b.assigned_layers[0] and b.assigned_layers[0] is b.layers[1]
    assert not {id(x) for lay in b.layers for x in (lay, *lay.nodes)} & \
        {id(x) for lay in net.layers for x in (lay, *lay.nodes)}
    # independent: edits of the copy's every part leave the original as it was
    b.classes = ["x", "y"]
    b.add_node("later", layer=2)
    b.link("x1", "late").weight = 9.0
    b.freeze(2)
    with b.lesion(units=["a2_3"]):
        assert net.silenced == {}
    assert net.classes == ("cat", "dog") and "later" not in net and net.s == [3, 5, 2]
    np.testing.assert_array_equal(net.weights.theta, theta0)
    np.testing.assert_array_equal(net.weights.frozen, frozen0)
    X = np.random.default_rng(1).normal(size=(5, 3))
    a = 1 / (1 + np.exp(-(X @ net.theta(1)[:, 1:].T + net.theta(1)[:, 0])))
    want = 1 / (1 + np.exp(-(a @ net.theta(2)[:, 1:].T + net.theta(2)[:, 0])))
    np.testing.assert_allclose(net.forward(X), want, rtol=1e-12)
