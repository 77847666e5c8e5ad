"""One name per thing (docs/GLOSSARY.md): a former name still works where users may call
it, and says which name replaced it."""

import re
from pathlib import Path

import numpy as np
import pytest

import neurograph as ng


def test_trace_theta_is_the_passes_copy_of_theta_and_w_its_former_name():
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    tr = net.backward([[0.0, 1.0]], [1])
    np.testing.assert_array_equal(tr.theta, net.weights.theta)
    assert not np.shares_memory(tr.theta, net.weights.theta)  # a copy: later updates stay out
    with pytest.warns(DeprecationWarning, match=r"trace\.w is renamed trace\.theta") as rec:
        old = tr.w
    assert old is tr.theta
    assert rec[0].filename == __file__  # the warning points at the caller's line


def test_the_package_itself_uses_no_former_name():
    # pyproject's filter turns a DeprecationWarning raised for package code into an error,
    # so a pass, a diagram, a diagnosis and a lesion study here prove the package moved on
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    tr = net.backward(X, y)
    ng.diagram(net, show="errors", trace=tr)
    ng.diagnose(tr)
    ng.compare(tr, net.backward(X, 1 - y))


def _xor_steps(epochs=2):
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    return list(ng.Trainer(net, alpha=1.0).steps(X, y, every="epoch", epochs=epochs)), net


def test_one_public_function_is_called_player():
    """render's page writer is ``page`` (it draws frames it is handed); ``ng.player`` is
    the explorer's, which computes those frames from steps."""
    import neurograph.render as render

    assert not callable(getattr(render, "player", None)) and callable(render.page)  # a module
    assert ng.player.__module__ == "neurograph.explorer.recorded"


def test_history_cost_is_J_per_epoch_and_history_J_its_former_name():
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    h = ng.Trainer(net, alpha=1.0).fit(X, y, epochs=3)
    assert len(h.cost) == 3
    with pytest.warns(DeprecationWarning, match=r"history\.J is renamed history\.cost"):
        assert h.J is h.cost


# --- `row`: a 0-based row of a Trace, where `instance` is a training example, a row of X ---

def _xnor_net():
    # the lecture's XNOR: AND and NOR hidden units, an OR of them on top
    return ng.Network.from_thetas([[[-30.0, 20.0, 20.0], [10.0, -20.0, -20.0]],
                                   [[-10.0, 20.0, 20.0]]])


def _delta_out(X, y):
    """δ(3) = a(3) − y of the XNOR network above, by hand in numpy."""
    g = lambda z: 1.0 / (1.0 + np.exp(-z))  # noqa: E731
    a2 = g(np.c_[np.ones(len(X)), X] @ np.array([[-30.0, 20, 20], [10, -20, -20]]).T)
    return g(np.c_[np.ones(len(X)), a2] @ np.array([-10.0, 20, 20])) - y.ravel()


def _doors(tmp_path):
    """Each public door that takes a row of a Trace: a call with the given keywords → text."""
    import neurograph.render as render

    def dot(path):
        return path.read_text(encoding="utf-8")

    return {
        "ng.diagram": lambda net, tr, **kw: ng.diagram(net, "errors", tr, **kw).source,
        "net.diagram": lambda net, tr, **kw: net.diagram("errors", tr, **kw).source,
        "neurograph.render.diagram": lambda net, tr, **kw:
            render.diagram(net, "errors", tr, **kw).source,
        "net.render": lambda net, tr, **kw:
            dot(net.render(tmp_path / "a.dot", show="errors", trace=tr, **kw)),
        "neurograph.render.render": lambda net, tr, **kw:
            dot(render.render(net, tmp_path / "b.dot", show="errors", trace=tr, **kw)),
    }


@pytest.mark.parametrize("door", ["ng.diagram", "net.diagram", "neurograph.render.diagram",
                                  "net.render", "neurograph.render.render"])
