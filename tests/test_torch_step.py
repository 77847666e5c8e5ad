"""The work of one training step on backend="torch" (issue 24, items 3 and 4): no more
aten calls than PyTorch eager autograd makes for the same step (a count, not a time:
counts are deterministic), and on a device the data is sent once per run, its
mini-batches rows of that copy — while the numbers stay numpy's."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import neurograph as ng
from neurograph.engines import sweep
from neurograph.engines.torch_backend import TorchEngine

torch = pytest.importorskip("torch")
from torch.profiler import ProfilerActivity, profile  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import references  # noqa: E402


def aten_calls(fn) -> Counter:
    """aten operators one call of ``fn`` runs, by name (nested calls included)."""
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        fn()
    return Counter(e.name for e in prof.events() if e.name.startswith("aten::"))


def problem(s, n, dtype, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((n, s[0])).astype(dtype)
    Y = np.eye(s[-1], dtype=dtype)[rng.integers(0, s[-1], n)]
    thetas = [rng.uniform(-0.5, 0.5, (b, a + 1)).astype(dtype) for a, b in zip(s, s[1:])]
    return X, Y, thetas


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("s, lam", [([20, 8, 5], 0.0), ([30, 12, 12, 4], 0.0),
                                    ([30, 12, 12, 4], 0.7)])
def test_a_step_makes_no_more_aten_calls_than_eager(s, lam, dtype):
    X, Y, thetas = problem(s, 60, dtype)
    # the step `make bench` times PyTorch eager by: sigmoid units, J from z by PyTorch's
    # fused cross-entropy + λ/(2n)ΣW², the update
    step = references.make_torch_step(thetas, X, Y, 0.5, lam, dtype)
    Ws, bs = step.params
    net = ng.Network.from_thetas(thetas, dtype=dtype)
    trainer = ng.Trainer(net, alpha=0.5, lam=lam, backend="torch")
    for _ in range(2):  # warm: a user's fit after fit, and eager's steps after the first
        trainer.fit(X, Y, epochs=1)
        step()
    ours, eager = aten_calls(lambda: trainer.fit(X, Y, epochs=1)), aten_calls(step)
    assert sum(ours.values()) <= sum(eager.values()), (ours, eager)
    assert aten_calls(lambda: trainer.fit(X, Y, epochs=1)) == ours  # a count is exact
    step()
    # and the same step: after the same four updates, the weights agree
    for T, W, b in zip(net.thetas, Ws, bs):
        tol = 1e-12 if dtype == "float64" else 1e-5
        np.testing.assert_allclose(T[:, 1:], W.detach().numpy(), rtol=0, atol=tol)
        np.testing.assert_allclose(T[:, 0], b.detach().numpy(), rtol=0, atol=tol)


def device_path(monkeypatch):
    """The GPU's path (θ and the data on a device twin) run on the CPU; returns the
    list every host→device conversion of the engines made is appended to."""
    sent = []
    tensor = TorchEngine.tensor

    def counted(self, arr):
        sent.append(np.array(arr))
        return tensor(self, arr)

    monkeypatch.setattr(TorchEngine, "tensor", counted)
    monkeypatch.setattr(sweep, "TorchEngine",
                        lambda net, lam, loss, dev: TorchEngine(net, lam, loss, dev, host=False))
    return sent


def data_sends(sent) -> int:
    """Conversions that sent data (X, Y or rows of them: 2-D floats; θ, the index
    tables and the flags are 1-D or integers)."""
    return sum(x.ndim == 2 and x.dtype.kind == "f" for x in sent)


@pytest.mark.parametrize("batch_size", [None, 7])
def test_the_data_goes_to_the_device_once_per_run(monkeypatch, batch_size):
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(30, 4)), rng.integers(0, 3, 30)
    Xv, yv = rng.normal(size=(9, 4)) + 5.0, rng.integers(0, 3, 9)
    Y, Yv = ng.one_hot(y, 3), ng.one_hot(yv, 3)
    kw = dict(alpha=0.5, lam=0.2, momentum=0.5, batch_size=batch_size, seed=2)
    want = ng.Network.from_architecture([4, 5, 3], seed=7)
    hw = ng.Trainer(want, **kw).fit(X, Y, epochs=4, validation=(Xv, Yv))
    sent = device_path(monkeypatch)
    net = ng.Network.from_architecture([4, 5, 3], seed=7)
    trainer = ng.Trainer(net, backend="torch", **kw)
    h = trainer.fit(X, Y, epochs=4, validation=(Xv, Yv))
    # X, Y and the validation set's X and Y: each sent once for the run, not once per pass
    assert data_sends(sent) == 4
    for a in (X, Y, Xv, Yv):
        assert sum(x.shape == a.shape and (x == a).all() for x in sent) == 1
    # a shuffled epoch's order is sent once per epoch, not its rows once per batch
    orders = [x for x in sent if x.dtype.kind == "i" and x.ndim == 1 and len(x) in (7, 2, 30)]
    assert len(orders) == (0 if batch_size is None else 4)
    assert all(sorted(x) == list(range(30)) for x in orders)
    np.testing.assert_allclose(net.theta_flat, want.theta_flat, rtol=0, atol=1e-12)
    np.testing.assert_allclose(h.val_cost, hw.val_cost, rtol=0, atol=1e-12)
    sent.clear()
    trainer.fit(X, Y, epochs=3)  # a second run sends its data again, once
    assert data_sends(sent) == 2


def test_a_run_brings_back_only_the_outputs_from_the_device(monkeypatch):
    """The accuracy count after each batch reads a(L); z, a, δ of every layer come to
    the host only for a Step's Trace (none is asked for by a plain fit)."""
    rng = np.random.default_rng(6)
    X, y = rng.normal(size=(40, 4)), rng.integers(0, 3, 40)
    device_path(monkeypatch)
    views = TorchEngine.views
    called = []
    monkeypatch.setattr(TorchEngine, "views", lambda self: called.append(1) or views(self))
    net = ng.Network.from_architecture([4, 6, 3], seed=3)
    h = ng.Trainer(net, alpha=0.5, batch_size=10, backend="torch").fit(X, y, epochs=3)
    assert called == []
    want = ng.Network.from_architecture([4, 6, 3], seed=3)
    hw = ng.Trainer(want, alpha=0.5, batch_size=10).fit(X, y, epochs=3)
    assert h.accuracy == hw.accuracy
    np.testing.assert_allclose(h.cost, hw.cost, rtol=0, atol=1e-12)


