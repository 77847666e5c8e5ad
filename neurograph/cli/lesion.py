"""`neurograph lesion`: each hidden unit silenced in turn, ΔJ and Δaccuracy."""

from __future__ import annotations

import sys

import neurograph as ng

from .common import load_for, out_path
from .options import LAM, add_format, write


def add(sub) -> None:
    les = sub.add_parser("lesion", help="silence each hidden unit in turn: ΔJ and Δaccuracy")
    les.add_argument("checkpoint")
    les.add_argument("data")
    les.add_argument("--lam", type=LAM, default=0.0)
    add_format(les, markdown_alias=True)
    les.add_argument("--out", help="also draw units by ΔJ (svg, png, pdf or dot)")
    les.set_defaults(func=main)


def main(args) -> int:
    net = ng.load(args.checkpoint)
    X, y = load_for(net, args.data)
    study = ng.lesion_study(net, X, y, lam=args.lam)
    sys.stdout.write(write(study, args.format, f"neurograph lesion {args.checkpoint}"))
    if args.out:
        net.render(out_path(args.out), values=study.values(),
                         label="ΔJ when silenced")
        print(f"wrote {args.out}")
    if not study.finite:  # a table of undefined effects is not a result
        print("neurograph lesion: J is not finite: ΔJ ranks only the rows where both J are "
              "finite (see the table)", file=sys.stderr)
        return 1
    return 0
