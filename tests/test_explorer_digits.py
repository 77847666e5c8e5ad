"""The class's run in a real headless chromium: the digits, 64-25-10, trained with
mini-batches of 32. Every number checked here is computed again with numpy."""

from pathlib import Path

import numpy as np
import pytest
from test_explorer import page_data
from test_player import ARTIFACTS

import neurograph as ng


def sig(v):
    return 1 / (1 + np.exp(-v))


def thetas_at(net, theta):
    """Θ(1), Θ(2) (bias column first) of the flat weights ``theta``, link by link."""
    T = [np.zeros((net.s[l + 1], net.s[l] + 1)) for l in range(2)]
    for lk in net.links:
        col = 0 if lk.is_bias else lk.source.position + 1
        T[lk.target.layer - 2][lk.target.position, col] = theta[lk.index]
    return T


def delta_of_row(net, theta, x, y, K=10):
    """δ(2) of one instance, the lecture's loop: forward, δ(3) = a(3) − y, back through Θ(2)."""
    T1, T2 = thetas_at(net, theta)
    a1 = np.r_[1.0, x]
    a2 = np.r_[1.0, sig(T1 @ a1)]
    a3 = sig(T2 @ a2)
    d3 = a3 - np.eye(K)[y]
    return (T2.T @ d3)[1:] * a2[1:] * (1 - a2[1:]), T1 @ a1


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    X, y = ng.data.load_digits()
    net = ng.Network.from_architecture([64, 25, 10], seed=0)
    steps = list(ng.Trainer(net, alpha=1.0, batch_size=32, seed=0).steps(
        X, y, every="epoch", epochs=20))
    path = ng.player(steps, tmp_path_factory.mktemp("digits") / "digits.html", X=X, y=y)
    return path, steps, net, X, y


