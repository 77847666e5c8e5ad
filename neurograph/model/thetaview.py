"""Θ(l) and θ as the network hands them out: views whose failed writes say why.

A write of the wrong shape or of a non-number, into a layout that is gone, or
into Θ(l) of a layer whose links share parameters (a read-only copy) raises a
NeurographError naming the view and what came.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputValueError, ShapeError, StaleTraceError, TopologyError


class ThetaView(np.ndarray):
    """Θ(l) or θ as the network hands it out: a view of the weights whose failed
    writes say why, as NeurographErrors (a wrong shape or a non-number: ShapeError,
    InputValueError; a view of a layout that is gone: StaleTraceError). Arithmetic
    on it gives plain arrays, and it prints as one.

    >>> import neurograph as ng
    >>> net = ng.Network.from_architecture([2, 3, 1], seed=0)
    >>> net.theta(1)[:] = np.zeros((2, 2))
    Traceback (most recent call last):
    ...
    neurograph.errors.ShapeError: Θ(1)[:] has shape (3, 3); got a value of shape (2, 2)
    """

    _name = "Θ"
    _tied = ""  # "tied" (shared weights) or "pool" (links without weights): a read-only copy

    def __array_finalize__(self, obj) -> None:
        self._name = getattr(obj, "_name", "Θ")

    def __array_wrap__(self, arr, context=None, return_scalar=False):
        # a result of arithmetic is new data, not a view of the network's weights
        out = arr.view(np.ndarray)
        return out[()] if return_scalar else out

    def __repr__(self) -> str:
        return repr(self.view(np.ndarray))

    def __reduce__(self):
        return self.view(np.ndarray).__reduce__()

    def __setitem__(self, key, value) -> None:
        try:
            super().__setitem__(key, value)
        except ValueError as exc:
            raise self._why(key, value, exc) from None

    def _why(self, key, value, exc: ValueError) -> Exception:
        where = f"{self._name}[{_key_text(key)}]"
        if self._tied == "pool":
            return TopologyError(
                f"{where} is read-only: {self._name} is a pooling layer's, whose links carry "
                "no weight (max and mean read a, not w·a): 1 where a link is, its bias 0")
        if self._tied:
            return TopologyError(
                f"{where} is read-only: {self._name} has links that share parameters, so "
                "its tied entries are copies; expected a write through a parameter "
                "(p.value = …, net.parameters[name].value = …) or a link (link.weight = …)")
        if not self.flags.writeable:
            return StaleTraceError(
                f"{where} is read-only: a view of a layout that no longer exists (the "
                "network's topology changed after it was taken); expected a view of the "
                "network as it is: take net.thetas / net.theta(l) again")
        target = np.shape(np.ndarray.__getitem__(self, key))
        try:
            got = np.shape(value)
            np.broadcast_shapes(got, target)
        except ValueError:
            return ShapeError(f"{where} has shape {target}; got a value of shape "
                              f"{_shape_text(value)}")
        return InputValueError(f"{where} takes real numbers; got {value!r} ({exc})")


def _key_text(key) -> str:
    keys = key if isinstance(key, tuple) else (key,)
    out = []
    for k in keys:
        if isinstance(k, slice):
            out.append(":" if k == slice(None) else
                       f"{'' if k.start is None else k.start}:{'' if k.stop is None else k.stop}"
                       + ("" if k.step is None else f":{k.step}"))
        else:
            out.append("..." if k is Ellipsis else repr(k))
    return ", ".join(out)


def _shape_text(value) -> str:
    try:
        return str(np.shape(value))
    except ValueError:  # a ragged nest of lists has no shape
        return "ragged (rows of different lengths)"
