"""The explorer page of a conv net in a real headless chromium: grid layers drawn as their
feature maps, each conv map beside its kernel and ∂J/∂K. Every number is computed
again here: the maps with numpy (windows gathered in the test), ∂J/∂K with PyTorch's
autograd, the receptive fields from the kernel's geometry."""

import numpy as np
import pytest
from test_explorer import page_data
from test_player import ARTIFACTS

import neurograph as ng
from neurograph.render import explorer

MAPS, HID = 8, 32


def lenet(name="c1", seed=0):
    """The LeNet-style digits net of the examples: 8×8 → conv 3×3 (8 maps, ReLU) → max
    pool 2×2 → 32 ReLU → 10 softmax."""
    net = ng.Network(seed=seed)
    x = net.add_inputs((1, 8, 8), name="x")
    c = net.add_conv(x, maps=MAPS, kernel=3, activation="relu", name=name)
    s = net.add_pool(c, size=2, kind="max", name="s1")
    h = net.add_layer(HID, activation="relu")
    net.connect_layers(s, h)
    out = net.add_layer(10, activation="softmax")
    net.connect_layers(h, out)
    return net, c


def conv_maps(x, K, b):
    """z of every map of a 3×3 conv (stride 1, no padding) over one 8×8 image: its 6×6
    windows gathered one by one (im2col), then one product."""
    cols = np.array([x[r:r + 3, c:c + 3].ravel() for r in range(6) for c in range(6)])
    return (cols @ K.reshape(len(K), 9).T + b).T.reshape(len(K), 6, 6)


def torch_grads(torch, net, X, y, theta):
    """(∂J/∂K, ∂J/∂b) of the conv layer by PyTorch's autograd for weights θ, on X, y."""
    F = torch.nn.functional
    T = lambda a: torch.tensor(a, dtype=torch.float64)  # noqa: E731
    K = T(theta[net.parameters["c1.kernels"].indices]).requires_grad_()
    b = T(theta[net.parameters["c1.biases"].indices]).requires_grad_()
    th = [np.zeros((net.s[l + 1], net.s[l] + 1)) for l in (2, 3)]
    for lk in net.links:  # Θ(3), Θ(4): the dense layers, bias column first
        if lk.target.layer in (4, 5):
            col = 0 if lk.is_bias else lk.source.position + 1
            th[lk.target.layer - 4][lk.target.position, col] = theta[lk.index]
    a = F.max_pool2d(F.relu(F.conv2d(T(X).reshape(-1, 1, 8, 8), K, b)), 2).flatten(1)
    a = F.relu(a @ T(th[0][:, 1:]).T + T(th[0][:, 0]))
    J = F.cross_entropy(a @ T(th[1][:, 1:]).T + T(th[1][:, 0]), torch.tensor(y))
    J.backward()
    return K.grad.numpy(), b.grad.numpy()


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    X, y = ng.data.load_digits()
    X, y = X[:120], y[:120]
    net, c = lenet()
    steps = list(ng.Trainer(net, alpha=0.5, seed=0).steps(X, y, every="epoch", epochs=4))
    path = ng.player(steps, tmp_path_factory.mktemp("maps") / "lenet.html", X=X, y=y)
    return path, steps, net, c, X, y


def _open(d, path, width=1350):
    d.set_window_size(width, 900)
    d.get(path.resolve().as_uri())
    assert d.execute_script("return document.body.dataset.ready") == "1"


def _pick(d, select_id, value):
    d.execute_script("const s = document.getElementById(arguments[0]); s.value = arguments[1];"
                     "s.dispatchEvent(new Event(s.type === 'range' ? 'input' : 'change'))",
                     select_id, str(value))


def _cells(d) -> dict:
    """{unit name: the number its cell shows} of every map cell on the page."""
    got = d.execute_script("return Array.from(document.querySelectorAll('rect.cell'))"
                           ".map((e) => [e.id.slice(2), e.dataset.v])")
    return {name: float(v) if v else None for name, v in got}


def _kernels(d, grad: bool) -> dict:
    got = d.execute_script("return Array.from(document.querySelectorAll("
                           "'rect.kcell[data-grad=\"' + arguments[0] + '\"]'))"
                           ".map((e) => [+e.dataset.k, e.dataset.v])", "1" if grad else "0")
    return {k: float(v) for k, v in got}


def _severe(d):
    return [e for e in d.get_log("browser") if e["level"] == "SEVERE"]


