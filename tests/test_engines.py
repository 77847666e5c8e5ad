"""Compile, matrix engine, graph engine, Trace, cost, gradients, gradient checking."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurograph as ng
from neurograph.engines import matrix


def data(rng, n, d, K):
    return rng.normal(size=(n, d)), rng.integers(0, K, size=n)


# --- compile: one source of truth -----------------------------------------------------
def test_slide_shapes_and_views_of_one_buffer():
    net = ng.Network.from_architecture([3, 3, 2, 1], seed=0)
    T1, T2, T3 = net.thetas
    assert (T1.shape, T2.shape, T3.shape) == ((3, 4), (2, 4), (1, 3))
    flat = net.theta_flat
    assert flat.shape == (12 + 8 + 3,)
    for T in net.thetas:
        assert np.shares_memory(T, flat)
    # unrolling is C-order concatenation, as reshape(theta[0:12], (3, 4)) on the slide
    np.testing.assert_array_equal(flat[:12].reshape(3, 4), T1)
    assert net.theta(3) is not None and net.theta(3).shape == (1, 3)
    with pytest.raises(ng.ConfigError, match="1..3"):
        net.theta(0)


def test_link_weight_reads_and_writes_through_theta():
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    T1 = net.theta(1)
    link = net.link("x2", "a2_1")
    link.weight = 5.0
    assert T1[0, 2] == 5.0
    T1[1, 1] = -7.0  # Θ(1)_{21}: x1 → a2_2
    assert net.link("x1", "a2_2").weight == -7.0
    net.theta_flat[0] = 0.25  # θ_1 is the bias of a2_1
    assert net["a2_1"].bias == 0.25
    T1 -= 0.5  # an in-place update shows on every link
    assert net.link("x2", "a2_1").weight == 4.5


def test_skip_link_refuses_to_compile_and_names_it():
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    net.connect("x1", "a3_1", weight=1.0)
    with pytest.raises(ng.CompileError, match=r"'x1' → 'a3_1'.*graph engine"):
        net.compile()
    tr = ng.engines.run_forward(net, [[1.0, 0.0]])  # auto falls back to the graph engine
    assert tr.engine == "graph" and tr.a[-1].shape == (1, 1)
    with pytest.raises(ng.CompileError):
        net.forward([[1.0, 0.0]], engine="matrix")


def test_topology_change_invalidates_and_recompiles_from_links():
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    old = net.theta(1)
    net.link("x1", "a2_1").weight = 3.0
    x3 = net.add_input("x3")
    net.connect(x3, "a2_2", weight=1.5)  # partial: x3 → a2_1 is missing
    T1 = net.theta(1)
    assert T1.shape == (2, 4) and not np.shares_memory(old, T1)
    assert T1[0, 1] == 3.0 and T1[1, 3] == 1.5 and T1[0, 3] == 0.0
    assert net.compile().masks[0].tolist() == [[True, True, True, False], [True] * 4]


def test_missing_links_stay_zero_under_training():
    rng = np.random.default_rng(0)
    net = ng.Network(seed=0)
    l1, l2, l3 = net.add_layer(3), net.add_layer(2), net.add_layer(1)
    net.connect(l1[0], l2[0], 0.3)
    net.connect(l1[1], l2[0], -0.2)
    net.connect(l1[2], l2[1], 0.4)
    net.connect_layers(l2, l3)
    X, y = rng.normal(size=(20, 3)), rng.integers(0, 2, 20)
    for _ in range(5):
        D = net.gradients(X, y, lam=0.5)
        for T, Dl in zip(net.thetas, D):
            T -= 1.0 * Dl
    T1 = net.theta(1)
    assert T1[0, 3] == 0.0 and T1[1, 1] == 0.0 and T1[1, 2] == 0.0
    assert T1[0, 1] != 0.3  # real links did move


# --- the matrix engine against independent computations ---------------------------------
def torch_reference(torch, thetas, acts, X, Y, lam, loss):
    """J and D by PyTorch autograd, with the course's layout."""
    fns = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
           "linear": lambda z: z, "softmax": lambda z: torch.softmax(z, dim=1)}
    Ts = [torch.tensor(T, dtype=torch.float64, requires_grad=True) for T in thetas]
    a = torch.tensor(X, dtype=torch.float64)
    y = torch.tensor(Y, dtype=torch.float64)
    n = X.shape[0]
    for T, act in zip(Ts, acts):
        z = a @ T[:, 1:].T + T[:, 0]
        a = fns[act](z)
    if loss == "mse":
        J = 0.5 * ((a - y) ** 2).sum() / n
    elif acts[-1] == "softmax":
        J = -(y * torch.log_softmax(z, dim=1)).sum() / n
    else:
        J = -(y * torch.nn.functional.logsigmoid(z)
              + (1 - y) * torch.nn.functional.logsigmoid(-z)).sum() / n
    J = J + lam / (2 * n) * sum((T[:, 1:] ** 2).sum() for T in Ts)
    J.backward()
    return float(J.detach()), [T.grad.numpy() for T in Ts]


