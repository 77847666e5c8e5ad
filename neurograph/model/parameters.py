"""Shared weights: one entry of θ read and written by many links.

A :class:`Parameter` owns one entry of the network's weight store; every link
made with ``connect(u, v, weight=p)`` (or tied by ``net.tie``) keeps that
entry's index instead of one of its own, so the forward pass reads the same
number through each of them. Backprop gives each link its own term a·δ (kept
in the Trace, ``trace.link_grad(link)``); the parameter's gradient is their
sum, ``trace.grad(p)``, and training moves the parameter once by it. λ counts
each parameter once: J's penalty is λ/(2n)·p² and ∂J/∂p gets λ/n·p once, not
once per link. A parameter of bias links is not regularized, as θ0 is not.

Which links share a parameter is read from the links themselves (their index
into θ), so removing a link, compiling (which moves every entry) or copying
the network needs no bookkeeping here: the table of ties is rebuilt once per
layout version.

>>> import neurograph as ng
>>> net = ng.Network(); x = net.add_input("x")
>>> h1, h2 = net.add_node("h1"), net.add_node("h2")
>>> p = net.parameter(0.5, name="k")
>>> _ = net.connect(x, h1, weight=p); _ = net.connect(x, h2, weight=p)
>>> p.value = 2.0; [li.weight for li in p.links]
[2.0, 2.0]
>>> p
Parameter('k', value=2, links=2)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..data.values import real_array
from ..errors import ConfigError, InputValueError, ShapeError, TopologyError

if TYPE_CHECKING:  # pragma: no cover
    from .node import Link


class Parameter:
    """One shared weight: ``value`` (read/write), ``links`` (those that share it),
    ``name`` and ``frozen`` (freezing it holds every one of its links).

    Make one with :meth:`Network.parameter` or :meth:`Network.tie`.
    """

    __slots__ = ("name", "_net", "_i")

    def __init__(self, net, name: str, index: int):
        self.name = name
        self._net = net
        self._i = index

    @property
    def value(self) -> float:
        return self._net.weights.get(self._i)

    @value.setter
    def value(self, v) -> None:
        arr = real_array(v, f"parameter {self.name!r}", self._net.dtype)
        if arr.ndim:
            raise InputValueError(f"parameter {self.name!r} takes one number, got shape "
                                  f"{arr.shape}")
        self._net.weights.set(self._i, float(arr))

    @property
    def index(self) -> int:
        """Where the value sits in θ (``net.weights.theta``); compiling moves it."""
        return self._i

    @property
    def links(self) -> list[Link]:
        """The links that read and write this parameter, in the network's link order."""
        return list(ties(self._net).links_of.get(self._i, ()))

    @property
    def is_bias(self) -> bool:
        """True when its links are bias links (θ0 of their units): not regularized."""
        links = self.links
        return bool(links) and links[0].is_bias

    @property
    def frozen(self) -> bool:
        return self._net.weights.is_frozen(self._i)

    @frozen.setter
    def frozen(self, value) -> None:
        if not isinstance(value, (bool, np.bool_)):
            raise InputValueError(f"parameter.frozen must be True or False, got {value!r}")
        self._net.weights.set_frozen(self._i, bool(value))

    def __repr__(self) -> str:
        fz = ", frozen" if self.frozen else ""
        return f"Parameter({self.name!r}, value={self.value:.4g}, links={len(self.links)}{fz})"


