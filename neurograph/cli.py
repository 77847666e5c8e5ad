"""neurograph's command line: train, draw and check networks from the shell.

Exit codes: 0 on success; 1 when a gradient check fails, training diverges
or a checkpoint holds non-finite weights; 2 for user errors (one clear line
on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

from .cli_options import Help, Parser, add_format, count, layer_sizes, number, write
from .errors import ConfigError, NeurographError, NonFiniteError
from .io import atomic_write

# peak bytes per parameter while building, training and saving: the link's
# object in the graph (~500 B measured), its weight, gradient, velocity and
# its entry in the checkpoint's structure
_BYTES_PER_PARAMETER = 600
_BYTES_PER_UNIT_VALUE = 32  # z, a, δ and a workspace copy per instance and unit, float64


def _out_path(path, what: str = "--out", folder: bool = False) -> Path:
    """``path`` checked before any work: no file where a folder must be, and the reverse."""
    path = Path(path)
    for parent in path.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise ConfigError(f"{what} {str(path)!r}: {str(parent)!r} is a file, "
                                  f"expected a folder there")
            break
    if path.exists() and path.is_dir() != folder:
        raise ConfigError(f"{what} {str(path)!r} is a {'file' if folder else 'folder'}, "
                          f"expected a {'folder' if folder else 'file name'}")
    return path


def _available_bytes() -> int | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def _check_memory(s: list[int], n: int) -> None:
    """Refuse, before allocating anything, an architecture larger than the memory."""
    params = sum(b * (a + 1) for a, b in zip(s, s[1:]))
    need = _BYTES_PER_PARAMETER * params + _BYTES_PER_UNIT_VALUE * n * sum(s)
    have = _available_bytes()
    if have is not None and need > have:
        arch = "-".join(map(str, s))
        raise ConfigError(f"the architecture {arch} has {params:,} parameters and needs about "
                          f"{need / 2**30:,.1f} GiB of memory for {n} instances; "
                          f"{have / 2**30:,.1f} GiB are available")


def _finite(v):
    """JSON's own values: NaN and inf become null (json.dumps would write bare NaN)."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: _finite(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_finite(x) for x in v]
    return v


def _load_for(net, path):
    """(X, y) of a data file; class-name labels mapped to the network's output units."""
    import numpy as np

    from .data import load_dataset
    from .errors import LabelError

    X, y, names = load_dataset(path, classes=True)
    if names is None or net.classes is None:
        return X, y  # the sorted codes, as train made them
    index = {c: k for k, c in enumerate(net.classes)}
    unknown = [c for c in names if c not in index]
    if unknown:
        raise LabelError(f"{path}: class {unknown[0]!r} is not one of the network's classes "
                         f"{list(net.classes)}")
    return X, np.array([index[c] for c in names])[y]


def _train(args) -> int:
    import numpy as np

    import neurograph as ng

    X, y, names = ng.data.load_dataset(args.data, classes=True)
    s = args.arch
    if s[0] != X.shape[1]:
        raise ConfigError(f"the architecture has {s[0]} inputs, the data {X.shape[1]} features")
    if names is not None and len(names) != (2 if s[-1] == 1 else s[-1]):
        raise ConfigError(f"the data have {len(names)} classes ({', '.join(names[:6])}), "
                          f"the architecture {s[-1]} output unit(s)")
    out = _out_path(args.out)
    _check_memory(s, X.shape[0])
    net = _network(ng, s, args, names)
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
                         json.dumps(_finite(report), indent=1, allow_nan=False).encode())
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


def _render(args) -> int:
    import neurograph as ng

    from .render.diagrams import NEEDS_TRACE

    out = _out_path(args.out)
    if args.show in NEEDS_TRACE and args.data is None:
        raise ConfigError(f"--show {args.show} draws the values of a pass: give --data FILE "
                          f"(a CSV or NPZ file of instances and labels)")
    net = ng.load(args.checkpoint)
    trace = None
    if args.data is not None:
        X, y = _load_for(net, args.data)
        trace = net.backward(X, y)
    written = net.render(out, show=args.show, trace=trace)
    print(f"wrote {written}")
    return 0


