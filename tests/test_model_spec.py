"""A network as plain data and back (to_spec/from_spec), the trainer's state_dict,
and the model's seams: layering over the DiGraph, Node and Network apart."""

import ast
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

import neurograph as ng
from neurograph.model.layering import depths

MODEL = Path(ng.__file__).parent / "model"
X = np.random.default_rng(0).normal(size=(6, 2))


def dag_with_skip():
    net = ng.Network(seed=0)
    x1, x2 = net.add_input("x1"), net.add_input("x2")
    h = net.add_node("h", activation="tanh")
    o = net.add_node("o")
    for s, t in [(x2, h), (x1, h), (h, o), (x1, o)]:  # out of order on purpose
        net.connect(s, t)
    net.set_bias(h, 0.25)
    return net


def dangling_hidden():
    net = ng.Network(seed=1)
    l1, l2 = net.add_layer(2), net.add_layer(2, activation="relu")
    l3 = net.add_layer(1)
    net.connect_layers(l1, l2)
    net.connect(l2[0], l3[0], 0.7)  # a2_2 feeds nothing but stays hidden
    return net


def rbf():
    net = ng.Network(seed=2)
    x1, x2 = net.add_input(), net.add_input()
    r = net.add_node("r", activation="gaussian", input_function="euclidean_rbf")
    o = net.add_node("o")
    for s, t, w in [(x1, r, 0.3), (x2, r, -0.2), (r, o, 1.5), (x2, o, 0.1)]:
        net.connect(s, t, w)
    return net


MAKERS = {
    "architecture_f64": lambda: ng.Network.from_architecture([2, 3, 2], seed=0),
    "architecture_f32": lambda: ng.Network.from_architecture([2, 4, 3], seed=3,
                                                             dtype=np.float32),
    "dag_skip": dag_with_skip,
    "dangling_hidden": dangling_hidden,
    "rbf": rbf,
}


def shape_of(net):
    return ([[(u.name, u.kind) for u in lay] for lay in net.layers],
            [u.activation.name for u in net.nodes if u.activation is not None],
            net.dtype, net.classes, [b.name for b in net.bias_units])


@pytest.mark.parametrize("kind", MAKERS)
def test_spec_round_trip_is_the_same_network(kind):
    net = MAKERS[kind]()
    if len(net.outputs) > 1:
        net.classes = [f"c{k}" for k in range(len(net.outputs))]
    spec = net.to_spec()
    plain = {k: v for k, v in spec.items() if k not in ("weights", "biases")}
    assert json.loads(json.dumps(plain)) == plain  # plain data, arrays aside
    back = ng.Network.from_spec(spec)
    assert shape_of(back) == shape_of(net)
    for engine in ("graph", "auto"):
        np.testing.assert_array_equal(back.forward(X, engine=engine),
                                      net.forward(X, engine=engine))
    assert back.forward(X).dtype == net.dtype
    # links keep the order each target sums them in
    for u in net.nodes:
        assert [li.source.name if li.source else None for li in back.in_links(u.name)] == \
            [li.source.name if li.source else None for li in net.in_links(u)]


def test_dangling_hidden_unit_stays_hidden():
    back = ng.Network.from_spec(dangling_hidden().to_spec())
    assert back["a2_2"].kind == "hidden" and back["a2_2"].layer == 2
    assert back["a2_2"].outgoing == [] and back.s == [2, 2, 1]


@pytest.mark.parametrize("compiled", [False, True])
def test_spec_theta_index_lines_up_with_the_rebuilt_theta(compiled):
    net = ng.Network.from_architecture([2, 3, 1], seed=4)
    if not compiled:
        net.connect("x1", "a3_1", 0.3)  # a skip link: θ keeps the store's own order
    else:
        net.compile()
    back = ng.Network.from_spec(net.to_spec())
    assert (back.weights.current() is not None) is compiled
    np.testing.assert_array_equal(back.weights.theta,
                                  net.weights.theta[net.spec_theta_index()])
    # and link by link, independently of any layout
    for li in net.links:
        assert back.link(li.source.name, li.target.name).weight == li.weight


def test_spec_keeps_non_finite_weights():
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    net.theta(1)[0, 1] = np.nan
    back = ng.Network.from_spec(net.to_spec())
    assert np.isnan(back.theta(1)[0, 1])


