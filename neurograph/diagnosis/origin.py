"""The first bad step: where a diverged run's first NaN or inf appeared, and how it travelled.

Training is deterministic and a diverged trainer stays where the bad pass
started (its update is not applied), so the bad pass is re-run from that last
good state — on a copy of the network and trainer, stepped layer by layer —
and the first z, a, J, δ or ∂J/∂w that is not finite is named: epoch, batch,
instance x(i), layer and unit. No trace of the run is kept for this.
"""

from __future__ import annotations

import numpy as np

from ..engines.base import Phase
from ..engines.losses import loss_of
from ..engines.passes import resolved_loss, targets
from ..notation import link_label
from ..train.trainer import Trainer
from .checks import _finite
from .findings import Finding, linked

ADVICE = ("lower α (the weights grew until a value overflowed); with linear or ReLU units "
          "scale the inputs and targets; check the data for huge values")


def _element_cost(loss, act, z, a, y):
    """The cost of each output of each instance (the terms J sums): the loss's own."""
    with np.errstate(over="ignore", invalid="ignore"):
        return loss_of(loss, act).element(z, a, y)


def _first_bad(arr):
    """(row, columns) of the first row of ``arr`` with a non-finite entry, or None."""
    if _finite(arr):
        return None
    bad = ~np.isfinite(arr)
    r = int(np.nonzero(bad.any(axis=1))[0][0])
    return r, np.nonzero(bad[r])[0]


def _path(net, tr, unit, row, backward: bool):
    """Units from the loss back to ``unit`` and the links between them: forward from the
    unit along the strongest link (|w|, or |w·δ_j| when δ carried it) to an output."""
    units, links, cur = [unit.name], [], unit
    outs = {u.name for u in net.outputs}
    while cur.name not in outs:
        best, score = None, -1.0
        for k in net.out_links(cur):
            s = abs(float(tr.theta[k.index]))
            d = tr.node_value(k.target, "delta") if backward else None
            if d is not None and np.isfinite(d[row]):
                s *= abs(float(d[row]))
            if s > score or best is None:
                best, score = k, s
        if best is None:
            break
        links.append(best)
        cur = best.target
        units.append(cur.name)
    return ("J",) + tuple(reversed(units)), tuple(reversed(links))


def _carried_in(net, tr, unit, row) -> dict:
    """The incoming link with the largest |w·a| on the instance: what brought the value in."""
    best, big = None, -1.0
    for k in net.in_links(unit):
        a = 1.0 if k.is_bias else tr.node_value(k.source, "a")
        if a is None:
            continue
        v = abs(float(tr.theta[k.index]) * (a if np.isscalar(a) else float(a[row])))
        if v > big or best is None:
            best, big = k, v
    return {} if best is None else {"carried in by": link_label(best), "its |w·a|": big}


def first_bad_step(trainer, X, Y) -> Finding | None:
    """The first non-finite value of a diverged run (``trainer.history.stopped == "diverged"``),
    found by re-running its bad pass from the last good state; None if it did not diverge.

    >>> import numpy as np, neurograph as ng
    >>> net = ng.Network.from_architecture([1, 2, 1], activation="linear",
    ...                                    output_activation="linear", seed=0)
    >>> X = np.array([[1e3], [2e3]]); y = np.array([[1e3], [-1e3]])
    >>> t = ng.Trainer(net, alpha=10.0); h = t.fit(X, y, epochs=200)
    >>> f = first_bad_step(t, X, y); f.where["epoch"] == h.diverged_at[0]
    True
    """
    h = trainer.history
    if h.stopped != "diverged" or h.diverged_at is None:
        return None
    e, b = h.diverged_at
    net = type(trainer.net).from_spec(trainer.net.to_spec())
    t = Trainer(net)
    t.load_state_dict(trainer.state_dict())
    where = {"epoch": e, "batch": b}
    if (t.epoch, t.state.next_batch) != (e, b):
        return Finding("nonfinite", f"the run diverged in epoch {e}, batch {b}; the trainer "
                       "has moved on since, so the pass cannot be re-run", where=where,
                       confidence=0.5, advice=ADVICE)
    if not _finite(net.weights.theta):
        bad = np.nonzero(~np.isfinite(net.weights.theta))[0]
        names = linked(k for k in net.links if k.index in set(bad.tolist()))
        return Finding("nonfinite", "weights were already NaN or inf when the pass started "
                       "(an earlier update overflowed)", **names, where=where,
                       evidence={"non-finite weights": len(bad)}, advice=ADVICE)
    n = len(X)
    lays = net.layers
    found = None
    for step in t.steps(X, Y, every="layer", epochs=1):
        ph, tr = step.phase, step.trace
        if ph.kind == Phase.FORWARD:
            for what in ("z", "a"):
                hit = _first_bad(getattr(tr, what)[ph.layer - 1])
                if hit:
                    found = (what, ph.layer, hit, tr, ph, False)
                    break
        elif ph.kind == Phase.BACKWARD:
            if ph.layer == len(lays) and not np.isfinite(step.cost):
                found = ("J", ph.layer, None, tr, ph, False)
            else:
                hit = _first_bad(tr.delta[ph.layer - 1])
                if hit:
                    found = ("delta", ph.layer, hit, tr, ph, True)
        if found is not None or ph == "update":
            break
    rows = t.state.batch_rows(b, n, t.batch_size)
    if found is None:
        grad = t.grad
        if grad is not None and not _finite(grad):
            bad = set(np.nonzero(~np.isfinite(grad))[0].tolist())
            names = linked(k for k in net.links if k.index in bad)
            return Finding("nonfinite", "∂J/∂w is NaN or inf (z, a, J and δ were finite): "
                           "the sum over the batch's instances overflowed", **names,
                           where={**where, "value": "∂J/∂w"},
                           evidence={"non-finite gradients": len(bad)}, advice=ADVICE)
        return Finding("nonfinite", f"the run diverged in epoch {e}, batch {b}, but the "
                       "re-run of that pass stayed finite", where=where, confidence=0.3,
                       advice=ADVICE)
    what, l, hit, tr, ph, backward = found
    if what == "J":
        outs = net.outputs
        Yt = targets(net, Y, n, resolved_loss(net, t.loss))[rows]
        c = _element_cost(tr.loss, outs[0].activation, tr.z[-1], tr.a[-1], Yt)
        hit = _first_bad(c)
        if hit is None:  # each term finite, their sum overflowed: the largest term
            r, k = np.unravel_index(np.argmax(np.nan_to_num(c)), c.shape)
            hit = (int(r), np.array([k]))
    r, cols = hit
    lay = lays[l - 1]
    units = tuple(lay.nodes[int(k)].name for k in cols)
    unit = lay.nodes[int(cols[0])]
    path, links = _path(net, tr, unit, r, backward)
    ev = {"value": _value(tr, what, l, r, int(cols[0]))} if what != "J" else {}
    if what in ("z", "J"):
        ev.update(_carried_in(net, tr, unit, r))
    row = int(rows[r])
    name = {"delta": "δ", "J": "the cost J"}.get(what, what)
    return Finding(
        "nonfinite", f"{name} of {unit.name} became NaN or inf first: epoch {e}, batch {b}, "
        f"instance x({row + 1}), layer {l}", units=units, **linked(links), evidence=ev,
        where={**where, "instance": row, "layer": l, "unit": unit.name, "value": what,
               "phase": str(ph)}, path=path, confidence=1.0, advice=ADVICE)


def _value(tr, what, l, r, k) -> float:
    arr = getattr(tr, what)[l - 1]
    return float(arr[r, k])
