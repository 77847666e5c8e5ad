"""to_torch of grid networks: conv, pooling and dense layers as nn.Conv2d, nn.MaxPool2d /
nn.AvgPool2d, nn.Flatten and nn.Linear; outputs and every parameter's gradient against
PyTorch's autograd on the same J, in float64."""

import numpy as np
import pytest

import neurograph as ng
from neurograph.model.lenet import subsample

TOL = dict(rtol=0, atol=1e-12)


def bce(torch, h, Y, n):
    """neurograph's J for sigmoid outputs (λ = 0), written in PyTorch."""
    return torch.nn.functional.binary_cross_entropy(h, torch.tensor(Y), reduction="sum") / n


def grid_net(shape, convs, pool, out=3, seed=0):
    """input grid → conv (+ pool) … → a dense sigmoid layer; ``convs`` a list of
    (maps, kernel, stride, padding, activation), ``pool`` (kind, size, stride) or None
    after the first conv."""
    net = ng.Network(seed=seed)
    g = net.add_inputs(shape)
    for k, (maps, kernel, stride, padding, act) in enumerate(convs):
        g = net.add_conv(g, maps=maps, kernel=kernel, stride=stride, padding=padding,
                         activation=act, name=f"c{k + 1}")
        if k == 0 and pool is not None:
            g = net.add_pool(g, size=pool[1], stride=pool[2], kind=pool[0], name="s1")
    o = net.add_layer(out, activation="sigmoid")
    net.connect_layers(g, o)
    return net


CASES = [
    ((2, 7, 6), [(3, (3, 2), (2, 1), (1, 2), "tanh")], ("max", 2, 1)),
    ((1, 8, 8), [(4, 3, 1, 1, "relu"), (2, 2, 2, 0, "sigmoid")], ("avg", 2, None)),
    ((5, 6), [(2, 2, 3, 2, "leaky_relu")], ("max", (2, 1), (1, 2))),
    ((3, 5, 5), [(2, 5, 1, 0, "linear")], None),
    ((2, 9, 7), [(3, (2, 3), (1, 2), 0, "tanh")], ("avg", (3, 2), (2, 3))),
]


@pytest.mark.parametrize("shape, convs, pool", CASES)
def test_a_grid_network_exports_with_equal_outputs_and_every_parameter_gradient(
        torch, shape, convs, pool):
    net = grid_net(shape, convs, pool, seed=len(convs))
    rng = np.random.default_rng(3)
    n = 6
    X = rng.normal(size=(n, int(np.prod(shape))))  # random reals: no ties in a max window
    Y = ng.one_hot(rng.integers(0, 3, n), 3)
    module = ng.to_torch(net)
    h = module(torch.tensor(X))
    np.testing.assert_allclose(h.detach().numpy(), net.forward(X), **TOL)
    bce(torch, h, Y, n).backward()
    trace = net.backward(X, Y)
    convs_t = [m for m in module if isinstance(m, torch.nn.Conv2d)]
    assert len(convs_t) == len(convs)
    for k, m in enumerate(convs_t):
        K, B = net.parameters[f"c{k + 1}.kernels"], net.parameters[f"c{k + 1}.biases"]
        np.testing.assert_array_equal(m.weight.detach().numpy(), K.value)
        np.testing.assert_allclose(m.weight.grad.numpy(), trace.grad(K), **TOL)
        np.testing.assert_allclose(m.bias.grad.numpy(), trace.grad(B), **TOL)
    lin = [m for m in module if isinstance(m, torch.nn.Linear)][0]
    D = net.gradients(X, Y)[-1]
    np.testing.assert_allclose(lin.weight.grad.numpy(), D[:, 1:], **TOL)
    np.testing.assert_allclose(lin.bias.grad.numpy(), D[:, 0], **TOL)


def random_case(seed):
    """A random input grid, conv (kernel, stride, padding per axis) and pool that fit."""
    rng = np.random.default_rng(seed)
    C, H, W = rng.integers(1, 4), rng.integers(4, 10), rng.integers(4, 10)
    kh, kw = rng.integers(1, 5, 2)
    sh, sw = rng.integers(1, 4, 2)
    ph, pw = rng.integers(0, 3, 2)
    Ho, Wo = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
    act = ["tanh", "relu", "sigmoid", "linear"][seed % 4]
    size = (int(rng.integers(1, Ho + 1)), int(rng.integers(1, Wo + 1)))
    pool = (["max", "avg"][seed % 2], size, tuple(int(k) for k in rng.integers(1, 3, 2)))
    return (int(C), int(H), int(W)), [(int(rng.integers(1, 4)), (int(kh), int(kw)),
                                       (int(sh), int(sw)), (int(ph), int(pw)), act)], pool


