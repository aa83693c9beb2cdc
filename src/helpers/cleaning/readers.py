"""Reading raw extract files into string tables: encoding, header row, column mapping, line numbers.

A reader never interprets values; it returns every cell as text (or missing) with the file's own line
(CSV) or row (spreadsheet) number, and maps the file's headers to the catalog's field names. A file
that cannot be read raises `FileRejected` with a plain-language reason; the caller goes on with the
other files.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import charset_normalizer
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from helpers.cleaning import formulas
from helpers.cleaning.inputs import FileRejected, RawInput, hidden
from helpers.cleaning.parsing import empty_as_null, text_series, unit_in_header
from helpers.cleaning.rules import Rules

LINE = "_line"
OVERFLOW = "_overflow"  # cells beyond the header's width: the row is misaligned
REJECT = "_reject"  # a reason code set by the reader for a row it could not split into fields
FORMULA_NO_VALUE = "formula_no_value"  # the REJECT of a row whose catalog cell is a formula without its value
_SAMPLE_BYTES = 1 << 16
BLOCK_SIZE = 1 << 24  # Arrow CSV blocks: large enough that columns come in few chunks
# Arrow text → pandas "str" without a copy: pandas keeps its text as large_string, so Arrow parses into that
_TEXT = pa.large_string()
_STR = {_TEXT: pd.StringDtype("pyarrow", na_value=np.nan)}


@dataclass
class RawTable:
    """One file's rows as text, with the columns that matched the catalog."""

    frame: pd.DataFrame  # original headers as columns (made unique), all text, plus LINE
    columns: dict[str, str]  # field name -> column of `frame`
    headers: dict[str, str] = field(default_factory=dict)  # field name -> header as written
    encoding: str | None = None
    header_line: int | None = None  # 1-based line/row of the header
    notes: list[str] = field(default_factory=list)  # what a reader of the accounts should know (columns unused)
    preamble: str = ""  # the text above the header (a title row naming the year or the department)
    reshaped: bool = False  # read from a wide statistical table (one row per region and year column)


# ----------------------------------------------------------------------------- header matching
def _header_stem(cell: object) -> str:
    """A header without a trailing unit in brackets: `质押金额（元）` → `质押金额`."""
    text = str(cell)
    return re.sub(r"[(（\[【][^)）\]】]*[)）\]】]\s*$", "", text).strip() or text


@dataclass(frozen=True)
class Header:
    """What a source's header row looks like: its catalog fields with their aliases, the fields it must carry
    (required ones, and one of each `either` group), and the rules headers are compared by."""

    fields: dict[str, dict[str, Any]]
    either: list[list[str]]
    rules: Rules
    wide: dict[str, Any] | None = None  # the source's wide statistical form (sources.yaml `wide`), if it has one
    footnotes: tuple[str, ...] = ()  # words that open a table's note line (数据来源：…), NFKC-normalised

    @classmethod
    def of(cls, spec: dict[str, Any], rules: Rules) -> Header:
        """The header of a source of the catalog (sources.yaml)."""
        notes = tuple(unicodedata.normalize("NFKC", word) for word in spec.get("footnotes", []))
        return cls(spec["fields"], spec.get("either", []), rules, spec.get("wide"), notes)

    @cached_property
    def aliases(self) -> dict[str, tuple[str, int]]:
        """Normalised header -> (field name, rank); where a file has several columns for one field,
        the one whose alias comes first in the catalog (the label, then the aliases in order) wins."""
        index: dict[str, tuple[str, int]] = {}
        for name, spec in self.fields.items():
            for rank, alias in enumerate([spec["label"], *spec.get("aliases", [])]):
                index.setdefault(self.rules.header_key(alias), (name, rank))
        return index

    def candidates(self, cells: list[object]) -> dict[str, list[int]]:
        """Field name -> positions of every cell of a candidate header row naming it, the winner first: the
        column whose alias comes first in the catalog, and of equal ones the leftmost."""
        key = self.rules.header_key
        found: dict[str, list[tuple[int, int]]] = {}
        for pos, cell in enumerate(cells):
            if cell is None or str(cell).strip() == "":
                continue
            hit = self.aliases.get(key(cell)) or self.aliases.get(key(_header_stem(cell)))
            if hit:
                name, rank = hit
                found.setdefault(name, []).append((rank, pos))
        return {name: [pos for _, pos in sorted(hits)] for name, hits in found.items()}

    def match(self, cells: list[object]) -> dict[str, int]:
        """Field name -> position of the column used for it (see `candidates`)."""
        return {name: positions[0] for name, positions in self.candidates(cells).items()}

    def doubles(self, cells: list[object]) -> list[str]:
        """A note per field that several columns name: which one is used and which are not."""
        notes = []
        for name, positions in self.candidates(cells).items():
            if len(positions) > 1:
                used, *others = (f"第 {p + 1} 列「{cells[p]}」" for p in positions)
                notes.append(f"{'、'.join([used, *others])}都是「{self.fields[name]['label']}」：使用{used}，"
                             f"未使用{'、'.join(others)}")
        return notes

    def year_columns(self, cells: list[object]) -> dict[int, str]:
        """Position -> year (`2023`) of the cells of a row that are year headers (`2023年`, `2023`, `2023年末`)."""
        years = {}
        for pos, cell in enumerate(cells):
            match = _YEAR_HEADER.fullmatch(self.rules.header_key(cell)) if cell is not None else None
            if match:
                years[pos] = match.group(1)
        return years

    def find_wide(self, rows: list[list[object]]) -> int | None:
        """Index of the first row that is the header of the source's wide form: its `id` column, then year columns
        (`地区,2023年,2022年,…`); None when the source has no wide form or no such row."""
        if not self.wide:
            return None
        for i, row in enumerate(rows[: self.rules.header_scan_rows]):
            found = self.match(row)
            years = self.year_columns(row)
            if self.wide["id"] in found and years and found[self.wide["id"]] < min(years):
                return i
        return None

    def locate(self, rows: list[list[object]]) -> tuple[int, bool]:
        """(index of the header row, whether it is the wide form's): the source's own header first."""
        try:
            return self.find(rows), False
        except FileRejected:
            index = self.find_wide(rows)
            if index is None:
                raise
            return index, True

    def find(self, rows: list[list[object]]) -> int:
        """Index of the first row that carries the source's required columns; FileRejected if none."""
        groups = [[name] for name, spec in self.fields.items() if spec.get("required")] + self.either
        scan = self.rules.header_scan_rows
        for i, row in enumerate(rows[:scan]):
            found = self.match(row)
            if len(found) >= min(self.rules.header_min_matches, len(self.fields)) and all(
                any(name in found for name in group) for group in groups
            ):
                return i
        labels = " / ".join("或".join(self.fields[n]["label"] for n in g) for g in groups)
        raise FileRejected("no_header", f"找不到表头行：前 {scan} 行中没有包含必需列（{labels}）的一行")


