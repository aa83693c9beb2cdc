"""Cleaning one source: each file read, typed, derived and placed on its own; then deduplication across files.

Every row read ends in exactly one outcome — clean, duplicate, rejected (with a reason) or out of
scope — and the per-file reconciliation `rows_in = clean + duplicate + rejected + out_of_scope` is
checked before anything is returned. Files are independent until deduplication, so they can be
cleaned in parallel and only one file's raw text is in memory at a time.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pandera
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.feather as feather
import pyarrow.parquet as pq

from helpers import cutoff
from helpers.areas import Areas
from helpers.cleaning import inputs, readers, schemas
from helpers.cleaning.derive import DERIVATIONS, assign_area
from helpers.cleaning.inputs import FileRejected, RawInput
from helpers.cleaning.places import OTHER_CITY, OUT_OF_SCOPE
from helpers.cleaning.rows import FILE, LINE, POS, Rows, type_fields
from helpers.cleaning.rules import Rules
from helpers.files import partial_path
from helpers.official.catalog import OfficialStats
from helpers.tasks import PlanItems

OUTCOMES = ["clean", "duplicate", "rejected", "out_of_scope"]
REASON_COLUMNS = ["source", "file", "outcome", "reason", "rows"]
WARNING_COLUMNS = ["source", "file", "warning", "rows"]
QUARANTINE_COLUMNS = ["source", "file", "line", "outcome", "reason", "field", "original"]
WARN = "_warn:"  # prefix of per-row warning flags carried until deduplication
COMPLETE = "_complete"  # catalog fields present in the raw row (deduplication keeps the most complete)
AFTER_AS_OF = "after_as_of"  # the out-of-scope reason of a row not yet known on the user's as-of date
FUTURE_DATE = "future_date"  # the reject reason of a row dated after the day of the run


@dataclass(frozen=True, eq=False)
class Source:
    """One source of the catalog (sources.yaml) with the rules and areas its cleaning needs."""

    name: str
    spec: dict[str, Any]
    rules: Rules
    areas: Areas
    items: PlanItems | None = None  # the plan's tasks, for the sources that report on them
    period: tuple[int, int] | None = None  # the plan's first and last year of implementation
    official: OfficialStats | None = None  # what official figures may name (official_stats)
    as_of: dt.date | None = None  # the user's as-of date: rows not yet known on it are set aside
    today: dt.date = field(default_factory=dt.date.today)  # the day of the run: no row is dated after it

    @cached_property
    def header(self) -> readers.Header:
        return readers.Header.of(self.spec, self.rules)

    @cached_property
    def schema(self) -> pandera.DataFrameSchema:
        return schemas.clean_schema(self.name, self.spec, self.areas.codes)

    @property
    def scheduled_dates(self) -> list[str]:
        return self.spec.get("scheduled_dates", [])

    @property
    def planned_dates(self) -> list[str]:
        """Optional dates that may lie ahead (a plan, an agreed term, an expiry): kept, observing nothing until then."""
        return self.spec.get("planned_dates", [])

    @property
    def year_fields(self) -> list[str]:
        return schemas.year_fields(self.spec)

    @property
    def form(self) -> str | None:
        """How the source's folder is read: `access_log`, `file_list`, or tables (None)."""
        return self.spec.get("format")

    @property
    def fields(self) -> list[str]:
        return list(self.spec["fields"])


def sources_of(catalog: dict[str, dict[str, Any]], rules: Rules, areas: Areas, items: PlanItems | None = None,
               period: tuple[int, int] | None = None, official: OfficialStats | None = None,
               as_of: dt.date | None = None, today: dt.date | None = None) -> dict[str, Source]:
    """Every source of the catalog, in its order; `today`: the day of the run (default: the real one)."""
    today = today or dt.date.today()
    return {name: Source(name, spec, rules, areas, items, period, official, as_of, today)
            for name, spec in catalog.items()}


@dataclass
class SourceResult:
    """Everything cleaning one source produced."""

    source: str
    clean: pd.DataFrame
    quarantine: pd.DataFrame
    reconciliation: pd.DataFrame
    files: pd.DataFrame
    warnings: pd.DataFrame
    reasons: pd.DataFrame
    summary: dict = field(default_factory=dict)


