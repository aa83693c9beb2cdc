"""The holder address book: rows that carry no location of their own take the county of the same holder elsewhere.

Software-copyright queries, 双公示 penalties, pledge gazettes and Google Patents name a holder but give no address.
Such a row is kept at the city while its file is cleaned (`area_from` = pending) and placed here, once every source
is clean: the same 统一社会信用代码, else the same normalised name, in the rows of the sources that feed the book
(patents, trademarks, copyright: `holder_book` in sources.yaml) that were placed by a county, code or address of
their own. A holder found in one county takes it; found in two or more counties, or not at all, the row stays at
the city only — never a guessed county. Rows with a location of their own are never changed. Each outcome is a
warning, counted per file in the warnings account (data-contract.md, "What real exports lack, and how to derive it").
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from helpers.areas import Areas
from helpers.cleaning.parsing import Distinct
from helpers.cleaning.rows import Rows
from helpers.cleaning.rules import Rules
from helpers.files import partial_path

PENDING = "holder_pending"  # area_from of a row waiting for the book (never left in a clean table)
WARNINGS = {"holder": "area_from_holder", "holder_ambiguous": "city_only_holder_ambiguous",
            "holder_not_found": "city_only_holder_not_found"}  # area_from → its warning
_BRACKETS = re.compile(r"[\s()\[\]【】〔〕<>《》]+")


def book_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """The source's `holder_book` entry (empty: the source takes no part in the book)."""
    return spec.get("holder_book") or {}


def normalise_names(names: pd.Series, rules: Rules) -> pd.Series:
    """Holder names as the book compares them: NFKC, case-folded, without white space or brackets
    (`河源华达（普通合伙）` = `河源华达普通合伙`), one spelling per organisational form (cleaning.yaml)."""
    def key(uniques: pd.Series) -> pd.Series:
        text = uniques.str.normalize("NFKC").str.replace(_BRACKETS, "", regex=True).str.casefold()
        for form, canonical in rules.derived.holder_name_forms.items():
            text = text.str.replace(form, canonical, regex=False)
        return text.replace("", pd.NA)

    distinct = Distinct.of(names.astype("str"))  # hashed in Arrow: no Python object per row
    return distinct.spread(key(distinct.uniques))


def normalise_codes(codes: pd.Series) -> pd.Series:
    """统一社会信用代码 without spaces, upper case; anything but 18 letters and digits is no code."""
    text = codes.astype("str").str.replace(r"\s+", "", regex=True).str.upper()
    return text.where(text.str.fullmatch(r"[0-9A-Z]{18}").fillna(False).astype(bool))


def unplaced(rows: Rows) -> pd.Series:
    """Rows of a source that borrows from the book with no county, code or address cell of their own."""
    fields = [name for name in rows.spec.get("area", {}).values() if name in rows.data]
    own = pd.concat([rows.data[name].notna() for name in fields], axis=1).any(axis=1) if fields else False
    return pd.Series(~own if fields else True, index=rows.data.index, dtype=bool)


@dataclass(frozen=True)
class Book:
    """County per holder key: a county code, or None where the holder has addresses in two or more counties."""

    codes: dict[str, str | None]
    names: dict[str, str | None]

    @classmethod
    def of(cls, entries: Iterable[pd.DataFrame]) -> Book:
        """From frames of `name`, `code` (normalised keys, may be missing) and `county` (a county code)."""
        table = pd.concat(entries, ignore_index=True)

        def counties(kind: str) -> dict[str, str | None]:  # the (key, county) pairs, not a group per key
            pairs = table.dropna(subset=[kind]).drop_duplicates([kind, "county"])
            shared = pairs[kind].duplicated(keep=False).to_numpy()
            return dict(zip(pairs[kind].tolist(), np.where(shared, None, pairs["county"].to_numpy(object)).tolist(),
                            strict=True))

        return cls(counties("code"), counties("name"))

    def place(self, names: pd.Series, codes: pd.Series, city: str) -> pd.DataFrame:
        """`area_code` and `area_from` (holder / holder_ambiguous / holder_not_found) per row: the credit code
        first, then the name."""
        def look(keys: pd.Series, book: dict[str, str | None]) -> pd.Series:
            known = keys.isin(book.keys())
            return keys.where(known).map(lambda key: book[key] or "", na_action="ignore").astype("object")

        found = look(codes, self.codes).fillna(look(names, self.names))  # "" = two or more counties
        area_from = pd.Series("holder", index=names.index, dtype="str").mask(found == "", "holder_ambiguous")
        area_from = area_from.mask(found.isna(), "holder_not_found")
        return pd.DataFrame({"area_code": found.where(found.notna() & (found != ""), city).astype("str"),
                             "area_from": area_from})


