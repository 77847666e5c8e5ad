"""GraphML export and import (networkx): nodes with kind, layer and activation;
edges with their weight; bias units and their links included.

>>> import os, tempfile, neurograph as ng
>>> net = ng.Network.from_thetas([[[-30.0, 20.0, 20.0]]])
>>> path = os.path.join(tempfile.mkdtemp(), "and.graphml")
>>> to_graphml(net, path)
>>> from_graphml(path).forward([[1, 1]]).round(4)
array([[1.]])
"""

from __future__ import annotations

import io
import os

import networkx as nx

from ..data.loaders import atomic_write
from ..errors import FileFormatError, NeurographError


def to_graphml(net, path) -> None:
    """Write ``net`` as GraphML (atomic write)."""
    g = nx.DiGraph()
    for lay in net.layers:
        if lay.bias is not None:
            g.add_node(lay.bias.name, kind="bias", layer=lay.index, activation="",
                       input_function="")
        for u in lay.nodes:
            g.add_node(u.name, kind=u.kind, layer=lay.index,
                       activation="" if u.activation is None else u.activation.name,
                       input_function="" if u.input_function is None
                       else u.input_function.name)
    for link in net.links:
        g.add_edge(link.source.name, link.target.name, weight=float(link.weight))
    buf = io.BytesIO()
    nx.write_graphml(g, buf)
    atomic_write(os.fspath(path), buf.getvalue())


def from_graphml(path):
    """Rebuild a Network from :func:`to_graphml`'s file.

    Raises
    ------
    FileFormatError
        Not GraphML, or nodes/edges without the attributes neurograph writes.
    """
    from ..model.network import Network

    try:
        g = nx.read_graphml(os.fspath(path))
    except FileNotFoundError:
        raise
    except Exception as exc:
        raise FileFormatError(f"{os.fspath(path)!r} is not readable GraphML ({exc})") from None
    try:
        net = Network()
        order = sorted(g.nodes, key=lambda n: (int(g.nodes[n]["layer"]), list(g.nodes).index(n)))
        for name in order:
            d = g.nodes[name]
            if d["kind"] == "input":
                net.add_input(name)
            elif d["kind"] in ("hidden", "output"):
                net.add_node(name, activation=d["activation"],
                             input_function=d.get("input_function") or "weighted_sum")
        for u, v, d in g.edges(data=True):
            w = float(d["weight"])
            if g.nodes[u]["kind"] == "bias":
                net.set_bias(v, w)
            else:
                net.connect(u, v, weight=w)
    except (KeyError, ValueError, NeurographError) as exc:
        raise FileFormatError(f"{os.fspath(path)!r} is not a neurograph GraphML file: "
                              f"{exc!r}") from None
    return net
