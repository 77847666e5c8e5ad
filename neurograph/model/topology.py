"""A network's units and links: one ``networkx.DiGraph`` and the order units were made.

The graph's node attribute "node" is the Node, its edge attribute "link" the
Link (bias units and their links included). Only :class:`Topology` writes the
graph; the Network reads it through ``net.graph``, a read-only view.

Its copy takes the layout as it is, not through a spec (which checks each link
again and compiles again: 5 s for the 785 000 links of 784-1000-10): the
adjacency is rebuilt dict by dict, each link a new Link at the same index of
θ, every order kept — nodes, and each unit's incoming links (the order z sums
them) — so the copy is bit for bit the same network.

>>> import neurograph as ng
>>> net = ng.Network.from_architecture([2, 2, 1], seed=0)
>>> t = net.topology
>>> [u.name for u in t.units], [li.target.name for li in t.out_links(t.node("x1"))]
(['x1', 'x2', 'a2_1', 'a2_2', 'a3_1'], ['a2_1', 'a2_2'])
"""

from __future__ import annotations

from itertools import chain, repeat
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

from .node import Link
from .store import no_gc

if TYPE_CHECKING:  # pragma: no cover
    from .node import Node
    from .store import Weights

_link, _index = itemgetter("link"), attrgetter("index")  # read at C speed, link by link


class Topology:
    """The units and links of one network (see the module's docstring).

    ``units`` are the non-bias units in the order they were made: an inferred
    layer lists its units in that order.
    """

    __slots__ = ("graph", "units")

    def __init__(self):
        self.graph = nx.DiGraph()
        self.units: list[Node] = []

    def __contains__(self, name) -> bool:
        return name in self.graph

    def node(self, name: str) -> Node:
        """The Node called ``name`` (KeyError when there is none)."""
        return self.graph.nodes[name]["node"]

    # --- units ------------------------------------------------------------------------
    def add_unit(self, node: Node) -> None:
        """Add ``node``; a bias unit is not one of ``units`` (its layer owns it)."""
        self.graph.add_node(node.name, node=node)
        if not node.is_bias:
            self.units.append(node)

    def remove_unit(self, node: Node) -> None:
        """Remove ``node`` with every link into or out of it."""
        self.graph.remove_node(node.name)
        if not node.is_bias:
            self.units.remove(node)

    # --- links ------------------------------------------------------------------------
    def add_link(self, link: Link) -> None:
        self.graph.add_edge(link.source.name, link.target.name, link=link)

    def remove_link(self, link: Link) -> None:
        self.graph.remove_edge(link.source.name, link.target.name)

    def feed(self, link: Link, source: Node) -> None:
        """Make ``source`` (a bias unit) the source of ``link`` (a bias link)."""
        g, v = self.graph, link.target.name
        if link.source is not None and g.has_edge(link.source.name, v):
            g.remove_edge(link.source.name, v)
        g.add_edge(source.name, v, link=link)
        link.source = source

    def add_block(self, store: Weights, src: list[Node], dst: list[Node],
                  W: np.ndarray) -> None:
        """Link every unit of ``src`` to every unit of ``dst`` with W (sb × sa), checked
        already: θ grows by W's entries source by source, each target's incoming
        links keep the order of ``src``."""
        sb = len(dst)
        succ, pred = self.graph._succ, self.graph._pred  # the dicts themselves: millions
        dnames = [v.name for v in dst]
        start = store.append(W.T.reshape(-1))
        with no_gc():  # millions of new containers, none of them garbage
            for i, u in enumerate(src):
                base = start + i * sb
                links = map(Link, repeat(u, sb), dst, repeat(store, sb), range(base, base + sb))
                datas = [{"link": li} for li in links]
                succ[u.name].update(zip(dnames, datas))
                un = u.name
                for vn, d in zip(dnames, datas):
                    pred[vn][un] = d
        if hasattr(nx, "_clear_cache"):
            nx._clear_cache(self.graph)

    def add_links(self, store: Weights, rows) -> None:
        """Add a Link per (source, target, θ index) of ``rows``, checked already (a grid's
        window links: new targets, so no link exists already or closes a cycle)."""
        succ, pred = self.graph._succ, self.graph._pred
        with no_gc():
            for u, v, i in rows:
                d = {"link": Link(u, v, store, i)}
                succ[u.name][v.name] = d
                pred[v.name][u.name] = d
        if hasattr(nx, "_clear_cache"):
            nx._clear_cache(self.graph)

    def link(self, source: str, target: str) -> Link | None:
        """The Link source → target (names), or None."""
        d = self.graph.get_edge_data(source, target)
        return None if d is None else d["link"]

    def links(self) -> list[Link]:
        """Every link, bias links included, in graph order."""
        return [d["link"] for _, _, d in self.graph.edges(data=True)]

    def in_links(self, node: Node) -> list[Link]:
        """Links into ``node``, its bias link first, then in the order z sums them."""
        out = [node.bias_link] if node.bias_link is not None else []
        out += [d["link"] for d in self.graph._pred[node.name].values()
                if not d["link"].is_bias]
        return out

    def out_links(self, node: Node) -> list[Link]:
        return [d["link"] for d in self.graph._succ[node.name].values()]

    # --- copying ----------------------------------------------------------------------
    def copy(self, net) -> tuple:
        """The same units and links for ``net`` (whose weight store holds θ at the same
        indices), and {name: new Node}. Layers are the layering's to set."""
        new = Topology()
        nodes: dict[str, Node] = {}
        g = new.graph
        for name, data in self.graph._node.items():
            nu = nodes[name] = data["node"].copy_to(net)
            g._node[name] = {"node": nu}
            g._succ[name] = {}
            g._pred[name] = {}
        new.units = [nodes[u.name] for u in self.units]
        self._copy_links(new, nodes, net.weights)
        return new, nodes

    def _copy_links(self, new: Topology, nodes: dict[str, Node], store: Weights) -> None:
        """succ dict by dict; pred then shares those very edge dicts (as networkx does)
        in the old pred's order, which is the order each unit sums its inputs."""
        succ, pred = new.graph._succ, new.graph._pred
        blocks: dict[tuple, tuple] = {}  # targets → (their nodes, [(source, its edge dicts)])
        for un, nbrs in self.graph._succ.items():
            if not nbrs:
                continue
            nu = nodes[un]
            targets = tuple(nbrs)
            rows = blocks.get(targets)
            if rows is None:
                rows = blocks[targets] = ([nodes[vn] for vn in targets], [])
            if nu.is_bias:  # a bias edge carries the target's own bias link
                links = [v.bias_link for v in rows[0]]
                for li in links:
                    li.source = nu
            else:
                k = len(targets)
                links = map(Link, repeat(nu, k), rows[0], repeat(store, k),
                            map(_index, map(_link, nbrs.values())))
            datas = [{"link": li} for li in links]
            succ[un] = dict(zip(targets, datas))
            rows[1].append((un, datas))
        # pred by columns: within a block each target's column of edge dicts, transposed
        # at C speed (a dict lookup per link would cost half a second on 785 000 links)
        parts: dict[str, list] = {}
        for targets, (_, rows) in blocks.items():
            sources = [un for un, _ in rows]
            for vn, column in zip(targets, zip(*[datas for _, datas in rows])):
                parts.setdefault(vn, []).append(zip(sources, column))
        for vn, nbrs in self.graph._pred.items():
            if not nbrs:
                continue
            got = dict(chain.from_iterable(parts[vn]))
            if list(got) != list(nbrs):  # links not made block by block: the old order
                got = {un: got[un] for un in nbrs}
            pred[vn] = got
