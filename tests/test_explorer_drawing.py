"""The explorer drawn like the lecture: "+1" units with their links, an image input as its
picture, class names on the outputs, a J curve whose ticks stay on its axes."""

import re
from pathlib import Path

import numpy as np
import pytest
from test_explorer import page_data, xor_run  # noqa: F401  (the module's XOR page)

import neurograph as ng
from neurograph.render.explorer import image_shape, layout
from neurograph.render.player import curve


def test_each_layer_but_the_last_has_its_bias_unit_above_it_feeding_the_bias_links():
    net = ng.Network.from_architecture([3, 4, 2], seed=0)
    lay = layout(net)
    biases = [layer["bias"] for layer in lay["layers"]]
    assert [b and b["name"] for b in biases] == [net.layers[0].bias.name,
                                                 net.layers[1].bias.name, None]
    for layer, b in zip(lay["layers"][:2], biases):
        top = min(u["y"] for u in layer["units"])
        assert b["x"] == layer["units"][0]["x"] and b["y"] + b["r"] < top - layer["units"][0]["r"]
    # every bias link names the bias unit it comes from: the layer below its target
    bias_links = [k for k in lay["links"] if k["s"] is None]
    want = sorted((k.index, k.target.layer - 1) for k in net.links if k.is_bias)
    assert sorted((k["i"], k["b"]) for k in bias_links) == want and len(want) == 4 + 2
    assert all(k["b"] is None for k in lay["links"] if k["s"] is not None)


def test_an_image_input_has_each_unit_at_its_pixel_row_by_row():
    net = ng.Network.from_architecture([64, 5, 10], seed=0)
    lay = layout(net)
    img = lay["image"]
    assert (img["h"], img["w"]) == (8, 8)
    units = lay["layers"][0]["units"]
    gx = np.array([u["gx"] for u in units]).reshape(8, 8)
    gy = np.array([u["gy"] for u in units]).reshape(8, 8)
    # unit k is pixel k of x.reshape(8, 8): columns left to right, rows top to bottom
    assert np.allclose(np.diff(gx, axis=1), img["cell"]) and np.allclose(np.diff(gy, axis=0),
                                                                          img["cell"])
    assert np.ptp(gx[:, 0]) == 0 and np.ptp(gy[0]) == 0
    assert lay["layers"][0]["bias"]["gy"] < gy.min()  # its "+1" above the picture
    # the picture sits left of the next layer, clear of it
    assert gx.max() + img["cell"] < min(u["x"] for u in lay["layers"][1]["units"])
    assert "gx" not in lay["layers"][1]["units"][0]


def test_the_image_shape_is_given_inferred_or_refused_by_name():
    assert image_shape(ng.Network.from_architecture([400, 3, 1], seed=0)) == (20, 20)
    assert image_shape(ng.Network.from_architecture([9, 3, 1], seed=0)) is None  # too few
    assert image_shape(ng.Network.from_architecture([12, 3, 1], seed=0)) is None
    net = ng.Network.from_architecture([12, 3, 1], seed=0)
    assert layout(net, shape=(3, 4))["image"]["w"] == 4
    assert image_shape(ng.Network.from_architecture([64, 3, 1], seed=0), False) is None
    with pytest.raises(ng.ConfigError, match=r"shape=\(3, 3\) needs 9 inputs.*has 12"):
        layout(net, shape=(3, 3))
    with pytest.raises(ng.ConfigError, match="shape must be .height, width.: two ints"):
        layout(net, shape="3x4")


def test_the_outputs_carry_the_data_labels_or_net_classes(tmp_path):
    X, y = ng.data.load_digits()
    X, y = X[:40], y[:40]
    net = ng.Network.from_architecture([64, 6, 10], seed=0)
    steps = list(ng.Trainer(net, alpha=1.0).steps(X, y, every="epoch", epochs=2))
    d = page_data(ng.player(steps, tmp_path / "a.html", X=X, y=y, static=False))
    assert d["layout"]["classes"] == [str(k) for k in range(10)]
    # targets given as rows name no class (they may be a regression's)
    d = page_data(ng.player(steps, tmp_path / "b.html", X=X, y=np.eye(10)[y], static=False))
    assert d["layout"]["classes"] is None
    net.classes = [f"digit {k}" for k in range(10)]
    d = page_data(ng.player(steps, tmp_path / "c.html", X=X, y=y, static=False))
    assert d["layout"]["classes"] == list(net.classes)


