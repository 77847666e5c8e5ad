"""The checks: each looks at a trace, the weights or a history and returns Findings.

Every check reads numbers the pass already computed (z, a, δ per layer) and
costs a few elementwise passes over them: far less than the pass itself.
"""

from __future__ import annotations

import math

import numpy as np

from ..train.stepping import finite
from .findings import Finding, Thresholds

# g' at its maximum: saturation is measured against it
_GMAX = {"sigmoid": 0.25, "tanh": 1.0}


def _layers(net):
    return net.layers


def _units_of(lay, cols):
    return tuple(lay.nodes[int(c)].name for c in cols)


def _finite(x) -> bool:
    with np.errstate(over="ignore", invalid="ignore"):
        return finite(x, float(np.sum(x)))


def nonfinite(net, trace) -> list[Finding]:
    """The first layer (forward, then backward) with a NaN or inf in z, a or δ."""
    lays = _layers(net)
    order = [(l, w) for l in range(2, len(lays) + 1) for w in ("z", "a")]
    if trace.delta is not None:
        order += [(l, "delta") for l in range(len(lays), 1, -1)]
    for l, what in order:
        arr = getattr(trace, what)[l - 1]
        if arr is None or _finite(arr):
            continue
        bad = ~np.isfinite(arr)
        rows, cols = np.nonzero(bad)
        units = _units_of(lays[l - 1], sorted(set(cols.tolist())))
        r0 = int(rows[0])
        return [Finding(
            "nonfinite", f"{what} of layer {l} is NaN or inf first in this pass",
            units=units, evidence={"layer": l, "instances affected": int(bad.any(axis=1).sum()),
                                   "first instance row": r0},
            confidence=1.0, where={"layer": l, "value": what, "row": r0},
            advice="lower α; check the data for huge values; with linear units scale the "
                   "inputs")]
    if not _finite(trace.w):
        bad = np.nonzero(~np.isfinite(trace.w))[0]
        names = _link_names(net, bad)
        return [Finding("nonfinite", "weights are NaN or inf", links=names,
                        evidence={"non-finite weights": len(bad)},
                        advice="training diverged: retrain with a smaller α")]
    return []


def _link_names(net, indices) -> tuple:
    want = set(int(i) for i in indices)
    return tuple(link_name(k) for k in net.links if k.index in want)


def link_name(link) -> str:
    """'source→target' ('+1→target' for a bias link)."""
    return f"{'+1' if link.is_bias else link.source.name}→{link.target.name}"


def saturated(net, trace, th: Thresholds, loss: str | None) -> list[Finding]:
    """sigmoid/tanh units with g'(z) < th.saturated × max g' on most instances."""
    lays = _layers(net)
    names, share = [], {}
    # output units under cross-entropy pass δ = a − y whatever g' is: not a problem
    last = len(lays) if loss == "cross_entropy" else len(lays) + 1
    for l in range(2, last):
        a = trace.a[l - 1]
        if a is None:
            continue
        nodes = lays[l - 1].nodes
        gmax = np.array([_GMAX.get(getattr(u.activation, "name", None), 0.0) for u in nodes])
        cols = np.nonzero(gmax)[0]
        if not cols.size:
            continue
        A = a[:, cols]
        g = np.where(gmax[cols] == 0.25, A * (1 - A), 1 - A * A)
        shares = np.mean(g < th.saturated * gmax[cols], axis=0)
        for c, sh in zip(cols, shares):
            if sh >= th.saturated_share:
                names.append(nodes[int(c)].name)
                share[f"{nodes[int(c)].name}: share of instances saturated"] = float(sh)
    if not names:
        return []
    return [Finding("saturated", f"{len(names)} unit(s) with g'(z) ≈ 0 on most instances: "
                    "they pass almost no δ back", units=tuple(names), evidence=share,
                    confidence=min(1.0, 0.5 + 0.5 * min(share.values())),
                    advice="initialise with smaller weights (ε ≈ √6/√(s_l + s_l+1)); "
                           "scale the inputs; lower α")]


