"""The building blocks of the sections on the plan's items (plan-assessment.md §4) for one year: grades as cells,
the items' table, what a source that was not supplied left 无法评估 (the datasets hold its code, the wording its
sentence), excerpts of the departments' texts, the summary's counts, composite and discrepancies. Used by the
sections 重点任务, 重大工程（专栏）, 重大政策, 保障措施, 方向性目标, 履职情况, the summary and the appendix
(helpers.report.sections); what a report that looks back over the period adds is helpers.report.look_back's.
Their sentences are wording.yaml `plan_items`; department text is data, escaped like all data."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping

import pandas as pd
from markupsafe import Markup

from helpers.report.core import Cell, Report
from helpers.report.findings import number, percent
from helpers.report.task_words import basis, causes, codes, reason
from helpers.report.wording import Words
from helpers.tasks import ALL_GRADES, GRADES, RANK, UNASSESSABLE, Item
from helpers.tasks.verification import LEDGER

GRADE_WIDTH = 14  # percent of the text width: 「● 按计划推进」 on one line in print (8.6 pt) and in Word (9 pt)
SHORT_PROGRESS = 60  # characters of a department's progress text shown in a table at most (the appendix has it all)
_SENTENCE_END = "。！？"  # kept at the end of an excerpt
_CLAUSE_END = "；，、：;,:"  # left out at the end of an excerpt (, and : between digits are part of a number)
_STRONG = "。！？；;"  # the end of a sentence or of a clause set off by a semicolon
_OPENING, _CLOSING = "“‘（《「【(", "”’）》」】)"
_NUMBER = re.compile(r"[A-Za-z0-9]|(?<=\d)[.,:](?=\d)|(?<=\d)[%‰]")  # a character of a Latin word or a number


def excerpt(text: str, limit: int, more: str) -> str:
    """`text` on one line, whole if it has at most `limit` characters, else cut at a boundary outside quotation marks
    and brackets that keeps at most `limit` characters, followed by `more`: the last end of a sentence or
    semicolon clause (。！？；) if it keeps half the limit, else the last clause boundary (also ，、： and a line
    break). Without one: after the last quotation or bracket that closes within the limit, else at the limit, but
    never inside a number or a Latin word."""
    flat = re.sub(r"\s*\n\s*", "\n", text.strip())
    if len(flat) <= limit:
        return flat.replace("\n", " ")
    strong, weak, closed, depth = 0, 0, 0, 0
    for at, char in enumerate(flat[:limit + 1]):
        if depth == 0 and (char in _SENTENCE_END or char in _CLAUSE_END or char == "\n") \
                and not _NUMBER.match(flat, at):
            weak = at + 1 if char in _SENTENCE_END and at < limit else at
            strong = weak if char in _STRONG else strong
        depth = depth + 1 if char in _OPENING else max(depth - 1, 0) if char in _CLOSING else depth
        if char in _CLOSING and depth == 0 and at < limit:
            closed = at + 1
    cut = strong if 2 * strong >= limit else weak
    if not cut:
        cut = closed or limit
        while cut > 1 and _NUMBER.match(flat, cut - 1) and _NUMBER.match(flat, cut):
            cut -= 1
    return flat[:cut].rstrip(_CLAUSE_END + " \n").replace("\n", " ") + more


def data_text(value: object) -> str:
    """A dataset's text cell, or "" where it is empty."""
    return "" if value is None or pd.isna(value) else str(value)


def absent_reason(cell: object, w: Words, titles: Mapping[str, str], not_supplied: Collection[str]) -> str:
    """Why something is 无法评估, from the codes of the sources it lacked: those not supplied (the manifest's missing
    sources), those supplied without a usable row, or no data at all."""
    keys = codes(cell)
    if not keys:
        return w["plan_items.reason_no_data"]
    absent = [titles.get(key, key) for key in keys if key in not_supplied]
    empty = [titles.get(key, key) for key in keys if key not in not_supplied]
    reasons = ([w("plan_items.reason_not_supplied", sources=w.join(absent))] if absent else []) + (
        [w("plan_items.reason_no_rows", sources=w.join(empty))] if empty else [])
    return w["plan_items.reason_separator"].join(reasons)


