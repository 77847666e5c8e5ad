r"""The pieces a worked line is made of, and how each looks as text, LaTeX and HTML.

A worked line is a chain of segments joined by "=", each segment a list of
tokens: symbols of the lecture (z(2)_1, Θ(1)_1,2 …), numbers, and operators.
Keeping the structure until the end lets one worked example print the same
numbers in a terminal, in Jupyter (LaTeX) and in a browser (HTML).

Names are data: a unit's name (or an activation's) reaches each format only
through that format's one escaping function — :func:`text_escape`,
:func:`md_escape`, :func:`latex_escape` (:func:`mathjax_escape` for formulas
inside Markdown) and :func:`html_escape`.

>>> print(latex_escape("h_1{x}"), md_escape("p|q"), html_escape("</script>"))
\text{h}\_\text{1}\{\text{x}\} p\|q &lt;/script&gt;
"""

from __future__ import annotations

import html as _html
import unicodedata
from dataclasses import dataclass, field

# Greek in text and HTML, LaTeX commands for formulas.
_LATEX_BASE = {"δ": r"\delta", "Θ": r"\Theta", "Δ": r"\Delta", "g'": "g'", "λ": r"\lambda",
               "α": r"\alpha"}
_ASCII_BASE = {"δ": "delta", "Θ": "Theta", "Δ": "Delta"}
_LATEX_OP = {"·": r"\cdot ", "−": "-", "½": r"\tfrac{1}{2}", "log": r"\log", "Σ": r"\sum ",
             ":=": ":=", "λ": r"\lambda ", "α": r"\alpha ", "→": r"\to ", "≈": r"\approx ",
             "∂J/∂": r"\partial J/\partial ", "− α·∂J/∂": r"- \alpha\cdot\partial J/\partial "}


# --- names are data: one escaping function per output context ------------------------------
def text_escape(s: str) -> str:
    """A name for a terminal: control characters (newline, ESC …) shown as escapes, not obeyed."""
    return "".join(repr(c)[1:-1] if unicodedata.category(c) == "Cc" else c for c in str(s))


# What Markdown (CommonMark, GFM tables and strikethrough, Jupyter's $…$ math) reads as
# markup inside a line; a backslash before any ASCII punctuation shows it as it is.
_MD_PUNCT = frozenset("\\`*_[]<>!|&$~")


def md_escape(s: str) -> str:
    """Markdown text inside a line: each character Markdown reads as markup backslash-escaped,
    so a name opens no tag, code span, emphasis, link or formula and splits no table row."""
    return "".join("\\" + c if c in _MD_PUNCT else c for c in text_escape(s))


def html_escape(s: str) -> str:
    """HTML text or a quoted attribute: & < > " ' escaped."""
    return _html.escape(str(s), quote=True)


# A name inside a formula is written as \text{…} runs of plain characters; every
# character LaTeX would read as markup is written between the runs in math mode.
_LATEX_CHAR = {"\\": r"\backslash ", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "%": r"\%",
               "#": r"\#", "_": r"\_", "^": r"\hat{}", "~": r"\sim ", "|": r"\vert ",
               "<": "<", ">": ">", "→": r"\to ", "←": r"\leftarrow ", "·": r"\cdot ",
               "Θ": r"\Theta ", "Δ": r"\Delta ", "δ": r"\delta ", "Σ": r"\Sigma ", "α": r"\alpha ",
               "λ": r"\lambda "}
# MathJax inside Markdown: < > ` also kept out of the page's markup
_MATHJAX_CHAR = {**_LATEX_CHAR, "<": r"\lt ", ">": r"\gt ", "`": r"\unicode{96}"}


def _runs(s: str, table: dict, font: str) -> str:
    out, run = [], []
    for c in text_escape(s):
        if c in table:
            if run:
                out.append(f"\\{font}{{{''.join(run)}}}")
                run.clear()
            out.append(table[c])
        else:
            run.append(c)
    if run or not out:
        out.append(f"\\{font}{{{''.join(run)}}}")
    return "".join(out)


def latex_escape(s: str, font: str = "text") -> str:
    """A name inside a LaTeX formula (math mode); ``font`` "textbf" for bold."""
    return _runs(s, _LATEX_CHAR, font)


def mathjax_escape(s: str, font: str = "text") -> str:
    """A name inside a formula of Markdown (rendered by MathJax)."""
    return _runs(s, _MATHJAX_CHAR, font)


