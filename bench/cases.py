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

import conv


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


def _fit(X, Y, thetas, alpha, k, backend="numpy"):
    import neurograph as ng

    net = ng.Network.from_thetas(thetas, dtype=X.dtype)
    trainer = ng.Trainer(net, alpha=alpha, lam=0, backend=backend)
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
    if contender == "ours_torch":
        return _fit(X, Y, thetas, alpha, k, backend="torch")[0]
    if contender == "torch_products":
        return timer(repeat(ref.make_torch_products(thetas, X), k), k)
    if contender == "torch":
        return timer(repeat(ref.make_torch_step(thetas, X, Y, alpha, dtype=dtype), k), k)
    if contender == "sklearn":
        return timer(repeat(ref.make_sklearn_epoch(tuple(s[1:-1]), X, Y, thetas, alpha), k), k)
    if contender == "products":
        return timer(repeat(ref.make_products(thetas, X), k), k)
    if contender == "floor":
        return timer(repeat(ref.make_floor(thetas, X), k), k)
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
        return timer(repeat(lambda: ng.diagnose(trace, net=net), k), k)
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


def make_graph(case: Case, contender: str, k: int):
    """∂J/∂θ at n=1000: a layered network on the matrix engine, and the same network
    with one skip link (x1 → the first output), which only the graph engine runs."""
    import numpy as np

    import neurograph as ng

    s = case.params["s"]
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(1000, s[0])), rng.integers(0, s[-1], size=1000)
    net = ng.Network.from_architecture(s, seed=0)
    if contender == "graph":
        net.connect(net.inputs[0], net.outputs[0], 0.1)
    return timer(repeat(lambda: net.backward(X, y), k), k)


def make_keep(case: Case, contender: str, k: int):
    """Bytes held by 200 kept epoch Steps of 64-25-10 (tracemalloc), and the bytes of
    the arrays their Traces show (each array counted once)."""
    import tracemalloc

    import numpy as np

    import neurograph as ng

    X, y = ng.data.load_digits()
    net = ng.Network.from_architecture([64, 25, 10], seed=0)
    trainer = ng.Trainer(net, alpha=0.5)

    def sample():
        gc.collect()
        tracemalloc.start()
        try:
            kept = list(trainer.steps(X, y, every="epoch", epochs=200))
            held = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
        if contender == "held":
            return held
        seen, total = set(), 0
        for st in kept:
            tr = st.trace
            for arr in [*tr.z, *tr.a, *(tr.delta or []), tr.theta, tr.grad]:
                if isinstance(arr, np.ndarray):
                    base = arr if arr.base is None else arr.base
                    if id(base) not in seen:
                        seen.add(id(base))
                        total += base.nbytes
        return total
    return sample


def make_render(case: Case, contender: str, k: int):
    import tempfile
    from pathlib import Path

    import neurograph as ng

    net = ng.Network.from_architecture([400, 25, 10], seed=0)
    out = Path(tempfile.mkdtemp(prefix="ng-bench-")) / "400-25-10.svg"
    return timer(lambda: net.render(out, show="weights"), 1)


def make_frozen(case: Case, contender: str, k: int):
    """A full-batch step of 400-25-10 with no link frozen, or every other one frozen."""
    from inputs import problem

    X, y, Y, thetas = problem(case.params["s"], case.params["n"], "float64")
    sample, trainer = _fit(X, Y, thetas, 0.1, k)
    if contender == "half_frozen":
        for i, link in enumerate(trainer.net.links):
            link.frozen = i % 2 == 0
    return sample


def make_lab(case: Case, contender: str, k: int):
    """remove_node of one unit of a 784-1000 block; copy of 784-1000-10 (and, for
    scale, networkx copying that network's bare graph); lesion_study of 64-25-10 on
    the 1797 digits (25 forward passes)."""
    import neurograph as ng

    if contender == "remove_node":
        def remove():
            net = ng.Network(seed=0)
            net.connect_layers(net.add_layer(784), net.add_layer(1000))
            net.compile()
            gc.collect()
            t = time.perf_counter()
            net.remove_node("a2_500")
            return time.perf_counter() - t
        return remove
    if contender in ("copy", "nx_copy"):
        net = ng.Network.from_architecture([784, 1000, 10], seed=0)
        net.compile()
        # the reference: networkx copying the bare graph alone (no weights, no Links)
        return timer(net.copy if contender == "copy" else net.topology.graph.copy, 1)
    X, y = ng.data.load_digits()
    net = ng.Network.from_architecture([64, 25, 10], seed=0)
    net.compile()
    return timer(lambda: ng.lesion_study(net, X, y), 1)


def make_explorer(case: Case, contender: str, k: int):
    """The explorer page of bench/explorer.py (60 frames of 64-25-10, mini-batches of 32,
    x(1)…x(50) computed at each frame's weights): ng.player's time, the page's bytes,
    and in headless Chromium its open time and the median of 10 redraws switching
    instance or frame, as the page times them (performance.now())."""
    import atexit
    import tempfile
    from pathlib import Path

    import explorer as ex

    out = Path(tempfile.mkdtemp(prefix="ng-bench-explorer-"))
    run = ex.train()
    if contender == "build":
        return lambda: ex.build(out, run)[1]
    page = ex.build(out, run)[0]
    if contender == "size":
        return lambda: page.stat().st_size
    b = ex.Browser()
    atexit.register(b.quit)
    b.open(page)
    if contender == "open":
        return lambda: b.open(page)
    return lambda: ex.switches(b, "instance" if contender == "redraw_instance" else "frame")


