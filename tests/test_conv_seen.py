"""Conv and shared weights seen (issue 22, item 5): diagnosis by feature map, explain's
terms of a conv unit's z and of a shared weight's gradient, diagrams of feature maps.
Every number is checked against numpy written here, not against the library's formula."""

import re

import numpy as np
import pytest

import neurograph as ng


def windows(X, k):
    """(n, Ho, Wo, k, k) windows of the (n, H, W) inputs: stride 1, no padding."""
    n, H, W = X.shape
    return np.stack([[X[:, r:r + k, c:c + k] for c in range(W - k + 1)]
                     for r in range(H - k + 1)]).transpose(2, 0, 1, 3, 4)


def conv_net(activation="relu", seed=3):
    """6×6 inputs → conv 3 maps of 3×3 (4×4 each) → 2×2 max pool → 2 sigmoid outputs."""
    net = ng.Network(seed=seed)
    x = net.add_inputs((6, 6))
    c = net.add_conv(x, maps=3, kernel=3, activation=activation, name="c1")
    s = net.add_pool(c, size=2, kind="max", name="s1")
    out = net.add_layer(2, activation="sigmoid")
    net.connect_layers(s, out)
    return net, c


def data(seed=0, n=12):
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 1, (n, 36)), rng.integers(0, 2, (n, 2)).astype(float)


def z_numpy(c, X, m):
    """z of map m for each instance, (n, 4, 4): Σ K[m]·window + b[m] by numpy."""
    W = windows(X.reshape(-1, 6, 6), 3)
    return np.einsum("nrcij,ij->nrc", W, c.kernels[m, 0]) + c.biases[m]


# --- diagnosis: dead and saturated maps ---------------------------------------------------

def test_a_map_forced_dead_is_one_finding_naming_the_map():
    net, c = conv_net("relu")
    X, Y = data()
    b = c.biases.copy()
    b[1] = -50.0  # far below any Σ K·x of inputs in [0, 1] and |K| ≤ 1/3
    c.biases = b
    d = ng.diagnose(net.backward(X, Y), net=net)
    dead = d.of("dead")
    mapped = [f for f in dead if f.where.get("map") == "c1[1]"]
    assert len(mapped) == 1, d
    f = mapped[0]
    assert "map c1[1]" in f.summary and set(f.units) == {u.name for u in c[1].flat}
    # its evidence is the largest z over the map's units and instances, by numpy
    assert f.evidence["c1[1]: max z"] == pytest.approx(z_numpy(c, X, 1).max(), abs=1e-12)
    assert z_numpy(c, X, 1).max() < 0
    # no other finding lists the map's units one by one
    others = [u for g in d if g is not f for u in g.units]
    assert not set(others) & set(f.units)


def test_a_dead_unit_that_is_not_a_whole_map_stays_a_unit_finding():
    net = ng.Network.from_architecture([2, 3, 1], activation="relu", seed=0)
    net.set_bias(net.layers[1][0], -100.0)
    X, Y = data(n=5)[0][:, :2], np.ones((5, 1))
    d = ng.diagnose(net.backward(X, Y), net=net)
    (f,) = d.of("dead")
    assert f.units == ("a2_1",) and "map" not in f.where and "1 relu unit(s)" in f.summary


def test_a_saturated_map_is_one_finding_naming_the_map():
    net, c = conv_net("sigmoid")
    X, Y = data()
    b = c.biases.copy()
    b[2] = 40.0  # σ'(z) = σ(z)(1 − σ(z)) < 1e-15 for z > 35
    c.biases = b
    d = ng.diagnose(net.backward(X, Y), net=net)
    (f,) = [f for f in d.of("saturated") if f.where.get("map") == "c1[2]"]
    assert set(f.units) == {u.name for u in c[2].flat}
    assert z_numpy(c, X, 2).min() > 35  # every unit, every instance: g' ≈ 0
    assert not any(set(g.units) & set(f.units) for g in d if g is not f)


# --- explain: a conv unit's z and a shared weight's gradient, term by term ----------------

def dense_conv_net():
    """4×4 inputs → conv 2 maps of 3×3 (2×2 each, relu) → 1 sigmoid output."""
    net = ng.Network(seed=3)
    x = net.add_inputs((4, 4))
    c = net.add_conv(x, maps=2, kernel=3, activation="relu", name="c1")
    out = net.add_layer(1, activation="sigmoid")
    net.connect_layers(c, out)
    return net, c


