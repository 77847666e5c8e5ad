"""GraphML round trip: import(export(net)) is the same network, bit for bit."""

import numpy as np
import pytest

import neurograph as ng


def dangling():
    """Layers made explicitly; hidden unit 'd' has no outgoing link."""
    net = ng.Network(seed=1)
    l1 = net.add_layer(2)
    l2 = net.add_layer(2, activation="tanh")
    l3 = net.add_layer(2, activation="sigmoid")
    net.connect_layers(l1, l2)
    net.connect_layers(l2, l3)
    d = net.add_node("d", activation="relu", bias=0.5, layer=l2)
    net.connect("x2", d, weight=-1.25)
    return net


def skip():
    """A DAG with a skip link and inferred layers: only the graph engine runs it."""
    net = ng.Network(seed=2)
    x1, x2 = net.add_input("x1"), net.add_input("x2")
    h = net.add_node("h", activation="tanh", bias=0.1)
    o = net.add_node("o")
    for a, b, w in [(x1, h, 0.7), (x2, h, -0.3), (h, o, 1.9), (x1, o, -0.6), (x2, o, 0.2)]:
        net.connect(a, b, weight=w)
    return net


NETS = {
    "f64": lambda: ng.Network.from_architecture([3, 4, 2], seed=0),
    "f32": lambda: ng.Network.from_architecture([3, 5, 4, 3], activation="tanh",
                                                output_activation="softmax", seed=1,
                                                dtype=np.float32),
    "dangling": dangling,
    "skip": skip,
}


def layout(net):
    return [[(u.name, u.kind, None if u.activation is None else u.activation.name)
             for u in lay.nodes] for lay in net.layers]


@pytest.mark.parametrize("kind", sorted(NETS))
def test_graphml_round_trip_is_the_same_network(tmp_path, kind):
    net = NETS[kind]()
    X = np.random.default_rng(0).normal(size=(7, len(net.inputs))).astype(net.dtype)
    out = net.forward(X)  # compiles where it can, as a user's network would be
    k = len(net.outputs)
    net.classes = [f"c{i}" for i in range(2 if k == 1 else k)]
    ng.to_graphml(net, tmp_path / "n.graphml")
    back = ng.from_graphml(tmp_path / "n.graphml")
    assert back.dtype == net.dtype and back.classes == net.classes
    assert layout(back) == layout(net)
    assert back.forward(X).dtype == out.dtype
    np.testing.assert_array_equal(back.forward(X), out)
    for link in net.links:
        w = back.link(link.source.name, link.target.name).weight
        assert w == link.weight and type(w) is type(link.weight)
    if kind == "dangling":
        assert back["d"].kind == "hidden" and [u.name for u in back.outputs] == ["a3_1", "a3_2"]


def test_graphml_refuses_undirected_and_foreign_kinds(tmp_path):
    ng.to_graphml(skip(), tmp_path / "n.graphml")
    text = (tmp_path / "n.graphml").read_text()
    assert 'edgedefault="directed"' in text
    (tmp_path / "u.graphml").write_text(text.replace('edgedefault="directed"',
                                                     'edgedefault="undirected"'))
    with pytest.raises(ng.FileFormatError, match="expected a directed graph.*undirected"):
        ng.from_graphml(tmp_path / "u.graphml")
    (tmp_path / "k.graphml").write_text(text.replace(">hidden<", ">pooling<"))
    with pytest.raises(ng.FileFormatError, match=r"input, hidden, output or bias.*pooling"):
        ng.from_graphml(tmp_path / "k.graphml")


@pytest.mark.parametrize("bad", ["NaN", "INF", "-INF"])
@pytest.mark.parametrize("edge", ["link", "bias"])
def test_a_non_finite_weight_in_a_file_is_refused(tmp_path, bad, edge):
    net = ng.Network.from_thetas([[[0.5, 2.0, -3.0]]])
    path = tmp_path / "n.graphml"
    ng.to_graphml(net, path)
    text = path.read_text()
    old = ">2.0<" if edge == "link" else ">0.5<"
    assert text.count(old) == 1
    path.write_text(text.replace(old, f">{bad}<"))
    who = "'x1' → 'a2_1'" if edge == "link" else "'bias1' → 'a2_1'"
    with pytest.raises(ng.FileFormatError, match=f"the weight of {who} must be a finite "
                                                 "number"):
        ng.from_graphml(path)


def test_a_diverged_network_is_not_written_as_graphml(tmp_path):
    net = ng.Network.from_thetas([[[0.5, 2.0, -3.0]]])
    net.weights.theta[2] = np.inf  # as a diverging update leaves it
    with pytest.raises(ng.InputValueError, match="'x2' → 'a2_1' has weight inf; GraphML"):
        ng.to_graphml(net, tmp_path / "n.graphml")
    assert not (tmp_path / "n.graphml").exists()
