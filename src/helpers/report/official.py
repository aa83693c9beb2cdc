"""Official statistics in the report: the official figure beside the computed value in the indicator table, the
value the evaluation used, the cross-check's findings for the data appendix, the 对标分析 section and its workbook
sheets. Everything here reads the official stage's datasets (helpers.official.stage); nothing is computed again."""

from __future__ import annotations

import math

import pandas as pd
from IPython.display import HTML
from markupsafe import Markup

from helpers.report.charts import Comparison
from helpers.report.data import OFFICIAL_SOURCE
from helpers.report.findings import number, percent
from helpers.report.task_words import goal_outcome

__all__ = ["OFFICIAL_SOURCE", "OfficialSections", "workbook_sheets"]


class OfficialSections:
    """The parts of `Report` (helpers.report.sections) that show official figures."""

    # ------------------------------------------------------------------ the indicator table
    def _crosscheck(self) -> pd.DataFrame:
        """This report's area and year in the cross-check: one row per indicator with an official figure."""
        d = self.data
        frame = d.official["crosscheck"]
        return frame[(frame["area_code"] == d.area_code) & (frame["year"] == d.year)].set_index("measure")

    def _official_line(self, indicator: str, places: int) -> str:
        """The line under an indicator's value: its official figure (and that it was used), or nothing."""
        checked = self._crosscheck()
        if indicator not in checked.index:
            return ""
        row = checked.loc[indicator]
        key = "official.cell_used" if row["used"] == "official" else "official.cell"
        return "\n" + self.w(key, value=number(row["official"], places))

    def _official_notes(self) -> list[str]:
        """Which value the table uses, and where the official figures come from (always one note)."""
        d, w = self.data, self.w
        checked = self._crosscheck()
        if checked.empty:
            return [w["official.note_none"]]
        documents = w.join([w("official.document", name=r["name"], year=d.year, document=r["document"])
                            for _, r in checked.iterrows()])
        used = checked[checked["used"] == "official"]
        if used.empty:
            return [w("official.note_used_computed", documents=documents)]
        reason = w["official.reason_missing"] if used["computed"].isna().all() else w["official.reason_official"]
        return [w("official.note_used_official", names=w.join(list(used["name"])), reason=reason,
                  documents=documents)]

    def _official_problems(self) -> list[str]:
        """The data appendix's findings: figures beyond the cross-check's tolerance (both numbers and the source),
        and figures of this area not used (two values, a percent written two ways or as a ratio)."""
        d, w = self.data, self.w
        decimals = {i.id: i.decimals for i in d.plan.indicators}
        checked = self._crosscheck()
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

    # ------------------------------------------------------------------ 对标分析
    def benchmark(self, section: object) -> HTML:
        d, w = self.data, self.w
        leading = d.context.official.leading
        if not d.is_city:
            return self._render(section, lines=[w("official.county", city=d.context.areas.city_name)])
        if not d.context.official.peers:
            return self._render(section, lines=[w["official.no_peers"]])
        frame = d.official["benchmark"]
        rows = frame[frame["year"] == d.year]
        if rows.empty:
            return self._render(section, lines=[w("official.missing", min_ranked=leading.get("min_ranked", 0))])
        table = self._benchmark_table(rows)
        figure = self._chart_benchmark(rows)
        goal = d.task("goals")
        goal = goal[goal["rule"] == "ranking"]
        counted = rows[rows["counted"].astype(bool)]
        if len(goal) and len(counted):
            judgement = w("official.judgement", area_name=d.area_name, counted=len(counted), goal=goal.iloc[0]["text"],
                          leading=int(counted["leading"].astype(bool).sum()), outcome=goal_outcome(goal.iloc[0], w))
        else:
            judgement = w("official.judgement_none", goal=goal.iloc[0]["text"]) if len(goal) else None
        documents = self._benchmark_documents(rows)
        notes = [w("official.basis_note", top_rank=leading.get("top_rank"), min_ranked=leading.get("min_ranked"),
                   top_share=percent(leading.get("top_rank", 0) / max(len(d.context.official.peers), 1))),
                 w("official.documents_note", documents=documents)]
        return self._render(section, lines=[w("official.intro", year=d.year, area_name=d.area_name)], table=table,
                            notes=notes, figure=figure, judgement=judgement)

    def _benchmark_table(self, rows: pd.DataFrame) -> Markup:
        d, w = self.data, self.w
        decimals = {i.id: i.decimals for i in d.plan.indicators}
        body = []
        for _, r in rows.iterrows():
            places = decimals.get(r["measure"], 0)
            rank = "—" if math.isnan(r["rank"]) else w("official.rank_tied" if r["tied"] else "official.rank",
                                                        rank=int(r["rank"]), ranked=int(r["ranked"]))
            lead = w["official.leading"][bool(r["leading"])] if r["counted"] else w["official.leading"]["none"]
            body.append([r["name"], r["unit"], number(r["value"], places) + self._beside(r, places), rank,
                         number(r["province"], places), self._compared(r, "province", places),
                         number(r["nation"], places), self._compared(r, "nation", places), lead])
        return self._table(w("official.table", area_name=d.area_name, year=d.year),
                           self._columns("official.columns", [22, 7, 10, 10, 11, 11, 10, 10, 9],
                                         area_name=d.area_name), body, css="numbers")

    def _beside(self, row: pd.Series, places: int) -> str:
        """The city's other value under the one it is ranked on (its official figure where the evaluation used the
        computed value, the computed value where it used the official figure), where the two print differently."""
        checked = self._crosscheck()
        if row["measure"] not in checked.index:
            return ""
        other = checked.loc[row["measure"], "official" if row["basis"] == "computed" else "computed"]
        if pd.isna(other) or number(other, places) == number(row["value"], places):
            return ""
        return "\n" + self.w(f"official.beside.{row['basis']}", value=number(other, places))

    def _compared(self, row: pd.Series, part: str, places: int) -> str:
        """A rate's difference from the province's or nation's value; a total's share of it."""
        if math.isnan(row[part]):
            return "—"
        if row["intensive"]:
            gap = row[f"gap_{part}"]
            return self.w("official.difference", sign="+" if gap > 0 else "", value=number(gap, places))
        return self.w("official.share", share=percent(row[f"share_{part}"], 2))

    def _benchmark_documents(self, rows: pd.DataFrame) -> str:
        figures = self.data.official["official"]
        used = figures[(figures["year"] == self.data.year) & (figures["status"] == "ok")
                       & figures["measure"].isin(rows["measure"])]
        return self.w.join(sorted(used["document"].unique()))

    def _chart_benchmark(self, rows: pd.DataFrame) -> Markup | None:
        """Each measure's peer values as bars, the city hatched; the province's value as a line where it is on the
        scale of the cities' (a rate)."""
        d, w = self.data, self.w
        official = d.context.official
        figures = d.official["official"]
        decimals = {i.id: i.decimals for i in d.plan.indicators}
        panels = []
        for _, r in rows.iterrows():
            peers = figures[(figures["measure"] == r["measure"]) & (figures["year"] == d.year)
                            & (figures["status"] == "ok") & figures["region_code"].isin(list(official.peers))
                            & (figures["region_code"] != d.area_code)]
            values = pd.Series(dict(zip(peers["region_name"], peers["value"], strict=True)) | {d.area_name: r["value"]})
            if values.dropna().size < 2:
                continue
            province = r["province"]
            on_scale = r["intensive"] and not math.isnan(province) and province <= 2 * values.max()
            panels.append(Comparison(r["name"], r["unit"], values, d.area_name, province if on_scale else None,
                                     w["official.chart_reference"], decimals.get(r["measure"], 0)))
        if not panels:
            return None
        return self._figure("comparisons", (panels,), self.charts.comparisons_table(panels),
                            w("official.chart", year=d.year, heading=w["official.chart_heading"],
                              area_name=d.area_name))


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
