"""``neurograph demo``: the lecture end to end, printed and drawn into a folder.

1. The logic units with the slides' weights, and XNOR = OR(AND, NOR).
2. XOR learned from random initialisation (2-2-1), stepped per epoch for a player.
3. One-vs-rest on four classes: pedestrian, car, motorcycle, truck.
4. Digits 64-25-10 with held-out accuracy and the hidden units as pictures.
5. Gradient checking as in the course (3-5-3, five instances).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

import neurograph as ng


def _written(paths: list, p) -> None:
    paths.append(Path(p))
    print(f"   wrote {p}")


def run(out: Path, quick: bool = False) -> list[Path]:
    """Run the demo into ``out``; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    paths: list[Path] = []
    X4, _ = ng.data.truth_table("AND")

    print("== 1. The lecture's logic units: g(θ0 + θ1·x1 + θ2·x2)")
    for name, theta in {"AND": [-30, 20, 20], "OR": [-10, 20, 20],
                        "NOR": [10, -20, -20]}.items():
        net = ng.Network.from_thetas([[theta]])
        h = net.forward(X4, show=True).ravel()  # show: the unit shows this pass's z
        z = net.layers[1][0].z
        print(f"   {name:<4} θ = {theta}:  " +
              "  ".join(f"g({zi:+.0f}) = {hi:.4f}" for zi, hi in zip(z, h)))
    xnor = ng.Network.from_thetas([[[-30, 20, 20], [10, -20, -20]], [[-10, 20, 20]]])
    print(f"   XNOR = OR(AND, NOR): {xnor.forward(X4).ravel().round(4).tolist()}")
    _written(paths, xnor.render(out / "xnor_weights.svg", show="weights"))

    print("== 2. XOR learned from random initialisation (2-2-1, full batch, α = 2)")
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 2, 1], seed=3)
    trainer = ng.Trainer(net, alpha=2.0)
    steps = []
    for step in trainer.steps(X, y, every="epoch", epochs=600 if quick else 3000):
        if step.epoch % 25 == 0:
            steps.append(step)
        if step.cost < 0.05:
            steps.append(step)
            break
    h = trainer.history
    print(f"   {h.epochs} epochs: J {h.cost[0]:.4f} → {h.cost[-1]:.4f}, "
          f"predictions {net.predict(X).tolist()} (targets {y.tolist()})")
    trace = net.backward(X, y)
    for show in ("weights", "errors", "blame"):
        _written(paths, net.render(out / f"xor_{show}.svg", show=show, trace=trace))
    _written(paths, ng.player(steps, out / "xor_player.html", net=net, show="errors"))
    ng.save(net, out / "xor.ngz", trainer=trainer)
    _written(paths, out / "xor.ngz")

    print("   diagnosis of the trained network:", ng.diagnose(trainer, X, y))
    zero = ng.Network.from_architecture([2, 2, 1])
    zero.weights.theta[:] = 0
    zt = ng.Trainer(zero, alpha=2.0)
    zt.fit(X, y, epochs=200)
    print("   the same network initialised to 0 (broken on purpose):\n   "
          + str(ng.diagnose(zt, X, y)).replace("\n", "\n   "))

    print("== 3. One-vs-rest: pedestrian, car, motorcycle, truck (4-6-4)")
    Xc, yc, features, classes = ng.data.four_classes(400, seed=0)
    Xtr, Xte, ytr, yte = ng.data.train_test_split(Xc, yc, 0.25, seed=0)
    onet = ng.Network.from_architecture([4, 6, 4], seed=0, inputs=features, outputs=classes)
    onet.classes = classes
    ng.Trainer(onet, alpha=1.0, batch_size=20, seed=0).fit(Xtr, ytr, epochs=30 if quick else 100)
    acc = float((onet.predict(Xte) == yte).mean())
    print(f"   features {features}; held-out accuracy {acc:.3f}")
    hx = onet.forward(Xte[:1]).ravel()
    print(f"   h_Θ(x) for a {classes[yte[0]]}: {np.round(hx, 3).tolist()} → "
          f"{onet.predict(Xte[:1], names=True)[0]}")
    _written(paths, onet.render(out / "one_vs_rest_weights.svg", show="weights"))

    print("== 4. Digits 64-25-10 (8×8 images, held-out test set)")
    Xd, yd = ng.data.load_digits()
    Xtr, Xte, ytr, yte = ng.data.train_test_split(Xd, yd, 0.25, seed=0)
    dnet = ng.Network.from_architecture([64, 25, 10], seed=0)
    dh = ng.Trainer(dnet, alpha=0.5, batch_size=32, seed=0).fit(Xtr, ytr,
                                                                 epochs=10 if quick else 40)
    acc = float((dnet.predict(Xte) == yte).mean())
    print(f"   {dh.epochs} epochs, test accuracy {acc:.3f} on {len(yte)} images")
    _written(paths, ng.hidden_unit_grid(dnet, shape=(8, 8), path=out / "digits_hidden_units.png",
                                        labels=True))
    _written(paths, dnet.render(out / "digits_hidden_layer.svg", show="weights",
                                hidden_images=(8, 8)))
    ng.save(dnet, out / "digits.ngz")
    _written(paths, out / "digits.ngz")

    print("== 5. Gradient checking (3-5-3, five instances, λ = 1)")
    rng = np.random.default_rng(0)
    gnet = ng.Network.from_architecture([3, 5, 3], seed=0)
    report = ng.gradcheck(gnet, rng.normal(size=(5, 3)), [0, 1, 2, 0, 1], lam=1.0)
    print("   " + str(report).replace("\n", "\n   "))

    print(f"done in {time.perf_counter() - t0:.1f} s; output folder: {out.resolve()}")
    return paths
