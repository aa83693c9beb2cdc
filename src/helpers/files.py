"""Writing files so that a reader (or a killed run) never sees half of one: write a hidden sibling, rename."""

from __future__ import annotations

import os
from pathlib import Path

PARTIAL_PREFIX = ".partial-"


def atomic_write(path: Path, data: bytes | str) -> Path:
    """Write `data` to `path` through `.partial-<name>` in the same folder and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{PARTIAL_PREFIX}{os.getpid()}-{path.name}")
    if isinstance(data, str):
        partial.write_text(data, encoding="utf-8")
    else:
        partial.write_bytes(data)
    os.replace(partial, path)
    return path