@pytest.mark.parametrize("host", [True, False])
def test_a_change_to_x_between_runs_is_seen(monkeypatch, host):
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(20, 4)), rng.integers(0, 3, 20)
    nets = {}
    for backend in ("numpy", "torch"):
        Xb = X.copy()
        if backend == "torch" and not host:
            device_path(monkeypatch)
        net = nets[backend] = ng.Network.from_architecture([4, 5, 3], seed=1)
        trainer = ng.Trainer(net, alpha=0.5, batch_size=6, seed=0, backend=backend)
        trainer.fit(Xb, y, epochs=2)
        Xb[:, 1] *= -3.0  # the same array, other numbers: the next run reads them
        Xb[0] = 7.0
        trainer.fit(Xb, y, epochs=2)
        trainer.fit(Xb[:12], y[:12], epochs=2)  # rows of it: a view, another n
    np.testing.assert_allclose(nets["torch"].theta_flat, nets["numpy"].theta_flat,
                               rtol=0, atol=1e-12)


def test_a_kept_engine_sees_what_changed_between_runs(monkeypatch):
    """A trainer keeps its engine from run to run: λ, a freeze, a lesion, a new layer
    between runs and a freeze between steps (on the device path) train as on numpy."""
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(24, 4)), rng.integers(0, 3, 24)
    thetas = {}
    for backend in ("numpy", "torch"):
        if backend == "torch":
            device_path(monkeypatch)
        net = ng.Network.from_architecture([4, 5, 3], seed=2)
        trainer = ng.Trainer(net, alpha=0.5, batch_size=8, seed=1, backend=backend)
        trainer.fit(X, y, epochs=2)
        engine = trainer.state.engine
        trainer.fit(X, y, epochs=1)
        assert trainer.state.engine is engine  # nothing changed: the same engine
        trainer.lam = 0.4
        trainer.fit(X, y, epochs=2)
        net.freeze(net.layers[1].nodes[0])
        with net.lesion(units=[net.layers[1].nodes[3]]):
            trainer.fit(X, y, epochs=2)

        def freeze_later(step, net=net):
            if step.batch == 1:
                net.freeze(net.layers[2].nodes[1])
        trainer.fit(X, y, epochs=2, on_step=freeze_later)
        net.add_node("h6", layer=2)
        net.connect(net.inputs[0], net.layers[1].nodes[-1], 0.3)
        for o in net.outputs:
            net.connect(net.layers[1].nodes[-1], o, -0.2)
        trainer.restart_epoch()
        trainer.fit(X, y, epochs=2)
        assert trainer.state.engine is not engine
        thetas[backend] = np.array(net.theta_flat)
    np.testing.assert_allclose(thetas["torch"], thetas["numpy"], rtol=0, atol=1e-12)


