"""The explorer's part: it computes the rows and maps a page shows, then hands them to render.

``render`` never runs a pass, so the per-frame passes (decision maps over the
input box, the transformed plane, the rows of each frame) live here. ``ng.player``
is the recorded explorer, a page of the steps of a run.
"""

from .plane import transformed_plane
from .recorded import decision_maps, player, plot_decision_boundary

__all__ = ["decision_maps", "player", "plot_decision_boundary", "transformed_plane"]
