"""`neurograph diagnose`: why doesn't it learn? Findings per unit."""

from __future__ import annotations

import sys

import neurograph as ng

from .common import checkpoint_and_trainer, load_for
from .options import add_format, write


def add(sub) -> None:
    dg = sub.add_parser("diagnose", help="why doesn't it learn? findings per unit (exit 1 if any)")
    dg.add_argument("checkpoint")
    dg.add_argument("data", help="a CSV or NPZ file of instances and labels")
    add_format(dg, markdown_alias=True)
    dg.set_defaults(func=main)


def main(args) -> int:
    """Diagnose the checkpoint's network (and its trainer's run, when saved) on the data:
    print the findings; exit 0 when healthy, 1 when not."""
    net, trainer = checkpoint_and_trainer(args.checkpoint)
    X, y = load_for(net, args.data)
    d = ng.diagnose(trainer if trainer is not None else net, X, y)
    sys.stdout.write(write(d, args.format, f"neurograph diagnose {args.checkpoint}"))
    return 0 if d.ok else 1
