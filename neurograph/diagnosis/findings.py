"""What a diagnosis says: findings, their thresholds, and the Diagnosis that holds them.

>>> d = Diagnosis([Finding("dead", "ReLU units never fire", units=("h1",),
...                        evidence={"h1: max z": -9.5}, confidence=1.0,
...                        advice="raise the bias")])
>>> d.ok, d.kinds(), d.units("dead")
(False, ['dead'], ['h1'])
>>> Diagnosis([])
Diagnosis: healthy (no findings)
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from ..errors import ConfigError
from ..notation import link_label

KINDS = ("nonfinite", "huge_weights", "symmetric", "saturated", "dead", "vanishing",
         "exploding", "stuck_output", "stuck_cost", "learning_rate")


@dataclass(frozen=True)
class Thresholds:
    """Where each finding starts; every one can be set, e.g. ``Thresholds(saturated=0.01)``.

    saturated : a sigmoid/tanh unit is saturated on an instance when g'(z) is
        below this fraction of g''s maximum (0.25 for sigmoid, 1 for tanh) ...
    saturated_share : ... on at least this share of the instances.
    dead_share : a ReLU unit is dead when z ≤ 0 on at least this share (1: every instance).
    delta_factor : ‖δ‖ (root mean square per unit) falling (vanishing) or growing
        (exploding) by more than this factor per layer going back, and by its
        square over the whole backward sweep.
    symmetric_rtol : units are symmetric when their incoming weights agree to this
        tolerance relative to the largest of them, and so do their outgoing weights.
    huge_weight : a weight of larger magnitude is astronomically large: the run that
        made it diverged (or is diverging), whatever J still says.
    stuck_spread : an output is stuck when its decision is the same on every
        instance and its activation moves less than this fraction of the targets'
        spread across them.
    stuck_epochs : the last k epochs a J must fall over ...
    stuck_fall : ... by at least this fraction, unless J is already below
        ``stuck_level`` × its first value (a converged run is not stuck).
    stuck_level : see ``stuck_fall``.
    rising_share : α too large when J rose on at least this share of the last
        ``stuck_epochs`` epochs, or J ended above its first value.

    >>> Thresholds(delta_factor=8).delta_factor
    8.0
    """

    saturated: float = 0.05
    saturated_share: float = 0.9
    dead_share: float = 1.0
    delta_factor: float = 4.0
    symmetric_rtol: float = 1e-9
    huge_weight: float = 1e10
    stuck_spread: float = 0.01
    stuck_epochs: int = 20
    stuck_fall: float = 0.01
    stuck_level: float = 0.5
    rising_share: float = 0.4

    def __post_init__(self):
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not v == v or v <= 0:
                raise ConfigError(f"threshold {f.name} must be a number > 0, got {v!r}")
            if f.name == "stuck_epochs" and v != int(v):  # 0.5 epochs would become 0
                raise ConfigError(f"threshold stuck_epochs must be a whole number of epochs "
                                  f"≥ 1, got {v!r}")
            object.__setattr__(self, f.name, int(v) if f.name == "stuck_epochs" else float(v))
        if self.delta_factor <= 1:
            raise ConfigError(f"threshold delta_factor must be > 1, got {self.delta_factor}")


@dataclass(frozen=True)
class Finding:
    """One thing wrong: its kind, the units (by name) and links (by θ index,
    ``link.index``; ``link_names`` say them as 'source→target' for reports) it
    concerns, the evidence as numbers, how sure it is (0…1), what to try, and where
    (for a non-finite value: epoch, batch, instance, layer, phase)."""

    kind: str
    summary: str
    units: tuple = ()
    links: tuple = ()
    evidence: dict = field(default_factory=dict)
    confidence: float = 1.0
    advice: str = ""
    where: dict = field(default_factory=dict)
    path: tuple = ()  # units that carried a non-finite value, from the loss back to its origin
    link_names: tuple = ()  # the links' readable names, in the order of ``links``

    def line(self) -> str:
        """One line: kind, units, summary."""
        who = _names(self.units) or _names(self.link_names)
        return f"{self.kind}: {self.summary}" + (f" [{who}]" if who else "")


def linked(links) -> dict:
    """``links=`` and ``link_names=`` of a Finding about these Links (one place that
    names them both ways).

    >>> import neurograph as ng
    >>> net = ng.Network.from_thetas([[[-30.0, 20.0, 20.0]]])
    >>> linked([net.link("x1", "a2_1"), net.link("x2", "a2_1")])
    {'links': (1, 2), 'link_names': ('x1→a2_1', 'x2→a2_1')}
    """
    links = list(links)
    return {"links": tuple(int(k.index) for k in links),
            "link_names": tuple(link_label(k) for k in links)}


def _names(names, k: int = 6) -> str:
    names = list(names)
    return ", ".join(names[:k]) + (f", … ({len(names) - k} more)" if len(names) > k else "")


def _num(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


class Diagnosis:
    """The findings about one moment or one run; ``ok`` when there are none.

    Iterates, indexes and counts like the list of its findings.

    ``notes`` say what could not be judged (a sample too small to tell): they are
    no findings, and ``ok`` does not read them.
    """

    def __init__(self, findings, subject: str = "", notes=()):
        self.findings: list[Finding] = list(findings)
        self.subject = subject
        self.notes: list[str] = list(dict.fromkeys(notes))

    @property
    def ok(self) -> bool:
        """True when nothing was found."""
        return not self.findings

    def __iter__(self):
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    def __getitem__(self, i):
        return self.findings[i]

    def __bool__(self) -> bool:
        # a Diagnosis object is always "there"; use .ok for the verdict
        return True

    def kinds(self) -> list[str]:
        """Kinds found, in order of the findings, each once."""
        return list(dict.fromkeys(f.kind for f in self.findings))

    def of(self, kind: str) -> list[Finding]:
        """The findings of one kind."""
        return [f for f in self.findings if f.kind == kind]

    def units(self, kind: str | None = None) -> list[str]:
        """Names of the units concerned (of one kind, or of all), each once."""
        return list(dict.fromkeys(u for f in self.findings if kind in (None, f.kind)
                                  for u in f.units))

    def __repr__(self) -> str:
        head = f"Diagnosis{' of ' + self.subject if self.subject else ''}"
        lines = [f"{head}: healthy (no findings)" if self.ok else
                 f"{head}: {len(self.findings)} finding(s)"]
        lines += [f"  {k}. {f.line()}" for k, f in enumerate(self.findings, 1)]
        lines += [f"  not judged: {n}" for n in self.notes]
        return "\n".join(lines)

    __str__ = __repr__

    def to_markdown(self) -> str:
        """The findings as a Markdown section: per finding its units, evidence and advice.

        >>> print(Diagnosis([]).to_markdown())
        ## Diagnosis
        <BLANKLINE>
        Healthy: no findings.
        """
        out = ["## Diagnosis" + (f" of {self.subject}" if self.subject else ""), ""]
        notes = [f"- not judged: {n}" for n in self.notes]
        if self.ok:
            return "\n".join(out + ["Healthy: no findings."] + ([""] + notes if notes else []))
        for k, f in enumerate(self.findings, 1):
            out.append(f"### {k}. {f.kind}: {f.summary}")
            out.append("")
            if f.units:
                out.append(f"- units: {_names(f.units, 20)}")
            if f.link_names:
                out.append(f"- links: {_names(f.link_names, 20)}")
            if f.where:
                out.append("- where: " + ", ".join(f"{k2} = {v}" for k2, v in f.where.items()))
            if f.path:
                out.append("- path (from the loss back to the origin): " + " ← ".join(f.path))
            for name, v in f.evidence.items():
                out.append(f"- {name}: {_num(v)}")
            out.append(f"- confidence: {f.confidence:.2f}")
            if f.advice:
                out.append(f"- try: {f.advice}")
            out.append("")
        return "\n".join(out + notes).rstrip() + "\n"