_YEAR_HEADER = re.compile(r"((?:19|20)\d{2})(?:\.0)?(?:年|年度)?(?:末|底)?")  # a numeric cell reads 2023.0


# ----------------------------------------------------------------------------- encodings
def _blank(data: bytes) -> bool:
    """Empty or white space only; isspace() stops at the first visible byte, strip() would copy the file."""
    return not data or data.isspace()


UTF16 = {codecs.BOM_UTF16_LE: "utf-16-le", codecs.BOM_UTF16_BE: "utf-16-be"}  # Excel's 「Unicode 文本」 is LE
# Chinese code pages without a signature, in the order tried; cp950 is Big5 as Windows writes it (Traditional
# Chinese). GB18030 decodes Big5 bytes too, into other characters: the header decides between them.
LEGACY = ("gb18030", "cp950")
NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16-le": "UTF-16", "utf-16-be": "UTF-16", "gb18030": "GB18030",
         "cp950": "Big5"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")  # not in text: a "UTF-16" reading that has them is binary


def _strict(sample: bytes, encoding: str, final: bool) -> str | None:
    """`sample` decoded, or None where it is not text in `encoding` (an unfinished character at a cut is)."""
    try:
        return codecs.getincrementaldecoder(encoding)().decode(sample, final=final)
    except UnicodeDecodeError:
        return None


def _utf16(sample: bytes, final: bool) -> str | None:
    """utf-16-le / utf-16-be for UTF-16 text: its BOM, or NUL bytes on one side of the byte pairs only (the high
    half of the ASCII in it: digits, separators, line ends) where the decoded text is lines of text (a stray NUL in
    a UTF-8 file decodes into no line end)."""
    for bom, encoding in UTF16.items():
        if sample.startswith(bom):
            return encoding
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if bool(even) == bool(odd):  # none (not UTF-16 with ASCII in it) or both (binary)
        return None
    encoding = "utf-16-le" if odd else "utf-16-be"
    text = _strict(sample, encoding, final)
    return encoding if text and "\n" in text and not _CONTROL.search(text) else None


def encodings(data: bytes) -> list[str]:
    """The encodings a text file may be in, the likeliest first: a BOM or UTF-16's NUL bytes decide alone, then
    strict UTF-8; else each of the legacy Chinese code pages that decodes the file's head strictly (`LEGACY`:
    the reader takes the first in which it finds the header), else charset-normalizer's guess. FileRejected for
    binary content and for text that none of them decodes."""
    if data.startswith(codecs.BOM_UTF8):
        return ["utf-8-sig"]
    sample = data[:_SAMPLE_BYTES]
    final = len(sample) == len(data)
    if not final:  # cut at a line end so that no character is split
        sample = sample[: sample.rfind(b"\n") + 1] or sample
    utf16 = _utf16(sample, final)
    if utf16:
        return [utf16]
    if b"\x00" in sample[:8192]:
        raise FileRejected("binary", "文件含二进制内容（NUL 字节），不是文本表格")
    # Strict decoding before guessing: statistical detection takes short GBK files for Korean (cp949).
    if _strict(sample, "utf-8", final) is not None:
        return ["utf-8"]
    legacy = [encoding for encoding in LEGACY if _strict(sample, encoding, final) is not None]
    if legacy:
        return legacy
    guess = charset_normalizer.from_bytes(sample).best()
    if guess is None:
        tried = "、".join(dict.fromkeys(NAMES.values()))
        raise FileRejected("unknown_encoding", f"无法识别文件编码：按 {tried} 都无法解码")
    name = codecs.lookup(guess.encoding).name
    # GB2312 and GBK are subsets of GB18030: decode with the superset so no character is lost.
    return ["gb18030" if name in {"gb2312", "gbk", "cp936", "hz", "gb18030"} else name]


