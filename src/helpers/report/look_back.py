"""The building blocks of a report that looks back over the period (conclusions.md §1): the history grid of the
plan's items with its patterns and the years without evidence (mid-term and final), the period grade (终期核定) with
its basis (final), and the summary's counts and composite by period grade. Rendered from the `period` stage's
datasets and the yearly `tasks` datasets; the sentences are wording.yaml `period`. The sections that use them
(helpers.report.sections: tasks, flagship, safeguards, departments, indicators, summary, scope) fall back to the
year's own (helpers.report.items) in a report that does not look back, so an annual report keeps its year."""

from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd
from IPython.display import HTML
from markupsafe import Markup

from helpers.report import items as plan_items
from helpers.report.core import Cell, Report, Section
from helpers.report.findings import number, percent
from helpers.report.wording import Words
from helpers.tasks import GRADES, Item
from helpers.tasks.period import NOTHING_GRADED, PERIOD_GRADES
from helpers.tasks.verification import LEDGER

YEAR_WIDTH = 6.5  # percent of a table's width per year of a grid (a year's heading on one line in Word too)


# ---------------------------------------------------------------------- modes
def in_modes(report: Report, key: str) -> bool:
    """Whether this year's report mode is one of conf assessment.yaml `period.<key>`."""
    d = report.data
    return d.plan.mode_of(d.year) in d.context.assessment["period"][key]


def looks_back(report: Report) -> bool:
    """Whether this year's report looks back over the plan's items (the mid-term and the final evaluation of a plan
    with a catalogue of items)."""
    return in_modes(report, "history_modes") and not report.data.period["period_items"].empty


def period_graded(report: Report) -> bool:
    """Whether this year's report gives the period grade (终期核定: the final evaluation)."""
    return looks_back(report) and in_modes(report, "graded_modes")


def span(report: Report) -> str:
    years = report.data.period_years
    return report.w("period.span", start=years[0], end=years[-1])


# ---------------------------------------------------------------------- cells
def period_grade_cell(w: Words, grade: object) -> Cell:
    if not isinstance(grade, str) or grade not in (*PERIOD_GRADES, NOTHING_GRADED):
        return Cell(w["missing"])
    return Cell(f"{w['period.grade_symbols'][grade]} {w['period.grades'][grade]}", f"grade period-{grade}",
                w["period.grade_colors"][grade])


def _history_cells(report: Report, item: str) -> list[Cell]:
    """The item's verified grade of each year of the period, as a symbol in its colour (carried forward marked)."""
    w, rows = report.w, report.data.task("task_items", every_year=True)
    own = rows[rows["item"] == item].set_index("year")
    cells = []
    for year in report.data.period_years:
        grade = own.loc[year, "verified_grade"] if year in own.index else None
        if grade not in GRADES:
            cells.append(Cell(w["missing"]))
            continue
        symbol = w["grade_symbols"][grade]
        text = w("period.carried", symbol=symbol) if bool(own.loc[year, "carried_forward"]) else symbol
        cells.append(Cell(text, f"grade grade-{grade}", w["grade_colors"][grade]))
    return cells


def history_legend(w: Words) -> str:
    legend = w.join([w("period.legend_item", symbol=w["grade_symbols"][g], label=w["grades"][g]) for g in GRADES])
    return w("period.legend", legend=legend)


def year_columns(report: Report) -> dict[str, float]:
    return {report.w("period.year_column", year=y): YEAR_WIDTH for y in report.data.period_years}


# ---------------------------------------------------------------------- texts from the datasets
def _period_row(report: Report, item: str) -> pd.Series:
    items = report.data.period["period_items"]
    return items[items["item"] == item].iloc[0]


def _pattern_texts(report: Report, row: pd.Series) -> list[str]:
    """The named patterns of an item's history (regression, chronic non-reporting, chronic lack of evidence)."""
    w = report.w
    texts = []
    if row["regression"]:
        to = int(row["regression_to"])
        grades = report.data.task("task_items", every_year=True)
        lower = grades[(grades["item"] == row["item"]) & (grades["year"] == to)]["verified_grade"].iloc[0]
        texts.append(w("period.patterns.regression", start=int(row["regression_from"]), to=to,
                       grade=w["grades"][lower]))
    if row["chronic_not_reported"]:
        key = "period.patterns.not_reported_run" if row["not_reported_run"] == row["not_reported_years"] \
            else "period.patterns.not_reported"
        texts.append(w(key, count=int(row["not_reported_years"])))
    if row["chronic_unverified"]:
        texts.append(w("period.patterns.unverified", count=int(row["unverified_years"])))
    return texts


