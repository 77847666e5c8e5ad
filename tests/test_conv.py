"""Convolution and pooling from units and links (issue 22, item 2), against d2l's
worked numbers and PyTorch autograd (conv2d, max_pool2d, avg_pool2d) in float64."""

import numpy as np
import pytest

import neurograph as ng
from neurograph.engines.passes import run_backward


def test_d2l_cross_correlation_and_its_kernel_gradient():
    net = ng.Network()
    x = net.add_inputs((3, 3))
    c = net.add_conv(x, maps=1, kernel=2, activation="linear", name="c")
    c.kernels = [[[[0.0, 1.0], [2.0, 3.0]]]]
    c.biases = [0.0]
    X = np.arange(9.0)[None, :]
    Y = net.forward(X)
    np.testing.assert_array_equal(Y.reshape(2, 2), [[19, 25], [37, 43]])
    # J = ΣY: with mse, n = 1 and targets Y − 1, ∂J/∂y = y − (y − 1) = 1 for every output
    for engine in ("graph", "matrix"):
        tr = run_backward(net, X, Y - 1.0, 0.0, "mse", engine)
        K = net.parameters["c.kernels"]
        np.testing.assert_allclose(tr.grad(K)[0, 0], [[8, 12], [20, 24]], rtol=0, atol=1e-12)
        for p in K:  # each entry: the sum of its 4 links' terms, each an input value
            terms = [tr.link_grad(li) for li in p.links]
            assert len(terms) == 4 and sum(terms) == pytest.approx(tr.grad(p), abs=1e-12)
        assert tr.grad(net.parameters["c.biases"])[0] == pytest.approx(4.0)


def test_a_grid_unit_by_position_and_padding_is_absent_links():
    net = ng.Network(seed=0)
    x = net.add_inputs((2, 3, 3))
    c = net.add_conv(x, maps=2, kernel=3, padding=1, name="c1")
    assert c.shape == (2, 3, 3) and c[1, 0, 0].name == "c1[1, 0, 0]"
    corner, centre = c[0, 0, 0], c[0, 1, 1]
    assert len(corner.incoming) == 1 + 2 * 4 and len(centre.incoming) == 1 + 2 * 9
    K = net.parameters["c1.kernels"]
    # each kernel entry [m, ci, i, j] is read by as many units as see that offset
    assert len(K[0, 0, 1, 1].links) == 9 and len(K[0, 0, 0, 0].links) == 4
    assert net.n_params == 2 * 2 * 9 + 2


def _torch_net(rng, C, H, W, maps, k, stride, pad, pool, psize, pstride, outs):
    net = ng.Network(seed=int(rng.integers(1 << 30)))
    x = net.add_inputs((C, H, W))
    c = net.add_conv(x, maps=maps, kernel=k, stride=stride, padding=pad,
                     activation="tanh", name="c1")
    c.kernels = rng.normal(size=c.kernels.shape)
    c.biases = rng.normal(size=maps)
    last = c
    if pool:
        last = net.add_pool(c, size=psize, stride=pstride, kind=pool, name="s1")
    out = net.add_layer(outs, activation="linear")
    net.connect_layers(last, out)
    return net, c, last, out


