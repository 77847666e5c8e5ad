"""What is measured: each case's contenders and the targets that compare them.

A contender is built by a maker in the worker process that runs it and gives
one sample per call: seconds per call, or a size in bytes. Makers import their
library inside, so each process loads only its own (never two libraries in one
process). What is timed for ours is what a user runs: ``Trainer.fit``, per epoch.
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Target:
    """``ours`` against ``ref`` (a contender of the same case) or a fixed budget."""

    ours: str
    ref: str | None
    target: float
    sense: str = "≤"  # "≤": ours/ref ≤ target; "≥": ref/ours ≥ target
    budget: float | None = None
    what: str = ""

    def ratio(self, ours: float, ref: float) -> float:
        return ours / ref if self.sense == "≤" else ref / ours

    def met(self, ratio: float) -> bool:
        return ratio <= self.target if self.sense == "≤" else ratio >= self.target


@dataclass(frozen=True)
class Case:
    name: str
    title: str
    contenders: tuple
    targets: tuple
    number: tuple = (1, 1)  # calls per sample (full run, --quick)
    params: dict = field(default_factory=dict)
    unit: dict = field(default_factory=dict)  # contender -> "s" (default) or "B"


def timer(fn, per: int):
    """A sampler: seconds per call of ``fn`` that runs ``per`` calls."""
    def sample():
        gc.collect()
        t = time.perf_counter()
        fn()
        return (time.perf_counter() - t) / per
    return sample


def repeat(fn, k: int):
    def run():
        for _ in range(k):
            fn()
    return run


def _fit(X, Y, thetas, alpha, k):
    import neurograph as ng

    net = ng.Network.from_thetas(thetas, dtype=X.dtype)
    trainer = ng.Trainer(net, alpha=alpha, lam=0)
    return timer(lambda: trainer.fit(X, Y, epochs=k), k), trainer


def _steps(X, Y, thetas, alpha, k, every, keep=False):
    import neurograph as ng

    net = ng.Network.from_thetas(thetas, dtype=X.dtype)
    trainer = ng.Trainer(net, alpha=alpha, lam=0)
    kept = []

    def run():
        for step in trainer.steps(X, Y, every=every, epochs=k):
            if keep:
                # hold the latest Step (and its Trace) across the next pass,
                # as a user who looks at it does
                kept[:] = [step]
    return timer(run, k)


def make_step(case: Case, contender: str, k: int):
    """Samplers of the full-batch step cases (one epoch = one step)."""
    import references as ref
    from inputs import problem

    s, n, dtype = case.params["s"], case.params["n"], case.params["dtype"]
    X, y, Y, thetas = problem(s, n, dtype)
    alpha = 0.1
    if contender == "ours":
        return _fit(X, Y, thetas, alpha, k)[0]
    if contender == "torch":
        return timer(repeat(ref.make_torch_step(thetas, X, Y, alpha, dtype=dtype), k), k)
    if contender == "sklearn":
        return timer(repeat(ref.make_sklearn_epoch(tuple(s[1:-1]), X, Y, thetas, alpha), k), k)
    if contender == "products":
        return timer(repeat(ref.make_products(thetas, X), k), k)
    if contender == "numpy":
        return timer(repeat(ref.make_numpy_step(thetas, X, Y, alpha), k), k)
    if contender in ("steps_epoch", "steps_layer", "keep_trace"):
        every = {"steps_epoch": "epoch", "steps_layer": "layer", "keep_trace": "batch"}
        return _steps(X, Y, thetas, alpha, k, every[contender], keep=contender == "keep_trace")
    raise KeyError(contender)


def make_diagnose(case: Case, contender: str, k: int):
    """ng.diagnose of one step's trace against the step; steps with until=nonfinite."""
    from inputs import problem

    import neurograph as ng

    s, n, dtype = case.params["s"], case.params["n"], case.params["dtype"]
    X, y, Y, thetas = problem(s, n, dtype)
    if contender == "step":
        return _fit(X, Y, thetas, 0.1, k)[0]
    if contender == "diagnose":
        net = ng.Network.from_thetas(thetas, dtype=X.dtype)
        trace = net.backward(X, Y)
        return timer(repeat(lambda: ng.diagnose(trace), k), k)
    if contender in ("steps", "until"):
        net = ng.Network.from_thetas(thetas, dtype=X.dtype)
        trainer = ng.Trainer(net, alpha=0.1, lam=0)
        until = ng.when.nonfinite if contender == "until" else None

        def run():
            for _ in trainer.steps(X, Y, every="batch", epochs=k, until=until):
                pass
        return timer(run, k)
    raise KeyError(contender)


def make_xor(case: Case, contender: str, k: int):
    import references as ref
    from inputs import problem, xor

    X, _, Y = xor(case.params["dtype"])
    thetas = problem([2, 2, 1], 4, case.params["dtype"])[3]
    if contender == "ours":
        return _fit(X, Y, thetas, 0.5, k)[0]
    return timer(repeat(ref.make_numpy_step(thetas, X, Y, 0.5), k), k)


