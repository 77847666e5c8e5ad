"""The lab bench on the model: remove, freeze, silence, copy (both engines)."""

import numpy as np
import pytest

import neurograph as ng

ENGINES = ("matrix", "graph")


def _data(seed=0, n=7, d=3, k=2):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.integers(0, k, size=n)


# --- remove -----------------------------------------------------------------------
def test_remove_node_matches_a_network_built_without_it():
    net = ng.Network.from_architecture([3, 4, 2], seed=1)
    T1, T2 = (t.copy() for t in net.thetas)
    net.remove_node("a2_3")
    want = ng.Network.from_thetas([np.delete(T1, 2, axis=0), np.delete(T2, 3, axis=1)])
    X, _ = _data()
    for e in ENGINES:
        assert np.abs(net.forward(X, engine=e) - want.forward(X)).max() < 1e-12
    assert net.s == [3, 3, 2] and "a2_3" not in net and net.n_links == want.n_links


def test_remove_input_and_output_units():
    net = ng.Network.from_architecture([3, 2, 2], seed=1)
    net.classes = ["a", "b"]
    T1, T2 = (t.copy() for t in net.thetas)
    net.remove_node("x2")
    net.remove_node("a3_1")
    assert net.s == [2, 2, 1] and net.classes is None
    np.testing.assert_array_equal(net.theta(1), np.delete(T1, 2, axis=1))
    np.testing.assert_array_equal(net.theta(2), T2[1:])


def test_disconnect_by_names_and_by_link_both_engines():
    net = ng.Network.from_architecture([2, 3, 1], seed=2)
    X, y = _data(d=2, k=2)
    T1 = net.theta(1).copy()
    net.disconnect("x1", "a2_2")
    net.disconnect(net.link("a2_3", "a3_1"))
    assert net.theta(1)[1, 1] == 0 and net.theta(2)[0, 3] == 0
    T1[1, 1] = 0
    np.testing.assert_array_equal(net.theta(1), T1)
    J = [net.cost(X, y, engine=e) for e in ENGINES]
    assert abs(J[0] - J[1]) < 1e-12
    D = net.gradients(X, y)
    assert D[0][1, 1] == 0 and D[1][0, 3] == 0  # a missing link has no gradient


def test_old_trace_and_theta_views_refuse_after_removal():
    net = ng.Network.from_architecture([2, 3, 1], seed=0)
    tr = net.backward([[0.0, 1.0]], [1])
    T1, thetas = net.theta(1), net.thetas
    net.remove_node("a2_1")
    with pytest.raises(ng.StaleTraceError):
        tr.check(net)
    with pytest.raises(ValueError, match="read-only"):
        T1[0, 0] = 5.0
    with pytest.raises(ValueError, match="read-only"):
        thetas[1][0, 0] = 5.0
    assert net.layers[1].nodes[0].z is None  # the old trace is not shown on nodes


def test_removing_what_is_not_there_names_it_and_changes_nothing():
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    other = ng.Network.from_architecture([2, 2, 1], seed=0)
    before = (net.s, net.n_links, net.weights.theta.copy(), net.version)
    with pytest.raises(ng.TopologyError, match="'zz'"):
        net.remove_node("zz")
    with pytest.raises(ng.TopologyError, match="another network"):
        net.remove_node(other["a2_1"])
    with pytest.raises(ng.TopologyError, match="no link 'x1' → 'a3_1'"):
        net.disconnect("x1", "a3_1")
    with pytest.raises(ng.TopologyError, match="not a link of this network"):
        net.disconnect(other.link("x1", "a2_1"))
    with pytest.raises(ng.TopologyError, match="bias"):
        net.disconnect(net["a2_1"].bias_link)
    with pytest.raises(ng.TopologyError, match="bias unit"):
        net.remove_node("bias1")
    assert (net.s, net.n_links, net.version) == (before[0], before[1], before[3])
    np.testing.assert_array_equal(net.weights.theta, before[2])


