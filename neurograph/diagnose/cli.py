"""``neurograph diagnose CKPT DATA``: print the findings; exit 0 when healthy, 1 when not."""

from __future__ import annotations


def add_parser(sub) -> None:
    """Register the ``diagnose`` sub-command on an argparse sub-parsers object."""
    p = sub.add_parser("diagnose", help="why doesn't it learn? findings per unit; exit 1 "
                                        "when there are any")
    p.add_argument("checkpoint")
    p.add_argument("data", help="a CSV or NPZ file of instances and labels")
    p.add_argument("--markdown", action="store_true", help="print the findings as Markdown")
    p.set_defaults(func=run)


def run(args) -> int:
    """Diagnose the checkpoint's network (and its trainer's run, when saved) on the data.

    >>> import os, tempfile, neurograph as ng
    >>> from neurograph.cli import main
    >>> d = tempfile.mkdtemp(); net = ng.Network.from_architecture([2, 2, 1], seed=3)
    >>> main(["data", "xor", "--out", os.path.join(d, "x.csv")])  # doctest: +ELLIPSIS
    wrote ...
    0
    >>> ng.save(net, os.path.join(d, "n.ngz"))
    >>> main(["diagnose", os.path.join(d, "n.ngz"), os.path.join(d, "x.csv")])
    ... # doctest: +ELLIPSIS
    Diagnosis of Network(s=[2, 2, 1], ...): healthy (no findings)
    0
    """
    import neurograph as ng

    from ..cli import _load_for

    trainer = None
    try:
        net, trainer = ng.load(args.checkpoint, trainer=True)
    except ng.FileFormatError as exc:
        if "no trainer state" not in str(exc):
            raise
        net = ng.load(args.checkpoint)
    X, y = _load_for(net, args.data)
    d = ng.diagnose(trainer if trainer is not None else net, X, y)
    print(d.to_markdown() if args.markdown else d)
    return 0 if d.ok else 1
