"""The checks: each looks at a trace, the weights or a history and returns Findings.

Every check reads numbers the pass already computed (z, a, δ per layer) and
costs a few elementwise passes over them: far less than the pass itself.
"""

from __future__ import annotations

import math

import numpy as np

from ..train.stepping import finite
from . import advice
from .findings import Finding, Thresholds, linked
from .maps import split_by_map


def saturating(u) -> bool:
    """A unit whose g' vanishes for large |z| (sigmoid, tanh: ``Activation.saturates``)."""
    g = u.activation
    return g is not None and g.saturates and not g.layerwise and bool(g.max_slope)


def can_die(u) -> bool:
    """A unit whose g' is 0 on a half-line (ReLU: ``Activation.can_die``)."""
    return u.activation is not None and u.activation.can_die


def gprime_share(u, z, a, below: float) -> float:
    """Share of instances where the unit's g'(z) < ``below`` × its largest slope."""
    with np.errstate(over="ignore", invalid="ignore"):
        g = np.asarray(u.activation.dg(z, a), dtype=float)
    return float(np.mean(g < below * u.activation.max_slope))


def _layers(net):
    return net.layers


def _units_of(lay, cols):
    return tuple(lay.nodes[int(c)].name for c in cols)


def _finite(x) -> bool:
    with np.errstate(over="ignore", invalid="ignore"):
        return finite(x, float(np.sum(x)))


def scale(x, axis=None) -> np.ndarray:
    """max |x| (over ``axis``, kept as a length-1 axis; 0 for nothing): what every norm
    and ratio here is divided by first, so that no square of a value overflows."""
    return np.max(np.abs(np.asarray(x, dtype=float)), axis=axis, keepdims=axis is not None,
                  initial=0.0)


def log_rms(x) -> float:
    """log of ‖x‖'s root mean square, finite for any finite x (δ of 1e160 squares to inf,
    scaled by its largest entry it does not); −inf when x is all 0 or empty."""
    m = float(scale(x))
    if m == 0.0 or not math.isfinite(m):
        return -math.inf if m == 0.0 else math.nan
    return math.log(m) + 0.5 * math.log(float(np.mean(np.square(np.asarray(x) / m))))


def _exp(lg: float) -> float:
    return math.exp(lg) if lg < 709 else math.inf


def _times(lg: float) -> str:
    """×factor of a log, written as a power of ten where the float would overflow."""
    return f"×{_exp(lg):.3g}" if lg < 709 else f"×1e{lg / math.log(10):.0f}"


def nonfinite_at(trace) -> tuple[int, str] | None:
    """(layer l, "z" | "a" | "delta") of the first NaN or inf in the pass (forward, then
    backward), or None: the one test of ``nonfinite`` and ``when.nonfinite``."""
    L = len(trace.z)
    order = [(l, w) for l in range(2, L + 1) for w in ("z", "a")]
    if trace.delta is not None:
        order += [(l, "delta") for l in range(L, 1, -1)]
    for l, what in order:
        arr = getattr(trace, what)[l - 1]
        if arr is not None and not _finite(arr):
            return l, what
    return None


def nonfinite(net, trace) -> list[Finding]:
    """The first layer (forward, then backward) with a NaN or inf in z, a or δ."""
    lays = _layers(net)
    first = nonfinite_at(trace)
    if first is not None:
        l, what = first
        bad = ~np.isfinite(getattr(trace, what)[l - 1])
        rows, cols = np.nonzero(bad)
        units = _units_of(lays[l - 1], sorted(set(cols.tolist())))
        r0 = int(rows[0])
        return [Finding(
            "nonfinite", f"{what} of layer {l} is NaN or inf first in this pass",
            units=units, evidence={"layer": l, "instances affected": int(bad.any(axis=1).sum()),
                                   "first instance row": r0},
            confidence=1.0, where={"layer": l, "value": what, "row": r0},
            advice=advice.unbounded(net))]
    if trace.cost is not None and not math.isfinite(trace.cost):
        return [Finding("nonfinite", f"the cost J is {trace.cost} (z, a and δ are finite: "
                        "the errors are too large to sum)", units=_units_of(
                            lays[-1], range(len(lays[-1].nodes))),
                        evidence={"J": float(trace.cost)}, confidence=1.0,
                        where={"value": "J"}, advice=advice.unbounded(net))]
    return []