def _key_columns(book: dict[str, Any]) -> list[str]:
    return [name for name in (book["name"], book.get("code")) if name]


def _keys(frame: pd.DataFrame, spec: dict[str, Any], rules: Rules) -> pd.DataFrame:
    """The book's keys of a table's rows: normalised name and credit code."""
    code = spec.get("code")
    return pd.DataFrame({
        "name": normalise_names(frame[spec["name"]], rules),
        "code": normalise_codes(frame[code]) if code and code in frame else pd.Series(pd.NA, index=frame.index,
                                                                                       dtype="str"),
    })


def _repeated(frame: pd.DataFrame) -> np.ndarray:
    """Rows equal to an earlier row, compared through each column's distinct values (hashed in Arrow, then the rows'
    codes: a million holder names are hashed once, not again as pairs)."""
    key = np.zeros(len(frame), dtype=np.int64)
    for column in frame:
        distinct = Distinct.of(frame[column].astype("str"))
        key = pd.factorize(key * (len(distinct.uniques) + 1) + distinct.codes + 1)[0]  # stays below the row count
    return pd.Series(key).duplicated().to_numpy()


class CleanTables:
    """The clean tables of a run, on disk under `out` or in memory (a run that writes nowhere)."""

    def __init__(self, frames: dict[str, pd.DataFrame], out: Path | None) -> None:
        self.frames, self.out = frames, out

    def path(self, source: str) -> Path:
        return self.out / "clean" / f"{source}.parquet"

    def read(self, source: str, columns: list[str]) -> pd.DataFrame:
        if self.out is None:
            return self.frames[source][columns]
        return pq.read_table(self.path(source), columns=columns).to_pandas()

    def rewrite(self, source: str, rows: pd.Series, placed: pd.DataFrame) -> None:
        """Set `area_code` and `area_from` of the rows in the mask `rows` (in place, or a new file swapped in)."""
        if self.out is None:
            frame = self.frames[source]
            for name in placed:
                frame[name] = frame[name].astype("object").mask(rows, placed[name]).astype(frame[name].dtype)
            return
        table = pq.read_table(self.path(source))
        for name in placed:
            position = table.schema.get_field_index(name)
            values = table[name].to_pandas().astype("object").mask(rows, placed[name])
            table = table.set_column(position, table.schema.field(position),
                                     pa.array(values, type=table.schema.field(position).type, from_pandas=True))
        partial = partial_path(self.path(source))
        pq.write_table(table, partial, write_statistics=[f.name for f in table.schema if not _text(f.type)])
        os.replace(partial, self.path(source))


def _text(kind: pa.DataType) -> bool:
    return pa.types.is_dictionary(kind) or pa.types.is_string(kind) or pa.types.is_large_string(kind)


def place_by_holders(specs: dict[str, dict[str, Any]], tables: CleanTables, rules: Rules,
                     areas: Areas) -> dict[str, pd.DataFrame]:
    """Place the pending rows of every borrowing source by the book built from the feeding sources, rewriting
    their `area_code` and `area_from`; per source, the warnings (source, file, warning, rows) of the rows placed."""
    counties = set(areas.county_codes)
    entries = []
    for source, spec in specs.items():
        book = book_spec(spec)
        if book.get("feeds"):
            placed_here = ["area_from"] if book.get("borrows") else []  # only a borrower has rows placed by the book
            frame = tables.read(source, [*_key_columns(book), "area_code", *placed_here])
            own = frame["area_code"].isin(counties) & (frame["area_from"].isna() if placed_here else True)
            rows = frame.loc[own, [*_key_columns(book), "area_code"]]
            rows = rows[~_repeated(rows)]  # each holder once per county, before its name is normalised
            entries.append(_keys(rows, book, rules).assign(county=rows["area_code"].astype("str")))
    found = Book.of(entries) if entries else Book({}, {})
    warnings = {}
    for source, spec in specs.items():
        book = book_spec(spec)
        if not book.get("borrows"):
            continue
        frame = tables.read(source, [*_key_columns(book), "area_from", "source_file"])
        pending = (frame["area_from"] == PENDING).fillna(False).astype(bool)
        if not pending.any():
            continue
        keys = _keys(frame[pending], book, rules)
        placed = found.place(keys["name"], keys["code"], areas.city_code)
        tables.rewrite(source, pending, placed.reindex(frame.index))
        counts = placed.groupby([frame.loc[pending, "source_file"].astype("str"), "area_from"]).size()
        warnings[source] = pd.DataFrame([{"source": source, "file": file, "warning": WARNINGS[outcome], "rows": int(n)}
                                         for (file, outcome), n in counts.items()])
    return warnings
