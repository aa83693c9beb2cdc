"""What a source folder holds, as the tables its readers take: plain files, gzipped files, the members of zip
archives and the sheets of workbooks, each named as the accounts name it (`a.zip!b.csv`, `book.xlsx!2021-2025`).

Whatever a folder holds that no reader takes (an unknown kind of file, a damaged archive) is listed too, as an
input known to be rejected, so that nothing in a source folder goes unmentioned. Hidden files (`.DS_Store`) and
Office lock files (`~$book.xlsx`) are the system's, not the evaluator's, and are passed over.
"""

from __future__ import annotations

import gzip
import io
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
TEXT_SUFFIXES = {".csv", ".txt", ".tsv"}
LOG_SUFFIXES = {".log"}
ARCHIVE_SUFFIXES = {".zip"}


class FileRejected(Exception):
    """A whole input could not be read; `code` is a reason code, the message is for people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def hidden(name: str) -> bool:
    """A system file: hidden (`.DS_Store`) or an Office lock file (`~$book.xlsx`)."""
    return PurePosixPath(name).name.startswith((".", "~$", "__MACOSX"))


def table_suffix(name: str) -> str:
    """The suffix that says how to read `name`, under a `.gz`: `a.csv.gz` → `.csv`, `access.log.gz` → `.log`."""
    path = PurePosixPath(name.lower())
    return path.with_suffix("").suffix if path.suffix == ".gz" else path.suffix


@dataclass(frozen=True)
class RawInput:
    """One table of a source folder: a file, or a member of a zip archive, and one sheet of a workbook.

    `problem` is set when listing already found the input unreadable (code, message): it is then rejected
    without being read. `one_of_sheets`: the workbook has other sheets, so the sheet is part of the name."""

    path: Path
    member: str | None = None
    sheet: str | None = None
    problem: tuple[str, str] | None = None
    one_of_sheets: bool = False

    def name(self, root: Path) -> str:
        """As the accounts name it: the path under `root`, then `!member`, then `!sheet` when there are others."""
        try:
            name = self.path.relative_to(root).as_posix()
        except ValueError:
            name = self.path.as_posix()
        sheet = self.sheet if self.one_of_sheets else None
        return "!".join([name, *(part for part in (self.member, sheet) if part is not None)])

    @property
    def suffix(self) -> str:
        return table_suffix(self.member or self.path.name)

    @property
    def is_spreadsheet(self) -> bool:
        return self.suffix in SPREADSHEET_SUFFIXES

    def size(self) -> int:
        """Bytes as stored (compressed), for scheduling."""
        try:
            return self.path.stat().st_size
        except OSError:
            return 0

    def read_bytes(self) -> bytes:
        """The input's bytes, out of its archive and uncompressed; FileRejected for any fault of the file."""
        if self.problem:
            raise FileRejected(*self.problem)
        with readable():
            if self.member is None:
                data = self.path.read_bytes()
            else:
                with zipfile.ZipFile(self.path) as archive:
                    data = archive.read(self.member)
            if (self.member or self.path.name).lower().endswith(".gz"):
                data = gzip.decompress(data)
        return data


@contextmanager
def readable() -> Iterator[None]:
    """Turns the faults a file can show while read (permissions, I/O errors, damaged compression or archives)
    into FileRejected with a plain reason."""
    try:
        yield
    except PermissionError:
        raise FileRejected("unreadable", "没有读取该文件的权限（请检查文件权限）") from None
    except (zlib.error, EOFError, gzip.BadGzipFile) as exc:
        raise FileRejected("corrupt_compression", f"压缩数据损坏或被截断，无法解压：{exc}") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError) as exc:
        raise FileRejected("corrupt_archive", f"压缩包损坏或使用了不支持的压缩方式：{exc}") from None
    except OSError as exc:
        raise FileRejected("unreadable", f"无法读取该文件：{exc.strerror or exc}") from None


def _sheets(item: RawInput) -> list[RawInput]:
    """One input per sheet of a workbook (the workbook itself when it cannot be opened: reading says why)."""
    from python_calamine import CalamineWorkbook

    try:
        source = item.path if item.member is None else io.BytesIO(item.read_bytes())
        names = CalamineWorkbook.from_object(source).sheet_names
    except Exception:  # noqa: BLE001 — calamine raises its own error types for every kind of damage
        return [item]
    return [RawInput(item.path, item.member, name, one_of_sheets=len(names) > 1) for name in names] or [item]


def _members(path: Path, log: bool) -> list[RawInput]:
    """The inputs of a zip archive: its members that hold tables, and the others as rejected."""
    try:
        with readable(), zipfile.ZipFile(path) as archive:
            members = [info.filename for info in archive.infolist() if not info.is_dir()]
    except FileRejected as problem:
        return [RawInput(path, problem=(problem.code, problem.message))]
    items = [_classified(RawInput(path, member), log) for member in members if not hidden(member)]
    return items or [RawInput(path, problem=("empty_archive", "压缩包中没有任何文件"))]


def _classified(item: RawInput, log: bool) -> RawInput:
    """`item` as is when a reader takes it, else marked rejected with the reason."""
    if item.suffix in ARCHIVE_SUFFIXES:
        return RawInput(item.path, item.member, problem=("nested_archive", "压缩包中套有压缩包：请先解开内层压缩包"))
    if log or item.suffix in SPREADSHEET_SUFFIXES | TEXT_SUFFIXES:
        return item
    return RawInput(item.path, item.member,
                    problem=("unsupported_kind", "不是可读取的数据文件类型（应为 csv、txt、tsv、xlsx、xls、ods、"
                                                 "log、zip 或其 .gz 压缩）"))


def source_inputs(folder: Path, form: str | None = None) -> list[RawInput]:
    """Every input of a source folder (sub-folders included), in a stable order; later ones win ties in
    deduplication. `form`: `access_log` (read every file as a log, whatever it is called) or `file_list` (the
    folder itself is the one input: a table of its files)."""
    if not folder.is_dir():
        return []
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not hidden(p.name))
    if form == "file_list":
        return [RawInput(folder)] if files else []
    log = form == "access_log"
    items: list[RawInput] = []
    for path in files:
        if table_suffix(path.name) in ARCHIVE_SUFFIXES and path.suffix.lower() != ".gz":
            found = _members(path, log)
        else:
            found = [_classified(RawInput(path), log)]
        for item in found:
            items += _sheets(item) if item.problem is None and item.is_spreadsheet and not log else [item]
    return items
