"""`neurograph data`: a built-in data set written to a .csv or .npz file."""

from __future__ import annotations

import neurograph as ng

from .common import out_path
from .options import SEED, count


def add(sub) -> None:
    f = sub.add_parser("data", help="write a built-in data set to a .csv or .npz file")
    f.add_argument("name", help=f"one of {', '.join(DATA_SETS)}")
    f.add_argument("--out", help="file to write, .csv or .npz (default NAME.csv)")
    f.add_argument("--n", type=count, default=400, help="four_classes: instances (default 400)")
    f.add_argument("--seed", type=SEED, default=0, help="four_classes: seed (default 0)")
    f.set_defaults(func=main)


DATA_SETS = ("digits", "four_classes", "NOT", "AND", "OR", "NOR", "NAND", "XOR", "XNOR")


def main(args) -> int:
    name = args.name.lower().replace("-", "_")
    out = out_path(args.out or f"{name}.csv")
    classes = None
    if name == "digits":
        X, y = ng.data.load_digits()
    elif name == "four_classes":
        X, y, _, classes = ng.data.four_classes(args.n, seed=args.seed)
    else:
        X, y = ng.data.truth_table(args.name)
    ng.data.save_dataset(out, X, y, classes=classes)
    print(f"wrote {out}: {X.shape[0]} instances, {X.shape[1]} features"
          + (f", classes {', '.join(classes)}" if classes else ""))
    return 0
