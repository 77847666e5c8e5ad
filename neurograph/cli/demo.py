"""`neurograph demo`: the lecture end to end, printed and drawn."""

from __future__ import annotations

from ..demo import run
from .common import out_path


def add(sub) -> None:
    d = sub.add_parser("demo", help="the lecture end to end: XOR, digits, diagrams, a player")
    d.add_argument("--out", default="out/demo", help="output folder (default: out/demo)")
    d.add_argument("--quick", action="store_true", help="fewer epochs (for tests)")
    d.set_defaults(func=main)


def main(args) -> int:
    run(out_path(args.out, folder=True), quick=args.quick)
    return 0
