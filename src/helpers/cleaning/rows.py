"""A source's rows under cleaning: typed values plus, per row, the first reason it cannot be kept."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from helpers.areas import Areas
from helpers.cleaning import parsing
from helpers.cleaning.rules import Rules
from helpers.official.catalog import OfficialStats
from helpers.tasks import PlanItems

FILE = "_file"
LINE = "_line"
POS = "_pos"  # row position inside its file's raw frame (to recover the original cells)
PARSED_KINDS = {"date", "year", "int", "number", "bool", "category"}  # read through their distinct values


@dataclass
class Rows:
    """Values of one source (one column per catalog field) and the bookkeeping of rejects."""

    source: str
    spec: dict[str, Any]
    data: pd.DataFrame
    rules: Rules
    areas: Areas
    reason: pd.Series = field(init=False)
    reason_field: pd.Series = field(init=False)
    outside: pd.Series = field(init=False)  # per row, why it is out of scope (a reason code), whatever else it has
    headers: dict[int, dict[str, str]] = field(default_factory=dict)  # file index -> field -> header as written
    labels: dict[int, str] = field(default_factory=dict)  # file index -> its title rows, sheet and file name
    items: PlanItems | None = None  # the plan's tasks (sources that report on them)
    period: tuple[int, int] | None = None  # the plan's years of implementation
    official: OfficialStats | None = None  # what official figures may name (official_stats)
    warnings: list[tuple[pd.Series, str]] = field(default_factory=list)
    # category fields as written (cleaned text) before their values were normalised: a vendor vocabulary such as
    # PatSnap's 授权发明 says more than the category it holds (发明)
    written: dict[str, parsing.Distinct] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # numpy-backed object columns: assigning through a mask is in place (Arrow arrays would be rebuilt)
        self.reason = pd.Series(None, index=self.data.index, dtype=object)
        self.reason_field = pd.Series(None, index=self.data.index, dtype=object)
        self.outside = pd.Series(None, index=self.data.index, dtype=object)

    @property
    def fields(self) -> dict[str, dict[str, Any]]:
        return self.spec["fields"]

    @property
    def ok(self) -> pd.Series:
        return self.reason.isna()

    def reject(self, mask: pd.Series, reason: str, field_name: str | None = None) -> None:
        """Give `reason` to the rows in `mask` that have none yet (the first reason wins)."""
        mask = mask.reindex(self.data.index).fillna(False).astype(bool) & self.ok
        self.reason[mask] = reason
        if field_name:
            self.reason_field[mask] = field_name

    def exclude(self, mask: pd.Series, reason: str) -> None:
        """Put the rows in `mask` out of scope with `reason` (the first reason wins): rows that are no case of the
        source at all (a 执行 document among court cases) are out of scope even where a value is unreadable."""
        mask = mask.reindex(self.data.index).fillna(False).astype(bool) & self.outside.isna()
        self.outside[mask] = reason

    def warn(self, mask: pd.Series, warning: str) -> None:
        """Count a data-quality warning on rows that are kept (a flag, not a reject)."""
        self.warnings.append((mask.reindex(self.data.index).fillna(False).astype(bool), warning))

    def header(self, name: str) -> pd.Series:
        """Per row, the header its file used for field `name` (missing where the file had no such column)."""
        by_file = {index: found.get(name) for index, found in self.headers.items()}
        return self.data[FILE].map(by_file).astype("str")

    def file_has(self, name: str) -> pd.Series:
        """Whether each row's file had a column for field `name`."""
        by_file = {index: name in found for index, found in self.headers.items()}
        return self.data[FILE].map(by_file).fillna(False).astype(bool)

    def label(self) -> pd.Series:
        """Per row, what names its file: the text above the header, the sheet and the file name."""
        return self.data[FILE].map(self.labels).astype("str")

    def as_written(self, name: str) -> pd.Series:
        """A category field's cleaned text as the file wrote it (missing where the file had no such column)."""
        if name in self.written:
            return self.written[name].text()
        return pd.Series(pd.NA, index=self.data.index, dtype="str")

    def column(self, name: str) -> pd.Series:
        if name in self.data:
            return self.data[name]
        return pd.Series(pd.NA, index=self.data.index, dtype="str")


