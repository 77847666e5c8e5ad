"""`neurograph render`: a checkpoint's network drawn (svg, png, pdf or dot)."""

from __future__ import annotations

import neurograph as ng

from ..errors import ConfigError
from ..lab import view_data
from ..render.diagrams import NEEDS_TRACE
from ..render.views import VIEWS
from .common import load_for, out_path
from .options import number

ARG = "receptive_field"


def add(sub) -> None:
    r = sub.add_parser("render", help="draw a checkpoint's network (svg, png, pdf or dot)")
    r.add_argument("checkpoint")
    r.add_argument("--show", default="weights",
                   help="|".join(v for v in VIEWS if v != "changes"))
    r.add_argument("--data", help="data file for activations, errors, blame, gradients")
    r.add_argument("--row", type=number(0, whole=True),
                   help="the 0-based row of --data drawn (default: row 0; gradients: the batch)")
    r.add_argument("--receptive-field", metavar="UNIT",
                   help="a unit of a grid layer (or one fed by one), e.g. 'c1[0, 1, 1]' (map, "
                        "row, column): its links drawn cell by cell from its input cells")
    r.add_argument("--out", default="network.svg", help="output file; format by extension")
    r.set_defaults(func=main)


def main(args) -> int:
    out = out_path(args.out)
    if args.show in NEEDS_TRACE and args.data is None:
        raise ConfigError(f"--show {args.show} draws the values of a pass: give --data FILE "
                          f"(a CSV or NPZ file of instances and labels)")
    if args.row is not None and args.data is None:
        raise ConfigError("--row picks a row of --data: give --data FILE")
    net = ng.load(args.checkpoint)
    trace = None
    if args.data is not None:
        X, y = load_for(net, args.data)
        if args.row is not None and args.row >= len(X):
            raise ConfigError(f"--row must be one of --data's rows 0..{len(X) - 1}, "
                              f"got {args.row}")
        trace = net.backward(X, y)
    # render draws what it is handed: the diagnosis a health picture shows is made here
    try:
        written = net.render(out, show=args.show, trace=trace, row=args.row,
                             diagnosis=view_data(net, args.show, trace)["diagnosis"],
                             receptive_field=args.receptive_field)
    except ConfigError as exc:  # render spells the Python argument; the command, its flag
        text = str(exc)
        if not text.startswith(ARG):
            raise
        raise ConfigError("--receptive-field" + text[len(ARG):]) from None
    print(f"wrote {written}")
    return 0
