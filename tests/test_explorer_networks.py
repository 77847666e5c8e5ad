"""Every network neurograph builds has its page: softmax and linear outputs, skip links,
one unit, values beyond float32. The page's numbers are checked against numpy."""

import base64

import numpy as np
import pytest
from test_explorer import page_data
from test_player import ARTIFACTS

import neurograph as ng


def sig(v):
    return 1 / (1 + np.exp(-v))


def unpacked(d) -> np.ndarray:
    """The page's number vector as its script reads it: float32 (or float64), the values
    float32 cannot hold put back exactly."""
    dtype = np.float64 if d["packed"]["dtype"] == "f8" else np.float32
    flat = np.frombuffer(base64.b64decode(d["packed"]["b64"]), dtype=dtype).astype(float)
    for i, v in d["packed"]["exact"]:
        flat[i] = v
    return flat


def layer_block(d, flat, k: int, l: int) -> dict:
    """z, a, δ, g'(z) of Layer ``l`` (1-based, ≥ 2) of frame ``k``, (n, s_l) each."""
    off, nw, n, s = d["offsets"], d["offsets"]["nw"], d["offsets"]["n"], d["packed"]["sizes"]
    p = off["frame"][k] + 2 * nw + (n * s[0] if k == 0 or not off["inputs_once"] else 0)
    p += sum(4 * n * m for m in s[1:l - 1])
    m = s[l - 1]
    return {q: flat[p + j * n * m:p + (j + 1) * n * m].reshape(n, m)
            for j, q in enumerate(("z", "a", "d", "dg"))}


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


FOUR = (np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.5, 0.2]]),
        np.array([0, 1, 2, 1, 0]))


@pytest.fixture(scope="module")
def softmax_run(tmp_path_factory):
    X, y = FOUR
    net = ng.Network.from_architecture([2, 3, 3], output_activation="softmax", seed=1)
    steps = list(ng.Trainer(net, alpha=0.5).steps(X, y, every="epoch", epochs=6))
    path = ng.player(steps, tmp_path_factory.mktemp("softmax") / "softmax.html", X=X, y=y)
    return path, steps, net, X, y


def test_a_softmax_page_carries_numpys_numbers_and_its_delta_rule(softmax_run):
    path, steps, net, X, y = softmax_run
    d = page_data(path)
    flat = unpacked(d)
    Y = np.eye(3)[y]
    for k in (0, len(steps) - 1):
        theta = steps[k].trace.theta
        T1 = theta[:9].reshape(3, 3)
        T2 = theta[9:].reshape(3, 4)
        a2 = sig(np.c_[np.ones(5), X] @ T1.T)
        z3 = np.c_[np.ones(5), a2] @ T2.T
        a3 = softmax(z3)
        d3 = a3 - Y  # softmax with cross-entropy: the Jacobian and the log cancel
        d2 = (d3 @ T2[:, 1:]) * a2 * (1 - a2)
        out, hid = layer_block(d, flat, k, 3), layer_block(d, flat, k, 2)
        np.testing.assert_allclose(out["a"], a3, rtol=1e-5)
        np.testing.assert_allclose(out["d"], d3, rtol=1e-4, atol=1e-7)
        np.testing.assert_allclose(hid["d"], d2, rtol=1e-4, atol=1e-7)
        assert np.isnan(out["dg"]).all()  # softmax has no g'(z) of one unit
    assert d["rules"]["loss"] == "cross_entropy"
    assert d["rules"]["g"][2] == ["layerwise"] * 3 and d["rules"]["delta"][2] == ["ce"] * 3
    assert d["rules"]["delta"][1] == ["hidden"] * 3
    assert d["offsets"]["missing"] == []


