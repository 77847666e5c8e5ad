"""The lab bench's reports: lesion_study, compare, their diagrams, files, CLI, Mazur."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import neurograph as ng
from neurograph.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _trained(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(40, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 0.5)
    net = ng.Network.from_architecture([4, 5, 3], seed=seed)
    ng.Trainer(net, alpha=1.0).fit(X, y, epochs=50)
    return net, X, y


def _numpy_cost_acc(net, X, y, silent):
    T1, T2 = net.thetas
    g = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    a2 = g(X @ T1[:, 1:].T + T1[:, 0])
    a2[:, silent] = 0
    h = g(a2 @ T2[:, 1:].T + T2[:, 0])
    Y = np.eye(3)[y]
    J = -np.mean(np.sum(Y * np.log(h) + (1 - Y) * np.log(1 - h), axis=1))
    return J, np.mean(h.argmax(axis=1) == y)


@pytest.mark.parametrize("engine", ["matrix", "graph"])
def test_lesion_study_equals_numpy_and_is_sorted(engine):
    net, X, y = _trained()
    theta = net.weights.theta.tobytes()
    study = ng.lesion_study(net, X, y, engine=engine)
    J0, acc0 = _numpy_cost_acc(net, X, y, [])
    assert abs(study.J - J0) < 1e-12 and study.accuracy == acc0
    for r in study.rows:
        J, acc = _numpy_cost_acc(net, X, y, [net[r.unit].position])
        assert abs(r.J - J) < 1e-12 and abs(r.dJ - (J - J0)) < 1e-12
        assert r.accuracy == acc and abs(r.d_accuracy - (acc - acc0)) < 1e-12
    assert [r.dJ for r in study.rows] == sorted((r.dJ for r in study.rows), reverse=True)
    assert len(study.rows) == 5 and net.weights.theta.tobytes() == theta
    assert "a2_" in repr(study) and study.to_markdown().count("\n| a2_") == 5


def test_lesion_study_diagram_and_values():
    net, X, y = _trained()
    study = ng.lesion_study(net, X, y)
    src = study.diagram(net).source
    assert "ΔJ when silenced" in src
    top = study.rows[0]
    assert f"{top.unit}\\n{ng.render.colors.fmt(top.dJ)}" in src


def test_diagram_values_refusals_name_what_came():
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    other = ng.Network.from_architecture([2, 2, 1], seed=0)
    with pytest.raises(ng.ConfigError, match="'nope'"):
        ng.diagram(net, values={"nope": 1.0})
    with pytest.raises(ng.ConfigError, match="not a unit of this network"):
        ng.diagram(net, values={other["a2_1"]: 1.0})
    with pytest.raises(ng.InputValueError, match="inf"):
        ng.diagram(net, values={"a2_1": np.inf})
    with pytest.raises(ng.ConfigError, match="between"):
        ng.diagram(net, show="changes")
    dot = ng.diagram(net, values={net["a2_1"]: -2.0, "a2_2": 1.0}, label="my measure")
    assert "my measure" in dot.source and "a2_1\\n-2" in dot.source


def test_frozen_links_are_dashed_with_a_legend_entry():
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    assert "dashed edge" not in ng.diagram(net, show="weights").source
    net.link("x1", "a2_1").frozen = True
    src = ng.diagram(net, show="weights").source
    assert src.count("style=dashed") == 1 and "dashed edge: frozen weight" in src


def test_compare_networks_largest_first_and_different_structures():
    a = ng.Network.from_architecture([2, 2, 1], seed=0)
    b = a.copy()
    b.link("x1", "a2_1").weight += 0.5
    b.link("a2_2", "a3_1").weight -= 2.0
    c = ng.compare(a, b)
    assert [(s, t) for s, t, *_ in c.links[:2]] == [("a2_2", "a3_1"), ("x1", "a2_1")]
    assert abs(c.links[0][4] + 2.0) < 1e-12 and c.same_structure
    assert "2 of 9 links changed" in repr(c) and "| a2_2 → a3_1 |" in c.to_markdown()
    b.remove_node("a2_2")
    d = ng.compare(a, b)
    assert "a2_2" in d.only_in_a and "x1 → a2_2" in d.only_in_a and d.only_in_b == []


def test_compare_steps_per_unit_and_per_link():
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 2, 1], seed=3)
    steps = list(ng.Trainer(net, alpha=1.0).steps(X, y, every="batch", epochs=2))
    c = ng.compare(steps[0], steps[1], row=2)
    t0, t1 = steps[0].trace, steps[1].trace
    dw = t1.theta - t0.theta
    assert abs(max(abs(r[4]) for r in c.links) - np.abs(dw).max()) < 1e-15
    h = net["a2_1"]
    want = t1.delta[1][2, h.position] - t0.delta[1][2, h.position]
    assert abs(c.unit_deltas()["a2_1"] - want) < 1e-15
    src = ng.diagram(net, show="changes", between=(steps[0], steps[1])).source
    assert "Δw" in src and "Δδ" in src


def test_compare_refuses_traces_of_different_networks_and_mixed_kinds():
    X, y = ng.data.truth_table("XOR")
    a = ng.Network.from_architecture([2, 2, 1], seed=3)
    b = a.copy()
    with pytest.raises(ng.ConfigError, match="different networks"):
        ng.compare(a.backward(X, y), b.backward(X, y))
    with pytest.raises(ng.ConfigError, match="Network and Trace"):
        ng.compare(a, a.backward(X, y))
    tr = a.backward(X, y)
    with pytest.raises(ng.ConfigError, match="row must be a 0-based row"):
        ng.compare(tr, tr, row=9)


def test_frozen_flags_survive_checkpoint_and_graphml(tmp_path):
    net = ng.Network.from_architecture([3, 2, 2], seed=0)
    net.freeze("bias")
    net.link("x2", "a2_1").frozen = True
    want = {(li.source.name, li.target.name): li.frozen for li in net.links}
    ng.save(net, tmp_path / "m.ngz")
    ng.to_graphml(net, tmp_path / "m.graphml")
    for back in (ng.load(tmp_path / "m.ngz"), ng.from_graphml(tmp_path / "m.graphml")):
        got = {(li.source.name, li.target.name): li.frozen for li in back.links}
        assert got == want and sum(got.values()) == 5


def test_cli_lesion(tmp_path, capsys):
    net, X, y = _trained()
    ng.save(net, tmp_path / "m.ngz")
    ng.data.save_dataset(tmp_path / "d.csv", X, y)
    assert main(["lesion", str(tmp_path / "m.ngz"), str(tmp_path / "d.csv"), "--markdown",
                 "--out", str(tmp_path / "l.dot")]) == 0
    out = capsys.readouterr().out
    assert "| unit | J | ΔJ |" in out and out.count("| a2_") == 5
    assert "ΔJ when silenced" in (tmp_path / "l.dot").read_text()


def test_mazur_example_one_step_and_fixed_biases():
    spec = importlib.util.spec_from_file_location("mazur", ROOT / "examples" / "mazur.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    r = mod.main(epochs=200)
    for k, v in mod.POST.items():  # every digit the post prints
        digits = len(repr(v).split(".")[1])
        assert round(r["after_one"][k], digits) == v, k
    assert r["biases"] == [0.35, 0.35, 0.6, 0.6] and r["cost"] < 0.01