def test_row_names_the_trace_row_a_diagram_draws_and_instance_is_its_former_name(
        door, tmp_path):
    X, y = ng.data.truth_table("XOR")
    net = _xnor_net()
    y = 1 - y
    tr = net.backward(X, y)
    draw = _doors(tmp_path)[door]
    new = draw(net, tr, row=2)
    # the output unit's label carries δ of row 2 as numpy computes it by hand
    shown = float(re.search(r'a3_1 \[label="a3_1\\nδ=([^"]+)"', new).group(1))
    assert shown == pytest.approx(_delta_out(X, y)[2], rel=1e-3)
    assert "instance x(3) of 4" in new and "instance x(1)" not in draw(net, tr, row=3)
    with pytest.warns(DeprecationWarning, match=rf"{door}\(instance=\) is renamed "
                                                 rf"{door}\(row=\)") as rec:
        old = draw(net, tr, instance=2)
    assert rec[0].filename == __file__  # at the caller's line, never inside the package
    assert old == new
    with pytest.raises(ng.ConfigError, match=r"row=2 and its former name instance=1"):
        draw(net, tr, row=2, instance=1)


def test_compare_takes_a_row_of_the_traces_and_instance_is_its_former_name():
    X, y = ng.data.truth_table("XOR")
    net = _xnor_net()
    before = net.backward(X, y)
    net.link("a2_1", "a3_1").weight = 25.0
    after = net.backward(X, y)
    c = ng.compare(before, after, row=1)
    assert c.row == 1 and "units, row 1:" in repr(c) and "| unit (row 1) |" in c.to_markdown()
    want = after.delta[-1][1, 0] - before.delta[-1][1, 0]
    assert c.unit_deltas()["a3_1"] == pytest.approx(want, abs=1e-15)
    with pytest.warns(DeprecationWarning, match=r"ng\.compare\(instance=\) is renamed"):
        old = ng.compare(before, after, instance=1)
    assert old.units == c.units and old.row == 1
    with pytest.warns(DeprecationWarning, match=r"comparison\.instance is renamed "
                                                 r"comparison\.row") as rec:
        assert c.instance == 1
    assert rec[0].filename == __file__
    with pytest.raises(ng.ConfigError, match="row=1 and its former name instance=0"):
        ng.compare(before, after, row=1, instance=0)


def test_the_explorer_picture_takes_row_and_instance_is_its_former_name(tmp_path):
    X, y = ng.data.truth_table("XOR")
    net = _xnor_net()
    steps = list(ng.Trainer(net, alpha=0.0).steps(X, y, every="epoch", epochs=1))
    new = ng.player(steps, tmp_path / "new.html", row=2).read_text(encoding="utf-8")
    assert "instance x(3) of 4" in new  # the static picture: row 2 of the first frame's Trace
    with pytest.warns(DeprecationWarning, match=r"ng\.player\(instance=\) is renamed") as rec:
        old = ng.player(steps, tmp_path / "old.html", instance=2).read_text(encoding="utf-8")
    assert rec[0].filename == __file__
    assert old == new
    with pytest.raises(ng.ConfigError, match="its former name instance="):
        ng.player(steps, tmp_path / "both.html", row=2, instance=2)


def test_the_package_itself_calls_every_row_door_by_its_new_name(tmp_path):
    # as above: a former name used inside the package would be an error here
    X, y = ng.data.truth_table("XOR")
    net = _xnor_net()
    tr = net.backward(X, y)
    net.render(tmp_path / "x.dot", show="gradients", trace=tr, row=1)
    ng.diagram(net, show="changes", between=(tr, tr))
    ng.diagram(net, show="health", trace=tr, row=0)


def test_a_step_calls_theta_theta_and_weights_before_after_are_its_former_names():
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    before = net.theta_flat.copy()
    trainer = ng.Trainer(net, alpha=0.5)
    step = next(s for s in trainer.steps(X, y, every="batch", epochs=1) if s.phase == "update")
    D = np.concatenate([d.ravel() for d in ng.Network.from_architecture([2, 2, 1], seed=0)
                        .gradients(X, y)])
    np.testing.assert_array_equal(step.theta_before, before)
    # the update by hand: θ − α·D, D(l) unrolled as compiling lays Θ(l) out in θ
    np.testing.assert_allclose(step.theta_after, before - 0.5 * D, rtol=0, atol=1e-15)
    with pytest.warns(DeprecationWarning, match=r"step\.weights_before is renamed "
                                                 r"step\.theta_before") as rec:
        assert step.weights_before is step.theta_before
    assert rec[0].filename == __file__
    with pytest.warns(DeprecationWarning, match=r"step\.weights_after is renamed "
                                                 r"step\.theta_after"):
        assert step.weights_after is step.theta_after


