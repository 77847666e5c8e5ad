"""Where the torch engine's arrays live: on the CPU θ, ∂J/∂θ and the workspaces are
numpy memory that tensors share (nothing moves); on a device (``host=False``) each
has a device twin, and this is what moves between the two, and when.

A plain pass (``net.forward``, ``net.backward``) sends θ when it starts. A trainer's
run sends θ and momentum's v once (``keep``), keeps every pass and update on the
device, brings them back when the user can look (``on_host``: a yielded Step, a
callback, a Trace) and at the run's end (``let_go``), and sends back only what the
user wrote meanwhile. ∂J/∂θ and the tied terms come back when first read.

>>> import numpy as np, neurograph as ng
>>> from neurograph.engines.torch_backend import TorchEngine
>>> net = ng.Network.from_architecture([2, 1], seed=0)
>>> e = TorchEngine(net, 0.0, "auto", "cpu", host=False)   # the GPU's path, on the CPU
>>> before = net.theta_flat.copy()
>>> e.keep(); _ = e.t_grad.fill_(1.0); e.descend(None, None, 0.5)  # θ − 0.5·1, on the device
>>> bool(np.allclose(net.theta_flat, before))        # not on the links during the run
True
>>> e.let_go(); bool(np.allclose(net.theta_flat, before - 0.5))   # the run's end: back
True
"""

from __future__ import annotations

import numpy as np


class DeviceTwin:
    """The moves of :class:`~neurograph.engines.torch_backend.TorchEngine`'s arrays
    (a mixin: the engine holds ``torch``, ``device``, ``host``, ``theta`` and the
    tensors ``t_theta``, ``t_grad``, ``t_terms``)."""

    host: bool

    def _twin_state(self) -> None:
        # on a device: host copies behind their tensors (``grad``, ``terms``), read lazily
        self._stale: set[str] = set()
        # a run's θ kept on the device (``keep``): the device ahead of the host (an update
        # since ``on_host``), momentum's (host v, its tensor), and what the host showed
        self.resident, self._ahead, self._v, self._seen = False, False, None, None

    def tensor(self, arr: np.ndarray):
        """``arr`` as a tensor: its memory on the CPU, a device copy otherwise."""
        if not arr.flags.writeable:  # PyTorch would warn; a copy is never written back
            arr = arr.copy()
        if self.host:
            return self.torch.from_numpy(arr)
        return self.torch.as_tensor(arr, device=self.device).clone()

    def alloc(self, arr: np.ndarray):
        """A tensor for ``arr``'s values: its memory on the CPU; on a device, room
        alone (θ is sent by ``send`` when a pass or a run starts, ∂J/∂θ is an output)."""
        if self.host:
            return self.tensor(arr)
        dtype = getattr(self.torch, arr.dtype.name)
        return self.torch.zeros(arr.shape, dtype=dtype, device=self.device)

    def send(self, t, arr: np.ndarray) -> None:
        """Write the host array ``arr`` into the device tensor ``t`` (nothing on the CPU)."""
        if not self.host:
            t.copy_(self.torch.from_numpy(np.ascontiguousarray(arr)))

    def to_host(self, t, arr: np.ndarray) -> None:
        """Write the device tensor ``t`` into ``arr`` (nothing to do on the CPU)."""
        if not self.host:
            arr[...] = t.cpu().numpy()

    # --- ∂J/∂θ and the tied terms: on a device, copied to the host when first read ---
    @property
    def grad(self) -> np.ndarray:
        """∂J/∂θ of the latest pass on the host (on a device, copied when first read)."""
        return self._fresh("grad")

    @property
    def terms(self) -> np.ndarray:
        """Each tied link's own term of the latest pass (copied when first read)."""
        return self._fresh("terms")

    def _fresh(self, name: str) -> np.ndarray:
        """The host array ``_<name>``, first brought up to its tensor ``t_<name>`` when
        a pass left it behind."""
        if name in self._stale:
            self._stale.discard(name)
            self.to_host(getattr(self, f"t_{name}"), getattr(self, f"_{name}"))
        return getattr(self, f"_{name}")

    # --- a trainer's run: θ and v on the device from its start to its end -------------
    def keep(self, velocity=None) -> None:
        """A run starts: θ as the links hold it (and momentum's v) sent once; the run's
        passes and updates then stay on the device until ``let_go``."""
        if self.host:
            return  # shared memory: nothing to keep apart
        self.send(self.t_theta, self.theta)
        self._v = None if velocity is None else (velocity, self.alloc(velocity))
        if velocity is not None:
            self.send(self._v[1], velocity)
        self.resident, self._ahead, self._seen = True, False, None

    def on_host(self) -> None:
        """θ and v of the run on the host, before user code reads or writes them: brought
        back when an update made the device ahead; what the host then shows is kept so
        the next pass or update sends only what the user changed (``_refresh``)."""
        if not self.resident:
            return
        if self._ahead:
            self._ahead, self._seen = False, None
            self.to_host(self.t_theta, self.theta)
            if self._v is not None:
                self.to_host(self._v[1], self._v[0])
        if self._seen is None:  # θ's length: cheap next to the pass the user paused in
            self._seen = (self.theta.copy(), None if self._v is None else self._v[0].copy())

    def _refresh(self) -> None:
        """After user code ran (a Step, a callback): what it wrote to θ or v is sent.
        There is no write counter (θ is written through links, Θ views, theta_flat), so
        the host is compared with what it showed: one pass over θ, a send only on a
        change; NaN equals NaN (a diverged θ shown is not a change)."""
        seen, self._seen = self._seen, None
        if not np.array_equal(self.theta, seen[0], equal_nan=True):
            self.send(self.t_theta, self.theta)
        if self._v is not None and not np.array_equal(self._v[0], seen[1], equal_nan=True):
            self.send(self._v[1], self._v[0])

    def let_go(self) -> None:
        """A run ends (done, stopped, diverged or raised): θ and v back on the host once,
        unless the host already has them (a write the user made there stays)."""
        if self.resident and self._ahead:
            self.to_host(self.t_theta, self.theta)
            if self._v is not None:
                self.to_host(self._v[1], self._v[0])
        self.resident, self._ahead, self._v, self._seen = False, False, None, None
