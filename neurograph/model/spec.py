"""A network as plain data, and back: what checkpoints and GraphML files hold.

The spec is a dict of lists, strings and numbers plus two numpy arrays:

- ``dtype``: "float64" or "float32";
- ``nodes``: every unit but the bias units, layer by layer (``net.nodes``), as
  ``{"name", "kind": "input" | "unit", "activation", "input_function",
  "explicit_layer"}``; ``explicit_layer`` is the 0-based index into
  ``explicit_layers`` of the layer the unit was put in (add_layer,
  ``add_node(layer=…)``), or None when its layer is inferred from the links;
- ``explicit_layers``: ``{"activation"}`` (the default g) of each layer made
  by add_layer, in order;
- ``links``: ``{"source": [...], "target": [...]}``, names, bias links left
  out, target by target in the order of ``nodes`` and, per target, in the
  order its z sums them;
- ``weights``: the links' weights in that order; ``biases``: θ0 of each
  "unit" node in the order of ``nodes`` (NaN and inf are kept: a diverged
  network is saved for inspection);
- ``compiled``: whether θ was laid out as Θ; ``classes``: names or None;
- ``frozen`` (optional): ``{"links": [...], "biases": [...]}``, positions in
  ``weights`` and ``biases`` of the weights training holds fixed;
- ``parameters`` (optional, shared weights): ``{"names", "values", "frozen"}``
  lists in the order made, ``"arrays"``: ``[{"name", "shape", "start"}]`` (a
  ParameterArray's parameters are ``start``… in C order), ``"links"`` and
  ``"biases"``: the position in ``names`` of the parameter each link (each
  bias) reads, −1 for a weight of its own.

>>> import neurograph as ng
>>> net = ng.Network.from_thetas([[[-30.0, 20.0, 20.0]]])
>>> spec = net.to_spec()
>>> spec["links"], spec["weights"].tolist(), spec["biases"].tolist()
({'source': ['x1', 'x2'], 'target': ['a2_1', 'a2_1']}, [20.0, 20.0], [-30.0])
>>> ng.Network.from_spec(spec).forward([[1, 1]]).round(4)
array([[1.]])
"""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError, ShapeError
from .grids import hold_pool_links
from .parameters import ParameterArray, registry

KEYS = ("dtype", "nodes", "explicit_layers", "links", "weights", "biases")


def to_spec(net) -> dict:
    """The spec of ``net`` (see the module's docstring)."""
    explicit = net.assigned_layers
    nodes, links = [], []
    for u in net.nodes:
        lay = u.assigned_layer
        nodes.append({"name": u.name, "kind": "input" if u.is_input else "unit",
                      "activation": None if u.activation is None else u.activation.name,
                      "input_function": None if u.input_function is None
                      else u.input_function.name,
                      "explicit_layer": None if u.is_input or lay is None
                      else explicit.index(lay)})
        links += [li for li in net.in_links(u) if not li.is_bias]
    theta, frozen = net.intact_weights()  # inside a lesion: the network without it
    biased = [u.bias_link.index for u in net.nodes if u.bias_link is not None]
    return {
        "dtype": net.dtype.name, "nodes": nodes,
        "explicit_layers": [{"activation": None if lay.activation is None
                             else lay.activation.name} for lay in explicit],
        "links": {"source": [li.source.name for li in links],
                  "target": [li.target.name for li in links]},
        "weights": theta[[li.index for li in links]],
        "biases": theta[biased],
        "compiled": net.weights.current() is not None,
        "classes": None if net.classes is None else list(net.classes),
        "frozen": {"links": [k for k, li in enumerate(links) if frozen[li.index]],
                   "biases": [k for k, i in enumerate(biased) if frozen[i]]},
        **_parameters(net, links, biased, theta, frozen),
    }


def _parameters(net, links: list, biased: list, theta, frozen) -> dict:
    reg = net.shared
    if not reg.all:
        return {}
    pos = {p._i: k for k, p in enumerate(reg.all)}
    arrays = [{"name": name, "shape": list(x.shape), "start": pos[x.params.flat[0]._i]}
              for name, x in reg.named.items() if isinstance(x, ParameterArray)]
    return {"parameters": {
        "names": [p.name for p in reg.all], "values": [float(theta[p._i]) for p in reg.all],
        "frozen": [bool(frozen[p._i]) for p in reg.all], "arrays": arrays,
        "links": [pos.get(li.index, -1) for li in links],
        "biases": [pos.get(i, -1) for i in biased]}}


