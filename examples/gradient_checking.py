"""Gradient checking as in the course: input 3, hidden 5, outputs 3, five instances.

Centred differences (J(θ_i + c) − J(θ_i − c)) / 2c with c = 1e-4 for every
parameter, against backprop's D(l). Slow — two passes per parameter — so
use it to check, then turn it off before training.

Run:  python examples/gradient_checking.py
"""

from __future__ import annotations

import numpy as np

import neurograph as ng


def main() -> dict:
    rng = np.random.default_rng(0)
    net = ng.Network.from_architecture([3, 5, 3], seed=0)
    X = rng.normal(size=(5, 3))
    y = np.array([0, 1, 2, 0, 1])
    reports = {}
    for lam in (0.0, 3.0):
        report = ng.gradcheck(net, X, y, lam=lam)
        reports[lam] = report
        print(f"λ = {lam}:")
        print(report)
        print("OK" if report.rel_diff < 1e-9 else "MISMATCH: backprop is wrong", "\n")
    return reports


if __name__ == "__main__":
    main()
