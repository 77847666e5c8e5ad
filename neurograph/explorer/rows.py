"""The rows a page shows: x(i) is row i of the training data, whatever the batching.

A Step of a mini-batch (or of one instance) holds the rows of its batch, in the
shuffled order of its epoch: its row 1 is not x(1). So the explorer runs each
frame's pass again, forward and backward over the training data at that frame's
weights, and keeps the rows the page offers; J and ∂J/∂w are the training set's.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from ..engines.base import Phase
from ..engines.passes import targets
from ..engines.sweep import Pass, make_engine
from ..engines.trace import Trace
from ..errors import ConfigError, InputValueError


@contextmanager
def weights_of(net):
    """The network's weight store, given back as it was (and what its nodes show) after:
    a frame's pass writes that frame's θ into it."""
    store, last = net.weights.theta, net.last_trace
    saved = store.copy()
    try:
        yield store
    finally:
        store[:] = saved
        net.last_trace = last


def whole_data(steps, n: int) -> bool:
    """True when every Step's Trace holds the n rows of the data as given (full batch)."""
    return all(s.instance is None and s.batch == 0 and s.trace.n == n for s in steps)


def batched(steps) -> str | None:
    """Why the Steps' rows are not the data's (a sentence), or None when they may be."""
    for s in steps:
        if s.instance is None and (s.batch > 0 or s.trace.n != steps[0].trace.n):
            return (f"these Steps are of mini-batches (epoch {s.epoch}, batch {s.batch} holds "
                    f"{s.trace.n} rows in the epoch's shuffled order)")
    return None


def check_rows_of(traces: list, X: np.ndarray) -> None:
    """InputValueError unless every instance of every Trace is a row of X (the training
    data the steps ran on, not another set)."""
    known = {row.tobytes() for row in np.ascontiguousarray(X, dtype=float)}
    for k, tr in enumerate(traces):
        for r, row in enumerate(np.ascontiguousarray(tr.a[0], dtype=float)):
            if row.tobytes() not in known:
                raise InputValueError(f"X must be the training data the steps ran on: row "
                                      f"{r + 1} of frame {k + 1}'s batch is not a row of X "
                                      f"({len(X)} rows)")


def replay(net, traces: list, X, Y, rows: list[int]) -> list[Trace]:
    """Each Trace's pass again over X (n rows, targets Y) at its own θ, keeping ``rows``.

    The new Trace's row k is data row ``rows[k]``; its ``cost`` and ``grad`` are J and
    ∂J/∂θ of the whole of X (λ/(2n) with n = len(X)), with the run's λ and loss.

    >>> import neurograph as ng
    >>> X, y = ng.data.truth_table("XOR")
    >>> net = ng.Network.from_architecture([2, 2, 1], seed=0)
    >>> steps = list(ng.Trainer(net, batch_size=2).steps(X, y, every="batch", epochs=1))
    >>> t = replay(net, [steps[1].trace], X, y, [3])[0]
    >>> t.n, t.a[0].tolist(), t.cost is not None and t.cost != steps[1].cost
    (1, [[1.0, 1.0]], True)
    """
    if not len(X):
        raise ConfigError("the explorer computes the rows of X, got no rows")
    first = traces[0]
    kind = first.engine if first.engine in ("matrix", "graph") else "auto"
    engine = make_engine(net, first.lam, first.loss or "auto", kind)
    Y = targets(net, Y, len(X), engine.loss)
    X = np.asarray(X, dtype=net.dtype)
    out = []
    with weights_of(net) as store:
        for tr in traces:
            store[:] = tr.theta
            p = Pass(net, engine, X, Y, n=len(X))
            p.complete()
            t = p.trace(Phase("frame"), with_grad=True)
            keep = [None if z is None else np.array(z[rows]) for z in t.z]
            out.append(Trace(version=t.version, z=keep,
                             a=[np.array(a[rows]) for a in t.a], theta=t.theta,
                             delta=[None if d is None else np.array(d[rows]) for d in t.delta],
                             grad=t.grad, cost=t.cost, lam=t.lam, loss=t.loss,
                             engine=t.engine, phase=tr.phase, owner=t.owner,
                             network_ref=t.network_ref))
    return out
