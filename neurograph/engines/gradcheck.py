"""Gradient checking: centred finite differences against backprop.

Slow — two cost evaluations per parameter — and for checking only: run it on
a small network and a few instances, then turn it off before training.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError
from ..model.parameters import Parameter
from .passes import run_backward

# One link's numerical and backprop gradients agree within ATOL + RTOL·|numerical|: central
# differences with c = 1e-4 are good to about 1e-9 on small networks, every slip of a
# backprop (a wrong g', a missing term) is far above these bounds.
ATOL, RTOL = 1e-7, 1e-5
SHOWN = 20  # disagreeing links written out by str(report)


@dataclass(eq=False)
class GradCheckReport:
    """Numerical and backprop gradients per parameter, and how far apart they are.

    ``links`` holds what was checked: each link with a weight of its own, and
    each shared :class:`~neurograph.model.parameters.Parameter` once (its
    gradient is the sum over its links).

    ``rel_diff`` is ‖num − bp‖ / ‖num + bp‖ over all parameters (the
    course's measure); a correct backprop gives < 1e-9 on small networks.
    """

    links: list
    numerical: np.ndarray
    backprop: np.ndarray
    rel_diff: float
    c: float

    def _rows(self, which) -> list[tuple]:
        diff = np.abs(self.numerical - self.backprop)
        order = which[np.argsort(-diff[which], kind="stable")]
        return [(self.links[i], float(self.numerical[i]), float(self.backprop[i]),
                 float(diff[i])) for i in order]

    def worst(self, k: int = 5) -> list[tuple]:
        """The k links with the largest |num − bp|: (link, num, bp, |diff|)."""
        return self._rows(np.arange(len(self.links)))[:k]

    def disagree(self) -> list[tuple]:
        """The links where backprop and the numerical gradient disagree, worst first:
        (link, num, bp, |diff|) with |diff| > ATOL + RTOL·|num|."""
        diff = np.abs(self.numerical - self.backprop)
        return self._rows(np.nonzero(diff > ATOL + RTOL * np.abs(self.numerical))[0])

    def ok(self, tol: float = 1e-7) -> bool:
        return bool(self.rel_diff < tol)

    def __str__(self) -> str:
        bad = self.disagree()
        lines = [f"gradient check: {len(self.links)} parameters, c = {self.c:g}, "
                 f"‖num − bp‖/‖num + bp‖ = {self.rel_diff:.3e}"]
        if bad:
            lines.append(f"backprop and the numerical gradient disagree on {len(bad)} links, "
                         "worst first:")
        lines.append(f"{'link':<28} {'numerical':>14} {'backprop':>14} {'|diff|':>10}")
        for link, num, bp, d in bad[:SHOWN] if bad else self.worst():
            lines.append(f"{_label(link):<28} {num:>14.8g} {bp:>14.8g} {d:>10.2e}")
        if len(bad) > SHOWN:
            lines.append(f"… and {len(bad) - SHOWN} more")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"GradCheckReport(parameters={len(self.links)}, rel_diff={self.rel_diff:.3e})"


def _label(item) -> str:
    if isinstance(item, Parameter):
        return f"{item.name} (shared by {len(item.links)})"
    src = "+1" if item.source is None else item.source.name
    return f"{src} → {item.target.name}"


def checked(net) -> list:
    """Each link with its own weight, and each shared parameter once, in link order
    (a pooling unit's links carry no weight: nothing to check)."""
    out, seen = [], set()
    for li in net.links:
        if not li.carries_weight:
            continue
        p = li.parameter
        if p is None:
            out.append(li)
        elif p._i not in seen:
            seen.add(p._i)
            out.append(p)
    return out


def gradcheck(net, X, Y, lam: float = 0.0, c: float = 1e-4, loss: str = "auto",
              engine: str = "auto") -> GradCheckReport:
    """Compare backprop's ∂J/∂w with (J(θ_i + c) − J(θ_i − c)) / 2c for every link,
    and for every shared parameter once (moving it moves all its links).

    Slow (2 passes per parameter): for checking only, on small networks.
    Like ``net.backward``, its backprop pass becomes the one nodes show (``link.grad``
    is the backprop column of the report); the cost passes of the differences are
    not shown.

    Examples
    --------
    The course's check: 3 inputs, 5 hidden units, 3 outputs, five instances.

    >>> import numpy as np, neurograph as ng
    >>> net = ng.Network.from_architecture([3, 5, 3], seed=0)
    >>> X = np.random.default_rng(0).normal(size=(5, 3))
    >>> report = ng.gradcheck(net, X, [0, 1, 2, 0, 1], lam=1.0)
    >>> report.rel_diff < 1e-9
    True
    """
    if not c > 0:
        raise ConfigError(f"c must be > 0, got {c}")
    trace = run_backward(net, X, Y, lam, loss, engine, show=True)
    links = checked(net)
    idx = np.array([li.index for li in links], dtype=np.intp)
    bp = trace.grad[idx].astype(np.float64)
    w = net.weights.theta
    num = np.empty(len(links))
    for k, i in enumerate(idx):
        old = w[i]
        try:
            w[i] = old + c
            jp = run_backward(net, X, Y, lam, loss, engine, grad=False).cost
            w[i] = old - c
            jm = run_backward(net, X, Y, lam, loss, engine, grad=False).cost
        finally:
            w[i] = old
        num[k] = (jp - jm) / (2.0 * c)
    denom = np.linalg.norm(num + bp)
    rel = float(np.linalg.norm(num - bp) / denom) if denom > 0 else float(np.linalg.norm(num - bp))
    return GradCheckReport(links, num, bp, rel, c)
