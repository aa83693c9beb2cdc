"""Turn a source's truth into output files: route rows to vendor files and write their cells in vendor style.

One generic renderer for every tabular source, driven by the vendor profiles and file entries of
conf/base/sample_data.yaml. Dirt is added afterwards by `dirt.py` on the rendered cells.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from helpers.sample_data import places
from helpers.sample_data.context import SEP, Context

_TOKEN = re.compile(r"\{(y|m|d|mm|dd)\}")
EXCEL_EPOCH = pd.Timestamp("1899-12-30")


@dataclass
class OutFile:
    """One file to write: its cells (columns = catalog fields, plus `_row` = truth index) and row kinds."""

    ctx: Context
    source: str
    vendor: str
    name: str
    fmt: str
    encoding: str | None
    headers: dict[str, str]
    cells: pd.DataFrame
    kinds: pd.Series
    preamble: list[str] = field(default_factory=list)
    title: str | None = None
    header_noise: bool = False

    @property
    def profile(self) -> dict[str, Any]:
        return self.ctx.cfg["vendors"][self.source][self.vendor]

    @property
    def spec(self) -> dict[str, Any]:
        """The source's catalog entry (sources.yaml)."""
        return self.ctx.catalog[self.source]

    @property
    def fields(self) -> dict[str, dict[str, Any]]:
        return self.spec["fields"]


def format_dates(dates: pd.Series, style: str) -> pd.Series:
    """Dates spelled by a pattern (`{y}/{m}/{d}` …), as datetime cells, or as Excel serial numbers."""
    missing = dates.isna()
    if style == "datetime":
        return pd.Series([None if pd.isna(v) else v.to_pydatetime() for v in dates], index=dates.index, dtype=object)
    if style == "serial":
        serial = (dates - EXCEL_EPOCH).dt.days
        return pd.Series([None if pd.isna(v) else int(v) for v in serial], index=dates.index, dtype=object)
    filled = dates.fillna(pd.Timestamp("2000-01-01"))
    parts = {"y": filled.dt.year.astype(str), "m": filled.dt.month.astype(str), "d": filled.dt.day.astype(str)}
    parts["mm"], parts["dd"] = parts["m"].str.zfill(2), parts["d"].str.zfill(2)
    out = pd.Series("", index=dates.index, dtype=object)
    for i, piece in enumerate(_TOKEN.split(style)):
        out = out + (parts[piece] if i % 2 else piece)
    return out.where(~missing, None)


def format_number(value: float) -> str:
    """Shortest plain spelling of a number (`1200`, `1200.5`), never scientific."""
    return np.format_float_positional(float(value), trim="-")


def _amounts(values: pd.Series, source_unit: str, vendor_unit: str, as_text: bool, units: dict[str, float]
             ) -> pd.Series:
    factors = units
    scaled = values.astype(float) * factors[source_unit] / factors[vendor_unit]
    scaled = scaled.round(6)
    if as_text:
        return pd.Series([None if pd.isna(v) else format_number(v) for v in scaled], index=values.index, dtype=object)
    return pd.Series(
        [None if pd.isna(v) else (int(v) if float(v).is_integer() else float(v)) for v in scaled],
        index=values.index,
        dtype=object,
    )


def format_cells(ctx: Context, source: str, vendor: str, truth: pd.DataFrame, fmt: str) -> pd.DataFrame:
    """The vendor's columns of the truth rows, each cell spelled the way that vendor exports it."""
    profile = ctx.cfg["vendors"][source][vendor]
    types = ctx.catalog[source]["fields"]
    columns = profile.get("columns_from", {})
    text = fmt == "csv"
    cells = pd.DataFrame(index=truth.index)
    for name in profile["headers"]:
        spec = types[name]
        values = truth[columns.get(name, name)]
        kind = spec["type"]
        if kind == "date":
            out = format_dates(values, profile.get("date", "{y}-{mm}-{dd}"))
        elif kind == "amount":
            out = _amounts(values, spec["unit"], profile.get("amount_unit", spec["unit"]), text, ctx.units)
        elif kind in ("int", "year", "number"):
            number = values.astype(float)
            if profile.get("likert") and name == "satisfaction":
                number = 1 + number / 100 * 4
            out = pd.Series(
                [None if pd.isna(v) else (int(v) if float(v).is_integer() else float(v)) for v in number],
                index=truth.index,
                dtype=object,
            )
            out = out.map(lambda v: v if v is None or not text else format_number(v))
        else:
            out = values.astype("string").str.replace(SEP, profile.get("sep", ";"), regex=False)
            out = out.astype(object).where(out.notna() & (out != ""), None)
        cells[name] = out
    address = ctx.catalog[source]["area"].get("address")
    if profile.get("address") == "postcode" and address in cells:
        cells[address] = places.with_postcode(cells[address], truth["_area"].to_numpy(), ctx)
    granted = truth["grant_date"].notna().to_numpy() if "grant_date" in truth else np.zeros(len(truth), dtype=bool)
    for name, words in profile.get("type_words", {}).items():  # PatSnap: 发明 as 授权发明 (granted) / 发明申请
        for value, (when_granted, otherwise) in words.items():
            hit = (cells[name] == value).to_numpy()
            cells.loc[hit & granted, name] = when_granted
            cells.loc[hit & ~granted, name] = otherwise
    cells["_row"] = truth.index
    return cells


