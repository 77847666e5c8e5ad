"""The way out to PyTorch: export a layered network as ``nn.Sequential`` and back.

``to_torch`` copies Θ(l) into ``nn.Linear`` layers (weight = Θ(l)[:, 1:],
bias = Θ(l)[:, 0]) followed by the activation modules; a conv layer (add_conv)
becomes ``nn.Conv2d`` (weight = its kernels, bias = its biases) and a pooling
layer ``nn.MaxPool2d``/``nn.AvgPool2d``, with ``nn.Unflatten``/``nn.Flatten``
between grids and dense layers in C order (map, row, column: the order of a
grid's units and of X's columns). Outputs equal ``net.forward`` to 1e-12 in
float64. Missing links (fixed zeros) of a dense layer export as zeros that
PyTorch's own training will move: there is no mask in a Linear. Which grid
layers a module expresses is read off their links (``torch_grids``). A network
of ``Network.recurrent`` becomes ``nn.RNN`` over X's time blocks with an
``nn.Linear`` head (``torch_rnn``).
"""

from __future__ import annotations

import numpy as np

from ..errors import CompileError, ConfigError, MissingExtraError
from ..model.activations import LEAKY_SLOPE
from ..model.grids import layer_grid
from ..model.network import Network
from . import torch_grids as grids
from . import torch_rnn as rnn

_TO = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU", "linear": "Identity",
       "leaky_relu": "LeakyReLU"}  # nn.LeakyReLU's default slope is LEAKY_SLOPE, 0.01
_FROM = {"Sigmoid": "sigmoid", "Tanh": "tanh", "ReLU": "relu", "Identity": "linear",
         "LeakyReLU": "leaky_relu", "Softmax": "softmax"}


def _torch():
    try:
        import torch
    except ImportError:
        raise MissingExtraError("PyTorch is not installed: pip install 'neurograph[torch]' "
                                "(it pins torch==2.13.0)") from None
    return torch


def _activation(torch, name: str):
    """The module of activation ``name`` on (n, units) tensors."""
    if name == "softmax":
        return torch.nn.Softmax(dim=1)
    if name in _TO:
        return getattr(torch.nn, _TO[name])()
    raise ConfigError(f"activation {name!r} has no PyTorch module to export to "
                      f"(exportable: {', '.join([*_TO, 'softmax'])})")


def to_torch(net):
    """A ``torch.nn.Sequential`` computing the same function as ``net``.

    Inside ``net.lesion(...)`` it exports the intact network, as ``save`` writes it: a
    silenced unit has no PyTorch module.

    Raises
    ------
    CompileError
        The network is not layered (skip links) or mixes activations in a layer.
    ConfigError
        A step unit (no PyTorch module has its derivative) or a custom activation;
        links that share parameters other than a convolution's (a Linear layer has a
        weight per link): a partial connection table (LeNet-5's C3), LeNet-5's
        trainable subsampling, an edited conv, a pooling unit with a bias; an unrolled
        RNN edited after ``Network.recurrent`` built it, or whose hidden activation is
        not tanh or relu (nn.RNN's).

    Examples
    --------
    >>> import numpy as np, torch, neurograph as ng
    >>> net = ng.Network.from_architecture([3, 4, 2], seed=0)
    >>> module = to_torch(net)
    >>> module
    Sequential(
      (0): Linear(in_features=3, out_features=4, bias=True)
      (1): Sigmoid()
      (2): Linear(in_features=4, out_features=2, bias=True)
      (3): Sigmoid()
    )
    >>> net = ng.Network(seed=0); x = net.add_inputs((1, 6, 6))
    >>> c = net.add_conv(x, maps=2, kernel=3, padding=1, activation="relu", name="c1")
    >>> s = net.add_pool(c, size=2, kind="max"); o = net.add_layer(2); net.connect_layers(s, o)
    >>> module = to_torch(net); [type(m).__name__ for m in module]
    ['Unflatten', 'Conv2d', 'ReLU', 'MaxPool2d', 'Flatten', 'Linear', 'Sigmoid']
    >>> X = np.random.default_rng(0).normal(size=(4, 36))
    >>> bool(np.allclose(module(torch.tensor(X)).detach().numpy(), net.forward(X), atol=1e-12))
    True
    """
    torch = _torch()
    dtype = torch.float64 if net.dtype == np.float64 else torch.float32
    if rnn.is_recurrent(net):
        return rnn.export(torch, net, net.intact_weights()[0], dtype,
                          lambda name: _activation(torch, name))
    c = net.compile()
    steps = grids.plan(net, c)
    # inside a lesion: the network without it (silenced units have no module), as save writes
    theta = net.intact_weights()[0]
    layers, flat = [], True  # flat: the tensor is (n, units); else (n, maps, rows, columns)
    for k, (T, act, step) in enumerate(zip(c.views(theta), c.activations, steps)):
        if step is None:
            if not flat:  # C order, as neurograph orders a grid's units
                layers.append(torch.nn.Flatten())
                flat = True
            lin = torch.nn.Linear(T.shape[1] - 1, T.shape[0], dtype=dtype)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(np.ascontiguousarray(T[:, 1:])))
                lin.bias.copy_(torch.from_numpy(np.ascontiguousarray(T[:, 0])))
            layers.append(lin)
        else:
            if flat:
                layers.append(torch.nn.Unflatten(1, layer_grid(net, net.layers[k]).maps_shape))
                flat = False
            layers.append(step.module(torch, theta, dtype))
            if isinstance(step, grids.Pool):  # a pool unit's activation is the identity
                continue
        if act.name == "softmax" and not flat:  # over all units of the layer, as neurograph's
            layers.append(torch.nn.Flatten())
            flat = True
        layers.append(_activation(torch, act.name))
    if not flat:
        layers.append(torch.nn.Flatten())
    return torch.nn.Sequential(*layers)


