"""One exercise sheet as text: built once as paragraphs and tables, then written as
Markdown or HTML (the sheets for a class and their answer key: ``sheets``)."""

from __future__ import annotations

import html as _html

import numpy as np

PLACES = 4  # decimal places the sheet asks for; hand work rounds every step to them


def number(v) -> str:
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return f"{float(v):.{PLACES}f}".replace("-", "−")


def parts(ex, key: bool) -> tuple[str, list]:
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
    rows = [[name, number(v) if key else ""] for name, v in ex.answers().items()]
    blocks.append((["quantity", "answer" if key else "your answer"], rows))
    return title, blocks


def _fmt(v) -> str:
    return "(" + ", ".join(f"{x:g}".replace("-", "−") for x in np.asarray(v, float)) + ")"


def markdown(ex, key: bool = False) -> str:
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


def html(ex, key: bool = False) -> str:
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
