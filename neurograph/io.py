"""Writing files: the one atomic writer every part that saves a file goes through.

A reader never sees half a file: the bytes go to a temporary file in the same
folder, are flushed to disk, and replace the target in one ``os.replace``.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "sub", "note.txt")
>>> atomic_write(path, "z = a·Θ".encode())
>>> open(path, "rb").read().decode()
'z = a·Θ'
"""

from __future__ import annotations

import os
import tempfile

from .errors import ConfigError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _file_path(path) -> str:
    """The folder a file ``path`` goes in; ConfigError unless ``path`` names a file
    there can be (os.replace and os.makedirs would say "Is a directory" or "File
    exists" about a temporary file the user never named)."""
    try:
        path = os.fspath(path)
    except TypeError:
        raise ConfigError(f"expected a file path (str or os.PathLike), got {path!r}") from None
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not path or path.endswith((os.sep, "/")) or os.path.isdir(path):
        raise ConfigError(f"expected a file path, got {path!r}: "
                          f"{'a folder' if path else 'an empty path'} (name the file in it)")
    folder = os.path.dirname(os.path.abspath(path))
    up = folder
    while not os.path.exists(up):  # the nearest existing ancestor must be a folder
        up = os.path.dirname(up)
    if not os.path.isdir(up):
        raise ConfigError(f"cannot write {path!r}: {up!r} is a file, not a folder")
    return folder


def atomic_write(path: str | os.PathLike, data: bytes) -> None:
    """Write bytes to ``path`` through a temporary file in the same folder and os.replace.

    The folder is made if it does not exist; the file gets the permissions the
    umask gives a new file (mkstemp's 0600 would hide it from other users). On
    any failure the temporary file is removed and ``path`` is left as it was.
    A path that is a folder, or lies under a file, is a ConfigError.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "a.bin")
    >>> atomic_write(path, b"\\x00\\x01")
    >>> os.path.getsize(path)
    2
    >>> atomic_write(os.path.dirname(path), b"")
    Traceback (most recent call last):
    ...
    neurograph.errors.ConfigError: expected a file path, got '...': a folder (name the file in it)
    """
    folder = _file_path(path)
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