@dataclass
class FilePart:
    """One file cleaned on its own: the rows still in the running, and the rows set aside with reasons."""

    index: int
    entry: dict[str, Any]
    kept: pd.DataFrame
    set_aside: pd.DataFrame
    rows_in: int
    seconds: float = 0.0  # time spent cleaning this file (in whichever process did it)
    ahead: str | None = None  # the earliest date after the day of the run the file holds (it cleans so until then)
    spilled: Path | None = None  # where `kept` waits on disk (Arrow IPC) when a pool worker cleaned the file
    kept_columns: list[str] = field(init=False)
    kept_rows: int | None = field(init=False)  # None: the file gave no table at all

    def __post_init__(self) -> None:
        self.kept_columns = list(self.kept.columns)
        self.kept_rows = len(self.kept) if self.kept_columns else None

    def spill(self, folder: Path) -> FilePart:
        """Move the kept rows to an Arrow file, so that only a path travels back to the parent process."""
        if self.kept_columns:
            self.spilled = folder / f"{self.entry['source']}-{self.index}.arrow"
            self.kept.to_feather(self.spilled, compression="uncompressed")  # read once, soon: speed over size
            self.kept = pd.DataFrame()
        return self

    def columns(self, names: list[str]) -> pd.DataFrame:
        """Only the named columns of the kept rows (those the file has), without loading the rest."""
        names = [name for name in names if name in self.kept_columns]
        if self.spilled is None:
            return self.kept[names]
        return feather.read_table(self.spilled, columns=names).to_pandas()

    def split(self, losing: np.ndarray) -> tuple[pa.Table, pa.Table]:
        """The kept rows that win deduplication and those that lose, as Arrow tables, from memory or from the
        spill file (read once, then deleted); the part holds no rows afterwards."""
        if self.spilled is None:
            table = pa.Table.from_pandas(self.kept, preserve_index=False)
            self.kept = pd.DataFrame()
        else:
            table = feather.read_table(self.spilled)
            self.spilled.unlink()
            self.spilled = None
        if not losing.any():  # no copy when nothing was a duplicate
            return table, table.slice(0, 0)
        mask = pa.array(losing)
        return table.filter(pc.invert(mask)), table.filter(mask)


def source_inputs(raw_dir: Path, source: Source) -> list[RawInput]:
    """The source's inputs (files, archive members, sheets), in a stable order (later ones win ties in
    deduplication)."""
    return inputs.source_inputs(raw_dir / source.name, form=source.form)


def _field_frame(index: int, table: readers.RawTable, names: list[str]) -> pd.DataFrame:
    frame, rows = table.frame, pd.RangeIndex(len(table.frame))

    def text(column: str) -> pd.Series:  # the raw frame's column, shared until either side changes it
        return frame[column].astype("str").reset_index(drop=True)

    columns = {name: text(table.columns[name]) if name in table.columns else pd.Series(pd.NA, index=rows, dtype="str")
               for name in names}
    if readers.REJECT in frame:
        columns[readers.REJECT] = text(readers.REJECT)
    columns |= {FILE: np.full(len(rows), index), LINE: frame[LINE].to_numpy(), POS: np.arange(len(rows))}
    return pd.DataFrame(columns, index=rows, copy=False)


def _originals(frame: pd.DataFrame, positions: np.ndarray) -> pd.Series:
    """The original cells (header → text) of rows of one raw file, as JSON, for the quarantine (the reader's
    reason code is not a cell; the text a reader could not place in a column is)."""
    cells = frame.iloc[positions].drop(columns=[LINE, readers.REJECT], errors="ignore")
    return _json_objects(pa.Table.from_pandas(cells, preserve_index=False))


def clean_files_spilled(source: Source, batch: list[tuple[int, RawInput]], root: Path, folder: Path) -> list[FilePart]:
    """`clean_files` for a pool worker: the kept rows go to disk, the accounts come back."""
    return [part.spill(folder) for part in clean_files(source, batch, root)]


