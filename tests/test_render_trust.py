"""Pictures that state what they show: gradients of an instance, x(i) names, one colour
per meaning, one scale per run, any node name, dot failing vs missing."""

import dataclasses
import html
import re
from pathlib import Path

import graphviz
import numpy as np
import pytest

import neurograph as ng
from neurograph.render import colors
from neurograph.render.diagrams import edge_values
from neurograph.render.output import pipe

X4, XOR_y = ng.data.truth_table("XOR")


def edge_line(src: str, a: str, b: str) -> str:
    return next(ln for ln in src.splitlines() if ln.strip().startswith(f"{a} -> {b} "))


def label_of(line: str) -> float:
    return float(re.search(r'label="?([^" \]]+)', line).group(1))


def own_a_delta(net, trace, k):
    """{(source, target): a_i·δ_j} of row k, from the trace's per-layer arrays."""
    out = {}
    for l in range(1, len(net.layers)):
        a = np.concatenate([[1.0], trace.a[l - 1][k]])  # bias unit a_0 = 1 first
        d = trace.delta[l][k]
        src = [net.layers[l - 1].bias.name] + [u.name for u in net.layers[l - 1]]
        for j, v in enumerate(net.layers[l]):
            for i, s in enumerate(src):
                out[s, v.name] = a[i] * d[j]
    return out


def test_gradients_of_an_instance_are_its_own_a_times_delta():
    net = ng.Network.from_architecture([2, 3, 1], seed=1)
    trace = net.backward(X4, XOR_y)
    per = [own_a_delta(net, trace, k) for k in range(4)]
    for k in range(4):
        src = ng.diagram(net, show="gradients", trace=trace, row=k).source
        assert f"instance x({k + 1}) of 4: a·δ" in src
        vals = edge_values(net, "gradients", trace, row=k)
        assert vals.keys() == per[k].keys()
        for key, want in per[k].items():
            assert vals[key] == pytest.approx(want, rel=1e-12, abs=1e-15)
            assert label_of(edge_line(src, *key)) == pytest.approx(want, rel=1e-3, abs=1e-12)
    # the rows differ, so the pictures must too
    assert per[0] != pytest.approx(per[1])
    # mean over instances of a·δ is the batch's ∂J/∂w (λ = 0)
    batch = edge_values(net, "gradients", trace)
    for link in net.links:
        key = (link.source.name, link.target.name)
        assert np.mean([p[key] for p in per]) == pytest.approx(trace.grad[link._i], abs=1e-15)
        assert batch[key] == trace.grad[link._i]


def test_gradients_of_the_batch_are_titled_as_the_batch():
    net = ng.Network.from_architecture([2, 3, 1], seed=1)
    trace = net.backward(X4, XOR_y, lam=1.0)
    src = ng.diagram(net, show="gradients", trace=trace).source
    assert "batch of 4: ∂J/∂w" in src and "instance" not in src
    link = net.link("a2_1", "a3_1")
    want = trace.grad[link._i]
    assert label_of(edge_line(src, "a2_1", "a3_1")) == pytest.approx(want, rel=1e-3)


def test_instance_is_named_x_of_i_everywhere(tmp_path):
    net = ng.Network.from_thetas([[[-30.0, 20, 20], [10, -20, -20]], [[-10.0, 20, 20]]])
    trace = net.backward(X4, XOR_y)
    src = ng.diagram(net, show="errors", trace=trace, row=0).source
    assert "instance x(1) of 4" in src  # Python's 0 is the lecture's x(1)
    assert "instance x(4) of 4" in ng.diagram(net, show="activations", trace=trace,
                                              row=3).source
    steps = [s for s in ng.Trainer(net, alpha=0.0).steps(X4, XOR_y, every="instance", epochs=1)
             if s.instance is not None]
    assert [s.instance for s in steps] == [0, 1, 2, 3]
    third = steps[2]
    src = ng.diagram(net, show="errors", trace=third).source
    assert "instance x(3)" in src and "x(1)" not in src
    delta = float(trace.layer(3)["delta"][2, 0])  # α = 0: the same pass as the batch's row 2
    assert f"δ={colors.fmt(delta)}" in src
    text = Path(ng.player(steps, tmp_path / "p.html", net=net)).read_text(encoding="utf-8")
    for i in range(1, 5):
        assert f'data-info="epoch 0, batch 0, instance x({i}), instance' in text
        # the frame's own title, its J named as the batch's (the step is one row of it)
        assert f"show = errors, instance x({i}), J of this step&#x27;s batch = " in text
    assert "instance 0" not in text and "x(0)" not in text