def _share(net, spec: dict, n_links: int, n_biases: int) -> None:
    """Make the spec's parameters and point the links that share them at them."""
    d = spec.get("parameters")
    if not d:
        return
    if not isinstance(d, dict) or any(k not in d for k in ("names", "values", "links")):
        raise ConfigError(f"a network spec's parameters must be a dict of names, values, "
                          f"links and biases, got {d!r}")
    names, values = list(d["names"]), list(d["values"])
    at_links, at_biases = list(d["links"]), list(d.get("biases") or [-1] * n_biases)
    if len(values) != len(names) or len(at_links) != n_links or len(at_biases) != n_biases:
        raise ShapeError(f"a network spec's parameters need {len(names)} values, {n_links} "
                         f"link and {n_biases} bias positions; got {len(values)}, "
                         f"{len(at_links)} and {len(at_biases)}")
    if any(not isinstance(k, int) or not -1 <= k < len(names) for k in at_links + at_biases):
        raise ConfigError(f"a network spec's parameter positions must be -1..{len(names) - 1}")
    made = [net.parameter(v, name=name) for name, v in zip(names, values)]
    for p, fz in zip(made, d.get("frozen") or [False] * len(names)):
        p.frozen = bool(fz)
    reg = registry(net)
    for a in d.get("arrays") or []:
        shape, k0 = tuple(a["shape"]), a["start"]
        params = np.empty(int(np.prod(shape)), dtype=object)
        params[:] = made[k0 : k0 + len(params)]
        for p in params:
            del reg.named[p.name]
        reg.named[a["name"]] = ParameterArray(a["name"], params.reshape(shape))
    links = [li for u in net.nodes for li in net.in_links(u) if not li.is_bias]
    biased = [u.bias_link for u in net.nodes if u.bias_link is not None]
    for li, k in [*zip(links, at_links), *zip(biased, at_biases)]:
        if k >= 0:
            net.weights.set_frozen(li._i, False)
            li._i = made[k]._i
    net.layout_changed()


def theta_index(net) -> np.ndarray:
    """Indices into θ such that ``from_spec(to_spec(net))`` holds ``θ[index]``."""
    if net.weights.current() is not None:
        return np.arange(net.weights.n)  # compiled: Θ's layout follows the layers alone
    # from_spec makes the units (each appends its bias), then the links, in spec order
    biases = [u.bias_link.index for u in net.nodes if u.bias_link is not None]
    links = [li.index for u in net.nodes for li in net.in_links(u) if not li.is_bias]
    # from_spec makes the shared parameters last; a tied link's own entry there is unused
    params = [p._i for p in registry(net).all]
    return np.array(biases + links + params, dtype=np.intp)


def _get(spec: dict, key: str, kind: type | tuple, what: str):
    value = spec[key]
    if not isinstance(value, kind):
        raise ConfigError(f"a network spec's {key!r} must be {what}, "
                          f"got {type(value).__name__}")
    return value


def _vector(spec: dict, key: str, n: int, dtype) -> np.ndarray:
    arr = np.asarray(spec[key])
    if arr.ndim != 1 or arr.shape[0] != n or arr.dtype.kind not in "fiu":
        raise ShapeError(f"a network spec's {key!r} must be {n} real numbers, "
                         f"got shape {arr.shape} of {arr.dtype}")
    return arr.astype(dtype)


