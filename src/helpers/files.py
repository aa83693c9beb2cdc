"""Files and folders as units: written so that a reader (or a killed run) never sees half of one (a hidden
sibling, then a rename or an exchange), one writer at a time (a lock file beside), hashed by content to tell when
what a result is made from has changed; and the faults of the place written to (a full disk, no permission) told
in one sentence before or instead of a traceback."""

from __future__ import annotations

import ctypes
import errno
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
BLOCK = 1 << 20  # bytes read at a time when hashing


def partial_path(path: Path) -> Path:
    """The hidden sibling `path` is written under before the rename (one per process)."""
    return path.with_name(f"{PARTIAL_PREFIX}{os.getpid()}-{path.name}")


def hash_files(digest: Any, paths: Iterable[Path], root: Path | None = None) -> Any:  # noqa: ANN401 — hashlib
    """Feed each existing file's name (its path under `root` when given), size and bytes, in the order given, into
    `digest`, reading a block at a time; returns it. A file that cannot be read (the cleaner rejects it alone) is
    fed as its error, mode, size and time, so that it counts again once it can be read."""
    for path in paths:
        if path.is_file():
            name = path.relative_to(root).as_posix() if root is not None else path.name
            try:
                with open(path, "rb") as handle:
                    digest.update(f"{name}\0{os.fstat(handle.fileno()).st_size}\0".encode())
                    while block := handle.read(BLOCK):
                        digest.update(block)
            except OSError as problem:
                stat = path.stat()
                digest.update(f"{name}\0unreadable {problem.errno} {stat.st_mode} {stat.st_size} "
                              f"{stat.st_mtime_ns}\0".encode())
    return digest


class BusyError(Exception):
    """Another process holds the lock of an output (a message for people)."""


@contextmanager
def exclusive(lock: Path, busy: str, error: type[Exception] = BusyError) -> Iterator[None]:
    """Hold the lock file `lock` (created when missing, removed when released) for the block; `error(busy)` at once
    when another process holds it. A lock file removed by its holder while this one waited for it is taken
    again, so that two processes never hold two files of one name."""
    import fcntl

    lock = Path(lock)
    lock.parent.mkdir(parents=True, exist_ok=True)
    while True:
        handle = open(lock, "a")  # noqa: SIM115 — held for the block
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise error(busy) from None
        try:
            if os.fstat(handle.fileno()).st_ino == os.stat(lock).st_ino:
                break
        except FileNotFoundError:
            pass
        handle.close()  # the holder removed it between our open and our lock: take the new one
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)
        handle.close()


def lock_path(target: Path) -> Path:
    """The lock file of the folder `target`, beside it (a folder replaced as a whole cannot hold its own lock)."""
    return target.with_name(f".{target.name}.lock")


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
    everything written into it must replace files (atomic_write), never change them in place. One process at a
    time builds a folder (its lock file beside it; another gets a BusyError). Leftovers of killed runs are swept
    first."""
    target = Path(target)
    busy = f"另一个清洗正在写入 {target}，请等它结束后再运行（同一输出文件夹一次只能有一个清洗）"
    with exclusive(lock_path(target), busy):
        sweep_leftovers(target)
        staging = _sibling(target, STAGING)
        try:
            if target.is_dir():
                shutil.copytree(target, staging, symlinks=True, copy_function=_link_or_copy)
            else:
                staging.mkdir(parents=True)
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
    empty or hold an earlier run's output, never a folder of other files, and the folder holding it must be
    writable (the run builds its copy and its lock beside it, and swaps the two)."""
    problem = folder_problem(path)
    path = Path(path).absolute()
    if not problem and path.exists() and not os.access(path.parent, os.W_OK | os.X_OK):
        problem = (f"没有写入 {path.parent} 的权限（或该位置只读）：{path.name} 由其旁边的临时文件夹整体替换，"
                   f"需要对 {path.parent} 有写权限")
    if problem or not Path(path).is_dir():
        return problem
    entries = [p.name for p in Path(path).iterdir() if not p.name.startswith(".")]
    if entries and not any(mark in entries for mark in PROCESSED_MARKS):
        shown = "、".join(sorted(entries)[:3]) + ("等" if len(entries) > 3 else "")
        return f"{path} 中已有其他文件（{shown}），不是清洗结果文件夹：请指定空文件夹或以前的清洗结果文件夹"
    return None


NO_SPACE = (errno.ENOSPC, errno.EDQUOT)


class NoSpaceError(Exception):
    """The disk an output is written to is full (a message for people, from `no_space_message`)."""


def no_space(problem: BaseException) -> bool:
    """The error is a full disk or a used-up quota, as the system says it (errno) or a library words it (Arrow,
    papermill and the kernel pass on only the text)."""
    if isinstance(problem, NoSpaceError) or (isinstance(problem, OSError) and problem.errno in NO_SPACE):
        return True
    return any(os.strerror(code) in str(problem) for code in NO_SPACE)


def no_space_message(where: Path, failed: str | Path | None = None) -> str:
    """One sentence for people: the output `where` could not be written because a disk is full — that of the file
    whose write `failed` when known, else that of `where` — named by its mount point, with the space left on it."""
    where = Path(where).absolute()
    disk = Path(failed or where).absolute()
    existing = next(p for p in [disk, *disk.parents] if p.exists())
    mount = existing
    while not os.path.ismount(mount):
        mount = mount.parent
    free = shutil.disk_usage(existing).free / 2**20
    return (f"磁盘空间已满：无法写入 {where}（{mount} 所在磁盘剩余 {free:.0f} MB，或磁盘配额已用完）。"
            "请腾出空间后重新运行；未写完的文件已删除，原有结果保持不变")