def test_weights_and_errors_never_share_a_colour():
    scale = {colors.diverging(v, 1.0) for v in np.linspace(-1, 1, 201)}
    assert colors.EXCITATORY not in scale and colors.INHIBITORY not in scale
    net = ng.Network.from_thetas([[[-30.0, 20, 20], [10, -20, -20]], [[-10.0, 20, 20]]])
    trace = net.backward(X4, XOR_y)
    src = ng.diagram(net, show="errors", trace=trace, row=0).source
    edge_colours = set(re.findall(r' -> \S+ \[color="(#\w+)"', src))
    node_fills = set(re.findall(r'fillcolor="(#\w+)" fontcolor', src))
    assert edge_colours == {colors.EXCITATORY, colors.INHIBITORY}
    assert node_fills and not edge_colours & node_fills
    for show in ("errors", "blame", "gradients"):  # inputs have no δ: no colour of the scale
        src_k = ng.diagram(net, show=show, trace=trace, row=0).source
        for x in ("x1", "x2"):
            assert re.search(rf'^\s*{x} \[label={x} fillcolor="#ffffff"', src_k, re.M), show
    legend = src[src.index("cluster_legend"):]
    assert f'BGCOLOR="{colors.INHIBITORY}" WIDTH="18"> </TD><TD ALIGN="LEFT">w &lt; 0' in legend
    assert f'BGCOLOR="{colors.diverging(1, 1)}" WIDTH="18"> </TD><TD ALIGN="LEFT">δ = 1<' in legend


def _output_fills(html_text: str) -> list[str]:
    return re.findall(r'<title>a3_1</title>\s*<ellipse fill="(#\w+)"', html_text)


def test_player_keeps_one_colour_scale_for_the_run(tmp_path):
    net = ng.Network.from_architecture([2, 2, 1], seed=3)
    trace = net.backward(X4, XOR_y)
    small = dataclasses.replace(trace, delta=[None if d is None else d / 100 for d in trace.delta])
    steps = [ng.Step(0, 0, None, "update", trace, trace.cost),
             ng.Step(1, 0, None, "update", small, trace.cost)]
    # the page colours its drawing and its one Graphviz picture on the scale it carries:
    # per run by default, the largest |δ| of either frame (per frame on request)
    from test_explorer import page_data

    hi = max(abs(v) for dl in trace.delta if dl is not None for v in dl[:4].ravel())
    sc = page_data(ng.player(steps, tmp_path / "p.html", net=net))["scales"]["errors"]
    assert sc["default"] == "run" and sc["unit"]["run"] == pytest.approx(hi)
    assert sc["unit"]["frame"] == pytest.approx([hi, hi / 100])
    # the user's own ends win, under every policy
    sc = page_data(ng.player(steps, tmp_path / "q.html", net=net, vmax=5.0))["scales"]["errors"]
    assert sc["unit"]["run"] == 5.0 and sc["unit"]["frame"] == [5.0, 5.0]


