"""The lab bench: what silencing each unit does, and what changed between two moments.

``lesion_study`` silences each hidden unit in turn (one forward pass each, no
recompiling) and tabulates J and accuracy; ``compare`` lists what changed
between two networks of one structure, or two Traces or Steps of one network.
Both results read at a debugger prompt and print as Markdown.

>>> import neurograph as ng
>>> X, y = ng.data.truth_table("XOR")
>>> net = ng.Network.from_architecture([2, 3, 1], seed=4)
>>> _ = ng.Trainer(net, alpha=2.0).fit(X, y, epochs=2000)
>>> study = ng.lesion_study(net, X, y)
>>> [r.unit for r in study.rows] == sorted(study.values(), key=lambda u: -study.values()[u])
True
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .diagnosis import diagnose
from .engines.passes import inputs, labels_of, targets
from .engines.sweep import Pass, make_engine
from .engines.trace import Trace
from .errors import ConfigError, StaleTraceError, renamed, renamed_keywords
from .model import Network
from .render import diagrams
from .train.records import Step


@dataclass
class LesionRow:
    """One silenced unit: J and accuracy with it silent, and their change (ΔJ is NaN,
    undefined, when J with the unit silent or the intact J is not finite)."""

    unit: str
    J: float
    dJ: float
    accuracy: float
    d_accuracy: float


@dataclass
class LesionStudy:
    """Rows sorted by effect (largest ΔJ first; rows whose ΔJ is undefined last), the
    intact network's J and accuracy, and the network studied (``net``)."""

    J: float
    accuracy: float
    rows: list = field(default_factory=list)
    net: Network | None = field(default=None, repr=False, compare=False)

    @property
    def finite(self) -> bool:
        """Whether the intact J and every J with a unit silent are finite numbers; when
        not, ΔJ ranks only the rows where both are, and the report says so."""
        return bool(np.isfinite([self.J, *(r.J for r in self.rows)]).all())

    def _warning(self) -> list[str]:
        if self.finite:
            return []
        bad = [r.unit for r in self.rows if not np.isfinite(r.J)]
        which = (["the intact J"] if not np.isfinite(self.J) else []) + \
            ([f"J with {', '.join(bad)} silenced"] if bad else [])
        return [f"not finite: {' and '.join(which)}; ΔJ is undefined where either J is "
                "not finite (J overflowed: the weights are too large)"]

    def values(self, what: str = "dJ") -> dict:
        """{unit name: ΔJ} (or "J", "accuracy", "d_accuracy"), for ``ng.diagram(values=…)``;
        units whose value is not finite (ΔJ undefined) are left out."""
        got = {r.unit: getattr(r, what) for r in self.rows}
        return {u: v for u, v in got.items() if np.isfinite(v)}

    def diagram(self, net=None, top: int = 5, **options):
        """The network studied with units filled by ΔJ when silenced (a graphviz.Digraph).

        The ``top`` units of largest |ΔJ| are drawn even in a collapsed layer (with
        any ``keep=`` given). ``net`` defaults to the network studied; another one
        must have the study's units.

        >>> import neurograph as ng
        >>> net = ng.Network.from_architecture([4, 20, 2], seed=0)
        >>> study = ng.lesion_study(net, [[0.0, 1.0, 2.0, 3.0]], [1])
        >>> top = max(study.values().items(), key=lambda kv: abs(kv[1]))[0]
        >>> f'label="{top}\\\\n' in study.diagram(collapse=6, top=1).source  # drawn, labelled
        True
        """
        net = self.net if net is None else net
        if net is None:
            raise ConfigError("this LesionStudy has no network (it was not made by "
                              "ng.lesion_study): pass study.diagram(net)")
        if isinstance(top, (bool, np.bool_)) or not isinstance(top, (int, np.integer)) \
                or top < 0:
            raise ConfigError(f"top must be an int ≥ 0 (units of largest |ΔJ| always "
                              f"drawn), got {top!r}")
        values = self.values()
        biggest = sorted(values, key=lambda u: (-abs(values[u]), u))[:top]
        keep = [*biggest, *(options.pop("keep", None) or ())]
        return diagrams.diagram(net, values=values, label="ΔJ when silenced", keep=keep,
                                **options)

    def _table(self) -> list[tuple]:
        return [(r.unit, f"{r.J:.6g}", f"{r.dJ:+.6g}" if np.isfinite(r.dJ) else "undefined",
                 f"{r.accuracy:.4f}", f"{r.d_accuracy:+.4f}") for r in self.rows]

    def to_markdown(self) -> str:
        """The table in Markdown, the intact network's numbers above it."""
        head = ("unit", "J", "ΔJ", "accuracy", "Δaccuracy")
        lines = [f"intact: J = {self.J:.6g}, accuracy = {self.accuracy:.4f}",
                 *(f"**{w}**" for w in self._warning()), "",
                 "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(row) + " |" for row in self._table()]
        return "\n".join(lines)

    def __repr__(self) -> str:
        rows = [("unit", "J", "ΔJ", "accuracy", "Δaccuracy"), *self._table()]
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        body = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
        return (f"LesionStudy(intact J={self.J:.6g}, accuracy={self.accuracy:.4f}, "
                f"{len(self.rows)} units)\n" + "\n".join(self._warning() + body))


def lesion_study(net, X, y, lam: float = 0.0, loss: str = "auto",
                 engine: str = "auto") -> LesionStudy:
    """Silence each hidden unit in turn; J and accuracy with it silent, sorted by ΔJ.

    One forward pass per unit on one engine (no recompiling); the network is
    left exactly as it was. ``lam`` is checked as ``net.cost`` checks it. When a
    J is not finite, ΔJ of its row is NaN (undefined), the row goes last, and
    ``study.finite`` is False (the table says so).

    Raises
    ------
    ConfigError
        λ not a finite number ≥ 0; no instances.

    Examples
    --------
    >>> import neurograph as ng
    >>> net = ng.Network.from_thetas([[[-30., 20., 20.], [10., -20., -20.]],
    ...                               [[-10., 20., 20.]]])          # XNOR
    >>> X, y = ng.data.truth_table("XNOR")
    >>> study = ng.lesion_study(net, X, y)
    >>> [(r.unit, r.accuracy) for r in study.rows]
    [('a2_1', 0.75), ('a2_2', 0.75)]
    """
    e = make_engine(net, lam, loss, engine)
    X = inputs(net, X)
    Y = targets(net, y, X.shape[0], e.loss)
    if X.shape[0] == 0:
        raise ConfigError("a lesion study needs at least one instance, got 0")
    labels = labels_of(net, Y) if Y.shape[1] > 1 else (Y[:, 0] >= 0.5).astype(np.intp)

    def run() -> tuple[float, float]:
        p = Pass(net, e, X, Y, backward=False)
        J = p.complete()
        return J, float((labels_of(net, p.outputs()) == labels).mean())

    J0, acc0 = run()
    rows = []
    for lay in net.layers[1:-1]:
        for u in lay.nodes:
            with net.lesion(units=[u]):
                J, acc = run()
            # inf − inf is NaN and inf − x ranks a diverged baseline as an effect: ΔJ is
            # a number only between two finite J
            dJ = J - J0 if np.isfinite(J) and np.isfinite(J0) else float("nan")
            rows.append(LesionRow(u.name, J, dJ, acc, acc - acc0))
    rows.sort(key=lambda r: (0, -r.dJ, r.unit) if np.isfinite(r.dJ) else (1, 0.0, r.unit))
    return LesionStudy(J0, acc0, rows, net)


@dataclass
class Comparison:
    """What changed from ``a`` to ``b``: per link (source, target, before, after, Δw),
    per unit (name, Δa, Δδ) for ``row`` of the Traces, largest first; for networks of
    different structure, the units and links only one of them has."""

    kind: str  # "networks" or "traces"
    links: list = field(default_factory=list)
    units: list = field(default_factory=list)
    row: int | None = None
    only_in_a: list = field(default_factory=list)
    only_in_b: list = field(default_factory=list)

    @property
    def instance(self) -> int | None:
        """Former name of ``row`` (a row of the Traces, not of X)."""
        renamed("comparison.instance", "comparison.row")
        return self.row

    @property
    def same_structure(self) -> bool:
        return not self.only_in_a and not self.only_in_b

    def link_deltas(self) -> dict:
        """{(source name, target name): Δw}."""
        return {(s, t): d for s, t, _, _, d in self.links}

    def unit_deltas(self, what: str = "delta") -> dict:
        """{unit name: Δδ} (``what="a"``: Δa); empty for networks."""
        k = 2 if what == "delta" else 1
        return {r[0]: r[k] for r in self.units if r[k] is not None}

    def _lines(self, top: int | None) -> list[str]:
        out = []
        if not self.same_structure:
            out.append(f"only in a: {', '.join(self.only_in_a) or '-'}")
            out.append(f"only in b: {', '.join(self.only_in_b) or '-'}")
        changed = [r for r in self.links if r[4] != 0]
        out.append(f"{len(changed)} of {len(self.links)} links changed")
        for s, t, w0, w1, d in changed[:top]:
            out.append(f"  {s} → {t}: {w0:.6g} → {w1:.6g} (Δw = {d:+.6g})")
        if self.units:
            out.append(f"units, row {self.row}:")
            for name, da, dd in self.units[:top]:
                ds = "-" if dd is None else f"{dd:+.6g}"
                out.append(f"  {name}: Δa = {da:+.6g}, Δδ = {ds}")
        return out

    def to_markdown(self) -> str:
        """Every change as Markdown tables (links, then units)."""
        md = [f"- {line}" for line in self._lines(0)[:-1]] if not self.same_structure else []
        md += ["| link | w (a) | w (b) | Δw |", "|---|---|---|---|"]
        md += [f"| {s} → {t} | {w0:.6g} | {w1:.6g} | {d:+.6g} |" for s, t, w0, w1, d in self.links]
        if self.units:
            md += ["", f"| unit (row {self.row}) | Δa | Δδ |", "|---|---|---|"]
            md += [f"| {n} | {da:+.6g} | {'-' if dd is None else f'{dd:+.6g}'} |"
                   for n, da, dd in self.units]
        return "\n".join(md)

    def __repr__(self) -> str:
        return f"Comparison({self.kind})\n" + "\n".join(self._lines(10))


def _key(link) -> tuple[str, str]:
    return (link.source.name, link.target.name)


@renamed_keywords("ng.compare", instance="row")
def compare(a, b, row: int = 0) -> Comparison:
    """What changed from ``a`` to ``b``: two networks, or two Traces or Steps of one network.

    For Traces, the units' Δa and Δδ are of ``row``, a 0-based row of both Traces
    (formerly ``instance=``: it warns). Raises ConfigError for a mix of kinds, or
    Traces of different networks (or of one network before and after its layout
    changed), or ``row`` out of range.

    Examples
    --------
    >>> import neurograph as ng
    >>> a = ng.Network.from_thetas([[[0.0, 1.0, 2.0]]]); b = a.copy()
    >>> b.link("x2", "a2_1").weight = 2.5
    >>> ng.compare(a, b).links[0]
    ('x2', 'a2_1', 2.0, 2.5, 0.5)
    """
    if isinstance(a, Network) and isinstance(b, Network):
        return _compare_networks(a, b)
    ta = a.trace if isinstance(a, Step) else a
    tb = b.trace if isinstance(b, Step) else b
    if not (isinstance(ta, Trace) and isinstance(tb, Trace)):
        raise ConfigError(f"compare takes two Networks, or two Traces or Steps; got "
                          f"{type(a).__name__} and {type(b).__name__}")
    net = None if ta.network_ref is None else ta.network_ref()  # even if stale: say so
    if ta.owner != tb.owner or ta.version != tb.version or net is None:
        raise ConfigError("compare needs two traces of one network with one layout; got "
                          "traces of different networks (or from before and after a change "
                          "of topology): compare the networks instead (ng.compare(net_a, net_b))")
    try:
        ta.check(net)
    except StaleTraceError as exc:
        raise StaleTraceError(f"cannot compare: {exc}") from None
    if isinstance(row, bool) or not isinstance(row, (int, np.integer)) or \
            not 0 <= row < min(ta.n, tb.n):
        raise ConfigError(f"row must be a 0-based row of the traces in "
                          f"0..{min(ta.n, tb.n) - 1}, got {row!r}")
    links = [(*_key(li), float(ta.theta[li.index]), float(tb.theta[li.index]),
              float(tb.theta[li.index] - ta.theta[li.index])) for li in net.links]
    units = []
    for u in net.nodes:
        va, vb = ta.node_value(u, "a"), tb.node_value(u, "a")
        if va is None or vb is None:
            continue
        da, db = ta.node_value(u, "delta"), tb.node_value(u, "delta")
        dd = None if da is None or db is None else float(db[row] - da[row])
        units.append((u.name, float(vb[row] - va[row]), dd))
    links.sort(key=lambda r: -abs(r[4]))
    units.sort(key=lambda r: -abs(r[2] if r[2] is not None else r[1]))
    return Comparison("traces", links, units, int(row))


def _compare_networks(a: Network, b: Network) -> Comparison:
    la = {_key(li): li.weight for li in a.links}
    lb = {_key(li): li.weight for li in b.links}
    ua = [u.name for u in a.nodes]
    ub = [u.name for u in b.nodes]
    only_a = [n for n in ua if n not in set(ub)] + [f"{s} → {t}" for s, t in la if (s, t) not in lb]
    only_b = [n for n in ub if n not in set(ua)] + [f"{s} → {t}" for s, t in lb if (s, t) not in la]
    links = [(s, t, la[s, t], lb[s, t], lb[s, t] - la[s, t]) for s, t in la if (s, t) in lb]
    links.sort(key=lambda r: -abs(r[4]))
    return Comparison("networks", links, [], None, only_a, only_b)


@renamed_keywords("ng.diagram", instance="row")
def diagram(net, show: str = "structure", trace=None, *, between=None, diagnosis=None,
            **options):
    """``ng.diagram``: what the view needs is made here, then render draws it.

    show="health" diagnoses ``trace`` (or the weights alone) unless ``diagnosis`` is
    given; show="changes" compares ``between=(a, b)`` (two networks, Traces or Steps)
    unless a Comparison is given. Everything else is
    :func:`neurograph.render.diagram`'s (its parameters, its errors): render stands
    below diagnosis and the lab bench and draws the data it is handed.

    >>> import neurograph as ng
    >>> X, y = ng.data.truth_table("XOR")
    >>> net = ng.Network.from_architecture([2, 2, 1]); net.weights.theta[:] = 0
    >>> "symmetric" in ng.diagram(net, show="health", trace=net.backward(X, y)).source
    True
    >>> "Δw" in ng.diagram(net, show="changes", between=(net, net.copy())).source
    True
    """
    return diagrams.diagram(net, show=show, trace=trace, **view_data(net, show, trace,
                                                                      between, diagnosis),
                            **options)


def view_data(net, show: str, trace=None, between=None, diagnosis=None) -> dict:
    """``between=`` and ``diagnosis=`` as render takes them: the Diagnosis of ``trace``
    (or of the weights) for show="health", the Comparison of a pair for "changes"."""
    if show == "health" and diagnosis is None:
        tr = trace.trace if isinstance(trace, Step) else trace
        diagnosis = diagnose(tr, net=net) if tr is not None else diagnose(net)
    if show == "changes" and isinstance(between, (tuple, list)):
        if len(between) != 2:
            raise ConfigError(f"show='changes' needs between=(a, b): two networks, Traces or "
                              f"Steps; got {len(between)} item(s)")
        between = compare(*between)
    return {"between": between, "diagnosis": diagnosis}
