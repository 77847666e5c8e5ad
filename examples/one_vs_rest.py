"""One-vs-rest with K = 4 output units: pedestrian, car, motorcycle, truck.

Labels become 1-of-K vectors (ng.one_hot); each output unit learns "its" class
against the rest, and the prediction is the unit with the highest h_Θ(x).

Run:  python examples/one_vs_rest.py [out_dir]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import neurograph as ng


def main(out_dir: str | None = None) -> dict:
    X, y, features, classes = ng.data.four_classes(400, seed=0)
    Xtr, Xte, ytr, yte = ng.data.train_test_split(X, y, 0.25, seed=0)
    print("features:", features, "classes:", classes)
    print("y = 3 (truck) as 1-of-K:", ng.one_hot([3], 4)[0].tolist())
    net = ng.Network.from_architecture([4, 6, 4], seed=0)
    history = ng.Trainer(net, alpha=1.0, batch_size=20, seed=0).fit(Xtr, ytr, epochs=100)
    acc = float((net.predict(Xte) == yte).mean())
    print(f"{history.epochs} epochs, J = {history.cost[-1]:.4f}, held-out accuracy {acc:.3f}")
    for i in range(4):
        h = net.forward(Xte[i])[0]
        print(f"  a {classes[yte[i]]:<10}: h_Θ(x) = {np.round(h, 3).tolist()} → "
              f"{classes[int(h.argmax())]}")
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        trace = net.backward(Xte[:4], yte[:4])
        print("wrote", net.render(out / "one_vs_rest_errors.svg", show="errors", trace=trace))
    return {"net": net, "accuracy": acc, "history": history}


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "out/examples")
