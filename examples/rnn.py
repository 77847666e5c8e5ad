"""A recurrent network learns to echo a bit, by backpropagation through time, and is
stepped time step by time step in the debugger.

The task: read T = 5 bits x(1) … x(5), one per time step, and at the end output the
first one. The four bits after it are noise to ignore, so the network must carry
x(1) in its hidden state h(t) = tanh(W_x x(t) + W_h h(t−1) + b) through four steps.

``Network.recurrent`` unrolls the loop: h(t) is Layer t + 1, and every step's links
read the same shared weights W_x, W_h, b. Backprop on the unrolled graph *is* BPTT:
the backward sweep visits h(5), h(4), … h(1) — one layer per time step — and each
shared weight's gradient is the sum of its links' terms over the steps
(``trace.grad_by_layer(p)`` splits it by step).

Run it under pdb, or from a terminal (it stops in the backward sweep at h(1)); with
no one to type at it (a pipe, a file, or NO_BREAK=1) it just prints:

    python -m pdb examples/rnn.py
    (Pdb) continue                      # runs to the breakpoint() below
    (Pdb) p step.phase                  # 'backward layer 2': δ of h(1) was just computed
    (Pdb) p step.trace.delta[1][k]      # δ(1) of sequence k (h(1) is Layer 2)
    (Pdb) p rnn.parameters["W_h"].value
    (Pdb) continue

Run:  python examples/rnn.py [out_dir]
"""

from __future__ import annotations

import itertools
import os
import sys
from pathlib import Path

import numpy as np

import neurograph as ng

T = 5  # time steps: bits per sequence


def data() -> tuple[np.ndarray, np.ndarray]:
    """Every sequence of T bits (X: x(1) … x(T) as columns) and its first bit (y)."""
    X = np.array(list(itertools.product([0.0, 1.0], repeat=T)))
    return X, X[:, 0].copy()


def main(out_dir: str | None = None, epochs: int = 400, stop: bool = False) -> dict:
    X, y = data()
    rnn = ng.Network.recurrent(inputs=1, hidden=3, steps=T, outputs=1, activation="tanh",
                               output_activation="sigmoid", seed=0)
    trainer = ng.Trainer(rnn, alpha=1.0, seed=0)

    # the first epoch, paused after every layer: the backward sweep runs back in time
    k = int(np.flatnonzero((X == [1, 0, 1, 1, 0]).all(axis=1))[0])  # one sequence, x(1) = 1
    print(f"epoch 1, stepped layer by layer; δ of the sequence x = "
          f"{X[k].astype(int).tolist()} at each time step:")
    deltas, weights, trace = {}, None, None
    for step in trainer.steps(X, y, every="layer", epochs=1):
        kind, layer = step.phase.kind, step.phase.layer
        if kind == "backward" and weights is None:  # the weights this pass runs on
            weights = {name: p.value.copy() for name, p in rnn.parameters.items()}
        if kind == "backward" and layer == rnn.L:
            print(f"  {step.phase}: δ of the output = a − y = "
                  f"{_show(step.trace.delta[-1][k])}")
        elif kind == "backward":
            t = layer - 1  # h(t) is Layer t + 1
            deltas[t] = step.trace.delta[layer - 1][k].copy()
            print(f"  {step.phase}: δ of h({t}) = {_show(deltas[t])}")
            if stop and t == 1:
                breakpoint()  # δ(1) exists here: the output's error, carried back 4 steps
        elif kind == "update":  # the pass is complete: ∂J/∂θ of the epoch's batch
            trace = step.trace
    W_x = rnn.parameters["W_x"]
    per_step = trace.grad_by_layer(W_x)
    print("∂J/∂W_x of epoch 1 by time step (BPTT: W_x is shared by the 5 steps, its "
          "gradient the sum):")
    for layer in sorted(per_step):
        print(f"  t = {layer - 1}: {_show(per_step[layer].ravel())}")
    print(f"  sum: {_show(trace.grad(W_x).ravel())}")

    history = trainer.fit(X, y, epochs=epochs - 1)
    acc = float((rnn.predict(X) == y).mean())
    print(f"\necho the first of {T} bits: {epochs} epochs of BPTT, J = "
          f"{history.cost[-1]:.4f}, accuracy {acc:.3f} on all {len(X)} sequences")
    files = []
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        files.append(rnn.render(out / "rnn_errors.svg", show="errors",
                                trace=rnn.backward(X, y), row=k))
        print("wrote", files[-1])
    return {"net": rnn, "accuracy": acc, "history": history, "deltas": deltas,
            "weights": weights, "instance": k, "trace": trace, "X": X, "y": y,
            "files": files}


def _show(v) -> str:
    return "[" + ", ".join(f"{x:+.3g}" for x in np.ravel(v)) + "]"


if __name__ == "__main__":
    # stop only where someone can type: under pdb, or at a terminal
    interactive = ("pdb" in sys.modules or sys.stdin.isatty()) and not os.environ.get("NO_BREAK")
    main(sys.argv[1] if len(sys.argv) > 1 else "out/examples", stop=interactive)
