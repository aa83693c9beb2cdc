"""Files as units: written so that a reader (or a killed run) never sees half of one (a hidden sibling, then a
rename), and hashed by content to tell when what a result is made from has changed."""

from __future__ import annotations

import os
from collections.abc import Iterable
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


def atomic_write(path: Path, data: bytes | str) -> Path:
    """Write `data` to `path` through its partial sibling in the same folder and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = partial_path(path)
    if isinstance(data, str):
        partial.write_text(data, encoding="utf-8")
    else:
        partial.write_bytes(data)
    os.replace(partial, path)
    return path
