"""ng.explain: the printed worked example, parsed back, equals the Trace's numbers."""

import re

import numpy as np
import pytest

import neurograph as ng

MAZUR = ([[0.35, 0.15, 0.20], [0.35, 0.25, 0.30]], [[0.60, 0.40, 0.45], [0.60, 0.50, 0.55]])
NUM = r"\(?(-?[0-9.]+(?:e[-+][0-9]+)?)\)?"


def mazur():
    return ng.Network.from_thetas([np.array(t) for t in MAZUR])


def skip_net():
    net = ng.Network(seed=1)
    x1, x2 = net.add_input("x1"), net.add_input("x2")
    h = net.add_node("h", activation="sigmoid")
    o = net.add_node("o", activation="sigmoid")
    for src, dst, w in [(x1, h, 0.7), (x2, h, -1.1), (h, o, 1.3), (x1, o, -0.4), (x2, o, 0.9)]:
        net.connect(src, dst, weight=w)
    net.set_bias(h, 0.2)
    net.set_bias(o, -0.3)
    return net


def equations(text):
    """[(who, lhs, [segments after the lhs])]: continuation lines joined back."""
    lines = []
    for ln in text.splitlines():
        if re.match(r"^ {3,}(=|:=) ", ln) and lines:
            lines[-1] += " " + ln.strip()
        elif ln.startswith("  ") and not ln.startswith("  ("):
            lines.append(ln)
    out = []
    for ln in lines:
        m = re.match(r"^  (\S+)\s+(.+?) (?:=|:=) (.*)$", ln)
        assert m, ln
        out.append((m.group(1), m.group(2), m.group(3).split(" = ")))
    return out


def same(s, v, digits=9):
    """The printed string is v to the digits printed."""
    return float(s.strip("()")) == float(f"{float(v):.{digits}g}")


def index(sym):
    """'z(2)_1' → ('z', 2, (1,)); 'D[h→o]' → ('D', None, ('h', 'o'))."""
    m = re.match(r"^([^\(\[_]+)\((\d+)\)_([\d,]+)$", sym)
    if m:
        return m.group(1), int(m.group(2)), tuple(int(k) for k in m.group(3).split(","))
    m = re.match(r"^(\S+)\[(.+)→(.+)\]$", sym)
    assert m, sym
    return m.group(1), None, (m.group(2), m.group(3))


def check_roundtrip(net, X, Y, alpha, lam=0.0, loss="auto"):
    we = ng.explain(net, X, Y, alpha=alpha, lam=lam, loss=loss)
    tr = we.trace
    links = {("+1" if k.is_bias else k.source.name, k.target.name): k for k in net.links}
    by_pos = {}
    for lay in net.layers:
        for u in lay.nodes:
            by_pos[(lay.index, u.position + 1)] = u
    w_before = {key: k.weight for key, k in links.items()}
    counted = {"z": 0, "a": 0, "δ": 0, "D": 0, "share": 0, "update": 0, "J": 0}
    for who, lhs, segs in equations(we.to_text()):
        value = segs[-1]
        if lhs.startswith(("z(", "a(", "δ(")):
            base, l, (j,) = index(lhs)
            u = by_pos[(l, j)]
            assert who == u.name
            arr = {"z": tr.z, "a": tr.a, "δ": tr.delta}[base][l - 1][0, j - 1]
            assert same(value, arr), (lhs, value, arr)
            assert same(value, tr.node(u)[{"δ": "delta"}.get(base, base)][0])
            counted[base] += 1
            if base == "z":  # every w·a term: the link's weight and the source's a
                terms = segs[1].split(" + ")
                ins = u.incoming
                assert len(terms) == len(ins)
                for term, link in zip(terms, ins):
                    w, a = re.fullmatch(NUM + "·" + NUM, term).groups()
                    assert same(w, link.weight)
                    a_true = 1.0 if link.is_bias else tr.node(link.source)["a"][0]
                    assert same(a, a_true)
        elif lhs.startswith("share from"):
            src, tgt = who.split("←")
            assert same(value, tr.blame(net[src])[tgt][0])
            counted["share"] += 1
        elif lhs.startswith("D"):
            base, l, idx = index(lhs)
            src, tgt = who.split("→")
            assert same(value, tr.link_grad(links[(src, tgt)]))
            if l is not None:  # layered: D(l)_j,i is also the matrix entry of net.gradients
                D = net.gradients(X, Y, lam=lam, loss=loss)[l - 1]
                assert same(value, D[idx[0] - 1, idx[1]])
            counted["D"] += 1
        elif lhs.startswith(("Θ", "w")):
            src, tgt = who.split("→")
            new = w_before[(src, tgt)] - alpha * tr.link_grad(links[(src, tgt)])
            assert same(value, new)
            counted["update"] += 1
        elif lhs == "J":
            assert same(value, tr.cost)
            assert same(value, net.cost(X, Y, lam=lam, loss=loss))
            counted["J"] += 1
    n_units = len(net.nodes) - len(net.inputs)
    assert counted["z"] == counted["a"] == counted["δ"] == n_units
    assert counted["D"] == counted["update"] == net.n_links
    assert counted["share"] == sum(len(u.outgoing) for lay in net.layers[1:-1] for u in lay)
    assert counted["J"] == 1
    return we


