"""An unrolled recurrent network for ``to_torch``: ``nn.RNN`` and an ``nn.Linear`` head.

``Network.recurrent`` unrolls h(t) = g(W_x x(t) + W_h h(t−1) + b) into a DAG whose
links read the parameter arrays ``W_x``, ``W_h``, ``b`` (and ``W_y``, ``c`` of the
output layer). PyTorch's ``nn.RNN`` computes the same recursion with its own
weights (``weight_ih_l0`` = W_x, ``weight_hh_l0`` = W_h, ``bias_ih_l0`` = b), so the
export is that module run over X's blocks: [h(0) when given] + x(1) + … + x(T).
nn.RNN adds a second bias, ``bias_hh_l0``: it is held at 0 (``requires_grad``
False) so that the module has one parameter per neurograph parameter.

The links are checked against what ``Network.recurrent`` builds from the
parameters (names and θ indices), so a network edited after it was built, or
one with another activation than nn.RNN's tanh and relu, is refused by name.

>>> import neurograph as ng
>>> rnn = ng.Network.recurrent(inputs=2, hidden=3, steps=4, outputs=1, seed=0)
>>> shape_of(rnn)
Recurrent(D=2, H=3, T=4, K=1, h0_input=False, nonlinearity='tanh', output='linear')
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from ..errors import ConfigError
from ..model.parameters import ParameterArray

NONLINEAR = ("tanh", "relu")  # nn.RNN's nonlinearity choices


@dataclass
class Recurrent:
    """The sizes of an unrolled RNN: inputs D, hidden H, steps T, outputs K (None: h(T)
    is the output), h(0) given in X or zeros, and the activations."""

    D: int
    H: int
    T: int
    K: int | None
    h0_input: bool
    nonlinearity: str
    output: str | None


def is_recurrent(net) -> bool:
    """True when ``net`` has the parameter arrays of ``Network.recurrent``."""
    return isinstance(net.parameters.get("W_h"), ParameterArray)


def _arrays(net) -> dict:
    names = ("W_x", "W_h", "b", "W_y", "c")
    got = {n: net.parameters.get(n) for n in names}
    for n in names[:3]:
        if not isinstance(got[n], ParameterArray):
            raise ConfigError(f"to_torch: a recurrent network has parameter arrays W_x, W_h "
                              f"and b (Network.recurrent); this one has no array {n!r}")
    return got


def shape_of(net) -> Recurrent:
    """The sizes read off the parameters and the units; ConfigError when the links are
    not exactly those ``Network.recurrent`` makes of them."""
    p = _arrays(net)
    if len(p["W_x"].shape) != 2:
        raise ConfigError(f"to_torch: a recurrent network's W_x is (hidden, inputs); this "
                          f"one's has shape {p['W_x'].shape}")
    (H, D), T = p["W_x"].shape, len(net.layers) - 1
    K = None if p["W_y"] is None else p["W_y"].shape[0]
    T -= K is not None
    h0 = net.inputs[0].name == "h1(0)" if net.inputs else False
    acts = {u.activation.name for lay in net.layers[1: T + 1] for u in lay.nodes}
    out = None if K is None else {u.activation.name for u in net.layers[-1].nodes}
    shape = Recurrent(D, H, T, K, h0, next(iter(acts)) if len(acts) == 1 else str(sorted(acts)),
                      None if out is None else next(iter(out)) if len(out) == 1 else str(out))
    _check(net, p, shape)
    return shape


def _expected(p: dict, s: Recurrent) -> tuple[list, set]:
    """The inputs' names and the links (source or None for the bias, target, θ index)
    that ``Network.recurrent`` builds."""
    Wx, Wh, b = (p[n].indices for n in ("W_x", "W_h", "b"))
    inputs = [f"h{j + 1}(0)" for j in range(s.H)] if s.h0_input else []
    inputs += [f"x{i + 1}({t})" for t in range(1, s.T + 1) for i in range(s.D)]
    links = set()
    for t in range(1, s.T + 1):
        for j in range(s.H):
            v = f"h{j + 1}({t})"
            links.add((None, v, int(b[j])))
            links |= {(f"x{i + 1}({t})", v, int(Wx[j, i])) for i in range(s.D)}
            if t > 1 or s.h0_input:
                links |= {(f"h{k + 1}({t - 1})", v, int(Wh[j, k])) for k in range(s.H)}
    if s.K is not None:
        Wy, c = p["W_y"].indices, p["c"].indices
        for k in range(s.K):
            links.add((None, f"y{k + 1}", int(c[k])))
            links |= {(f"h{j + 1}({s.T})", f"y{k + 1}", int(Wy[k, j])) for j in range(s.H)}
    return inputs, links


def _check(net, p: dict, s: Recurrent) -> None:
    what = "to_torch: the network reads the parameters of Network.recurrent"
    if p["W_h"].shape != (s.H, s.H) or p["b"].shape != (s.H,):
        raise ConfigError(f"{what} but W_h is {p['W_h'].shape} and b {p['b'].shape}: "
                          f"expected ({s.H}, {s.H}) and ({s.H},) for H = {s.H} (W_x's rows)")
    if (p["W_y"] is None) != (p["c"] is None) or not isinstance(p["c"], (ParameterArray,
                                                                         type(None))):
        raise ConfigError(f"{what} but has {'W_y' if p['c'] is None else 'c'} without "
                          f"{'c' if p['c'] is None else 'W_y'}: expected both arrays (an "
                          "output layer) or neither (h(T) is the output)")
    if s.nonlinearity not in NONLINEAR:
        raise ConfigError(f"{what}; its hidden units' activation is {s.nonlinearity}: nn.RNN "
                          f"has the nonlinearities {', '.join(NONLINEAR)}")
    inputs, want = _expected(p, s)
    got = {(None if li.is_bias else li.source.name, v.name, li.index)
           for lay in net.layers[1:] for v in lay.nodes for li in v.incoming}
    units = [u.name for u in net.inputs]
    if units != inputs or got != want:
        extra = sorted(got - want, key=str)[:1] or sorted(want - got, key=str)[:1]
        why = (f"its inputs are {units[:4]}…, expected {inputs[:4]}…" if units != inputs else
               f"link {extra[0][0] or '+1'} → {extra[0][1]} is "
               f"{'not one' if extra[0] in got else 'missing from those'} it builds")
        raise ConfigError(f"{what} but is not the network it builds ({why}): nn.RNN "
                          "shares every weight across steps; run it with backend='numpy'")
    fns = {u.input_function.name for lay in net.layers[1:] for u in lay.nodes}
    if fns != {"weighted_sum"}:
        raise ConfigError(f"{what}; its units' input functions are {sorted(fns)}: nn.RNN "
                          "sums weighted inputs (expected weighted_sum)")


@cache
def _module_class(torch):
    class UnrolledRNN(torch.nn.Module):
        """X (n, [H +] T·D) → h(T) (n, H), or the head's outputs (n, K)."""

        def __init__(self, rnn, head, shape: Recurrent):
            super().__init__()
            self.rnn, self.head, self.shape = rnn, head, shape

        def forward(self, X):
            s, n = self.shape, X.shape[0]
            if s.h0_input:
                h0, X = X[:, : s.H], X[:, s.H:]
            else:
                h0 = X.new_zeros(n, s.H)
            _, hT = self.rnn(X.reshape(n, s.T, s.D), h0[None].contiguous())
            return hT[0] if self.head is None else self.head(hT[0])

        def extra_repr(self) -> str:
            return f"T={self.shape.T}, h0={'input' if self.shape.h0_input else 'zeros'}"

    return UnrolledRNN


