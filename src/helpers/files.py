"""Files as units: written so that a reader (or a killed run) never sees half of one (a hidden sibling, then a
rename), and hashed by content to tell when what a result is made from has changed."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

PARTIAL_PREFIX = ".partial-"


def partial_path(path: Path) -> Path:
    """The hidden sibling `path` is written under before the rename (one per process)."""
    return path.with_name(f"{PARTIAL_PREFIX}{os.getpid()}-{path.name}")


def hash_files(digest: Any, paths: Iterable[Path]) -> Any:  # noqa: ANN401 — a hashlib object
    """Feed each existing file's name and bytes, in the order given, into `digest`; returns it."""
    for path in paths:
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest


def atomic_write(path: Path, data: bytes | str | Callable[[Path], object]) -> Path:
    """Write `data` to `path` through its partial sibling in the same folder and an atomic rename: bytes, text
    (UTF-8), or a function that writes the file it is given (a Parquet table, a workbook). A failed write leaves
    the previous file, and no partial one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = partial_path(path)
    try:
        if isinstance(data, str):
            partial.write_text(data, encoding="utf-8")
        elif isinstance(data, bytes):
            partial.write_bytes(data)
        else:
            data(partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path
