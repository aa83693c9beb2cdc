"""The floor of cleaning (benchmarks/bench.py): every file of a raw folder read by Arrow (CSV, logs) or calamine
(workbooks) into text columns and written to Parquet, nothing else — no header search, typing, mapping,
deduplication or accounts — in as many processes as the clean uses, largest files first.

    python benchmarks/floor.py RAW OUT WORKERS
"""

from __future__ import annotations

import gzip
import shutil
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

TEXT = {".csv", ".txt", ".tsv"}
SHEETS = {".xlsx", ".xls", ".xlsm", ".ods"}
LOGS = {".log", ".gz"}


def _strings(table: pa.Table) -> pa.Table:
    """Every column as text (as the cleaner's raw tables are), or as bytes where a line is not valid UTF-8."""
    try:
        return table.cast(pa.schema([(name, pa.string()) for name in table.column_names]))
    except pa.ArrowInvalid:
        return table.cast(pa.schema([(name, pa.binary()) for name in table.column_names]))


def _text(path: Path) -> pa.Table:
    """A delimited text file from its widest line on (title lines above the header skipped, as any reader must)."""
    data = path.read_bytes()
    for encoding in ("utf8", "gb18030"):
        try:
            head = data[:65536].rsplit(b"\n", 1)[0].decode(encoding).splitlines()[:30]  # whole lines only
        except UnicodeDecodeError:
            continue
        delimiter = max(",\t", key=lambda d: sum(line.count(d) for line in head))
        widest = max((line.count(delimiter) for line in head), default=0)
        skip = next((i for i, line in enumerate(head) if line.count(delimiter) == widest), 0)
        try:
            return pacsv.read_csv(pa.BufferReader(data),
                                  read_options=pacsv.ReadOptions(encoding=encoding, skip_rows=skip,
                                                                 autogenerate_column_names=True),
                                  parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                                                   invalid_row_handler=lambda row: "skip"),
                                  convert_options=pacsv.ConvertOptions(strings_can_be_null=True))
        except (pa.ArrowInvalid, UnicodeDecodeError):
            continue
    raise ValueError(path)


def _log(path: Path) -> pa.Table:
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return pacsv.read_csv(pa.BufferReader(data), read_options=pacsv.ReadOptions(autogenerate_column_names=True),
                          parse_options=pacsv.ParseOptions(delimiter=" ", quote_char='"', escape_char="\\",
                                                           invalid_row_handler=lambda row: "skip"),
                          convert_options=pacsv.ConvertOptions(check_utf8=False))


def _sheet(path: Path) -> pa.Table:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    rows = book.get_sheet_by_name(book.sheet_names[0]).to_python()
    width = max((len(r) for r in rows), default=0)
    columns = [[None if i >= len(r) or r[i] in ("", None) else str(r[i]) for r in rows] for i in range(width)]
    return pa.table({f"f{i}": pa.array(c, type=pa.string()) for i, c in enumerate(columns)})


def one(path: Path, out: Path) -> int:
    """Read one file and write it as Parquet; a file that cannot be read is skipped, as the cleaner rejects it."""
    suffix = path.suffix.lower()
    reader = _text if suffix in TEXT else _sheet if suffix in SHEETS else _log if suffix in LOGS else None
    if reader is None:
        return 0
    try:
        table = reader(path)
    except Exception:  # noqa: BLE001 — a broken file costs the floor nothing more
        return 0
    pq.write_table(_strings(table), out / f"{path.parent.name}-{path.name}.parquet")
    return table.num_rows


def main(raw: Path, out: Path, workers: int) -> int:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    files = sorted((p for p in raw.rglob("*") if p.is_file() and not p.name.startswith(".")),
                   key=lambda p: -p.stat().st_size)
    with ProcessPoolExecutor(max_workers=workers, initializer=pa.set_cpu_count, initargs=(1,)) as pool:
        rows = sum(pool.map(one, files, [out] * len(files)))
    print(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])))
