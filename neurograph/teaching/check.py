"""ng.check_backprop: a student's own backprop, checked entry by entry as the lecture checks it.

The student's function gets copies of Θ(1)…Θ(L−1), X, Y (one-hot, n × s_L) and λ
and returns [D(1), …, D(L−1)] (or (J, [D…])). Every entry is compared with the
course's numerical gradient (central differences, c = 1e-4) and with
neurograph's own backprop; wrong entries are named by their place in Θ(l) and by
their link, and the classic mistakes are recognised by their signature.
"""

from __future__ import annotations

import html as _html
import traceback
from dataclasses import dataclass, field

import numpy as np

from ..engines.gradcheck import gradcheck
from ..engines.passes import inputs, resolved_loss, targets
from ..errors import ConfigError
from .mistakes import ATOL, RTOL, recognise

SHOWN = 20  # wrong entries written out; the rest are counted


@dataclass(frozen=True)
class WrongEntry:
    """One entry of D(l) that disagrees: Θ(layer)_j,i (j the unit of layer l+1 from 1,
    i the column, 0 the bias), its ``link``, the student's ``got``, the numerical
    ``want`` and neurograph's ``backprop``."""

    layer: int
    j: int
    i: int
    link: object
    got: float
    want: float
    backprop: float

    @property
    def name(self) -> str:
        return f"Θ({self.layer})_{self.j},{self.i}"

    def __str__(self) -> str:
        return f"{self.name}: {self.link.source.name} → {self.link.target.name}"


@dataclass
class BackpropCheck:
    """What :func:`check_backprop` found.

    ``ok`` every entry (and J, when returned) agrees; ``wrong`` the wrong entries,
    highest layer first; ``mistakes`` the classic mistakes recognised;
    ``first_wrong_layer`` the highest l whose D(l) is wrong (errors travel down
    from there); ``problems`` what kept entries from being compared (shapes,
    non-finite values, the student's exception); ``error`` the student's traceback.
    """

    s: list
    n: int
    lam: float
    c: float
    wrong: list = field(default_factory=list)
    mistakes: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    error: str | None = None
    bad_layers: set = field(default_factory=set)
    J: tuple | None = None  # (yours, the course's) when the function returned J
    notes: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)  # layer -> (wrong, compared)

    @property
    def ok(self) -> bool:
        return not (self.wrong or self.problems)

    @property
    def first_wrong_layer(self) -> int | None:
        layers = {w.layer for w in self.wrong} | self.bad_layers
        return max(layers) if layers else None

    def _rows(self) -> list[tuple[str, str, str, str]]:
        return [(str(w), f"{w.got:.8g}", f"{w.want:.8g}", f"{w.backprop:.8g}")
                for w in self.wrong[:SHOWN]]

    def _summary(self) -> list[str]:
        out = [f"D({l}): {k} of {m} entries wrong" if k else f"D({l}): all {m} entries agree"
               for l, (k, m) in sorted(self.counts.items())]
        out += self.problems
        if self.J is not None and not _close(*self.J):
            out.append(f"J: yours {self.J[0]:.10g}, the course's {self.J[1]:.10g}")
        return out

    def _verdict(self) -> str:
        if self.ok:
            return "every entry agrees with the numerical gradient"
        if self.first_wrong_layer is None:
            return "not checked: see the problems above"
        return (f"look at D({self.first_wrong_layer}) first: backprop errors travel down "
                "from the highest wrong layer")

    def __str__(self) -> str:
        out = [f"check_backprop: s = {self.s}, n = {self.n}, λ = {self.lam:g}, "
               f"central differences with c = {self.c:g}"]
        out += ["  " + line for line in self._summary()]
        if self.wrong:
            out.append("wrong entries (highest layer first):")
            out += [f"  {a:<28} yours {b:>14}  numerical {c:>14}  backprop {d:>14}"
                    for a, b, c, d in self._rows()]
            if len(self.wrong) > SHOWN:
                out.append(f"  … and {len(self.wrong) - SHOWN} more")
        if self.mistakes:
            out.append("recognised:")
            out += [f"  - {m}" for m in self.mistakes]
        out += [f"note: {t}" for t in self.notes]
        if self.error:
            out += ["your function's traceback:", self.error.rstrip()]
        out.append(("OK: " if self.ok else "WRONG: ") + self._verdict())
        return "\n".join(out)

    def to_markdown(self) -> str:
        """Markdown (Jupyter shows it): the summary, a table of wrong entries, mistakes."""
        out = [f"**check_backprop** — s = {self.s}, n = {self.n}, λ = {self.lam:g}, "
               f"c = {self.c:g}", ""]
        out += [f"- {_md(t)}" for t in self._summary()] + [""]
        if self.wrong:
            out += ["| entry: link | yours | numerical | backprop |", "|---|---|---|---|"]
            out += [f"| {_code(a)} | {b} | {c} | {d} |" for a, b, c, d in self._rows()]
            out.append("")
        out += [f"- **{_md(m.words)}**{_md(_detail(m))}: the lecture's {_md(m.formula)}"
                for m in self.mistakes]
        out += [f"*{_md(t)}*" for t in self.notes]
        if self.error:
            out += ["", "```", self.error.rstrip().replace("```", "'''"), "```"]
        out += ["", f"**{'OK' if self.ok else 'WRONG'}**: {_md(self._verdict())}"]
        return "\n".join(out)

    def to_html(self) -> str:
        """An HTML fragment: the same as :meth:`to_markdown`, names escaped."""
        e = _html.escape
        out = ['<div class="neurograph-check">',
               f"<p><b>check_backprop</b> — s = {e(str(self.s))}, n = {self.n}, "
               f"λ = {self.lam:g}, c = {self.c:g}</p><ul>"]
        out += [f"<li>{e(t)}</li>" for t in self._summary()] + ["</ul>"]
        if self.wrong:
            out.append("<table><tr><th>entry: link</th><th>yours</th><th>numerical</th>"
                       "<th>backprop</th></tr>")
            out += [f"<tr><td>{e(a)}</td><td>{b}</td><td>{c}</td><td>{d}</td></tr>"
                    for a, b, c, d in self._rows()]
            out.append("</table>")
        out += [f"<p><b>{e(m.words)}</b>{e(_detail(m))}: the lecture's {e(m.formula)}</p>"
                for m in self.mistakes]
        out += [f"<p><i>{e(t)}</i></p>" for t in self.notes]
        if self.error:
            out.append(f"<pre>{e(self.error)}</pre>")
        out.append(f"<p><b>{'OK' if self.ok else 'WRONG'}</b>: {e(self._verdict())}</p></div>")
        return "\n".join(out)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        keys = [m.key for m in self.mistakes]
        return (f"BackpropCheck(ok={self.ok}, wrong={len(self.wrong)}, mistakes={keys}, "
                f"first_wrong_layer={self.first_wrong_layer})")