def moves(monkeypatch):
    """The device path, and what each θ-sized move carried: a list of (direction, what)
    for θ, momentum's v and ∂J/∂θ sent to the device ("to") or brought back ("back")."""
    device_path(monkeypatch)
    log = []

    def what(self, arr):
        v = self._v[0] if getattr(self, "_v", None) is not None else None
        for name, a in (("theta", self.theta), ("grad", getattr(self, "_grad", None)),
                        ("v", v)):
            if a is not None and arr is a:
                return name
        return "other"

    to_host, send = TorchEngine.to_host, getattr(TorchEngine, "send", None)

    def counted_back(self, t, arr):
        log.append(("back", what(self, arr)))
        return to_host(self, t, arr)

    def counted_send(self, t, arr):
        log.append(("to", what(self, arr)))
        return send(self, t, arr)

    monkeypatch.setattr(TorchEngine, "to_host", counted_back)
    monkeypatch.setattr(TorchEngine, "send", counted_send, raising=False)
    return log


def two_nets(seed=7, s=(4, 5, 3)):
    return [ng.Network.from_architecture(list(s), seed=seed) for _ in range(2)]


def test_theta_and_velocity_go_to_the_device_once_per_run(monkeypatch):
    """A 3-epoch mini-batch fit with momentum (15 updates): θ and v are sent once at the
    run's start and brought back once at its end; ∂J/∂θ never comes back (nothing reads
    it); the weights, v and the History are numpy's."""
    rng = np.random.default_rng(8)
    X, y = rng.normal(size=(30, 4)), rng.integers(0, 3, 30)
    kw = dict(alpha=0.5, lam=0.3, momentum=0.6, batch_size=7, seed=1)
    want, net = two_nets()
    tw = ng.Trainer(want, **kw)
    hw = tw.fit(X, y, epochs=3)
    log = moves(monkeypatch)
    trainer = ng.Trainer(net, backend="torch", **kw)
    h = trainer.fit(X, y, epochs=3)
    counts = Counter(log)
    assert counts[("to", "theta")] <= 1 and counts[("back", "theta")] <= 1, counts
    assert counts[("to", "v")] <= 1 and counts[("back", "v")] <= 1, counts
    assert counts[("back", "grad")] == 0, counts
    np.testing.assert_allclose(net.theta_flat, want.theta_flat, rtol=0, atol=1e-12)
    np.testing.assert_allclose(trainer.state.velocity, tw.state.velocity, rtol=0, atol=1e-12)
    np.testing.assert_allclose(h.cost, hw.cost, rtol=0, atol=1e-12)
    assert h.accuracy == hw.accuracy
    # a second run on the kept engine: ∂J/∂θ of its latest pass comes back when read
    log.clear()
    tw.fit(X, y, epochs=1)
    trainer.fit(X, y, epochs=1)
    assert Counter(log)[("back", "grad")] == 0
    np.testing.assert_allclose(trainer.grad, tw.grad, rtol=0, atol=1e-12)
    assert Counter(log)[("back", "grad")] == 1
    np.testing.assert_allclose(net.theta_flat, want.theta_flat, rtol=0, atol=1e-12)