def numpy_pass(net, c, X, y, lam):
    """z, δ of the conv units and ∂J/∂K, ∂J/∂b by numpy (cross-entropy, n instances)."""
    n = len(X)
    W = windows(X.reshape(n, 4, 4), 3)                                  # (n, 2, 2, 3, 3)
    z = np.einsum("nrcij,mij->nmrc", W, c.kernels[:, 0]) + c.biases[:, None, None]
    a = np.maximum(z, 0)
    o = net.outputs[0]
    w = np.array([net.link(u, o).weight for u in c])                    # C order = a's
    b = o.bias_link.weight
    h = 1 / (1 + np.exp(-(a.reshape(n, -1) @ w + b)))
    d_out = h - y                                                       # δ(3) = a − y
    d = (d_out[:, None] * w[None, :]).reshape(a.shape) * (z > 0)        # δ(2)
    gK = np.einsum("nmrc,nrcij->mij", d, W) / n + lam / n * c.kernels[:, 0]
    gb = d.sum(axis=(0, 2, 3)) / n
    return z, d, gK, gb


def test_explain_writes_a_conv_units_z_as_kernel_times_window_plus_bias():
    net, c = dense_conv_net()
    X = np.random.default_rng(0).uniform(0, 1, (2, 16))
    y = np.array([1.0, 0.0])
    we = ng.explain(net, X, y, units=["c1[1, 0, 1]"], lam=0.1)
    z, *_ = numpy_pass(net, c, X, y, 0.1)
    u = c[1, 0, 1]
    key = f"z(2)_{u.position + 1}^(2)"  # the second instance
    eq = we.equation(key)
    syms = [tok.s for tok in eq.segments[1] if type(tok).__name__ == "Txt"]
    assert syms == ["c1.biases[1]"] + [f"c1.kernels[1, 0, {i}, {j}]"
                                       for i in range(3) for j in range(3)]
    nums = [tok.value for tok in eq.segments[2] if type(tok).__name__ == "Num"]
    w, a = np.array(nums[0::2]), np.array(nums[1::2])
    window = X[1].reshape(4, 4)[0:3, 1:4].ravel()
    np.testing.assert_array_equal(w, np.r_[c.biases[1], c.kernels[1, 0].ravel()])
    np.testing.assert_array_equal(a, np.r_[1.0, window])
    assert w @ a == pytest.approx(z[1, 1, 0, 1], abs=1e-12) == we.values[key]
    assert "kernel entries × its window's inputs + its map's bias" in we.to_text()


@pytest.mark.parametrize("n", [1, 2])
def test_explain_writes_a_shared_weights_gradient_as_the_sum_of_its_links_terms(n):
    net, c = dense_conv_net()
    X = np.random.default_rng(1).uniform(0, 1, (n, 16))
    y = np.array([1.0, 0.0][:n])
    we = ng.explain(net, X, y, units=["c1[0, 1, 1]"], lam=0.1, alpha=0.5)
    _, d, gK, gb = numpy_pass(net, c, X, y, 0.1)
    K, B = net.parameters["c1.kernels"], net.parameters["c1.biases"]
    tr = we.trace
    for (i, j) in [(0, 0), (1, 2), (2, 1)]:
        p = K[0, 0, i, j]
        eq = we.equation(f"dJ/d{p.name}")
        named = [tok.link for tok in eq.segments[1] if getattr(tok, "link", None)]
        assert named == [(k.source.name, k.target.name) for k in p.links] and len(named) == 4
        assert eq.value == pytest.approx(gK[0, i, j], abs=1e-12)
        assert eq.value == pytest.approx(float(tr.grad(p)), abs=1e-12)
        # the update moves the parameter once, by the sum
        assert we.values[p.name] == pytest.approx(p.value - 0.5 * gK[0, i, j], abs=1e-12)
    # a tied link's D is its own term Σ_t δ·a / n, without λ (λ comes once, in ∂J/∂p)
    u = net["c1[0, 1, 1]"]
    link = next(k for k in u.incoming if k.parameter is K[0, 0, 0, 0])
    key = f"D[{link.source.name}→{u.name}]"
    own = float(np.mean(d[:, 0, 1, 1] * X[:, 5]))  # x[1, 1] is column 5
    assert we.values[key] == pytest.approx(own, abs=1e-15) and "λ" not in we.line(key)
    eq = we.equation(f"dJ/d{B[0].name}")  # a bias parameter: no λ
    assert eq.value == pytest.approx(gb[0], abs=1e-12) and "λ" not in we.line(f"dJ/d{B[0].name}")
    if n == 1:  # one instance: each term written as its a·δ
        nums = [tok.value for tok in we.equation(f"dJ/d{K[0, 0, 0, 0].name}").segments[2]
                if type(tok).__name__ == "Num"][:8]
        np.testing.assert_allclose(nums[1::2], d[0, 0].ravel(), atol=1e-15)
        np.testing.assert_allclose(nums[0::2], X[0].reshape(4, 4)[0:2, 0:2].ravel())