def _links_at(net, indices) -> dict:
    want = set(int(i) for i in indices)
    return linked(k for k in net.links if k.index in want)


def saturation(net, trace, below: float):
    """(unit, share of instances where its g'(z) < ``below`` × its largest slope) for each
    saturating unit (sigmoid, tanh) of the pass, the one measure of ``saturated`` and
    ``when.saturated``. Output units under cross-entropy are left out: they pass
    δ = a − y back whatever g' is, so a confident output is no problem."""
    lays = _layers(net)
    last = len(lays) if trace.loss == "cross_entropy" else len(lays) + 1
    for l in range(2, last):
        a, z = trace.a[l - 1], trace.z[l - 1]
        if a is None or z is None:
            continue
        for k, u in enumerate(lays[l - 1].nodes):
            if saturating(u):
                yield u, gprime_share(u, z[:, k], a[:, k], below)


def dead_units(net, trace, share: float) -> dict[str, float]:
    """{name: max z} of the units that can die (ReLU) with g'(z) = 0 on at least ``share``
    of the instances: the one test of ``dead`` and ``when.dead``."""
    lays = _layers(net)
    out = {}
    for l in range(2, len(lays) + 1):
        z, a = trace.z[l - 1], trace.a[l - 1]
        if z is None:
            continue
        for k, u in enumerate(lays[l - 1].nodes):
            if can_die(u) and gprime_share(u, z[:, k], None if a is None else a[:, k],
                                           1e-300) >= share:
                out[u.name] = float(np.max(z[:, k]))
    return out


def saturated(net, trace, th: Thresholds) -> list[Finding]:
    """Saturating units (sigmoid, tanh) with g'(z) < th.saturated × max g' on most instances;
    a feature map all of whose units are is one finding naming the map."""
    found = {u.name: sh for u, sh in saturation(net, trace, th.saturated)
             if sh >= th.saturated_share}
    tip = ("initialise with smaller weights (ε ≈ √6/√(s_l + s_l+1)); scale the inputs; "
              "lower α")
    maps, rest = split_by_map(net, list(found))
    out = [Finding("saturated", f"map {label}: all its {len(units)} units have g'(z) ≈ 0 on "
                   "most instances: its kernel gets almost no δ", units=tuple(units),
                   evidence={f"{label}: least share of instances saturated":
                             min(found[n] for n in units)},
                   confidence=min(1.0, 0.5 + 0.5 * min(found[n] for n in units)),
                   where={"map": label}, advice=tip) for label, units in maps]
    if rest:
        share = {f"{name}: share of instances saturated": found[name] for name in rest}
        out.append(Finding("saturated", f"{len(rest)} unit(s) with g'(z) ≈ 0 on most "
                           "instances: they pass almost no δ back", units=tuple(rest),
                           evidence=share, confidence=min(1.0, 0.5 + 0.5 * min(share.values())),
                           advice=tip))
    return out


def dead(net, trace, th: Thresholds) -> list[Finding]:
    """Units that can die (ReLU) with g'(z) = 0 on (at least th.dead_share of) every
    instance; a feature map all of whose units are dead is one finding naming the map."""
    found = dead_units(net, trace, th.dead_share)
    maps, rest = split_by_map(net, list(found))
    out = [Finding("dead", f"map {label}: all its {len(units)} "
                   f"{net[units[0]].activation.name} units have g'(z) = 0 on every instance: "
                   "its kernel and bias get no δ for good", units=tuple(units),
                   evidence={f"{label}: max z": max(found[n] for n in units)},
                   confidence=1.0, where={"map": label}, advice=advice.dead(net))
           for label, units in maps]
    if rest:
        ev = {f"{name}: max z": found[name] for name in rest}
        kinds = sorted({net[n].activation.name for n in rest})
        out.append(Finding("dead", f"{len(rest)} {'/'.join(kinds)} unit(s) with g'(z) = 0 on "
                           "every instance: δ is 0 for good", units=tuple(rest), evidence=ev,
                           confidence=1.0, advice=advice.dead(net)))
    return out


