"""Trends for researchers (notebooks/explore.ipynb): the pipeline's datasets as tables across years and areas,
and how each area's statuses moved year by year. Pure functions over the saved datasets."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from helpers.context import Context
from helpers.pipeline import Datasets, open_datasets
from helpers.report import Charts, Words, fonts_of


@dataclass(frozen=True)
class Explorer:
    """The datasets of a processed folder with the plan they were computed for."""

    context: Context
    datasets: Datasets
    words: Words

    @classmethod
    def open(cls, processed_dir: Path | str, plan: str | None = None, lang: str = "zh") -> Explorer:
        """The (checked current) datasets of `processed_dir`, relative to the project root unless absolute."""
        context = Context.load(plan=plan)
        folder = Path(processed_dir)
        folder = folder if folder.is_absolute() else context.conf.root / folder
        return cls(context, open_datasets(folder, context), Words.of(context, lang))

    def read(self, name: str) -> pd.DataFrame:
        """A dataset of the catalog (values, evaluation, flagship, high_value, visits, reconciliation, …)."""
        return self.datasets.read(name)

    def catalog(self) -> pd.DataFrame:
        """The plan's indicators: id, category, name, unit, base, target, kind."""
        return pd.DataFrame([{"id": i.id, "category": i.category, "name": i.name, "unit": i.unit, "base": i.base,
                              "target": i.target, "kind": i.kind} for i in self.context.plan.indicators]
                            ).set_index("id")

    def by_area(self, indicator: str) -> pd.DataFrame:
        """One indicator as a table: areas (by name, city first) × years."""
        info = self.context.areas
        values = self.read("values")
        table = values[values["indicator"] == indicator].pivot(index="area_code", columns="year", values="value")
        table = table.reindex(info.codes)
        table.index = [info.names[c] for c in table.index]
        return table

    def status_history(self, area_code: str | None = None) -> pd.DataFrame:
        """Status of every indicator (rows) in every evaluated year (columns) for one area (city default)."""
        area_code = area_code or self.context.areas.city_code
        evaluation = self.read("evaluation")
        own = evaluation[evaluation["area_code"] == area_code]
        table = own.assign(label=own["status"].map(self.words["statuses"])).pivot(index="name", columns="year",
                                                                                  values="label")
        return table.reindex([i.name for i in self.context.plan.indicators]).dropna(how="all")

    # ------------------------------------------------------------------ the plan-wide assessment
    def grades_by_group(self) -> pd.DataFrame:
        """Verified grades counted per task group (rows) and year (columns, grade by grade)."""
        items = self.read("task_items")
        groups = self.context.plan_items.groups
        labelled = items.assign(group=items["group"].map(groups),
                                grade=items["verified_grade"].map(self.words["grades"]))
        return labelled.pivot_table(index="group", columns=["year", "grade"], values="item", aggfunc="count",
                                    fill_value=0)

    def grade_history(self) -> pd.DataFrame:
        """Every item's verified grade (rows) in every graded year (columns)."""
        items = self.read("task_items")
        table = items.assign(grade=items["verified_grade"].map(self.words["grades"])).pivot(
            index="item", columns="year", values="grade")
        return table.reindex(self.context.plan_items.ids)

    def discrepancies(self, year: int | None = None) -> pd.DataFrame:
        """Items whose department's self-grade is above the verified grade, with the reason (one year or all)."""
        from helpers.tasks import GRADES

        items = self.read("task_items").dropna(subset=["self_grade"])
        rank = {grade: i for i, grade in enumerate(GRADES)}
        above = items[items["self_grade"].map(rank) < items["verified_grade"].map(rank)]
        if year is not None:
            above = above[above["year"] == year]
        grades = self.words["grades"]
        return above.assign(self_grade=above["self_grade"].map(grades),
                            verified_grade=above["verified_grade"].map(grades))[
            ["year", "item", "self_grade", "verified_grade", "reason"]].reset_index(drop=True)

    def scorecard(self) -> pd.DataFrame:
        """Per department and year: items reported, claims supported by evidence, self-grades above verified."""
        from helpers.tasks import GRADES

        rows = self.read("task_departments")
        rank = {grade: i for i, grade in enumerate(GRADES)}
        claims = rows["self_grade"].isin(["completed", "on_track"])
        return rows.assign(claim=claims, supported=claims & (rows["verified_grade"] != "unverified"),
                           above=rows["verified_grade"].map(rank) > rows["self_grade"].map(rank)).groupby(
            ["department", "year"]).agg(reported=("item", "size"), claims=("claim", "sum"),
                                        supported=("supported", "sum"), above=("above", "sum"))

    def charts(self) -> Charts:
        """The report's charts (style, font, wording), for figures drawn here."""
        return Charts(self.context.report["charts"], fonts_of(self.context), self.words["charts"])

    def county_lines(self, indicator: str) -> Figure:
        """The indicator's yearly values, one line per county, the city target as a dotted line
        (show it with `charts().show(fig)`, or change it first: it is a plain matplotlib Figure)."""
        charts, labels = self.charts(), self.words["charts"]
        ind = self.context.plan.indicator(indicator)
        table = self.by_area(indicator).drop(index=self.context.areas.city_name)
        long = table.reset_index(names="county").melt(id_vars="county", var_name="year", value_name="value")
        fig, axes = charts.figure(1, per_row=1, height_cm=8)
        ax = axes[0]
        sns.lineplot(long, x="year", y="value", hue="county", marker="o", ax=ax)
        ax.axhline(ind.target, linestyle=":", color=charts.palette["target"], label=labels["city_target"])
        ax.set_title(labels["county_trend"].format(name=ind.name), loc="left")
        ax.set_xlabel(labels["year"])
        ax.set_ylabel(ind.unit)
        ax.legend(frameon=False, ncols=4, fontsize=7)
        return fig
