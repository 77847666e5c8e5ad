"""Shared weights (issue 22, item 1): many links, one entry of θ.

Numbers come from finite differences of J, from PyTorch autograd on the same
tied network written as tensors, and from invariants (a parameter's gradient
is the sum of its links' terms plus λ/n·p once; both engines agree).
"""

import numpy as np
import pytest

import neurograph as ng
from neurograph.engines.passes import run_backward


def tied_net(seed=0):
    """2 inputs → 3 sigmoid → 2 sigmoid, with weights tied inside Θ(1), across
    Θ(1) and Θ(2), a shared bias and a 2×1 ParameterArray."""
    rng = np.random.default_rng(seed)
    net = ng.Network(seed=seed)
    xs = [net.add_input(f"x{k}") for k in (1, 2)]
    l2 = net.new_layer("sigmoid")
    hs = [net.add_node(f"h{k}", layer=l2) for k in (1, 2, 3)]
    l3 = net.new_layer("sigmoid")
    os_ = [net.add_node(f"o{k}", layer=l3) for k in (1, 2)]
    k = net.parameter(rng.normal(), name="k")
    b = net.parameter(rng.normal(), name="b")
    W = net.parameter_array(rng.normal(size=(2, 1)), name="W")
    net.connect(xs[0], hs[0], k)
    net.connect(xs[1], hs[1], k)
    net.connect(xs[0], hs[2], rng.normal())
    net.connect(xs[1], hs[2], W[0, 0])
    net.connect(xs[1], hs[0], rng.normal())
    for h in hs:
        for o in os_:
            w = k if (h is hs[2] and o is os_[0]) else (W[1, 0] if h is hs[0] else rng.normal())
            net.connect(h, o, w)
    net.set_bias(hs[0], b)
    net.set_bias(hs[1], b)
    net.set_bias(hs[2], rng.normal())
    for o in os_:
        net.set_bias(o, rng.normal())
    return net


def data(n=5, seed=1):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 2)), (rng.random((n, 2)) > 0.5).astype(float)


def test_a_parameter_is_one_number_read_and_written_by_its_links():
    net = tied_net()
    k = net.parameters["k"]
    assert len(k.links) == 3 and all(li.parameter is k for li in k.links)
    k.value = 0.25
    assert [li.weight for li in k.links] == [0.25] * 3
    k.links[1].weight = -1.5  # a link writes its parameter
    assert k.value == -1.5 and k.links[2].weight == -1.5
    own = net.link("x1", "h3")
    assert own.parameter is None
    # 16 links (5 + 3 bias into Layer 2, 6 + 2 into Layer 3); 8 of them read the 4
    # shared numbers k (3 links), b (2), W[0, 0] (1), W[1, 0] (2)
    assert (net.n_links, net.n_params) == (16, 16 - 8 + 4)


def test_both_engines_agree_and_the_parameter_gradient_is_the_sum_of_its_links_terms():
    net = tied_net()
    X, Y = data()
    lam = 0.7
    gnet = net.copy()  # stays uncompiled: the graph engine on the store as built
    g = run_backward(gnet, X, Y, lam, "auto", "graph")
    net.compile()
    m = run_backward(net, X, Y, lam, "auto", "matrix")
    assert g.engine == "graph" and m.engine == "matrix"
    assert abs(g.cost - m.cost) < 1e-12
    for name, p in net.parameters.items():
        np.testing.assert_allclose(g.grad(gnet.parameters[name]), m.grad(p), rtol=0,
                                   atol=1e-12)
    for li in net.links:
        gl = gnet.link(li.source.name, li.target.name)
        assert abs(g.link_grad(gl) - m.link_grad(li)) < 1e-12
    n = X.shape[0]
    for p in (net.parameters["k"], *net.parameters["W"]):
        terms = [m.link_grad(li) for li in p.links]
        assert len(set(terms)) == len(terms)  # each link has its own term
        assert m.grad(p) == pytest.approx(sum(terms) + lam / n * p.value, abs=1e-14)
    b = net.parameters["b"]  # a bias parameter: not regularized
    assert m.grad(b) == pytest.approx(sum(m.link_grad(li) for li in b.links), abs=1e-14)
    assert m.grad(net.parameters["W"]).shape == (2, 1)


