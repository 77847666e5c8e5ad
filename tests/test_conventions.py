"""The lecture's conventions: the perceptron's ±1 labels; from_architecture's output unit."""

from __future__ import annotations

import numpy as np
import pytest

import neurograph as ng


@pytest.mark.parametrize("rule", ["online", "batch"])
def test_the_perceptron_takes_the_slides_plus_minus_one_labels_and_says_so(rule):
    X, y = ng.data.truth_table("AND")
    a = ng.Network.from_architecture([2, 1], activation="step", seed=0)
    b = a.copy()
    r01 = ng.perceptron(a, X, y, rule=rule)
    rpm = ng.perceptron(b, X, 2 * y - 1, rule=rule)  # -1, -1, -1, +1
    assert rpm.converged and rpm.labels == "±1" and r01.labels == "0/1"
    assert "labels ±1" in repr(rpm)
    # the same labels, written the slide's way: the same run, step by step
    assert rpm.errors == r01.errors and np.array_equal(a.theta(1), b.theta(1))
    assert b.predict(X).tolist() == [0, 0, 0, 1]


def test_a_mix_of_label_conventions_is_refused():
    X, _ = ng.data.truth_table("AND")
    net = ng.Network.from_architecture([2, 1], activation="step", seed=0)
    with pytest.raises(ng.LabelError, match="0/1 or the slide's ±1"):
        ng.perceptron(net, X, [-1, 0, 1, 1])
    with pytest.raises(ng.LabelError, match=r"or the slide.s ±1 \(not a mix\), got \[2\]"):
        ng.perceptron(net, X, [0, 2, 0, 2])


@pytest.mark.parametrize("act", ["relu", "tanh", "leaky_relu", "linear"])
def test_from_architecture_keeps_the_output_unit_sigmoid_unless_told(act):
    net = ng.Network.from_architecture([2, 3, 2], activation=act, seed=0)
    assert [u.activation.name for u in net.layers[1].nodes] == [act] * 3
    assert [u.activation.name for u in net.outputs] == ["sigmoid", "sigmoid"]
    X = np.array([[0.5, -1.0], [2.0, 0.3]])
    h = 1 / (1 + np.exp(-(np.hstack([np.ones((2, 1)), _hidden(net, X)])
                         @ net.theta(2).T)))
    np.testing.assert_allclose(net.forward(X), h, rtol=1e-12)
    told = ng.Network.from_architecture([2, 3, 2], activation=act, output_activation=act)
    assert [u.activation.name for u in told.outputs] == [act, act]
    # no hidden layer: the one computing layer is the output, and takes `activation`
    assert ng.Network.from_architecture([2, 1], activation="step").outputs[0].activation.name \
        == "step"


def _hidden(net, X):
    z = np.hstack([np.ones((len(X), 1)), X]) @ net.theta(1).T
    return net.layers[1].nodes[0].activation.g(z)