def _shot(d, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    d.save_screenshot(str(ARTIFACTS / f"digits_{name}.png"))


def _frame(d, k):
    d.execute_script("const s = document.getElementById('slider'); s.value = arguments[0];"
                     "s.dispatchEvent(new Event('input'))", k)
    assert d.execute_script("return document.body.dataset.frame") == str(k)


def test_the_digits_page_drawn_like_the_lecture(digits, browser):
    from selenium.webdriver import ActionChains
    from selenium.webdriver.support.ui import Select

    path, steps, net, X, y = digits
    d = browser
    js = d.execute_script
    d.get(Path(path).resolve().as_uri())
    assert js("return document.body.dataset.ready") == "1"
    # the picker offers x(1) … x(50): rows of the data, whatever the batching
    opts = [o.text for o in Select(d.find_element("id", "instance")).options]
    assert opts == [f"x({i})" for i in range(1, 51)]
    # output units read 0–9, right of the output layer
    assert js("return Array.from(document.querySelectorAll('#net .classname'))"
              ".map(t => t.textContent)") == [str(k) for k in range(10)]
    # a "+1" unit for Layers 1 and 2, each with its bias links (25 and 10), drawn
    assert js("return Array.from(document.querySelectorAll('#net circle.bias'))"
              ".map(c => c.id)") == ["b_" + net.layers[0].bias.name, "b_" + net.layers[1].bias.name]
    assert js("return document.querySelectorAll('#net #bias .one').length") == 2
    bias_lines = js("return Array.from(document.querySelectorAll('#net line.biaslink'))"
                    ".map(e => [+e.dataset.i, +e.getAttribute('x1'), +e.getAttribute('y1')])")
    assert sorted(i for i, _, _ in bias_lines) == sorted(k.index for k in net.links if k.is_bias)
    b1 = js("const c = document.querySelector('#net circle.bias');"
            "return [+c.getAttribute('cx'), +c.getAttribute('cy')]")
    assert sum((x1, y1) == tuple(b1) for _, x1, y1 in bias_lines) == 25  # from the +1
    # x(7) drawn as its 8×8 picture: row 7 of the data (row 6 counted from 0), pixel by pixel
    Select(d.find_element("id", "instance")).select_by_visible_text("x(7)")
    grey = js("return Array.from(document.querySelectorAll('#net rect.unit'))"
              ".map(e => +e.getAttribute('fill').match(/\\d+/)[0])")
    assert np.allclose(grey, np.round(255 * (1 - X[6] / X[6].max())), atol=1)
    assert js("return document.querySelector('#net .caption').textContent") \
        == "x(7) as its 8×8 picture"
    _shot(d, "picture")
    # a hidden unit for x(7) at frame 5: δ and z as numpy's loop gives them at its weights
    k = 5
    _frame(d, k)
    ActionChains(d).move_to_element(d.find_element("id", "u_a2_4")).perform()
    d2, z2 = delta_of_row(net, steps[k].trace.theta, X[6], y[6])
    num = lambda q: float(d.find_element("css selector", f'#panel [data-q="{q}"]').text)  # noqa
    assert num("delta") == pytest.approx(d2[3], rel=1e-3, abs=1e-7)
    assert num("z") == pytest.approx(z2[3], rel=1e-4)
    # the panel's terms in the formula's order: the bias first, then x1 … x64
    rows = js("return Array.from(document.querySelectorAll('#panel .terms')[0]"
              ".querySelectorAll('tr')).slice(1).map(r => r.cells[0].textContent)")
    assert rows == ["+1 (bias)"] + [u.name for u in net.layers[0].nodes]
    _shot(d, "hover_x7")
    # the static frame (Graphviz) follows the picker
    static = lambda: js("return Array.from(document.querySelectorAll('#static g[data-u]'))"  # noqa
                        ".map(g => g.querySelector('ellipse, polygon').getAttribute('fill'))")
    before = static()
    Select(d.find_element("id", "instance")).select_by_visible_text("x(1)")
    assert static() != before
    # expanded to its units: x(1)'s inputs as a column of units, the view's colours
    d.find_element("id", "inputs").click()
    assert js("return document.querySelector('#net rect.unit').getAttribute('rx')") != "0"
    assert js("return document.querySelector('#net .caption').textContent") == ""
    _shot(d, "units")
    # a bias link's panel: its weight and its term
    js("document.querySelector('#net line.biaslink').dispatchEvent(new Event('mouseenter'))")
    assert d.find_element("css selector", "#panel b").text.startswith("link +1 → a2_")
    severe = [e for e in d.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == [], severe


def test_the_digits_page_keeps_its_size(digits):
    path = digits[0]
    assert Path(path).stat().st_size <= 5_000_000
    assert page_data(path)["layout"]["image"]["h"] == 8


def test_tab_reaches_a_link_of_the_digits_network_and_opens_its_panel(digits, browser):
    from selenium.webdriver.common.keys import Keys

    path, steps, net, X, y = digits
    d = browser
    js = d.execute_script
    d.get(Path(path).resolve().as_uri())
    d.find_element("id", "inputs").click()  # the last control before the network
    d.switch_to.active_element.send_keys(Keys.TAB)
    assert js("return document.activeElement.id") == "u_x1"
    for key in (Keys.ARROW_DOWN, Keys.ARROW_DOWN, Keys.ARROW_RIGHT, Keys.ARROW_DOWN):
        d.switch_to.active_element.send_keys(key)  # x3's outgoing links: the second
    link = net.link("x3", "a2_2")
    assert js("return document.activeElement.dataset.i") == str(link.index)
    w = steps[0].trace.theta[link.index]
    label = js("return document.activeElement.getAttribute('aria-label')")
    assert label.startswith("link a(1)_3 (x3) → a(2)_2, w = ")
    assert float(label.split("w = ")[1].split(",")[0]) == pytest.approx(w, rel=1e-4)
    assert d.find_element("css selector", "#panel b").text == "link x3 → a2_2"
    assert float(d.find_element("css selector", '#panel [data-q="w"]').text) == \
        pytest.approx(w, rel=1e-4)
    _shot(d, "tab_link")


def test_an_output_units_panel_names_its_class(digits, browser):
    from selenium.webdriver import ActionChains

    d = browser
    d.get(Path(digits[0]).resolve().as_uri())
    ActionChains(d).move_to_element(d.find_element("id", "u_a3_7")).perform()
    assert "(Layer 3, unit 7, class 6)" in d.find_element("id", "panel").text