ACTS = ["sigmoid", "tanh", "relu", "linear"]


@settings(max_examples=30, deadline=None)
@given(
    s=st.lists(st.integers(1, 6), min_size=2, max_size=5),
    hidden=st.sampled_from(ACTS),
    out=st.sampled_from(["sigmoid", "softmax", "linear"]),
    lam=st.sampled_from([0.0, 0.1, 3.0]),
    n=st.integers(1, 12),
    seed=st.integers(0, 2**16),
)
def test_gradients_match_torch_and_graph_engine(torch, s, hidden, out, lam, n, seed):
    if out == "softmax" and s[-1] < 2:
        s = [*s[:-1], 2]
    rng = np.random.default_rng(seed)
    net = ng.Network.from_architecture(s, activation=hidden, output_activation=out, seed=seed)
    X = rng.normal(size=(n, s[0]))
    y = rng.integers(0, s[-1], size=n) if s[-1] > 1 else rng.integers(0, 2, size=n)
    Y = ng.one_hot(y, s[-1]) if s[-1] > 1 else y[:, None].astype(float)
    loss = "mse" if out == "linear" else "cross_entropy"
    acts = [hidden] * (len(s) - 2) + [out]
    J_t, D_t = torch_reference(torch, net.thetas, acts, X, Y, lam, loss)
    J, D = ng.cost_and_gradients(net, X, Y, lam=lam, loss=loss)
    assert pytest.approx(J_t, rel=1e-12, abs=1e-12) == J
    for a, b in zip(D, D_t):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    tm = net.backward(X, Y, lam=lam, loss=loss, engine="matrix")
    tg = net.backward(X, Y, lam=lam, loss=loss, engine="graph")
    assert tg.engine == "graph" and tm.engine == "matrix"
    np.testing.assert_allclose(tg.grad, tm.grad, rtol=0, atol=1e-12)
    assert tg.cost == pytest.approx(tm.cost, abs=1e-12)
    for l in range(2, len(s) + 1):
        for key in ("z", "a", "delta"):
            np.testing.assert_allclose(tg.layer(l)[key], tm.layer(l)[key], rtol=0, atol=1e-12)


def test_per_instance_loop_equals_vectorized():
    rng = np.random.default_rng(1)
    net = ng.Network.from_architecture([4, 5, 3, 3], seed=2)
    X, y = data(rng, 9, 4, 3)
    D = net.gradients(X, y, lam=0.7)
    D_loop = matrix.gradients_loop(net.compile(), X, ng.one_hot(y, 3), lam=0.7)
    for a, b in zip(D, D_loop):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_cost_is_the_slide_formula():
    rng = np.random.default_rng(2)
    net = ng.Network.from_architecture([3, 4, 2], seed=0)
    X, y = data(rng, 6, 3, 2)
    Y = ng.one_hot(y, 2)
    h = net.forward(X)
    n, lam = 6, 0.4
    J = -(Y * np.log(h) + (1 - Y) * np.log(1 - h)).sum() / n
    J += lam / (2 * n) * sum((T[:, 1:] ** 2).sum() for T in net.thetas)
    assert net.cost(X, y, lam=lam) == pytest.approx(J, rel=1e-13)
    assert net.cost(X, Y, lam=lam) == net.cost(X, y, lam=lam)  # one-hot or labels


