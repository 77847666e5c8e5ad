"""Activation functions g and their derivatives g', registered by name.

Each activation is a small named object: ``g(z)`` gives the unit's output and
``dg(z, a)`` gives g'(z), expressed from ``a`` where that is cheaper (sigmoid:
a(1−a)). Layer-wise functions (softmax) also give ``backprop``, the
vector-Jacobian product, because their outputs depend on the whole layer.

>>> import numpy as np
>>> from neurograph.model.activations import get_activation
>>> sig = get_activation("sigmoid")
>>> float(sig.g(np.array(0.0)))
0.5
>>> float(sig.dg(np.array(0.0), sig.g(np.array(0.0))))
0.25
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..errors import ActivationError

Array = np.ndarray


def _sigmoid_into(z: Array, out: Array, tmp: Array) -> None:
    # 1/(1+e^−z) is exact to rounding at every z once e^−z may overflow to inf:
    # 1/(1+inf) = 0 is the true limit (g(−1000) = 0, g(−30) keeps its 14 digits).
    # Only that overflow is silenced; it is four passes, no temporaries, and
    # several times faster than branching on the sign of z.
    with np.errstate(over="ignore"):
        np.negative(z, out=out)
        np.exp(out, out=out)
    out += 1.0
    np.reciprocal(out, out=out)


def _sigmoid(z: Array) -> Array:
    out = np.empty_like(z)
    _sigmoid_into(z, out, np.empty_like(z))
    return out


def _sigmoid_dg_into(z: Array, a: Array, out: Array) -> None:
    np.subtract(1.0, a, out=out)
    out *= a


def _tanh_dg_into(z: Array, a: Array, out: Array) -> None:
    np.multiply(a, a, out=out)
    np.subtract(1.0, out, out=out)


def _softmax(z: Array) -> Array:
    # Shift by the row maximum so exp never overflows.
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@dataclass(frozen=True, eq=False)
class Activation:
    """An activation function g with its derivative.

    Parameters
    ----------
    name : str
        Registry key, used when saving a network.
    g : callable
        ``g(z) -> a``, elementwise over an array (or over the last axis when
        ``layerwise``).
    dg : callable
        ``dg(z, a) -> g'(z)`` elementwise; ``a`` is ``g(z)``, passed so that
        derivatives such as sigmoid's a(1−a) cost nothing extra.
    layerwise : bool
        True when each output depends on the whole layer (softmax); then
        ``dg`` is unused and backprop goes through :meth:`backprop`.
    range, max_slope, saturates, can_die, natural_loss, threshold, formula, dg_formula
        The facts diagnosis, explain, the explorer and ``predict`` read, so that
        none of them tests a name: the values ``a`` can take, the largest g'(z),
        whether g' vanishes for large |z|, whether a unit can die (g' = 0 on a
        half-line), the output loss for which δ(L) = a − y, the one-output
        decision threshold, and g and g' written for worked examples
        (``dg_formula`` names ``{a}`` and ``{z}``).
    check : bool
        False lets a ``dg`` that does not match g be registered with a warning
        instead of an error: a wrong derivative on purpose, so that gradient
        checking can be seen catching it.

    Examples
    --------
    >>> import numpy as np
    >>> cube = Activation("cube", lambda z: z**3, lambda z, a: 3 * z**2)
    >>> cube.g(np.array([2.0]))
    array([8.])
    >>> get_activation("relu").can_die, get_activation("sigmoid").max_slope
    (True, 0.25)
    >>> import warnings
    >>> wrong = Activation("wrong_sigmoid", lambda z: 1 / (1 + np.exp(-z)), lambda z, a: a,
    ...                    check=False)  # a(1 − a) without the (1 − a)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = register_activation(wrong, replace=True)
    >>> print(caught[0].message)  # doctest: +ELLIPSIS
    activation 'wrong_sigmoid': g'(z) does not match the finite difference of g (at z=...
    """

    name: str
    g: Callable[[Array], Array]
    dg: Callable[[Array, Array], Array]
    layerwise: bool = False
    g_into: Callable | None = None  # g_into(z, out, tmp): in place, for the hot loop
    dg_into: Callable | None = None  # dg_into(z, a, out)
    # What the rest of the code asks about g; a user's activation gets the cautious defaults.
    range: tuple[float, float] = (-math.inf, math.inf)  # the values a = g(z) can take
    max_slope: float | None = None      # max over z of g'(z), where it is known
    saturates: bool = False             # g'(z) → 0 as |z| grows (sigmoid, tanh)
    can_die: bool = False               # g'(z) = 0 on a half-line: a unit can stop learning
    natural_loss: str = "mse"           # the output loss whose δ(L) is a − y
    threshold: float = 0.5              # one output's decision: class 1 when a ≥ threshold
    formula: str | None = None          # g(z) as written in a worked example
    dg_formula: str | None = None       # g'(z) from {z} and {a}, as in a worked example
    check: bool = True                  # False: a g' that does not match g warns, not raises

    def apply_into(self, z: Array, out: Array, tmp: Array) -> None:
        """out ← g(z), in place when the function has an in-place form."""
        if self.g_into is not None:
            self.g_into(z, out, tmp)
        else:
            out[...] = self.g(z)

    def backprop_into(self, z: Array, a: Array, grad_a: Array, out: Array, tmp: Array) -> None:
        """out ← ∂J/∂z from grad_a = ∂J/∂a (``out`` may be ``grad_a``)."""
        if self.layerwise or self.dg_into is None:
            out[...] = self.backprop(z, a, grad_a)
        else:
            self.dg_into(z, a, tmp)
            np.multiply(grad_a, tmp, out=out)

    def backprop(self, z: Array, a: Array, grad_a: Array) -> Array:
        """∂J/∂z from ∂J/∂a: ``grad_a * g'(z)``, or the Jacobian product for softmax."""
        if self.layerwise:
            # softmax: J_ij = a_i (δ_ij − a_j), so (Jᵀ g)_i = a_i (g_i − Σ_j g_j a_j).
            return a * (grad_a - (grad_a * a).sum(axis=-1, keepdims=True))
        return grad_a * self.dg(z, a)

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"

    def __reduce__(self):
        # Copies (and pickles made by other libraries, e.g. joblib) refer to the registry
        # by name: lambdas cannot be pickled, and one name must mean one function.
        return (get_activation, (self.name,))