def explained(net, trace, found) -> set:
    """Units whose small δ another finding (dead, saturated, symmetric) or the weights
    (all outgoing weights 0, or silenced) already explain: the δ-flow leaves them out."""
    out = {u for f in found if f.kind in ("dead", "saturated", "symmetric") for u in f.units}
    for l, lay in enumerate(net.layers[1:-1], start=1):
        quiet = set(net.silenced.get(l, ()))
        out.update(u.name for k, u in enumerate(lay.nodes) if k in quiet or
                   all(trace.theta[o.index] == 0 for o in u.outgoing))
    return out


def delta_flow(net, trace, th: Thresholds, leave_out=frozenset()) -> list[Finding]:
    """‖δ(l)‖ (root mean square, in logs: no overflow) falling or growing by more than a
    factor per layer going back, over the units ``leave_out`` does not name."""
    if trace.delta is None:
        return []
    lays = net.layers
    L = len(lays)
    logs, cols = {}, {}
    for l in range(2, L + 1):
        keep = [k for k, u in enumerate(lays[l - 1].nodes) if u.name not in leave_out]
        if trace.delta[l - 1] is not None and keep:
            logs[l], cols[l] = log_rms(trace.delta[l - 1][:, keep]), keep
    if len(logs) < 2 or L not in logs or not math.isfinite(logs[L]):
        return []
    low = min(logs)
    total = logs[low] - logs[L]
    if math.isnan(total):
        return []
    per = total / (L - low)
    f = math.log(th.delta_factor)
    ev = {f"‖δ({l})‖ rms": _exp(v) for l, v in sorted(logs.items(), reverse=True)}
    ev["factor per layer going back"] = _exp(per)
    if per < -f and total < -2 * f:
        kind, word, layers = "vanishing", "falls", [l for l in logs if logs[l] - logs[L] < -2 * f]
    elif per > f and total > 2 * f:
        kind, word, layers = "exploding", "grows", [l for l in logs if logs[l] - logs[L] > 2 * f]
    else:
        return []
    units = tuple(lays[l - 1].nodes[k].name for l in sorted(layers) for k in cols[l])
    return [Finding(kind, f"‖δ‖ {word} by {_times(per)} per layer going back "
                    f"({_times(total)} from layer {L} to layer {low})", units=units, evidence=ev,
                    confidence=min(1.0, abs(total) / (2 * f) / 2 + 0.5),
                    advice=advice.vanishing(net) if kind == "vanishing" else
                    "smaller initial weights or a smaller α")]


def symmetric(net, theta, th: Thresholds) -> list[Finding]:
    """Groups of units of one hidden layer whose incoming weights agree, and whose outgoing
    weights agree, each to ``th.symmetric_rtol`` of the largest of them: a unit is
    measured against its own size, so one huge weight elsewhere makes no others equal."""
    lays = net.layers
    c = net.weights.current()
    if c is not None and theta.shape == c.theta.shape:
        return _symmetric_compiled(lays, c, theta, th)
    out = []
    for lay in lays[1:-1]:
        if len(lay.nodes) < 2:
            continue
        groups: dict = {}
        for u in lay.nodes:
            ins = sorted(("+1" if k.is_bias else k.source.name, theta[k.index])
                         for k in u.incoming)
            outs = sorted((k.target.name, theta[k.index]) for k in u.outgoing)
            w_in = np.array([w for _, w in ins], dtype=float)
            w_out = np.array([w for _, w in outs], dtype=float)
            if not (np.all(np.isfinite(w_in)) and np.all(np.isfinite(w_out))):
                continue
            key = (tuple(s for s, _ in ins), tuple(t for t, _ in outs),
                   *(tuple(k) for k in _keys(w_in[None], th)),
                   *(tuple(k) for k in _keys(w_out[None], th)))
            groups.setdefault(key, []).append(u.name)
        out += [_symmetric_finding(names, lay.index) for names in groups.values()
                if len(names) > 1]
    return out