def detect_encoding(data: bytes) -> str:
    """The likeliest encoding of a text file (`encodings`)."""
    return encodings(data)[0]


def _as_utf8(data: bytes, encoding: str) -> bytes:
    """UTF-16 text as UTF-8 without its BOM, so that the CSV readers (and their line numbers, counted in bytes)
    take it as they take any file."""
    body = memoryview(data)[2:] if data[:2] in UTF16 else data
    try:
        return str(body, encoding).encode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileRejected("unknown_encoding", f"文件是 UTF-16 编码，但第 {exc.start + 1} 字节起无法解码"
                                               "（文件被截断或损坏）") from None


# ----------------------------------------------------------------------------- text tables
def _unique_names(cells: list[object]) -> list[str]:
    names: list[str] = []
    for pos, cell in enumerate(cells):
        name = str(cell).strip() if cell is not None and str(cell).strip() else f"列{pos + 1}"
        while name in names:
            name += "_"
        names.append(name)
    return names


def _footnotes(frame: pd.DataFrame, words: tuple[str, ...]) -> pd.Series:
    """Rows that are a table's notes, not data: a single filled cell that starts with one of `words` (数据来源：…,
    注：…); a row the reader refused is never one."""
    found = pd.Series(False, index=frame.index)
    if not words or frame.empty:  # only sources that declare `footnotes` (small statistical tables) pay for this
        return found
    cells = frame.drop(columns=[c for c in (LINE, OVERFLOW, REJECT) if c in frame])
    filled = cells.notna() & cells.apply(lambda column: column.str.strip() != "")
    single = (filled.sum(axis=1) == 1) & (frame[REJECT].isna() if REJECT in frame else True)
    first = _first_filled(cells[single], filled[single])
    found[single] = first.map(lambda text: unicodedata.normalize("NFKC", text).strip().startswith(words))
    return found


def _first_filled(cells: pd.DataFrame, filled: pd.DataFrame) -> pd.Series:
    """Per row, the text of its first filled cell."""
    return pd.Series([row[mask][0] if mask.any() else "" for row, mask in zip(cells.to_numpy(dtype=object),
                                                                            filled.to_numpy(), strict=True)],
                     index=cells.index, dtype=object)


def _footnote_notes(frame: pd.DataFrame, footnote: pd.Series) -> list[str]:
    """The accounts' note for each note line set apart."""
    if not footnote.any():
        return []
    rows = frame[footnote]
    cells = rows.drop(columns=[c for c in (LINE, OVERFLOW, REJECT) if c in rows])
    texts = _first_filled(cells, cells.notna())
    return [f"第 {line} 行「{str(text).strip()}」是表尾说明，不是数据行"
            for line, text in zip(rows[LINE], texts, strict=True)]


def _table(frame: pd.DataFrame, rows: list[list[object]], header_idx: int, header: Header, **meta: Any) -> RawTable:
    """The table of a file whose header is row `header_idx` of its first `rows` (its note lines set apart)."""
    cells = rows[header_idx]
    found = header.match(cells)
    names = list(frame.columns)
    above = " ".join(str(cell).strip() for row in rows[:header_idx] for cell in row if cell not in (None, ""))
    footnote = _footnotes(frame, header.footnotes)
    notes = _footnote_notes(frame, footnote)
    if notes:
        frame = frame[~footnote]
    return RawTable(
        frame=frame,
        columns={name: names[pos] for name, pos in found.items()},
        headers={name: str(cells[pos]) for name, pos in found.items()},
        notes=header.doubles(cells) + notes,
        preamble=above,
        header_line=header_idx + 1,
        **meta,
    )


def _preamble_value(rows: list[list[object]], header_idx: int, word: str) -> str | None:
    """The text after `word：` on the first line above the header that starts with it (`指标：年末常住人口(万人)` →
    `年末常住人口(万人)`), NFKC-normalised; None if there is no such line."""
    pattern = re.compile(rf"^{re.escape(word)}\s*[:：]\s*(.*)$")
    for row in rows[:header_idx]:
        filled = [unicodedata.normalize("NFKC", str(cell)).strip() for cell in row if cell not in (None, "")]
        match = pattern.match(filled[0]) if filled else None
        if match:
            return ",".join([match.group(1), *filled[1:]]).strip(", ") or None
    return None


