"""The matrix engine on PyTorch's kernels, over the same numpy memory.

When the ``torch`` extra is installed, the matrix engine can run its matrix
products and its element-wise work (sigmoid, tanh and their g') through
PyTorch's kernels: multi-threaded, one pass over memory each. The tensors
are ``torch.from_numpy`` views of the very arrays the numpy engine uses —
θ, the Θ(l) views, D(l), the workspace's z, a, δ — so links, Θ and Traces
stay the one store they are. Only the arithmetic moves; the numbers agree
with the numpy kernels to rounding (1e-12 in float64, tested).

Which kernels run is :func:`choose_kernels`'s call ("auto": PyTorch when it
is installed and the pass is big enough to pay for it).

>>> choose_kernels("numpy", net=None, n=10)
'numpy'
"""

from __future__ import annotations

import importlib.util
import os
import sys

import numpy as np

from ..errors import ConfigError, MissingExtraError
from .matrix import MatrixEngine, MatrixWorkspace

KERNELS = ("auto", "numpy", "torch")
# below this many multiply-adds per pass numpy's kernels are as fast (and PyTorch's
# import, about a second, would never pay for itself)
AUTO_MIN_WORK = 5e7


def _torch_installed() -> bool:
    return "torch" in sys.modules or importlib.util.find_spec("torch") is not None


def choose_kernels(kernels: str, net, n: int) -> str:
    """"numpy" or "torch" for a pass of n instances: ``kernels`` as asked, or for
    "auto" the environment's NEUROGRAPH_KERNELS, else PyTorch when installed and
    the pass does at least AUTO_MIN_WORK multiply-adds."""
    if kernels not in KERNELS:
        raise ConfigError(f"kernels must be one of {', '.join(KERNELS)}; got {kernels!r}")
    if kernels == "auto":
        kernels = os.environ.get("NEUROGRAPH_KERNELS", "auto")
        if kernels not in KERNELS:
            raise ConfigError(f"NEUROGRAPH_KERNELS must be one of {', '.join(KERNELS)}; "
                              f"got {kernels!r}")
    if kernels == "auto":
        work = n * net.weights.n if net is not None else 0
        kernels = "torch" if work >= AUTO_MIN_WORK and _torch_installed() else "numpy"
    if kernels == "torch" and not _torch_installed():
        raise MissingExtraError("kernels='torch' needs PyTorch: pip install 'neurograph[torch]'")
    return kernels


class TorchWorkspace(MatrixWorkspace):
    """A matrix workspace with tensor views of its arrays (no copies)."""

    def __init__(self, c, n: int):
        super().__init__(c, n)
        import torch

        def view(xs):
            return [None if x is None else torch.from_numpy(x) for x in xs]

        self.z_t, self.a_t, self.delta_t, self.tmp_t = (view(xs) for xs in
                                                        (self.z, self.a, self.delta, self.tmp))
        # Δ(l) without its bias column: contiguous, so the product writes it in one go
        self.gw_t = [torch.empty((r, k - 1), dtype=self.z_t[-1].dtype) for r, k in c.shapes]


def _g_into(torch, name: str, z, a) -> bool:
    if name == "sigmoid":
        torch.sigmoid(z, out=a)
    elif name == "tanh":
        torch.tanh(z, out=a)
    else:
        return False
    return True


def _gprime_times_into(torch, name: str, a, d, tmp) -> bool:
    """d ← d·g'(z) from a, in place, for the activations with a fast form."""
    if name == "sigmoid":
        torch.addcmul(a, a, a, value=-1.0, out=tmp)  # a − a² = a(1−a)
    elif name == "tanh":
        torch.addcmul(torch.ones_like(a), a, a, value=-1.0, out=tmp)  # 1 − a²
    else:
        return False
    d.mul_(tmp)
    return True


class TorchMatrixEngine(MatrixEngine):
    """:class:`MatrixEngine` whose products and element-wise work run on PyTorch."""

    kernels = "torch"

    def __init__(self, net, lam: float, loss: str):
        super().__init__(net, lam, loss)
        import torch

        self.torch = torch
        self.pool._make = lambda n: TorchWorkspace(self.c, n)
        self.T_t = [torch.from_numpy(T) for T in self.c.thetas]
        self.D_t = [torch.from_numpy(D) for D in self.D]

    def start(self, X: np.ndarray) -> None:
        super().start(X)
        self.x_t = self.torch.from_numpy(X)

    def forward_layer(self, l: int) -> None:
        torch, w = self.torch, self.work
        T = self.T_t[l - 1]
        a_prev = self.x_t if l == 1 else w.a_t[l - 1]
        torch.addmm(T[:, 0], a_prev, T[:, 1:].t(), out=w.z_t[l])
        act = self.c.activations[l - 1]
        if not _g_into(torch, act.name, w.z_t[l], w.a_t[l]):
            act.apply_into(w.z[l], w.a[l], w.tmp[l])  # numpy, on the same memory

    def backward_layer(self, l: int, n_reg: int | None = None) -> None:
        torch, w = self.torch, self.work
        d_next = w.delta_t[l]
        n = d_next.shape[0]
        T, Dl = self.T_t[l - 1], self.D_t[l - 1]
        a_prev = self.x_t if l == 1 else w.a_t[l - 1]
        gw = w.gw_t[l - 1]
        torch.mm(d_next.t(), a_prev, out=gw)
        Dl[:, 1:].copy_(gw)
        torch.sum(d_next, dim=0, out=Dl[:, 0])
        Dl.mul_(1.0 / n)
        if self.lam:
            Dl[:, 1:].add_(T[:, 1:], alpha=self.lam / (n if n_reg is None else n_reg))
        m = self.c.masks[l - 1]
        if m is not None:
            self.D[l - 1] *= m  # missing links are fixed zeros: no gradient, no update
        if l > 1:
            d = w.delta_t[l - 1]
            torch.mm(d_next, T[:, 1:], out=d)
            act = self.c.activations[l - 2]
            if not _gprime_times_into(torch, act.name, w.a_t[l - 1], d, w.tmp_t[l - 1]):
                dn = w.delta[l - 1]
                act.backprop_into(w.z[l - 1], w.a[l - 1], dn, dn, w.tmp[l - 1])
