"""The explorer's bad input (issue 21): each a clear error naming what came, and no file
left behind."""

import numpy as np
import pytest

import neurograph as ng


@pytest.fixture(scope="module")
def minibatch_run():
    X, y = ng.data.truth_table("XOR")
    X, y = np.tile(X, (3, 1)), np.tile(y, 3)  # 12 rows, batches of 4
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    steps = list(ng.Trainer(net, alpha=1.0, batch_size=4, seed=0).steps(
        X, y, every="epoch", epochs=3))
    return steps, net, X, y


@pytest.mark.parametrize("instances, kind, match", [
    ([0, 12], ng.InputValueError, r"rows 0..11 of X \(the training data\) \(x\(1\)..x\(12\)\), "
                                  r"got x\(13\) \(row 12\)"),
    ([-1], ng.InputValueError, r"each of instances must be a whole number ≥ 0, got -1"),
    ([1.5], ng.InputValueError, r"whole number ≥ 0, got 1.5 \(float\)"),
    ([True], ng.InputValueError, r"whole number ≥ 0, got True \(bool\)"),
    (np.array([0.0, 1.0]), ng.InputValueError, r"got np.float64\(0.0\) \(float64\)"),
    ("03", ng.InputValueError, r"list of 0-based rows of X \(the training data\).*got '03'"),
    (3, ng.InputValueError, r"got 3 \(int\)"),
    ([], ng.InputValueError, "got no instance"),
])
def test_instances_out_of_range_or_not_whole_name_what_came(tmp_path, minibatch_run,
                                                              instances, kind, match):
    steps, net, X, y = minibatch_run
    with pytest.raises(kind, match=match):
        ng.player(steps, tmp_path / "p.html", X=X, y=y, instances=instances)
    assert not any(tmp_path.iterdir())


def test_instances_of_a_full_batch_run_are_rows_of_its_traces(tmp_path):
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    with pytest.raises(ng.InputValueError, match=r"rows 0..3 of the Traces.*got x\(5\)"):
        ng.player(net.backward(X, y), tmp_path / "p.html", instances=[4])


def test_steps_of_two_runs_of_one_network_mixed(tmp_path):
    # two Trainers on one network: their epochs rise, so only the run tells them apart
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    a = list(ng.Trainer(net, alpha=1.0).steps(X, y, every="epoch", epochs=2))
    b = list(ng.Trainer(net, alpha=5.0).steps(X, y, every="epoch", epochs=4))
    with pytest.raises(ng.ConfigError, match=r"different runs mixed: step 2 is of Trainer run "
                                             rf"{b[0].run}, step 0 of run {a[0].run}"):
        ng.player(a + b[2:], tmp_path / "p.html")
    # one Trainer's two calls are one run, and a Step made by hand goes with any
    t = ng.Trainer(net, alpha=1.0)
    c = list(t.steps(X, y, every="epoch", epochs=2)) + list(t.steps(X, y, every="epoch",
                                                                   epochs=2))
    assert c[0].run == c[-1].run and c[2].epoch == 2
    ng.player(c, tmp_path / "c.html")
    by_hand = ng.train.records.Step(9, 0, None, "epoch end", c[-1].trace, c[-1].cost)
    ng.player(c + [by_hand], tmp_path / "d.html")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.html", "d.html"]


def test_a_trace_of_another_network(tmp_path):
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    other = ng.Network.from_architecture([2, 2, 1], seed=1)
    with pytest.raises(ng.StaleTraceError, match="of another network"):
        ng.player(net.backward(X, y), tmp_path / "p.html", net=other)
    with pytest.raises(ng.StaleTraceError, match="of another network"):
        ng.player([*ng.Trainer(net).steps(X, y, epochs=1),
                   *ng.Trainer(other).steps(X, y, epochs=1)], tmp_path / "q.html")
    assert not any(tmp_path.iterdir())


def test_an_empty_list_and_no_rows(tmp_path, minibatch_run):
    steps, net, X, y = minibatch_run
    for empty in ([], (), iter([])):
        with pytest.raises(ng.ConfigError, match=r"at least one Step \(got an empty list\)"):
            ng.player(empty, tmp_path / "p.html", net=net)
    with pytest.raises(ng.ShapeError, match=r"X must hold the training data.*got 0 rows"):
        ng.player(steps, tmp_path / "p.html", X=np.zeros((0, 2)), y=[])
    assert not any(tmp_path.iterdir())


def test_a_list_of_traces_is_named_not_called_a_lost_network(tmp_path):
    # it said "player needs the network of these steps: theirs is gone", while the
    # network was alive: the list held Traces, not Steps
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    with pytest.raises(ng.ConfigError, match=r"got a list holding a Trace \(pass the Trace"):
        ng.player([net.backward(X, y)], tmp_path / "p.html", X=X, y=y)
    with pytest.raises(ng.ConfigError, match="got a list holding a int"):
        ng.player([1, 2], tmp_path / "p.html")
    assert not (tmp_path / "p.html").exists()
