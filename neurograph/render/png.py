"""A small grey-scale PNG writer (numpy + zlib), for hidden-unit pictures.

>>> import numpy as np
>>> data = png_bytes(np.eye(2))
>>> data[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
True
"""

from __future__ import annotations

import struct
import zlib

import numpy as np


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + \
        struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def to_gray(values: np.ndarray) -> np.ndarray:
    """Scale an array to 0..255 (min → black, max → white); constant arrays are mid-grey."""
    v = np.asarray(values, dtype=float)
    lo, hi = float(v.min()), float(v.max())
    if hi - lo <= 0:
        return np.full(v.shape, 128, dtype=np.uint8)
    return np.round((v - lo) / (hi - lo) * 255).astype(np.uint8)


def png_bytes(image: np.ndarray, scale: int = 1) -> bytes:
    """PNG of a 2-D array (uint8 as is; other dtypes scaled by :func:`to_gray`)."""
    img = image if image.dtype == np.uint8 else to_gray(image)
    if img.ndim != 2:
        raise ValueError(f"expected a 2-D image, got shape {img.shape}")
    if scale > 1:
        img = np.kron(img, np.ones((scale, scale), dtype=np.uint8))
    h, w = img.shape
    raw = b"".join(b"\x00" + img[r].tobytes() for r in range(h))
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b""))


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
