"""Input functions: how a unit combines its incoming links into z.

The lecture's unit uses the weighted sum z = θ0 + Σ w_i·a_i. The input
function is a separate, swappable object (as in Neuroph), registered by name
for saving. Besides the weighted sum there is the radial-basis unit's
squared distance z = θ0 + Σ (a_i − w_i)², whose weights are a centre; with
the "gaussian" activation a = e^−z it is an RBF unit. Only weighted-sum
units compile to Θ; the graph engine runs any input function.

>>> import numpy as np
>>> f = get_input_function("euclidean_rbf")
>>> f.z(np.array([[1.0, 2.0]]), np.array([1.0, 0.0]), 0.5)
array([4.5])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError


@dataclass(frozen=True, eq=False)
class InputFunction:
    """z from the sources' outputs A (n × k), the link weights w (k,) and the bias b.

    ``dz_da(A, w)`` (n × k) and ``dz_dw(A, w)`` (n × k) are the partial
    derivatives backprop needs: δ_j·∂z_j/∂a_i is the blame unit i receives
    from unit j, and Σ over instances of δ_j·∂z_j/∂w_ij is the weight's gradient.
    """

    name: str
    z: Callable
    dz_da: Callable
    dz_dw: Callable
    weighted: bool = True  # False: the links carry no weight (a pooling unit's)

    def __repr__(self) -> str:
        return f"InputFunction({self.name!r})"

    def __reduce__(self):
        return (get_input_function, (self.name,))


WEIGHTED_SUM = InputFunction(
    "weighted_sum",
    z=lambda A, w, b: A @ w + b,
    dz_da=lambda A, w: np.broadcast_to(w, A.shape),
    dz_dw=lambda A, w: A,
)
EUCLIDEAN_RBF = InputFunction(
    "euclidean_rbf",
    z=lambda A, w, b: ((A - w) ** 2).sum(axis=1) + b,
    dz_da=lambda A, w: 2.0 * (A - w),
    dz_dw=lambda A, w: -2.0 * (A - w),
)



def _first_max(A):
    """1 at each instance's first largest input, 0 elsewhere: max pooling passes δ
    to the unit that won (the first on ties), as its derivative says."""
    out = np.zeros_like(A)
    out[np.arange(A.shape[0]), np.argmax(A, axis=1)] = 1.0
    return out


# Pooling units: z = max or mean of the window (+ θ0, which pooling keeps at 0,
# frozen); the links carry no weight, so ∂z/∂w = 0.
MAX = InputFunction(
    "max",
    z=lambda A, w, b: A.max(axis=1) + b,
    dz_da=lambda A, w: _first_max(A),
    dz_dw=lambda A, w: np.zeros_like(A),
    weighted=False,
)
MEAN = InputFunction(
    "mean",
    z=lambda A, w, b: A.mean(axis=1) + b,
    dz_da=lambda A, w: np.full_like(A, 1.0 / A.shape[1]),
    dz_dw=lambda A, w: np.zeros_like(A),
    weighted=False,
)

_REGISTRY = {f.name: f for f in (WEIGHTED_SUM, EUCLIDEAN_RBF, MAX, MEAN)}


def get_input_function(spec) -> InputFunction:
    """Look an input function up by name (or pass one through).

    Raises
    ------
    ConfigError
        For an unknown name; the message lists the known ones.
    """
    if spec is None:
        return WEIGHTED_SUM
    if isinstance(spec, InputFunction):
        _REGISTRY.setdefault(spec.name, spec)
        return spec
    if isinstance(spec, str) and spec in _REGISTRY:
        return _REGISTRY[spec]
    raise ConfigError(f"unknown input function {spec!r}; known: {', '.join(sorted(_REGISTRY))}")