def composite_notes(table: pd.DataFrame, w: Words, reason: Callable[[object], str]) -> dict[str, str]:
    """What the composite of one year leaves out, by part (a composite dataset's rows): indicators without data, items
    无法评估 with their reason; under `composite`, the parts left out and the renormalised weights ("" where
    nothing is)."""
    parts, rows = w["workbook.parts"], table.set_index("part")
    notes = {}
    for part, row in rows.drop(index="composite", errors="ignore").iterrows():
        count = int(row["left_out"])
        if part == "indicators":
            notes[part] = w.join([w(key, count=n) for key, n in (("plan_items.composite_no_data", count),
                                                                   ("plan_items.composite_small", int(row["small"])))
                                  if n])
        elif not count:
            notes[part] = ""
        else:
            key = "plan_items.composite_unassessable" + ("" if row["counted"] else "_all")
            notes[part] = w(key, part=parts[part], count=count, reason=reason(row["missing"]))
    kept = rows.drop(index="composite", errors="ignore")
    left = [parts[part] for part, row in kept.iterrows() if not row["weight"]]
    weights = [w("plan_items.composite_weight", part=parts[part], weight=percent(row["weight"] / 100, 1))
               for part, row in kept.iterrows() if row["weight"]]
    notes["composite"] = w("plan_items.composite_left_out", parts=w.join(left), weights=w.join(weights)) \
        if left and weights else ""
    return notes


def _seriousness(kinds: list[str]) -> int:
    """How serious a discrepancy is, from the kinds of the commitments that set it: the data contradict the claim
    first (0), a promised policy is missing (1), evidence is missing (2)."""
    return 0 if kinds[:1] == ["quantified"] else 1 if "policy" in kinds else 2



# ---------------------------------------------------------------------- grades
def grade_cell(w: Words, grade: object) -> Cell:
    if not isinstance(grade, str) or grade not in ALL_GRADES:
        return Cell(w["missing"])
    return Cell(f"{w['grade_symbols'][grade]} {w['grades'][grade]}", *grade_style(w, grade))


def grade_label(w: Words, grade: object) -> str:
    return w["grades"][grade] if isinstance(grade, str) and grade in ALL_GRADES else w["missing"]


def grade_style(w: Words, grade: str) -> tuple[str, str]:
    return f"grade grade-{grade}", w["grade_colors"][grade]


# ---------------------------------------------------------------------- what was not supplied
def why_absent(report: Report, cell: object) -> str:
    """Why something is 无法评估 (the sources it lacked, as this folder's manifest knows them)."""
    d = report.data
    return absent_reason(cell, report.w, {key: d.source_title(key) for key in codes(cell)},
                         d.manifest.get("missing_sources") or [])


def absent(report: Report, source: str) -> bool:
    """Whether the tasks stage left something of this year 无法评估 for want of `source` (the ledger, the
    register)."""
    return any(source in codes(cell) for name in ("task_items", "task_commitments")
               for cell in report.data.task(name)["missing"])


def ledger_note(report: Report) -> str:
    """The sentence that says the ledger was not supplied and what follows from it; "" when it was."""
    return report.w("plan_items.ledger_absent", reason=why_absent(report, LEDGER)) if absent(report, LEDGER) else ""


def not_reported(report: Report, item: str) -> str:
    """What a table says of an item without progress text: 未报送, or why no ledger could report it."""
    if LEDGER in codes(verified(report).loc[item, "missing"]):
        return report.w("plan_items.unassessable", reason=why_absent(report, LEDGER))
    return report.w["plan_items.not_reported"]


def commitment_basis(report: Report, row: pd.Series) -> str:
    """What a commitment's grade rests on, or why it is 无法评估."""
    if row["grade"] == UNASSESSABLE and not isinstance(row["basis"], str):
        return report.w("plan_items.unassessable", reason=why_absent(report, row["missing"]))
    return basis(row, report.w) or ""


