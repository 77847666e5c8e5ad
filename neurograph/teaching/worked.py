"""ng.explain: the worked example of one backward pass, as text, Markdown/LaTeX and HTML.

>>> import neurograph as ng
>>> net = ng.Network.from_thetas([[[0.35, 0.15, 0.20], [0.35, 0.25, 0.30]],
...                               [[0.60, 0.40, 0.45], [0.60, 0.50, 0.55]]])
>>> we = ng.explain(net, [0.05, 0.10], [0.01, 0.99], alpha=0.5, loss="mse")
>>> print(we.line("a(2)_1"))
a2_1  a(2)_1 = g(z(2)_1) = g(0.3775) = 0.593269992
>>> we.values["Theta(2)_1,1"]
0.35891647971788465
"""

from __future__ import annotations

import numpy as np

from ..data import as_targets
from ..engines.losses import check_lam
from ..errors import ConfigError, ShapeError
from ..io import atomic_write
from ..train.checks import real_arg
from ..train.stepping import DIVERGING
from . import hints
from .build import Builder, check_writable
from .hints import literal, refusal
from .notation import (
    eq_joiners,
    fmt,
    html_escape,
    latex_escape,
    mathjax_escape,
    md_escape,
    seg_html,
    seg_latex,
    seg_mathjax,
    seg_text,
    text_escape,
)

MAX_INSTANCES = 4
MAX_LINKS = 200
WIDTH = 100


