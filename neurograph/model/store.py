"""The weight store: one flat buffer θ for every link weight, its frozen flags and the
constants that links without a weight read (a pooling unit's 1s and 0 bias).

Links keep an index into it; compiling (``weights.py``) lays it out as Θ(1), Θ(2), …

>>> import numpy as np
>>> w = Weights(np.float64); i = w.append(np.array([0.5, 2.0]))
>>> one = w.fixed_entry(1.0); w.theta.tolist(), w.frozen.tolist(), w.is_fixed(one)
([0.5, 2.0, 1.0], [False, False, True], True)
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from .weights import Compiled


class Weights:
    """One flat buffer θ holding every link weight; links keep an index into it.

    ``version`` counts layout changes: a change of topology, or a compile
    (weights move). Traces, plans and the compiled form record the version
    they were made at, and are stale once it moves on.
    """

    __slots__ = ("_buf", "_frozen", "n_frozen", "n", "dtype", "version", "compiled", "fixed")

    def __init__(self, dtype):
        self.dtype = np.dtype(dtype)
        self._buf = np.zeros(16, dtype=self.dtype)
        self._frozen = np.zeros(16, dtype=bool)  # held fixed by training, aligned with θ
        self.n_frozen = 0  # kept so an update with nothing frozen pays nothing
        self.n = 0
        self.version = 0
        self.compiled: Compiled | None = None
        # value → its entry: the constants links that carry no weight read (a pooling
        # unit's 1s and 0 bias), one entry each however many links read it
        self.fixed: dict[float, int] = {}

    @property
    def theta(self) -> np.ndarray:
        """θ: every weight, as one vector (a view: writing it writes the links)."""
        return self._buf[: self.n]

    @property
    def frozen(self) -> np.ndarray:
        """True where θ's entry is frozen (training never changes it); aligned with θ.

        A read-only view: freeze with ``link.frozen`` or ``net.freeze``.

        >>> import neurograph as ng
        >>> net = ng.Network.from_architecture([2, 1], seed=0); net.freeze("bias")
        >>> net.weights.frozen.tolist()
        [True, False, False]
        """
        v = self._frozen[: self.n]
        v.flags.writeable = False
        return v

    def frozen_mask(self) -> np.ndarray | None:
        """:attr:`frozen`, or None when nothing is frozen (the common, free case)."""
        return self.frozen if self.n_frozen else None

    def is_frozen(self, i: int) -> bool:
        return bool(self._frozen[i])

    def fixed_entry(self, value: float) -> int:
        """The entry holding the constant ``value`` (frozen), made on first use."""
        i = self.fixed.get(value)
        if i is None:
            i = self.fixed[value] = self.append(np.array([value]))
            self.set_frozen(i, True)
        return i

    def is_fixed(self, i: int) -> bool:
        return i in self.fixed.values()

    def set_frozen(self, i: int, value: bool) -> None:
        if not value and self.fixed and self.is_fixed(i):
            return  # a constant stays held (unfreezing a layer or "bias" passes it by)
        if bool(self._frozen[i]) != value:
            self._frozen[i] = value
            self.n_frozen += 1 if value else -1

    def detach(self) -> None:
        """Move θ to a new buffer and make the old one read-only: Θ views taken before
        a change of layout refuse writes instead of writing into a layout that is gone."""
        old = self._buf
        self._buf = old.copy()
        old.flags.writeable = False
        c, self.compiled = self.compiled, None
        if c is not None:  # the very arrays net.thetas and net.theta(l) handed out
            for a in (c.theta, *c.thetas, *c.handed_out):
                a.flags.writeable = False

    def get(self, i: int) -> float:
        return float(self._buf[i])

    def set(self, i: int, value: float) -> None:
        self._buf[i] = value

    def append(self, values: np.ndarray) -> int:
        """Store ``values`` at the end; return the index of the first."""
        k = len(values)
        need = self.n + k
        if need > len(self._buf):
            # A new buffer: any compiled Θ views are cut loose, as a topology change must.
            grown = np.zeros(max(need, 2 * len(self._buf)), dtype=self.dtype)
            grown[: self.n] = self._buf[: self.n]
            self._buf = grown
            fz = np.zeros(len(grown), dtype=bool)
            fz[: self.n] = self._frozen[: self.n]
            self._frozen = fz
        self._buf[self.n : need] = values
        self._frozen[self.n : need] = False
        start, self.n = self.n, need
        return start

    def layout_changed(self) -> None:
        """Links were added or moved: what was indexed by the old layout is stale.

        The next compile lays θ out anew in a new buffer, so a Θ view handed out
        now would be written in vain: the compiled form's arrays become read-only
        (:meth:`detach`), and a write through them raises.
        """
        if self.compiled is not None:
            self.detach()
        self.version += 1

    def current(self) -> Compiled | None:
        """The compiled form, if it is of the layout as it is now."""
        c = self.compiled
        return c if c is not None and c.version == self.version else None

    def copy(self, theta: np.ndarray | None = None, frozen: np.ndarray | None = None) -> Weights:
        """An independent store of these weights and frozen flags (or of ``theta`` and
        ``frozen``, laid out like θ: a lesion's intact values), with the indices
        links hold unchanged; compiled when this store is, Θ(l) views of the new θ.

        >>> import neurograph as ng
        >>> w = ng.Network.from_architecture([2, 1], seed=0).weights
        >>> c = w.copy(); c.set(0, 5.0); w.get(0) == 5.0, c.current() is None
        (False, True)
        """
        new = Weights(self.dtype)
        new._buf, new._frozen = self._buf.copy(), self._frozen.copy()
        if theta is not None:
            new._buf[: self.n], new._frozen[: self.n] = theta, frozen
        new.n, new.n_frozen = self.n, int(new._frozen[: self.n].sum())
        new.fixed = dict(self.fixed)
        c = self.current()
        if c is not None:
            new.compiled = c.moved_to(new.theta, new.version)
        return new


@contextmanager
def no_gc():
    """Build many small containers without the cyclic GC rescanning the whole heap
    again and again: none of them can form garbage cycles while we build."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            # Hand what was built straight to the oldest generation (two list splices):
            # otherwise the next young collection walks every new Link and dict once
            # more, only to find them alive (0.3 s for the 795 000 links of a
            # 784-1000-10 copy). Young garbage made before is collected at the next
            # full collection instead. Skipped when the program froze objects itself.
            gc.freeze()
            gc.unfreeze()
        if was_on:
            gc.enable()