SKIPPED = {"empty_sheet", "notes_sheet"}  # inputs passed over rather than rejected: nothing in them was data


def clean_file(source: Source, index: int, item: RawInput, root: Path) -> FilePart:
    """Read, type, derive and place the rows of one input; duplicates are decided later, across inputs."""
    return clean_files(source, [(index, item)], root)[0]


@dataclass
class _Read:
    """One input read for cleaning: its place among the source's inputs, its accounts entry and its raw table."""

    index: int
    entry: dict[str, Any]
    table: readers.RawTable


def clean_files(source: Source, batch: list[tuple[int, RawInput]], root: Path) -> list[FilePart]:
    """`clean_file` for each (index, input) of `batch`, in order: each input read on its own (a broken one is
    rejected alone), the rows of all of them typed, derived, placed and checked in one pass, then parted by file.
    A ledger's dozens of small workbooks cost one pass instead of one each (most of a small file's time was the
    fixed cost of each step)."""
    started = time.perf_counter()
    parts: dict[int, FilePart] = {}
    read: list[_Read] = []
    for index, item in batch:
        entry = {"source": source.name, "file": item.name(root), "status": "ok", "reason": None, "message": None,
                 "encoding": None, "header_line": None, "sheet": item.sheet, "columns_matched": None,
                 "stated_cutoff": None}
        try:
            table = readers.read_file(item, source.header, form=source.form)
            if table.frame.empty:
                raise FileRejected("header_only", "只有表头，没有数据行")
        except FileRejected as problem:
            entry.update(status="skipped" if problem.code in SKIPPED else "rejected", reason=problem.code,
                         message=problem.message)
            parts[index] = FilePart(index, entry, pd.DataFrame(), pd.DataFrame(columns=QUARANTINE_COLUMNS), 0)
            continue
        entry.update(encoding=table.encoding, header_line=table.header_line, message="；".join(table.notes) or None,
                     columns_matched=", ".join(f"{f}←{h}" for f, h in table.headers.items()),
                     stated_cutoff=_iso(cutoff.stated_date(table.preamble, source.today)))
        read.append(_Read(index, entry, table))
    if read:
        parts |= {part.index: part for part in _clean_read(source, read)}
    seconds = (time.perf_counter() - started) / len(batch)  # the batch's time, shared by its inputs
    for part in parts.values():
        part.seconds = seconds
    return [parts[index] for index, _ in batch]


