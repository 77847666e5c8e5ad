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
from neurograph.explorer import live
from neurograph.render import explorer as ex
from neurograph.render import player


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


class Wire:
    """The widget's page as its script keeps it: every message the widget sends is heard
    here (its size too), the whole page read as the script reads it, each update applied
    as the script applies it (frames kept by position, new ones appended)."""

    def __init__(self, w):
        self.w, self.sizes, self.updates = w, [], 0
        w._repr_mimebundle_()  # displayed: the page starts from the whole page as it is now
        self.whole(w.page_data, w.page_body)
        w._send = self.hear  # where every message to the page goes out, kernel or not

    def hear(self, data, buffers=None):
        buffers = [bytes(b) for b in buffers or []]
        self.sizes.append(len(json.dumps(data)) + sum(map(len, buffers)))
        if data.get("method") == "update" and "page_data" in data["state"]:
            self.whole(data["state"]["page_data"], data["state"]["page_body"])
        elif data.get("method") == "custom" and "update" in data["content"]:
            msg = data["content"]
            assert msg["base"] == self.seq, "an update the page cannot apply"
            u, self.seq = msg["update"], msg["seq"]
            self.updates += 1
            self.blocks = [self.blocks[k] for k in u["keep"]] + [
                np.frombuffer(b, dtype=np.float32) for b in buffers]
            self.health = [self.health[k] for k in u["keep"]] + u["health"]
            self.entries = [self.entries[k] for k in u["keep"]] + u["frames"]
            self.scales, self.marker, self.curve = u["scales"], u["marker"], u["curve"]
            self.heading = u["heading"]

    def whole(self, data, body):
        data = json.loads(data)
        flat = np.frombuffer(base64.b64decode(data["packed"]["b64"]), dtype=np.float32)
        at = data["offsets"]["frame"] + [flat.size]
        self.blocks = [flat[at[k]:at[k + 1]] for k in range(len(at) - 1)]
        self.health, self.seq = data["health"]["frames"], data["seq"]
        self.entries = re.findall(r'<div class="frame".*?</div>', body)
        self.scales, self.marker = data["scales"], data["marker"]
        self.curve = re.search(r'<svg id="curve".*?</svg>', body).group(0)
        self.heading = html.unescape(re.search(r"<h2>(.*?)</h2>", body).group(1))

    def theta(self, k=-1):
        """θ of frame k as the page holds it (float32)."""
        return self.blocks[k][:self.w.net.weights.theta.size]


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


def test_the_page_after_updates_is_the_page_written_whole(xor):
    """Each change sends only what changed; applied in order, the page holds what a page
    written whole from the frames now holds: numbers, findings, scales, curve, entries."""
    net, X, y = xor
    w = ng.explore(net, X, y, alpha=2.0)
    page = Wire(w)
    w.set_weight("x1", "a2_1", -1.75)
    w.set_weight(None, "a3_1", 0.5)  # replaces the edit's frame
    np.testing.assert_allclose(page.theta(), net.weights.theta, rtol=1e-6)
    w.train(epochs=80, every=1)  # MAX_FRAMES: the oldest after the start are dropped
    w.undo()
    w.reset()
    w.set_weight("x2", "a2_2", 3.0)
    assert len(w.frames) == live.MAX_FRAMES
    fresh = Wire.__new__(Wire)
    fresh.w = w
    w._push(whole=True)
    fresh.whole(w.page_data, w.page_body)
    assert len(page.blocks) == len(fresh.blocks) == len(w.frames)
    for a, b in zip(page.blocks, fresh.blocks):
        np.testing.assert_array_equal(a, b)
    # every frame's θ is its Trace's, the last the network's own
    for f, block in zip(w.frames, page.blocks):
        np.testing.assert_allclose(block[:f.trace.theta.size], f.trace.theta, rtol=1e-6)
    np.testing.assert_allclose(page.theta(), net.weights.theta, rtol=1e-6)
    assert page.health == fresh.health and page.entries == fresh.entries
    assert page.marker == fresh.marker and page.curve == fresh.curve
    assert page.heading == fresh.heading == \
        f"neurograph explorer: s = [2, 2, 1], {len(w.frames)} frames"
    # the scales of the run, from each frame's own: those of all its Traces at once
    assert page.scales == ex.scales(net, [f.trace for f in w.frames], w.rows)


def test_training_streams_frames_not_a_message_per_epoch(xor):
    """A long run's frames and J curve reach the page as it trains, a few times a second,
    not once per epoch (each would carry the whole curve so far)."""
    net, X, y = xor
    w = ng.explore(net, X, y, alpha=2.0)
    w.curve_points = 10_000  # every point drawn
    page = Wire(w)
    t = time.perf_counter()
    w.train(epochs=3000)
    took = time.perf_counter() - t
    assert len(w.frames) == 21 and len(w.costs) == 3001
    assert page.updates <= 20 + took / w.tell_every + 2, (page.updates, took)
    assert len(page.blocks) == 21  # every frame reached the page, the last with the curve
    np.testing.assert_allclose(page.theta(), net.weights.theta, rtol=1e-6)
    points = re.search(r'<polyline fill="none" stroke="#2171b5"[^>]*points="([^"]*)"',
                       page.curve).group(1).split()
    assert len(points) == 3001  # J after every epoch


