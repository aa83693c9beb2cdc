"""重点任务落实情况 (tasks): the city report's items per task group, self-grade beside verified grade, with the
discrepancies; a county report's items its government reported. A report that looks back adds the history grid
(mid-term) or gives the period grade (final). Wording: wording.yaml `plan_items` (intro, table, group_heading,
discrepancies_*, county_*), `period` (intro, table, history_*, county_*, discrepancies_intro)."""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML

from helpers.report import items, look_back
from helpers.report.core import Cell, Report, Section
from helpers.report.findings import percent
from helpers.tasks import GRADES
from helpers.tasks.verification import LEDGER


def render(report: Report, section: Section) -> HTML:
    d, w = report.data, report.w
    if not look_back.looks_back(report):
        return _year(report, section)
    if not d.is_city:
        return look_back.appended(_year(report, section), _county_history(report))
    tasks = items.of_kind(report, "task")
    span = look_back.span(report)
    if not look_back.period_graded(report):
        return look_back.appended(_year(report, section), look_back.history_block(
            report, tasks, w("period.history_table", what=w["sections.tasks.toc"], span=span)))
    groups = [(key, title) for key, title in d.context.plan_items.groups.items() if items.of_kind(report, "task", key)]
    parts = [{"heading": w("plan_items.group_heading", numeral=w.numeral(n), title=title),
              "table": look_back.period_table(report, w("period.table", group=title, span=span),
                                              items.of_kind(report, "task", key))}
             for n, (key, title) in enumerate(groups, 1)]
    intro = w("period.intro", span=span, year=d.year, method=report.section_title("scope"),
              appendix=report.appendices()["progress"])
    return look_back.period_section(report, section, tasks, parts, intro=intro,
                                    discrepancies=items.discrepancies(report),
                                    discrepancies_intro=w("period.discrepancies_intro", year=d.year))


def _year(report: Report, section: Section) -> HTML:
    """The year's items: the city's by task group with the discrepancies, a county's own."""
    d, w = report.data, report.w
    catalogue = d.context.plan_items
    if not catalogue.items or d.task("task_items").empty:
        return report.html(section, empty=w["plan_items.empty"] if not catalogue.items
                           else w("plan_items.not_graded", year=d.year))
    if not d.is_city:
        return _county_items(report, section)
    groups = [(key, title) for key, title in catalogue.groups.items() if items.of_kind(report, "task", key)]
    parts = [{"heading": w("plan_items.group_heading", numeral=w.numeral(n), title=title),
              "table": items.items_table(report, w("plan_items.table", group=title, year=d.year),
                                         items.of_kind(report, "task", key))}
             for n, (key, title) in enumerate(groups, 1)]
    ledger = items.ledger_note(report)
    agree = w["plan_items.no_self_grades" if ledger else "plan_items.no_discrepancies"]
    intro = w("plan_items.intro", year=d.year, method=report.section_title("scope"),
              appendix=report.appendices()["progress"])
    return report.html(section, intro=intro + ledger, parts=parts, discrepancies=items.discrepancies(report),
                       no_discrepancies=agree, discrepancies_intro=w["plan_items.discrepancies_intro"])


def _county_items(report: Report, section: Section) -> HTML:
    """A county report: the items the county government reported, its own grades beside the city's."""
    d, w = report.data, report.w
    rows = d.task("task_departments")
    own = rows[rows["department"] == report.government()]
    verified = items.verified(report)
    table_rows = []
    for _, r in own.iterrows():
        item = d.context.plan_items.item(r["item"])
        progress = items.excerpt(items.data_text(r["progress"]), items.SHORT_PROGRESS, w["plan_items.more"])
        table_rows.append([item.id, Cell(item.title, "text"), items.grade_cell(w, r["self_grade"]),
                           items.grade_cell(w, r["verified_grade"]),
                           items.grade_cell(w, verified.loc[item.id, "verified_grade"]), Cell(progress, "text")])
    table = report.table(w("plan_items.table", group=d.area_name, year=d.year),
                         report.columns("plan_items.county_columns", [7, 19, *[items.GRADE_WIDTH] * 3, 32]),
                         table_rows) if table_rows else None
    none = w("plan_items.county_unassessable", reason=items.why_absent(report, LEDGER), area_name=d.area_name,
             year=d.year) if items.absent(report, LEDGER) else w("plan_items.none_county", area_name=d.area_name,
                                                                  year=d.year)
    return report.html(section, intro=w("plan_items.intro_county", area_name=d.area_name,
                                        appendix=report.appendices()["progress"]),
                       parts=[{"heading": "", "table": table}] if table is not None else [],
                       empty=None if table is not None else none)


def _county_history(report: Report) -> str:
    """A county report's look back: its government's own verified grade of each year on the items it reported, and
    its record over the period."""
    d, w = report.data, report.w
    government = d.context.plan_items.county_departments.get(d.area_code)
    rows = d.task("task_departments", every_year=True)
    own = rows[(rows["department"] == government) & (rows["year"] <= d.year)]
    records = d.period["period_departments"]
    record = records[records["department"] == government]
    if own.empty or record.empty:
        return ""
    span = look_back.span(report)
    table_rows = []
    for item_id, history in own.groupby("item", sort=True):
        grades = history.set_index("year")["verified_grade"]
        cells = [Cell(w["grade_symbols"][grades[y]], f"grade grade-{grades[y]}", w["grade_colors"][grades[y]])
                 if y in grades.index and grades[y] in GRADES else Cell(w["missing"]) for y in d.period_years]
        table_rows.append([item_id, Cell(d.context.plan_items.item(item_id).title, "text"), *cells])
    columns = {w["period.columns.id"]: 8, w["period.columns.title"]: 100 - 8 - look_back.YEAR_WIDTH * len(cells),
               **look_back.year_columns(report)}
    table = report.table(w("period.county_table", area_name=d.area_name, span=span), columns, table_rows,
                         css="history")
    r = record.iloc[0]
    share = percent(r["evidence_share"]) if pd.notna(r["evidence_share"]) else w["missing"]
    sentence = w("period.county_record", department=government, span=span, expected=int(r["expected_years"]),
                 reported=int(r["reported_years"]), claims=int(r["claims"]), share=share, above=int(r["above"]))
    return look_back.block(report, lead=w("period.county_intro", area_name=d.area_name, span=span), grid=table,
                           legend=look_back.history_legend(w), patterns=[sentence])
