"""The transformed plane: the input box's grid and the points carried through a hidden
layer, per frame, against numpy; its page panel in headless chromium; its bad input."""

import numpy as np
import pytest
from test_explorer import page_data
from test_explorer_networks import sig, unpacked
from test_player import ARTIFACTS

import neurograph as ng
from neurograph.explorer.plane import transformed_plane


@pytest.fixture(scope="module")
def deep_run(tmp_path_factory):
    """A 2-3-2-1 net trained on XOR: two hidden layers, the second of two units."""
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 3, 2, 1], seed=4)
    steps = list(ng.Trainer(net, alpha=3.0).steps(X, y, every="epoch", epochs=400))[::40]
    before = net.weights.theta.copy()
    path = ng.player(steps, tmp_path_factory.mktemp("plane") / "plane.html", X=X, y=y,
                     plane=(3, (2, 1)))
    return path, steps, net, X, y, before


def numpy_hidden(theta, P):
    """a(2), a(3) of the 2-3-2-1 sigmoid net at the flat weights ``theta`` for rows P."""
    T1, T2 = theta[:9].reshape(3, 3), theta[9:17].reshape(2, 4)
    a2 = sig(np.c_[np.ones(len(P)), P] @ T1.T)
    return a2, sig(np.c_[np.ones(len(P)), a2] @ T2.T)


def test_the_carried_grid_and_points_are_numpys(deep_run):
    path, steps, net, X, y, before = deep_run
    d = page_data(path)
    pl, flat = d["plane"], unpacked(d)
    assert pl["layers"] == [2, 3] and pl["start"] == [3, 1, 0]  # units 2, 1: 0-based
    assert pl["names"] == [["a2_1", "a2_2", "a2_3"], ["a3_1", "a3_2"]]
    assert pl["classes"] == [0.0, 1.0, 1.0, 0.0] and pl["points"] == 4
    R = pl["res"]
    x0, x1, y0, y1 = pl["box"]
    g1, g2 = np.linspace(x0, x1, R), np.linspace(y0, y1, R)
    grid = np.column_stack([np.tile(g1, R), np.repeat(g2, R)])  # row r: x2 = g2[r]
    assert grid[R + 3].tolist() == [g1[3], g2[1]]
    per = R * R + 4
    for k in (0, len(steps) - 1):
        a2, a3 = numpy_hidden(steps[k].trace.theta, np.vstack([grid, X]))
        start = d["offsets"]["plane"][k]
        got2 = flat[start:start + 3 * per].reshape(3, per)
        got3 = flat[start + 3 * per:start + 5 * per].reshape(2, per)
        np.testing.assert_allclose(got2, a2.T, rtol=1e-5)
        np.testing.assert_allclose(got3, a3.T, rtol=1e-5)
        for j, a in enumerate((a2, a3)):  # each unit's axis covers its values
            lo, hi = np.array(pl["ranges"][k][j]).T
            assert (lo <= a.min(axis=0)).all() and (hi >= a.max(axis=0)).all()
    # the network's own weights are put back after the frames' passes
    np.testing.assert_array_equal(net.weights.theta, before)


def test_plane_true_picks_the_first_hidden_layer_of_two_units(tmp_path):
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 1, 3, 1], seed=0)
    d = page_data(ng.player(net.backward(X, y), tmp_path / "p.html", X=X, y=y, plane=True))
    assert d["plane"]["start"] == [3, 0, 1]
    d = page_data(ng.player(net.backward(X, y), tmp_path / "q.html", X=X, y=y))
    assert d["plane"]["start"] == [3, 0, 1]  # None: drawn whenever it can be
    d = page_data(ng.player(net.backward(X, y), tmp_path / "r.html", X=X, y=y, plane=False))
    assert d["plane"] is None