def _clean_read(source: Source, read: list[_Read]) -> list[FilePart]:
    """The rows of the inputs `read`, cleaned in one pass and parted by file (FILE: each input's index)."""
    spec, names = source.spec, source.fields
    data = pd.concat([_field_frame(r.index, r.table, names) for r in read], ignore_index=True) if len(read) > 1 \
        else _field_frame(read[0].index, read[0].table, names)
    rows = Rows(source.name, spec, data, source.rules, source.areas,
                headers={r.index: {n: r.table.headers.get(n, r.table.columns[n]) for n in r.table.columns}
                         for r in read},
                labels={r.index: " ".join(filter(None, [r.table.preamble, r.entry["sheet"], r.entry["file"]]))
                        for r in read},
                items=source.items, period=source.period, official=source.official)
    files = data[FILE].to_numpy()
    if readers.REJECT in data:
        for reason in data[readers.REJECT].dropna().unique():
            rows.reject(data[readers.REJECT] == reason, reason)
    reshaped = [r.index for r in read if r.table.reshaped]  # a wide statistical table read as a row per region, year
    if reshaped:
        rows.warn(pd.Series(np.isin(files, reshaped), index=data.index), "wide_table_reshaped")
    type_fields(rows)
    # the cells the row supplied, counted once typed (before derivations fill any): a vendor's placeholder for an
    # empty cell (PatSnap's `-`, 不详) is no value, so it does not make a duplicate look more complete
    data[COMPLETE] = data[names].notna().sum(axis=1).astype("int16")
    if source.name in DERIVATIONS:
        DERIVATIONS[source.name](rows)
    ahead = _future_dates(source, rows)
    data["area_code"] = assign_area(rows)
    excluded = rows.outside.notna().to_numpy()  # out of scope with a reason of its own, whatever else the row has
    rejected = ~rows.ok.to_numpy() & ~excluded
    other_city = (data["area_code"] == OTHER_CITY).to_numpy()
    outside = ~rejected & ((data["area_code"] == OUT_OF_SCOPE).to_numpy() | other_city | excluded)
    late = ~rejected & ~outside & _after_as_of(source, rows)
    aside = rejected | outside | late
    placed = np.where(other_city & ~rejected, OTHER_CITY, rows.reason.to_numpy())
    reasons = np.where(late, AFTER_AS_OF, np.where(excluded, rows.outside.to_numpy(), placed))
    reason_fields = np.where(excluded, None, rows.reason_field.to_numpy())
    for mask, warning in rows.warnings:
        data[WARN + warning] = mask.to_numpy()
    kept = _kept_columns(source, data)
    kept = kept.loc[~aside].reset_index(drop=True) if aside.any() else kept  # columns first: fewer to copy
    kept = _validated(source, kept, {r.index: r.entry["file"] for r in read})
    kept_files = kept[FILE].to_numpy()
    parts = []
    for r in read:
        mine = files == r.index
        here = mine & aside
        set_aside = pd.DataFrame({
            "source": source.name,
            "file": r.entry["file"],
            "line": data[LINE].to_numpy()[here].astype("int64"),
            "outcome": np.where(rejected[here], "rejected", "out_of_scope"),
            "reason": reasons[here],
            "field": reason_fields[here],
            "original": _originals(r.table.frame, data[POS].to_numpy()[here]),
        })
        set_aside["reason"] = set_aside["reason"].fillna("out_of_scope")
        own = kept_files == r.index
        file_kept = kept if own.all() else kept.loc[own].reset_index(drop=True)
        stated_ahead = [day for day in cutoff.stated_dates(r.table.preamble) if day > source.today]
        earliest = ahead[mine].min()
        found = min(filter(None, [None if pd.isna(earliest) else earliest.date(), *stated_ahead]), default=None)
        parts.append(FilePart(r.index, r.entry, file_kept, set_aside, int(mine.sum()), ahead=_iso(found)))
    return parts


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _future_dates(source: Source, rows: Rows) -> pd.Series:
    """Rows dated after the day of the run are rejected (`future_date`, naming the first such field: a 2035 pledge is
    a typo, and never dates the data); a planned date ahead (`planned_dates`) is kept. Returns, per row, the earliest
    date ahead (NaT where none), from which the file cleans differently (a trademark's scheduled term end is no date
    of the row)."""
    found = cutoff.ahead(rows.data, source.today, source.scheduled_dates, source.year_fields)
    for column in found.columns.difference(source.planned_dates, sort=False):
        rows.reject(found[column].notna(), FUTURE_DATE, column)
    if not len(found.columns):
        return pd.Series(pd.NaT, index=rows.data.index, dtype="datetime64[ns]")
    return found.min(axis=1)


def _after_as_of(source: Source, rows: Rows) -> np.ndarray:
    """With a user's as-of date: the rows not yet known on it (every observed date later, `cutoff.known_on`), to be
    set aside as out of scope; in the others an observed date after it had not happened then and is emptied (a
    patent granted later was pending, a pledge released later still running), counted as `date_after_as_of`."""
    data = rows.data
    if source.as_of is None:
        return np.zeros(len(data), dtype=bool)
    day = pd.Timestamp(source.as_of)
    dated, observed = cutoff.observed_dates(data, source.scheduled_dates, source.year_fields)
    known = cutoff.known_mask(observed, day).to_numpy(dtype=bool)
    later = observed[dated].gt(day).to_numpy(dtype=bool) & known[:, None]
    for position, column in enumerate(dated):
        data[column] = data[column].mask(later[:, position])
    rows.warn(pd.Series(later.any(axis=1), index=data.index), "date_after_as_of")
    return ~known