@pytest.mark.parametrize("engine", ["graph", "matrix"])
def test_gradients_match_finite_differences_of_J_per_parameter(engine):
    net = tied_net(3)
    X, Y = data(7, 4)
    lam = 0.3
    if engine == "matrix":
        net.compile()
    tr = run_backward(net, X, Y, lam, "auto", engine)
    c = 1e-6
    for p in [net.parameters["k"], net.parameters["b"], *net.parameters["W"]]:
        v = p.value
        p.value = v + c
        jp = run_backward(net, X, Y, lam, "auto", engine, grad=False).cost
        p.value = v - c
        jm = run_backward(net, X, Y, lam, "auto", engine, grad=False).cost
        p.value = v
        assert tr.grad(p) == pytest.approx((jp - jm) / (2 * c), abs=1e-8)
    report = ng.gradcheck(net, X, Y, lam=lam, engine=engine)
    assert report.rel_diff < 1e-8
    names = [getattr(x, "name", None) for x in report.links]
    assert names.count("k") == 1 and len(report.links) == net.n_params


def test_cost_counts_lambda_once_per_parameter():
    net = tied_net()
    X, Y = data()
    lam = 2.0
    J0 = net.cost(X, Y, lam=0.0)
    # every non-bias weight once: tied ones through their parameter
    ws = {li.index: li.weight for li in net.links if not li.is_bias}
    expect = J0 + lam / (2 * X.shape[0]) * sum(w * w for w in ws.values())
    assert net.cost(X, Y, lam=lam) == pytest.approx(expect, abs=1e-13)
    net.compile()
    assert net.cost(X, Y, lam=lam) == pytest.approx(expect, abs=1e-13)


def test_pytorch_autograd_on_the_same_tied_network():
    torch = pytest.importorskip("torch")
    net = tied_net(5)
    net.compile()
    X, Y = data(6, 2)
    lam = 0.5
    tr = net.backward(X, Y, lam=lam)
    # the same network as tensors: each shared parameter one leaf, placed into Θ(l)
    leaves = {name: torch.tensor(p.value, dtype=torch.float64, requires_grad=True)
              for name, p in [("k", net.parameters["k"]), ("b", net.parameters["b"]),
                              ("W00", net.parameters["W"][0, 0]),
                              ("W10", net.parameters["W"][1, 0])]}
    by_index = {net.parameters["k"].index: "k", net.parameters["b"].index: "b",
                net.parameters["W"][0, 0].index: "W00", net.parameters["W"][1, 0].index: "W10"}
    own = {}

    def theta(l):
        rows = []
        for v in net.layers[l]:
            row = []
            for u in [None, *net.layers[l - 1]]:
                li = v.bias_link if u is None else (net.link(u, v) if (u.name, v.name) in
                                                    net.graph.edges else None)
                if li is None:
                    row.append(torch.zeros((), dtype=torch.float64))
                elif li.index in by_index:
                    row.append(leaves[by_index[li.index]])
                else:
                    own[li.index] = torch.tensor(li.weight, dtype=torch.float64,
                                                 requires_grad=True)
                    row.append(own[li.index])
            rows.append(torch.stack(row))
        return torch.stack(rows)

    T1, T2 = theta(1), theta(2)
    x = torch.tensor(X)
    ones = torch.ones((len(X), 1), dtype=torch.float64)
    h = torch.sigmoid(torch.cat([ones, x], 1) @ T1.T)
    z = torch.cat([ones, h], 1) @ T2.T
    y = torch.tensor(Y)
    J = torch.nn.functional.binary_cross_entropy_with_logits(z, y, reduction="sum") / len(X)
    reg = [leaves[k] for k in ("k", "W00", "W10")]
    reg += [t for i, t in own.items() if not net.links[0].is_bias and _not_bias(net, i)]
    J = J + lam / (2 * len(X)) * sum(t * t for t in reg)
    J.backward()
    assert tr.cost == pytest.approx(J.item(), abs=1e-12)
    for name, idx in [("k", "k"), ("b", "b"), ("W00", "W00"), ("W10", "W10")]:
        p = {"k": net.parameters["k"], "b": net.parameters["b"],
             "W00": net.parameters["W"][0, 0], "W10": net.parameters["W"][1, 0]}[name]
        assert tr.grad(p) == pytest.approx(leaves[idx].grad.item(), abs=1e-12)
    for i, t in own.items():
        assert tr.grad[i] == pytest.approx(t.grad.item(), abs=1e-12)


