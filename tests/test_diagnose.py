"""ng.diagnose on networks broken on purpose (each names its units) and on healthy ones."""

import numpy as np
import pytest

import neurograph as ng
from neurograph.diagnosis import Thresholds

X, y = ng.data.truth_table("XOR")


def zero_init(s, seed=0):
    net = ng.Network.from_architecture(s, seed=seed)
    net.weights.theta[:] = 0.0
    return net


@pytest.mark.parametrize("engine", ["matrix", "graph"])
def test_zero_init_names_the_symmetric_hidden_units(engine):
    net = zero_init([2, 3, 1])
    t = ng.Trainer(net, alpha=2.0, engine=engine)
    t.fit(X, y, epochs=100)
    d = ng.diagnose(t, X, y)
    assert not d.ok
    assert [f.units for f in d.of("symmetric")] == [("a2_1", "a2_2", "a2_3")]
    # XOR's δ(3) sums to 0 at a = 0.5: nothing moves, J stays at log 2
    assert d.units("stuck_cost") == ["a3_1"]
    assert d.of("stuck_cost")[0].evidence["J last"] == pytest.approx(np.log(2), rel=1e-9)


def test_constant_init_is_symmetric_only_where_weights_agree():
    net = ng.Network.from_architecture([2, 3, 3, 1], seed=0)
    for u in net.layers[2]:  # layer 3: equal incoming and outgoing weights
        for k in u.incoming + u.outgoing:
            k.weight = 0.3
    d = ng.diagnose(net)
    assert [f.units for f in d.of("symmetric")] == [("a3_1", "a3_2", "a3_3")]


def test_weights_times_50_saturate_the_hidden_units():
    net = ng.Network.from_architecture([2, 4, 1], seed=0)
    net.weights.theta[:] *= 50
    d = ng.diagnose(net, X, y)
    T1 = net.thetas[0]  # independent: a(2) = g(Θ(1)·[1; x]) with numpy
    a = 1 / (1 + np.exp(-(np.hstack([np.ones((4, 1)), X]) @ T1.T)))
    share = np.mean(a * (1 - a) < 0.05 * 0.25, axis=0)  # independent: g'(z) per unit
    expect = [f"a2_{k + 1}" for k in range(4) if share[k] >= 0.9]
    assert expect and d.units("saturated") == expect


def test_relu_bias_minus_10_is_dead():
    net = ng.Network.from_architecture([2, 3, 2, 1], activation="relu",
                                       output_activation="sigmoid", seed=0)
    net.set_bias(net["a2_2"], -10)
    d = ng.diagnose(net, X, y)
    # independent: z per layer with numpy; dead = z ≤ 0 on all four instances
    a, dead = X, []
    for l, T in enumerate(net.thetas[:-1], start=2):
        z = np.hstack([np.ones((4, 1)), a]) @ T.T
        dead += [f"a{l}_{k + 1}" for k in range(z.shape[1]) if np.all(z[:, k] <= 0)]
        a = np.maximum(z, 0)
    assert "a2_2" in dead and d.units("dead") == dead
    assert d.of("dead")[0].evidence["a2_2: max z"] == pytest.approx(
        float(net.backward(X, y).z[1][:, 1].max()))


@pytest.mark.parametrize("engine", ["matrix", "graph"])
def test_alpha_50_makes_J_rise_or_oscillate(engine):
    net = ng.Network.from_architecture([2, 2, 1], seed=3)
    t = ng.Trainer(net, alpha=50.0, engine=engine)
    t.fit(X, y, epochs=100)
    J = np.array(t.history.cost)
    assert J[-1] > J[0] and np.mean(np.diff(J[-21:]) > 0) > 0.3  # it really oscillates up
    d = ng.diagnose(t)
    assert d.units("learning_rate") == ["a3_1"]


