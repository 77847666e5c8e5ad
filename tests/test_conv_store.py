"""A conv layer's holes are not what makes θ big (issue 22, item 4): a Θ(l) block whose
links all read shared parameters takes no room in θ, nor in the gradient, a Trace's copy
or momentum's velocity, while Θ(l), D(l), checkpoints, copies, freezing, lesions and
training keep their numbers. References are counted from the links and parameters, and
computed on the graph engine, which never lays out blocks."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import neurograph as ng
from neurograph.engines.passes import run_backward
from neurograph.engines.sweep import make_engine

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"
DENSE_DIGITS_THETA = 42_274  # θ of the digits net with every block laid out
DENSE_POOL_DIGITS_THETA = 23_554  # … with its pooling block laid out (the conv's hollow)


def digits_net() -> ng.Network:
    spec = importlib.util.spec_from_file_location("lenet", ROOT / "examples" / "lenet.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.build()


def conv_net(seed=0, kind="max", dtype="float64") -> ng.Network:
    """inputs (2, 6, 6) → conv 3 maps 3×3 pad 1 → pool 2 → conv 2 maps 2×2 → dense 3."""
    rng = np.random.default_rng(seed)
    net = ng.Network(seed=seed, dtype=dtype)
    x = net.add_inputs((2, 6, 6), name="x")
    c = net.add_conv(x, maps=3, kernel=3, padding=1, activation="tanh", name="c1")
    c.biases = rng.normal(size=3)
    s = net.add_pool(c, size=2, kind=kind, name="s1")
    c2 = net.add_conv(s, maps=2, kernel=2, activation="sigmoid", name="c2")
    c2.biases = rng.normal(size=2)
    out = net.add_layer(3, activation="sigmoid")
    net.connect_layers(c2, out)
    return net


def tied_layer_net(seed=0) -> ng.Network:
    """A dense 4-5-3 net whose hidden layer's links all share two parameters: every link
    of the block tied, but not a conv (the dense product of Θ(l) as the lecture writes it)."""
    net = ng.Network.from_architecture([4, 5, 3], seed=seed)
    hidden = net.layers[1].nodes
    links = [li for u in hidden for li in net.in_links(u)]
    net.tie([li for li in links if not li.is_bias], name="w")
    net.tie([li for li in links if li.is_bias], name="b")
    return net


def data(n, d, seed=1, k=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    X[:, ::4] = np.round(X[:, ::4])  # equal entries in a window: max's ties go to the first
    return X, rng.integers(0, k, n)


def lecture_matrices(net, value) -> list:
    """Θ(l)-shaped matrices read off the links alone: ``value(link)`` at (target, source)
    with the bias column first, 0 where no link is."""
    out = []
    for lay, nxt in zip(net.layers, net.layers[1:]):
        M = np.zeros((nxt.size, lay.size + 1))
        col = {u.name: k + 1 for k, u in enumerate(lay.nodes)}
        for r, u in enumerate(nxt.nodes):
            for li in net.in_links(u):
                M[r, 0 if li.is_bias else col[li.source.name]] = value(li)
        out.append(M)
    return out


def is_pool_layer(lay) -> bool:
    return all(u.input_function.name in ("max", "mean") for u in lay.nodes)


def test_theta_of_the_digits_net_holds_its_own_weights_and_parameters_only():
    net = digits_net()
    pool_links = [li for li in net.links if is_pool_layer(net.layers[li.target.layer - 1])]
    own = sum(1 for li in net.links if li.parameter is None) - len(pool_links)
    shared = sum(len(x) if hasattr(x, "shape") else 1
                 for x in net.parameters.values())
    assert (own, len(pool_links), shared) == (32 * 73 + 10 * 33, 72 * 5, 8 * 9 + 8)
    theta = net.compile().theta
    # a pooling layer's links (a window's 1s, a bias 0) read two constants of θ; its block
    # (72 × 289 entries, mostly holes) takes no room
    assert {(li.index, li.weight) for li in pool_links} == {(theta.size - 2, 1.0),
                                                            (theta.size - 1, 0.0)}
    assert theta.size == own + shared + 2 == 2_748 < 0.12 * DENSE_POOL_DIGITS_THETA
    assert (net.n_links, net.n_params) == (5906, 2746)  # as when the block had its room
    assert net.n_params == own + shared
    tr = net.backward(*data(5, 64, k=10))
    assert tr.theta.size == tr.grad.size == theta.size
    assert make_engine(net, 0.0, engine="matrix").grad.size == theta.size


def test_a_hollow_block_is_a_zero_array_of_its_shape_that_takes_no_memory():
    net = digits_net()
    c = net.compile()
    assert c.hollow == [True, True, False, False]
    T = c.thetas[0]
    assert T.shape == (288, 65) and T.strides == (0, 0) and not T.flags.writeable
    assert not T.any()
    G = c.views(np.ones_like(c.theta))[0]
    assert G.shape == (288, 65) and G.strides == (0, 0) and not G.any()
    with pytest.raises(ng.ShapeError, match="laid out like θ"):
        c.views(np.ones(42_274))
    # Θ(1) as the lecture writes it: each link's weight, the tied ones repeated
    ref = lecture_matrices(net, lambda li: li.weight)
    for got, want in zip(net.thetas, ref):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ng.TopologyError, match="through a parameter"):
        net.theta(1)[0, 1] = 2.0


@pytest.mark.parametrize("make", [lambda: conv_net(0, "max"), lambda: conv_net(1, "avg"),
                                  tied_layer_net], ids=["conv_max", "conv_avg", "tied_layer"])
def test_a_pass_equals_the_graph_engines_forward_cost_gradients_and_D(make):
    net = make()
    assert any(net.compile().hollow)
    d = net.layers[0].size
    X, y = data(7, d)
    lam = 0.3
    g = run_backward(net, X, y, lam, "auto", "graph")
    m = run_backward(net, X, y, lam, "auto", "matrix")
    assert m.engine == "matrix" and g.engine == "graph"
    np.testing.assert_allclose(net.forward(X), net.forward(X, engine="graph"),
                               rtol=0, atol=1e-12)
    assert m.cost == pytest.approx(g.cost, abs=1e-12)
    for name, p in net.parameters.items():
        np.testing.assert_allclose(m.grad(p), g.grad(p), rtol=0, atol=1e-12, err_msg=name)
    for li in net.links:
        assert m.link_grad(li) == pytest.approx(g.link_grad(li), abs=1e-12)
    # D(l): ∂J/∂w per link, a tied link's entry its parameter's gradient (λ/n·p once)
    ref = lecture_matrices(net, lambda li: g.grad(li.parameter) if li.parameter is not None
                           else g.link_grad(li))
    for k, (got, want) in enumerate(zip(net.gradients(X, y, lam=lam), ref), start=1):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12, err_msg=f"D({k})")


@pytest.mark.parametrize("make", [conv_net, tied_layer_net], ids=["conv", "tied_layer"])
def test_training_with_momentum_lam_and_mini_batches_equals_the_graph_engines(make):
    nets = [make(), make()]
    X, y = data(23, nets[0].layers[0].size, seed=4)
    hs, ts = [], []
    for net, engine in zip(nets, ("matrix", "graph")):
        t = ng.Trainer(net, alpha=0.3, lam=0.2, momentum=0.8, batch_size=5, seed=2,
                       engine=engine)
        hs.append(t.fit(X, y, epochs=4))
        ts.append(t)
    np.testing.assert_allclose(hs[0].cost, hs[1].cost, rtol=0, atol=1e-12)
    for name in nets[0].parameters:
        np.testing.assert_allclose(nets[0].parameters[name].value,
                                   nets[1].parameters[name].value, rtol=0, atol=1e-12)
    for a, b in zip(nets[0].links, nets[1].links):
        assert a.weight == pytest.approx(b.weight, abs=1e-12)
    assert ts[0].state.velocity.shape == nets[0].weights.theta.shape


def test_stepping_per_layer_freezing_and_lesions_keep_the_graph_engines_numbers():
    X, y = data(6, 72)
    nets = [conv_net(), conv_net()]
    for net in nets:
        net.parameters["c1.kernels"].frozen = True
    before = nets[0].parameters["c1.kernels"].value
    costs = []
    for net, engine in zip(nets, ("matrix", "graph")):
        t = ng.Trainer(net, alpha=0.5, momentum=0.5, engine=engine, seed=0)
        steps = list(t.steps(X, y, every="layer", epochs=2))
        costs.append([s.cost for s in steps if s.cost is not None])
    np.testing.assert_allclose(costs[0], costs[1], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(nets[0].parameters["c1.kernels"].value, before)
    np.testing.assert_allclose(nets[0].parameters["c1.biases"].value,
                               nets[1].parameters["c1.biases"].value, rtol=0, atol=1e-12)
    net = nets[0]
    c1 = [u for u in net.layers[1].nodes]
    theta = net.weights.theta.copy()
    with net.lesion(units=c1[:4], links=net.parameters["c2.kernels"][1, 0, 0, 1].links):
        np.testing.assert_allclose(net.forward(X), net.forward(X, engine="graph"),
                                   rtol=0, atol=1e-12)
    np.testing.assert_array_equal(net.weights.theta, theta)


def test_copy_spec_and_a_new_checkpoint_keep_outputs(tmp_path):
    net = conv_net()
    X, _ = data(4, 72)
    want = net.forward(X, engine="graph")
    cp = net.copy()
    assert cp.weights.theta.size == net.weights.theta.size
    np.testing.assert_allclose(cp.forward(X), want, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ng.Network.from_spec(net.to_spec()).forward(X), want,
                               rtol=0, atol=1e-12)
    t = ng.Trainer(net, alpha=0.1, momentum=0.9, seed=0)
    t.fit(X, [0, 1, 2, 0], epochs=2)
    ng.save(net, tmp_path / "c.ngz", trainer=t)
    net2, t2 = ng.load(tmp_path / "c.ngz", trainer=True)
    np.testing.assert_array_equal(net2.weights.theta, net.weights.theta)
    np.testing.assert_array_equal(t2.state.velocity, t.state.velocity)


def resumes_as_recorded(net, t, ref) -> None:
    """Two more epochs of the loaded trainer give the costs, outputs and kernels the code
    that wrote the checkpoint recorded beside it."""
    t.fit(ref["X"], ref["y"], epochs=2, validation=(ref["Xv"], ref["yv"]), patience=5)
    np.testing.assert_allclose(t.history.cost, ref["cost"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(net.forward(ref["X"]), ref["out_resumed"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(net.parameters["c1.kernels"].value, ref["kernels"],
                               rtol=0, atol=1e-12)


def test_a_checkpoint_written_before_hollow_blocks_loads_and_resumes_alike():
    """conv_before_hollow.ngz was written by the code before this change (θ with the
    conv block's room: 4,055 entries; velocity and best weights of that length) with the
    expected numbers beside it: outputs at save, and after resuming 2 epochs."""
    ref = np.load(GOLDEN / "conv_before_hollow.npz")
    net = ng.load(GOLDEN / "conv_before_hollow.ngz")
    assert net.compile().theta.size < 4055
    np.testing.assert_array_equal(net.forward(ref["X"]), ref["out_saved"])
    net, t = ng.load(GOLDEN / "conv_before_hollow.ngz", trainer=True)
    assert t.state.velocity.shape == net.weights.theta.shape
    resumes_as_recorded(net, t, ref)


def test_theta_flat_writes_own_weights_and_parameters_of_a_hollow_layout():
    net = tied_layer_net()
    c = net.compile()
    assert c.hollow == [True, False] and c.theta.size == 3 * 6 + 2
    v = np.arange(c.theta.size, dtype=float)
    net.theta_flat = v
    assert net.parameters["w"].value == v[-2] and net.parameters["b"].value == v[-1]
    np.testing.assert_array_equal(net.theta(2), v[:18].reshape(3, 6))


def test_the_torch_backend_runs_a_hollow_block_like_numpy():
    pytest.importorskip("torch")
    for net in (tied_layer_net(), conv_net()):
        X, y = data(5, net.layers[0].size)
        t = net.backward(X, y, lam=0.4, backend="torch")
        u = net.backward(X, y, lam=0.4)
        assert t.cost == pytest.approx(u.cost, abs=1e-12)
        np.testing.assert_allclose(t.grad, u.grad, rtol=0, atol=1e-12)
        for li in net.links:
            assert t.link_grad(li) == pytest.approx(u.link_grad(li), abs=1e-12)


# --- a pooling layer's block takes no room either: its links read two constants -------------
def pool_links(net) -> list:
    return [li for li in net.links if is_pool_layer(net.layers[li.target.layer - 1])]


def test_a_pooling_links_weight_reads_1_its_bias_0_and_writing_them_is_refused():
    net = conv_net()
    X, y = data(5, 72)
    want = net.forward(X, engine="graph")
    links = pool_links(net)
    assert {li.weight for li in links if li.is_bias} == {0.0}
    assert {li.weight for li in links if not li.is_bias} == {1.0}
    assert all(li.frozen and not li.carries_weight for li in links)
    bias, window = net.in_links(net["s1[0, 0, 0]"])[:2]
    assert bias.is_bias and not window.is_bias
    for li, w in ((window, 5.0), (bias, 0.5)):
        with pytest.raises(ng.TopologyError, match=r"pooling unit 's1\[0, 0, 0\]'.*carry no "
                                                   r"weight"):
            li.weight = w
        with pytest.raises(ng.TopologyError, match="carry no weight"):
            li.frozen = False
    net.unfreeze("bias")
    net.unfreeze(net.layers[2])  # a layer's links: the pooling layer's stay held
    assert all(li.frozen for li in links)
    T = net.theta(2)  # Θ(2) as before: 1 where a link is, the bias column 0
    assert T.shape == (27, 109) and not T[:, 0].any() and T.sum() == 27 * 4
    with pytest.raises(ng.TopologyError, match="pooling layer's.*carry no weight"):
        T[0, 1] = 2.0
    v = net.theta_flat.copy()
    v[-2] = 3.0
    with pytest.raises(ng.TopologyError, match=r"θ\[\d+\] = 3.*pooling units' links read"):
        net.theta_flat = v
    with net.lesion(units=[net["s1[1, 0, 0]"]], links=net.in_links(net["s1[0, 0, 0]"])):
        assert {li.weight for li in pool_links(net) if not li.is_bias} == {1.0}
        np.testing.assert_allclose(net.forward(X), net.forward(X, engine="graph"),
                                   rtol=0, atol=1e-12)
    t = ng.Trainer(net, alpha=0.5, momentum=0.5, lam=0.1, seed=0)
    t.fit(X, y, epochs=3)
    assert {li.weight for li in pool_links(net)} == {0.0, 1.0}
    np.testing.assert_allclose(net.forward(X, engine="graph"), net.forward(X), rtol=0,
                               atol=1e-12)
    assert not np.allclose(net.forward(X), want)  # it trained


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pooling_nets_train_like_the_graph_engine_and_a_pooling_link_has_no_gradient(kind):
    nets = [conv_net(2, kind), conv_net(2, kind)]
    X, y = data(17, 72, seed=3)
    costs = []
    for net, engine in zip(nets, ("matrix", "graph")):
        t = ng.Trainer(net, alpha=0.3, lam=0.2, momentum=0.8, batch_size=6, seed=1,
                       engine=engine)
        costs.append(t.fit(X, y, epochs=3).cost)
    np.testing.assert_allclose(costs[0], costs[1], rtol=0, atol=1e-12)
    for a, b in zip(nets[0].links, nets[1].links):
        assert a.weight == pytest.approx(b.weight, abs=1e-12)
    net = nets[0]
    for engine in ("matrix", "graph"):
        tr = run_backward(net, X, y, 0.2, "auto", engine)
        assert all(tr.link_grad(li) == 0.0 for li in pool_links(net))
    D = net.gradients(X, y, lam=0.2)
    assert D[1].shape == (27, 109) and not D[1].any()  # nothing of Θ(2) is a parameter


def test_copy_spec_graphml_and_torch_round_trips_keep_the_pooling_block_hollow(tmp_path):
    net = conv_net(1, "avg")
    X, _ = data(4, 72)
    want = net.forward(X, engine="graph")
    n = net.compile().theta.size
    made = [net.copy(), ng.Network.from_spec(net.to_spec())]
    ng.to_graphml(net, tmp_path / "c.graphml")
    made.append(ng.from_graphml(tmp_path / "c.graphml"))
    ng.save(net, tmp_path / "c.ngz")
    made.append(ng.load(tmp_path / "c.ngz"))
    if importlib.util.find_spec("torch") is not None:
        made.append(ng.from_torch(ng.to_torch(net)))
    for got in made:
        c = got.compile()
        assert c.hollow[:2] == [True, True] and c.theta.size == n
        with pytest.raises(ng.TopologyError, match="carry no weight"):
            got.in_links(got.layers[2].nodes[0])[1].weight = 2.0
        np.testing.assert_allclose(got.forward(X), want, rtol=0, atol=1e-12)
        assert (got.n_params, got.n_links) == (net.n_params, net.n_links)


def test_a_checkpoint_written_with_the_pooling_blocks_room_loads_and_resumes_alike():
    """pool_before_hollow.ngz was written by the code before this change (θ with the
    pooling block's room, 3,053 entries; momentum's velocity and early stopping's best θ
    of that length) with the expected numbers beside it: outputs at save, and after
    resuming 2 epochs."""
    ref = np.load(GOLDEN / "pool_before_hollow.npz")
    net = ng.load(GOLDEN / "pool_before_hollow.ngz")
    assert net.compile().theta.size == 3053 - 27 * 109 + 2
    np.testing.assert_array_equal(net.forward(ref["X"]), ref["out_saved"])
    net, t = ng.load(GOLDEN / "pool_before_hollow.ngz", trainer=True)
    assert t.state.velocity.shape == t.state.best[1].shape == net.weights.theta.shape
    assert t.state.best[1][-2:].tolist() == [1.0, 0.0]  # the constants, from their links' place
    resumes_as_recorded(net, t, ref)


def test_theta_of_a_28x28_conv_pool_net_is_its_own_weights_and_parameters():
    net = ng.Network(seed=0)
    x = net.add_inputs((1, 28, 28))
    c = net.add_conv(x, maps=8, kernel=3, name="c1")
    s = net.add_pool(c, size=2, name="s1")
    out = net.add_layer(10, activation="softmax")
    net.connect_layers(s, out)
    s_l = [784, 8 * 26 * 26, 8 * 13 * 13, 10]
    own, shared = 10 * (s_l[2] + 1), 8 * 9 + 8
    # before: the pooling block s_3 × (s_2 + 1) was laid out in θ
    before = s_l[2] * (s_l[1] + 1) + own + shared
    theta = net.compile().theta
    assert before == 7_326_578 and theta.size == own + shared + 2 == 13_612
    print(f"\n28×28 net: θ {before * 8 / 1e6:.1f} MB before, {theta.nbytes / 1e3:.1f} kB now")
    X, y = data(3, 784, k=10)
    tr = net.backward(X, y)
    assert tr.grad.size == theta.size
    np.testing.assert_allclose(net.forward(X), net.forward(X, engine="graph"),
                               rtol=0, atol=1e-12)


def test_whole_theta_matrices_of_a_net_with_a_pooling_layer_are_written_and_its_block_kept():
    net = ng.Network(seed=0)
    x = net.add_inputs((1, 4, 4))
    s = net.add_pool(x, size=2, kind="avg")
    out = net.add_layer(2, activation="sigmoid")
    net.connect_layers(s, out)
    T = [np.array(t) for t in net.thetas]
    assert T[0].shape == (4, 17) and T[0].sum() == 16 and not T[0][:, 0].any()
    T[1][:] = [[0.5, 1.0, -1.0, 2.0, 0.0], [0.1, 0.2, 0.3, 0.4, 0.5]]
    net.thetas = T
    np.testing.assert_array_equal(net.theta(2), T[1])
    X = np.arange(32.0).reshape(2, 16) / 16
    pooled = X.reshape(2, 2, 2, 2, 2).mean(axis=(2, 4)).reshape(2, 4)  # 2×2 windows
    np.testing.assert_allclose(net.forward(X), 1 / (1 + np.exp(-(pooled @ T[1][:, 1:].T
                                                                  + T[1][:, 0]))),
                               rtol=0, atol=1e-14)
    T[0][0, 1] = 3.0
    with pytest.raises(ng.TopologyError, match=r"Θ\(1\) is a pooling layer's"):
        net.thetas = T
    np.testing.assert_array_equal(net.theta(2), T[1])
