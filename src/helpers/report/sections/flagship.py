"""重大工程（专栏） (flagship): the 专栏 targets against their values, then every 专栏 as a plan item with its
verified grade and what it rests on; in a report that looks back, their history grid (mid-term) or period grade and
patterns (final). Wording: wording.yaml `flagship`, `plan_items` (flagship_*), `period` (flagship_*,
history_table), `summary.flagship*`."""

from __future__ import annotations

from IPython.display import HTML
from markupsafe import Markup

from helpers.report import findings, items, look_back
from helpers.report.core import Cell, Report, Section
from helpers.report.findings import number, percent


def render(report: Report, section: Section) -> HTML:
    d, w = report.data, report.w
    plan_items = _items_table(report)  # first: the tables are numbered in the order they appear
    final = d.final
    rows = []
    for _, r in d.flagship.iterrows():
        places = report.flagship_places(r["id"])
        progress = [] if final else [percent(r["tau"])]
        rows.append([w("flagship.column", column=r["column"]), r["name"], r["unit"], number(r["target"], places),
                     number(r["value"], places), percent(r["reached"]), *progress, report.status_cell(r["status"])])
    if final:
        columns = report.columns("flagship.columns_final", [8, 36, 10, 11, 11, 10, 14], year=d.year)
    else:
        columns = report.columns("flagship.columns", [8, 30, 10, 10, 10, 9, 9, 14], year=d.year)
    table = report.table(report.scoped("flagship.table", year=d.year), columns, rows, css="numbers")
    intro_key = "flagship.intro_city_final" if final else "flagship.intro_city"
    intro = w[intro_key] if d.is_city else w("flagship.intro_county", area_name=d.area_name)
    return report.html(section, intro=intro, table=table, items_table=plan_items,
                       items_intro=_items_intro(report) if plan_items is not None else "",
                       sentences=[findings.flagship_sentence(d)] if d.is_city else [],
                       look_back=_look_back(report))


def _items_table(report: Report) -> Markup | None:
    """Every 专栏 with its verified grade and what the grade rests on; in the final evaluation, their period
    table."""
    d, w = report.data, report.w
    flagship = items.of_kind(report, "flagship")
    if look_back.period_graded(report):
        return look_back.period_table(report, report.scoped("period.flagship_table", span=look_back.span(report)),
                                      flagship)
    if not flagship or d.task("task_items").empty:
        return None
    verified, commitments = items.verified(report), d.task("task_commitments")
    rows = []
    for item in flagship:
        row = verified.loc[item.id]
        quantified = commitments[(commitments["item"] == item.id) & (commitments["kind"] == "quantified")]
        basis = w.join([items.commitment_basis(report, r) for _, r in quantified.iterrows()])
        rows.append([w("flagship.column", column=item.column), Cell(item.title, "text"), item.task or "",
                     items.grade_cell(w, row["self_grade"]), items.grade_cell(w, row["verified_grade"]),
                     Cell(items.grade_parts(report, item.id) or basis or items.progress_of(report, item.id)
                          or (items.not_reported(report, item.id) if d.is_city else w["missing"]), "text")])
    return report.table(report.scoped("plan_items.flagship_table", year=d.year),
                        report.columns("plan_items.flagship_columns",
                                       [8, 21, 9, items.GRADE_WIDTH, items.GRADE_WIDTH, 34]), rows)


def _items_intro(report: Report) -> str:
    if look_back.period_graded(report):
        return report.w("period.flagship_intro", span=look_back.span(report))
    return report.area_text("plan_items.flagship_intro", year=report.data.year)


def _look_back(report: Report) -> Markup:
    """The end of the section: the patterns and evidence gaps of the 专栏 (final), or their grid (mid-term)."""
    flagship = items.of_kind(report, "flagship")
    if not look_back.looks_back(report) or not flagship:
        return Markup("")
    if look_back.period_graded(report):
        return Markup(look_back.block(report, **look_back.patterns(report, flagship, gaps=True)))
    return Markup(look_back.history_block(report, flagship, report.scoped(
        "period.history_table", what=report.w["sections.flagship.toc"], span=look_back.span(report))))