def test_each_maps_cells_are_numpys_conv_of_the_instance_shown(run, browser):
    path, steps, net, c, X, y = run
    K_at = lambda k: steps[k].trace.theta[net.parameters["c1.kernels"].indices]  # noqa: E731
    b_at = lambda k: steps[k].trace.theta[net.parameters["c1.biases"].indices]  # noqa: E731
    d = browser
    _open(d, path)
    _pick(d, "view", "activations")
    seen = []
    for frame, inst in ((0, 0), (0, 7), (3, 7)):
        _pick(d, "slider", frame)
        _pick(d, "instance", inst)
        assert d.execute_script("return document.body.dataset.instance") == str(inst)
        cells = _cells(d)
        z = conv_maps(X[inst].reshape(8, 8), K_at(frame)[:, 0], b_at(frame))
        got = np.array([[[cells[f"c1[{m}, {r}, {q}]"] for q in range(6)] for r in range(6)]
                        for m in range(MAPS)])
        np.testing.assert_allclose(got, np.maximum(z, 0), rtol=1e-5, atol=1e-6)
        pooled = np.maximum(z, 0).reshape(MAPS, 3, 2, 3, 2).max(axis=(2, 4))
        np.testing.assert_allclose([cells[f"s1[{m}, {r}, {q}]"] for m in range(MAPS)
                                    for r in range(3) for q in range(3)], pooled.ravel(),
                                   rtol=1e-5, atol=1e-6)
        # the input's map is x(i), drawn as its picture
        np.testing.assert_allclose([cells[f"x[0, {r}, {q}]"] for r in range(8) for q in range(8)],
                                   X[inst], rtol=1e-6)
        seen.append(got)
    assert not np.allclose(seen[0], seen[1])  # another instance, other maps
    assert not np.allclose(seen[1], seen[2])  # another frame's kernels, other maps
    # z in the errors view: the cells show δ, which the panel of the same unit prints too
    _pick(d, "view", "errors")
    unit = d.find_element("css selector", 'rect.cell[id="u_c1[3, 2, 4]"]')
    d.execute_script("arguments[0].dispatchEvent(new MouseEvent('mouseenter'))", unit)
    z = conv_maps(X[7].reshape(8, 8), K_at(3)[:, 0], b_at(3))[3, 2, 4]
    assert float(d.find_element("css selector", '#panel [data-q="z"]').text) == \
        pytest.approx(z, rel=1e-4, abs=1e-6)
    assert float(unit.get_attribute("data-v")) == pytest.approx(
        steps[3].trace.delta[1][7, net["c1[3, 2, 4]"].position], rel=1e-5, abs=1e-9)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    d.save_screenshot(str(ARTIFACTS / "explorer_lenet_maps.png"))
    assert _severe(d) == []


def test_a_conv_units_receptive_field_is_outlined_in_the_layer_before(run, browser):
    path, *_ = run
    d = browser
    _open(d, path)
    for name, want in (("c1[5, 1, 3]", {f"x[0, {r}, {q}]" for r in (1, 2, 3) for q in (3, 4, 5)}),
                       ("s1[2, 2, 0]", {f"c1[2, {r}, {q}]" for r in (4, 5) for q in (0, 1)})):
        d.execute_script("arguments[0].dispatchEvent(new MouseEvent('mouseenter'))",
                         d.find_element("css selector", f'rect.cell[id="u_{name}"]'))
        got = d.execute_script("return Array.from(document.querySelectorAll('#field rect'))"
                               ".map((e) => e.dataset.unit)")
        assert set(got) == want and len(got) == len(want), (name, got)
    d.save_screenshot(str(ARTIFACTS / "explorer_lenet_field.png"))


def test_kernels_are_c_kernels_and_their_gradients_pytorchs(run, browser, torch):
    path, steps, net, c, X, y = run
    idx = net.parameters["c1.kernels"].indices
    torch_grad = lambda theta: torch_grads(torch, net, X, y, theta)[0]  # noqa: E731
    d = browser
    _open(d, path)
    for frame in (0, 2):
        _pick(d, "slider", frame)
        theta = steps[frame].trace.theta
        got_k, got_g = _kernels(d, False), _kernels(d, True)
        assert sorted(got_k) == sorted(idx.ravel().tolist())  # one cell per entry, 1 input map
        np.testing.assert_allclose([got_k[i] for i in idx.ravel()], theta[idx].ravel(),
                                   rtol=1e-6)
        np.testing.assert_allclose([got_g[i] for i in idx.ravel()],
                                   torch_grad(theta).ravel(), rtol=1e-4, atol=1e-7)
    # a page of one Trace: its kernels are the network's, c.kernels
    tr = net.backward(X[:10], y[:10])
    _open(d, ng.player(tr, path.with_name("trace.html"), X=X[:10], y=y[:10]))
    got = _kernels(d, False)
    np.testing.assert_allclose([got[i] for i in idx.ravel()], c.kernels.ravel(), rtol=1e-6)
    shown = d.find_elements("css selector", "text.kval")[0].text  # its value, printed
    assert float(shown) == pytest.approx(c.kernels[0, 0, 0, 0], abs=0.006)
    assert _severe(d) == []


