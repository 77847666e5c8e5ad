"""The explorer page: its numbers are the Traces', and it works in a real headless chromium."""

import base64
import json
import re
from pathlib import Path

import numpy as np
import pytest
from test_player import ARTIFACTS, xor_steps

import neurograph as ng


@pytest.fixture(scope="module")
def xor_run(tmp_path_factory):
    steps, net, X, y = xor_steps(5.0, 1000, 50)
    path = ng.player(steps, tmp_path_factory.mktemp("explorer") / "xor.html", net=net,
                     X=X, y=y)
    return path, steps, net, X, y


def page_data(path) -> dict:
    text = Path(path).read_text(encoding="utf-8")
    return json.loads(re.search(r"const DATA = (\{.*?\});</script>", text).group(1))


def test_the_packed_numbers_are_the_traces(xor_run):
    path, steps, net, X, _ = xor_run
    d = page_data(path)
    flat = np.frombuffer(base64.b64decode(d["packed"]["b64"]), dtype=np.float32)
    off, n = d["offsets"], d["offsets"]["n"]
    assert n == 4 and d["instances"] == ["x(1)", "x(2)", "x(3)", "x(4)"]
    for k in (0, 7, 19):
        tr, start = steps[k].trace, off["frame"][k]
        np.testing.assert_allclose(flat[start:start + tr.theta.size], tr.theta, rtol=1e-6)
        np.testing.assert_allclose(flat[start + tr.theta.size:start + 2 * tr.theta.size], tr.grad,
                                   rtol=1e-6, atol=1e-9)
        p = start + 2 * tr.theta.size + (8 if k == 0 else 0)  # inputs once, in frame 0
        z2, a2, d2 = (flat[p + j * 8:p + (j + 1) * 8].reshape(4, 2) for j in range(3))
        np.testing.assert_allclose(z2, tr.z[1], rtol=1e-6)
        np.testing.assert_allclose(a2, tr.a[1], rtol=1e-6)
        np.testing.assert_allclose(d2, tr.delta[1], rtol=1e-5, atol=1e-9)
        dg = flat[p + 24:p + 32].reshape(4, 2)
        np.testing.assert_allclose(dg, tr.a[1] * (1 - tr.a[1]), rtol=1e-5)  # sigmoid
    # one scale per view for the run: the largest |δ| of any frame and instance
    big = max(float(np.abs(s.trace.delta[l]).max()) for s in steps for l in (1, 2))
    assert d["scales"]["errors"]["unit"]["run"] == pytest.approx(big)
    assert d["maps"]["res"] == 40 and len(d["maps"]["points"]) == 4


def test_decision_map_uses_each_frames_weights(xor_run):
    _, steps, net, X, y = xor_run
    before = net.weights.theta.copy()
    m = ng.explorer.decision_maps(net, [steps[0].trace, steps[-1].trace], X, y, res=3)
    assert np.array_equal(net.weights.theta, before)  # the network's own weights put back
    # grid point (r=0, c=0) is the box's lower-left corner; recompute with numpy
    x = np.array([m["box"][0], m["box"][2]])
    for k, s in enumerate((steps[0], steps[-1])):
        t1, t2 = [np.array(t, copy=True) for t in net.thetas]
        w = s.trace.theta
        for lk in net.links:  # the frame's weights, by link index
            ref = (t1 if lk.target.layer == 2 else t2)
            col = 0 if lk.is_bias else lk.source.position + 1
            ref[lk.target.position, col] = w[lk.index]
        sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
        a2 = sig(t1 @ np.r_[1, x])
        out = sig(t2 @ np.r_[1, a2])
        assert m["frames"][k][2][0] == pytest.approx(out[0])
        assert m["frames"][k][0][0] == pytest.approx(a2[0])