# --- freeze -----------------------------------------------------------------------
def test_freeze_targets_and_refusals():
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    net.freeze("a2_1")  # its bias link and both inputs
    assert [li.frozen for li in net["a2_1"].incoming] == [True, True, True]
    net.freeze(3)
    assert all(li.frozen for li in net.links_of(3))
    net.unfreeze(net.layers[2])
    net.unfreeze("a2_1")
    assert not net.weights.frozen.any()
    net.freeze("bias")
    assert int(net.weights.frozen.sum()) == 3
    before = net.weights.frozen.copy()
    other = ng.Network.from_architecture([2, 2, 1], seed=0)
    for bad in ["zz", 7, 1, "x1", other.link("x1", "a2_1"), 2.5, ["a2_1", "zz"]]:
        with pytest.raises(ng.TopologyError):
            net.freeze(bad)
    np.testing.assert_array_equal(net.weights.frozen, before)  # nothing half-done
    with pytest.raises(ng.InputValueError):
        net.link("x1", "a2_1").frozen = "yes"


def test_frozen_flags_follow_compiling():
    net = ng.Network()
    x = net.add_input("x")
    h1, h2 = net.add_node("h1"), net.add_node("h2")
    o = net.add_node("o")
    for u, v in ((x, h2), (x, h1), (h1, o), (h2, o)):
        net.connect(u, v, 0.3)
    net.link("x", "h1").frozen = True
    net.compile()
    assert net.link("x", "h1").frozen and not net.link("x", "h2").frozen
    assert int(net.weights.frozen.sum()) == 1
    assert net.weights.frozen[net.link("x", "h1").index]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("opts", [dict(), dict(batch_size=3), dict(batch_size=1),
                                  dict(momentum=0.9, batch_size=2)])
def test_training_never_changes_frozen_weights(engine, opts):
    X, y = _data(n=8)
    net = ng.Network.from_architecture([3, 4, 2], seed=3)
    frozen = [net.link("x1", "a2_1"), net.link("a2_2", "a3_2"), net["a3_1"].bias_link]
    net.freeze("bias")
    for li in frozen:
        li.frozen = True
    free = net.link("x2", "a2_3")
    w0 = {id(li): li.weight for li in net.links}
    ng.Trainer(net, alpha=0.5, engine=engine, seed=0, **opts).fit(X, y, epochs=5)
    for li in net.links:
        if li.frozen:
            assert li.weight == w0[id(li)]
    assert free.weight != w0[id(free)]
    tr = net.backward(X, y, engine=engine)
    assert tr.grad[frozen[0].index] != 0  # the gradient is still computed and shown


def test_frozen_training_equals_a_masked_numpy_step_on_both_engines():
    X, y = _data(n=6)
    runs = []
    for engine in ENGINES:
        net = ng.Network.from_architecture([3, 4, 2], seed=5)
        net.compile()
        net.freeze(2)
        theta0 = net.weights.theta.copy()
        D = net.gradients(X, y).flat.copy()
        ng.Trainer(net, alpha=0.7, engine=engine).fit(X, y, epochs=1)
        want = theta0 - 0.7 * np.where(net.weights.frozen, 0.0, D)
        assert np.abs(net.weights.theta - want).max() < 1e-12
        runs.append(net.weights.theta.copy())
    assert np.abs(runs[0] - runs[1]).max() < 1e-12


def test_momentum_velocity_of_a_weight_frozen_midway_is_dropped():
    X, y = _data(n=6)
    net = ng.Network.from_architecture([3, 2, 2], seed=1)
    t = ng.Trainer(net, alpha=0.5, momentum=0.9)
    t.fit(X, y, epochs=3)
    link = net.link("x1", "a2_1")
    link.frozen = True
    w = link.weight
    t.fit(X, y, epochs=3)
    assert link.weight == w and t.state.velocity[link.index] == 0


@pytest.mark.parametrize("rule", ["online", "batch"])
def test_perceptron_rules_never_change_frozen_weights(rule):
    X, y = ng.data.truth_table("OR")
    net = ng.Network.from_architecture([2, 1], activation="step", seed=0)
    net.set_bias(net["a2_1"], 0.3)
    net.freeze("bias")
    ng.perceptron(net, X, y, rule=rule, max_epochs=20)
    assert net["a2_1"].bias == 0.3


