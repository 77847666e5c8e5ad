"""examples/rnn.py: a recurrent network learns to echo a bit by BPTT, stepped per time step.
The δ it prints per time step are checked against BPTT written out in numpy here."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "rnn.py"


def load():
    spec = importlib.util.spec_from_file_location("rnn_example", EXAMPLE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_the_rnn_example_learns_and_its_deltas_per_step_are_bptt(tmp_path, capsys):
    r = load().main(str(tmp_path))
    assert r["accuracy"] == 1.0 and r["history"].cost[-1] < 0.01
    assert (tmp_path / "rnn_errors.svg").read_bytes().startswith(b"<?xml")
    out = capsys.readouterr().out
    assert "δ of h(1)" in out and "accuracy 1.000" in out
    # BPTT by hand for the stepped sequence, at the weights that epoch ran on
    w, x, y = r["weights"], r["X"][r["instance"]], r["y"][r["instance"]]
    T = len(x)
    hs = [np.zeros(3)]
    for t in range(T):
        hs.append(np.tanh(w["W_x"][:, 0] * x[t] + w["W_h"] @ hs[-1] + w["b"]))
    a = 1 / (1 + np.exp(-(w["W_y"] @ hs[-1] + w["c"])))
    delta = (w["W_y"].T @ (a - y)) * (1 - hs[T] ** 2)          # δ of h(T)
    for t in range(T, 0, -1):
        np.testing.assert_allclose(r["deltas"][t], delta, rtol=1e-12, atol=1e-15)
        delta = (w["W_h"].T @ delta) * (1 - hs[t - 1] ** 2)      # δ of h(t − 1)
    # a shared weight's gradient is the sum of its per-step parts
    W_x = r["net"].parameters["W_x"]
    parts = r["trace"].grad_by_layer(W_x)
    assert sorted(parts) == [2, 3, 4, 5, 6]
    assert sum(parts.values()) == pytest.approx(r["trace"].grad(W_x), abs=1e-15)