def _md(text: str) -> str:
    for ch in "\\`*_[]|<>#":
        text = text.replace(ch, "\\" + ch)
    return text


def _detail(m) -> str:
    return f" ({m.detail})" if m.detail else ""


def _code(text: str) -> str:
    """A code span: names are shown as written (a backtick in a name would end it)."""
    return "`" + text.replace("`", "'").replace("|", "\\|") + "`"


def _close(got, want) -> bool:
    return bool(np.isclose(got, want, rtol=RTOL, atol=ATOL))


def check_backprop(fn, net, X, Y, lam: float = 0.0, c: float = 1e-4) -> BackpropCheck:
    """Check a student's backprop ``fn`` on ``net``, entry by entry.

    Parameters
    ----------
    fn : callable ``fn(thetas, X, Y, lam)`` returning ``[D(1), …, D(L−1)]`` or
        ``(J, [D(1), …])``. It gets copies: ``thetas`` the Θ(l) (bias column first),
        ``X`` (n, s_1), ``Y`` one-hot (n, s_L) floats, ``lam`` a float.
    net : a layered network (one that compiles to Θ matrices).
    X, Y : instances and targets (labels or one-hot), as for ``net.cost``.
    lam, c : λ, and the step of the central differences (the slide's 1e-4).

    Returns
    -------
    BackpropCheck
        Exceptions, wrong shapes and NaN from ``fn`` are reported in it, never raised.

    Raises
    ------
    ConfigError
        ``fn`` not callable, or λ or c out of range.
    ShapeError, LabelError, InputValueError
        X or Y that do not fit the network.
    CompileError
        A network that does not compile to Θ matrices.

    Examples
    --------
    >>> import numpy as np, neurograph as ng
    >>> def backprop(thetas, X, Y, lam):   # δ(L) = a − y; but y − a here
    ...     a1 = np.hstack([np.ones((len(X), 1)), X])
    ...     a2 = 1 / (1 + np.exp(-a1 @ thetas[0].T))
    ...     D = (Y - a2).T @ a1 / len(X)
    ...     return [D]
    >>> net = ng.Network.from_architecture([2, 1], seed=0)
    >>> r = ng.check_backprop(backprop, net, [[0, 1], [1, 1]], [1, 0])
    >>> r.ok, [m.key for m in r.mistakes], str(r.wrong[0])
    (False, ['delta_sign_flipped'], 'Θ(1)_1,0: bias1 → a2_1')
    """
    if not callable(fn):
        raise ConfigError("fn must be a function fn(thetas, X, Y, lam) -> [D(1), …, D(L−1)], "
                          f"got {type(fn).__name__}")
    if not (isinstance(c, (int, float)) and 0 < c < 1):
        raise ConfigError(f"c must be a small step in (0, 1) like 1e-4, got {c!r}")

    thetas = net.thetas  # compiles, or says why the network has no Θ matrices
    Xa = inputs(net, X)
    trace = net.backward(Xa, Y, lam=lam)  # checks Y and λ before the student's code runs
    Ya = targets(net, Y, Xa.shape[0], resolved_loss(net, "auto"))
    gc = gradcheck(net, Xa, Y, lam=lam, c=c)
    shapes = [t.shape for t in thetas]
    idx = np.array([li.index for li in gc.links], dtype=np.intp)
    per_layer = []
    for values in (gc.numerical, gc.backprop, gc.links):
        none = None if values is gc.links else np.nan
        flat = np.full(net.weights.theta.shape, none, dtype=object if none is None else float)
        flat[idx] = values
        # a hollow block (a conv layer's: all tied) has no entries here: all ``none``
        per_layer.append(net.compile().views(flat, fill=none))
    num, bp, links = per_layer
    r = BackpropCheck(list(net.s), Xa.shape[0], float(lam), c)
    got = _call(fn, r, [t.copy() for t in thetas], Xa.copy(), Ya.copy(), float(lam), len(shapes))
    if got is not None:
        _compare(r, got, num, bp, links)
        if r.wrong or r.bad_layers:
            acts = [None] + [lay.nodes[0].activation for lay in net.layers[1:]]
            r.mistakes = recognise(got, [t.copy() for t in thetas], trace.a, trace.z, acts,
                                   trace.delta[-1], float(lam))
    if r.J is not None:
        r.J = (r.J[0], float(trace.cost))
        if not _close(*r.J):
            r.problems.append(f"J = {r.J[0]:.10g} is not the course's J = {r.J[1]:.10g}")
    ours_wrong = [k for k, (a, b) in enumerate(zip(gc.numerical, gc.backprop)) if not _close(b, a)]
    if ours_wrong:
        r.notes.append(f"neurograph's own backprop disagrees with the numerical gradient on "
                       f"{len(ours_wrong)} links (an activation whose g' does not match g?); "
                       "the numerical gradient is the reference")
    return r


