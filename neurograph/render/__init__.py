"""Rendering: Graphviz diagrams, hidden-unit pictures and the explorer's page.

Draws what it is handed — a network, a Trace, a Diagnosis, a Comparison — and
never runs a pass, diagnoses or compares. What each picture shows is one entry of
:data:`neurograph.render.views.TABLE`. ``net.render``, ``net.diagram`` and
Jupyter's inline display call into it; ``ng.diagram`` (one part above) makes the
data a view needs and hands it over.
"""

from .diagrams import SHOWS, diagram
from .output import FORMATS, RenderError
from .pictures import hidden_unit_grid
from .player import page
from .publish import mimebundle, render
from .views import VIEWS

__all__ = ["FORMATS", "SHOWS", "VIEWS", "RenderError", "diagram", "hidden_unit_grid", "mimebundle",
           "page", "render"]
