"""x(i) is row i of the data on every frame of the explorer, whatever the batching."""

import base64

import numpy as np
import pytest
from test_explorer import page_data

import neurograph as ng


def sig(v):
    return 1 / (1 + np.exp(-v))


def numpy_pass(net, theta, X, Y):
    """z, a, δ of a sigmoid 3-layer net at the flat weights ``theta`` (Θ(l) unrolled in
    order, bias column first), and J (cross-entropy) on X: the lecture's formulas."""
    shapes = [np.shape(T) for T in net.thetas]
    T1 = theta[:shapes[0][0] * shapes[0][1]].reshape(shapes[0])
    T2 = theta[T1.size:T1.size + shapes[1][0] * shapes[1][1]].reshape(shapes[1])
    a1 = np.c_[np.ones(len(X)), X]
    z2 = a1 @ T1.T
    a2 = sig(z2)
    z3 = np.c_[np.ones(len(X)), a2] @ T2.T
    a3 = sig(z3)
    d3 = a3 - Y
    d2 = (d3 @ T2[:, 1:]) * a2 * (1 - a2)
    J = -np.mean(np.sum(Y * np.log(a3) + (1 - Y) * np.log(1 - a3), axis=1))
    return z2, a2, d2, a3, d3, J


@pytest.fixture(scope="module")
def digits_run():
    X, y = ng.data.load_digits()
    X, y = X[:300], y[:300]
    net = ng.Network.from_architecture([64, 25, 10], seed=0)
    steps = list(ng.Trainer(net, alpha=1.0, batch_size=32, seed=0).steps(
        X, y, every="epoch", epochs=4))
    return steps, net, X, y


def test_minibatch_frames_show_row_i_of_the_data_at_the_frames_weights(tmp_path, digits_run):
    steps, net, X, y = digits_run
    d = page_data(ng.player(steps, tmp_path / "p.html", net=net, X=X, y=y, static=False))
    assert d["instances"] == [f"x({i})" for i in range(1, 51)]
    flat = np.frombuffer(base64.b64decode(d["packed"]["b64"]), dtype=np.float32)
    off, nw, n = d["offsets"], d["offsets"]["nw"], d["offsets"]["n"]
    Y = np.eye(10)[y]
    for k in (0, len(steps) - 1):
        theta = steps[k].trace.theta
        z2, a2, d2, _, d3, J = numpy_pass(net, theta, X, Y)
        p = off["frame"][k] + 2 * nw + (50 * 64 if k == 0 else 0)
        dz = flat[p + 2 * n * 25:p + 3 * n * 25].reshape(n, 25)
        np.testing.assert_allclose(dz[6], d2[6], rtol=1e-4, atol=1e-7)  # x(7) is row 7
        np.testing.assert_allclose(flat[p:p + n * 25].reshape(n, 25), z2[:50], rtol=1e-4,
                                   atol=1e-6)
        # one J, named: the frame's J on the training data, the Step's own J as what it is
        assert f"J on the training data = {ng.render.colors.fmt(J)}" in d["frames"][k]
        assert f"the epoch's mean mini-batch J = {ng.render.colors.fmt(steps[k].cost)}" \
            in d["frames"][k]


def test_the_validation_j_is_named_at_its_epoch(tmp_path):
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    t = ng.Trainer(net, alpha=1.0)
    steps = list(t.steps(X, y, every="epoch", epochs=3, validation=(X, y)))
    d = page_data(ng.player(steps, tmp_path / "p.html", net=net, history=t.history))
    for k in range(3):
        assert d["frames"][k].endswith(
            f"validation J = {ng.render.colors.fmt(t.history.val_cost[k])}")


def test_the_picker_offers_the_rows_asked_for(tmp_path, digits_run):
    steps, net, X, y = digits_run
    d = page_data(ng.player(steps, tmp_path / "p.html", net=net, X=X, y=y, static=False,
                            instances=[299, 6]))
    assert d["instances"] == ["x(300)", "x(7)"] and d["rows"] == [299, 6]
    assert d["y"] == np.eye(10)[y[[299, 6]]].tolist()


def test_minibatch_steps_without_the_data_or_with_other_data_are_refused(tmp_path,
                                                                          digits_run):
    steps, net, X, y = digits_run
    with pytest.raises(ng.ConfigError, match=r"mini-batches \(epoch 0, batch 9 .*pass X="):
        ng.player(steps, tmp_path / "a.html", net=net)
    with pytest.raises(ng.ConfigError, match=r"needs y="):
        ng.player(steps, tmp_path / "b.html", net=net, X=X)
    with pytest.raises(ng.InputValueError, match=r"training data the steps ran on.*\(20 rows\)"):
        ng.player(steps, tmp_path / "c.html", net=net, X=X[:20], y=y[:20])
    with pytest.raises(ng.InputValueError, match=r"rows 0..299 .*x\(301\)"):
        ng.player(steps, tmp_path / "d.html", net=net, X=X, y=y, instances=[300])
    assert not any(tmp_path.iterdir())


