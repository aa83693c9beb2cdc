"""Official statistics in the report: the official figure beside the computed value in the indicator table, the
value the evaluation used, the cross-check's findings for the data appendix and the workbook's sheets; the 对标分析
section is helpers.report.sections.benchmark. Everything here reads the official stage's datasets
(helpers.official.stage); nothing is computed again. The sentences are wording.yaml `official`."""

from __future__ import annotations

import pandas as pd

from helpers.report.data import ReportData
from helpers.report.findings import number, percent


def crosscheck(d: ReportData) -> pd.DataFrame:
    """This report's area and year in the cross-check: one row per indicator with an official figure."""
    frame = d.official["crosscheck"]
    return frame[(frame["area_code"] == d.area_code) & (frame["year"] == d.year)].set_index("measure")


def official_line(d: ReportData, indicator: str, places: int) -> str:
    """The line under an indicator's value: its official figure (and that it was used), or nothing."""
    checked = crosscheck(d)
    if indicator not in checked.index:
        return ""
    row = checked.loc[indicator]
    key = "official.cell_used" if row["used"] == "official" else "official.cell"
    return "\n" + d.words(key, value=number(row["official"], places))


def official_notes(d: ReportData) -> list[str]:
    """Which value the table uses, and where the official figures come from (always one note)."""
    w = d.words
    checked = crosscheck(d)
    if checked.empty:
        return [w["official.note_none"]]
    documents = w.join([w("official.document", name=r["name"], year=d.year, document=r["document"])
                        for _, r in checked.iterrows()])
    used = checked[checked["used"] == "official"]
    if used.empty:
        return [w("official.note_used_computed", documents=documents)]
    reason = w["official.reason_missing"] if used["computed"].isna().all() else w["official.reason_official"]
    return [w("official.note_used_official", names=w.join(list(used["name"])), reason=reason, documents=documents)]


def official_problems(d: ReportData) -> list[str]:
    """The data appendix's findings: figures beyond the cross-check's tolerance (both numbers and the source), and
    figures of this area not used (two values, a percent written two ways or as a ratio)."""
    w = d.words
    decimals = {i.id: i.decimals for i in d.plan.indicators}
    checked = crosscheck(d)
    sentences = []
    for measure, r in checked[checked["beyond"].astype(bool)].iterrows():
        places = decimals.get(measure, 0)
        sentences.append(w("official.gap", area_name=d.area_name, year=d.year, name=r["name"],
                           computed=number(r["computed"], places), official=number(r["official"], places),
                           unit=r["unit"], document=r["document"], gap=percent(r["gap"], 1),
                           tolerance=percent(r["tolerance"], 0)))
    figures = d.official["official"]
    flagged = figures[(figures["region_code"] == d.area_code) & (figures["year"] == d.year)
                      & (figures["status"] != "ok")]
    sentences += [w(f"official.{r['status']}", area_name=d.area_name, year=d.year, name=r["name"],
                    values=r["values"]) for _, r in flagged.iterrows()]
    return sentences


def workbook_sheets(book: object, datasets: object, context: object, w: object, year: int) -> None:
    """The workbook's 对标分析, 官方数据核对 and 官方统计数据 sheets of `year` (every area's figures)."""
    names = context.areas.names
    sheets, yes_no = w["official.sheets"], w["official.yes_no"]
    benchmark = datasets.read("benchmark")
    benchmark = benchmark[benchmark["year"] == year].assign(
        basis_label=lambda f: f["basis"].map(w["official.sources"]),
        leading_label=lambda f: [w["official.leading"][bool(lead)] if counted else w["official.leading"]["none"]
                                 for lead, counted in zip(f["leading"], f["counted"], strict=True)],
        tied=lambda f: f["tied"].map(yes_no))
    headings = w["official.benchmark_columns"]
    book.table(sheets["benchmark"], benchmark[list(headings)].rename(columns=headings))
    checked = datasets.read("crosscheck")
    checked = checked[checked["year"] == year].assign(
        area_name=lambda f: f["area_code"].map(names), beyond_label=lambda f: f["beyond"].map(yes_no),
        used_label=lambda f: f["used"].map(w["official.sources"]))
    headings = w["official.crosscheck_columns"]
    book.table(sheets["crosscheck"], checked[list(headings)].rename(columns=headings))
    figures = datasets.read("official")
    figures = figures[figures["year"] <= year].assign(status_label=lambda f: f["status"].map(w["official.statuses"]))
    headings = w["official.figure_columns"]
    book.table(sheets["figures"], figures[list(headings)].rename(columns=headings))