def test_mazur_roundtrip_and_published_numbers():
    net = mazur()
    we = check_roundtrip(net, [[0.05, 0.10]], [[0.01, 0.99]], alpha=0.5, loss="mse")
    # one instance may be given as a row of x and a row of targets
    assert ng.explain(net, [0.05, 0.10], [0.01, 0.99], alpha=0.5, loss="mse").values == we.values
    text = we.to_text()
    # Mazur's published values appear as printed numbers
    for v in ["0.593269992", "0.596884378", "0.75136507", "0.772928465", "0.298371109",
              "0.35891648", "0.408666186", "0.51130127", "0.561370121", "0.149780716"]:
        assert re.search(rf"= {re.escape(v)}\b", text), v
    # the network is not changed by writing out the update
    assert np.array_equal(net.theta(2), np.array(MAZUR[1]))


def test_353_roundtrip_cross_entropy_with_lambda():
    net = ng.Network.from_architecture([3, 5, 3], seed=0)
    check_roundtrip(net, [0.5, -1.2, 0.3], [2], alpha=1.0, lam=0.7)


def test_skip_connection_graph_engine_roundtrip():
    net = skip_net()
    assert not net.is_layered
    we = check_roundtrip(net, [1.0, 0.0], [1], alpha=2.0, lam=0.5)
    assert we.trace.engine == "graph"
    # the skip link is written with its unit names, not a Θ entry
    assert "w[x1→o]·a(1)_1" in we.to_text()
    assert "D[x1→o]" in we.values


def test_batch_of_instances_sums_delta_over_instances():
    net = ng.Network.from_architecture([2, 2, 1], seed=4)
    X, y = np.array([[0.0, 1.0], [1.0, 1.0]]), np.array([1, 0])
    we = ng.explain(net, X, y, lam=1.0)
    tr = net.backward(X, y, lam=1.0)
    # Δ(2)_1,1 = δ(3)^(1)·a(2)^(1) + δ(3)^(2)·a(2)^(2), written term by term
    expect = float((tr.delta[2][:, 0] * tr.a[1][:, 0]).sum())
    assert we.values["Delta(2)_1,1"] == pytest.approx(expect, rel=1e-14)
    assert "δ(3)_1^(1)·a(2)_1^(1) + δ(3)_1^(2)·a(2)_1^(2)" in we.line("Delta(2)_1,1")
    assert we.values["z(2)_1^(2)"] == pytest.approx(tr.z[1][1, 0], rel=1e-14)
    assert we.values["D(2)_1,1"] == pytest.approx(net.gradients(X, y, lam=1.0)[1][0, 1])


