"""Everything one (year, area) report reads: slices of the pipeline's datasets, checked current, and the
plan, areas and wording it is written with. Nothing is computed here that a stage already computed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.cleaning import OUTCOMES
from helpers.context import Context
from helpers.indicators import EvaluationError, Plan, check_year, latest_year
from helpers.official.stage import values_used
from helpers.pipeline import DatasetError, Datasets, open_datasets
from helpers.report import assessor
from helpers.report.wording import Words

ACCOUNTS = ("reconciliation", "reasons", "files", "warnings")
TASK_SOURCES = ("task_ledger", "policies", "evidence")
TASK_DATASETS = ("task_items", "task_commitments", "task_departments", "task_groups", "composite", "goals")
PERIOD_DATASETS = ("period_indicators", "period_items", "period_commitments", "period_departments",
                   "period_composite")
OFFICIAL_DATASETS = ("official", "crosscheck", "benchmark")
OFFICIAL_SOURCE = "official_stats"  # the source of official figures (conf sources.yaml)


class ReportError(EvaluationError):
    """The report cannot be made from this input (a message for people)."""


def sources_read(area_code: str, context: Context) -> list[str]:
    """The sources a report of `area_code` reads: those of its indicators (a county skips city-level ones)
    and of the flagship targets every report shows. Its data-quality account covers exactly these."""
    plan = context.plan
    is_city = area_code == context.areas.city_code
    used = {s for i in plan.indicators if is_city or i.county != "city_only" for s in i.sources}
    used |= {s for f in plan.flagship for s in f.sources}
    if context.plan_items.items:  # the plan-wide assessment reads the departments' ledgers, policies and evidence
        used |= set(TASK_SOURCES)
    used.add(OFFICIAL_SOURCE)  # official figures: the cross-check and the 对标分析 (helpers.report.official)
    return [s for s in context.sources if s in used]


def data_version(manifest: dict, sources: list[str]) -> str:
    """A short digest of the sources a report reads, from their digests in the manifest (shown on its cover)."""
    digest = hashlib.sha256()
    for source in sources:
        digest.update(f"{source}={manifest.get('sources', {}).get(source, {}).get('digest')}".encode())
    return digest.hexdigest()[:12]


@dataclass(frozen=True)
class ReportData:
    """One report's inputs: the year, the area, the context and the dataset slices the sections use."""

    year: int
    area_code: str
    context: Context
    words: Words
    evaluation: pd.DataFrame  # every area, this year
    values: pd.DataFrame  # every indicator, area and year: the values the evaluation uses (value_source)
    flagship: pd.DataFrame  # this year
    high_value: pd.DataFrame
    visits: pd.DataFrame
    manifest: dict
    accounts: dict[str, pd.DataFrame]
    tasks: dict[str, pd.DataFrame]  # the plan-wide assessment's datasets (every year: the scorecard looks back)
    assessor: dict[str, str | None]  # the evaluators' texts by slot (Markdown; None: not written yet)
    official: dict[str, pd.DataFrame]  # the official stage's datasets (every area and year)
    findings: pd.DataFrame  # the findings stage's, every area, this year, in rank order
    period: dict[str, pd.DataFrame]  # the period stage's datasets, for the period that ends in this year

    @property
    def plan(self) -> Plan:
        return self.context.plan

    @property
    def area_name(self) -> str:
        return self.context.areas.names[self.area_code]

    @property
    def is_city(self) -> bool:
        return self.area_code == self.context.areas.city_code

    @property
    def own(self) -> pd.DataFrame:
        """This area's evaluation rows, in catalog order."""
        return self.evaluation[self.evaluation["area_code"] == self.area_code].reset_index(drop=True)

    @property
    def final(self) -> bool:
        """Whether the year's report is the final evaluation (achievement, not pace: evaluation.yaml `modes`)."""
        return self.plan.mode_of(self.year) == "final"

    @property
    def synthetic(self) -> bool:
        return bool(self.manifest.get("synthetic"))

    @property
    def sources(self) -> list[str]:
        """The sources this report reads (sources_read)."""
        return sources_read(self.area_code, self.context)

    @property
    def cutoff_rule(self) -> str:
        """Which rule set the data cut-off (helpers.cutoff.RULES; a folder cleaned before the rules were recorded:
        `observed`)."""
        return self.manifest.get("data_cutoff_rule") or "observed"

    @property
    def cutoff(self) -> str:
        """The data cut-off: the user's as-of date or a date stated in a file's title lines, as the manifest records
        it; else the latest observed date in the sources this report reads."""
        if self.cutoff_rule != "observed":
            return str(self.manifest["data_cutoff"])
        dates = [self.manifest["sources"][s]["latest_date"] for s in self.sources if s in self.manifest["sources"]]
        dates = [d for d in dates if d]
        return max(dates) if dates else self.words["unknown"]

    @property
    def version(self) -> str:
        return data_version(self.manifest, self.sources)

    @property
    def tau(self) -> float:
        return (self.year - self.plan.base_year) / (self.plan.target_year - self.plan.base_year)

    def history(self, indicator: str, area: str | None = None) -> pd.Series:
        """The indicator's values by year up to the evaluation year (one area, this one by default), as the
        evaluation uses them: computed, or official where the cross-check says so."""
        values = self.values
        rows = values[(values["indicator"] == indicator) & (values["area_code"] == (area or self.area_code))
                      & (values["year"] <= self.year)]
        return rows.set_index("year")["value"].sort_index()

    def visitors_by_month(self) -> pd.Series:
        """Distinct visitors per month of the evaluation year (the visitor indicator's rule, by month)."""
        months = self.visits[self.visits["year"] == self.year].set_index("month")["visitors"]
        return months.reindex(range(1, 13), fill_value=0)

    def rows_by_source(self) -> pd.DataFrame:
        """Rows in and their outcomes (clean, duplicate, rejected, out of scope) per source read."""
        return self.account("reconciliation").groupby("source", sort=False)[["rows_in", *OUTCOMES]].sum()

    def account(self, name: str) -> pd.DataFrame:
        """A cleaning account (reconciliation, reasons, files or warnings), limited to the sources read."""
        frame = self.accounts[name]
        return frame[frame["source"].isin(self.sources)] if "source" in frame else frame

    def task(self, name: str, every_year: bool = False) -> pd.DataFrame:
        """A dataset of the plan-wide assessment, for this year (or every year)."""
        frame = self.tasks[name]
        return frame if every_year or "year" not in frame else frame[frame["year"] == self.year]

    @property
    def own_findings(self) -> pd.DataFrame:
        """This area's findings, in rank order; a county report adds the city's findings on the data (topic `data`)
        of the sources it reads: the registries are the city's extracts."""
        found = self.findings
        own = found["area_code"] == self.area_code
        if not self.is_city:
            own |= (found["area_code"] == self.context.areas.city_code) & (found["topic"] == "data") & \
                found["subject"].isin(self.sources)
        return found[own].reset_index(drop=True)

    @property
    def period_years(self) -> list[int]:
        """The years of the period that ends in this report's year (the plan's first year on)."""
        return list(range(self.plan.base_year + 1, self.year + 1))

    def source_title(self, source: str) -> str:
        return self.context.sources.get(source, {}).get("title", source)


