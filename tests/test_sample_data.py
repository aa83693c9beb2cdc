"""The synthetic sample generator: determinism, layout, provenance, calibration, headers and ids."""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd

from conftest import CONTEXT
from helpers.cleaning.parsing import parse_patent_numbers
from helpers.sample_data import foreign_files

header_key = CONTEXT.cleaning.header_key

REASONS = {
    "missing_required",
    "bad_date",
    "future_date",
    "bad_amount",
    "negative_amount",
    "bad_check_char",
    "id_precision_lost",
    "bad_year",
    "score_out_of_range",
    "bad_log_line",
    "bad_category",
    "unknown_item",
    "item_conflict",
    "year_outside_plan",
    "unknown_department",
    "unknown_indicator",
    "unknown_area",
    "percent_for_count",
}


def _all_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _table_rows(root: Path, entry: dict) -> list[list[object]]:
    """All rows (header search included) of one written CSV file or xlsx sheet (`book.xlsx!sheet`, else the first)."""
    name, _, sheet_name = entry["path"].partition("!")
    path = root / name
    if entry["format"] == "xlsx":
        book = openpyxl.load_workbook(path, read_only=True)
        sheet = book[sheet_name] if sheet_name else book.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    return list(csv.reader(io.StringIO(path.read_bytes().decode(entry["encoding"]))))


def _header_index(rows: list[list[object]], aliases: set[str]) -> int:
    return next(i for i, row in enumerate(rows[:10]) if sum(header_key(c) in aliases for c in row if c) >= 2)


def _aliases(source: str) -> set[str]:
    fields = CONTEXT.sources[source]["fields"]
    return {header_key(a) for spec in fields.values() for a in spec["aliases"]}


def test_every_source_has_a_folder_of_synthetic_files(runs: dict[str, Path]) -> None:
    sources = set(CONTEXT.sources)
    folders = {p.name for p in runs["main"].iterdir() if p.is_dir()}
    assert folders == sources
    for folder in runs["main"].iterdir():
        if folder.is_dir() and CONTEXT.sources[folder.name].get("format") == "file_list":  # files as departments
            assert any(p.is_file() for p in folder.rglob("*")), folder  # name them; labelled in PROVENANCE.json
        elif folder.is_dir():
            names = [p.name for p in folder.iterdir()]
            assert names and all(n.startswith("synthetic_") for n in names), folder


def test_same_seed_gives_identical_bytes_and_other_seed_differs(runs: dict[str, Path]) -> None:
    main, again, other = (_all_files(runs[k]) for k in ("main", "again", "other"))
    assert main == again
    drawn = ("evidence/",)  # which evidence files exist is drawn: the only names another seed changes
    named = {k for k in main if not k.startswith(drawn)}
    assert named == {k for k in other if not k.startswith(drawn)}
    assert sum(main[k] != other[k] for k in named) > len(named) // 2


def test_provenance_lists_every_file_and_reconciles(runs: dict[str, Path], provenance: dict) -> None:
    assert provenance["synthetic"] is True and provenance["seed"] == 2020 and provenance["scale"] == 1
    assert provenance["note"]["zh"] and provenance["note"]["en"]
    listed = {f["path"].partition("!")[0] for f in provenance["files"] if f["format"] != "folder"}
    broken = {b["path"] for r in provenance["reconciliation"].values() for b in r["broken_files"]}
    on_disk = {str(p.relative_to(runs["main"])) for p in runs["main"].rglob("synthetic_*")}
    assert listed | broken == on_disk and not listed & broken
    assert foreign_files(runs["main"]) == [], "`sample-data --out` may write over an earlier sample"
    seen_reasons: set[str] = set()
    for source, rec in provenance["reconciliation"].items():
        rejected = sum(rec["rejected"].values())
        assert rec["rows_in"] == rec["clean"] + rec["duplicate"] + rejected + rec["out_of_scope"], source
        per_file = [f for f in provenance["files"] if f["source"] == source]
        assert sum(f["rows_in"] for f in per_file) == rec["rows_in"]
        assert sum(f["clean"] for f in per_file) == rec["clean"]
        seen_reasons |= set(rec["rejected"])
    assert seen_reasons <= REASONS
    assert seen_reasons == REASONS
    problems = " ".join(b["problem"] for r in provenance["reconciliation"].values() for b in r["broken_files"])
    for word in ("empty", "header row only", "junk", "truncated"):
        assert word in problems