def _is_bookkeeping(column: str) -> bool:
    """Columns that travel with the kept rows until deduplication but are not part of the clean table."""
    return column.startswith(WARN) or column in (COMPLETE, FILE, LINE)


def _validated(source: Source, kept: pd.DataFrame, file_names: dict[int, str]) -> pd.DataFrame:
    """The kept rows with their clean-table columns coerced to the source's schema and checked against it
    (a cleaning bug fails loudly here, naming the row's file); the bookkeeping columns ride along unchecked."""
    names = list(dict.fromkeys(file_names.values()))  # a workbook's sheets share its name
    code = {index: names.index(name) for index, name in file_names.items()}
    clean = kept[[c for c in kept.columns if not _is_bookkeeping(c)]].assign(
        source_file=pd.Categorical.from_codes(kept[FILE].map(code).to_numpy(np.int32), categories=names),
        source_line=kept[LINE].astype("int64").to_numpy())
    # coerced in place (no copy of the table); raises pandera's SchemaError when it does not conform
    clean = source.schema.validate(clean, lazy=True, inplace=True).drop(columns=["source_file", "source_line"])
    return pd.concat([clean, kept[[c for c in kept.columns if _is_bookkeeping(c)]]], axis=1)


def _kept_columns(source: Source, data: pd.DataFrame) -> pd.DataFrame:
    """The clean table's columns plus what deduplication and the warnings need."""
    spec = source.spec
    unwanted = {POS, readers.REJECT} | {name for name, f in spec["fields"].items()
                                        if f["type"] == "raw" and name not in (spec.get("derived") or {})}
    return data[[c for c in data.columns if c not in unwanted]]


def _losers(spec: dict[str, Any], kept: pd.DataFrame) -> np.ndarray:
    """Rows that lose to another row with the same natural key: the preferred field present, then the most
    complete row, then the later file and line win."""
    key = spec.get("key") or []
    losing = np.zeros(len(kept), dtype=bool)
    if not key or kept.empty:
        return losing
    clashing = kept[key].duplicated(keep=False).to_numpy()
    if not clashing.any():
        return losing
    group = kept.loc[clashing, key].copy()
    prefer = spec.get("prefer")
    group["_prefer"] = kept.loc[clashing, prefer].notna() if prefer in kept else False
    group[COMPLETE] = kept.loc[clashing, COMPLETE]
    group[FILE], group[LINE] = kept.loc[clashing, FILE], kept.loc[clashing, LINE]
    ordered = group.sort_values([*key, "_prefer", COMPLETE, FILE, LINE])
    losing[ordered.index[ordered.duplicated(key, keep="last")]] = True
    return losing


def _losers_by_part(spec: dict[str, Any], parts: list[FilePart]) -> list[np.ndarray]:
    """`_losers` across files, decided on the columns deduplication reads and returned per part."""
    key = spec.get("key") or []
    if not key or not parts:
        return [np.zeros(part.kept_rows, dtype=bool) for part in parts]
    prefer = [spec["prefer"]] if spec.get("prefer") else []
    keys = pd.concat([part.columns([*key, *prefer, COMPLETE, FILE, LINE]) for part in parts], ignore_index=True)
    losing = _losers(spec, keys)
    return np.split(losing, np.cumsum([part.kept_rows for part in parts])[:-1])


def _json_objects(table: pa.Table) -> pd.Series:
    """Each row as a JSON object of its values that are not missing, every value written as text (as json.dumps
    writes it with ensure_ascii=False; dates and durations as pandas prints them). Built in Arrow a column at a time
    and `JSON_BATCH` rows at a time: a Python object per cell, for a million duplicates, took minutes and gigabytes."""
    if not table.column_names:
        return pd.Series(["{}"] * table.num_rows, dtype="str")
    batches = [_json_batch(batch) for batch in table.to_batches(max_chunksize=JSON_BATCH)]
    return pd.Series(pa.chunked_array(batches, _TEXT).to_pandas(types_mapper=readers._STR.get), dtype="str")


