"""The command line: ``neurograph demo`` runs the lecture end to end.

Exit codes: 0 on success, 2 for user errors (one clear line, no traceback).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .errors import NeurographError


def _demo(args) -> int:
    import numpy as np

    import neurograph as ng

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    print("== 1. The lecture's logic units (weights from the slides)")
    X, _ = ng.data.truth_table("AND")
    for name, (bias, w) in {"AND": (-30, [20, 20]), "OR": (-10, [20, 20]),
                            "NOR": (10, [-20, -20])}.items():
        net = ng.Network.from_thetas([[[bias, *w]]])
        print(f"   {name:<4} h = {net.forward(X).ravel().round(4).tolist()}")
    xnor = ng.Network.from_thetas([[[-30, 20, 20], [10, -20, -20]], [[-10, 20, 20]]])
    print(f"   XNOR = OR(AND, NOR): h = {xnor.forward(X).ravel().round(4).tolist()}")

    print("== 2. XOR learned from random initialisation (2-2-1, full batch)")
    X, y = ng.data.truth_table("XOR")
    net = ng.Network.from_architecture([2, 2, 1], seed=3)
    h = ng.Trainer(net, alpha=2.0).fit(X, y, epochs=5000,
                                       on_epoch_end=lambda t, hist: hist.cost[-1] < 0.05)
    print(f"   {h.epochs} epochs, J = {h.cost[-1]:.4f}, predictions {net.predict(X).tolist()}")
    ng.save(net, out / "xor.ngz")

    print("== 3. Gradient checking (3-5-3, five instances)")
    rng = np.random.default_rng(0)
    gnet = ng.Network.from_architecture([3, 5, 3], seed=0)
    report = ng.gradcheck(gnet, rng.normal(size=(5, 3)), [0, 1, 2, 0, 1], lam=1.0)
    print(f"   ‖num − bp‖/‖num + bp‖ = {report.rel_diff:.2e}")

    print("== 4. Digits 64-25-10")
    Xd, yd = ng.data.load_digits()
    Xtr, Xte, ytr, yte = ng.data.train_test_split(Xd, yd, 0.25, seed=0)
    dnet = ng.Network.from_architecture([64, 25, 10], seed=0)
    ng.Trainer(dnet, alpha=0.5, batch_size=32, seed=0).fit(Xtr, ytr, epochs=40)
    acc = float((dnet.predict(Xte) == yte).mean())
    print(f"   test accuracy {acc:.3f} on {len(yte)} held-out images")
    ng.save(dnet, out / "digits.ngz")
    print(f"done in {time.perf_counter() - t0:.1f} s; files in {out}/:")
    for p in sorted(out.iterdir()):
        print(f"   {p}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="neurograph", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    d = sub.add_parser("demo", help="run the lecture end to end and write the results")
    d.add_argument("--out", default="out/demo", help="output folder (default: out/demo)")
    d.set_defaults(func=_demo)
    return p


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (NeurographError, FileNotFoundError) as exc:
        print(f"neurograph: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
