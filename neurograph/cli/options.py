"""The command line's shared plumbing: checked option values and one ``--format`` for reports.

Every option's value is checked where it is parsed, so a bad one is refused
by argparse naming the flag (``--lam``), never later by the library naming
its Python argument (``lam``), and never with a traceback.

>>> import argparse
>>> p = argparse.ArgumentParser(prog="neurograph diagnose")
>>> add_format(p, markdown_alias=True)
>>> p.parse_args(["--format", "md"]).format
'md'
>>> number(0)("0.5")
0.5
>>> print(to_html("## Findings\\n\\n- unit: `a<b>`", "neurograph"))  # doctest: +ELLIPSIS
<!doctype html>...<h2>Findings</h2>
<ul>
<li>unit: <code>a&lt;b&gt;</code></li>
</ul>
...
"""

from __future__ import annotations

import argparse
import html
import math
import re
import sys

FORMATS = ("text", "md", "html")


def number(low: float | None = None, high: float | None = None, *, above: bool = False,
           below: bool = False, whole: bool = False):
    """An argparse ``type``: a finite number in [low, high] (``above``/``below``: open ends)."""
    lo = "" if low is None else f"{'>' if above else '≥'} {low:g}"
    hi = "" if high is None else f"{'<' if below else '≤'} {high:g}"
    want = (f"a {'whole' if whole else 'finite'} number"
            + (f" {lo}" if lo else "") + (" and" if lo and hi else "") + (f" {hi}" if hi else ""))

    def convert(text: str):
        try:
            v = int(text) if whole else float(text)
        except ValueError:
            v = None
        ok = v is not None and math.isfinite(v) and \
            (low is None or (v > low if above else v >= low)) and \
            (high is None or (v < high if below else v <= high))
        if not ok:
            raise argparse.ArgumentTypeError(f"expected {want}, got {text!r}")
        return v

    convert.__name__ = want  # argparse names the type in its own messages
    return convert


class Parser(argparse.ArgumentParser):
    """argparse with usage errors as one line (the usage is one ``--help`` away)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


class Help(argparse.HelpFormatter):
    """argparse's help with each command's description beside its name: argparse measures
    the commands' column one indent short, so the longer names wrapped onto lines of their own."""

    def add_argument(self, action):
        super().add_argument(action)
        if isinstance(action, argparse._SubParsersAction):
            self._action_max_length += self._indent_increment


def layer_sizes(text: str) -> list[int]:
    """An architecture s: "64-25-10" (or "64,25,10") → [64, 25, 10]."""
    try:
        s = [int(k) for k in text.replace(",", "-").split("-") if k]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an architecture like 64-25-10, got {text!r}") from None
    if len(s) < 2 or min(s) < 1:
        raise argparse.ArgumentTypeError(
            f"expected ≥ 2 layer sizes ≥ 1 like 64-25-10, got {text!r}")
    return s


count = number(1, whole=True)  # epochs, instances, batch sizes
LAM = number(0)  # λ, as net.cost takes it
SEED = number(0, whole=True)  # numpy's generators take seeds ≥ 0


class _Deprecated(argparse.Action):
    """An old flag that still works: it sets ``dest`` to ``const`` and says what replaced it."""

    def __init__(self, option_strings, dest, const=None, instead="", **kw):
        super().__init__(option_strings, dest, nargs=0, const=const, **kw)
        self.instead = instead

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"{parser.prog}: note: {option_string} is deprecated; use {self.instead}",
              file=sys.stderr)
        setattr(namespace, self.dest, self.const)


def add_format(parser, default: str = "text", markdown_alias: bool = False) -> None:
    """``--format text|md|html`` on ``parser`` (and the old ``--markdown``, hidden, as md)."""
    parser.add_argument("--format", choices=FORMATS, default=default,
                        help=f"text, md (Markdown) or html (default {default})")
    if markdown_alias:
        parser.add_argument("--markdown", dest="format", action=_Deprecated, const="md",
                            instead="--format md", help=argparse.SUPPRESS)


def write(report, fmt: str, title: str) -> str:
    """The report in ``fmt``: ``str(report)``, its ``to_markdown()``, or a page of HTML
    (its own ``to_html()`` when it has one, else its Markdown as HTML)."""
    if fmt == "text":
        text = str(report)
    elif fmt == "md":
        text = report.to_markdown()
    elif hasattr(report, "to_html"):
        text = report.to_html()
    else:
        text = to_html(report.to_markdown(), title)
    return text if text.endswith("\n") else text + "\n"


_INLINE = re.compile(r"\\([!-/:-@\[-`{-~])|`([^`]*)`")


def _inline(text: str) -> str:
    """Markdown's backslash escapes and code spans; everything else is escaped text."""
    out, at = [], 0
    for m in _INLINE.finditer(text):
        out.append(html.escape(text[at:m.start()]))
        out.append(html.escape(m.group(1)) if m.group(1) is not None
                   else f"<code>{html.escape(m.group(2))}</code>")
        at = m.end()
    return "".join(out) + html.escape(text[at:])


def _cells(line: str) -> list[str]:
    # split on pipes that are not escaped; the outer pipes open and close the row
    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def to_html(markdown: str, title: str) -> str:
    """A page of HTML from the Markdown the reports write: headings, lists, tables, paragraphs.

    Names are data: every piece of text is escaped, so a unit called ``<script>`` stays text.
    """
    body: list[str] = []
    lines = markdown.splitlines()
    k = 0
    while k < len(lines):
        line = lines[k]
        if not line.strip():
            k += 1
        elif m := re.match(r"(#{1,6}) (.*)", line):
            n = len(m.group(1))
            body.append(f"<h{n}>{_inline(m.group(2))}</h{n}>")
            k += 1
        elif line.startswith("- "):
            items = []
            while k < len(lines) and lines[k].startswith("- "):
                items.append(f"<li>{_inline(lines[k][2:])}</li>")
                k += 1
            body += ["<ul>", *items, "</ul>"]
        elif line.startswith("|") and k + 1 < len(lines) and re.match(r"\|[-:| ]+$",
                                                                      lines[k + 1]):
            head = "".join(f"<th>{_inline(c)}</th>" for c in _cells(line))
            rows = [f"<tr>{head}</tr>"]
            k += 2
            while k < len(lines) and lines[k].startswith("|"):
                rows.append("<tr>" + "".join(f"<td>{_inline(c)}</td>"
                                             for c in _cells(lines[k])) + "</tr>")
                k += 1
            body += ["<table>", *rows, "</table>"]
        else:
            para = [_inline(line)]  # the first line is text whatever it starts with
            k += 1
            while k < len(lines) and lines[k].strip() and not re.match(r"#{1,6} |- |\|",
                                                                      lines[k]):
                para.append(_inline(lines[k]))
                k += 1
            body.append("<p>" + "\n".join(para) + "</p>")
    return ("<!doctype html>\n<html><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title>\n<style>table{{border-collapse:collapse}}"
            "td,th{border:1px solid #ccc;padding:2px 6px}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")