def test_bad_input_names_what_came(tmp_path, xor_run):
    _, steps, net, X, y = xor_run
    other = ng.Network.from_architecture([2, 2, 1], seed=3)
    with pytest.raises(ng.StaleTraceError, match="another network"):
        ng.player(steps, tmp_path / "a.html", net=other)
    with pytest.raises(ng.ConfigError, match="different runs mixed: step 1 is epoch 0"):
        ng.player([steps[5], steps[0]], tmp_path / "b.html", net=net)
    with pytest.raises(ng.InputValueError, match=r"rows 0..3.*x\(5\)"):
        ng.player(steps, tmp_path / "c.html", net=net, instances=[0, 4])
    with pytest.raises(ng.ConfigError, match="at least one Step"):
        ng.player([], tmp_path / "d.html", net=net)
    wide = ng.Network.from_architecture([3, 2, 1], seed=0)
    tr = wide.backward(np.eye(3), [0, 1, 1])
    with pytest.raises(ng.ConfigError, match="two inputs, this one has 3"):
        ng.player(tr, tmp_path / "e.html", net=wide, X=np.eye(3), maps=True)
    assert not any(tmp_path.iterdir())  # nothing half-written


def _number(d, q):
    return float(d.find_element("css selector", f'#panel [data-q="{q}"]').text)