def _long_table(frame: pd.DataFrame, rows: list[list[object]], header_idx: int, header: Header,
                **meta: Any) -> RawTable:
    """A statistical table in wide form (`地区,2023年,2022年,…`) as the source's rows: one per region and year column
    with a value (sources.yaml `wide`). The value's header is the 指标 line of the preamble (its unit read from it),
    which must name the value field; note lines (数据来源：…, `_footnotes`) and empty cells are not rows, and the
    file's notes say how many there were. A row the reader already refused stays one refused row."""
    wide, rules = header.wide, header.rules
    cells = rows[header_idx]
    names = _unique_names(cells)
    id_name = names[header.match(cells)[wide["id"]]]
    years = {names[pos]: year for pos, year in header.year_columns(cells).items()}
    value_field, year_field = header.fields[wide["value"]], header.fields[wide["columns"]]
    indicator = _preamble_value(rows, header_idx, wide["indicator"])
    if indicator is not None:
        hit = header.aliases.get(rules.header_key(indicator)) or header.aliases.get(
            rules.header_key(_header_stem(indicator)))
        if not hit or hit[0] != wide["value"]:
            raise FileRejected("wide_indicator_mismatch",
                               f"统计表（宽表）的指标是「{indicator}」，不是本数据源的「{value_field['label']}」")
    unit = _preamble_value(rows, header_idx, wide["unit"])
    if indicator is not None and unit_in_header(indicator, rules):
        value_name = indicator
    elif unit is not None:
        value_name = f"{indicator or value_field['label']}（{unit}）"
    else:
        value_name = indicator or value_field["label"]
    year_name = year_field["label"] if year_field["label"] not in (id_name, value_name) else f"{year_field['label']}_"

    refused = frame[REJECT].notna() if REJECT in frame else pd.Series(False, index=frame.index)
    values = frame[list(years)]
    empty = values.isna() | values.apply(lambda column: column.str.strip().isin(rules.missing_markers))
    footnote = _footnotes(frame, header.footnotes)
    body = frame[~refused & ~footnote]
    parts = [pd.DataFrame({id_name: body[id_name], year_name: year, value_name: body[column], LINE: body[LINE]})
             [~empty.loc[body.index, column]] for column, year in years.items()]
    if refused.any():  # kept once, as the reader refused it, with its year cells and the text it could not place
        bad = frame[refused]
        kept = {id_name: bad[id_name], year_name: None, value_name: None, LINE: bad[LINE], REJECT: bad[REJECT],
                **{column: bad[column] for column in years}}
        if OVERFLOW in bad:
            kept[OVERFLOW] = bad[OVERFLOW]
        parts.append(pd.DataFrame(kept))
    long = pd.concat(parts, ignore_index=True).sort_values(LINE, kind="stable", ignore_index=True)
    text = pd.StringDtype("pyarrow", na_value=np.nan)
    long = long.astype({c: text for c in long.columns if c != LINE}).astype({LINE: "int64"})
    shown = [cells[pos] for pos in header.year_columns(cells)]
    made, blank = len(long) - int(refused.sum()), int(empty.loc[body.index].to_numpy().sum())
    notes = [f"宽表（{id_name} × {len(years)} 个年度列 {shown[0]}…{shown[-1]}）：{len(body)} 行按年度转为 {made} 行"
             + (f"；{blank} 个空单元格不是数据行" if blank else "")]
    notes += _footnote_notes(frame, footnote)
    above = " ".join(str(cell).strip() for row in rows[:header_idx] for cell in row if cell not in (None, ""))
    return RawTable(
        frame=long,
        columns={wide["id"]: id_name, wide["columns"]: year_name, wide["value"]: value_name},
        headers={wide["id"]: str(cells[header.match(cells)[wide["id"]]]),
                 wide["columns"]: f"{year_field['label']}（宽表的年度列）", wide["value"]: value_name},
        notes=notes, preamble=above, header_line=header_idx + 1, reshaped=True, **meta,
    )


_LINE_END = re.compile(r"\r\n|\n|\r")


DELIMITERS = (",", "\t", ";", "|")


def _dialect(head_lines: list[str], header: Header) -> tuple[str, list[list[str]], int, bool]:
    """The delimiter, the head's rows split by it, the header's index and whether it is the wide form's: of the
    delimiters that split some head line into the source's header, the one that finds most of its fields (ties:
    the earlier one)."""
    best: tuple[int, str, list[list[str]], int, bool] | None = None
    first_problem: FileRejected | None = None
    for delimiter in DELIMITERS:
        rows = list(csv.reader(head_lines, delimiter=delimiter))
        try:
            index, wide = header.locate(rows)
        except FileRejected as problem:
            first_problem = first_problem or problem
            continue
        found = len(header.match(rows[index])) + (len(header.year_columns(rows[index])) if wide else 0)
        if best is None or found > best[0]:
            best = (found, delimiter, rows, index, wide)
    if best is None:
        raise first_problem  # type: ignore[misc]  # every delimiter failed, so one problem was kept
    return best[1], best[2], best[3], best[4]


def read_text_table(item: RawInput | Path, header: Header) -> RawTable:
    """A delimited text file (comma, tab, semicolon or `|`), any of the contract's encodings, preamble lines
    allowed."""
    data = _raw(item).read_bytes()
    if _blank(data):
        raise FileRejected("empty", "文件为空")
    tried = encodings(data)
    utf16 = tried[0] in UTF16.values()
    if utf16:
        data = _as_utf8(data, tried[0])
        if _blank(data):
            raise FileRejected("empty", "文件为空")
    heads: list[list[str]] = []
    for encoding in tried:
        head_text = data[:65536].decode("utf-8" if utf16 else encoding, errors="replace")
        # Lines as the CSV parser counts them: str.splitlines() would also split at \x1c-\x1e, \x85 or U+2028
        # inside a title line and so misplace the header.
        heads.append(_LINE_END.split(head_text)[: header.rules.header_scan_rows])
        try:
            delimiter, rows, header_idx, wide = _dialect(heads[-1], header)
            break
        except FileRejected as problem:
            if len(heads) == len(tried):
                raise problem if len(tried) == 1 else _unread(problem, tried, heads) from None
    names = _unique_names(rows[header_idx])
    frame = _parse_text(data, "utf-8" if utf16 else encoding, delimiter, header_idx, names)
    if wide:
        return _long_table(frame, rows, header_idx, header, encoding=encoding)
    return _table(frame, rows, header_idx, header, encoding=encoding)