def _leaky(z: Array) -> Array:
    return np.where(z > 0, z, LEAKY_SLOPE * z)


LEAKY_SLOPE = 0.01  # leaky ReLU's slope for z ≤ 0: small, but never 0, so no unit dies
_SQUASH = dict(saturates=True, natural_loss="cross_entropy")

SIGMOID = Activation("sigmoid", _sigmoid, lambda z, a: a * (1.0 - a),
                     g_into=_sigmoid_into, dg_into=_sigmoid_dg_into, range=(0.0, 1.0),
                     max_slope=0.25, formula="1/(1 + e^−{z})", dg_formula="{a}·(1 − {a})",
                     **_SQUASH)
TANH = Activation("tanh", np.tanh, lambda z, a: 1.0 - a * a,
                  g_into=lambda z, out, tmp: np.tanh(z, out=out), dg_into=_tanh_dg_into,
                  range=(-1.0, 1.0), max_slope=1.0, saturates=True, threshold=0.0,
                  formula="tanh({z})", dg_formula="1 − {a}²")
RELU = Activation(
    "relu", lambda z: np.maximum(z, 0.0), lambda z, a: (z > 0).astype(z.dtype),
    range=(0.0, math.inf), max_slope=1.0, can_die=True,
    formula="max(0, {z})", dg_formula="1 if {z} > 0, else 0",
)
LEAKY_RELU = Activation(
    "leaky_relu", _leaky, lambda z, a: np.where(z > 0, 1.0, LEAKY_SLOPE).astype(z.dtype),
    max_slope=1.0, formula=f"{{z}} if {{z}} > 0, else {LEAKY_SLOPE}·{{z}}",
    dg_formula=f"1 if {{z}} > 0, else {LEAKY_SLOPE}",
)
LINEAR = Activation("linear", lambda z: z.copy(), lambda z, a: np.ones_like(z),
                    max_slope=1.0, formula="{z}", dg_formula="1")
# The perceptron's threshold unit: 1 when z ≥ 0. Its derivative is 0 almost
# everywhere, so it learns by the perceptron rule, not by backprop.
STEP = Activation(
    "step", lambda z: (z >= 0).astype(z.dtype), lambda z, a: np.zeros_like(z),
    range=(0.0, 1.0), max_slope=0.0, formula="1 if {z} ≥ 0, else 0", dg_formula="0",
)
def _softmax_dg(z: Array, a: Array) -> Array:
    raise ActivationError("softmax has no elementwise g'(z): each a_k depends on every z of its "
                          "layer; ∂J/∂z goes through Activation.backprop (the Jacobian product)")


SOFTMAX = Activation("softmax", _softmax, _softmax_dg, layerwise=True, range=(0.0, 1.0),
                     formula="e^{z} / Σ_k e^z_k", **_SQUASH)