class WorkedExample:
    """Every step of one backward pass written out with the network's own numbers.

    Render with :meth:`to_text` (also ``str``), :meth:`to_markdown` (LaTeX
    formulas; Jupyter shows them), :meth:`to_latex` or :meth:`to_html`.
    ``values`` maps the lecture's names ("z(2)_1", "delta(3)_1", "D(1)_1,2",
    "Theta(2)_1,2" for the updated weight …) to the numbers, in lecture order.
    """

    def __init__(self, sections, header: str, digits: int, trace):
        self.sections = sections
        self.header = header
        self.digits = digits
        self.trace = trace

    @property
    def equations(self) -> list:
        return [eq for sec in self.sections for eq in sec.lines]

    @property
    def values(self) -> dict:
        """{lecture name: value}, in the order the lecture computes them."""
        return {eq.key: eq.value for eq in self.equations if eq.key is not None}

    def equation(self, key: str):
        for eq in self.equations:
            if eq.key == key:
                return eq
        raise ConfigError(f"no line {key!r} in this worked example; names: "
                          + ", ".join(self.values))

    def line(self, key: str) -> str:
        """The worked line of one quantity as plain text, on one line."""
        return self._text_eq(self.equation(key), 0, width=None)

    # --- plain text -------------------------------------------------------------------
    def _text_eq(self, eq, who_w: int, width: int | None = WIDTH) -> str:
        segs = [seg_text(s, self.digits) for s in eq.segments]
        who = text_escape(eq.who)
        head = f"{who:<{who_w}}  {segs[0]}"
        note = f"  ({text_escape(eq.note)})" if eq.note else ""
        if width is None:
            parts = [head] + [f" {j} {s}" for j, s in zip(eq_joiners(eq), segs[1:])]
            return "".join(parts) + note
        lines, cur = [], head
        pad = " " * (len(f"{who:<{who_w}}  ") + len(segs[0]))
        for j, s in zip(eq_joiners(eq), segs[1:]):
            piece = f" {j} {s}"
            if len(cur) + len(piece) > width and cur.strip() and not cur.endswith(segs[0]):
                lines.append(cur)
                cur = pad + piece
            else:
                cur += piece
        lines.append(cur + note)
        return "\n".join("  " + ln for ln in lines)

    def to_text(self) -> str:
        """Plain text for a terminal: one block per section, long lines wrapped at '='."""
        header = text_escape(self.header)
        out = [header, "=" * min(len(header), WIDTH)]
        for sec in self.sections:
            title = text_escape(sec.title)
            out += ["", title, "-" * min(len(title), WIDTH)]
            if sec.note:
                out.append(f"  ({text_escape(sec.note)})")
            w = max((len(text_escape(eq.who)) for eq in sec.lines), default=0)
            out += [self._text_eq(eq, w) for eq in sec.lines]
        return "\n".join(out) + "\n"

    __str__ = to_text

    def __repr__(self) -> str:
        return f"WorkedExample({self.header!r}, {len(self.equations)} lines)"

    # --- LaTeX and Markdown -------------------------------------------------------------
    def _latex_eq(self, eq, mathjax: bool = False) -> str:
        seg, name = (seg_mathjax, mathjax_escape) if mathjax else (seg_latex, latex_escape)
        segs = [seg(s, self.digits) for s in eq.segments]
        rows = [f"{segs[0]} &{j} {s}" if k == 0 else f"&{j} {s}"
                for k, (j, s) in enumerate(zip(eq_joiners(eq), segs[1:]))]
        note = r"\quad " + name(f"({eq.note})") if eq.note else ""
        return "\\begin{aligned}" + " \\\\ ".join(rows) + "\\end{aligned}" + note

    def to_markdown(self) -> str:
        """Markdown with LaTeX formulas ($$…$$): Jupyter and most viewers show formulas.

        Names are escaped as Markdown text outside the formulas and for MathJax inside."""
        out = [f"**{md_escape(self.header)}**", ""]
        for sec in self.sections:
            out += [f"#### {md_escape(sec.title)}", ""]
            if sec.note:
                out += [f"*{md_escape(sec.note)}*", ""]
            for eq in sec.lines:
                out += [f"**{md_escape(eq.who)}**", "",
                        f"$$ {self._latex_eq(eq, mathjax=True)} $$", ""]
        return "\n".join(out)

    def to_latex(self) -> str:
        """One LaTeX display: every section, line after line (names escaped for LaTeX)."""
        rows = []
        for sec in self.sections:
            rows.append("&" + latex_escape(sec.title, "textbf"))
            for eq in sec.lines:
                rows.append("&" + latex_escape(eq.who) + r"\quad " + self._latex_eq(eq))
        return "$$\\begin{aligned}" + " \\\\ ".join(rows) + "\\end{aligned}$$"

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_latex_(self) -> str:
        return self.to_latex()

    # --- HTML ----------------------------------------------------------------------------
    def to_html(self, path=None) -> str:
        """An HTML fragment (sub- and superscripts); with ``path``, also a page written there.

        The file is written atomically (a temporary file, then renamed).
        """
        out = [f'<div class="neurograph-worked"><p><b>{html_escape(self.header)}</b></p>']
        for sec in self.sections:
            out.append(f"<h4>{html_escape(sec.title)}</h4>")
            if sec.note:
                out.append(f"<p><i>{html_escape(sec.note)}</i></p>")
            out.append("<table>")
            for eq in sec.lines:
                segs = [seg_html(s, self.digits) for s in eq.segments]
                rest = " ".join(f"{html_escape(j)} {s}"
                                for j, s in zip(eq_joiners(eq), segs[1:]))
                note = f" <i>({html_escape(eq.note)})</i>" if eq.note else ""
                out.append(f"<tr><td><code>{html_escape(eq.who)}</code></td>"
                           f"<td>{segs[0]}</td><td>{rest}{note}</td></tr>")
            out.append("</table>")
        out.append("</div>")
        frag = "\n".join(out)
        if path is not None:
            page = ("<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>"
                    f"{html_escape(self.header)}</title></head><body>\n{frag}\n</body></html>\n")
            atomic_write(str(path), page.encode("utf-8"))
        return frag

    def _repr_html_(self) -> str:
        return self.to_html()


def _number(v, name: hints.Spelling, bound: str, strict: bool, check=None) -> float:
    """A finite real ≥ 0 (> 0 when ``strict``), as the trainer takes it (by ``check``,
    e.g. the one λ check, when given); bools, strings, NaN and inf are refused, in
    words spelled for Python or the command line."""
    try:
        x = real_arg(name.python, v, low=0.0) if check is None else check(v)
    except ConfigError:
        x = None
    if x is None or (strict and x <= 0):
        raise refusal(ConfigError, f"{{name}} must be a finite number {bound}, got "
                      + literal(repr(v)), name=name)
    return x


def _targets(y, n: int, K: int):
    Y = np.asarray(y)
    if Y.ndim == 1 and n == 1 and K > 1 and Y.shape[0] == K:
        return Y.astype(float)[None, :]  # one instance's target row, e.g. (0.01, 0.99)
    return Y


