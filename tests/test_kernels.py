"""The matrix engine on PyTorch's kernels: same memory, same numbers (to rounding)."""

import numpy as np
import pytest

import neurograph as ng
from neurograph.engines import Pass, make_engine
from neurograph.engines.torch_kernels import choose_kernels

torch = pytest.importorskip("torch")


def _data(s, n, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, s[0])), rng.integers(0, s[-1], size=n)


@pytest.mark.parametrize("act", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("lam", [0.0, 0.7])
def test_torch_kernels_agree_with_numpy_to_1e12(act, lam):
    s = [5, 7, 6, 3]
    X, y = _data(s, 40)
    Y = ng.one_hot(y, 3)
    net = ng.Network.from_architecture(s, activation=act, seed=2)
    out = {}
    for k in ("numpy", "torch"):
        e = make_engine(net, lam, kernels=k)
        assert type(e).__name__ == ("TorchMatrixEngine" if k == "torch" else "MatrixEngine")
        p = Pass(net, e, X, Y, n_reg=100)
        p.complete()
        out[k] = p.trace("backward", with_grad=True)
    for what in ("z", "a", "delta"):
        for m, t in zip(getattr(out["numpy"], what), getattr(out["torch"], what)):
            if m is not None:
                np.testing.assert_allclose(t, m, rtol=0, atol=1e-12)
    np.testing.assert_allclose(out["torch"].grad, out["numpy"].grad, rtol=0, atol=1e-12)
    assert out["torch"].cost == pytest.approx(out["numpy"].cost, rel=1e-13)


def test_training_on_torch_kernels_writes_the_one_store():
    s = [4, 5, 3]
    X, y = _data(s, 30, seed=1)
    a = ng.Network.from_architecture(s, seed=0)
    b = ng.Network.from_architecture(s, seed=0)
    theta_b = b.theta_flat  # a view: training must update it in place
    ng.Trainer(a, alpha=0.5, momentum=0.5, kernels="numpy").fit(X, y, epochs=20)
    ng.Trainer(b, alpha=0.5, momentum=0.5, kernels="torch").fit(X, y, epochs=20)
    np.testing.assert_allclose(b.theta_flat, a.theta_flat, rtol=0, atol=1e-11)
    assert np.shares_memory(theta_b, b.theta_flat) and b.links[3].weight == theta_b[
        b.links[3].index]


def test_partially_connected_layers_keep_missing_links_at_zero():
    net = ng.Network(seed=0)
    x1, x2 = net.add_input(), net.add_input()
    h1, h2 = net.add_node("h1"), net.add_node("h2")
    net.connect(x1, h1, 0.5)
    net.connect(x2, h2, -0.3)
    net.connect(x1, h2, 0.2)
    o = net.add_node("o")
    net.connect(h1, o, 1.0)
    net.connect(h2, o, 1.0)
    X, y = _data([2, 1], 8)
    y = y % 2
    for k in ("numpy", "torch"):
        n2 = ng.Network.from_spec(net.to_spec())
        ng.Trainer(n2, alpha=1.0, kernels=k).fit(X, y, epochs=5)
        assert n2.theta(1)[0, 2] == 0.0  # x2 → h1 does not exist
        if k == "numpy":
            ref = n2.theta_flat.copy()
        else:
            np.testing.assert_allclose(n2.theta_flat, ref, rtol=0, atol=1e-12)


def test_auto_picks_torch_only_for_big_passes(monkeypatch):
    monkeypatch.delenv("NEUROGRAPH_KERNELS", raising=False)
    net = ng.Network.from_architecture([784, 256, 10], seed=0)
    assert choose_kernels("auto", net, 10) == "numpy"
    assert choose_kernels("auto", net, 10_000) == "torch"
    monkeypatch.setenv("NEUROGRAPH_KERNELS", "numpy")
    assert choose_kernels("auto", net, 10_000) == "numpy"
    with pytest.raises(ng.ConfigError, match="kernels"):
        ng.Trainer(net, kernels="cuda")