def test_a_maps_bias_opens_its_shared_weight_panel(run, browser, torch):
    # b of a conv map is one parameter read by every unit of the map through its +1 link:
    # "b = …" opens its panel, whose terms are 1·δ_j of the map's units for the instance
    # shown, their sum Σ_j δ_j, and ∂J/∂b of the frame (autograd's; no λ for a bias)
    path, steps, net, c, X, y = run
    B = net.parameters["c1.biases"]
    frame, inst, m = 2, 5, 3
    tr = steps[frame].trace
    unit_pos = [net[f"c1[{m}, {r}, {q}]"].position for r in range(6) for q in range(6)]
    want_sum = tr.delta[1][inst, unit_pos].sum()
    want_grad = torch_grads(torch, net, X, y, tr.theta)[1][m]
    d = browser
    _open(d, path)
    _pick(d, "slider", frame)
    _pick(d, "instance", inst)
    b = d.find_element("css selector", f'text.kbias[data-k="{B.indices[m]}"]')
    assert b.text == f"b = {float(tr.theta[B.indices[m]]):.2g}"
    d.execute_script("arguments[0].dispatchEvent(new MouseEvent('mouseenter'))", b)
    text = d.find_element("id", "panel").text
    assert f"shared weight {B.params[m].name}: 36 links" in text, text
    assert "λ does not apply" in text, text
    assert float(d.find_element("css selector", '#panel [data-q="w"]').text) == \
        pytest.approx(tr.theta[B.indices[m]], rel=1e-4)
    assert float(d.find_element("css selector", '#panel [data-q="psum"]').text) == \
        pytest.approx(want_sum, rel=1e-4, abs=1e-9)
    assert float(d.find_element("css selector", '#panel [data-q="grad"]').text) == \
        pytest.approx(want_grad, rel=1e-4, abs=1e-9)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    d.save_screenshot(str(ARTIFACTS / "explorer_lenet_bias_panel.png"))
    # the keyboard: the bias is its map's last kernel entry (after ∂J/∂K's), ↑ ↓ walk
    # past it, → returns to the map; a click focuses it
    from selenium.webdriver.common.keys import Keys

    K = net.parameters["c1.kernels"]
    active = lambda: d.switch_to.active_element  # noqa: E731
    d.execute_script("arguments[0].focus()", d.find_element(
        "css selector", f'rect.kcell[data-k="{K.indices[m, 0, 2, 2]}"][data-grad="1"]'))
    active().send_keys(Keys.ARROW_DOWN)
    assert active().get_attribute("data-k") == str(B.indices[m])
    assert f"shared weight {B.params[m].name}" in d.find_element("id", "panel").text
    active().send_keys(Keys.ARROW_DOWN)
    assert active().get_attribute("data-k") == str(K.indices[m + 1, 0, 0, 0])
    active().send_keys(Keys.ARROW_UP)
    assert active().get_attribute("data-k") == str(B.indices[m])
    active().send_keys(Keys.ARROW_RIGHT)
    assert active().get_attribute("id") == f"u_c1[{m}, 0, 0]"
    d.find_element("css selector", f'text.kbias[data-k="{B.indices[0]}"]').click()
    assert active().get_attribute("data-k") == str(B.indices[0])
    assert f"shared weight {B.params[0].name}" in d.find_element("id", "panel").text
    assert _severe(d) == []


def test_the_lenet_page_fits_a_1350_px_window(run, browser):
    path, *_ = run
    d = browser
    _open(d, path, 1350)
    width = d.execute_script("return document.documentElement.scrollWidth")
    inner = d.execute_script("return window.innerWidth")
    assert width <= inner <= 1350, (width, inner)
    right = d.execute_script("return document.getElementById('panel')"
                             ".getBoundingClientRect().right")
    assert right <= inner  # the panel beside the drawing, not under or past it
    lines = d.execute_script("return [document.querySelectorAll('line.link').length,"
                             "document.querySelectorAll('line.maplink').length]")
    # input → 8 conv maps, conv map → its pool map (no line per kernel link); pool → dense
    # and on: each link its own line
    assert lines[1] == MAPS + MAPS and lines[0] == 72 * HID + 10 * HID
    d.save_screenshot(str(ARTIFACTS / "explorer_lenet_1350.png"))


