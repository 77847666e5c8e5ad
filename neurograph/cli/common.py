"""What the commands share: paths checked before work, the memory a run needs, a data
file's labels mapped to the network's classes, a checkpoint with or without its trainer."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

import neurograph as ng

from ..data import load_dataset
from ..errors import ConfigError, LabelError

# peak bytes per parameter while building, training and saving: the link's
# object in the graph (~500 B measured), its weight, gradient, velocity and
# its entry in the checkpoint's structure
_BYTES_PER_PARAMETER = 600
_BYTES_PER_UNIT_VALUE = 32  # z, a, δ and a workspace copy per instance and unit, float64


def out_path(path, what: str = "--out", folder: bool = False) -> Path:
    """``path`` checked before any work: no file where a folder must be, and the reverse."""
    path = Path(path)
    for parent in path.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise ConfigError(f"{what} {str(path)!r}: {str(parent)!r} is a file, "
                                  f"expected a folder there")
            break
    if path.exists() and path.is_dir() != folder:
        raise ConfigError(f"{what} {str(path)!r} is a {'file' if folder else 'folder'}, "
                          f"expected a {'folder' if folder else 'file name'}")
    return path


def available_bytes() -> int | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def check_memory(s: list[int], n: int) -> None:
    """Refuse, before allocating anything, an architecture larger than the memory."""
    params = sum(b * (a + 1) for a, b in zip(s, s[1:]))
    need = _BYTES_PER_PARAMETER * params + _BYTES_PER_UNIT_VALUE * n * sum(s)
    have = available_bytes()
    if have is not None and need > have:
        arch = "-".join(map(str, s))
        raise ConfigError(f"the architecture {arch} has {params:,} parameters and needs about "
                          f"{need / 2**30:,.1f} GiB of memory for {n} instances; "
                          f"{have / 2**30:,.1f} GiB are available")


def json_finite(v):
    """JSON's own values: NaN and inf become null (json.dumps would write bare NaN)."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: json_finite(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [json_finite(x) for x in v]
    return v


def load_for(net, path):
    """(X, y) of a data file; class-name labels mapped to the network's output units."""
    X, y, names = load_dataset(path, classes=True)
    if names is None or net.classes is None:
        return X, y  # the sorted codes, as train made them
    index = {c: k for k, c in enumerate(net.classes)}
    unknown = [c for c in names if c not in index]
    if unknown:
        raise LabelError(f"{path}: class {unknown[0]!r} is not one of the network's classes "
                         f"{list(net.classes)}")
    return X, np.array([index[c] for c in names])[y]


def checkpoint_and_trainer(path):
    """(network, its trainer or None when the checkpoint holds none)."""
    try:
        return ng.load(path, trainer=True)
    except ng.FileFormatError as exc:
        if "no trainer state" not in str(exc):
            raise
        return ng.load(path), None


def where(links) -> str:
    """'3 in Θ(1), 1 in Θ(2)' for a layered network, else the links' names."""
    links = list(links)
    if links and links[0].target.network.is_layered:
        per: dict[int, int] = {}
        for k in links:
            per[k.target.layer - 1] = per.get(k.target.layer - 1, 0) + 1
        return ", ".join(f"{c} in Θ({l})" for l, c in sorted(per.items()))
    names = [f"{'+1' if k.is_bias else k.source.name}→{k.target.name}" for k in links]
    return ", ".join(names[:8]) + (f", … ({len(names) - 8} more)" if len(names) > 8 else "")


def network(ng, s, args, names):
    """The network to train; its output units carry the class names when there is one
    unit per class and the names can be node names."""
    if names is not None and len(names) == s[-1]:
        try:
            return ng.Network.from_architecture(s, activation=args.activation, seed=args.seed,
                                                outputs=list(names))
        except ng.TopologyError:  # a class name that cannot name a unit (say "x1")
            pass
    return ng.Network.from_architecture(s, activation=args.activation, seed=args.seed)