def from_spec(cls, spec: dict):
    """Build a ``cls`` from a spec with its own building methods.

    Raises ConfigError, ShapeError, TopologyError (or another NeurographError
    a building method raises) for a malformed spec; nothing is left half-built
    (the network is new).
    """
    if not isinstance(spec, dict):
        raise ConfigError(f"a network spec must be a dict, got {type(spec).__name__}")
    missing = [k for k in KEYS if k not in spec]
    if missing:
        raise ConfigError(f"a network spec needs the keys {list(KEYS)}; missing {missing}")
    dtype = _get(spec, "dtype", str, "a dtype name")
    if dtype not in ("float64", "float32"):
        raise ConfigError(f"a network spec's dtype must be float64 or float32, got {dtype!r}")
    net = cls(dtype=dtype)
    layers = [net.new_layer(d["activation"]) for d in
              _get(spec, "explicit_layers", list, "a list of {'activation'} dicts")]
    for d in _get(spec, "nodes", list, "a list of node dicts"):
        if not isinstance(d, dict) or d.get("kind") not in ("input", "unit"):
            raise ConfigError(f"a node of a network spec must be a dict with kind 'input' "
                              f"or 'unit', got {d!r}")
        if d["kind"] == "input":
            net.add_input(d["name"])
            continue
        k = d.get("explicit_layer")
        if k is not None and not (isinstance(k, int) and 0 <= k < len(layers)):
            raise ConfigError(f"node {d['name']!r}: explicit_layer must be None or 0.."
                              f"{len(layers) - 1}, got {k!r}")
        net.add_node(d["name"], activation=d.get("activation"),
                     layer=None if k is None else layers[k],
                     input_function=d.get("input_function") or "weighted_sum")
    src, dst = (_get(spec, "links", dict, "a dict of source and target lists")[k]
                for k in ("source", "target"))
    if not (isinstance(src, list) and isinstance(dst, list) and len(src) == len(dst)):
        raise ShapeError(f"a network spec's links need source and target lists of one "
                         f"length, got {type(src).__name__} and {type(dst).__name__}")
    weights = _vector(spec, "weights", len(src), net.dtype)
    biases = _vector(spec, "biases", sum(d["kind"] == "unit" for d in spec["nodes"]), net.dtype)
    groups: dict[str, list[int]] = {}  # target → its links in the order z sums them
    for k, b in enumerate(dst):
        groups.setdefault(b, []).append(k)
    if spec.get("compiled"):
        _links_in_blocks(net, src, groups, biases, weights)
    else:
        for b, ks in groups.items():
            net.connect_layers([src[k] for k in ks], [b], init=np.zeros((1, len(ks))))
        # θ is now [biases in node order, links target by target]; NaN and inf go in as
        # they are (the setters refuse them, a diverged network keeps them)
        net.weights.theta[...] = np.concatenate([biases, weights[sum(groups.values(), [])]])
    _freeze(net, spec, len(src), len(biases))
    _share(net, spec, len(src), len(biases))
    hold_pool_links(net)
    if spec.get("compiled"):
        net.compile()
    classes = spec.get("classes")
    if classes is not None and not isinstance(classes, list):
        raise ConfigError(f"a network spec's classes must be a list or None, got {classes!r}")
    net.classes = classes
    return net


def _links_in_blocks(net, src: list, groups: dict, biases, weights) -> None:
    """Targets that sum the same sources in the same order linked as one block (a
    compiled network's θ follows the layers alone, so the store's order is free):
    a dense layer is one call instead of one per unit."""
    blocks: dict[tuple, list[str]] = {}
    for b, ks in groups.items():
        blocks.setdefault(tuple(src[k] for k in ks), []).append(b)
    store = net.weights
    store.theta[: len(biases)] = biases
    for sources, targets in blocks.items():
        start = store.n
        net.connect_layers(list(sources), targets, init=np.zeros((len(targets), len(sources))))
        # the block is stored source by source; the spec lists it target by target
        idx = start + np.arange(len(sources) * len(targets)).reshape(len(sources), -1).T
        ks = np.array([groups[b] for b in targets], dtype=np.intp)
        store.theta[idx.ravel()] = weights[ks.ravel()]


def _freeze(net, spec: dict, n_links: int, n_biases: int) -> None:
    frozen = spec.get("frozen") or {}
    if not isinstance(frozen, dict):
        raise ConfigError(f"a network spec's frozen must be a dict of 'links' and 'biases' "
                          f"positions, got {frozen!r}")
    for key, n in (("links", n_links), ("biases", n_biases)):
        ks = frozen.get(key, [])
        if not isinstance(ks, list) or not all(isinstance(k, int) and 0 <= k < n for k in ks):
            raise ConfigError(f"a network spec's frozen {key!r} must be positions 0..{n - 1}, "
                              f"got {ks!r}")
    if frozen.get("links"):
        links = [li for u in net.nodes for li in net.in_links(u) if not li.is_bias]
        for k in frozen["links"]:
            links[k].frozen = True
    if frozen.get("biases"):
        biased = [u.bias_link for u in net.nodes if u.bias_link is not None]
        for k in frozen["biases"]:
            biased[k].frozen = True
