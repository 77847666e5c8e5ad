"""neurograph's command line: train, draw and check networks from the shell.

Exit codes: 0 on success; 1 when a gradient check fails, training diverges
or a checkpoint holds non-finite weights; 2 for user errors (one clear line
on stderr, no traceback).
"""

from __future__ import annotations

import sys

from ..errors import NeurographError
from . import (
    check_backprop,
    data,
    demo,
    diagnose,
    explain,
    gradcheck,
    inspect,
    lesion,
    render,
    train,
)
from .options import Help, Parser

# the commands in the order ``--help`` lists them; each module registers its parser
COMMANDS = (demo, data, train, render, gradcheck, lesion, inspect, explain, check_backprop,
            diagnose)


def build_parser():
    """The ``neurograph`` command's parser: each command with a one-line description.

    >>> build_parser().parse_args(["lesion", "m.ngz", "d.csv", "--format", "md"]).format
    'md'
    """
    p = Parser(prog="neurograph", description=__doc__.splitlines()[0], formatter_class=Help)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add(sub)
    return p


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def main(argv=None) -> int:
    """Run the command line; returns the exit code.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "xor.csv")
    >>> main(["data", "xor", "--out", path])  # doctest: +ELLIPSIS
    wrote ...xor.csv: 4 instances, 2 features
    0
    """
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # a usage error (one line on stderr, 2) or --help (0)
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return args.func(args)
    except (NeurographError, FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        print(f"neurograph {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except OSError as exc:  # a disk full, a read-only folder: the user's to fix, not ours
        print(f"neurograph {args.command}: error: {exc.strerror or exc}"
              + (f": {exc.filename!r}" if exc.filename else ""), file=sys.stderr)
        return 2
    except MemoryError:
        print(f"neurograph {args.command}: error: out of memory; try a smaller "
              f"architecture or data set", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # pragma: no cover
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