JSON_BATCH = 1 << 16  # rows whose JSON is built at once: the pieces of every column live until the rows are joined
_TEXT = pa.large_string()
_ESCAPED = r'[\\"\x{00}-\x{1f}]'  # what json.dumps escapes with ensure_ascii=False


def _json_batch(batch: pa.RecordBatch) -> pa.Array:
    members = [_json_member(name, batch.column(name)) for name in batch.schema.names]
    return _joined("{", _joined(*members, separator=", ", null_handling="skip"), "}")


def _joined(*parts: str | pa.Array, separator: str = "", null_handling: str = "emit_null") -> pa.Array:
    """Arrow's element-wise join of text arrays and constants (missing where a part is, unless skipped)."""
    def text(part: str | pa.Array) -> pa.Array | pa.Scalar:
        return pa.scalar(part, _TEXT) if isinstance(part, str) else part

    return pc.binary_join_element_wise(*map(text, parts), text(separator), null_handling=null_handling)


def _json_member(name: str, column: pa.Array) -> pa.Array:
    """`"name": "value"` per value of a column, missing where the value is: text as it is, other values through their
    distinct values, written as `_as_text` writes them."""
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        values = column.cast(_TEXT)
    else:
        uniques = pc.unique(column)
        values = pa.array([_as_text(v) for v in uniques.to_pylist()], _TEXT).take(pc.index_in(column, uniques))
    key = json.dumps(name, ensure_ascii=False) + ": "
    members = _joined(key + '"', values, '"')
    if not _has_escapes(values):  # the usual case, seen at the speed of memory
        return members
    escape = pc.fill_null(pc.match_substring_regex(values, _ESCAPED), False)
    escaped = [key + json.dumps(text, ensure_ascii=False) for text in values.filter(escape).to_pylist()]
    return pc.replace_with_mask(members, escape, pa.array(escaped, _TEXT))


def _has_escapes(values: pa.Array) -> bool:
    """Whether any of the text values holds a byte json.dumps escapes (a control character, `"` or `\\`), read from
    the array's slice of its data buffer."""
    offsets, data = values.buffers()[1:3]
    if data is None:
        return False
    bounds = np.frombuffer(offsets, np.int64)[[values.offset, values.offset + len(values)]]
    text = np.frombuffer(data, np.uint8)[bounds[0]:bounds[1]]
    return bool(((text < 0x20) | (text == 0x22) | (text == 0x5C)).any())


def _as_text(value: Any) -> str | None:
    """A cleaned value as the quarantine writes it; None for a missing one (None, NaN)."""
    if value is None or value != value:
        return None
    if isinstance(value, dt.datetime):
        return str(pd.Timestamp(value))
    return str(pd.Timedelta(value)) if isinstance(value, dt.timedelta) else str(value)


def _as_json(table: pa.Table) -> pd.Series:
    """Cleaned values of duplicate rows, as JSON (their raw text is not kept past the file's cleaning)."""
    return _json_objects(table.select([c for c in table.column_names if not c.startswith(("_", WARN))]))