def _not_bias(net, index):
    return not any(li.is_bias for li in net.links if li.index == index)


def test_training_moves_a_parameter_once_by_its_summed_gradient_with_momentum():
    net = tied_net()
    X, Y = data()
    k = net.parameters["k"]
    net.compile()
    v0 = k.value
    g1 = net.backward(X, Y, lam=0.1).grad(k)
    tr = ng.Trainer(net, alpha=0.5, lam=0.1, momentum=0.9, shuffle=False)
    tr.fit(X, Y, epochs=1)
    assert k.value == pytest.approx(v0 - 0.5 * g1, abs=1e-14)
    v1 = k.value
    g2 = net.backward(X, Y, lam=0.1).grad(k)
    tr.fit(X, Y, epochs=1)
    # velocity per parameter: v = 0.9·(−α g1) − α g2
    assert k.value == pytest.approx(v1 + 0.9 * (-0.5 * g1) - 0.5 * g2, abs=1e-13)
    assert len({li.weight for li in k.links}) == 1


def test_freezing_a_parameter_freezes_its_links_and_one_link_alone_is_refused():
    net = tied_net()
    k = net.parameters["k"]
    with pytest.raises(ng.TopologyError, match="'k'"):
        k.links[0].frozen = True
    with pytest.raises(ng.TopologyError, match="shares parameter '"):
        net.freeze("h1")  # h1's links include one of k's (and of b's)
    assert not k.frozen
    net.freeze(k)
    assert k.frozen and all(li.frozen for li in k.links)
    X, Y = data()
    before = k.value
    ng.Trainer(net, alpha=1.0).fit(X, Y, epochs=3)
    assert k.value == before
    net.unfreeze(net.parameters["k"])
    assert not any(li.frozen for li in k.links)


def test_a_tied_theta_is_shown_with_entries_repeated_and_refuses_writes():
    net = tied_net()
    k = net.parameters["k"]
    T1 = net.theta(1)
    assert T1[0, 1] == k.value and T1[1, 2] == k.value  # x1→h1 and x2→h2
    assert net.theta(2)[0, 3] == k.value  # h3→o1
    with pytest.raises(ng.TopologyError, match="parameter"):
        T1[0, 1] = 3.0
    with pytest.raises(ng.TopologyError, match="parameter"):
        net.thetas = [np.zeros((3, 3)), np.zeros((2, 4))]
    k.value = 3.0
    assert net.theta(1)[1, 2] == 3.0


def test_tie_takes_the_mean_and_refuses_what_it_cannot_tie():
    net = ng.Network(seed=0)
    x = net.add_input("x")
    h1, h2, h3 = (net.add_node(n) for n in ("h1", "h2", "h3"))
    a, b, c = net.connect(x, h1, 1.0), net.connect(x, h2, 2.0), net.connect(x, h3, 6.0)
    with pytest.raises(ng.TopologyError, match="itself"):
        net.tie(a, a)
    c.frozen = True
    with pytest.raises(ng.TopologyError, match="frozen"):
        net.tie(a, c)
    with pytest.raises(ng.TopologyError, match="bias"):
        net.tie(a, h1.bias_link)
    p = net.tie(a, b, name="ab")
    assert p.value == 1.5 and a.weight == b.weight == 1.5 and net.parameters["ab"] is p
    with pytest.raises(ng.TopologyError, match="already"):
        net.tie(a, c)
    with pytest.raises(ng.TopologyError, match="exists"):
        net.parameter(0.0, name="ab")
    other = ng.Network().parameter(1.0)
    with pytest.raises(ng.TopologyError, match="another network"):
        net.connect(h1, h3, other)


