"""Formula cells of an xlsx sheet that carry no calculated value.

A workbook written by a program (openpyxl, a script) and never opened in Excel holds its formulas without the
value Excel would cache beside them; calamine reads such a cell as empty (and drops rows and columns made only of
them). This module finds those cells in the sheet's XML so that the reader can show the formula and reject the row
with its reason instead of reading a missing value.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from xml.etree import ElementTree

OOXML_SUFFIXES = {".xlsx", ".xlsm"}  # xls/xlsb/ods store a formula's result with it (or are not written this way)
_CHUNK = 1 << 22
_FORMULA_END = b"f>"  # ends <f>, </f>, <x:f>, </x:f>: one cheap search (a false hit only costs the full parse)
_CELL = re.compile(r"([A-Z]+)(\d+)")
_RELATIONSHIP = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _sheet_part(book: zipfile.ZipFile, sheet: str) -> str | None:
    """The archive path of the worksheet named `sheet` (xl/workbook.xml → its relationship → the part)."""
    try:
        workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return None
    rel = next((e.get(_RELATIONSHIP) for e in workbook.iter() if _local(e.tag) == "sheet" and e.get("name") == sheet),
               None)
    target = next((e.get("Target") for e in rels if e.get("Id") == rel), None) if rel else None
    if not target:
        return None
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))


def _has_formulas(stream: IO[bytes]) -> bool:
    """Whether the XML may hold a formula element at all, read in chunks (the usual export has none)."""
    last = b""
    while chunk := stream.read(_CHUNK):
        if _FORMULA_END in chunk or _FORMULA_END in last + chunk[:1]:
            return True
        last = chunk[-1:]
    return False


def _cells(stream: IO[bytes]) -> Iterator[tuple[int, int, str | None, str | None, str | None]]:
    """(row, column) 0-based, type, formula text and value text of every cell holding a formula, the sheet parsed
    as a stream (rows are dropped once read)."""
    row, column, data = -1, -1, None
    for event, element in ElementTree.iterparse(stream, events=("start", "end")):
        tag = _local(element.tag)
        if event == "start":
            if tag == "sheetData":
                data = element
            elif tag == "row":
                row, column = (int(element.get("r")) - 1 if element.get("r") else row + 1), -1
            continue
        if tag == "c":
            found = _CELL.fullmatch(element.get("r") or "")
            if found:
                letters, number = found.groups()
                column, row = _column_index(letters), int(number) - 1
            else:
                column += 1
            parts = {_local(child.tag): child for child in element}
            if "f" in parts:
                value = parts.get("v")
                yield row, column, element.get("t"), parts["f"].text, None if value is None else value.text or ""
        elif tag == "row" and data is not None:
            data.clear()  # the rows read so far: memory stays flat on a large sheet


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def uncached(source: Path | IO[bytes], sheet: str) -> dict[tuple[int, int], str]:
    """(row, column) 0-based → `=formula` of each formula cell of the sheet that has no calculated value: no value
    element, or an empty one where the cell is not text (a formula whose result is the empty text has one); empty
    when the workbook cannot be read this way (calamine says what is wrong with it)."""
    try:
        with zipfile.ZipFile(source) as book:
            part = _sheet_part(book, sheet)
            if part is None:
                return {}
            with book.open(part) as stream:
                if not _has_formulas(stream):
                    return {}
            with book.open(part) as stream:
                return {(row, column): f"={formula or ''}" for row, column, kind, formula, value in _cells(stream)
                        if value is None or (value == "" and kind not in ("str", "inlineStr"))}
    except (zipfile.BadZipFile, KeyError, OSError, ElementTree.ParseError, ValueError, zlib.error, EOFError,
            NotImplementedError):
        return {}

