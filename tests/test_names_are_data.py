"""Names are data, never markup: hostile unit names and class labels stay text in the
explorer page (checked in a real headless chromium), in DOT and in GraphML."""

import csv
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import neurograph as ng
from neurograph.render.htmlsafe import json_for_script
from neurograph.render.output import pipe

SCRIPT = "</script><script>window.__pwned=1</script>"
IMG = "<img src=x onerror=window.__pwned=2>"
QUOTE = "\"quote'"
HOSTILE = [SCRIPT, QUOTE, "→h", IMG, "o&amp;\u2028<!--x"]


def hostile_net():
    """A 2-2-1 network whose every unit has a hostile name, and two hostile class names."""
    net = ng.Network()
    a, b = net.add_input(SCRIPT), net.add_input(QUOTE)
    h1, h2 = net.add_node("→h"), net.add_node(IMG)
    o = net.add_node(HOSTILE[4])
    for s, w in ((a, 0.5), (b, -0.4)):
        net.connect(s, h1, weight=w)
        net.connect(s, h2, weight=-w)
    net.connect(h1, o, weight=1.0)
    net.connect(h2, o, weight=-1.0)
    net.classes = [SCRIPT, IMG]
    return net


def test_json_for_script_parses_back_and_cannot_end_the_script():
    data = {"names": HOSTILE + ["\u2029", "a&b>c"], "n": [1.5, None, True]}
    s = json_for_script(data)
    assert json.loads(s) == data
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in s
    with pytest.raises(ValueError):
        json_for_script([float("nan")])  # JSON has no NaN: refused, not written bare


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """A page of typed hostile names, and one of a network `neurograph train` read
    hostile class labels for from a CSV."""
    out = tmp_path_factory.mktemp("names")
    X, y = ng.data.truth_table("XOR")
    net = hostile_net()
    net.weights.theta[:] = 0  # symmetric hidden units: a finding that names them
    steps = list(ng.Trainer(net, alpha=1.0).steps(X, y, every="epoch", epochs=3))
    typed = ng.player(steps, out / "typed.html", net=net, X=X, y=y, show="health")

    rng = np.random.default_rng(0)
    labels = [SCRIPT, IMG, QUOTE]
    with open(out / "hostile.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["x1", "x2", "label"])
        for k in range(12):
            w.writerow([*np.round(rng.random(2), 3), labels[k % 3]])
    run = subprocess.run([sys.executable, "-m", "neurograph", "train", "2-3-3",
                          str(out / "hostile.csv"), "--epochs", "5",
                          "--out", str(out / "m.ngz")], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    trained = ng.load(out / "m.ngz")
    assert sorted(trained.classes) == sorted(labels)
    Xc, yc = ng.data.load_dataset(out / "hostile.csv")
    cli = ng.player(trained.backward(Xc, yc), out / "cli.html", net=trained, X=Xc)
    return {"typed": (typed, net), "cli": (cli, trained)}


def test_the_page_carries_names_as_json_that_parses_back(pages):
    for path, net in pages.values():
        text = Path(path).read_text(encoding="utf-8")
        script = re.search(r"<script>const DATA = (.*?);</script>", text, re.S).group(1)
        data = json.loads(script)
        assert [u["name"] for lay in data["layout"]["layers"] for u in lay["units"]] == \
            [u.name for lay in net.layers for u in lay.nodes]
        assert data["layout"]["classes"] == list(net.classes)
        assert text.count("<script") == 2 and text.count("</script>") == 2


def test_hostile_names_stay_text_in_headless_chromium(pages, browser):
    from selenium.webdriver import ActionChains

    d = browser
    js = d.execute_script
    for key, (path, net) in pages.items():
        d.get(Path(path).resolve().as_uri())
        assert js("return document.body.dataset.ready") == "1", key  # the page works
        assert js("return window.__pwned === undefined"), key  # nothing injected ran
        assert js("return document.querySelectorAll('img').length") == 0, key
        shown = js("return Array.from(document.querySelectorAll('#net > text'))"
                   ".map(t => t.textContent)")
        names = [u.name for u in net.nodes]
        # small networks label every unit by name, the output layer by class
        assert set(shown) == set(names[:-net.s[-1]]) | set(net.classes), key
        ids = js("return Array.from(document.querySelectorAll('#net circle.unit'))"
                 ".map(c => c.id)")
        assert ids == ["u_" + n for lay in net.layers for n in
                       (u.name for u in lay.nodes)], key
        for n in names:  # the panel names the unit literally
            circle = js("return document.getElementById(arguments[0])", "u_" + n)
            ActionChains(d).move_to_element(circle).perform()
            panel = d.find_element("id", "panel")
            assert js("return arguments[0].querySelector('b').textContent", panel) == n
            assert panel.find_elements("css selector", "b[data-q='a']"), key
        js("document.querySelector('#net .link').dispatchEvent(new Event('mouseenter'))")
        first = next(k for k in net.links if not k.is_bias)
        assert js("return document.querySelector('#panel b').textContent") == \
            f"link {first.source.name} → {first.target.name}", key
        if key == "typed":
            assert js("return document.getElementById('mapbox').textContent") \
                .startswith("decision map of " + HOSTILE[4])
            assert js("return document.querySelector('#legend .finding .who')"
                      ".textContent") == f"[→h, {IMG}]"
        assert js("return window.__pwned === undefined"), key
        severe = [e for e in d.get_log("browser") if e["level"] == "SEVERE"]
        assert severe == [], severe


def _svg_texts(g) -> list[str]:
    root = ET.fromstring(pipe(g, "svg").decode())
    return [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]


def test_dot_labels_show_names_literally():
    names = [SCRIPT, QUOTE, "a\\", "\\N", "<b>x</b>", "x\\ny"]
    net = ng.Network()
    ins = [net.add_input(n) for n in names[:2]]
    hs = [net.add_node(n) for n in names[2:]]
    for i in ins:
        for h in hs:
            net.connect(i, h, weight=0.5)
    tr = net.backward(np.ones((1, 2)), [[0, 1, 0, 1]])
    for g in (ng.diagram(net, show="structure"), ng.diagram(net, show="activations", trace=tr),
              ng.diagram(net, show="errors", trace=tr),
              ng.diagram(net, values={n: 0.5 for n in names[2:]}, label="<b>&\"m\\")):
        texts = _svg_texts(g)
        for n in names:  # a name is one line of its node's label, as typed
            assert n in texts, (n, texts)
        assert "#4" not in texts  # \N is not graphviz's "this node's ID"
    texts = _svg_texts(ng.diagram(net, values={n: 0.5 for n in names[2:]},
                                  label="<b>&\"m\\"))
    assert 'unit fill: <b>&"m\\' in texts and "0.5" in texts  # named once, then its values


def test_graphml_round_trips_hostile_names(tmp_path):
    net = hostile_net()
    net.connect(net[QUOTE], net[HOSTILE[4]], weight=0.25)  # a skip link as well
    ws = net.add_node("tab\tcr\rlf\n]]>")  # whitespace XML would normalise away
    net.connect(net[SCRIPT], ws, weight=2.0)
    net.connect(ws, net[HOSTILE[4]], weight=-0.5)
    path = tmp_path / "n.graphml"
    ng.to_graphml(net, path)
    ET.parse(path)  # well-formed XML
    back = ng.from_graphml(path)
    assert [u.name for u in back.nodes] == [u.name for u in net.nodes]
    assert back.classes == net.classes
    X = np.random.default_rng(1).random((5, 2))
    assert np.array_equal(back.forward(X), net.forward(X))


def test_graphml_refuses_a_name_xml_cannot_carry(tmp_path):
    net = ng.Network()
    net.connect(net.add_input("a\x01b"), net.add_node("h"), weight=1.0)
    with pytest.raises(ng.FileFormatError, match=r"U\+0001.*'a\\x01b'"):
        ng.to_graphml(net, tmp_path / "n.graphml")
    assert not any(tmp_path.iterdir())  # no file that could not be read back