def test_explorer_in_headless_chromium(xor_run, browser):
    from selenium.webdriver import ActionChains
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    path, steps, net, X, y = xor_run
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    d = browser
    d.get(Path(path).resolve().as_uri())
    assert d.execute_script("return document.body.dataset.ready") == "1"
    shot = lambda name: d.save_screenshot(str(ARTIFACTS / f"explorer_{name}.png"))  # noqa: E731
    # hover a hidden unit: its δ is the Trace's for x(1) at frame 0
    ActionChains(d).move_to_element(d.find_element("id", "u_a2_1")).perform()
    assert _number(d, "delta") == pytest.approx(steps[0].trace.delta[1][0, 0], rel=1e-4)
    assert _number(d, "z") == pytest.approx(steps[0].trace.z[1][0, 0], rel=1e-4)
    shot("hover")
    # another instance: the other instance's δ
    Select(d.find_element("id", "instance")).select_by_visible_text("x(3)")
    assert _number(d, "delta") == pytest.approx(steps[0].trace.delta[1][2, 0], rel=1e-4)
    shot("instance3")
    # the show switch changes the drawing
    fill = lambda: d.find_element("id", "u_a2_1").get_attribute("fill")  # noqa: E731
    before = fill()
    Select(d.find_element("id", "view")).select_by_value("activations")
    assert fill() != before and d.execute_script("return document.body.dataset.view") \
        == "activations"
    shot("activations")
    # → and End change the frame
    d.find_element("tag name", "h2").click()
    body = d.find_element("tag name", "body")
    body.send_keys(Keys.ARROW_RIGHT)
    assert d.execute_script("return document.body.dataset.frame") == "1"
    body.send_keys(Keys.END)
    assert d.execute_script("return document.body.dataset.frame") == "19"
    ActionChains(d).move_to_element(d.find_element("id", "u_a2_1")).perform()
    assert _number(d, "delta") == pytest.approx(steps[19].trace.delta[1][2, 0], rel=1e-4)
    shot("trained_hover")
    body.send_keys(Keys.HOME)
    assert d.execute_script("return document.body.dataset.frame") == "0"
    # the decision map and the hidden units' heat maps are drawn
    assert d.find_element("id", "map").get_attribute("width") == "200"
    hrefs = d.execute_script("return Array.from(document.querySelectorAll('.unitmap'))"
                             ".map(e => e.getAttribute('href'))")
    assert len(hrefs) == 2 and all(h.startswith("data:image/png") for h in hrefs)
    # click on the J curve jumps to the nearest frame
    xs = page_data(path)["marker"]["x"]
    curve = d.find_element("id", "curve")
    ActionChains(d).move_to_element_with_offset(
        curve, int(xs[10] - curve.size["width"] / 2), 0).click().perform()
    assert d.execute_script("return document.body.dataset.frame") == "10"
    shot("end")
    severe = [e for e in d.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == [], severe
    assert (ARTIFACTS / "explorer_hover.png").stat().st_size > 10_000


def test_the_page_shows_inline_in_jupyter(xor_run):
    import html

    path = xor_run[0]
    frame = path._repr_html_()
    assert frame.startswith('<iframe srcdoc="')
    srcdoc = html.unescape(re.search(r'srcdoc="(.*?)" style', frame, re.S).group(1))
    assert srcdoc == Path(path).read_text(encoding="utf-8")


def test_the_tour_notebook_uses_the_explorer():
    nb = json.loads((Path(__file__).resolve().parents[1] / "examples" / "tour.ipynb")
                    .read_text(encoding="utf-8"))
    cells = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    last = [c.strip().splitlines()[-1] for c in cells if "ng.player(" in c]
    assert last and last[0].startswith("ng.player(")  # the cell's value: shown inline


def test_a_digits_run_fits_the_size_budget(tmp_path):
    X, y = ng.data.load_digits()
    net = ng.Network.from_architecture([64, 25, 10], seed=0)
    steps = list(ng.Trainer(net, alpha=1.0).steps(X[:200], ng.one_hot(y[:200], 10),
                                                  every="epoch", epochs=60))
    page = ng.player(steps, tmp_path / "digits.html", net=net)
    assert page.stat().st_size <= 5_000_000
    d = page_data(page)
    assert len(d["frames"]) == 60 and d["offsets"]["n"] == 50  # the first 50 instances
    assert [len(lay["units"]) for lay in d["layout"]["layers"]] == [64, 25, 10]
    text = page.read_text(encoding="utf-8")
    assert "<details>" not in text  # no static pictures for 1885 links


def test_a_400_25_10_page_collapses_inputs_and_names_classes(tmp_path):
    net = ng.Network.from_architecture([400, 25, 10], seed=0)
    net.classes = [f"digit {k}" for k in range(10)]
    X = np.random.default_rng(0).random((3, 400))
    trace = net.backward(X, [0, 1, 2])
    d = page_data(ng.player(trace, tmp_path / "big.html", net=net))
    lay = d["layout"]
    assert [layer["big"] for layer in lay["layers"]] == [True, False, False]
    # a Trace's rows are kept as given, and named as the Trace's (not the data's) rows
    assert lay["classes"] == list(net.classes)
    assert d["instances"] == ["row 1 of the Trace", "row 2 of the Trace", "row 3 of the Trace"]
    ys = [u["y"] for u in lay["layers"][0]["units"]]
    assert max(ys) - min(ys) < 600  # a block of columns, not a 400-unit tower


# --- the health view: each frame's ng.diagnose findings on the drawing ---

def _xor_run(scale: float, alpha: float, epochs: int, every: int, out_bias=None):
    """A 2-2-1 XOR run (seed 0) from the initial weights × ``scale`` (0: all zero), the
    output's bias set to ``out_bias`` when given."""
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    net.weights.theta[:] *= scale
    if out_bias is not None:
        net.set_bias(net["a3_1"], out_bias)
    steps = [s for s in ng.Trainer(net, alpha=alpha).steps(X, y, every="epoch", epochs=epochs)
             if s.epoch % every == 0]
    return steps, net, X, y


@pytest.fixture(scope="module")
def health_runs(tmp_path_factory):
    """Zero weights (symmetric forever), and an output bias of 8 (a ≈ 1 on every instance
    at epoch 0: stuck; learned and clean from epoch 50): the pages open on different
    views."""
    out = tmp_path_factory.mktemp("health")
    zero, znet, X, y = _xor_run(0.0, 5.0, 200, 10)
    stuck, snet, _, _ = _xor_run(1.0, 2.0, 1000, 50, out_bias=8.0)
    return {"zero": (ng.player(zero, out / "zero.html", net=znet, X=X, y=y, show="health"),
                     zero, znet),
            "stuck": (ng.player(stuck, out / "stuck.html", net=snet, X=X, y=y), stuck, snet)}


def test_packed_findings_are_the_diagnosis_of_each_frame(health_runs):
    for name, (path, steps, net) in health_runs.items():
        d = page_data(path)
        units = [u["name"] for lay in d["layout"]["layers"] for u in lay["units"]]
        links = {lk.index: f"{'+1' if lk.is_bias else lk.source.name}→{lk.target.name}"
                 for lk in net.links}
        assert len(d["health"]["frames"]) == len(steps)
        for k, s in enumerate(steps):
            want = ng.diagnose(s.trace, net=net)
            got = d["health"]["frames"][k]
            assert [f[0] for f in got] == [f.kind for f in want], (name, k)
            assert [[units[u] for u in f[1]] for f in got] == [list(f.units) for f in want]
            assert [[links[i] for i in f[2]] for f in got] == [list(f.links) for f in want]
            assert [f[3] for f in got] == [f.summary for f in want]
    zero = page_data(health_runs["zero"][0])["health"]
    assert [f[:2] for f in zero["frames"][0]][0] == ["symmetric", [2, 3]]  # a2_1, a2_2
    assert zero["badges"]["symmetric"] == ["#7b3294", "≡"]  # the diagram's own badge
    stuck = page_data(health_runs["stuck"][0])["health"]["frames"]
    assert [f[0] for f in stuck[0]] == ["stuck_output"] and stuck[-1] == []


def test_each_frame_is_diagnosed_once_for_the_view_and_its_static_picture(tmp_path,
                                                                          monkeypatch):
    import importlib

    dg = importlib.import_module("neurograph.diagnosis")
    steps, net, X, y = _xor_run(0.0, 5.0, 30, 10)  # 3 frames; small: static pictures too
    calls = []
    real = dg.diagnose
    monkeypatch.setattr(dg, "diagnose", lambda *a, **k: calls.append(a) or real(*a, **k))
    path = ng.player(steps, tmp_path / "z.html", net=net, show="health")
    assert len(calls) == len(steps) == 3
    # the one static picture draws the findings it was made with (the page recolours it
    # per frame): both hidden units badged ≡
    html = Path(path).read_text(encoding="utf-8")
    static = html[html.index('<details id="static">'):]
    assert static.count("<svg") == 1 and static.count("≡") >= 2


def test_a_history_page_has_the_runs_findings(tmp_path):
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 2, 1], seed=3)
    net.weights.theta[:] = 0
    history = ng.Trainer(net, alpha=2.0).fit(X, y, epochs=50)
    d = page_data(ng.player(history, tmp_path / "h.html", net=net, show="health"))
    kinds = [f[0] for f in d["health"]["frames"][0]]
    assert kinds == ng.diagnose(net).kinds() + ng.diagnose(history, net=net).kinds()
    assert kinds == ["symmetric", "stuck_cost"]