def _call(fn, r: BackpropCheck, thetas, X, Y, lam, L1: int):
    """The student's [D(l)] as float arrays, or None with the reason in ``r.problems``."""
    try:
        out = fn(thetas, X, Y, lam)
    except Exception as exc:  # the student's code may fail in any way: report, never crash
        tb = traceback.format_exception(type(exc), exc, exc.__traceback__.tb_next)
        r.error = "".join(tb)
        r.problems.append(f"your function raised {type(exc).__name__}: {exc}")
        return None
    if (isinstance(out, tuple) and len(out) == 2 and np.ndim(out[0]) == 0
            and isinstance(out[1], (list, tuple))):
        try:
            r.J = (float(out[0]), None)
        except (TypeError, ValueError):
            r.problems.append(f"J must be a number, got {out[0]!r}")
        out = out[1]
    if not isinstance(out, (list, tuple)) or len(out) != L1:
        what = f"{len(out)} items" if isinstance(out, (list, tuple)) else type(out).__name__
        r.problems.append(f"expected a list of {L1} arrays [D(1), …, D({L1})] "
                          f"(or (J, [D(1), …])), got {what}")
        return None
    got = []
    for l, D in enumerate(out, 1):
        try:
            got.append(np.array(D, dtype=float, ndmin=2))
        except (TypeError, ValueError) as exc:
            r.problems.append(f"D({l}) is not an array of numbers: {exc}")
            r.bad_layers.add(l)
            got.append(None)
    return got


def _compare(r: BackpropCheck, got, num, bp, links) -> None:
    for l in range(len(num), 0, -1):
        g, want = got[l - 1], num[l - 1]
        if g is None:
            continue
        if g.shape != want.shape:
            r.problems.append(f"D({l}) has shape {g.shape}; Θ({l}) is {want.shape} "
                              f"(s_{l + 1} × (s_{l} + 1) = {want.shape[0]} × {want.shape[1]})")
            r.bad_layers.add(l)
            continue
        has_link = ~np.isnan(want)
        bad_values = has_link & ~np.isfinite(g)
        if bad_values.any():
            r.problems.append(f"D({l}) has {int(bad_values.sum())} NaN or infinite entries")
        wrong = has_link & ~np.isclose(g, want, rtol=RTOL, atol=ATOL)
        r.counts[l] = (int(wrong.sum()), int(has_link.sum()))
        for j, i in zip(*np.nonzero(wrong)):
            r.wrong.append(WrongEntry(l, int(j) + 1, int(i), links[l - 1][j, i],
                                      float(g[j, i]), float(want[j, i]),
                                      float(bp[l - 1][j, i])))