def _step_case(s, n, dtype, number, extra=()):
    tag = "-".join(map(str, s))
    dt = {"float64": "f64", "float32": "f32"}[dtype]
    targets = (Target("ours", "torch", 0.9, what="PyTorch eager"),
               Target("ours_torch", "torch", 1.0, what="PyTorch eager"),
               Target("ours_torch", "torch_products", 1.15,
                      what="the step's own matrix products on PyTorch"),
               Target("ours", "products", 1.15, what="the step's own matrix products"),
               # the bound on the line above: products + numpy's exp of every z, nothing else
               Target("floor", "products", 1.15,
                      what="the products alone (floor: they + numpy exp of each z)"),
               Target("ours", "sklearn", 0.6, what="scikit-learn MLP epoch"))
    if "numpy" in extra:
        targets += (Target("ours", "numpy", 1.1, what="a lean bare-numpy step"),)
    return Case(f"step-{tag}-{dt}", f"full-batch step {tag}, n={n}, {dtype}",
                ("ours", "ours_torch", "torch", "sklearn", "products", "torch_products", "floor",
                 *extra), targets, number,
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
    *(Case(f"graph-{'-'.join(map(str, s))}",
           f"∂J/∂θ {'-'.join(map(str, s))}, n=1000: graph engine (one skip link) vs matrix",
           ("graph", "matrix"), (Target("graph", "matrix", 1.5, what="matrix engine"),),
           (10, 2), {"s": s}) for s in ([64, 32, 10], [400, 25, 10], [784, 100, 10])),
    Case("keep-64-25-10", "200 kept epoch Steps of 64-25-10 (digits): memory",
         ("held", "traces"), (Target("held", "traces", 2.0, what="the Traces' own arrays"),),
         unit={"held": "B", "traces": "B"}),
    Case("frozen-400-25-10", "full-batch step 400-25-10, n=5000: half the links frozen",
         ("ours", "half_frozen"), (Target("half_frozen", "ours", 1.10, what="none frozen"),),
         (20, 3), {"s": [400, 25, 10], "n": 5000}),
    Case("lab", "remove_node (784-1000), copy (784-1000-10), lesion_study (64-25-10, digits)",
         ("remove_node", "copy", "nx_copy", "lesion_study"),
         (Target("remove_node", None, 1.0, budget=0.05, what="budget"),
          Target("copy", None, 1.0, budget=1.0, what="budget"),
          Target("copy", "nx_copy", 1.0, what="networkx's DiGraph.copy() of its graph"),
          Target("lesion_study", None, 1.0, budget=0.5, what="budget"))),
    Case("explorer-64-25-10", "explorer page, 60 frames of 64-25-10, 50 instances "
         "(headless Chromium)", ("build", "size", "open", "redraw_instance", "redraw_frame"),
         # issue 21's budgets (bench/explorer.py prints against these too)
         tuple(Target(c, None, 1.0, budget=b, what="budget") for c, b in (
             ("build", 10.0), ("size", 5e6), ("open", 2.0), ("redraw_instance", 0.1),
             ("redraw_frame", 0.1))),
         unit={"size": "B"}),
    # issue 22: shared weights at speed (makers in conv.py)
    Case("lenet-digits", "an epoch of the LeNet-style digits net (conv 3×3, 8 maps → max "
         "pool → 32 → 10; 1347 digits, batches of 32)", ("matrix", "graph", "torch"),
         (Target("matrix", "torch", 2.0, what="PyTorch eager conv2d/max_pool2d"),
          Target("graph", "matrix", 3.0, what="the matrix engine")), (3, 1)),
    Case("rnn-T20-H32", "a BPTT step, RNN T=20, H=32, D=4, 1000 sequences",
         ("ours", "torch"), (Target("ours", "torch", 2.0, what="PyTorch eager nn.RNN"),),
         (5, 1)),
    Case("lenet5-build", "Network.lenet5(): build time and peak memory (tracemalloc)",
         ("time", "bytes"), (Target("time", None, 1.0, budget=2.0, what="budget"),
                             Target("bytes", None, 1.0, budget=150e6, what="budget")),
         unit={"bytes": "B"}),
)}

MAKERS = {"step": make_step, "steps": make_step, "xor": make_xor, "micrograd": make_micrograd,
          "connect_layers": make_connect, "render": make_render, "graph": make_graph,
          "keep": make_keep, "frozen": make_frozen, "lab": make_lab, "diagnose": make_diagnose,
          "explorer": make_explorer, "lenet": conv.make_lenet, "rnn": conv.make_rnn,
          "lenet5": conv.make_lenet5}


def maker(case: Case):
    """The maker that builds ``case``'s contenders (by the case name's first word)."""
    return MAKERS[case.name.split("-")[0]]