def test_an_unknown_view_names_the_choices(tmp_path, health_runs):
    _, steps, net = health_runs["zero"]
    with pytest.raises(ng.ConfigError, match="gradients, health, got 'helth'"):
        ng.player(steps, tmp_path / "x.html", net=net, show="helth")


def test_health_view_in_headless_chromium(health_runs, browser):
    from selenium.webdriver import ActionChains
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    d = browser
    js = d.execute_script
    rings = lambda: js("return Array.from(document.querySelectorAll('#findings .ring'))"  # noqa: E731
                       ".map(e => [e.dataset.unit, e.dataset.kind, e.getAttribute('stroke')])")
    legend = lambda: d.find_element("id", "legend").text  # noqa: E731
    # zero weights, opened on health: both hidden units ringed and badged "symmetric"
    d.get(Path(health_runs["zero"][0]).resolve().as_uri())
    assert js("return document.body.dataset.view") == "health"
    got = rings()
    assert ["a2_1", "symmetric", "#7b3294"] in got and ["a2_2", "symmetric", "#7b3294"] in got
    assert not any(u.startswith("a1_") for u, _, _ in got)
    badge = js("return document.querySelector('#findings .badge[data-unit=\"a2_1\"]')"
               ".textContent")
    assert badge.startswith("≡")
    assert "symmetric: 2 units of layer 2 have the same incoming and outgoing weights" \
        in legend() and "healthy" not in legend()
    ActionChains(d).move_to_element(d.find_element("id", "u_a2_1")).perform()
    panel = d.find_element("id", "panel").text
    assert "symmetric" in panel and "NOT to 0" in panel  # the finding and what to try
    d.save_screenshot(str(ARTIFACTS / "explorer_health_symmetric.png"))
    # output bias 8: frame 0's output is stuck, the trained last frame is clean
    d.get(Path(health_runs["stuck"][0]).resolve().as_uri())
    assert js("return document.body.dataset.view") == "errors" and rings() == []
    ActionChains(d).move_to_element(d.find_element("id", "u_a3_1")).perform()
    assert "stuck_output" in d.find_element("id", "panel").text  # every view lists it
    Select(d.find_element("id", "view")).select_by_value("health")
    assert rings() == [["a3_1", "stuck_output", "#a6611a"]]
    assert "stuck_output: 1 output(s) decide the same" in legend()
    greyed = js("return Array.from(document.querySelectorAll('#net .link'))"
                ".map(e => e.getAttribute('stroke'))")
    assert set(greyed) == {"#d0d0d0"}  # this finding names no link
    d.save_screenshot(str(ARTIFACTS / "explorer_health_stuck.png"))
    d.find_element("tag name", "h2").click()
    d.find_element("tag name", "body").send_keys(Keys.END)
    assert js("return document.body.dataset.frame") == "19"
    assert rings() == [] and "healthy: no findings" in legend()
    d.save_screenshot(str(ARTIFACTS / "explorer_health_trained.png"))
    severe = [e for e in d.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == [], severe
    assert (ARTIFACTS / "explorer_health_symmetric.png").stat().st_size > 10_000


def test_signals_and_activations_views_in_headless_chromium(xor_run, browser):
    """The page draws a view's numbers from its entry: a signals link label is numpy's
    w·a of the instance; the activations view's links are w, as in the diagram."""
    from selenium.webdriver.support.ui import Select

    path, steps, net, X, _ = xor_run
    d = browser
    d.get(Path(path).resolve().as_uri())
    js = d.execute_script
    Select(d.find_element("id", "view")).select_by_value("signals")
    Select(d.find_element("id", "instance")).select_by_visible_text("x(3)")
    tr = steps[0].trace
    a1 = np.r_[1.0, X[2]]  # bias unit first
    z2 = np.zeros(2)  # frame 0's own weights, summed link by link
    for lk in net.links:
        if lk.target.layer == 2:
            z2[lk.target.position] += tr.theta[lk.index] * (
                1.0 if lk.is_bias else a1[lk.source.position + 1])
    a2 = np.r_[1.0, 1 / (1 + np.exp(-z2))]
    for lk in net.links:
        if lk.is_bias:
            continue
        a = (a1 if lk.source.layer == 1 else a2)[lk.source.position + 1]
        shown = js(f"return document.querySelector('.linklabel[data-i=\"{lk.index}\"]')"
                   ".textContent")
        assert float(shown) == pytest.approx(tr.theta[lk.index] * a, rel=1e-4), lk
    z = js("return document.querySelector('.unittext[data-unit=\"a2_1\"]').textContent")
    assert z.startswith("z=") and float(z[2:]) == pytest.approx(z2[0], rel=1e-4)
    d.save_screenshot(str(ARTIFACTS / "explorer_signals.png"))
    severe = [e for e in d.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == [], severe


def test_the_activations_view_draws_w_on_links_as_the_diagram_does(xor_run, browser):
    """The page drew w·a on the activations view's links while ng.diagram drew w; one
    entry now: the link widths of the activations view are the weights view's."""
    from selenium.webdriver.support.ui import Select

    path = xor_run[0]
    d = browser
    d.get(Path(path).resolve().as_uri())
    js = d.execute_script
    Select(d.find_element("id", "instance")).select_by_visible_text("x(1)")  # a = 0
    widths = lambda: js("return Array.from(document.querySelectorAll('#net .link'))"  # noqa: E731
                        ".map(e => e.getAttribute('stroke-width'))")
    Select(d.find_element("id", "view")).select_by_value("weights")
    by_w = widths()
    Select(d.find_element("id", "view")).select_by_value("activations")
    assert widths() == by_w  # links are w in the activations view, on the w scale
    severe = [e for e in d.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == [], severe
