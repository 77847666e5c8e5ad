"""The trainer's loop piece by piece — batches, step, update, records — each against
numbers computed here with numpy, and the settings and run state it keeps."""

import ast
import inspect
import math
from pathlib import Path

import numpy as np
import pytest

import neurograph as ng
from neurograph.train.loop import EpochSums, batches, epoch_order
from neurograph.train.settings import SETTINGS, Settings

PKG = Path(ng.__file__).parent


def data(n=10, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = rng.normal(size=(n, 3)) + y[:, None]
    return X, y


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def thetas_of(flat, s):
    """Θ(1), Θ(2), … of a flat θ (each Θ(l) unrolled row by row, bias column first)."""
    out, k = [], 0
    for a, b in zip(s, s[1:]):
        out.append(flat[k:k + b * (a + 1)].reshape(b, a + 1))
        k += b * (a + 1)
    return out


def by_hand(thetas, X, Y, lam, n):
    """J and D(l) of a sigmoid network on the batch X (m rows), λ/n with n the training
    set's size: the slides' forward pass and backprop, written out."""
    m = X.shape[0]
    a = [X]
    for T in thetas:
        a.append(sigmoid(np.hstack([np.ones((m, 1)), a[-1]]) @ T.T))
    h = a[-1]
    J = -np.sum(Y * np.log(h) + (1 - Y) * np.log(1 - h)) / m
    J += lam / (2 * n) * sum(np.sum(T[:, 1:] ** 2) for T in thetas)
    delta, D = h - Y, [None] * len(thetas)
    for l in range(len(thetas) - 1, -1, -1):
        a1 = np.hstack([np.ones((m, 1)), a[l]])
        D[l] = delta.T @ a1 / m
        D[l][:, 1:] += lam / n * thetas[l][:, 1:]
        delta = (delta @ thetas[l])[:, 1:] * a[l] * (1 - a[l])
    return J, D, h


# --- batches ------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 7])
def test_batches_of_each_epoch_are_an_independent_permutation_of_the_seed(seed):
    X, y = data(n=7)
    net = ng.Network.from_architecture([3, 2, 2], seed=1)
    t = ng.Trainer(net, alpha=0.1, batch_size=3, seed=seed)
    seen = {}
    for step in t.steps(X, y, every="instance", epochs=3):
        if step.phase == "instance":
            seen.setdefault((step.epoch, step.batch), []).append(step.instance)
            np.testing.assert_array_equal(step.trace.a[0][0], X[step.instance])
    rng = np.random.default_rng(seed)
    for e in range(3):
        order = rng.permutation(7)
        assert [seen[(e, b)] for b in range(3)] == [order[:3].tolist(), order[3:6].tolist(),
                                                     order[6:].tolist()]


def test_batches_cover_every_instance_once_and_resume_mid_epoch():
    order = np.random.default_rng(3).permutation(11)
    got = [rows.tolist() for _, rows in batches(11, 4, order)]
    assert sorted(sum(got, [])) == list(range(11)) and [len(r) for r in got] == [4, 4, 3]
    assert [b for b, _ in batches(11, 4, order, start=2)] == [2]
    X = np.arange(11.0)
    assert [X[rows].tolist() for _, rows in batches(11, 5)] == \
        [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10]]


def test_full_batch_and_unshuffled_runs_draw_nothing_from_the_generator():
    rng = np.random.default_rng(5)
    before = rng.bit_generator.state
    assert epoch_order(rng, 6, 6, True) is None and epoch_order(rng, 6, 2, False) is None
    assert rng.bit_generator.state == before
    X, y = data()
    t = ng.Trainer(ng.Network.from_architecture([3, 2, 2], seed=0), seed=5)
    t.fit(X, y, epochs=3)
    assert t.rng.bit_generator.state == before


# --- step, update, records ------------------------------------------------------------------
def test_each_update_is_theta_plus_momentum_velocity_by_hand():
    """v ← μv − αD, Θ ← Θ + v per batch, with D from the slides' backprop on the batch."""
    X, y = data(n=10)
    Y = np.eye(2)[y]
    s, alpha, mu, lam = [3, 4, 2], 0.3, 0.7, 0.2
    net = ng.Network.from_architecture(s, seed=2)
    thetas = [np.array(T) for T in net.thetas]
    v = [np.zeros_like(T) for T in thetas]
    t = ng.Trainer(net, alpha=alpha, lam=lam, momentum=mu, batch_size=4, shuffle=False)
    updates = 0
    for step in t.steps(X, y, every="batch", epochs=2):
        rows = slice(4 * step.batch, 4 * step.batch + 4)
        J, D, _ = by_hand(thetas, X[rows], Y[rows], lam, n=10)
        for l in range(2):
            v[l] = mu * v[l] - alpha * D[l]
            thetas[l] = thetas[l] + v[l]
        assert step.cost == pytest.approx(J, rel=1e-12)
        for T, T_hand in zip(net.thetas, thetas):
            np.testing.assert_allclose(T, T_hand, rtol=1e-12, atol=1e-14)
        updates += 1
    assert updates == 6  # 10 instances in batches of 4: 4, 4, 2, over 2 epochs


