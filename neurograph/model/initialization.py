"""Random initialisation schemes ("NOT to 0!": symmetric weights never learn).

Every scheme draws from a seeded :class:`numpy.random.Generator`, so the same
seed gives the same network.

>>> import numpy as np
>>> W = initial_weights((3, 4), s_in=3, s_out=3, rng=np.random.default_rng(0))
>>> W.shape, bool(np.abs(W).max() <= np.sqrt(6) / np.sqrt(6))
((3, 4), True)
"""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError

SCHEMES = ("uniform", "normal", "xavier", "he")


def epsilon(s_in: int, s_out: int) -> float:
    """The course's ε = √6 / √(s_l + s_{l+1}) for U[−ε, ε]."""
    return float(np.sqrt(6.0) / np.sqrt(max(s_in + s_out, 1)))


def initial_weights(
    shape: tuple[int, ...],
    s_in: int,
    s_out: int,
    rng: np.random.Generator,
    scheme: str | float = "uniform",
    dtype=np.float64,
) -> np.ndarray:
    """Draw initial weights of ``shape`` for a block from s_in to s_out units.

    Parameters
    ----------
    scheme : "uniform" (default, U[−ε, ε] with ε = √6/√(s_in+s_out)), "normal"
        (N(0, ε²/3), the same variance), "xavier" (N(0, 2/(s_in+s_out))),
        "he" (N(0, 2/s_in)), or a number ε for U[−ε, ε].

    Raises
    ------
    ConfigError
        For an unknown scheme, or an ε that is not a finite number > 0 (or so
        large that U[−ε, ε] overflows the dtype).
    """
    if isinstance(scheme, (int, float)) and not isinstance(scheme, bool):
        # U[−ε, ε] needs its width 2ε, and every draw, finite in the network's dtype
        if not (scheme > 0 and 2.0 * scheme <= float(np.finfo(dtype).max)):
            raise ConfigError(f"init ε must be a finite number > 0 with 2ε ≤ "
                              f"{np.finfo(dtype).max:.3g} (U[−ε, ε] in {np.dtype(dtype).name}; "
                              f"weights NOT all 0), got {scheme}")
        out = rng.uniform(-scheme, scheme, size=shape)
    elif scheme == "uniform":
        eps = epsilon(s_in, s_out)
        out = rng.uniform(-eps, eps, size=shape)
    elif scheme == "normal":
        out = rng.normal(0.0, epsilon(s_in, s_out) / np.sqrt(3.0), size=shape)
    elif scheme == "xavier":
        out = rng.normal(0.0, np.sqrt(2.0 / max(s_in + s_out, 1)), size=shape)
    elif scheme == "he":
        out = rng.normal(0.0, np.sqrt(2.0 / max(s_in, 1)), size=shape)
    else:
        raise ConfigError(
            f"unknown init scheme {scheme!r}; known: {', '.join(SCHEMES)}, or a number ε"
        )
    return out.astype(dtype, copy=False)