def _unread(problem: FileRejected, tried: list[str], heads: list[list[str]]) -> FileRejected:
    """A file that several encodings decode, none into the source's header: the problem, with the first line as
    each encoding reads it (a Big5 file shows its Traditional header there, which no alias of the catalog spells)."""
    first = [next((line.strip() for line in head if line.strip()), "")[:60] for head in heads]
    names = [NAMES.get(encoding, encoding) for encoding in tried]
    shown = "，".join(f"按 {name} 为「{line}」" for name, line in zip(names, first, strict=True))
    return FileRejected("no_header_any_encoding",
                        f"{problem.message}（文件按 {'、'.join(names)} 编码都试过）；第一行{shown}。若为繁体中文"
                        "（Big5）文件：本工具按简体的列名和地名读取，请转为简体中文、另存为 UTF-8 后重新放入")


def _raw(item: RawInput | Path) -> RawInput:
    return item if isinstance(item, RawInput) else RawInput(Path(item))


def _arrow_csv(data: bytes | memoryview, read: pacsv.ReadOptions, convert: pacsv.ConvertOptions,
               **parse: Any) -> tuple[pd.DataFrame, list[str]]:
    """Arrow's CSV reader into pandas text columns, with the text of the rows it refused."""
    invalid: list[str] = []

    def refuse(row: Any) -> str:
        invalid.append(row.text)
        return "skip"

    table = pacsv.read_csv(pa.BufferReader(data), read_options=read, convert_options=convert,
                           parse_options=pacsv.ParseOptions(invalid_row_handler=refuse, **parse))
    return table.combine_chunks().to_pandas(types_mapper=_STR.get), invalid


def _parse_text(data: bytes, encoding: str, delimiter: str, header_idx: int, names: list[str]) -> pd.DataFrame:
    """Fast path with pyarrow; exact line numbers via the csv module when rows are irregular."""
    body = memoryview(data)[3:] if encoding == "utf-8-sig" else data  # a view: no copy of the file
    try:
        frame, invalid = _arrow_csv(
            body,
            pacsv.ReadOptions(skip_rows=header_idx + 1, column_names=names, block_size=BLOCK_SIZE,
                              encoding="utf8" if encoding in {"utf-8", "utf-8-sig"} else encoding),
            pacsv.ConvertOptions(column_types={n: _TEXT for n in names}, strings_can_be_null=True,
                                 quoted_strings_can_be_null=True),
            delimiter=delimiter, newlines_in_values=True,
        )
        lines = _filled_line_numbers(body, header_idx + 1)
    except pa.ArrowInvalid:  # e.g. a quote left open that runs past Arrow's block
        frame, invalid, lines = pd.DataFrame(), ["?"], np.array([])
    if invalid or len(lines) != len(frame):  # irregular rows: exact numbering
        return _parse_text_slow(str(body, encoding.replace("utf-8-sig", "utf-8")), delimiter, header_idx, names)
    frame[LINE] = lines
    return frame


def _filled_line_numbers(body: bytes | memoryview, skip: int) -> np.ndarray:
    """Numbers (from 1) of the lines after the first `skip` that are not empty: the rows' own lines when no
    value spans lines (the CSV reader skips empty lines, so a row after one is not simply the next number)."""
    starts, stops = _line_spans(body, universal=False)
    first = np.frombuffer(body, np.uint8)[starts]  # every line starts inside the body
    blank = (stops == starts) | ((stops - starts == 1) & (first == 0x0D))  # a CRLF file's empty line is b"\r"
    numbers = np.arange(1, len(starts) + 1, dtype=np.int64)
    return numbers[~blank & (numbers > skip)]


LINE_SCAN = 1 << 24  # bytes compared at once when looking for line breaks: a bounded temporary, whatever the file


def _positions(buffer: np.ndarray, byte: int) -> np.ndarray:
    """Where `byte` occurs in `buffer`, found a slice at a time."""
    found = [np.flatnonzero(buffer[at:at + LINE_SCAN] == byte) + at for at in range(0, len(buffer), LINE_SCAN)]
    return np.concatenate(found).astype(np.int64) if found else np.zeros(0, dtype=np.int64)


