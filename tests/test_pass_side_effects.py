"""Passes have no hidden side effects: forward, predict, cost and gradients leave what
nodes and links show unchanged; backward (and a trainer's step) makes its Trace the
one they show."""

import numpy as np
import pytest

import neurograph as ng


def _layered():
    return ng.Network.from_architecture([3, 4, 2], seed=0)


def _skip():  # not layered: runs on the graph engine
    net = ng.Network.from_architecture([3, 4, 2], seed=0)
    net.connect("x1", "a3_2", weight=0.7)
    return net


def _data(seed, n):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 3)), rng.integers(0, 2, size=n)


def shown(net):
    """Everything nodes and links show, copied: {(name, what): value}."""
    out = {}
    for lay in net.layers:
        for u in lay.nodes:
            for what in ("z", "a", "delta"):
                v = getattr(u, what)
                out[u.name, what] = None if v is None else np.array(v, copy=True)
            b = u.blame
            out[u.name, "blame"] = None if b is None else {k: v.copy() for k, v in b.items()}
    for k in net.links:
        key = ("+1" if k.is_bias else k.source.name) + "→" + k.target.name
        out[key, "grad"] = k.grad
        out[key, "signal"] = np.array(k.signal, copy=True)
    return out


def assert_same(a, b):
    assert a.keys() == b.keys()
    for key in a:
        x, y = a[key], b[key]
        if isinstance(x, dict):
            assert x.keys() == y.keys(), key
            for k in x:
                np.testing.assert_array_equal(x[k], y[k], err_msg=str(key))
        elif x is None or y is None:
            assert x is None and y is None, key
        else:
            np.testing.assert_array_equal(x, y, err_msg=str(key))


@pytest.mark.parametrize("make", [_layered, _skip], ids=["matrix", "graph"])
def test_forward_predict_cost_gradients_leave_what_nodes_show(make):
    net = make()
    X, y = _data(0, 5)
    X2, y2 = _data(1, 7)  # other instances, another batch size
    tr = net.backward(X, y, lam=0.3)
    before = shown(net)
    calls = [lambda: net.forward(X2), lambda: net.predict(X2),
             lambda: net.cost(X2, y2, lam=1.0), lambda: net.forward(X2[:5]),
             lambda: net.cost(X2[:5], y2[:5])]
    if net.is_layered:
        calls += [lambda: net.gradients(X2, y2, lam=1.0), lambda: net.gradients(X2[:5], y2[:5]),
                  lambda: ng.cost_and_gradients(net, X2, y2)]
    for call in calls:
        call()
        assert net.last_trace is tr
        assert_same(shown(net), before)


@pytest.mark.parametrize("make", [_layered, _skip], ids=["matrix", "graph"])
def test_backward_makes_its_trace_the_one_nodes_show(make):
    net = make()
    X, y = _data(0, 5)
    net.backward(X, y)
    X2, y2 = _data(1, 7)
    tr2 = net.backward(X2, y2, lam=0.3)
    assert net.last_trace is tr2
    # z of the hidden units computed here from the links' weights
    for u in net.layers[1].nodes:
        z = u.bias + sum(k.weight * X2[:, int(k.source.name[1:]) - 1]
                         for k in net.in_links(u) if not k.is_bias)
        np.testing.assert_allclose(u.z, z, rtol=0, atol=1e-12)
    for u in net.outputs:  # δ(L) = a(L) − y
        k = u.position
        np.testing.assert_allclose(u.delta, u.a - (y2 == k), rtol=0, atol=1e-15)
    for k in net.links:
        assert k.grad == tr2.grad[k.index]


def test_a_forward_before_any_backward_shows_nothing():
    net = _layered()
    X, y = _data(0, 4)
    net.forward(X)
    net.cost(X, y)
    assert net.last_trace is None
    assert net["a2_1"].z is None and net.link("x1", "a2_1").grad is None


def test_each_step_shows_its_own_values_and_a_cost_inside_the_loop_changes_nothing():
    net = _layered()
    X, y = _data(0, 6)
    Y = ng.one_hot(y, 2)
    trainer = ng.Trainer(net, alpha=0.5, batch_size=3, shuffle=False)
    seen = 0
    for step in trainer.steps(X, y, every="layer", epochs=1):
        assert net.last_trace is step.trace
        tr = step.trace
        h = net["a3_1"]
        before = shown(net)
        net.cost(X, y)  # at a pdb prompt: asking for J must not move what h shows
        net.forward(X)
        assert net.last_trace is tr
        assert_same(shown(net), before)
        if step.phase == "backward layer 3":  # δ(L) = a(L) − y for this batch's rows
            rows = slice(3 * step.batch, 3 * step.batch + 3)
            np.testing.assert_allclose(h.delta, h.a - Y[rows, 0], rtol=0, atol=1e-15)
            seen += 1
    assert seen == 2  # one per batch


def test_a_paused_passs_trace_prints_at_a_prompt():
    # the layers a paused pass has not reached have no a yet: repr raised AttributeError
    net = _layered()
    X, y = _data(0, 6)
    reprs = [repr(step.trace) for step in
             ng.Trainer(net, alpha=0.5).steps(X, y, every="layer", epochs=1)]
    assert reprs[0] == "Trace(s=[3, 4, 2], n=6, engine='matrix', phase='forward layer 2')"
    assert reprs[1].startswith("Trace(s=[3, 4, 2], n=6, engine='matrix')")


def test_forward_shows_its_pass_only_when_asked():
    net = _layered()
    X, y = _data(0, 5)
    tr = net.backward(X, y)
    X2, _ = _data(1, 3)
    h = net.forward(X2, show=True)
    assert net.last_trace is not tr and net.last_trace.delta is None
    np.testing.assert_array_equal(net.outputs[0].a, h[:, 0])
    for u in net.layers[1].nodes:  # z of the hidden units computed here from the weights
        z = u.bias + sum(k.weight * X2[:, int(k.source.name[1:]) - 1]
                         for k in net.in_links(u) if not k.is_bias)
        np.testing.assert_allclose(u.z, z, rtol=0, atol=1e-12)
