"""Benchmarks: every engine against references measured in the same run.

    python bench/run.py            # full run (a few minutes on 2 cores)
    python bench/run.py --quick    # fewer repeats
    python bench/run.py --write BENCHMARKS.md

Machines are noisy: each figure is the median of several repeats, and targets
are ratios against references timed in the same process minutes apart. A case
is ``(name, measure ours, measure reference, target, "≤" or "≥")``; add one by
appending to ``cases()``.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import statistics
import sys
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import references as ref  # noqa: E402

import neurograph as ng  # noqa: E402
from neurograph.train.passes import Runner  # noqa: E402

REPEATS = 7


def median_time(fn, number: int = 1, repeats: int | None = None) -> float:
    """Median seconds per call over ``repeats`` rounds of ``number`` calls (after a warm-up)."""
    fn()
    times = []
    for _ in range(repeats or REPEATS):
        gc.collect()
        t = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t) / number)
    return statistics.median(times)


def paired_times(fns, number: int = 1, repeats: int | None = None) -> list[float]:
    """Median seconds per call of each function, timed in alternating rounds.

    Interleaving ours and the references round by round means a noisy spell
    of the machine hits both, so the ratio stays honest.
    """
    for fn in fns:
        fn()
    times = [[] for _ in fns]
    for r in range(repeats or REPEATS):
        order = range(len(fns)) if r % 2 == 0 else reversed(range(len(fns)))
        for i in order:
            gc.collect()
            t = time.perf_counter()
            for _ in range(number):
                fns[i]()
            times[i].append((time.perf_counter() - t) / number)
    return [statistics.median(t) for t in times]


@dataclass
class Result:
    name: str
    ours: float
    reference: float
    ref_name: str
    target: float
    sense: str  # "≤": ours/ref must be ≤ target; "≥": ref/ours must be ≥ target
    unit: str = "s"

    @property
    def ratio(self) -> float:
        return self.ours / self.reference if self.sense == "≤" else self.reference / self.ours

    @property
    def ok(self) -> bool:
        return self.ratio <= self.target if self.sense == "≤" else self.ratio >= self.target


def data(n, d, K, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.random((n, d)).astype(dtype)
    y = rng.integers(0, K, n)
    return X, y, ng.one_hot(y, K).astype(dtype)


def engine_step(net, X, Y, alpha):
    """One bare training step of the matrix engine (forward, J, backprop, update)."""
    r = Runner(net, 0.0, "auto")

    def step():
        for _ in r.run(X, Y):
            pass
        r.flat -= alpha * r.grad

    return step


def case_connect_layers() -> list[Result]:
    def build():
        net = ng.Network(seed=0)
        a, b = net.add_layer(784), net.add_layer(1000)
        return net, a, b

    def connect():
        net, a, b = build()
        t = time.perf_counter()
        net.connect_layers(a, b)
        return time.perf_counter() - t

    t = statistics.median(connect() for _ in range(3))
    net, a, b = build()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    net.connect_layers(a, b)
    per_link = (tracemalloc.get_traced_memory()[0] - before) / 784_000
    tracemalloc.stop()
    return [Result("connect_layers 784→1000 (784,000 links): time", t, 2.0, "budget", 1.0, "≤"),
            Result("connect_layers 784→1000: bytes per link", per_link, 400.0, "budget", 1.0,
                   "≤", unit="B")]


def case_micrograd() -> list[Result]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    net = ng.Network.from_architecture([2, 16, 16, 1], seed=0)
    fwd = median_time(lambda: net.forward(X, engine="graph"), number=20)
    both = median_time(lambda: net.backward(X, y, engine="graph"), number=20)
    mg_f = median_time(ref.make_micrograd([2, 16, 16, 1], X, y, False), repeats=3)
    mg_b = median_time(ref.make_micrograd([2, 16, 16, 1], X, y, True), repeats=3)
    return [Result("graph engine forward 2-16-16-1, n=100", fwd, mg_f, "micrograd", 100, "≥"),
            Result("graph engine forward+backward 2-16-16-1, n=100", both, mg_b, "micrograd",
                   100, "≥")]


def case_step(s, n, dtype, number) -> list[Result]:
    X, y, Y = data(n, s[0], s[-1], dtype=dtype)
    net = ng.Network.from_architecture(s, seed=0, dtype=dtype)
    ours, torch_t, skl = paired_times(
        [engine_step(net, X, Y, 0.1),
         ref.make_torch_step(net.thetas, X, Y, 0.1, dtype=np.dtype(dtype).name),
         ref.make_sklearn_epoch(tuple(s[1:-1]), X, y, 0.1)], number=number)
    tag = f"{'-'.join(map(str, s))}, n={n}, {np.dtype(dtype).name}"
    return [Result(f"full-batch step {tag}", ours, torch_t, "PyTorch eager", 1.0, "≤"),
            Result(f"full-batch step {tag}", ours, skl, "sklearn MLP epoch", 0.6, "≤")]


def case_xor(dtype=np.float64) -> list[Result]:
    X, y = ng.data.truth_table("XOR")
    X = X.astype(dtype)
    Y = y[:, None].astype(dtype)
    net = ng.Network.from_architecture([2, 2, 1], seed=0, dtype=dtype)
    ours, bare = paired_times([engine_step(net, X, Y, 0.5),
                               ref.make_numpy_step(net.thetas, X, Y, 0.5)], number=2000)
    return [Result(f"XOR 2-2-1 step, n=4, {np.dtype(dtype).name}", ours, bare, "bare numpy", 2.0,
                   "≤")]


def case_trace_and_trainer(number) -> list[Result]:
    X, y, Y = data(5000, 400, 10)
    net = ng.Network.from_architecture([400, 25, 10], seed=0)
    r = Runner(net, 0.0, "auto")

    def plain():
        for _ in r.run(X, Y):
            pass
        r.flat -= 0.1 * r.grad

    def keep():
        for _ in r.run(X, Y):
            pass
        keep.trace = r.trace("update", True, r.J)
        r.flat -= 0.1 * r.grad

    t_plain, t_keep = paired_times([plain, keep], number=number)
    epochs = 100 if REPEATS > 3 else 30

    def bare100():
        for _ in range(epochs):
            plain()

    def fit100():
        ng.Trainer(net, alpha=0.1).fit(X, y, epochs=epochs)

    def steps100():
        for _ in ng.Trainer(net, alpha=0.1).steps(X, y, every="epoch", epochs=epochs):
            pass

    t_bare, t_fit, t_steps = paired_times([bare100, fit100, steps100],
                                          repeats=max(3, REPEATS // 2))
    return [Result("step keeping its Trace vs not, 400-25-10 n=5000", t_keep, t_plain,
                   "same step without Trace", 1.3, "≤"),
            Result(f"fit {epochs} epochs 400-25-10 n=5000", t_fit, t_bare,
                   f"{epochs} bare engine steps", 1.1, "≤"),
            Result(f"steps(every='epoch') {epochs} epochs", t_steps, t_fit, "fit", 1.2, "≤")]


def case_render() -> list[Result]:
    net = ng.Network.from_architecture([400, 25, 10], seed=0)
    out = Path(__file__).resolve().parents[1] / "out" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    t = median_time(lambda: net.render(out / "400-25-10.svg", show="weights"), repeats=3)
    return [Result("render 400-25-10 to SVG (collapsed layers)", t, 2.0, "budget", 1.0, "≤")]


def cases(quick: bool) -> list:
    big = [([400, 25, 10], 5000, 10), ([784, 256, 256, 10], 10000, 3)]
    out = [case_connect_layers, case_micrograd, case_render]
    for dtype in (np.float64, np.float32):
        for s, n, number in big:
            out.append(lambda s=s, n=n, number=number, dtype=dtype:
                       case_step(s, n, dtype, number))
        out.append(lambda dtype=dtype: case_xor(dtype))
    out.append(lambda: case_trace_and_trainer(5))
    return out


def fmt(v: float, unit: str) -> str:
    if unit == "B":
        return f"{v:.0f} B"
    return f"{v * 1e3:.3f} ms" if v < 1 else f"{v:.3f} s"


def main(argv=None) -> int:
    global REPEATS
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer repeats")
    p.add_argument("--write", metavar="FILE", help="also write the table as Markdown to FILE")
    args = p.parse_args(argv)
    if args.quick:
        REPEATS = 3
    results: list[Result] = []
    for make in cases(args.quick):
        for r in make():
            results.append(r)
            mark = "ok" if r.ok else "SHORT"
            print(f"{mark:5} {r.name:<52} ours {fmt(r.ours, r.unit):>11}  "
                  f"{r.ref_name} {fmt(r.reference, r.unit):>11}  ratio {r.ratio:8.3f} "
                  f"(target {r.sense} {r.target:g})", flush=True)
    short = [r for r in results if not r.ok]
    print(f"\n{len(results) - len(short)} of {len(results)} targets met.")
    for r in short:
        print(f"  falls short: {r.name} vs {r.ref_name}: {r.ratio:.3f} (target {r.sense} "
              f"{r.target:g})")
    Path(__file__).with_name("results.json").write_text(json.dumps(
        [{**r.__dict__, "ratio": r.ratio, "ok": r.ok} for r in results], indent=1))
    if args.write:
        lines = ["| case | ours | reference | ratio | target | met |", "|---|---|---|---|---|---|"]
        for r in results:
            ratio = "ours/ref" if r.sense == "≤" else "ref/ours"
            lines.append(f"| {r.name} | {fmt(r.ours, r.unit)} | {r.ref_name}: "
                         f"{fmt(r.reference, r.unit)} | {r.ratio:.3f} ({ratio}) | {r.sense} "
                         f"{r.target:g} | {'yes' if r.ok else '**no**'} |")
        machine = f"{platform.machine()}, {platform.python_version()}, numpy {np.__version__}"
        Path(args.write).write_text("\n".join(lines) + f"\n\nMachine: {machine}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