# ---------------------------------------------------------------------- the items and their rows
def of_kind(report: Report, kind: str | None = None, group: str | None = None) -> list[Item]:
    """The plan's items of `kind` (task, flagship, safeguard; default: all) and task `group`, in the plan's order."""
    return [i for i in report.data.context.plan_items.items
            if (kind is None or i.kind == kind) and (group is None or i.group == group)]


def verified(report: Report) -> pd.DataFrame:
    """This year's items by id: their self-grade and verified grade."""
    return report.data.task("task_items").set_index("item")


def progress_of(report: Report, item: str) -> str:
    """The item's progress texts of this year, shortened for a table; in a county report only the county
    government's own row (never another county's, nor a city department's)."""
    rows = report.data.task("task_departments")
    rows = rows[rows["item"] == item]
    if not report.data.is_city:
        rows = rows[rows["department"] == report.government()]
    text = "；".join(str(t) for t in rows["progress"].dropna())
    return excerpt(text, SHORT_PROGRESS, report.w["plan_items.more"])


def items_table(report: Report, caption: str, items: list[Item]) -> Markup:
    """The items' table: each item's departments, self-grade and verified grade, evidence and progress."""
    w, grades = report.w, verified(report)
    rows = []
    for item in items:
        row = grades.loc[item.id]
        evidence = (w("plan_items.evidence", listed=int(row["evidence_listed"])) if row["evidence_listed"]
                    else w["missing"] if LEDGER in codes(row["missing"]) else w["plan_items.evidence_none"])
        carried = w["plan_items.carried"] if bool(row["carried_forward"]) else ""
        progress = progress_of(report, item.id) or (not_reported(report, item.id) if report.data.is_city
                                                    else w["missing"])
        parts = grade_parts(report, item.id)
        rows.append([item.id, Cell(item.title, "text"), Cell(w.join(list(item.departments)), "text"),
                     grade_cell(w, row["self_grade"]),
                     Cell(grade_cell(w, row["verified_grade"]).text + carried, *grade_style(w, row["verified_grade"])),
                     evidence, Cell(f"{parts}\n{progress}" if parts else progress, "text")])
    columns = report.columns("plan_items.columns", [6, 17, 15, GRADE_WIDTH, GRADE_WIDTH, 8, 26])
    return report.table(caption, columns, rows)


def grade_parts(report: Report, item: str) -> str:
    """Where an item's commitments are graded differently, each kind with its grade and what it rests on
    (「量化目标：已完成（1.25，目标1）；工作推进：进展滞后（市市场监督管理局（市知识产权局）自评）」), so that the
    item's grade — the lowest — explains itself; else ""."""
    rows = report.data.task("task_commitments")
    parts: dict[str, tuple[str, str]] = {}  # label → the lowest grade of its commitments, with its detail
    for _, r in rows[(rows["item"] == item) & rows["grade"].isin(list(RANK))].iterrows():  # not 无法评估
        label, detail = _commitment_part(report, item, r)
        if label not in parts or RANK[r["grade"]] > RANK[parts[label][0]]:
            parts[label] = (r["grade"], detail)
    if len({grade for grade, _ in parts.values()}) < 2:
        return ""
    w = report.w
    return w["plan_items.part_separator"].join(
        w("plan_items.part" if detail else "plan_items.part_bare", label=label, grade=w["grades"][grade],
          detail=detail) for label, (grade, detail) in parts.items())


