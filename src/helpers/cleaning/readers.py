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
import gzip
import io
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import charset_normalizer
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from helpers.cleaning.parsing import empty_as_null, text_series
from helpers.cleaning.rules import Rules

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
TEXT_SUFFIXES = {".csv", ".txt", ".tsv"}
LOG_SUFFIXES = {".log", ".gz"}
LINE = "_line"
OVERFLOW = "_overflow"  # cells beyond the header's width: the row is misaligned
REJECT = "_reject"  # a reason code set by the reader for a row it could not split into fields
_SAMPLE_BYTES = 1 << 16
BLOCK_SIZE = 1 << 24  # Arrow CSV blocks: large enough that columns come in few chunks
# Arrow text → pandas "str" without a copy: pandas keeps its text as large_string, so Arrow parses into that
_TEXT = pa.large_string()
_STR = {_TEXT: pd.StringDtype("pyarrow", na_value=np.nan)}


class FileRejected(Exception):
    """A whole file could not be read; `code` is a reason code, the message is for people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class RawTable:
    """One file's rows as text, with the columns that matched the catalog."""

    frame: pd.DataFrame  # original headers as columns (made unique), all text, plus LINE
    columns: dict[str, str]  # field name -> column of `frame`
    headers: dict[str, str] = field(default_factory=dict)  # field name -> header as written
    encoding: str | None = None
    header_line: int | None = None  # 1-based line/row of the header
    sheet: str | None = None


def supported(path: Path) -> bool:
    name = path.name.lower()
    return not name.startswith((".", "~$")) and (
        path.suffix.lower() in SPREADSHEET_SUFFIXES | TEXT_SUFFIXES | LOG_SUFFIXES or name.endswith(".log.gz")
    )


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

    @classmethod
    def of(cls, spec: dict[str, Any], rules: Rules) -> Header:
        """The header of a source of the catalog (sources.yaml)."""
        return cls(spec["fields"], spec.get("either", []), rules)

    @cached_property
    def aliases(self) -> dict[str, tuple[str, int]]:
        """Normalised header -> (field name, rank); where a file has several columns for one field,
        the one whose alias comes first in the catalog (the label, then the aliases in order) wins."""
        index: dict[str, tuple[str, int]] = {}
        for name, spec in self.fields.items():
            for rank, alias in enumerate([spec["label"], *spec.get("aliases", [])]):
                index.setdefault(self.rules.header_key(alias), (name, rank))
        return index

    def match(self, cells: list[object]) -> dict[str, int]:
        """Field name -> position for the cells of one candidate header row (first match wins)."""
        key = self.rules.header_key
        best: dict[str, tuple[int, int]] = {}
        for pos, cell in enumerate(cells):
            if cell is None or str(cell).strip() == "":
                continue
            hit = self.aliases.get(key(cell)) or self.aliases.get(key(_header_stem(cell)))
            if hit:
                name, rank = hit
                if name not in best or rank < best[name][0]:
                    best[name] = (rank, pos)
        return {name: pos for name, (_, pos) in best.items()}

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


# ----------------------------------------------------------------------------- encodings
def _blank(data: bytes) -> bool:
    """Empty or white space only; isspace() stops at the first visible byte, strip() would copy the file."""
    return not data or data.isspace()


