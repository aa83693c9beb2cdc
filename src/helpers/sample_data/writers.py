"""Deterministic writers: CSV in a given encoding, xlsx via xlsxwriter with fixed properties, plain or gzipped logs."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
from collections.abc import Iterable, Sequence

import xlsxwriter

_XLSX_OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "in_memory": True,
}


def csv_bytes(
    header: Sequence[str], rows: Iterable[Sequence[object]], encoding: str, preamble: Sequence[str] = ()
) -> bytes:
    """CSV text as Excel on Windows writes it (CRLF), preceded by raw preamble lines, encoded strictly."""
    buffer = io.StringIO()
    for line in preamble:
        buffer.write(line + "\r\n")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(["" if v is None or v != v else v for v in row] for row in rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    created: dt.datetime,
    title: str | None = None,
    sheet: str = "Sheet1",
) -> bytes:
    """An xlsx workbook: optional merged title row, header, then typed cells (text, number, date)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, _XLSX_OPTIONS)
    book.set_properties({"created": created, "author": "synthetic sample generator"})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet_ = book.add_worksheet(sheet)
    row = 0
    if title:
        sheet_.merge_range(0, 0, 0, max(1, len(header) - 1), title, book.add_format({"bold": True, "align": "center"}))
        row = 1
    sheet_.write_row(row, 0, list(header))
    for values in rows:
        row += 1
        for col, value in enumerate(values):
            if value is None or value != value:  # None, NaN and NaT are empty cells
                continue
            if isinstance(value, str):
                sheet_.write_string(row, col, value)
            elif isinstance(value, dt.datetime):
                sheet_.write_datetime(row, col, value, date_format)
            else:
                sheet_.write_number(row, col, value)
    book.close()
    return buffer.getvalue()


def log_bytes(lines: Iterable[str], gz: bool) -> bytes:
    """Log lines (LF), optionally gzip-compressed with mtime 0 and no file name in the header."""
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    if not gz:
        return data
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0) as fh:
        fh.write(data)
    return buffer.getvalue()