def _keys(V, th) -> np.ndarray:
    """Each row of V rounded to symmetric_rtol of its own size (its largest |entry| as a
    power of 2, which leads the key): equal rows get equal keys, rows of different size
    or of weights further apart than that tolerance do not."""
    m = scale(V, axis=1)
    e = np.floor(np.log2(np.where(m > 0, m, 1.0)))
    return np.hstack([e, np.round(V / (np.exp2(e) * th.symmetric_rtol))]).astype(np.int64)


def _symmetric_compiled(lays, c, theta, th) -> list[Finding]:
    """The same test on Θ(l): rows of Θ(l−1) with columns of Θ(l), one layer at a time."""
    thetas = c.views(theta)  # each Θ(l) of ``theta`` (the trace's copy) by the layout
    out = []
    for i, lay in enumerate(lays[1:-1]):
        if len(lay.nodes) < 2:
            continue
        V_in, V_out = thetas[i].astype(float), thetas[i + 1][:, 1:].T.astype(float)
        ok = np.all(np.isfinite(V_in), axis=1) & np.all(np.isfinite(V_out), axis=1)
        rows = np.nonzero(ok)[0]
        if len(rows) < 2:
            continue
        keys = np.hstack([_keys(V_in[rows], th), _keys(V_out[rows], th)])
        _, inv, counts = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
        for g in np.nonzero(counts > 1)[0]:
            names = tuple(lay.nodes[int(rows[k])].name for k in np.nonzero(inv.ravel() == g)[0])
            out.append(_symmetric_finding(names, lay.index))
    return out


def _symmetric_finding(names, layer) -> Finding:
    return Finding(
        "symmetric", f"{len(names)} units of layer {layer} have the same incoming and "
        "outgoing weights: they get identical updates forever", units=tuple(names),
        evidence={"units in the group": len(names), "layer": layer}, confidence=1.0,
        advice="initialise randomly, NOT to 0 (or a constant): Θ_ij ∈ [−ε, ε], e.g. "
               "Network.from_architecture(..., seed=0)")


def stuck_output(net, trace, Y, th: Thresholds, notes: list) -> list[Finding]:
    """Outputs whose decision (the argmax among one-hot targets, else a ≥ ½ for sigmoid or
    the targets' median) is the same on every instance and whose activation moves by
    less than ``th.stuck_spread`` of the targets' spread, while their targets differ.
    An output whose targets take a value on fewer than 2 instances cannot be told from
    one of a rare class: ``notes`` says so instead of a finding."""
    if Y is None or trace.a[-1] is None:
        return []
    a, outs, Y = trace.a[-1], net.outputs, np.asarray(Y, dtype=float)
    onehot = len(outs) > 1 and bool(np.all((Y == 0) | (Y == 1)) and np.all(Y.sum(axis=1) == 1))
    pick = a.argmax(axis=1)
    names, ev, few = [], {}, []
    for k, u in enumerate(outs):
        t = Y[:, k]
        counts = np.unique(np.round(t, 12), return_counts=True)[1]
        if len(counts) < 2 or counts.min() < 2:
            few.append(u.name)
            continue
        if onehot:
            decides = pick == k
        else:
            sig = getattr(u.activation, "name", None) == "sigmoid"
            decides = a[:, k] >= (0.5 if sig else float(np.median(t)))
        spread = float(np.max(a[:, k]) - np.min(a[:, k]))
        if decides.any() and not decides.all() or \
                not spread < th.stuck_spread * float(np.max(t) - np.min(t)):
            continue  # its decision or its activation moves across the instances
        names.append(u.name)
        ev[f"{u.name}: a from"] = float(a[:, k].min())
        ev[f"{u.name}: a to"] = float(a[:, k].max())
    if few:
        notes.append(f"stuck_output: {len(few)} output(s) whose targets take a value on "
                     f"fewer than 2 of the {len(Y)} instances, too few to tell [{_some(few)}]")
    if not names:
        return []
    return [Finding("stuck_output", f"{len(names)} output(s) decide the same for every "
                    "instance and their activation does not move", units=tuple(names),
                    evidence=ev, confidence=0.9, advice=advice.stuck_output(net))]