class ParameterArray:
    """Parameters laid out as an array (a kernel, W_h …): ``value`` reads them as an
    array and assigning writes them; ``p[i, j]`` is one :class:`Parameter`.

    >>> import neurograph as ng
    >>> net = ng.Network()
    >>> W = net.parameter_array(np.arange(6.0).reshape(2, 3), name="W")
    >>> W.shape, W[1, 2]
    ((2, 3), Parameter('W[1, 2]', value=5, links=0))
    >>> W.value = np.ones((2, 3)); float(W.value.sum())
    6.0
    """

    def __init__(self, name: str, params: np.ndarray):
        self.name = name
        self.params = params  # object array of Parameter

    @property
    def shape(self) -> tuple[int, ...]:
        return self.params.shape

    @property
    def indices(self) -> np.ndarray:
        """Where each entry sits in θ, shaped like the array."""
        return np.vectorize(lambda p: p._i, otypes=[np.intp])(self.params)

    def _store(self):
        return self.params.flat[0]._net.weights

    @property
    def value(self) -> np.ndarray:
        return self._store().theta[self.indices].copy()

    @value.setter
    def value(self, v) -> None:
        arr = real_array(v, f"parameters {self.name!r}", self._store().dtype)
        if arr.shape != self.shape:
            raise ShapeError(f"parameters {self.name!r} have shape {self.shape}; got a value "
                             f"of shape {arr.shape}")
        self._store().theta[self.indices] = arr

    @property
    def frozen(self) -> bool:
        """True when every entry is frozen; assigning freezes or unfreezes them all."""
        return all(p.frozen for p in self.params.flat)

    @frozen.setter
    def frozen(self, value) -> None:
        for p in self.params.flat:
            p.frozen = value

    def __getitem__(self, key) -> Parameter:
        return self.params[key]

    def __iter__(self):
        return iter(self.params.flat)

    def __len__(self) -> int:
        return self.params.size

    def __repr__(self) -> str:
        return f"ParameterArray({self.name!r}, shape={self.shape})"


class Registry:
    """A network's parameters, the part ``net.shared``: by name (what
    ``net.parameters`` shows) and all of them in the order they were made (the
    order of the tie table). It copies itself for a copied network."""

    __slots__ = ("named", "all", "table")

    def __init__(self):
        self.named: dict[str, Parameter | ParameterArray] = {}
        self.all: list[Parameter] = []
        self.table: TieTable | None = None

    def copy(self, new) -> Registry:
        """The same parameters for ``new`` (a copy whose links keep their θ indices):
        same names, same entries of θ; the tie table is rebuilt when first needed."""
        out = Registry()
        made = {}
        for p in self.all:
            made[id(p)] = q = Parameter(new, p.name, p._i)
            out.all.append(q)
        for name, x in self.named.items():
            if isinstance(x, ParameterArray):
                params = np.empty(x.shape, dtype=object)
                for ix in np.ndindex(x.shape):
                    params[ix] = made[id(x.params[ix])]
                out.named[name] = ParameterArray(name, params)
            else:
                out.named[name] = made[id(x)]
        return out


def registry(net) -> Registry:
    return net.shared


def _free_name(reg: Registry, name: str | None, stem: str) -> str:
    if name is None:
        k = len(reg.named) + 1
        while f"{stem}{k}" in reg.named:
            k += 1
        return f"{stem}{k}"
    if not isinstance(name, str) or not name:
        raise ConfigError(f"a parameter's name must be a non-empty string, got {name!r}")
    if name in reg.named:
        raise TopologyError(f"a parameter named {name!r} exists already in this network")
    return name


def new_parameter(net, value, name: str | None = None) -> Parameter:
    """A new parameter of ``net`` with ``value`` (see :meth:`Network.parameter`)."""
    reg = registry(net)
    name = _free_name(reg, name, "p")
    arr = real_array(value, f"parameter {name!r}", net.dtype)
    if arr.ndim:
        raise InputValueError(f"a parameter takes one number, got shape {arr.shape} "
                              f"(for an array use net.parameter_array)")
    p = Parameter(net, name, net.weights.append(arr.reshape(1)))
    reg.named[name] = p
    reg.all.append(p)
    net.layout_changed()
    return p


def new_parameter_array(net, values, name: str) -> ParameterArray:
    """Parameters shaped like ``values``, named ``name[i, j]`` (one entry of θ each)."""
    reg = registry(net)
    name = _free_name(reg, name, "P")
    arr = real_array(values, f"parameters {name!r}", net.dtype)
    start = net.weights.append(arr.reshape(-1))
    params = np.empty(arr.shape, dtype=object)
    for k, ix in enumerate(np.ndindex(arr.shape)):
        params[ix] = Parameter(net, f"{name}[{', '.join(map(str, ix))}]", start + k)
    pa = ParameterArray(name, params)
    reg.named[name] = pa
    reg.all.extend(params.flat)
    net.layout_changed()
    return pa


