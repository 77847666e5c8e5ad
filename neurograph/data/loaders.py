"""Data files for the command line: CSV (label column last, or named y/label) and NPZ.

CSV, UTF-8 (a byte-order mark, as Excel's "CSV UTF-8" writes, is skipped):
the first row is a header when one of its cells is not a number where the
row below has a number; otherwise every row is data. The label column is
named ``y`` or ``label`` (else it is the last column); every other column is
a feature. Labels are numbers or class names (cat, dog, fish); names become
codes 0..K−1 in **sorted** order, as scikit-learn does, and
``load_dataset(path, classes=True)`` also returns the names.
NPZ: arrays ``X`` and ``y`` (or ``Y``). Read without pickle; written atomically.

>>> import os, tempfile, numpy as np
>>> path = os.path.join(tempfile.mkdtemp(), "and.csv")
>>> save_dataset(path, np.array([[0., 1.], [1., 1.]]), np.array([0, 1]))
>>> X, y = load_dataset(path)
>>> X.tolist(), y.tolist()
([[0.0, 1.0], [1.0, 1.0]], [0, 1])
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import os
import zipfile
import zlib
from typing import NamedTuple

import numpy as np

from ..errors import FileFormatError, LabelError, ShapeError
from ..io import atomic_write  # also the public ng.data.atomic_write
from .labels import one_hot


def load_dataset(path, classes: bool = False):
    """(X float64 (n, d), y) from a .csv or .npz file; (X, y, names) with ``classes=True``.

    Class-name labels come back as codes 0..K−1 in sorted order of the names;
    ``names`` is that tuple of names, or None when the labels are numbers.

    Raises
    ------
    FileNotFoundError
        No such file.
    FileFormatError
        Empty file, not UTF-8, ragged rows, a cell that is not a number (line
        and column named) or too long, an NPZ without ``X``, mismatched lengths.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "pets.csv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("w,h,label\\n1,2,dog\\n3,4,cat\\n5,6,dog\\n")
    >>> X, y, names = load_dataset(path, classes=True)
    >>> y.tolist(), names
    ([1, 0, 1], ('cat', 'dog'))
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no data file at {path!r}")
    if os.path.isdir(path):
        raise FileFormatError(f"{path!r} is a folder, expected a .csv or .npz data file")
    ext = os.path.splitext(path)[1].lower()
    if ext == ".npz":
        X, y = _checked_npz(path)
    elif ext in (".csv", ".txt"):
        X, y = _load_csv(path)
    else:
        raise FileFormatError(f"{path!r}: expected a .csv or .npz data file, "
                              f"got {ext or 'no extension'!r}")
    y, names = _encode_names(path, y)
    return (X, y, names) if classes else (X, y)


def _checked_npz(path: str):
    try:
        return _load_npz(path)
    except FileFormatError:
        raise
    except (IndexError, TypeError, ValueError):
        pass  # a readable archive with arrays of the wrong kind: say which below
    with np.load(path, allow_pickle=False) as z:
        X = z["X"]
        y = z["y"] if "y" in z.files else z["Y"]
    if X.dtype.kind not in "biuf":
        raise FileFormatError(f"{path!r}: X must hold numbers, got dtype {X.dtype}")
    if y.ndim != 1 and not (y.ndim == 2 and y.dtype.kind in "biuf"):
        raise FileFormatError(f"{path!r}: y must be labels (n,) or targets (n, K), "
                              f"got shape {y.shape}")
    raise FileFormatError(f"{path!r}: expected X (n, d) numbers and y (n,) labels, "
                          f"got X {X.dtype} {X.shape}, y {y.dtype} {y.shape}")


def _encode_names(path: str, y: np.ndarray):
    if y.dtype.kind not in "USO":
        return y, None
    if y.ndim != 1:
        raise FileFormatError(f"{path!r}: class-name labels must be one column, "
                              f"got shape {y.shape}")
    names, codes = np.unique(y.astype(str), return_inverse=True)
    return codes.astype(np.intp), tuple(str(c) for c in names)


