"""The pieces of the trainer's loop, each a small named thing: the batches of an epoch,
the update, the epoch's running sums, and where a run is between batches.

    for each epoch:
        order = epoch_order(rng, n, batch size, shuffle)
        for b, rows in batches(n, batch size, order):   # the batches
            pass over X[rows]: forward, J, backprop → D       # the step (engines.sweep.Pass)
            descend(θ, D, α, frozen, μ, v)                     # the update
            sums.add(J, m, correct)                            # the records
        History ← sums.cost, sums.accuracy, sums.grad_norm

>>> [rows.tolist() for _, rows in batches(5, 2, np.array([3, 0, 4, 1, 2]))]
[[3, 0], [4, 1], [2]]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..engines.passes import inputs, resolved_loss, targets
from ..errors import ConfigError


def batch_size_for(n: int, batch_size: int | None) -> int:
    """Instances per batch: all n for full batch (None), at most n otherwise.

    >>> batch_size_for(10, None), batch_size_for(10, 32), batch_size_for(10, 4)
    (10, 10, 4)
    """
    return n if batch_size is None else min(batch_size, n)


def epoch_order(rng: np.random.Generator, n: int, bs: int, shuffle: bool):
    """The order of an epoch's instances: a permutation drawn from ``rng`` when the epoch
    has more than one batch and shuffling is on; None (the rows as given) otherwise, and
    then ``rng`` is not touched (a full-batch run draws nothing).

    >>> epoch_order(np.random.default_rng(0), 4, 2, True).tolist()
    [2, 0, 1, 3]
    >>> epoch_order(np.random.default_rng(0), 4, 4, True) is None
    True
    """
    return rng.permutation(n) if bs < n and shuffle else None


def batch_rows(b: int, bs: int, order):
    """The rows of X in batch ``b`` (0-based): ``order``'s b-th slice of ``bs``, or the
    b-th block of rows as given (a slice, so X[rows] is a view) when ``order`` is None.

    >>> batch_rows(1, 3, None), batch_rows(1, 2, np.array([3, 0, 2, 1])).tolist()
    (slice(3, 6, None), [2, 1])
    """
    if order is None:
        return slice(b * bs, (b + 1) * bs)
    return order[b * bs:(b + 1) * bs]


def batches(n: int, bs: int, order=None, start: int = 0):
    """(b, rows) for the batches of an epoch over ``n`` instances, from batch ``start``
    (an epoch resumed mid-way); the last batch is short when ``bs`` does not divide n.

    >>> [rows for _, rows in batches(5, 2)]
    [slice(0, 2, None), slice(2, 4, None), slice(4, 6, None)]
    """
    for b in range(start, n_batches(n, bs)):
        yield b, batch_rows(b, bs, order)


def hold(engine, velocity, *datas) -> None:
    """A run's data, θ and momentum's v (None: none) handed to an engine that keeps its
    own copies (``engine.hold`` and ``engine.keep``: PyTorch on a device), once per run;
    None entries (no validation set) are skipped. ``let_go`` gives θ and v back."""
    take, keep = getattr(engine, "hold", None), getattr(engine, "keep", None)
    if take is not None:
        take(*(a for d in datas if d is not None for a in (d.X, d.Y)))
    if keep is not None:
        keep(velocity)


def host_theta(engine) -> np.ndarray:
    """The engine's θ, up to date on the host: before user code runs (a Step, a
    callback) or θ is copied. An engine that keeps θ on a device brings it back
    (``engine.on_host``) and sends on the next pass only what the user wrote."""
    bring = getattr(engine, "on_host", None)
    if bring is not None:
        bring()
    return engine.theta


def seen(engine, callback, *args):
    """``callback(*args)`` (user code) with the engine's θ up to date on the host."""
    host_theta(engine)
    return callback(*args)


