"""ng.check_by_hand: where did a hand calculation of backprop go wrong?

A student's numbers come keyed by the lecture's names — "z(2)_1", "a(2)_1",
"delta(3)_1", "Delta(1)_1,2", "D(2)_1,2", "Theta(2)_1,2" (the updated weight,
needs alpha), "J" — and each is compared with the worked example to the
digits the student wrote. The answer lists them in the lecture's order, the
first one that disagrees, and the worked line that gives the right value.
"""

from __future__ import annotations

import difflib
import math
import sys
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import numpy as np

from ..errors import ConfigError, LabelError
from ..train.checks import real_arg
from .notation import text_escape
from .worked import explain

_ALIASES = (("δ", "delta"), ("Θ", "Theta"), ("Δ", "Delta"), ("theta", "Theta"))
# The largest finite float; an answer beyond it cannot be any value a network computes.
_MAX = Decimal(sys.float_info.max)


def _normalise(key: str) -> str:
    """The lecture's spelling of an answer's name. Only the symbol is respelled: a unit
    name inside [source→target] is data and stays as written."""
    if not isinstance(key, str):
        raise LabelError(f"answer names must be strings like 'delta(3)_1', got {key!r}")
    key = key.strip()
    cut = key.find("[")
    base, names = (key, "") if cut < 0 else (key[:cut], key[cut:])
    for a, b in _ALIASES:
        base = base.replace(a, b)
    return base.replace(" ", "") + names


def written(given) -> Decimal:
    """The number exactly as the student wrote it, its digits kept.

    A string as typed ("0.3750" keeps its zero, "−" is a minus); a Python float or
    int by its repr; a numpy scalar by the shortest repr of its own precision
    (``np.float32(0.5933)`` wrote 0.5933, not 0.5932999849…). Raises ConfigError
    for anything else (bools, None, text that is not a number).

    >>> written("0.3750"), written(np.float32(0.5933)), written(12)
    (Decimal('0.3750'), Decimal('0.5933'), Decimal('12'))
    """
    if isinstance(given, np.ndarray) and given.shape == ():
        given = given[()]
    if isinstance(given, str):
        text = given.strip().replace("−", "-")
    elif isinstance(given, (bool, np.bool_)):
        text = None
    elif isinstance(given, np.floating):
        text = np.format_float_scientific(given, unique=True)
    elif isinstance(given, (float, int, np.integer)):
        text = repr(float(given)) if isinstance(given, float) else str(int(given))
    else:
        text = None
    try:
        if text is None:
            raise InvalidOperation
        return Decimal(text)
    except InvalidOperation:
        raise ConfigError(f"an answer must be a number, got {given!r} (write e.g. '0.3775' "
                          "or 0.3775)") from None


def decimals(given) -> tuple[float, int]:
    """(value, number of decimal places written): "0.3775" → (0.3775, 4), 4.54e-05 → (…, 7)."""
    d = written(given)
    if not d.is_finite():
        raise ConfigError(f"an answer must be a finite number, got {given!r}")
    return float(d), max(0, -d.as_tuple().exponent)


def verdict(ours: float, given, tol: float = 0.0) -> str:
    """Why ``given`` does not agree with ``ours`` ("" when it agrees).

    The rule: an answer agrees when it is ``ours`` rounded to the digits written
    in it — within half a unit of its last digit, compared exactly (either
    rounding of a tie agrees; a few units in the last place of our float are
    allowed for its own rounding) — or when it is within ``tol`` of ``ours``.
    Non-numbers, inf, NaN and numbers beyond the float range are wrong.

    >>> verdict(0.3775, "0.378"), verdict(0.3775, "0.37")[:34]
    ('', 'ours, 0.3775, rounds to other digi')
    >>> verdict(0.298, "1e400")
    "'1e400' overflows a float (beyond ±1.8e308)"
    """
    try:
        d = written(given)
    except ConfigError as exc:
        return str(exc)
    if not d.is_finite():
        return f"{given!r} is not a finite number"
    if abs(d) > _MAX:
        return f"{given!r} overflows a float (beyond ±1.8e308)"
    if not math.isfinite(ours):
        return f"ours is {ours}: no finite number agrees with it"
    diff = abs(Decimal(ours) - d)
    half = Decimal(5).scaleb(d.as_tuple().exponent - 1)
    if diff <= half + 4 * Decimal(math.ulp(ours)) or diff <= Decimal(tol):
        return ""
    return (f"ours, {ours:.17g}, rounds to other digits (off by {float(diff):.3g}, more "
            f"than half a unit of the last digit written, {float(half):g}"
            + (f", and more than tol = {tol:g})" if tol else ")"))


def agrees(ours: float, given, tol: float = 0.0) -> bool:
    """True when ``given`` agrees with ``ours`` by the rule of :func:`verdict`."""
    return verdict(ours, given, tol) == ""


@dataclass
class Row:
    key: str
    given: object
    ours: float
    agree: bool
    line: str  # the worked line that produces ours
    reason: str = ""  # why the answer does not agree ("" when it does)


