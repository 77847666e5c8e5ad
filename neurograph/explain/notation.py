"""The pieces a worked line is made of, and how each looks as text, LaTeX and HTML.

A worked line is a chain of segments joined by "=", each segment a list of
tokens: symbols of the lecture (z(2)_1, Θ(1)_1,2 …), numbers, and operators.
Keeping the structure until the end lets one worked example print the same
numbers in a terminal, in Jupyter (LaTeX) and in a browser (HTML).
"""

from __future__ import annotations

import html as _html
from dataclasses import dataclass, field

# Greek in text and HTML, LaTeX commands for formulas.
_LATEX_BASE = {"δ": r"\delta", "Θ": r"\Theta", "Δ": r"\Delta", "g'": "g'", "λ": r"\lambda",
               "α": r"\alpha"}
_ASCII_BASE = {"δ": "delta", "Θ": "Theta", "Δ": "Delta"}
_LATEX_OP = {"·": r"\cdot ", "−": "-", "½": r"\tfrac{1}{2}", "log": r"\log", "Σ": r"\sum ",
             ":=": ":=", "λ": r"\lambda ", "α": r"\alpha ", "→": r"\to ", "≈": r"\approx "}


@dataclass(frozen=True)
class Sym:
    """A symbol of the lecture: base(layer)_sub, e.g. Θ(1)_1,2; layer None for w and y."""

    base: str
    layer: int | None
    sub: str
    t: int | None = None  # instance number, shown as ^(t) when a batch has several

    def text(self) -> str:
        lay = "" if self.layer is None else f"({self.layer})"
        sub = f"[{self.sub}]" if "→" in self.sub else f"_{self.sub}"
        inst = "" if self.t is None else f"^({self.t})"
        return f"{self.base}{lay}{sub}{inst}"

    def key(self) -> str:
        """The ASCII name used by check_by_hand, e.g. "delta(3)_1"."""
        return _ASCII_BASE.get(self.base, self.base) + self.text()[len(self.base):]

    def latex(self) -> str:
        base = _LATEX_BASE.get(self.base, self.base)
        if "→" in self.sub:  # unit names may hold "_", which LaTeX reads as a subscript
            sub = r"\to ".join(r"\text{" + p.replace("_", r"\_") + "}"
                                for p in self.sub.split("→"))
        else:
            sub = self.sub
        up = [] if self.layer is None else [f"({self.layer})"]
        if self.t is not None:
            up.append(f"[{self.t}]")
        sup = f"^{{{''.join(up)}}}" if up else ""
        return f"{base}{sup}_{{{sub}}}"

    def html(self) -> str:
        lay = "" if self.layer is None else f"<sup>({self.layer})</sup>"
        inst = "" if self.t is None else f"<sup>[{self.t}]</sup>"
        return f"{_html.escape(self.base)}{lay}<sub>{_html.escape(self.sub)}</sub>{inst}"


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
_TEXT = (Sym.text, lambda t: t.s, _num_text, lambda t: t.s)
_LATEX = (Sym.latex, lambda t: r"\text{" + t.s.replace("_", r"\_") + "}", _latex_num, _latex_op)
_HTML = (Sym.html, lambda t: _html.escape(t.s), _num_text, lambda t: _html.escape(t.s))


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


def seg_html(seg, digits: int) -> str:
    return _segment(seg, digits, _HTML)


def eq_joiners(eq: Eq) -> list[str]:
    """The relation before each segment after the first ("=" or ":=")."""
    return [":=" if (eq.assign and k == 0) else "=" for k in range(len(eq.segments) - 1)]
