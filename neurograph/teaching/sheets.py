"""Exercise sheets: one per student (Markdown and HTML) and one answer key (CSV).

A sheet is built once as paragraphs and tables, then written as Markdown or HTML.
"""

from __future__ import annotations

import csv
import html as _html
import io
from pathlib import Path

import numpy as np

from ..errors import ConfigError
from .exercises import PLACES, Exercise, check_seed


def _number(v) -> str:
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return f"{float(v):.{PLACES}f}".replace("-", "−")


def parts(ex: Exercise, key: bool) -> tuple[str, list]:
    """(title, blocks): a block is a paragraph (str) or a table (header, rows) of text."""
    title = f"Exercise: {ex.kind} (seed {ex.seed})" + (" — answer key" if key else "")
    if ex.kind == "count":
        blocks = [f"A fully connected layered network with s = {ex.s} (s_l units in layer l, "
                  "the bias unit not counted).",
                  "Give the shape of each Θ(l) (rows × columns, the bias column included), "
                  "the number of parameters (weights, biases included) and of connections "
                  "(links between units, bias links not counted)."]
    else:
        blocks = [f"A network with s = {ex.s}: sigmoid units, g(z) = 1/(1 + e^(−z)) and "
                  "g'(z) = a(1 − a). In Θ(l), row j is unit j of layer l+1 and column i is "
                  "unit i of layer l; column 0 is the bias unit a_0 = 1."]
        for l, T in enumerate(ex.net.thetas, 1):
            header = [f"Θ({l})"] + [f"i = {i}" for i in range(T.shape[1])]
            blocks.append((header, [[f"j = {j + 1}"] + [f"{w:.1f}".replace("-", "−") for w in row]
                                    for j, row in enumerate(T)]))
        given = f"x = {_fmt(ex.x)}, y = {_fmt(ex.y)}; J is the cross-entropy"
        if ex.alpha is not None:
            given += f"; learning rate α = {ex.alpha:g}, Θ(l) := Θ(l) − α·D(l)"
        blocks += [given + ".",
                   f"Round every result to {PLACES} decimal places and use the rounded values "
                   "in the next steps." + (" Θ(l)_j,i below is the weight after the update."
                                           if ex.alpha is not None else "")]
    rows = [[name, _number(v) if key else ""] for name, v in ex.answers().items()]
    blocks.append((["quantity", "answer" if key else "your answer"], rows))
    return title, blocks


def _fmt(v) -> str:
    return "(" + ", ".join(f"{x:g}".replace("-", "−") for x in np.asarray(v, float)) + ")"


def markdown(ex: Exercise, key: bool = False) -> str:
    title, blocks = parts(ex, key)
    out = [f"## {_md(title)}", ""]
    for b in blocks:
        if isinstance(b, str):
            out += [_md(b), ""]
            continue
        header, rows = b
        out += ["| " + " | ".join(_md(h) for h in header) + " |",
                "|" + "---|" * len(header)]
        out += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows]
        out.append("")
    return "\n".join(out)


def html(ex: Exercise, key: bool = False) -> str:
    e = _html.escape
    title, blocks = parts(ex, key)
    out = ['<div class="neurograph-exercise">', f"<h2>{e(title)}</h2>"]
    for b in blocks:
        if isinstance(b, str):
            out.append(f"<p>{e(b)}</p>")
            continue
        header, rows = b
        out.append("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in header) + "</tr>")
        out += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in rows]
        out.append("</table>")
    out.append("</div>")
    return "\n".join(out)


def _md(text: str) -> str:
    for ch in "\\`*_[]|<>#":
        text = text.replace(ch, "\\" + ch)
    return text


def exercises(n: int, seed: int = 0, kind: str = "backprop", out=None) -> list[Exercise]:
    """``n`` exercises of one ``kind``, one per student, seeded from ``seed``.

    With ``out`` (a folder), writes ``sheet_01.md`` and ``sheet_01.html`` … per student
    and ``answer_key.csv`` (sheet, seed, name, value, rounded): each file atomically.

    Raises
    ------
    ConfigError
        ``n`` not a whole number ≥ 1, a seed that is not a whole number, an unknown kind,
        or ``out`` an existing file.

    Examples
    --------
    >>> import neurograph as ng
    >>> sheets = ng.exercises(3, seed=1, kind="forward")
    >>> [ex.seed for ex in sheets] == [ex.seed for ex in ng.exercises(3, seed=1, kind="forward")]
    True
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ConfigError(f"n must be a whole number ≥ 1 (students), got {n!r}")
    seeds = np.random.SeedSequence(check_seed(seed)).generate_state(int(n))
    sheets = [Exercise(kind, int(s)) for s in seeds]
    if out is not None:
        write(sheets, Path(out))
    return sheets


def write(sheets: list[Exercise], folder: Path) -> None:
    from ..io import atomic_write

    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"out must be a folder, got the file {str(folder)!r}")
    folder.mkdir(parents=True, exist_ok=True)
    width = max(2, len(str(len(sheets))))
    key = io.StringIO()
    w = csv.writer(key, lineterminator="\n")
    w.writerow(["sheet", "kind", "seed", "name", "value", "rounded"])
    for k, ex in enumerate(sheets, 1):
        stem = f"sheet_{k:0{width}d}"
        atomic_write(str(folder / f"{stem}.md"), markdown(ex).encode("utf-8"))
        page = (f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{stem}</title>"
                f"</head><body>\n{html(ex)}\n</body></html>\n")
        atomic_write(str(folder / f"{stem}.html"), page.encode("utf-8"))
        for name, v in ex.answers().items():
            w.writerow([stem, ex.kind, ex.seed, name, repr(v), _number(v).replace("−", "-")])
    atomic_write(str(folder / "answer_key.csv"), key.getvalue().encode("utf-8"))