def _gradcheck(args) -> int:
    import neurograph as ng

    net = ng.load(args.checkpoint)
    X, y = _load_for(net, args.data)
    X, y = X[: args.max_instances], y[: args.max_instances]
    report = ng.gradcheck(net, X, y, lam=args.lam, c=args.c)
    print(report)
    ok = report.rel_diff < args.tol
    print("OK: backprop matches the numerical gradient" if ok else
          f"FAILED: relative difference {report.rel_diff:.2e} ≥ {args.tol:g}")
    return 0 if ok else 1


def _lesion(args) -> int:
    import neurograph as ng

    net = ng.load(args.checkpoint)
    X, y = _load_for(net, args.data)
    study = ng.lesion_study(net, X, y, lam=args.lam)
    sys.stdout.write(write(study, args.format, f"neurograph lesion {args.checkpoint}"))
    if args.out:
        net.render(_out_path(args.out), values=study.values(),
                         label="ΔJ when silenced")
        print(f"wrote {args.out}")
    if not study.finite:  # a table of undefined effects is not a result
        print("neurograph lesion: J is not finite: ΔJ ranks only the rows where both J are "
              "finite (see the table)", file=sys.stderr)
        return 1
    return 0


def _where(links) -> str:
    """'3 in Θ(1), 1 in Θ(2)' for a layered network, else the links' names."""
    links = list(links)
    if links and links[0].target.network.is_layered:
        per: dict[int, int] = {}
        for k in links:
            per[k.target.layer - 1] = per.get(k.target.layer - 1, 0) + 1
        return ", ".join(f"{c} in Θ({l})" for l, c in sorted(per.items()))
    names = [f"{'+1' if k.is_bias else k.source.name}→{k.target.name}" for k in links]
    return ", ".join(names[:8]) + (f", … ({len(names) - 8} more)" if len(names) > 8 else "")


def _network(ng, s, args, names):
    """The network to train; its output units carry the class names when there is one
    unit per class and the names can be node names."""
    if names is not None and len(names) == s[-1]:
        try:
            return ng.Network.from_architecture(s, activation=args.activation, seed=args.seed,
                                                outputs=list(names))
        except ng.TopologyError:  # a class name that cannot name a unit (say "x1")
            pass
    return ng.Network.from_architecture(s, activation=args.activation, seed=args.seed)


def _checkpoint(path):
    """(network, its trainer or None when the checkpoint holds none)."""
    import neurograph as ng

    try:
        return ng.load(path, trainer=True)
    except ng.FileFormatError as exc:
        if "no trainer state" not in str(exc):
            raise
        return ng.load(path), None


def _inspect(args) -> int:
    import numpy as np


    net, trainer = _checkpoint(args.checkpoint)
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
              f"({_where(bad)}); training diverged: retrain with a smaller α")
        return 1
    return 0


def _diagnose(args) -> int:
    """Diagnose the checkpoint's network (and its trainer's run, when saved) on the data:
    print the findings; exit 0 when healthy, 1 when not."""
    import neurograph as ng

    net, trainer = _checkpoint(args.checkpoint)
    X, y = _load_for(net, args.data)
    d = ng.diagnose(trainer if trainer is not None else net, X, y)
    sys.stdout.write(write(d, args.format, f"neurograph diagnose {args.checkpoint}"))
    return 0 if d.ok else 1


def _demo(args) -> int:
    from .demo import run

    run(_out_path(args.out, folder=True), quick=args.quick)
    return 0


DATA_SETS = ("digits", "four_classes", "NOT", "AND", "OR", "NOR", "NAND", "XOR", "XNOR")


def _data(args) -> int:
    import neurograph as ng

    name = args.name.lower().replace("-", "_")
    out = _out_path(args.out or f"{name}.csv")
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


