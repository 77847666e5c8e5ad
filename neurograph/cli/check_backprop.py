"""The sub-command ``neurograph check-backprop student.py --arch 3-5-3 --lam 1``.

Loads the function ``backprop(thetas, X, Y, lam)`` from the student's file, checks
it with :func:`~neurograph.teaching.check.check_backprop` on a seeded network and
data, prints the report and exits 0 when every entry agrees, 1 when not.

>>> import argparse
>>> p = argparse.ArgumentParser(prog="neurograph"); sub = p.add_subparsers(dest="command")
>>> add(sub)
>>> p.parse_args(["check-backprop", "student.py", "--arch", "2-3-1"]).arch
[2, 3, 1]
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from pathlib import Path

import numpy as np

from ..errors import ConfigError
from ..model import Network
from ..teaching.check import check_backprop
from .options import FORMATS, LAM, SEED, count, layer_sizes


def load_function(path, name: str = "backprop"):
    """(the function ``name`` from the file ``path``, None) or (None, the traceback of
    the file failing to load)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(2, "no such file", str(path))
    spec = importlib.util.spec_from_file_location(f"_student_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # the student's file may fail in any way: it is reported
        return None, "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    fn = getattr(module, name, None)
    if not callable(fn):
        found = sorted(k for k, v in vars(module).items() if callable(v) and not k.startswith("_"))
        raise ConfigError(f"{path.name} must define a function {name}(thetas, X, Y, lam); "
                          f"it defines: {', '.join(found) or 'no functions'}")
    return fn, None


def _check(args) -> int:
    fn, failed = load_function(args.student, args.function)
    if fn is None:
        sys.stdout.write(f"{args.student} failed to load:\n{failed}")
        return 1
    net = Network.from_architecture(args.arch, seed=args.seed)
    rng = np.random.default_rng(args.seed)
    X = rng.normal(size=(args.instances, args.arch[0]))
    y = rng.integers(0, max(2, args.arch[-1]), size=args.instances)
    r = check_backprop(fn, net, X, y, lam=args.lam)
    text = {"text": r.__str__, "md": r.to_markdown, "html": r.to_html}[args.format]()
    sys.stdout.write(text + "\n")
    return 0 if r.ok else 1


def add(sub) -> None:
    """Register ``check-backprop``."""
    c = sub.add_parser("check-backprop", help="check a student's backprop, entry by entry")
    c.add_argument("student", help="a Python file defining backprop(thetas, X, Y, lam)")
    c.add_argument("--arch", type=layer_sizes, default=[3, 5, 3],
                   help="architecture (default 3-5-3)")
    c.add_argument("--lam", type=LAM, default=0.0, help="regularization λ (default 0)")
    c.add_argument("--instances", type=count, default=5, help="instances (default 5)")
    c.add_argument("--seed", type=SEED, default=0, help="seed of the network and data")
    c.add_argument("--function", default="backprop", help="the function's name")
    c.add_argument("--format", choices=FORMATS, default="text")
    c.set_defaults(func=_check)