@pytest.mark.parametrize("case", range(6))
def test_conv_and_pool_equal_pytorch_autograd(case):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(100 + case)
    C, maps = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    H, W = int(rng.integers(5, 9)), int(rng.integers(5, 9))
    k, stride, pad = int(rng.integers(1, 4)), int(rng.integers(1, 3)), int(rng.integers(0, 3))
    pool = [None, "max", "avg"][case % 3]
    psize, pstride = 2, [None, 1][case % 2]
    net, c, last, out = _torch_net(rng, C, H, W, maps, k, stride, pad, pool, psize, pstride, 3)
    n = 4
    X = rng.normal(size=(n, C * H * W))
    Y = rng.normal(size=(n, 3))
    lam = 0.2
    tr = net.backward(X, Y, lam=lam)

    Kt = torch.tensor(c.kernels, requires_grad=True)
    bt = torch.tensor(c.biases, requires_grad=True)
    # the dense layer reads the last grid's units in C order (bias column first)
    theta = [[v.bias, *[net.link(u, v).weight for u in last]] for v in out]
    T2 = torch.tensor(np.array(theta), requires_grad=True)
    xt = torch.tensor(X).reshape(n, C, H, W)
    h = torch.tanh(F.conv2d(xt, Kt, bt, stride=stride, padding=pad))
    if pool == "max":
        h = F.max_pool2d(h, psize, pstride)
    elif pool == "avg":
        h = F.avg_pool2d(h, psize, pstride)
    h = h.reshape(n, -1)
    z = h @ T2[:, 1:].T + T2[:, 0]
    J = 0.5 * ((z - torch.tensor(Y)) ** 2).sum() / n
    J = J + lam / (2 * n) * ((Kt ** 2).sum() + (T2[:, 1:] ** 2).sum())
    J.backward()
    np.testing.assert_allclose(net.forward(X), z.detach().numpy(), rtol=0, atol=1e-12)
    assert tr.cost == pytest.approx(J.item(), abs=1e-12)
    np.testing.assert_allclose(tr.grad(net.parameters["c1.kernels"]), Kt.grad.numpy(),
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose(tr.grad(net.parameters["c1.biases"]), bt.grad.numpy(),
                               rtol=0, atol=1e-12)
    D = np.array([[tr.link_grad(li) for li in [v.bias_link, *[
        net.link(u, v) for u in last]]] for v in out])
    np.testing.assert_allclose(D, T2.grad.numpy(), rtol=0, atol=1e-12)
    if pool is None:  # conv alone compiles: the matrix engine gives the same numbers
        m = run_backward(net, X, Y, lam, "auto", "matrix")
        np.testing.assert_allclose(m.grad(net.parameters["c1.kernels"]), Kt.grad.numpy(),
                                   rtol=0, atol=1e-12)


def test_max_pool_passes_delta_to_the_first_winner_only():
    net = ng.Network()
    x = net.add_inputs((2, 2))
    s = net.add_pool(x, size=2, kind="max", name="s")
    o = net.add_node("o", activation="linear")
    net.connect(s[0, 0, 0], o, 1.0)
    X = np.array([[3.0, 1.0, 3.0, 2.0]])  # a tie between positions 0 and 2
    tr = net.backward(X, [[0.0]])
    unit = s[0, 0, 0]
    assert tr.node(unit)["z"][0] == 3.0
    # the pool unit's links: only the first winner's share of δ is nonzero
    shares = [float(unit.input_function.dz_da(X, None)[0, k]) for k in range(4)]
    assert shares == [1.0, 0.0, 0.0, 0.0]


@pytest.mark.parametrize("kind, expect", [("max", [0.0, 5.0, 0.0, 0.0]),
                                          ("avg", [1.25, 1.25, 1.25, 1.25])])
def test_pool_delta_goes_to_the_first_winner_or_is_divided(kind, expect):
    net = ng.Network()
    x = net.add_inputs((1, 2, 2))
    c = net.add_conv(x, maps=1, kernel=1, activation="linear", name="c")
    c.kernels, c.biases = [[[[1.0]]]], [0.0]
    s = net.add_pool(c, size=2, kind=kind, name="s")
    o = net.add_node("o", activation="linear")
    net.connect(s[0, 0, 0], o, 1.0)
    X = np.array([[1.0, 5.0, 5.0, 2.0]])  # a tie for the max: 5 at positions 1 and 2
    tr = net.backward(X, net.forward(X) - 5.0)  # mse: δ(o) = 5
    d = [float(tr.node(c[0, r, col])["delta"][0]) for r in range(2) for col in range(2)]
    assert d == expect


def test_bad_grids_say_what_was_expected():
    net = ng.Network()
    x = net.add_inputs((3, 3))
    with pytest.raises(ng.ShapeError, match="larger than the padded input"):
        net.add_conv(x, maps=1, kernel=4)
    with pytest.raises(ng.ConfigError, match="stride"):
        net.add_conv(x, maps=1, kernel=2, stride=0)
    with pytest.raises(ng.ConfigError, match="maps"):
        net.add_conv(x, maps=0, kernel=2)
    with pytest.raises(ng.ShapeError, match="does not fit"):
        net.add_pool(x, size=4)
    with pytest.raises(ng.TopologyError, match="grid"):
        net.add_pool(net.inputs, size=2)
    with pytest.raises(ng.ConfigError, match="kind"):
        net.add_pool(x, size=2, kind="median")


def test_gradcheck_of_a_conv_pool_net_checks_its_parameters_not_the_pool_links():
    """gradcheck counted a pooling unit's links (stored 1s, bias 0s: no weight) as
    parameters: 590 "parameters" for a net of 410 (144 pool links + 36 pool biases)."""
    net = ng.Network(seed=0)
    c = net.add_conv(net.add_inputs((1, 8, 8)), maps=4, kernel=3, name="c1")
    s = net.add_pool(c, size=2, kind="max")
    out = net.add_layer(10, activation="softmax")
    net.connect_layers(s, out)
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(3, 64)), np.array([0, 3, 7])
    report = ng.gradcheck(net, X, y)
    # 4 kernels of 3×3 and 4 biases, then 36 pool units (+1) into 10 outputs
    assert len(report.links) == 4 * 9 + 4 + (36 + 1) * 10 == net.n_params
    assert report.rel_diff < 1e-8 and report.ok()