def test_freeze_takes_what_it_freezes_and_x_is_its_former_keyword():
    """x is the lecture's input; what freeze holds fixed (a link, unit, layer, "bias") is
    ``what``."""
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    net.freeze(what="bias")
    want = np.zeros(len(net.theta_flat), bool)
    want[[li.index for li in net.links if li.is_bias]] = True
    np.testing.assert_array_equal(net.weights.frozen, want)
    with pytest.warns(DeprecationWarning, match=r"net\.unfreeze\(x=\) is renamed "
                                                 r"net\.unfreeze\(what=\)") as rec:
        net.unfreeze(x="bias")
    assert rec[0].filename == __file__ and not net.weights.frozen.any()
    with pytest.warns(DeprecationWarning, match=r"net\.freeze\(x=\)"):
        net.freeze(x=3)
    assert net.weights.frozen.sum() == 3  # the links into Layer 3: bias and two hidden
    with pytest.warns(DeprecationWarning, match=r"net\.links_of\(x=\)"):
        assert net.links_of(x="a2_1") == net.links_of("a2_1")
    with pytest.raises(ng.ConfigError, match="what='bias' and its former name x=2"):
        net.freeze(what="bias", x=2)


def _former_names_in_the_glossary() -> list[str]:
    text = (Path(__file__).resolve().parents[1] / "docs" / "GLOSSARY.md").read_text()
    table = text.split("## Former names", 1)[1]
    return [line.split("|")[1].strip() for line in table.splitlines()
            if line.startswith("| ") and not line.startswith("| former")]


def test_every_former_name_the_glossary_lists_still_works_and_warns(tmp_path):
    """The glossary's table is a promise: each row is exercised here, so a row whose
    alias is gone (or an alias the table does not list) fails."""
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    tr = net.backward(X, y)
    steps = list(ng.Trainer(net.copy(), alpha=1.0).steps(X, y, every="epoch", epochs=1))
    import neurograph.render as render

    uses = {
        "`trace.w`": [lambda: tr.w],
        "`history.J`": [lambda: ng.Trainer(net.copy(), alpha=1.0).fit(X, y, epochs=1).J],
        "`step.weights_before`, `step.weights_after`": [lambda: steps[0].weights_before,
                                                         lambda: steps[0].weights_after],
        "`instance=` of `ng.diagram`, `net.diagram`, `net.render`, "
        "`neurograph.render.diagram`, `neurograph.render.render`, `ng.compare`, "
        "`ng.player`, `neurograph.render.page` (a row of the Trace)": [
            lambda: ng.diagram(net, "errors", tr, instance=1),
            lambda: net.diagram("errors", tr, instance=1),
            lambda: net.render(tmp_path / "n.dot", "errors", tr, instance=1),
            lambda: render.diagram(net, "errors", tr, instance=1),
            lambda: render.render(net, tmp_path / "r.dot", "errors", tr, instance=1),
            lambda: ng.compare(tr, tr, instance=1),
            lambda: ng.player(steps, tmp_path / "p.html", instance=1)],
        "`comparison.instance`": [lambda: ng.compare(tr, tr).instance],
        "`x=` of `net.freeze`, `net.unfreeze`, `net.links_of`": [
            lambda: net.freeze(x="bias"), lambda: net.unfreeze(x="bias"),
            lambda: net.links_of(x="bias")],
    }
    assert _former_names_in_the_glossary() == list(uses)
    for calls in uses.values():
        for call in calls:
            with pytest.warns(DeprecationWarning, match="is renamed"):
                call()