@dataclass
class HandCheck:
    """The student's answers in the lecture's order, checked.

    ``rows`` every answer; ``agreed`` the names that agree; ``first_wrong``
    the first name that does not (None when all agree) and ``worked`` the
    worked line producing its right value.
    """

    rows: list = field(default_factory=list)
    digits: int = 9

    @property
    def agreed(self) -> list[str]:
        return [r.key for r in self.rows if r.agree]

    @property
    def first_wrong(self) -> str | None:
        return next((r.key for r in self.rows if not r.agree), None)

    @property
    def worked(self) -> str | None:
        return next((r.line for r in self.rows if not r.agree), None)

    @property
    def ok(self) -> bool:
        return self.first_wrong is None

    def __str__(self) -> str:
        out = []
        wrong_seen = False
        for r in self.rows:
            mark = "agrees" if r.agree else "DIFFERS"
            ours = f"{r.ours:.{self.digits}g}"
            key, given = text_escape(r.key), text_escape(str(r.given))  # names are data
            out.append(f"{key:>14}  yours {given:<14} ours {ours:<{self.digits + 6}}"
                       f"  {mark}")
            if r.reason:
                out.append(f"{'':>16}{r.reason}")
            if not r.agree and not wrong_seen:
                wrong_seen = True
                out.append(f"{'':>14}  the first step that differs; worked out:")
                out.append(f"{'':>16}{r.line}")
        out.append("all agree" if self.ok else f"first difference: {self.first_wrong}")
        return "\n".join(out)

    def __repr__(self) -> str:
        return (f"HandCheck({len(self.agreed)} of {len(self.rows)} agree, "
                f"first_wrong={self.first_wrong!r})")


def check_by_hand(net, X, y, answers: dict, alpha: float | None = None, lam: float = 0.0,
                  loss: str = "auto", units=None, tol: float = 0.0) -> HandCheck:
    """Compare a hand calculation with the network's own numbers, step by step.

    Parameters
    ----------
    answers : {name: value}; names as in the lecture, "z(2)_1", "a(2)_1",
        "delta(3)_1" (or "δ(3)_1"), "Delta(1)_1,2", "D(1)_1,2", "J", and
        "Theta(2)_1,2" for the weight after the update Θ := Θ − αD (needs
        ``alpha``). Values are strings ("0.3750" keeps its zero), floats, ints
        or numpy scalars (a float32 by its own shortest repr).
    tol : an answer within ``tol`` of ours agrees too (default 0: digits only).
    X, y, alpha, lam, loss, units : as in :func:`neurograph.explain`.

    The rule: an answer agrees when it equals our value rounded to the digits
    written in it (compared exactly; at a tie either rounding agrees), or lies
    within ``tol`` of it. Non-numbers, inf, NaN and numbers beyond the float
    range are wrong; each row's ``reason`` says why it does not agree.

    Raises
    ------
    LabelError
        A name that does not exist (the message lists the names that do), or two
        answers for one quantity ("delta(3)_1" and "δ(3)_1").
    ConfigError
        ``answers`` not a dict, ``tol`` not a number ≥ 0, Theta… without ``alpha``.

    Examples
    --------
    >>> import neurograph as ng
    >>> net = ng.Network.from_thetas([[[0.35, 0.15, 0.20], [0.35, 0.25, 0.30]],
    ...                               [[0.60, 0.40, 0.45], [0.60, 0.50, 0.55]]])
    >>> chk = ng.check_by_hand(net, [0.05, 0.10], [0.01, 0.99], loss="mse",
    ...                        answers={"z(2)_1": "0.3775", "a(2)_1": 0.5933, "delta(3)_1": 0.7414})
    >>> chk.agreed, chk.first_wrong
    (['z(2)_1', 'a(2)_1'], 'delta(3)_1')
    >>> print(chk.worked)
    a3_1  δ(3)_1 = (a(3)_1 − y_1)·g'(z(3)_1) = (0.75136507 − 0.01)·0.186815602 = 0.138498562
    """
    if not isinstance(answers, dict) or not answers:
        raise ConfigError(f"answers must be a non-empty dict {{name: value}}, got {answers!r}")
    tol = real_arg("tol", tol, low=0.0)
    keys: dict = {}
    for k in answers:
        name = _normalise(k)
        if name in keys:
            raise LabelError(f"answers {keys[name]!r} and {k!r} both name {name}: give one "
                             "answer per quantity")
        keys[name] = k
    if any(k.startswith("Theta") for k in keys) and alpha is None:
        raise ConfigError("answers name updated weights (Theta…): pass the learning rate alpha")
    we = explain(net, X, y, alpha=alpha, lam=lam, loss=loss, units=units)
    values = we.values
    unknown = [k for k in keys if k not in values]
    if unknown:
        names = list(values)
        hint = difflib.get_close_matches(unknown[0], names, n=1)
        shown = ", ".join(names[:80]) + (", …" if len(names) > 80 else "")
        raise LabelError(f"unknown name {keys[unknown[0]]!r}"
                         + (f" (did you mean {hint[0]!r}?)" if hint else "")
                         + f"; this network's names are: {shown}")
    rows = []
    for name in values:  # the lecture's order, not the order the student wrote them in
        if name in keys:
            given = answers[keys[name]]
            ours = values[name]
            why = verdict(ours, given, tol)
            rows.append(Row(name, given, ours, not why, we.line(name), why))
    return HandCheck(rows, we.digits)
