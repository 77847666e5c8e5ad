"""Diagrams: golden DOT files, colour by sign, blame labels, legends, files, missing dot."""

import os
import re
from pathlib import Path

import graphviz
import numpy as np
import pytest

import neurograph as ng

GOLDEN = Path(__file__).parent / "golden"
X4, XOR_y = ng.data.truth_table("XOR")


def xnor_net():
    return ng.Network.from_thetas([[[-30.0, 20, 20], [10, -20, -20]], [[-10.0, 20, 20]]])


def golden(name: str, source: str) -> None:
    path = GOLDEN / f"{name}.dot"
    if os.environ.get("NEUROGRAPH_REGEN_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(source)
    assert path.exists(), f"no golden file {path}: run with NEUROGRAPH_REGEN_GOLDEN=1"
    assert source == path.read_text(), f"{name}: DOT differs from {path}"


@pytest.mark.parametrize("show", ng.render.SHOWS)
def test_xor_golden_dot(show):
    net = xnor_net()
    trace = net.backward(X4, XOR_y)
    dot = ng.diagram(net, show=show, trace=trace, row=1)
    other = xnor_net()
    again = ng.diagram(other, show=show, trace=other.backward(X4, XOR_y), row=1)
    assert dot.source == again.source  # same input, byte-identical DOT
    golden(f"xor_{show}", dot.source)


def test_xor_batch_gradients_golden():
    net = xnor_net()
    dot = ng.diagram(net, show="gradients", trace=net.backward(X4, XOR_y))
    golden("xor_gradients_batch", dot.source)


def test_four_class_and_collapsed_golden():
    net = ng.Network.from_architecture([4, 5, 4], seed=0)
    golden("four_class_weights", ng.diagram(net, show="weights").source)
    big = ng.Network.from_architecture([400, 25, 10], seed=0)
    src = ng.diagram(big, show="weights", top_k=10).source
    assert "… 397 more" in src and "… 22 more" in src
    links = [ln for ln in src.splitlines() if " -> " in ln and "invis" not in ln]
    assert len(links) == 10 + 10  # strongest 10 per collapsed block
    golden("collapsed_400_25_10", src)


def test_structure_draws_layers_and_bias_units():
    src = ng.diagram(xnor_net()).source
    for l in (1, 2, 3):
        assert f'label="Layer {l}"' in src
    assert src.count('label="+1"') == 2  # bias units of layers 1 and 2, none for the output
    assert "doublecircle" in src and "dashed" in src and "legend" in src


def test_edge_colour_flips_with_weight_sign():
    net = xnor_net()
    src = ng.diagram(net, show="weights").source
    line = next(ln for ln in src.splitlines() if ln.strip().startswith("x1 -> a2_1"))
    assert ng.render.colors.EXCITATORY in line and 'label="+20"' in line
    net.link("x1", "a2_1").weight = -20
    src = ng.diagram(net, show="weights").source
    line = next(ln for ln in src.splitlines() if ln.strip().startswith("x1 -> a2_1"))
    assert ng.render.colors.INHIBITORY in line and 'label=-20' in line


def test_blame_labels_are_theta_times_delta():
    net = ng.Network.from_architecture([2, 3, 1], seed=1)
    trace = net.backward(X4, XOR_y)
    src = ng.diagram(net, show="blame", trace=trace, row=2).source
    d = net["a3_1"].delta[2]
    for u in net.layers[1]:
        share = net.link(u, "a3_1").weight * d  # Θ_ji·δ_j computed here
        line = next(ln for ln in src.splitlines() if ln.strip().startswith(f"{u.name} -> a3_1"))
        assert "dir=back" in line
        label = re.search(r'label="?([^" \]]+)', line).group(1)
        assert float(label) == pytest.approx(share, rel=1e-3)


def test_errors_and_activations_labels_and_legend():
    net = xnor_net()
    trace = net.backward(X4, XOR_y)
    src = ng.diagram(net, show="errors", trace=trace, row=0).source
    delta = net["a3_1"].delta[0]
    assert f"δ={ng.render.colors.fmt(delta)}" in src and "δ = -1" in src
    src = ng.diagram(net, show="activations", trace=trace, row=3).source
    assert "z=10" in src and "a = 0.5" in src  # AND unit at x = (1, 1): z = +10


def test_bad_requests():
    net = xnor_net()
    with pytest.raises(ng.ConfigError, match="known: structure, weights"):
        ng.diagram(net, show="colours")
    with pytest.raises(ng.ConfigError, match="needs a trace"):
        ng.diagram(net, show="errors")
    with pytest.raises(ng.ConfigError, match="backward"):
        ng.diagram(net, show="errors", trace=ng.engines.run_forward(net, X4))
    with pytest.raises(ng.ConfigError, match="row must be in 0..3"):
        ng.diagram(net, show="errors", trace=net.backward(X4, XOR_y), row=4)
    with pytest.raises(ng.ConfigError, match=".svg, .png, .pdf, .dot"):
        net.render("x.gif")
    with pytest.raises(ng.ConfigError, match="another network"):
        ng.diagram(net, show="errors", trace=xnor_net().backward(X4, XOR_y))


@pytest.mark.parametrize("ext, magic", [(".svg", b"<?xml"), (".png", b"\x89PNG"),
                                        (".pdf", b"%PDF"), (".dot", b"digraph")])
def test_render_files(tmp_path, ext, magic):
    net = xnor_net()
    out = net.render(tmp_path / f"n{ext}", show="weights")
    assert Path(out).read_bytes().startswith(magic)
    assert os.listdir(tmp_path) == [f"n{ext}"]


def test_missing_dot_says_how_and_writes_dot(tmp_path, monkeypatch):
    def no_dot(*a, **k):
        raise graphviz.ExecutableNotFound(["dot"])

    monkeypatch.setattr(graphviz.Digraph, "pipe", no_dot)
    with pytest.raises(ng.RenderError, match="apt-get install graphviz"):
        xnor_net().render(tmp_path / "n.svg")
    assert (tmp_path / "n.dot").read_text().startswith("digraph")
    bundle = xnor_net()._repr_mimebundle_()
    assert "image/svg+xml" not in bundle and bundle["text/plain"].startswith("Network(")


def test_jupyter_bundle_and_hidden_unit_pictures(tmp_path):
    assert "<svg" in xnor_net()._repr_mimebundle_()["image/svg+xml"]
    net = ng.Network.from_architecture([64, 5, 10], seed=0)
    png = ng.hidden_unit_grid(net, shape=(8, 8))
    assert png.startswith(b"\x89PNG")
    ng.hidden_unit_grid(net, shape=(8, 8), path=tmp_path / "g.png")
    assert (tmp_path / "g.png").read_bytes() == png
    out = net.render(tmp_path / "h.svg", show="weights", hidden_images=(8, 8))
    assert not (tmp_path / "h_images").exists()  # nobody asked for a folder
    assert Path(out).read_text().count("data:image/png;base64,") == 5  # SVG opens anywhere
    with pytest.raises(ng.ConfigError, match="needs 16 inputs"):
        ng.diagram(net, hidden_images=(4, 4))


def test_pictures_are_the_weights():
    net = ng.Network.from_architecture([4, 1, 1], seed=0)
    T = net.theta(1)
    T[0, 1:] = [0.0, 1.0, -1.0, 0.5]
    from neurograph.render.png import to_gray
    np.testing.assert_array_equal(to_gray(T[0, 1:].reshape(2, 2)), [[128, 255], [0, 191]])


# --- one picture order, and pictures written only by output (issue 10, item 5) ---------------
def _png_pixels(data: bytes, scale: int) -> np.ndarray:
    """Grey pixels of an 8-bit grey PNG, read by Pillow (independently of png.py's writing)."""
    import io

    from PIL import Image

    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    img = Image.open(io.BytesIO(data))
    assert img.mode == "L"
    return np.asarray(img)[::scale, ::scale]


def _reverse_wired():
    """x1..x4 → one hidden unit, links added x4 first, weight of x_k = k/4 − 1/2."""
    net = ng.Network()
    xs = [net.add_input(f"x{k}") for k in range(1, 5)]
    h = net.add_node("h", activation="sigmoid")
    for k in (4, 3, 2, 1):
        net.connect(xs[k - 1], h, weight=k / 4 - 0.5)
    o = net.add_node("o", activation="sigmoid")
    net.connect(h, o, weight=1.0)
    return net


def test_pictures_lay_pixels_by_input_position_whatever_the_link_order(tmp_path):
    net = _reverse_wired()
    by_position = np.array([-0.25, 0.0, 0.25, 0.5])  # x1, x2, x3, x4
    want = np.round((by_position + 0.25) / 0.75 * 255).reshape(2, 2)  # min black, max white
    assert want.tolist() == [[0, 85], [170, 255]]
    grid = _png_pixels(ng.hidden_unit_grid(net, shape=(2, 2), scale=1), 1)
    np.testing.assert_array_equal(grid[1:3, 1:3], want)  # one tile inside a 1-pixel frame
    net.render(tmp_path / "n.dot", hidden_images=(2, 2))
    drawn = _png_pixels((tmp_path / "n_images" / "h.png").read_bytes(), 6)
    np.testing.assert_array_equal(drawn, want)


def test_a_diagram_writes_no_file_until_it_is_rendered(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    net = _reverse_wired()
    dot = ng.diagram(net, hidden_images=(2, 2))
    assert list(tmp_path.iterdir()) == []
    assert 'image="h.png"' in dot.source and dot.images["h.png"].startswith(b"\x89PNG")
    svg = dot.pipe(format="svg", encoding="utf-8")  # what Jupyter's display does
    assert svg.count("data:image/png;base64,") == 1
    assert list(tmp_path.iterdir()) == []  # the run's folder is gone with the run


def test_signals_labels_are_numpy_w_times_a_and_units_show_z():
    net = ng.Network.from_architecture([2, 3, 1], seed=2)
    trace = net.backward(X4, XOR_y)
    t1, t2 = (np.array(t, dtype=float) for t in net.thetas)
    x = X4[2]  # instance x(3), row 2
    a1 = np.r_[1.0, x]
    z2 = t1 @ a1
    a2 = np.r_[1.0, 1 / (1 + np.exp(-z2))]
    src = ng.diagram(net, show="signals", trace=trace, row=2).source
    names1 = [u.name for u in net.layers[0]]
    names2 = [u.name for u in net.layers[1]]
    for j, v in enumerate(names2):
        for i, s in enumerate(names1):
            want = t1[j, i + 1] * a1[i + 1]  # w·a, bias column first
            assert label_of_edge(src, s, v) == pytest.approx(want, rel=1e-3, abs=1e-12)
    for i, s in enumerate(names2):
        want = t2[0, i + 1] * a2[i + 1]
        assert label_of_edge(src, s, "a3_1") == pytest.approx(want, rel=1e-3, abs=1e-12)
    z = float(re.search(r'a2_2 \[label="a2_2\\nz=([^"]+)"', src).group(1))
    assert z == pytest.approx(z2[1], rel=1e-3)
    assert "w·a &gt; 0: excitatory" in src and "instance x(3) of 4" in src


def label_of_edge(src: str, a: str, b: str) -> float:
    line = next(ln for ln in src.splitlines() if ln.strip().startswith(f"{a} -> {b} "))
    return float(re.search(r'label="?([^" \]]+)', line).group(1))


def test_an_unknown_show_lists_every_view_of_the_table():
    with pytest.raises(ng.ConfigError) as err:
        ng.diagram(xnor_net(), show="helth")
    for name in ("structure", "weights", "activations", "signals", "errors", "blame",
                 "gradients", "health", "changes"):
        assert name in str(err.value)


def test_the_delegates_draw_data_they_are_given_and_say_what_to_pass():
    net = ng.Network.from_architecture([2, 2, 1])
    net.weights.theta[:] = 0
    trace = net.backward(X4, XOR_y)
    with pytest.raises(ng.ConfigError, match=r"diagnosis=ng.diagnose\(trace\)"):
        net.diagram(show="health", trace=trace)
    with pytest.raises(ng.ConfigError, match=r"between=ng.compare\(a, b\)"):
        net.diagram(show="changes", between=(net, net.copy()))
    drawn = net.diagram(show="health", trace=trace, diagnosis=ng.diagnose(trace)).source
    assert drawn == ng.diagram(net, show="health", trace=trace).source
    cmp = ng.compare(net, net.copy())
    assert net.diagram(show="changes", between=cmp).source == \
        ng.diagram(net, show="changes", between=(net, net.copy())).source
