"""Checkpoints: save and load a network (and a trainer's state), no pickle.

A ``.ngz`` file is a zip archive holding

- ``network.json`` — the structure: format name and version, dtype, nodes in
  the order they were made (name, kind, activation, input function, explicit
  layer), explicit
  layers, links as (source, target) names, the trainer's settings and state,
  and a SHA-256 checksum of every other member and of the structure itself;
- ``weights.npy`` — link weights in the order of the JSON's links, then the
  bias weights in the order of the nodes that have one;
- ``velocity.npy``, ``perm.npy`` — a trainer's momentum and the order of the
  epoch in progress, when there are any.

Files are written atomically (a temporary file in the same folder, then
``os.replace``), read with ``allow_pickle=False``, and checked before anything
is built: a truncated, corrupt, wrong-version or hand-edited file raises
:class:`~neurograph.errors.FileFormatError` and changes nothing.

>>> import tempfile, os, numpy as np, neurograph as ng
>>> net = ng.Network.from_architecture([2, 3, 1], seed=0)
>>> path = os.path.join(tempfile.mkdtemp(), "xor.ngz")
>>> ng.save(net, path)
>>> bool(np.array_equal(ng.load(path).theta_flat, net.theta_flat))
True
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile

import networkx as nx
import numpy as np

from .data.loaders import atomic_write
from .errors import ActivationError, FileFormatError, NeurographError
from .model.activations import get_activation
from .model.layer import Layer
from .model.network import Network
from .model.node import Link

FORMAT = "neurograph"
VERSION = 1


def _npy_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(arr), allow_pickle=False)
    return buf.getvalue()


def _sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def _structure(net: Network) -> tuple[dict, np.ndarray]:
    net._ensure_layers()
    nodes = []
    for u in net._units:
        hint = None
        if u._hint is not None and u._kind != "input":
            hint = net._explicit.index(u._hint)
        nodes.append({"name": u.name, "kind": "input" if u._kind == "input" else "unit",
                      "activation": None if u.activation is None else u.activation.name,
                      "input_function": None if u.input_function is None
                      else u.input_function.name,
                      "explicit_layer": hint})
    explicit = [{"activation": None if lay.activation is None else lay.activation.name}
                for lay in net._explicit]
    src, dst, weights = [], [], []
    w = net._ws.w
    for u in net._units:
        for d in net._graph._pred[u.name].values():
            link = d["link"]
            if not link.is_bias:
                src.append(link.source.name)
                dst.append(u.name)
                weights.append(w[link._i])
    biases = [w[u._bias_link._i] for u in net._units if u._bias_link is not None]
    struct = {"dtype": net.dtype.name, "nodes": nodes, "explicit_layers": explicit,
              "links": {"source": src, "target": dst}, "compiled": net._compiled is not None}
    return struct, np.array(weights + biases, dtype=net.dtype)


def _trainer_state(trainer) -> tuple[dict, dict]:
    arrays = {}
    if trainer._velocity is not None:
        arrays["velocity.npy"] = trainer._velocity
    if trainer._perm is not None:
        arrays["perm.npy"] = trainer._perm
    state = {
        "settings": {"alpha": trainer.alpha, "lam": trainer.lam, "batch_size": trainer.batch_size,
                     "momentum": trainer.momentum, "seed": trainer.seed,
                     "tol_grad": trainer.tol_grad, "tol_cost": trainer.tol_cost,
                     "loss": trainer.loss, "engine": trainer.engine, "shuffle": trainer.shuffle},
        "epoch": trainer.epoch,
        "next_batch": trainer._next_batch,
        "epoch_sums": [float(trainer._epoch_sums[0]), int(trainer._epoch_sums[1]),
                       int(trainer._epoch_sums[2])],
        "rng": trainer.rng.bit_generator.state,
        "last_grad_norm": trainer._gnorm,
        "history": trainer.history.to_dict(),
    }
    return state, arrays


def save(net: Network, path, trainer=None) -> None:
    """Write ``net`` (and ``trainer``'s state, if given) to ``path`` atomically.

    Raises
    ------
    NeurographError
        If the trainer trains another network.
    """
    if trainer is not None and trainer.net is not net:
        raise NeurographError("the trainer given trains another network")
    struct, weights = _structure(net)
    members = {"weights.npy": _npy_bytes(weights)}
    if trainer is not None:
        state, arrays = _trainer_state(trainer)
        struct["trainer"] = state
        for name, arr in arrays.items():
            members[name] = _npy_bytes(arr)
    else:
        struct["trainer"] = None
    struct["format"], struct["version"] = FORMAT, VERSION
    struct["checksums"] = {k: _sha(v) for k, v in members.items()}
    struct["checksums"]["network.json"] = _sha(_canonical(struct))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("network.json", json.dumps(struct, indent=1))
        for name, data in members.items():
            z.writestr(name, data)
    atomic_write(os.fspath(path), buf.getvalue())


def _canonical(struct: dict) -> bytes:
    body = {k: v for k, v in struct.items() if k != "checksums"}
    body["checksums"] = {k: v for k, v in struct.get("checksums", {}).items()
                         if k != "network.json"}
    return json.dumps(body, sort_keys=True).encode()


def _read(path) -> tuple[dict, dict]:
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no checkpoint at {path!r}")
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            if "network.json" not in names:
                raise FileFormatError(f"{path!r} is not a neurograph checkpoint "
                                      "(no network.json inside)")
            raw = {name: z.read(name) for name in names}
    except (zipfile.BadZipFile, EOFError, OSError, zlib_error()) as exc:
        raise FileFormatError(f"{path!r} is not a neurograph checkpoint, or is truncated or "
                              f"corrupt (not a readable zip archive: "
                              f"{exc})") from None
    try:
        struct = json.loads(raw.pop("network.json").decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FileFormatError(f"{path!r}: network.json is not valid JSON ({exc})") from None
    fmt = struct.get("format") if isinstance(struct, dict) else None
    if fmt != FORMAT:
        raise FileFormatError(f"{path!r} is not a neurograph checkpoint (format {fmt!r})")
    if struct.get("version") != VERSION:
        raise FileFormatError(f"{path!r} has format version {struct.get('version')!r}; this "
                              f"neurograph reads version {VERSION}")
    sums = struct.get("checksums") or {}
    if sums.get("network.json") != _sha(_canonical(struct)):
        raise FileFormatError(f"{path!r}: network.json does not match its checksum "
                              "(edited by hand or damaged)")
    arrays = {}
    for name, data in raw.items():
        if sums.get(name) != _sha(data):
            raise FileFormatError(f"{path!r}: {name} does not match its checksum (damaged)")
        try:
            arrays[name] = np.load(io.BytesIO(data), allow_pickle=False)
        except ValueError as exc:
            raise FileFormatError(f"{path!r}: {name} is not a plain array ({exc})") from None
    missing = [k for k in sums if k != "network.json" and k not in arrays]
    if missing:
        raise FileFormatError(f"{path!r}: members missing: {', '.join(missing)}")
    return struct, arrays


def zlib_error():
    import zlib

    return zlib.error


def _build(struct: dict, arrays: dict) -> Network:
    try:
        dtype = np.dtype(struct["dtype"])
        net = Network(dtype=dtype)
        for spec in struct["explicit_layers"]:
            act = None if spec["activation"] is None else get_activation(spec["activation"])
            lay = Layer(len(net._explicit) + 2, act, explicit=True)
            net._explicit.append(lay)
        for spec in struct["nodes"]:
            if spec["kind"] == "input":
                net.add_input(spec["name"])
            else:
                layer = spec["explicit_layer"]
                net.add_node(spec["name"], activation=spec["activation"],
                             layer=None if layer is None else net._explicit[layer],
                             input_function=spec.get("input_function") or "weighted_sum")
        src, dst = struct["links"]["source"], struct["links"]["target"]
        w = arrays["weights.npy"]
        n_bias = sum(1 for u in net._units if u._bias_link is not None)
        if w.ndim != 1 or len(w) != len(src) + n_bias or len(src) != len(dst):
            raise FileFormatError(f"weights.npy holds {w.shape} values for {len(src)} links "
                                  f"and {n_bias} biases")
        _add_links(net, src, dst, w[: len(src)])
        for u, b in zip([u for u in net._units if u._bias_link is not None], w[len(src):]):
            net._ws.w[u._bias_link._i] = b
        if not np.all(np.isfinite(w)):
            raise FileFormatError("weights.npy holds NaN or inf")
        if struct.get("compiled"):
            net.compile()
        return net
    except FileFormatError:
        raise
    except ActivationError as exc:
        raise FileFormatError(f"the checkpoint uses an activation this session does not know: "
                              f"{exc}. Register it first (ng.register_activation).") from None
    except (KeyError, TypeError, IndexError, ValueError, NeurographError) as exc:
        raise FileFormatError(f"the checkpoint's structure is inconsistent: {exc}") from None


def _add_links(net: Network, src: list, dst: list, weights: np.ndarray) -> None:
    """Add many links at once (checked as a whole: a fresh network, so nothing to undo)."""
    g = net._graph
    ws = net._ws
    start = ws.append(weights)
    for k, (a, b) in enumerate(zip(src, dst)):
        u, v = g.nodes[a]["node"], g.nodes[b]["node"]
        if v._kind == "input" or g.has_edge(a, b):
            raise FileFormatError(f"bad link {a!r} → {b!r} (into an input, or twice)")
        g.add_edge(a, b, link=Link(u, v, ws, start + k))
    if not nx.is_directed_acyclic_graph(g):
        raise FileFormatError("the links form a cycle")
    net._changed()


def load(path, trainer: bool = False):
    """Read a checkpoint; return the Network, or (Network, Trainer) with ``trainer=True``.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    FileFormatError
        Truncated, corrupt, wrong-version or hand-edited file; an unknown
        activation; or ``trainer=True`` for a file without trainer state.
    """
    struct, arrays = _read(path)
    net = _build(struct, arrays)
    if not trainer:
        return net
    state = struct.get("trainer")
    if state is None:
        raise FileFormatError(f"{os.fspath(path)!r} holds no trainer state (saved without one)")
    from .train import History, Trainer

    try:
        t = Trainer(net, **state["settings"])
        t.epoch = int(state["epoch"])
        t._next_batch = int(state["next_batch"])
        s = state["epoch_sums"]
        t._epoch_sums = [float(s[0]), int(s[1]), int(s[2])]
        t.rng.bit_generator.state = state["rng"]
        t._gnorm = float(state["last_grad_norm"])
        t.history = History(**state["history"])
        t._velocity = arrays.get("velocity.npy")
        t._perm = arrays.get("perm.npy")
    except (KeyError, TypeError, ValueError, NeurographError) as exc:
        raise FileFormatError(f"the checkpoint's trainer state is inconsistent: {exc!r}") from None
    return net, t