def test_a_long_run_s_curve_is_thinned_for_the_page(xor):
    """The page's J curve of a long run: the axis counts every epoch, the line keeps each
    stretch's lowest and highest J and every frame's, not every point (each message
    carries the curve)."""
    net, X, y = xor
    w = ng.explore(net, X, y, alpha=2.0)
    w.curve_points = 100
    page = Wire(w)
    w.train(epochs=3000)
    line = re.search(r'<polyline fill="none" stroke="#2171b5"[^>]*points="([^"]*)"',
                     page.curve).group(1).split()
    assert len(line) <= 100 + len(w.frames) + 2 * 60, len(line)
    assert 'data-n="3000"' in page.curve
    _, mx, my = player.curve(w.costs, [f.at for f in w.frames])  # every point drawn
    assert page.marker == {"x": mx, "y": my}  # the frames sit where they would
    xs, ys = zip(*(map(float, p.split(",")) for p in line))
    full = re.search(r'points="([^"]*)"', player.curve(w.costs, [0])[0]).group(1).split()
    fy = [float(p.split(",")[1]) for p in full]
    assert (min(ys), max(ys)) == (min(fy), max(fy))  # the extremes kept


def test_the_widget_state_catches_up_when_the_page_is_idle(xor):
    """Updates are messages; when the page has been quiet a while after the last (it
    says so), the widget's page traits hold the page as it is too (a saved notebook's
    widget state, a view opened later), marked as the update the page already shows, so
    it does not redraw; an older update's word is not taken."""
    net, X, y = xor
    w = ng.explore(net, X, y)
    page = Wire(w)
    w.set_weight("x1", "a2_1", -1.75)
    w._received(w, {"settle": page.seq - 1}, [])  # a page behind: not now
    assert json.loads(w.page_data)["seq"] < page.seq
    w._received(w, {"settle": page.seq}, [])
    assert json.loads(w.page_data)["seq"] == page.seq
    body, data = w.page_body, json.loads(w.page_data)
    assert "edited: w(x1 → a2_1) = -1.75" in body and len(data["offsets"]["frame"]) == 2
    flat = np.frombuffer(base64.b64decode(data["packed"]["b64"]), dtype=np.float32)
    np.testing.assert_array_equal(flat, np.concatenate(page.blocks))


def test_an_edit_sends_one_frame_not_the_page():
    X, y = ng.data.load_digits()
    net = ng.Network.from_architecture([64, 25, 10], seed=0)
    w = ng.explore(net, X[:200], y[:200])
    w.train(epochs=20)
    page = Wire(w)
    whole = len(w.page_data)
    w.set_weight("x28", "a2_4", 0.5)
    frame = page.blocks[-1].nbytes  # θ, ∂J/∂w and 50 instances' x, z, a, δ, g'(z)
    assert sum(page.sizes) < 2 * frame + 40_000 < whole / 5, (page.sizes, frame, whole)


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


def test_a_drag_is_undone_at_once(xor):
    """A drag (or typing again) is many edits of one link: one undo takes it back, as it
    is one frame; an edit of another link is an undo step of its own."""
    net, X, y = xor
    w = ng.explore(net, X, y)
    start = weights(net)
    for v in np.linspace(0.3, 2.0, 30):
        w.set_weight("x1", "a2_1", v)
    w.set_weight("x2", "a2_1", -1.0)
    w.undo()
    assert weights(net) == {**start, ("x1", "a2_1"): 2.0}
    w.undo()
    assert weights(net) == start
    with pytest.raises(ng.ConfigError, match="nothing to undo"):
        w.undo()


def test_one_batch_at_a_time_is_the_trainer_s_run(xor):
    """The page's one-batch button, again and again: every click trains the next batch
    (the epoch's end recorded after its last), ending where training whole epochs ends."""
    net, X, y = xor
    twin = net.copy()
    w = ng.explore(net, X, y, alpha=2.0, batch_size=2, seed=0)
    for _ in range(4):  # 4 instances, batches of 2: two epochs
        before = net.weights.theta.copy()
        w.train(batch=True)
        assert not np.array_equal(net.weights.theta, before)
    assert [f.info for f in w.frames[1:]] == [
        "trained: batch 1 of epoch 1", "trained: batch 2 of epoch 1",
        "trained: batch 1 of epoch 2", "trained: batch 2 of epoch 2"]
    assert w.trainer.epoch == 2
    ng.Trainer(twin, alpha=2.0, batch_size=2, seed=0).fit(X, y, epochs=2)
    assert weights(net) == weights(twin)


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