def own(net, p) -> Parameter:
    """``p`` if it is a Parameter of ``net``; else a TopologyError saying what came."""
    if not isinstance(p, Parameter):
        raise TopologyError(f"expected a Parameter, got {type(p).__name__}")
    if p not in registry(net).all:
        raise TopologyError(f"parameter {p.name!r} belongs to another network")
    return p


def check_kind(p: Parameter, link_is_bias: bool, what: str) -> None:
    """A parameter is shared by bias links or by weights, never both: a bias is not
    regularized and a weight is, and one number cannot be both."""
    links = p.links
    if links and links[0].is_bias != link_is_bias:
        kind = "bias links" if links[0].is_bias else "weight links"
        raise TopologyError(f"parameter {p.name!r} is shared by {kind}; {what} is "
                            f"{'a bias link' if link_is_bias else 'a weight link'} "
                            "(expected links of one kind)")


def tie(net, links, name: str | None = None) -> Parameter:
    """Make ``links`` share one new parameter whose value is their mean weight.

    Raises TopologyError for fewer than two distinct links, a link of another
    network, links that already share a parameter, bias and weight links
    together, or frozen and unfrozen links together.
    """
    links = list(links)
    for li in links:
        if not all(hasattr(li, a) for a in ("source", "target", "is_bias")):
            raise TopologyError(f"tie takes links (e.g. net.link(u, v)), got {li!r}")
    if len({id(li) for li in links}) != len(links):
        raise TopologyError("cannot tie a link to itself: expected distinct links, got "
                            f"{[repr(li) for li in links]}")
    if len(links) < 2:
        raise TopologyError(f"tie needs two links or more, got {len(links)}")
    for li in links:
        if li.target.network is not net:
            raise TopologyError(f"{li!r} belongs to another network")
        p = li.parameter
        if p is not None:
            raise TopologyError(f"{li!r} shares parameter {p.name!r} already")
    if len({li.is_bias for li in links}) > 1:
        raise TopologyError("cannot tie bias links with weight links: a bias is not "
                            "regularized and a weight is (expected links of one kind)")
    if len({li.frozen for li in links}) > 1:
        frozen = [repr(li) for li in links if li.frozen]
        raise TopologyError(f"cannot tie frozen and unfrozen links (frozen: "
                            f"{', '.join(frozen)}); expected all frozen or none")
    fz = links[0].frozen
    p = new_parameter(net, float(np.mean([li.weight for li in links])), name)
    for li in links:
        net.weights.set_frozen(li._i, False)
        li._i = p._i
    p.frozen = fz
    net.layout_changed()
    return p


@dataclass(eq=False)
class TieTable:
    """Every link of a parameter, given a slot: the order of the per-link terms a
    pass keeps (parameter by parameter, each one's links in link order)."""

    version: int
    params: list  # Parameter, in order made
    links_of: dict  # θ index → [Link]
    slot: dict  # Link → slot
    owner: np.ndarray  # slot → position of its parameter in params
    by_index: dict  # θ index → Parameter
    p_idx: np.ndarray  # θ index of each parameter
    p_reg: np.ndarray  # θ index of each regularized parameter (of weight links)

    @property
    def n_slots(self) -> int:
        return len(self.owner)

    def sum_terms(self, terms: np.ndarray, grad: np.ndarray) -> None:
        """grad[p] = Σ of p's links' terms, for every parameter."""
        grad[self.p_idx] = np.bincount(self.owner, terms, minlength=len(self.params))


