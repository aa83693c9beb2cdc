"""Files and folders as units: written so that a reader (or a killed run) never sees half of one (a hidden
sibling, then a rename or an exchange), and hashed by content to tell when what a result is made from has
changed."""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PARTIAL_PREFIX = ".partial-"
STAGING, RETIRED = "staging", "old"  # `.{name}.staging-{pid}`: a folder being built; `.{name}.old-{pid}`: replaced


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


@contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """A working copy of the folder `target` that takes its place as one unit when the block ends, or is removed
    when the block fails: a reader sees the previous complete folder or the new one, never a mix.

    The copy starts as hard links to the files of `target` (a stage that is not re-run keeps its files), so
    everything written into it must replace files (atomic_write), never change them in place. Leftovers of
    killed runs are swept first."""
    target = Path(target)
    sweep_leftovers(target)
    staging = _sibling(target, STAGING)
    if target.is_dir():
        shutil.copytree(target, staging, symlinks=True, copy_function=_link_or_copy)
    else:
        staging.mkdir(parents=True)
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if target.is_dir() and _exchange(staging, target):
        shutil.rmtree(staging, ignore_errors=True)  # it now holds the previous folder
        return
    retired = _sibling(target, RETIRED)
    if target.is_dir():
        os.replace(target, retired)
    os.replace(staging, target)
    shutil.rmtree(retired, ignore_errors=True)


def sweep_leftovers(target: Path) -> list[Path]:
    """Remove what killed runs left beside and inside `target` (staging and replaced folders, partial files and
    spill folders of processes no longer running); a folder replaced but not yet succeeded is put back. Returns
    what was removed."""
    target = Path(target)
    found = re.compile(rf"\.{re.escape(target.name)}\.({STAGING}|{RETIRED})-(\d+)$")
    removed = []
    siblings = sorted(target.parent.iterdir()) if target.parent.is_dir() else []
    for path in siblings:
        match = found.match(path.name)
        if not match or _running(int(match.group(2))):
            continue
        if match.group(1) == RETIRED and not target.exists():
            os.replace(path, target)
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    inside = [*target.glob("clean-parts-*"), *target.rglob(f"{PARTIAL_PREFIX}*")] if target.is_dir() else []
    for path in inside:
        pid = re.match(rf"{PARTIAL_PREFIX}(\d+)-", path.name)
        if pid and _running(int(pid.group(1))):
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def _sibling(target: Path, kind: str) -> Path:
    return target.with_name(f".{target.name}.{kind}-{os.getpid()}")


def _running(pid: int) -> bool:
    """A process other than this one with this id runs (this process's leftovers are its own past failures)."""
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links
        shutil.copy2(source, target)


RENAME_EXCHANGE = 2
AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders in one step (Linux renameat2); False where the system cannot, and the caller renames."""
    if sys.platform != "linux":
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    done = renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE)
    return done == 0


def folder_problem(path: Path) -> str | None:
    """Why `path` cannot be written as an output folder (None when it can), checked before any work starts."""
    path = Path(path).absolute()
    if path.exists() and not path.is_dir():
        return f"{path} 已是一个文件，不是文件夹"
    existing = next(p for p in [path, *path.parents] if p.exists())
    if not existing.is_dir():
        return f"{existing} 是一个文件，不能在其下建文件夹"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"没有写入 {existing} 的权限（或该位置只读）"
    return None


def file_problem(path: Path) -> str | None:
    """Why `path` cannot be written as an output file (None when it can)."""
    path = Path(path).absolute()
    if path.is_dir():
        return f"{path} 是一个文件夹，不是文件"
    if path.exists() and not os.access(path, os.W_OK):
        return f"没有写入 {path} 的权限"
    return folder_problem(path.parent)


PROCESSED_MARKS = ("manifest.json", "stages.json", "clean")


def processed_folder_problem(path: Path) -> str | None:
    """Why `path` cannot take a pipeline's output (None when it can): a folder a run replaces as a whole must be
    empty or hold an earlier run's output, never a folder of other files."""
    problem = folder_problem(path)
    if problem or not Path(path).is_dir():
        return problem
    entries = [p.name for p in Path(path).iterdir() if not p.name.startswith(".")]
    if entries and not any(mark in entries for mark in PROCESSED_MARKS):
        shown = "、".join(sorted(entries)[:3]) + ("等" if len(entries) > 3 else "")
        return f"{path} 中已有其他文件（{shown}），不是清洗结果文件夹：请指定空文件夹或以前的清洗结果文件夹"
    return None
