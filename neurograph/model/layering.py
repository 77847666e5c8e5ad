"""Layers of a network, as functions over its ``networkx.DiGraph``.

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

from .layer import Layer

if TYPE_CHECKING:  # pragma: no cover
    from .node import Node


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


def place_bias_units(graph: nx.DiGraph, layers: list[Layer], bias_units: dict[int, Node],
                     new_bias: Callable[[str], Node]) -> None:
    """Give layers 1..L−1 their "+1" unit (``new_bias(name)`` makes a missing one),
    drop those of layers that are gone, and feed each unit's bias link from the
    unit of the layer before it. ``bias_units`` (layer number → unit) is updated."""
    L = len(layers)
    for k, lay in enumerate(layers, start=1):
        if k < L:
            if k not in bias_units:
                unit = bias_units[k] = new_bias(f"bias{k}")
                graph.add_node(unit.name, node=unit)
            lay.bias = bias_units[k]
            lay.bias.place(lay, -1)
        else:
            lay.bias = None
    for k in [k for k in bias_units if k >= L]:
        graph.remove_node(bias_units.pop(k).name)
    for lay in layers[1:]:
        unit = bias_units[lay.index - 1]
        for v in lay.nodes:
            link = v.bias_link
            if link.source is not unit:
                if link.source is not None and graph.has_edge(link.source.name, v.name):
                    graph.remove_edge(link.source.name, v.name)
                graph.add_edge(unit.name, v.name, link=link)
                link.source = unit