def explain(net, X, y, alpha: float | None = None, lam: float = 0.0, loss: str = "auto",
            digits: int = 9, units=None, max_links: int = MAX_LINKS,
            engine: str = "auto") -> WorkedExample:
    """Write out one backward pass of ``net`` on ``X``, ``y`` step by step.

    Parameters
    ----------
    X : one instance (d,) or a few (n, d), n ≤ 4.
    y : targets: a row (K,) for one instance, labels (n,), or (n, K).
    alpha : learning rate α; when given, the updated Θ := Θ − α·D is written too
        (the network itself is not changed).
    lam, loss : λ and the loss, as in ``net.backward``.
    digits : significant digits of every printed number.
    units : names (or nodes) of the units to write out; default all. Use it to
        pick a sub-network of a network too big to write out whole.
    max_links : refuse when more links than this would be written out.

    Raises
    ------
    ConfigError
        Too many instances or links, a unit explain cannot write out, α or λ
        not a finite number (> 0, ≥ 0; bools and strings are not numbers). The
        hints name Python arguments; ``neurograph explain`` words them as flags.

    Examples
    --------
    >>> import neurograph as ng
    >>> net = ng.Network.from_architecture([2, 2, 1], seed=0)
    >>> we = ng.explain(net, [0.0, 1.0], [1], alpha=1.0)
    >>> list(we.values)[:4]
    ['z(2)_1', 'a(2)_1', 'z(2)_2', 'a(2)_2']
    >>> bool(abs(we.values["J"] - net.cost([[0.0, 1.0]], [1])) < 1e-12)
    True
    """
    if isinstance(digits, (bool, np.bool_)) or not isinstance(digits, (int, np.integer)) \
            or not 1 <= digits <= 17:
        raise refusal(ConfigError, "{digits} must be a whole number in 1..17, got "
                      + literal(repr(digits)), digits=hints.DIGITS)
    if alpha is not None:
        alpha = _number(alpha, hints.ALPHA, "> 0", strict=True)
    lam = _number(lam, hints.LAM, "≥ 0", strict=False, check=check_lam)
    Xa = np.asarray(X, dtype=float)
    if Xa.ndim == 1:
        Xa = Xa[None, :]
    if Xa.ndim != 2:
        raise ShapeError(f"expected one instance (d,) or a few (n, d), got shape {Xa.shape}")
    n = Xa.shape[0]
    if not 1 <= n <= MAX_INSTANCES:
        raise refusal(ConfigError, f"explain writes out 1 to {MAX_INSTANCES} instances, got "
                      f"{n}: pick some, e.g. {{one}}", one=hints.ONE_INSTANCE)
    computing = [u for lay in net.layers[1:] for u in lay.nodes]
    if units is None:
        shown = computing
    else:
        names = {u if isinstance(u, str) else u.name for u in units}
        unknown = names - {u.name for u in computing}
        if unknown:
            raise refusal(ConfigError, "{units} must name hidden or output units; unknown: "
                          + literal(f"{sorted(unknown)}; known: {[u.name for u in computing]}"),
                          units=hints.UNITS)
        shown = [u for u in computing if u.name in names]
    check_writable(net, shown, max_links)
    trace = net.backward(Xa, _targets(y, n, len(net.outputs)), lam=lam, loss=loss,
                         engine=engine)
    if trace.loss == "mse" and any(u.activation.layerwise for u in net.outputs):
        raise ConfigError("explain writes softmax outputs with cross-entropy only")

    Y = as_targets(_targets(y, n, len(net.outputs)), len(net.outputs), n)
    with np.errstate(**DIVERGING):  # a diverged network's numbers are inf: written as such
        b = Builder(net, trace, Xa, Y, shown, alpha, lam)
        sections = [b.forward(t) for t in range(n)] + [b.cost()]
        sections += [b.deltas(t) for t in range(n)] + b.gradients()
    acts = sorted({u.activation.name for u in computing})
    engine_name = "graph engine, weights w[source→target]" if not b.layered else "Θ(l)"
    header = (f"Worked example: s = {net.s}, n = {n}, loss = {trace.loss}, λ = {lam:g}"
              + ("" if alpha is None else f", α = {alpha:g}")
              + f"; g = {'/'.join(acts)}; {engine_name}; numbers to {digits} digits")
    return WorkedExample(sections, header, digits, trace)


__all__ = ["MAX_INSTANCES", "MAX_LINKS", "WorkedExample", "explain", "fmt"]