def from_torch(module, dtype=None):
    """A Network from an ``nn.Sequential`` of Linear layers each followed by an activation.

    Supported activations: Sigmoid, Tanh, ReLU, LeakyReLU, Identity, Softmax (last
    layer); a Linear with no activation after it is linear. A grid network
    (``to_torch``'s form) begins with ``nn.Unflatten(1, (C, H, W))``: each Conv2d
    becomes ``add_conv`` (with the activation after it), each MaxPool2d/AvgPool2d
    ``add_pool``, and Linear layers after ``nn.Flatten`` dense layers. nn.RNN is not
    read back.

    Raises
    ------
    ConfigError
        An unsupported module (named), a Linear or Conv2d without bias, a conv with
        groups, dilation or non-zero padding modes, a padded or dilated pool, or shapes
        that do not chain.

    Examples
    --------
    >>> import numpy as np, torch, neurograph as ng
    >>> module = torch.nn.Sequential(
    ...     torch.nn.Unflatten(1, (1, 5, 5)), torch.nn.Conv2d(1, 2, 3, padding=1),
    ...     torch.nn.Tanh(), torch.nn.AvgPool2d(2), torch.nn.Flatten(), torch.nn.Linear(8, 1))
    >>> net = from_torch(module.double()); net.s
    [25, 50, 8, 1]
    >>> X = np.random.default_rng(0).normal(size=(3, 25))
    >>> bool(np.allclose(net.forward(X), module(torch.tensor(X)).detach().numpy()))
    True
    """
    torch = _torch()
    mods = list(module) if isinstance(module, torch.nn.Sequential) else [module]
    grid = (torch.nn.Unflatten, torch.nn.Conv2d, torch.nn.MaxPool2d, torch.nn.AvgPool2d)
    if any(isinstance(m, grid) for m in mods):
        return grids.from_modules(torch, mods, dtype, _FROM)
    thetas, acts = [], []
    for i, m in enumerate(mods):
        name = type(m).__name__
        if isinstance(m, torch.nn.Linear):
            if m.bias is None:
                raise ConfigError(f"layer {i} (Linear) has no bias; the course's Θ has a bias "
                                  "column")
            W = m.weight.detach().cpu().numpy()
            b = m.bias.detach().cpu().numpy()
            thetas.append(np.hstack([b[:, None], W]))
            acts.append("linear")
        elif name in _FROM:
            if name == "LeakyReLU" and m.negative_slope != LEAKY_SLOPE:
                raise ConfigError(f"layer {i} is a LeakyReLU of slope {m.negative_slope}; "
                                  f"neurograph's leaky_relu has slope {LEAKY_SLOPE}")
            if not thetas or acts[-1] != "linear":
                raise ConfigError(f"layer {i} ({name}) must follow a Linear layer")
            acts[-1] = _FROM[name]
        else:
            raise ConfigError(f"layer {i} is a {name}: only Linear, {', '.join(_FROM)} "
                              "(and Unflatten, Conv2d, MaxPool2d, AvgPool2d, Flatten of a "
                              "grid network) convert to a neurograph network")
    if not thetas:
        raise ConfigError("the module has no Linear layer")
    hidden = set(acts[:-1])
    if len(hidden) > 1:
        raise CompileError(f"hidden layers mix activations {sorted(hidden)}; from_torch builds "
                           "one hidden activation")
    net = Network.from_thetas(thetas, activation=acts[0], output_activation=acts[-1],
                              dtype=dtype or thetas[0].dtype)
    return net