def test_saturated_outputs_give_finite_cost_and_no_warnings():
    net = ng.Network.from_thetas([[[0.0, 1000.0]], [[0.0, -2000.0]]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = net.forward([[1.0], [-1.0]])
        assert h[0, 0] == 0.0 and h[1, 0] == 0.5  # z(3) = −2000·g(±1000): −2000 and 0
        J = net.cost([[1.0]], [1])  # output exactly 0, label 1
        D = net.gradients([[1.0]], [1])
    assert np.isfinite(J) and pytest.approx(2000.0) == J
    assert all(np.all(np.isfinite(d)) for d in D)
    z = np.array([[-1000.0, 1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ng.get_activation("sigmoid").g(z)
        ng.get_activation("softmax").g(z)
        ng.get_activation("tanh").g(z)


def test_float32_on_request():
    net = ng.Network.from_architecture([3, 4, 2], seed=0, dtype=np.float32)
    X = np.random.default_rng(0).normal(size=(5, 3))
    assert net.theta(1).dtype == np.float32
    assert net.forward(X).dtype == np.float32
    D = net.gradients(X, [0, 1, 1, 0, 1])
    assert D[0].dtype == np.float32
    ref = ng.Network.from_thetas([T.astype(np.float64) for T in net.thetas])
    np.testing.assert_allclose(net.forward(X), ref.forward(X), rtol=1e-5)
    assert ng.Network.from_architecture([2, 1]).theta(1).dtype == np.float64


# --- trace, δ and blame ---------------------------------------------------------------
@pytest.mark.parametrize("engine", ["matrix", "graph"])
def test_delta_is_gprime_times_summed_blame(engine):
    rng = np.random.default_rng(4)
    net = ng.Network.from_architecture([3, 4, 3, 2], activation="tanh",
                                      output_activation="sigmoid", seed=1)
    X, y = data(rng, 7, 3, 2)
    tr = net.backward(X, y, engine=engine)
    checked = 0
    for node in net.nodes:
        if node.kind != "hidden":
            continue
        blame = node.blame
        assert set(blame) == {li.target.name for li in node.outgoing}
        total = sum(blame.values())
        expect = node.activation.dg(node.z, node.a) * total
        np.testing.assert_allclose(node.delta, expect, rtol=1e-13, atol=1e-15)
        checked += 1
    # each share, independently: blame_ij = ∂cost/∂a_i along the link i → j only. The
    # link carries w·a_i into z_j, so it equals (w/a_i)·∂cost/∂w, with ∂cost/∂w by finite
    # differences of the cost of that one instance (not by backprop).
    for name, j in (("a2_1", "a3_2"), ("a2_4", "a3_1"), ("a3_2", "a4_2")):
        link, node = net.link(name, j), net[name]
        share, a = tr.blame(node)[j], tr.node_value(node, "a")
        for k in (0, 3):
            w0, h = link.weight, 1e-6
            link.weight = w0 + h
            jp = net.cost(X[k : k + 1], y[k : k + 1], engine=engine)
            link.weight = w0 - h
            jm = net.cost(X[k : k + 1], y[k : k + 1], engine=engine)
            link.weight = w0
            expect = w0 / a[k] * (jp - jm) / (2 * h)
            assert share[k] == pytest.approx(expect, rel=1e-6, abs=1e-10)
    assert checked == 7
    net.backward(X, y, engine=engine)  # node.a, link.grad … show the batch again
    # δ(L) = a(L) − y and per-link gradient = mean a_i δ_j
    np.testing.assert_allclose(tr.layer(4)["delta"], tr.layer(4)["a"] - ng.one_hot(y, 2))
    link = net.link("a3_2", "a4_1")
    assert link.grad == pytest.approx(np.mean(net["a3_2"].a * net["a4_1"].delta), rel=1e-12)


def test_blame_survives_an_update():
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    tr = net.backward([[1.0, 0.0]], [1])
    share = net["a2_1"].blame["a3_1"].copy()
    net.theta(2)[...] *= 3  # the trace keeps the weights its pass used
    np.testing.assert_array_equal(tr.blame(net["a2_1"])["a3_1"], share)


def test_graph_engine_on_a_skip_connection_against_hand_math():
    net = ng.Network()
    x = net.add_input("x")
    h = net.add_node("h", activation="tanh")
    o = net.add_node("o", activation="sigmoid")
    net.connect(x, h, 0.5)
    net.connect(h, o, 2.0)
    net.connect(x, o, -1.0)
    net.set_bias(h, 0.1)
    net.set_bias(o, 0.3)
    xv, yv = 0.8, 1.0
    zh = 0.1 + 0.5 * xv
    ah = np.tanh(zh)
    zo = 0.3 + 2.0 * ah - 1.0 * xv
    ao = 1 / (1 + np.exp(-zo))
    do = ao - yv
    dh = (1 - ah**2) * 2.0 * do
    tr = net.backward([[xv]], [yv])
    assert tr.engine == "graph"
    assert o.a[0] == pytest.approx(ao, rel=1e-14) and h.delta[0] == pytest.approx(dh, rel=1e-13)
    assert net.link(x, o).grad == pytest.approx(xv * do, rel=1e-13)
    assert net.link(x, h).grad == pytest.approx(xv * dh, rel=1e-13)
    assert net.link("bias1", h).grad == pytest.approx(dh, rel=1e-13)
    with pytest.raises(ng.CompileError, match="D\\(l\\) matrices"):
        net.gradients([[xv]], [yv])
    report = ng.gradcheck(net, [[xv], [-0.3]], [1.0, 0.0], lam=0.2)
    assert report.rel_diff < 1e-8  # 5 parameters: the O(c²) truncation shows more


def test_graph_engine_reads_x_in_place_and_silences_a_skipped_input_on_a_copy():
    # Layer 2 reads X itself; the input a skip link reads later is kept in the
    # workspace. A silenced input must be 0 on both paths, X itself untouched.
    net = ng.Network()
    x1, x2 = net.add_input("x1"), net.add_input("x2")
    h = net.add_node("h", activation="tanh", bias=0.1)
    o = net.add_node("o", bias=0.3)
    net.connect(x1, h, 0.5)
    net.connect(x2, h, -0.7)
    net.connect(h, o, 2.0)
    net.connect(x2, o, -1.0)  # the skip link
    X = np.array([[0.8, -0.4], [0.2, 1.5]])
    keep = X.copy()

    def out(x2_value):
        ah = np.tanh(0.1 + 0.5 * X[:, 0] - 0.7 * x2_value)
        return 1 / (1 + np.exp(-(0.3 + 2.0 * ah - 1.0 * x2_value)))

    tr = net.backward(X, [1.0, 0.0])
    np.testing.assert_allclose(tr.a[-1][:, 0], out(X[:, 1]), rtol=1e-14)
    assert tr.a[0] is not None and np.array_equal(tr.a[0], X)
    with net.lesion(units=["x2"]):
        tr = net.backward(X, [1.0, 0.0])
        np.testing.assert_allclose(tr.a[-1][:, 0], out(0.0), rtol=1e-14)
        np.testing.assert_array_equal(tr.a[0][:, 1], 0.0)
    np.testing.assert_array_equal(X, keep)
    np.testing.assert_allclose(net.forward(X)[:, 0], out(X[:, 1]), rtol=1e-14)


# --- gradient checking ----------------------------------------------------------------
def test_gradcheck_course_setup_and_report():
    rng = np.random.default_rng(0)
    net = ng.Network.from_architecture([3, 5, 3], seed=0)
    X, y = data(rng, 5, 3, 3)
    for lam in (0.0, 3.0):
        report = ng.gradcheck(net, X, y, lam=lam)
        assert report.rel_diff < 1e-9
        assert len(report.links) == 5 * 4 + 3 * 6
    text = str(report)
    assert "‖num − bp‖/‖num + bp‖" in text and "→" in text
    worst = report.worst(3)
    assert worst[0][3] >= worst[1][3] >= worst[2][3]


def test_gradcheck_catches_a_wrong_derivative(monkeypatch):
    bad = ng.Activation("sigmoid_wrong_dg", ng.get_activation("sigmoid").g,
                        lambda z, a: a * (1 - a) * 1.5)
    bad.__dict__  # noqa: B018 — frozen dataclass; validation would refuse it:
    with pytest.raises(ng.ActivationError):
        ng.register_activation(bad)
    net = ng.Network.from_architecture([3, 5, 3], seed=0)
    layer2 = net.layers[1]
    object.__setattr__(bad, "name", "sigmoid_wrong_dg")
    from neurograph.model import activations as A
    monkeypatch.setitem(A._REGISTRY, bad.name, bad)  # bypass validation; undone even on failure
    for node in layer2:
        node.activation = bad
    net.layout_changed()
    X, y = data(np.random.default_rng(0), 5, 3, 3)
    assert ng.gradcheck(net, X, y).rel_diff > 1e-3


# --- labels and inputs ----------------------------------------------------------------
def test_label_errors():
    net = ng.Network.from_architecture([2, 3, 3], seed=0)
    X = np.zeros((4, 2))
    with pytest.raises(ng.LabelError, match="3"):
        net.cost(X, [0, 1, 3, 0])
    with pytest.raises((ng.LabelError, ng.ShapeError), match="4.*3|3.*4"):
        net.cost(X, [0, 1, 2])
    with pytest.raises(ng.ShapeError, match="3.*2|2.*3"):
        net.cost(X, np.zeros((4, 2)))
    with pytest.raises(ng.InputValueError):
        net.cost(X, np.full((4, 3), np.nan))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**16), n_in=st.integers(1, 3), n_units=st.integers(2, 7),
       p=st.floats(0.3, 1.0), act=st.sampled_from(["sigmoid", "tanh"]),
       lam=st.sampled_from([0.0, 0.5]))
def test_graph_engine_on_random_dags_matches_finite_differences(seed, n_in, n_units, p, act,
                                                                 lam):
    """Any DAG: units link from any earlier node (skips included); backprop = numerics."""
    rng = np.random.default_rng(seed)
    net = ng.Network(seed=seed)
    nodes = [net.add_input(f"x{i}") for i in range(n_in)]
    for k in range(n_units):
        u = net.add_node(f"u{k}", activation=act if k < n_units - 1 else "sigmoid")
        sources = [s for s in nodes if rng.random() < p] or [nodes[int(rng.integers(len(nodes)))]]
        for s in sources:
            net.connect(s, u, weight=rng.normal())
        net.set_bias(u, rng.normal())
        nodes.append(u)
    X = rng.normal(size=(4, n_in))
    Y = rng.integers(0, 2, size=(4, len(net.outputs))).astype(float)
    trace = net.backward(X, Y, lam=lam)
    report = ng.gradcheck(net, X, Y, lam=lam)
    assert report.rel_diff < 1e-7, str(report)
    # δ_i = g'(z_i)·Σ_j blame_ij holds on every hidden unit of the DAG
    for u in net.nodes:
        if u.kind == "hidden":
            total = sum(trace.blame(u).values()) if trace.blame(u) else 0.0
            np.testing.assert_allclose(u.delta, u.activation.dg(u.z, u.a) * total,
                                       rtol=1e-12, atol=1e-15)



# --- units with only their bias link (issue 19, item 7) --------------------------------
def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def _bias_only_hidden():
    """x → o with a skip, h → o; h has no incoming link but its bias: a(h) = g(θ0)."""
    net = ng.Network()
    x, h, o = net.add_input("x"), net.add_node("h"), net.add_node("o")
    net.connect(x, o, 1.5)
    net.connect(h, o, -2.0)
    net.set_bias(h, 0.5)
    net.set_bias(o, 0.25)
    return net


_XB, _YB = np.array([[0.0], [1.0], [-2.0]]), np.array([0, 1, 1])


def _bias_only_numpy(w):
    """(a of o, J) by hand for weights (bh, bo, wxo, who), independent of the library."""
    bh, bo, wxo, who = w
    h = _sig(bh)
    o = _sig(bo + wxo * _XB[:, 0] + who * h)
    J = -np.mean(_YB * np.log(o) + (1 - _YB) * np.log(1 - o))
    return o, J


def _bias_only_grad(w, eps=1e-6):
    w = np.asarray(w, float)
    return np.array([(_bias_only_numpy(w + eps * e)[1] - _bias_only_numpy(w - eps * e)[1])
                     / (2 * eps) for e in np.eye(4)])


def _bias_only_weights(net):
    return [net["h"].bias, net["o"].bias, net.link("x", "o").weight, net.link("h", "o").weight]


def test_a_lone_unit_with_only_its_bias_runs_on_the_graph_engine():
    net = ng.Network()
    net.add_input("x")
    o = net.add_node("o")
    np.testing.assert_allclose(net.forward([[1.0]], engine="graph"), [[0.5]])
    net.set_bias(o, -1.25)
    for engine in ("graph", "auto"):
        np.testing.assert_allclose(net.forward([[1.0], [7.0]], engine=engine),
                                   [[_sig(-1.25)]] * 2, rtol=1e-15)


@pytest.mark.parametrize("engine", ["auto", "graph"])
def test_a_bias_only_hidden_unit_forward_and_gradients_match_numpy(engine):
    net = _bias_only_hidden()
    w = _bias_only_weights(net)
    out, J = _bias_only_numpy(w)
    np.testing.assert_allclose(net.forward(_XB, engine=engine)[:, 0], out, rtol=1e-14)
    trace = net.backward(_XB, _YB, engine=engine)
    assert trace.cost == pytest.approx(J, rel=1e-13)
    links = [net["h"].bias_link, net["o"].bias_link, net.link("x", "o"), net.link("h", "o")]
    got = [trace.link_grad(li) for li in links]
    np.testing.assert_allclose(got, _bias_only_grad(w), rtol=1e-6, atol=1e-10)
    assert ng.gradcheck(net, _XB, _YB, engine=engine).rel_diff < 1e-8


def test_a_bias_only_hidden_unit_trains_studies_diagnoses_and_explains():
    net = _bias_only_hidden()
    w0 = np.array(_bias_only_weights(net))
    ng.Trainer(net, alpha=0.5).fit(_XB, _YB, epochs=1)
    np.testing.assert_allclose(_bias_only_weights(net), w0 - 0.5 * _bias_only_grad(w0),
                               rtol=1e-7)
    net = _bias_only_hidden()
    study = ng.lesion_study(net, _XB, _YB)
    bh, bo, wxo, _ = _bias_only_weights(net)
    silent = _sig(bo + wxo * _XB[:, 0])  # h silenced: a(h) = 0
    J_silent = -np.mean(_YB * np.log(silent) + (1 - _YB) * np.log(1 - silent))
    np.testing.assert_allclose(study.J, _bias_only_numpy(_bias_only_weights(net))[1], rtol=1e-13)
    assert [r.unit for r in study.rows] == ["h"]
    np.testing.assert_allclose(study.rows[0].J, J_silent, rtol=1e-13)
    # h is constant over the instances by construction (no input): not stuck, dead or
    # saturated (g'(0.5) is 0.235, near its 0.25 maximum), and its δ is finite
    d = ng.diagnose(net, _XB, _YB)
    assert d.kinds() == [] and d.ok, d
    we = ng.explain(net, _XB[1], [1])
    assert we.values["a(2)_1"] == pytest.approx(_sig(bh), rel=1e-9)


def test_removing_every_hidden_unit_or_every_link_into_a_layer_runs_on_both_engines():
    X, y = np.array([[0.0, 1.0], [1.0, -1.0]]), np.array([0, 1])
    gone = ng.Network.from_architecture([2, 3, 1], seed=0)
    for u in list(gone.layers[1].nodes):
        gone.remove_node(u)
    cut = ng.Network.from_architecture([2, 3, 1], seed=0)
    for u in cut.layers[1].nodes:
        for li in cut.in_links(u)[1:]:
            cut.disconnect(li)
    T2 = cut.theta(2).copy()
    b2 = np.array([u.bias for u in cut.layers[1].nodes])
    want_cut = _sig(T2[:, 0] + _sig(b2) @ T2[:, 1:].T)  # every hidden a = g(θ0)
    want_gone = _sig(gone["a3_1"].bias)
    for engine in ("auto", "graph"):
        np.testing.assert_allclose(gone.forward(X, engine=engine), [[want_gone]] * 2,
                                   rtol=1e-14)
        np.testing.assert_allclose(cut.forward(X, engine=engine), [want_cut] * 2, rtol=1e-14)
        for net in (gone, cut):
            assert ng.gradcheck(net, X, y, engine=engine).rel_diff < 1e-8
