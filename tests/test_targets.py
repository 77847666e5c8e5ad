"""Targets that cross-entropy cannot take are refused, naming the row (issue 9, item 4)."""

import numpy as np
import pytest

import neurograph as ng
from neurograph.data import as_targets


def test_softmax_rows_must_sum_to_one():
    Y = np.array([[0.2, 0.8, 0.0], [0.5, 0.4, 0.0]])  # row 1 sums to 0.9
    with pytest.raises(ng.LabelError, match="row 1 sums to 0.9"):
        as_targets(Y, 3, 2, cross_entropy="softmax")
    ok = np.array([[0.1, 0.2, 0.7], [0.0, 0.0, 1.0]])  # decimals that round near 1
    np.testing.assert_array_equal(as_targets(ok, 3, 2, cross_entropy="softmax"), ok)
    np.testing.assert_array_equal(as_targets([2, 0], 3, 2, cross_entropy="softmax"),
                                  [[0, 0, 1], [1, 0, 0]])
    # without cross-entropy (mse) the same rows are fine regression targets
    np.testing.assert_array_equal(as_targets(Y, 3, 2), Y)


@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_cross_entropy_targets_must_lie_in_0_1(output):
    Y = np.array([[0.0, 1.0], [1.5, -0.5]])
    with pytest.raises(ng.LabelError, match=r"targets in \[0, 1\], got 1.5 at row 1, column 0"):
        as_targets(Y, 2, 2, cross_entropy=output)


def test_one_sigmoid_output_refuses_float_2_like_int_2():
    with pytest.raises(ng.LabelError, match="labels 0 or 1, got 2"):
        as_targets(np.array([0, 2]), 1, 2, cross_entropy="sigmoid")
    with pytest.raises(ng.LabelError, match=r"got 2 at row 1"):
        as_targets(np.array([0.0, 2.0]), 1, 2, cross_entropy="sigmoid")
    with pytest.raises(ng.LabelError, match=r"got 5 at row 0"):
        as_targets(np.array([5.0]), 1, 1, cross_entropy="sigmoid")
    np.testing.assert_array_equal(as_targets(np.array([0.25, 1.0]), 1, 2,
                                             cross_entropy="sigmoid"), [[0.25], [1.0]])
    assert as_targets(np.array([5.0]), 1, 1).tolist() == [[5.0]]  # mse: any real


def test_unknown_cross_entropy_output_is_a_config_error():
    with pytest.raises(ng.ConfigError, match="'sigmoid' or 'softmax', got 'tanh'"):
        as_targets([0, 1], 2, 2, cross_entropy="tanh")


def test_net_cost_refuses_soft_rows_not_summing_to_one():
    net = ng.Network.from_architecture([2, 3], output_activation="softmax", seed=0)
    with pytest.raises(ng.LabelError, match="row 0 sums to 0.9"):
        net.cost(np.zeros((1, 2)), np.array([[0.5, 0.4, 0.0]]))