def _load_npz(path: str):
    # An .npz is a zip: every header is checked against the others before any
    # array is allocated, and bodies are read by a bounded stream.
    try:
        with zipfile.ZipFile(path) as z:
            infos = {i.filename: i for i in z.infolist()}
            have = sorted(n[:-4] for n in infos if n.endswith(".npy"))
            if "X.npy" not in infos:
                raise FileFormatError(f"{path!r} has no array 'X' (it has {have})")
            ykey = "y.npy" if "y.npy" in infos else "Y.npy" if "Y.npy" in infos else None
            if ykey is None:
                raise FileFormatError(f"{path!r} has no array 'y' (it has {have})")
            hx = npy_header(z, infos["X.npy"], f"{path!r}: X")
            hy = npy_header(z, infos[ykey], f"{path!r}: {ykey[0]}")
            if hx.dtype.kind not in "biuf":
                raise FileFormatError(f"{path!r}: X must hold numbers, got dtype {hx.dtype}")
            if len(hx.shape) != 2:
                raise FileFormatError(f"{path!r}: X must be 2-D (n, d), got shape {hx.shape}")
            if len(hy.shape) == 0:
                raise FileFormatError(f"{path!r}: y must be labels (n,) or targets (n, K), "
                                      f"got a 0-d array")
            if hy.dtype.kind not in "biufUS":
                raise FileFormatError(f"{path!r}: y must hold labels, got dtype {hy.dtype}")
            if hy.shape[0] != hx.shape[0]:
                raise FileFormatError(f"{path!r}: X has {hx.shape[0]} rows, "
                                      f"y has {hy.shape[0]}")
            X, _ = npy_body(z, infos["X.npy"], hx, f"{path!r}: X")
            y, _ = npy_body(z, infos[ykey], hy, f"{path!r}: {ykey[0]}")
    except FileFormatError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, zlib.error) as exc:
        raise FileFormatError(f"{path!r} is not a readable .npz file ({exc})") from None
    return X.astype(np.float64), _labels(y)


class NpyHeader(NamedTuple):
    """What a .npy header declares: shape, dtype, Fortran order, header length."""

    shape: tuple
    dtype: np.dtype
    fortran: bool
    offset: int

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize


