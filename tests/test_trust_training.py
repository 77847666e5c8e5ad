"""Issue "trust", training items: λ/n in every batch size, divergence, state across
calls, argument checks. Each test fails on the code before the fix."""

import json

import numpy as np
import pytest

import neurograph as ng


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _numpy_D(T1, T2, X, Y, lam, n_total):
    """D(1), D(2) of a 2-layer sigmoid net by hand: Δ/m + (λ/n)Θ off the bias column."""
    m = X.shape[0]
    a1 = np.hstack([np.ones((m, 1)), X])
    a2 = np.hstack([np.ones((m, 1)), _sigmoid(a1 @ T1.T)])
    a3 = _sigmoid(a2 @ T2.T)
    d3 = a3 - Y
    d2 = (d3 @ T2)[:, 1:] * a2[:, 1:] * (1 - a2[:, 1:])
    D1, D2 = d2.T @ a1 / m, d3.T @ a2 / m
    D1[:, 1:] += lam / n_total * T1[:, 1:]
    D2[:, 1:] += lam / n_total * T2[:, 1:]
    return D1, D2


@pytest.mark.parametrize("engine", ["matrix", "graph"])
def test_minibatch_regularization_is_lambda_over_whole_n(engine):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10, 3))
    y = rng.integers(0, 2, size=10)
    Y = ng.one_hot(y, 2)
    net = ng.Network.from_architecture([3, 4, 2], seed=1)
    T1, T2 = (t.copy() for t in net.thetas)
    alpha, lam = 0.3, 2.0
    ng.Trainer(net, alpha=alpha, lam=lam, batch_size=5, shuffle=False,
               engine=engine).fit(X, y, epochs=1)
    for b in range(2):
        Xb, Yb = X[5 * b : 5 * b + 5], Y[5 * b : 5 * b + 5]
        D1, D2 = _numpy_D(T1, T2, Xb, Yb, lam, n_total=10)
        T1, T2 = T1 - alpha * D1, T2 - alpha * D2
    np.testing.assert_allclose(net.theta(1), T1, rtol=0, atol=1e-13)
    np.testing.assert_allclose(net.theta(2), T2, rtol=0, atol=1e-13)


def test_minibatch_history_J_is_the_whole_sets_J():
    # with α = 0 nothing moves, so the running mean over equal batches is J itself
    X, y = ng.data.load_digits()
    X, y = X[:200], y[:200]
    net = ng.Network.from_architecture([64, 10, 10], seed=0)
    for bs in (1, 8, None):
        h = ng.Trainer(net, alpha=0.0, lam=3.0, batch_size=bs).fit(X, y, epochs=1)
        assert h.cost[0] == pytest.approx(net.cost(X, y, lam=3.0), rel=1e-12)


def test_online_training_with_lambda_learns_digits():
    X, y = ng.data.load_digits()
    net = ng.Network.from_architecture([64, 25, 10], seed=0)
    ng.Trainer(net, alpha=0.5, batch_size=1, lam=1.0, seed=0).fit(X, y, epochs=3)
    assert (net.predict(X) == y).mean() > 0.9  # 0.10 when λ/m crushed every weight
    assert np.abs(net.theta(1)[:, 1:]).max() > 0.1


# --- divergence ---------------------------------------------------------------------
def _linear_net():
    return ng.Network.from_architecture([2, 3, 1], activation="linear",
                                        output_activation="linear", seed=0)


def test_diverging_run_stops_and_names_epoch_and_batch():
    X = np.random.default_rng(0).normal(size=(20, 2)) * 10
    Y = X @ [[3.0], [-2.0]]
    net = _linear_net()
    h = ng.Trainer(net, alpha=1e3, batch_size=5, shuffle=False).fit(X, Y, epochs=50)
    assert h.stopped == "diverged"
    e, b = h.diverged_at
    assert h.epochs == e < 50 and 0 <= b < 4
    assert np.isfinite(net.theta_flat).all() or e > 0  # the bad update was not applied
    json.dumps(h.to_dict(), allow_nan=False)  # valid JSON: null, never NaN


