"""Issue 19, the lab bench: a lesion is an experiment, not an edit; numbers into a
lesion study are checked and non-finite results said as such. Each fails before the fix."""

import numpy as np
import pytest

import neurograph as ng


def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def _numpy_forward(T1, T2, X):
    """h_Θ(x) of a 3-layer sigmoid network, by hand."""
    a2 = _sig(X @ T1[:, 1:].T + T1[:, 0])
    return _sig(a2 @ T2[:, 1:].T + T2[:, 0])


X = np.array([[0.5, -1.0], [2.0, 0.25], [-1.5, 1.0]])


# --- item 8: save and copy inside a lesion take the intact network -------------------
def test_save_and_copy_inside_a_lesion_keep_the_cut_links_weight_and_no_silence(tmp_path):
    net = ng.Network.from_architecture([2, 3, 1], seed=0)
    net.freeze(net.link("x2", "a2_3"))
    T1, T2 = (t.copy() for t in net.thetas)
    w = net.link("x1", "a2_1").weight
    path = tmp_path / "lesioned.ngz"
    with net.lesion(units=["a2_2"], links=[("x1", "a2_1"), ("x1", "a2_1")]):
        with net.lesion(links=[("x1", "a2_1")]):  # nested: still the intact weight
            ng.save(net, path)
            copy = net.copy()
            spec = net.to_spec()
        assert net.link("x1", "a2_1").weight == 0.0  # the lesion itself still holds
    want = _numpy_forward(T1, T2, X)
    for other in (ng.load(path), copy, ng.Network.from_spec(spec)):
        assert other.link("x1", "a2_1").weight == w
        assert not other.link("x1", "a2_1").frozen and other.link("x2", "a2_3").frozen
        assert other.weights.n_frozen == 1
        assert other.silenced == {}
        np.testing.assert_allclose(other.forward(X), want, rtol=1e-14)
        np.testing.assert_array_equal(other.theta(1), T1)


@pytest.mark.parametrize("edit", [
    lambda n: n.remove_node("a2_1"),
    lambda n: n.disconnect("x1", "a2_1"),
    lambda n: n.connect("x1", "a3_1", 1.0),
    lambda n: n.add_node("extra"),
    lambda n: n.add_input("x3"),
    lambda n: n.add_layer(2),
], ids=["remove_node", "disconnect", "connect", "add_node", "add_input", "add_layer"])
def test_topology_edits_inside_a_lesion_are_refused_and_nothing_changes(edit):
    net = ng.Network.from_architecture([2, 3, 1], seed=0)
    T1, T2 = (t.copy() for t in net.thetas)
    names, n_links = [u.name for u in net.nodes], net.n_links
    with net.lesion(units=["a2_2"], links=[("x2", "a2_1")]), \
            pytest.raises(ng.TopologyError, match="inside `with net.lesion"):
        edit(net)
    assert [u.name for u in net.nodes] == names and net.n_links == n_links
    np.testing.assert_array_equal(net.theta_flat, np.concatenate([T1.ravel(), T2.ravel()]))
    np.testing.assert_allclose(net.forward(X), _numpy_forward(T1, T2, X), rtol=1e-14)


# --- item 9: λ checked once, everywhere; non-finite results said as such -------------
BAD_LAMS = [-1, float("nan"), float("inf"), "1", True, None]


@pytest.mark.parametrize("lam", BAD_LAMS, ids=repr)
def test_every_lambda_is_checked_as_net_cost_checks_it(lam):
    net = ng.Network.from_architecture([2, 3, 1], seed=0)
    y = np.array([0, 1, 1])
    before = net.theta_flat.copy()
    doors = [lambda: ng.lesion_study(net, X, y, lam=lam),
             lambda: net.cost(X, y, lam=lam),
             lambda: net.gradients(X, y, lam=lam),
             lambda: net.backward(X, y, lam=lam),
             lambda: ng.gradcheck(net, X, y, lam=lam),
             lambda: ng.explain(net, X[0], [1], lam=lam),
             lambda: ng.Trainer(net, lam=lam)]
    for door in doors:
        with pytest.raises(ng.ConfigError, match=r"lam \(λ\) must be a finite number ≥ 0, got"):
            door()
    np.testing.assert_array_equal(net.theta_flat, before)