def _some(names, k=6) -> str:
    return ", ".join(names[:k]) + (f", … ({len(names) - k} more)" if len(names) > k else "")


def targets_of(trace):
    """y from a cross-entropy trace (δ(L) = a(L) − y), else None."""
    if trace.loss != "cross_entropy" or trace.delta is None or trace.delta[-1] is None:
        return None
    return trace.a[-1] - trace.delta[-1]


def history(net, cost: list, th: Thresholds) -> list[Finding]:
    """J that is not finite, does not fall over the last k epochs, or rises or
    oscillates; a run too short for a trend is judged when J blows up."""
    outs = tuple(u.name for u in net.outputs)
    J = [float(c) for c in cost]
    bad = [e for e, c in enumerate(J) if not math.isfinite(c)]
    if bad:
        return [Finding("nonfinite", f"J was {J[bad[0]]} in epoch {bad[0]}", units=outs,
                        evidence={"J": J[bad[0]]}, where={"epoch": bad[0]},
                        advice=advice.unbounded(net))]
    k = th.stuck_epochs
    if len(J) < 5:
        # too short for a trend, not for a blow-up: J rising at every epoch by an order of
        # magnitude or more overall is a step far past the minimum
        if len(J) > 1 and all(b > a for a, b in zip(J, J[1:])) and J[-1] > 10 * J[0] > 0:
            return [Finding("learning_rate", f"J grows by "
                            f"{_times(math.log(J[-1]) - math.log(J[0]))} over "
                            f"{len(J)} epochs: the step overshoots the minimum", units=outs,
                            evidence={"J first": J[0], "J last": J[-1]}, confidence=0.9,
                            advice="lower α (try α/10 or less)")]
        return []
    tail = J[-(k + 1):]
    diffs = np.diff(tail)
    rises = float(np.mean(diffs > 0))
    ev = {"J first": J[0], "J last": J[-1], "share of rising epochs (last k)": rises}
    if J[-1] > J[0] or (rises >= th.rising_share and tail[-1] > min(J) * 1.05):
        return [Finding("learning_rate", "J rises or oscillates over epochs: the step "
                        "overshoots the minimum", units=outs, evidence=ev,
                        confidence=0.9 if J[-1] > J[0] else 0.7,
                        advice="lower α (try α/10), or use momentum with a smaller α")]
    if len(J) > k and J[-1] > th.stuck_level * J[0] and \
            J[-k - 1] - J[-1] < th.stuck_fall * J[-k - 1]:
        ev["fall over the last k epochs"] = J[-k - 1] - J[-1]
        return [Finding("stuck_cost", f"J has not fallen over the last {k} epochs and is "
                        f"still above {th.stuck_level:g} × its first value", units=outs,
                        evidence=ev, confidence=0.8,
                        advice=advice.stuck_cost(net))]
    return []


def weights(net, theta, th: Thresholds) -> list[Finding]:
    """Links whose weight is NaN or inf, or astronomically large (|w| > th.huge_weight)."""
    if not _finite(theta):
        bad = np.nonzero(~np.isfinite(theta))[0]
        return [Finding("nonfinite", "weights are NaN or inf", **_links_at(net, bad),
                        evidence={"non-finite weights": len(bad)},
                        advice="training diverged: retrain with a smaller α")]
    big = np.nonzero(np.abs(theta) > th.huge_weight)[0]
    if not big.size:
        return []
    return [Finding("huge_weights", f"{len(big)} weight(s) beyond ±{th.huge_weight:g}, up to "
                    f"{float(scale(theta)):.3g}: the run that made them diverged",
                    **_links_at(net, big), confidence=1.0,
                    evidence={"max |w|": float(scale(theta)), "weights that large": len(big)},
                    advice=advice.unbounded(net))]
