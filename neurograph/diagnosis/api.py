"""``ng.diagnose``: why doesn't it learn? Findings about one moment or one run."""

from __future__ import annotations

import numpy as np

from ..engines.passes import resolved_loss, targets
from ..errors import ConfigError
from ..model.network import Network
from ..train.records import History, Step
from ..train.trainer import Trainer
from . import checks
from .findings import Diagnosis, Finding, Thresholds
from .origin import first_bad_step


def _thresholds(thresholds, overrides) -> Thresholds:
    if thresholds is not None and not isinstance(thresholds, Thresholds):
        raise ConfigError(f"thresholds must be a Thresholds, got {type(thresholds).__name__}")
    th = thresholds or Thresholds()
    if overrides:
        known = set(Thresholds.__dataclass_fields__)
        bad = sorted(set(overrides) - known)
        if bad:
            raise ConfigError(f"unknown threshold(s) {', '.join(bad)}; known: "
                              f"{', '.join(sorted(known))}")
        th = Thresholds(**{**th.__dict__, **overrides})
    return th


def trace_findings(net, trace, th: Thresholds, Y=None, notes=None) -> list:
    """Findings of one pass: non-finite values (z, a, δ, J, weights), huge weights,
    symmetric, saturated and dead units, vanishing or exploding δ (over the units those
    do not already explain), stuck outputs; what cannot be judged goes to ``notes``."""
    found = checks.nonfinite(net, trace) + checks.weights(net, trace.theta, th)
    found += checks.symmetric(net, trace.theta, th)
    if any(f.kind == "nonfinite" for f in found):
        return found  # the other measures of a non-finite pass mean nothing
    found += checks.saturated(net, trace, th)
    found += checks.dead(net, trace, th)
    found += checks.delta_flow(net, trace, th, checks.explained(net, trace, found))
    found += checks.stuck_output(net, trace, checks.targets_of(trace) if Y is None else Y, th,
                                 [] if notes is None else notes)
    return found


def diagnose(subject, X=None, Y=None, thresholds: Thresholds | None = None, net=None,
             **overrides) -> Diagnosis:
    """Why a network does not learn: a :class:`Diagnosis` of findings (empty when healthy).

    ``subject`` is one moment — a Trace or a training Step — or a run — a Trainer or
    its History — or a Network; with data (``diagnose(net, X, y)``,
    ``diagnose(trainer, X, y)``) a pass over it is diagnosed too, and for a
    diverged trainer the first non-finite value is found by re-running the bad
    pass. ``thresholds`` (or keyword overrides such as ``saturated=0.01``) set
    where each finding starts; ``net`` names the network of a Trace whose
    network is gone.

    >>> import neurograph as ng
    >>> X, y = ng.data.truth_table("XOR")
    >>> zero = ng.Network.from_architecture([2, 2, 1]); zero.weights.theta[:] = 0
    >>> d = ng.diagnose(zero, X, y); d.ok, d.units("symmetric")
    (False, ['a2_1', 'a2_2'])
    """
    th = _thresholds(thresholds, overrides)
    # a diagnosis looks at NaN and inf on purpose: numpy's warnings about them are noise
    with np.errstate(over="ignore", invalid="ignore"):
        return _diagnose(subject, X, Y, th, net)


def _diagnose(x, X, Y, th, net) -> Diagnosis:
    if isinstance(x, Step):
        d = _of_trace(x.trace, th, net, Y)
        where = {"epoch": x.epoch, "batch": x.batch}
        if x.instance is not None:
            where["instance"] = x.instance
        d.findings = [f if f.where.keys() >= where.keys() else
                      type(f)(**{**f.__dict__, "where": {**where, **f.where}}) for f in d]
        d.subject = repr(x)
        return d
    if isinstance(x, Network):
        found, notes = [], []
        if X is not None:
            if Y is None:
                raise ConfigError("diagnose(net, X, y) needs the targets y with the inputs X")
            trace = x.backward(X, Y)
            Yt = targets(x, Y, len(trace.a[0]), resolved_loss(x, "auto"))
            found = trace_findings(x, trace, th, Yt, notes)
        else:
            found = checks.weights(x, x.weights.theta, th) + \
                checks.symmetric(x, x.weights.theta, th)
        return Diagnosis(found, subject=f"{x!r}", notes=notes)
    if isinstance(x, Trainer):
        found, notes = checks.history(x.net, x.history.cost, th), []
        bad = None
        if X is not None:
            bad = first_bad_step(x, X, Y)
        if bad is not None:
            found = ([bad] + checks.weights(x.net, x.net.weights.theta, th)
                     + checks.symmetric(x.net, x.net.weights.theta, th) + found)
        elif X is not None:
            of_net = _diagnose(x.net, X, Y, th, None)
            found, notes = of_net.findings + found, of_net.notes
        else:
            found = (_diverged(x.history) + checks.weights(x.net, x.net.weights.theta, th)
                     + checks.symmetric(x.net, x.net.weights.theta, th) + found)
        return Diagnosis(found, subject=repr(x), notes=notes)
    if isinstance(x, History):
        return Diagnosis(_diverged(x) + checks.history(net if net is not None else _NoNet,
                                                       x.cost, th), subject=repr(x))
    if hasattr(x, "z") and hasattr(x, "delta") and hasattr(x, "theta"):
        return _of_trace(x, th, net, Y)
    raise ConfigError("diagnose() takes a Trace, a Step, a Trainer, a History or a Network "
                      f"(with X, y); got {type(x).__name__}")


def _of_trace(trace, th, net, Y) -> Diagnosis:
    if trace is None:
        raise ConfigError("this Step has no trace to diagnose")
    net = net if net is not None else trace.network
    if net is None:
        raise ConfigError("the trace's network is gone or has changed since the pass: pass "
                          "diagnose(trace, net=net) or run a new pass")
    trace.check(net)
    notes = []
    return Diagnosis(trace_findings(net, trace, th, Y, notes), subject=repr(trace), notes=notes)


def _diverged(h) -> list:
    if h.stopped != "diverged" or h.diverged_at is None:
        return []
    e, b = h.diverged_at
    return [Finding("nonfinite", f"training diverged in epoch {e}, batch {b}: J or D(l) was "
                    "NaN or inf", where={"epoch": e, "batch": b}, confidence=1.0,
                    advice="diagnose(trainer, X, y) names the first unit that went non-finite; "
                           "lower α")]


class _NoNet:  # a History alone has no units to name
    outputs = layers = ()