def test_epoch_record_is_the_instance_weighted_mean_of_its_batches():
    """J and accuracy of an epoch: each batch's J (and hits) taken with the weights before
    its update, weighted by the batch's instances; ‖D‖ of the last update."""
    X, y = data(n=10, seed=4)
    Y = np.eye(2)[y]
    s, lam = [3, 3, 2], 0.5
    net = ng.Network.from_architecture(s, seed=3)
    t = ng.Trainer(net, alpha=0.8, lam=lam, batch_size=4, seed=6)
    Js, ms, hits = [], [], 0
    rng = np.random.default_rng(6)
    order = rng.permutation(10)
    for step in t.steps(X, y, every="batch", epochs=1):
        rows = order[4 * step.batch:4 * step.batch + 4]
        J, D, h = by_hand(thetas_of(step.theta_before, s), X[rows], Y[rows], lam, n=10)
        Js.append(J)
        ms.append(len(rows))
        hits += int((h.argmax(axis=1) == y[rows]).sum())
        last_norm = math.sqrt(sum(np.sum(Dl ** 2) for Dl in D))
    h = t.history
    assert ms == [4, 4, 2]
    assert h.cost[0] == pytest.approx(np.dot(Js, ms) / 10, rel=1e-12)
    assert h.accuracy[0] == hits / 10
    assert h.grad_norm[0] == pytest.approx(last_norm, rel=1e-12)


def test_epoch_sums_round_trip_as_a_state_dict_holds_them():
    s = EpochSums()
    assert s.to_list() == [0.0, 0, 0, None]  # no update yet: ‖D‖ is NaN, JSON's None
    s.add(0.5, 3, 2)
    s.grad_norm = 0.25
    assert EpochSums.from_list(s.to_list()) == s
    assert EpochSums.from_list([1.5, 3, 2], last_grad_norm=0.25) == s  # an older file's


# --- settings, written once -----------------------------------------------------------------
def test_settings_are_one_list_read_by_constructor_state_dict_and_checkpoint(tmp_path):
    params = list(inspect.signature(ng.Trainer).parameters)
    assert params == ["net", *SETTINGS]
    net = ng.Network.from_architecture([2, 1], seed=0)
    given = dict(alpha=0.25, lam=0.5, batch_size=3, momentum=0.5, seed=9, tol_grad=1e-3,
                 tol_cost=1e-4, loss="mse", engine="graph", shuffle=False, on_nonfinite="raise",
                 backend="numpy", device="cpu")
    assert set(given) == set(SETTINGS)
    t = ng.Trainer(net, **given)
    assert {k: getattr(t, k) for k in SETTINGS} == given
    d = t.state_dict()
    assert {k: d[k] for k in SETTINGS} == given
    t2 = ng.Trainer(net)
    t2.load_state_dict(d)
    assert t2.settings == t.settings == Settings(**given)
    ng.save(net, tmp_path / "t.ngz", trainer=t)
    assert ng.load(tmp_path / "t.ngz", trainer=True)[1].settings == t.settings
    # positional, in the same order as ever
    assert ng.Trainer(net, 0.5, 0.1, 4).settings == Settings(alpha=0.5, lam=0.1, batch_size=4)
    assert repr(t) == ("Trainer(α=0.25, λ=0.5, batch_size=3, momentum=0.5, seed=9, "
                       "tol_grad=0.001, tol_cost=0.0001, loss='mse', engine='graph', "
                       "shuffle=False, on_nonfinite='raise', device='cpu', epoch=0)")


@pytest.mark.parametrize("name, value", [("momentum", 1.0), ("alpha", -0.5),
                                         ("batch_size", 0), ("on_nonfinite", "ignore"),
                                         ("lam", float("nan"))])
def test_a_setting_changed_on_a_trainer_is_checked_as_at_construction(name, value):
    t = ng.Trainer(ng.Network.from_architecture([2, 1], seed=0), alpha=0.5)
    with pytest.raises(ng.ConfigError, match=name):
        setattr(t, name, value)
    assert t.settings == Settings(alpha=0.5)  # refused: nothing changed
    t.batch_size = np.int64(2)  # a good value is taken, as the constructor takes it
    assert t.batch_size == 2 and type(t.batch_size) is int


# --- the run's state, public ------------------------------------------------------------------
def test_nothing_outside_train_reads_a_trainers_private_fields():
    bad = []
    for path in PKG.rglob("*.py"):
        if "train" in path.relative_to(PKG).parts[:1]:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
                    node.value.id in ("t", "trainer") and node.attr.startswith("_"):
                bad.append(f"{path.relative_to(PKG)}:{node.lineno} {node.value.id}.{node.attr}")
    assert bad == []


def test_state_says_where_a_stopped_run_is_and_which_rows_its_batches_hold():
    X, y = data(n=7)
    t = ng.Trainer(ng.Network.from_architecture([3, 2, 2], seed=1), batch_size=3, seed=4)
    gen = t.steps(X, y, every="batch", epochs=2)
    for _ in range(4):  # epoch 0's three batches, then epoch 1's first
        next(gen)
    gen.close()
    rng = np.random.default_rng(4)
    rng.permutation(7)
    order = rng.permutation(7)
    st = t.state
    assert (st.epoch, st.next_batch, st.epoch_shape) == (1, 1, (7, 3))
    np.testing.assert_array_equal(st.perm, order)
    assert [st.batch_rows(b, 7, 3).tolist() for b in range(3)] == \
        [order[:3].tolist(), order[3:6].tolist(), order[6:].tolist()]
    assert st.sums.count == 3 and t.grad is st.engine.grad
    assert t.grad.shape == t.net.weights.theta.shape


def test_a_misspelt_setting_is_named_with_the_settings_there_are():
    net = ng.Network.from_architecture([2, 1], seed=0)
    with pytest.raises(TypeError, match=r"Trainer\(\) got an unexpected keyword argument "
                                        r"'alpah'; its settings are alpha, lam, batch_size"):
        ng.Trainer(net, alpah=0.5)
