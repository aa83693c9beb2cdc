"""The researcher's views (notebooks/explore.ipynb), in Chinese: the pipeline's datasets as tables across years
and areas; the population basis of the per-capita indicators; the sensitivity of the results to the pledge
threshold of the high-value criteria, to the population basis and to the as-of date; the records behind a value
(the high-value patents and the criteria each meets, the rows set aside in the quarantine); and the export of any
table.

The sensitivities recompute values and statuses with the indicator engine's own functions (`compute_values`,
`compute_indicator`, `stock_by_year`, `evaluate`) over explicit variants of their inputs — a plan with another
threshold or rebasing population, the clean tables as they stood on a date — so that an alternative differs from
the reports' result only by the input that was changed. Headers and labels come from wording.yaml `explore`.
"""

from __future__ import annotations

import re
from collections import ChainMap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from helpers.cleaning.schemas import year_fields
from helpers.context import Context
from helpers.cutoff import known_on
from helpers.indicators import Inputs, Plan, Tables, compute_values, evaluate, evaluate_years, latest_year
from helpers.indicators.computations import population
from helpers.indicators.engine import compute_indicator
from helpers.indicators.patents import high_value_rules, stock_by_year
from helpers.pipeline import Datasets, open_datasets, stage_columns
from helpers.report import Charts, Words, fonts_of
from helpers.report.data import check_area
from helpers.safety import neutralise, neutralise_frame

THRESHOLD_FACTORS = (0.25, 0.5, 1.0, 2.0, 4.0)  # default pledge thresholds: these multiples of the configured one
EXPORT_FORMATS = ("csv", "xlsx")


# ----------------------------------------------------------------------------- variants of the engine's inputs
def with_pledge_threshold(plan: Plan, threshold: float) -> Plan:
    """The plan with high-value criterion (4)'s pledge threshold (万元 per patent of a 登记号) set to `threshold`."""
    rules = {**high_value_rules(plan), "pledge_threshold_wan": float(threshold)}
    return replace(plan, settings={**plan.settings, "high_value": rules})


def with_rebase_population(plan: Plan, population_wan: float | None) -> Plan:
    """The plan whose per-capita bases are rebased on `population_wan` (万人, the city's base-year population;
    counties by their census share as configured), or not rebased at all (None: progress is measured from the
    data's base-year value)."""
    settings = {key: value for key, value in plan.settings.items() if key != "population_rebase"}
    if population_wan is not None:
        settings["population_rebase"] = {**(plan.settings.get("population_rebase") or {}),
                                         "population_wan": float(population_wan)}
    return replace(plan, settings=settings)


def as_of(tables: Tables, day: str | pd.Timestamp, sources: Mapping[str, Mapping[str, Any]]) -> Tables:
    """The clean tables as an evaluation on `day` would have had them (`known_on` with each source's scheduled
    dates and year fields from the source catalog), with `day` as the data cut-off (the user's as-of date of
    evaluation-method.md, "Data cut-off")."""
    day = pd.Timestamp(day)
    clean = {name: known_on(frame, day, (sources.get(name) or {}).get("scheduled_dates", []),
                            year_fields(sources.get(name) or {}))
             for name, frame in tables.clean.items()}
    return replace(tables, clean=clean, manifest={**tables.manifest, "data_cutoff": day.date().isoformat()})