def a_weight(net):
    """A link into the output layer (Θ of the last layer): a write to it at a forward
    pause of the hidden layer is read by the same pass on numpy."""
    return [li for li in net.links if not li.is_bias][-1]


@pytest.mark.parametrize("every", ["batch", "layer", "epoch"])
def test_a_write_at_a_yielded_step_is_seen_by_the_next_pass(monkeypatch, every):
    """The debugger: at each yielded Step the links show θ as it is (the device's θ
    brought back), and ``link.weight = 5`` or a write to momentum's v there is read by
    what comes next, as on numpy."""
    rng = np.random.default_rng(9)
    X, y = rng.normal(size=(18, 4)), rng.integers(0, 3, 18)
    kw = dict(alpha=0.5, lam=0.1, momentum=0.5, batch_size=6, seed=0)
    got = {}
    for backend in ("numpy", "torch"):
        log = moves(monkeypatch) if backend == "torch" else []
        net = ng.Network.from_architecture([4, 5, 3], seed=4)
        trainer = ng.Trainer(net, backend=backend, **kw)
        shown = []
        for k, step in enumerate(trainer.steps(X, y, every=every, epochs=4)):
            shown.append((net.theta_flat.copy(), step.trace.theta.copy()))
            if k == 1:
                a_weight(net).weight = 5.0
            if k == (6 if every == "layer" else 2):  # after an update: v is not 0
                trainer.state.velocity *= -1.0
        got[backend] = shown, net.theta_flat.copy(), list(trainer.history.cost), log
    (shown_t, theta_t, cost_t, log), (shown_n, theta_n, cost_n, _) = got["torch"], got["numpy"]
    assert len(shown_t) == len(shown_n)
    for (links_t, tr_t), (links_n, tr_n) in zip(shown_t, shown_n):
        np.testing.assert_allclose(links_t, links_n, rtol=0, atol=1e-12)
        np.testing.assert_allclose(tr_t, tr_n, rtol=0, atol=1e-12)
    np.testing.assert_allclose(theta_t, theta_n, rtol=0, atol=1e-12)
    np.testing.assert_allclose(cost_t, cost_n, rtol=0, atol=1e-12)
    # sent again only after a write: at the start, then the weight (k=1) and v (k=2)
    assert Counter(log)[("to", "theta")] == 2 and Counter(log)[("to", "v")] == 2, log


def test_until_brings_theta_back_once_per_checked_step(monkeypatch):
    """steps(until=…) checks every yielded Step (each with its Trace's θ): θ comes back
    once per checked step and is never sent again (nothing was written); the steps
    that held nothing end with θ on the links as numpy's."""
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(20, 4)), rng.integers(0, 3, 20)
    kw = dict(alpha=0.5, batch_size=5, seed=3)
    want, net = two_nets(seed=5)
    list(ng.Trainer(want, **kw).steps(X, y, every="batch", epochs=2,
                                      until=ng.when.cost_above(1e6)))
    log = moves(monkeypatch)
    list(ng.Trainer(net, backend="torch", **kw).steps(X, y, every="batch", epochs=2,
                                                      until=ng.when.cost_above(1e6)))
    counts = Counter(log)
    assert counts[("to", "theta")] == 1 and counts[("back", "theta")] == 8, counts
    np.testing.assert_allclose(net.theta_flat, want.theta_flat, rtol=0, atol=1e-12)


