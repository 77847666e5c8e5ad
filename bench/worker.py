"""Run one contender of one case alone in this process and print its samples as JSON.

    python bench/worker.py step-400-25-10-f64 ours --repeats 5 --threads 2

The harness (run.py) starts one of these per run; run by hand it is the way to
look at one contender. The thread counts are fixed in the environment before
any numerical library loads, so every contender gets the same number.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def thread_env(threads: int) -> dict:
    """The environment variables that fix every BLAS/OpenMP pool at ``threads``.

    >>> thread_env(2)["OPENBLAS_NUM_THREADS"]
    '2'
    """
    return {v: str(threads) for v in THREAD_VARS}


def describe_pools(info: list) -> str:
    """One line for threadpoolctl's ``threadpool_info()``: each pool's library, version, threads.

    >>> describe_pools([{"internal_api": "openblas", "version": "0.3.30", "num_threads": 2,
    ...                  "threading_layer": "pthreads"}])
    'openblas 0.3.30 (pthreads), 2 threads'
    """
    seen = []
    for p in info:
        layer = f" ({p['threading_layer']})" if p.get("threading_layer") else ""
        text = f"{p['internal_api']} {p.get('version') or ''}".strip() + \
            f"{layer}, {p['num_threads']} threads"
        if text not in seen:
            seen.append(text)
    return "; ".join(seen)


def runtime(contender: str) -> tuple[str, dict]:
    """The BLAS and threads this process runs with, and the versions it loaded."""
    versions = {"python": platform.python_version()}
    for mod in ("numpy", "torch", "sklearn"):
        if mod in sys.modules:
            versions[mod] = sys.modules[mod].__version__
    if "torch" in sys.modules:
        import torch

        show = torch.__config__.show()
        blas = next((w.split("=", 1)[1].rstrip(",") for w in show.split()
                     if w.startswith("BLAS_INFO=")), "unknown")
        backend = next((ln.split(":", 1)[1].strip() for ln in
                        torch.__config__.parallel_info().splitlines()
                        if ln.startswith("ATen parallel backend")), "?")
        return f"torch: {blas} ({backend}), {torch.get_num_threads()} threads", versions
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # threadpoolctl comes with scikit-learn; numpy's own summary then
        import numpy as np

        cfg = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{cfg.get('name')} {cfg.get('version')}", versions
    return describe_pools(threadpool_info()), versions


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("case")
    p.add_argument("contender")
    p.add_argument("--repeats", type=int, default=5, help="samples to take (after a warm-up)")
    p.add_argument("--quick", action="store_true", help="fewer calls per sample")
    p.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS", 2)))
    args = p.parse_args(argv)
    for var, value in thread_env(args.threads).items():
        if os.environ.get(var, value) != value:
            print(f"{var}={os.environ[var]} but --threads {args.threads}", file=sys.stderr)
            return 2
        os.environ[var] = value
    here = Path(__file__).resolve().parent
    # the checkout this file is in is what gets timed, not an installed copy elsewhere
    sys.path[:0] = [str(here), str(here.parent)]
    from cases import CASES, maker

    if args.case not in CASES or args.contender not in CASES[args.case].contenders:
        known = ", ".join(f"{c.name} ({' '.join(c.contenders)})" for c in CASES.values())
        print(f"no case/contender {args.case} {args.contender}; known: {known}", file=sys.stderr)
        return 2
    if "torch" in args.contender:  # PyTorch eager, the torch backend, its products
        import torch

        torch.set_num_threads(args.threads)
    case = CASES[args.case]
    number = case.number[1] if args.quick else case.number[0]
    sample = maker(case)(case, args.contender, number)
    sample()  # warm-up: first-call costs (allocation, caches, lazy imports) are not a step's
    samples = [sample() for _ in range(args.repeats)]
    blas, versions = runtime(args.contender)
    print(json.dumps({"case": args.case, "contender": args.contender, "samples": samples,
                      "unit": case.unit.get(args.contender, "s"), "number": number,
                      "threads": args.threads, "blas": blas, "versions": versions,
                      "pid": os.getpid()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