def _commitment_texts(report: Report, item: Item) -> list[str]:
    """Each commitment's period grade and what it rests on, e.g. 「量化目标：未完成（期末5，目标6，完成度83%）」."""
    d, w = report.data, report.w
    rows = d.period["period_commitments"]
    graded_on = d.context.plan_items.commitments_of(item)  # its own, and a task's attached 专栏 targets
    texts = []
    for _, r in rows[rows["item"] == item.id].iterrows():
        source, commitment = graded_on[int(r["commitment"]) - 1]
        places = report.flagship_places(commitment.flagship) if commitment.flagship else 0
        basis = w(f"period.basis.{r['basis']}", span=span(report), end=d.year, years=len(d.period_years),
                  good=_whole(r["good_years"]), done=_whole(r["completed_in"]), lowered=_whole(r["lowered_in"]),
                  value=number(r["value"], places), target=number(r["target"], places),
                  completion=percent(r["completion"]))
        if r["data_missing"] and r["kind"] == "quantified" and pd.notna(r["grade"]):
            basis = w("period.basis.as_ongoing", basis=basis)
        grade = w["period.grades"][r["grade"]] if pd.notna(r["grade"]) else w["period.not_graded"]
        kind = w[f"period.kinds.{r['kind']}"] if source == item.id else \
            w["plan_items.parts.attached"].format(column=d.context.plan_items.item(source).column)
        texts.append(w("period.commitment", kind=kind, grade=grade, basis=basis))
    return texts


def _pattern_lines(report: Report, items: list[Item]) -> list[str]:
    w, lines = report.w, []
    for item in items:
        texts = _pattern_texts(report, _period_row(report, item.id))
        if texts:
            lines.append(w("period.pattern_line", id=item.id, title=item.title, patterns=w.join(texts)))
    return lines


def _gap_lines(report: Report, items: list[Item]) -> list[str]:
    """The years an item's ledger grade was 待核实 (not a good year), and why: whose claim lacked evidence (in a
    county report, no other county government's rows: it speaks of its own)."""
    d, w = report.data, report.w
    commitments = d.period["period_commitments"]
    departments = d.task("task_departments", every_year=True)
    if not d.is_city:
        departments = departments[departments["area_code"].isin([d.area_code, d.context.areas.city_code])]
    lines = []
    for item in items:
        listed = commitments.loc[commitments["item"] == item.id, "unverified_in"].dropna()
        for year in sorted({int(y) for text in listed for y in str(text).split(",") if y}):
            rows = departments[(departments["item"] == item.id) & (departments["year"] == year)
                               & (departments["verified_grade"] == "unverified")]
            if rows.empty:  # another county's claim (not this report's to name)
                continue
            why = w.join([w("period.gap_department", department=r["department"],
                            why=w("period.gap_missing", missing=w.join(str(r["evidence_missing"]).split("\n")))
                            if r["evidence_listed"] else w["period.gap_none"]) for _, r in rows.iterrows()])
            lines.append(w("period.gap_line", id=item.id, title=item.title, year=year, why=why))
    return lines


# ---------------------------------------------------------------------- tables and blocks
def period_table(report: Report, caption: str, items: list[Item]) -> Markup:
    """终期核定: per item its history grid, period grade, and its commitments' grades and patterns."""
    w = report.w
    rest = 100 - 6 - 15 - 12 - YEAR_WIDTH * len(report.data.period_years)
    columns = {w["period.columns.id"]: 6, w["period.columns.title"]: 15, **year_columns(report),
               w["period.columns.grade"]: 12, w["period.columns.basis"]: rest}
    rows = []
    for item in items:
        row = _period_row(report, item.id)
        texts = [*dict.fromkeys(_commitment_texts(report, item)), *_pattern_texts(report, row)]
        rows.append([item.id, Cell(item.title, "text"), *_history_cells(report, item.id),
                     period_grade_cell(w, row["grade"]), Cell(w["period.separator"].join(texts), "text")])
    return report.table(caption, columns, rows, css="history")


