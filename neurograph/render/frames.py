"""Static Graphviz pictures of the explorer's frames: the lecture's diagram of each
moment, printable and readable without the page's script.

A page carries one such picture (:func:`page_picture`), laid out by Graphviz and
tagged with the unit and link each shape is, so the page colours and labels it
from the same numbers, view, instance, frame and scale as its own drawing."""

from __future__ import annotations

import html
import re

from ..errors import ConfigError
from .diagrams import diagram
from .dotsafe import Ids
from .output import pipe

# what the player passes on to ng.diagram for its pictures (it sets show, trace, the scale)
OPTIONS = ("row", "collapse", "top_k", "hidden_images", "image_dir", "edge_labels",
           "title")


def _svg(dot, k: int) -> str:
    svg = pipe(dot, "svg").decode()
    svg = svg[svg.index("<svg"):]  # drop the XML prolog and doctype
    return re.sub(r'id="', f'id="f{k}_', svg)


def check_options(options: dict) -> None:
    """Refuse a keyword the player does not know (a typo must not vanish when no picture
    is drawn, nor surface as a TypeError of ng.diagram's).

    >>> check_options({"collapse": 8})
    >>> check_options({"colour": "red"})
    Traceback (most recent call last):
    ...
    neurograph.errors.ConfigError: unknown option 'colour' for ng.player: expected ...
    """
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise ConfigError(f"unknown option {unknown[0]!r} for ng.player: expected its own "
                          f"keywords or ng.diagram's {', '.join(sorted(OPTIONS))}")


_NODE = re.compile(r'<g id="([^"]*)" class="(node|edge)">\n<title>(.*?)</title>')
_LEGEND = re.compile(r'<g id="[^"]*" class="cluster">\n<title>cluster_legend</title>.*?</g>\n'
                     r'|<!-- #legend -->\n<g id="[^"]*" class="node">.*?</g>\n', re.S)


def page_picture(net, show, shown, diagnosis=None, **options) -> str:
    """The Graphviz picture of a page: the diagram of ``shown`` (a Step or Trace) as SVG,
    each unit's group tagged ``data-u="l,p"`` (Layer l, 1-based; position p) and each
    link's ``data-i`` (its index in θ), its legend left to the page's.

    >>> import neurograph as ng
    >>> X, y = ng.data.truth_table("XOR")
    >>> net = ng.Network.from_architecture([2, 2, 1], seed=0)
    >>> svg = page_picture(net, "errors", net.backward(X, y))
    >>> svg.count("data-u="), svg.count("data-i="), "cluster_legend" in svg
    (5, 6, False)
    """
    tr = getattr(shown, "trace", shown)
    show = show if show in ("weights", "activations") or tr.delta is not None \
        else "activations"
    extra = {} if diagnosis is None else {"diagnosis": diagnosis}
    svg = _LEGEND.sub("", _svg(diagram(net, show=show, trace=shown, **options, **extra), 0))
    ids = Ids([u.name for lay in net.layers for u in ([lay.bias] if lay.bias else [])
               + lay.nodes])
    units = {ids[u.name]: f"{u.layer},{u.position + 1}" for u in net.nodes}
    links = {f"{ids[k.source.name]}->{ids[k.target.name]}": k.index for k in net.links
             if not k.is_bias}

    def tag(m):
        title = html.unescape(m.group(3))
        if m.group(2) == "node" and title in units:
            l, p = units[title].split(",")
            return m.group(0).replace('">', f'" data-u="{l},{int(p) - 1}">', 1)
        if m.group(2) == "edge" and title in links:
            return m.group(0).replace('">', f'" data-i="{links[title]}">', 1)
        return m.group(0)

    return _NODE.sub(tag, svg)
