"""One name per thing (docs/GLOSSARY.md): a former name still works where users may call
it, and says which name replaced it."""

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