def check_area(area_code: str, context: Context) -> str:
    """The area code as given when it is one of the plan's areas, else a ReportError listing them."""
    known = context.areas.names
    if area_code not in known:
        listed = "、".join(f"{code} {name}" for code, name in known.items())
        raise ReportError(f"未知的地区代码 {area_code!r}：应为 {listed} 之一")
    return area_code


def load(processed_dir: Path | str, context: Context, year: int | None = None, area_code: str | None = None,
         lang: str = "zh") -> ReportData:
    """The inputs of the report of `area_code` (default: the city) for `year` (default: latest with data) in
    `lang`; a relative `processed_dir` is taken from the project root, wherever the notebook runs."""
    area_code = check_area(str(area_code or context.areas.city_code), context)
    folder = Path(processed_dir)
    folder = folder if folder.is_absolute() else context.conf.root / folder
    try:
        datasets = open_datasets(folder, context)
    except DatasetError as problem:
        raise ReportError(str(problem)) from None
    return from_datasets(datasets, context, year, area_code, lang)


def from_datasets(datasets: Datasets, context: Context, year: int | None, area_code: str,
                  lang: str = "zh", texts: bool = True) -> ReportData:
    """The inputs of one report from `datasets`; without `texts`, none of the evaluators' texts (what the drafts of
    them are built from)."""
    values = datasets.read("values")
    year = check_year(year, context.plan, values) if year is not None else latest_year(values, context.plan)
    evaluation, flagship = datasets.read("evaluation"), datasets.read("flagship")
    return ReportData(
        year=year, area_code=area_code, context=context, words=Words.of(context, lang),
        evaluation=evaluation[evaluation["year"] == year].reset_index(drop=True),
        values=values_used(values, datasets.read("crosscheck")),
        flagship=flagship[flagship["year"] == year].reset_index(drop=True), high_value=datasets.read("high_value"),
        visits=datasets.read("visits"), manifest=datasets.read_json("manifest"),
        accounts={name: datasets.read(name) for name in ACCOUNTS},
        tasks={name: datasets.read(name) for name in TASK_DATASETS},
        official={name: datasets.read(name) for name in OFFICIAL_DATASETS},
        findings=_of_year(datasets.read("findings"), year),
        period={name: _ending(datasets.read(name), year) for name in PERIOD_DATASETS},
        assessor=assessor.texts(context.path("assessor_dir"), year, area_code, assessor.Slot.all_of(context.report),
                                context.plan.mode_of(year)) if texts else {})


def _of_year(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    return frame[frame["year"] == year].sort_values(["area_code", "rank"]).reset_index(drop=True)


def _ending(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    """The rows of the period that ends in `year`."""
    return frame[frame["period_end"] == year].reset_index(drop=True)
