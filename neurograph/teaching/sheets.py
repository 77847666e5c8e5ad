"""Exercise sheets: one per student (Markdown and HTML) and one answer key (CSV)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from ..errors import ConfigError
from ..io import atomic_write
from .exercises import Exercise, check_seed
from .sheet import html, markdown, number


def exercises(n: int, seed: int = 0, kind: str = "backprop", out=None) -> list[Exercise]:
    """``n`` exercises of one ``kind``, one per student, seeded from ``seed``.

    With ``out`` (a folder), writes ``sheet_01.md`` and ``sheet_01.html`` … per student
    and ``answer_key.csv`` (sheet, seed, name, value, rounded): each file atomically.

    Raises
    ------
    ConfigError
        ``n`` not a whole number ≥ 1, a seed that is not a whole number, an unknown kind,
        or ``out`` an existing file.

    Examples
    --------
    >>> import neurograph as ng
    >>> sheets = ng.exercises(3, seed=1, kind="forward")
    >>> [ex.seed for ex in sheets] == [ex.seed for ex in ng.exercises(3, seed=1, kind="forward")]
    True
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ConfigError(f"n must be a whole number ≥ 1 (students), got {n!r}")
    seeds = np.random.SeedSequence(check_seed(seed)).generate_state(int(n))
    sheets = [Exercise(kind, int(s)) for s in seeds]
    if out is not None:
        write(sheets, Path(out))
    return sheets


def write(sheets: list[Exercise], folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"out must be a folder, got the file {str(folder)!r}")
    folder.mkdir(parents=True, exist_ok=True)
    width = max(2, len(str(len(sheets))))
    key = io.StringIO()
    w = csv.writer(key, lineterminator="\n")
    w.writerow(["sheet", "kind", "seed", "name", "value", "rounded"])
    for k, ex in enumerate(sheets, 1):
        stem = f"sheet_{k:0{width}d}"
        atomic_write(str(folder / f"{stem}.md"), markdown(ex).encode("utf-8"))
        page = (f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{stem}</title>"
                f"</head><body>\n{html(ex)}\n</body></html>\n")
        atomic_write(str(folder / f"{stem}.html"), page.encode("utf-8"))
        for name, v in ex.answers().items():
            w.writerow([stem, ex.kind, ex.seed, name, repr(v), number(v).replace("−", "-")])
    atomic_write(str(folder / "answer_key.csv"), key.getvalue().encode("utf-8"))
