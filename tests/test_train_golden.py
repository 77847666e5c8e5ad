"""Stored training runs: the same seed gives the same run, bit for bit, across refactors.

``tests/golden/train_runs.npz`` holds, per run, J per epoch, accuracy, ‖D‖, the
validation series, the final θ and how the run stopped, as the trainer made them
when the file was written (NEUROGRAPH_REGEN_GOLDEN=1 writes it again). The runs
cover what the loop does: mini-batches with a short last batch, momentum, λ,
frozen weights, validation with early stopping, online on the graph engine,
divergence, and a run stopped mid-epoch and resumed through ``state_dict``.
"""

import os
from pathlib import Path

import numpy as np
import pytest

import neurograph as ng

GOLDEN = Path(__file__).parent / "golden" / "train_runs.npz"
SERIES = ("cost", "accuracy", "grad_norm", "val_cost", "val_accuracy")


def _digits(n=120):
    X, y = ng.data.load_digits()
    return X[:n], y[:n]


def _record(name, trainer, history, out):
    for s in SERIES:
        out[f"{name}.{s}"] = np.array(getattr(history, s), dtype=float)
    out[f"{name}.theta"] = trainer.net.weights.theta.copy()
    out[f"{name}.stopped"] = np.array(str(history.stopped))
    out[f"{name}.reason"] = np.array(str(history.reason))
    out[f"{name}.diverged_at"] = np.array(history.diverged_at or (-1, -1))
    out[f"{name}.best_epoch"] = np.array(-1 if history.best_epoch is None
                                         else history.best_epoch)


def runs() -> dict:
    out = {}
    X, y = _digits()
    # mini-batches of 32 over 120 (the last one short), shuffled, momentum, λ
    net = ng.Network.from_architecture([64, 12, 10], seed=5)
    t = ng.Trainer(net, alpha=0.8, lam=0.3, batch_size=32, momentum=0.9, seed=3)
    _record("minibatch", t, t.fit(X, y, epochs=6), out)

    # full batch with frozen biases and momentum, one-hot targets
    net = ng.Network.from_architecture([64, 8, 10], seed=2)
    net.freeze("bias")
    t = ng.Trainer(net, alpha=1.5, momentum=0.5)
    _record("frozen", t, t.fit(X, ng.one_hot(y, 10), epochs=8), out)

    # validation with early stopping (the best weights restored)
    net = ng.Network.from_architecture([64, 6, 10], seed=1)
    t = ng.Trainer(net, alpha=6.0, batch_size=16, seed=9)
    h = t.fit(X[:80], y[:80], epochs=30, validation=(X[80:], y[80:]), patience=2)
    _record("early", t, h, out)

    # online on the graph engine, in order (no shuffle)
    Xx, yx = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 3, 1], seed=4)
    t = ng.Trainer(net, alpha=2.0, batch_size=1, engine="graph", shuffle=False)
    _record("online_graph", t, t.fit(Xx, yx, epochs=40), out)

    # a run that diverges: the bad update is not applied
    net = ng.Network.from_architecture([1, 2, 1], activation="linear",
                                       output_activation="linear", seed=0)
    t = ng.Trainer(net, alpha=10.0)
    _record("diverged", t, t.fit(np.array([[1e3], [2e3]]), np.array([[1e3], [-1e3]]),
                                 epochs=200), out)

    # stopped mid-epoch, the state carried to a new trainer, the run finished there
    net = ng.Network.from_architecture([64, 10, 10], seed=7)
    t = ng.Trainer(net, alpha=0.5, lam=0.1, batch_size=25, momentum=0.8, seed=11)
    t.fit(X, y, epochs=3, on_step=lambda s: (s.epoch, s.batch) == (1, 2))
    net2 = ng.Network.from_spec(net.to_spec())
    t2 = ng.Trainer(net2)
    t2.load_state_dict(t.state_dict())
    _record("resumed", t2, t2.fit(X, y, epochs=2), out)
    return out


@pytest.fixture(scope="module")
def now():
    return runs()


def test_golden_file_is_current(now):
    if os.environ.get("NEUROGRAPH_REGEN_GOLDEN"):
        np.savez(GOLDEN, **now)
    assert GOLDEN.exists(), f"no golden file {GOLDEN.name}: run with NEUROGRAPH_REGEN_GOLDEN=1"


@pytest.mark.parametrize("run", ["minibatch", "frozen", "early", "online_graph", "diverged",
                                 "resumed"])
def test_stored_runs_are_reproduced_bit_for_bit(now, run):
    with np.load(GOLDEN, allow_pickle=False) as stored:
        keys = [k for k in stored.files if k.startswith(run + ".")]
        assert keys
        for k in keys:
            # NaN where a series was not measured (or a diverged J) compares equal to NaN
            np.testing.assert_array_equal(now[k], stored[k], err_msg=k, strict=True)
