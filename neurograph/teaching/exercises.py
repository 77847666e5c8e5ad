"""ng.exercise: a seeded exercise in the lecture's notation, its answers, and grading.

A "forward", "backprop" or "update" exercise is a small sigmoid network with
weights of one decimal, one instance and the questions z(l)_j, a(l)_j, J,
δ(l)_j, D(l)_j,i and (update) the new Θ(l)_j,i, to be worked by hand to
``PLACES`` decimal places. A "count" exercise asks for the size of each Θ(l), the
parameters and the connections of a network. The same seed gives the same exercise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import ConfigError, LabelError
from ..model import Network
from .byhand import _normalise, agrees, check_by_hand
from .sheet import PLACES, html, markdown
from .worked import explain

KINDS = ("forward", "backprop", "update", "count")
_PRETTY = (("delta", "δ"), ("Delta", "Δ"), ("Theta", "Θ"))


def pretty(name: str) -> str:
    """A worked example's name as the sheet writes it: "delta(3)_1" → "δ(3)_1"."""
    for a, b in _PRETTY:
        name = name.replace(a, b)
    return name


def check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ConfigError(f"seed must be a whole number, got {seed!r}")
    return int(seed)


@dataclass
class Graded:
    """One question graded: ``status`` "right", "rounding" (right for hand arithmetic
    rounded to the sheet's places; not to full precision), "wrong" or "missing"."""

    name: str
    given: object
    want: float
    status: str
    hand: float | None = None  # the value hand arithmetic with rounded steps gives


@dataclass
class ExerciseCheck:
    """An exercise's answers graded: ``ok``, and ``wrong``, ``missing`` and ``rounding``
    (accepted, the difference is the sheet's rounding) by name."""

    rows: list = field(default_factory=list)

    def _names(self, status: str) -> list[str]:
        return [r.name for r in self.rows if r.status == status]

    @property
    def wrong(self) -> list[str]:
        return self._names("wrong")

    @property
    def missing(self) -> list[str]:
        return self._names("missing")

    @property
    def rounding(self) -> list[str]:
        return self._names("rounding")

    @property
    def ok(self) -> bool:
        return not (self.wrong or self.missing)

    def __str__(self) -> str:
        out = []
        for r in self.rows:
            given = "—" if r.status == "missing" else str(r.given)
            note = (f"right from rounded steps ({r.hand:.{PLACES}f}): the difference is "
                    "rounding, not a mistake" if r.status == "rounding" else
                    {"right": "right", "missing": "MISSING", "wrong": "WRONG"}[r.status])
            out.append(f"{r.name:>16}  yours {given:<12} answer {r.want:<14.8g} {note}")
        listed = [f"{what}: {', '.join(names)}" for what, names in
                  (("wrong", self.wrong), ("missing", self.missing)) if names]
        out.append("all right" if self.ok else "; ".join(listed))
        return "\n".join(out)

    def __repr__(self) -> str:
        return (f"ExerciseCheck(ok={self.ok}, wrong={self.wrong}, missing={self.missing}, "
                f"rounding={self.rounding})")


