"""matplotlib plots: what they draw is the History's and the network's numbers."""

import io
import re
import sys

import numpy as np
import pytest

import neurograph as ng
from neurograph.explorer import recorded as explore
from neurograph.render import plots


def sig(v):
    return 1 / (1 + np.exp(-v))


@pytest.fixture(scope="module")
def trained():
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 3, 1], seed=1)
    history = ng.Trainer(net, alpha=3.0).fit(X, y, epochs=40, validation=(X, y), progress=False)
    return net, history, X, y


def test_history_plot_draws_the_history(trained):
    _, history, _, _ = trained
    ax = history.plot()
    assert ax.lines[0].get_ydata().tolist() == history.cost
    assert ax.lines[0].get_xdata().tolist() == list(range(1, 41))
    assert ax.lines[1].get_ydata().tolist() == history.val_cost
    twin = [a for a in ax.figure.axes if a is not ax][0]
    assert twin.lines[0].get_ydata().tolist() == history.accuracy
    assert twin.get_ylabel() == "accuracy" and ax.get_ylabel() == "J(Θ)"


def test_history_plot_uses_the_axes_given(trained):
    from matplotlib.figure import Figure

    ax = Figure().add_subplot()
    assert trained[1].plot(ax=ax) is ax
    with pytest.raises(ng.ConfigError, match="no epochs"):
        ng.History().plot()


def test_decision_boundary_values_are_the_networks(trained, monkeypatch):
    net, _, X, y = trained
    seen = {}
    real = explore.decision_boundary

    def spy(g1, g2, values, *args, **kw):
        seen.update(g1=g1, g2=g2, values=values)
        return real(g1, g2, values, *args, **kw)

    monkeypatch.setattr(explore, "decision_boundary", spy)
    ax = ng.plot_decision_boundary(net, X, y, res=7)
    t1, t2 = net.thetas
    r, c = 5, 2  # a grid point: x1 = g1[c], x2 = g2[r]
    x = np.array([1.0, seen["g1"][c], seen["g2"][r]])
    want = sig(t2 @ np.r_[1.0, sig(t1 @ x)])[0]
    assert seen["values"][r, c] == pytest.approx(want)
    assert seen["g1"][0] == pytest.approx(-0.1) and seen["g2"][-1] == pytest.approx(1.1)
    assert ax.collections[-1].get_offsets().tolist() == X.tolist()


def test_decision_boundary_refuses_other_networks():
    net = ng.Network.from_architecture([3, 2, 1], seed=0)
    with pytest.raises(ng.ConfigError, match="two inputs, this one has 3"):
        ng.plot_decision_boundary(net, np.eye(3), [0, 1, 1])


def test_hidden_units_figure_shows_each_units_weights():
    net = ng.Network.from_architecture([4, 3, 2], seed=5)
    fig = ng.plot_hidden_units(net, shape=(2, 2))
    assert len(fig.axes) == 3
    for k, ax in enumerate(fig.axes):
        np.testing.assert_array_equal(ax.images[0].get_array(), net.thetas[0][k, 1:].reshape(2, 2))
        assert ax.get_title() == f"a2_{k + 1}"


def test_a_missing_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ng.MissingExtraError, match=r"neurograph\[plot\]"):
        ng.History(cost=[1.0]).plot()
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ng.MissingExtraError, match="plot extra"):
        ng.hidden_unit_grid(ng.Network.from_architecture([4, 2, 1], seed=0), shape=(2, 2))


def test_hidden_unit_png_decodes_to_the_weights():
    from PIL import Image

    net = ng.Network.from_architecture([4, 2, 1], seed=2)
    png = ng.hidden_unit_grid(net, shape=(2, 2), scale=1)
    pixels = np.asarray(Image.open(io.BytesIO(png)))
    w = net.thetas[0][0, 1:].reshape(2, 2)
    want = np.round((w - w.min()) / (w.max() - w.min()) * 255)
    np.testing.assert_array_equal(pixels[1:3, 1:3], want)  # tile 1 after 1 px of padding


def test_plots_module_never_calls_show():
    from pathlib import Path

    src = Path(plots.__file__).read_text(encoding="utf-8")
    code = "\n".join(line for line in src.splitlines()
                     if not line.lstrip().startswith(("#", ">>>")))
    assert re.findall(r"\bshow\(\)(?!``)", code) == []
    assert "pyplot" not in src.replace("without pyplot", "")


