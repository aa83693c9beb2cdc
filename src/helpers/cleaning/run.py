"""Cleaning one source end to end: read its files, type, derive, scope, deduplicate, account for every row.

Every row read ends in exactly one outcome — clean, duplicate, rejected (with a reason) or out of
scope — and the per-file reconciliation `rows_in = clean + duplicate + rejected + out_of_scope` is
checked before anything is returned.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers import areas, config, readers
from helpers.cleaning.derive import DERIVATIONS, assign_area
from helpers.cleaning.rows import FILE, LINE, POS, Rows, type_fields

OUTCOMES = ["clean", "duplicate", "rejected", "out_of_scope"]
REASON_COLUMNS = ["source", "file", "outcome", "reason", "rows"]


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


def catalog() -> dict[str, dict[str, Any]]:
    return config.load("sources")


def source_files(raw_dir: Path, source: str) -> list[Path]:
    """The source's readable files, in a stable order (later files win ties in deduplication)."""
    folder = raw_dir / source
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and readers.supported(p))


def _read_all(source: str, spec: dict[str, Any], files: list[Path], root: Path):
    tables: list[tuple[int, readers.RawTable]] = []
    report: list[dict[str, Any]] = []
    for index, path in enumerate(files):
        entry = {"source": source, "file": _relative(path, root), "status": "ok", "reason": None, "message": None,
                 "encoding": None, "header_line": None, "sheet": None, "columns_matched": None}
        try:
            is_log = spec.get("format") == "access_log"
            table = readers.read_file(path, spec["fields"], spec.get("either", []), log=is_log)
            if table.frame.empty:
                raise readers.FileRejected("header_only", "只有表头，没有数据行")
        except readers.FileRejected as problem:
            entry.update(status="rejected", reason=problem.code, message=problem.message)
        else:
            tables.append((index, table))
            entry.update(encoding=table.encoding, header_line=table.header_line, sheet=table.sheet,
                         columns_matched=", ".join(f"{f}←{h}" for f, h in table.headers.items()))
        report.append(entry)
    return tables, pd.DataFrame(report)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _field_frame(index: int, table: readers.RawTable, names: list[str]) -> pd.DataFrame:
    frame = table.frame
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for name in names:
        column = table.columns.get(name)
        if column is None:
            continue
        out[name] = frame[column].astype("str").reset_index(drop=True)
    if readers.REJECT in frame:
        out[readers.REJECT] = frame[readers.REJECT].astype("str").to_numpy()
    out[FILE] = index
    out[LINE] = frame[LINE].to_numpy()
    out[POS] = np.arange(len(frame))
    return out


def _deduplicate(rows: Rows, candidates: pd.Series) -> pd.Series:
    """Mask of candidate rows that lose to another row with the same natural key."""
    key = rows.spec.get("key") or []
    d = rows.data
    if not key:
        return pd.Series(False, index=d.index)
    pool = d.loc[candidates, key]
    clashing = pool.duplicated(key, keep=False)
    if not clashing.any():
        return pd.Series(False, index=d.index)
    group = d.loc[clashing[clashing].index]
    fields = [f for f in rows.fields if f in d]
    ranks = pd.DataFrame({
        "_prefer": group[rows.spec["prefer"]].notna() if rows.spec.get("prefer") in group else False,
        "_complete": group[fields].notna().sum(axis=1),
        FILE: group[FILE],
        LINE: group[LINE],
    })
    ordered = pd.concat([group[key], ranks], axis=1).sort_values([*key, "_prefer", "_complete", FILE, LINE])
    losers = ordered.index[ordered.duplicated(key, keep="last")]
    mask = pd.Series(False, index=d.index)
    mask[losers] = True
    return mask


def _originals(tables: dict[int, readers.RawTable], picked: pd.DataFrame) -> list[str]:
    """The original cells (header → text) of the given rows, as JSON, for the quarantine."""
    out = pd.Series("", index=picked.index, dtype=object)
    for file_index, part in picked.groupby(FILE, sort=False):
        frame = tables[file_index].frame
        records = frame.iloc[part[POS].to_numpy()].drop(columns=[LINE]).to_dict(orient="records")
        out[part.index] = [json.dumps({k: v for k, v in r.items() if isinstance(v, str)}, ensure_ascii=False)
                           for r in records]
    return out.tolist()