def detect_encoding(data: bytes) -> str:
    """utf-8-sig / utf-8 / gb18030 / …: BOM first, then strict UTF-8, then charset-normalizer."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    sample = data[:_SAMPLE_BYTES]
    if len(sample) < len(data):  # cut at a line end so that no character is split
        sample = sample[: sample.rfind(b"\n") + 1] or sample
    if b"\x00" in sample[:8192]:
        raise FileRejected("binary", "文件含二进制内容（NUL 字节），不是文本表格")
    # The contract's encodings are UTF-8 and GBK/GB18030: try them strictly before guessing, since
    # statistical detection takes short GBK files for Korean (cp949) and turns them into mojibake.
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=len(sample) == len(data))
            return encoding
        except UnicodeDecodeError:
            pass
    guess = charset_normalizer.from_bytes(sample).best()
    if guess is None:
        raise FileRejected("unknown_encoding", "无法识别文件编码（既不是 UTF-8 也不是 GBK/GB18030）")
    name = codecs.lookup(guess.encoding).name
    # GB2312 and GBK are subsets of GB18030: decode with the superset so no character is lost.
    return "gb18030" if name in {"gb2312", "gbk", "cp936", "hz", "gb18030"} else name


# ----------------------------------------------------------------------------- text tables
def _unique_names(cells: list[object]) -> list[str]:
    names: list[str] = []
    for pos, cell in enumerate(cells):
        name = str(cell).strip() if cell is not None and str(cell).strip() else f"列{pos + 1}"
        while name in names:
            name += "_"
        names.append(name)
    return names


def _table(frame: pd.DataFrame, cells: list[object], header: Header, **meta: Any) -> RawTable:
    found = header.match(cells)
    names = list(frame.columns)
    return RawTable(
        frame=frame,
        columns={name: names[pos] for name, pos in found.items()},
        headers={name: str(cells[pos]) for name, pos in found.items()},
        **meta,
    )


_LINE_END = re.compile(r"\r\n|\n|\r")


def read_text_table(path: Path, header: Header) -> RawTable:
    """A delimited text file (CSV/TSV), any of the contract's encodings, preamble lines allowed."""
    data = path.read_bytes()
    if _blank(data):
        raise FileRejected("empty", "文件为空")
    encoding = detect_encoding(data)
    head_text = data[:65536].decode(encoding, errors="replace")
    # Lines as the CSV parser counts them: str.splitlines() would also split at \x1c-\x1e, \x85 or U+2028
    # inside a title line and so misplace the header.
    head_lines = _LINE_END.split(head_text)[: header.rules.header_scan_rows]
    delimiter = "\t" if head_lines and head_lines[0].count("\t") > head_lines[0].count(",") else ","
    rows = list(csv.reader(head_lines, delimiter=delimiter))
    header_idx = header.find(rows)
    names = _unique_names(rows[header_idx])
    frame = _parse_text(data, encoding, delimiter, header_idx, names)
    return _table(frame, rows[header_idx], header, encoding=encoding, header_line=header_idx + 1)


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
    frame, invalid = _arrow_csv(
        body,
        pacsv.ReadOptions(skip_rows=header_idx + 1, column_names=names, block_size=BLOCK_SIZE,
                          encoding="utf8" if encoding in {"utf-8", "utf-8-sig"} else encoding),
        pacsv.ConvertOptions(column_types={n: _TEXT for n in names}, strings_can_be_null=True,
                             quoted_strings_can_be_null=True),
        delimiter=delimiter, newlines_in_values=True,
    )
    lines = _filled_line_numbers(body, header_idx + 1)
    if invalid or len(lines) != len(frame):  # irregular rows: exact numbering
        return _parse_text_slow(str(body, encoding.replace("utf-8-sig", "utf-8")), delimiter, header_idx, names)
    frame[LINE] = lines
    return frame


def _filled_line_numbers(body: bytes | memoryview, skip: int) -> np.ndarray:
    """Numbers (from 1) of the lines after the first `skip` that are not empty: the rows' own lines when no
    value spans lines (the CSV reader skips empty lines, so a row after one is not simply the next number)."""
    lines = bytes(body).split(b"\n")
    return np.array([number for number, line in enumerate(lines, 1) if number > skip and line not in (b"", b"\r")],
                    dtype=np.int64)


def _parse_text_slow(text: str, delimiter: str, header_idx: int, names: list[str]) -> pd.DataFrame:
    """Row by row, keeping each record's first physical line; extra cells go to OVERFLOW."""
    records: list[list[str | None]] = []
    lines: list[int] = []
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    width = len(names)
    end = 0  # physical lines read so far: a record starts on the line after the previous one ended
    for row in reader:
        start, end = end + 1, reader.line_num
        if start <= header_idx + 1 or not any(cell.strip() for cell in row):
            continue
        cells: list[str | None] = [c if c != "" else None for c in row[:width]]
        cells += [None] * (width - len(cells))
        cells.append(delimiter.join(row[width:]) if len(row) > width else None)
        records.append(cells)
        lines.append(start)
    frame = pd.DataFrame(records, columns=[*names, OVERFLOW], dtype="str")
    frame[REJECT] = frame[OVERFLOW].notna().map({True: "bad_row_shape", False: None}).astype("str")
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