def route(ctx: Context, source: str, truth: pd.DataFrame) -> np.ndarray:
    """File entry of each truth row: `select` entries take their rows, the others share the rest by `share`,
    a row going only to vendors that show the facts listed in `must_show` for the source."""
    entries = ctx.cfg["files"][source]
    target = np.full(len(truth), -1)
    for i, entry in enumerate(entries):
        for column, values in entry.get("select", {}).items():
            target[(target < 0) & truth[column].isin(values).to_numpy()] = i
    free = [i for i, e in enumerate(entries) if "select" not in e]
    weights = np.tile(np.array([entries[i].get("share", 1.0) for i in free], dtype=float), (len(truth), 1))
    for column in ctx.cfg.get("must_show", {}).get(source, []):
        has = truth[column].notna().to_numpy()
        for j, i in enumerate(free):
            if column not in ctx.cfg["vendors"][source][entries[i]["vendor"]]["headers"]:
                weights[has, j] = 0.0
    cumulative = np.cumsum(weights, axis=1)
    draw = ctx.rng.random(len(truth)) * cumulative[:, -1]
    chosen = np.array(free)[(draw[:, None] >= cumulative).sum(axis=1)]
    return np.where(target >= 0, target, chosen)


def _parts(entry: dict[str, Any], rows: pd.DataFrame, last_year: int) -> list[tuple[str, pd.DataFrame]]:
    """Split one entry's rows into files: per area, or per configured bin of a year/date field."""
    split = entry.get("split")
    if split is None:
        return [("", rows)]
    if split == "area":
        return [(area, part) for area, part in rows.groupby("_area", sort=True)]
    values = rows[split["field"]]
    years = values.dt.year if pd.api.types.is_datetime64_any_dtype(values) else values.astype(int)
    bins = list(split["bins"])
    index = np.searchsorted(bins, years.to_numpy(), side="right") - 1
    highs = [b - 1 for b in bins[1:]] + [last_year]
    labels = [str(low) if low == high else f"{low}-{high}" for low, high in zip(bins, highs, strict=True)]
    return [(labels[i], rows[index == i]) for i in range(len(bins)) if (index == i).any()]


def _publications(truth: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """CNIPA 著录项 style: a granted invention also has its earlier A publication (a duplicate row)."""
    first = truth[truth["_a_no"].notna() & truth["grant_date"].notna()].copy()
    first["publication_no"], first["publication_date"] = first["_a_no"], first["_a_date"]
    rows = pd.concat([truth, first]).sort_values("publication_date", kind="stable")
    is_a = (rows["publication_no"].str.endswith("A") & rows["grant_date"].notna()).to_numpy()
    return rows, pd.Series(np.where(is_a, "duplicate", "clean"), dtype=object)


def render_source(ctx: Context, source: str, truth: pd.DataFrame) -> list[OutFile]:
    """All files of one source, true rows only (kind `clean`, A publications `duplicate`, a builder's `_outcome`)."""
    prefix = ctx.cfg["file_prefix"]
    entries = ctx.cfg["files"][source]
    target = route(ctx, source, truth)
    files = []
    for i, entry in enumerate(entries):
        vendor = entry["vendor"]
        profile = ctx.cfg["vendors"][source][vendor]
        for part, rows in _parts(entry, truth[target == i], ctx.years[-1]):
            fmt = "xlsx" if part in entry.get("xlsx_parts", []) else entry["format"]
            if profile.get("per_publication"):
                rows, kinds = _publications(rows)
            elif "_outcome" in rows:  # true rows the cleaner must set aside (court cases whose 案由 is not IP)
                kinds = rows["_outcome"].reset_index(drop=True)
            else:
                kinds = pd.Series("clean", index=range(len(rows)), dtype=object)
            cells = format_cells(ctx, source, vendor, rows, fmt).reset_index(drop=True)
            name = f"{prefix}{source}_{vendor}{'_' + part if part else ''}.{fmt}"
            files.append(
                OutFile(
                    ctx,
                    source,
                    vendor,
                    name,
                    fmt,
                    entry.get("encoding") if fmt == "csv" else None,
                    dict(profile["headers"]),
                    cells,
                    kinds.reset_index(drop=True),
                    preamble=list(entry.get("preamble", [])) if fmt == "csv" else [],
                    title=entry.get("title") if fmt == "xlsx" else None,
                    header_noise=bool(entry.get("header_noise")),
                )
            )
    return files
