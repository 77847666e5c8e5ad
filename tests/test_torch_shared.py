"""backend="torch" on shared weights (issue 24, item 2): tied links, conv and pooling
layers give the numpy matrix engine's numbers (J, δ, each tied link's own term, each
parameter's gradient) and train the same, frozen and lesioned included."""

from __future__ import annotations

import numpy as np
import pytest
from test_torch_backend import trains_alike

import neurograph as ng
from neurograph.engines import sweep
from neurograph.engines.torch_backend import TorchEngine

pytest.importorskip("torch")

TOLS = [("float64", 1e-12), ("float32", 1e-6)]


def tied_net(seed, dtype="float64", sizes=(4, 5, 4, 3)):
    """A dense sigmoid network with random disjoint groups of links tied: weight links
    within a layer and across layers, and one group of bias links."""
    rng = np.random.default_rng(seed)
    net = ng.Network.from_architecture(list(sizes), seed=seed, dtype=dtype)
    weights = [li for li in net.links if not li.is_bias]
    biases = [li for li in net.links if li.is_bias]
    order = rng.permutation(len(weights))
    at = 0
    for k in range(4):
        size = int(rng.integers(2, 5))
        net.tie([weights[i] for i in order[at:at + size]], name=f"w{k}")
        at += size
    net.tie([biases[i] for i in rng.choice(len(biases), 3, replace=False)], name="b")
    return net


def conv_pool_net(seed, kind, dtype="float64"):
    """inputs (2, 7, 7) → conv 3 maps, 3×3, padding 1 → pool 2 → conv 2 maps → dense 3."""
    rng = np.random.default_rng(seed)
    net = ng.Network(seed=seed, dtype=dtype)
    x = net.add_inputs((2, 7, 7))
    c = net.add_conv(x, maps=3, kernel=3, padding=1, activation="tanh", name="c1")
    c.biases = rng.normal(size=3)
    s = net.add_pool(c, size=2, stride=2, kind=kind, name="s1")
    c2 = net.add_conv(s, maps=2, kernel=2, padding=1, activation="sigmoid", name="c2")
    out = net.add_layer(3)
    net.connect_layers(c2, out)
    return net


def data(n, d, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    X[:, ::5] = np.round(X[:, ::5])  # equal entries in a window: max's ties to the first
    return X, rng.integers(0, 3, n)


def assert_same_pass(net, X, y, lam, tol):
    """J, a, δ, D(l), every tied link's own term and every parameter's gradient."""
    t, u = net.backward(X, y, lam=lam, backend="torch"), net.backward(X, y, lam=lam)
    assert abs(t.cost - u.cost) < tol
    for got, want in zip(t.a[1:] + t.delta[1:], u.a[1:] + u.delta[1:]):
        np.testing.assert_allclose(got, want, rtol=0, atol=tol)
    assert u.terms is not None and len(u.terms)
    np.testing.assert_allclose(t.terms, u.terms, rtol=0, atol=tol)
    for name, p in net.parameters.items():
        np.testing.assert_allclose(t.grad(p), u.grad(p), rtol=0, atol=tol, err_msg=name)
    for got, want in zip(net.gradients(X, y, lam=lam, backend="torch"),
                         net.gradients(X, y, lam=lam)):
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=0, atol=tol)


@pytest.mark.parametrize("dtype, tol", TOLS)
@pytest.mark.parametrize("seed", range(4))
def test_random_tied_networks_give_numpys_numbers_on_torch(seed, dtype, tol):
    net = tied_net(seed, dtype)
    X, y = data(23, 4, seed)
    assert_same_pass(net, X, y, 0.7, tol)


def test_a_tied_gradient_is_the_sum_of_its_links_terms_plus_lambda_once():
    net = tied_net(5)
    X, y = data(17, 4)
    lam, n = 0.9, 17
    t = net.backward(X, y, lam=lam, backend="torch")
    p = net.parameters["w1"]
    terms = [t.link_grad(li) for li in p.links]
    assert t.grad(p) == pytest.approx(sum(terms) + lam / n * p.value, abs=1e-14)
    eps = 1e-6  # and it is the slope of J along the parameter (central difference)
    v = p.value
    p.value = v + eps
    jp = net.cost(X, y, lam=lam, backend="torch")
    p.value = v - eps
    jm = net.cost(X, y, lam=lam, backend="torch")
    p.value = v
    assert t.grad(p) == pytest.approx((jp - jm) / (2 * eps), abs=1e-8)


