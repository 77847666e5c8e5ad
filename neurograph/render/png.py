"""Grey-scale PNGs of hidden-unit pictures, written by Pillow (matplotlib's own image library).

Pillow comes with the ``plot`` extra (matplotlib depends on it).

>>> import numpy as np
>>> data = png_bytes(np.eye(2))
>>> data[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
True
"""

from __future__ import annotations

import io

import numpy as np

from ..data.values import count_number as count_arg
from ..errors import MissingExtraError, ShapeError


def to_gray(values: np.ndarray) -> np.ndarray:
    """Scale an array to 0..255 (min → black, max → white); constant arrays are mid-grey.

    The scale is set by the finite values (a diverged weight does not blacken
    the rest): +inf is white, −inf black, NaN mid-grey.

    >>> to_gray(np.array([-1.0, 0.0, 1.0, np.inf, np.nan])).tolist()
    [0, 128, 255, 255, 128]
    """
    v = np.asarray(values, dtype=float)
    out = np.full(v.shape, 128, dtype=np.uint8)
    fin = np.isfinite(v)
    f = v[fin]
    if f.size:
        lo, hi = f.min(), f.max()
        with np.errstate(over="ignore"):
            span = hi - lo
        if not np.isfinite(span):  # ±1e308 apart: halve first so the span is finite
            f, lo, hi = f / 2, lo / 2, hi / 2
        if hi > lo:
            out[fin] = np.round((f - lo) / (hi - lo) * 255)
    out[v == np.inf], out[v == -np.inf] = 255, 0
    return out


def png_bytes(image: np.ndarray, scale: int = 1) -> bytes:
    """PNG of a 2-D array (uint8 as is; other dtypes scaled by :func:`to_gray`)."""
    try:
        from PIL import Image
    except ImportError:
        raise MissingExtraError("Pillow is not installed (hidden-unit pictures are PNGs): "
                                "pip install 'neurograph[plot]' (the plot extra)") from None
    scale = count_arg("scale", scale, "an int ≥ 1 (pixels per weight)")
    img = image if image.dtype == np.uint8 else to_gray(image)
    if img.ndim != 2:
        raise ShapeError(f"expected a 2-D image, got shape {img.shape}")
    if scale > 1:
        img = np.kron(img, np.ones((scale, scale), dtype=np.uint8))
    out = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(img)).save(out, format="PNG")
    return out.getvalue()


def grid(images: list[np.ndarray], cols: int | None = None, pad: int = 1) -> np.ndarray:
    """Tile same-shape uint8 images into one grid with ``pad`` black pixels between them."""
    k = len(images)
    cols = cols or max(1, int(np.ceil(np.sqrt(k))))
    rows = -(-k // cols)
    h, w = images[0].shape
    out = np.zeros((rows * (h + pad) + pad, cols * (w + pad) + pad), dtype=np.uint8)
    for i, img in enumerate(images):
        r, c = divmod(i, cols)
        out[pad + r * (h + pad): pad + r * (h + pad) + h,
            pad + c * (w + pad): pad + c * (w + pad) + w] = img
    return out
