"""Writing diagrams: files by extension, and inline display in Jupyter.

``render`` is the only place that touches the disk or runs ``dot``.
"""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path

import graphviz

from ..errors import ConfigError, NeurographError
from ..io import atomic_write
from .diagrams import diagram

FORMATS = (".svg", ".png", ".pdf", ".dot")


class RenderError(NeurographError, RuntimeError):
    """Graphviz could not render (``dot`` missing or failing)."""


_MISSING = ("Graphviz's `dot` executable was not found: install Debian's graphviz "
            "(apt-get install graphviz; `make test` and `make demo` do it when run as root)")


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
        atomic_write(os.fspath(path), source)
        return path
    try:
        data = pipe(dot, ext[1:])
    except RenderError as exc:
        dot_path = path.with_suffix(".dot")
        atomic_write(os.fspath(dot_path), source)
        raise RenderError(f"{exc}; the DOT source was written to {dot_path}") from None
    if ext == ".svg" and options.get("hidden_images"):
        data = _inline_images(data)
    atomic_write(os.fspath(path), data)
    return path


def _inline_images(svg: bytes) -> bytes:
    """Embed the hidden-unit PNGs as data URIs: the SVG then opens anywhere."""

    def embed(m: re.Match) -> bytes:
        try:
            with open(m.group(1).decode(), "rb") as f:
                png = base64.b64encode(f.read())
        except OSError:
            return m.group(0)
        return b'xlink:href="data:image/png;base64,' + png + b'"'

    return re.sub(rb'xlink:href="([^"]+\.png)"', embed, svg)


def mimebundle(net) -> dict:
    """What Jupyter shows for a network: its weights diagram as SVG (text if no ``dot``)."""
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
