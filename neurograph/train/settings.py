"""A trainer's settings, written once: what ``Trainer(...)`` takes (in this order, by
position or by name) and checks, what ``trainer.alpha`` & co. read and write, what
``state_dict`` saves and a checkpoint keeps, and what ``repr`` shows.

>>> Settings(0.5, batch_size=32)
Settings(α=0.5, λ=0, batch_size=32, momentum=0)
>>> Settings(momentum=1.0)
Traceback (most recent call last):
...
neurograph.errors.ConfigError: momentum must be in [0, 1), got 1.0
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, fields, replace

from ..engines.losses import check_lam
from ..engines.torch_kernels import check_backend
from ..errors import ConfigError
from .checks import count_arg, real_arg

ON_NONFINITE = ("stop", "raise")


@dataclass(frozen=True, repr=False)
class Settings:
    """How a Trainer trains (see ``Trainer`` for each one's meaning). Frozen: a change
    is a new, checked Settings (``dataclasses.replace``), so no unchecked value is ever
    held."""

    alpha: float = 1.0
    lam: float = 0.0
    batch_size: int | None = None
    momentum: float = 0.0
    seed: int | None = 0
    tol_grad: float | None = None
    tol_cost: float | None = None
    loss: str = "auto"
    engine: str = "auto"
    shuffle: bool = True
    on_nonfinite: str = "stop"
    backend: str = "numpy"
    device: str | None = None

    def __post_init__(self) -> None:
        alpha, lam = real_arg("alpha", self.alpha, low=0.0), check_lam(self.lam)
        momentum = real_arg("momentum", self.momentum, low=0.0)
        if momentum >= 1:
            raise ConfigError(f"momentum must be in [0, 1), got {momentum!r}")
        bs = self.batch_size
        if bs is not None:
            bs = count_arg("batch_size", bs, "None (full batch) or an int ≥ 1")
        tol = {k: None if getattr(self, k) is None else real_arg(k, getattr(self, k), low=0.0)
               for k in ("tol_grad", "tol_cost")}
        if self.on_nonfinite not in ON_NONFINITE:
            raise ConfigError(f"on_nonfinite must be 'stop' or 'raise', got "
                              f"{self.on_nonfinite!r}")
        check_backend(self.backend, self.device)  # refused here, not at the first fit
        checked = dict(alpha=float(alpha), lam=float(lam), momentum=float(momentum),
                       batch_size=bs, device=None if self.device is None else str(self.device),
                       **tol)
        for k, v in checked.items():
            object.__setattr__(self, k, v)  # frozen: the checked value replaces the given one

    def __repr__(self) -> str:
        return f"Settings({self.text()})"

    def text(self) -> str:
        """α, λ, the batch and μ always; the others where they differ from the default."""
        bs = "full batch" if self.batch_size is None else f"batch_size={self.batch_size}"
        shown = [f"α={self.alpha:g}", f"λ={self.lam:g}", bs, f"momentum={self.momentum:g}"]
        shown += [f"{f.name}={getattr(self, f.name)!r}" for f in fields(self)
                  if f.name not in ("alpha", "lam", "batch_size", "momentum")
                  and getattr(self, f.name) != f.default]
        return ", ".join(shown)


SETTINGS = tuple(f.name for f in fields(Settings))


def expose(cls) -> None:
    """Give ``cls`` (Trainer) one property per setting, reading and writing its
    ``settings`` (a write is a checked ``replace``), and its constructor the signature
    ``(net, <the settings>)`` that help() and editors' call tips show."""
    def setting(name: str) -> property:
        def get(self):
            return getattr(self.settings, name)

        def set_(self, value) -> None:
            self.settings = replace(self.settings, **{name: value})

        return property(get, set_, doc=f"The setting ``{name}`` (``settings.{name}``); "
                        "setting it checks the new value as the constructor does.")

    for name in SETTINGS:
        setattr(cls, name, setting(name))
    P = inspect.Parameter
    cls.__init__.__signature__ = inspect.Signature(
        [P("self", P.POSITIONAL_OR_KEYWORD), P("net", P.POSITIONAL_OR_KEYWORD),
         *inspect.signature(Settings).parameters.values()])