def test_layer_names_with_markup_stay_text(tmp_path, browser):
    bad = 'c</script><b>"→'
    net, c = lenet(name=bad)
    X, y = ng.data.load_digits()
    path = ng.player(net.backward(X[:5], y[:5]), tmp_path / "names.html", X=X[:5], y=y[:5])
    d = page_data(path)["layout"]
    assert d["layers"][1]["grid"]["name"] == bad
    b = browser
    _open(b, path)
    texts = b.execute_script("return Array.from(document.querySelectorAll('#grids text'))"
                             ".map((e) => e.textContent)")
    assert f"{bad}: conv" in texts and "8 maps 6×6" in texts and f"{bad}[7]" in texts
    assert b.execute_script("return document.querySelectorAll('#net b, script').length") == 2
    b.execute_script("arguments[0].dispatchEvent(new MouseEvent('mouseenter'))",
                     b.find_elements("css selector", "rect.kcell")[0])
    assert f"shared weight {bad}.kernels[0, 0, 0, 0]" in b.find_element("id", "panel").text
    assert _severe(b) == []


def test_a_dense_page_has_no_maps():
    lay = explorer.layout(ng.Network.from_architecture([64, 25, 10], seed=0))
    assert lay["maplinks"] == [] and not any("grid" in entry for entry in lay["layers"])
    assert lay["image"] == {"h": 8, "w": 8, "cell": 22.0}  # x still drawn as its picture


def test_a_max_pool_units_panel_writes_its_max_and_sends_delta_to_the_winner(run, browser):
    # a pool unit's z is the max of its window, not Σ Θa; a conv unit's δ gets its pool
    # unit's δ only where it won the window (the first largest a), 0 elsewhere
    path, steps, net, c, X, y = run
    tr, inst = steps[0].trace, 2
    a2 = tr.a[1][inst].reshape(MAPS, 6, 6)
    d3 = tr.delta[2][inst].reshape(MAPS, 3, 3)
    m, r, q = next((m, r, q) for m in range(MAPS) for r in range(3) for q in range(3)
                   if d3[m, r, q] != 0 and a2[m, 2 * r:2 * r + 2, 2 * q:2 * q + 2].max() > 0)
    window = a2[m, 2 * r:2 * r + 2, 2 * q:2 * q + 2].ravel()
    won = int(np.argmax(window))  # numpy's first largest, in the window's (row, column) order
    d = browser
    _open(d, path)
    _pick(d, "instance", inst)
    d.execute_script("arguments[0].dispatchEvent(new MouseEvent('mouseenter'))",
                     d.find_element("css selector", f'rect.cell[id="u_s1[{m}, {r}, {q}]"]'))
    text = d.find_element("id", "panel").text
    assert "max" in text and "Σ" not in text.split("a = g(z)")[0], text
    assert float(d.find_element("css selector", '#panel [data-q="z"]').text) == \
        pytest.approx(window.max(), rel=1e-4)
    for k in range(4):
        name = f"c1[{m}, {2 * r + k // 2}, {2 * q + k % 2}]"
        d.execute_script("arguments[0].dispatchEvent(new MouseEvent('mouseenter'))",
                         d.find_element("css selector", f'rect.cell[id="u_{name}"]'))
        share = float(d.find_element("css selector", '#panel [data-q="share"]').text)
        assert share == pytest.approx(d3[m, r, q] if k == won else 0.0, rel=1e-4), (name, k)
        assert float(d.find_element("css selector", '#panel [data-q="delta"]').text) == \
            pytest.approx(tr.delta[1][inst, net[name].position], rel=1e-4, abs=1e-9)
    d.save_screenshot(str(ARTIFACTS / "explorer_lenet_pool_panel.png"))


def test_a_dead_map_is_ringed_cell_by_cell_and_named_once(tmp_path, browser):
    # the health view on maps: a square ring on each cell a finding names, the kind's badge
    # once beside the map (36 badges over a 6×6 map hid it)
    net, c = lenet()
    K, b = c.kernels, c.biases
    K[2], b[2] = -np.abs(K[2]), -5.0  # x ≥ 0: z < 0 everywhere, ReLU's a = 0, map 2 dead
    c.kernels, c.biases = K, b
    X, y = ng.data.load_digits()
    tr = net.backward(X[:50], y[:50])
    dead = {u for f in ng.diagnose(tr, net=net) if f.kind == "dead" for u in f.units}
    assert {f"c1[2, {r}, {q}]" for r in range(6) for q in range(6)} <= dead
    path = ng.player(tr, tmp_path / "dead.html", X=X[:50], y=y[:50], show="health")
    d = browser
    _open(d, path)
    rings = d.execute_script("return Array.from(document.querySelectorAll('#findings rect.ring'))"
                             ".map((e) => e.dataset.unit)")
    assert set(rings) == {n for n in dead if n.startswith("c1[")}
    badges = d.execute_script("return Array.from(document.querySelectorAll("
                              "'#findings text.badge[data-map]')).map((e) => e.dataset.map)")
    assert "2,2" in badges and len(badges) == len(set(badges))  # Layer 2, map 2: once
    assert not d.execute_script("return document.querySelectorAll("
                                "'#findings text.badge[data-unit^=\"c1[\"]').length")
    d.save_screenshot(str(ARTIFACTS / "explorer_lenet_dead_map.png"))
    assert _severe(d) == []


