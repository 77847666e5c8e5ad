"""A seed that is not None or a whole number ≥ 0 is refused naming what came
(numpy raised a bare TypeError for "x" and 1.5, a ValueError for -1, and
took True as 1)."""

import numpy as np
import pytest

import neurograph as ng
from neurograph.data.datasets import four_classes, train_test_split


def _makers():
    net = ng.Network.from_architecture([2, 1], seed=0)
    return {
        "Network": lambda s: ng.Network(seed=s),
        "from_architecture": lambda s: ng.Network.from_architecture([2, 1], seed=s),
        "lenet5": lambda s: ng.Network.lenet5(seed=s),
        "recurrent": lambda s: ng.Network.recurrent(inputs=1, hidden=2, steps=2, outputs=1, seed=s),
        "Trainer": lambda s: ng.Trainer(net, seed=s),
        "four_classes": lambda s: four_classes(n=8, seed=s),
        "train_test_split": lambda s: train_test_split(np.zeros((4, 1)), np.array([0, 1, 0, 1]),
                                                       seed=s),
    }


@pytest.mark.parametrize("maker", sorted(_makers()))
@pytest.mark.parametrize("seed", ["x", 1.5, -1, True, np.nan])
def test_a_bad_seed_is_named(maker, seed):
    with pytest.raises(ng.ConfigError, match=r"seed must be None or a whole number ≥ 0, got "):
        _makers()[maker](seed)


@pytest.mark.parametrize("maker", ["from_architecture", "recurrent"])
def test_a_seed_gives_the_same_network_and_numpy_ints_are_seeds(maker):
    a, b, c = _makers()[maker](np.int64(7)), _makers()[maker](7), _makers()[maker](8)
    X = np.linspace(-1, 1, 2 * len(a.inputs)).reshape(2, -1)
    assert np.array_equal(a.forward(X), b.forward(X))
    assert not np.array_equal(a.forward(X), c.forward(X))


def test_a_position_outside_a_grid_or_layer_is_named():
    """c[9, 9, 9] raised numpy's bare IndexError ("index 9 is out of bounds for
    axis 0 with size 2"), a layer's [7] "list index out of range"."""
    net = ng.Network(seed=0)
    c = net.add_conv(net.add_inputs((1, 4, 4), name="x"), maps=2, kernel=2, name="c")
    with pytest.raises(ng.PositionError, match=r"grid 'c' has shape \(2, 3, 3\) \(maps, rows, "
                                               r"columns\); position \(9, 9, 9\) is outside it"):
        c[9, 9, 9]
    with pytest.raises(IndexError):  # still an IndexError for code that expects one
        c[0, 3, 0]
    assert c[1, 2, 2].name == "c[1, 2, 2]"
    dense = ng.Network.from_architecture([2, 3, 1], seed=0)
    with pytest.raises(ng.PositionError, match=r"layer 2 has 3 units \(0 … 2\); got 7"):
        dense.layers[1][7]


def test_tie_refuses_what_is_not_a_link_and_parameters_name_what_they_have():
    """net.tie(link, "x") raised AttributeError ('str' object has no attribute
    'target'); net.parameters["nope"] a bare KeyError('nope')."""
    net = ng.Network.from_architecture([2, 3, 1], seed=0)
    a = net.link("x1", "a2_1")
    with pytest.raises(ng.TopologyError, match=r"tie takes links .*, got 'x'"):
        net.tie(a, "x")
    with pytest.raises(ng.UnknownNameError, match=r"no parameter named 'nope' in this network; it "
                                                 r"has none"):
        net.parameters["nope"]
    net.tie(a, net.link("x2", "a2_1"), name="k")
    with pytest.raises(KeyError, match=r"no parameter named 'nope' in this network; it has 'k'"):
        net.parameters["nope"]
    assert net.parameters.get("nope") is None and "nope" not in net.parameters