def clean_source(source: str, files: list[Path], root: Path) -> SourceResult:
    """Clean every file of one source; see the module docstring for the accounting."""
    spec = catalog()[source]
    tables, files_report = _read_all(source, spec, files, root)
    names = list(spec["fields"])
    frames = [_field_frame(i, t, names) for i, t in tables]
    data = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[FILE, LINE, POS])
    for name in names:
        if name not in data:
            data[name] = pd.Series(pd.NA, index=data.index, dtype="str")
    headers = {i: {name: t.headers.get(name, t.columns[name]) for name in t.columns} for i, t in tables}
    rows = Rows(source, spec, data, headers=headers)
    if readers.REJECT in data:
        for reason in data[readers.REJECT].dropna().unique():
            rows.reject(data[readers.REJECT] == reason, reason)
    type_fields(rows)
    if source in DERIVATIONS:
        DERIVATIONS[source](rows)
    data["area_code"] = assign_area(rows)
    outcome = pd.Series("clean", index=data.index, dtype=object)  # assigned through masks below
    outcome[~rows.ok] = "rejected"
    outcome[rows.ok & (data["area_code"] == areas.OUT_OF_SCOPE)] = "out_of_scope"
    duplicate = _deduplicate(rows, outcome == "clean")
    outcome[duplicate] = "duplicate"

    paths = files_report["file"].tolist() if len(files_report) else []
    file_names = pd.Series(paths, dtype="str")
    clean = _clean_table(source, data, outcome == "clean", file_names)
    quarantine = _quarantine(source, data, outcome, rows, {i: t for i, t in tables}, file_names)
    reconciliation = _reconcile(source, data, outcome, files_report)
    warnings = _warnings(source, rows, outcome, data, file_names)
    reasons = quarantine.groupby(REASON_COLUMNS[:-1], sort=True).size().rename("rows").reset_index()
    return SourceResult(source, clean, quarantine, reconciliation, files_report, warnings, reasons)


def _clean_table(source: str, data: pd.DataFrame, keep: pd.Series, file_names: pd.Series) -> pd.DataFrame:
    """The kept rows with the clean table's columns (columns chosen before rows: one copy, not two)."""
    spec = catalog()[source]
    unwanted = {POS, readers.REJECT, FILE, LINE}
    unwanted |= {name for name, field in spec["fields"].items()
                 if field["type"] == "raw" and name not in (spec.get("derived") or {})}
    columns = [c for c in data.columns if c not in unwanted]
    clean = data.loc[keep, columns].reset_index(drop=True)
    files = data.loc[keep, FILE].to_numpy()
    clean["source_file"] = pd.Categorical.from_codes(files, categories=file_names) if len(file_names) else \
        pd.Categorical([])
    clean["source_line"] = data.loc[keep, LINE].astype("int64").to_numpy()
    return clean


def _quarantine(source, data, outcome, rows, tables, file_names) -> pd.DataFrame:
    kept = outcome != "clean"
    picked = data.loc[kept, [FILE, LINE, POS]]
    reason = rows.reason[kept].fillna(outcome[kept])
    return pd.DataFrame({
        "source": source,
        "file": file_names.reindex(picked[FILE]).to_numpy(),
        "line": picked[LINE].astype("int64").to_numpy(),
        "outcome": outcome[kept].to_numpy(),
        "reason": reason.to_numpy(),
        "field": rows.reason_field[kept].to_numpy(),
        "original": _originals(tables, picked),
    }).astype({"source": "str", "file": "str", "outcome": "str", "reason": "str", "field": "str", "original": "str"})


def _reconcile(source, data, outcome, files_report) -> pd.DataFrame:
    counts = pd.crosstab(data[FILE], outcome).reindex(columns=OUTCOMES, fill_value=0) if len(data) else None
    rows = []
    for index, entry in files_report.iterrows():
        numbers = counts.loc[index] if counts is not None and index in counts.index else pd.Series(0, index=OUTCOMES)
        record = {"source": source, "file": entry["file"], "status": entry["status"],
                  "rows_in": int(numbers.sum()), **{k: int(numbers[k]) for k in OUTCOMES}}
        rows.append(record)
    table = pd.DataFrame(rows, columns=["source", "file", "status", "rows_in", *OUTCOMES])
    unbalanced = table[table["rows_in"] != table[OUTCOMES].sum(axis=1)]
    if len(unbalanced) or int(table["rows_in"].sum()) != len(data):
        raise AssertionError(f"reconciliation does not balance for {source}: {unbalanced}")
    return table


def _warnings(source, rows: Rows, outcome, data, file_names) -> pd.DataFrame:
    clean = outcome == "clean"
    records = []
    for mask, warning in rows.warnings:
        hits = (mask & clean).groupby(data[FILE]).sum()
        records += [{"source": source, "file": file_names[i], "warning": warning, "rows": int(n)}
                    for i, n in hits.items() if n]
    city = clean & (data["area_code"] == areas.load().city_code)
    if rows.spec["scope"] == "registry":
        hits = city.groupby(data[FILE]).sum()
        records += [{"source": source, "file": file_names[i], "warning": "city_only_no_county", "rows": int(n)}
                    for i, n in hits.items() if n]
    return pd.DataFrame(records, columns=["source", "file", "warning", "rows"])
