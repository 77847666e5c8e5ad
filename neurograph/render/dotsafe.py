"""DOT-safe node IDs and label text for any node name a user may choose.

A name is text, never markup: ``<b>x</b>`` must not become an HTML label,
``a\\b`` must not become an escape sequence, and a trailing backslash must not
swallow the closing quote. Names that DOT quoting carries faithfully are kept
as IDs (the DOT stays readable); the others get an ID ``#k`` that no kept name
can take, since kept names never start with ``#``.

>>> ids = Ids(["x1", "a\\\\b", "#1"])
>>> ids["x1"], ids["a\\\\b"], ids["#1"]
('x1', '#1', '#2')
>>> text("<b>x</b>"), text("a\\\\b")
('<b>x</b>', 'a\\\\\\\\b')
"""

from __future__ import annotations

import graphviz


def text(s: str) -> str:
    """``s`` as a plain-text DOT label: backslashes kept, newlines as line breaks, no HTML."""
    return graphviz.nohtml(str(s).replace("\\", "\\\\").replace("\n", "\\n"))


def html(s: str) -> str:
    """``s`` as text inside an HTML-like DOT label (``<<TABLE>…>>``): ``& < > "`` escaped.

    >>> html('<b> & "x"')
    '&lt;b&gt; &amp; &quot;x&quot;'
    """
    return (str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def _kept(name: str) -> bool:
    return "\\" not in name and not name.startswith("#")


class Ids:
    """Node name → DOT ID, injective; extra IDs of the picture's own (``#legend``) never collide.

    >>> Ids(["<b>x</b>"])["<b>x</b>"]
    '<b>x</b>'
    """

    def __init__(self, names):
        self._map = {}
        for k, name in enumerate(names):
            self._map[name] = graphviz.nohtml(name) if _kept(name) else f"#{k}"

    def __getitem__(self, name: str) -> str:
        return self._map[name]

    @staticmethod
    def own(name: str) -> str:
        """An ID for a node of the picture itself (legend, "… k more"): '#' + a non-digit."""
        return f"#{name}"