class CleanTable:
    """A source's clean table, built one file's rows at a time (each already checked against the schema when
    its file was cleaned) and streamed as Arrow into one Parquet file, written under a temporary name and
    renamed on `close`; or kept in memory."""

    def __init__(self, source: Source, path: Path | None = None) -> None:
        self.source, self.path = source, path
        self.tables: list[pa.Table] = []
        self.rows = 0
        self.latest: pd.Timestamp | None = None
        self.latest_year: int | None = None  # of the year columns (a table that carries only years)
        self.schema: pa.Schema | None = None
        self._writer: pq.ParquetWriter | None = None
        self._partial = partial_path(path) if path is not None else None

    def add(self, table: pa.Table) -> None:
        self.rows += table.num_rows
        dates = [field.name for field in table.schema if pa.types.is_timestamp(field.type)]
        latest = schemas.latest_observed(table.select(dates).to_pandas(), self.source.scheduled_dates,
                                         self.source.today)
        if latest is not None and (self.latest is None or latest > self.latest):
            self.latest = latest
        years = [pc.max(table[c]).as_py() for c in self.source.year_fields if c in table.column_names]
        self.latest_year = max(filter(None, [*years, self.latest_year]), default=None)
        if self.schema is None:
            # The pandas metadata of the file (dtypes such as Int64 or str for read_parquet) is rebuilt through an
            # empty frame: the spilled table's own metadata still lists the bookkeeping columns.
            empty = table.slice(0, 0).to_pandas()
            self.schema = _common_schema(pa.Table.from_pandas(empty, preserve_index=False).schema)
        table = table.cast(self.schema)
        if self.path is None:
            self.tables.append(table)
            return
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._writer = pq.ParquetWriter(self._partial, self.schema, write_statistics=_statistics(self.schema))
        self._writer.write_table(table)

    @property
    def reach(self) -> pd.Timestamp | None:
        """How far the table reaches (evaluation-method.md, "Data cut-off"): its latest observed date; a table
        without any observed date but with years, 31 Dec of its latest year — or the day of the run, in the year
        still running (no extract reaches a day to come)."""
        if self.latest is None and self.latest_year is not None:
            return min(pd.Timestamp(year=int(self.latest_year), month=12, day=31), pd.Timestamp(self.source.today))
        return self.latest

    def close(self) -> pd.DataFrame:
        """Finish the file (a table with no rows keeps its columns); in memory, the whole table."""
        if self.schema is None:
            self.add(pa.Table.from_pandas(schemas.empty_frame(self.source.schema), preserve_index=False))
        if self.path is None:
            return pa.concat_tables(self.tables).to_pandas()
        self._writer.close()
        os.replace(self._partial, self.path)
        return pd.DataFrame()

    def abandon(self) -> None:
        """Remove the partly written file (cleaning the source failed)."""
        if self._writer is not None:
            self._writer.close()
            self._partial.unlink(missing_ok=True)


def _common_schema(schema: pa.Schema) -> pa.Schema:
    """The schema with every dictionary column as int32 indices into text, whatever one file's categories need."""
    def common(field: pa.Field) -> pa.Field:
        if not pa.types.is_dictionary(field.type):
            return field
        values = pa.large_string() if pa.types.is_null(field.type.value_type) else field.type.value_type
        return field.with_type(pa.dictionary(pa.int32(), values))

    return pa.schema([common(field) for field in schema], metadata=schema.metadata)


def _statistics(schema: pa.Schema) -> list[str]:
    """Columns whose row groups get min/max statistics: not text, where they cost a quarter of the writing and
    no reader of these tables filters on them."""
    def text(kind: pa.DataType) -> bool:
        return pa.types.is_dictionary(kind) or pa.types.is_string(kind) or pa.types.is_large_string(kind)

    return [field.name for field in schema if not text(field.type)]


def clean_source(source: Source, files: list[RawInput], root: Path, parts: list[FilePart] | None = None,
                 out: Path | None = None) -> SourceResult:
    """Deduplicate the cleaned files of one source (cleaning them here unless `parts` are given) and account.

    The clean table is written to `out` when given (and `result.clean` left empty), one file's rows at a
    time; only the columns deduplication reads are gathered across files."""
    spec = source.spec
    if parts is None:
        parts = clean_files(source, list(enumerate(files)), root)
    files_report = pd.DataFrame([p.entry for p in parts])
    file_names = files_report["file"].astype("str")
    read = [part for part in parts if part.kept_rows is not None]
    table = CleanTable(source, out)
    quarantine = [p.set_aside for p in parts]
    counts: dict[int, tuple[int, int]] = {}
    warnings = []
    try:
        for part, losing in zip(read, _losers_by_part(spec, read), strict=True):
            clean, losers = part.split(losing)
            if losers.num_rows:
                quarantine.append(pd.DataFrame({
                    "source": source.name, "file": part.entry["file"],
                    "line": pc.cast(losers[LINE], pa.int64()).to_numpy(),
                    "outcome": "duplicate", "reason": "duplicate", "field": None, "original": _as_json(losers)}))
            counts[part.index] = (clean.num_rows, losers.num_rows)
            flagged = [c for c in clean.column_names if c.startswith(WARN) or c in (FILE, "area_code", "area_from")]
            warnings.append(_warnings(source, clean.select(flagged).to_pandas(), file_names))
            table.add(_finish(clean, file_names))
            del clean, losers
        result_clean = table.close()
    except BaseException:
        table.abandon()
        raise
    quarantine = pd.concat(quarantine, ignore_index=True).astype({c: "str" for c in QUARANTINE_COLUMNS if c != "line"})
    reconciliation = _reconcile(source.name, parts, counts)
    reasons = quarantine.groupby(REASON_COLUMNS[:-1], sort=True).size().rename("rows").reset_index()
    warnings = (pd.concat(warnings, ignore_index=True).sort_values("warning", kind="stable", ignore_index=True)
                if warnings else pd.DataFrame(columns=WARNING_COLUMNS))
    result = SourceResult(source.name, result_clean, quarantine, reconciliation, files_report, warnings, reasons)
    result.summary.update(file_seconds=sum(p.seconds for p in parts), rows_clean=table.rows,
                          latest_date=table.reach.date().isoformat() if table.reach is not None else None,
                          date_ahead=min(filter(None, (p.ahead for p in parts)), default=None), **_stated(parts))
    return result