def spec_with(**change):
    spec = ng.Network.from_architecture([2, 2, 1], seed=0).to_spec()
    if "links" in change:
        spec["weights"] = np.zeros(len(change["links"]["source"]))
    spec.update(change)
    return spec


@pytest.mark.parametrize("change, error, match", [
    ({"dtype": "int8"}, ng.ConfigError, "dtype must be float64 or float32, got 'int8'"),
    ({"nodes": "x"}, ng.ConfigError, "'nodes' must be a list of node dicts, got str"),
    ({"weights": np.zeros(3)}, ng.ShapeError, r"'weights' must be 6 real numbers, got shape"),
    ({"biases": np.zeros(9)}, ng.ShapeError, r"'biases' must be 3 real numbers"),
    ({"links": {"source": ["a2_1"], "target": ["x1"]}}, ng.TopologyError,
     "cannot link into input unit 'x1'"),
    ({"links": {"source": ["a3_1", "a2_1"], "target": ["a2_1", "a3_1"]}}, ng.TopologyError,
     "links go forward"),
    ({"links": {"source": ["x1"], "target": ["nobody"]}}, ng.TopologyError, "no node named"),
    ({"links": {"source": ["x1"], "target": []}}, ng.ShapeError, "lists of one length"),
    ({"classes": "ab"}, ng.ConfigError, "classes must be a list or None"),
])
def test_from_spec_refuses_malformed_specs(change, error, match):
    with pytest.raises(error, match=match):
        ng.Network.from_spec(spec_with(**change))


def test_from_spec_refuses_cycles_and_missing_keys():
    spec = dag_with_skip().to_spec()
    spec["links"] = {"source": ["h", "o"], "target": ["o", "h"]}
    spec["weights"] = np.zeros(2)
    with pytest.raises(ng.CycleError, match="would close the cycle"):
        ng.Network.from_spec(spec)
    with pytest.raises(ng.ConfigError, match=r"missing \['weights'\]"):
        ng.Network.from_spec({k: v for k, v in spec.items() if k != "weights"})


# --- the trainer's state -----------------------------------------------------------------
def data():
    Xd = np.random.default_rng(5).normal(size=(14, 2))
    return Xd, (Xd[:, 0] - Xd[:, 1] > 0).astype(int)


def test_state_dict_resumes_bit_identical_on_a_rebuilt_network():
    Xd, y = data()
    a = ng.Network.from_architecture([2, 3, 1], seed=4)
    a.connect("x1", "a3_1", 0.3)  # graph engine: θ's layout changes on rebuilding
    ng.Trainer(a, alpha=0.5, momentum=0.7, batch_size=4, seed=2).fit(Xd, y, epochs=4)
    b = ng.Network.from_architecture([2, 3, 1], seed=4)
    b.connect("x1", "a3_1", 0.3)
    tb = ng.Trainer(b, alpha=0.5, momentum=0.7, batch_size=4, seed=2)
    gen = tb.steps(Xd, y, every="batch", epochs=4)
    for _ in range(6):
        next(gen)
    gen.close()
    d = tb.state_dict()
    c = ng.Network.from_spec(b.to_spec())
    d["velocity"] = d["velocity"][b.spec_theta_index()]
    tc = ng.Trainer(c)
    tc.load_state_dict(d)
    assert tc.state_dict()["epoch"] == 1 and tc.state_dict()["next_batch"] == 2
    tc.fit(Xd, y, epochs=4 - tc.epoch)
    for li in a.links:
        assert c.link(li.source.name, li.target.name).weight == li.weight


def test_load_state_dict_refuses_and_changes_nothing():
    net = ng.Network.from_architecture([2, 1], seed=0)
    t = ng.Trainer(net, alpha=0.7)
    before = t.state_dict()
    bad = {**ng.Trainer(net, alpha=0.1).state_dict(), "momentum": 1.5}
    with pytest.raises(ng.ConfigError, match=r"momentum must be in \[0, 1\), got 1.5"):
        t.load_state_dict(bad)
    bad = {**ng.Trainer(net, alpha=0.1).state_dict(), "epoch_sums": [1.0]}
    with pytest.raises(ng.ConfigError, match="IndexError"):
        t.load_state_dict(bad)
    assert t.alpha == 0.7 and t.state_dict()["epoch_sums"] == before["epoch_sums"]


