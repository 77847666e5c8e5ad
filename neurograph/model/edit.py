"""Experiments on a built network: remove, freeze, silence.

``Network`` inherits these methods; they keep no state of their own but hand
each change to the part that owns it (``net.topology``, ``net.layering``,
``net.weights``, ``net.lesions``). Removing bumps the layout version, so the
compiled form, plans and Traces of before are stale (``trace.check`` raises
StaleTraceError) and θ moves to a new buffer: Θ views taken before refuse
writes. Freezing marks entries of θ that training leaves as they are
(``net.weights.frozen``). A lesion zeroes units' outputs through
:attr:`NetworkEdits.silenced`, which both engines read after g.

>>> import neurograph as ng
>>> net = ng.Network.from_architecture([2, 3, 1], seed=0)
>>> net.remove_node("a2_2"); net.s
[2, 2, 1]
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from ..errors import TopologyError, renamed_keywords
from .layer import Layer
from .node import Link, Node
from .parameters import Parameter, ParameterArray, own, whole_parameters


class NetworkEdits:
    """The methods of :class:`~neurograph.model.network.Network` that take a network apart."""

    # --- removing -----------------------------------------------------------------
    def disconnect(self, source, target=None) -> None:
        """Remove the link ``source`` → ``target`` (names or nodes), or the Link given.

        Raises TopologyError for a link that is not there, of another network,
        or a bias link (set_bias(node, 0) and freeze it instead); nothing changes then.

        >>> import neurograph as ng
        >>> net = ng.Network.from_architecture([2, 1], seed=0)
        >>> net.disconnect("x1", "a2_1"); net.n_links
        2
        """
        self.lesions.refuse("disconnect")
        link = self._own_link(source) if target is None else self.link(source, target)
        if link.is_bias:
            raise TopologyError(f"{link!r} is a bias link, part of its unit: use "
                                "set_bias(node, 0) and freeze it to cut it")
        if link.parameter is None:  # a shared parameter stays as its other links have it
            self.weights.set_frozen(link.index, False)
        self.topology.remove_link(link)
        self._removed()

    def remove_node(self, node) -> None:
        """Remove a unit (input, hidden or output) with its links and its bias link.

        Layers are laid out again; Traces and Θ views of before are stale.
        Raises TopologyError for a missing or foreign unit, or a bias unit.

        >>> import neurograph as ng
        >>> net = ng.Network.from_architecture([3, 2, 1], seed=0)
        >>> net.remove_node("x3"); net.s, net.theta(1).shape
        ([2, 2, 1], (2, 3))
        """
        self.lesions.refuse("remove_node")
        node = self._node(node)
        if node.is_bias:
            raise TopologyError(f"bias unit {node.name!r} belongs to its layer: it goes "
                                "when the layer's last unit goes")
        was_output = node in self.outputs
        for link in self.in_links(node) + self.out_links(node):
            if link.parameter is None:
                self.weights.set_frozen(link.index, False)
        self.topology.remove_unit(node)
        self.layering.take(node)
        if was_output:
            self.classes = None  # the outputs no longer stand for those classes
        self._removed()

    def _removed(self) -> None:
        self.weights.detach()
        self.layout_changed()

    def _own_link(self, link) -> Link:
        if not isinstance(link, Link):
            raise TopologyError(f"expected a Link (or source and target), got {link!r}")
        self.layering.current()
        src = link.source
        if src is None or self.topology.link(src.name, link.target.name) is not link:
            raise TopologyError(f"{link!r} is not a link of this network (removed, or of "
                                "another network)")
        return link

    # --- freezing -----------------------------------------------------------------
    @renamed_keywords("net.links_of", x="what")
    def links_of(self, what) -> list[Link]:
        """The links ``what`` stands for: a Link; a node or its name (its incoming links,
        bias link included); a Layer or 1-based layer number (the links into its
        units); "bias" (every bias link); a shared Parameter or ParameterArray
        (its links); or a list of these.

        >>> import neurograph as ng
        >>> net = ng.Network.from_architecture([2, 2, 1], seed=0)
        >>> len(net.links_of("bias")), len(net.links_of(3)), len(net.links_of("a2_1"))
        (3, 3, 3)
        """
        if isinstance(what, Link):
            return [self._own_link(what)]
        if isinstance(what, ParameterArray):
            return [li for p in what for li in p.links]
        if isinstance(what, Parameter):
            return own(self, what).links
        if isinstance(what, str) and what == "bias":
            return [u.bias_link for u in self.nodes if u.bias_link is not None]
        if isinstance(what, (Layer, int, np.integer)) and not isinstance(what, bool):
            lays = self.layers
            lay = what if isinstance(what, Layer) else \
                (lays[what - 1] if 1 <= what <= len(lays) else None)
            if lay is None or lay not in lays:
                raise TopologyError(f"no such layer in this network: {what!r} (layers are "
                                    f"1..{len(lays)})")
            if lay.index == 1:
                raise TopologyError("Layer 1 holds inputs: no links run into it")
            return [li for u in lay.nodes for li in self.in_links(u)]
        if isinstance(what, (Node, str)):
            node = self._node(what)
            if node.is_input or node.is_bias:
                raise TopologyError(f"{node.kind} unit {node.name!r} has no incoming links")
            return self.in_links(node)
        if isinstance(what, (list, tuple)):
            return [li for item in what for li in self.links_of(item)]
        raise TopologyError(f"expected a Link, a node, a Layer, a layer number or 'bias', "
                            f"got {what!r}")

    @renamed_keywords("net.freeze", x="what")
    def freeze(self, what) -> None:
        """Hold the weights of ``what`` fixed in training (see :meth:`links_of` for what it
        may be); their gradients are still computed. Nothing changes when it is refused.

        >>> import neurograph as ng
        >>> net = ng.Network.from_architecture([2, 1], seed=0); net.freeze("bias")
        >>> net.link("bias1", "a2_1").frozen, net.link("x1", "a2_1").frozen
        (True, False)
        """
        for link in whole_parameters(self.links_of(what), "freeze"):
            self.weights.set_frozen(link.index, True)

    @renamed_keywords("net.unfreeze", x="what")
    def unfreeze(self, what) -> None:
        """Let training change the weights of ``what`` again (see :meth:`freeze`).

        >>> import neurograph as ng
        >>> net = ng.Network.from_architecture([2, 1], seed=0)
        >>> net.freeze(2); net.unfreeze("bias"); int(net.weights.frozen.sum())
        2
        """
        for link in whole_parameters(self.links_of(what), "unfreeze"):
            self.weights.set_frozen(link.index, False)

    # --- silencing ----------------------------------------------------------------
    @property
    def silenced(self) -> dict:
        """{0-based layer index: positions of the silenced units}: the live mapping the
        engines read after g to set those units' a (and δ) to 0. Empty outside a lesion."""
        return self.lesions.silenced

    @contextmanager
    def lesion(self, units=(), links=()):
        """Silence ``units`` (a = 0 for every instance) and cut ``links`` (weight 0,
        held frozen) inside the ``with`` block; on leaving, also by an exception,
        every weight and frozen flag is put back exactly.

        ``units`` are input or hidden units (nodes or names); ``links`` are Links
        or (source, target) pairs. Raises TopologyError before changing anything
        for a bias or output unit, or a unit or link that is not there, or one link
        of a shared parameter without all the others (its weight is theirs: cutting
        it would cut them all; silence a unit, or cut every link of the parameter).

        >>> import neurograph as ng
        >>> net = ng.Network.from_thetas([[[0.0, 1.0], [0.0, 1.0]], [[0.0, 1.0, 1.0]]])
        >>> with net.lesion(units=["a2_1"]):
        ...     print(net.forward([[0.0]]).round(4))
        [[0.6225]]
        >>> net.forward([[0.0]]).round(4)
        array([[0.7311]])
        """
        nodes = [self._node(u) for u in units]
        outs = set(map(id, self.outputs))
        for u in nodes:
            if u.is_bias or id(u) in outs:
                raise TopologyError(f"cannot silence {u.kind} unit {u.name!r}: only input "
                                    "and hidden units can be silenced")
        cut = [self._own_link(li) if isinstance(li, Link) else self.link(*li) for li in links]
        whole_parameters(cut, "cut", "expected every link of the parameter in links=, "
                         "or a unit to silence")
        positions: dict[int, set] = {}
        for u in nodes:
            positions.setdefault(u.layer - 1, set()).add(u.position)
        with self.lesions.hold(self.weights, cut, positions):
            yield self

    def intact_weights(self) -> tuple[np.ndarray, np.ndarray]:
        """Copies of θ and the frozen flags as they are outside any lesion: a cut link's
        own weight and flag, not the 0 and True a lesion holds it at. ``save``,
        ``copy`` and ``to_spec`` write these.

        >>> import neurograph as ng
        >>> net = ng.Network.from_thetas([[[0.5, 2.0]]])
        >>> with net.lesion(links=[("x1", "a2_1")]):
        ...     net.theta_flat.tolist(), net.intact_weights()[0].tolist()
        ([0.5, 0.0], [0.5, 2.0])
        """
        return self.lesions.intact(self.weights)
