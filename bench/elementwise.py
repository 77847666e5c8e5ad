"""What bounds the element-wise part of a step: the measurements behind BENCHMARKS.md's
"what was tried" (run: ``python bench/elementwise.py``; numexpr is optional).

Each row runs alone in its own process (numpy's OpenBLAS pool and numexpr's
would otherwise spin against each other), 2 threads for every pool, and the
load average is printed before and after.

On one hidden layer of 784-256-256-10 (n = 10000, 256 units) it times, best of 9:

- numpy's exp alone, and the engine's sigmoid (negative, exp, +1, reciprocal);
- the same sigmoid over row blocks that fit in cache (fewer trips to memory);
- numexpr's fused one-pass sigmoid, on 1 and 2 threads;
- the sigmoid split over 2 Python threads (numpy releases the GIL), alone and
  right after the layer's matrix product — where OpenBLAS's worker thread still
  spins on the second core and takes it back.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np


def sigmoid(z, out):
    with np.errstate(over="ignore"):
        np.negative(z, out=out)
        np.exp(out, out=out)
    out += 1.0
    np.reciprocal(out, out=out)


def best(fn, k: int = 9) -> float:
    fn()
    times = []
    for _ in range(k):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times) * 1e3


def contenders(dtype, pool) -> dict:
    """name → a call, on one hidden layer's arrays of ``dtype``."""
    rng = np.random.default_rng(0)
    A = rng.random((10000, 784)).astype(dtype)
    W = (rng.normal(size=(784, 256)) * 0.05).astype(dtype)
    z, a = np.empty((10000, 256), dtype), np.empty((10000, 256), dtype)
    np.matmul(A, W, out=z)

    def blocks(rows=128):
        for i in range(0, z.shape[0], rows):
            sigmoid(z[i:i + rows], a[i:i + rows])

    def split():
        h = z.shape[0] // 2
        f = pool.submit(sigmoid, z[h:], a[h:])
        sigmoid(z[:h], a[:h])
        f.result()

    rows = {"matrix product a·W": lambda: np.matmul(A, W, out=z),
            "numpy exp alone": lambda: np.exp(z, out=a),
            "sigmoid, 4 numpy passes (the engine's)": lambda: sigmoid(z, a),
            "sigmoid over 128-row blocks": blocks,
            "sigmoid on 2 threads": split,
            "product, then sigmoid": lambda: (np.matmul(A, W, out=z), sigmoid(z, a)),
            "product, then sigmoid on 2 threads": lambda: (np.matmul(A, W, out=z), split())}
    try:
        import numexpr as ne
    except ImportError:
        return rows

    def fused(k):
        def run():
            ne.set_num_threads(k)
            ne.evaluate("1 / (1 + exp(-z))", local_dict={"z": z}, out=a)
        return run

    for k in (1, 2):
        rows[f"numexpr fused sigmoid, {k} thread(s)"] = fused(k)
    rows["product, then numexpr sigmoid, 2 threads"] = lambda: (np.matmul(A, W, out=z),
                                                                fused(2)())
    return rows


def one(dtype: str, name: str) -> None:
    """Time one row, in this process alone."""
    print(f"{best(contenders(np.dtype(dtype).type, ThreadPoolExecutor(1))[name]):.2f}")


def main() -> None:
    env = {**os.environ, "OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2",
           "NUMEXPR_NUM_THREADS": "2"}
    print(f"load average before: {os.getloadavg()[0]:.2f}; every row in its own process")
    for dtype in ("float64", "float32"):
        print(f"{dtype}, 10000 × 256:")
        for name in contenders(np.dtype(dtype).type, None):
            r = subprocess.run([sys.executable, __file__, "--one", dtype, name], env=env,
                               capture_output=True, text=True, check=True)
            print(f"  {name:42s} {float(r.stdout):8.2f} ms")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        one(*sys.argv[2:4])
    else:
        main()
