"""A full disk under one folder, for tests (a small tmpfs needs root and a mount): files there can still be created
and opened (an inode is free) but not one byte written to them, and the write fails with ENOSPC as on a real full
disk. It acts on Python's open() (pathlib, pandas, papermill, zipfile and xlsxwriter write through it); Arrow's own
writer does not see it.

In this process: `full_open(folder)` replaces io.open and builtins.open (with pytest's monkeypatch). In a child
process and every process it starts (pool workers, report workers): `environment(folder, tmp)` gives the variables
that make Python load a sitecustomize which installs it there.
"""

from __future__ import annotations

import builtins
import errno
import io
import os
from collections.abc import Callable
from pathlib import Path

VARIABLE = "TESTS_FULL_DISK_UNDER"
TESTS = Path(__file__).resolve().parent


class _Full:
    """An open file whose writes fail for want of space (everything else is the file's own)."""

    def __init__(self, handle: io.IOBase) -> None:
        self._handle = handle

    def write(self, data: bytes | str) -> int:
        if len(data):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return 0

    def writelines(self, lines: list) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> object:
        return getattr(self._handle, name)

    def __enter__(self) -> _Full:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()


def full_open(folder: Path | str, real: Callable = io.open) -> Callable:
    """An open() for which the disk under `folder` is full."""
    inside = os.path.realpath(folder) + os.sep

    def open_(file, mode="r", *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202 — open()'s signature
        handle = real(file, mode, *args, **kwargs)
        writing = any(flag in mode for flag in "wax+")
        if writing and isinstance(file, str | bytes | os.PathLike) and \
                os.path.realpath(os.fsdecode(file)).startswith(inside):
            return _Full(handle)
        return handle

    return open_


def install(folder: str) -> None:
    """Fill the disk under `folder` for the rest of this process (the sitecustomize of `environment`)."""
    io.open = builtins.open = full_open(folder)


def environment(folder: Path, tmp: Path) -> dict[str, str]:
    """Variables for a child process (and its children) in which the disk under `folder` is full."""
    site = tmp / "full-disk-site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(
        f"import os\nif os.environ.get({VARIABLE!r}):\n    import full_disk\n\n"
        f"    full_disk.install(os.environ[{VARIABLE!r}])\n", encoding="utf-8")
    src = TESTS.parent / "src"
    return {VARIABLE: str(folder), "PYTHONPATH": os.pathsep.join([str(src), str(TESTS), str(site)])}