def test_city_2020_reproduces_the_plan_base(provenance: dict) -> None:
    base = provenance["expected_city_2020"]
    assert base["I01"] == 1.85 and base["I02"] == 0.39 and base["I03"] == 0 and base["I04"] == 9.0
    assert base["I05"] == 9005 and base["I06"] == 1.65 and base["I09"] == 8 and base["I10"] == 3
    assert base["population_wan"] == 309.73 and base["valid_invention_stock"] == 573 and base["high_value_stock"] == 121
    years = provenance["expected_city_per_year"]
    assert years["pledges_2016_2020"] == {"registrations": 22, "sum_wan": 23271.0}
    assert years["patents_granted_2016_2020"] == 12724
    assert years["population_wan"]["2021"] == 284.09 and years["population_wan"]["2022"] == 284.17
    assert min(years["I06_gi_output_yi"][str(y)] for y in (2021, 2022, 2023)) < 1.65  # moves away from base
    assert years["I10_gi_products"]["2025"] == 5 and years["I03_gi_marks"]["2024"] == 2


def test_every_header_maps_through_the_aliases(runs: dict[str, Path], provenance: dict) -> None:
    for entry in provenance["files"]:
        if entry["source"] == "web_logs" or entry["format"] == "folder" or entry["rows_in"] == 0:
            continue  # logs and folders have no header; a notes sheet no rows
        aliases = _aliases(entry["source"])
        rows = _table_rows(runs["main"], entry)
        header = rows[_header_index(rows, aliases)]
        unknown = [h for h in header if h is not None and header_key(h) not in aliases]
        assert not unknown, (entry["path"], unknown)


def test_application_numbers_are_valid_except_the_injected_ones(runs: dict[str, Path], provenance: dict) -> None:
    aliases = CONTEXT.sources["patents"]["fields"]["application_no"]["aliases"]
    keys = {header_key(a) for a in aliases}
    numbers = []
    for entry in (f for f in provenance["files"] if f["source"] == "patents"):
        rows = _table_rows(runs["main"], entry)
        at = _header_index(rows, _aliases("patents"))
        column = next(i for i, h in enumerate(rows[at]) if h is not None and header_key(h) in keys)
        numbers += [str(r[column]) for r in rows[at + 1 :] if r[column] is not None]
    status = parse_patent_numbers(pd.Series(numbers, dtype="str"))["status"].value_counts()
    rejected = provenance["reconciliation"]["patents"]["rejected"]
    assert status.get("bad_check", 0) == rejected["bad_check_char"]
    assert status.get("precision_lost", 0) == rejected["id_precision_lost"]
    assert status.get("malformed", 0) == 0 and status.get("recomputed", 0) > 0


def test_no_timestamps_in_xlsx_and_gzip(runs: dict[str, Path]) -> None:
    created = CONTEXT.conf.read("sample_data")["xlsx_created"]
    for path in runs["main"].rglob("synthetic_*.xlsx"):
        if "broken" in path.name:
            continue
        with zipfile.ZipFile(path) as book:
            assert str(created)[:10] in book.read("docProps/core.xml").decode()
    for path in runs["main"].rglob("*.gz"):
        data = path.read_bytes()
        assert data[4:8] == b"\0\0\0\0" and not data[3] & 0x08  # mtime 0, no file name
        assert gzip.decompress(data)