def npy_header(z: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> NpyHeader:
    """Read the header of the .npy member ``info`` of ``z`` (never its data).

    The member's declared size (``info.file_size``) must be the header plus
    exactly the bytes its shape and dtype need, so a header claiming a giant
    shape, or data past it, is refused before anything is allocated.

    Raises
    ------
    FileFormatError
        Not a .npy header, an object (pickled) or structured dtype, or a
        declared size that does not match the shape (``where`` names the member).

    Examples
    --------
    >>> import io, zipfile, numpy as np
    >>> buf = io.BytesIO()
    >>> with zipfile.ZipFile(buf, "w") as z:
    ...     np.save(z.open("a.npy", "w"), np.zeros((2, 3)))
    >>> z = zipfile.ZipFile(buf)
    >>> h = npy_header(z, z.getinfo("a.npy"), "a")
    >>> h.shape, h.dtype.name
    ((2, 3), 'float64')
    """
    with z.open(info) as f:
        try:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
            else:
                raise ValueError(f"unsupported .npy version {version}")
        except ValueError as exc:
            raise FileFormatError(f"{where} is not a plain .npy array ({exc})") from None
        offset = f.tell()
    if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None:
        raise FileFormatError(f"{where}: expected a plain numeric array, got dtype {dtype} "
                              "(objects would need pickle)")
    h = NpyHeader(tuple(int(k) for k in shape), dtype, bool(fortran), offset)
    if info.file_size != h.offset + h.nbytes:
        raise FileFormatError(f"{where}: the header declares shape {h.shape} of {dtype} "
                              f"({h.nbytes} bytes), but the member holds "
                              f"{info.file_size - h.offset} bytes of data")
    return h


def npy_body(z: zipfile.ZipFile, info: zipfile.ZipInfo, h: NpyHeader, where: str):
    """(array, SHA-256 hex of the whole member) for a member whose header ``h`` was checked.

    Reads exactly the declared bytes into one array (no intermediate copy);
    zipfile stops at the declared size and checks the CRC at the end.

    >>> import io, zipfile, numpy as np
    >>> buf = io.BytesIO()
    >>> with zipfile.ZipFile(buf, "w") as z:
    ...     np.save(z.open("a.npy", "w"), np.arange(3.0))
    >>> z = zipfile.ZipFile(buf)
    >>> npy_body(z, z.getinfo("a.npy"), npy_header(z, z.getinfo("a.npy"), "a"), "a")[0]
    array([0., 1., 2.])
    """
    try:
        arr = np.empty(math.prod(h.shape), dtype=h.dtype)
    except (MemoryError, ValueError):
        raise FileFormatError(f"{where}: shape {h.shape} of {h.dtype} does not fit in "
                              "memory") from None
    sha = hashlib.sha256()
    with z.open(info) as f:
        sha.update(f.read(h.offset))
        view = memoryview(arr.view(np.uint8).reshape(-1))
        got = 0
        while got < len(view):
            k = f.readinto(view[got : got + (1 << 22)])
            if not k:
                raise FileFormatError(f"{where} is truncated: {got} of {h.nbytes} bytes")
            got += k
        if f.read(1):
            raise FileFormatError(f"{where} holds data past its declared shape {h.shape}")
    sha.update(view)
    return arr.reshape(h.shape, order="F" if h.fortran else "C"), sha.hexdigest()


def _labels(y: np.ndarray) -> np.ndarray:
    if y.ndim == 1 and y.dtype.kind == "f" and np.all(y == np.round(y)):
        return y.astype(np.intp)
    return y


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _read_rows(path: str) -> list[list[str]]:
    rows = []
    # utf-8-sig drops the byte-order mark Excel writes; as plain utf-8 it would
    # glue onto the first header name and hide a label column named y
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        try:
            for row in reader:
                if row and any(c.strip() for c in row):
                    rows.append(row)
        except UnicodeDecodeError as exc:
            raise FileFormatError(
                f"{path!r} is not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset "
                f"{exc.start}); save it as CSV UTF-8") from None
        except csv.Error as exc:
            raise FileFormatError(f"{path!r} line {reader.line_num}: {exc}") from None
    return rows


def _has_header(rows: list[list[str]]) -> bool:
    first = rows[0]
    if len(rows) == 1:
        return not all(_number(c) for c in first)
    below = rows[1]
    return any(not _number(c) and j < len(below) and _number(below[j])
               for j, c in enumerate(first)) or all(not _number(c) for c in first)


def _load_csv(path: str):
    rows = _read_rows(path)
    header_row = bool(rows) and _has_header(rows)
    if len(rows) < 1 + header_row:
        raise FileFormatError(f"{path!r} is empty: expected data rows (after a header row)")
    width = len(rows[0])
    header = ([h.strip() for h in rows[0]] if header_row
              else [f"column {j + 1}" for j in range(width)])
    lower = [h.lower() for h in header]
    label = lower.index("y") if "y" in lower else lower.index("label") if "label" in lower \
        else width - 1
    if width < 2:
        raise FileFormatError(f"{path!r}: expected feature columns and a label column, "
                              f"got {width} column")
    data = rows[1:] if header_row else rows
    first_line = 2 if header_row else 1
    values = np.empty((len(data), width))
    labels: list[str] = []
    for i, row in enumerate(data):
        if len(row) != width:
            raise FileFormatError(f"{path!r} line {i + first_line}: expected {width} cells, "
                                  f"got {len(row)}")
        for j, cell in enumerate(row):
            if j == label:
                labels.append(cell.strip())
                continue
            try:
                values[i, j] = float(cell)
            except ValueError:
                raise FileFormatError(f"{path!r} line {i + first_line}, column {header[j]!r}: "
                                      f"expected a number, got {cell!r}") from None
    X = np.delete(values, label, axis=1)
    if all(_number(c) for c in labels):
        return X, _labels(np.array([float(c) for c in labels]))
    if "" in labels:
        i = labels.index("")
        raise FileFormatError(f"{path!r} line {i + first_line}: the label cell "
                              f"({header[label]!r}) is empty")
    return X, np.array(labels)


def save_dataset(path, X, y, classes=None) -> None:
    """Write X, y to .csv (header x1…xd, y) or .npz, atomically.

    With ``classes`` (names for codes 0..K−1) a CSV's label column holds the names.

    Raises
    ------
    ShapeError, LabelError
        X not (n, d); y not one label or one target row per instance of X.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "xor.csv")
    >>> save_dataset(path, [[0, 0], [0, 1]], [0, 1], classes=["off", "on"])
    >>> open(path).read().splitlines()[2]
    '0.0,1.0,on'
    """
    path = os.fspath(path)
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    if X.ndim != 2:
        raise ShapeError(f"X must be 2-D (n, d), got shape {X.shape}")
    if y.ndim not in (1, 2) or y.shape[0] != X.shape[0]:
        raise LabelError(f"X has {X.shape[0]} instances, y has "
                         f"{y.shape[0] if y.ndim else 'a single value'} (shape {y.shape})")
    if classes is not None:
        y = np.asarray([str(c) for c in classes])[one_hot(y, len(classes)).argmax(axis=1)]
    ext = os.path.splitext(path)[1].lower()
    if ext == ".npz":
        buf = io.BytesIO()
        np.savez_compressed(buf, X=X, y=y)
        data = buf.getvalue()
    elif ext == ".csv":
        if y.ndim != 1:
            raise LabelError(f"a CSV holds one label per row, got y of shape {y.shape}; "
                             f"use .npz for (n, K) targets")
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow([f"x{j + 1}" for j in range(X.shape[1])] + ["y"])
        for xi, yi in zip(X, y):
            w.writerow([repr(float(v)) for v in xi] + [yi.item() if hasattr(yi, "item") else yi])
        data = out.getvalue().encode()
    else:
        raise FileFormatError(f"{path!r}: expected a .csv or .npz file name")
    atomic_write(path, data)

