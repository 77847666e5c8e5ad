"""Learning on real data: digits, one-vs-rest, and a quiet progress bar."""

import numpy as np

import neurograph as ng


def test_digits_64_25_10_reaches_95_percent_on_held_out():
    X, y = ng.data.load_digits()
    Xtr, Xte, ytr, yte = ng.data.train_test_split(X, y, 0.25, seed=0)
    assert len(yte) == 450 and set(np.unique(yte)) == set(range(10))
    net = ng.Network.from_architecture([64, 25, 10], seed=0)
    h = ng.Trainer(net, alpha=0.5, batch_size=32, seed=0).fit(Xtr, ytr, epochs=40)
    acc = float((net.predict(Xte) == yte).mean())
    assert acc >= 0.95, f"test accuracy {acc:.3f}"
    assert h.accuracy[-1] > 0.97 and h.cost[-1] < h.cost[0] / 5


def test_four_classes_one_vs_rest():
    X, y, features, classes = ng.data.four_classes(400, seed=0)
    assert classes == ["pedestrian", "car", "motorcycle", "truck"] and len(features) == 4
    Y = ng.one_hot(y, 4)
    assert Y.sum(axis=1).tolist() == [1] * 400
    net = ng.Network.from_architecture([4, 6, 4], seed=0)
    ng.Trainer(net, alpha=1.0, batch_size=20, seed=0).fit(X[:300], Y[:300], epochs=100)
    h = net.forward(X[300:])
    assert float((h.argmax(axis=1) == y[300:]).mean()) >= 0.95
    # one-vs-rest: the winning unit is high, the rest low, as the slide wants
    assert float(np.median(h.max(axis=1))) > 0.8


def test_progress_bar_is_silent_off_a_terminal(capsys):
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 2, 1], seed=0)
    ng.Trainer(net).fit(X, y, epochs=200)  # progress=None: only on a terminal
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    ng.Trainer(net).fit(X, y, epochs=5, progress=True)
    assert "epoch" in capsys.readouterr().err