def read_spreadsheet(path: Path, header: Header) -> RawTable:
    """The first sheet of an xlsx/xls/ods workbook that carries the source's header."""
    from python_calamine import CalamineWorkbook

    if path.stat().st_size == 0:
        raise FileRejected("empty", "文件为空")
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for every kind of damage
        message = f"无法打开工作簿（文件损坏、被截断或不是 Excel 文件）：{exc}"
        raise FileRejected("unreadable_workbook", message) from None
    problem: FileRejected | None = None
    for sheet_name in workbook.sheet_names:
        try:
            rows = workbook.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
        except Exception as exc:
            problem = FileRejected("unreadable_workbook", f"工作表 {sheet_name} 无法读取：{exc}")
            continue
        try:
            header_idx = header.find(rows)
        except FileRejected as exc:
            problem = exc
            continue
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
        return _table(frame, cells, header, header_line=header_idx + 1, sheet=sheet_name)
    raise problem or FileRejected("empty", "工作簿中没有工作表")


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
    parser) are found by value.
    """
    refused_texts = {text.encode() for text in invalid}
    numbers, refused = [], []
    for number, line in enumerate(data.splitlines(), 1):
        if not line:
            continue
        if line in refused_texts:
            refused.append((number, line.decode()))
        else:
            numbers.append(number)
    return np.array(numbers, dtype=np.int64), refused


def read_access_log(path: Path) -> RawTable:
    """An nginx/Apache combined log (plain or gzip), optionally with X-Forwarded-For appended.

    Parsed in Arrow's CSV reader (space-delimited, quoted); a line it refuses is tried once more by a
    regular expression and otherwise kept with REJECT = bad_log_line and its text in `line`.
    """
    try:
        data = gzip.decompress(path.read_bytes()) if path.suffix.lower() == ".gz" else path.read_bytes()
    except (OSError, EOFError) as exc:
        raise FileRejected("unreadable_gzip", f"gzip 文件损坏或被截断：{exc}") from None
    if _blank(data):
        raise FileRejected("empty", "文件为空")
    if b"\x00" in data[:8192]:
        raise FileRejected("binary", "文件含二进制内容（NUL 字节），不是访问日志")
    width = _log_width(data)
    names = LOG_FIELDS[:width]
    frame, invalid = _arrow_csv(
        data,
        pacsv.ReadOptions(column_names=names, block_size=BLOCK_SIZE),
        pacsv.ConvertOptions(column_types={n: _TEXT for n in names},
                             include_columns=[n for n in LOG_KEPT if n in names]),
        delimiter=" ", quote_char='"', escape_char="\\",
    )
    numbers, refused = _log_lines(data, invalid)
    if len(numbers) != len(frame):  # e.g. a line ending in the escape character, joined to the next
        raise FileRejected("unparseable", "访问日志的行与解析结果对不上（可能有以反斜杠结尾、与下一行连在一起的行）")
    frame[LINE] = numbers
    if refused:
        frame = pd.concat([frame, _refused_lines(refused)], ignore_index=True)
    columns = {n: n for n in LOG_KEPT if n in frame}
    return RawTable(frame=frame.reset_index(drop=True), columns=columns, encoding="utf-8")


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


def read_file(path: Path, header: Header, log: bool = False) -> RawTable:
    """Dispatch on the file's kind; every failure is a FileRejected with a reason."""
    try:
        if log:
            return read_access_log(path)
        if path.suffix.lower() in SPREADSHEET_SUFFIXES:
            return read_spreadsheet(path, header)
        return read_text_table(path, header)
    except FileRejected:
        raise
    except (pa.ArrowInvalid, UnicodeDecodeError, csv.Error, LookupError) as exc:
        raise FileRejected("unparseable", f"无法按表格解析：{exc}") from None
