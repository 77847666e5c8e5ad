"""A network's copy made straight from its parts, not through a spec.

Going through ``to_spec``/``from_spec`` turns every link into names and numbers
and back, checks each new link, and compiles again: 5 s for the 785 000 links of
784-1000-10. A network that exists is already checked, so its copy can take
its layout as it is: θ and the frozen flags as two array copies, the compiled
Θ(l) as views of the copied θ, and the graph's adjacency rebuilt dict by dict
(each link a new Link at the same index of θ). Everything keeps its order —
nodes, each unit's incoming links (the order z sums them), layers — so the copy
is bit for bit the same network.

>>> import neurograph as ng, numpy as np
>>> a = ng.Network.from_architecture([2, 2, 1], seed=0); a.compile() is not None
True
>>> b = clone(a)
>>> b.weights.current() is not None, bool(np.shares_memory(a.theta_flat, b.theta_flat))
(True, False)
"""

from __future__ import annotations

from itertools import chain, repeat
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING

from .layer import Layer
from .node import Link, Node
from .parameters import copy_parameters
from .weights import Compiled, no_gc, split

if TYPE_CHECKING:  # pragma: no cover
    from .network import Network

_link, _index = itemgetter("link"), attrgetter("_i")  # read at C speed, link by link


def clone(net: Network) -> Network:
    """An independent copy of ``net``: same names, kinds, layers, functions, link
    order, weights, frozen flags, classes and generator state; compiled when
    ``net`` is (with no compile run)."""
    net._ensure_layers()
    new = type(net)(dtype=net.dtype)
    new.rng.bit_generator.state = net.rng.bit_generator.state
    new._classes = net._classes
    _copy_store(net, new)
    with no_gc():  # a Link and a dict per link, none of them garbage
        nodes = _copy_nodes(net, new)
        _copy_layers(net, new, nodes)
        _copy_links(net, new, nodes)
    _copy_compiled(net, new)
    copy_parameters(net, new)
    return new


def _copy_store(net: Network, new: Network) -> None:
    old, store = net.weights, new.weights
    store._buf = old._buf.copy()
    store._frozen = old._frozen.copy()
    if net._lesions:  # a lesion is an experiment: the copy takes the intact weights
        theta, frozen = net.intact_weights()
        store._buf[: old.n], store._frozen[: old.n] = theta, frozen
    store.n, store.n_frozen = old.n, int(store._frozen[: old.n].sum())


def _copy_nodes(net: Network, new: Network) -> dict[str, Node]:
    """Every node (bias units too) in the graph's order; layers are set after."""
    nodes: dict[str, Node] = {}
    g = new._graph
    for name, data in net._graph._node.items():
        u = data["node"]
        b = u._bias_link
        nu = Node(new, name, u._kind, u._activation, u._input_function,
                  bias_index=None if b is None else b._i)
        nodes[name] = nu
        g._node[name] = {"node": nu}
        g._succ[name] = {}
        g._pred[name] = {}
    new._units = [nodes[u.name] for u in net._units]
    new._bias_units = {k: nodes[u.name] for k, u in net._bias_units.items()}
    return nodes


def _copy_layers(net: Network, new: Network, nodes: dict[str, Node]) -> None:
    made: dict[int, Layer] = {}

    def layer(lay: Layer) -> Layer:
        if id(lay) not in made:
            c = made[id(lay)] = Layer(lay.index, lay.activation)
            c.nodes = [nodes[u.name] for u in lay.nodes]
            c.bias = None if lay.bias is None else nodes[lay.bias.name]
        return made[id(lay)]

    new._input_layer = layer(net._input_layer)
    new._assigned = [layer(lay) for lay in net._assigned]
    new._layers = [layer(lay) for lay in net._layers]
    for name, u in net._graph._node.items():
        nu = nodes[name]
        u = u["node"]
        if u._assigned_layer is not None:
            nu._assigned_layer = layer(u._assigned_layer)
        if u._layer is not None:
            nu.place(layer(u._layer), u._pos)
    new._layers_dirty = False


def _copy_links(net: Network, new: Network, nodes: dict[str, Node]) -> None:
    """succ dict by dict; pred then shares those very edge dicts (as networkx does)
    in the old pred's order, which is the order each unit sums its inputs."""
    store = new.weights
    succ, pred = new._graph._succ, new._graph._pred
    blocks: dict[tuple, tuple] = {}  # targets → (their nodes, [(source, its edge dicts)])
    for un, nbrs in net._graph._succ.items():
        if not nbrs:
            continue
        nu = nodes[un]
        targets = tuple(nbrs)
        rows = blocks.get(targets)
        if rows is None:
            rows = blocks[targets] = ([nodes[vn] for vn in targets], [])
        if nu._kind == "bias":  # a bias edge carries the target's own bias link
            links = [v._bias_link for v in rows[0]]
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
    for vn, nbrs in net._graph._pred.items():
        if not nbrs:
            continue
        got = dict(chain.from_iterable(parts[vn]))
        if list(got) != list(nbrs):  # links not made block by block: the old order
            got = {un: got[un] for un in nbrs}
        pred[vn] = got


def _copy_compiled(net: Network, new: Network) -> None:
    c = net.weights.current()
    if c is None:
        return
    theta = new.weights.theta
    masks = [None if m is None else m.copy() for m in c.masks]
    new.weights.compiled = Compiled(theta, split(theta, c.shapes), masks, list(c.s),
                                    list(c.activations), new.weights.version)
    new.weights.compiled.ties = list(c.ties)  # same parameters, same link order: same slots