class Exercise:
    """One exercise: ``kind``, ``seed``, the network ``net`` (None for "count"),
    ``s``, the instance ``x`` and target ``y``, the learning rate ``alpha``.

    Examples
    --------
    >>> import neurograph as ng
    >>> ex = ng.exercise("backprop", seed=11)
    >>> ex.s, list(ex.answers())[:3]
    ([2, 2, 1], ['z(2)_1', 'a(2)_1', 'z(2)_2'])
    >>> ex.check(ex.answers()).ok
    True
    >>> chk = ex.check({**ex.answers(), "δ(3)_1": 0.5})
    >>> chk.wrong, chk.missing
    (['δ(3)_1'], [])
    """

    def __init__(self, kind: str, seed: int):
        if kind not in KINDS:
            raise ConfigError(f"unknown exercise kind {kind!r}; known: {', '.join(KINDS)}")
        self.kind, self.seed = kind, check_seed(seed)
        rng = np.random.default_rng([self.seed, KINDS.index(kind)])
        self.net = self.x = self.y = self.alpha = None
        if kind == "count":
            self.s = [int(rng.choice([4, 9, 16, 25, 64, 400]))]
            self.s += [int(rng.integers(2, 31)) for _ in range(int(rng.integers(1, 3)))]
            self.s.append(int(rng.integers(1, 11)))
            return

        self.s = [int(rng.integers(2, 4)), int(rng.integers(2, 4)), int(rng.integers(1, 3))]
        thetas = [np.round(rng.uniform(-1, 1, (b, a + 1)), 1) for a, b in zip(self.s, self.s[1:])]
        self.net = Network.from_thetas(thetas)
        self.x = np.round(rng.uniform(-1, 1, self.s[0]), 1)
        label = int(rng.integers(0, self.s[-1] if self.s[-1] > 1 else 2))
        self.y = np.eye(self.s[-1])[label] if self.s[-1] > 1 else np.array([float(label)])
        if kind == "update":
            self.alpha = float(rng.choice([0.5, 1.0, 2.0]))

    # --- the questions and their answers -----------------------------------------------
    def _exact(self) -> dict:
        """{worked name: value} of every question, to full precision."""
        if self.kind == "count":
            return _counts(self.s)

        values = explain(self.net, self.x, self.y, alpha=self.alpha, loss="cross_entropy").values
        return {k: v for k, v in values.items() if _asked(self.kind, k)}

    def answers(self) -> dict:
        """{name: value} for every question, in the lecture's notation and order."""
        return {pretty(k): v for k, v in self._exact().items()}

    def hand(self, places: int | None = PLACES) -> dict:
        """{name: value} worked as by hand: every step rounded to ``places`` decimals
        and the rounded value used in the next (None: no rounding)."""
        if self.kind == "count":
            return self.answers()
        return {pretty(k): v for k, v in hand_values(self, places).items()
                if _asked(self.kind, k)}

    def check(self, answers: dict, hand: bool = False) -> ExerciseCheck:
        """Grade ``answers`` ({name: value}) by ``check_by_hand``'s rule: a value agrees when
        the answer rounds to it at the decimal places written.

        With ``hand=True`` an answer worked from rounded intermediates (each step rounded
        to the sheet's places, as by hand) is accepted too, and marked "rounding".

        Raises
        ------
        ConfigError
            ``answers`` not a dict.
        LabelError
            A name this exercise does not ask for; the message lists the ones it does.
        """
        if not isinstance(answers, dict):
            raise ConfigError("answers must be a dict {name: value}, "
                              f"got {type(answers).__name__}")
        exact = self._exact()
        canon = {_normalise(k): k for k in exact}  # "δ(3)_1", "delta(3)_1", "rows Θ(1)" …
        by_name = {}
        for key in answers:
            name = canon.get(_normalise(key))
            if name is None:
                raise LabelError(f"this {self.kind} exercise has no {key!r}; it asks for: "
                                 + ", ".join(pretty(k) for k in exact))
            by_name[name] = answers[key]
        verdict = self._verdicts(by_name)
        rounded = hand_values(self, PLACES) if hand and self.kind != "count" else {}
        rows = []
        for name, want in exact.items():
            if name not in by_name:
                rows.append(Graded(pretty(name), None, want, "missing"))
                continue
            given, status = by_name[name], "right" if verdict[name] else "wrong"
            if status == "wrong" and name in rounded and agrees(rounded[name], given):
                status = "rounding"
            rows.append(Graded(pretty(name), given, want, status, rounded.get(name)))
        return ExerciseCheck(rows)

    def _verdicts(self, given: dict) -> dict:
        if not given:
            return {}
        if self.kind == "count":
            return {k: agrees(_counts(self.s)[k], v) for k, v in given.items()}
        chk = check_by_hand(self.net, self.x, self.y, given, alpha=self.alpha,
                            loss="cross_entropy")
        return {row.key: row.agree for row in chk.rows}

    # --- the sheet ----------------------------------------------------------------------
    def to_markdown(self, key: bool = False) -> str:
        """The sheet in Markdown; ``key=True`` fills in the answers."""
        return markdown(self, key)

    def to_html(self, key: bool = False) -> str:
        """The sheet as an HTML fragment; ``key=True`` fills in the answers."""
        return html(self, key)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def __repr__(self) -> str:
        return f"Exercise({self.kind!r}, seed={self.seed}, s={self.s})"


