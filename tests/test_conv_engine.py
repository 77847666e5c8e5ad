"""The matrix engine's conv and pool layers (issue 22, item 4): one product over gathered
windows and pooling by index, checked against the graph engine (unit by unit) and
PyTorch autograd in float64, and trained like any network."""

from contextlib import nullcontext

import numpy as np
import pytest
import torch

import neurograph as ng
from neurograph.engines.passes import run_backward
from neurograph.engines.sweep import make_engine
from neurograph.model.weights import Compiled

F = torch.nn.functional


def conv_net(rng, two_convs=False, pool="max", table=False, out_act="sigmoid"):
    """A random conv → pool (→ conv) → dense network, its grids (each with its stride
    and padding kept as ``geometry``) and the output layer."""
    C, maps = int(rng.integers(1, 4)), int(rng.integers(2, 4))
    H, W = int(rng.integers(6, 10)), int(rng.integers(6, 10))
    k, stride, pad = int(rng.integers(1, 4)), int(rng.integers(1, 3)), int(rng.integers(0, 2))
    net = ng.Network(seed=int(rng.integers(1 << 30)))
    x = net.add_inputs((C, H, W))
    reads = None
    if table and C > 1:
        reads = rng.random((maps, C)) < 0.6
        reads[np.arange(maps), rng.integers(0, C, maps)] = True  # every map reads one
    c1 = net.add_conv(x, maps=maps, kernel=k, stride=stride, padding=pad, activation="tanh",
                      name="c1", table=reads)
    c1.kernels = np.where(c1.kernels == 0, 0.0, rng.normal(size=c1.kernels.shape))
    c1.biases = rng.normal(size=maps)
    c1.geometry = (stride, pad)
    grids = [c1]
    last = c1
    if pool and min(c1.shape[1:]) >= 2:
        ps = int(rng.integers(1, 3))
        last = net.add_pool(c1, size=2, stride=ps, kind=pool, name="s1")
        last.geometry = (ps, 0)
        grids.append(last)
    if two_convs and min(last.shape[1:]) >= 2:
        last = net.add_conv(last, maps=2, kernel=2, padding=1, activation="relu", name="c2")
        last.geometry = (1, 1)
        grids.append(last)
    out = net.add_layer(3, activation=out_act)
    net.connect_layers(last, out)
    return net, grids, out, (C, H, W)


def grads(tr, net):
    return {name: np.asarray(tr.grad(p)) for name, p in net.parameters.items()}