def test_the_plane_asked_of_what_has_none_names_what_came(tmp_path):
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 3, 1], seed=0)
    tr = net.backward(X, y)
    wide = ng.Network.from_architecture([3, 2, 1], seed=0)
    cases = [
        (wide, wide.backward(np.eye(3), [0, 1, 1]), np.eye(3), True,
         r"two inputs, this one has 3 \(s = \[3, 2, 1\]\)"),
        (net, tr, X, (3, (1, 2)), r"one of Layers 2..2 \(s = \[2, 3, 1\]\), got layer 3"),
        (net, tr, X, (1, (1, 2)), "got layer 1"),
        (net, tr, X, (True, (1, 2)), "got layer True"),
        (net, tr, X, (2, (1, 4)), r"Layer 2 has units 1..3 \(a2_1, a2_2, a2_3\), got unit 4"),
        (net, tr, X, (2, (0, 1)), "got unit 0"),
        (net, tr, X, (2, ("h9", 1)), "got unit 'h9'"),
        (net, tr, X, (2, (2, "a2_2")), "two different units of Layer 2, got 2 twice"),
        (net, tr, X, (2, 1, 2), r"True or \(layer, \(u1, u2\)\).*got \(2, 1, 2\)"),
        (net, tr, X, "yes", "got 'yes'"),
        (net, tr, None, True, "needs X"),
    ]
    for _, trace, data, plane, match in cases:
        with pytest.raises(ng.ConfigError, match=match):
            ng.player(trace, tmp_path / "p.html", X=data, y=None, plane=plane)
    one = ng.Network.from_architecture([2, 1, 1], seed=0)
    with pytest.raises(ng.ConfigError, match="hidden layer of two units or more.*none"):
        ng.player(one.backward(X, y), tmp_path / "p.html", X=X, y=y, plane=True)
    assert not any(tmp_path.iterdir())  # nothing half-written


def test_transformed_plane_keeps_a_diverged_frame(tmp_path):
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    net.theta(1)[0, 1] = 1e300
    with np.errstate(all="ignore"):
        tr = net.backward(X, y)
    p = transformed_plane(net, [tr], X, y, res=5)
    assert np.isfinite(p["ranges"][0]).all()  # an axis is a number
    page = page_data(ng.player(tr, tmp_path / "p.html", X=X, y=y, plane=True))
    assert page["plane"]["start"] == [2, 0, 1]


