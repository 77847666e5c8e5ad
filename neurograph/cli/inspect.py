"""`neurograph inspect`: a checkpoint's summary table."""

from __future__ import annotations

import numpy as np

from .common import checkpoint_and_trainer, where


def add(sub) -> None:
    i = sub.add_parser("inspect", help="print a checkpoint's summary table")
    i.add_argument("checkpoint")
    i.set_defaults(func=main)


def main(args) -> int:
    net, trainer = checkpoint_and_trainer(args.checkpoint)
    bad = [k for k in net.links if not np.isfinite(k.weight)]
    print(f"{args.checkpoint}: {net!r}")
    net.summary()
    if net.classes is not None:
        print(f"classes: {', '.join(net.classes)}")
    if trainer is not None:
        h = trainer.history
        last = f", J = {h.cost[-1]:.6g}" if h.cost else ""
        print(f"trainer: {trainer!r}; {h.epochs} epochs recorded{last}")
    if bad:
        print(f"NON-FINITE WEIGHTS: {len(bad)} of {net.n_links} are NaN or inf "
              f"({where(bad)}); training diverged: retrain with a smaller α")
        return 1
    return 0
