"""Data sets of the lecture: truth tables, four road-user classes, 8×8 digits.

All ship with the package or are generated from a seed: nothing is downloaded.

>>> X, y = truth_table("XOR")
>>> X.tolist(), y.tolist()
([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0])
"""

from __future__ import annotations

from importlib import resources

import numpy as np

from ..errors import ConfigError, LabelError
from .values import generator

_TABLES = {
    "AND": [0, 0, 0, 1],
    "OR": [0, 1, 1, 1],
    "NOR": [1, 0, 0, 0],  # (NOT x1) AND (NOT x2)
    "NAND": [1, 1, 1, 0],
    "XOR": [0, 1, 1, 0],
    "XNOR": [1, 0, 0, 1],
}

CLASS_NAMES = ("pedestrian", "car", "motorcycle", "truck")
FEATURE_NAMES = ("length", "height", "speed", "wheels")


def truth_table(name: str) -> tuple[np.ndarray, np.ndarray]:
    """(X, y) of a Boolean function, rows in the order 00, 01, 10, 11 (NOT: 0, 1).

    Raises
    ------
    ConfigError
        For an unknown name (the message lists the known ones).

    Examples
    --------
    >>> truth_table("NOT")[1].tolist()
    [1, 0]
    """
    key = str(name).upper()
    if key == "NOT":
        return np.array([[0.0], [1.0]]), np.array([1, 0])
    if key not in _TABLES:
        raise ConfigError(f"unknown truth table {name!r}; known: NOT, {', '.join(_TABLES)}")
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    return X, np.array(_TABLES[key])


def four_classes(n: int = 400, seed: int = 0, noise: float = 0.08):
    """Synthetic road users for one-vs-rest: pedestrian, car, motorcycle, truck.

    Features (scaled to about [0, 1]): length, height, speed, wheels. Class
    centres are plausible (a truck is long, tall and has many wheels); Gaussian
    noise of ``noise`` makes them overlap a little.

    Returns
    -------
    X (n, 4), y (n,) in 0..3, feature names, class names.

    Examples
    --------
    >>> X, y, features, classes = four_classes(8, seed=1)
    >>> X.shape, classes[3]
    ((8, 4), 'truck')
    """
    if n < 1:
        raise ConfigError(f"n must be ≥ 1, got {n}")
    rng = generator(seed)
    centres = np.array([
        [0.05, 0.45, 0.05, 0.00],  # pedestrian: short, medium height, slow, no wheels
        [0.40, 0.40, 0.55, 0.25],  # car
        [0.12, 0.22, 0.80, 0.05],  # motorcycle: short, low, fast, two wheels
        [0.90, 0.90, 0.45, 0.90],  # truck
    ])
    y = np.arange(n) % 4
    rng.shuffle(y)
    X = centres[y] + rng.normal(0.0, noise, size=(n, 4))
    return X, y, list(FEATURE_NAMES), list(CLASS_NAMES)


def load_digits(scale: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8×8 handwritten digits: 1797 images, 64 pixels, labels 0..9.

    The data ship inside the package (``digits.npz``, uint8 pixels 0..16): the
    UCI ML hand-written digits test set (BSD-3 licence, via scikit-learn); see
    DIGITS.md beside this module. ``scale`` divides by 16 to get [0, 1].

    Examples
    --------
    >>> X, y = load_digits()
    >>> X.shape, y.shape, float(X.max()), sorted(set(y.tolist())) == list(range(10))
    ((1797, 64), (1797,), 1.0, True)
    """
    with resources.files(__package__).joinpath("digits.npz").open("rb") as f, \
            np.load(f, allow_pickle=False) as z:
        X, y = z["X"], z["y"]
    X = X.astype(np.float64)
    return (X / 16.0 if scale else X), y.astype(np.intp)


def train_test_split(X, y, test_fraction: float = 0.25, seed: int = 0):
    """Stratified split: (X_train, X_test, y_train, y_test), the same for the same seed.

    Examples
    --------
    >>> X = np.arange(20.0).reshape(10, 2); y = np.array([0] * 6 + [1] * 4)
    >>> Xtr, Xte, ytr, yte = train_test_split(X, y, 0.5, seed=0)
    >>> sorted(yte.tolist())
    [0, 0, 0, 1, 1]
    """
    if not 0 < test_fraction < 1:
        raise ConfigError(f"test_fraction must be in (0, 1), got {test_fraction}")
    X, y = np.asarray(X), np.asarray(y)
    if X.shape[0] != y.shape[0]:
        raise LabelError(f"X has {X.shape[0]} instances, y has {y.shape[0]}")
    rng = generator(seed)
    test = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        rng.shuffle(idx)
        test.append(idx[: int(round(test_fraction * len(idx)))])
    test_idx = np.sort(np.concatenate(test))
    mask = np.ones(len(y), dtype=bool)
    mask[test_idx] = False
    return X[mask], X[test_idx], y[mask], y[test_idx]