def test_nan_written_through_a_theta_view_stops_at_once():
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    net.theta(1)[0, 1] = np.nan
    before = net.theta_flat.copy()
    h = ng.Trainer(net, alpha=1.0).fit(X, y, epochs=10)
    assert (h.stopped, h.diverged_at, h.epochs) == ("diverged", (0, 0), 0)
    np.testing.assert_array_equal(net.theta_flat, before)  # NaN stays where it was put
    assert "'diverged' at epoch 0, batch 0" in repr(h)


def test_on_nonfinite_raise():
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    net.theta(2)[0, 0] = np.inf
    with pytest.raises(ng.NonFiniteError, match="epoch 0, batch 0"):
        ng.Trainer(net, on_nonfinite="raise").fit(X, y, epochs=3)
    with pytest.raises(ng.ConfigError, match="on_nonfinite"):
        ng.Trainer(net, on_nonfinite="ignore")


def test_diverged_steps_generator_ends():
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    net.theta(1)[1, 2] = np.nan
    t = ng.Trainer(net)
    assert list(t.steps(X, y, every="batch", epochs=5)) == []
    assert t.history.stopped == "diverged"


# --- state across calls ---------------------------------------------------------------
def _stopped_mid_epoch(batch_size=2):
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    t = ng.Trainer(net, batch_size=batch_size, seed=0)
    gen = t.steps(X, y, every="batch", epochs=1)
    next(gen)
    gen.close()
    return t, X, y


def test_other_data_size_mid_epoch_is_a_config_error():
    t, X, y = _stopped_mid_epoch()
    X6 = np.vstack([X, X[:2]])
    y6 = np.concatenate([y, y[:2]])
    with pytest.raises(ng.ConfigError, match="n=4 .*n=6.*restart_epoch"):
        t.fit(X6, y6, epochs=1)
    t.restart_epoch()
    assert t.fit(X6, y6, epochs=1).epochs == 1


def test_changed_batch_size_mid_epoch_is_a_config_error():
    t, X, y = _stopped_mid_epoch()
    t.batch_size = 1
    with pytest.raises(ng.ConfigError, match="batches of 2"):
        t.fit(X, y, epochs=1)


# --- arguments ---------------------------------------------------------------------
def test_numpy_scalars_are_accepted():
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    t = ng.Trainer(net, alpha=np.float32(0.5), lam=np.int64(1), batch_size=np.int64(2),
                   momentum=np.float64(0.1))
    assert (t.alpha, t.lam, t.batch_size) == (0.5, 1.0, 2)
    X, y = ng.data.truth_table("XOR")
    assert t.fit(X, y, epochs=np.int32(2)).epochs == 2


@pytest.mark.parametrize("kw", [dict(alpha="0.5"), dict(alpha=True), dict(alpha=float("nan")),
                                dict(lam=float("inf")), dict(lam=-1), dict(batch_size=True),
                                dict(batch_size=2.0), dict(momentum="0.9"),
                                dict(tol_grad=float("nan"))])
def test_bad_trainer_arguments_are_refused_at_construction(kw):
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    name = next(iter(kw))
    with pytest.raises(ng.ConfigError, match=name):
        ng.Trainer(net, **kw)


@pytest.mark.parametrize("epochs", [0, -1, 2.5, "3", True])
def test_bad_epochs_are_refused(epochs):
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    X, y = ng.data.truth_table("XOR")
    with pytest.raises(ng.ConfigError, match="epochs"):
        ng.Trainer(net).fit(X, y, epochs=epochs)


def test_perceptron_refuses_no_instances_and_nan_alpha():
    net = ng.Network.from_architecture([2, 1], activation="step", seed=0)
    X, y = ng.data.truth_table("AND")
    with pytest.raises(ng.ConfigError, match="at least one instance"):
        ng.perceptron(net, np.zeros((0, 2)), np.zeros(0, int))
    with pytest.raises(ng.ConfigError, match="alpha"):
        ng.perceptron(net, X, y, alpha=float("nan"))