def patent_criteria(tables: Tables, plan: Plan, year: int) -> pd.DataFrame:
    """Every invention patent valid at 31 Dec `year`, whether it is high-value and which criteria it meets, as the
    indicator engine counts them: the engine's own count (`stock_by_year`) keyed by application number instead of
    by area, so that each patent's counts are its flags. Columns: application_no, high_value and one boolean
    column per criterion of the plan (`high_value.criteria`)."""
    patents = tables.get("patents")
    if patents is None:
        raise ValueError("没有专利数据（clean/patents），无法列出高价值发明专利")
    keyed = replace(tables, clean=ChainMap({"patents": patents.assign(area_code=patents["application_no"])},
                                           tables.clean))  # the other sources stay read as asked for
    counts, criteria = stock_by_year(keyed, plan, [year])
    flags = criteria.pivot_table(index="area_code", columns="criterion", values="count", aggfunc="sum")
    names = list((plan.settings.get("high_value") or {}).get("criteria", {}))
    table = counts.set_index("area_code")[["valid", "high_value"]].join(flags.reindex(columns=names)).fillna(0)
    table = table.astype(bool)
    table = table[table.pop("valid")]
    return table.rename_axis("application_no").reset_index().rename_axis(columns=None)


# ----------------------------------------------------------------------------- export
def export_name(name: str) -> str:
    """A file name (without suffix) for a table's name: path separators and characters that Windows refuses
    become underscores."""
    cleaned = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", name).strip(" ._")
    return cleaned or "table"


def flat(frame: pd.DataFrame) -> pd.DataFrame:
    """The table as plain rows and columns: a named or multi-level index becomes columns, multi-level column
    headers are joined with " · "."""
    out = frame.copy()
    if isinstance(out.columns, pd.MultiIndex):
        out.columns = [" · ".join(str(p) for p in parts if str(p) != "") for parts in out.columns]
    if isinstance(out.index, pd.MultiIndex) or out.index.name is not None:
        out = out.reset_index()
    out.columns = [str(c) for c in out.columns]
    return out


def export_table(frame: pd.DataFrame, folder: Path, name: str,
                 formats: Sequence[str] = EXPORT_FORMATS) -> list[Path]:
    """Write `frame` as `<folder>/<name>.csv` (UTF-8 with BOM, which Excel opens as Chinese) and/or `.xlsx`, every
    text cell and header neutralised against formula injection (helpers.safety); returns the files written."""
    unknown = set(formats) - set(EXPORT_FORMATS)
    if unknown:
        raise ValueError(f"不支持的导出格式：{'、'.join(sorted(unknown))}（可用 {'、'.join(EXPORT_FORMATS)}）")
    table = neutralise_frame(flat(frame))
    table.columns = [str(neutralise(c)) for c in table.columns]
    folder.mkdir(parents=True, exist_ok=True)
    stem = export_name(name)
    written = []
    if "csv" in formats:
        path = folder / f"{stem}.csv"
        table.to_csv(path, index=False, encoding="utf-8-sig")
        written.append(path)
    if "xlsx" in formats:
        path = folder / f"{stem}.xlsx"
        options = {"strings_to_formulas": False, "strings_to_urls": False, "nan_inf_to_errors": True}
        with pd.ExcelWriter(path, engine="xlsxwriter", engine_kwargs={"options": options}) as writer:
            table.to_excel(writer, sheet_name=stem[:31], index=False)
        written.append(path)
    return written


