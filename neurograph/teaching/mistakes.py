"""The classic backprop mistakes, each as the lecture's D(l) computed with that one slip.

A mistake is recognised by its signature: the student's D(l) equal, entry for
entry, to what the lecture's formulas give with the slip made. The formulas
(bias column of Θ(l) first, rows as instances):

    δ(L) = a(L) − y
    δ(l) = Θ(l)ᵀ δ(l+1) .* g'(z(l)), the bias row dropped
    Δ(l) = Σ_instances δ(l+1) a(l)ᵀ, a(l) with its bias unit a_0 = 1
    D(l) = Δ(l)/n + (λ/n) Θ(l), the bias column not regularized

>>> import numpy as np
>>> from neurograph.model.activations import get_activation
>>> g, rng = get_activation("sigmoid"), np.random.default_rng(0)
>>> thetas, a = [rng.normal(size=(1, 3))], [rng.normal(size=(4, 2)), rng.random((4, 1))]
>>> right = lecture_D(thetas, a, [None, None], [None, g], a[1] - 1.0, lam=1.0)
>>> slip = lecture_D(thetas, a, [None, None], [None, g], a[1] - 1.0, lam=1.0, divide=False)
>>> bool(np.allclose(slip[0][:, 0], 4 * right[0][:, 0]))  # the bias column is Δ alone
True
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from ..engines.gradcheck import ATOL, RTOL  # one entry agrees as one link does in gradcheck


@dataclass(frozen=True)
class Mistake:
    """One classic mistake: ``key``, in ``words``, the lecture's ``formula`` it breaks,
    and ``detail`` (which form of it the student's numbers show)."""

    key: str
    words: str
    formula: str
    detail: str = ""

    def __str__(self) -> str:
        more = f" ({self.detail})" if self.detail else ""
        return f"{self.words}{more}: the lecture's {self.formula}"


DELTA = "δ(l) = Θ(l)ᵀ δ(l+1) .* g'(z(l)), bias row dropped"
D_FORMULA = "D(l) = Δ(l)/n + (λ/n) Θ(l), bias column not regularized"
MISTAKES = {
    "no_gprime": ("g'(z) left out of δ(l)", DELTA),
    "bias_row_kept": ("the bias row of Θ kept in δ(l)", DELTA),
    "bias_column_regularized": ("the bias column regularized", D_FORMULA),
    "lambda_not_over_n": ("the regularization not λ/n", D_FORMULA),
    "Delta_not_divided": ("Δ not divided by n", D_FORMULA),
    "theta_not_transposed": ("Θ not transposed", DELTA),
    "delta_sign_flipped": ("the sign of δ(L) flipped", "δ(L) = a(L) − y"),
    "no_bias_unit": ("a(l) without the bias unit",
                     "Δ(l) = Σ δ(l+1) a(l)ᵀ with the bias unit a_0(l) = 1"),
}

# (key, detail, the slip as arguments of lecture_D)
FORMS = [
    ("no_gprime", "", {"gprime": False}),
    ("bias_row_kept", "δ(l) passed down with its bias entry: D(l−1) has a row too many",
     {"bias_row": "extra"}),
    ("bias_row_kept", "the bias row kept and the last unit's row dropped",
     {"bias_row": "shifted"}),
    ("bias_column_regularized", "", {"reg_bias": True}),
    ("lambda_not_over_n", "λΘ: λ without /n", {"reg": "lam"}),
    ("lambda_not_over_n", "(λ/2n)Θ: the cost's λ/(2n) kept", {"reg": "half"}),
    ("lambda_not_over_n", "the (λ/n)Θ term left out", {"reg": "none"}),
    ("Delta_not_divided", "", {"divide": False}),
    ("theta_not_transposed", "δ(l) = Θ(l) δ(l+1) with the bias column dropped",
     {"transpose": False}),
    ("delta_sign_flipped", "y − a in place of a − y", {"sign": -1.0}),
    ("no_bias_unit", "D(l) without its bias column", {"bias_unit": "missing"}),
    ("no_bias_unit", "a_0 = 0 in place of 1", {"bias_unit": "zero"}),
]
_SCALE = {"lam/n": lambda lam, n: lam / n, "lam": lambda lam, n: lam,
          "half": lambda lam, n: lam / (2 * n), "none": lambda lam, n: 0.0}


def lecture_D(thetas, a, z, acts, dL, lam, *, gprime=True, bias_row=None, reg_bias=False,
              reg="lam/n", divide=True, transpose=True, sign=1.0, bias_unit="one"):
    """[D(1), …, D(L−1)] by the lecture's formulas, with the slips the flags name.

    ``a``, ``z``: per layer (n, s_l), index 0 the inputs; ``acts``: the layers'
    activations (index 0 unused); ``dL``: δ(L) (n, s_L). NaN marks an entry any
    value fills (the row a kept bias entry adds). None when the slip cannot run on
    these shapes (Θ not transposed needs s_l = s_{l+1}).
    """
    n = dL.shape[0]
    delta = sign * dL
    out = [None] * len(thetas)
    extra = False
    for k in range(len(thetas) - 1, -1, -1):  # Θ(k+1): layer k+1 → k+2
        T = thetas[k]
        if bias_unit == "missing":
            A = a[k]
        else:
            A = np.hstack([np.full((n, 1), 0.0 if bias_unit == "zero" else 1.0), a[k]])
        D = delta.T @ A
        if divide:
            D = D / n
        R = _SCALE[reg](lam, n) * T
        if not reg_bias:
            R[:, 0] = 0.0
        D = D + (R[:, 1:] if bias_unit == "missing" else R)
        if extra:
            D = np.vstack([np.full((1, D.shape[1]), np.nan), D])
        out[k] = D
        if k == 0:
            break
        if transpose:
            back = delta @ T  # row-wise Θᵀδ: column 0 is the bias row
            back = back[:, :-1] if bias_row == "shifted" else back[:, 1:]
        elif T.shape[0] == T.shape[1] - 1:
            back = delta @ T[:, 1:].T
        else:
            return None
        extra = bias_row == "extra"
        delta = acts[k].backprop(z[k], a[k], back) if gprime else back
    return out


def matches(got, variant) -> bool:
    """True when every D(l) has the variant's shape and agrees where it is not NaN."""
    if variant is None:
        return False
    for g, v in zip(got, variant):
        if g is None or g.shape != v.shape:
            return False
        known = ~np.isnan(v)
        if not np.allclose(g[known], v[known], rtol=RTOL, atol=ATOL):
            return False
    return True


def recognise(got, *context) -> list[Mistake]:
    """The mistakes whose signature the student's [D(l)] shows: one, else a pair.

    ``context``: thetas, a, z, acts, dL, lam as for :func:`lecture_D`. Slips that
    change nothing on this network (λ slips at λ = 0) are not tried.
    """
    if any(g is None or not np.all(np.isfinite(g)) for g in got):
        return []
    right = lecture_D(*context)
    forms = []
    for key, detail, flags in FORMS:
        v = lecture_D(*context, **flags)
        if v is not None and not matches(v, right):
            forms.append((key, detail, flags))
            if matches(got, v):
                return [_mistake(key, detail)]
    for (k1, d1, f1), (k2, d2, f2) in itertools.combinations(forms, 2):
        if k1 != k2 and set(f1).isdisjoint(f2) and matches(got, lecture_D(*context, **f1, **f2)):
            return [_mistake(k1, d1), _mistake(k2, d2)]
    return []


def _mistake(key: str, detail: str) -> Mistake:
    words, formula = MISTAKES[key]
    return Mistake(key, words, formula, detail)

