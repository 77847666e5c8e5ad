"""Gradient descent with backprop: full batch, mini-batch, online; stepping.

The slide's loop, with its stopping rule "until weights converge or max
#epochs is reached":

    loop (each iteration an epoch):
        for each batch: forward, J, backprop → D(l);  Θ(l) ← Θ(l) − α D(l)

Here in named pieces (``train.loop`` holds the plain ones): ``_epoch`` runs the
batches of an epoch; per batch ``_step`` (the pass, paused per layer or per
instance when asked), ``_update`` (``descend``) and the running sums; then
``_end_epoch`` writes the epoch's records and decides whether to go on.

Training runs on the compiled matrix engine when the network is layered and
on the graph engine otherwise (same numbers). ``fit`` and ``steps`` share one
generator, so stepping to the end gives bit-identical weights to ``fit``.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from ..data.values import generator
from ..engines.base import Phase
from ..engines.passes import labels_of
from ..engines.sweep import Pass, make_engine
from ..errors import ConfigError, NonFiniteError
from . import loop  # the run's pieces that an engine on a device takes part in
from . import state as plain  # state_dict as plain data (not trainer.state, the live one)
from .checks import count_arg
from .loop import (
    Data,
    Run,
    RunState,
    batch_of,
    batch_size_for,
    batches,
    descend,
    epoch_order,
    n_batches,
)
from .records import History, Step
from .settings import SETTINGS, Settings, expose
from .stepping import DIVERGING, break_into, condition_arg, finite, first_where, progress_bar, quiet

__all__ = ["EVERY", "Trainer", "descend"]  # descend: the one update rule, explain writes it out

EVERY = ("epoch", "batch", "instance", "layer")
_RUNS = itertools.count(1)  # each Trainer's run a number: its Steps say which run they are of


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
    on_nonfinite : "stop" (History.stopped = "diverged") or "raise" (NonFiniteError).
    backend, device : "numpy" (the default) or "torch": the matrix engine and the
        update on PyTorch's kernels, on ``device`` "cpu" (θ shared with the links,
        zero copy) or "cuda"; the same numbers, one kernel set per run.

    A trainer holds ``settings`` (the above, one frozen ``Settings``; ``trainer.alpha``
    & co. read it, and writing them checks the value), ``state`` (a ``RunState``: where
    the run is — epochs done, the epoch in progress, momentum's velocity) and
    ``history``; ``state_dict()`` is the three as plain data.

    Examples
    --------
    >>> import numpy as np, neurograph as ng
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float); y = np.array([0, 1, 1, 0])
    >>> net = ng.Network.from_architecture([2, 3, 1], seed=4)
    >>> trainer = ng.Trainer(net, alpha=2.0, seed=0)
    >>> history = trainer.fit(X, y, epochs=3000)
    >>> net.predict(X).tolist(), history.cost[-1] < 0.05
    ([0, 1, 1, 0], True)
    >>> trainer.state.epoch, trainer.state.next_batch, trainer
    (3000, 0, Trainer(α=2, λ=0, full batch, momentum=0, epoch=3000))
    """

    def __init__(self, net, *args, **kwargs):
        # the settings are Settings' fields, in its order (by position or name), checked
        # there; settings.expose gives this constructor their signature for help()
        try:
            self.settings = Settings(*args, **kwargs)
        except TypeError as exc:  # a misspelt or extra argument: said of Trainer, as before
            raise TypeError(str(exc).replace("Settings.__init__()", "Trainer()") +
                            f"; its settings are {', '.join(SETTINGS)}") from None
        self.net = net
        self.history = History()
        self.state = RunState(generator(self.settings.seed))
        self._stop = False
        self._bar = None  # the progress bar of the run in progress
        self._run_token = None  # which run may still write the History's stop
        self._left_because = None  # what the run was doing when it was left (break_on)
        self._run_id = next(_RUNS)

    @property
    def epoch(self) -> int:
        """Epochs completed (``state.epoch``)."""
        return self.state.epoch

    @property
    def rng(self) -> np.random.Generator:
        """The generator that orders the epochs' instances (``state.rng``)."""
        return self.state.rng

    @property
    def grad(self) -> np.ndarray | None:
        """∂J/∂θ of the latest pass (θ's layout, as ``trace.grad``): after a run that
        diverged, the gradient that was not applied; None before any run."""
        engine = self.state.engine
        return None if engine is None else engine.grad

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
            gen = self._run(X, Y, Run(epochs, None, validation, patience, on_step,
                                      on_epoch_end, progress))
            with np.errstate(**DIVERGING):
                for _ in gen:
                    pass
            return self.history
        gen = quiet(self._run(X, Y, Run(epochs, "batch", validation, patience, on_step,
                                        on_epoch_end, progress, diverged_step=True)))
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
        gen = quiet(self._run(X, Y, Run(epochs, every, validation, patience,
                                        diverged_step=until is not None)))
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

    # --- the one loop, in its pieces ------------------------------------------------------
    def _run(self, X, Y, run: Run):
        """Epochs until ``run.epochs`` are done or a rule stops them; yields the Steps
        ``run.every`` asks for. Whatever ends it, ``history.stopped`` says what."""
        data = Data.of(self.net, X, Y, self.loss)
        val = None if run.validation is None else Data.of(self.net, *run.validation, self.loss)
        if run.patience is not None and val is None:
            raise ConfigError("early stopping (patience) needs a validation set")
        epochs = count_arg("epochs", run.epochs, "an int ≥ 1")
        bs = batch_size_for(data.n, self.batch_size)
        self.state.check_epoch(data.n, bs)
        engine = self.state.engine = make_engine(self.net, self.lam, self.loss, self.engine,
                                                 backend=self.backend, device=self.device,
                                                 reuse=self.state.engine)
        token = self._start(engine, epochs, run)
        h = self.history
        try:  # on a device θ, v and the data are sent once (hold), θ and v back at the end
            loop.hold(engine, self.state.velocity, data, val)
            for _ in range(epochs):
                done, last_trace = yield from self._epoch(engine, data, bs, run)
                if not done:  # stopped inside the epoch (a callback, stop(), a divergence)
                    h.stopped = h.stopped or "callback"
                    return
                if (yield from self._end_epoch(engine, data, val, bs, run, last_trace)):
                    return
            h.stopped = "max_epochs"
        finally:
            self._finish(token, engine, run)

    def _start(self, engine, epochs: int, run: Run) -> object:
        """A run begins: momentum's v fits θ, no stop asked, no stop recorded; returns the
        run's token (a later run takes over the History's stop)."""
        st = self.state
        if st.velocity is None or st.velocity.shape != engine.theta.shape:
            st.velocity = np.zeros_like(engine.theta) if self.momentum else None
        self._stop = False
        self.history.stopped = self.history.reason = None
        self.history.network = self.net  # a History knows its network (ng.player(history))
        self._bar = progress_bar(epochs, run.progress)
        self._run_token = token = object()
        self._left_because = None
        return token

    def _epoch(self, engine, data: Data, bs: int, run: Run):
        """The batches of the epoch in progress, each a step, its update and its sums;
        returns (all batches ran, the last batch's update trace when every="epoch")."""
        st, n = self.state, data.n
        e, last_b = st.epoch, n_batches(n, bs) - 1
        st.epoch_shape = (n, bs)
        if st.perm is None:
            st.perm = epoch_order(st.rng, n, bs, self.shuffle)
        last_trace = None
        for b, rows in batches(n, bs, st.perm, start=st.next_batch):
            p = Pass(self.net, engine, *batch_of(engine, data, rows), n_reg=n)
            gsq = yield from self._step(p, e, b, rows, bs, run)
            if gsq is None:  # diverged: its update is not applied
                return False, None
            self._count(p, None if data.labels is None else data.labels[rows])
            # a Step's trace keeps the weights its pass used (blame stays true), so it is
            # taken before the update
            want, last = run.per_batch, run.every == "epoch" and b == last_b
            tr = p.trace(Phase("update"), with_grad=True) if (want or last) else None
            if last:
                last_trace = tr
            self._update(engine, gsq)
            st.next_batch = b + 1
            if want:
                step = Step(e, b, None, tr.phase, tr, p.J, loop.host_theta(engine).copy())
                if run.on_step is not None and run.on_step(step):
                    self._stop = True
                if run.every in ("batch", "instance", "layer"):
                    yield self._show(step)
            if self._stop:
                break
        return st.next_batch > last_b, last_trace

    def _step(self, p: Pass, e: int, b: int, rows, bs: int, run: Run):
        """The pass over one batch: forward, J, backprop → D, paused per layer or per
        instance when asked; returns ‖D‖², or None when J or D is not finite (recorded)."""
        for phase in p.run(pause=run.every == "layer"):
            yield self._show(Step(e, b, None, phase, p.trace(phase), p.J))
        J, eng = p.J, p.engine
        # ‖D‖², and a cheap finiteness test; on the engine's own kernels when it has them
        gsq = eng.grad_sq() if hasattr(eng, "grad_sq") else float(eng.grad @ eng.grad)
        if not (math.isfinite(J) and (math.isfinite(gsq) or finite(eng.grad, gsq))):
            # recorded before the bad pass is shown: the one who looks at it may close
            # the steps or quit the debugger there
            self._diverged(e, b, J)
            if run.diverged_step:  # a breakpoint may want the bad pass itself
                tr = p.trace(Phase("diverged"), with_grad=True)
                yield self._show(Step(e, b, None, tr.phase, tr, J))
            self._raise_diverged()
            return None
        if run.every == "instance":
            for i in range(p.X.shape[0]):
                tr = p.trace(Phase("instance"), rows=slice(i, i + 1))
                row = b * bs + i if self.state.perm is None else int(rows[i])
                yield self._show(Step(e, b, row, tr.phase, tr, J))
        return gsq

    def _update(self, engine, gsq: float) -> None:
        """Θ ← Θ − αD (with momentum: v ← μv − αD, Θ ← Θ + v), in place; ‖D‖ kept for
        the epoch's record. Frozen weights (``net.weights.frozen``) take no step and keep
        no velocity (their gradient is still computed and shown)."""
        own = getattr(engine, "descend", None)  # an engine on other kernels: its θ and D
        args = (self.alpha, self.net.weights.frozen_mask(), self.momentum, self.state.velocity)
        own(None, None, *args) if own else descend(engine.theta, engine.grad, *args)
        self.state.sums.grad_norm = math.sqrt(gsq)

    def _count(self, p: Pass, labels) -> None:
        correct = 0 if labels is None else int((labels_of(self.net, p.outputs()) == labels).sum())
        self.state.sums.add(p.J, p.X.shape[0], correct)

    def _end_epoch(self, engine, data: Data, val: Data | None, bs: int, run: Run, last_trace):
        """The epoch's records (History), validation, the epoch-end Step; returns True
        when a rule or a callback ends the run (``history.stopped`` says which)."""
        e, h = self.state.epoch, self.history
        self._record_epoch(data.labels is not None)
        if val is not None:
            self._validate(engine, val, run.patience)
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix(J=f"{h.cost[-1]:.4g}")
        if run.every == "epoch":
            last_trace.phase = Phase("epoch end")
            yield self._show(Step(e, n_batches(data.n, bs) - 1, None, last_trace.phase,
                                  last_trace, h.cost[-1]))
        if run.on_epoch_end is not None and loop.seen(engine, run.on_epoch_end, self, h):
            h.stopped = "callback"
            return True
        why = self._converged()
        if why or self._stop:
            h.stopped = why or "callback"
            return True
        return False

    def _record_epoch(self, has_labels: bool) -> None:
        s, h = self.state.sums, self.history
        h.cost.append(s.cost)
        if has_labels:
            h.record("accuracy", s.accuracy)
        h.grad_norm.append(s.grad_norm)
        self.state.epoch += 1
        self.restart_epoch()

    def _finish(self, token, engine, run: Run) -> None:
        h = self.history
        loop.let_go(engine)  # θ and v back on the host (a device's run); then best θ may replace θ
        self._close_bar()
        if h.stopped is None and self._run_token is token:
            # left at a yield (the steps closed) or by an exception (quit in pdb)
            h.stopped = "interrupted"
            h.reason = ("left in the debugger after " + self._left_because
                        if self._left_because else "the steps were left (closed) or an "
                        "exception ended the run before it finished")
        if h.stopped == "early_stopping" and self.state.best is not None:
            engine.theta[...] = self.state.best[1]
        if run.every is None:
            self.net.last_trace = None  # its values predate the updates

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
        self.state.restart_epoch()

    def _show(self, step: Step) -> Step:
        # node.z / link.grad at a debugger prompt show this step's values, links θ as it is
        loop.host_theta(self.state.engine)
        self.net.last_trace = step.trace
        step.run = self._run_id
        return step

    def _validate(self, engine, val: Data, patience) -> None:
        h, st = self.history, self.state
        p = Pass(self.net, engine, *batch_of(engine, val), backward=False)
        h.record("val_cost", p.complete())
        if val.labels is not None:
            h.record("val_accuracy", float((labels_of(self.net, p.outputs()) == val.labels)
                                           .mean()))
        if patience is not None:
            if st.best is None or h.val_cost[-1] < st.best[0]:
                st.best = (h.val_cost[-1], loop.host_theta(engine).copy())
                h.best_epoch = st.epoch - 1
            elif st.epoch - 1 - h.best_epoch >= patience:
                self._stop = True
                h.stopped = "early_stopping"

    def _converged(self) -> str | None:
        h = self.history
        if h.stopped == "early_stopping":
            return "early_stopping"
        if self.tol_grad is not None and h.grad_norm[-1] < self.tol_grad:
            return "grad_tol"
        if self.tol_cost is not None and len(h.cost) > 1 and \
                abs(h.cost[-1] - h.cost[-2]) < self.tol_cost:
            return "cost_tol"
        return None

    def __repr__(self) -> str:
        return f"Trainer({self.settings.text()}, epoch={self.epoch})"

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
        return plain.state_dict(self)

    def load_state_dict(self, d: dict) -> None:
        """Take over a :meth:`state_dict`: settings checked as the constructor checks
        them; on a refusal (ConfigError) the trainer is left as it was.

        >>> import neurograph as ng
        >>> net = ng.Network.from_architecture([2, 1], seed=0)
        >>> t = ng.Trainer(net); t.load_state_dict(ng.Trainer(net, alpha=0.3).state_dict())
        >>> t.alpha
        0.3
        """
        plain.load_state_dict(self, d)


expose(Trainer)