def _line_spans(data: bytes | memoryview, universal: bool) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (the break left out) of each line of `data`, in numpy rather than a Python object per line:
    lines end at \\n, or (`universal`, as bytes.splitlines ends them, `data` then bytes) at \\n, \\r\\n or \\r; a
    break at the very end opens no further line."""
    buffer = np.frombuffer(data, np.uint8)
    ends = _positions(buffer, 0x0A)
    after = ends + 1
    returns = _positions(buffer, 0x0D) if universal and b"\r" in data else ends[:0]  # memchr: most logs have none
    if len(returns):
        paired = np.zeros(len(returns), dtype=bool)  # a \r followed by \n: one break of two bytes
        inside = returns + 1 < len(buffer)
        paired[inside] = buffer[returns[inside] + 1] == 0x0A
        alone = ends[~np.isin(ends - 1, returns)]
        ends, after = np.concatenate([returns, alone]), np.concatenate([returns + 1 + paired, alone + 1])
        order = np.argsort(ends, kind="stable")
        ends, after = ends[order], after[order]
    starts = np.concatenate([[0], after]).astype(np.int64)
    stops = np.concatenate([ends, [len(buffer)]]).astype(np.int64)
    return (starts[:-1], stops[:-1]) if starts[-1] == len(buffer) else (starts, stops)


MAX_RECORD_LINES = 20  # a quoted value may span lines; a "record" longer than this is an unclosed quote


def _parse_text_slow(text: str, delimiter: str, header_idx: int, names: list[str]) -> pd.DataFrame:
    """Row by row, keeping each record's first physical line; extra cells go to OVERFLOW.

    A line that cannot be split into fields (a quote left open, so that the record would run on over more than
    MAX_RECORD_LINES lines or past the field size limit, or a record over several lines that comes out short of
    the header's width or runs open to the end of the file) is rejected alone as `broken_line`, and reading goes
    on at the next line."""
    physical = io.StringIO(text, newline="").readlines()  # lines as the csv module ends them: \n, \r\n or \r
    width = len(names)
    records: list[list[str | None]] = []
    lines: list[int] = []
    reasons: list[str | None] = []
    start = header_idx + 1  # 0-based index of the line the reader starts on
    while start < len(physical):
        reader = csv.reader(itertools.islice(physical, start, None), delimiter=delimiter)
        done = 0  # lines of the reader's that earlier records used
        try:
            for row in reader:
                spanned = reader.line_num - done
                if spanned > MAX_RECORD_LINES:
                    raise csv.Error("a record spans too many lines")
                if spanned > 1 and (len(row) < width or row[-1].endswith(("\n", "\r"))):
                    raise csv.Error("a quote left open swallowed the lines after it")
                if any(cell.strip() for cell in row):
                    cells: list[str | None] = [c if c != "" else None for c in row[:width]]
                    cells += [None] * (width - len(cells))
                    cells.append(delimiter.join(row[width:]) if len(row) > width else None)
                    records.append(cells)
                    lines.append(start + done + 1)
                    reasons.append("bad_row_shape" if len(row) > width else None)
                done = reader.line_num
            break
        except csv.Error:
            broken = start + done  # the line the broken record starts on
            records.append([None] * width + [physical[broken].rstrip("\r\n")])
            lines.append(broken + 1)
            reasons.append("broken_line")
            start = broken + 1
    frame = pd.DataFrame(records, columns=[*names, OVERFLOW], dtype="str")
    frame[REJECT] = pd.Series(reasons, dtype="str")
    frame[LINE] = lines
    return frame


# ----------------------------------------------------------------------------- spreadsheets
def _cell_text(value: Any) -> str | None:
    """One spreadsheet cell as text: integral floats without `.0`, dates in ISO form, booleans as 是/否."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _column_text(cells: np.ndarray) -> pd.Series:
    """A spreadsheet column as text, as `_cell_text` writes each cell: handed to Arrow at once when every cell is
    text or empty (the usual case), else converted per kind of cell."""
    try:
        text = pa.array(cells, type=pa.large_string())
    except (pa.ArrowTypeError, pa.ArrowInvalid):  # numbers, dates or booleans among the cells
        text = pa.array(_mixed_column_text(cells), type=pa.large_string())
    return text_series(empty_as_null(text), None)


def _mixed_column_text(cells: np.ndarray) -> np.ndarray:
    """`_column_text` of a column holding other cells than text, converted per kind of cell at once."""
    codes, kinds = pd.factorize(np.frompyfunc(type, 1, 1)(cells))

    def of(kind: type) -> np.ndarray:
        return np.isin(codes, [i for i, found in enumerate(kinds) if found is kind])

    texts, numbers, truths = of(str), of(float), of(bool)  # booleans apart: True and 1 are one value to factorize
    out = np.where(texts, cells, None)  # empty texts: made missing by `_column_text`
    if numbers.any():
        values = cells[numbers].astype(float)
        whole = np.isfinite(values) & (values == np.round(values)) & (np.abs(values) < 2**63)
        written = np.empty(len(values), dtype=object)
        written[whole] = values[whole].astype(np.int64).astype(str)
        written[~whole] = [_cell_text(float(v)) for v in values[~whole]]
        out[numbers] = written
    out[truths] = np.where(cells[truths].astype(bool), "是", "否")
    rest = ~(texts | numbers | truths | of(type(None)))
    if rest.any():  # dates (which repeat: each distinct one written once), integers, times
        found, uniques = pd.factorize(cells[rest])
        out[rest] = np.array([_cell_text(v) for v in uniques], dtype=object)[found]
    return out


NOTES_SHEET_CELLS = 10  # a sheet of a workbook with no header and at most this many filled cells is a notes page


def read_spreadsheet(item: RawInput | Path, header: Header) -> RawTable:
    """One sheet of an xlsx/xls/ods workbook (the input's, else the first) that carries the source's header."""
    from python_calamine import CalamineWorkbook

    item = _raw(item)
    data = item.read_bytes() if item.member is not None else None
    if (len(data) if data is not None else item.size()) == 0:
        raise FileRejected("empty", "文件为空")
    try:
        workbook = CalamineWorkbook.from_object(io.BytesIO(data) if data is not None else item.path)
        sheet = item.sheet if item.sheet is not None else workbook.sheet_names[0]
        rows = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except IndexError:
        raise FileRejected("empty", "工作簿中没有工作表") from None
    except Exception as exc:  # noqa: BLE001 — calamine raises its own error types for every kind of damage
        message = f"无法打开工作簿或工作表（文件损坏、被截断或不是 Excel 文件）：{exc}"
        raise FileRejected("unreadable_workbook", message) from None
    found = (formulas.uncached(io.BytesIO(data) if data is not None else item.path, sheet)
             if item.suffix in formulas.OOXML_SUFFIXES else {})
    if found:
        rows = _with_formulas(rows, found)
    # counted only as far as the checks below read it (a Python step per cell of a 100 000-row sheet cost 0.3 s)
    filled = sum(itertools.islice((1 for row in rows for cell in row if cell not in (None, "")), NOTES_SHEET_CELLS + 1))
    if not filled:
        raise FileRejected("empty_sheet", "工作表为空")
    try:
        header_idx, wide = header.locate(rows)
    except FileRejected:
        if item.one_of_sheets and filled <= NOTES_SHEET_CELLS:  # a cover or notes page beside the data sheets
            message = f"工作表没有表头，只有 {filled} 个非空单元格（说明页等），已跳过"
            raise FileRejected("notes_sheet", message) from None
        raise
    cells = rows[header_idx]
    names = _unique_names(cells)
    body = rows[header_idx + 1 :]
    width = len(names)
    if len({len(row) for row in body}) == 1 and len(body[0]) >= width:  # calamine's rows are rectangular
        grid = np.array(body, dtype=object)[:, :width]
    else:
        grid = np.empty((len(body), width), dtype=object)
        for i, row in enumerate(body):
            grid[i, : min(width, len(row))] = row[:width]
    frame = pd.DataFrame({name: _column_text(grid[:, j]) for j, name in enumerate(names)})
    frame[LINE] = range(header_idx + 2, header_idx + 2 + len(frame))
    frame = frame[frame.drop(columns=LINE).notna().any(axis=1)]
    refused = _formula_rows(frame, found, header_idx, [*header.match(cells).values(),
                                                       *(header.year_columns(cells) if wide else ())])
    if refused.any():
        frame[REJECT] = pd.Series(np.where(refused, FORMULA_NO_VALUE, None), index=frame.index, dtype="str")
    table = _long_table(frame, rows, header_idx, header) if wide else _table(frame, rows, header_idx, header)
    if refused.any():
        table.notes.append(f"{int(refused.sum())} 行的公式没有计算结果（工作簿由程序写出、未在 Excel 中保存过），"
                           "这些行已拒绝：请在 Excel 中打开并保存后重新放入")
    return table


def _with_formulas(rows: list[list[Any]], found: dict[tuple[int, int], str]) -> list[list[Any]]:
    """The sheet's rows with each formula that has no calculated value written in its cell (`=A1+1`): calamine
    reads such a cell as empty, and leaves out the rows and columns that hold nothing else."""
    height = max(len(rows), 1 + max(row for row, _ in found))
    width = max(max((len(row) for row in rows), default=0), 1 + max(column for _, column in found))
    rows = [[*row, *[""] * (width - len(row))] for row in rows] + [[""] * width for _ in range(height - len(rows))]
    for (row, column), text in found.items():
        rows[row][column] = text
    return rows


def _formula_rows(frame: pd.DataFrame, found: dict[tuple[int, int], str], header_idx: int,
                  used: list[int]) -> np.ndarray:
    """Per row of `frame`, whether a cell the source reads (a column at a position of `used`) is a formula
    without its calculated value: its value is unknown, so the row cannot be read (decisions.md, "Formulas")."""
    read = set(used)
    lines = {row + 1 for row, column in found if row > header_idx and column in read}
    return frame[LINE].isin(lines).to_numpy() if lines else np.zeros(len(frame), dtype=bool)


# ----------------------------------------------------------------------------- access logs
LOG_FIELDS = ["remote", "ident", "user", "timestamp", "zone", "request", "status", "bytes", "referer",
              "user_agent", "forwarded_for"]
LOG_KEPT = ["remote", "timestamp", "request", "status", "user_agent", "forwarded_for"]
_LOG_LINE = re.compile(
    r'^(\S+) (\S+) (\S+) (\[[^\]]*) ([^\]]*\]) "((?:[^"\\]|\\.)*)" (\S+) (\S+) "((?:[^"\\]|\\.)*)" '
    r'"((?:[^"\\]|\\.)*)"(?: "((?:[^"\\]|\\.)*)")?\s*$'
)


def _log_width(data: bytes) -> int:
    """Fields per line of a combined-format log: 10, or 11 with X-Forwarded-For appended."""
    for line in data[:65536].decode("utf-8", errors="replace").splitlines()[:50]:
        match = _LOG_LINE.match(line)
        if match:
            return 11 if match.group(11) is not None else 10
    return 10


def _log_lines(data: bytes, invalid: list[str]) -> tuple[np.ndarray, list[tuple[int, str]]]:
    """File line numbers of the parsed rows, and (number, text) of the lines the fast parser refused.

    Lines end where the parser ends them (\\n, \\r\\n or \\r) and empty lines are skipped, as the parser skips
    them. A line's text decides how it parses, so the refused texts (reported in any order by the parallel
    parser) are found by value, among the lines of their length in bytes (every line, should a refused text
    hold a character that stands for bytes that are not UTF-8).
    """
    refused_texts = set(invalid)
    starts, stops = _line_spans(data, universal=True)
    sizes = stops - starts
    filled = sizes > 0
    if any("\ufffd" in text for text in refused_texts):
        candidates = filled
    else:
        candidates = np.isin(sizes, [len(text.encode()) for text in refused_texts]) & filled
    refused = [(number, text) for number, text in _numbered_lines(data, (starts, stops), candidates)
               if text in refused_texts]
    taken = np.ones(len(starts), dtype=bool)
    taken[[number - 1 for number, _ in refused]] = False
    return np.flatnonzero(filled & taken).astype(np.int64) + 1, refused


def read_access_log(item: RawInput | Path) -> RawTable:
    """An nginx/Apache combined log (plain or gzip), optionally with X-Forwarded-For appended.

    Parsed in Arrow's CSV reader (space-delimited, quoted); a line it refuses is tried once more by a
    regular expression and otherwise kept with REJECT = bad_log_line and its text in `line`. When Arrow's rows
    cannot be matched to the file's lines (a quote left open, a line ending in the escape character), every
    line goes through the regular expression: a broken line costs itself, never the file.
    """
    data = _raw(item).read_bytes()
    if _blank(data):
        raise FileRejected("empty", "文件为空")
    if b"\x00" in data[:8192]:
        raise FileRejected("binary", "文件含二进制内容（NUL 字节），不是访问日志")
    width = _log_width(data)
    names = LOG_FIELDS[:width]
    try:
        frame, invalid = _arrow_csv(
            data,
            pacsv.ReadOptions(column_names=names, block_size=BLOCK_SIZE),
            pacsv.ConvertOptions(column_types={n: _TEXT for n in names},
                                 include_columns=[n for n in LOG_KEPT if n in names]),
            delimiter=" ", quote_char='"', escape_char="\\",
        )
        numbers, refused = _log_lines(data, invalid)
    except pa.ArrowInvalid:  # e.g. text that is not UTF-8
        frame, numbers, refused = pd.DataFrame(), np.array([]), [(0, "")]
    if len(numbers) != len(frame):
        frame = _refused_lines(list(_numbered_lines(data)))
    else:
        frame[LINE] = numbers
        if refused:
            frame = pd.concat([frame, _refused_lines(refused)], ignore_index=True)
    columns = {n: n for n in LOG_KEPT if n in frame}
    return RawTable(frame=frame.reset_index(drop=True), columns=columns, encoding="utf-8")


def _numbered_lines(data: bytes, spans: tuple[np.ndarray, np.ndarray] | None = None,
                    which: np.ndarray | None = None) -> Iterator[tuple[int, str]]:
    """(number, text) of the non-empty lines (or of the lines `which` marks), as the log parser ends lines (\\n,
    \\r\\n or \\r); `spans`: the lines' `_line_spans`, when already found."""
    starts, stops = spans if spans is not None else _line_spans(data, universal=True)
    for i in np.flatnonzero(stops > starts if which is None else which):
        yield int(i) + 1, data[starts[i]:stops[i]].decode("utf-8", errors="replace")


def _refused_lines(refused: list[tuple[int, str]]) -> pd.DataFrame:
    """Lines the fast parser refused: parsed by the regular expression, or marked bad_log_line."""
    records = []
    for number, text in refused:
        match = _LOG_LINE.match(text)
        if match:
            fields = dict(zip(LOG_FIELDS, match.groups(), strict=True))
            records.append({**{k: fields[k] for k in LOG_KEPT}, LINE: number})
        else:
            records.append({"line": text, REJECT: "bad_log_line", LINE: number})
    return pd.DataFrame(records)


def read_file_list(item: RawInput) -> RawTable:
    """A folder of files as a table: one row per file, its name and the names of the two folders above it (for
    evidence/<department>/<year>/<file>: department, year, name). A file the process cannot read is a row rejected
    as `unreadable_evidence`; a file outside that depth has its folders as written."""
    folder = item.path
    records = []
    for number, path in enumerate(sorted(p for p in folder.rglob("*") if p.is_file() and not hidden(p.name)), 1):
        parts = path.relative_to(folder).parts
        department, year = (parts[0] if len(parts) > 1 else None), (parts[1] if len(parts) > 2 else None)
        unreadable = None if os.access(path, os.R_OK) else "unreadable_evidence"
        records.append({"部门文件夹": department, "年度文件夹": year, "文件名": path.name, REJECT: unreadable,
                        LINE: number})
    frame = pd.DataFrame(records, columns=["部门文件夹", "年度文件夹", "文件名", REJECT, LINE]).astype(
        {"部门文件夹": "str", "年度文件夹": "str", "文件名": "str", REJECT: "str"})
    return RawTable(frame=frame, columns={"department": "部门文件夹", "year": "年度文件夹", "name": "文件名"},
                    headers={"department": "部门文件夹", "year": "年度文件夹", "name": "文件名"})


def read_file(item: RawInput | Path, header: Header, form: str | None = None) -> RawTable:
    """Dispatch on the source's form (`access_log`, `file_list`, else a table) and the input's kind; every failure
    is a FileRejected with a reason."""
    item = _raw(item)
    try:
        if form == "access_log":
            return read_access_log(item)
        if form == "file_list":
            return read_file_list(item)
        if item.is_spreadsheet:
            return read_spreadsheet(item, header)
        return read_text_table(item, header)
    except FileRejected:
        raise
    except (pa.ArrowInvalid, UnicodeDecodeError, csv.Error, LookupError) as exc:
        raise FileRejected("unparseable", f"无法按表格解析：{exc}") from None
    except OSError as exc:  # a fault of the file met while reading it: it alone is rejected
        raise FileRejected("unreadable", f"无法读取该文件：{exc.strerror or exc}") from None
