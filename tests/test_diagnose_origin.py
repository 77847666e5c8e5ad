"""The first bad step of a diverged run: both engines, every granularity, checked
against an independent numpy re-run of the bad pass layer by layer."""

import numpy as np
import pytest

import neurograph as ng

rng = np.random.default_rng(0)
XR = rng.normal(size=(12, 3)) * 3
YR = (XR @ np.array([1.0, 2.0, 3.0]))[:, None]
S = [3, 4, 3, 1]


def _diverge(engine, every, batch_size=None):
    net = ng.Network.from_architecture(S, activation="linear", output_activation="linear", seed=1)
    t = ng.Trainer(net, alpha=0.5, engine=engine, batch_size=batch_size, seed=0)
    if every is None:
        t.fit(XR, YR, epochs=300)
    else:
        for _ in t.steps(XR, YR, every=every, epochs=300):
            pass
    assert t.history.stopped == "diverged"
    return net, t


def _independent(net, rows):
    """First non-finite (what, layer, data rows, unit names) of the pass over X[rows] at
    the network's weights (the last good state), forward z then a per layer, then J."""
    a = XR[rows]
    for l, T in enumerate(net.thetas, start=2):
        with np.errstate(all="ignore"):
            z = np.hstack([np.ones((len(a), 1)), a]) @ T.T
        for what, v in (("z", z), ("a", z)):
            bad = ~np.isfinite(v)
            if bad.any():
                r = int(np.nonzero(bad.any(axis=1))[0][0])
                return what, l, int(rows[r]), tuple(net.layers[l - 1][int(k)].name
                                                    for k in np.nonzero(bad[r])[0])
        a = z
    with np.errstate(all="ignore"):
        c = 0.5 * (a - YR[rows]) ** 2
    r = int(np.nonzero(~np.isfinite(c).all(axis=1))[0][0])
    return "J", len(S), int(rows[r]), (net.outputs[0].name,)


@pytest.mark.parametrize("engine", ["matrix", "graph"])
@pytest.mark.parametrize("every", [None, "epoch", "batch", "instance", "layer"])
def test_full_batch_origin_matches_an_independent_rerun(engine, every):
    net, t = _diverge(engine, every)
    f = ng.diagnose(t, XR, YR).of("nonfinite")[0]
    what, l, row, units = _independent(net, np.arange(len(XR)))
    e, b = t.history.diverged_at
    assert (f.where["epoch"], f.where["batch"]) == (e, b)
    assert (f.where["value"], f.where["layer"], f.where["instance"], f.units) == \
        (what, l, row, units)
    assert f.where["unit"] == units[0]
    # the path runs from the loss to an output and back to the origin unit
    assert f.path[0] == "J" and f.path[1] == "a4_1" and f.path[-1] == units[0]
    assert len(f.links) == len(f.path) - 2
    # nothing of the run changed: the trainer and the network stay where they were
    assert np.all(np.isfinite(net.weights.theta))


@pytest.mark.parametrize("engine", ["matrix", "graph"])
def test_minibatch_origin_is_the_same_at_every_granularity(engine):
    found = set()
    for every in (None, "epoch", "batch", "instance", "layer"):
        net, t = _diverge(engine, every, batch_size=5)
        f = ng.diagnose(t, XR, YR).of("nonfinite")[0]
        found.add(tuple(sorted(f.where.items())) + (f.units,))
        # the named instance alone, forward at the last good weights, goes non-finite
        # at the named layer and unit (J when the origin is the cost)
        what, l, row, units = _independent(net, np.array([f.where["instance"]]))
        assert (what, l) == (f.where["value"], f.where["layer"]) and units[0] == f.where["unit"]
    assert len(found) == 1


def test_healthy_run_has_no_origin_and_history_only_says_where():
    net, t = _diverge("matrix", None)
    d = ng.diagnose(t.history)
    assert d.of("nonfinite")[0].where == dict(zip(("epoch", "batch"), t.history.diverged_at))
    net = ng.Network.from_architecture([2, 2, 1], seed=3)
    X, y = ng.data.truth_table("XOR")
    t = ng.Trainer(net, alpha=2.0)
    t.fit(X, y, epochs=50)
    assert ng.diagnose(t, X, y).of("nonfinite") == []