def chain_at_z0(L, w):
    """1-1-…-1 sigmoid chain whose every z is 0: Θ(1) = [0, 0], then bias −w/2 and weight w
    (a = ½ feeds w·½ − w/2 = 0). By hand, g'(0) = ¼ in every layer and δ(L) = ½ − y, so
    δ(l) = w · ¼ · δ(l+1): ‖δ(l)‖ = ½ (w/4)^(L−l) on every instance."""
    net = ng.Network.from_architecture([1] * L, seed=0)
    net.thetas[0][:] = [[0.0, 0.0]]
    for T in net.thetas[1:]:
        T[:] = [[-w / 2, w]]
    return net


@pytest.mark.parametrize("w, kind", [(0.5, "vanishing"), (32.0, "exploding")])
def test_delta_falling_or_growing_by_hand_per_layer(w, kind):
    L, Xz, yz = 7, np.linspace(-2, 2, 5)[:, None], np.ones(5)
    net = chain_at_z0(L, w)
    tr = net.backward(Xz, yz)
    hand = {l: 0.5 * (w / 4) ** (L - l) for l in range(2, L + 1)}  # ×8 or ×⅛ per layer
    for l in hand:
        np.testing.assert_allclose(np.abs(tr.delta[l - 1]), hand[l], rtol=1e-12)
    (f,) = ng.diagnose(tr).of(kind)
    for l in hand:
        assert f.evidence[f"‖δ({l})‖ rms"] == pytest.approx(hand[l], rel=1e-12)
    assert f.evidence["factor per layer going back"] == pytest.approx(w / 4, rel=1e-12)
    # the default factor is 4 per layer and its square (16) over the sweep: layers 2 … 5
    # are 64 to 32768 times off δ(7); layer 6 (8 times) is not
    assert f.units == ("a2_1", "a3_1", "a4_1", "a5_1")
    # a factor per layer of 9 is more than the chain's 8: nothing to find
    assert ng.diagnose(tr, delta_factor=9).of(kind) == []
    # a factor of 6 (36 over the sweep): again layers 2 … 5, 64 or more times off δ(7)
    assert ng.diagnose(tr, delta_factor=6).of(kind)[0].units == f.units


def test_deep_sigmoid_stack_vanishing_delta_names_the_early_layers():
    Xc, yc, _, _ = ng.data.four_classes(200, seed=0)
    net = ng.Network.from_architecture([4, 8, 8, 8, 8, 8, 8, 4], seed=0)
    named = set(ng.diagnose(net.backward(Xc, yc)).units("vanishing"))
    assert {u.name for u in net.layers[1]} <= named  # the layer farthest back
    assert not named & {u.name for u in net.layers[-1]}  # δ(L) itself never vanishes


def test_stuck_output_and_nonfinite_trace():
    net = zero_init([2, 2, 1])
    d = ng.diagnose(net, X, y)
    assert d.units("stuck_output") == ["a3_1"]
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    net.weights.theta[net["a2_1"].incoming[1].index] = np.inf  # as a diverged run leaves it
    d = ng.diagnose(net, X, y)
    assert d.kinds()[0] == "nonfinite" and d[0].units == ("a2_1",)


def test_healthy_networks_give_no_findings():
    for seed in (3, 4, 5):
        net = ng.Network.from_architecture([2, 3, 1], seed=seed)
        t = ng.Trainer(net, alpha=2.0)
        t.fit(X, y, epochs=3000)
        assert net.predict(X).tolist() == [0, 1, 1, 0]
        assert ng.diagnose(t, X, y).ok, ng.diagnose(t, X, y)
    Xc, yc, _, _ = ng.data.four_classes(400, seed=0)
    for seed in range(3):
        net = ng.Network.from_architecture([4, 6, 4], seed=seed)
        ng.Trainer(net, alpha=1.0, batch_size=20, seed=seed).fit(Xc, yc, epochs=100)
        assert ng.diagnose(net, Xc, yc).ok
    Xd, yd = ng.data.load_digits()
    for seed in range(3):
        net = ng.Network.from_architecture([64, 25, 10], seed=seed)
        t = ng.Trainer(net, alpha=0.5, batch_size=32, seed=seed)
        t.fit(Xd, yd, epochs=40)
        d = ng.diagnose(t, Xd, yd)
        assert d.ok, d


