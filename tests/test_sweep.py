"""The one pass driver: both engines through the same sweep, pause by pause."""

import numpy as np
import pytest

import neurograph as ng
from neurograph.engines import Pass, Phase, choose, make_engine


def _data(seed=0, n=6):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 3)), ng.one_hot(rng.integers(0, 2, size=n), 2)


def test_both_engines_pause_at_the_same_phases_with_the_same_numbers():
    X, Y = _data()
    net = ng.Network.from_architecture([3, 4, 3, 2], activation="tanh",
                                      output_activation="sigmoid", seed=1)
    runs = {}
    for kind in ("matrix", "graph"):
        p = Pass(net, make_engine(net, lam=0.5, engine=kind), X, Y)
        runs[kind] = [(str(ph), p.trace(ph)) for ph in p.run(pause=True)]
        runs[kind].append(("done", p.trace(Phase("backward"), with_grad=True)))
    assert [ph for ph, _ in runs["matrix"]] == [ph for ph, _ in runs["graph"]] == [
        "forward layer 2", "forward layer 3", "forward layer 4",
        "backward layer 4", "backward layer 3", "backward layer 2", "done"]
    for (ph, tm), (_, tg) in zip(runs["matrix"], runs["graph"]):
        for what in ("z", "a", "delta"):
            m, g = getattr(tm, what), getattr(tg, what)
            assert (m is None) == (g is None), (ph, what)
            for lm, lg in zip(m or [], g or []):
                assert (lm is None) == (lg is None), (ph, what)
                if lm is not None:
                    np.testing.assert_allclose(lm, lg, rtol=0, atol=1e-12)
    # after "backward layer l", δ(l) exists on both engines and δ(l−1) does not yet
    ph, tr = runs["graph"][4]
    assert ph == "backward layer 3" and tr.delta[2] is not None and tr.delta[1] is None
    np.testing.assert_allclose(runs["matrix"][-1][1].grad, runs["graph"][-1][1].grad,
                               rtol=0, atol=1e-12)


def test_choosing_the_graph_engine_does_not_compile_or_stale_traces():
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    assert net.weights.current() is None
    tr = net.backward([[0.0, 1.0]], [1], engine="graph")
    assert choose(net, "graph") == "graph" and net.weights.current() is None
    tr.check(net)  # still of the network as it is
    net.compile()
    with pytest.raises(ng.StaleTraceError):
        tr.check(net)


def test_phase_is_a_string_with_a_kind_and_a_layer():
    ph = Phase("backward", 3)
    assert ph == "backward layer 3" and (ph.kind, ph.layer) == ("backward", 3)
    assert Phase("epoch end").layer is None


def test_softmax_has_no_elementwise_derivative():
    sm = ng.get_activation("softmax")
    with pytest.raises(ng.ActivationError, match="no elementwise g'"):
        sm.dg(np.zeros((1, 2)), np.full((1, 2), 0.5))
    # its Jacobian product is what backprop uses: against finite differences
    z = np.array([[0.3, -1.2, 2.0]])
    g = np.array([[1.0, -2.0, 0.5]])
    num = np.array([(g @ (sm.g(z + h) - sm.g(z - h)).T).item() / 2e-6
                    for h in np.eye(3)[:, None, :] * 1e-6])
    np.testing.assert_allclose(sm.backprop(z, sm.g(z), g)[0], num, rtol=1e-7)
