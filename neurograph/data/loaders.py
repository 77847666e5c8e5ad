"""Data files for the command line: CSV (header row, label column last) and NPZ.

CSV: a header row; the label column is named ``y`` or ``label`` (else the last
column is the label); every other column is a feature. NPZ: arrays ``X`` and
``y`` (or ``Y``). Read without pickle; written atomically.

>>> import os, tempfile, numpy as np
>>> path = os.path.join(tempfile.mkdtemp(), "and.csv")
>>> save_dataset(path, np.array([[0., 1.], [1., 1.]]), np.array([0, 1]))
>>> X, y = load_dataset(path)
>>> X.tolist(), y.tolist()
([[0.0, 1.0], [1.0, 1.0]], [0, 1])
"""

from __future__ import annotations

import csv
import io
import os
import tempfile

import numpy as np

from ..errors import FileFormatError


def load_dataset(path) -> tuple[np.ndarray, np.ndarray]:
    """(X float64 (n, d), y) from a .csv or .npz file.

    Raises
    ------
    FileNotFoundError
        No such file.
    FileFormatError
        Empty file, ragged rows, a cell that is not a number (line and column
        named), no label column, an NPZ without ``X``, mismatched lengths.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no data file at {path!r}")
    ext = os.path.splitext(path)[1].lower()
    if ext == ".npz":
        return _load_npz(path)
    if ext in (".csv", ".txt"):
        return _load_csv(path)
    raise FileFormatError(f"{path!r}: expected a .csv or .npz data file, "
                          f"got {ext or 'no extension'!r}")


def _load_npz(path: str):
    try:
        with np.load(path, allow_pickle=False) as z:
            names = set(z.files)
            if "X" not in names:
                raise FileFormatError(f"{path!r} has no array 'X' (it has {sorted(names)})")
            ykey = "y" if "y" in names else "Y" if "Y" in names else None
            if ykey is None:
                raise FileFormatError(f"{path!r} has no array 'y' (it has {sorted(names)})")
            X, y = z["X"], z[ykey]
    except FileFormatError:
        raise
    except Exception as exc:  # zip, header or pickle refusal: all mean a bad file
        raise FileFormatError(f"{path!r} is not a readable .npz file ({exc})") from None
    if X.ndim != 2:
        raise FileFormatError(f"{path!r}: X must be 2-D (n, d), got shape {X.shape}")
    if y.shape[0] != X.shape[0]:
        raise FileFormatError(f"{path!r}: X has {X.shape[0]} rows, y has {y.shape[0]}")
    return X.astype(np.float64), _labels(y)


def _labels(y: np.ndarray) -> np.ndarray:
    if y.ndim == 1 and y.dtype.kind == "f" and np.all(y == np.round(y)):
        return y.astype(np.intp)
    return y


def _load_csv(path: str):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    rows = [r for r in rows if r and any(c.strip() for c in r)]
    if len(rows) < 2:
        raise FileFormatError(f"{path!r} is empty: expected a header row and data rows")
    header = [h.strip() for h in rows[0]]
    lower = [h.lower() for h in header]
    label = lower.index("y") if "y" in lower else lower.index("label") if "label" in lower \
        else len(header) - 1
    if len(header) < 2:
        raise FileFormatError(f"{path!r}: expected feature columns and a label column, "
                              f"got header {header}")
    values = np.empty((len(rows) - 1, len(header)))
    for i, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise FileFormatError(f"{path!r} line {i}: expected {len(header)} cells, "
                                  f"got {len(row)}")
        for j, cell in enumerate(row):
            try:
                values[i - 2, j] = float(cell)
            except ValueError:
                raise FileFormatError(f"{path!r} line {i}, column {header[j]!r}: expected a "
                                      f"number, got {cell!r}") from None
    X = np.delete(values, label, axis=1)
    return X, _labels(values[:, label])


def save_dataset(path, X, y) -> None:
    """Write X, y to .csv (header x1…xd, y) or .npz, atomically."""
    path = os.fspath(path)
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    ext = os.path.splitext(path)[1].lower()
    if ext == ".npz":
        buf = io.BytesIO()
        np.savez_compressed(buf, X=X, y=y)
        data = buf.getvalue()
    elif ext == ".csv":
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow([f"x{j + 1}" for j in range(X.shape[1])] + ["y"])
        for xi, yi in zip(X, y):
            w.writerow([repr(float(v)) for v in xi] + [yi.item() if hasattr(yi, "item") else yi])
        data = out.getvalue().encode()
    else:
        raise FileFormatError(f"{path!r}: expected a .csv or .npz file name")
    atomic_write(path, data)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: str, data: bytes) -> None:
    """Write bytes to ``path`` through a temporary file in the same folder and os.replace.

    The folder is made if it does not exist; the file gets the permissions the
    umask gives a new file (mkstemp's 0600 would hide it from other users).
    """
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a written file should not be
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