def test_an_input_grid_before_dense_units_keeps_their_weight_pictures(tmp_path, browser):
    # an 8×8 input grid is drawn as its map; the hidden units' weights are still drawn as
    # 8×8 pictures beside them, as for an image input of 64 plain units
    net = ng.Network(seed=0)
    x = net.add_inputs((8, 8), name="x")
    h = net.add_layer(5)
    net.connect_layers(x, h)
    out = net.add_layer(10, activation="softmax")
    net.connect_layers(h, out)
    X, y = ng.data.load_digits()
    path = ng.player(net.backward(X[:5], y[:5]), tmp_path / "grid_dense.html", X=X[:5],
                     y=y[:5])
    d = browser
    _open(d, path)
    assert d.execute_script("return document.querySelectorAll('rect.cell').length") == 64
    hrefs = d.execute_script("return Array.from(document.querySelectorAll('image.unitpic'))"
                             ".map((e) => e.getAttribute('href') || '')")
    assert len(hrefs) == 5 and all(h.startswith("data:image/png") for h in hrefs)
    assert _severe(d) == []


def test_the_activations_scale_per_layer_applies_to_the_maps(tmp_path, browser):
    # a conv layer's a (about 1 here) beside a ReLU hidden layer's (several times more, as
    # after training): on the run's one scale the maps are pale; picked "per layer", the
    # layer's largest a is the palette's darkest
    net, c = lenet()
    for link in net.links:
        if link.target.layer == 4 and not link.is_bias:
            link.weight *= 8.0
    X, y = ng.data.load_digits()
    tr = net.backward(X[:20], y[:20])
    conv, hidden = tr.a[1], tr.a[3]
    assert hidden.max() > 3 * conv.max()  # the run's scale is the hidden layer's
    i, p = np.unravel_index(np.argmax(conv), conv.shape)
    path = ng.player(tr, tmp_path / "scale.html", X=X[:20], y=y[:20], show="activations")
    d = browser
    _open(d, path)
    _pick(d, "instance", i)
    cell = f'rect.cell[id="u_{net.layers[1].nodes[p].name}"]'
    darkest = "rgb(8,48,107)"  # the sequential palette's end, #08306b
    assert d.find_element("css selector", cell).get_attribute("fill") != darkest
    _pick(d, "scale", "layer")
    assert d.find_element("css selector", cell).get_attribute("fill") == darkest
    ends = d.find_element("css selector", '#legend .perlayer[data-which="unit"]').text
    assert f"Layer 2: 0…{float(conv.max()):.5g}" in ends, ends
    d.save_screenshot(str(ARTIFACTS / "explorer_lenet_activations_per_layer.png"))
    assert _severe(d) == []


def test_the_keyboard_reaches_a_maps_kernel_and_comes_back(run, browser):
    # a conv unit's links in are not drawn: ← goes to its map's kernel, ↑ ↓ walk the
    # kernel's entries (their panels), → returns to the map
    from selenium.webdriver.common.keys import Keys

    path, steps, net, *_ = run
    d = browser
    _open(d, path)
    d.execute_script("arguments[0].focus()",
                     d.find_element("css selector", 'rect.cell[id="u_c1[3, 2, 2]"]'))
    active = lambda: d.switch_to.active_element  # noqa: E731
    active().send_keys(Keys.ARROW_LEFT)
    K = net.parameters["c1.kernels"]
    assert active().get_attribute("data-k") == str(K.indices[3, 0, 0, 0])
    active().send_keys(Keys.ARROW_DOWN)
    assert active().get_attribute("data-k") == str(K.indices[3, 0, 0, 1])
    assert f"shared weight {K.params[3, 0, 0, 1].name}" in d.find_element("id", "panel").text
    active().send_keys(Keys.ARROW_RIGHT)
    assert active().get_attribute("id") == "u_c1[3, 0, 0]"
    assert d.execute_script("return document.body.dataset.frame") == "0"  # no frame step