def export(torch, net, theta: np.ndarray, dtype, activation) -> object:
    """The module: nn.RNN (batch first) over X's T blocks, then nn.Linear and the output
    activation (``activation(name)`` gives its module) when the network has outputs; the
    weights read from ``theta`` (laid out like θ)."""
    s = shape_of(net)
    p = {k: None if v is None else theta[v.indices] for k, v in _arrays(net).items()}
    rnn = torch.nn.RNN(s.D, s.H, nonlinearity=s.nonlinearity, batch_first=True, dtype=dtype)

    def put(param, values):
        param.copy_(torch.from_numpy(np.ascontiguousarray(values)))

    with torch.no_grad():
        put(rnn.weight_ih_l0, p["W_x"])
        put(rnn.weight_hh_l0, p["W_h"])
        put(rnn.bias_ih_l0, p["b"])
        rnn.bias_hh_l0.zero_()
    rnn.bias_hh_l0.requires_grad_(False)  # b is bias_ih_l0 alone: one bias, as in the lecture
    head = None
    if s.K is not None:
        lin = torch.nn.Linear(s.H, s.K, dtype=dtype)
        with torch.no_grad():
            put(lin.weight, p["W_y"])
            put(lin.bias, p["c"])
        head = torch.nn.Sequential(lin, activation(s.output))
    return _module_class(torch)(rnn, head, s)