@pytest.mark.parametrize("dtype, tol", TOLS)
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_a_conv_and_pool_net_gives_numpys_numbers_on_torch(kind, dtype, tol):
    net = conv_pool_net(3, kind, dtype)
    e = sweep.make_engine(net, backend="torch")
    assert [type(w.t).__name__ for w in e.windows[:3]] == ["Conv", "Pool", "Conv"]
    X, y = data(9, 98)
    assert_same_pass(net, X, y, 0.4, tol)


@pytest.mark.parametrize("dtype, tol", TOLS)
@pytest.mark.parametrize("make", ["tied", "conv"])
def test_training_tied_and_conv_nets_with_momentum_lam_and_mini_batches_equals_numpys(
        make, dtype, tol):
    def net():
        n = tied_net(6, dtype) if make == "tied" else conv_pool_net(4, "max", dtype)
        # a frozen parameter keeps still on both, all its links with it
        n.freeze(n.parameters["w2" if make == "tied" else "c2.kernels"])
        return n

    X, y = data(31, 4 if make == "tied" else 98, seed=2)
    trains_alike(net, X, y, tol, epochs=6, alpha=0.3, lam=0.2, momentum=0.7)


def test_lesions_on_a_tied_net_silence_units_on_torch_as_on_numpy():
    net = tied_net(7)
    X, y = data(12, 4)
    with net.lesion(units=[net.layers[1].nodes[1], net.inputs[2]]):
        assert_same_pass(net, X, y, 0.3, 1e-12)
        t = net.backward(X, y, backend="torch")
        assert not t.a[1][:, 1].any() and not t.delta[1][:, 1].any()  # Layer 2, unit 2
        assert not t.a[0][:, 2].any()


@pytest.mark.parametrize("make", ["tied", "conv"])
def test_the_device_path_on_the_cpu_brings_terms_and_parameters_back(make, monkeypatch):
    # the GPU's path (device twins of θ, ∂J/∂θ and the terms), run on the CPU
    monkeypatch.setattr(sweep, "TorchEngine",
                        lambda net, lam, loss, dev: TorchEngine(net, lam, loss, dev, host=False))
    X, y = data(14, 4 if make == "tied" else 98, seed=3)
    net = tied_net(8) if make == "tied" else conv_pool_net(5, "avg")
    assert_same_pass(net, X, y, 0.5, 1e-12)
    runs = []
    for backend in ("numpy", "torch"):
        m = net.copy()
        ng.Trainer(m, alpha=0.5, lam=0.2, momentum=0.5, batch_size=5,
                   backend=backend).fit(X, y, epochs=2)
        runs.append(np.array(m.theta_flat))
    np.testing.assert_allclose(runs[1], runs[0], rtol=0, atol=1e-12)


def test_a_recurrent_network_is_refused_on_torch_naming_the_link_and_the_way_out():
    # the unrolled net reads x(t) in layer t+1: links that skip layers do not compile
    # to Θ, so it runs on the graph engine, which has no torch kernels
    net = ng.Network.recurrent(2, 3, 3, outputs=1, seed=0)
    X = np.zeros((2, 6))
    with pytest.raises(ng.ConfigError, match=r"x1\(2\).*engine='graph'.*backend='numpy'"):
        net.forward(X, backend="torch")


@pytest.mark.parametrize("make", ["tied", "conv"])
def test_stepping_by_layer_on_shared_weights_shows_numpys_phases_and_values(make):
    X, y = data(10, 4 if make == "tied" else 98, seed=4)
    seen = {}
    for backend in ("numpy", "torch"):
        net = tied_net(9) if make == "tied" else conv_pool_net(6, "max")
        trainer = ng.Trainer(net, alpha=0.4, lam=0.1, batch_size=4, backend=backend)
        seen[backend] = [(str(s.phase), [None if a is None else a.copy() for a in s.trace.a],
                          [None if d is None else d.copy() for d in (s.trace.delta or [])],
                          None if s.trace.terms is None else s.trace.terms.copy())
                         for s in trainer.steps(X, y, every="layer", epochs=1)]
    assert [s[0] for s in seen["torch"]] == [s[0] for s in seen["numpy"]]
    assert sum(s[3] is not None for s in seen["torch"]) > 0  # the steps that show D(l)
    for (_, a_t, d_t, t_t), (_, a_n, d_n, t_n) in zip(seen["torch"], seen["numpy"]):
        assert (t_t is None) == (t_n is None)
        for u, v in zip(a_t + d_t + [t_t], a_n + d_n + [t_n]):
            assert (u is None) == (v is None)
            if u is not None:
                np.testing.assert_allclose(u, v, rtol=0, atol=1e-12)
