"""The lesions open on a network: silenced units and cut links, and what to put back.

A lesion is an experiment, not an edit: it holds positions of units and links
of the layout as it is, so while one is open the topology may not change
(:meth:`Lesions.refuse`), and what the network is without it (the cut links'
own weights and frozen flags) stays known (:meth:`Lesions.intact`).

>>> import neurograph as ng
>>> net = ng.Network.from_thetas([[[0.5, 2.0]]])
>>> with net.lesion(links=[("x1", "a2_1")]):
...     net.lesions.active, net.weights.theta.tolist()
(True, [0.5, 0.0])
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np

from ..errors import TopologyError

if TYPE_CHECKING:  # pragma: no cover
    from .node import Link
    from .store import Weights


class Lesions:
    """``silenced``: {0-based layer index: positions of the silenced units}, the live
    mapping both engines read after g; ``held``: per open lesion, its cut links'
    intact (link, weight, frozen)."""

    __slots__ = ("silenced", "held")

    def __init__(self):
        self.silenced: dict[int, np.ndarray] = {}
        self.held: list[list[tuple[Link, float, bool]]] = []

    @property
    def active(self) -> bool:
        return bool(self.held or self.silenced)

    def refuse(self, what: str) -> None:
        """TopologyError for the edit ``what`` while a lesion is open."""
        # a lesion holds links and unit positions of this layout to put back on leaving:
        # an edit of the topology inside it would restore weights into other links
        if self.active:
            raise TopologyError(f"cannot {what} inside `with net.lesion(...)`: a lesion is an "
                                "experiment on a fixed layout (expected no topology edits "
                                "until the with block ends); leave it first, or edit a "
                                "net.copy() (the intact network)")

    def intact(self, store: Weights) -> tuple[np.ndarray, np.ndarray]:
        """Copies of θ and the frozen flags with every cut link's own weight and flag."""
        theta, frozen = store.theta.copy(), store.frozen.copy()
        for saved in reversed(self.held):  # the outermost lesion saw the intact values
            for li, w, fz in reversed(saved):
                theta[li.index], frozen[li.index] = w, fz
        return theta, frozen

    @contextmanager
    def hold(self, store: Weights, cut: list[Link], positions: dict[int, set]):
        """Cut ``cut`` (weight 0, frozen) and silence ``positions`` (layer index → unit
        positions, added to those silenced now) until the block ends; then put every
        weight, flag and silenced unit back exactly, also on an exception."""
        # a pooling unit's links carry no weight (they read a constant): nothing to cut
        cut = [li for li in cut if not (store.fixed and store.is_fixed(li.index))]
        saved = [(li, li.weight, li.frozen) for li in cut]
        before = dict(self.silenced)
        pos: dict[int, set] = {k: set(v.tolist()) for k, v in before.items()}
        for k, ps in positions.items():
            pos.setdefault(k, set()).update(ps)
        self.held.append(saved)
        try:
            for li in cut:
                store.set(li.index, 0.0)
                store.set_frozen(li.index, True)
            self.silenced.update({k: np.array(sorted(v), dtype=np.intp) for k, v in pos.items()})
            yield
        finally:
            self.held.pop()
            self.silenced.clear()
            self.silenced.update(before)
            for li, w, fz in reversed(saved):  # a link listed twice ends as it began
                store.set(li.index, w)
                store.set_frozen(li.index, fz)

    def copy(self) -> Lesions:
        """None open: a copy of a network is of the intact network (see ``intact``)."""
        return Lesions()
