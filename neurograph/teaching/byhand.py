"""ng.check_by_hand: where did a hand calculation of backprop go wrong?

A student's numbers come keyed by the lecture's names — "z(2)_1", "a(2)_1",
"delta(3)_1", "Delta(1)_1,2", "D(2)_1,2", "Theta(2)_1,2" (the updated weight,
needs alpha), "J" — and each is compared with the worked example to the
digits the student wrote. The answer lists them in the lecture's order, the
first one that disagrees, and the worked line that gives the right value.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from ..errors import ConfigError, LabelError
from .worked import explain

_ALIASES = (("δ", "delta"), ("Θ", "Theta"), ("Δ", "Delta"), ("theta", "Theta"), (" ", ""))


def _normalise(key: str) -> str:
    if not isinstance(key, str):
        raise LabelError(f"answer names must be strings like 'delta(3)_1', got {key!r}")
    for a, b in _ALIASES:
        key = key.replace(a, b)
    return key


def decimals(given) -> tuple[float, int]:
    """(value, number of decimal places written): "0.3775" → (0.3775, 4), 4.54e-05 → (…, 7)."""
    text = given if isinstance(given, str) else repr(float(given))
    try:
        d = Decimal(text.strip().replace("−", "-"))
    except InvalidOperation:
        raise ConfigError(f"an answer must be a number, got {given!r}") from None
    if not d.is_finite():
        raise ConfigError(f"an answer must be a finite number, got {given!r}")
    return float(d), max(0, -d.as_tuple().exponent)


def agrees(ours: float, given) -> bool:
    """True when ``ours`` rounds to ``given`` at the decimal places written in it."""
    value, places = decimals(given)
    half = 0.5 * 10.0 ** -places
    return abs(ours - value) <= half * (1 + 1e-9) + 1e-15 * abs(value)


@dataclass
class Row:
    key: str
    given: object
    ours: float
    agree: bool
    line: str  # the worked line that produces ours


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
            out.append(f"{r.key:>14}  yours {str(r.given):<14} ours {ours:<{self.digits + 6}}"
                       f"  {mark}")
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
                  loss: str = "auto", units=None) -> HandCheck:
    """Compare a hand calculation with the network's own numbers, step by step.

    Parameters
    ----------
    answers : {name: value}; names as in the lecture, "z(2)_1", "a(2)_1",
        "delta(3)_1" (or "δ(3)_1"), "Delta(1)_1,2", "D(1)_1,2", "J", and
        "Theta(2)_1,2" for the weight after the update Θ := Θ − αD (needs
        ``alpha``). A value agrees when ours rounds to it at the decimal places
        written (strings keep trailing zeros: "0.3750").
    X, y, alpha, lam, loss, units : as in :func:`neurograph.explain`.

    Raises
    ------
    LabelError
        A name that does not exist; the message lists the names that do.

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
    keys = {_normalise(k): k for k in answers}
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
            rows.append(Row(name, given, ours, agrees(ours, given), we.line(name)))
    return HandCheck(rows, we.digits)
