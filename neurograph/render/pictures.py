"""Hidden-unit pictures: each unit's incoming weights as a small grey-scale image.

One order for every picture: pixel k is the weight from input unit k of the
layer below (its ``position``), whatever order the links were added in; a
missing link is a 0 pixel. Pictures are bytes here; writing them is
``output``'s job.

>>> import neurograph as ng
>>> net = ng.Network.from_architecture([4, 3, 1], seed=0)
>>> hidden_unit_grid(net, shape=(2, 2))[:4]
b'\\x89PNG'
"""

from __future__ import annotations

import numbers
import os

import numpy as np

from ..data.values import count_number as count_arg
from ..errors import ConfigError
from .output import write
from .png import grid, labelled_grid, png_bytes, to_gray


def incoming_weights(unit, below, weight=None) -> np.ndarray:
    """A unit's weights from the units of layer ``below``, by their position (0 if no link).

    ``weight`` reads a link's weight (default: its current weight; a diagram
    passes the weights of its Trace).

    >>> import neurograph as ng
    >>> net = ng.Network.from_thetas([[[0.5, 1.0, -2.0]]])
    >>> incoming_weights(net.layers[1].nodes[0], net.layers[0]).tolist()
    [1.0, -2.0]
    """
    weight = weight or (lambda link: link.weight)
    out = np.zeros(below.size)
    for link in unit.incoming:
        src = link.source
        if link.is_bias or src is None or src.layer != below.index:
            continue  # only the layer drawn: no bias, no skip connections
        out[src.position] = weight(link)
    return out


def _check_shape(net, shape, layer: int, what: str) -> tuple[int, int]:
    """(h, w) of ``shape``, a pair of whole numbers ≥ 1 whose product is the number
    of units in the layer below ``layer`` (1-based, ≥ 2); ConfigError otherwise."""
    lays = net.layers
    if isinstance(layer, (bool, np.bool_)) or not isinstance(layer, numbers.Integral) \
            or not 2 <= layer <= len(lays):
        raise ConfigError(f"layer must be an int in 2..{len(lays)} (Layer 1 is the input), "
                          f"got {layer!r}")
    try:
        h, w = (count_arg(what, v, "(height, width): two ints ≥ 1") for v in shape)
    except (TypeError, ValueError):  # not a pair, or count_arg's ConfigError: name it all
        raise ConfigError(f"{what} must be (height, width): two ints ≥ 1, got {shape!r}") \
            from None
    if lays[layer - 2].size != h * w:
        raise ConfigError(f"{what}={tuple(shape)} needs {h * w} inputs (units in Layer "
                          f"{layer - 1}), the network has {lays[layer - 2].size}")
    return h, w


def unit_pictures(net, shape: tuple[int, int], layer: int = 2, weight=None,
                  scale: int = 6) -> dict[str, bytes]:
    """{unit name: PNG bytes} of each unit of ``layer``'s incoming weights as an h×w image.

    >>> import neurograph as ng
    >>> net = ng.Network.from_architecture([4, 2, 1], seed=0)
    >>> sorted(unit_pictures(net, (2, 2)))
    ['a2_1', 'a2_2']
    """
    h, w = _check_shape(net, shape, layer, "hidden_images")
    below = net.layers[layer - 2]
    return {u.name: png_bytes(incoming_weights(u, below, weight).reshape(h, w), scale=scale)
            for u in net.layers[layer - 1].nodes}


def hidden_unit_grid(net, shape: tuple[int, int] = (8, 8), path=None, layer: int = 2,
                     scale: int | None = None, labels: bool = False) -> os.PathLike | bytes:
    """All units of ``layer`` as h×w pictures of their incoming weights, tiled in a grid.

    The slide's "visualization of hidden layer": black is the most inhibitory
    weight of a unit, white the most excitatory. ``labels=True`` puts each
    unit's name under its picture, a title above and what the grey means
    below, on a page at least 600 px wide (``scale``: pixels per weight, 14 by
    default; 4 for the bare grid). Writes a PNG to ``path`` (atomically) and
    returns the path, or returns the PNG bytes when ``path`` is None.

    >>> import neurograph as ng
    >>> net = ng.Network.from_architecture([64, 25, 10], seed=0)
    >>> from PIL import Image; import io
    >>> Image.open(io.BytesIO(hidden_unit_grid(net, labels=True))).width >= 600
    True
    """
    h, w = _check_shape(net, shape, layer, "shape")
    below = net.layers[layer - 2]
    units = net.layers[layer - 1].nodes
    tiles = [to_gray(incoming_weights(u, below).reshape(h, w)) for u in units]
    if labels:
        title = f"Layer {layer}: each unit's weights from the {h}x{w} inputs of Layer {layer - 1}"
        data = png_bytes(labelled_grid(tiles, [u.name for u in units], title,
                                       scale=14 if scale is None else scale))
    else:
        data = png_bytes(grid(tiles), scale=4 if scale is None else scale)
    if path is None:
        return data
    write(path, data)
    return path
