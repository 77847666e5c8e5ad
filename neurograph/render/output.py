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


# the extensions of a drawn picture: a file name ending so is where a picture goes
PICTURES = {".png", ".svg", ".pdf", ".jpg", ".jpeg", ".gif", ".ps", ".eps"}


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
        if self.image_dir is not None and self.images:
            self.graph_attr["imagepath"] = self.image_dir  # the DOT source finds them there

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
        """The pictures where ``dot`` finds them, for one run of it: in ``image_dir`` (kept)
        or a temporary folder (removed after the run). The run's ``imagepath`` is absolute:
        ``render`` runs ``dot`` in the source file's folder, ``pipe`` in ours."""
        with contextlib.ExitStack() as stack:
            if self.image_dir is None:
                folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="neurograph-"))
                for name, data in self.images.items():
                    write(os.path.join(folder, name), data)
            else:
                self.write_images()
                folder = os.path.abspath(self.image_dir)
            old = self.graph_attr.get("imagepath")
            self.graph_attr["imagepath"] = folder
            try:
                yield
            finally:
                if old is None:
                    del self.graph_attr["imagepath"]
                else:
                    self.graph_attr["imagepath"] = old

    def save(self, filename=None, directory=None, **kwargs):
        """graphviz's ``save``: the DOT source. A picture's name is refused (the file
        would hold DOT text): ``render("x.png")`` draws the picture."""
        if filename is not None and os.path.splitext(os.fspath(filename))[1].lower() in PICTURES:
            raise ConfigError(f"save writes the DOT source (a .gv or .dot file), got "
                              f"{os.fspath(filename)!r}: to draw the picture use "
                              f"render({os.fspath(filename)!r})")
        return super().save(filename, directory=directory, **kwargs)

    def pipe(self, format=None, *args, encoding=None, **kwargs):
        if not self.images:
            return super().pipe(format, *args, encoding=encoding, **kwargs)
        with self._images_on_disk():
            data = super().pipe(format, *args, **kwargs)
        if (format or self.format) == "svg":
            data = self._inline(data)
        return data if encoding is None else data.decode(encoding)

    def render(self, filename=None, directory=None, view=False, cleanup=False, format=None,
               renderer=None, formatter=None, neato_no_op=None, quiet=False,
               quiet_view=False, **kwargs):
        """graphviz's ``render`` with the pictures written for its run of ``dot`` (an SVG
        gets them embedded); the source file it keeps names no temporary folder.

        A ``filename`` ending in a picture's extension (``"x.png"``) is where the
        picture goes: graphviz would take it as the DOT source's name (DOT text in
        x.png, the picture in x.png.pdf)."""
        ext = os.path.splitext(os.fspath(filename))[1].lower() if filename is not None else ""
        if ext in PICTURES and format is None and kwargs.get("outfile") is None:
            out = filename if directory is None else os.path.join(directory, filename)
            kwargs["outfile"], filename, directory, cleanup = out, None, None, True
        if not self.images:
            return super().render(filename, directory=directory, view=view, cleanup=cleanup,
                                  format=format, renderer=renderer, formatter=formatter,
                                  neato_no_op=neato_no_op, quiet=quiet,
                                  quiet_view=quiet_view, **kwargs)
        with self._images_on_disk():
            out = super().render(filename, directory=directory, cleanup=cleanup,
                                 format=format, renderer=renderer, formatter=formatter,
                                 neato_no_op=neato_no_op, quiet=quiet, **kwargs)
        if not cleanup:
            self.save()  # again, now that imagepath is the diagram's own
        if os.path.splitext(out)[1].lower() == ".svg":
            with open(out, "rb") as f:
                write(out, self._inline(f.read()))
        if view or quiet_view:
            self._view(out, format=self._format, quiet=quiet_view)
        return out

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
