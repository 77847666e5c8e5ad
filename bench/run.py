"""Benchmarks that cannot flatter us: each contender alone in its own process.

    python bench/run.py                        # every case; print the tables
    python bench/run.py --quick                # smoke run: few calls, one sample a run
    python bench/run.py --case step-400-25-10-f64
    python bench/run.py --write BENCHMARKS.md  # refuses (exit 3) on a busy machine

Every contender of a case (ours, PyTorch eager, scikit-learn, the step's
matrix products alone, ...) runs in a fresh process of this Python (see
worker.py), the processes alternating A B A B, with the same data, the same
initial Θ and the same number of threads. The load average is recorded before
and after each case, and the CPU time other processes took during it; the
figures are written only when the machine was quiet and the runs of every
contender agree. Cases and targets live in cases.py.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cases import CASES  # noqa: E402
from harness import (  # noqa: E402
    BenchError,
    merge,
    problems,
    report,
    run_case,
    target_rows,
    write_atomic,
)

REFUSED = 3
RESULTS = Path(__file__).with_name("results.json")  # every run's figures, for tools


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smoke run: few calls, one sample a run")
    p.add_argument("--case", action="append", choices=sorted(CASES), metavar="NAME",
                   help=f"run only this case (repeatable): {', '.join(CASES)}")
    p.add_argument("--write", metavar="FILE", help="write the tables into FILE (Markdown)")
    p.add_argument("--threads", type=int, default=2, help="threads for every contender")
    p.add_argument("--runs", type=int, default=2, help="processes per contender (≥ 2)")
    p.add_argument("--repeats", type=int, help="samples per process (default 5; --quick 1)")
    p.add_argument("--max-load", type=float, default=1.0,
                   help="refuse to write above this load (cores busy with other work)")
    p.add_argument("--max-spread", type=float, default=0.10,
                   help="refuse to write when a contender's runs differ by more (0.10 = 10%%)")
    p.add_argument("--settle", type=float,
                   help="seconds to wait before a case for the load to fall (default 60; "
                        "--quick 0)")
    return p


def check_args(p: argparse.ArgumentParser, args) -> None:
    """Refuse options that would make figures nobody should trust."""
    if args.runs < 2:
        p.error(f"--runs must be at least 2 (A B A B), got {args.runs}")
    if args.threads < 1:
        p.error(f"--threads must be at least 1, got {args.threads}")
    if args.repeats is not None and args.repeats < 1:
        p.error(f"--repeats must be at least 1, got {args.repeats}")
    if args.write and args.quick:
        p.error("--quick figures are a smoke test; --write takes a full run")
    if not (args.max_load > 0 and 0 < args.max_spread < 1):
        p.error(f"--max-load must be > 0 and --max-spread in (0, 1); got {args.max_load}, "
                f"{args.max_spread}")


def main(argv=None) -> int:
    p = parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    args = p.parse_args(argv)
    check_args(p, args)
    repeats = args.repeats or (1 if args.quick else 5)
    settle_s = args.settle if args.settle is not None else (0.0 if args.quick else 60.0)
    start_load = os.getloadavg()[0]
    meta = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "command": " ".join(["python bench/run.py", *argv]), "threads": args.threads,
            "machine": f"{platform.system()} {platform.machine()}", "runs": args.runs,
            "repeats": repeats, "start_load": start_load}
    print(f"{meta['date']}  {meta['command']}  (load {start_load:.2f}, {args.threads} threads)",
          flush=True)
    results = []
    for name in args.case or list(CASES):
        try:
            r = run_case(CASES[name], args.runs, repeats, args.threads, args.quick,
                         settle_s=settle_s, max_load=args.max_load)
        except BenchError as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        results.append(r)
        other = "n/a" if r.foreign is None else f"{r.foreign:.2f}"
        print(f"\n{name}: load {r.load_before:.2f} -> {r.load_after:.2f}, other processes "
              f"{other} cores", flush=True)
        for what, ours, ref, ratio, target, ok in target_rows(r):
            print(f"  {'ok' if ok else 'SHORT':5} {what:<58} {ours:>11}  {ref:<40} "
                  f"{ratio:<18} target {target}", flush=True)
    block = report(results, meta)
    print("\n" + block)
    why = problems(results, start_load, args.max_load, args.max_spread)
    for w in why:
        print(f"warning: {w}")
    write_atomic(RESULTS, json.dumps(
        {"meta": meta, "cases": {r.case.name: {c: s.runs for c, s in r.summaries.items()}
                                 for r in results}, "problems": why}, indent=1) + "\n")
    if args.write:
        if why:
            print(f"refusing to write {args.write}: the machine was busy or the runs "
                  f"disagree ({len(why)} problem(s) above); run again on a quiet machine",
                  file=sys.stderr)
            return REFUSED
        path = Path(args.write)
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        write_atomic(path, merge(old, block))
        print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
