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


def _font(size: int):
    from PIL import ImageFont

    return ImageFont.load_default(size=size)  # Pillow's own font: no system font needed


def labelled_grid(images: list[np.ndarray], names: list[str], title: str, scale: int = 14,
                  cols: int | None = None) -> np.ndarray:
    """Same-shape uint8 pictures tiled on white, each ``scale`` px per pixel with its name
    under it, ``title`` above and a black-to-white bar saying what the grey means
    (Pillow's own font has no ×: write 8x8).

    Sized to be read from the back of a room: 25 pictures of 8×8 at the default
    scale make an image 700 px wide.

    >>> img = labelled_grid([np.zeros((2, 2), np.uint8)] * 3, ["a", "b", "c"], "t", scale=20)
    >>> img.dtype, img.shape[1] >= 2 * 40
    (dtype('uint8'), True)
    """
    from PIL import Image, ImageDraw

    scale = count_arg("scale", scale, "an int ≥ 1 (pixels per weight)")
    k = len(images)
    cols = cols or max(1, int(np.ceil(np.sqrt(k))))
    rows = -(-k // cols)
    h, w = images[0].shape[0] * scale, images[0].shape[1] * scale
    gap, name_h, size = 24, 26, 18
    top, bar_h = 2 * size + 20, 3 * size + 24
    width = max(cols * (w + gap) + gap, 600)
    left = (width - cols * (w + gap) + gap) // 2
    canvas = Image.new("L", (width, top + rows * (h + name_h + gap) + bar_h), 255)
    draw = ImageDraw.Draw(canvas)
    draw.text((width // 2, 12), title, fill=0, font=_font(size + 2), anchor="ma")
    for i, (img, name) in enumerate(zip(images, names)):
        r, c = divmod(i, cols)
        x, y = left + c * (w + gap), top + r * (h + name_h + gap)
        canvas.paste(Image.fromarray(np.kron(img, np.ones((scale, scale), np.uint8))), (x, y))
        draw.rectangle((x - 1, y - 1, x + w, y + h), outline=160)  # a white tile's edge
        draw.text((x + w // 2, y + h + 4), name, fill=0, font=_font(size), anchor="ma")
    y = canvas.height - bar_h + 8
    bar = np.tile(np.linspace(0, 255, 256).astype(np.uint8), (size, 1))
    x0 = (width - 256) // 2
    canvas.paste(Image.fromarray(bar), (x0, y))
    draw.rectangle((x0 - 1, y - 1, x0 + 256, y + size), outline=160)
    draw.text((x0 - 8, y), "lowest weight", fill=0, font=_font(size - 2), anchor="ra")
    draw.text((x0 + 264, y), "highest weight", fill=0, font=_font(size - 2), anchor="la")
    draw.text((width // 2, y + size + 8), "each picture on its own scale: black its unit's "
              "lowest weight, white its highest", fill=0, font=_font(size - 2), anchor="ma")
    return np.asarray(canvas)
