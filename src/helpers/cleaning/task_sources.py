"""The sources that report on the plan's tasks (plan-assessment.md §2): the departments' self-assessment ledgers,
the policy register and the evidence files. Rows are matched to the plan's items (helpers.tasks) here, so that a
row naming no item is rejected with its reason and counted like every other."""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

from helpers.cleaning.rows import Rows
from helpers.tasks import PlanItems, evidence_key

EMPTY = PlanItems({}, (), {}, {}, ())  # a plan without tasks: nothing matches

_NUMBERING = r"[（(]\d{1,2}[)）]|(?<![\d.])\d{1,2}[.．、](?!\d)"  # 1. 2、 （3） before a listed item
_SEPARATORS = re.compile(rf"[；;\n\r]+|{_NUMBERING}")
_LEADING_NUMBER = re.compile(r"^\s*(?:\d{1,2}[.．、]|[（(]\d{1,2}[)）])")
_YEAR_IN_TEXT = re.compile(r"(20\d\d)\s*年")


def evidence_list(text: str) -> list[str]:
    """The evidence items a cell lists: split at ；, line breaks and numbering (`1.`, `（1）`), and at 、 outside
    《》 brackets (a document's name may hold 、). In a numbered list (the cell starts with its first number), each
    item's own number is removed even where a digit follows it (`1.2021年工作总结`)."""
    text = unicodedata.normalize("NFKC", text)
    numbered = _LEADING_NUMBER.match(text.strip()) is not None
    items = []
    for part in _SEPARATORS.split(text.replace("《", "\x01").replace("》", "\x02")):
        depth, current = 0, ""
        for ch in part:
            depth += {"\x01": 1, "\x02": -1}.get(ch, 0)
            if ch == "、" and depth <= 0:
                items.append(current)
                current = ""
            else:
                current += ch
        items.append(current)
    cleaned = [item.replace("\x01", "《").replace("\x02", "》").strip(" ,，。:：") for item in items]
    if numbered:
        cleaned = [_LEADING_NUMBER.sub("", item, count=1).strip() for item in cleaned]
    return [item for item in cleaned if item]


def _distinct(values: pd.Series, function) -> pd.Series:  # noqa: ANN001 — a function of one text
    """`function` of each distinct text (most cells repeat), spread back to the rows; missing stays missing."""
    uniques = values.dropna().unique()
    return values.map(dict(zip(uniques, (function(u) for u in uniques), strict=True))).astype("object")


def task_ledger(rows: Rows) -> None:
    """The catalogue item of each row (by number, else by title), its department and year (from the table, else
    from its title row, sheet or file name), and its listed evidence."""
    d, items, label = rows.data, rows.items or EMPTY, rows.label()
    _match_items(rows, items)

    written = rows.column("department")
    named, titled = _distinct(written, items.department), _distinct(label, items.department_in)
    rows.warn(written.isna() & titled.notna(), "department_from_title")
    rows.reject(written.isna() & titled.isna(), "missing_required", "department")
    rows.reject(written.notna() & named.isna(), "unknown_department", "department")
    d["department"] = named.fillna(titled.where(written.isna())).astype("str")

    year, titled_year = rows.column("year"), _distinct(label, _year_in)
    rows.warn(year.isna() & titled_year.notna(), "year_from_title")
    d["year"] = year.astype("Int64").fillna(titled_year.astype("Int64"))
    rows.reject(d["year"].isna(), "missing_required", "year")
    if rows.period is not None:
        first, last = rows.period
        rows.reject((d["year"] < first) | (d["year"] > last), "year_outside_plan", "year")

    county_names = {name: rows.areas.names[code] for name, code in items.county_of.items() if code in rows.areas.names}
    d["county"] = rows.column("county").fillna(d["department"].map(county_names)).astype("str")  # a county's own rows
    listed = rows.column("evidence").map(evidence_list, na_action="ignore")
    d["evidence_items"] = listed.map(lambda found: "\n".join(found) or None, na_action="ignore").astype("str")
    d["evidence_count"] = listed.map(len, na_action="ignore").fillna(0).astype("Int64")


def _match_items(rows: Rows, items: PlanItems) -> None:
    """The item each row reports on: by its number, else its title; a merged number cell is filled from above."""
    d = rows.data
    number, title = rows.column("item_no"), rows.column("item_title")
    blank = number.isna() & title.isna()  # a merged 任务编号 cell: the rows below it are empty
    number, title = number.where(~blank, number.ffill()), title.where(~blank, title.ffill())
    rows.warn(blank & (number.notna() | title.notna()), "item_filled_from_above")
    by_number, by_title = _distinct(number, items.item_of_number), _distinct(title, items.item_of_title)
    rows.reject(by_number.notna() & by_title.notna() & (by_number != by_title), "item_conflict", "item_no")
    item = by_number.fillna(by_title)
    rows.reject(item.isna(), "unknown_item", "item_no" if number.notna().any() else "item_title")
    rows.warn(by_number.isna() & by_title.notna(), "item_by_title")
    d["item"] = item.astype("str")


def _year_in(text: str) -> int | None:
    found = _YEAR_IN_TEXT.search(unicodedata.normalize("NFKC", text))
    return int(found[1]) if found else None


def policies(rows: Rows) -> None:
    """The catalogue items a policy serves (its 对应任务, any written form); an unreadable entry is a warning."""
    d, items = rows.data, rows.items or EMPTY
    tokens = rows.column("items").map(lambda text: [t for t in re.split(r"[,，、;；/\s]+", text) if t],
                                      na_action="ignore")
    ids = tokens.map(lambda found: [items.item_of_number(t) for t in found], na_action="ignore")
    d["item_ids"] = ids.map(lambda found: ",".join(i for i in found if i) or None, na_action="ignore").astype("str")
    unknown = ids.map(lambda found: any(i is None for i in found), na_action="ignore")
    rows.warn(unknown.astype("boolean").fillna(False).astype(bool), "policy_item_unknown")


def evidence(rows: Rows) -> None:
    """Each evidence file's department (from its folder, any of the department's names) and its name as compared
    (no extension, no spaces, half-width)."""
    d, items = rows.data, rows.items or EMPTY
    written = rows.column("department")
    department = _distinct(written, items.department)
    rows.reject(written.notna() & department.isna(), "unknown_department", "department")
    d["department"] = department.astype("str")
    d["stem"] = _distinct(rows.column("name"), evidence_key).astype("str")
