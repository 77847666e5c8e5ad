"""Layers of a network: functions over its ``networkx.DiGraph``, and the ``Layering``
that owns a network's layers.

A unit's layer is the one it was assigned (``add_layer``, ``add_input``,
``add_node(layer=…)``) when every unit has one; otherwise every layer is
inferred: 1 + the longest path from the inputs, with sinks (units feeding
nothing) lined up in the last layer. Each layer l < L gets its "+1" bias unit,
which feeds the bias links of layer l + 1.

>>> import neurograph as ng
>>> net = ng.Network()
>>> x = net.add_input("x"); h = net.add_node("h"); o = net.add_node("o")
>>> _ = net.connect(x, h); _ = net.connect(h, o); _ = net.connect(x, o)
>>> depths(net.graph, net.inputs)
{'x': 1, 'h': 2, 'o': 3}
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

from ..errors import TopologyError
from .layer import Layer

if TYPE_CHECKING:  # pragma: no cover
    from .activations import Activation
    from .node import Node
    from .topology import Topology


def layout(graph: nx.DiGraph, units: list[Node], input_layer: Layer,
           assigned: list[Layer]) -> list[Layer]:
    """The layers in order (1-based ``index`` set), each unit placed at its position.

    ``units`` are the non-bias units in the order they were made (positions
    within an inferred layer follow it); ``assigned`` are the layers made by
    ``add_layer``, used as they are when every computing unit has one.
    """
    computing = [u for u in units if not u.is_input]
    if all(u.assigned_layer is not None for u in computing):
        layers = [input_layer] + [lay for lay in assigned if lay.nodes]
    else:
        layers = infer_layers(graph, input_layer, computing)
    for i, lay in enumerate(layers, start=1):
        lay.index = i
        for pos, u in enumerate(lay.nodes):
            u.place(lay, pos)
    return layers


def depths(graph: nx.DiGraph, inputs: list[Node]) -> dict[str, int]:
    """1-based layer of each non-bias unit by the longest path from the inputs
    (a unit fed by no unit is in Layer 2: it still computes)."""
    depth = {u.name: 1 for u in inputs}
    nodes, pred = graph.nodes, graph.pred
    for generation in nx.topological_generations(graph):
        for name in generation:
            if name in depth or nodes[name]["node"].is_bias:
                continue
            depth[name] = max([1, *(depth[p] for p in pred[name] if p in depth)]) + 1
    return depth


def infer_layers(graph: nx.DiGraph, input_layer: Layer, computing: list[Node]) -> list[Layer]:
    """Layers from the links alone: :func:`depths`, then sinks in the last layer."""
    depth = depths(graph, input_layer.nodes)
    last = max([depth[u.name] for u in computing], default=1)
    succ = graph.succ
    for u in computing:
        if not succ[u.name]:
            depth[u.name] = last  # outputs (sinks) line up in the last layer
    layers = [input_layer] + [Layer(k) for k in range(2, last + 1)]
    for u in computing:
        layers[depth[u.name] - 1].nodes.append(u)
    return [lay for lay in layers if lay.nodes or lay is input_layer]


def place_bias_units(topology: Topology, layers: list[Layer], bias_units: dict[int, Node],
                     new_bias: Callable[[str], Node]) -> None:
    """Give layers 1..L−1 their "+1" unit (``new_bias(name)`` makes a missing one),
    drop those of layers that are gone, and feed each unit's bias link from the
    unit of the layer before it. ``bias_units`` (layer number → unit) is updated."""
    L = len(layers)
    for k, lay in enumerate(layers, start=1):
        if k < L:
            if k not in bias_units:
                unit = bias_units[k] = new_bias(f"bias{k}")
                topology.add_unit(unit)
            lay.bias = bias_units[k]
            lay.bias.place(lay, -1)
        else:
            lay.bias = None
    for k in [k for k in bias_units if k >= L]:
        topology.remove_unit(bias_units.pop(k))
    for lay in layers[1:]:
        unit = bias_units[lay.index - 1]
        for v in lay.nodes:
            if v.bias_link.source is not unit:
                topology.feed(v.bias_link, unit)


class Layering:
    """A network's layers, and the layers its units were put in.

    ``input`` is Layer 1; ``assigned`` the layers 2, 3, … made by ``add_layer`` /
    ``new_layer`` (even unused); ``bias_units`` {l: the "+1" unit feeding layer l+1}.
    The layers as laid out (:meth:`current`) follow the topology: after a change
    (:meth:`changed`) they are laid out again when next asked for.
    """

    __slots__ = ("topology", "new_bias", "input", "assigned", "bias_units", "_layers",
                 "_dirty")

    def __init__(self, topology: Topology, new_bias: Callable[[str], Node]):
        self.topology = topology
        self.new_bias = new_bias  # makes the "+1" unit called name
        self.input = Layer(1)
        self.assigned: list[Layer] = []
        self.bias_units: dict[int, Node] = {}
        self._layers: list[Layer] = [self.input]
        self._dirty = False

    def changed(self) -> None:
        self._dirty = True

    def current(self) -> list[Layer]:
        """The layers in order, laid out anew if the topology changed (the list itself)."""
        if self._dirty:
            t = self.topology
            self._layers = layout(t.graph, t.units, self.input, self.assigned)
            place_bias_units(t, self._layers, self.bias_units, self.new_bias)
            self._dirty = False
        return self._layers

    @property
    def empty(self) -> bool:
        """True before the first unit or layer is made."""
        return not self.input.nodes and not self.assigned

    def put(self, node: Node) -> None:
        """List a new unit in the layer it was made for (none: its layer is inferred)."""
        if node.assigned_layer is not None:
            node.assigned_layer.nodes.append(node)

    def take(self, node: Node) -> None:
        """Take a removed unit out of the layer it was made for."""
        if node.assigned_layer is not None:
            node.assigned_layer.nodes.remove(node)

    def new_layer(self, activation: Activation | None) -> Layer:
        layer = Layer(len(self.assigned) + 2, activation)
        self.assigned.append(layer)
        return layer

    def resolve(self, layer) -> Layer:
        """A Layer of this network from a Layer or its 1-based number, else TopologyError."""
        if isinstance(layer, Layer):
            if layer is not self.input and layer not in self.assigned:
                raise TopologyError(f"{layer!r} belongs to another network")
            return layer
        if isinstance(layer, (int, np.integer)) and not isinstance(layer, bool):
            every = [self.input, *self.assigned]
            if 1 <= layer <= len(every):
                return every[layer - 1]
            raise TopologyError(f"no Layer {layer}: layers are 1..{len(every)}")
        raise TopologyError(f"expected a Layer or a 1-based layer number, got {layer!r}")

    def copy(self, topology: Topology, nodes: dict[str, Node],
             new_bias: Callable[[str], Node]) -> Layering:
        """The same layers over ``topology`` (a copy of this one's, ``nodes`` its units by
        name), laid out as now: each unit assigned and placed as here, no layout run."""
        self.current()
        made: dict[int, Layer] = {}

        def layer(lay: Layer) -> Layer:
            c = made.get(id(lay))
            if c is None:
                c = made[id(lay)] = Layer(lay.index, lay.activation)
                c.nodes = [nodes[u.name] for u in lay.nodes]
                c.bias = None if lay.bias is None else nodes[lay.bias.name]
            return c

        new = Layering(topology, new_bias)
        new.input = layer(self.input)
        new.assigned = [layer(lay) for lay in self.assigned]
        new._layers = [layer(lay) for lay in self._layers]
        new.bias_units = {k: nodes[u.name] for k, u in self.bias_units.items()}
        for lay in (new.input, *new.assigned):
            for u in lay.nodes:
                u.assign(lay)
        for lay in new._layers:
            for pos, u in enumerate(lay.nodes):
                u.place(lay, pos)
            if lay.bias is not None:
                lay.bias.place(lay, -1)
        return new
