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

from ..errors import MissingExtraError, ShapeError


def to_gray(values: np.ndarray) -> np.ndarray:
    """Scale an array to 0..255 (min → black, max → white); constant arrays are mid-grey."""
    v = np.asarray(values, dtype=float)
    lo, hi = float(v.min()), float(v.max())
    if hi - lo <= 0:
        return np.full(v.shape, 128, dtype=np.uint8)
    return np.round((v - lo) / (hi - lo) * 255).astype(np.uint8)


def png_bytes(image: np.ndarray, scale: int = 1) -> bytes:
    """PNG of a 2-D array (uint8 as is; other dtypes scaled by :func:`to_gray`)."""
    try:
        from PIL import Image
    except ImportError:
        raise MissingExtraError("Pillow is not installed (hidden-unit pictures are PNGs): "
                                "pip install 'neurograph[plot]' (the plot extra)") from None
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
