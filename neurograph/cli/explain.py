"""`neurograph explain` (one backprop step written out) and `neurograph textbook`.

>>> import argparse
>>> p = argparse.ArgumentParser(prog="neurograph"); sub = p.add_subparsers(dest="command")
>>> add(sub)
>>> p.parse_args(["explain", "m.ngz", "--x", "0.05,0.10", "--y", "0.01,0.99"]).format
'text'
"""

from __future__ import annotations

import re
import sys

import numpy as np

from ..checkpoint import load
from ..errors import InputValueError, LabelError, NeurographError
from ..teaching import textbook
from ..teaching.hints import for_cli
from ..teaching.worked import MAX_LINKS, explain
from .options import FORMATS, LAM, number


def parse_rows(text: str, what: str) -> np.ndarray:
    """"0.05,0.10" → [[0.05, 0.10]]; instances separated by ';'."""
    try:
        rows = [[float(v) for v in row.split(",") if v.strip()] for row in text.split(";")]
    except ValueError:
        raise InputValueError(f"{what} must be numbers like 0.05,0.10 (instances separated "
                              f"by ';'), got {text!r}") from None
    if not rows or any(len(r) != len(rows[0]) or not r for r in rows):
        raise InputValueError(f"{what} needs the same number of values in every instance, "
                              f"got {text!r}")
    return np.array(rows)


def targets(text: str, n: int, K: int):
    """n·K values are target rows; n whole numbers are class labels."""
    vals = parse_rows(text, "--y").ravel()
    if vals.size == n * K:
        return vals.reshape(n, K)
    if vals.size == n and np.all(vals == np.round(vals)):
        return vals.astype(int)
    raise LabelError(f"--y needs {n * K} target values ({n} instance(s) × {K} outputs) or "
                     f"{n} class label(s), got {vals.size}")


def _explain(args) -> int:
    net = load(args.checkpoint)
    X = parse_rows(args.x, "--x")
    y = targets(args.y, X.shape[0], len(net.outputs))
    # a grid unit's name has commas of its own: "c1[0, 1, 1]"
    units = [u.strip() for u in re.split(r",(?![^\[]*\])", args.units) if u.strip()] \
        if args.units else None
    try:
        we = explain(net, X, y, alpha=args.alpha, lam=args.lam, loss=args.loss,
                     digits=args.digits, units=units, max_links=args.max_links)
    except NeurographError as exc:  # its hints name Python arguments: say the flags instead
        raise for_cli(exc) from None
    text = {"text": we.to_text, "md": we.to_markdown, "html": we.to_html}[args.format]()
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def _textbook(args) -> int:
    return 0 if textbook.run().ok else 1


def add(sub) -> None:
    """Register ``explain`` and ``textbook`` on the command line's sub-parsers."""
    e = sub.add_parser("explain", help="one backprop step written out: J, δ, blame, Δ, D, Θ")
    e.add_argument("checkpoint")
    e.add_argument("--x", required=True,
                   help="the instance, e.g. 0.05,0.10 (several: ';' between; negative "
                        "first value: --x=-1,2)")
    e.add_argument("--y", required=True,
                   help="targets, e.g. 0.01,0.99, or a class label per instance")
    e.add_argument("--alpha", type=number(0, above=True), default=None,
                   help="learning rate α: also write the updated Θ")
    e.add_argument("--lam", type=LAM, default=0.0, help="regularization λ (default 0)")
    e.add_argument("--loss", default="auto", help="auto | cross_entropy | mse")
    e.add_argument("--format", choices=FORMATS, default="text")
    e.add_argument("--digits", type=number(1, 17, whole=True), default=9,
                   help="significant digits (default 9)")
    e.add_argument("--units", default=None,
                   help="only these units, e.g. a3_1,a3_2 or 'c1[0, 1, 1]' (for networks too big "
                        "to write out)")
    e.add_argument("--max-links", type=number(1, whole=True), default=MAX_LINKS,
                   help=f"refuse to write out more links than this (default {MAX_LINKS})")
    e.set_defaults(func=_explain)

    t = sub.add_parser("textbook",
                       help="reproduce published worked examples (exit 0 if all agree)")
    t.set_defaults(func=_textbook)