@pytest.mark.parametrize("seed", range(8))
def test_random_shapes_strides_and_paddings_export_alike(torch, seed):
    test_a_grid_network_exports_with_equal_outputs_and_every_parameter_gradient(
        torch, *random_case(seed))


def test_flatten_follows_the_grid_layers_unit_order(torch):
    """One dense weight reads one conv unit: the export's output is that unit's a, read
    off the network's own node, so Flatten's order is the layer's (C order: m, r, col)."""
    net = grid_net((2, 4, 5), [(3, (2, 3), 1, 0, "tanh")], None, out=1, seed=4)
    o = net.layers[-1].nodes[0]
    for link in o.incoming:
        link.weight = 0.0
    unit = [u for u in net.layers[1].nodes if u.name == "c1[1, 0, 2]"][0]
    [link for link in o.incoming if link.source is unit][0].weight = 1.0
    o.activation = "linear"
    X = np.random.default_rng(5).normal(size=(4, 40))  # not symmetric in rows or columns
    got = ng.to_torch(net)(torch.tensor(X)).detach().numpy()[:, 0]
    net.backward(X, np.zeros((4, 1)))
    np.testing.assert_allclose(got, unit.a, **TOL)
    # and independently: that unit's z is its window of x times map 1's kernel
    K = net.parameters["c1.kernels"].value[1]
    x = X.reshape(4, 2, 4, 5)
    z = (x[:, :, 0:2, 2:5] * K).sum(axis=(1, 2, 3)) + net.parameters["c1.biases"].value[1]
    np.testing.assert_allclose(got, np.tanh(z), **TOL)


def test_max_pool_ties_go_to_the_first_winner_in_both(torch):
    """relu's zeros and whole-number inputs tie inside windows: neurograph sends δ to the
    first winner and so does PyTorch's CPU max_pool2d (its scan keeps the first max)."""
    net = grid_net((1, 6, 6), [(2, 2, 1, 0, "relu")], ("max", 2, 2), seed=7)
    net.parameters["c1.kernels"].value = np.array([[[[1.0, 0], [0, 0]]], [[[0, 0], [0, 1]]]])
    net.parameters["c1.biases"].value = [0.0, -1.0]
    rng = np.random.default_rng(8)
    X = rng.integers(-1, 2, size=(5, 36)).astype(float)
    Y = ng.one_hot(rng.integers(0, 3, 5), 3)
    module = ng.to_torch(net)
    h = module(torch.tensor(X))
    bce(torch, h, Y, 5).backward()
    trace = net.backward(X, Y)
    grad = trace.grad(net.parameters["c1.kernels"])
    assert np.count_nonzero(grad) > 0
    np.testing.assert_allclose(module[1].weight.grad.numpy(), grad, **TOL)


def test_a_conv_output_layer_and_softmax_flatten_in_neurographs_order(torch):
    net = ng.Network(seed=2)
    x = net.add_inputs((3, 4))
    net.add_conv(x, maps=2, kernel=2, activation="softmax", name="c1")
    X = np.random.default_rng(1).normal(size=(3, 12))
    module = ng.to_torch(net)
    assert isinstance(module[-1], torch.nn.Softmax)
    np.testing.assert_allclose(module(torch.tensor(X)).detach().numpy(), net.forward(X), **TOL)


def test_what_no_plain_module_expresses_is_refused_naming_the_layer(torch):
    with pytest.raises(ng.CompileError, match="euclidean_rbf"):  # its RBF output units
        ng.to_torch(ng.Network.lenet5())
    net = ng.Network(seed=0)  # LeNet-5's S2 alone: a trainable coefficient per map
    subsample(net, net.add_conv(net.add_inputs((1, 6, 6)), maps=2, kernel=3, name="C1"), "S2")
    with pytest.raises(ng.ConfigError, match=r"layer 3 \('S2'\) \(parameters 'S2\.coefficients', "
                                             r"'S2\.biases'\).*subsampling"):
        ng.to_torch(net)
    net = ng.Network(seed=0)
    x = net.add_inputs((3, 5, 5))
    net.add_conv(x, maps=2, kernel=3, name="c3", table=np.array([[1, 1, 0], [0, 1, 1]], bool))
    with pytest.raises(ng.ConfigError, match="'c3'.*partial connection table"):
        ng.to_torch(net)
    net = grid_net((1, 5, 5), [(2, 3, 1, 0, "tanh")], None)
    net.disconnect("x[0, 1, 1]", "c1[0, 0, 0]")  # an edited conv: a link missing
    with pytest.raises(ng.ConfigError, match="'c1'.*edited conv"):
        ng.to_torch(net)
    net.connect("x[0, 1, 1]", "c1[0, 0, 0]", weight=0.3)  # back, with a weight of its own
    with pytest.raises(ng.ConfigError, match=r"'c1': link x\[0, 1, 1\] → c1\[0, 0, 0\] has a "
                                             r"weight of its own, not an entry of c1\.kernels"):
        ng.to_torch(net)
    net = grid_net((1, 5, 5), [(2, 3, 1, 0, "tanh")], ("avg", 2, 1))
    s = [u for u in net.layers[2].nodes if u.name == "s1[1, 1, 0]"][0]
    with pytest.raises(ng.TopologyError, match=r"s1\[1, 1, 0\].*carry no weight"):
        s.bias_link.weight = 0.5  # a pooling unit's links read constants
    # a file may still hold a pooling unit with a bias of its own (it keeps its entry)
    spec = net.to_spec()
    units = [d["name"] for d in spec["nodes"] if d["kind"] == "unit"]
    spec["biases"][units.index("s1[1, 1, 0]")] = 0.5
    with pytest.raises(ng.ConfigError, match=r"'s1'.*s1\[1, 1, 0\].*0\.5.*none"):
        ng.to_torch(ng.Network.from_spec(spec))