def _asked(kind: str, name: str) -> bool:
    head = name.split("(")[0]
    asked = {"forward": {"z", "a", "J"}, "backprop": {"z", "a", "J", "delta", "D"}}
    asked["update"] = asked["backprop"] | {"Theta"}
    return head in asked[kind]


def _counts(s: list) -> dict:
    out = {}
    for l, (a, b) in enumerate(zip(s, s[1:]), 1):
        out[f"rows Θ({l})"], out[f"columns Θ({l})"] = b, a + 1
    out["parameters"] = sum(b * (a + 1) for a, b in zip(s, s[1:]))
    out["connections"] = sum(b * a for a, b in zip(s, s[1:]))
    return out


def hand_values(ex: Exercise, places: int | None) -> dict:
    """The exercise's quantities as hand arithmetic gives them (see :meth:`Exercise.hand`);
    sigmoid units and the cross-entropy J, one instance."""
    def r(v):
        return float(v) if places is None else round(float(v), places)

    thetas = ex.net.thetas
    acts = [lay.nodes[0].activation for lay in ex.net.layers[1:]]
    out, a, z = {}, [[r(v) for v in ex.x]], [None]
    for l, (T, act) in enumerate(zip(thetas, acts), 2):
        zl = [r(T[j, 0] + sum(T[j, i + 1] * a[-1][i] for i in range(len(a[-1]))))
              for j in range(T.shape[0])]
        al = [r(act.g(np.array([v]))[0]) for v in zl]
        for j, (zv, av) in enumerate(zip(zl, al), 1):
            out[f"z({l})_{j}"], out[f"a({l})_{j}"] = zv, av
        z.append(zl)
        a.append(al)
    h, y = np.array(a[-1]), ex.y
    out["J"] = r(-np.sum(y * np.log(h) + (1 - y) * np.log(1 - h)))
    deltas = {len(thetas) + 1: [r(av - yv) for av, yv in zip(a[-1], y)]}
    for l in range(len(thetas), 1, -1):
        T, up = thetas[l - 1], deltas[l + 1]
        # g'(z) is a step of its own on the sheet, written down (rounded) before the product
        deltas[l] = [r(r(acts[l - 2].dg(np.array([z[l - 1][i]]), np.array([a[l - 1][i]]))[0])
                       * sum(T[j, i + 1] * up[j] for j in range(len(up))))
                     for i in range(len(a[l - 1]))]
    for l in sorted(deltas, reverse=True):
        out.update({f"delta({l})_{j}": v for j, v in enumerate(deltas[l], 1)})
    for l, T in enumerate(thetas, 1):
        a1 = [1.0] + a[l - 1]
        for j in range(T.shape[0]):
            for i in range(T.shape[1]):
                out[f"D({l})_{j + 1},{i}"] = D = r(deltas[l + 1][j] * a1[i])
                if ex.alpha is not None:
                    out[f"Theta({l})_{j + 1},{i}"] = r(T[j, i] - ex.alpha * D)
    return out


def exercise(kind: str = "backprop", seed: int = 0) -> Exercise:
    """A seeded exercise: ``kind`` "forward", "backprop", "update" or "count".

    Raises
    ------
    ConfigError
        An unknown kind, or a seed that is not a whole number.

    Examples
    --------
    >>> import neurograph as ng
    >>> ex = ng.exercise("count", seed=2)
    >>> ex.s, ex.answers()["parameters"], ex.check({"parameters": 3669, "connections": 3600}).wrong
    ([400, 9, 6], 3669, ['connections'])
    >>> ng.exercise("quiz", seed=1)
    Traceback (most recent call last):
    ...
    neurograph.errors.ConfigError: unknown exercise kind 'quiz'; known: forward, backprop, ...
    """
    return Exercise(kind, seed)