def test_summary_counts_trainable_and_fixed():
    net = ng.Network.from_architecture([2, 3, 1], seed=0)
    net.freeze("bias")
    assert "13 parameters (bias included; 9 trainable, 4 fixed)" in net.summary_text()


# --- lesion -----------------------------------------------------------------------
def _numpy_forward(T1, T2, X, silent=()):
    g = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    a2 = g(X @ T1[:, 1:].T + T1[:, 0])
    a2[:, list(silent)] = 0.0
    return g(a2 @ T2[:, 1:].T + T2[:, 0])


@pytest.mark.parametrize("engine", ENGINES)
def test_lesion_silences_units_and_cuts_links(engine):
    X, y = _data(n=5)
    net = ng.Network.from_architecture([3, 4, 2], seed=2)
    T1, T2 = (t.copy() for t in net.thetas)
    with net.lesion(units=["a2_2", "a2_4"], links=[("x1", "a2_1")]):
        out = net.forward(X, engine=engine)
        tr = net.backward(X, y, engine=engine)
        assert (net["a2_2"].a == 0).all() and (net["a2_2"].delta == 0).all()
        assert net.link("x1", "a2_1").weight == 0.0 and net.link("x1", "a2_1").frozen
    C1 = T1.copy()
    C1[0, 1] = 0.0
    assert np.abs(out - _numpy_forward(C1, T2, X, [1, 3])).max() < 1e-12
    assert tr.grad[net.link("x2", "a2_2").index] == 0  # nothing flows through a silent unit
    np.testing.assert_array_equal(net.forward(X), _numpy_forward(T1, T2, X))


def test_lesion_passes_agree_between_engines_and_inputs_can_be_silenced():
    X, y = _data(n=5)
    net = ng.Network.from_architecture([3, 4, 2], seed=2)
    res = []
    for e in ENGINES:
        with net.lesion(units=["x2", "a2_3"]):
            tr = net.backward(X, y, engine=e)
            res.append((tr.cost, tr.grad.copy(), tr.a[-1].copy()))
    assert abs(res[0][0] - res[1][0]) < 1e-12
    assert np.abs(res[0][1] - res[1][1]).max() < 1e-12
    assert np.abs(res[0][2] - res[1][2]).max() < 1e-12
    X0 = X.copy()
    X0[:, 1] = 0
    T1, T2 = net.thetas
    assert np.abs(res[0][2] - _numpy_forward(T1, T2, X0, [2])).max() < 1e-12
    assert X[0, 1] != 0  # the caller's array is untouched


def test_lesion_restores_exactly_even_when_the_block_raises():
    net = ng.Network.from_architecture([3, 4, 2], seed=2)
    net.compile()
    net.link("x3", "a2_4").frozen = True
    theta = net.weights.theta.tobytes()
    frozen = net.weights.frozen.copy()
    c, names = net.weights.current(), [u.name for u in net.nodes]
    cut = [net.link("x3", "a2_4"), ("a2_1", "a3_1")]
    with pytest.raises(RuntimeError), net.lesion(units=["a2_1"], links=cut):
        raise RuntimeError("boom")
    assert net.weights.theta.tobytes() == theta
    np.testing.assert_array_equal(net.weights.frozen, frozen)
    assert net.weights.current() is c and [u.name for u in net.nodes] == names
    assert net.silenced == {}


def test_lesion_refusals_change_nothing():
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    theta = net.weights.theta.copy()
    for kw in [dict(units=["bias1"]), dict(units=["x9"]), dict(units=["a3_1"]),
               dict(units=["a2_1"], links=[("x1", "a3_1")])]:
        with pytest.raises(ng.TopologyError), net.lesion(**kw):
            pass
    np.testing.assert_array_equal(net.weights.theta, theta)
    assert net.silenced == {} and not net.weights.frozen.any()


