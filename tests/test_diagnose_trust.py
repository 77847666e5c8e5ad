"""A diagnosis a student can believe: a stopped divergence is never healthy, large values
do not blind the checks, healthy networks get no findings, and advice fits the network."""

import numpy as np
import pytest

import neurograph as ng
from neurograph.explorer.recorded import frames

X, y = ng.data.truth_table("XOR")

# the linear 3-5-1 mse run that diverges with α = 80
RNG = np.random.default_rng(0)
XL = RNG.normal(size=(20, 3))
YL = XL @ np.array([[1.0], [-2.0], [0.5]])


def _diverging(epochs=200):
    net = ng.Network.from_architecture([3, 5, 1], activation="linear",
                                       output_activation="linear", seed=0)
    t = ng.Trainer(net, alpha=80.0, loss="mse")
    steps = list(t.steps(XL, YL, every="epoch", epochs=epochs, until=ng.when.nonfinite))
    return net, t, steps


def _numpy_mse(net, X, Y):
    """J = (1/2n) Σ (h − y)² of a linear network, layer by layer in numpy."""
    a = X
    with np.errstate(over="ignore", invalid="ignore"):
        for T in net.thetas:
            a = np.hstack([np.ones((len(a), 1)), a]) @ T.T
        return float(np.sum((a - Y) ** 2) / (2 * len(X)))


def test_a_stopped_divergence_is_never_healthy(tmp_path):
    net, t, steps = _diverging()
    assert len(steps) == 1
    step, h = steps[0], t.history
    # independent: the weights the run stopped at give J = inf and are astronomically large
    assert not np.isfinite(_numpy_mse(net, XL, YL))
    assert np.max(np.abs(net.weights.theta)) > 1e50
    # the History says why it stopped, and where
    assert h.stopped == "diverged" and h.diverged_at == (step.epoch, step.batch)
    assert "when.nonfinite" in h.reason
    for subject in (t, step, h, step.trace, net):
        d = ng.diagnose(subject)
        assert not d.ok, subject
    assert ng.diagnose(net).kinds() == ["huge_weights"]
    assert "nonfinite" in ng.diagnose(step.trace).kinds()
    assert not ng.diagnose(t, XL, YL).ok and not ng.diagnose(net, XL, YL).ok
    # the pictures and the explorer's health view read the same findings
    for src in (ng.diagram(net, show="health").source,
                ng.diagram(net, show="health", trace=step.trace).source):
        assert "healthy: no findings" not in src
    assert frames(step.trace, net).findings[0]
    # a saved and reloaded trainer keeps the stop and its reason
    ng.save(net, tmp_path / "run.ngz", trainer=t)
    net2, t2 = ng.load(tmp_path / "run.ngz", trainer=True)
    assert (t2.history.stopped, t2.history.diverged_at, t2.history.reason) == \
        (h.stopped, h.diverged_at, h.reason)
    assert not ng.diagnose(t2).ok and not ng.diagnose(t2.history).ok


def test_cli_diagnose_and_render_of_a_stopped_divergence(tmp_path, capsys):
    from neurograph.cli import main

    net, t, _ = _diverging()
    ng.save(net, tmp_path / "run.ngz", trainer=t)
    ng.data.save_dataset(tmp_path / "lin.npz", XL, YL.ravel())
    capsys.readouterr()
    assert main(["diagnose", str(tmp_path / "run.ngz"), str(tmp_path / "lin.npz")]) == 1
    assert "nonfinite" in capsys.readouterr().out
    assert main(["render", str(tmp_path / "run.ngz"), "--show", "health",
                 "--out", str(tmp_path / "h.dot")]) == 0
    src = (tmp_path / "h.dot").read_text()
    assert "healthy" not in src and "huge_weights" in src


def test_a_short_history_growing_by_orders_of_magnitude_is_judged():
    _, t, _ = _diverging()
    J = t.history.cost
    assert len(J) < 5 and J[-1] / J[0] > 1e10  # independent: it really exploded
    bare = ng.History(cost=list(J))  # no stop recorded: the costs alone say it
    assert ng.diagnose(bare).kinds() == ["learning_rate"]
    # too short to tell: a small rise over two epochs is not judged
    assert ng.diagnose(ng.History(cost=[0.70, 0.71])).ok


def test_a_non_finite_J_in_a_history_is_a_finding():
    d = ng.diagnose(ng.History(cost=[0.7, 0.5, float("inf")]))
    assert d.kinds()[0] == "nonfinite" and d[0].where == {"epoch": 2}


# --- large values -------------------------------------------------------------------------
def _rms_longdouble(d):
    """‖δ‖ rms in extended precision (its exponent range holds 1e300² without overflow)."""
    d = np.asarray(d, dtype=np.longdouble)
    return np.sqrt(np.mean(d * d))


