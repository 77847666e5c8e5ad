"""The network's side of shared weights: make, tie, list and count parameters.

``Network`` inherits these methods; the parameters themselves, the tie table
and what compiling does with them are in ``parameters.py``.
"""

from __future__ import annotations

import numpy as np

from ..errors import UnknownNameError
from . import grids, lenet, recurrent
from .node import _check_weight
from .parameters import (
    Parameter,
    ParameterArray,
    check_kind,
    new_parameter,
    new_parameter_array,
    own,
    registry,
    tie,
)

DEFAULT_EPSILON = 0.12  # the course's ε_init for a link made one at a time


class NetworkParameters:
    """The methods of :class:`~neurograph.model.network.Network` for shared weights."""

    def parameter(self, value: float = 0.0, name: str | None = None) -> Parameter:
        """A new shared weight; link through it with ``connect(u, v, weight=p)``.

        >>> import neurograph as ng
        >>> net = ng.Network(); p = net.parameter(0.3, name="k"); p.value
        0.3
        """
        return new_parameter(self, value, name)

    def parameter_array(self, values, name: str | None = None) -> ParameterArray:
        """Shared weights shaped like ``values`` (a kernel, W_h …); ``p[i, j]`` is one.

        >>> import neurograph as ng
        >>> net = ng.Network(); net.parameter_array(np.zeros((2, 2)), name="K").shape
        (2, 2)
        """
        return new_parameter_array(self, values, name)

    def tie(self, *links, name: str | None = None) -> Parameter:
        """Make ``links`` share one new parameter whose value is their mean weight.

        Raises TopologyError for a link tied to itself, links of another network
        or of a parameter already, bias with weight links, frozen with unfrozen.

        >>> import neurograph as ng
        >>> net = ng.Network(); x = net.add_input("x"); h, o = net.add_node("h"), net.add_node("o")
        >>> a, b = net.connect(x, h, weight=1.0), net.connect(x, o, weight=3.0)
        >>> p = net.tie(a, b, name="k"); p.value, b.parameter is p
        (2.0, True)
        """
        self.lesions.refuse("tie")
        if len(links) == 1 and isinstance(links[0], (list, tuple)):
            links = tuple(links[0])
        return tie(self, links, name)

    @property
    def parameters(self) -> dict:
        """{name: Parameter or ParameterArray} of the shared weights (builders name theirs);
        an unknown name is an UnknownNameError listing the names there are."""
        return Parameters(registry(self).named)

    @property
    def n_params(self) -> int:
        """Trainable numbers: each link's own weight once, each shared parameter once;
        frozen ones and pooling links (which carry no weight) not counted.

        >>> import neurograph as ng
        >>> net = ng.Network(); x = net.add_input("x"); h, o = net.add_node("h"), net.add_node("o")
        >>> p = net.parameter(1.0); _ = net.connect(x, h, p); _ = net.connect(x, o, p)
        >>> net.n_links, net.n_params      # 2 bias links + 2 links; 2 biases + p
        (4, 3)
        """
        frozen = self.weights.frozen
        return len({li._i for li in self.links if not frozen[li._i] and li.carries_weight})

    # --- grids: inputs, convolution, pooling (model/grids.py) -------------------------
    def add_inputs(self, shape, name: str = "x"):
        """A grid of input units ``x[c, r, col]`` (shape (rows, cols) or (maps, rows,
        cols)); X's columns are its units in C order.

        >>> import neurograph as ng
        >>> x = ng.Network().add_inputs((2, 3, 3)); x.shape, x[1, 0, 2].name
        ((2, 3, 3), 'x[1, 0, 2]')
        """
        return grids.add_inputs(self, shape, name)

    def add_conv(self, x, maps: int, kernel, stride=1, padding=0,
                 activation="relu", name: str | None = None, table=None):
        """A convolution layer over the grid ``x``: ``maps`` feature maps, each unit
        z = b[m] + Σ K[m, c, i, j]·x[c, r·s + i − p, col·s + j − p] over the links
        that exist (zero padding: no link). The kernels (maps, input maps, kh, kw)
        and biases (maps,) are shared weights, ``net.parameters[name + ".kernels"]``.
        ``table``, a (maps, input maps) bool array, says which input maps each map
        reads (LeNet-5's C3); a kernel's entries over maps it does not read have no
        links and are held at 0.

        Raises ConfigError (maps, kernel or stride < 1, padding < 0, a map reading no
        input map), ShapeError (a kernel larger than the padded input, a table of
        the wrong shape), TopologyError (``x`` not a grid).

        >>> import neurograph as ng
        >>> net = ng.Network(seed=0); x = net.add_inputs((3, 4, 4))
        >>> c = net.add_conv(x, maps=8, kernel=2, stride=2, padding=2, name="c1")
        >>> c.shape, c.kernels.shape, c.biases.shape
        ((8, 4, 4), (8, 3, 2, 2), (8,))
        """
        return grids.add_conv(self, x, maps, kernel, stride, padding, activation, name, table)

    def add_pool(self, x, size, stride=None, kind: str = "max",
                 name: str | None = None):
        """A pooling layer over the grid ``x``: each unit's input function is the max
        ("max") or mean ("avg") of its size×size window (stride defaults to size),
        its activation the identity. Max passes δ to the window's winner only (the
        first on ties); the mean divides it among the window.

        >>> import neurograph as ng
        >>> net = ng.Network(seed=0); x = net.add_inputs((4, 4))
        >>> net.add_pool(x, size=2).shape
        (1, 2, 2)
        """
        return grids.add_pool(self, x, size, stride, kind, name)

    @classmethod
    def recurrent(cls, inputs: int, hidden: int, steps: int, outputs: int | None = None,
                  activation="tanh", output_activation="linear", h0: str = "zeros",
                  W_x=None, W_h=None, b=None, W_y=None, c=None, seed: int | None = 0,
                  dtype=np.float64):
        """A recurrent network unrolled over ``steps``: h(t) = g(W_x x(t) + W_h h(t−1) + b),
        y = g_y(W_y h(T) + c), each weight a parameter tied across t (rows: target units).

        X is [h(0) if ``h0="input"``] + x(1) + … + x(T), a block of columns each;
        ``h0="zeros"`` starts from h(0) = 0; ``outputs=None`` makes h(T) the output.
        Weights not given are drawn as PyTorch draws nn.RNN's, U[−1/√H, 1/√H], from
        ``seed``. It runs on the graph engine (x(t) skips to Layer t + 1); a
        parameter's gradient is the sum over steps, ``trace.grad_by_layer(p)`` per
        step (h(t) is Layer t + 1).

        Raises ConfigError (a size or steps < 1, an unknown h0, W_y or c without
        outputs) and ShapeError (a weight of the wrong shape, naming the expected).

        >>> import numpy as np, neurograph as ng
        >>> rnn = ng.Network.recurrent(inputs=1, hidden=2, steps=3, outputs=1,
        ...                            W_h=np.eye(2), seed=0)
        >>> rnn.parameters["W_h"].value.tolist(), rnn.forward(np.zeros((1, 3))).shape
        ([[1.0, 0.0], [0.0, 1.0]], (1, 1))
        """
        return recurrent.recurrent(cls, inputs, hidden, steps, outputs, activation,
                                   output_activation, h0, W_x, W_h, b, W_y, c, seed, dtype)

    @classmethod
    def lenet5(cls, seed: int | None = 0, dtype=np.float64):
        """LeNet-5 as LeCun, Bottou, Bengio and Haffner (1998) describe it: a 32×32
        input, C1 (6@28×28, 5×5), S2 (6@14×14: a 2×2 sum times one coefficient plus
        one bias per map), C3 (16@10×10 over the paper's Table I), S4 (16@5×5), C5
        (120, 5×5 over all 16 maps), F6 (84) and 10 Euclidean RBF outputs.

        Its counts are the paper's: 60,000 trainable parameters, and the 340,908
        connections plus the 10 output units' bias links (held at 0; every unit
        here has one). Where it differs: tanh for the paper's 1.7159·tanh(2a/3), and
        RBF centres of ±1 drawn from ``seed`` and frozen (the paper fixes them by
        hand as bitmaps of the digits). It runs on the graph engine (RBF outputs).

        >>> import neurograph as ng
        >>> net = ng.Network.lenet5()
        >>> net.s, net.n_params
        ([1024, 4704, 1176, 1600, 400, 120, 84, 10], 60000)
        """
        return lenet.lenet5(cls, seed, dtype)

    def _link_entry(self, weight, u, v) -> int:
        """The index into θ of a new link u → v: a parameter's, or a new entry."""
        if isinstance(weight, Parameter):
            p = own(self, weight)
            check_kind(p, False, f"link {u.name!r} → {v.name!r}")
            return p._i
        if weight is None:
            weight = self.rng.uniform(-DEFAULT_EPSILON, DEFAULT_EPSILON)
        w = _check_weight(weight, f"link {u.name!r} → {v.name!r}", self.dtype)
        return self.weights.append(np.array([w]))

    def _bias_through(self, node, p) -> None:
        """Let ``node``'s bias link read and write the parameter ``p``."""
        p = own(self, p)
        check_kind(p, True, f"the bias link of {node.name!r}")
        self.lesions.refuse("share a bias")
        node.bias_link._i = p._i
        self.layout_changed()


class Parameters(dict):
    """``net.parameters``: a dict whose missing key names the keys it has."""

    def __missing__(self, name):
        known = ", ".join(map(repr, self)) or "none (net.parameter(...) or net.tie(...) makes one)"
        raise UnknownNameError(f"no parameter named {name!r} in this network; it has {known}")