def make_micrograd(case: Case, contender: str, k: int):
    import numpy as np

    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    s = [2, 16, 16, 1]
    if contender.startswith("mg_"):
        import references as ref

        return timer(ref.make_micrograd(s, X, y, contender == "mg_backward"), 1)
    import neurograph as ng

    net = ng.Network.from_architecture(s, seed=0)
    if contender == "graph_forward":
        return timer(repeat(lambda: net.forward(X, engine="graph"), k), k)
    return timer(repeat(lambda: net.backward(X, y, engine="graph"), k), k)


def make_connect(case: Case, contender: str, k: int):
    import tracemalloc

    import neurograph as ng

    def build():
        net = ng.Network(seed=0)
        return net, net.add_layer(784), net.add_layer(1000)

    def seconds():
        net, a, b = build()
        gc.collect()
        t = time.perf_counter()
        net.connect_layers(a, b)
        return time.perf_counter() - t

    def bytes_per_link():
        net, a, b = build()
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            net.connect_layers(a, b)
            return (tracemalloc.get_traced_memory()[0] - before) / 784_000
        finally:
            tracemalloc.stop()

    return seconds if contender == "time" else bytes_per_link


def make_render(case: Case, contender: str, k: int):
    import tempfile
    from pathlib import Path

    import neurograph as ng

    net = ng.Network.from_architecture([400, 25, 10], seed=0)
    out = Path(tempfile.mkdtemp(prefix="ng-bench-")) / "400-25-10.svg"
    return timer(lambda: net.render(out, show="weights"), 1)


def _step_case(s, n, dtype, number, extra=()):
    tag = "-".join(map(str, s))
    dt = {"float64": "f64", "float32": "f32"}[dtype]
    targets = (Target("ours", "torch", 0.9, what="PyTorch eager"),
               Target("ours", "products", 1.15, what="the step's own matrix products"),
               Target("ours", "sklearn", 0.6, what="scikit-learn MLP epoch"))
    if "numpy" in extra:
        targets += (Target("ours", "numpy", 1.1, what="a lean bare-numpy step"),)
    return Case(f"step-{tag}-{dt}", f"full-batch step {tag}, n={n}, {dtype}",
                ("ours", "torch", "sklearn", "products", *extra), targets, number,
                {"s": s, "n": n, "dtype": dtype})


CASES = {c.name: c for c in (
    _step_case([400, 25, 10], 5000, "float64", (20, 3), ("numpy",)),
    _step_case([400, 25, 10], 5000, "float32", (20, 3)),
    _step_case([784, 256, 256, 10], 10000, "float64", (3, 1)),
    _step_case([784, 256, 256, 10], 10000, "float32", (3, 1)),
    Case("steps-400-25-10", "stepping vs fit, 400-25-10, n=5000, float64",
         ("ours", "steps_epoch", "steps_layer", "keep_trace"),
         (Target("steps_epoch", "ours", 1.05, what="fit"),
          Target("steps_layer", "ours", 1.2, what="fit"),
          Target("keep_trace", "ours", 1.3, what="fit")),
         (20, 3), {"s": [400, 25, 10], "n": 5000, "dtype": "float64"}),
    Case("diagnose-784-256-256-10", "ng.diagnose(trace) and until=nonfinite, 784-256-256-10, "
         "n=10000", ("step", "diagnose", "steps", "until"),
         (Target("diagnose", "step", 0.5, what="one training step"),
          Target("until", "steps", 1.05, what="the same run without until")),
         (3, 1), {"s": [784, 256, 256, 10], "n": 10000, "dtype": "float64"}),
    Case("xor-f64", "XOR 2-2-1 step, n=4, float64", ("ours", "numpy"),
         (Target("ours", "numpy", 2.0, what="bare numpy"),), (2000, 200), {"dtype": "float64"}),
    Case("xor-f32", "XOR 2-2-1 step, n=4, float32", ("ours", "numpy"),
         (Target("ours", "numpy", 2.0, what="bare numpy"),), (2000, 200), {"dtype": "float32"}),
    Case("micrograd", "graph engine 2-16-16-1, n=100, vs micrograd",
         ("graph_forward", "graph_backward", "mg_forward", "mg_backward"),
         (Target("graph_forward", "mg_forward", 100, "≥", what="micrograd forward"),
          Target("graph_backward", "mg_backward", 100, "≥", what="micrograd forward+backward")),
         (20, 5)),
    Case("connect_layers", "connect_layers 784→1000 (784,000 links)", ("time", "bytes"),
         (Target("time", None, 1.0, budget=2.0, what="budget"),
          Target("bytes", None, 1.0, budget=400.0, what="budget")),
         unit={"bytes": "B"}),
    Case("render", "render 400-25-10 to SVG (collapsed layers)", ("ours",),
         (Target("ours", None, 1.0, budget=2.0, what="budget"),)),
)}

MAKERS = {"diagnose": make_diagnose, "step": make_step, "steps": make_step, "xor": make_xor, "micrograd": make_micrograd,
          "connect_layers": make_connect, "render": make_render}


def maker(case: Case):
    """The maker that builds ``case``'s contenders (by the case name's first word)."""
    return MAKERS[case.name.split("-")[0]]
