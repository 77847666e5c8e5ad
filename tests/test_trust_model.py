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


# --- issue 19, item 10: raw exceptions become clear ones; no write is lost -----------
def test_diagram_values_holding_an_array_is_refused():
    net = ng.Network.from_architecture([2, 3, 1], seed=0)
    for v in (np.array([0.3, 0.4]), np.array([0.3]), [0.3]):
        with pytest.raises(ng.InputValueError, match=r"values\['a2_1'\] must be one number, "
                                                     r"got an array of shape \("):
            ng.diagram(net, values={net["a2_1"]: v})
    assert "0.3" in ng.diagram(net, values={"a2_1": np.float64(0.3)}).source


@pytest.mark.parametrize("init,dtype", [(float("inf"), np.float64), (1e308, np.float64),
                                        (3e38, np.float32), (float("nan"), np.float64)])
def test_an_init_width_that_overflows_is_refused(init, dtype):
    with pytest.raises(ng.ConfigError, match="init ε must be a finite number > 0"):
        ng.Network.from_architecture([2, 3, 1], init=init, dtype=dtype)
    net = ng.Network.from_architecture([2, 3, 1], init=1e300, dtype=np.float64, seed=0)
    assert np.isfinite(net.theta_flat).all() and np.abs(net.theta_flat).max() <= 1e300


def test_ragged_thetas_are_refused_with_a_shape_error():
    with pytest.raises(ng.ShapeError, match=r"Θ\(1\) must be a rectangular array"):
        ng.Network.from_thetas([[[0.0, 1.0], [0.0]], np.zeros((1, 3))])
    with pytest.raises(ng.ShapeError, match=r"Θ\(2\) must have s_2 \+ 1 = 3 columns"):
        ng.Network.from_thetas([np.zeros((2, 3)), np.zeros((1, 4))])


def test_a_theta_view_written_with_the_wrong_shape_says_so_and_changes_nothing():
    net = ng.Network.from_architecture([2, 3, 1], seed=0)
    before = net.theta_flat.copy()
    with pytest.raises(ng.ShapeError, match=r"Θ\(1\)\[:\] has shape \(3, 3\); got a value "
                                            r"of shape \(2, 2\)"):
        net.thetas[0][:] = np.zeros((2, 2))
    with pytest.raises(ng.ShapeError, match=r"Θ\(2\)\[0, 1:\] has shape \(3,\)"):
        net.theta(2)[0, 1:] = [1.0, 2.0]
    with pytest.raises(ng.ShapeError, match=r"θ\[:\] has shape \(13,\)"):
        net.theta_flat[:] = np.zeros(15)
    with pytest.raises(ng.InputValueError, match=r"Θ\(1\)\[0, 0\] takes real numbers"):
        net.theta(1)[0, 0] = "abc"
    np.testing.assert_array_equal(net.theta_flat, before)
    # a right write lands on the link; arithmetic gives plain arrays; it prints as one
    net.theta(1)[0, 1] = 4.5
    assert net.link("x1", "a2_1").weight == 4.5
    assert type(net.theta(1) * 2) is np.ndarray and type(net.theta(1).sum()) is np.float64
    assert repr(net.theta(2)).startswith("array([[")


def test_forward_of_none_is_a_clear_error():
    net = ng.Network.from_architecture([2, 3, 1], seed=0)
    for call in (lambda: net.forward(X=None), lambda: net.forward(None, engine="graph"),
                 lambda: net.cost(None, [1])):
        with pytest.raises(ng.NeurographError, match="got None"):
            call()


@pytest.mark.parametrize("change", [
    lambda n: n.add_node("z"),
    lambda n: n.connect("x1", "a3_1", 1.0),
    lambda n: n.add_input("x3"),
    lambda n: setattr(n["a2_2"], "activation", "relu"),
], ids=["add_node", "connect", "add_input", "activation"])
def test_a_write_through_a_view_taken_before_a_change_raises_instead_of_being_lost(change):
    net = ng.Network.from_architecture([2, 3, 1], seed=0)
    T1, T2, flat = net.theta(1), net.thetas[1], net.theta_flat
    w = net.link("x1", "a2_1").weight
    change(net)
    for write in (lambda: T1.__setitem__((0, 1), 42.0),
                  lambda: T2.__setitem__((0, 1), 42.0),
                  lambda: flat.__setitem__(1, 42.0)):
        with pytest.raises(ng.StaleTraceError, match="a view of a layout that no longer exists"):
            write()
    assert net.link("x1", "a2_1").weight == w and 42.0 not in net.weights.theta
    with pytest.raises(ValueError, match="read-only"):
        T1 -= 1.0  # in place, past __setitem__: numpy's own refusal, still no loss
    if net.is_layered and len(set(net.layers[1].activations)) == 1:
        net.theta(1)[0, 1] = 42.0  # a view of the network as it is: the write lands
        assert net.link("x1", "a2_1").weight == 42.0