# ----------------------------------------------------------------------------- the explorer
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
        return cls(context, open_datasets(cls._under_root(context, processed_dir), context), Words.of(context, lang))

    @staticmethod
    def _under_root(context: Context, folder: Path | str) -> Path:
        folder = Path(folder)
        return folder if folder.is_absolute() else context.conf.root / folder

    def read(self, name: str) -> pd.DataFrame:
        """A dataset of the catalog (values, evaluation, flagship, high_value, visits, reconciliation, …)."""
        return self.datasets.read(name)

    @cached_property
    def tables(self) -> Tables:
        """The clean tables, with the columns the values stage reads (catalog `stage_columns`), each read when first
        asked for."""
        return Tables.load(self.datasets.folder, stage_columns(self.context, "values"))

    @cached_property
    def values(self) -> pd.DataFrame:
        """The values dataset (every indicator × area × year), read once."""
        return self.read("values")

    # ------------------------------------------------------------------ labels
    def _col(self, key: str, **fields: object) -> str:
        return self.words(f"explore.columns.{key}", **fields)

    def label(self, indicator_id: str) -> str:
        """The indicator's id with its name (I01 每万人发明专利拥有量)."""
        indicator = self.context.plan.indicator(indicator_id)
        return self.words("explore.indicator", id=indicator.id, name=indicator.name)

    def _status(self, evaluation: pd.DataFrame) -> pd.Series:
        return evaluation["status"].map(self.words["statuses"])

    def _area(self, area_code: str | int | None) -> str:
        """The area code checked as the report checks it (`check_area`): a number (papermill's `-p area_code
        441621`) is taken as its digits, None is the city."""
        return check_area(str(area_code or self.context.areas.city_code), self.context)

    def _year(self, year: int | None) -> int:
        return int(year) if year is not None else latest_year(self.values, self.context.plan)

    # ------------------------------------------------------------------ indicators across years and areas
    def catalog(self) -> pd.DataFrame:
        """The plan's indicators: id, category, name, unit, base, target, kind."""
        kinds = self.words["explore.kinds"]
        return pd.DataFrame([{self._col("id"): i.id, self._col("category"): i.category, self._col("name"): i.name,
                              self._col("unit"): i.unit, self._col("base"): i.base, self._col("target"): i.target,
                              self._col("kind"): kinds.get(i.kind, i.kind)} for i in self.context.plan.indicators]
                            ).set_index(self._col("id"))

    def indicator_values(self, area_code: str | int | None = None) -> pd.DataFrame:
        """Every indicator (rows, with its unit) in every year (columns) for one area (the city by default)."""
        area_code = self._area(area_code)
        own = self.values[self.values["area_code"] == area_code]
        table = own.pivot(index="indicator", columns="year", values="value")
        indicators = [i for i in self.context.plan.indicators if i.id in table.index]
        table = table.reindex([i.id for i in indicators])
        table.index = pd.Index([self.label(i.id) for i in indicators], name=self._col("indicator"))
        table.columns.name = self._col("year")
        table.insert(0, self._col("unit"), [i.unit for i in indicators])
        return table

    def by_area(self, indicator: str) -> pd.DataFrame:
        """One indicator as a table: areas (by name, city first) × years."""
        info = self.context.areas
        values = self.values
        table = values[values["indicator"] == indicator].pivot(index="area_code", columns="year", values="value")
        table = table.reindex(info.codes)
        table.index = pd.Index([info.names[c] for c in table.index], name=self._col("area"))
        table.columns.name = self._col("year")
        return table

    def status_history(self, area_code: str | int | None = None) -> pd.DataFrame:
        """Status of every indicator (rows) in every evaluated year (columns) for one area (city default)."""
        area_code = self._area(area_code)
        evaluation = self.read("evaluation")
        own = evaluation[evaluation["area_code"] == area_code]
        table = own.assign(label=self._status(own)).pivot(index="indicator", columns="year", values="label")
        ids = [i.id for i in self.context.plan.indicators if i.id in table.index]
        table = table.reindex(ids).dropna(how="all")
        table.index = pd.Index([self.label(i) for i in table.index], name=self._col("indicator"))
        table.columns.name = self._col("year")
        return table

    def criteria_history(self, area_code: str | int | None = None) -> pd.DataFrame:
        """Valid invention patents meeting each high-value criterion (rows; a patent may meet several) per year
        (columns), and the high-value stock in which each patent counts once."""
        area_code = self._area(area_code)
        breakdown = self.read("high_value")
        own = breakdown[breakdown["area_code"] == area_code]
        table = own.pivot(index="label", columns="year", values="count")
        indicator = self.context.plan.high_value_indicator
        if indicator is not None:
            stock = self.values[(self.values["indicator"] == indicator.id) & (self.values["area_code"] == area_code)]
            table.loc[self._col("high_value_total")] = stock.set_index("year")["rows"]
        table.index.name = self._col("criterion")
        table.columns.name = self._col("year")
        return table

    def reconciliation(self) -> pd.DataFrame:
        """Rows read, clean, duplicate, rejected and out of scope, per source (by its Chinese title)."""
        labels = self.words["explore.reconciliation"]
        table = self.read("reconciliation").groupby("source")[list(labels)].sum()
        table.index = pd.Index([self.context.sources.get(s, {}).get("title", s) for s in table.index],
                               name=self._col("source"))
        return table.rename(columns=labels)

    # ------------------------------------------------------------------ the population basis
    def population_view(self, area_code: str | int | None = None) -> pd.DataFrame:
        """Per year: the population the per-capita indicators divide by (the data's year-end population, the
        engine's `population`), the population on the census basis (in the rebasing year the configured census
        figure, `population_rebase`; in the other years the data's), and for each per-capita indicator its stock,
        its value and its value on the census basis (the evaluation's rebased base in the rebasing year)."""
        area_code = self._area(area_code)
        plan, areas = self.context.plan, self.context.areas
        indicators = [i for i in plan.indicators if i.compute == "per_capita"]
        people = population(Inputs(self.tables, plan, areas, plan.years)).xs(area_code, level="area_code")
        rebase = plan.settings.get("population_rebase") or {}
        evaluation = self.read("evaluation")
        table = pd.DataFrame(index=pd.Index(plan.years, name=self._col("year")))
        table[self._col("population")] = people
        table[self._col("basis")] = self.words["explore.data_basis"]
        census_people = people.copy()
        for indicator in indicators:
            own = self.values[(self.values["indicator"] == indicator.id) & (self.values["area_code"] == area_code)]
            own = own.set_index("year")
            census = own["value"].copy()
            rebased = evaluation.loc[(evaluation["indicator"] == indicator.id)
                                     & (evaluation["area_code"] == area_code), "base_rebased"].dropna()
            if rebase.get("year") in census.index and len(rebased):
                census[rebase["year"]] = rebased.iloc[0]
                census_people[rebase["year"]] = own.loc[rebase["year"], "rows"] / rebased.iloc[0]
                table.loc[rebase["year"], self._col("basis")] = self.words("explore.census_basis",
                                                                          basis=rebase.get("basis", ""))
            table[self._col("stock", id=indicator.id)] = own["rows"]
            table[self._col("value_data", id=indicator.id)] = own["value"]
            table[self._col("value_census", id=indicator.id)] = census
        table.insert(1, self._col("population_census"), census_people)
        return table

    # ------------------------------------------------------------------ sensitivities
    def threshold_sensitivity(self, thresholds: Sequence[float] | None = None, year: int | None = None,
                              area_code: str | int | None = None) -> pd.DataFrame:
        """The high-value indicator in `year` (default: the latest with data) for one area (city default) under
        each pledge threshold of criterion (4) (万元 per patent; default: multiples of the configured threshold):
        the patents meeting the pledge criterion, the high-value stock, the value and its status, recomputed by
        the engine with only the threshold changed."""
        plan, areas = self.context.plan, self.context.areas
        indicator = plan.high_value_indicator
        if indicator is None:
            raise ValueError("规划中没有高价值发明专利指标")
        area_code, year = self._area(area_code), self._year(year)
        configured = float(high_value_rules(plan)["pledge_threshold_wan"])
        thresholds = sorted({float(t) for t in (thresholds or [configured * f for f in THRESHOLD_FACTORS])})
        others = self.values[self.values["indicator"] != indicator.id]
        rows = []
        for threshold in thresholds:
            variant = with_pledge_threshold(plan, threshold)
            computed = compute_indicator(Inputs(self.tables, variant, areas, plan.years), indicator)
            evaluation = evaluate(pd.concat([others, computed.values], ignore_index=True), year, variant, areas)
            result = evaluation[(evaluation["indicator"] == indicator.id) & (evaluation["area_code"] == area_code)]
            detail = computed.detail.set_index(["area_code", "year", "criterion"])["count"]
            rows.append({self._col("threshold"): threshold,
                         self._col("setting"): self.words["explore.configured"] if threshold == configured else "",
                         self._col("pledge"): int(detail[(area_code, year, "pledge")]),
                         self._col("high_value"): int(result["rows"].iloc[0]),
                         self._col("value"): result["value"].iloc[0],
                         self._col("status"): self._status(result).iloc[0]})
        return pd.DataFrame(rows).set_index(self._col("threshold"))

    def population_sensitivity(self, populations: Mapping[str, float | None] | None = None,
                               area_code: str | int | None = None) -> pd.DataFrame:
        """The per-capita indicators' evaluation of every evaluated year under each population basis of the base:
        `populations` maps a label to the city's base-year population (万人) the base is rebased on, or to None
        (not rebased); default: the configured census figure and no rebasing. The values are the data's; only
        the base progress is measured from changes."""
        plan, areas = self.context.plan, self.context.areas
        area_code = self._area(area_code)
        if populations is None:
            rebase = plan.settings.get("population_rebase") or {}
            populations = {self.words["explore.no_rebase"]: None}
            if "population_wan" in rebase:
                census = self.words("explore.census_basis", basis=rebase.get("basis", ""))
                populations = {census: rebase["population_wan"], **populations}
        ids = [i.id for i in plan.indicators if i.compute == "per_capita"]
        base_kinds = self.words["explore.base_kinds"]
        frames = []
        for name, people in populations.items():
            evaluation = evaluate_years(self.values, with_rebase_population(plan, people), areas)
            own = evaluation[evaluation["indicator"].isin(ids) & (evaluation["area_code"] == area_code)]
            frames.append(pd.DataFrame({
                self._col("population_basis"): name, self._col("indicator"): own["indicator"].map(self.label),
                self._col("year"): own["year"], self._col("value"): own["value"],
                self._col("base_used"): own["base_used"], self._col("base_kind"): own["base_kind"].map(base_kinds),
                self._col("completion"): own["completion"], self._col("ratio"): own["ratio"],
                self._col("status"): self._status(own)}))
        return pd.concat(frames, ignore_index=True).set_index(
            [self._col("population_basis"), self._col("indicator"), self._col("year")])

    def asof_dates(self, year: int | None = None) -> list[str]:
        """The default as-of dates for `year`: the ends of its quarters, and the data's cut-off when later."""
        year = self._year(year)
        dates = [f"{year}-{month:02d}-{day}" for month, day in ((3, 31), (6, 30), (9, 30), (12, 31))]
        cutoff = self.tables.manifest.get("data_cutoff")
        return dates + [str(cutoff)] if cutoff and str(cutoff) > dates[-1] else dates

    def asof_sensitivity(self, dates: Sequence[str] | None = None, year: int | None = None,
                         area_code: str | int | None = None) -> pd.DataFrame:
        """Every indicator's value and status in `year` (default: the latest with data) for one area (city
        default) as an evaluation on each as-of date would have found them: the clean tables as they stood on
        that date (`as_of`), the values and the evaluation recomputed by the engine."""
        plan, areas = self.context.plan, self.context.areas
        area_code, year = self._area(area_code), self._year(year)
        columns = {}
        for day in dates or self.asof_dates(year):
            values, _ = compute_values(Inputs(as_of(self.tables, day, self.context.sources), plan, areas, plan.years))
            evaluation = evaluate(values, year, plan, areas)
            own = evaluation[evaluation["area_code"] == area_code].set_index("indicator")
            label = self.words("explore.as_of", date=pd.Timestamp(day).date().isoformat())
            columns[(label, self._col("value"))] = own["value"]
            columns[(label, self._col("status"))] = self._status(own)
        table = pd.DataFrame(columns)
        table.index = pd.Index([self.label(i) for i in table.index], name=self._col("indicator"))
        return table

    # ------------------------------------------------------------------ the records behind a value
    def high_value_patents(self, year: int | None = None, area_code: str | int | None = None,
                           threshold: float | None = None) -> pd.DataFrame:
        """The high-value invention patents behind the indicator's value in `year` (default: the latest with
        data) for one area (the city: every patent in scope), each with the criteria it meets and the file and
        line it was read from; `threshold` replaces the configured pledge threshold."""
        plan = self.context.plan
        plan = plan if threshold is None else with_pledge_threshold(plan, threshold)
        area_code, year = self._area(area_code), self._year(year)
        flags = patent_criteria(self.tables, plan, year)
        flags = flags[flags.pop("high_value")]
        criteria = high_value_rules(plan)["criteria"]
        fields = self.context.sources["patents"]["fields"]
        shown = ["application_no", "holder", "area_code", "application_date", "grant_date", "lapse_date", "ipc_main",
                 "sei_class", "family", "source_file", "source_line"]
        patents = pd.read_parquet(self.datasets.path("clean", "patents"), columns=shown)
        table = flags.merge(patents, on="application_no", how="left")
        if area_code != self.context.areas.city_code:
            table = table[table["area_code"] == area_code]
        rank = {code: i for i, code in enumerate(self.context.areas.codes)}
        table = table.sort_values("application_no").sort_values("area_code", key=lambda c: c.map(rank), kind="stable")
        met = table[list(criteria)]
        table = table.assign(criteria_met=met.apply(lambda row: self.words.join(
            [criteria[c] for c in criteria if row[c]]), axis=1), criteria_count=met.sum(axis=1),
            area_code=table["area_code"].map(self.context.areas.names))
        for name in criteria:
            table[name] = table[name].map({True: self.words["explore.met"], False: ""})
        labels = {**{f: spec["label"] for f, spec in fields.items()}, **criteria,
                  **{key: self._col(key) for key in ("holder", "criteria_met", "criteria_count", "source_file",
                                                      "source_line")}, "area_code": self._col("area")}
        order = [*shown[:-2], "criteria_met", "criteria_count", *criteria, *shown[-2:]]
        return table[order].rename(columns=labels).reset_index(drop=True)

    def quarantine(self, source: str | None = None) -> pd.DataFrame:
        """The rows set aside by cleaning (all sources, or one): file, line, outcome, reason (in words), field and
        the original cells."""
        sources = [source] if source else list(self.datasets.read_json("manifest").get("sources", {}))
        paths = [(s, self.datasets.path("quarantine", s)) for s in sources]
        frames = [pd.read_parquet(path) for _, path in paths if path.is_file()]
        if not frames:
            return pd.DataFrame(columns=[self._col(k) for k in ("source", "file", "line", "outcome", "reason",
                                                                 "field", "original")])
        rows = pd.concat(frames, ignore_index=True)
        fields = {(s, f): spec["label"] for s, spec in self.context.sources.items()
                  for f, spec in (spec.get("fields") or {}).items()}
        return pd.DataFrame({
            self._col("source"): rows["source"].map(lambda s: self.context.sources.get(s, {}).get("title", s)),
            self._col("file"): rows["file"], self._col("line"): rows["line"],
            self._col("outcome"): rows["outcome"].map(self.words["explore.outcomes"]),
            self._col("reason"): rows["reason"].map(lambda r: self.context.cleaning.reasons.get(r, r)),
            self._col("field"): [fields.get((s, f), f) if isinstance(f, str) else ""
                                 for s, f in zip(rows["source"], rows["field"], strict=True)],
            self._col("original"): rows["original"]})

    def quarantine_summary(self) -> pd.DataFrame:
        """Rows set aside per source, outcome and reason."""
        rows = self.quarantine()
        keys = [self._col(k) for k in ("source", "outcome", "reason")]
        return rows.groupby(keys).size().rename(self._col("rows")).to_frame()

    # ------------------------------------------------------------------ export
    def export(self, tables: Mapping[str, pd.DataFrame], folder: Path | str | None = None,
               formats: Sequence[str] = EXPORT_FORMATS) -> pd.DataFrame:
        """Write each table (name → table) as CSV and xlsx into `folder` (relative to the project root; default
        reports/explore), neutralised against formula injection; returns the files written."""
        target = self._under_root(self.context, folder) if folder is not None else \
            self.context.path("reports_dir") / "explore"
        rows = [{self._col("table"): name, self._col("path"): str(path)}
                for name, frame in tables.items() for path in export_table(frame, target, name, formats)]
        return pd.DataFrame(rows)

    # ------------------------------------------------------------------ the plan-wide assessment
    def grades_by_group(self) -> pd.DataFrame:
        """Verified grades counted per task group (rows) and year (columns, grade by grade)."""
        items = self.read("task_items")
        groups = self.context.plan_items.groups
        labelled = items.assign(group=items["group"].map(groups),
                                grade=items["verified_grade"].map(self.words["grades"]))
        table = labelled.pivot_table(index="group", columns=["year", "grade"], values="item", aggfunc="count",
                                     fill_value=0)
        table.index.name = self._col("group")
        table.columns.names = [self._col("year"), self._col("grade")]
        return table

    def grade_history(self) -> pd.DataFrame:
        """Every item's verified grade (rows) in every graded year (columns)."""
        items = self.read("task_items")
        table = items.assign(grade=items["verified_grade"].map(self.words["grades"])).pivot(
            index="item", columns="year", values="grade")
        table = table.reindex(self.context.plan_items.ids)
        table.index.name = self._col("item")
        table.columns.name = self._col("year")
        return table

    def discrepancies(self, year: int | None = None) -> pd.DataFrame:
        """Items whose department's self-grade is above the verified grade, with the reason (one year or all)."""
        from helpers.report.task_words import reasons
        from helpers.tasks import GRADES

        items = self.read("task_items").dropna(subset=["self_grade"])
        rank = {grade: i for i, grade in enumerate(GRADES)}
        above = items[items["self_grade"].map(rank) < items["verified_grade"].map(rank)]
        if year is not None:
            above = above[above["year"] == year]
        above = above.assign(reason=reasons(above, self.read("task_commitments"), self.read("task_departments"),
                                            self.context.plan_items, self.words))
        grades = self.words["grades"]
        labels = {c: self._col(c) for c in ("year", "item", "self_grade", "verified_grade")}
        labels["reason"] = self._col("discrepancy")
        return above.assign(self_grade=above["self_grade"].map(grades),
                            verified_grade=above["verified_grade"].map(grades))[list(labels)].rename(
            columns=labels).reset_index(drop=True)

    def scorecard(self) -> pd.DataFrame:
        """Per department and year: items reported, claims supported by evidence, self-grades above verified."""
        from helpers.tasks import GRADES

        rows = self.read("task_departments")
        rank = {grade: i for i, grade in enumerate(GRADES)}
        claims = rows["self_grade"].isin(["completed", "on_track"])
        table = rows.assign(claim=claims, supported=claims & (rows["verified_grade"] != "unverified"),
                            above=rows["verified_grade"].map(rank) > rows["self_grade"].map(rank)).groupby(
            ["department", "year"]).agg(reported=("item", "size"), claims=("claim", "sum"),
                                        supported=("supported", "sum"), above=("above", "sum"))
        table.index.names = [self._col("department"), self._col("year")]
        return table.rename(columns={c: self._col(c) for c in table.columns})

    def composite(self) -> pd.DataFrame:
        """The composite score (规划实施综合评价) of each part (rows) in each year (columns)."""
        table = self.read("composite").pivot(index="part", columns="year", values="score")
        table.index = pd.Index([self.words["workbook.parts"].get(p, p) for p in table.index], name=self._col("part"))
        table.columns.name = self._col("year")
        return table

    # ------------------------------------------------------------------ charts
    def charts(self) -> Charts:
        """The report's charts (style, font, wording), for figures drawn here."""
        return Charts(self.context.report.charts, fonts_of(self.context), self.words["charts"])

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
