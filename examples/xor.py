"""XOR learned from random initialisation by a 2-2-1 network (the lecture's XNOR, inverted).

Weights start small and random ("NOT to 0!"); full-batch gradient descent with
backprop finds hidden units like the slide's AND and NOR.

Run:  python examples/xor.py [out_dir]
"""

from __future__ import annotations

import sys

import neurograph as ng


def main(out_dir: str | None = None, seed: int = 3, epochs: int = 5000) -> dict:
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 2, 1], seed=seed)
    print("before:", net.forward(X).ravel().round(3), "J =", round(net.cost(X, y), 4))
    trainer = ng.Trainer(net, alpha=2.0, seed=0)

    def learned(trainer, history):  # stop once every row is right with margin
        return history.cost[-1] < 0.05

    history = trainer.fit(X, y, epochs=epochs, on_epoch_end=learned)
    out = net.forward(X).ravel()
    print(f"after {history.epochs} epochs: J = {history.cost[-1]:.4f}, h = {out.round(3)}")
    print("Θ(1) =", net.theta(1).round(2).tolist())
    print("Θ(2) =", net.theta(2).round(2).tolist())
    trace = net.backward(X, y)
    for node in net.layers[1]:
        print(f"  {node!r}")
    return {"net": net, "history": history, "trace": trace, "predictions": net.predict(X)}


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
