"""backend="torch": the matrix engine on PyTorch's kernels gives numpy's numbers,
shares numpy's weight store, and refuses what it cannot run, saying what came."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import neurograph as ng
from neurograph.engines import sweep
from neurograph.engines.torch_backend import TorchEngine

torch = pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parents[1]
CUDA = torch.cuda.is_available()
GPU_SKIP = pytest.mark.skipif(not CUDA, reason="no CUDA GPU visible to PyTorch here")


def needs_gpu(test):
    """Runs where PyTorch sees a GPU; elsewhere skips (allowed on CI: hardware)."""
    return pytest.mark.hardware(GPU_SKIP(test))


def data(n=40, d=4, k=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.integers(0, k, n)


def by_hand(thetas, X, Y, lam):
    """J and D(l) of a sigmoid network, written from the slides (independent of the engines)."""
    acts = [X]
    for T in thetas:
        acts.append(1 / (1 + np.exp(-(np.hstack([np.ones((len(X), 1)), acts[-1]]) @ T.T))))
    n, h = len(X), acts[-1]
    J = -np.sum(Y * np.log(h) + (1 - Y) * np.log(1 - h)) / n
    J += lam / (2 * n) * sum(np.sum(T[:, 1:] ** 2) for T in thetas)
    delta, D = h - Y, [None] * len(thetas)
    for l in range(len(thetas) - 1, -1, -1):
        a1 = np.hstack([np.ones((n, 1)), acts[l]])
        D[l] = delta.T @ a1 / n
        D[l][:, 1:] += lam / n * thetas[l][:, 1:]
        delta = (delta @ thetas[l][:, 1:]) * acts[l] * (1 - acts[l])
    return J, D


def test_torch_pass_gives_the_slides_numbers():
    X, y = data()
    net = ng.Network.from_architecture([4, 5, 4, 3], seed=1)
    J, D = by_hand([np.array(T) for T in net.thetas], X, ng.one_hot(y, 3), 0.7)
    assert abs(net.cost(X, y, lam=0.7, backend="torch") - J) < 1e-12
    for got, want in zip(net.gradients(X, y, lam=0.7, backend="torch"), D):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


@pytest.mark.parametrize("dtype, tol", [("float64", 1e-12), ("float32", 1e-6)])
@pytest.mark.parametrize("hidden, out", [("sigmoid", "sigmoid"), ("tanh", "softmax"),
                                         ("relu", "linear"), ("leaky_relu", "sigmoid")])
def test_forward_cost_and_gradients_equal_numpys(hidden, out, dtype, tol):
    X, y = data()
    net = ng.Network.from_architecture([4, 5, 4, 3], seed=2, activation=hidden,
                                       output_activation=out, dtype=dtype)
    Y = np.random.default_rng(3).normal(size=(40, 3)) if out == "linear" else y
    np.testing.assert_allclose(net.forward(X, backend="torch"), net.forward(X),
                               rtol=0, atol=tol)
    assert abs(net.cost(X, Y, lam=0.5, backend="torch") - net.cost(X, Y, lam=0.5)) < tol
    for got, want in zip(net.gradients(X, Y, lam=0.5, backend="torch"),
                         net.gradients(X, Y, lam=0.5)):
        assert got.dtype == np.dtype(dtype)
        np.testing.assert_allclose(got, want, rtol=0, atol=tol)
    t, u = net.backward(X, Y, backend="torch"), net.backward(X, Y)
    for a, b in zip(t.delta[1:], u.delta[1:]):
        np.testing.assert_allclose(a, b, rtol=0, atol=tol)


@pytest.mark.parametrize("dtype, tol", [("float64", 1e-12), ("float32", 1e-6)])
def test_a_training_run_with_momentum_lam_and_mini_batches_equals_numpys(dtype, tol):
    def make():
        net = ng.Network.from_architecture([4, 6, 5, 3], seed=4, dtype=dtype)
        net.freeze(net.layers[1].nodes[0])  # frozen weights keep still on both
        return net

    X, y = data(n=53)
    trains_alike(make, X, y, tol, epochs=15, alpha=0.5, lam=0.3, momentum=0.8)


def trains_alike(make, X, y, tol, epochs, **trainer):
    """Train the network ``make()`` gives on numpy and on torch (mini-batches of 8): θ and
    J per epoch agree to ``tol``, frozen weights keep still, the others move."""
    runs = {}
    for backend in ("numpy", "torch"):
        net = make()
        before = np.array(net.theta_flat)
        h = ng.Trainer(net, batch_size=8, seed=5, backend=backend, **trainer).fit(
            X, y, epochs=epochs)
        runs[backend] = (np.array(net.theta_flat), h.cost, before, net.weights.frozen.copy())
    (th, cost, before, frozen), (th_n, cost_n, _, _) = runs["torch"], runs["numpy"]
    np.testing.assert_allclose(th, th_n, rtol=0, atol=tol)
    np.testing.assert_allclose(cost, cost_n, rtol=0, atol=tol)
    assert frozen.any() and np.array_equal(th[frozen], before[frozen])
    assert not np.allclose(th[~frozen], before[~frozen])


def test_theta_is_one_store_shared_with_the_tensors():
    X, y = data()
    net = ng.Network.from_architecture([4, 5, 3], seed=0)
    e = sweep.make_engine(net, backend="torch")
    assert e.t_theta.data_ptr() == net.weights.theta.__array_interface__["data"][0]
    link = net.in_links(net.layers[1].nodes[0])[1]
    link.weight = 5.0  # seen by the tensor without a copy
    assert float(e.t_theta[link.index]) == 5.0
    np.testing.assert_allclose(net.forward(X, backend="torch"), net.forward(X), atol=1e-12)
    # a training step on the tensors is on the links at once
    trainer = ng.Trainer(net, alpha=1.0, backend="torch")
    step = next(trainer.steps(X, y, every="batch"))
    assert step.theta_before[link.index] == 5.0
    assert link.weight == step.theta_after[link.index] != 5.0
    assert net.weights.theta[link.index] == link.weight


def test_traces_hold_numpy_arrays_a_later_pass_leaves_alone():
    X, y = data()
    net = ng.Network.from_architecture([4, 5, 3], seed=0)
    first = net.backward(X, y, backend="torch")
    kept = [np.array(a) for a in first.a] + [np.array(d) for d in first.delta[1:]]
    assert all(type(a) is np.ndarray for a in first.a + first.delta[1:])
    net.backward(X[::-1].copy(), y[::-1].copy(), backend="torch")
    for was, now in zip(kept, first.a + first.delta[1:]):
        np.testing.assert_array_equal(was, now)
    node = net.layers[1].nodes[2]
    d = first.node(node)  # δ_i = g'(z_i)·Σ blame: the identity holds on a torch Trace
    np.testing.assert_allclose(d["delta"], d["a"] * (1 - d["a"]) * sum(d["blame"].values()),
                               atol=1e-14)


def test_stepping_by_layer_shows_numpys_phases_and_values():
    X, y = data(n=12)
    seen = {}
    for backend in ("numpy", "torch"):
        net = ng.Network.from_architecture([4, 5, 4, 3], seed=3)
        trainer = ng.Trainer(net, alpha=0.5, batch_size=5, backend=backend)
        seen[backend] = [(str(s.phase), [None if a is None else a.copy() for a in s.trace.a],
                          [None if d is None else d.copy() for d in (s.trace.delta or [])])
                         for s in trainer.steps(X, y, every="layer", epochs=2)]
    assert [s[0] for s in seen["torch"]] == [s[0] for s in seen["numpy"]]
    assert "backward layer 3" in [s[0] for s in seen["torch"]]
    for (_, a_t, d_t), (_, a_n, d_n) in zip(seen["torch"], seen["numpy"]):
        for u, v in zip(a_t + d_t, a_n + d_n):
            assert (u is None) == (v is None)
            if u is not None:
                np.testing.assert_allclose(u, v, rtol=0, atol=1e-12)


def test_lesions_silence_units_on_torch_as_on_numpy():
    X, y = data()
    net = ng.Network.from_architecture([4, 5, 4, 3], seed=6)
    h, x = net.layers[1].nodes[1], net.inputs[2]
    with net.lesion(units=[h, x], links=[next(iter(net.links))]):
        got = net.gradients(X, y, backend="torch"), net.backward(X, y, backend="torch")
        want = net.gradients(X, y), net.backward(X, y)
        assert np.all(got[1].a[1][:, 1] == 0) and np.all(got[1].delta[1][:, 1] == 0)
    for a, b in zip(got[0], want[0]):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def test_partial_connectivity_keeps_missing_links_at_zero():
    X, y = data()
    net = ng.Network.from_architecture([4, 5, 3], seed=0)
    net.disconnect(net.inputs[0], net.layers[1].nodes[0])
    got, want = net.gradients(X, y, backend="torch"), net.gradients(X, y)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    assert got[0][0, 1] == 0.0


def test_the_device_path_on_the_cpu_copies_both_ways(monkeypatch):
    # the GPU's path (θ on a device twin, brought back after each update), run on the CPU
    monkeypatch.setattr(sweep, "TorchEngine",
                        lambda net, lam, loss, dev: TorchEngine(net, lam, loss, dev, host=False))
    X, y = data(n=30)
    runs = []
    for backend in ("numpy", "torch"):
        net = ng.Network.from_architecture([4, 5, 3], seed=7)
        t = ng.Trainer(net, alpha=0.5, lam=0.2, momentum=0.5, batch_size=7, backend=backend)
        t.fit(X, y, epochs=3)
        next(iter(net.links)).weight = 2.0  # a write on the links reaches the device
        t.fit(X, y, epochs=3)
        runs.append((np.array(net.theta_flat), net.backward(X, y, backend=backend)))
    np.testing.assert_allclose(runs[1][0], runs[0][0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(runs[1][1].grad, runs[0][1].grad, rtol=0, atol=1e-12)
    assert not np.shares_memory(runs[1][1].a[1], runs[1][0])


@needs_gpu
@pytest.mark.parametrize("dtype, tol", [("float64", 1e-12), ("float32", 1e-5)])
def test_the_gpu_agrees_with_the_cpu(dtype, tol):
    X, y = data()
    runs = []
    for device in ("cpu", "cuda"):
        net = ng.Network.from_architecture([4, 6, 3], seed=8, dtype=dtype)
        ng.Trainer(net, alpha=0.5, lam=0.1, batch_size=9, backend="torch",
                   device=device).fit(X, y, epochs=5)
        runs.append((np.array(net.theta_flat), net.gradients(X, y, backend="torch",
                                                             device=device)))
    np.testing.assert_allclose(runs[1][0], runs[0][0], rtol=0, atol=tol)


@pytest.mark.parametrize("kwargs, match", [
    (dict(backend="jax"), "unknown backend 'jax'; known: numpy, torch"),
    (dict(backend="torch", device="gpu"), "unknown device 'gpu'"),
    (dict(backend="torch", device="meta"), "device 'meta' is not supported"),
    (dict(backend="numpy", device="cuda"), "device='cuda' needs backend='torch'"),
    (dict(backend="torch", engine="graph"), "engine='graph' runs on numpy only"),
])
def test_bad_backend_or_device_is_named(kwargs, match):
    X, y = data()
    net = ng.Network.from_architecture([4, 3], seed=0)
    with pytest.raises(ng.ConfigError, match=match):
        net.forward(X, **kwargs)
    if "engine" not in kwargs:
        with pytest.raises(ng.ConfigError, match=match):
            ng.Trainer(net, **kwargs)


@pytest.mark.hardware
@pytest.mark.skipif(CUDA, reason="a GPU is visible: cuda is a device PyTorch can see")
def test_a_device_torch_cannot_see_is_refused():
    net = ng.Network.from_architecture([4, 3], seed=0)
    for device in ("cuda", "cuda:1"):
        with pytest.raises(ng.ConfigError, match="PyTorch sees no CUDA GPU"):
            net.cost(*data(), backend="torch", device=device)


def test_a_network_only_the_graph_engine_runs_is_refused_on_torch():
    net = ng.Network.from_architecture([4, 3, 3], seed=0)
    net.connect(net.inputs[0], net.outputs[0], 0.1)  # a skip link: no Θ
    with pytest.raises(ng.ConfigError, match="does not compile.*graph engine has no torch"):
        net.gradients(*data(), backend="torch")


def test_missing_torch_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    net = ng.Network.from_architecture([4, 3], seed=0)
    with pytest.raises(ng.MissingExtraError, match=r"pip install 'neurograph\[torch\]'"):
        net.forward(data()[0], backend="torch")
    with pytest.raises(ng.MissingExtraError, match=r"neurograph\[torch\]"):
        ng.Trainer(net, backend="torch")
    assert net.forward(data()[0]).shape == (40, 3)  # numpy stays the default


def test_nothing_but_the_torch_backend_imports_torch():
    code = ("import sys, numpy as np, neurograph as ng\n"
            "X = np.random.default_rng(0).normal(size=(20, 4)); y = np.arange(20) % 3\n"
            "net = ng.Network.from_architecture([4, 5, 3], seed=0)\n"
            "ng.Trainer(net, alpha=0.5).fit(X, y, epochs=3); net.gradients(X, y)\n"
            "assert 'torch' not in sys.modules, 'torch was imported'\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_a_forward_pass_of_no_instances_gives_no_rows_on_torch_as_on_numpy():
    """backend="torch" raised ZeroDivisionError (its workspace's 1/m) for an empty X;
    numpy's engine gives (0, outputs)."""
    dense = ng.Network.from_architecture([2, 3, 1], seed=0)
    conv = ng.Network(seed=0)
    c = conv.add_conv(conv.add_inputs((1, 4, 4)), maps=2, kernel=2)
    conv.connect_layers(conv.add_pool(c, size=3), conv.add_layer(2))
    for net, d, k in [(dense, 2, 1), (conv, 16, 2)]:
        out = net.forward(np.zeros((0, d)), backend="torch")
        assert out.shape == net.forward(np.zeros((0, d))).shape == (0, k)