def _stated(parts: list[FilePart]) -> dict[str, str | None]:
    """The latest 截至/截止 date stated in the title lines of the source's files that were read, and its file."""
    stated = max(((p.entry["stated_cutoff"], p.entry["file"]) for p in parts
                  if p.entry["status"] == "ok" and p.entry.get("stated_cutoff")), default=(None, None))
    return {"stated_cutoff": stated[0], "stated_in": stated[1]}


def _finish(clean: pa.Table, file_names: pd.Series) -> pa.Table:
    """Drop the bookkeeping columns; name each row's file and line."""
    files = pa.DictionaryArray.from_arrays(pc.cast(clean[FILE], pa.int32()).combine_chunks(),
                                           pa.array(file_names.tolist(), type=pa.string()))
    return (clean.select([c for c in clean.column_names if not _is_bookkeeping(c)])
            .append_column("source_file", files).append_column("source_line", pc.cast(clean[LINE], pa.int64())))


def _reconcile(source: str, parts: list[FilePart], counts: dict[int, tuple[int, int]]) -> pd.DataFrame:
    """Per file, rows in against clean, duplicate, rejected and out of scope; raises if they do not balance."""
    records = []
    for part in parts:
        aside = part.set_aside["outcome"].value_counts()
        records.append({
            "source": source, "file": part.entry["file"], "status": part.entry["status"], "rows_in": part.rows_in,
            "clean": counts.get(part.index, (0, 0))[0], "duplicate": counts.get(part.index, (0, 0))[1],
            "rejected": int(aside.get("rejected", 0)), "out_of_scope": int(aside.get("out_of_scope", 0)),
        })
    table = pd.DataFrame(records, columns=["source", "file", "status", "rows_in", *OUTCOMES])
    unbalanced = table[table["rows_in"] != table[OUTCOMES].sum(axis=1)]
    if len(unbalanced):
        raise AssertionError(f"reconciliation does not balance for {source}: {unbalanced}")
    return table


def _warnings(source: Source, clean: pd.DataFrame, file_names: pd.Series) -> pd.DataFrame:
    """Counts of clean rows carrying each data-quality flag, per file."""
    flags = {c[len(WARN):]: clean[c].fillna(False).astype(bool) for c in clean.columns if c.startswith(WARN)}
    if source.spec["scope"] == "registry" and len(clean):  # rows waiting for the holder book are counted there
        waiting = clean["area_from"].notna() if "area_from" in clean else False
        flags["city_only_no_county"] = (clean["area_code"] == source.areas.city_code) & ~waiting
    records = []
    for warning, mask in flags.items():
        hits = mask.groupby(clean[FILE]).sum()
        records += [{"source": source.name, "file": file_names[i], "warning": warning, "rows": int(n)}
                    for i, n in hits.items() if n]
    return pd.DataFrame(records, columns=WARNING_COLUMNS)
