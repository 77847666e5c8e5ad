"""How much PyTorch work one full-batch step is: aten calls counted by torch.profiler.

    python bench/aten_counts.py            # the four step cases: ours (backend="torch")
                                           # against PyTorch eager autograd

A count does not depend on the machine's load (timings on a busy machine do), so
it says whether ``backend="torch"`` does more work per step than eager before a
quiet machine is found to time them. Nested calls count too (addmm's bias copy,
a view's as_strided), as the profiler lists them. Ours is ``Trainer.fit`` for one
epoch after a first run (what a user's second ``fit`` does); eager is
``references.make_torch_step`` after its first step. The data's n does not change
the counts, so a small n keeps this quick.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import references as ref  # noqa: E402
from cases import CASES  # noqa: E402
from inputs import problem  # noqa: E402


def aten_calls(fn) -> Counter:
    """aten operators one call of ``fn`` runs, by name (nested calls included)."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        fn()
    return Counter(e.name for e in prof.events() if e.name.startswith("aten::"))


def counts(case, n: int = 200) -> tuple[Counter, Counter]:
    """(ours, eager): the aten calls of one step of ``case``."""
    import neurograph as ng

    s, dtype = case.params["s"], case.params["dtype"]
    X, _, Y, thetas = problem(s, n, dtype)
    trainer = ng.Trainer(ng.Network.from_thetas(thetas, dtype=X.dtype), alpha=0.1, lam=0,
                         backend="torch")
    eager = ref.make_torch_step(thetas, X, Y, 0.1, dtype=dtype)
    trainer.fit(X, Y, epochs=1)
    eager()
    return aten_calls(lambda: trainer.fit(X, Y, epochs=1)), aten_calls(eager)


def main() -> int:
    print("| case | ours (backend=\"torch\") | PyTorch eager |")
    print("|---|---|---|")
    for name, case in CASES.items():
        if name.startswith("step-"):
            ours, eager = counts(case)
            print(f"| {name} | {sum(ours.values())} | {sum(eager.values())} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
