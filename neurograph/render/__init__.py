"""Rendering: Graphviz diagrams, hidden-unit pictures and the training player.

Reads a network and a Trace; never runs a pass. ``net.render``,
``net.diagram`` and Jupyter's inline display call into it.
"""

from .diagrams import SHOWS, diagram
from .output import FORMATS, RenderError
from .pictures import hidden_unit_grid
from .player import page, player
from .publish import mimebundle, render

__all__ = ["FORMATS", "SHOWS", "RenderError", "diagram", "hidden_unit_grid", "mimebundle",
           "page", "player", "render"]
