"""What training records: the History of a run and the Step of a pause.

>>> h = History(cost=[0.7, 0.5])
>>> h
History(epochs=2, J=0.5)
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass, field

import numpy as np

from ..engines.trace import Trace
from ..errors import renamed
from ..notation import instance_label


@dataclass
class History:
    """Per-epoch records of a training run (lists grow by one per epoch).

    ``cost[e]`` is the running mean of J over epoch e's batches, each batch's J
    taken in its forward pass (before its update): the batch's mean data term
    plus λ/(2n)·ΣΘ² with n the whole training set (bias weights left out), so
    with full batch it is exactly J(Θ) of the whole set before the epoch's
    update, and mini-batch and online runs report the same J, averaged while Θ
    moves. ``accuracy`` (the same running mean) is filled when the targets are
    classes; ``val_*`` (J and accuracy of the validation set after the epoch)
    when one is given; ``grad_norm`` is ‖D‖ of the epoch's last update.

    Element k of every list is epoch k+1's: a series that was not measured
    on some epochs (accuracy in a ``fit`` whose targets were not classes,
    validation in one without a validation set) holds NaN there (None after a
    save), so later values stay at their own epochs; a shorter list covers
    the first epochs.

    ``stopped`` says why training ended: "max_epochs", "grad_tol",
    "cost_tol", "early_stopping", "callback", "diverged", "until" (the
    condition given to ``steps(until=…)`` held) or "interrupted" (the steps were
    left unfinished, or an exception — quitting the debugger of
    ``fit(break_on=…)`` — ended the run); for "diverged", ``diverged_at`` is
    (epoch, batch) of the first pass whose J or D was not finite (0-based; that
    pass's update was not applied). ``reason`` says it in a sentence where the
    code alone does not: which condition held, at which step, what went
    non-finite. Both survive ``ng.save``/``ng.load`` of the trainer.

    >>> import neurograph as ng
    >>> X, y = ng.data.truth_table("XOR")
    >>> t = ng.Trainer(ng.Network.from_architecture([2, 2, 1], seed=3))
    >>> _ = next(t.steps(X, y, until=ng.when.cost_above(0.5)))
    >>> t.history.stopped
    'until'
    >>> print(t.history.reason)
    until=when.cost_above(0.5) held at Step(epoch=0, batch=0, phase='epoch end', J=0.699918)
    """

    cost: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)
    grad_norm: list = field(default_factory=list)
    val_cost: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)
    stopped: str | None = None
    best_epoch: int | None = None
    diverged_at: tuple[int, int] | None = None
    reason: str | None = None

    def __post_init__(self) -> None:
        for name in ("cost", "accuracy", "grad_norm", "val_cost", "val_accuracy"):
            values = getattr(self, name)  # JSON's None (a saved NaN) is NaN again
            if any(v is None for v in values):
                setattr(self, name, [math.nan if v is None else v for v in values])

    @property
    def network(self):
        """The network this History's run trained, while it exists (the trainer sets it
        when a run begins); None for a History made by hand.

        >>> import neurograph as ng
        >>> net = ng.Network.from_architecture([2, 1], seed=0)
        >>> ng.Trainer(net).fit([[0, 1]], [1], epochs=1).network is net
        True
        """
        ref = self.__dict__.get("_network")
        return None if ref is None else ref()

    @network.setter
    def network(self, net) -> None:
        # a weak reference: a record must not keep a network alive
        self.__dict__["_network"] = None if net is None else weakref.ref(net)

    def __getstate__(self) -> dict:
        # a pickle (scikit-learn clones and caches estimators that way) carries the
        # network itself; a weak reference cannot be pickled
        state = dict(self.__dict__)
        state["_network"] = self.network
        return state

    def __setstate__(self, state: dict) -> None:
        net = state.pop("_network", None)
        self.__dict__.update(state)
        self.network = net

    @property
    def epochs(self) -> int:
        return len(self.cost)

    @property
    def J(self) -> list:
        """Former name of :attr:`cost` (J per epoch)."""
        renamed("history.J", "history.cost")
        return self.cost

    def record(self, series: str, value: float) -> None:
        """Append ``value`` to ``series`` as the latest epoch's, NaN for the epochs it skipped.

        >>> h = History(cost=[0.7, 0.6, 0.5])
        >>> h.record("accuracy", 0.75); h.accuracy
        [nan, nan, 0.75]
        """
        values = getattr(self, series)
        values.extend([math.nan] * (len(self.cost) - 1 - len(values)))
        values.append(value)

    def to_dict(self) -> dict:
        """Plain data for JSON: non-finite numbers become None (JSON has no NaN)."""
        def num(v):
            v = float(v)
            return v if math.isfinite(v) else None

        out = {}
        for k, v in self.__dict__.items():
            if k.startswith("_"):  # the network it trained is not part of the record
                continue
            if isinstance(v, list):
                v = [num(x) for x in v]
            elif isinstance(v, tuple):
                v = list(v)
            out[k] = v
        return out

    def plot(self, ax=None):
        """J and validation J per epoch, accuracy on a second axis (matplotlib, the
        ``plot`` extra); returns the Axes of J, never shows it. Each series is
        drawn at its own epochs (element k at epoch k+1; NaN leaves a gap).

        >>> History(cost=[0.7, 0.5]).plot().lines[0].get_ydata().tolist()
        [0.7, 0.5]
        """
        from ..render.plots import history_plot  # render sits above train: call time only

        return history_plot(self, ax=ax)

    def __repr__(self) -> str:
        last = f", J={self.cost[-1]:.6g}" if self.cost else ""
        acc = f", accuracy={self.accuracy[-1]:.3f}" if self.accuracy else ""
        stop = f", stopped={self.stopped!r}" if self.stopped else ""
        if self.diverged_at is not None:
            stop += f" at epoch {self.diverged_at[0]}, batch {self.diverged_at[1]}"
        return f"History(epochs={self.epochs}{last}{acc}{stop})"


@dataclass(eq=False)
class Step:
    """One pause of training: where it is, what it computed so far.

    ``epoch``, ``batch`` and ``instance`` are 0-based indices; ``instance``
    (None unless stepping per instance) is the row of X as given, x(instance+1)
    in the lecture's numbering, whatever the shuffled order of the batch;
    ``phase`` is "forward layer 2", "backward layer 3", "instance", "update" or
    "epoch end"; ``trace`` holds z, a, δ (and blame) as computed up to this
    point; ``theta_before`` (the trace's θ) and ``theta_after`` are θ around an
    update (formerly ``weights_before``, ``weights_after``: they warn). ``cost`` is a J,
    at each phase this one:

    - "forward layer l" before the output layer: None (no J yet);
    - "forward layer L", "backward layer l", "instance", "update", "diverged": the J of
      this step's batch (its mean data term + λ/(2n)·ΣΘ², n the training set) at the
      trace's θ, before the update; with full batch, J on the training data;
    - "epoch end": the epoch's ``history.cost``, the mean of its batches' J weighted by
      their sizes, each taken before its own update (θ moved between batches); with
      full batch, J on the training data at the trace's θ.

    J on the whole training set at a mini-batch step's weights is not computed by the
    trainer (``ng.player(steps, X=X, y=y)`` computes it for each frame). ``run``: the
    number of the Trainer that made the step (the steps of one run share it).
    """

    epoch: int
    batch: int
    instance: int | None
    phase: str
    trace: Trace | None
    cost: float | None
    theta_after: np.ndarray | None = None
    run: int | None = None

    @property
    def network(self):
        """The network of the step's pass while it exists with this layout; else None."""
        return None if self.trace is None else self.trace.network

    @property
    def theta_before(self) -> np.ndarray | None:
        """θ the step's pass used (before its update): the trace's θ."""
        return None if self.trace is None else self.trace.theta

    @property
    def weights_before(self) -> np.ndarray | None:
        """Former name of ``theta_before``."""
        renamed("step.weights_before", "step.theta_before")
        return self.theta_before

    @property
    def weights_after(self) -> np.ndarray | None:
        """Former name of ``theta_after``."""
        renamed("step.weights_after", "step.theta_after")
        return self.theta_after

    def __repr__(self) -> str:
        where = f"epoch={self.epoch}, batch={self.batch}"
        if self.instance is not None:
            where += f", {instance_label(self.instance)}"
        J = "" if self.cost is None else f", J={self.cost:.6g}"
        return f"Step({where}, phase={self.phase!r}{J})"
