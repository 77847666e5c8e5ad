"""A layer: ordered units plus the layer's "+1" bias unit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import PositionError

if TYPE_CHECKING:  # pragma: no cover
    from .activations import Activation
    from .node import Node


class Layer:
    """Ordered nodes of one layer, its bias unit, and a default activation.

    ``index`` is 1-based as on the slides (Layer 1 is the input layer); the
    bias unit ``bias`` is the a_0(l) = 1 that feeds layer l+1 (None for the
    output layer, which feeds nothing).

    Examples
    --------
    >>> import neurograph as ng
    >>> net = ng.Network.from_architecture([3, 3, 2, 1], seed=0)
    >>> net.layers[1]
    Layer(2, 3 units, sigmoid, bias='bias2')
    >>> [n.name for n in net.layers[1]]
    ['a2_1', 'a2_2', 'a2_3']
    """

    def __init__(self, index: int, activation: Activation | None = None):
        self.index = index
        self.activation = activation
        self.nodes: list[Node] = []
        self.bias: Node | None = None

    @property
    def size(self) -> int:
        """s_l: units in the layer, the bias unit not counted."""
        return len(self.nodes)

    def __len__(self) -> int:
        return len(self.nodes)

    def __iter__(self):
        return iter(self.nodes)

    def __getitem__(self, i):
        try:
            return self.nodes[i]
        except IndexError:
            raise PositionError(f"layer {self.index} has {len(self.nodes)} units "
                                f"(0 … {len(self.nodes) - 1}); got {i!r}") from None

    @property
    def activations(self) -> list[str]:
        """Distinct activation names of the layer's units, in order of appearance."""
        seen: list[str] = []
        for n in self.nodes:
            if n.activation is not None and n.activation.name not in seen:
                seen.append(n.activation.name)
        return seen

    def __repr__(self) -> str:
        acts = "/".join(self.activations) or ("input" if self.index == 1 else "-")
        bias = f", bias={self.bias.name!r}" if self.bias is not None else ""
        return f"Layer({self.index}, {self.size} units, {acts}{bias})"