@pytest.mark.parametrize("compiled", [False, True])
def test_copy_spec_and_checkpoint_keep_the_parameters(tmp_path, compiled):
    net = tied_net()
    if compiled:
        net.compile()
    net.freeze(net.parameters["b"])
    X, _ = data()
    out = net.forward(X)
    copies = [net.copy(), ng.Network.from_spec(net.to_spec())]
    ng.save(net, tmp_path / "t.ngz")
    copies.append(ng.load(tmp_path / "t.ngz"))
    for c in copies:
        np.testing.assert_array_equal(c.forward(X), out)
        assert set(c.parameters) == {"k", "b", "W"}
        assert c.parameters["b"].frozen and not c.parameters["k"].frozen
        assert len(c.parameters["k"].links) == 3
        np.testing.assert_array_equal(c.parameters["W"].value, net.parameters["W"].value)
        c.parameters["k"].value = 9.0  # independent of the original
        assert net.parameters["k"].value != 9.0
        assert c.n_params == net.n_params


def test_parameter_array_value_reads_and_writes():
    net = tied_net()
    W = net.parameters["W"]
    W.value = [[1.0], [2.0]]
    assert W[1, 0].links[0].weight == 2.0
    with pytest.raises(ng.ShapeError, match=r"\(2, 1\)"):
        W.value = np.zeros(3)


def test_a_copy_has_parameters_of_its_own_over_its_own_links():
    net = tied_net()
    net.compile()
    c = net.copy()
    k, ck = net.parameters["k"], c.parameters["k"]
    assert ck is not k and ck.index == k.index
    assert all(li.target.network is c for li in ck.links)
    assert [li.target.name for li in ck.links] == [li.target.name for li in k.links]
    X, Y = data()
    np.testing.assert_array_equal(c.backward(X, Y, lam=0.5).grad(ck),
                                  net.backward(X, Y, lam=0.5).grad(k))


def test_the_torch_backend_runs_tied_networks_with_numpys_numbers():
    pytest.importorskip("torch")
    net = tied_net()
    X, Y = data()
    t, u = net.backward(X, Y, lam=0.5, backend="torch"), net.backward(X, Y, lam=0.5)
    assert t.cost == pytest.approx(u.cost, abs=1e-12)
    np.testing.assert_allclose(t.terms, u.terms, rtol=0, atol=1e-12)
    for p in net.parameters.values():
        np.testing.assert_allclose(t.grad(p), u.grad(p), rtol=0, atol=1e-12)


def test_gradients_of_a_tied_layer_repeat_the_parameter_gradient_where_it_is():
    net = tied_net(2)
    net.compile()
    X, Y = data(6, 3)
    lam, c = 0.4, 1e-6
    D = net.gradients(X, Y, lam=lam)

    def slope(set_to, v):  # central difference of J along one number
        set_to(v + c)
        jp = net.cost(X, Y, lam=lam)
        set_to(v - c)
        jm = net.cost(X, Y, lam=lam)
        set_to(v)
        return (jp - jm) / (2 * c)

    for l, Dl in enumerate(D, start=1):
        lay_in, lay_out = net.layers[l - 1], net.layers[l]
        for r, v in enumerate(lay_out.nodes):
            for li in net.in_links(v):
                col = 0 if li.is_bias else li.source.position + 1
                p = li.parameter
                if p is not None:
                    want = slope(lambda w, p=p: setattr(p, "value", w), p.value)
                else:
                    want = slope(lambda w, li=li: setattr(li, "weight", w), li.weight)
                assert Dl[r, col] == pytest.approx(want, abs=1e-8), (l, r, col)
        assert Dl.shape == (len(lay_out.nodes), len(lay_in.nodes) + 1)
    k = net.parameters["k"]
    tr = net.backward(X, Y, lam=lam)
    assert D[0][0, 1] == D[0][1, 2] == D[1][0, 3] == pytest.approx(tr.grad(k), abs=1e-14)
    # one step of gradient descent on Θ(l) as shown is the step the parameter takes
    T1 = net.theta(1) - 0.5 * D[0]
    ng.Trainer(net, alpha=0.5, lam=lam, shuffle=False).fit(X, Y, epochs=1)
    np.testing.assert_allclose(net.theta(1), T1, rtol=0, atol=1e-14)


