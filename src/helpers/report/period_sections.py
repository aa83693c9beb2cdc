"""The report's look back over the period (conclusions.md §1): the indicators year by year (mid-term and final), the
history grid of every task, 专栏 and safeguard with its patterns and the departments' records over the period
(mid-term and final), and the period grade (终期核定) with its basis, counts and composite (final). Rendered from the
`period` stage's datasets and the yearly `tasks` datasets; every sentence is the wording's.

Mixed into `Report` before `PlanSections`: each section here falls back to the yearly one (`super()`) in a report
that does not look back, so an annual report keeps its year."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING

import pandas as pd
from IPython.display import HTML
from markupsafe import Markup

from helpers.report.findings import number, percent
from helpers.tasks import GRADES, Item
from helpers.tasks.period import NOTHING_GRADED, PERIOD_GRADES
from helpers.tasks.verification import LEDGER

if TYPE_CHECKING:
    from helpers.report.sections import Cell, Section

YEAR_WIDTH = 6.5  # percent of a table's width per year of a grid (a year's heading on one line in Word too)


def _appended(html: HTML, block: str) -> HTML:
    """A rendered section with `block` added at the end of its own content: before the evaluators' texts that close
    it (templates/sections/assessor.html.j2), else before its end."""
    text = html.data
    at = text.find('<div class="assessor"')
    at = at if at >= 0 else text.rfind("</section>")
    return HTML(text[:at] + block + text[at:])


class PeriodSections:
    """The sections of `Report` (helpers.report.sections) that look back over the period."""

    # ------------------------------------------------------------------ modes
    def _in_modes(self, key: str) -> bool:
        """Whether this year's report mode is one of conf assessment.yaml `period.<key>`."""
        d = self.data
        return d.plan.mode_of(d.year) in d.context.assessment["period"][key]

    @property
    def _looks_back(self) -> bool:
        """Whether this year's report looks back over the plan's items (the mid-term and the final evaluation of a
        plan with a catalogue of items)."""
        return self._in_modes("history_modes") and not self.data.period["period_items"].empty

    @property
    def _period_graded(self) -> bool:
        """Whether this year's report gives the period grade (终期核定: the final evaluation)."""
        return self._looks_back and self._in_modes("graded_modes")

    @property
    def _span(self) -> str:
        years = self.data.period_years
        return self.w("period.span", start=years[0], end=years[-1])

    # ------------------------------------------------------------------ cells
    def _period_grade_cell(self, grade: object) -> Cell:
        from helpers.report.sections import Cell

        if not isinstance(grade, str) or grade not in (*PERIOD_GRADES, NOTHING_GRADED):
            return Cell(self.w["missing"])
        w = self.w
        return Cell(f"{w['period.grade_symbols'][grade]} {w['period.grades'][grade]}", f"grade period-{grade}",
                    w["period.grade_colors"][grade])

    def _history_cells(self, item: str) -> list[Cell]:
        """The item's verified grade of each year of the period, as a symbol in its colour (carried forward
        marked)."""
        from helpers.report.sections import Cell

        w, rows = self.w, self.data.task("task_items", every_year=True)
        own = rows[rows["item"] == item].set_index("year")
        cells = []
        for year in self.data.period_years:
            grade = own.loc[year, "verified_grade"] if year in own.index else None
            if grade not in GRADES:
                cells.append(Cell(w["missing"]))
                continue
            symbol = w["grade_symbols"][grade]
            text = w("period.carried", symbol=symbol) if bool(own.loc[year, "carried_forward"]) else symbol
            cells.append(Cell(text, f"grade grade-{grade}", w["grade_colors"][grade]))
        return cells

    def _history_legend(self) -> str:
        w = self.w
        legend = w.join([w("period.legend_item", symbol=w["grade_symbols"][g], label=w["grades"][g]) for g in GRADES])
        return w("period.legend", legend=legend)

    def _year_columns(self) -> dict[str, float]:
        return {self.w("period.year_column", year=y): YEAR_WIDTH for y in self.data.period_years}

    # ------------------------------------------------------------------ texts from the datasets
    def _period_row(self, item: str) -> pd.Series:
        items = self.data.period["period_items"]
        return items[items["item"] == item].iloc[0]

    def _pattern_texts(self, row: pd.Series) -> list[str]:
        """The named patterns of an item's history (regression, chronic non-reporting, chronic lack of evidence)."""
        w = self.w
        texts = []
        if row["regression"]:
            to = int(row["regression_to"])
            grades = self.data.task("task_items", every_year=True)
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

    def _commitment_texts(self, item: Item) -> list[str]:
        """Each commitment's period grade and what it rests on, e.g. 「量化目标：未完成（期末5，目标6，完成度83%）」."""
        d, w = self.data, self.w
        rows = d.period["period_commitments"]
        graded_on = d.context.plan_items.commitments_of(item)  # its own, and a task's attached 专栏 targets
        texts = []
        for _, r in rows[rows["item"] == item.id].iterrows():
            source, commitment = graded_on[int(r["commitment"]) - 1]
            places = self._flagship_places(commitment.flagship) if commitment.flagship else 0
            basis = w(f"period.basis.{r['basis']}", span=self._span, end=d.year, years=len(d.period_years),
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

    def _flagship_places(self, flagship: str) -> int:
        """Decimals a 专栏 target is shown with (those of the indicator it repeats, else none)."""
        target = next(f for f in self.data.plan.flagship if f.id == flagship)
        return self.data.plan.indicator(target.params["indicator"]).decimals if target.compute == "same_as" else 0

    def _pattern_lines(self, items: list[Item]) -> list[str]:
        w, lines = self.w, []
        for item in items:
            texts = self._pattern_texts(self._period_row(item.id))
            if texts:
                lines.append(w("period.pattern_line", id=item.id, title=item.title, patterns=w.join(texts)))
        return lines

    def _gap_lines(self, items: list[Item]) -> list[str]:
        """The years an item's ledger grade was 待核实 (not a good year), and why: whose claim lacked evidence (in a
        county report, no other county government's rows: it speaks of its own)."""
        d, w = self.data, self.w
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

    # ------------------------------------------------------------------ tables
    def _period_table(self, caption: str, items: list[Item]) -> Markup:
        """终期核定: per item its history grid, period grade, and its commitments' grades and patterns."""
        from helpers.report.sections import Cell

        w = self.w
        rest = 100 - 6 - 15 - 12 - YEAR_WIDTH * len(self.data.period_years)
        columns = {w["period.columns.id"]: 6, w["period.columns.title"]: 15, **self._year_columns(),
                   w["period.columns.grade"]: 12, w["period.columns.basis"]: rest}
        rows = []
        for item in items:
            row = self._period_row(item.id)
            texts = [*dict.fromkeys(self._commitment_texts(item)), *self._pattern_texts(row)]
            basis = w["period.separator"].join(texts)
            rows.append([item.id, Cell(item.title, "text"), *self._history_cells(item.id),
                         self._period_grade_cell(row["grade"]), Cell(basis, "text")])
        return self._table(caption, columns, rows, css="history")

    def _history_table(self, caption: str, items: list[Item]) -> Markup:
        """The mid-term's grid: per item its verified grade of each year so far and its patterns."""
        from helpers.report.sections import Cell

        w = self.w
        rest = 100 - 6 - 30 - YEAR_WIDTH * len(self.data.period_years)
        columns = {w["period.columns.id"]: 6, w["period.columns.title"]: 30, **self._year_columns(),
                   w["period.columns.patterns"]: rest}
        rows = [[item.id, Cell(item.title, "text"), *self._history_cells(item.id),
                 Cell(w.join(self._pattern_texts(self._period_row(item.id))), "text")] for item in items]
        return self._table(caption, columns, rows, css="history")

    def _block(self, **context: object) -> str:
        """The look back's block (templates/sections/period_block.html.j2): `lead`, `grid`, `legend`, `patterns`
        and `gaps`, each where given."""
        from helpers.report.sections import _ENV

        return _ENV.get_template("period_block.html.j2").render(w=self.w.texts, **context)

    def _findings(self, items: list[Item], gaps: bool) -> dict[str, object]:
        """The patterns of `items` (and, with `gaps`, their years without evidence) for the look back's block."""
        w = self.w
        return {"legend": self._history_legend(), "patterns": self._pattern_lines(items),
                "patterns_intro": w["period.patterns_intro"], "no_patterns": w["period.no_patterns"],
                "gaps": self._gap_lines(items) if gaps else [], "gaps_intro": w["period.gaps_intro"]}

    def _look_back(self, section: Section, items: list[Item], parts: list[dict], **context: object) -> HTML:
        """A section of the final report: its items' period tables (`parts`), their patterns and the years without
        evidence, then what `context` adds (the intro, the year's discrepancies)."""
        return self._render(replace(section, template="period_items"), parts=parts,
                            **self._findings(items, gaps=True), **context)

    def _history_block(self, items: list[Item], caption: str) -> str:
        """The mid-term's addition to a section: the grid of its items and their patterns (none without a ledger:
        the years' grades are 无法评估 and the year's tables say why)."""
        if self._absent(LEDGER):
            return ""
        return self._block(lead=self.w("period.history_intro", span=self._span),
                           grid=self._history_table(caption, items), **self._findings(items, gaps=False))

    # ------------------------------------------------------------------ sections
    def tasks(self, section: Section) -> HTML:
        d, w = self.data, self.w
        if not self._looks_back:
            return super().tasks(section)
        if not d.is_city:
            return _appended(super().tasks(section), self._county_history())
        items = self._items("task")
        if not self._period_graded:
            return _appended(super().tasks(section), self._history_block(
                items, w("period.history_table", what=w["sections.tasks.toc"], span=self._span)))
        catalogue = d.context.plan_items
        groups = [(key, title) for key, title in catalogue.groups.items() if self._items("task", key)]
        parts = [{"heading": w("plan_items.group_heading", numeral=w.numeral(n), title=title),
                  "table": self._period_table(w("period.table", group=title, span=self._span),
                                              self._items("task", key))} for n, (key, title) in enumerate(groups, 1)]
        intro = w("period.intro", span=self._span, year=d.year, method=self._section_title("scope"),
                  appendix=self.appendices()["progress"])
        return self._look_back(section, items, parts, intro=intro,
                               discrepancies=self._discrepancies(),
                               discrepancies_intro=w("period.discrepancies_intro", year=d.year))

    def _flagship_items(self) -> Markup | None:
        if not self._period_graded:
            return super()._flagship_items()
        return self._period_table(self._scoped("period.flagship_table", span=self._span), self._items("flagship"))

    def _flagship_items_intro(self) -> str:
        return self.w("period.flagship_intro", span=self._span) if self._period_graded else \
            super()._flagship_items_intro()

    def _flagship_look_back(self) -> Markup:
        """The end of 重大工程（专栏）: the patterns and evidence gaps of the 专栏 (final), or their grid (mid-term)."""
        items = self._items("flagship")
        if not self._looks_back or not items:
            return Markup("")
        if self._period_graded:
            return Markup(self._block(**self._findings(items, gaps=True)))
        return Markup(self._history_block(
            items, self._scoped("period.history_table", what=self.w["sections.flagship.toc"], span=self._span)))

    def safeguards(self, section: Section) -> HTML:
        w, items = self.w, self._items("safeguard")
        if not self._looks_back or not items:
            return super().safeguards(section)
        if not self._period_graded:
            return _appended(super().safeguards(section), self._history_block(
                items, self._scoped("period.history_table", what=w["sections.safeguards.toc"], span=self._span)))
        table = self._period_table(self._scoped("period.safeguards_table", span=self._span), items)
        return self._look_back(section, items, [{"heading": "", "table": table}],
                               intro=w("period.safeguards_intro", span=self._span))

    def departments(self, section: Section) -> HTML:
        """责任单位履职情况 over the period: years reported of years expected, claims with evidence found, self-grades
        above verified grades (the year's section says why there is none without a ledger)."""
        d, w = self.data, self.w
        if not self._looks_back or not d.is_city or self._absent(LEDGER):
            return super().departments(section)
        records = d.period["period_departments"]
        counties = set(d.context.plan_items.county_departments.values())
        shown = records[~records["department"].isin(counties) & ((records["led"] > 0) | (records["rows"] > 0))]
        rows = [[r["department"], str(int(r["led"])),
                 w("period.years_reported", reported=int(r["reported_years"]), expected=int(r["expected_years"])),
                 str(int(r["rows"])), percent(r["evidence_share"]) if pd.notna(r["evidence_share"]) else w["missing"],
                 str(int(r["above"]))] for _, r in shown.iterrows()]
        table = self._table(w("period.departments_table", span=self._span),
                            self._columns("period.departments_columns", [34, 11, 13, 12, 15, 15]), rows,
                            css="numbers")
        return self._render(section, intro=w("period.departments_intro", span=self._span),
                            parts=[{"heading": "", "table": table}])

    def _county_history(self) -> str:
        """A county report's look back: its government's own verified grade of each year on the items it reported,
        and its record over the period."""
        from helpers.report.sections import Cell

        d, w = self.data, self.w
        government = d.context.plan_items.county_departments.get(d.area_code)
        rows = d.task("task_departments", every_year=True)
        own = rows[(rows["department"] == government) & (rows["year"] <= d.year)]
        records = d.period["period_departments"]
        record = records[records["department"] == government]
        if own.empty or record.empty:
            return ""
        table_rows = []
        for item_id, history in own.groupby("item", sort=True):
            grades = history.set_index("year")["verified_grade"]
            cells = [Cell(w["grade_symbols"][grades[y]], f"grade grade-{grades[y]}", w["grade_colors"][grades[y]])
                     if y in grades.index and grades[y] in GRADES else Cell(w["missing"]) for y in d.period_years]
            table_rows.append([item_id, Cell(d.context.plan_items.item(item_id).title, "text"), *cells])
        columns = {w["period.columns.id"]: 8, w["period.columns.title"]: 100 - 8 - YEAR_WIDTH * len(cells),
                   **self._year_columns()}
        table = self._table(w("period.county_table", area_name=d.area_name, span=self._span), columns, table_rows,
                            css="history")
        r = record.iloc[0]
        share = percent(r["evidence_share"]) if pd.notna(r["evidence_share"]) else w["missing"]
        sentence = w("period.county_record", department=government, span=self._span, expected=int(r["expected_years"]),
                     reported=int(r["reported_years"]), claims=int(r["claims"]), share=share, above=int(r["above"]))
        return self._block(lead=w("period.county_intro", area_name=d.area_name, span=self._span), grid=table,
                           legend=self._history_legend(), patterns=[sentence])

    # ------------------------------------------------------------------ indicators
    def _indicators_look_back(self) -> Markup:
        """The end of 主要指标完成情况 in a report that looks back: every indicator year by year."""
        table = self._period_indicator_table()
        if table is None:
            return Markup("")
        lead = self.w("period.indicators_intro", span=self._span, base_year=self.data.plan.base_year)
        return Markup(self._block(lead=lead, grid=table, legend=self._status_legend()))

    def _period_indicator_table(self) -> Markup | None:
        """Every indicator of this area: its base, its value and status in every year of the period, the change and
        CAGR from the base to the last year and the year its target was first met."""
        from helpers.report.sections import Cell

        d, w = self.data, self.w
        if not self._in_modes("history_modes"):
            return None
        own = self._period_indicator_rows()
        if own.empty:
            return None
        years = {w("period.year_column", year=y): 9.0 for y in d.period_years}
        name = 100 - 7 - 8 - sum(years.values()) - 8 - 7 - 8  # the name takes what the years leave
        columns = {**self._columns("period.indicator_columns", [name, 7, 8], base_year=d.plan.base_year), **years,
                   **self._columns("period.indicator_tail", [8, 7, 8], base_year=d.plan.base_year)}
        rows = []
        for indicator in d.plan.indicators:
            series = own[own["indicator"] == indicator.id].set_index("year")
            if series.empty:
                continue
            last = series.iloc[-1]
            places = indicator.decimals
            cells = [self._year_cell(series, y, places) for y in d.period_years]
            first_met = w("period.first_met", year=int(last["first_met"])) if pd.notna(last["first_met"]) else \
                w["missing"]
            cagr = w["missing"] if pd.isna(last["cagr"]) else percent(last["cagr"] / 100, 1)
            rows.append([Cell(indicator.name, "text"), indicator.unit, number(last["base"], places), *cells,
                         number(last["change"], places), cagr, first_met])
        return self._table(w("period.indicators_table", area_name=d.area_name, span=self._span), columns, rows,
                           css="numbers history")

    def _period_indicator_rows(self) -> pd.DataFrame:
        """This area's rows of the period's indicators, without a city's indicator in a county (the table above says
        市级指标)."""
        frame = self.data.period["period_indicators"]
        own = frame[frame["area_code"] == self.data.area_code]
        city_only = own.groupby("indicator")["status"].transform(lambda s: (s == "city_only").all())
        return own[~city_only.astype(bool)]

    def _year_cell(self, series: pd.DataFrame, year: int, places: int) -> Cell:
        from helpers.report.sections import Cell

        if year not in series.index:
            return Cell(self.w["missing"])
        status = series.loc[year, "status"]
        style = self.data.plan.statuses[status]
        return Cell(self.w("period.cell", value=number(series.loc[year, "value"], places), symbol=style["symbol"]),
                    f"status status-{status}", style["color"])

    def _status_legend(self) -> str:
        d, w = self.data, self.w
        shown = set(self._period_indicator_rows()["status"])
        legend = w.join([w("period.legend_item", symbol=style["symbol"], label=w["statuses"][key])
                         for key, style in d.plan.statuses.items() if key in shown])
        return w("period.status_legend", legend=legend)

    # ------------------------------------------------------------------ summary and method
    def _counts_sentence(self) -> str:
        if not self._period_graded:
            return super()._counts_sentence()
        w, items = self.w, self.data.period["period_items"]
        counts = items["grade"].value_counts()
        parts = [w("plan_items.count_part", label=w["period.grades"][g], count=int(counts[g]))
                 for g in (*PERIOD_GRADES, NOTHING_GRADED) if counts.get(g)]
        return w("period.counts", total=len(items), span=self._span, parts=w.join(parts))

    def _composite_sentence(self) -> str:
        if not self._period_graded:
            return super()._composite_sentence()
        table = self.data.period["period_composite"].set_index("part")
        if "composite" not in table.index or pd.isna(table.loc["composite", "score"]):
            return ""
        w = self.w
        parts = {name: w("plan_items.composite_part", score=number(table.loc[name, "score"], 1))
                 if name in table.index and pd.notna(table.loc[name, "score"]) else w["plan_items.composite_none"]
                 for name in ("indicators", "tasks", "policies", "safeguards")}
        return w("period.composite", score=number(table.loc["composite", "score"], 1),
                 grade=w["composite_grades"][table.loc["composite", "grade"]], **parts)

    def _item_method(self) -> list[str]:
        lines = super()._item_method()
        if not lines or not self._looks_back:
            return lines
        d, w = self.data, self.w
        conf = d.context.assessment["period"]
        history = w("period.method_history", regression=w.join([w["grades"][g] for g in GRADES
                                                                   if g in conf["reported_lower"]]),
                    not_reported=conf["chronic"]["not_reported"], unverified=conf["chronic"]["unverified"])
        if not self._period_graded:
            return [*lines, history, w["period.method_midterm"]]
        points = conf["points"]
        return [*lines, w("period.method", span=self._span, end=d.year, base_year=d.plan.base_year,
                          basic=percent(d.plan.thresholds["basically_met"]), share=percent(conf["basic_share"]),
                          completed=points["completed"], basic_points=points["basic"],
                          unfinished=points["unfinished"]), history]


def _whole(value: object) -> str:
    """A count or year of a dataset (a float where it may be missing) as written."""
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(int(value))
