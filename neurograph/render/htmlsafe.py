"""Names are data: one escaping function per context a page writes text into.

A unit name or a class label comes from the user (typed, or read from a CSV's
labels); written into a page it must stay text. ``text`` is for HTML and SVG
text and double-quoted attribute values, ``json_for_script`` for data inside a
``<script>`` element. The page's script puts names in with ``textContent`` and
``setAttribute`` only, never as markup.

>>> text('<img src=x onerror="f()">')
'&lt;img src=x onerror=&quot;f()&quot;&gt;'
>>> json_for_script({"name": "</script>"})
'{"name": "\\\\u003c/script\\\\u003e"}'
"""

from __future__ import annotations

import html
import json

# Inside <script>, "</script" or "<!--" end or change the element whatever the JS
# means, and U+2028/U+2029 end a line in older JS: escaped, JSON.parse reads them
# back the same. '<', '>' and '&' only ever occur inside JSON strings.
_SCRIPT = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
           0x2028: "\\u2028", 0x2029: "\\u2029"}


def text(s) -> str:
    """``s`` as HTML/SVG text or a double-quoted attribute value: ``& < > " '`` escaped.

    >>> text("a & b"), text("'x'")
    ('a &amp; b', '&#x27;x&#x27;')
    """
    return html.escape(str(s), quote=True)


def attr(name: str, value) -> str:
    """`` name="value"`` with the value escaped; nothing when ``value`` is None.

    >>> attr("data-who", 'x"1'), attr("data-who", None)
    (' data-who="x&quot;1"', '')
    """
    return "" if value is None else f' {name}="{text(value)}"'


def json_for_script(data) -> str:
    """``data`` as JSON that can sit inside ``<script>`` and parse back equal.

    NaN and inf are refused (JSON has none), as is any value that is not plain data.

    >>> s = json_for_script(["a\\u2028b", "x & <y>"])
    >>> "<" in s or "&" in s or "\\u2028" in s, json.loads(s)
    (False, ['a\\u2028b', 'x & <y>'])
    """
    return json.dumps(data, allow_nan=False, default=_refuse).translate(_SCRIPT)


def _refuse(v):
    raise TypeError(f"not JSON: {type(v).__name__}")
