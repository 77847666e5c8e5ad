"""`neurograph gradcheck`: backprop compared with numerical gradients."""

from __future__ import annotations

import neurograph as ng

from .common import load_for
from .options import LAM, count, number


def add(sub) -> None:
    g = sub.add_parser("gradcheck", help="compare backprop with numerical gradients")
    g.add_argument("checkpoint")
    g.add_argument("data")
    g.add_argument("--lam", type=LAM, default=0.0)
    g.add_argument("--c", type=number(0, above=True), default=1e-4,
                   help="finite-difference step (default 1e-4)")
    g.add_argument("--max-instances", type=count, default=10)
    g.add_argument("--tol", type=number(0, above=True), default=1e-7,
                   help="pass when below (default 1e-7)")
    g.set_defaults(func=main)


def main(args) -> int:
    net = ng.load(args.checkpoint)
    X, y = load_for(net, args.data)
    X, y = X[: args.max_instances], y[: args.max_instances]
    report = ng.gradcheck(net, X, y, lam=args.lam, c=args.c)
    print(report)
    ok = report.rel_diff < args.tol
    print("OK: backprop matches the numerical gradient" if ok else
          f"FAILED: relative difference {report.rel_diff:.2e} ≥ {args.tol:g}")
    return 0 if ok else 1
