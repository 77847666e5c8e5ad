"""Digit recognition, 64-25-10, on scikit-learn's 8×8 digits (shipped in the package).

Each image is unrolled into x = (x1 … x64); ten output units, one per digit.
After training, each hidden unit's 64 incoming weights are drawn as an 8×8
picture: the slide's "visualization of the hidden layer".

Run:  python examples/digits.py [out_dir]
"""

from __future__ import annotations

import sys
from pathlib import Path

import neurograph as ng


def main(out_dir: str | None = "out/examples", epochs: int = 40) -> dict:
    X, y = ng.data.load_digits()
    Xtr, Xte, ytr, yte = ng.data.train_test_split(X, y, 0.25, seed=0)
    net = ng.Network.from_architecture([64, 25, 10], seed=0)
    history = ng.Trainer(net, alpha=0.5, batch_size=32, seed=0).fit(
        Xtr, ytr, epochs=epochs, validation=(Xte, yte))
    acc = float((net.predict(Xte) == yte).mean())
    print(f"{history.epochs} epochs: J = {history.cost[-1]:.4f}, "
          f"training accuracy {history.accuracy[-1]:.3f}, test accuracy {acc:.3f}")
    files = []
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        files.append(ng.hidden_unit_grid(net, shape=(8, 8), path=out / "digits_hidden_units.png"))
        files.append(net.render(out / "digits_hidden.svg", show="weights", hidden_images=(8, 8)))
        for f in files:
            print("wrote", f)
    return {"net": net, "accuracy": acc, "history": history, "files": files}


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "out/examples")