def test_the_plane_in_headless_chromium(deep_run, browser):
    from selenium.webdriver.support.ui import Select

    path, steps, net, X, y, before = deep_run
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    d = browser
    d.get(path.resolve().as_uri())
    assert d.execute_script("return document.body.dataset.ready") == "1"
    pl = page_data(path)["plane"]
    lines = lambda: d.execute_script(  # noqa: E731
        "return Array.from(document.querySelectorAll('#plane polyline'))"
        ".map(e => e.getAttribute('points'))")
    n_lines = 2 * len(range(0, pl["res"], pl["every"]))
    first = lines()
    assert len(first) == n_lines and all(len(p.split()) == pl["res"] for p in first)
    assert len(d.find_elements("css selector", "#plane circle.planept")) == 4
    # the points sit where the frame's a3_2, a3_1 put them (x: a3_2, y: a3_1)
    _, a3 = numpy_hidden(steps[0].trace.theta, X)
    (x0, x1), (y0, y1) = pl["ranges"][0][1][1], pl["ranges"][0][1][0]
    pts = d.find_elements("css selector", "#plane .planept")
    cx = [float(c.get_attribute("cx")) for c in pts]
    cy = [float(c.get_attribute("cy")) for c in pts]
    np.testing.assert_allclose(cx, 10 + (a3[:, 1] - x0) / (x1 - x0) * 200, atol=0.06)
    np.testing.assert_allclose(cy, 210 - (a3[:, 0] - y0) / (y1 - y0) * 200, atol=0.06)
    d.save_screenshot(str(ARTIFACTS / "explorer_plane_first.png"))
    d.find_element("tag name", "h2").click()
    d.find_element("tag name", "body").send_keys("\ue010")  # End: the last frame
    last = lines()
    assert last != first  # the frame's own weights
    d.save_screenshot(str(ARTIFACTS / "explorer_plane_trained.png"))
    Select(d.find_element("id", "plane-layer")).select_by_visible_text("Layer 2")
    Select(d.find_element("id", "plane-u2")).select_by_visible_text("a2_3")
    assert lines() != last
    assert d.find_element("css selector", "#plane text.planeaxis").text.startswith("a2_1 ")
    d.save_screenshot(str(ARTIFACTS / "explorer_plane_layer2.png"))
    severe = [e for e in d.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == [], severe


def test_hostile_names_in_the_plane_and_a_softmax_panel_stay_text(tmp_path, browser):
    from selenium.webdriver import ActionChains
    from test_names_are_data import IMG, QUOTE, SCRIPT, hostile_net

    X, y = ng.data.truth_table("XOR")
    net = hostile_net()  # hidden units "→h" and an <img onerror=…>, inputs </script>, quotes
    steps = list(ng.Trainer(net, alpha=1.0).steps(X, y, every="epoch", epochs=3))
    soft = ng.Network.from_architecture([2, 2, 2], output_activation="softmax", seed=0,
                                        inputs=[SCRIPT, QUOTE], outputs=[IMG, "→o"])
    soft.classes = [SCRIPT, f"{QUOTE}→1"]
    pages = {"plane": ng.player(steps, tmp_path / "plane.html", X=X, y=y, plane=True),
             "softmax": ng.player(soft.backward(X, y), tmp_path / "soft.html", X=X, y=y)}
    d = browser
    js = d.execute_script
    for key, path in pages.items():
        d.get(path.resolve().as_uri())
        assert js("return document.body.dataset.ready") == "1", key  # the page works
        assert js("return window.__pwned === undefined"), key
        assert js("return document.querySelectorAll('img').length") == 0, key
        picked = js("return Array.from(document.querySelectorAll('#plane-u1 option'))"
                    ".map(o => o.textContent)")
        hidden = [u.name for u in (net if key == "plane" else soft).layers[1].nodes]
        assert picked == hidden, key  # the plane's pickers name the units literally
        assert js("return document.querySelector('#plane text.planeaxis').textContent") \
            .startswith(hidden[0] + " "), key
        key_text = js("return document.querySelector('#planebox .planekey').textContent")
        inputs = [u.name for u in (net if key == "plane" else soft).layers[0].nodes]
        assert key_text.startswith(f"— {inputs[1]} fixed"), key
    out = js("return document.getElementById('u_' + arguments[0])", "→o")
    ActionChains(d).move_to_element(out).perform()
    assert js("return document.querySelector('#panel b').textContent") == "→o"
    assert "cross-entropy with softmax outputs" in d.find_element("id", "panel").text
    shown = js("return Array.from(document.querySelectorAll('#net > text'))"
               ".map(t => t.textContent)")
    assert set(soft.classes) <= set(shown)  # the outputs carry their class names
    assert js("return window.__pwned === undefined")
    severe = [e for e in d.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == [], severe


def test_the_maps_points_carry_their_class_from_labels_or_one_hot_rows():
    X, y = ng.data.truth_table("XOR")
    y3 = np.array([0, 2, 1, 2])
    net = ng.Network.from_architecture([2, 2, 3], output_activation="softmax", seed=0)
    tr = net.backward(X, y3)
    for Y in (y3, np.eye(3)[y3]):  # one-hot rows: the class, not the first column
        m = ng.explorer.decision_maps(net, [tr], X, Y, res=3)
        assert [p[2] for p in m["points"]] == [0.0, 2.0, 1.0, 2.0]
        p = transformed_plane(net, [tr], X, Y, res=3)
        assert p["classes"] == [0.0, 2.0, 1.0, 2.0]
