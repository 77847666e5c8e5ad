"""Checkpoints: save and load a network (and a trainer's state), no pickle.

A ``.ngz`` file is a zip archive holding

- ``network.json`` — format name and version, the network's spec
  (``Network.to_spec``: dtype, nodes, explicit layers, links as (source,
  target) names, compiled flag, class names — absent in older files: None)
  without its arrays, the trainer's ``state_dict`` without its arrays, and a
  SHA-256 checksum of every other member and of the structure itself;
- ``weights.npy`` — the spec's link weights, then its bias weights;
- ``velocity.npy``, ``perm.npy``, ``best.npy`` — a trainer's momentum, the
  order of the epoch in progress and the best weights of early stopping, when
  there are any; θ-shaped arrays in the loaded network's layout of θ (older
  files' room for a conv layer's block, all zeros, is left out as they are read).

Files are written atomically (a temporary file in the same folder, then
``os.replace``), read without pickle, and checked as they are read: members
other than these are refused unread; each array's declared size and .npy
header must match the shape network.json implies before it is allocated, and
it is read by a bounded stream. A truncated, corrupt, wrong-version,
hand-edited or oversized file raises :class:`~neurograph.errors.FileFormatError`
and changes nothing. Weights may be NaN or inf: a diverged network is saved and
loaded for inspection (resuming its trainer needs a finite velocity).

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
import zlib

import numpy as np

from .data.loaders import npy_body, npy_header
from .errors import ActivationError, ConfigError, FileFormatError, NeurographError
from .io import atomic_write
from .model.network import Network
from .train import Trainer
from .train.settings import SETTINGS

FORMAT = "neurograph"
VERSION = 1


def _npy_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(arr), allow_pickle=False)
    return buf.getvalue()


def _sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


# The trainer's state_dict in network.json: its settings (train.settings.SETTINGS, the
# Settings fields), then the rest by these keys; its arrays (velocity, perm, the best
# weights of early stopping) as members.
STATE = ("epoch", "next_batch", "epoch_sums", "epoch_shape", "rng", "history")


def _trainer_json(state: dict, theta_index: np.ndarray, n: int) -> tuple[dict, dict]:
    """(network.json's "trainer", array members) of a trainer's state_dict."""
    arrays = {}
    v = state["velocity"]
    # A velocity of another shape is stale (the topology changed): the trainer
    # would start afresh from zeros, so it is not saved.
    if v is not None and v.shape == (n,):
        arrays["velocity.npy"] = v[theta_index]  # laid out as the loaded θ will be
    if state["perm"] is not None:
        arrays["perm.npy"] = state["perm"]
    best = state["best"]
    if best is not None and best[1].shape == (n,):
        arrays["best.npy"] = best[1][theta_index]
    out = {"settings": {k: state[k] for k in SETTINGS}, **{k: state[k] for k in STATE},
           "perm_length": None if state["perm"] is None else len(state["perm"]),
           "best_cost": None if "best.npy" not in arrays else float(best[0])}
    return out, arrays


def save(net: Network, path, trainer=None) -> None:
    """Write ``net`` (and ``trainer``'s state, if given) to ``path`` atomically.

    Raises
    ------
    NeurographError
        If the trainer trains another network.
    ConfigError
        If ``path`` is a folder or lies under a file.
    """
    if trainer is not None and trainer.net is not net:
        raise NeurographError("the trainer given trains another network")
    struct = net.to_spec()
    weights = np.concatenate([struct.pop("weights"), struct.pop("biases")])
    members = {"weights.npy": _npy_bytes(weights)}
    if trainer is not None:
        state, arrays = _trainer_json(trainer.state_dict(), net.spec_theta_index(),
                                      net.weights.n)
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
    atomic_write(path, buf.getvalue())


def _canonical(struct: dict) -> bytes:
    body = {k: v for k, v in struct.items() if k != "checksums"}
    body["checksums"] = {k: v for k, v in struct.get("checksums", {}).items()
                         if k != "network.json"}
    return json.dumps(body, sort_keys=True).encode()


# The only members a checkpoint has; anything else is refused unread.
MEMBERS = ("network.json", "weights.npy", "velocity.npy", "perm.npy", "best.npy")
# network.json has no shape to bound it by: a generous fixed cap (a few million links).
JSON_MAX = 128 * 2**20
# network.json nests 4 deep today (trainer → history → a list); a file nesting
# deeper than this is not a checkpoint, and would exhaust Python's stack later.
JSON_DEPTH = 16
# perm.npy of files written before its length was recorded in network.json.
UNDECLARED_MAX = 64 * 2**20


def _open(path: str) -> zipfile.ZipFile:
    if not os.path.exists(path):
        raise FileNotFoundError(f"no checkpoint at {path!r}")
    if os.path.isdir(path):
        raise FileFormatError(f"{path!r} is a folder, not a neurograph checkpoint file")
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise _corrupt(path, exc) from None
    names = z.namelist()
    odd = sorted({n for n in names if n not in MEMBERS})
    if "network.json" not in names or odd or len(set(names)) != len(names):
        z.close()
        what = (f"unexpected members {odd}" if odd else "a member twice"
                if "network.json" in names else "no network.json inside")
        raise FileFormatError(f"{path!r} is not a neurograph checkpoint: expected members "
                              f"among {list(MEMBERS)}, got {what}")
    return z


def _corrupt(path: str, exc) -> FileFormatError:
    return FileFormatError(f"{path!r} is not a neurograph checkpoint, or is truncated or "
                           f"corrupt (not a readable zip archive: {exc})")


def _read_json(z: zipfile.ZipFile, path: str) -> dict:
    info = z.getinfo("network.json")
    if info.file_size > JSON_MAX:
        raise FileFormatError(f"{path!r}: network.json declares {info.file_size} bytes, more "
                              f"than the {JSON_MAX} a checkpoint's structure may take")
    with z.open(info) as f:
        data = f.read(JSON_MAX + 1)  # zipfile also stops at the declared size
    try:
        struct = json.loads(data.decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FileFormatError(f"{path!r}: network.json is not valid JSON ({exc})") from None
    except RecursionError:  # the decoder recurses per level of nesting
        struct = None
    if struct is None or _too_deep(struct):
        raise FileFormatError(f"{path!r} is not a neurograph checkpoint: its network.json "
                              f"nests lists and objects more than {JSON_DEPTH} deep")
    fmt = struct.get("format") if isinstance(struct, dict) else None
    if fmt != FORMAT:
        raise FileFormatError(f"{path!r} is not a neurograph checkpoint (format {fmt!r})")
    if struct.get("version") != VERSION:
        raise FileFormatError(f"{path!r} has format version {struct.get('version')!r}; this "
                              f"neurograph reads version {VERSION}")
    sums = struct.get("checksums")
    if not isinstance(sums, dict) or sums.get("network.json") != _sha(_canonical(struct)):
        raise FileFormatError(f"{path!r}: network.json does not match its checksum "
                              "(edited by hand or damaged)")
    missing = [k for k in sums if k != "network.json" and k not in z.namelist()]
    if missing:
        raise FileFormatError(f"{path!r}: members missing: {', '.join(missing)}")
    return struct


def _too_deep(struct) -> bool:
    """Whether ``struct`` nests containers deeper than JSON_DEPTH (no recursion)."""
    level = [struct]
    for _ in range(JSON_DEPTH + 1):
        level = [v for c in level if isinstance(c, (dict, list))
                 for v in (c.values() if isinstance(c, dict) else c)]
        if not level:
            return False
    return True


def _read_array(z: zipfile.ZipFile, path: str, name: str, sums: dict, dtype,
                shape: tuple | None, max_bytes: int | None = None) -> np.ndarray:
    """One .npy member, checked against what network.json declares before allocating."""
    where = f"{path!r}: {name}"
    h = npy_header(z, z.getinfo(name), where)
    if shape is not None and h.shape != shape:
        raise FileFormatError(f"{where}: expected shape {shape} (from network.json), "
                              f"got {h.shape}")
    if shape is None and (len(h.shape) != 1 or h.nbytes > max_bytes):
        raise FileFormatError(f"{where}: expected a vector of at most {max_bytes} bytes, "
                              f"got shape {h.shape} of {h.dtype}")
    ok = h.dtype.kind in dtype if isinstance(dtype, str) else h.dtype == dtype
    if not ok:
        raise FileFormatError(f"{where}: expected dtype {dtype}, got {h.dtype}")
    arr, digest = npy_body(z, z.getinfo(name), h, where)
    if sums.get(name) != digest:
        raise FileFormatError(f"{where} does not match its checksum (damaged)")
    return arr


def _read_theta(z: zipfile.ZipFile, path: str, name: str, sums: dict, net) -> np.ndarray:
    """A θ-shaped member in the loaded θ's layout. Files written before a conv layer's
    block took no room in θ hold it laid out with every block's room (its entries 0),
    and those written before a pooling layer's did, with the pooling blocks' room: each
    is read at its length and the hollow blocks' entries left out."""
    c = net.weights.current()
    if c is not None and any(c.hollow):
        shape = npy_header(z, z.getinfo(name), f"{path!r}: {name}").shape
        # before conv blocks took no room: every block's; then: pooling blocks' still
        for room in ([True] * len(c.shapes),
                     [not h or p is not None for h, p in zip(c.hollow, c.pools)]):
            old, n_old = c.dense_index(room)
            if shape == (n_old,):
                return _read_array(z, path, name, sums, net.dtype, (n_old,))[old]
    return _read_array(z, path, name, sums, net.dtype, (net.weights.n,))


def _n_weights(struct: dict, path: str) -> int:
    try:
        n_units = sum(1 for spec in struct["nodes"] if spec["kind"] != "input")
        return len(struct["links"]["source"]) + n_units
    except (KeyError, TypeError) as exc:
        raise FileFormatError(f"{path!r}: the checkpoint's structure is inconsistent "
                              f"({exc!r})") from None


def _build(struct: dict, w: np.ndarray) -> Network:
    """The Network of a checked structure and its weights (links, then biases)."""
    try:
        n_links = len(struct["links"]["source"])
        return Network.from_spec({**struct, "weights": w[:n_links], "biases": w[n_links:]})
    except ActivationError as exc:
        raise FileFormatError(f"the checkpoint uses an activation this session does not know: "
                              f"{exc}. Register it first (ng.register_activation).") from None
    except (KeyError, TypeError, IndexError, ValueError, NeurographError) as exc:
        raise FileFormatError(f"the checkpoint's structure is inconsistent: {exc}") from None


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
    try:
        path = os.fspath(path)
    except TypeError:
        raise ConfigError(f"expected a checkpoint's path (str or os.PathLike), "
                          f"got {path!r}") from None
    with _open(path) as z:
        try:
            struct = _read_json(z, path)
            sums = struct["checksums"]
            w = _read_array(z, path, "weights.npy", sums, np.dtype(struct["dtype"]),
                            (_n_weights(struct, path),))
            net = _build(struct, w)
            state = struct.get("trainer")
            arrays = {}
            for name in ("velocity", "best"):
                if f"{name}.npy" in sums:
                    arrays[name] = _read_theta(z, path, f"{name}.npy", sums, net)
            if "perm.npy" in sums:
                n = state.get("perm_length") if isinstance(state, dict) else None
                arrays["perm"] = _read_array(z, path, "perm.npy", sums, "iu",
                                             None if n is None else (int(n),), UNDECLARED_MAX)
        except FileFormatError:
            raise
        except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:
            raise _corrupt(path, exc) from None
        except (KeyError, TypeError, ValueError) as exc:
            raise FileFormatError(f"{path!r}: the checkpoint's structure is inconsistent "
                                  f"({exc})") from None
    if not trainer:
        return net
    if state is None:
        raise FileFormatError(f"{path!r} holds no trainer state (saved without one)")
    return net, _trainer(net, state, arrays, path)


def _trainer(net: Network, state: dict, arrays: dict, path: str):
    v, perm = arrays.get("velocity"), arrays.get("perm")
    if v is not None and not np.all(np.isfinite(v)):
        raise FileFormatError(f"{path!r}: velocity.npy holds NaN or inf: the run diverged, "
                              "so its momentum cannot be resumed (load without trainer=True)")
    if perm is not None and not np.array_equal(np.sort(perm), np.arange(len(perm))):
        raise FileFormatError(f"{path!r}: perm.npy is not an order of the instances "
                              f"(a permutation of 0..{len(perm) - 1})")
    try:
        t = Trainer(net, **state["settings"])
        d = t.state_dict()  # what older files lack keeps a fresh trainer's value
        d.update({k: state[k] for k in (*STATE, "last_grad_norm") if k in state})
        d["velocity"], d["perm"] = v, perm
        best = arrays.get("best")
        d["best"] = None if best is None else (float(state["best_cost"]), best)
        t.load_state_dict(d)
    except (KeyError, TypeError, ValueError, NeurographError) as exc:
        raise FileFormatError(f"the checkpoint's trainer state is inconsistent: {exc!r}") from None
    return t