@pytest.mark.parametrize("kw, match", [
    ({"shape": (4,)}, r"shape must be \(height, width\): two ints ≥ 1, got \(4,\)"),
    ({"shape": (2.0, 2.0)}, r"two ints ≥ 1, got \(2.0, 2.0\)"),
    ({"shape": (-2, -2)}, r"two ints ≥ 1, got \(-2, -2\)"),
    ({"shape": None}, r"two ints ≥ 1, got None"),
    ({"shape": (1, 2)}, r"needs 2 inputs .* the network has 4"),
    ({"layer": 2.0}, r"layer must be an int in 2..3 .*got 2.0"),
    ({"layer": "2"}, r"layer must be an int in 2..3 .*got '2'"),
    ({"scale": 0}, r"scale must be an int ≥ 1 .*got 0"),
    ({"scale": 2.5}, r"scale must be an int ≥ 1 .*got 2.5"),
])
def test_hidden_unit_grid_refuses_what_is_not_a_picture(kw, match):
    net = ng.Network.from_architecture([4, 3, 1], seed=0)
    with pytest.raises(ng.ConfigError, match=match):
        ng.hidden_unit_grid(net, **{"shape": (2, 2), **kw})


@pytest.mark.parametrize("kw, match", [
    ({"shape": (4,)}, r"shape must be \(height, width\): two ints ≥ 1, got \(4,\)"),
    ({"shape": (2.0, 2.0)}, r"two ints ≥ 1, got \(2.0, 2.0\)"),
    ({"cols": -1}, r"cols must be an int ≥ 1 .*got -1"),
    ({"cols": 0}, r"cols must be an int ≥ 1 .*got 0"),
    ({"cols": 2.5}, r"cols must be an int ≥ 1 .*got 2.5"),
    ({"layer": None}, r"layer must be an int in 2..3 .*got None"),
])
def test_plot_hidden_units_refuses_what_is_not_a_picture(kw, match):
    net = ng.Network.from_architecture([4, 3, 1], seed=0)
    with pytest.raises(ng.ConfigError, match=match):
        ng.plot_hidden_units(net, **{"shape": (2, 2), **kw})
    fig = ng.plot_hidden_units(net, shape=(2, 2), cols=3)  # one row of three
    assert [ax.get_subplotspec().colspan.start for ax in fig.axes] == [0, 1, 2]


def test_hidden_unit_pictures_of_a_diverged_unit_keep_the_finite_scale():
    from PIL import Image

    net = ng.Network.from_architecture([4, 1, 1], seed=3)
    net.thetas[0][0, 1:] = [np.inf, np.nan, -1e308, 1e308]
    png = ng.hidden_unit_grid(net, shape=(2, 2), scale=1)
    pixels = np.asarray(Image.open(io.BytesIO(png)))[1:3, 1:3]
    # +inf white, NaN mid-grey, the finite extremes black and white (no overflow)
    np.testing.assert_array_equal(pixels, [[255, 128], [0, 255]])
    net.thetas[0][0, 1:] = [np.inf, 0.5, -0.25, 0.0]
    pixels = np.asarray(Image.open(io.BytesIO(ng.hidden_unit_grid(net, (2, 2), scale=1))))
    np.testing.assert_array_equal(pixels[1:3, 1:3], [[255, 255], [0, 85]])  # 0.25/0.75·255
    ax = ng.plot_hidden_units(net, shape=(2, 2)).axes[0]
    assert ax.images[0].norm.vmin == -0.25 and ax.images[0].norm.vmax == 0.5


@pytest.mark.parametrize("kw, exc, match", [
    ({"res": 0}, ng.ConfigError, r"res must be an int ≥ 2 .*got 0"),
    ({"res": 1}, ng.ConfigError, r"res must be an int ≥ 2 .*got 1"),
    ({"res": -5}, ng.ConfigError, r"res must be an int ≥ 2 .*got -5"),
    ({"res": 2.5}, ng.ConfigError, r"res must be an int ≥ 2 .*got 2.5"),
    ({"y": [0, 1, 1]}, ng.LabelError, r"one label per point of X \(4\), got shape \(3,\)"),
    ({"y": ["a", "b", "b", "a"]}, ng.InputValueError, r"labels\) must be numbers"),
    ({"y": [0, 1, np.nan, 0]}, ng.InputValueError, r"labels\) must be finite"),
    ({"X": [[0, 0], [np.nan, 1], [1, 0], [1, 1]]}, ng.InputValueError, "at instance 1"),
    ({"X": np.zeros((0, 2)), "y": []}, ng.ConfigError, "at least one instance"),
    ({"margin": -1}, ng.ConfigError, r"margin must be a finite number ≥ 0, got -1"),
    ({"margin": "a"}, ng.ConfigError, r"margin must be a finite number ≥ 0, got 'a'"),
])
def test_decision_boundary_refuses_bad_input_naming_it(kw, exc, match):
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    args = {"X": X, "y": y, **kw}
    with pytest.raises(exc, match=match):
        ng.plot_decision_boundary(net, args.pop("X"), args.pop("y"), **args)