# --- diagrams: feature maps, kernels, links by map, one receptive field ----------------------

CELL = re.compile(r'<TD PORT="r(\d+)c(\d+)"([^>]*)>(?:<FONT[^>]*>([^<]*)</FONT>)?</TD>')


def node_line(src, node_id):
    (line,) = [ln for ln in src.splitlines() if ln.strip().startswith(f'"{node_id}" [label')]
    return line


def cells(src, node_id):
    """{(r, c): (attributes, printed text)} of a map node's cells."""
    return {(int(r), int(c)): (attrs, txt) for r, c, attrs, txt in
            CELL.findall(node_line(src, node_id))}


def edges(src):
    """(tail, head, attributes) of the drawn edges (the invisible ones that keep the order of
    a layer's nodes left out)."""
    return [e for e in re.findall(r'^\s*("?[^\s"]+"?(?::r\d+c\d+)?) -> ("?[^\s"]+"?(?::r\d+c\d+)?)'
                      r'(?: \[(.*)\])?$', src, flags=re.M) if "invis" not in e[2]]


def test_a_conv_layer_is_drawn_as_its_maps_with_kernels_and_one_edge_per_map():
    net, c = conv_net("relu")
    src = ng.diagram(net, show="weights").source
    for u in list(c) + [u for u in net.layers[2]]:
        assert f'"{u.name}" [' not in src  # no circle per unit of a grid
    for m in range(3):  # a 4×4 table per conv map, a 2×2 per pool map, 6×6 for the input
        assert len(cells(src, f"#map2_{m}")) == 16 and len(cells(src, f"#map3_{m}")) == 4
        assert f"c1[{m}]" in node_line(src, f"#map2_{m}")
    assert len(cells(src, "#map1_0")) == 36
    # the kernel printed with its values, row by row, as ".2g"
    K = c.kernels
    kernel = re.findall(r"<TR>((?:<TD BGCOLOR[^>]*WIDTH=\"22\"[^>]*><FONT[^>]*>[^<]*</FONT>"
                        r"</TD>)+)</TR>", node_line(src, "#map2_1"))
    printed = [re.findall(r">([^<>]+)</FONT>", row) for row in kernel]
    np.testing.assert_allclose([[float(t) for t in row] for row in printed], K[1, 0], rtol=0.05)
    # links collapsed: input → each conv map once, each conv map → its pool map once,
    # each pool map → each output unit once, each conv map's bias once
    pairs = {(t.strip('"'), h.strip('"')) for t, h, _ in edges(src)}
    assert {("#map1_0", f"#map2_{m}") for m in range(3)} <= pairs
    assert {(f"#map2_{m}", f"#map3_{m}") for m in range(3)} <= pairs
    assert {(f"#map3_{m}", o.name) for m in range(3) for o in net.outputs} <= pairs
    assert {("bias1", f"#map2_{m}") for m in range(3)} <= pairs
    assert len(edges(src)) == 3 + 3 + 6 + 3 + 2  # + the outputs' two bias links


def test_cells_print_each_units_activation_as_numpy_computes_it():
    net, c = conv_net("relu")
    X, Y = data()
    src = ng.diagram(net, show="activations", trace=net.backward(X, Y), row=2).source
    a = np.maximum(z_numpy(c, X, 0)[2], 0)  # map 0, instance 3
    got = cells(src, "#map2_0")
    for (r, col), (_, txt) in got.items():
        assert float(txt) == pytest.approx(a[r, col], rel=0.05, abs=1e-9)


def test_receptive_field_draws_one_units_links_from_its_window_with_their_weights():
    net, c = conv_net("relu")
    for name in ("c1[0,1,2]", "c1[0, 1, 2]", c[0, 1, 2]):
        src = ng.diagram(net, show="weights", receptive_field=name).source
        rf = [(t, h, a) for t, h, a in edges(src) if h == '"#map2_0":r1c2']
        got = {t: re.search(r'label="?([^" ]+)', a).group(1) for t, h, a in rf}
        want = {f'"#map1_0":r{1 + i}c{2 + j}': c.kernels[0, 0, i, j]
                for i in range(3) for j in range(3)}
        want["bias1"] = c.biases[0]
        assert set(got) == set(want)
        for t, w in want.items():
            assert float(got[t]) == pytest.approx(w, rel=1e-3)
        # its window and the unit itself are outlined, the other cells not
        ringed = {rc for rc, (attrs, _) in cells(src, "#map1_0").items() if "BORDER" in attrs}
        assert ringed == {(1 + i, 2 + j) for i in range(3) for j in range(3)}
        assert "BORDER" in cells(src, "#map2_0")[1, 2][0]


