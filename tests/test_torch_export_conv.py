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
    net = grid_net((1, 5, 5), [(2, 3, 1, 0, "tanh")], ("avg", 2, 1))
    s = [u for u in net.layers[2].nodes if u.name == "s1[1, 1, 0]"][0]
    s.bias_link.frozen = False
    s.bias_link.weight = 0.5
    with pytest.raises(ng.ConfigError, match=r"'s1'.*s1\[1, 1, 0\].*0\.5.*none"):
        ng.to_torch(net)