def test_checkpoint_keeps_the_best_weights_of_early_stopping(tmp_path):
    Xd, y = data()
    net = ng.Network.from_architecture([2, 3, 1], seed=0)
    t = ng.Trainer(net, alpha=0.5)
    t.fit(Xd, y, epochs=3, validation=(Xd[:5], y[:5]), patience=50)
    cost, best = t.state_dict()["best"]
    ng.save(net, tmp_path / "b.ngz", trainer=t)
    with zipfile.ZipFile(tmp_path / "b.ngz") as z:
        assert "best.npy" in z.namelist()
    _, t2 = ng.load(tmp_path / "b.ngz", trainer=True)
    cost2, best2 = t2.state_dict()["best"]
    assert cost2 == cost
    np.testing.assert_array_equal(best2, best)


# --- the seams ---------------------------------------------------------------------------
def test_depths_are_longest_paths_from_the_inputs():
    net = ng.Network()
    x = net.add_input("x")
    a, b, c = net.add_node("a"), net.add_node("b"), net.add_node("c")
    net.connect(a, b, 1.0)  # a has no unit feeding it: Layer 2, so b is in Layer 3
    net.connect(x, c, 1.0)
    net.connect(b, c, 1.0)
    assert depths(net.graph, net.inputs) == {"x": 1, "a": 2, "b": 3, "c": 4}
    assert [[u.name for u in lay] for lay in net.layers] == [["x"], ["a"], ["b"], ["c"]]


def test_bias_units_are_found_by_name_right_after_building():
    net = ng.Network()
    x = net.add_input("x")
    h = net.add_node("h", bias=0.5)
    net.connect(x, h, 1.0)
    assert net.link("bias1", "h").weight == 0.5 and net["bias1"].kind == "bias"


def test_node_reads_no_private_member_of_another_object():
    tree = ast.parse((MODEL / "node.py").read_text())
    bad = [(n.lineno, ast.unparse(n)) for n in ast.walk(tree)
           if isinstance(n, ast.Attribute) and n.attr.startswith("_")
           and not n.attr.startswith("__")
           and not (isinstance(n.value, ast.Name) and n.value.id == "self")]
    assert bad == []


def test_model_modules_stay_small():
    sizes = {p.name: len(p.read_text().splitlines()) for p in MODEL.glob("*.py")}
    assert max(sizes.values()) <= 450, sizes


def test_checkpoint_without_newer_trainer_keys_still_loads(tmp_path):
    from test_checkpoint_trust import resign, saved, write_zip

    Xd, y = data()
    net = ng.Network.from_architecture([2, 3, 1], seed=0)
    t = ng.Trainer(net, alpha=0.5, batch_size=5, seed=1)
    gen = t.steps(Xd, y, every="batch", epochs=2)
    next(gen)
    gen.close()
    path, struct, members = saved(tmp_path, net, t)
    del struct["trainer"]["epoch_shape"], struct["trainer"]["settings"]["on_nonfinite"]
    write_zip(path, resign(struct, members))
    _, t2 = ng.load(path, trainer=True)
    d = t2.state_dict()
    assert (d["epoch_shape"], d["on_nonfinite"], d["next_batch"]) == (None, "stop", 1)


def test_network_methods_go_through_its_parts():
    # the methods Network inherits (views, edits, building) keep no state of their own and
    # touch none of the Network's fields: each change goes to the part that owns it
    # (topology, weights, layering, lesions), so a part can copy itself whole
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    private = {k for k in vars(net) if k.startswith("_")}
    bad = []
    for name in ("views.py", "edit.py", "build.py"):
        for n in ast.walk(ast.parse((MODEL / name).read_text())):
            targets = n.targets if isinstance(n, ast.Assign) else \
                [n.target] if isinstance(n, (ast.AugAssign, ast.AnnAssign)) else []
            bad += [(name, n.lineno, ast.unparse(t)) for t in targets
                    if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name)
                    and t.value.id == "self"  # a public setter checks what it is given
                    and not isinstance(getattr(ng.Network, t.attr, None), property)]
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) \
                    and n.value.id == "self" and n.attr in private:
                bad.append((name, n.lineno, ast.unparse(n)))
    assert bad == []