def test_delta_growing_1e40_per_layer_is_exploding():
    net = ng.Network.from_architecture([2, 3, 3, 3, 3, 3, 1], activation="linear",
                                       output_activation="sigmoid", seed=0)
    for l in range(2, 6):
        T = net.theta(l)
        T[:, 1:] *= 1e40 / np.abs(T[:, 1:]).max()
    tr = net.backward(X, y)
    rms = {l: _rms_longdouble(tr.delta[l - 1]) for l in range(2, 8)}
    with np.errstate(over="ignore"):  # the float64 sum of squares overflows
        assert not np.isfinite(np.sum(tr.delta[1] ** 2))
    assert rms[2] / rms[7] > np.longdouble(1e150)
    far = [l for l in range(2, 7) if rms[l] / rms[7] > 16]
    d = ng.diagnose(tr)
    assert d.units("exploding") == [u.name for l in far for u in net.layers[l - 1]]


@pytest.mark.parametrize("big", [1e12, 1e30])
def test_one_huge_out_weight_makes_no_units_symmetric(big):
    net = ng.Network.from_architecture([3, 5, 1], seed=0)
    net.theta(2)[0, 3] = big  # a2_3 → a3_1
    assert ng.diagnose(net).of("symmetric") == []
    # units with the same weights as each other are still found, whatever their size
    net.theta(1)[1] = net.theta(1)[0]
    net.theta(2)[0, 2] = net.theta(2)[0, 1] = big
    assert [f.units for f in ng.diagnose(net).of("symmetric")] == [("a2_1", "a2_2")]
    # ... but not when their own incoming weights differ plainly (1e-3 relative)
    net.theta(1)[1, 2] *= 1 + 1e-3
    assert ng.diagnose(net).of("symmetric") == []


# --- no false findings; advice that fits -------------------------------------------------
@pytest.fixture(scope="module")
def digits_net():
    Xd, yd = ng.data.load_digits()
    order = np.random.default_rng(0).permutation(len(Xd))
    train, test = order[:1400], order[1400:]
    net = ng.Network.from_architecture([64, 25, 10], seed=0)
    ng.Trainer(net, alpha=0.5, batch_size=32, seed=0).fit(Xd[train], yd[train], epochs=40)
    return net, Xd[test], yd[test]


def test_trained_digits_network_has_no_stuck_output_on_20_test_images(digits_net):
    net, Xt, yt = digits_net
    assert np.mean(net.predict(Xt) == yt) > 0.95
    for k in range(0, 200, 20):
        Xs, ys = Xt[k:k + 20], yt[k:k + 20]
        d = ng.diagnose(net, Xs, ys)
        assert d.ok, (k, d)
        # independent: every output is the argmax for some image or gets a different
        # activation on different images; a class seen once or never cannot be judged
        once = [c for c in range(10) if np.sum(ys == c) < 2]
        if once:
            assert any("too few" in n for n in d.notes)


def test_stuck_output_is_still_found_where_nothing_moves():
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    net.weights.theta[:] = 0.0  # a = 0.5 on every instance: nothing moves
    assert ng.diagnose(net, X, y).units("stuck_output") == ["a3_1"]


def _advice(d):
    return " ".join(f.advice for f in d)


def test_dead_relu_units_are_not_also_called_vanishing():
    net = ng.Network.from_architecture([2, 3, 1], activation="relu",
                                       output_activation="sigmoid", seed=0)
    for u in net.layers[1]:
        net.set_bias(u, -10)
    tr = net.backward(X, y)
    assert np.all(tr.delta[1] == 0)  # δ(2) is 0: the dead units explain it
    d = ng.diagnose(tr)
    assert d.units("dead") == ["a2_1", "a2_2", "a2_3"] and d.of("vanishing") == []
    assert "fewer layers" not in _advice(d) and "ReLU or tanh" not in _advice(d)


def test_a_zero_theta_is_said_once():
    net = ng.Network.from_architecture([2, 3, 1], seed=0)
    net.weights.theta[:] = 0.0
    d = ng.diagnose(net, X, y)
    assert "symmetric" in d.kinds() and d.of("vanishing") == []


@pytest.mark.parametrize("act, layers, want, never", [
    ("sigmoid", 6, ["fewer layers", "ReLU or tanh"], []),
    ("tanh", 6, ["fewer layers", "ReLU"], ["tanh hidden"]),
    ("relu", 6, ["fewer layers"], ["ReLU"]),
])
def test_vanishing_advice_fits_the_network(act, layers, want, never):
    net = ng.Network.from_architecture([4] + [8] * layers + [4], activation=act,
                                       output_activation="sigmoid", seed=0)
    net.weights.theta[:] *= 0.05  # small weights: δ falls at every layer going back
    Xc, yc, _, _ = ng.data.four_classes(100, seed=0)
    d = ng.diagnose(net, Xc, yc)
    assert d.of("vanishing"), d
    text = d.of("vanishing")[0].advice
    assert all(w in text for w in want) and not any(w in text for w in never), text


def test_health_diagram_title_says_health():
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    src = ng.diagram(net, show="health", trace=net.backward(X, y)).source
    assert "show = health" in src and "show = structure" not in src