def test_the_curves_ticks_stay_on_its_axes():
    width, height, (left, right, top, bottom) = 520, 170, (48, 22, 16, 34)
    for costs in ([2.716] + [2.716 * 0.9 ** k for k in range(1, 60)],
                  list(np.linspace(0.7, 0.01, 20)), [5.5, 1.0]):
        svg, _, _ = curve(costs, [0], width=width, height=height, pad=(left, right, top, bottom))
        xs = [float(x) for x in re.findall(r'class="tick" x="([-\d.]+)" y="[-\d.]+" '
                                           r'text-anchor="middle"', svg)]
        ys = [float(y) for y in re.findall(r'class="tick" x="[-\d.]+" y="([-\d.]+)" '
                                           r'text-anchor="end"', svg)]
        assert xs and ys
        assert max(xs) <= width - right, (costs[:2], xs)  # the last step tick on the axis
        assert min(ys) - 4 >= top, (costs[:2], ys)  # the top J tick on the axis


def test_pictures_cover_no_label_and_the_drawing_spans_the_pane(xor_run, browser):  # noqa: F811
    path = xor_run[0]
    d = browser
    js = d.execute_script
    d.get(Path(path).resolve().as_uri())
    boxes = lambda sel: js("return Array.from(document.querySelectorAll(arguments[0]))"  # noqa
                           ".map(e => { const b = e.getBBox(); return [b.x, b.y,"
                           " b.x + b.width, b.y + b.height, e.textContent]; })", sel)
    pics = boxes("#net image")
    labels = [b for b in boxes("#net text") if b[4]]
    assert len(pics) == 2 and len(labels) >= 5
    for p in pics:
        for t in labels:
            apart = p[2] <= t[0] or t[2] <= p[0] or p[3] <= t[1] or t[3] <= p[1]
            assert apart, (p, t)
    # the drawing takes the pane's width beside the panel, not a fixed one
    width = js("return +document.getElementById('net').getAttribute('width')")
    pane = js("return document.getElementById('main').clientWidth - "
              "document.getElementById('panel').offsetWidth - 24")
    assert abs(width - pane) <= 2, (width, pane)


def test_player_takes_shape_and_refuses_a_wrong_one_before_any_file(tmp_path, monkeypatch):
    import tempfile

    net = ng.Network.from_architecture([12, 3, 2], seed=0)
    X = np.random.default_rng(0).random((4, 12))
    steps = list(ng.Trainer(net, alpha=1.0).steps(X, [0, 1, 1, 0], every="epoch", epochs=2))
    d = page_data(ng.player(steps, tmp_path / "a.html", shape=(3, 4), static=False))
    assert (d["layout"]["image"]["h"], d["layout"]["image"]["w"]) == (3, 4)
    assert page_data(ng.player(steps, tmp_path / "b.html", static=False))["layout"]["image"] \
        is None  # 12 inputs: no square, no picture unless asked
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    with pytest.raises(ng.ConfigError, match=r"shape=\(5, 5\) needs 25 inputs.*has 12"):
        ng.player(steps, shape=(5, 5))
    assert not any((tmp_path / "tmp").iterdir())  # no half-made page left behind


def test_class_names_must_name_every_output():
    net = ng.Network.from_architecture([2, 3, 3], seed=0)
    assert layout(net, classes=[7, 8, 9])["classes"] == ["7", "8", "9"]
    with pytest.raises(ng.ShapeError, match=r"name 3 classes for 3 output unit\(s\), got 2"):
        layout(net, classes=["a", "b"])
    one = ng.Network.from_architecture([2, 3, 1], seed=0)
    assert layout(one, classes=["no", "yes"])["classes"] == ["no", "yes"]


def test_bias_links_lie_under_the_others(xor_run, browser):  # noqa: F811
    """Where a bias link crosses another link (XOR: +1 → a2_2 crosses x1 → a2_1 at its
    middle), a hover or click finds the other link, not the dashed line over it."""
    d = browser
    d.set_window_size(800, 900)
    d.get(Path(xor_run[0]).resolve().as_uri())
    plain = [str(k.index) for k in xor_run[2].links if not k.is_bias]
    hit = d.execute_script(
        "return arguments[0].map((i) => {"
        " const r = document.querySelector(`#net line[data-i='${i}']`).getBoundingClientRect();"
        " const h = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);"
        " return h.getAttribute('class') || ''; })", plain)
    assert not any("biaslink" in h for h in hit), hit