# --- the unrolled RNN: nn.RNN (batch first) and an nn.Linear head ----------------------------
RNNS = [dict(inputs=2, hidden=3, steps=4, outputs=2, activation="tanh",
             output_activation="sigmoid", h0="zeros"),
        dict(inputs=1, hidden=4, steps=3, outputs=1, activation="relu",
             output_activation="linear", h0="input"),
        dict(inputs=3, hidden=2, steps=5, outputs=None, activation="tanh", h0="input")]


@pytest.mark.parametrize("kw", RNNS)
def test_an_unrolled_rnn_exports_to_nn_rnn_with_equal_outputs_and_gradients(torch, kw):
    net = ng.Network.recurrent(**kw, seed=5)
    rng = np.random.default_rng(6)
    n, H = 7, kw["hidden"]
    X = rng.normal(size=(n, kw["inputs"] * kw["steps"] + (H if kw["h0"] == "input" else 0)))
    module = ng.to_torch(net)
    h = module(torch.tensor(X))
    np.testing.assert_allclose(h.detach().numpy(), net.forward(X), **TOL)
    # and independently of both: the recursion written out in numpy
    P = {k: v.value for k, v in net.parameters.items()}
    g = np.tanh if kw["activation"] == "tanh" else (lambda z: np.maximum(z, 0))
    ht, xs = (X[:, :H], X[:, H:]) if kw["h0"] == "input" else (np.zeros((n, H)), X)
    for t in range(kw["steps"]):
        x = xs[:, t * kw["inputs"]:(t + 1) * kw["inputs"]]
        ht = g(x @ P["W_x"].T + ht @ P["W_h"].T + P["b"])
    if kw["outputs"] is not None:
        z = ht @ P["W_y"].T + P["c"]
        ht = z if kw["output_activation"] == "linear" else 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(h.detach().numpy(), ht, **TOL)
    K = kw["outputs"] or H
    if kw.get("output_activation") == "sigmoid":
        Y = (rng.random((n, K)) < 0.5).astype(float)
        bce(torch, h, Y, n).backward()
    else:  # linear outputs (and h(T)): J = ½Σ(h − y)²/n
        Y = rng.normal(size=(n, K))
        (0.5 * ((h - torch.tensor(Y)) ** 2).sum() / n).backward()
    trace = net.backward(X, Y)
    rnn = module.rnn
    pairs = [(rnn.weight_ih_l0, "W_x"), (rnn.weight_hh_l0, "W_h"), (rnn.bias_ih_l0, "b")]
    if kw["outputs"] is not None:
        pairs += [(module.head[0].weight, "W_y"), (module.head[0].bias, "c")]
    for param, name in pairs:
        np.testing.assert_array_equal(param.detach().numpy(), P[name])
        np.testing.assert_allclose(param.grad.numpy(), trace.grad(net.parameters[name]), **TOL)
    assert rnn.bias_hh_l0.grad is None and not rnn.bias_hh_l0.any()  # held at 0: one bias


def test_an_rnn_that_nn_rnn_cannot_run_is_refused_by_name(torch):
    sig = ng.Network.recurrent(inputs=1, hidden=2, steps=2, outputs=1, activation="sigmoid")
    with pytest.raises(ng.ConfigError, match="activation is sigmoid: nn.RNN has the "
                                             "nonlinearities tanh, relu"):
        ng.to_torch(sig)
    cut = ng.Network.recurrent(inputs=1, hidden=2, steps=3, outputs=1)
    cut.disconnect("h1(1)", "h2(2)")  # an edited unrolling: one W_h link gone
    with pytest.raises(ng.ConfigError, match=r"link h1\(1\) → h2\(2\) is missing.*nn.RNN"):
        ng.to_torch(cut)
    own = ng.Network.recurrent(inputs=1, hidden=2, steps=2, outputs=1)
    own.connect("x1(1)", "y1", weight=0.5)  # a link no parameter carries
    with pytest.raises(ng.ConfigError, match=r"link x1\(1\) → y1 is not one it builds"):
        ng.to_torch(own)


