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

import numpy as np

from ..engines.base import Phase
from ..engines.losses import check_lam
from ..engines.passes import inputs, labels_of, resolved_loss, targets
from ..engines.sweep import Pass, make_engine
from ..engines.torch_kernels import check_backend
from ..errors import ConfigError, NonFiniteError
from . import state
from .checks import count_arg, real_arg
from .records import History, Step
from .stepping import DIVERGING, break_into, condition_arg, finite, first_where, progress_bar, quiet

EVERY = ("epoch", "batch", "instance", "layer")


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
    backend, device : "numpy" (the default) or "torch": the matrix engine and the
        update on PyTorch's kernels, on ``device`` "cpu" (θ shared with the links,
        zero copy) or "cuda"; the same numbers, one kernel set per run.
    on_nonfinite : "stop" (History.stopped = "diverged") or "raise" (NonFiniteError).

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
                 shuffle: bool = True, on_nonfinite: str = "stop", backend: str = "numpy",
                 device=None):
        alpha, lam = real_arg("alpha", alpha, low=0.0), check_lam(lam)
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
        check_backend(backend, device)  # refused here, not at the first fit
        self.backend, self.device = backend, device
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
        # the epoch in progress: Σ J·m, Σ m, Σ correct over its batches, ‖D‖ of its last update
        self._epoch_sums = [0.0, 0, 0, float("nan")]
        self._velocity = None
        self._stop = False
        self._best = None
        self._engine = None  # the engine of the latest run (it keeps the workspaces)
        self._bar = None  # the progress bar of the run in progress
        self._run_token = None  # which run may still write the History's stop
        self._left_because = None  # what the run was doing when it was left (break_on)

    # --- the public loop --------------------------------------------------------------
    def fit(self, X, Y, epochs: int = 500, validation=None, patience: int | None = None,
            on_step=None, on_epoch_end=None, progress: bool | None = None,
            break_on=None) -> History:
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
        break_on : a condition (``ng.when.…``) checked after every batch (and on a
            pass that went non-finite): the first time it holds, the progress bar
            is closed and the debugger stops in the calling frame, with the
            ``step`` put in scope there; training goes on after ``continue``
            (``quit`` ends it: ``history.stopped`` is then "interrupted", or
            "diverged" at a non-finite pass).
        """
        if break_on is not None:
            break_on = condition_arg("break_on", break_on)
        if break_on is None:
            gen = self._run(X, Y, epochs, None, validation, patience, on_step, on_epoch_end,
                            progress)
            with np.errstate(**DIVERGING):
                for _ in gen:
                    pass
            return self.history
        gen = quiet(self._run(X, Y, epochs, "batch", validation, patience, on_step,
                              on_epoch_end, progress, diverged_step=True))
        try:
            for step in gen:
                if break_on is not None and break_on(step):
                    self._left_because = f"break_on={break_on!r} held at {step!r}"
                    break_on = None
                    self._close_bar()  # before the debugger prints: a live bar garbles it
                    break_into(step)
        finally:
            gen.close()  # quit in the debugger: the run ends now, and says why
        return self.history

    def steps(self, X, Y, every: str = "epoch", epochs: int = 500, validation=None,
              patience: int | None = None, until=None):
        """Generator of Step objects; each ``next`` resumes exactly where training paused.

        ``every`` is "epoch", "batch" (after each update), "instance" (each
        instance of a batch, then the update) or "layer" (each layer of the
        forward and backward sweeps, then the update): at "layer", δ(L) is
        shown before δ(L−1) exists. Stepping to the end gives the same weights
        as ``fit`` with the same arguments, bit for bit.

        ``until`` (a condition, ``ng.when.…``): run without yielding until the
        first step where it holds — a pass that went non-finite counts as a
        step, phase "diverged" — yield that one step and stop there.
        """
        if every not in EVERY:
            raise ConfigError(f"every must be one of {', '.join(EVERY)}; got {every!r}")
        if until is not None:
            until = condition_arg("until", until)
        gen = quiet(self._run(X, Y, epochs, every, validation, patience, None, None, False,
                               diverged_step=until is not None))
        return gen if until is None else first_where(gen, until, self._until_hit(until))

    def _until_hit(self, until):
        def record(step):  # before the step is yielded: a caller may never come back
            h = self.history
            h.stopped = h.stopped or "until"  # "diverged" when the bad pass itself held
            h.reason = f"until={until!r} held at {step!r}" + \
                (f"; {h.reason}" if h.stopped == "diverged" else "")
        return record

    def stop(self) -> None:
        """Ask a running fit/steps to stop after the current batch."""
        self._stop = True

    # --- the one loop ---------------------------------------------------------------
    def _prepare(self, X, Y):
        net = self.net
        X = inputs(net, X)
        n = X.shape[0]
        if n == 0:
            raise ConfigError("training needs at least one instance, got 0")
        K = len(net.outputs)
        Yt = targets(net, Y, n, resolved_loss(net, self.loss))
        y_arr = np.asarray(Y)
        labels = None
        if y_arr.ndim == 1 and np.issubdtype(y_arr.dtype, np.integer):
            labels = y_arr
        elif y_arr.ndim == 2 and K > 1 and np.all((Yt == 0) | (Yt == 1)) \
                and np.all(Yt.sum(axis=1) == 1):
            labels = Yt.argmax(axis=1)
        return X, Yt, labels

    def _run(self, X, Y, epochs, every, validation, patience, on_step, on_epoch_end, progress,
             diverged_step=False):
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
        engine = self._engine = make_engine(self.net, self.lam, self.loss, self.engine,
                                            backend=self.backend, device=self.device)
        theta = engine.theta
        n_batches = -(-n // bs)
        if self._velocity is None or self._velocity.shape != theta.shape:
            self._velocity = np.zeros_like(theta) if self.momentum else None
        self._stop = False
        h = self.history
        h.stopped = h.reason = None
        self._bar = progress_bar(epochs, progress)
        self._run_token = token = object()
        self._left_because = None
        try:
            for _ in range(epochs):
                e = self.epoch
                self._epoch_shape = (n, bs)
                if self._perm is None and bs < n and self.shuffle:
                    self._perm = self.rng.permutation(n)
                for b in range(self._next_batch, n_batches):
                    rows = (slice(b * bs, (b + 1) * bs) if self._perm is None
                            else self._perm[b * bs : (b + 1) * bs])
                    p = Pass(self.net, engine, X[rows], Y[rows], n_reg=n)
                    for phase in p.run(pause=every == "layer"):
                        yield self._show(Step(e, b, None, phase, p.trace(phase), p.J))
                    J = p.J
                    # ‖D‖², and a cheap finiteness test (on the engine's own kernels)
                    gsq = engine.grad_sq() if hasattr(engine, "grad_sq") else \
                        float(engine.grad @ engine.grad)
                    if not (math.isfinite(J) and finite(engine.grad, gsq)):
                        # recorded before the bad pass is shown: the one who looks at it
                        # may close the steps or quit the debugger there
                        self._diverged(e, b, J)
                        if diverged_step:  # a breakpoint may want the bad pass itself
                            tr = p.trace(Phase("diverged"), with_grad=True)
                            yield self._show(Step(e, b, None, tr.phase, tr, J))
                        self._raise_diverged()
                        return
                    if every == "instance":
                        for i in range(p.X.shape[0]):
                            tr = p.trace(Phase("instance"), rows=slice(i, i + 1))
                            row = b * bs + i if self._perm is None else int(rows[i])
                            yield self._show(Step(e, b, row, tr.phase, tr, J))
                    self._count(p, None if labels is None else labels[rows])
                    want = every in ("batch", "instance", "layer") or on_step is not None
                    last = every == "epoch" and b == n_batches - 1
                    # a Step's trace keeps the weights its pass used (blame stays true),
                    # so it is taken before the update
                    tr = p.trace(Phase("update"), with_grad=True) if (want or last) else None
                    if last:
                        epoch_trace = tr
                    self._update(engine)
                    self._epoch_sums[3] = math.sqrt(gsq)
                    self._next_batch = b + 1
                    if want:
                        step = Step(e, b, None, tr.phase, tr, J, theta.copy())
                        if on_step is not None and on_step(step):
                            self._stop = True
                        if every in ("batch", "instance", "layer"):
                            yield self._show(step)
                    if self._stop:
                        break
                if self._next_batch < n_batches:  # stopped inside an epoch
                    h.stopped = h.stopped or "callback"
                    return
                self._end_epoch(labels is not None)
                if validation is not None:
                    self._validate(engine, Xv, Yv, lv, patience)
                if self._bar is not None:
                    self._bar.update(1)
                    self._bar.set_postfix(J=f"{h.cost[-1]:.4g}")
                if every == "epoch":
                    epoch_trace.phase = Phase("epoch end")
                    yield self._show(Step(e, n_batches - 1, None, epoch_trace.phase,
                                          epoch_trace, h.cost[-1]))
                if on_epoch_end is not None and on_epoch_end(self, h):
                    h.stopped = "callback"
                    return
                why = self._converged()
                if why or self._stop:
                    h.stopped = why or "callback"
                    return
            h.stopped = "max_epochs"
        finally:
            self._close_bar()
            if h.stopped is None and self._run_token is token:
                # left at a yield (the steps closed) or by an exception (quit in pdb)
                h.stopped = "interrupted"
                h.reason = ("left in the debugger after " + self._left_because
                            if self._left_because else "the steps were left (closed) or an "
                            "exception ended the run before it finished")
            if h.stopped == "early_stopping" and self._best is not None:
                theta[...] = self._best[1]
            if every is None:
                self.net.last_trace = None  # its values predate the updates

    def _count(self, p: Pass, labels) -> None:
        # the epoch's running sums: Σ J·m, Σ m, Σ correct over its batches
        s, m = self._epoch_sums, p.X.shape[0]
        s[0] += p.J * m
        s[1] += m
        if labels is not None:
            s[2] += int((labels_of(self.net, p.outputs()) == labels).sum())

    def _diverged(self, epoch: int, batch: int, J: float) -> None:
        # the bad update is not applied: the network stays where the bad pass started
        h = self.history
        h.stopped, h.diverged_at = "diverged", (epoch, batch)
        what = "J" if not math.isfinite(J) else "D(l)"
        h.reason = f"{what} is not finite (J={J}) in epoch {epoch}, batch {batch}"

    def _raise_diverged(self) -> None:
        if self.on_nonfinite == "raise":
            raise NonFiniteError(f"training diverged: {self.history.reason}; lower α or "
                                 "check the data")

    def _close_bar(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def restart_epoch(self) -> None:
        """Drop the epoch in progress (after a stop mid-epoch): the next fit starts
        a fresh epoch, on data of any size and any batch size."""
        self._perm, self._next_batch = None, 0
        self._epoch_sums = [0.0, 0, 0, float("nan")]
        self._epoch_shape = None

    def _show(self, step: Step) -> Step:
        # node.z / node.delta / link.grad at a debugger prompt show this step's values
        self.net.last_trace = step.trace
        return step

    def _update(self, engine) -> None:
        """Θ ← Θ − αD (with momentum: v ← μv − αD, Θ ← Θ + v), in place.

        Frozen weights (``net.weights.frozen``) take no step and keep no velocity
        (their gradient is still computed and shown)."""
        step = getattr(engine, "descend", descend)  # an engine on other kernels has its own
        step(engine.theta, engine.grad, self.alpha, self.net.weights.frozen_mask(),
             self.momentum, self._velocity)

    def _end_epoch(self, has_labels: bool) -> None:
        s = self._epoch_sums
        h = self.history
        h.cost.append(s[0] / s[1])
        if has_labels:
            h.record("accuracy", s[2] / s[1])
        h.grad_norm.append(s[3])
        self.epoch += 1
        self.restart_epoch()

    def _validate(self, engine, Xv, Yv, lv, patience) -> None:
        h = self.history
        p = Pass(self.net, engine, Xv, Yv, backward=False)
        h.record("val_cost", p.complete())
        if lv is not None:
            h.record("val_accuracy", float((labels_of(self.net, p.outputs()) == lv).mean()))
        if patience is not None:
            if self._best is None or h.val_cost[-1] < self._best[0]:
                self._best = (h.val_cost[-1], engine.theta.copy())
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
        return state.state_dict(self)

    def load_state_dict(self, d: dict) -> None:
        """Take over a :meth:`state_dict`: settings checked as the constructor checks
        them; on a refusal (ConfigError) the trainer is left as it was.

        >>> import neurograph as ng
        >>> net = ng.Network.from_architecture([2, 1], seed=0)
        >>> t = ng.Trainer(net); t.load_state_dict(ng.Trainer(net, alpha=0.3).state_dict())
        >>> t.alpha
        0.3
        """
        state.load_state_dict(self, d)