def test_diagnosis_reads_and_refuses():
    d = ng.diagnose(zero_init([2, 2, 1]), X, y)
    text = repr(d)
    assert text.startswith("Diagnosis of Network") and "symmetric" in text and "a2_1" in text
    md = d.to_markdown()
    assert md.startswith("## Diagnosis") and "- units: a2_1, a2_2" in md and "- try:" in md
    with pytest.raises(ng.ConfigError, match="unknown threshold"):
        ng.diagnose(zero_init([2, 2, 1]), X, y, saturatd=0.1)
    with pytest.raises(ng.ConfigError, match="must be a number > 0"):
        Thresholds(saturated=-1)
    with pytest.raises(ng.ConfigError, match="diagnose\\(\\) takes"):
        ng.diagnose("net")


def test_step_diagnosis_carries_where():
    net = zero_init([2, 2, 1])
    step = next(iter(ng.Trainer(net).steps(X, y, every="batch", epochs=1)))
    d = ng.diagnose(step)
    f = d.of("symmetric")[0]
    assert f.units == ("a2_1", "a2_2") and f.where["epoch"] == 0 and f.where["batch"] == 0


def test_cli_diagnose_exit_codes(tmp_path, capsys):
    from neurograph.cli import main

    data = tmp_path / "xor.csv"
    ng.data.save_dataset(data, X, y)
    net = zero_init([2, 3, 1])
    t = ng.Trainer(net, alpha=2.0)
    t.fit(X, y, epochs=100)
    ng.save(net, tmp_path / "zero.ngz", trainer=t)
    good = ng.Network.from_architecture([2, 3, 1], seed=4)
    ng.Trainer(good, alpha=2.0).fit(X, y, epochs=3000)
    ng.save(good, tmp_path / "good.ngz")
    capsys.readouterr()
    assert main(["diagnose", str(tmp_path / "zero.ngz"), str(data)]) == 1
    out = capsys.readouterr().out
    assert "symmetric" in out and "[a2_1, a2_2, a2_3]" in out and "stuck_cost" in out
    assert main(["diagnose", str(tmp_path / "good.ngz"), str(data)]) == 0
    assert "healthy (no findings)" in capsys.readouterr().out


def test_health_diagram_marks_each_finding(tmp_path):
    import subprocess

    net = ng.Network.from_architecture([2, 3, 1], activation="relu",
                                       output_activation="sigmoid", seed=0)
    net.set_bias(net["a2_2"], -10)
    src = ng.diagram(net, show="health", trace=net.backward(X, y)).source
    assert 'a2_2 [color="#404040" penwidth=3]' in src and 'a2_2 [xlabel=dead]' in src
    assert "dead: dead" in src and "\ta2_1 [color" not in src  # only the dead unit
    ok = ng.diagram(ng.Network.from_architecture([2, 3, 1], seed=4), show="health").source
    assert "healthy: no findings" in ok
    svg = subprocess.run(["dot", "-Tsvg"], input=src, capture_output=True, text=True)
    assert svg.returncode == 0 and "<svg" in svg.stdout


def test_a_finding_names_its_links_by_theta_index_and_one_label():
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    net.weights.theta[[1, 4]] = 1e12  # two astronomically large weights
    f = ng.diagnose(net).of("huge_weights")[0]
    assert sorted(f.links) == [1, 4]
    by_index = {k.index: k for k in net.links}
    want = tuple(f"{'+1' if by_index[i].is_bias else by_index[i].source.name}→"
                 f"{by_index[i].target.name}" for i in f.links)
    assert f.link_names == want and want[0] in f.line() + ng.diagnose(net).to_markdown()