def _normalise_category(values: pd.Series | parsing.Distinct, allowed: list[str], rules: Rules) -> pd.Series:
    synonyms = rules.category_synonyms

    def parse(uniques: pd.Series) -> pd.Series:
        def one(text: str) -> str | None:
            key = text.casefold()
            if key in synonyms and synonyms[key] in allowed:
                return synonyms[key]
            hits = [value for value in allowed if value in text]
            if hits:
                return max(hits, key=len)
            return next((v for k, v in synonyms.items() if k in key and v in allowed), None)

        return uniques.map(one)

    return parsing.on_distinct(values, parse).astype("str")


def type_fields(rows: Rows) -> None:
    """Parse every catalog field by its type; unreadable values reject the row with a reason."""
    data = rows.data
    for name, spec in rows.fields.items():
        if name not in data:
            continue
        kind = spec["type"]
        if kind == "raw":  # split by the reader, parsed by the source's derivation
            continue
        # A column that is parsed, or cut to its first holder, is read through its distinct values; other
        # text, ids and amounts stay columns (ids are nearly all distinct: hashing them would only cost time).
        distinct = kind in PARSED_KINDS or (kind == "text" and spec.get("multi"))
        clean = parsing.clean_distinct if distinct else parsing.clean_prose if spec.get("prose") else \
            parsing.clean_text
        text = clean(data[name], rows.rules)
        if spec.get("required"):
            rows.reject(~parsing.present(text), "missing_required", name)
        if kind == "text":
            data[name] = parsing.first_listed(text, rows.rules) if spec.get("multi") else text
        elif kind == "date":
            data[name], bad = parsing.parse_dates(text, rows.rules)
            rows.reject(bad, "bad_date", name)
        elif kind == "year":
            data[name], bad = parsing.parse_years(text)
            rows.reject(bad, "bad_year", name)
        elif kind in {"int", "number"}:
            numbers, bad = parsing.parse_numbers(text, tuple(spec.get("words", ())))
            if kind == "int":
                bad |= numbers.notna() & (numbers % 1 != 0)
                numbers = numbers.where(~bad).astype("Int64")
            data[name] = numbers
            rows.reject(bad, "bad_number", name)
        elif kind == "amount":
            data[name] = _amounts(text, rows.header(name), spec["unit"], rows, name)
        elif kind == "bool":
            data[name], bad = parsing.parse_bools(text, rows.rules)
            rows.reject(bad, "bad_category", name)
        elif kind == "category":
            rows.written[name] = parsing.Distinct.of(text)
            data[name] = _normalise_category(text, spec["values"], rows.rules)
            rows.reject(parsing.present(text) & data[name].isna(), "bad_category", name)
        elif kind == "patent_no":
            parts = parsing.parse_patent_numbers(text)
            data[name] = parts["digits"]
            data[name + "_check"] = parts["check"]
            for status, reason in (("bad_check", "bad_check_char"), ("precision_lost", "id_precision_lost"),
                                   ("malformed", "bad_id")):
                rows.reject(text.notna() & (parts["status"] == status), reason, name)
            data[name + "_recomputed"] = (parts["status"] == "recomputed").astype("boolean")
            rows.warn(parts["status"] == "recomputed", "check_char_recomputed")
        else:
            raise ValueError(f"unknown field type {kind!r} in sources.yaml ({rows.source}.{name})")


def _amounts(text: pd.Series, headers: pd.Series, unit: str, rows: Rows, name: str) -> pd.Series:
    """Amounts in `unit`, reading the unit each file's header names; negative amounts are rejected."""
    out = pd.Series(float("nan"), index=text.index)
    for header, part in text.groupby(headers.astype("str").fillna(""), sort=False):
        values, bad = parsing.parse_amounts(part, unit, parsing.unit_in_header(header, rows.rules), rows.rules)
        out[part.index] = values
        rows.reject(bad, "bad_amount", name)
    rows.reject(out < 0, "negative_amount", name)
    return out
