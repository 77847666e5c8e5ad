"""The lab bench's pictures show the result (issue 21, item 10): a lesion study's units
that matter are drawn, the study draws its own network, a changes legend names each
quantity once."""

import re

import numpy as np
import pytest

import neurograph as ng


def _wide(seed=0):
    """4-20-3 trained a little: 20 hidden units, so Layer 2 collapses (collapse=12)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(60, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 0.5)
    net = ng.Network.from_architecture([4, 20, 3], seed=seed)
    ng.Trainer(net, alpha=1.0).fit(X, y, epochs=80)
    return net, X, y


def _numpy_dJ(net, X, y) -> dict:
    """ΔJ of silencing each hidden unit, by numpy (sigmoid outputs, cross-entropy)."""
    T1, T2 = (np.asarray(t) for t in net.thetas)
    g = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    Y = np.eye(3)[y]

    def J(silent):
        a2 = g(X @ T1[:, 1:].T + T1[:, 0])
        a2[:, silent] = 0
        h = g(a2 @ T2[:, 1:].T + T2[:, 0])
        return -np.mean(np.sum(Y * np.log(h) + (1 - Y) * np.log(1 - h), axis=1))

    J0 = J([])
    return {f"a2_{k + 1}": J([k]) - J0 for k in range(T1.shape[0])}


def _drawn(src: str) -> set:
    """Names of the units a DOT source draws as nodes."""
    return set(re.findall(r"^\s*(a2_\d+) \[", src, flags=re.M))


def _hidden(src: str) -> int:
    return sum(int(k) for k in re.findall(r"… (\d+) more", src.split("cluster_layer2")[1]
                                          .split("cluster_layer3")[0]))


def test_lesion_study_diagram_draws_its_largest_dJ_units_without_net():
    net, X, y = _wide()
    dJ = _numpy_dJ(net, X, y)
    top = sorted(dJ, key=lambda u: -abs(dJ[u]))[:5]
    study = ng.lesion_study(net, X, y)
    src = study.diagram(net).source
    drawn = _drawn(src)
    assert set(top) <= drawn, f"{set(top) - drawn} collapsed away"
    assert len(drawn) + _hidden(src) == 20  # every unit drawn or counted once
    for u in top:  # each drawn with its own ΔJ
        assert f"{u}\\n{ng.render.colors.fmt(dJ[u])}" in src
    assert study.diagram().source == src  # the study knows its network
    assert set(top[:2]) <= _drawn(study.diagram(top=2, collapse=6).source)


def test_lesion_study_diagram_refusals_name_what_came():
    net, X, y = _wide()
    study = ng.lesion_study(net, X, y)
    with pytest.raises(ng.ConfigError, match="top must be an int ≥ 0.*got -1"):
        study.diagram(top=-1)
    other = ng.Network.from_architecture([4, 3, 3], seed=0)
    with pytest.raises(ng.ConfigError, match="not a unit of this network"):
        study.diagram(other)
    bare = type(study)(study.J, study.accuracy, study.rows)
    with pytest.raises(ng.ConfigError, match="no network"):
        bare.diagram()


def test_collapse_keeps_the_units_a_caller_names():
    net = ng.Network.from_architecture([3, 20, 1], seed=0)
    src = ng.diagram(net, keep=["a2_10", net["a2_12"]]).source
    assert _drawn(src) == {"a2_1", "a2_2", "a2_10", "a2_12", "a2_20"}
    gaps = re.findall(r"… (\d+) more", src.split("cluster_layer2")[1])
    assert gaps == ["7", "1", "7"]  # a2_3..a2_9, a2_11, a2_13..a2_19, each where it stands
    assert _drawn(ng.diagram(net).source) == {"a2_1", "a2_2", "a2_20"}  # as before
    with pytest.raises(ng.ConfigError, match="keep names 'a9_1'"):
        ng.diagram(net, keep=["a9_1"])
    with pytest.raises(ng.ConfigError, match="keep must list units"):
        ng.diagram(net, keep="a2_3")


def _legend(src: str) -> str:
    return src.split("cluster_legend")[1]


def test_changes_legend_names_each_quantity_once():
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 2, 1], seed=3)
    steps = list(ng.Trainer(net, alpha=1.0).steps(X, y, every="batch", epochs=2))
    t0, t1 = steps[0].trace, steps[1].trace
    legend = _legend(ng.diagram(net, show="changes", between=(steps[0], steps[1])).source)
    assert legend.count("Δδ") == 1 and legend.count("Δw") == 1
    dd = max(abs(t1.delta[k][0] - t0.delta[k][0]).max() for k in (1, 2))  # instance 0
    dw = np.abs(t1.theta - t0.theta).max()
    fmt = ng.render.colors.fmt
    assert f">{fmt(dd)}<" in legend and f">{fmt(-dd)}<" in legend
    assert f">{fmt(dw)}<" in legend and f">{fmt(-dw)}<" in legend
    same = _legend(ng.diagram(net, show="changes", between=(steps[0], steps[0])).source)
    assert same.count("Δδ") == 1 and "Δδ = 0 everywhere" in same
    assert "Δw = 0 everywhere" in same
    nets = _legend(ng.diagram(net, show="changes", between=(net, net.copy())).source)
    assert "Δδ" not in nets  # two networks have no δ to compare
    assert nets.count("Δw") == 1
