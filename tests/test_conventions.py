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
    with pytest.raises(ng.LabelError, match="or the slide's ±1, got \\[0 2\\]"):
        ng.perceptron(net, X, [0, 2, 0, 2])
