"""What every engine does, and the names of the moments of a pass.

An engine runs the lecture's algorithm one layer at a time over a batch:

    start(X)               a(1) = x for the batch's m instances
    forward_layer(l)       z(l+1) = Θ(l) a(l), a(l+1) = g(z(l+1))        l = 1 … L−1
    summed_cost(Y)         Σ over instances and outputs of the loss's element cost
    output_delta(Y)        δ(L) = a(L) − y   (or (a − y)·g'(z) for squared error)
    backward_layer(l)      Δ(l)/m from δ(l+1) and a(l); then δ(l)        l = L−1 … 1
    finish()               Δ/m complete in ``grad`` (θ's layout)

The matrix engine does each step with the compiled Θ(l); the graph engine
unit by unit over any DAG. Both read their loss (δ(L), the element cost) from
:mod:`neurograph.engines.losses`. One generator,
:class:`neurograph.engines.sweep.Pass`, drives either and alone puts J and D
together: J = Σ/m + λ/(2n)ΣΘ², D = Δ/m + (λ/n)Θ with the engine's ``reg``
(an :class:`~neurograph.engines.losses.L2`), so ``net.backward``,
``Trainer.fit`` and ``Trainer.steps`` run the same code.

>>> Phase("forward", 2), Phase("forward", 2).kind, Phase("epoch end") == "epoch end"
('forward layer 2', 'forward', True)
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Protocol

import numpy as np

from .losses import L2


class Phase(str):
    """Where a pass or training stands: "forward layer 2", "backward layer 3",
    "instance", "update", "epoch end" … A string (it prints and compares as
    one) that also carries its ``kind`` and ``layer`` (1-based, or None)."""

    FORWARD, BACKWARD = "forward", "backward"

    def __new__(cls, kind: str, layer: int | None = None):
        obj = super().__new__(cls, kind if layer is None else f"{kind} layer {layer}")
        obj.kind, obj.layer = kind, layer
        return obj

    def __reduce__(self):
        return Phase, (self.kind, self.layer)


class Engine(Protocol):
    """One engine's side of a pass; see the module docstring for the order of calls.

    ``theta`` is the network's θ (a live view: updating it updates the links)
    and ``grad`` in the same layout: Δ/m after ``finish``, ∂J/∂θ once the pass
    driver has added the λ term. ``loss`` (its name) and ``reg`` (the λ term over
    this engine's non-bias weights; ``lam`` is ``reg.lam``) are fixed for the engine.
    """

    kind: str  # "matrix" or "graph"
    L: int
    loss: str
    reg: L2
    theta: np.ndarray
    grad: np.ndarray

    @property
    def lam(self) -> float: ...

    def start(self, X: np.ndarray) -> None: ...

    def forward_layer(self, l: int) -> None: ...

    def summed_cost(self, Y: np.ndarray) -> float: ...

    def output_delta(self, Y: np.ndarray) -> None: ...

    def backward_layer(self, l: int) -> None: ...

    def finish(self) -> None: ...

    def views(self) -> tuple[list, list, list | None]:
        """z, a, δ per layer of the pass in progress (index 0 = Layer 1; z[0] and
        δ[0] are None), as views of the engine's arrays; δ is None before
        output_delta."""
        ...


class Workspace:
    """Arrays an engine writes pass after pass for one batch size.

    Fresh arrays on every pass cost page faults that weigh more than the
    arithmetic on small layers. A Step's Trace shares these arrays (no copy),
    so a workspace is reused only when nothing outside holds any of them.
    """

    def arrays(self) -> list[np.ndarray]:
        raise NotImplementedError

    def seal(self) -> None:
        """Call once the arrays exist: the reference counts of a free workspace."""
        self._base = [sys.getrefcount(x) for x in self.arrays()]

    def free(self) -> bool:
        """True when no Trace (or anything else) outside holds one of its arrays."""
        return [sys.getrefcount(x) for x in self.arrays()] == self._base


class Pool:
    """Workspaces by batch size: a free one is reused, else a new one is made."""

    def __init__(self, make: Callable[[int], Workspace]):
        self._make = make
        self._by_m: dict[int, list[Workspace]] = {}

    def get(self, m: int) -> Workspace:
        """A free workspace for a batch of m instances (made when none is free)."""
        works = self._by_m.setdefault(m, [])
        for work in works:
            if work.free():
                return work
        work = self._make(m)
        works.append(work)
        return work

    def counts(self) -> dict[int, int]:
        """{batch size m: workspaces made}."""
        return {m: len(w) for m, w in self._by_m.items()}