def _commitment_part(report: Report, item: str, row: pd.Series) -> tuple[str, str]:
    """A graded commitment's label (量化目标, 专栏N量化目标 for a task's attached 专栏, 政策出台, 工作推进) and
    what its grade rests on: the numbers, the register, or the departments whose ledger rows set it."""
    d, w = report.data, report.w
    labels = w["plan_items.parts"]
    if row["kind"] == "quantified":
        target = next(f for f in d.plan.flagship if f.id == row["flagship"])
        own = d.context.plan_items.item(item).kind != "task"
        label = labels["quantified"] if own else labels["attached"].format(column=target.column)
        numbers = d.flagship[d.flagship["id"] == target.id].iloc[0]
        places = report.flagship_places(target.id)
        return label, w("plan_items.part_numbers", value=number(numbers["value"], places),
                        target=number(numbers["target"], places))
    if row["kind"] == "policy":
        return labels["policy"], "" if row["grade"] == "completed" else w("plan_items.part_not_issued", year=d.year)
    ledger = d.task("task_departments")
    ledger = ledger[(ledger["item"] == item) & (ledger["verified_grade"] == row["grade"])]
    if ledger.empty:  # not reported, or carried forward from an earlier completion
        return labels["work"], w["plan_items.part_carried"] if row["grade"] == "completed" else ""
    if not d.is_city:  # a county report names no other county
        others = set(d.context.plan_items.county_departments.values()) - {report.government()}
        ledger = ledger[~ledger["department"].isin(others)]
    key = "plan_items.part_unverified" if row["grade"] == "unverified" else "plan_items.part_self"
    return labels["work"], w(key, departments=w.join(list(ledger["department"]))) if len(ledger) else ""


# ---------------------------------------------------------------------- the summary's sentences
def composite_sentence(report: Report) -> str:
    """The year's composite score and grade, by part, with what it leaves out."""
    table = report.data.task("composite").set_index("part")
    if "composite" not in table.index or pd.isna(table.loc["composite", "score"]):
        return ""
    w = report.w

    def part(name: str) -> str:
        score = table.loc[name, "score"] if name in table.index else float("nan")
        return w("plan_items.composite_part", score=number(score, 1)) if pd.notna(score) else \
            w["plan_items.composite_none"]

    sentence = w("plan_items.composite", score=number(table.loc["composite", "score"], 1),
                 grade=w["composite_grades"][table.loc["composite", "grade"]], indicators=part("indicators"),
                 tasks=part("tasks"), policies=part("policies"), safeguards=part("safeguards"))
    notes = [note for note in composite_notes(table.reset_index(), w, lambda cell: why_absent(report, cell)).values()
             if note]
    return sentence + (w("plan_items.composite_notes", notes=w["plan_items.note_separator"].join(notes))
                       if notes else "")


def counts_sentence(report: Report) -> str:
    """How many items have each verified grade this year (无法评估 with its reason)."""
    w, items = report.w, report.data.task("task_items")
    if items.empty:
        return ""
    counts = items["verified_grade"].value_counts()
    parts = [w("plan_items.count_part", label=w["grades"][g], count=int(counts[g])) for g in GRADES if counts.get(g)]
    if counts.get(UNASSESSABLE):
        absent_codes = ",".join(items.loc[items["verified_grade"] == UNASSESSABLE, "missing"].dropna())
        parts.append(w("plan_items.count_unassessable", label=w["grades"][UNASSESSABLE],
                       count=int(counts[UNASSESSABLE]),
                       reason=why_absent(report, ",".join(dict.fromkeys(codes(absent_codes))))))
    return w("plan_items.counts", total=len(items), parts=w.join(parts))


def discrepancies(report: Report, limit: int | None = None) -> list[str]:
    """Items whose self-grade is above their verified grade, worst first (the core of a third party's value)."""
    d, w = report.data, report.w
    items = d.task("task_items").dropna(subset=["self_grade"])
    items = items[items["verified_grade"].isin(GRADES)]  # 无法评估 is no grade to compare
    if items.empty:
        return []
    gap = items["verified_grade"].map(RANK).astype(int) - items["self_grade"].map(RANK).astype(int)
    found = items[gap > 0].assign(gap=gap[gap > 0])
    commitments, departments = d.task("task_commitments"), d.task("task_departments")
    # what the data and the policy register contradict first, then missing evidence; larger gaps first
    found = found.assign(weight=[_seriousness(list(causes(r, commitments)["kind"])) for _, r in found.iterrows()])
    found = found.sort_values(["weight", "gap", "item"], ascending=[True, False, True])
    catalogue = d.context.plan_items
    lines = [w("plan_items.discrepancy", id=r["item"], title=catalogue.item(r["item"]).title,
               claimed=grade_label(w, r["self_grade"]), verified=grade_label(w, r["verified_grade"]),
               reason=reason(r, commitments, departments, catalogue, w)) for _, r in found.iterrows()]
    return lines[:limit] if limit else lines
