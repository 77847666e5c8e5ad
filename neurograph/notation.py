"""The lecture's names for things, formatted in one place.

Python indices stay 0-based (``instance=0`` is the first row of X); what a
person reads — titles, player labels, reprs — names that row as the lecture
does, x(1) … x(n).

>>> instance_label(0)
'x(1)'
>>> instance_label(1, 4)
'x(2) of 4'

A link is named ``source→target`` (``+1→target`` for a bias link) wherever a person
reads it: findings, reports, the explorer's panel.
"""

from __future__ import annotations


def instance_label(index: int, n: int | None = None) -> str:
    """The lecture's name of the training example at 0-based ``index``, optionally "of n".

    >>> instance_label(3), instance_label(3, 10)
    ('x(4)', 'x(4) of 10')
    """
    name = f"x({int(index) + 1})"
    return name if n is None else f"{name} of {n}"


def link_label(link) -> str:
    """The one readable name of a link: 'source→target', '+1→target' for a bias link.

    >>> import neurograph as ng
    >>> net = ng.Network.from_thetas([[[-30.0, 20.0, 20.0]]])
    >>> link_label(net.link("x1", "a2_1")), link_label(net["a2_1"].bias_link)
    ('x1→a2_1', '+1→a2_1')
    """
    return f"{'+1' if link.is_bias else link.source.name}→{link.target.name}"