def ties(net) -> TieTable:
    """The tie table of ``net`` as laid out now (rebuilt once per layout version)."""
    reg = registry(net)
    t = reg.table
    if t is not None and t.version == net.version:
        return t
    by_index = {p._i: p for p in reg.all}
    links_of: dict[int, list] = {i: [] for i in by_index}
    if by_index:
        for link in net.links:
            lst = links_of.get(link._i)
            if lst is not None:
                lst.append(link)
    slot, owner = {}, []
    for k, p in enumerate(reg.all):
        for li in links_of[p._i]:
            slot[li] = len(owner)
            owner.append(k)
    p_idx = np.array([p._i for p in reg.all], dtype=np.intp)
    reg_idx = np.array([p._i for p in reg.all if links_of[p._i]
                        and not links_of[p._i][0].is_bias], dtype=np.intp)
    t = TieTable(net.version, list(reg.all), links_of, slot, np.array(owner, dtype=np.intp),
                 by_index, p_idx, reg_idx)
    reg.table = t
    return t


def parameter_of(net, index: int) -> Parameter | None:
    """The parameter whose entry of θ is ``index``, or None (a weight of its own)."""
    if not net.shared.all:
        return None
    return ties(net).by_index.get(index)


def relocate(net, base: int) -> dict[int, int]:
    """Old θ index → new of every parameter, laid out after the Θ blocks in the
    order made (what compiling does with them; see :func:`moved`)."""
    return {p._i: base + k for k, p in enumerate(net.shared.all)}


def moved(net, where: dict[int, int]) -> None:
    """The parameters now sit where :func:`relocate` said."""
    for p in registry(net).all:
        p._i = where[p._i]


@dataclass(eq=False)
class LayerTie:
    """The tied links of one Θ(l): their flat positions in Θ(l) (holes of the block),
    their slots in the tie table and their parameters' θ indices."""

    pos: np.ndarray
    slots: np.ndarray
    tidx: np.ndarray


def layer_ties(net, tied: list, n_blocks: int, slots: bool = True) -> list:
    """Per Θ(l) a :class:`LayerTie`, or None for a layer without tied links; ``tied``
    holds (link, flat position in its block, block number) per tied link (without
    ``slots``: links that read a constant, which keep no term: slot −1)."""
    if not tied:
        return [None] * n_blocks
    slot = ties(net).slot if slots else {}
    per: list[list] = [[] for _ in range(n_blocks)]
    for link, pos, k in tied:
        per[k].append((pos, slot[link] if slots else -1, link._i))
    out = []
    for rows in per:
        if not rows:
            out.append(None)
            continue
        a = np.array(rows, dtype=np.intp)
        out.append(LayerTie(a[:, 0].copy(), a[:, 1].copy(), a[:, 2].copy()))
    return out


def whole_parameters(links: list, what: str, hint: str | None = None) -> list:
    """``links`` when every shared parameter among them comes with all its links;
    else a TopologyError naming the parameter (freezing or cutting one link of a
    shared weight would do it to the others behind their back). ``hint`` says what
    to do instead (default: act on the parameter, ``net.<what>(p)``)."""
    chosen = {id(li) for li in links}
    for li in links:
        p = li.parameter
        if p is not None:
            rest = [x for x in p.links if id(x) not in chosen]
            if rest:
                raise TopologyError(
                    f"cannot {what} {li!r} alone: it shares parameter {p.name!r} with "
                    f"{', '.join(repr(x) for x in rest[:3])}{' …' if len(rest) > 3 else ''}; "
                    + (hint or f"expected the parameter itself: "
                               f"net.{what}(net.parameters[{p.name!r}]) or p.frozen = …"))
    return links


def refuse_shared(net, what: str, instead: str) -> None:
    """ConfigError when links of ``net`` share parameters: ``what`` (a format with a
    weight per link) cannot carry them; the message names the parameters and says
    what to use ``instead``."""
    names = [name for name, x in net.shared.named.items()
             if any(ties(net).links_of.get(p._i) for p in
                    (x.params.flat if isinstance(x, ParameterArray) else (x,)))]
    if names:
        shown = ", ".join(repr(n) for n in names[:5]) + (" …" if len(names) > 5 else "")
        raise ConfigError(f"{what} cannot carry shared weights (this network's links share "
                          f"parameters {shown}): expected a network whose links have "
                          f"weights of their own; {instead}")