def test_a_lesion_cuts_a_shared_weight_only_with_all_its_links():
    net = tied_net()
    X, _ = data()
    k = net.parameters["k"]
    with pytest.raises(ng.TopologyError, match="'k'.*every link of the parameter"), \
            net.lesion(links=[k.links[0]]):
        pass
    before, theta = net.forward(X), net.weights.theta.copy()
    with net.lesion(links=k.links):
        assert k.value == 0.0 and k.frozen
        cut = net.forward(X)
    k.value = 0.0  # the same network with k = 0, by hand
    np.testing.assert_array_equal(net.forward(X), cut)
    net.weights.theta[:] = theta
    np.testing.assert_array_equal(net.forward(X), before)
    assert not k.frozen


def test_graphml_keeps_the_ties_and_to_torch_refuses_them_by_name(tmp_path):
    net = tied_net()
    ng.to_graphml(net, tmp_path / "t.graphml")  # it refused shared weights before
    back = ng.from_graphml(tmp_path / "t.graphml")
    assert sorted(back.parameters) == sorted(net.parameters)
    for name, p in net.parameters.items():
        q = back.parameters[name]
        np.testing.assert_array_equal(np.asarray(q.value), np.asarray(p.value))
    pytest.importorskip("torch")
    with pytest.raises(ng.ConfigError, match="to_torch.*cannot carry shared weights.*'W'"):
        ng.to_torch(net)


def test_graphml_of_a_conv_net_and_an_rnn_comes_back_tied(tmp_path):
    rng = np.random.default_rng(0)
    conv = ng.Network(seed=0)
    x = conv.add_inputs((2, 5, 5))
    c = conv.add_conv(x, maps=3, kernel=2, name="c1</script>")
    s = conv.add_pool(c, size=2, name="s1")
    out = conv.add_layer(2)
    conv.connect_layers(s, out)
    rnn = ng.Network.recurrent(inputs=2, hidden=3, steps=4, outputs=1, seed=0)
    for net, X in ((conv, rng.random((4, 50))), (rnn, rng.random((4, 8)))):
        Y = rng.integers(0, 2, (4, net.s[-1])).astype(float)
        ng.to_graphml(net, tmp_path / "n.graphml")
        back = ng.from_graphml(tmp_path / "n.graphml")
        assert back.n_params == net.n_params and back.n_links == net.n_links
        t0, t1 = net.backward(X, Y), back.backward(X, Y)
        np.testing.assert_array_equal(t1.a[-1], t0.a[-1])
        for name, p in net.parameters.items():  # each gradient the sum of its links' terms
            np.testing.assert_allclose(t1.grad(back.parameters[name]), t0.grad(p), atol=1e-15)
        # a tie is a tie: writing the parameter moves every link it has
        name = next(iter(back.parameters))
        q = back.parameters[name]
        q.value = np.asarray(q.value) + 1.0
        first = q.links[0] if hasattr(q, "links") else q.params.flat[0].links[0]
        peers = q.links if hasattr(q, "links") else q.params.flat[0].links
        assert len(peers) > 1 and len({li.weight for li in peers}) == 1
        assert first.weight == pytest.approx(float(np.asarray(q.value).flat[0]))