def test_one_scale_one_picture_in_headless_chromium(tmp_path, browser):
    """The Graphviz picture follows the view, instance and frame, coloured as the page's
    drawing; the scale per run, layer or frame is chosen on the page and named."""
    from selenium.webdriver.support.ui import Select
    from test_player import ARTIFACTS, xor_steps

    steps, net, X, y = xor_steps(5.0, 1000, 50)
    path = ng.player(steps, tmp_path / "xor.html", net=net, X=X, y=y)
    d = browser
    d.get(path.resolve().as_uri())
    static = lambda: d.execute_script(  # noqa: E731
        "return document.querySelector('#static g[data-u=\"2,0\"] ellipse').getAttribute('fill')")
    live = lambda: d.find_element("id", "u_a2_1").get_attribute("fill")  # noqa: E731
    d.execute_script("document.getElementById('static').open = true")
    first = static()
    assert first == live()
    Select(d.find_element("id", "instance")).select_by_visible_text("x(3)")
    assert static() == live() != first
    Select(d.find_element("id", "view")).select_by_value("activations")
    assert static() == live()
    Select(d.find_element("id", "view")).select_by_value("errors")
    d.execute_script("document.getElementById('slider').value = 19;"
                     "document.getElementById('slider').dispatchEvent(new Event('input'))")
    assert static() == live()
    legend = lambda: d.find_element("id", "legend").text  # noqa: E731
    assert "one scale for the whole run" in legend()
    Select(d.find_element("id", "scale")).select_by_value("frame")
    m = max(float(np.abs(steps[19].trace.delta[l]).max()) for l in (1, 2))
    assert "one scale for this frame" in legend()
    ends = d.find_element("css selector", '#legend .ends[data-which="unit"]').text.split()
    assert float(ends[-1]) == pytest.approx(m, rel=1e-4)
    Select(d.find_element("id", "scale")).select_by_value("layer")
    m2 = max(float(np.abs(s.trace.delta[1]).max()) for s in steps)
    assert "one scale per layer" in legend() and f"Layer 2: ±{m2:.5g}"[:14] in legend()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    d.save_screenshot(str(ARTIFACTS / "explorer_scale_per_layer.png"))
    assert [e for e in d.get_log("browser") if e["level"] == "SEVERE"] == []


def test_player_needs_no_net_and_no_path(tmp_path):
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    t = ng.Trainer(net, alpha=2.0)
    steps = list(t.steps(X, y, every="epoch", epochs=3))
    page = ng.player(steps)  # the steps know their network; a temporary file
    try:
        assert page.is_file() and page.suffix == ".html"
        assert page_data(page)["layout"]["layers"][0]["units"][0]["name"] == "x1"
        assert page._repr_html_().startswith("<iframe")
    finally:
        page.unlink()
    assert steps[0].network is net and t.history.network is net
    assert "History" not in str(t.history.to_dict())  # the network is no part of the record
    ng.player(t.history, tmp_path / "h.html")
    ng.player(net.backward(X, y), tmp_path / "t.html")
    other = ng.Network.from_architecture([2, 3, 1], seed=0)
    with pytest.raises(ng.StaleTraceError, match="another network"):
        ng.player(steps, tmp_path / "a.html", net=other)
    with pytest.raises(ng.ConfigError, match=r"History is of another network \(s = \[2, 2, 1\]"):
        ng.player(t.history, tmp_path / "b.html", net=other)
    with pytest.raises(ng.ConfigError, match="needs the network of these steps"):
        ng.player(ng.History(cost=[0.5]), tmp_path / "c.html")
    mixed = steps[:1] + list(ng.Trainer(other).steps(X, y, every="epoch", epochs=1))
    with pytest.raises(ng.StaleTraceError, match="another network"):
        ng.player(mixed, tmp_path / "d.html")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.html", "t.html"]


def test_a_history_pickles_with_its_network():
    # scikit-learn clones and caches estimators by pickling them, history_ included;
    # the History's weak reference to its network could not be pickled
    import pickle

    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    h = ng.Trainer(net, alpha=2.0).fit(X, y, epochs=3)
    net2, h2 = pickle.loads(pickle.dumps((net, h)))
    assert h2.network is net2 and h2.cost == h.cost
    np.testing.assert_array_equal(net2.forward(X), net.forward(X))
    assert pickle.loads(pickle.dumps(ng.History(cost=[0.5]))).network is None
