"""责任单位履职情况 (departments, city report only): per department the items it leads, its rows, the years it
reported, the share of its claims with evidence found and its self-grades above the verified ones; over the period
in a report that looks back. Shares the template plan_items with the other sections on the plan's items. Wording:
wording.yaml `plan_items` (departments_*, years_reported), `period` (departments_*, years_reported)."""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML

from helpers.report import items, look_back
from helpers.report.core import Report, Section
from helpers.report.findings import percent
from helpers.tasks import RANK
from helpers.tasks.verification import LEDGER


def render(report: Report, section: Section) -> HTML:
    d, w = report.data, report.w
    if not look_back.looks_back(report) or not d.is_city or items.absent(report, LEDGER):
        return _year(report, section)
    span = look_back.span(report)
    records = d.period["period_departments"]
    counties = set(d.context.plan_items.county_departments.values())
    shown = records[~records["department"].isin(counties) & ((records["led"] > 0) | (records["rows"] > 0))]
    rows = [[r["department"], str(int(r["led"])),
             w("period.years_reported", reported=int(r["reported_years"]), expected=int(r["expected_years"])),
             str(int(r["rows"])), percent(r["evidence_share"]) if pd.notna(r["evidence_share"]) else w["missing"],
             str(int(r["above"]))] for _, r in shown.iterrows()]
    table = report.table(w("period.departments_table", span=span),
                         report.columns("period.departments_columns", [34, 11, 13, 12, 15, 15]), rows, css="numbers")
    return report.html(section, intro=w("period.departments_intro", span=span), parts=[{"heading": "", "table": table}])


def _year(report: Report, section: Section) -> HTML:
    """The year's scorecard (the section says why there is none without a ledger)."""
    d, w = report.data, report.w
    if not d.is_city or not d.context.plan_items.items:
        return HTML("")
    if items.absent(report, LEDGER):
        return report.html(section, empty=w("plan_items.departments_unassessable",
                                            reason=items.why_absent(report, LEDGER), year=d.year))
    every = d.task("task_departments", every_year=True)
    every = every[every["year"] <= d.year]
    now = every[every["year"] == d.year]
    first_year = d.plan.base_year + 1
    rows = []
    for department in d.context.plan_items.departments:
        if department in d.context.plan_items.county_departments.values():
            continue
        led = sum(1 for item in items.of_kind(report) if item.departments and item.departments[0] == department)
        mine, history = now[now["department"] == department], every[every["department"] == department]
        claims = mine[mine["self_grade"].isin(["completed", "on_track"])]
        supported = claims[claims["verified_grade"] != "unverified"]
        above = int((mine["verified_grade"].map(RANK) > mine["self_grade"].map(RANK)).sum())
        if not led and history.empty:
            continue
        rows.append([department, str(led), str(len(mine)),
                     w("plan_items.years_reported", reported=history["year"].nunique(),
                       expected=d.year - first_year + 1),
                     percent(len(supported) / len(claims)) if len(claims) else w["missing"], str(above)])
    table = report.table(w("plan_items.departments_table", year=d.year),
                         report.columns("plan_items.departments_columns", [34, 11, 11, 14, 15, 15]), rows,
                         css="numbers")
    return report.html(section, intro=w("plan_items.departments_intro", year=d.year),
                       parts=[{"heading": "", "table": table}])
