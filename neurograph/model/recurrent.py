"""A recurrent network unrolled in time: a DAG whose weights are tied across steps.

h(t) = g(W_x x(t) + W_h h(t−1) + b) for t = 1 … T, and y = g_y(W_y h(T) + c)
(many to one; with ``outputs=None`` h(T) is the output). Every step's links
read the same parameters ``W_x`` (H×D), ``W_h`` (H×H), ``b`` (H), ``W_y`` (K×H)
and ``c`` (K), rows being the target units as in the lecture's Θ. Backprop on
the unrolled DAG is backpropagation through time: each parameter's gradient is
the sum over the steps of its links' terms, and ``trace.grad_by_layer(p)``
reads it step by step (h(t) is Layer t + 1).

X holds one block of columns per step: [h(0) when ``h0="input"``] + x(1) + …
+ x(T). With ``h0="zeros"`` h(0) = 0, so h(1) has no links from it.

>>> import numpy as np, neurograph as ng
>>> rnn = ng.Network.recurrent(inputs=1, hidden=2, steps=3, outputs=1, seed=0)
>>> rnn.s, rnn.n_params, [u.name for u in rnn.inputs]
([3, 2, 2, 2, 1], 11, ['x1(1)', 'x1(2)', 'x1(3)'])
>>> rnn.parameters["W_h"].shape
(2, 2)
"""

from __future__ import annotations

import numpy as np

from ..data.values import real_array
from ..errors import ConfigError, ShapeError

H0 = ("zeros", "input")


def _count(what: str, v, low: int = 1) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
        raise ConfigError(f"{what} must be a whole number ≥ {low}, got {v!r}")
    return int(v)


def _weights(net, name: str, given, shape: tuple[int, ...], bound: float):
    """The parameter array ``name``: ``given`` (checked against ``shape``) or drawn
    from U[−bound, bound] (PyTorch's nn.RNN and nn.Linear defaults, 1/√H)."""
    if given is None:
        values = net.rng.uniform(-bound, bound, shape)
    else:
        values = real_array(given, name, net.dtype)
        if values.shape != shape:
            raise ShapeError(f"{name} must have shape {shape} (rows: the target units), "
                             f"got {values.shape}")
    return net.parameter_array(values, name=name)


def recurrent(cls, inputs: int, hidden: int, steps: int, outputs: int | None = None,
              activation="tanh", output_activation="linear", h0: str = "zeros",
              W_x=None, W_h=None, b=None, W_y=None, c=None, seed: int | None = 0,
              dtype=np.float64):
    """The unrolled network (see the module's docstring and ``Network.recurrent``)."""
    D, H, T = _count("inputs", inputs), _count("hidden", hidden), _count("steps", steps)
    K = None if outputs is None else _count("outputs", outputs)
    if h0 not in H0:
        raise ConfigError(f"h0 must be one of {', '.join(map(repr, H0))}, got {h0!r}")
    net = cls(seed=seed, dtype=dtype)
    bound = 1.0 / np.sqrt(H)
    Wx = _weights(net, "W_x", W_x, (H, D), bound).indices
    Wh = _weights(net, "W_h", W_h, (H, H), bound).indices
    bias = _weights(net, "b", b, (H,), bound).indices
    if K is not None:
        Wy = _weights(net, "W_y", W_y, (K, H), bound).indices
        cy = _weights(net, "c", c, (K,), bound).indices
    elif W_y is not None or c is not None:
        raise ConfigError("W_y and c belong to an output layer: expected outputs=K with them, "
                          "got outputs=None (h(T) is the output)")
    prev = [net.add_input(f"h{j + 1}(0)") for j in range(H)] if h0 == "input" else None
    xs = [[net.add_input(f"x{i + 1}({t})") for i in range(D)] for t in range(1, T + 1)]
    rows = []
    for t in range(1, T + 1):
        layer = net.new_layer(activation)
        hs = [net.add_node(f"h{j + 1}({t})", layer=layer) for j in range(H)]
        for j, v in enumerate(hs):
            v._bias_link._i = int(bias[j])
            rows += [(u, v, int(Wx[j, i])) for i, u in enumerate(xs[t - 1])]
            if prev is not None:  # h(0) = 0 adds nothing: no links from it
                rows += [(u, v, int(Wh[j, k])) for k, u in enumerate(prev)]
        prev = hs
    if K is not None:
        layer = net.new_layer(output_activation)
        for k in range(K):
            v = net.add_node(f"y{k + 1}", layer=layer)
            v._bias_link._i = int(cy[k])
            rows += [(u, v, int(Wy[k, j])) for j, u in enumerate(prev)]
    net.topology.add_links(net.weights, rows)
    net.layout_changed()
    return net
