"""A trainer's state as plain data, and back: ``Trainer.state_dict`` and
``Trainer.load_state_dict`` (checkpoints read and write through them).

>>> import neurograph as ng
>>> t = ng.Trainer(ng.Network.from_architecture([2, 1], seed=0), alpha=0.5)
>>> state_dict(t)["history"]["stopped"] is None
True
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ConfigError, NeurographError
from .records import History


def state_dict(t) -> dict:
    """The settings and the run's state of trainer ``t`` (see ``Trainer.state_dict``)."""
    s, best = t._epoch_sums, t._best
    return {
        "alpha": t.alpha, "lam": t.lam, "batch_size": t.batch_size,
        "momentum": t.momentum, "seed": t.seed, "shuffle": t.shuffle,
        "tol_grad": t.tol_grad, "tol_cost": t.tol_cost, "loss": t.loss,
        "engine": t.engine, "on_nonfinite": t.on_nonfinite,
        "epoch": t.epoch, "history": t.history.to_dict(),
        "rng": t.rng.bit_generator.state,
        "perm": None if t._perm is None else t._perm.copy(),
        "next_batch": t._next_batch,
        # ‖D‖ of the epoch's last update: None (JSON has no NaN) before the first
        "epoch_sums": [float(s[0]), int(s[1]), int(s[2]),
                       float(s[3]) if math.isfinite(s[3]) else None],
        "epoch_shape": None if t._epoch_shape is None else list(t._epoch_shape),
        "velocity": None if t._velocity is None else t._velocity.copy(),
        "best": None if best is None else (float(best[0]), best[1].copy()),
    }


def load_state_dict(t, d: dict) -> None:
    """Trainer ``t`` takes over ``d`` (see ``Trainer.load_state_dict``)."""
    names = ("alpha", "lam", "batch_size", "momentum", "seed", "tol_grad", "tol_cost",
             "loss", "engine", "shuffle", "on_nonfinite")
    try:
        fresh = type(t)(t.net, **{k: d[k] for k in names})
        fresh.epoch, fresh._next_batch = int(d["epoch"]), int(d["next_batch"])
        if fresh.epoch < 0 or fresh._next_batch < 0:
            raise ValueError(f"epoch and next_batch must be ≥ 0, got {d['epoch']!r}, "
                             f"{d['next_batch']!r}")
        s = d["epoch_sums"]
        last = s[3] if len(s) > 3 else d.get("last_grad_norm")  # older files: apart
        fresh._epoch_sums = [float(s[0]), int(s[1]), int(s[2]),
                             float("nan") if last is None else float(last)]
        fresh._epoch_shape = None if d["epoch_shape"] is None else \
            tuple(int(k) for k in d["epoch_shape"])
        h = dict(d["history"])
        for k, v in h.items():  # JSON wrote NaN and inf as None (a diverged epoch's J)
            if isinstance(v, list):
                h[k] = [float("nan") if x is None else x for x in v]
        if h.get("diverged_at") is not None:
            h["diverged_at"] = tuple(h["diverged_at"])
        fresh.history = History(**h)
        fresh.rng.bit_generator.state = d["rng"]
        fresh._perm = None if d["perm"] is None else np.asarray(d["perm"], dtype=np.intp)
        v = d["velocity"]
        fresh._velocity = None if v is None else np.array(v, dtype=t.net.dtype)
        b = d["best"]
        fresh._best = None if b is None else (float(b[0]),
                                              np.array(b[1], dtype=t.net.dtype))
    except NeurographError:
        raise
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ConfigError(f"a trainer state_dict as state_dict() makes it was expected; "
                          f"got one that fails with {exc!r}") from None
    t.__dict__.update(fresh.__dict__)
