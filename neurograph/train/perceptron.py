"""Perceptron rules for threshold (step) units, as on the slides.

Online rule, per instance:  θ ← θ + α(y − h(x))x   (x with x0 = 1 for the bias)
Batch perceptron (labels ±1): Δ ← Σ over misclassified (y·θᵀx ≤ 0) of y·x;
Δ ← Δ/n; θ ← θ + αΔ; until ‖Δ‖₂ < ε. With α = 1 and no normalising it is
the fixed-increment perceptron. Each pass of the outer loop is an epoch.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import numpy as np

from ..data.labels import check_inputs
from ..errors import ConfigError, LabelError
from .checks import count_arg, real_arg


@dataclass
class PerceptronResult:
    """How a perceptron run ended: converged or not, epochs used, errors per epoch."""

    converged: bool
    epochs: int
    errors: list = field(default_factory=list)  # misclassified instances per epoch
    rule: str = "online"
    labels: str = "0/1"  # the labels it saw: "0/1", the slide's "±1", or "class indices"

    def __repr__(self) -> str:
        state = "converged" if self.converged else "did NOT converge"
        return (f"PerceptronResult({self.rule}: {state} after {self.epochs} epochs, "
                f"labels {self.labels})")


def _single_layer(net):
    net.compile()
    if net.L != 2:
        raise ConfigError(f"perceptron rules train one layer of units (s = [d, K]), "
                          f"got s = {net.s}")
    return net.theta(1)


def _labels(y, n: int, K: int) -> tuple[np.ndarray, str]:
    """(y as n class indices in 0..max(K, 2)−1, the convention seen: "0/1", the slide's
    "±1" or "class indices"); LabelError naming what came otherwise."""
    y = np.asarray(y)
    want = "0/1 or the slide's ±1" if K == 1 else f"class indices 0..{K - 1}"
    if y.dtype.kind == "O":  # Python numbers mixed with other objects
        with contextlib.suppress(TypeError, ValueError):
            y = y.astype(float)
    if y.dtype.kind not in "biuf":
        shown = np.unique(y.astype(str)) if y.dtype.kind in "USO" else y.dtype
        raise LabelError(f"perceptron labels must be numbers, {want}; got {shown}")
    if y.shape != (n,):
        raise LabelError(f"expected {n} labels (one per instance), got shape {y.shape}")
    if K == 1 and np.isin(y, (-1, 1)).all() and (y == -1).any():
        return (y == 1).astype(int), "±1"  # the threshold unit's 1 is the slide's +1
    bad = ~np.isin(y, np.arange(max(K, 2)))  # NaN, fractions, out of range, a ±1/0 mix
    if bad.any():
        raise LabelError(f"perceptron labels must be {want} (not a mix), got "
                         f"{np.unique(y[bad])} (labels given: {np.unique(y)})")
    return y, "0/1" if K == 1 else "class indices"


def perceptron(net, X, y, rule: str = "online", alpha: float = 1.0, max_epochs: int = 100,
               eps: float = 1e-12, normalize: bool = True) -> PerceptronResult:
    """Train a single layer of threshold units with a perceptron rule.

    Parameters
    ----------
    net : a network with s = [d, K] (step activations are the classic choice).
    y : labels per instance: 0/1 or the slide's ±1 (K = 1; the result's
        ``labels`` says which it saw), or class indices (K > 1: one unit per
        class, one-vs-rest).
    rule : "online" (θ ← θ + α(y − h(x))x per instance) or "batch" (the slide's
        batch perceptron; ``normalize=False`` with α = 1 is fixed-increment).
    max_epochs : stop there and report non-convergence (XOR never converges).

    Frozen weights (``link.frozen``, ``net.freeze``) are never changed.

    Raises
    ------
    LabelError
        Labels that are not numbers, or not 0/1 or ±1 (K = 1, not a mix) or 0..K−1.
    ConfigError
        ``alpha``, ``eps`` not finite numbers ≥ 0, ``max_epochs`` not an int ≥ 1.

    Examples
    --------
    >>> import numpy as np, neurograph as ng
    >>> X, y = ng.data.truth_table("AND")
    >>> net = ng.Network.from_architecture([2, 1], activation="step", seed=0)
    >>> result = ng.perceptron(net, X, y)
    >>> result.converged, net.predict(X).tolist()
    (True, [0, 0, 0, 1])
    >>> ng.perceptron(net, X, 2 * y - 1)  # the slide's labels: -1, -1, -1, +1
    PerceptronResult(online: converged after 1 epochs, labels ±1)
    >>> ng.perceptron(net, X, ["no", "no", "no", "yes"])
    Traceback (most recent call last):
    ...
    neurograph.errors.LabelError: perceptron labels must be numbers, 0/1 or the slide's ±1; got ...
    """
    if rule not in ("online", "batch"):
        raise ConfigError(f"rule must be 'online' or 'batch', got {rule!r}")
    alpha = real_arg("alpha", alpha, low=0.0)
    eps = real_arg("eps", eps, low=0.0)
    max_epochs = count_arg("max_epochs", max_epochs, "an int ≥ 1")
    if not isinstance(normalize, (bool, np.bool_)):
        raise ConfigError(f"normalize must be True or False, got {normalize!r}")
    T = _single_layer(net)
    X, _ = check_inputs(X, T.shape[1] - 1, dtype=net.dtype)
    if X.shape[0] == 0:
        raise ConfigError("the perceptron needs at least one instance, got 0")
    y, labels = _labels(y, X.shape[0], T.shape[0])
    K = T.shape[0]
    frozen = net.weights.frozen_mask()
    keep = None if frozen is None else ~frozen.reshape(T.shape)  # frozen weights take no step
    Xb = np.hstack([np.ones((X.shape[0], 1), dtype=X.dtype), X])  # x0 = 1
    Y01 = (y[:, None] == np.arange(K)[None, :]).astype(X.dtype) if K > 1 \
        else y[:, None].astype(X.dtype)
    errors: list[int] = []
    for epoch in range(1, max_epochs + 1):
        if rule == "online":
            wrong = 0
            for i in range(X.shape[0]):
                h = (T @ Xb[i] >= 0).astype(X.dtype)  # threshold units: 1 when θᵀx ≥ 0
                err = Y01[i] - h
                if np.any(err):
                    wrong += 1
                    step = alpha * np.outer(err, Xb[i])
                    T += step if keep is None else step * keep
            errors.append(wrong)
            if wrong == 0:
                return PerceptronResult(True, epoch, errors, rule, labels)
        else:
            S = 2.0 * Y01 - 1.0  # labels ±1
            margins = S * (Xb @ T.T)  # y·θᵀx, per instance and unit
            mis = margins <= 0
            Delta = (S * mis).T @ Xb
            if normalize:
                Delta /= X.shape[0]
            errors.append(int(mis.any(axis=1).sum()))
            if np.linalg.norm(Delta) < eps:
                return PerceptronResult(True, epoch, errors, rule, labels)
            T += alpha * (Delta if keep is None else Delta * keep)
    return PerceptronResult(False, max_epochs, errors, rule, labels)
