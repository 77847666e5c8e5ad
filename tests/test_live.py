"""The live explorer's Python side: edits, undo, training and refusals go through the
network's own weights and passes; without a kernel the widget carries the page."""

import base64
import html
import json
import re
import sys
import time

import numpy as np
import pytest

import neurograph as ng


def numpy_deltas(net, X, y):
    """δ(2), δ(3) of a 2-s-1 sigmoid net by the lecture's formulas, from net.thetas."""
    g = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    T1, T2 = (np.array(t) for t in net.thetas)
    a1 = np.c_[np.ones(len(X)), X]
    a2 = g(a1 @ T1.T)
    a3 = g(np.c_[np.ones(len(X)), a2] @ T2.T)
    d3 = a3 - np.asarray(y, float).reshape(-1, 1)
    d2 = (d3 @ T2[:, 1:]) * a2 * (1 - a2)
    return d2, d3


@pytest.fixture
def xor():
    X, y = ng.data.truth_table("XOR")
    return ng.Network.from_architecture([2, 2, 1], seed=0), X, y


def test_an_edit_sets_the_link_and_recomputes_the_trace(xor):
    net, X, y = xor
    w = ng.explore(net, X, y)
    w.set_weight("x1", "a2_1", -1.75)
    w.set_weight(None, "a3_1", 0.5)  # the bias link of a3_1
    assert net.link("x1", "a2_1").weight == -1.75
    assert [k for k in net.in_links("a3_1") if k.is_bias][0].weight == 0.5
    d2, d3 = numpy_deltas(net, X, y)
    np.testing.assert_allclose(w.trace.delta[1], d2, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(w.trace.delta[2], d3, rtol=1e-9, atol=1e-12)
    assert len(w.frames) == 2 and w.frames[-1].kind == "edit"  # edits in a row: one frame
    # the page's numbers are that Trace's: θ of its last frame, read back from the block
    data = json.loads(w.page_data)
    flat = np.frombuffer(base64.b64decode(data["packed"]["b64"]), dtype=np.float32)
    start, nw = data["offsets"]["frame"][-1], data["offsets"]["nw"]
    np.testing.assert_allclose(flat[start:start + nw], net.weights.theta, rtol=1e-6)


@pytest.mark.parametrize("u, v, weight, error, words", [
    ("x1", "a2_1", float("nan"), ng.InputValueError, "finite"),
    ("x1", "a2_1", float("inf"), ng.InputValueError, "finite"),
    ("x1", "a2_1", "abc", ng.InputValueError, "finite number, got 'abc'"),
    ("x1", "a2_1", [1.0, 2.0], ng.InputValueError, "one number"),
    ("x1", "a3_1", 1.0, ng.TopologyError, "no link 'x1' → 'a3_1'"),
    ("x1", "nobody", 1.0, ng.NeurographError, "nobody"),
])
def test_a_bad_edit_is_refused_and_changes_nothing(xor, u, v, weight, error, words):
    net, X, y = xor
    w = ng.explore(net, X, y)
    theta, frames = net.weights.theta.copy(), len(w.frames)
    with pytest.raises(error, match=re.escape(words)):
        w.set_weight(u, v, weight)
    assert np.array_equal(net.weights.theta, theta) and len(w.frames) == frames


def test_the_page_hears_why_an_edit_was_refused(xor):
    net, X, y = xor
    w = ng.explore(net, X, y)
    link = net.link("x2", "a2_2")
    link.frozen = True
    theta = net.weights.theta.copy()
    for content, words in (({"edit": [link.index, 2.0]}, "frozen"),
                           ({"edit": [999, 2.0]}, "no link with index 999"),
                           ({"edit": [net.link("x1", "a2_1").index, "1e999"]}, "finite"),
                           ({"undo": 1}, "nothing to undo")):
        w._received(w, content, [])
        assert words in w.note
        assert np.array_equal(net.weights.theta, theta)
    w._received(w, {"edit": [net.link("x1", "a2_1").index, "0.25"]}, [])
    assert w.note == "" and net.link("x1", "a2_1").weight == 0.25


def test_inputs_that_do_not_fit_the_network(xor):
    net, X, y = xor
    with pytest.raises(ng.ShapeError, match="2 input values"):
        ng.explore(net, X[:, :1], y)
    with pytest.raises(ng.LabelError, match="one row per instance"):
        ng.explore(net, X, y[:3])
    with pytest.raises(ng.InputValueError):
        ng.explore(net, np.where(X == 1, np.nan, X), y)
    with pytest.raises(ng.ConfigError, match="show must be one of"):
        ng.explore(net, X, y, show="colours")


def weights(net) -> dict:
    """Each link's weight by its ends (θ's order changes when a network compiles)."""
    return {(None if k.is_bias else k.source.name, k.target.name): k.weight for k in net.links}


def test_undo_reset_refresh_and_training(xor):
    net, X, y = xor
    start = weights(net)
    w = ng.explore(net, X, y, alpha=2.0)
    w.set_weight("x1", "a2_1", 3.0)
    edited = net.weights.theta.copy()
    w.train(epochs=40)  # a frame every 2 epochs
    assert [f.kind for f in w.frames].count("train") == 20
    assert len(w.costs) == 2 + 40  # start, edit, one J per epoch
    assert w.trainer.epoch == 40
    w.reset()
    assert weights(net) == start
    w.undo()  # takes the reset back
    assert not np.array_equal(net.weights.theta, edited)  # the trained weights
    w.undo()  # takes the training back
    assert np.array_equal(net.weights.theta, edited)
    net.link("x2", "a2_2").weight = -4.0  # from Python, then shown on refresh
    w.refresh()
    assert w.trace.theta[net.link("x2", "a2_2").index] == -4.0
    net.add_node("h", activation="sigmoid")  # the layout changes under the explorer
    with pytest.raises(ng.StaleTraceError, match="call ng.explore again"):
        w.set_weight("x1", "a2_1", 1.0)


def test_without_a_kernel_the_widget_carries_the_page(xor):
    net, X, y = xor
    net.classes = ["</script><img src=x onerror=alert(1)>", "b"]
    w = ng.explore(net, X, y)
    w.set_weight("x1", "a2_1", -1.75)
    data, _ = w._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    doc = html.unescape(re.search(r'srcdoc="(.*?)"', data["text/html"], re.S).group(1))
    assert doc.count("<script>") == 2 and "<img src=x" not in doc  # names stay data
    page = json.loads(re.search(r"const DATA = (\{.*?\});</script>", doc).group(1))
    assert page["frames"][-1] == "edited: w(x1 → a2_1) = -1.75"
    assert "function neurographExplorer(root, DATA, start)" in doc


def test_without_anywidget_explore_names_the_extra(xor, monkeypatch):
    net, X, y = xor
    monkeypatch.setitem(sys.modules, "anywidget", None)  # an import of it raises
    monkeypatch.delitem(sys.modules, "neurograph.explorer.widget", raising=False)
    with pytest.raises(ng.MissingExtraError, match=r"neurograph\[live\]"):
        ng.explore(net, X, y)


def test_the_page_trains_in_the_background_and_stops(xor):
    net, X, y = xor
    w = ng.explore(net, X, y, alpha=2.0)
    w._received(w, {"train": 100000}, [])  # the page's button: a thread, not the kernel's
    until = time.monotonic() + 30
    while w.trainer.epoch < 3:
        assert time.monotonic() < until
        time.sleep(0.01)
    w._received(w, {"edit": [net.link("x1", "a2_1").index, 1.0]}, [])
    assert "while training runs" in w.note
    w._received(w, {"stop": 1}, [])
    while w.training:
        assert time.monotonic() < until
        time.sleep(0.01)
    assert w.trainer.epoch < 100000 and w.frames[-1].kind == "train"
    assert w.frames[-1].trace.theta.tolist() == net.weights.theta.tolist()