def fails_at(batch):
    def on_step(step):
        if step.batch == batch:
            raise RuntimeError("the user's callback failed")
    return on_step


@pytest.mark.parametrize("how", ["stop", "raise", "callback raises", "early stopping"])
def test_a_run_that_ends_early_leaves_the_devices_theta_on_the_links(monkeypatch, how):
    """However a run ends — diverged (stopped or raised), a callback's exception, early
    stopping's best θ — the links hold the device's last θ (or the best), as numpy's."""
    rng = np.random.default_rng(11)
    X, y = rng.normal(size=(24, 4)), rng.integers(0, 3, 24)
    Xv, yv = rng.normal(size=(8, 4)), rng.integers(0, 3, 8)
    kw = dict(alpha=0.5, momentum=0.5, batch_size=6, seed=2)
    fit = dict(epochs=4)
    if how in ("stop", "raise"):
        kw.update(alpha=1e200, on_nonfinite=how)
    elif how == "callback raises":
        fit.update(on_step=fails_at(2))
    else:
        kw.update(alpha=3.0)
        fit.update(epochs=40, validation=(Xv, yv), patience=2)
    got = {}
    for backend in ("numpy", "torch"):
        if backend == "torch":
            moves(monkeypatch)
        net = ng.Network.from_architecture([4, 5, 3], seed=6)
        trainer = ng.Trainer(net, backend=backend, **kw)
        try:
            trainer.fit(X, y, **fit)
        except (RuntimeError, ng.NonFiniteError) as exc:
            assert how in ("raise", "callback raises"), exc
        got[backend] = net.theta_flat.copy(), trainer
    (theta_t, tt), (theta_n, tn) = got["torch"], got["numpy"]
    assert tt.history.stopped == tn.history.stopped
    if how == "early stopping":
        assert tt.history.stopped == "early_stopping"
    else:  # the device's last θ is on the links: nothing of the run stayed behind
        np.testing.assert_array_equal(theta_t, tt.state.engine.t_theta.numpy())
    np.testing.assert_allclose(theta_t, theta_n, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tt.state.velocity, tn.state.velocity, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("with_on_step", [True, False])
def test_callbacks_see_the_weights_as_they_are_and_their_writes_are_trained(monkeypatch,
                                                                              with_on_step):
    """on_step and on_epoch_end are user code in a fit: each sees θ after the latest
    update on the links (brought back from the device) and what it writes is trained
    on, as on numpy; the run still sends θ again only after a write."""
    rng = np.random.default_rng(12)
    X, y = rng.normal(size=(20, 4)), rng.integers(0, 3, 20)
    kw = dict(alpha=0.5, momentum=0.3, batch_size=5, seed=4)
    got = {}
    for backend in ("numpy", "torch"):
        log = moves(monkeypatch) if backend == "torch" else []
        net = ng.Network.from_architecture([4, 5, 3], seed=8)
        seen = []

        def on_step(step, net=net, seen=seen):
            seen.append(net.theta_flat.copy())
            np.testing.assert_array_equal(step.theta_after, net.theta_flat)

        def on_epoch_end(trainer, history, net=net, seen=seen):
            seen.append(net.theta_flat.copy())
            if trainer.epoch == 1:
                a_weight(net).weight = -4.0

        ng.Trainer(net, backend=backend, **kw).fit(
            X, y, epochs=3, on_step=on_step if with_on_step else None,
            on_epoch_end=on_epoch_end)
        got[backend] = seen, net.theta_flat.copy(), log
    (seen_t, theta_t, log), (seen_n, theta_n, _) = got["torch"], got["numpy"]
    assert len(seen_t) == len(seen_n) == (3 * 4 if with_on_step else 0) + 3
    for a, b in zip(seen_t, seen_n):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    np.testing.assert_allclose(theta_t, theta_n, rtol=0, atol=1e-12)
    assert Counter(log)[("to", "theta")] == 2, log  # the run's start, the write