def test_vmin_vmax_are_checked_and_applied():
    net = ng.Network.from_architecture([2, 2, 1], seed=3)
    trace = net.backward(X4, XOR_y)
    src = ng.diagram(net, show="errors", trace=trace, vmin=-2.0, vmax=4.0).source
    assert "δ = -2<" in src and "δ = 4<" in src and "δ = 2<" in src
    with pytest.raises(ng.ConfigError, match=r"vmin ≤ 0 ≤ vmax.*got vmin=1.0, vmax=2.0"):
        ng.diagram(net, show="errors", trace=trace, vmin=1.0, vmax=2.0)
    with pytest.raises(ng.ConfigError, match="row must be a 0-based row of the trace"):
        ng.diagram(net, show="errors", trace=trace, row=1.5)


ODD = ["<b>x</b>", 'a"b', "a\\b", "{x}", "a\\", "#1", "legend", "node"]


def odd_net():
    net = ng.Network()
    ins = [net.add_input(n) for n in ODD[:4]]
    outs = [net.add_node(n, activation="sigmoid") for n in ODD[4:]]
    for k, o in enumerate(outs):
        for i in ins:
            net.connect(i, o, weight=0.5 - 0.25 * k)
    return net


@pytest.mark.parametrize("show", ng.render.SHOWS)
def test_any_node_name_renders_with_real_dot(show):
    net = odd_net()
    trace = net.backward(np.eye(4), np.eye(4))
    svg = pipe(ng.diagram(net, show=show, trace=trace), "svg").decode()
    texts = {html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)}
    assert set(ODD) <= texts, set(ODD) - texts  # each name drawn as itself, as plain text
    assert svg.count('class="edge"') >= 16  # every link drawn, none lost to a quoting slip


def test_dot_failing_keeps_its_stderr_and_differs_from_dot_missing(tmp_path, monkeypatch):
    bad = graphviz.Digraph(body=["a -> -> b"])  # real dot, real syntax error
    with pytest.raises(ng.RenderError, match="dot failed") as failed:
        pipe(bad, "svg")
    assert "syntax error" in str(failed.value) and "not found" not in str(failed.value)

    def dot_fails(*a, **k):
        raise graphviz.CalledProcessError(1, ["dot"], stderr=b"Error: odd attribute here")

    monkeypatch.setattr(graphviz.Digraph, "pipe", dot_fails)
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    with pytest.raises(ng.RenderError) as failed:
        net.render(tmp_path / "n.svg")
    msg = str(failed.value)
    assert "dot failed (exit status 1)" in msg and "Error: odd attribute here" in msg
    assert "not found" not in msg and "n.dot" in msg
    assert (tmp_path / "n.dot").read_text().startswith("digraph")

    def no_dot(*a, **k):
        raise graphviz.ExecutableNotFound(["dot"])

    monkeypatch.setattr(graphviz.Digraph, "pipe", no_dot)
    with pytest.raises(ng.RenderError) as missing:
        net.render(tmp_path / "m.svg")
    assert "was not found" in str(missing.value) and "failed" not in str(missing.value)


def test_a_diagram_rendered_or_saved_under_a_pictures_name(tmp_path):
    """diagram.render("x.png") (graphviz's filename is the DOT source's name) wrote DOT
    text into x.png and the picture into x.png.pdf; diagram.save("x.png") wrote DOT
    text under a picture's name."""
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    d = ng.diagram(net)
    for name in ["x.png", "x.svg"]:
        out = d.render(str(tmp_path / name))
        assert out == str(tmp_path / name)
        head = (tmp_path / name).read_bytes()[:64]
        assert head.startswith(b"\x89PNG") if name.endswith(".png") else b"<svg" in \
            (tmp_path / name).read_bytes()[:400]
        assert not (tmp_path / (name + ".pdf")).exists()
    d.render("y.png", directory=str(tmp_path))
    assert (tmp_path / "y.png").read_bytes().startswith(b"\x89PNG")
    with pytest.raises(ng.ConfigError, match=r"save writes the DOT source .*, got '.*x.png': to "
                                             r"draw the picture use render"):
        d.save(str(tmp_path / "x.png"))
    d.save(str(tmp_path / "x.gv"))
    assert (tmp_path / "x.gv").read_text().lstrip().startswith("digraph")
