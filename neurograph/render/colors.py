"""Colour scales for diagrams: sequential for a ∈ [0, 1], diverging for signed values.

One colour means one thing in a picture: a weight's sign is green (w > 0) or
purple (w < 0), never the red and blue of the error scale (δ, blame, ∂J/∂w),
so red is only ever "positive error" and blue "negative error".

Every scale is a list of stops; colours are interpolated in RGB and written as
fixed ``#rrggbb`` strings so that the same numbers give byte-identical DOT.

>>> sequential(0.0), sequential(1.0)
('#f7fbff', '#08306b')
>>> diverging(0.0, 1.0)
'#f7f7f7'
"""

from __future__ import annotations

import math

SEQUENTIAL = ["#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b"]  # a: 0 → 1
DIVERGING = ["#2166ac", "#92c5de", "#f7f7f7", "#f4a582", "#b2182b"]  # errors: vmin → 0 → vmax
EXCITATORY, INHIBITORY, NEUTRAL = "#1b7837", "#762a83", "#9e9e9e"  # w > 0, w < 0, no value
# a point's class: 0 white and 1 black as on a decision map, then hues told apart in print
CLASSES = ["#ffffff", "#252525", "#e6550d", "#31a354", "#756bb1", "#fdd0a2", "#9ecae1",
           "#c51b8a", "#8c6d31", "#17becf"]


def _rgb(h: str) -> tuple[int, int, int]:
    return int(h[1:3], 16), int(h[3:5], 16), int(h[5:7], 16)


def _interp(stops: list[str], t: float) -> str:
    if not math.isfinite(t):
        return "#ff00ff"  # a NaN should stand out, never pass for a value
    t = min(max(t, 0.0), 1.0) * (len(stops) - 1)
    i = min(int(t), len(stops) - 2)
    f = t - i
    a, b = _rgb(stops[i]), _rgb(stops[i + 1])
    r, g, b = (round(x + (y - x) * f) for x, y in zip(a, b))
    return f"#{r:02x}{g:02x}{b:02x}"


def sequential(v: float) -> str:
    """Colour of a value in [0, 1] (activations)."""
    return _interp(SEQUENTIAL, v)


def diverging(v: float, vmax: float, vmin: float | None = None) -> str:
    """Colour of a signed value (δ, blame, gradients) on the error scale vmin → 0 → vmax.

    0 is always white; each side is linear up to its end (``vmin`` defaults
    to −vmax), and values beyond an end take the end's colour.

    >>> diverging(2.0, 2.0), diverging(-1.0, 2.0, vmin=-1.0)
    ('#b2182b', '#2166ac')
    """
    lo = -vmax if vmin is None else vmin
    if not math.isfinite(v):
        return _interp(DIVERGING, math.nan)
    if v >= 0:
        return DIVERGING[2] if vmax <= 0 else _interp(DIVERGING, 0.5 + 0.5 * v / vmax)
    return DIVERGING[2] if lo >= 0 else _interp(DIVERGING, 0.5 - 0.5 * v / lo)


def text_color(fill: str) -> str:
    """Black or white, whichever reads better on ``fill``."""
    r, g, b = _rgb(fill)
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#ffffff"


def fmt(v: float) -> str:
    """A short fixed form for labels (4 significant digits); inf, −inf and NaN by name, as
    the explorer's page writes them.

    >>> fmt(0.123456), fmt(float("-inf")), fmt(float("nan"))
    ('0.1235', '−inf', 'NaN')
    """
    if not math.isfinite(v):
        return "NaN" if math.isnan(v) else "inf" if v > 0 else "−inf"
    if v == 0:
        return "0"
    return f"{v:.4g}".replace("e-0", "e-").replace("e+0", "e")


def tint(color: str, t: float) -> str:
    """``color`` at strength t ∈ [0, 1] over white (a kernel entry's |w| of its largest).

    >>> tint(EXCITATORY, 0.0), tint(EXCITATORY, 1.0)
    ('#ffffff', '#1b7837')
    """
    return _interp(["#ffffff", color], t)