def dead(net, trace, th: Thresholds) -> list[Finding]:
    """ReLU units with z ≤ 0 on (at least th.dead_share of) every instance."""
    lays = _layers(net)
    names, ev = [], {}
    for l in range(2, len(lays) + 1):
        z = trace.z[l - 1]
        if z is None:
            continue
        for k, u in enumerate(lays[l - 1].nodes):
            if getattr(u.activation, "name", None) != "relu":
                continue
            if float(np.mean(z[:, k] <= 0)) >= th.dead_share:
                names.append(u.name)
                ev[f"{u.name}: max z"] = float(np.max(z[:, k]))
    if not names:
        return []
    return [Finding("dead", f"{len(names)} ReLU unit(s) with z ≤ 0 on every instance: "
                    "δ is 0 for good", units=tuple(names), evidence=ev, confidence=1.0,
                    advice="raise the biases (e.g. +0.1), lower α, or use a leaky unit")]


def _rms(d) -> float:
    return float(np.sqrt(np.mean(np.square(d)))) if d.size else 0.0


def delta_flow(net, trace, th: Thresholds) -> list[Finding]:
    """‖δ(l)‖ (root mean square) falling or growing by more than a factor per layer going back."""
    if trace.delta is None:
        return []
    lays = _layers(net)
    L = len(lays)
    rms = {l: _rms(trace.delta[l - 1]) for l in range(2, L + 1) if trace.delta[l - 1] is not None}
    if len(rms) < 2 or rms.get(L, 0.0) == 0.0 or not math.isfinite(rms[L]):
        return []
    low = min(rms)
    total = rms[low] / rms[L]
    if not math.isfinite(total):
        return []
    per = total ** (1.0 / (L - low)) if total > 0 else 0.0
    f = th.delta_factor
    ev = {f"‖δ({l})‖ rms": v for l, v in sorted(rms.items(), reverse=True)}
    ev["factor per layer going back"] = per
    if per < 1 / f and total < 1 / f ** 2:
        kind, word, layers = "vanishing", "falls", [l for l in rms if rms[l] / rms[L] < 1 / f ** 2]
    elif per > f and total > f ** 2:
        kind, word, layers = "exploding", "grows", [l for l in rms if rms[l] / rms[L] > f ** 2]
    else:
        return []
    units = tuple(u.name for l in sorted(layers) for u in lays[l - 1].nodes)
    return [Finding(kind, f"‖δ‖ {word} by ×{per:.3g} per layer going back "
                    f"(×{total:.3g} from layer {L} to layer {low})", units=units, evidence=ev,
                    confidence=min(1.0, abs(math.log(max(total, 1e-300))) / (2 * math.log(f)) / 2
                                   + 0.5),
                    advice="fewer layers, ReLU or tanh hidden units, or an initialisation "
                           "scaled to each layer's width" if kind == "vanishing" else
                           "smaller initial weights or a smaller α")]


def symmetric(net, theta, th: Thresholds) -> list[Finding]:
    """Groups of units of one hidden layer with equal incoming and outgoing weights."""
    lays = _layers(net)
    c = net.weights.current()
    if c is not None and theta.shape == c.theta.shape:
        return _symmetric_compiled(lays, c, theta, th)
    out = []
    for lay in lays[1:-1]:
        if len(lay.nodes) < 2:
            continue
        rows = []
        for u in lay.nodes:
            ins = sorted((link_name(k).split("→")[0], theta[k.index]) for k in u.incoming)
            outs = sorted((k.target.name, theta[k.index]) for k in u.outgoing)
            rows.append(([s for s, _ in ins] + ["|"] + [t for t, _ in outs],
                         np.array([w for _, w in ins] + [w for _, w in outs], dtype=float)))
        scale = max(float(np.max(np.abs(r[1]))) if r[1].size else 0.0 for r in rows) or 1.0
        groups: dict = {}
        for u, (keys, w) in zip(lay.nodes, rows):
            if not np.all(np.isfinite(w)):
                continue
            key = (tuple(keys), tuple(np.round(w / (scale * th.symmetric_rtol)).astype(np.int64)))
            groups.setdefault(key, []).append(u.name)
        for names in groups.values():
            if len(names) > 1:
                out.append(_symmetric_finding(names, lay.index))
    return out


