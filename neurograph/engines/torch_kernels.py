"""PyTorch's kernels for the matrix engine: loading the extra, devices, g and g', the loss.

Each function here is the torch twin of one numpy function of the matrix
engine (``model.activations``, ``engines.losses``), written with the same
formula in the same order of operations, so float64 results agree to rounding.
PyTorch is imported only when a torch run is asked for: nothing else in
neurograph needs it.

>>> check_backend("numpy")
('numpy', None)
>>> check_backend("jax")
Traceback (most recent call last):
...
neurograph.errors.ConfigError: unknown backend 'jax'; known: numpy, torch
"""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError, MissingExtraError
from ..model.activations import (
    GAUSSIAN,
    LEAKY_RELU,
    LEAKY_SLOPE,
    LINEAR,
    RELU,
    SIGMOID,
    SOFTMAX,
    STEP,
    TANH,
    Activation,
)
from .windows import Pool

BACKENDS = ("numpy", "torch")
DEVICES = ("cpu", "cuda", "cuda:k")


def load_torch():
    """The ``torch`` module, or MissingExtraError saying how to install it."""
    try:
        import torch
    except ImportError:
        raise MissingExtraError(
            "backend='torch' needs PyTorch, which is not installed: "
            "pip install 'neurograph[torch]' (or use backend='numpy', the default)") from None
    return torch


def check_backend(backend, device=None):
    """(backend, torch.device or None) for a run: the one check of both arguments.

    Raises ConfigError for an unknown backend or device, a device PyTorch cannot
    see, or a device with the numpy backend; MissingExtraError when
    ``backend="torch"`` and PyTorch is not installed.
    """
    if not isinstance(backend, str) or backend not in BACKENDS:
        raise ConfigError(f"unknown backend {backend!r}; known: {', '.join(BACKENDS)}")
    if backend == "numpy":
        if device is not None and str(device) != "cpu":
            raise ConfigError(f"device={device!r} needs backend='torch'; the numpy backend "
                              "runs on the CPU only (device=None or 'cpu')")
        return "numpy", None
    torch = load_torch()
    return "torch", torch_device(torch, device)