@pytest.mark.parametrize("case", range(8))
def test_both_engines_agree_on_conv_and_pool_nets_and_the_matrix_one_gathers(case):
    rng = np.random.default_rng(7 + case)
    net, grids, out, (C, H, W) = conv_net(rng, two_convs=case % 2 == 1,
                                          pool=["max", "avg"][case % 4 // 2], table=case >= 4)
    X = rng.normal(size=(6, C * H * W))
    y = rng.integers(0, 3, 6)
    g = run_backward(net, X, y, 0.7, "auto", "graph")
    gJ, gG, gd = g.cost, grads(g, net), [None if d is None else d.copy() for d in g.delta]
    gterms = [g.link_grad(li) for li in net.parameters["c1.kernels"][0, 0, 0, 0].links]
    m = run_backward(net, X, y, 0.7, "auto", "matrix")
    kinds = [type(t).__name__ for t in make_engine(net, 0.7, engine="matrix").windows]
    assert kinds[: len(grids)] == [{"conv": "Conv"}.get(gr.kind, "Pool") for gr in grids]
    assert m.cost == pytest.approx(gJ, abs=1e-12)
    for name, v in grads(m, net).items():
        np.testing.assert_allclose(v, gG[name], rtol=0, atol=1e-12, err_msg=name)
    for a, b in zip(m.delta, gd):
        if b is not None:
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    # each link's own term is kept, and a kernel entry's gradient is their sum
    terms = [m.link_grad(li) for li in net.parameters["c1.kernels"][0, 0, 0, 0].links]
    np.testing.assert_allclose(terms, gterms, rtol=0, atol=1e-12)


@pytest.mark.parametrize("engine", ["matrix", "graph"])
@pytest.mark.parametrize("case", range(6))
def test_both_engines_equal_pytorch_conv2d_and_pooling(case, engine):
    rng = np.random.default_rng(40 + case)
    pool = ["max", "avg"][case % 2]
    net, grids, out, (C, H, W) = conv_net(rng, two_convs=case >= 2, pool=pool,
                                          out_act="linear")
    n, lam = 5, 0.3
    X, Y = rng.normal(size=(n, C * H * W)), rng.normal(size=(n, 3))
    tr = run_backward(net, X, Y, lam, "mse", engine)

    leaves = {}
    h = torch.tensor(X).reshape(n, C, H, W)
    for gr in grids:
        st, pd = gr.geometry
        if gr.kind == "conv":
            K = leaves[gr.name + ".kernels"] = torch.tensor(gr.kernels, requires_grad=True)
            b = leaves[gr.name + ".biases"] = torch.tensor(gr.biases, requires_grad=True)
            h = F.conv2d(h, K, b, stride=st, padding=pd)
            h = torch.tanh(h) if gr.name == "c1" else torch.relu(h)
        else:
            h = (F.max_pool2d if pool == "max" else F.avg_pool2d)(h, 2, st)
    last = grids[-1]
    T = torch.tensor(np.array([[v.bias, *[net.link(u, v).weight for u in last]] for v in out]),
                     requires_grad=True)
    z = h.reshape(n, -1) @ T[:, 1:].T + T[:, 0]
    J = 0.5 * ((z - torch.tensor(Y)) ** 2).sum() / n
    J = J + lam / (2 * n) * (sum((leaves[k] ** 2).sum() for k in leaves if "kernels" in k)
                             + (T[:, 1:] ** 2).sum())
    J.backward()
    np.testing.assert_allclose(tr.a[-1], z.detach().numpy(), rtol=0, atol=1e-12)
    assert tr.cost == pytest.approx(J.item(), abs=1e-12)
    for name, leaf in leaves.items():
        np.testing.assert_allclose(tr.grad(net.parameters[name]), leaf.grad.numpy(),
                                   rtol=0, atol=1e-12, err_msg=name)
    D = np.array([[tr.link_grad(li) for li in [v.bias_link, *[net.link(u, v) for u in last]]]
                  for v in out])
    np.testing.assert_allclose(D, T.grad.numpy(), rtol=0, atol=1e-12)


def test_a_conv_layer_is_not_multiplied_as_a_dense_theta(monkeypatch):
    rng = np.random.default_rng(3)
    net, grids, out, (C, H, W) = conv_net(rng, pool="max")
    X, y = rng.normal(size=(4, C * H * W)), rng.integers(0, 3, 4)
    net.compile()
    filled = []
    real = Compiled.full
    monkeypatch.setattr(Compiled, "full", lambda self, k, theta=None: (
        filled.append(k), real(self, k, theta))[1])
    run_backward(net, X, y, 0.1, "auto", "matrix")
    # the conv block's Θ(1) with its kernels filled in is never made (the dense Θ(3) is)
    assert 0 not in filled and 2 in filled


def test_max_pooling_by_index_gives_delta_to_the_first_winner_per_instance():
    net = ng.Network()
    x = net.add_inputs((1, 2, 2))
    c = net.add_conv(x, maps=1, kernel=1, activation="linear", name="c")
    c.kernels, c.biases = [[[[1.0]]]], [0.0]
    s = net.add_pool(c, size=2, kind="max", name="s")
    o = net.add_node("o", activation="linear")
    net.connect(s[0, 0, 0], o, 1.0)
    X = np.array([[1.0, 5.0, 5.0, 2.0], [7.0, 0.0, 7.0, 7.0]])  # ties: first winner
    tr = run_backward(net, X, [[0.0], [0.0]], 0.0, "mse", "matrix")
    assert make_engine(net, engine="matrix").windows[1].kind == "max"
    d = np.array([[tr.node(c[0, r, col])["delta"][i] for r in range(2) for col in range(2)]
                  for i in range(2)])
    np.testing.assert_array_equal(d, [[0.0, 5.0, 0.0, 0.0], [7.0, 0.0, 0.0, 0.0]])


def test_trainer_runs_conv_nets_on_the_matrix_engine_like_the_graph_engine():
    rng = np.random.default_rng(11)
    net, grids, out, (C, H, W) = conv_net(rng, two_convs=True, pool="max")
    X, y = rng.normal(size=(30, C * H * W)), rng.integers(0, 3, 30)
    nets = {e: net.copy() for e in ("graph", "matrix")}
    hist = {}
    for e, n in nets.items():
        tr = ng.Trainer(n, alpha=0.3, lam=0.5, batch_size=8, momentum=0.9, seed=2, engine=e)
        hist[e] = tr.fit(X, y, epochs=4)
    np.testing.assert_allclose(hist["matrix"].cost, hist["graph"].cost, rtol=0, atol=1e-12)
    for name in net.parameters:
        np.testing.assert_allclose(nets["matrix"].parameters[name].value,
                                   nets["graph"].parameters[name].value, rtol=0, atol=1e-12)
    # λ counts each parameter once: J's penalty from the parameters' values alone
    trained = nets["matrix"]
    K = [trained.parameters[k].value for k in trained.parameters if k.endswith("kernels")]
    dense = np.array([[trained.link(u.name, v.name).weight for u in grids[-1]] for v in out])
    penalty = 0.5 / (2 * 30) * (sum((k ** 2).sum() for k in K) + (dense ** 2).sum())
    data_J = trained.cost(X, y, lam=0.0)
    assert trained.cost(X, y, lam=0.5) - data_J == pytest.approx(penalty, abs=1e-12)


def test_an_edited_conv_and_a_lesioned_one_run_on_the_matrix_engine_alike():
    rng = np.random.default_rng(5)
    net, grids, out, (C, H, W) = conv_net(rng, pool="avg")
    X, y = rng.normal(size=(4, C * H * W)), rng.integers(0, 3, 4)
    c1 = grids[0]
    for edit in ("lesion", "copy", "unlink"):
        case = net.copy()
        g1 = case.parameters["c1.kernels"]
        if edit == "unlink":  # a window link gone: no longer a conv, the dense Θ(l) runs
            li = case.parameters["c1.kernels"][0, 0, 0, 0].links[0]
            case.disconnect(li.source, li.target)
        with case.lesion(units=[c1[0, 0, 0].name]) if edit == "lesion" else nullcontext():
            gr = run_backward(case, X, y, 0.2, "auto", "graph")
            want = (gr.cost, np.asarray(gr.grad(g1)))
            mt = run_backward(case, X, y, 0.2, "auto", "matrix")
            kinds = [type(t).__name__ for t in make_engine(case, 0.2, engine="matrix").windows]
            assert kinds[0] == ("NoneType" if edit == "unlink" else "Conv")
            assert mt.cost == pytest.approx(want[0], abs=1e-12)
            np.testing.assert_allclose(mt.grad(g1), want[1], rtol=0, atol=1e-12)


def test_pooling_nets_run_on_the_torch_backend_and_export_with_to_torch(torch):
    net = ng.Network(seed=0)
    x = net.add_inputs((1, 4, 4))
    s = net.add_pool(x, size=2, kind="max")
    o = net.add_layer(2)
    net.connect_layers(s, o)
    X = np.random.default_rng(0).normal(size=(3, 16))
    np.testing.assert_allclose(net.forward(X, backend="torch"), net.forward(X), rtol=0,
                               atol=1e-12)
    module = ng.to_torch(net)  # nn.MaxPool2d (tests/test_torch_export_conv.py: gradients)
    np.testing.assert_allclose(module(torch.tensor(X)).detach().numpy(), net.forward(X),
                               rtol=0, atol=1e-12)


def test_the_graph_engine_runs_a_pooling_layer_as_one_gathered_op():
    from neurograph.engines.graph import make_plan

    rng = np.random.default_rng(9)
    net, grids, out, _ = conv_net(rng, pool="max")
    lp = make_plan(net).layers[2]  # Layer 3: the pooling units
    assert lp.nodes == [] and [len(g.cols) for g in lp.pools] == [len(grids[1])]


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("engine", ["matrix", "graph"])
def test_blame_shares_through_pooling_sum_to_delta(kind, engine):
    # δ_i = g'(z_i)·Σ_j blame[i][j] for the units a pooling unit reads: a max unit's
    # share goes to the first winner of its window alone, a mean unit's is δ/k
    rng = np.random.default_rng(21)
    net = ng.Network(seed=3)
    x = net.add_inputs((1, 4, 4))
    c = net.add_conv(x, maps=2, kernel=1, activation="tanh", name="c")
    s = net.add_pool(c, size=2, stride=1, kind=kind, name="s")
    out = net.add_layer(2, activation="sigmoid")
    net.connect_layers(s, out)
    X = rng.normal(size=(3, 16))
    X[0, :4] = 0.5  # ties inside a window
    tr = run_backward(net, X, [0, 1, 1], 0.0, "auto", engine)
    for u in c:
        info = tr.node(u)
        total = sum(info["blame"].values())
        np.testing.assert_allclose(info["delta"], (1 - info["a"] ** 2) * total,
                                   rtol=0, atol=1e-12, err_msg=u.name)


def test_pooling_units_with_windows_of_different_sizes_run_on_the_graph_engine():
    net = ng.Network()
    xs = [net.add_input(f"x{i}") for i in range(3)]
    a = net.add_node("a", activation="linear", input_function="max")
    b = net.add_node("b", activation="linear", input_function="max")
    for x in xs:
        net.connect(x, a, 1.0)
    net.connect(xs[0], b, 1.0)
    X = np.array([[1.0, 3.0, 2.0]])
    np.testing.assert_array_equal(net.forward(X), [[3.0, 1.0]])  # auto: the graph engine
    with pytest.raises(ng.CompileError, match="windows of 1 to 3 units"):
        net.forward(X, engine="matrix")