def _symmetric_compiled(lays, c, theta, th) -> list[Finding]:
    """The same test on Θ(l): rows of Θ(l−1) with columns of Θ(l), one layer at a time."""
    base, size = c.theta.__array_interface__["data"][0], c.theta.itemsize
    thetas = []
    for T in c.thetas:  # each Θ(l) of ``theta`` (the trace's copy) at the store's offsets
        off = (T.__array_interface__["data"][0] - base) // size
        thetas.append(theta[off:off + T.size].reshape(T.shape))
    out = []
    for i, lay in enumerate(lays[1:-1]):
        if len(lay.nodes) < 2:
            continue
        V = np.hstack([thetas[i], thetas[i + 1][:, 1:].T]).astype(float)
        if not np.all(np.isfinite(V)):
            continue
        scale = float(np.max(np.abs(V))) or 1.0
        keys = np.round(V / (scale * th.symmetric_rtol))
        _, inv, counts = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
        for g in np.nonzero(counts > 1)[0]:
            names = tuple(lay.nodes[int(k)].name for k in np.nonzero(inv.ravel() == g)[0])
            out.append(_symmetric_finding(names, lay.index))
    return out


def _symmetric_finding(names, layer) -> Finding:
    return Finding(
        "symmetric", f"{len(names)} units of layer {layer} have the same incoming and "
        "outgoing weights: they get identical updates forever", units=tuple(names),
        evidence={"units in the group": len(names), "layer": layer}, confidence=1.0,
        advice="initialise randomly, NOT to 0 (or a constant): Θ_ij ∈ [−ε, ε], e.g. "
               "Network.from_architecture(..., seed=0)")


def stuck_output(net, trace, Y) -> list[Finding]:
    """Output units whose prediction is the same for every instance while the targets differ."""
    if Y is None or trace.a[-1] is None or trace.n < 2:
        return []
    a = trace.a[-1]
    outs = net.outputs
    names, ev = [], {}
    if len(outs) > 1 and getattr(outs[0].activation, "name", None) == "softmax":
        pred, lab = a.argmax(axis=1), Y.argmax(axis=1)
        if len(set(lab.tolist())) > 1 and len(set(pred.tolist())) == 1:
            names.append(outs[int(pred[0])].name)
            ev["classes among the targets"] = len(set(lab.tolist()))
    else:
        for k, u in enumerate(outs):
            t = Y[:, k]
            cut = 0.5 if getattr(u.activation, "name", None) == "sigmoid" else \
                float(np.median(t))
            if len(set(np.round(t, 12).tolist())) < 2:
                continue
            p = a[:, k] >= cut
            if p.all() or not p.any():
                names.append(u.name)
                ev[f"{u.name}: a from"] = float(a[:, k].min())
                ev[f"{u.name}: a to"] = float(a[:, k].max())
    if not names:
        return []
    return [Finding("stuck_output", f"{len(names)} output(s) predict the same for every "
                    "instance", units=tuple(names), evidence=ev, confidence=0.9,
                    advice="check for symmetric or dead hidden units; train longer or with "
                           "another α; check that the labels vary")]


def targets_of(trace):
    """y from a cross-entropy trace (δ(L) = a(L) − y), else None."""
    if trace.loss != "cross_entropy" or trace.delta is None or trace.delta[-1] is None:
        return None
    return trace.a[-1] - trace.delta[-1]


def history(net, cost: list, th: Thresholds) -> list[Finding]:
    """J that does not fall over the last k epochs, or J that rises or oscillates."""
    J = [float(c) for c in cost if math.isfinite(c)]
    k = th.stuck_epochs
    if len(J) < 5:
        return []
    tail = J[-(k + 1):]
    outs = tuple(u.name for u in net.outputs)
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
                        advice="check for symmetric, saturated or dead units; try a larger α "
                               "or another initialisation")]
    return []


def nonfinite_weights(net) -> list[Finding]:
    """Links whose weight is NaN or inf."""
    theta = net.weights.theta
    if _finite(theta):
        return []
    bad = np.nonzero(~np.isfinite(theta))[0]
    return [Finding("nonfinite", "weights are NaN or inf", links=_link_names(net, bad),
                    evidence={"non-finite weights": len(bad)},
                    advice="training diverged: retrain with a smaller α")]