# --- copy -------------------------------------------------------------------------
def test_copy_is_independent_and_equal():
    net = ng.Network()
    x = net.add_input("x")
    h = net.add_node("h", activation="tanh", bias=0.2)
    o = net.add_node("o", bias=-0.1)
    net.connect(x, h, 0.5)
    net.connect(h, o, 1.5)
    net.connect(x, o, -0.25)  # a skip link: the graph engine
    net.link("h", "o").frozen = True
    for src in (net, ng.Network.from_architecture([3, 4, 2], seed=0)):
        if src is not net:
            src.compile()
            src.freeze("bias")
        b = src.copy()
        assert [u.name for u in b.nodes] == [u.name for u in src.nodes]
        assert [lay.index for lay in b.layers] == [lay.index for lay in src.layers]
        assert [u.activation.name for u in b.nodes if u.activation] == \
            [u.activation.name for u in src.nodes if u.activation]
        keys = [(li.source.name, li.target.name) for li in src.links]
        assert [b.link(*k).weight for k in keys] == [src.link(*k).weight for k in keys]
        assert [b.link(*k).frozen for k in keys] == [src.link(*k).frozen for k in keys]
        X = np.random.default_rng(0).normal(size=(4, len(src.inputs)))
        np.testing.assert_array_equal(b.forward(X), src.forward(X))
        k = keys[-1]
        b.link(*k).weight = 7.0
        b.unfreeze(b.link(*k).target)
        assert src.link(*k).weight != 7.0 and (src.link(*k).frozen or src is net)
    assert net.link("h", "o").frozen


def _structure(net):
    """Everything a copy must keep, in order: nodes, layers, each unit's incoming and
    outgoing links (the order z sums them), weights and frozen flags."""
    g = net.graph
    return ([(n, d["node"].kind) for n, d in g.nodes(data=True)],
            [(lay.index, [u.name for u in lay], lay.bias and lay.bias.name) for lay in net.layers],
            [(u, list(g.pred[u]), list(g.succ[u])) for u in g.nodes],
            [(li.source.name, li.target.name, li.weight, li.frozen, li.index) for li in net.links],
            net.weights.theta.tobytes(), net.weights.frozen.tobytes())


@pytest.mark.parametrize("compiled", [False, True])
def test_copy_keeps_link_order_of_an_irregular_network_and_stays_independent(compiled):
    # a dense block, links made one by one in a scrambled order, a removal:
    # the copy must keep each unit's order of inputs (not only the dense-block case)
    rng = np.random.default_rng(3)
    net = ng.Network(seed=1)
    l1, l2, l3 = net.add_layer(5), net.add_layer(4, activation="tanh"), net.add_layer(3)
    net.connect_layers(l1, l2)  # one dense block
    pairs = [(u, v) for u in l2 for v in l3 if rng.random() < 0.8]
    for k in rng.permutation(len(pairs)):  # and links one by one, scrambled
        net.connect(*pairs[k], weight=float(rng.normal()))
    net.freeze(l3.nodes[1])
    net.remove_node(l1.nodes[2])
    if compiled:
        net.compile()
    b = net.copy()
    assert _structure(b) == _structure(net)
    assert (b.weights.current() is not None) == compiled
    X = rng.normal(size=(6, len(net.inputs)))
    for engine in ("matrix", "graph"):
        np.testing.assert_array_equal(b.forward(X, engine=engine), net.forward(X, engine=engine))
    before = _structure(net)
    b.remove_node(b.layers[1].nodes[0])
    b.link(*[(li.source.name, li.target.name) for li in b.links if not li.is_bias][0]).weight = 9.0
    b.add_node("extra", layer=3)
    b.compile()
    b.theta_flat[:] = 0.5
    assert _structure(net) == before
    assert all(u.network is net for u in net.nodes) and all(u.network is b for u in b.nodes)


def test_copy_leaves_its_links_out_of_the_young_generation_and_frozen_objects_alone():
    import gc

    net = ng.Network.from_architecture([100, 100, 10], seed=0)  # 11 110 links
    net.compile()
    gc.collect()
    b = net.copy()
    # what was built went to the oldest generation: no young collection walks it again
    mine = {id(d) for _, _, d in b.topology.graph.edges(data=True)}  # the copy's edge dicts
    old = sum(id(o) in mine for o in gc.get_objects(generation=2))
    assert old == len(mine) == 11_110
    del b
    kept = [object() for _ in range(3)] + [[1], [2]]  # a program that froze its own objects
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        net.copy()
        assert gc.get_freeze_count() > frozen - 100  # still frozen (a few temporaries freed)
    finally:
        gc.unfreeze()
    assert kept