# e^−z: with the euclidean_rbf input function, a radial-basis unit e^−‖a − w‖².
GAUSSIAN = Activation("gaussian", lambda z: np.exp(-z), lambda z, a: -a,
                      range=(0.0, math.inf), formula="e^−{z}", dg_formula="−{a}")

_REGISTRY: dict[str, Activation] = {}


def register_activation(act: Activation, *, replace: bool = False) -> Activation:
    """Validate a user-supplied activation and make it known by name.

    The function is tried on a probe array: it must return an array of the
    same shape, finite where z is moderate, and its derivative must match a
    centred finite difference (a wrong g' would silently corrupt training).

    Raises
    ------
    ActivationError
        If it is not an :class:`Activation`, the name is taken, or a check fails.

    Examples
    --------
    >>> import numpy as np
    >>> softsign = Activation("softsign", lambda z: z / (1 + np.abs(z)),
    ...                       lambda z, a: 1 / (1 + np.abs(z)) ** 2)
    >>> register_activation(softsign, replace=True)
    Activation('softsign')
    >>> get_activation("softsign") is softsign
    True
    """
    if not isinstance(act, Activation):
        raise ActivationError(f"expected an Activation(name, g, dg), got {type(act).__name__}")
    if not isinstance(act.name, str) or not act.name:
        raise ActivationError(f"an activation needs a non-empty name, got {act.name!r}")
    if act.name in _REGISTRY and _REGISTRY[act.name] is not act and not replace:
        raise ActivationError(
            f"activation name {act.name!r} is taken; pass replace=True to override it"
        )
    _validate(act)
    _REGISTRY[act.name] = act
    return act


def _validate(act: Activation) -> None:
    z = np.linspace(-3.0, 3.0, 13).reshape(1, 13) + 0.0371  # avoid kinks at 0
    try:
        a = np.asarray(act.g(z), dtype=float)
        d = np.asarray(act.dg(z, a), dtype=float)
    except Exception as exc:  # a user function may fail in any way
        raise ActivationError(f"activation {act.name!r} failed on a test array: {exc!r}") from exc
    for what, arr in (("g(z)", a), ("g'(z)", d)):
        if arr.shape != z.shape:
            raise ActivationError(
                f"activation {act.name!r}: {what} must keep the shape of z {z.shape}, "
                f"got {arr.shape}"
            )
        if not np.all(np.isfinite(arr)):
            raise ActivationError(f"activation {act.name!r}: {what} is not finite on [-3, 3]")
    if act.layerwise:
        return
    h = 1e-5
    num = (np.asarray(act.g(z + h), float) - np.asarray(act.g(z - h), float)) / (2 * h)
    if not np.allclose(num, d, rtol=1e-4, atol=1e-6):
        worst = int(np.argmax(np.abs(num - d)))
        why = (f"activation {act.name!r}: g'(z) does not match the finite difference of g "
               f"(at z={z.flat[worst]:.4f}: expected ≈{num.flat[worst]:.6g}, "
               f"got {d.flat[worst]:.6g})")
        if act.check:
            raise ActivationError(why)
        # made wrong on purpose (check=False): said out loud, since it corrupts training
        warnings.warn(why + "; registered anyway (check=False): backprop will be wrong",
                      UserWarning, stacklevel=3)


def get_activation(spec: str | Activation | None, default: str = "sigmoid") -> Activation:
    """Look an activation up by name (or pass an Activation through).

    Raises
    ------
    ActivationError
        For an unknown name; the message lists the known ones.

    Examples
    --------
    >>> get_activation("tanh")
    Activation('tanh')
    >>> get_activation("sigmod")
    Traceback (most recent call last):
    ...
    neurograph.errors.ActivationError: unknown activation 'sigmod'; known: gaussian, leaky_relu, ...
    """
    if spec is None:
        spec = default
    if isinstance(spec, Activation):
        if _REGISTRY.get(spec.name) is not spec:
            register_activation(spec)
        return spec
    if isinstance(spec, str) and spec in _REGISTRY:
        return _REGISTRY[spec]
    raise ActivationError(
        f"unknown activation {spec!r}; known: {', '.join(sorted(_REGISTRY))}"
        " (or pass an Activation(name, g, dg))"
    )


def known_activations() -> list[str]:
    """Names of all registered activations, sorted."""
    return sorted(_REGISTRY)


for _act in (SIGMOID, TANH, RELU, LEAKY_RELU, LINEAR, STEP, SOFTMAX, GAUSSIAN):
    _REGISTRY[_act.name] = _act
