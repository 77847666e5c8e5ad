"""`neurograph train`: a layered network trained on a data file, saved with a report."""

from __future__ import annotations

import json
import sys

import numpy as np

import neurograph as ng

from ..errors import ConfigError, NonFiniteError
from ..io import atomic_write
from .common import check_memory, json_finite, network, out_path
from .options import LAM, SEED, count, layer_sizes, number


def add(sub) -> None:
    t = sub.add_parser("train", help="train a layered network on a CSV or NPZ file")
    t.add_argument("arch", type=layer_sizes, help="architecture s, e.g. 64-25-10")
    t.add_argument("data", help="data file: .csv (header, label column 'y' or last) or .npz (X, y)")
    t.add_argument("--epochs", type=count, default=200)
    t.add_argument("--alpha", type=number(0), default=1.0, help="learning rate α (default 1.0)")
    t.add_argument("--lam", type=LAM, default=0.0, help="regularization λ (default 0)")
    t.add_argument("--batch-size", type=count, default=None, help="default: full batch")
    t.add_argument("--momentum", type=number(0, 1, below=True), default=0.0,
                   help="in [0, 1) (default 0)")
    t.add_argument("--activation", default="sigmoid")
    t.add_argument("--seed", type=SEED, default=0)
    t.add_argument("--out", default="model.ngz", help="checkpoint to write (default model.ngz)")
    t.set_defaults(func=main)


def main(args) -> int:
    X, y, names = ng.data.load_dataset(args.data, classes=True)
    s = args.arch
    if s[0] != X.shape[1]:
        raise ConfigError(f"the architecture has {s[0]} inputs, the data {X.shape[1]} features")
    if names is not None and len(names) != (2 if s[-1] == 1 else s[-1]):
        raise ConfigError(f"the data have {len(names)} classes ({', '.join(names[:6])}), "
                          f"the architecture {s[-1]} output unit(s)")
    out = out_path(args.out)
    check_memory(s, X.shape[0])
    net = network(ng, s, args, names)
    trainer = ng.Trainer(net, alpha=args.alpha, lam=args.lam, batch_size=args.batch_size,
                         momentum=args.momentum, seed=args.seed)
    try:
        history = trainer.fit(X, y, epochs=args.epochs, progress=None)
    except NonFiniteError as exc:  # a trainer that raises instead of recording it
        print(f"neurograph train: training diverged: {exc}", file=sys.stderr)
        return 1
    diverged = history.stopped == "diverged"
    if names is not None:
        net.classes = names
    ng.save(net, out, trainer=trainer)
    J = None
    if not diverged:
        # J of the saved weights: the history's last entry is the mean over the
        # epoch's batches, taken before each batch's step
        J = float(net.cost(X, y, lam=args.lam))
    acc = (float((net.predict(X) == y).mean())
           if np.asarray(y).ndim == 1 and not diverged else None)
    report = {"architecture": s, "epochs": history.epochs, "stopped": history.stopped,
              "J_first": history.cost[0] if history.cost else None, "J_final": J,
              "J_history_last": history.cost[-1] if history.cost else None,
              "train_accuracy": acc, "classes": list(names) if names else None,
              "alpha": args.alpha, "lam": args.lam, "batch_size": args.batch_size,
              "seed": args.seed, "checkpoint": str(out)}
    if diverged:
        report["diverged_at"] = list(getattr(history, "diverged_at", None) or []) or None
    report_path = out.with_suffix(".report.json")
    atomic_write(str(report_path),
                         json.dumps(json_finite(report), indent=1, allow_nan=False).encode())
    if diverged:
        at = getattr(history, "diverged_at", None)
        where = f" at epoch {at[0]}, batch {at[1]}" if at else ""
        print(f"neurograph train: training diverged{where} (J or a weight became NaN or "
              f"inf); try a smaller --alpha; checkpoint {out}, report {report_path}",
              file=sys.stderr)
        return 1
    J0 = history.cost[0]
    print(f"trained s = {s} for {history.epochs} epochs ({history.stopped}): "
          f"J {J0:.4f} → {J:.10g}"
          + ("" if acc is None else f", training accuracy {acc:.3f}"))
    print(f"checkpoint: {out}\nreport:     {report_path}")
    return 0
