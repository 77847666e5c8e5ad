"""The one problem every contender of a case gets: data and initial Θ from a seed.

numpy only, so a worker for PyTorch or scikit-learn does not import neurograph.
"""

from __future__ import annotations

import numpy as np


def problem(s, n: int, dtype="float64", seed: int = 0):
    """X (n × s_1), integer labels y, one-hot Y and Θ(1..L−1) in the course layout.

    Θ(l) is s_{l+1} × (s_l + 1), bias column first, drawn uniformly from
    ±√6/√(s_l + s_{l+1}); the same seed gives the same arrays in every process.

    >>> X, y, Y, thetas = problem([4, 3, 2], 5, seed=1)
    >>> X.shape, Y.shape, [T.shape for T in thetas], bool((Y.argmax(1) == y).all())
    ((5, 4), (5, 2), [(3, 5), (2, 4)], True)
    """
    dt = np.dtype(dtype)
    rng = np.random.default_rng(seed)
    X = rng.random((n, s[0])).astype(dt)
    y = rng.integers(0, s[-1], n)
    Y = np.eye(s[-1], dtype=dt)[y]
    thetas = []
    for s_in, s_out in zip(s[:-1], s[1:]):
        eps = np.sqrt(6.0) / np.sqrt(s_in + s_out)
        thetas.append(rng.uniform(-eps, eps, (s_out, s_in + 1)).astype(dt))
    return X, y, Y, thetas


def xor(dtype="float64"):
    """The XOR truth table as X (4 × 2), labels y, Y (4 × 1).

    >>> X, y, Y = xor(); y.tolist(), Y[:, 0].tolist()
    ([0, 1, 1, 0], [0.0, 1.0, 1.0, 0.0])
    """
    dt = np.dtype(dtype)
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=dt)
    y = np.array([0, 1, 1, 0])
    return X, y, y[:, None].astype(dt)