def test_renderings_markdown_latex_html():
    we = ng.explain(mazur(), [0.05, 0.10], [0.01, 0.99], alpha=0.5, loss="mse")
    md = we._repr_markdown_()
    assert r"\Theta^{(1)}_{1,0}\cdot a^{(1)}_{0}" in md and "$$" in md
    assert r"&= 0.593269992" in md
    lat = we._repr_latex_()
    assert lat.startswith("$$") and lat.count(r"\begin{aligned}") == len(we.equations) + 1
    html = we._repr_html_()
    assert "Θ<sup>(1)</sup><sub>1,0</sub>" in html and "0.593269992" in html
    assert str(we) == we.to_text()


def test_to_html_writes_a_page(tmp_path):
    we = ng.explain(mazur(), [0.05, 0.10], [0.01, 0.99], loss="mse")
    p = tmp_path / "sub" / "mazur.html"
    frag = we.to_html(p)
    page = p.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and frag in page
    assert not [f for f in p.parent.iterdir() if f.name.startswith(".tmp")]


def test_latex_of_unit_names_with_underscores_and_tiny_numbers():
    net = ng.Network.from_thetas([[[-30.0, 20.0, 20.0]]])
    we = ng.explain(net, [0.0, 0.0], [0])
    lat = we.to_latex()
    assert r"9.35762297\times 10^{-14}" in lat          # g(−30), printed as a formula
    assert r"\text{a2}\_\text{1}" in lat                 # "_" escaped between text runs
    net2 = skip_net()
    assert r"w_{\text{x1}\to \text{o}}" in ng.explain(net2, [1.0, 0.0], [1]).to_latex()


def test_refuses_big_network_and_says_how_to_pick_a_part():
    net = ng.Network.from_architecture([20, 10, 3], seed=0)    # 243 links
    with pytest.raises(ng.ConfigError, match=r"243 links .* more than 200.*units=\["):
        ng.explain(net, np.zeros(20), [1])
    we = ng.explain(net, np.zeros(20), [1], units=["a3_2"])     # one output unit: 11 links
    assert {eq.who for eq in we.equations if eq.kind == "D"} == \
        {f"{s}→a3_2" for s in ["+1"] + [f"a2_{k}" for k in range(1, 11)]}
    assert we.values["D(2)_2,3"] == pytest.approx(net.gradients(np.zeros((1, 20)), [1])[1][1, 3])
    with pytest.raises(ng.ConfigError, match="unknown: \\['nope'\\]"):
        ng.explain(net, np.zeros(20), [1], units=["nope"])


def test_refuses_many_instances_and_bad_options():
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    with pytest.raises(ng.ConfigError, match="1 to 4 instances, got 5.*X\\[:1\\]"):
        ng.explain(net, np.zeros((5, 2)), np.zeros(5, dtype=int))
    with pytest.raises(ng.ConfigError, match="alpha must be"):
        ng.explain(net, [0, 0], [0], alpha=-1)
    with pytest.raises(ng.ConfigError, match="digits"):
        ng.explain(net, [0, 0], [0], digits=0)


def test_refuses_units_it_cannot_write_out():
    net = ng.Network()
    x = net.add_input("x")
    net.add_node("r", input_function="euclidean_rbf", activation="gaussian")
    net.connect(x, "r", weight=0.5)
    with pytest.raises(ng.ConfigError, match="weighted sums.*'r'.*euclidean_rbf"):
        ng.explain(net, [1.0], [1.0], loss="mse")


def test_softmax_output_cross_entropy_terms():
    net = ng.Network.from_architecture([2, 3], activation="sigmoid",
                                       output_activation="softmax", seed=0)
    we = ng.explain(net, [0.3, -0.2], [1])
    terms = [eq.value for eq in we.equations if eq.kind == "cost"]
    a = net.forward([[0.3, -0.2]])[0]
    assert terms == pytest.approx([0.0, -np.log(a[1]), 0.0], rel=1e-12, abs=1e-15)
    assert we.values["J"] == pytest.approx(sum(terms), rel=1e-12)
