"""GraphML export and import (networkx): nodes with kind, layer and activation;
edges with their weight and frozen flag; bias units and their links included.

The file carries what rebuilding the same network needs: the dtype, the class
names, the explicit layers (a hidden unit with no outgoing link stays hidden)
and the order of nodes and links, so ``from_graphml(to_graphml(net))`` gives
the same outputs bit for bit. Other tools read it as a plain directed graph.

>>> import os, tempfile, neurograph as ng
>>> net = ng.Network.from_thetas([[[-30.0, 20.0, 20.0]]])
>>> path = os.path.join(tempfile.mkdtemp(), "and.graphml")
>>> to_graphml(net, path)
>>> from_graphml(path).forward([[1, 1]]).round(4)
array([[1.]])
"""

from __future__ import annotations

import io
import json
import math
import os
import re

import networkx as nx
import numpy as np

from ..errors import FileFormatError, InputValueError, NeurographError
from ..io import atomic_write
from ..model.network import Network


def to_graphml(net, path) -> None:
    """Write ``net`` as GraphML (atomic write).

    Raises InputValueError for a weight that is NaN or inf (a diverged network):
    GraphML files hold finite weights, as :func:`from_graphml` reads them; keep a
    diverged network with ``ng.save``. Links that share a parameter (convolution,
    an unrolled RNN, ``net.tie``) each hold its value and the parameter's number
    (edge attribute ``parameter``, -1 for a weight of its own); the parameters' names,
    values and arrays are the graph's ``parameters`` (JSON), so the ties come back.

    >>> import os, tempfile, neurograph as ng
    >>> path = os.path.join(tempfile.mkdtemp(), "n.graphml")
    >>> to_graphml(ng.Network.from_architecture([2, 2, 1], seed=0), path)
    >>> sorted(nx.read_graphml(path).nodes)[:3]
    ['a2_1', 'a2_2', 'a3_1']
    """
    spec = net.to_spec()
    shared = spec.get("parameters")
    for name in [d["name"] for d in spec["nodes"]] + (shared["names"] if shared else []):
        _check_xml(name)
    units = [d["name"] for d in spec["nodes"] if d["kind"] == "unit"]
    links = spec["links"]
    for k in np.flatnonzero(~np.isfinite(spec["weights"]))[:1]:
        raise InputValueError(f"link {links['source'][k]!r} → {links['target'][k]!r} has "
                              f"weight {spec['weights'][k]}; GraphML holds finite weights "
                              "(keep a diverged network with ng.save)")
    for k in np.flatnonzero(~np.isfinite(spec["biases"]))[:1]:
        raise InputValueError(f"the bias of {units[k]!r} is {spec['biases'][k]}; GraphML "
                              "holds finite weights (keep a diverged network with ng.save)")
    layer = {u.name: lay.index for lay in net.layers for u in [*lay.nodes, lay.bias] if u}
    g = nx.DiGraph(format="neurograph", dtype=spec["dtype"], compiled=spec["compiled"],
                   classes=json.dumps(spec["classes"]),
                   explicit_layers=json.dumps([s["activation"] for s in
                                               spec["explicit_layers"]]),
                   parameters=json.dumps(None if not shared else
                                         {k: shared[k] for k in ("names", "values",
                                                                 "frozen", "arrays")}))
    for d in spec["nodes"]:  # layer by layer: positions within layers
        hint = d["explicit_layer"]
        g.add_node(d["name"], kind=net[d["name"]].kind, layer=layer[d["name"]],
                   activation=d["activation"] or "",
                   input_function=d["input_function"] or "",
                   explicit_layer=-1 if hint is None else hint)
    for b in net.bias_units:
        g.add_node(b.name, kind="bias", layer=layer[b.name], activation="",
                   input_function="", explicit_layer=-1)
    fl, fb = set(spec["frozen"]["links"]), set(spec["frozen"]["biases"])
    pl = shared["links"] if shared else [-1] * len(spec["weights"])
    pb = shared["biases"] if shared else [-1] * len(spec["biases"])
    for k, (a, b, w) in enumerate(zip(links["source"], links["target"], spec["weights"])):
        g.add_edge(a, b, weight=float(w), frozen=k in fl,  # per target in the order it sums
                   parameter=int(pl[k]))
    for k, (name, w) in enumerate(zip(units, spec["biases"])):
        g.add_edge(net.in_links(name)[0].source.name, name, weight=float(w), frozen=k in fb,
                   parameter=int(pb[k]))
    buf = io.BytesIO()
    nx.write_graphml(g, buf)
    atomic_write(os.fspath(path), buf.getvalue())