def build_parser() -> argparse.ArgumentParser:
    """The ``neurograph`` command's parser: each command with a one-line description.

    >>> build_parser().parse_args(["lesion", "m.ngz", "d.csv", "--format", "md"]).format
    'md'
    """
    p = Parser(prog="neurograph", description=__doc__.splitlines()[0], formatter_class=Help)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    lam = number(0)  # λ, as net.cost takes it
    seed = number(0, whole=True)  # numpy's generators take seeds ≥ 0

    d = sub.add_parser("demo", help="the lecture end to end: XOR, digits, diagrams, a player")
    d.add_argument("--out", default="out/demo", help="output folder (default: out/demo)")
    d.add_argument("--quick", action="store_true", help="fewer epochs (for tests)")
    d.set_defaults(func=_demo)

    f = sub.add_parser("data", help="write a built-in data set to a .csv or .npz file")
    f.add_argument("name", help=f"one of {', '.join(DATA_SETS)}")
    f.add_argument("--out", help="file to write, .csv or .npz (default NAME.csv)")
    f.add_argument("--n", type=count, default=400, help="four_classes: instances (default 400)")
    f.add_argument("--seed", type=seed, default=0, help="four_classes: seed (default 0)")
    f.set_defaults(func=_data)

    t = sub.add_parser("train", help="train a layered network on a CSV or NPZ file")
    t.add_argument("arch", type=layer_sizes, help="architecture s, e.g. 64-25-10")
    t.add_argument("data", help="data file: .csv (header, label column 'y' or last) or .npz (X, y)")
    t.add_argument("--epochs", type=count, default=200)
    t.add_argument("--alpha", type=number(0), default=1.0, help="learning rate α (default 1.0)")
    t.add_argument("--lam", type=lam, default=0.0, help="regularization λ (default 0)")
    t.add_argument("--batch-size", type=count, default=None, help="default: full batch")
    t.add_argument("--momentum", type=number(0, 1, below=True), default=0.0,
                   help="in [0, 1) (default 0)")
    t.add_argument("--activation", default="sigmoid")
    t.add_argument("--seed", type=seed, default=0)
    t.add_argument("--out", default="model.ngz", help="checkpoint to write (default model.ngz)")
    t.set_defaults(func=_train)

    r = sub.add_parser("render", help="draw a checkpoint's network (svg, png, pdf or dot)")
    r.add_argument("checkpoint")
    r.add_argument("--show", default="weights",
                   help="structure|weights|activations|errors|blame|gradients|health")
    r.add_argument("--data", help="data file for activations, errors, blame, gradients")
    r.add_argument("--out", default="network.svg", help="output file; format by extension")
    r.set_defaults(func=_render)

    g = sub.add_parser("gradcheck", help="compare backprop with numerical gradients")
    g.add_argument("checkpoint")
    g.add_argument("data")
    g.add_argument("--lam", type=lam, default=0.0)
    g.add_argument("--c", type=number(0, above=True), default=1e-4,
                   help="finite-difference step (default 1e-4)")
    g.add_argument("--max-instances", type=count, default=10)
    g.add_argument("--tol", type=number(0, above=True), default=1e-7,
                   help="pass when below (default 1e-7)")
    g.set_defaults(func=_gradcheck)

    les = sub.add_parser("lesion", help="silence each hidden unit in turn: ΔJ and Δaccuracy")
    les.add_argument("checkpoint")
    les.add_argument("data")
    les.add_argument("--lam", type=lam, default=0.0)
    add_format(les, markdown_alias=True)
    les.add_argument("--out", help="also draw units by ΔJ (svg, png, pdf or dot)")
    les.set_defaults(func=_lesion)

    i = sub.add_parser("inspect", help="print a checkpoint's summary table")
    i.add_argument("checkpoint")
    i.set_defaults(func=_inspect)

    from .teaching.cli import add_parsers as explain_parsers

    explain_parsers(sub)  # explain, textbook
    from .explain.check_cli import add_parser as check_parser

    check_parser(sub, arch=layer_sizes)  # check-backprop
    dg = sub.add_parser("diagnose", help="why doesn't it learn? findings per unit (exit 1 if any)")
    dg.add_argument("checkpoint")
    dg.add_argument("data", help="a CSV or NPZ file of instances and labels")
    add_format(dg, markdown_alias=True)
    dg.set_defaults(func=_diagnose)
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
    args = build_parser().parse_args(argv)
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