@dataclass(frozen=True)
class Sym:
    """A symbol of the lecture: base(layer)_sub, e.g. Θ(1)_1,2; layer None for w and y.

    A weight of the graph engine is w[source→target]: ``link`` holds the two unit
    names (data, escaped per format), ``sub`` is then unused."""

    base: str
    layer: int | None
    sub: str
    t: int | None = None  # instance number, shown as ^(t) when a batch has several
    link: tuple | None = None  # (source name, target name)

    def _text(self, name) -> str:
        lay = "" if self.layer is None else f"({self.layer})"
        sub = f"_{self.sub}" if self.link is None else \
            f"[{name(self.link[0])}→{name(self.link[1])}]"
        inst = "" if self.t is None else f"^({self.t})"
        return f"{lay}{sub}{inst}"

    def text(self) -> str:
        return self.base + self._text(text_escape)

    def key(self) -> str:
        """The ASCII name used by check_by_hand, e.g. "delta(3)_1"."""
        return _ASCII_BASE.get(self.base, self.base) + self._text(str)

    def latex(self, name=latex_escape) -> str:
        base = _LATEX_BASE.get(self.base, self.base)
        sub = self.sub if self.link is None else \
            name(self.link[0]) + r"\to " + name(self.link[1])
        up = [] if self.layer is None else [f"({self.layer})"]
        if self.t is not None:
            up.append(f"[{self.t}]")
        sup = f"^{{{''.join(up)}}}" if up else ""
        return f"{base}{sup}_{{{sub}}}"

    def html(self) -> str:
        lay = "" if self.layer is None else f"<sup>({self.layer})</sup>"
        inst = "" if self.t is None else f"<sup>[{self.t}]</sup>"
        sub = html_escape(self.sub) if self.link is None else \
            f"{html_escape(self.link[0])}→{html_escape(self.link[1])}"
        return f"{html_escape(self.base)}{lay}<sub>{sub}</sub>{inst}"


@dataclass(frozen=True)
class Num:
    """A number, printed to the example's significant digits."""

    value: float
    paren: bool = False  # parenthesise when negative (inside a product)


@dataclass(frozen=True)
class Op:
    """Operators and words: "+", "·", "(", "g(", "log" …"""

    s: str


@dataclass(frozen=True)
class Txt:
    """Words inside a formula (a unit's name, "share from")."""

    s: str


@dataclass
class Eq:
    """One worked line: who (a unit or link), its lecture symbol, the chain of segments."""

    kind: str  # "z", "a", "cost", "J", "gprime", "blame", "delta", "Delta", "D", "update"
    who: str  # the unit's name, or "source→target" for a link, or "" for J
    segments: list  # lists of Sym/Num/Op; segment 0 is the left-hand side
    value: float  # the value of the last segment
    key: str | None = None  # check_by_hand name of the left-hand side (None: not checkable)
    assign: bool = False  # ":=" instead of "=" after the left-hand side
    note: str = ""  # why a line is not the usual one ("frozen: …", "silenced …")


@dataclass
class Section:
    title: str
    lines: list = field(default_factory=list)
    note: str = ""


def fmt(v: float, digits: int) -> str:
    s = f"{float(v):.{digits}g}"
    return "0" if s == "-0" else s


def _num_text(tok: Num, digits: int) -> str:
    s = fmt(tok.value, digits)
    return f"({s})" if tok.paren and s.startswith("-") else s


def _latex_num(tok: Num, digits: int) -> str:
    s = _num_text(tok, digits)
    if s.strip("()-") in ("inf", "nan"):  # a diverged network's numbers, written as such
        s = s.replace("inf", r"\infty ").replace("nan", r"\mathrm{NaN}")
        return s
    if "e" in s:  # 9.36e-14 → 9.36\times10^{-14}
        m, e = s.strip("()").split("e")
        s = f"{m}\\times 10^{{{int(e)}}}"
        s = f"({s})" if tok.paren and m.startswith("-") else s
    return s


def _latex_op(tok) -> str:
    op = tok.s.strip()
    return _LATEX_OP.get(op, op) if op else " "


# per format: how a symbol, a text, a number and an operator are written
_TEXT = (Sym.text, lambda t: text_escape(t.s), _num_text, lambda t: t.s)
_LATEX = (Sym.latex, lambda t: latex_escape(t.s), _latex_num, _latex_op)
_MATHJAX = (lambda t: t.latex(mathjax_escape), lambda t: mathjax_escape(t.s), _latex_num,
            _latex_op)
_HTML = (Sym.html, lambda t: html_escape(t.s), _num_text, lambda t: html_escape(t.s))


def _segment(seg, digits: int, how: tuple) -> str:
    sym, txt, num, op = how
    out = []
    for tok in seg:
        if isinstance(tok, Sym):
            out.append(sym(tok))
        elif isinstance(tok, Txt):
            out.append(txt(tok))
        elif isinstance(tok, Num):
            out.append(num(tok, digits))
        else:
            out.append(op(tok))
    return "".join(out)


def seg_text(seg, digits: int) -> str:
    return _segment(seg, digits, _TEXT)


def seg_latex(seg, digits: int) -> str:
    return _segment(seg, digits, _LATEX)


def seg_mathjax(seg, digits: int) -> str:
    return _segment(seg, digits, _MATHJAX)


def seg_html(seg, digits: int) -> str:
    return _segment(seg, digits, _HTML)


def eq_joiners(eq: Eq) -> list[str]:
    """The relation before each segment after the first ("=" or ":=")."""
    return [":=" if (eq.assign and k == 0) else "=" for k in range(len(eq.segments) - 1)]