def _history_table(report: Report, caption: str, items: list[Item]) -> Markup:
    """The mid-term's grid: per item its verified grade of each year so far and its patterns."""
    w = report.w
    rest = 100 - 6 - 30 - YEAR_WIDTH * len(report.data.period_years)
    columns = {w["period.columns.id"]: 6, w["period.columns.title"]: 30, **year_columns(report),
               w["period.columns.patterns"]: rest}
    rows = [[item.id, Cell(item.title, "text"), *_history_cells(report, item.id),
             Cell(w.join(_pattern_texts(report, _period_row(report, item.id))), "text")] for item in items]
    return report.table(caption, columns, rows, css="history")


def block(report: Report, **context: object) -> str:
    """The look back's block (templates/sections/period_block.html.j2): `lead`, `grid`, `legend`, `patterns` and
    `gaps`, each where given."""
    return report.fragment("period_block", **context)


def patterns(report: Report, items: list[Item], gaps: bool) -> dict[str, object]:
    """The patterns of `items` (and, with `gaps`, their years without evidence) for the look back's block."""
    w = report.w
    return {"legend": history_legend(w), "patterns": _pattern_lines(report, items),
            "patterns_intro": w["period.patterns_intro"], "no_patterns": w["period.no_patterns"],
            "gaps": _gap_lines(report, items) if gaps else [], "gaps_intro": w["period.gaps_intro"]}


def period_section(report: Report, section: Section, items: list[Item], parts: list[dict],
                   **context: object) -> HTML:
    """A section of the final report: its items' period tables (`parts`), their patterns and the years without
    evidence, then what `context` adds (the intro, the year's discrepancies)."""
    return report.html(replace(section, template="period_items"), parts=parts, **patterns(report, items, gaps=True),
                       **context)


def history_block(report: Report, items: list[Item], caption: str) -> str:
    """The mid-term's addition to a section: the grid of its items and their patterns (none without a ledger: the
    years' grades are 无法评估 and the year's tables say why)."""
    if plan_items.absent(report, LEDGER):
        return ""
    return block(report, lead=report.w("period.history_intro", span=span(report)),
                 grid=_history_table(report, caption, items), **patterns(report, items, gaps=False))


def appended(html: HTML, addition: str) -> HTML:
    """A rendered section with `addition` at the end of its own content: before the evaluators' texts that close
    it (templates/sections/assessor.html.j2), else before its end."""
    text = html.data
    at = text.find('<div class="assessor"')
    at = at if at >= 0 else text.rfind("</section>")
    return HTML(text[:at] + addition + text[at:])


# ---------------------------------------------------------------------- the summary's sentences
def counts_sentence(report: Report) -> str:
    """How many items have each period grade (final), else each verified grade of the year."""
    if not period_graded(report):
        return plan_items.counts_sentence(report)
    w, items = report.w, report.data.period["period_items"]
    counts = items["grade"].value_counts()
    parts = [w("plan_items.count_part", label=w["period.grades"][g], count=int(counts[g]))
             for g in (*PERIOD_GRADES, NOTHING_GRADED) if counts.get(g)]
    return w("period.counts", total=len(items), span=span(report), parts=w.join(parts))


def composite_sentence(report: Report) -> str:
    """The period's composite score and grade by part (final), else the year's."""
    if not period_graded(report):
        return plan_items.composite_sentence(report)
    table = report.data.period["period_composite"].set_index("part")
    if "composite" not in table.index or pd.isna(table.loc["composite", "score"]):
        return ""
    w = report.w
    parts = {name: w("plan_items.composite_part", score=number(table.loc[name, "score"], 1))
             if name in table.index and pd.notna(table.loc[name, "score"]) else w["plan_items.composite_none"]
             for name in ("indicators", "tasks", "policies", "safeguards")}
    return w("period.composite", score=number(table.loc["composite", "score"], 1),
             grade=w["composite_grades"][table.loc["composite", "grade"]], **parts)


def _whole(value: object) -> str:
    """A count or year of a dataset (a float where it may be missing) as written."""
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(int(value))
