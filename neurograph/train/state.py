"""A trainer's state as plain data, and back: ``Trainer.state_dict`` and
``Trainer.load_state_dict`` (checkpoints read and write through them).

>>> import neurograph as ng
>>> t = ng.Trainer(ng.Network.from_architecture([2, 1], seed=0), alpha=0.5)
>>> state_dict(t)["history"]["stopped"] is None
True
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np

from ..errors import ConfigError, NeurographError
from .loop import EpochSums
from .records import History
from .settings import SETTINGS


def state_dict(t) -> dict:
    """The settings and the run's state of trainer ``t`` (see ``Trainer.state_dict``)."""
    st = t.state
    return {
        **asdict(t.settings),
        "epoch": st.epoch, "history": t.history.to_dict(),
        "rng": st.rng.bit_generator.state,
        "perm": None if st.perm is None else st.perm.copy(),
        "next_batch": st.next_batch,
        "epoch_sums": st.sums.to_list(),
        "epoch_shape": None if st.epoch_shape is None else list(st.epoch_shape),
        "velocity": None if st.velocity is None else st.velocity.copy(),
        "best": None if st.best is None else (float(st.best[0]), st.best[1].copy()),
    }


def load_state_dict(t, d: dict) -> None:
    """Trainer ``t`` takes over ``d`` (see ``Trainer.load_state_dict``)."""
    try:
        fresh = type(t)(t.net, **{k: d[k] for k in SETTINGS})
        st = fresh.state
        st.epoch, st.next_batch = int(d["epoch"]), int(d["next_batch"])
        if st.epoch < 0 or st.next_batch < 0:
            raise ValueError(f"epoch and next_batch must be ≥ 0, got {d['epoch']!r}, "
                             f"{d['next_batch']!r}")
        st.sums = EpochSums.from_list(d["epoch_sums"], d.get("last_grad_norm"))
        st.epoch_shape = None if d["epoch_shape"] is None else \
            tuple(int(k) for k in d["epoch_shape"])
        h = dict(d["history"])
        for k, v in h.items():  # JSON wrote NaN and inf as None (a diverged epoch's J)
            if isinstance(v, list):
                h[k] = [float("nan") if x is None else x for x in v]
        if h.get("diverged_at") is not None:
            h["diverged_at"] = tuple(h["diverged_at"])
        fresh.history = History(**h)
        st.rng.bit_generator.state = d["rng"]
        st.perm = None if d["perm"] is None else np.asarray(d["perm"], dtype=np.intp)
        v = d["velocity"]
        st.velocity = None if v is None else np.array(v, dtype=t.net.dtype)
        b = d["best"]
        st.best = None if b is None else (float(b[0]), np.array(b[1], dtype=t.net.dtype))
    except NeurographError:
        raise
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ConfigError(f"a trainer state_dict as state_dict() makes it was expected; "
                          f"got one that fails with {exc!r}") from None
    t.__dict__.update(fresh.__dict__)