def let_go(engine) -> None:
    """A run ends, however: an engine that kept θ and v on a device gives them back."""
    give = getattr(engine, "let_go", None)
    if give is not None:
        give()


def batch_of(engine, data, rows=None):
    """X, Y of one pass: rows ``rows`` of ``data`` (None or a slice over all n: the arrays
    themselves, the same objects pass after pass). An engine that holds the run's data
    (``engine.batch``) slices its own copy: on a device, no batch is sent.

    >>> d = Data(np.arange(6.0).reshape(3, 2), np.ones((3, 1)), None)
    >>> batch_of(None, d, slice(0, 3))[0] is d.X, batch_of(None, d, [2])[0].tolist()
    (True, [[4.0, 5.0]])
    """
    if isinstance(rows, slice) and rows.start in (None, 0) and rows.step in (None, 1) \
            and (rows.stop is None or rows.stop >= data.n):
        rows = None
    take = getattr(engine, "batch", None)
    if take is not None:
        return take(data.X, data.Y, rows)
    return (data.X, data.Y) if rows is None else (data.X[rows], data.Y[rows])


def n_batches(n: int, bs: int) -> int:
    """⌈n / bs⌉."""
    return -(-n // bs)


def descend(theta, grad, alpha: float, frozen=None, momentum: float = 0.0,
            velocity=None) -> None:
    """One step of the trainer's update on θ, in place: Θ ← Θ − αD, or with momentum
    v ← μv − αD, Θ ← Θ + v. Entries where ``frozen`` is True take no step and keep no
    velocity. The one rule: ``Trainer`` applies it, ``ng.explain`` writes it out.

    >>> theta = np.array([1.0, 1.0]); descend(theta, np.array([0.5, 0.5]), 2.0,
    ...                                       frozen=np.array([True, False])); theta
    array([1., 0.])
    """
    g = grad if frozen is None else np.where(frozen, 0.0, grad)
    if momentum:
        velocity *= momentum
        velocity -= alpha * g
        if frozen is not None:
            velocity[frozen] = 0.0
        theta += velocity
    else:
        theta -= alpha * g


@dataclass
class EpochSums:
    """The running sums of the epoch in progress, over its batches so far: Σ J·m (each
    batch's J times its m instances), Σ m, Σ correct, and ‖D‖ of its latest update. The
    epoch's record is their means: J and accuracy weighted by instances.

    >>> s = EpochSums(); s.add(0.5, 3, 2); s.add(0.25, 1, 1); s.cost, s.accuracy
    (0.4375, 0.75)
    """

    cost_sum: float = 0.0
    count: int = 0
    correct: int = 0
    grad_norm: float = math.nan

    def add(self, J: float, m: int, correct: int = 0) -> None:
        self.cost_sum += J * m
        self.count += m
        self.correct += correct

    @property
    def cost(self) -> float:
        return self.cost_sum / self.count

    @property
    def accuracy(self) -> float:
        return self.correct / self.count

    def to_list(self) -> list:
        """[Σ J·m, Σ m, Σ correct, ‖D‖] as a trainer's ``state_dict`` holds them (JSON:
        ‖D‖ None before the epoch's first update, JSON having no NaN)."""
        last = self.grad_norm if math.isfinite(self.grad_norm) else None
        return [float(self.cost_sum), int(self.count), int(self.correct), last]

    @classmethod
    def from_list(cls, s, last_grad_norm=None) -> EpochSums:
        """Back from ``to_list``; files older than ‖D‖ in the list kept it apart
        (``last_grad_norm``)."""
        last = s[3] if len(s) > 3 else last_grad_norm
        return cls(float(s[0]), int(s[1]), int(s[2]), math.nan if last is None else float(last))


@dataclass
class RunState:
    """Where a trainer's run is between batches — what ``state_dict`` saves besides the
    settings and the History, and what diagnosis reads (``trainer.state``).

    ``epoch``: epochs completed. ``next_batch``, ``perm``, ``epoch_shape`` (n, batch
    size) and ``sums``: the epoch in progress (its next batch, its order of the
    instances, or None for the rows as given, and its running sums). ``velocity``:
    momentum's v in θ's layout (None without momentum). ``best``: (validation J,
    θ) of early stopping's best epoch. ``rng``: the generator that orders the epochs.
    ``engine``: the engine of the latest run (its workspaces, and ∂J/∂θ of its latest
    pass in ``engine.grad``); not saved.
    """

    rng: np.random.Generator
    epoch: int = 0
    next_batch: int = 0
    perm: np.ndarray | None = None
    epoch_shape: tuple[int, int] | None = None
    sums: EpochSums = field(default_factory=EpochSums)
    velocity: np.ndarray | None = None
    best: tuple[float, np.ndarray] | None = None
    engine: object | None = None

    def restart_epoch(self) -> None:
        """Forget the epoch in progress: the next one starts afresh."""
        self.perm, self.next_batch = None, 0
        self.sums = EpochSums()
        self.epoch_shape = None

    def check_epoch(self, n: int, bs: int) -> None:
        """Refuse to go on with an epoch in progress over other data or batches."""
        if self.next_batch and self.epoch_shape is None:  # a checkpoint's epoch in progress
            self.epoch_shape = (len(self.perm) if self.perm is not None else n, bs)
        if self.next_batch and self.epoch_shape != (n, bs):
            raise ConfigError(
                f"an epoch is in progress over n={self.epoch_shape[0]} instances in batches "
                f"of {self.epoch_shape[1]} (next batch {self.next_batch}); this call has "
                f"n={n}, batch size {bs}: call trainer.restart_epoch() to drop the epoch in "
                "progress, or make a new Trainer")

    def batch_rows(self, b: int, n: int, batch_size: int | None) -> np.ndarray:
        """Rows of X (as given) in batch ``b`` of the epoch in progress over ``n``
        instances, as an index array."""
        return np.arange(n)[batch_rows(b, batch_size_for(n, batch_size), self.perm)]


@dataclass
class Run:
    """What one call of ``fit`` or ``steps`` asks for: how many epochs, where it pauses
    (``every``; None yields nothing), what it checks and calls between batches and epochs.
    """

    epochs: int
    every: str | None = None
    validation: tuple | None = None
    patience: int | None = None
    on_step: object | None = None
    on_epoch_end: object | None = None
    progress: bool | None = False
    diverged_step: bool = False  # yield the pass that went non-finite (breakpoints)

    @property
    def per_batch(self) -> bool:
        """True when a Step is made after every update (yielded or handed to on_step)."""
        return self.every in ("batch", "instance", "layer") or self.on_step is not None


@dataclass
class Data:
    """A run's inputs and targets as the engines take them; ``labels`` (one class per
    instance) when the targets are classes, for accuracy."""

    X: np.ndarray
    Y: np.ndarray
    labels: np.ndarray | None

    @classmethod
    def of(cls, net, X, Y, loss: str = "auto") -> Data:
        """X and Y checked against ``net`` once, at the boundary; Y as targets of ``loss``.
        Labels are integer classes, or one-hot rows when there are several outputs."""
        X = inputs(net, X)
        n = X.shape[0]
        if n == 0:
            raise ConfigError("training needs at least one instance, got 0")
        Yt = targets(net, Y, n, resolved_loss(net, loss))
        y_arr = np.asarray(Y)
        labels = None
        if y_arr.ndim == 1 and np.issubdtype(y_arr.dtype, np.integer):
            labels = y_arr
        elif y_arr.ndim == 2 and len(net.outputs) > 1 and np.all((Yt == 0) | (Yt == 1)) \
                and np.all(Yt.sum(axis=1) == 1):
            labels = Yt.argmax(axis=1)
        return cls(X, Yt, labels)

    @property
    def n(self) -> int:
        return self.X.shape[0]
