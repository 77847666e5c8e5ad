"""Writing diagrams: files by extension, and inline display in Jupyter.

This module is the only place in ``render`` that touches the disk or runs
``dot``: a diagram carries its hidden-unit pictures as bytes (a
:class:`Diagram`), and they are written here, when ``dot`` needs them.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import tempfile
from pathlib import Path

import graphviz

from ..errors import ConfigError, NeurographError
from ..io import atomic_write

FORMATS = (".svg", ".png", ".pdf", ".dot")


class RenderError(NeurographError, RuntimeError):
    """Graphviz could not render (``dot`` missing or failing)."""


_MISSING = ("Graphviz's `dot` executable was not found: install Debian's graphviz "
            "(apt-get install graphviz; `make test` and `make demo` do it when run as root)")


def write(path, data: bytes) -> None:
    """Write one file of a picture atomically (the render part's only writer).

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "x.svg")
    >>> write(path, b"<svg/>"); open(path, "rb").read()
    b'<svg/>'
    """
    atomic_write(os.fspath(path), data)


class Diagram(graphviz.Digraph):
    """A ``graphviz.Digraph`` that carries its pictures.

    ``images`` maps each image file name its source uses to the PNG bytes;
    ``image_dir`` is where they are kept (None: a temporary folder for the run
    of ``dot``). Piping it — ``render``, Jupyter's display — writes the
    pictures first, and an SVG gets them embedded as data URIs.

    >>> d = Diagram(images={"u.png": b"\\x89PNG"})
    >>> d.copy().images
    {'u.png': b'\\x89PNG'}
    """

    def __init__(self, *args, images: dict | None = None, image_dir=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.images = dict(images or {})
        self.image_dir = None if image_dir is None else os.fspath(image_dir)

    def _copy_kwargs(self, **kwargs):
        # graphviz's own _copy_kwargs drops unknown keywords: add ours to its result
        return {**super()._copy_kwargs(**kwargs), "images": dict(self.images),
                "image_dir": self.image_dir}

    def write_images(self) -> list[str]:
        """Write the pictures into ``image_dir``; returns their paths (none without a dir)."""
        if self.image_dir is None:
            return []
        paths = [os.path.join(self.image_dir, name) for name in sorted(self.images)]
        for path in paths:
            write(path, self.images[os.path.basename(path)])
        return paths

    @contextlib.contextmanager
    def _images_on_disk(self):
        if self.image_dir is not None:
            self.write_images()
            yield
            return
        with tempfile.TemporaryDirectory(prefix="neurograph-") as folder:
            for name, data in self.images.items():
                write(os.path.join(folder, name), data)
            old = self.graph_attr.get("imagepath")
            self.graph_attr["imagepath"] = folder
            try:
                yield
            finally:
                if old is None:
                    del self.graph_attr["imagepath"]
                else:
                    self.graph_attr["imagepath"] = old

    def pipe(self, format=None, *args, encoding=None, **kwargs):
        if not self.images:
            return super().pipe(format, *args, encoding=encoding, **kwargs)
        with self._images_on_disk():
            data = super().pipe(format, *args, **kwargs)
        if (format or self.format) == "svg":
            data = self._inline(data)
        return data if encoding is None else data.decode(encoding)

    def _inline(self, svg: bytes) -> bytes:
        """Embed the pictures as data URIs: the SVG then opens anywhere."""

        def embed(m: re.Match) -> bytes:
            png = self.images.get(os.path.basename(m.group(1).decode()))
            if png is None:
                return m.group(0)
            return b'xlink:href="data:image/png;base64,' + base64.b64encode(png) + b'"'

        return re.sub(rb'xlink:href="([^"]+\.png)"', embed, svg)


def pipe(dot: graphviz.Digraph, fmt: str) -> bytes:
    """Run ``dot`` on a diagram and return its output.

    Raises RenderError: "dot … was not found" (how to install it) when the
    executable is missing, "dot failed" with dot's own stderr when it ran and
    refused the input — two different faults, two different messages.

    >>> import graphviz
    >>> pipe(graphviz.Digraph(body=["a -> b"]), "svg").startswith(b"<?xml")
    True
    """
    try:
        return dot.pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise RenderError(_MISSING) from None
    except graphviz.CalledProcessError as exc:
        err = (exc.stderr or b"").decode(errors="replace").strip() or "(no message on stderr)"
        raise RenderError(f"dot failed (exit status {exc.returncode}) rendering to {fmt}: "
                          f"{err}") from None


def render(net, path, show: str = "structure", trace=None, **options) -> Path:
    """Write ``net``'s diagram to ``path``: .svg, .png, .pdf or .dot, by extension.

    Written atomically. With ``hidden_images``, the pictures go to a folder
    ``<name>_images`` beside the file. Returns the path.

    Raises
    ------
    ConfigError
        An unknown extension (or a bad ``show``/trace, see :func:`diagram`).
    RenderError
        ``dot`` is missing or fails; the .dot source is still written beside ``path``.
    """
    from .diagrams import diagram  # diagrams sits on this module; it is needed only here

    path = Path(path)
    ext = path.suffix.lower()
    if ext not in FORMATS:
        raise ConfigError(f"cannot render to {path.name!r}: expected one of "
                          f"{', '.join(FORMATS)}")
    if options.get("hidden_images") and "image_dir" not in options:
        options["image_dir"] = str(path.with_name(path.stem + "_images"))
    dot = diagram(net, show=show, trace=trace, **options)
    source = dot.source.encode()
    if ext == ".dot":
        if isinstance(dot, Diagram):
            dot.write_images()
        write(path, source)
        return path
    try:
        data = pipe(dot, ext[1:])
    except RenderError as exc:
        dot_path = path.with_suffix(".dot")
        write(dot_path, source)
        raise RenderError(f"{exc}; the DOT source was written to {dot_path}") from None
    write(path, data)
    return path


def mimebundle(net) -> dict:
    """What Jupyter shows for a network: its weights diagram as SVG (text if no ``dot``)."""
    from .diagrams import diagram

    bundle = {"text/plain": repr(net)}
    try:
        layers = net.layers
        if not layers[0].nodes:
            return bundle
        show = "weights" if len(layers) > 1 else "structure"
        bundle["image/svg+xml"] = pipe(diagram(net, show=show), "svg").decode()
    except NeurographError:
        pass
    return bundle
