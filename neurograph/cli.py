"""neurograph's command line: demo, train, render, gradcheck, inspect.

Exit codes: 0 on success, 1 when a gradient check fails, 2 for user errors
(one clear line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .errors import ConfigError, NeurographError


def _arch(text: str) -> list[int]:
    try:
        s = [int(k) for k in text.replace(",", "-").split("-") if k]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an architecture like 64-25-10, got {text!r}") from None
    if len(s) < 2 or min(s) < 1:
        raise argparse.ArgumentTypeError(
            f"expected ≥ 2 layer sizes ≥ 1 like 64-25-10, got {text!r}")
    return s


def _train(args) -> int:
    import numpy as np

    import neurograph as ng

    X, y = ng.data.load_dataset(args.data)
    s = args.arch
    if s[0] != X.shape[1]:
        raise ConfigError(f"the architecture has {s[0]} inputs, the data {X.shape[1]} features")
    net = ng.Network.from_architecture(s, activation=args.activation, seed=args.seed)
    trainer = ng.Trainer(net, alpha=args.alpha, lam=args.lam, batch_size=args.batch_size,
                         momentum=args.momentum, seed=args.seed)
    history = trainer.fit(X, y, epochs=args.epochs, progress=None)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    ng.save(net, out, trainer=trainer)
    acc = float((net.predict(X) == y).mean()) if np.asarray(y).ndim == 1 else None
    report = {"architecture": s, "epochs": history.epochs, "stopped": history.stopped,
              "J_first": history.cost[0], "J_last": history.cost[-1],
              "train_accuracy": acc, "alpha": args.alpha, "lam": args.lam,
              "batch_size": args.batch_size, "seed": args.seed, "checkpoint": str(out)}
    report_path = out.with_suffix(".report.json")
    ng.data.atomic_write(str(report_path), json.dumps(report, indent=1).encode())
    print(f"trained s = {s} for {history.epochs} epochs ({history.stopped}): "
          f"J {history.cost[0]:.4f} → {history.cost[-1]:.4f}"
          + ("" if acc is None else f", training accuracy {acc:.3f}"))
    print(f"checkpoint: {out}\nreport:     {report_path}")
    return 0


def _render(args) -> int:
    import neurograph as ng

    net = ng.load(args.checkpoint)
    trace = None
    if args.data is not None:
        X, y = ng.data.load_dataset(args.data)
        trace = net.backward(X, y)
    out = net.render(args.out, show=args.show, trace=trace)
    print(f"wrote {out}")
    return 0


def _gradcheck(args) -> int:
    import neurograph as ng

    net = ng.load(args.checkpoint)
    X, y = ng.data.load_dataset(args.data)
    X, y = X[: args.max_instances], y[: args.max_instances]
    report = ng.gradcheck(net, X, y, lam=args.lam, c=args.c)
    print(report)
    ok = report.rel_diff < args.tol
    print("OK: backprop matches the numerical gradient" if ok else
          f"FAILED: relative difference {report.rel_diff:.2e} ≥ {args.tol:g}")
    return 0 if ok else 1


def _inspect(args) -> int:
    import neurograph as ng

    try:
        net, trainer = ng.load(args.checkpoint, trainer=True)
    except ng.FileFormatError as exc:
        if "no trainer state" not in str(exc):
            raise
        net, trainer = ng.load(args.checkpoint), None
    print(f"{args.checkpoint}: {net!r}")
    net.summary()
    if trainer is not None:
        h = trainer.history
        last = f", J = {h.cost[-1]:.6g}" if h.cost else ""
        print(f"trainer: {trainer!r}; {h.epochs} epochs recorded{last}")
    return 0


def _demo(args) -> int:
    from .demo import run

    run(Path(args.out), quick=args.quick)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="neurograph", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    d = sub.add_parser("demo", help="the lecture end to end: units, XOR, one-vs-rest, digits, "
                                    "gradient check, diagrams and a training player")
    d.add_argument("--out", default="out/demo", help="output folder (default: out/demo)")
    d.add_argument("--quick", action="store_true", help="fewer epochs (for tests)")
    d.set_defaults(func=_demo)

    t = sub.add_parser("train", help="train a layered network on a CSV or NPZ file")
    t.add_argument("arch", type=_arch, help="architecture s, e.g. 64-25-10")
    t.add_argument("data", help="data file: .csv (header, label column 'y' or last) or .npz (X, y)")
    t.add_argument("--epochs", type=int, default=200)
    t.add_argument("--alpha", type=float, default=1.0, help="learning rate α (default 1.0)")
    t.add_argument("--lam", type=float, default=0.0, help="regularization λ (default 0)")
    t.add_argument("--batch-size", type=int, default=None, help="default: full batch")
    t.add_argument("--momentum", type=float, default=0.0)
    t.add_argument("--activation", default="sigmoid")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--out", default="model.ngz", help="checkpoint to write (default model.ngz)")
    t.set_defaults(func=_train)

    r = sub.add_parser("render", help="draw a checkpoint's network (svg, png, pdf or dot)")
    r.add_argument("checkpoint")
    r.add_argument("--show", default="weights",
                   help="structure|weights|activations|errors|blame|gradients")
    r.add_argument("--data", help="data file for activations, errors, blame, gradients")
    r.add_argument("--out", default="network.svg", help="output file; format by extension")
    r.set_defaults(func=_render)

    g = sub.add_parser("gradcheck", help="compare backprop with numerical gradients")
    g.add_argument("checkpoint")
    g.add_argument("data")
    g.add_argument("--lam", type=float, default=0.0)
    g.add_argument("--c", type=float, default=1e-4, help="finite-difference step (default 1e-4)")
    g.add_argument("--max-instances", type=int, default=10)
    g.add_argument("--tol", type=float, default=1e-7, help="pass when below (default 1e-7)")
    g.set_defaults(func=_gradcheck)

    i = sub.add_parser("inspect", help="print a checkpoint's summary table")
    i.add_argument("checkpoint")
    i.set_defaults(func=_inspect)

    from .explain.cli import add_parsers as explain_parsers

    explain_parsers(sub)  # explain, textbook
    return p


def main(argv=None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (NeurographError, FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        print(f"neurograph {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # pragma: no cover
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
