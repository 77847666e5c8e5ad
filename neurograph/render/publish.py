"""A network's diagram written to a file, or shown in Jupyter: ``net.render`` and the
notebook's display call these (``diagrams`` draws; ``output`` writes)."""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError, NeurographError, renamed_keywords
from .diagrams import diagram
from .output import FORMATS, Diagram, RenderError, pipe, write


@renamed_keywords("neurograph.render.render", instance="row")
def render(net, path, show: str = "structure", trace=None, **options) -> Path:
    """Write ``net``'s diagram to ``path``: .svg, .png, .pdf or .dot, by extension.

    Written atomically. With ``hidden_images``, an SVG embeds its pictures and a
    PNG or PDF draws them in: ``dot`` reads them from a temporary folder, removed
    after it ran, or from ``image_dir=`` when given (kept). A .dot file names its
    pictures, so they are written beside it, into ``<name>_images`` unless
    ``image_dir=`` says where. Returns the path.

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
    if ext == ".dot" and options.get("hidden_images") and options.get("image_dir") is None:
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