def _diverged():
    """Linear output, one out-weight of 1e300: J (mse) overflows to inf unless a2_1 is
    silenced; a2_2 and a2_3 leave it infinite."""
    T1 = [[0.0, 1.0, 1.0], [0.0, 1.0, 1.0], [0.0, -1.0, 1.0]]
    T2 = [[0.0, 1e300, 1.0, 1.0]]
    return ng.Network.from_thetas([T1, T2], output_activation="linear")


def test_a_study_at_infinite_J_ranks_nothing_and_says_so():
    net = _diverged()
    Xb, y = np.array([[0.0, 1.0], [1.0, 1.0]]), np.array([0, 1])
    study = ng.lesion_study(net, Xb, y)
    assert np.isposinf(study.J) and not study.finite
    # silencing a2_1 leaves a2 = g(z) of the others only: mse by hand
    a2 = 1 / (1 + np.exp(-(Xb @ np.array([[1.0, 1.0], [-1.0, 1.0]]).T)))
    h = a2.sum(axis=1)
    J_a21 = 0.5 * np.mean((h - y) ** 2)
    row = {r.unit: r for r in study.rows}
    np.testing.assert_allclose(row["a2_1"].J, J_a21, rtol=1e-14)
    assert row["a2_2"].J == row["a2_3"].J == np.inf
    assert all(np.isnan(r.dJ) for r in study.rows)  # ΔJ against an infinite J: undefined
    assert [r.unit for r in study.rows] == ["a2_1", "a2_2", "a2_3"]
    for text in (repr(study), study.to_markdown()):
        assert "nan" not in text and "-inf" not in text
        assert "not finite: the intact J and J with a2_2, a2_3 silenced" in text
        assert "undefined" in text
    assert study.values() == {}  # nothing finite to draw


def test_rows_whose_J_is_infinite_go_last_after_finite_effects():
    # a2_1 and a2_2 are a = g(0) = 0.5 with out-weights ±1e300 that cancel exactly
    # (products of powers of two: no rounding, FMA or not): silencing either leaves
    # ±0.5e300, and J (mse) overflows
    T1 = [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, -1.0, 1.0]]
    net = ng.Network.from_thetas([T1, [[0.25, 1e300, -1e300, 0.0]]],
                                 output_activation="linear")
    Xb, y = np.array([[0.0, 1.0], [1.0, 1.0]]), np.array([0, 1])
    study = ng.lesion_study(net, Xb, y)
    J0 = 0.5 * np.mean((0.25 - y) ** 2)
    np.testing.assert_allclose(study.J, J0, rtol=1e-14)
    assert not study.finite
    assert [r.unit for r in study.rows] == ["a2_3", "a2_1", "a2_2"]
    assert study.rows[0].dJ == 0.0
    assert [r.J for r in study.rows[1:]] == [np.inf, np.inf]
    assert all(np.isnan(r.dJ) for r in study.rows[1:])
    assert "not finite: J with a2_1, a2_2 silenced" in repr(study)
    assert study.values() == {"a2_3": 0.0}


def test_cli_lesion_refuses_a_bad_lambda_and_fails_on_a_non_finite_study(tmp_path, capsys):
    from neurograph.cli import main

    Xb, y = np.array([[0.0, 1.0], [1.0, 1.0]]), np.array([0, 1])
    ng.save(_diverged(), tmp_path / "m.ngz")
    ng.data.save_dataset(tmp_path / "d.csv", Xb, y)
    args = [str(tmp_path / "m.ngz"), str(tmp_path / "d.csv")]
    for lam in ("-1", "nan"):
        assert main(["lesion", *args, "--lam", lam]) == 2
        assert "--lam: expected a finite number ≥ 0" in capsys.readouterr().err
    assert main(["lesion", *args, "--format", "md"]) == 1
    cap = capsys.readouterr()
    assert "+nan" not in cap.out and "not finite" in cap.out
    assert "J is not finite" in cap.err
