"""Issue "trust", model items: one check for every link, values past a cast,
stale traces, a read-only graph, Θ setters, named units. Each fails before the fix."""

import networkx as nx
import numpy as np
import pytest

import neurograph as ng


def _three_layers():
    net = ng.Network(seed=0)
    l1, l2, l3 = net.add_layer(2), net.add_layer(1), net.add_layer(1)
    net.connect_layers(l1, l2)
    net.connect_layers(l2, l3)
    return net


def _state(net):
    return (sorted(net.graph.edges), net.n_links, net.theta_flat.copy())


def test_connect_layers_checks_every_pair_not_only_the_first():
    net = _three_layers()
    before = _state(net)
    x1, a2, a3 = net["x1"], net["a2_1"], net["a3_1"]
    with pytest.raises(ng.TopologyError, match="'a3_1' is in Layer 3"):
        net.connect_layers([x1, a3], [a2])
    after = _state(net)
    assert after[:2] == before[:2]
    np.testing.assert_array_equal(after[2], before[2])  # nothing half-built
    assert nx.is_directed_acyclic_graph(net.graph)


def test_connect_layers_finds_cycles_through_inferred_layers():
    net = ng.Network(seed=0)
    x, x2 = net.add_input("x"), net.add_input("x2")
    h1, h2 = net.add_node("h1"), net.add_node("h2")
    net.connect(x, h1, 1.0)
    net.connect(h1, h2, 1.0)
    n = net.n_links
    with pytest.raises(ng.CycleError, match="h1 → h2"):
        net.connect_layers([x2, h2], [h1])  # only the second pair closes a cycle
    assert net.n_links == n
    with pytest.raises(ng.TopologyError, match="'x' → 'h1' exists already"):
        net.connect_layers([x], [h2, h1])


def test_repeated_node_in_a_block_is_an_error():
    net = ng.Network(seed=0)
    x1, x2 = net.add_input(), net.add_input()
    h = net.add_node("h")
    with pytest.raises(ng.TopologyError, match="'x1' is listed twice"):
        net.connect_layers([x1, x2, x1], [h])
    with pytest.raises(ng.TopologyError, match="'h' is listed twice"):
        net.connect_layers([x1], [h, h])
    assert net.n_links == 1  # the bias link only


def test_float32_cast_overflow_is_refused():
    T = np.array([[0.0, 1e308]])
    with pytest.raises(ng.InputValueError, match="float32.*becomes inf"):
        ng.Network.from_thetas([T], dtype=np.float32)
    net = ng.Network(dtype=np.float32)
    x, h = net.add_input(), net.add_node()
    with pytest.raises(ng.InputValueError, match="float32"):
        net.connect(x, h, weight=1e300)
    with pytest.raises(ng.InputValueError, match="float32"):
        net.forward([[1e300]])


@pytest.mark.parametrize("where", ["theta", "weight", "X", "bias", "block"])
def test_complex_values_are_refused(where):
    net = ng.Network.from_architecture([2, 1], seed=0)
    with pytest.raises(ng.InputValueError, match="complex"):
        if where == "theta":
            ng.Network.from_thetas([np.array([[0, 1 + 2j, 0]])])
        elif where == "weight":
            net.links[1].weight = np.complex128(1 + 0.5j)
        elif where == "X":
            net.forward(np.array([[1 + 1j, 0]]))
        elif where == "bias":
            net.add_node("h", bias=1j)
        else:
            n2 = ng.Network(seed=0)
            a, b = n2.add_layer(2), n2.add_layer(1)
            n2.connect_layers(a, b, init=np.ones((1, 3)) * 1j)


def test_stale_trace_is_a_clear_error():
    net = ng.Network(seed=0)
    x = net.add_input("x")
    h = net.add_node("h")
    link = net.connect(x, h, 0.5)
    tr = net.backward([[1.0]], [1])
    net.add_node("h2")
    net.connect(x, "h2", 0.1)
    for call in (lambda: tr.node(h), lambda: tr.node_value(h, "a"), lambda: tr.blame(x),
                 lambda: tr.link_signal(link), lambda: tr.link_grad(link)):
        with pytest.raises(ng.StaleTraceError, match="topology changed"):
            call()
    other = ng.Network.from_architecture([1, 1], seed=0)
    with pytest.raises(ng.StaleTraceError, match="another network"):
        tr.node(other.outputs[0])


def test_graph_is_a_read_only_live_view():
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    net.compile()
    g = net.graph
    with pytest.raises(nx.NetworkXError, match="Frozen"):
        g.remove_edge("x1", "a2_1")
    net.add_input("x3")
    assert "x3" in g  # live
    assert nx.is_directed_acyclic_graph(net.graph)


def test_theta_setters_check_shape_values_and_missing_links():
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    T1, T2 = np.arange(6.0).reshape(2, 3), np.array([[1.0, -1.0, 2.0]])
    net.thetas = [T1, T2]
    np.testing.assert_array_equal(net.theta(1), T1)
    assert net.link("x2", "a2_1").weight == 2.0  # links read the new Θ
    net.theta_flat = np.zeros(9)
    assert not net.theta_flat.any()
    with pytest.raises(ng.ShapeError, match=r"\(9,\)"):
        net.theta_flat = np.zeros(8)
    with pytest.raises(ng.ShapeError, match=r"Θ\(2\) must have shape \(1, 3\)"):
        net.thetas = [T1, np.zeros((2, 3))]
    with pytest.raises(ng.InputValueError, match="finite"):
        net.thetas = [T1, np.array([[np.nan, 0, 0]])]
    assert not net.theta_flat.any()  # refused assignments changed nothing
    # a position without a link is a fixed zero
    sparse = ng.Network(seed=0)
    x1, _ = sparse.add_input(), sparse.add_input()
    h = sparse.add_node("h")
    sparse.connect(x1, h, 1.0)
    with pytest.raises(ng.TopologyError, match="no link"):
        sparse.thetas = [[[0.0, 1.0, 5.0]]]


def test_from_architecture_names_units_and_refuses_huge_networks():
    net = ng.Network.from_architecture([2, 3, 2], inputs=["age", "income"],
                                       outputs=["no", "yes"], seed=0)
    assert [u.name for u in net.inputs] == ["age", "income"]
    assert [u.name for u in net.outputs] == ["no", "yes"]
    with pytest.raises(ng.ConfigError, match="outputs names 2 units, got 3"):
        ng.Network.from_architecture([2, 2], outputs=["a", "b", "c"])
    with pytest.raises(ng.ConfigError, match=r"GiB"):
        ng.Network.from_architecture([100_000, 100_000, 10])
