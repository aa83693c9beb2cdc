"""保障措施 (safeguards): the safeguards as plan items, self-grade beside verified grade; in a report that looks back,
their history grid (mid-term) or period grade (final). Shares the template plan_items with the other sections on the
plan's items. Wording: wording.yaml `plan_items` (safeguards_*, empty, not_graded), `period` (safeguards_*,
history_table)."""

from __future__ import annotations

from IPython.display import HTML

from helpers.report import items, look_back
from helpers.report.core import Report, Section


def render(report: Report, section: Section) -> HTML:
    w, safeguards = report.w, items.of_kind(report, "safeguard")
    if not look_back.looks_back(report) or not safeguards:
        return _year(report, section)
    span = look_back.span(report)
    if not look_back.period_graded(report):
        return look_back.appended(_year(report, section), look_back.history_block(
            report, safeguards, report.scoped("period.history_table", what=w["sections.safeguards.toc"], span=span)))
    table = look_back.period_table(report, report.scoped("period.safeguards_table", span=span), safeguards)
    return look_back.period_section(report, section, safeguards, [{"heading": "", "table": table}],
                                    intro=w("period.safeguards_intro", span=span))


def _year(report: Report, section: Section) -> HTML:
    d, w = report.data, report.w
    safeguards = items.of_kind(report, "safeguard")
    if not safeguards or d.task("task_items").empty:
        return report.html(section, empty=w["plan_items.empty"] if not safeguards
                           else w("plan_items.not_graded", year=d.year))
    return report.html(section, intro=report.area_text("plan_items.safeguards_intro", year=d.year)
                       + items.ledger_note(report),
                       parts=[{"heading": "", "table": items.items_table(
                           report, report.scoped("plan_items.safeguards_table", year=d.year), safeguards)}])
