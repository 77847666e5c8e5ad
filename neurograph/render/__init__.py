"""Rendering: Graphviz diagrams, hidden-unit pictures and the training player.

Reads a network and a Trace; never runs a pass. Registers ``net.render``,
``net.diagram`` and Jupyter's inline display on the Network.
"""

from ..model.network import HOOKS
from .diagram import SHOWS, diagram
from .output import FORMATS, RenderError, mimebundle, render
from .pictures import hidden_unit_grid
from .player import player

HOOKS.update(render=render, diagram=diagram, mimebundle=mimebundle)

__all__ = ["FORMATS", "SHOWS", "RenderError", "diagram", "hidden_unit_grid", "mimebundle",
           "player", "render"]