def test_a_softmax_hidden_layer_and_its_mse_output_are_their_rules(tmp_path):
    X, y = FOUR
    net = ng.Network.from_architecture([2, 3, 3], activation="softmax",
                                       output_activation="softmax", seed=2)
    tr = ng.Trainer(net, alpha=0.1, loss="mse")
    steps = list(tr.steps(X, y, every="epoch", epochs=2))
    d = page_data(ng.player(steps, tmp_path / "p.html", X=X, y=y))
    assert d["rules"]["delta"][1] == ["hidden_layerwise"] * 3
    assert d["rules"]["delta"][2] == ["mse_layerwise"] * 3
    # the numbers are numpy's: the Jacobian products of both softmax layers
    theta = steps[0].trace.theta
    T1, T2 = theta[:9].reshape(3, 3), theta[9:].reshape(3, 4)
    a2 = softmax(np.c_[np.ones(5), X] @ T1.T)
    a3 = softmax(np.c_[np.ones(5), a2] @ T2.T)
    g = a3 - np.eye(3)[y]
    d3 = a3 * (g - (g * a3).sum(axis=1, keepdims=True))
    s = d3 @ T2[:, 1:]
    d2 = a2 * (s - (s * a2).sum(axis=1, keepdims=True))
    flat = unpacked(d)
    np.testing.assert_allclose(layer_block(d, flat, 0, 3)["d"], d3, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(layer_block(d, flat, 0, 2)["d"], d2, rtol=1e-4, atol=1e-7)


def test_a_linear_output_with_mse(tmp_path):
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 3, 1], output_activation="linear", seed=0)
    steps = list(ng.Trainer(net, alpha=0.1, loss="mse").steps(X, y, every="epoch", epochs=3))
    d = page_data(ng.player(steps, tmp_path / "p.html", X=X, y=y))
    assert d["rules"]["loss"] == "mse" and d["rules"]["delta"][2] == ["mse"]
    theta = steps[-1].trace.theta
    T1, T2 = theta[:9].reshape(3, 3), theta[9:].reshape(1, 4)
    a2 = sig(np.c_[np.ones(4), X] @ T1.T)
    a3 = np.c_[np.ones(4), a2] @ T2.T
    d3 = (a3 - np.reshape(y, (4, 1))) * 1.0  # ½(a − y)², g'(z) = 1
    out = layer_block(d, unpacked(d), len(steps) - 1, 3)
    np.testing.assert_allclose(out["a"], a3, rtol=1e-5)
    np.testing.assert_allclose(out["d"], d3, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(out["dg"], 1.0)


def skip_net():
    net = ng.Network()
    x1, x2 = net.add_input("x1"), net.add_input("x2")
    h, o = net.add_node("h"), net.add_node("o")
    net.connect(x1, h, weight=1.5)
    net.connect(x2, h, weight=-2.0)
    net.connect(h, o, weight=2.5)
    net.connect(x1, o, weight=0.75)  # the skip link, Layer 1 → Layer 3
    net.set_bias(h, 0.25)
    net.set_bias(o, -0.5)
    return net


def test_a_skip_link_net_on_the_graph_engine(tmp_path):
    X, y = ng.data.truth_table("XOR")
    net = skip_net()
    steps = list(ng.Trainer(net, alpha=1.0).steps(X, y, every="epoch", epochs=3))
    assert steps[0].trace.engine == "graph"
    d = page_data(ng.player(steps, tmp_path / "p.html", X=X, y=y))
    assert any(lk["s"] == [1, 0] and lk["t"] == [3, 0] for lk in d["layout"]["links"])
    h = sig(1.5 * X[:, 0] - 2.0 * X[:, 1] + 0.25)
    o = sig(2.5 * h + 0.75 * X[:, 0] - 0.5)
    do = o - np.asarray(y, float)
    dh = 2.5 * do * h * (1 - h)
    flat = unpacked(d)
    np.testing.assert_allclose(layer_block(d, flat, 0, 3)["d"][:, 0], do, rtol=1e-5)
    np.testing.assert_allclose(layer_block(d, flat, 0, 2)["d"][:, 0], dh, rtol=1e-5)


def test_one_unit_and_a_unit_with_only_its_bias_link(tmp_path):
    X, y = ng.data.truth_table("AND")
    net = ng.Network.from_architecture([2, 1], seed=0)
    T = np.array(net.theta(1), copy=True)
    d = page_data(ng.player(net.backward(X, y), tmp_path / "a.html", X=X, y=y))
    a = sig(np.c_[np.ones(4), X] @ T.T)
    out = layer_block(d, unpacked(d), 0, 2)
    np.testing.assert_allclose(out["a"], a, rtol=1e-6)
    np.testing.assert_allclose(out["d"], a - np.reshape(y, (4, 1)), rtol=1e-5)
    for x in net.layers[0].nodes:  # only the bias link is left: a = g(b) for every row
        net.disconnect(x, net.layers[1].nodes[0])
    net.set_bias(net.layers[1].nodes[0], 0.7)
    d = page_data(ng.player(net.backward(X, y), tmp_path / "b.html", X=X, y=y))
    assert len(d["layout"]["links"]) == 1 and d["layout"]["links"][0]["s"] is None
    np.testing.assert_allclose(layer_block(d, unpacked(d), 0, 2)["a"], sig(0.7), rtol=1e-6)


def huge_trace():
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    net.theta(1)[0, 1] = 1e300  # x1 → a2_1: beyond float32
    net.theta(1)[1, 1] = -1e-300  # x1 → a2_2: below float32's smallest normal, not 0
    net.theta(2)[0, 1] = np.inf
    with np.errstate(all="ignore"):
        return net, net.backward(X, y), X, y


def test_values_beyond_float32_are_carried_exactly(tmp_path):
    net, tr, X, y = huge_trace()
    d = page_data(ng.player(tr, tmp_path / "p.html", X=X, y=y))
    flat = unpacked(d)
    w = flat[:tr.theta.size]
    np.testing.assert_allclose(w, tr.theta, rtol=1e-7)  # float32 where it fits
    big = np.isin(tr.theta, [1e300, -1e-300])
    assert (w[big] == tr.theta[big]).all() and w[7] == np.inf  # exactly where it does not
    assert {v for _, v in d["packed"]["exact"]} >= {1e300, -1e-300}
    z2 = layer_block(d, flat, 0, 2)["z"]
    np.testing.assert_allclose(z2, tr.z[1], rtol=1e-7)  # z = 1e300·x1 + …: 1e300 for x1 = 1
    assert z2[2, 0] == tr.z[1][2, 0] == pytest.approx(1e300)
    # the scales are numbers (inf and NaN are named in the panel, not scale ends)
    assert d["scales"]["weights"]["link"]["run"] == 1e300


def test_many_values_beyond_float32_make_the_vector_float64(tmp_path):
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    net.weights.theta[:] = 1e200
    with np.errstate(all="ignore"):
        tr = net.backward(X, y)
    d = page_data(ng.player(tr, tmp_path / "p.html", X=X, y=y, maps=False))
    assert d["packed"]["dtype"] == "f8" and d["packed"]["exact"] == []
    np.testing.assert_array_equal(unpacked(d)[:tr.theta.size], tr.theta)


def _panel(d, q):
    return d.find_element("css selector", f'#panel [data-q="{q}"]').text


def test_softmax_page_in_headless_chromium(softmax_run, browser):
    from selenium.webdriver import ActionChains

    path, steps, net, X, y = softmax_run
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    d = browser
    d.get(path.resolve().as_uri())
    assert d.execute_script("return document.body.dataset.ready") == "1"
    out = net.layers[2].nodes[1].name
    ActionChains(d).move_to_element(d.find_element("id", f"u_{out}")).perform()
    theta = steps[0].trace.theta
    a2 = sig(np.c_[np.ones(5), X] @ theta[:9].reshape(3, 3).T)
    a3 = softmax(np.c_[np.ones(5), a2] @ theta[9:].reshape(3, 4).T)
    assert float(_panel(d, "delta")) == pytest.approx(a3[0, 1] - (y[0] == 1), rel=1e-4)
    assert float(_panel(d, "a")) == pytest.approx(a3[0, 1], rel=1e-4)
    text = d.find_element("id", "panel").text
    assert "cross-entropy with softmax outputs" in text and "δ(L) = a − y" in text
    assert "g'(z) =" not in text  # softmax has none of one unit
    d.save_screenshot(str(ARTIFACTS / "explorer_softmax.png"))
    severe = [e for e in d.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == [], severe


def test_a_page_of_huge_and_infinite_weights_names_them(tmp_path, browser):
    from selenium.webdriver import ActionChains
    from selenium.webdriver.support.ui import Select

    net, tr, X, y = huge_trace()
    path = ng.player(tr, tmp_path / "huge.html", X=X, y=y)
    d = browser
    d.get(path.resolve().as_uri())
    assert d.execute_script("return document.body.dataset.ready") == "1"
    link = {(lk.source.name if not lk.is_bias else "+1", lk.target.name): lk.index
            for lk in net.links}
    # crossing links share their middle: the event goes to the one link asked for
    hover = lambda i: d.execute_script(  # noqa: E731
        "arguments[0].dispatchEvent(new MouseEvent('mouseenter'))",
        d.find_element("css selector", f'line.link[data-i="{i}"]'))
    hover(link[("x1", "a2_1")])
    assert _panel(d, "w") == "1.0000e+300"
    hover(link[("x1", "a2_2")])
    assert _panel(d, "w") == "-1.0000e-300"
    hover(link[("a2_1", "a3_1")])
    assert _panel(d, "w") == "inf"
    # drawn as the strongest positive weight (green, widest), not as a missing value (grey)
    line = d.find_element("css selector", f'line.link[data-i="{link[("a2_1", "a3_1")]}"]')
    assert (line.get_attribute("stroke"), line.get_attribute("stroke-width")) == \
        (ng.render.colors.EXCITATORY, "4.40")
    hover_unit = lambda name: ActionChains(d).move_to_element(  # noqa: E731
        d.find_element("id", f"u_{name}")).perform()
    assert np.isposinf(tr.z[2][0, 0]) and np.isnan(tr.delta[1][2, 0])  # what numpy says
    hover_unit("a3_1")  # x(1): z = ∞·a2_1 + … = inf
    assert _panel(d, "z") == "inf" and _panel(d, "a") == "1"
    Select(d.find_element("id", "instance")).select_by_index(2)
    hover_unit("a2_1")  # x(3): a2_1 = 1 exactly, so δ = g'(z)·∞·δ = 0·inf = NaN
    assert _panel(d, "delta") == "NaN"
    under = d.execute_script("return document.querySelector('#values text.unittext"
                             "[data-unit=\"a2_1\"]').textContent")
    assert under == "δ=NaN"  # the drawing names it too, as the panel does
    shown = d.execute_script("return Array.from(document.querySelectorAll('#panel [data-q], "
                             "#panel td')).map(e => e.textContent)")
    assert shown and "—" not in shown  # every number named, none a dash
    assert "J of the Trace's rows = NaN" in d.find_element("id", "info").text
    d.save_screenshot(str(ARTIFACTS / "explorer_huge_weights.png"))
    severe = [e for e in d.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == [], severe


def test_an_mse_panel_writes_g_prime_into_its_delta(tmp_path, browser):
    from selenium.webdriver import ActionChains

    # sigmoid outputs trained with mse: δ(L) = (a − y)·a(1 − a), not a − y
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    steps = list(ng.Trainer(net, alpha=1.0, loss="mse").steps(X, y, every="epoch", epochs=2))
    path = ng.player(steps, tmp_path / "mse.html", X=X, y=y)
    theta = steps[0].trace.theta
    a2 = sig(np.c_[np.ones(4), X] @ theta[:6].reshape(2, 3).T)
    a3 = sig(np.c_[np.ones(4), a2] @ theta[6:].reshape(1, 3).T)[:, 0]
    d = browser
    d.get(path.resolve().as_uri())
    ActionChains(d).move_to_element(d.find_element("id", "u_a3_1")).perform()
    assert float(_panel(d, "delta")) == pytest.approx((a3[0] - y[0]) * a3[0] * (1 - a3[0]),
                                                      rel=1e-4)
    text = d.find_element("id", "panel").text
    assert "δ(L) = (a − y)·g'(z)" in text and "squared error" in text


def test_skip_link_and_one_unit_pages_in_headless_chromium(tmp_path, browser):
    from selenium.webdriver import ActionChains

    X, y = ng.data.truth_table("XOR")
    skip = skip_net()
    one = ng.Network.from_architecture([2, 1], seed=0)
    bias = ng.Network.from_architecture([2, 1], seed=0)
    for x in bias.layers[0].nodes:
        bias.disconnect(x, bias.layers[1].nodes[0])
    h = sig(1.5 * X[:, 0] - 2.0 * X[:, 1] + 0.25)
    o = sig(2.5 * h + 0.75 * X[:, 0] - 0.5)
    T = np.asarray(one.theta(1))
    cases = {"skip": (skip, "h", 2.5 * (o - y) * h * (1 - h)),
             "one": (one, "a2_1", sig(np.c_[np.ones(4), X] @ T.T)[:, 0] - y),
             "bias": (bias, "a2_1", sig(bias.layers[1].nodes[0].bias) - y)}
    d = browser
    for key, (net, unit, delta) in cases.items():
        path = ng.player(net.backward(X, y), tmp_path / f"{key}.html", X=X, y=y)
        d.get(path.resolve().as_uri())
        assert d.execute_script("return document.body.dataset.ready") == "1", key
        ActionChains(d).move_to_element(d.find_element("id", f"u_{unit}")).perform()
        assert float(_panel(d, "delta")) == pytest.approx(delta[0], rel=1e-4), key
        d.save_screenshot(str(ARTIFACTS / f"explorer_net_{key}.png"))
        severe = [e for e in d.get_log("browser") if e["level"] == "SEVERE"]
        assert severe == [], (key, severe)


def test_softmax_layers_with_mse_in_headless_chromium(tmp_path, browser):
    from selenium.webdriver import ActionChains

    X, y = FOUR
    net = ng.Network.from_architecture([2, 3, 3], activation="softmax",
                                       output_activation="softmax", seed=2)
    steps = list(ng.Trainer(net, alpha=0.1, loss="mse").steps(X, y, every="epoch", epochs=2))
    path = ng.player(steps, tmp_path / "p.html", X=X, y=y)
    theta = steps[0].trace.theta
    T2 = theta[9:].reshape(3, 4)
    a2 = softmax(np.c_[np.ones(5), X] @ theta[:9].reshape(3, 3).T)
    a3 = softmax(np.c_[np.ones(5), a2] @ T2.T)
    g = a3 - np.eye(3)[y]
    d3 = a3 * (g - (g * a3).sum(axis=1, keepdims=True))
    s = d3 @ T2[:, 1:]
    d2 = a2 * (s - (s * a2).sum(axis=1, keepdims=True))
    d = browser
    d.get(path.resolve().as_uri())
    for unit, want, words in (("a3_2", d3[0, 1], "squared error with softmax outputs"),
                              ("a2_3", d2[0, 2], "(softmax: its Jacobian)")):
        ActionChains(d).move_to_element(d.find_element("id", f"u_{unit}")).perform()
        assert float(_panel(d, "delta")) == pytest.approx(want, rel=1e-4, abs=1e-9), unit
        shown = d.find_element("id", "panel").text
        assert words in shown and "g'(z) =" not in shown, unit
        # the line's own numbers multiply out to the δ it prints
        line = next(t for t in shown.splitlines() if t.startswith("δ = ") or
                    t.startswith("δk = ak·"))
        a, rest = line.split(" = ")[-2].split(" × (")
        left, right = rest.rstrip(")").split(" − ")
        assert float(a) * (float(left) - float(right)) == pytest.approx(want, rel=1e-3)
    severe = [e for e in d.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == [], severe


def test_what_a_page_lacks_is_a_dash_and_never_a_nan(tmp_path, browser):
    # a History's page holds θ and no pass: a link's signal w·a is missing, not NaN
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    history = ng.Trainer(net, alpha=1.0).fit(X, y, epochs=3)
    path = ng.player(history, tmp_path / "h.html")
    d = browser
    d.get(path.resolve().as_uri())
    first = next(k for k in net.links if not k.is_bias)
    d.execute_script("arguments[0].dispatchEvent(new MouseEvent('mouseenter'))",
                     d.find_element("css selector", f'line.link[data-i="{first.index}"]'))
    assert float(_panel(d, "w")) == pytest.approx(net.weights.theta[first.index], rel=1e-4)
    assert [_panel(d, q) for q in ("signal", "share", "agrad", "grad")] == ["—"] * 4
    severe = [e for e in d.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == [], severe


def test_a_shared_weights_panel_lists_its_links_terms_and_their_sum(tmp_path, browser):
    # a kernel entry is one parameter read by every window's link: its panel lists those
    # links' a·δ for the instance shown and their sum (numpy's, below), then ∂J/∂p
    rng = np.random.default_rng(0)
    net = ng.Network(seed=0)
    x = net.add_inputs((1, 4, 4))
    c = net.add_conv(x, maps=2, kernel=2, activation="tanh", name="c1")
    out = net.add_layer(1)
    net.connect_layers(c, out)
    X, y = rng.random((5, 16)), rng.integers(0, 2, (5, 1)).astype(float)
    tr = net.backward(X, y)
    p = net.parameters["c1.kernels"].params[1, 0, 0, 1]
    want = sum(tr.a[k.source.layer - 1][0, k.source.position] *
               tr.delta[k.target.layer - 1][0, k.target.position] for k in p.links)
    path = ng.player(tr, tmp_path / "conv.html", X=X, y=y)
    assert sum(k.get("p") == p.name for k in page_data(path)["layout"]["links"]) == len(p.links)
    d = browser
    d.get(path.resolve().as_uri())
    assert d.execute_script("return document.body.dataset.ready") == "1"
    # links into a map are drawn as one line per pair of maps: the entry's cell in its
    # kernel's picture opens the panel
    d.execute_script("arguments[0].dispatchEvent(new MouseEvent('mouseenter'))",
                     d.find_element("css selector",
                                    f'rect.kcell[data-k="{p.links[0].index}"][data-grad="0"]'))
    text = d.find_element("id", "panel").text
    assert f"shared weight {p.name}: {len(p.links)} links" in text, text
    assert float(_panel(d, "psum")) == pytest.approx(want, rel=1e-4)
    assert float(_panel(d, "grad")) == pytest.approx(float(tr.grad(p)), rel=1e-4)
    severe = [e for e in d.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == [], severe