# --- from_torch: the grid modules back into a grid network ------------------------------------
@pytest.mark.parametrize("shape, convs, pool", CASES)
def test_a_grid_network_comes_back_from_torch_with_equal_outputs(torch, shape, convs, pool):
    net = grid_net(shape, convs, pool, seed=len(convs))
    back = ng.from_torch(ng.to_torch(net))
    X = np.random.default_rng(9).normal(size=(5, int(np.prod(shape))))
    assert back.s == net.s
    np.testing.assert_allclose(back.forward(X), net.forward(X), **TOL)
    def kernels(n):
        return [p.value for name, p in n.parameters.items() if name.endswith(".kernels")]

    assert len(kernels(back)) == len(convs)
    for a, b in zip(kernels(back), kernels(net)):
        np.testing.assert_array_equal(a, b)


def test_a_module_written_in_pytorch_comes_back_as_units_and_links(torch):
    nn = torch.nn
    torch.manual_seed(0)
    module = nn.Sequential(nn.Unflatten(1, (2, 9, 8)),
                           nn.Conv2d(2, 3, (3, 2), stride=(2, 1), padding=(1, 0)), nn.ReLU(),
                           nn.MaxPool2d(2, stride=(1, 2)), nn.Flatten(),
                           nn.Linear(36, 4), nn.Softmax(dim=1)).double()
    net = ng.from_torch(module)
    X = np.random.default_rng(2).normal(size=(6, 144))
    np.testing.assert_allclose(net.forward(X), module(torch.tensor(X)).detach().numpy(), **TOL)
    conv = [g for g in net.parameters if g.endswith(".kernels")]
    assert len(conv) == 1 and net.parameters[conv[0]].shape == (3, 2, 3, 2)
    assert net.layers[2].nodes[0].input_function.name == "max"


@pytest.mark.parametrize("modules, message", [
    (lambda nn: [nn.Conv2d(1, 2, 3), nn.Flatten()], r"layer 0 is Conv2d\(.*nn\.Unflatten\(1, "
                                                     r"\(C, H, W\)\)"),
    (lambda nn: [nn.Unflatten(1, (2, 5, 5)), nn.Conv2d(2, 2, 3, groups=2)],
     r"layer 1 \(Conv2d\) has groups=2.*expected groups=1"),
    (lambda nn: [nn.Unflatten(1, (1, 5, 5)), nn.MaxPool2d(2, padding=1)],
     r"layer 1 \(MaxPool2d\) pads.*kernel_size and stride only"),
    (lambda nn: [nn.Unflatten(1, (1, 4, 4)), nn.Linear(4, 2)],
     r"layer 1 \(Linear\) cannot stand on a grid \(give nn.Flatten first\)"),
])
def test_grid_modules_neurograph_cannot_build_are_refused_by_name(torch, modules, message):
    with pytest.raises(ng.ConfigError, match=message):
        ng.from_torch(torch.nn.Sequential(*modules(torch.nn)))


# --- inside a lesion: the intact network, as save writes it ---------------------------------
@pytest.mark.parametrize("kind", ["dense", "conv", "rnn"])
def test_to_torch_inside_a_lesion_exports_the_intact_network_as_save_does(torch, kind):
    """A silenced unit has no module, so the export is the network without the lesion (as
    save, copy and to_spec write it): its outputs are net.forward's once the lesion ends."""
    if kind == "dense":
        net = ng.Network.from_architecture([3, 4, 2], seed=0)
        X = np.random.default_rng(0).normal(size=(5, 3))
    elif kind == "conv":
        net = ng.Network(seed=0)
        c = net.add_conv(net.add_inputs((1, 4, 4)), maps=2, kernel=2, name="c1")
        net.connect_layers(c, net.add_layer(4))
        X = np.random.default_rng(0).normal(size=(5, 16))
    else:
        net = ng.Network.recurrent(inputs=1, hidden=4, steps=2, outputs=2, seed=0)
        X = np.random.default_rng(0).normal(size=(5, 2))
    hidden = net.layers[-2].nodes
    with net.lesion(units=[hidden[0]], links=[hidden[1].outgoing[0]]):
        lesioned = net.forward(X)
        module = ng.to_torch(net)
    intact = net.forward(X)
    assert np.abs(lesioned - intact).max() > 1e-3
    np.testing.assert_allclose(module(torch.tensor(X)).detach().numpy(), intact, **TOL)