def linear_net(scale):
    net = ng.Network.from_architecture([2, 3, 1], activation="linear",
                                       output_activation="linear", seed=0)
    net.thetas[1][:] *= scale
    return net


def grid_outputs(net, res, X):
    """The outputs over the padded box, by numpy alone (linear units: a = z)."""
    lo, hi = X.min(axis=0) - 0.1, X.max(axis=0) + 0.1
    g1, g2 = np.linspace(lo[0], hi[0], res), np.linspace(lo[1], hi[1], res)
    G = np.column_stack([np.tile(g1, res), np.repeat(g2, res)])
    t1, t2 = net.thetas
    a2 = np.hstack([np.ones((len(G), 1)), G]) @ t1.T
    return (np.hstack([np.ones((len(G), 1)), a2]) @ t2.T).reshape(res, res)


def test_decision_boundary_of_outputs_beyond_0_1_is_drawn_with_predicts_boundary():
    X, y = ng.data.truth_table("XOR")
    net = linear_net(10.0)
    want = grid_outputs(net, 30, X)
    assert want.max() > 20 and want.min() < 0.5  # far outside 0..1, and a boundary in the box
    ax = ng.plot_decision_boundary(net, X, y, res=30)
    mesh, line = ax.collections[0], ax.collections[1]
    # every value of the map has a colour: nothing is left blank
    assert mesh.levels[0] <= want.min() + 1e-9 and mesh.levels[-1] >= want.max() - 1e-9
    assert 0.5 in mesh.levels and line.levels.tolist() == [0.5]
    # the colours split where predict does: above 0.5 red side, below blue side
    assert mesh.norm(0.5) == pytest.approx(0.5)
    assert mesh.norm(want.max()) == pytest.approx(1.0) and mesh.norm(want.min()) < 0.5


def test_decision_boundary_says_so_when_the_box_holds_no_boundary():
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_thetas([[[5.0, 1.0, 1.0]]])  # a ≥ sigmoid(4.9) everywhere
    assert net.predict(X).tolist() == [1, 1, 1, 1]
    ax = ng.plot_decision_boundary(net, X, y, res=10)
    assert [t.get_text() for t in ax.texts] == ["a ≥ 0.5 everywhere: predicts 1"]
    assert len(ax.collections) == 2  # the map and the points, no contour line


def test_decision_boundary_of_a_nan_output_says_why_it_draws_nothing():
    X, y = ng.data.truth_table("XOR")
    net = linear_net(1.0)
    net.thetas[1][0, 1] = np.nan
    with pytest.raises(ng.NonFiniteError, match="NaN or inf at 100 of the 100 grid points"):
        ng.plot_decision_boundary(net, X, y, res=10)


def test_history_plot_draws_each_series_at_its_own_epochs():
    h = ng.History(cost=[0.7, 0.6, 0.5, 0.4, 0.3, 0.2], accuracy=[0.5, 0.75, 1.0],
                   val_cost=[0.9, None, 0.6])
    ax = h.plot()
    assert ax.lines[0].get_xdata().tolist() == [1, 2, 3, 4, 5, 6]
    val = ax.lines[1].get_ydata()
    assert ax.lines[1].get_xdata().tolist() == [1, 2, 3] and np.isnan(val[1])
    twin = [a for a in ax.figure.axes if a is not ax][0]
    assert twin.lines[0].get_xdata().tolist() == [1, 2, 3]
    assert twin.lines[0].get_ydata().tolist() == [0.5, 0.75, 1.0]
    with pytest.raises(ng.InputValueError, match="history.cost must be numbers"):
        ng.History(cost=["0.7", "0.5"]).plot()


def test_accuracy_measured_on_later_epochs_stays_at_those_epochs(tmp_path):
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 3, 1], seed=0)
    trainer = ng.Trainer(net, alpha=2.0)
    trainer.fit(X, y.astype(float), epochs=2, progress=False)  # targets, not classes
    want = float((net.predict(X) == y).mean())  # epoch 3's accuracy: before its update
    h = trainer.fit(X, y, epochs=2, progress=False)
    assert len(h.cost) == 4 and np.isnan(h.accuracy[:2]).all()
    assert h.accuracy[2] == want
    twin = [a for a in h.plot().figure.axes if a.get_ylabel() == "accuracy"][0]
    assert twin.lines[0].get_xdata().tolist() == [1, 2, 3, 4]
    ng.save(net, tmp_path / "a.ngz", trainer=trainer)  # NaN → JSON null → NaN
    net2, trainer2 = ng.load(tmp_path / "a.ngz", trainer=True)
    assert np.isnan(trainer2.history.accuracy[:2]).all()
    assert trainer2.history.accuracy[2:] == h.accuracy[2:]
    ng.save(net2, tmp_path / "b.ngz", trainer=trainer2)
