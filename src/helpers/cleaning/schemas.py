"""What a clean table is: a pandera schema per source, built from the catalog (conf/base/sources.yaml).

Catalog fields and declared derived columns get their dtype; required fields may not be missing;
categories must be among their values; every row has one of the plan's area codes and its
source file and line. A cleaning bug that breaks this fails loudly as each file is cleaned.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import pandera.pandas as pa

DTYPES = {
    "text": "str",
    "patent_no": "str",
    "category": "str",
    "date": "datetime64[s]",
    "year": "Int64",
    "int": "Int64",
    "number": "float64",
    "amount": "float64",
    "bool": "boolean",
}


def _is_category(series: pd.Series) -> bool:
    return isinstance(series.dtype, pd.CategoricalDtype)


def _column(spec: dict, kind: str) -> pa.Column:
    if kind == "label":  # checked by kind, not by dtype: hashing a dtype with a million categories is slow
        return pa.Column(None, checks=pa.Check(_is_category, name="is_category"), nullable=True,
                         title=spec.get("label"))
    checks = []
    if kind == "category":
        checks.append(pa.Check.isin(spec["values"]))
    if kind == "patent_no":
        checks.append(pa.Check.str_matches(r"^(\d{8}|\d{12})$"))
    if kind in {"amount"}:
        checks.append(pa.Check.ge(0))
    return pa.Column(DTYPES[kind], checks=checks, nullable=not spec.get("required"), coerce=True,
                     title=spec.get("label"))


def clean_schema(source: str, spec: dict[str, Any], area_codes: list[str]) -> pa.DataFrameSchema:
    """The schema of data/processed/clean/<source>.parquet: the source's catalog entry `spec`, rows in `area_codes`."""
    columns = {name: _column(field, field["type"]) for name, field in spec["fields"].items() if field["type"] != "raw"}
    columns |= {name: _column({}, kind) for name, kind in (spec.get("derived") or {}).items()}
    columns["area_code"] = pa.Column("str", pa.Check.isin(area_codes), nullable=False)
    columns["source_file"] = pa.Column("category", nullable=False)
    columns["source_line"] = pa.Column("int64", pa.Check.ge(1), nullable=False)
    return pa.DataFrameSchema(columns, strict=True, name=f"clean.{source}")


def empty_frame(schema: pa.DataFrameSchema) -> pd.DataFrame:
    """A clean table with no rows but every column in its dtype (a source whose files were all rejected)."""
    return pd.DataFrame({name: pd.Series(dtype=column.dtype.type if column.dtype else "category")
                         for name, column in schema.columns.items()})


def year_fields(spec: dict[str, Any]) -> list[str]:
    """A source's year columns (catalog fields and derived columns of type `year`)."""
    return [name for name, field in spec.get("fields", {}).items() if field.get("type") == "year"] + \
        [name for name, kind in (spec.get("derived") or {}).items() if kind == "year"]


def latest_observed(frame: pd.DataFrame, scheduled: list[str], today: date | None = None) -> pd.Timestamp | None:
    """The latest observed date of a clean table: how far the extract reaches. A source's `scheduled_dates`
    (a trademark's term end, ten years ahead) are schedules, not observations, and are left out; so is a planned
    date after the day of the run `today` (a project's completion still to come has not been observed)."""
    dates = frame.select_dtypes(include=["datetime64"]).drop(columns=scheduled, errors="ignore")
    if today is not None:
        dates = dates.where(dates.le(pd.Timestamp(today)))
    latest = dates.max().dropna()
    return latest.max() if len(latest) else None