def test_gradients_draw_each_kernels_gradient_d2l_numbers():
    from neurograph.engines.passes import run_backward
    net = ng.Network()
    x = net.add_inputs((3, 3))
    c = net.add_conv(x, maps=1, kernel=2, activation="linear", name="c")
    c.kernels = [[[[0.0, 1.0], [2.0, 3.0]]]]
    X = np.arange(9.0)[None, :]
    tr = run_backward(net, X, net.forward(X) - 1.0, 0.0, "mse", "graph")  # J = ΣY
    line = node_line(ng.diagram(net, show="gradients", trace=tr).source, "#map2_0")
    grad = line[line.index("∂J/∂K[0, 0]"):]
    assert re.findall(r">([^<>]+)</FONT></TD>", grad)[:4] == ["8", "12", "20", "24"]


def test_health_rings_the_cells_of_a_dead_map_and_badges_the_map():
    net, c = conv_net("relu")
    X, Y = data()
    b = c.biases.copy()
    b[1] = -50.0
    c.biases = b
    src = ng.diagram(net, show="health", trace=net.backward(X, Y)).source
    got = cells(src, "#map2_1")
    assert all('COLOR="#404040"' in attrs for attrs, _ in got.values()) and len(got) == 16
    assert re.search(r'"#map2_1" \[[^\]]*xlabel=dead', src)
    assert '"c1[1, 0, 0]"' not in src  # no stray node per unit


def test_receptive_field_refuses_what_it_cannot_draw():
    net, c = conv_net("relu")
    with pytest.raises(ng.errors.ConfigError, match="not a unit of this network"):
        ng.diagram(net, receptive_field="c9[0, 0, 0]")
    with pytest.raises(ng.errors.ConfigError, match="input unit"):
        ng.diagram(net, receptive_field="x[0, 0]")
    dense = ng.Network.from_architecture([2, 2, 1])
    with pytest.raises(ng.errors.ConfigError, match="neither is in a grid"):
        ng.diagram(dense, receptive_field="a2_1")


def test_a_copied_and_a_loaded_conv_net_are_still_drawn_as_maps(tmp_path):
    net, _ = conv_net("relu")
    ng.save(net, tmp_path / "c.ngz")
    for other in (net.copy(), ng.load(tmp_path / "c.ngz")):
        src = ng.diagram(other, show="weights").source
        assert len(cells(src, "#map2_2")) == 16 and "K[2, 0]" in src


def test_lenet5_draws_as_maps_in_seconds():
    import time
    net = ng.Network.lenet5()
    t = time.perf_counter()
    src = ng.diagram(net).source
    assert time.perf_counter() - t < 5
    assert len(cells(src, "#map2_5")) == 28 * 28 and len(cells(src, "#map4_15")) == 100
    # C3's map 0 reads 3 input maps (the paper's Table I), its map 15 all 6: 3 drawn, 3 counted
    assert "K[0, 2]" in node_line(src, "#map4_0") and "more" not in node_line(src, "#map4_0")
    assert "+ 3 more" in node_line(src, "#map4_15")


def test_a_grids_name_is_data_in_its_maps():
    net = ng.Network(seed=0)
    x = net.add_inputs((4, 4), name='<b>"x"&')
    c = net.add_conv(x, maps=2, kernel=3, name="</TD></TABLE>>c")
    src = ng.diagram(net, show="weights", receptive_field=c[1, 0, 1]).source
    assert "&lt;/TD&gt;&lt;/TABLE&gt;&gt;c[1]" in src and "&lt;b&gt;&quot;x&quot;&amp;[0]" in src
    svg = ng.diagram(net, show="weights").pipe("svg").decode()  # Graphviz reads it
    assert "&lt;/TD&gt;&lt;/TABLE&gt;&gt;c[0]" in svg


def test_receptive_field_of_a_dense_unit_fed_by_maps_is_drawn_from_the_cells():
    net, c = conv_net("relu")
    o = net.outputs[0]
    src = ng.diagram(net, show="weights", receptive_field=o.name, edge_labels=True).source
    into = [(t, a) for t, h, a in edges(src) if h == o.name]
    got = {t: float(re.search(r'label="?([^" ]+)', a).group(1)) for t, a in into
           if "label" in a}
    want = {f'"#map3_{m}":r{r}c{col}': net.link(net[f"s1[{m}, {r}, {col}]"], o).weight
            for m in range(3) for r in range(2) for col in range(2)}
    want["bias3"] = o.bias_link.weight
    assert set(got) == set(want)
    for t, w in want.items():
        assert got[t] == pytest.approx(w, rel=1e-3)
    assert not [t for t, _ in into if t in {f'"#map3_{m}"' for m in range(3)}]  # not twice
