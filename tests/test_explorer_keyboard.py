"""Keyboard and screen readers: every unit and link of the explorer's network is reached
with Tab and the arrow keys, named for a screen reader, and explained as hovering does."""

from pathlib import Path

import pytest
from test_explorer import xor_run  # noqa: F401  (the module's XOR page)
from test_player import ARTIFACTS

ARROWS = ("ARROW_UP", "ARROW_DOWN", "ARROW_LEFT", "ARROW_RIGHT")


def _where(js):
    """What has the focus: ('u', id) for a unit or bias unit, ('i', index) for a link."""
    return tuple(js("const e = document.activeElement; return e.dataset.i !== undefined ?"
                    " ['i', e.dataset.i] : ['u', e.id]"))


def test_every_unit_and_link_is_reached_by_tab_and_the_arrows(xor_run, browser):  # noqa: F811
    from selenium.webdriver.common.keys import Keys

    path, steps, net, X, y = xor_run
    d = browser
    js = d.execute_script
    d.get(Path(path).resolve().as_uri())
    # Tab from the last control enters the network at x_1, its panel open
    d.find_element("id", "scale").click()
    d.find_element("id", "scale").send_keys(Keys.ESCAPE)
    d.switch_to.active_element.send_keys(Keys.TAB)
    assert _where(js) == ("u", "u_x1")
    assert d.find_element("css selector", "#panel b").text == "x1"
    # one stop for Tab: every other unit and link is out of the Tab order
    assert js("return document.querySelectorAll('#net [tabindex=\"0\"]').length") == 1
    # from x_1 the arrows reach every unit, "+1" unit and link of the drawing
    seen, todo = {_where(js)}, [_where(js)]
    while todo:
        at = todo.pop()
        for key in ARROWS:
            sel = f"#net [data-i='{at[1]}']" if at[0] == "i" else f"#{at[1]}"
            js("document.querySelector(arguments[0]).focus()", sel)
            d.switch_to.active_element.send_keys(getattr(Keys, key))
            got = _where(js)
            if got not in seen:
                seen.add(got)
                todo.append(got)
    units = {("u", "u_" + u.name) for u in net.nodes} | \
        {("u", "b_" + lay.bias.name) for lay in net.layers if lay.bias}
    assert seen == units | {("i", str(k.index)) for k in net.links}
    assert js("return document.body.dataset.frame") == "0"  # arrows in it step no frame


def test_focus_names_and_explains_what_it_reaches(xor_run, browser):  # noqa: F811
    from selenium.webdriver.common.keys import Keys

    path, steps, net, X, y = xor_run
    d = browser
    js = d.execute_script
    d.get(Path(path).resolve().as_uri())
    tr = steps[0].trace
    js("document.getElementById('u_a2_1').focus()")
    label = js("return document.activeElement.getAttribute('aria-label')")
    assert label.startswith("unit a(2)_1, δ = ")
    assert float(label.split("= ")[1]) == pytest.approx(tr.delta[1][0, 0], rel=1e-4)
    assert d.find_element("css selector", "#panel b").text == "a2_1"  # as hovering does
    # ← : its first incoming link in the formula's order, the bias link
    d.switch_to.active_element.send_keys(Keys.ARROW_LEFT)
    bias = next(k for k in net.links if k.is_bias and k.target.name == "a2_1")
    assert _where(js) == ("i", str(bias.index))
    label = js("return document.activeElement.getAttribute('aria-label')")
    assert label.startswith("link +1 → a(2)_1, w = ")
    assert float(label.split("w = ")[1]) == pytest.approx(tr.theta[bias.index], rel=1e-4)
    assert d.find_element("css selector", "#panel b").text == "link +1 → a2_1"
    # ↓ : the next incoming link, x_1's; → its target again; ← ← back to the "+1" unit
    d.switch_to.active_element.send_keys(Keys.ARROW_DOWN)
    x1 = net.link("x1", "a2_1")
    assert _where(js) == ("i", str(x1.index))
    assert js("return document.activeElement.getAttribute('aria-label')") \
        .startswith("link a(1)_1 (x1) → a(2)_1, w = ")
    d.switch_to.active_element.send_keys(Keys.ARROW_LEFT)
    assert _where(js) == ("u", "u_x1")
    d.switch_to.active_element.send_keys(Keys.ARROW_UP)
    assert _where(js) == ("u", "b_" + net.layers[0].bias.name)
    assert "bias unit" in js("return document.activeElement.getAttribute('aria-label')")
    assert "the bias unit of Layer 1" in d.find_element("id", "panel").text
    # Space, Home and End step frames wherever the focus is; ← → outside the network
    d.switch_to.active_element.send_keys(Keys.END)
    assert js("return document.body.dataset.frame") == str(len(steps) - 1)
    d.find_element("tag name", "h2").click()
    d.find_element("tag name", "body").send_keys(Keys.ARROW_LEFT)
    assert js("return document.body.dataset.frame") == str(len(steps) - 2)
    keys = d.find_element("css selector", "p.keys").text
    assert "↑ ↓ move within a layer" in keys and "Tab into it" in keys
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    d.save_screenshot(str(ARTIFACTS / "explorer_keyboard.png"))
    severe = [e for e in d.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == [], severe