def torch_device(torch, device):
    """``device`` (None: the CPU) as a torch.device PyTorch can see here."""
    if device is None:
        return torch.device("cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise ConfigError(f"unknown device {device!r}; known: {', '.join(DEVICES)}") from None
    if dev.type == "cpu":
        return dev
    if dev.type != "cuda":
        raise ConfigError(f"device {device!r} is not supported; known: {', '.join(DEVICES)}")
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if count == 0:
        raise ConfigError(f"device {device!r}: PyTorch sees no CUDA GPU on this machine "
                          "(torch.cuda.is_available() is False); use device='cpu'")
    if dev.index is not None and dev.index >= count:
        raise ConfigError(f"device {device!r}: PyTorch sees {count} CUDA GPU(s), "
                          f"cuda:0 … cuda:{count - 1}")
    return dev if dev.index is not None else torch.device("cuda", torch.cuda.current_device())


class TorchActivation:
    """g and the product ∂J/∂z = ∂J/∂a · g'(z) of one activation, on tensors, in place.

    ``g(z, out)`` and ``backprop(z, a, grad_a, out)`` (``out`` may be ``grad_a``).
    An activation with no torch kernel (a user's own) runs its numpy functions on
    the CPU tensors' memory (zero copy); on a GPU it is refused.
    """

    def __init__(self, torch, act: Activation, device):
        self.act, self.name = act, act.name
        ops = torch.ops.aten
        table = {
            SIGMOID: (lambda z, out: torch.sigmoid(z, out=out),
                      lambda z, a, g, out: ops.sigmoid_backward.grad_input(g, a, grad_input=out)),
            TANH: (lambda z, out: torch.tanh(z, out=out),
                   lambda z, a, g, out: ops.tanh_backward.grad_input(g, a, grad_input=out)),
            RELU: (lambda z, out: torch.clamp_min(z, 0.0, out=out),
                   lambda z, a, g, out: ops.threshold_backward.grad_input(g, z, 0.0,
                                                                          grad_input=out)),
            LEAKY_RELU: (
                lambda z, out: ops.leaky_relu.out(z, LEAKY_SLOPE, out=out),
                lambda z, a, g, out: ops.leaky_relu_backward.grad_input(
                    g, z, LEAKY_SLOPE, False, grad_input=out)),
            LINEAR: (lambda z, out: out.copy_(z), lambda z, a, g, out: out.copy_(g)),
            STEP: (lambda z, out: out.copy_(z >= 0), lambda z, a, g, out: out.zero_()),
            GAUSSIAN: (lambda z, out: torch.exp(torch.neg(z, out=out), out=out),
                       lambda z, a, g, out: torch.mul(g, a, out=out).neg_()),
            SOFTMAX: (lambda z, out: ops._softmax.out(z, 1, False, out=out),
                      lambda z, a, g, out: out.copy_(
                          ops._softmax_backward_data(g, a, 1, a.dtype))),
        }
        kernels = table.get(act)
        if kernels is None:
            if device.type != "cpu":
                raise ConfigError(f"activation {act.name!r} has no PyTorch kernel, so it cannot "
                                  f"run on {device}; use device='cpu' or backend='numpy'")
            kernels = (self._numpy_g, self._numpy_backprop)
        self.g, self.backprop = kernels

    def _numpy_g(self, z, out):
        out.numpy()[...] = self.act.g(z.numpy())

    def _numpy_backprop(self, z, a, g, out):
        out.numpy()[...] = self.act.backprop(z.numpy(), a.numpy(), g.numpy())


def output_cost(torch, loss: str, act: Activation, z, a, y, tmp, tmp2) -> float:
    """Σ of the per-output cost over instances and outputs (not yet divided by n): the
    twin of ``losses.output_cost``; ``tmp``, ``tmp2`` are scratch shaped like z."""
    if loss == "mse":
        torch.sub(a, y, out=tmp)
        flat = tmp.view(-1)
        return 0.5 * float(torch.dot(flat, flat))
    if act.layerwise:  # softmax: −Σ y·(z − log Σ e^z), log-sum-exp shifted by the row max
        torch.sub(z, torch.logsumexp(z, 1, keepdim=True), out=tmp)
        return -float(tmp.mul_(y).sum())
    # softplus(z) − y·z, finite at any z: PyTorch's one fused kernel for it (written out as
    # numpy does, max(z, 0) − y·z + log(1 + e^−|z|), it was five passes over z — a step's
    # extra cost against eager autograd, measured with torch.profiler)
    return float(torch.nn.functional.binary_cross_entropy_with_logits(z, y, reduction="sum"))


def output_delta(loss: str, kernel: TorchActivation, z, a, y, out, torch) -> None:
    """δ(L) into ``out``: a − y for cross-entropy, (a − y)·g'(z) for mse."""
    torch.sub(a, y, out=out)
    if loss != "cross_entropy":
        kernel.backprop(z, a, out, out)


class TorchWindows:
    """A conv or pool block of ``windows.tables`` on tensors: the same index tables
    (read once from the numpy engine's, one definition), the same gather, product and
    scatter, each one PyTorch kernel. ``tensor`` turns an index array into a tensor
    on the run's device."""

    def __init__(self, t, tensor):
        self.t, self.pool = t, isinstance(t, Pool)
        self.s_in = t.win.s_in
        self.src = tensor(t.win.src)
        self.flat = tensor(t.win.src.ravel())  # scatter: every place of every window at once
        self.srcT = tensor(np.ascontiguousarray(t.win.src.T))
        self.bidx = tensor(t.bidx)
        if not self.pool:
            self.kidx, self.used, self.rows = tensor(t.kidx), tensor(t.used), tensor(t.rows)
            self.places, self.slots = tensor(t.places), tensor(t.slots)
            self.bslots = tensor(t.bslots)
        self.G = None  # the gathered windows of the pass in progress

    def kernels(self, torch, theta):
        """W (k, maps): each kernel entry from its parameter, 0 where it has no links."""
        return torch.where(self.used, theta[self.kidx], 0.0)

    def forward(self, torch, theta, a, z) -> None:
        """z(l+1) of the block from a(l); the windows stay for the backward sweep."""
        buf = a.new_zeros((a.shape[0], self.s_in + 1))  # a(l) and the edge's zero column
        buf[:, : self.s_in] = a
        if self.pool:  # (m, k, units)
            G = self.G = buf[:, self.srcT]
            torch.amax(G, 1, out=z) if self.t.kind == "max" else torch.mean(G, 1, out=z)
            z.add_(theta[self.bidx])
            return
        G = self.G = buf[:, self.src]  # (m, positions, k)
        zz = torch.matmul(G, self.kernels(torch, theta))
        zz += theta[self.bidx]
        z[:, self.rows] = zz.transpose(1, 2)

    def backward(self, torch, theta, d, Dl, terms, first: bool):
        """``windows.backward`` on tensors: the bias (pool) or the link terms (conv);
        Σ blame onto a(l) (m, s_l), or None for the first layer."""
        m, G = d.shape[0], self.G
        if self.pool:
            if self.t.own:  # a held block's links read constants: no room, no gradient
                Dl[:, 0] = d.mean(0)
            if first:
                return None
            dG = pool_blame(torch, G, d, self.t.kind).transpose(1, 2)
        else:
            dm = d[:, self.rows].transpose(1, 2).contiguous()  # (m, positions, maps)
            T = torch.matmul(G.permute(1, 2, 0), dm.permute(1, 0, 2))
            T *= 1.0 / m
            terms[self.slots] = T.reshape(-1)[self.places]
            terms[self.bslots] = d.mean(0)[self.rows]
            if first:
                return None
            dG = torch.matmul(dm, self.kernels(torch, theta).t())
        out = d.new_zeros((m, self.s_in + 1))
        out.index_add_(1, self.flat, dG.reshape(m, -1))
        return out[:, : self.s_in]


def pool_blame(torch, G, d, kind: str):
    """``windows.pool_blame`` on tensors: δ (m, units) onto the windows G (m, k, units),
    all to the first largest entry (max) or δ/k to each (mean)."""
    k = G.shape[1]
    if kind != "max":
        return (d / k).unsqueeze(1).expand_as(G)
    top = G.amax(1)
    dG = torch.zeros_like(G)
    open_ = torch.ones_like(d, dtype=torch.bool)  # no winner yet: ties go to the first
    for j in range(k):
        won = (G[:, j] == top) & open_
        dG[:, j] = d * won
        open_ &= ~won
    return dG
