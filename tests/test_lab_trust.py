"""Issue 19, the lab bench: a lesion is an experiment, not an edit; numbers into a
lesion study are checked and non-finite results said as such. Each fails before the fix."""

import numpy as np
import pytest

import neurograph as ng


def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def _numpy_forward(T1, T2, X):
    """h_Θ(x) of a 3-layer sigmoid network, by hand."""
    a2 = _sig(X @ T1[:, 1:].T + T1[:, 0])
    return _sig(a2 @ T2[:, 1:].T + T2[:, 0])


X = np.array([[0.5, -1.0], [2.0, 0.25], [-1.5, 1.0]])


# --- item 8: save and copy inside a lesion take the intact network -------------------
def test_save_and_copy_inside_a_lesion_keep_the_cut_links_weight_and_no_silence(tmp_path):
    net = ng.Network.from_architecture([2, 3, 1], seed=0)
    net.freeze(net.link("x2", "a2_3"))
    T1, T2 = (t.copy() for t in net.thetas)
    w = net.link("x1", "a2_1").weight
    path = tmp_path / "lesioned.ngz"
    with net.lesion(units=["a2_2"], links=[("x1", "a2_1"), ("x1", "a2_1")]):
        with net.lesion(links=[("x1", "a2_1")]):  # nested: still the intact weight
            ng.save(net, path)
            copy = net.copy()
            spec = net.to_spec()
        assert net.link("x1", "a2_1").weight == 0.0  # the lesion itself still holds
    want = _numpy_forward(T1, T2, X)
    for other in (ng.load(path), copy, ng.Network.from_spec(spec)):
        assert other.link("x1", "a2_1").weight == w
        assert not other.link("x1", "a2_1").frozen and other.link("x2", "a2_3").frozen
        assert other.weights.n_frozen == 1
        assert other.silenced == {}
        np.testing.assert_allclose(other.forward(X), want, rtol=1e-14)
        np.testing.assert_array_equal(other.theta(1), T1)


@pytest.mark.parametrize("edit", [
    lambda n: n.remove_node("a2_1"),
    lambda n: n.disconnect("x1", "a2_1"),
    lambda n: n.connect("x1", "a3_1", 1.0),
    lambda n: n.add_node("extra"),
    lambda n: n.add_input("x3"),
    lambda n: n.add_layer(2),
], ids=["remove_node", "disconnect", "connect", "add_node", "add_input", "add_layer"])
def test_topology_edits_inside_a_lesion_are_refused_and_nothing_changes(edit):
    net = ng.Network.from_architecture([2, 3, 1], seed=0)
    T1, T2 = (t.copy() for t in net.thetas)
    names, n_links = [u.name for u in net.nodes], net.n_links
    with net.lesion(units=["a2_2"], links=[("x2", "a2_1")]), \
            pytest.raises(ng.TopologyError, match="inside `with net.lesion"):
        edit(net)
    assert [u.name for u in net.nodes] == names and net.n_links == n_links
    np.testing.assert_array_equal(net.theta_flat, np.concatenate([T1.ravel(), T2.ravel()]))
    np.testing.assert_allclose(net.forward(X), _numpy_forward(T1, T2, X), rtol=1e-14)
