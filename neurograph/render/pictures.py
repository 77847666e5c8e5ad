"""Hidden-unit pictures: each unit's incoming weights as a small grey-scale image.

>>> import neurograph as ng
>>> net = ng.Network.from_architecture([4, 3, 1], seed=0)
>>> hidden_unit_grid(net, shape=(2, 2))[:4]
b'\\x89PNG'
"""

from __future__ import annotations

import os
import re
import tempfile

import numpy as np

from ..errors import ConfigError
from .png import png_bytes


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def _images(net, shape, image_dir) -> dict:
    """PNG files of each Layer 2 unit's incoming weights, by node name."""
    h, w = shape
    layers = net.layers
    if len(layers) < 2 or layers[0].size != h * w:
        raise ConfigError(f"hidden_images={shape} needs {h * w} inputs, the network has "
                          f"{layers[0].size}")
    folder = image_dir if image_dir is not None else tempfile.mkdtemp(prefix="neurograph-")
    os.makedirs(folder, exist_ok=True)
    out = {}
    for u in layers[1].nodes:
        weights = np.array([li.weight for li in net._in_links(u)[1:]])
        if len(weights) != h * w:
            continue
        path = os.path.join(folder, f"{_safe(u.name)}.png")
        with open(path, "wb") as f:
            f.write(png_bytes(weights.reshape(h, w), scale=6))
        out[u.name] = path
    return out


def hidden_unit_grid(net, shape: tuple[int, int] = (8, 8), path=None, layer: int = 2,
                     scale: int = 4) -> os.PathLike | bytes:
    """All units of ``layer`` as h×w pictures of their incoming weights, tiled in a grid.

    The slide's "visualization of hidden layer": black is the most inhibitory
    weight of a unit, white the most excitatory. Writes a PNG to ``path``
    (atomically) and returns the path, or returns the PNG bytes when ``path``
    is None.
    """
    from ..io import atomic_write
    from .png import grid, to_gray

    h, w = shape
    lays = net.layers
    if not 2 <= layer <= len(lays):
        raise ConfigError(f"layer must be in 2..{len(lays)}, got {layer}")
    if lays[layer - 2].size != h * w:
        raise ConfigError(f"shape {shape} needs {h * w} units in Layer {layer - 1}, it has "
                          f"{lays[layer - 2].size}")
    tiles = []
    for u in lays[layer - 1].nodes:
        wts = np.zeros(h * w)
        for li in net._in_links(u)[1:]:
            wts[li.source._pos] = li.weight
        tiles.append(to_gray(wts.reshape(h, w)))
    img = grid(tiles)
    data = png_bytes(img, scale=scale)
    if path is None:
        return data
    atomic_write(os.fspath(path), data)
    return path