# XML 1.0 has no way to write these, not even as &#1;: a file holding one cannot be read
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _check_xml(name: str) -> None:
    """Refuse a unit name GraphML cannot carry (the ElementTree writer escapes the rest)."""
    bad = _NOT_XML.search(name)
    if bad:
        raise FileFormatError(f"GraphML (XML 1.0) cannot hold the character "
                              f"U+{ord(bad.group()):04X} of unit name {name!r}: rename the "
                              "unit, or save with ng.save (.ngz keeps any name)")


def from_graphml(path):
    """Rebuild a Network from :func:`to_graphml`'s file.

    Files from other tools work when their nodes have ``kind`` ("input",
    "hidden", "output" or "bias") and their edges ``weight``; layers are then
    inferred from the links.

    Raises
    ------
    FileFormatError
        Not GraphML, an undirected graph, nodes/edges without the
        attributes neurograph writes, or a weight that is not a finite number.

    >>> import os, tempfile, neurograph as ng
    >>> net = ng.Network.from_architecture([2, 3, 2], seed=0, dtype="float32")
    >>> path = os.path.join(tempfile.mkdtemp(), "n.graphml")
    >>> to_graphml(net, path)
    >>> from_graphml(path).dtype
    dtype('float32')
    """
    where = os.fspath(path)
    try:
        g = nx.read_graphml(where)
    except FileNotFoundError:
        raise
    except Exception as exc:
        raise FileFormatError(f"{where!r} is not readable GraphML ({exc})") from None
    if not g.is_directed() or g.is_multigraph():
        raise FileFormatError(f"{where!r}: expected a directed graph without parallel edges "
                              f"(a feed-forward network), got "
                              f"{'an undirected' if not g.is_directed() else 'a multi'}graph")
    try:
        return Network.from_spec(_to_spec(g))
    except (KeyError, TypeError, ValueError, NeurographError) as exc:
        why = exc if isinstance(exc, NeurographError) else repr(exc)  # ours say it already
        raise FileFormatError(f"{where!r} is not a neurograph GraphML file: {why}") from None


def _weight(e: dict, a: str, b: str) -> float:
    """The edge's weight; a file is a network's description, so NaN or inf is a
    corrupt file here (a checkpoint, not GraphML, keeps a diverged network)."""
    w = float(e["weight"])
    if not math.isfinite(w):
        raise FileFormatError(f"the weight of {a!r} → {b!r} must be a finite number, "
                              f"got {e['weight']!r}")
    return w


def _to_spec(g: nx.DiGraph) -> dict:
    """The network's spec (``Network.from_spec``) read off ``g``."""
    info = g.graph
    kinds = {n: d["kind"] for n, d in g.nodes(data=True)}
    unknown = {k for k in kinds.values()} - {"input", "hidden", "output", "bias"}
    if unknown:
        raise FileFormatError(f"node kinds must be input, hidden, output or bias, "
                              f"got {sorted(unknown)}")
    nodes, src, dst, links, biases, at_links, at_biases = [], [], [], [], [], [], []
    frozen: dict[str, list[int]] = {"links": [], "biases": []}
    for name, d in g.nodes(data=True):
        if d["kind"] == "bias":
            continue
        hint = int(d.get("explicit_layer", -1))
        nodes.append({"name": name, "kind": "input" if d["kind"] == "input" else "unit",
                      "activation": d.get("activation") or None,
                      "input_function": d.get("input_function") or None,
                      "explicit_layer": None if hint < 0 else hint})
        if d["kind"] == "input":
            continue
        bias, bias_frozen, bias_at = 0.0, False, -1
        for a, e in g.pred[name].items():
            if kinds[a] == "bias":
                bias, bias_frozen = _weight(e, a, name), bool(e.get("frozen", False))
                bias_at = int(e.get("parameter", -1))
            else:
                if e.get("frozen", False):
                    frozen["links"].append(len(links))
                src.append(a)
                dst.append(name)
                links.append(_weight(e, a, name))
                at_links.append(int(e.get("parameter", -1)))
        if bias_frozen:
            frozen["biases"].append(len(biases))
        biases.append(bias)
        at_biases.append(bias_at)
    acts = json.loads(info.get("explicit_layers", "[]"))
    shared = json.loads(info.get("parameters", "null"))  # the ties: parameters by number
    more = {} if not shared else {"parameters": {**shared, "links": at_links,
                                                 "biases": at_biases}}
    return {**more, "dtype": info.get("dtype", "float64"), "nodes": nodes,
            "explicit_layers": [{"activation": a} for a in acts],
            "links": {"source": src, "target": dst},
            "weights": np.array(links, dtype=np.float64),
            "biases": np.array(biases, dtype=np.float64),
            "compiled": bool(info.get("compiled", False)),
            "classes": json.loads(info.get("classes", "null")), "frozen": frozen}
