"""Gradient descent with backprop: full batch, mini-batch, online; stepping.

The slide's loop, with its stopping rule "until weights converge or max
#epochs is reached":

    loop (each iteration an epoch):
        for each batch: forward, J, backprop → D(l);  Θ(l) ← Θ(l) − α D(l)

Training runs on the compiled matrix engine when the network is layered and
on the graph engine otherwise (same numbers). ``fit`` and ``steps`` share one
generator, so stepping to the end gives bit-identical weights to ``fit``.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field

import numpy as np

from ..data.labels import as_targets, check_inputs
from ..engines import cross_entropy_outputs
from ..engines.losses import resolve_loss
from ..engines.trace import Trace
from ..errors import ConfigError, NonFiniteError
from ..notation import instance_label
from .checks import count_arg, real_arg
from .passes import Runner

EVERY = ("epoch", "batch", "instance", "layer")


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

    ``stopped`` says why training ended: "max_epochs", "grad_tol",
    "cost_tol", "early_stopping", "callback" or "diverged"; for "diverged",
    ``diverged_at`` is (epoch, batch) of the first pass whose J or D was not
    finite (0-based; that pass's update was not applied).
    """

    cost: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)
    grad_norm: list = field(default_factory=list)
    val_cost: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)
    stopped: str | None = None
    best_epoch: int | None = None
    diverged_at: tuple[int, int] | None = None

    @property
    def epochs(self) -> int:
        return len(self.cost)

    @property
    def J(self) -> list:
        return self.cost

    def to_dict(self) -> dict:
        """Plain data for JSON: non-finite numbers become None (JSON has no NaN)."""
        def num(v):
            v = float(v)
            return v if math.isfinite(v) else None

        out = {}
        for k, v in self.__dict__.items():
            if isinstance(v, list):
                v = [num(x) for x in v]
            elif isinstance(v, tuple):
                v = list(v)
            out[k] = v
        return out

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
    point; ``cost`` is the batch's J once the forward pass is done;
    ``weights_before``/``weights_after`` are θ around an update.
    """

    epoch: int
    batch: int
    instance: int | None
    phase: str
    trace: Trace | None
    cost: float | None
    weights_before: np.ndarray | None = None
    weights_after: np.ndarray | None = None

    def __repr__(self) -> str:
        where = f"epoch={self.epoch}, batch={self.batch}"
        if self.instance is not None:
            where += f", {instance_label(self.instance)}"
        J = "" if self.cost is None else f", J={self.cost:.6g}"
        return f"Step({where}, phase={self.phase!r}{J})"


class Trainer:
    """Trains a network by gradient descent with backprop.

    Parameters
    ----------
    net : Network
    alpha : learning rate α.
    lam : L2 regularization λ (bias weights are not regularized).
    batch_size : None for full batch (the slide's epoch loop), 1 for online
        ("for each training instance"), k for mini-batches.
    momentum : μ ∈ [0, 1): v ← μv − αD, Θ ← Θ + v.
    seed : seeds the generator that shuffles mini-batches (same seed, same run).
    tol_grad : stop when ‖D‖ < tol_grad ("weights converge").
    tol_cost : stop when |J(e) − J(e−1)| < tol_cost.
    loss, engine : as for ``net.cost``.

    Examples
    --------
    >>> import numpy as np, neurograph as ng
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float); y = np.array([0, 1, 1, 0])
    >>> net = ng.Network.from_architecture([2, 3, 1], seed=4)
    >>> history = ng.Trainer(net, alpha=2.0, seed=0).fit(X, y, epochs=3000)
    >>> net.predict(X).tolist(), history.cost[-1] < 0.05
    ([0, 1, 1, 0], True)
    """

    def __init__(self, net, alpha: float = 1.0, lam: float = 0.0, batch_size: int | None = None,
                 momentum: float = 0.0, seed: int | None = 0, tol_grad: float | None = None,
                 tol_cost: float | None = None, loss: str = "auto", engine: str = "auto",
                 shuffle: bool = True, on_nonfinite: str = "stop"):
        alpha, lam = real_arg("alpha", alpha, low=0.0), real_arg("lam", lam, low=0.0)
        momentum = real_arg("momentum", momentum, low=0.0)
        if momentum >= 1:
            raise ConfigError(f"momentum must be in [0, 1), got {momentum!r}")
        if batch_size is not None:
            batch_size = count_arg("batch_size", batch_size, "None (full batch) or an int ≥ 1")
        tol_grad = None if tol_grad is None else real_arg("tol_grad", tol_grad, low=0.0)
        tol_cost = None if tol_cost is None else real_arg("tol_cost", tol_cost, low=0.0)
        if on_nonfinite not in ("stop", "raise"):
            raise ConfigError(f"on_nonfinite must be 'stop' or 'raise', got {on_nonfinite!r}")
        self.on_nonfinite = on_nonfinite
        self.net = net
        self.alpha, self.lam, self.batch_size = float(alpha), float(lam), batch_size
        self.momentum, self.seed, self.shuffle = float(momentum), seed, shuffle
        self.tol_grad, self.tol_cost = tol_grad, tol_cost
        self.loss, self.engine = loss, engine
        self.rng = np.random.default_rng(seed)
        self.history = History()
        self.epoch = 0  # epochs completed
        self._perm = None  # order of the epoch in progress (mini-batch)
        self._next_batch = 0  # next batch of the epoch in progress
        self._epoch_shape = None  # (n, batch size) of the epoch in progress
        self._epoch_sums = [0.0, 0, 0]  # Σ J·n_b, Σ n_b, Σ correct of the epoch in progress
        self._velocity = None
        self._stop = False
        self._best = None
        self._gnorm = float("nan")  # ‖D‖ of the latest update

    # --- the public loop --------------------------------------------------------------
    def fit(self, X, Y, epochs: int = 500, validation=None, patience: int | None = None,
            on_step=None, on_epoch_end=None, progress: bool | None = None) -> History:
        """Train for up to ``epochs`` more epochs; return the History.

        Parameters
        ----------
        validation : (X_val, Y_val), evaluated after every epoch.
        patience : early stopping: stop when the validation cost has not
            improved for this many epochs, and restore the best weights.
        on_step : called with each Step (after every update); return True to stop.
        on_epoch_end : called as ``f(trainer, history)`` after each epoch;
            return True to stop.
        progress : a tqdm bar (None: only when stderr is a terminal).
        """
        gen = self._run(X, Y, epochs, None, validation, patience, on_step, on_epoch_end,
                        progress)
        with np.errstate(**_DIVERGING):
            for _ in gen:
                pass
        return self.history

    def steps(self, X, Y, every: str = "epoch", epochs: int = 500, validation=None,
              patience: int | None = None):
        """Generator of Step objects; each ``next`` resumes exactly where training paused.

        ``every`` is "epoch", "batch" (after each update), "instance" (each
        instance of a batch, then the update) or "layer" (each layer of the
        forward and backward sweeps, then the update): at "layer", δ(L) is
        shown before δ(L−1) exists. Stepping to the end gives the same weights
        as ``fit`` with the same arguments, bit for bit.
        """
        if every not in EVERY:
            raise ConfigError(f"every must be one of {', '.join(EVERY)}; got {every!r}")
        return _quiet(self._run(X, Y, epochs, every, validation, patience, None, None, False))

    def stop(self) -> None:
        """Ask a running fit/steps to stop after the current batch."""
        self._stop = True

    # --- the one loop ---------------------------------------------------------------
    def _prepare(self, X, Y):
        net = self.net
        X, _ = check_inputs(X, len(net.inputs), dtype=net.dtype)
        n = X.shape[0]
        if n == 0:
            raise ConfigError("training needs at least one instance, got 0")
        K = len(net.outputs)
        loss = resolve_loss(self.loss, [u.activation for u in net.outputs])
        ce = cross_entropy_outputs(net, loss)
        Yt = as_targets(Y, K, n, cross_entropy=ce).astype(net.dtype, copy=False)
        y_arr = np.asarray(Y)
        labels = None
        if y_arr.ndim == 1 and np.issubdtype(y_arr.dtype, np.integer):
            labels = y_arr
        elif y_arr.ndim == 2 and K > 1 and np.all((Yt == 0) | (Yt == 1)) \
                and np.all(Yt.sum(axis=1) == 1):
            labels = Yt.argmax(axis=1)
        return X, Yt, labels

    def _predict_labels(self, out: np.ndarray) -> np.ndarray:
        if out.shape[1] == 1:
            thr = 0.0 if self.net.outputs[0].activation.name == "tanh" else 0.5
            return (out[:, 0] >= thr).astype(np.intp)
        return out.argmax(axis=1)

    def _run(self, X, Y, epochs, every, validation, patience, on_step, on_epoch_end, progress):
        X, Y, labels = self._prepare(X, Y)
        if validation is not None:
            Xv, Yv, lv = self._prepare(*validation)
        if patience is not None and validation is None:
            raise ConfigError("early stopping (patience) needs a validation set")
        epochs = count_arg("epochs", epochs, "an int ≥ 1")
        n = X.shape[0]
        bs = n if self.batch_size is None else min(self.batch_size, n)
        if self._next_batch and self._epoch_shape is None:  # a checkpoint's epoch in progress
            self._epoch_shape = (len(self._perm) if self._perm is not None else n, bs)
        if self._next_batch and self._epoch_shape != (n, bs):
            raise ConfigError(
                f"an epoch is in progress over n={self._epoch_shape[0]} instances in batches of "
                f"{self._epoch_shape[1]} (next batch {self._next_batch}); this call has n={n}, "
                f"batch size {bs}: call trainer.restart_epoch() to drop the epoch in progress, "
                "or make a new Trainer")
        runner = self._last_runner = Runner(self.net, self.lam, self.loss, self.engine, n_reg=n)
        n_batches = -(-n // bs)
        if self._velocity is None or self._velocity.shape != runner.flat.shape:
            self._velocity = np.zeros_like(runner.flat) if self.momentum else None
        self._stop = False
        h = self.history
        h.stopped = None
        bar = _progress(epochs, progress)
        pause_layer = every == "layer"
        try:
            for _ in range(epochs):
                e = self.epoch
                self._epoch_shape = (n, bs)
                if self._perm is None and bs < n and self.shuffle:
                    self._perm = self.rng.permutation(n)
                for b in range(self._next_batch, n_batches):
                    if self._perm is not None:
                        idx = self._perm[b * bs : (b + 1) * bs]
                        Xb, Yb = X[idx], Y[idx]
                        lb = None if labels is None else labels[idx]
                    elif bs < n:
                        Xb, Yb = X[b * bs : (b + 1) * bs], Y[b * bs : (b + 1) * bs]
                        lb = None if labels is None else labels[b * bs : (b + 1) * bs]
                    else:
                        Xb, Yb, lb = X, Y, labels
                    gen = runner.run(Xb, Yb, pause_layer)
                    try:
                        while True:
                            phase = next(gen)
                            J_now = getattr(runner, "J", None) if "backward" in phase else None
                            yield self._show(Step(e, b, None, phase,
                                                  runner.trace(phase, False, J_now), J_now))
                    except StopIteration as stop:
                        J = stop.value
                    if not (math.isfinite(J) and _finite(runner.grad)):
                        self._diverged(e, b, J)
                        return
                    if every == "instance":
                        for i in range(Xb.shape[0]):
                            tr = runner.trace("instance", False, J, rows=slice(i, i + 1))
                            row = int(idx[i]) if self._perm is not None else b * bs + i
                            yield self._show(Step(e, b, row, "instance", tr, J))
                    s = self._epoch_sums
                    s[0] += J * Xb.shape[0]
                    s[1] += Xb.shape[0]
                    if lb is not None:
                        s[2] += int((self._predict_labels(runner.outputs()) == lb).sum())
                    want = every in ("batch", "instance", "layer") or on_step is not None
                    last = every == "epoch" and b == n_batches - 1
                    # a Step's trace keeps the weights its pass used (blame stays true),
                    # so it is taken before the update
                    tr = runner.trace("update", True, J) if (want or last) else None
                    if last:
                        epoch_trace = tr
                    self._gnorm = self._update(runner)
                    self._next_batch = b + 1
                    if want:
                        step = Step(e, b, None, "update", tr, J, tr.w, runner.flat.copy())
                        if on_step is not None and on_step(step):
                            self._stop = True
                        if every in ("batch", "instance", "layer"):
                            yield self._show(step)
                    if self._stop:
                        break
                if self._next_batch < n_batches:  # stopped inside an epoch
                    h.stopped = h.stopped or "callback"
                    return
                self._end_epoch(runner, self._gnorm, labels is not None, n)
                if validation is not None:
                    self._validate(runner, Xv, Yv, lv, patience)
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(J=f"{h.cost[-1]:.4g}")
                if every == "epoch":
                    epoch_trace.phase = "epoch end"
                    yield self._show(Step(e, n_batches - 1, None, "epoch end", epoch_trace,
                                          h.cost[-1]))
                if on_epoch_end is not None and on_epoch_end(self, h):
                    h.stopped = "callback"
                    return
                why = self._converged()
                if why or self._stop:
                    h.stopped = why or "callback"
                    return
            h.stopped = "max_epochs"
        finally:
            if bar is not None:
                bar.close()
            if h.stopped == "early_stopping" and self._best is not None:
                runner.flat[...] = self._best[1]
            if every is None:
                self.net.last_trace = None  # its values predate the updates

    def _diverged(self, epoch: int, batch: int, J: float) -> None:
        # the bad update is not applied: the network stays where the bad pass started
        h = self.history
        h.stopped, h.diverged_at = "diverged", (epoch, batch)
        what = "J" if not math.isfinite(J) else "D(l)"
        if self.on_nonfinite == "raise":
            raise NonFiniteError(f"training diverged: {what} is not finite (J={J}) in epoch "
                                 f"{epoch}, batch {batch}; lower α or check the data")

    def restart_epoch(self) -> None:
        """Drop the epoch in progress (after a stop mid-epoch): the next fit starts
        a fresh epoch, on data of any size and any batch size."""
        self._perm, self._next_batch, self._epoch_sums = None, 0, [0.0, 0, 0]
        self._epoch_shape = None

    def _show(self, step: Step) -> Step:
        # node.z / node.delta / link.grad at a debugger prompt show this step's values
        self.net.last_trace = step.trace
        return step

    def _update(self, runner) -> float:
        g = runner.grad
        if self.momentum:
            v = self._velocity
            v *= self.momentum
            v -= self.alpha * g
            runner.flat += v
        else:
            runner.flat -= self.alpha * g
        return float(np.sqrt(g @ g))

    def _end_epoch(self, runner, gnorm, has_labels, n) -> None:
        s = self._epoch_sums
        h = self.history
        h.cost.append(s[0] / s[1])
        if has_labels:
            h.accuracy.append(s[2] / s[1])
        h.grad_norm.append(gnorm)
        self.epoch += 1
        self.restart_epoch()

    def _validate(self, runner, Xv, Yv, lv, patience) -> None:
        h = self.history
        h.val_cost.append(runner.cost(Xv, Yv))
        if lv is not None:
            h.val_accuracy.append(float((self._predict_labels(runner.forward(Xv)) == lv).mean()))
        if patience is not None:
            if self._best is None or h.val_cost[-1] < self._best[0]:
                self._best = (h.val_cost[-1], runner.flat.copy())
                h.best_epoch = self.epoch - 1
            elif self.epoch - 1 - h.best_epoch >= patience:
                self._stop = True
                h.stopped = "early_stopping"

    def _converged(self) -> str | None:
        h = self.history
        if self.history.stopped == "early_stopping":
            return "early_stopping"
        if self.tol_grad is not None and h.grad_norm[-1] < self.tol_grad:
            return "grad_tol"
        if self.tol_cost is not None and len(h.cost) > 1 and \
                abs(h.cost[-1] - h.cost[-2]) < self.tol_cost:
            return "cost_tol"
        return None

    def __repr__(self) -> str:
        bs = "full batch" if self.batch_size is None else f"batch_size={self.batch_size}"
        return (f"Trainer(α={self.alpha:g}, λ={self.lam:g}, {bs}, momentum={self.momentum:g}, "
                f"epoch={self.epoch})")

    def state_dict(self) -> dict:
        """The settings and the state of the run as plain data (numbers, strings,
        lists, dicts and numpy arrays; θ-shaped arrays in ``net.weights.theta``'s
        layout): ``load_state_dict`` on a trainer of the same network resumes
        the run bit for bit.

        >>> import numpy as np, neurograph as ng
        >>> t = ng.Trainer(ng.Network.from_architecture([2, 1], seed=0), alpha=0.5)
        >>> d = t.state_dict(); d["alpha"], d["epoch"], d["velocity"]
        (0.5, 0, None)
        """
        s, best = self._epoch_sums, self._best
        return {
            "alpha": self.alpha, "lam": self.lam, "batch_size": self.batch_size,
            "momentum": self.momentum, "seed": self.seed, "shuffle": self.shuffle,
            "tol_grad": self.tol_grad, "tol_cost": self.tol_cost, "loss": self.loss,
            "engine": self.engine, "on_nonfinite": self.on_nonfinite,
            "epoch": self.epoch, "history": self.history.to_dict(),
            "rng": self.rng.bit_generator.state,
            "perm": None if self._perm is None else self._perm.copy(),
            "next_batch": self._next_batch,
            "epoch_sums": [float(s[0]), int(s[1]), int(s[2])],
            "epoch_shape": None if self._epoch_shape is None else list(self._epoch_shape),
            "velocity": None if self._velocity is None else self._velocity.copy(),
            "best": None if best is None else (float(best[0]), best[1].copy()),
            "last_grad_norm": float(self._gnorm),
        }

    def load_state_dict(self, d: dict) -> None:
        """Take over a :meth:`state_dict`: settings checked as the constructor checks
        them; on a refusal (ConfigError) the trainer is left as it was.

        >>> import neurograph as ng
        >>> net = ng.Network.from_architecture([2, 1], seed=0)
        >>> t = ng.Trainer(net); t.load_state_dict(ng.Trainer(net, alpha=0.3).state_dict())
        >>> t.alpha
        0.3
        """
        from ..errors import NeurographError

        names = ("alpha", "lam", "batch_size", "momentum", "seed", "tol_grad", "tol_cost",
                 "loss", "engine", "shuffle", "on_nonfinite")
        try:
            fresh = Trainer(self.net, **{k: d[k] for k in names})
            fresh.epoch, fresh._next_batch = int(d["epoch"]), int(d["next_batch"])
            if fresh.epoch < 0 or fresh._next_batch < 0:
                raise ValueError(f"epoch and next_batch must be ≥ 0, got {d['epoch']!r}, "
                                 f"{d['next_batch']!r}")
            s = d["epoch_sums"]
            fresh._epoch_sums = [float(s[0]), int(s[1]), int(s[2])]
            fresh._epoch_shape = None if d["epoch_shape"] is None else \
                tuple(int(k) for k in d["epoch_shape"])
            h = dict(d["history"])
            if h.get("diverged_at") is not None:
                h["diverged_at"] = tuple(h["diverged_at"])
            fresh.history = History(**h)
            fresh.rng.bit_generator.state = d["rng"]
            fresh._perm = None if d["perm"] is None else np.asarray(d["perm"], dtype=np.intp)
            v = d["velocity"]
            fresh._velocity = None if v is None else np.array(v, dtype=self.net.dtype)
            b = d["best"]
            fresh._best = None if b is None else (float(b[0]),
                                                  np.array(b[1], dtype=self.net.dtype))
            fresh._gnorm = float(d["last_grad_norm"])
        except NeurographError:
            raise
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ConfigError(f"a trainer state_dict as state_dict() makes it was expected; "
                              f"got one that fails with {exc!r}") from None
        self.__dict__.update(fresh.__dict__)


# A diverging run overflows on its way to inf/NaN; it is reported as "diverged"
# (or NonFiniteError), so numpy's warnings about it would only be noise.
_DIVERGING = dict(over="ignore", invalid="ignore")


def _quiet(gen):
    """Advance ``gen`` under _DIVERGING; the caller's code between steps runs as it was."""
    while True:
        with np.errstate(**_DIVERGING):
            try:
                item = next(gen)
            except StopIteration:
                return
        try:
            yield item
        except GeneratorExit:
            gen.close()
            raise


def _finite(a: np.ndarray) -> bool:
    # one dot product is cheaper than isfinite over the whole array; it is inf
    # also when finite entries overflow when squared, so confirm then
    s = float(a @ a)
    return math.isfinite(s) or bool(np.isfinite(a).all())


def _progress(epochs: int, progress: bool | None):
    if progress is None:
        progress = epochs >= 50 and sys.stderr.isatty()
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=epochs, unit="epoch", leave=False)
