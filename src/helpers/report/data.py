"""Everything one (year, area) report reads, loaded from data/processed once per process and checked."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from helpers import areas, config
from helpers.cleaning.run import OUTCOMES
from helpers.indicators import Tables, compute_values, evaluate, high_value_breakdown, load_plan
from helpers.indicators.catalog import Plan
from helpers.indicators.computations import visitor_days
from helpers.indicators.evaluation import EvaluationError, check_year, latest_year
from helpers.indicators.flagship import evaluate_flagship
from helpers.schemas import latest_observed


class ReportError(EvaluationError):
    """The report cannot be made from this input (a message for people)."""


@dataclass(frozen=True)
class Assessed:
    """What every report of one processed folder shares: tables, indicator values and derived series."""

    tables: Tables
    values: pd.DataFrame
    high_value: pd.DataFrame
    visitor_days: pd.Series
    manifest: dict
    accounts: dict[str, pd.DataFrame]
    folder: Path


@dataclass(frozen=True)
class ReportData:
    """One report's inputs: the year, the area and the shared assessment, with views the sections use."""

    year: int
    area_code: str
    assessed: Assessed
    evaluation: pd.DataFrame
    flagship: pd.DataFrame

    @property
    def plan(self) -> Plan:
        return load_plan()

    @property
    def area_name(self) -> str:
        return areas.load().names[self.area_code]

    @property
    def is_city(self) -> bool:
        return self.area_code == areas.load().city_code

    @property
    def values(self) -> pd.DataFrame:
        return self.assessed.values

    @property
    def manifest(self) -> dict:
        return self.assessed.manifest

    @property
    def own(self) -> pd.DataFrame:
        """This area's evaluation rows, in catalog order."""
        return self.evaluation[self.evaluation["area_code"] == self.area_code].reset_index(drop=True)

    @property
    def synthetic(self) -> bool:
        return bool(self.manifest.get("synthetic"))

    @property
    def sources(self) -> list[str]:
        """The sources this report reads (sources_read)."""
        return sources_read(self.area_code)

    @property
    def cutoff(self) -> str:
        """The latest observed date in the sources this report reads."""
        tables = self.assessed.tables
        dates = [latest_observed(tables.get(s), s) for s in self.sources if tables.has(s)]
        dates = [d for d in dates if d is not None]
        return max(dates).date().isoformat() if dates else "未知"

    @cached_property
    def version(self) -> str:
        return data_version(self.assessed.folder, self.area_code)

    @property
    def tau(self) -> float:
        return (self.year - self.plan.base_year) / (self.plan.target_year - self.plan.base_year)

    def history(self, indicator: str, area: str | None = None) -> pd.Series:
        """The indicator's values by year up to the evaluation year (one area, this one by default)."""
        values = self.values
        rows = values[(values["indicator"] == indicator) & (values["area_code"] == (area or self.area_code))
                      & (values["year"] <= self.year)]
        return rows.set_index("year")["value"].sort_index()

    def visitors_by_month(self) -> pd.Series:
        """Distinct visitors per month of the evaluation year (I12's rule, counted by month)."""
        days = self.assessed.visitor_days
        months = days[(days.dt.year == self.year)].dt.month.value_counts().sort_index()
        return months.reindex(range(1, 13), fill_value=0)

    def rows_by_source(self) -> pd.DataFrame:
        """Rows in and their outcomes (clean, duplicate, rejected, out of scope) per source read."""
        return self.account("reconciliation").groupby("source", sort=False)[["rows_in", *OUTCOMES]].sum()

    def account(self, name: str) -> pd.DataFrame:
        """A cleaning account (reconciliation, reasons, files or warnings), limited to the sources read."""
        frame = self.assessed.accounts[name]
        return frame[frame["source"].isin(self.sources)] if "source" in frame else frame


def sources_read(area_code: str) -> list[str]:
    """The sources a report of `area_code` reads: those of its indicators (a county skips city-level ones)
    and of the flagship targets every report shows. Its data-quality account covers exactly these."""
    plan = load_plan()
    is_city = area_code == areas.load().city_code
    used = {s for i in plan.indicators if is_city or i.county != "city_only" for s in i.sources}
    used |= {s for f in plan.flagship for s in f.sources}
    return [s for s in config.load("sources") if s in used]


ACCOUNTS = ("reconciliation", "reasons", "files", "warnings")


def source_digest(processed: Path, source: str) -> str:
    """Changes when anything cleaning wrote about `source` changes: its clean and quarantine tables and its
    lines of the account CSVs. Reads bytes only (no parsing), so a batch can decide cheaply what is stale."""
    digest = hashlib.sha256(source.encode())
    for part in ("clean", "quarantine"):
        path = processed / part / f"{source}.parquet"
        digest.update(path.read_bytes() if path.is_file() else b"-")
    for name in ACCOUNTS:
        path = processed / f"{name}.csv"
        if path.is_file():
            with open(path, encoding="utf-8-sig") as fh:
                digest.update("".join(line for line in fh if line.startswith(f"{source},")).encode())
    return digest.hexdigest()


def data_version(processed: Path, area_code: str) -> str:
    """A short digest of every source the report of `area_code` reads (shown on its cover)."""
    digest = hashlib.sha256()
    for source in sources_read(area_code):
        digest.update(source_digest(processed, source).encode())
    return digest.hexdigest()[:12]


def _read_account(processed: Path, name: str) -> pd.DataFrame:
    path = processed / f"{name}.parquet"
    return pd.read_parquet(path) if path.is_file() else pd.DataFrame()


@cache
def _assess(processed: str, stamp: float) -> Assessed:
    """Load and compute once per processed folder and manifest version (`stamp` keys the cache)."""
    folder = Path(processed)
    tables = Tables.load(folder)
    plan = load_plan()
    days = visitor_days(tables, plan) if tables.has("web_logs") else np.array([], dtype=np.int64)
    return Assessed(
        tables=tables,
        values=compute_values(tables),
        high_value=high_value_breakdown(tables),
        visitor_days=pd.Series(pd.to_datetime(days, unit="D")),
        manifest=json.loads((folder / "manifest.json").read_text(encoding="utf-8")),
        accounts={name: _read_account(folder, name) for name in ACCOUNTS},
        folder=folder,
    )


def assess(processed_dir: Path) -> Assessed:
    """The shared assessment of a processed folder; a folder that is not one gives a plain message."""
    manifest = Path(processed_dir) / "manifest.json"
    if not manifest.is_file():
        raise ReportError(f"{processed_dir} 中没有清洗结果（manifest.json）：请先运行 python -m helpers clean")
    return _assess(str(Path(processed_dir).resolve()), manifest.stat().st_mtime)


def check_area(area_code: str) -> str:
    """The area code as given when it is one of the plan's areas, else a ReportError listing them."""
    known = areas.load().names
    if area_code not in known:
        listed = "、".join(f"{code} {name}" for code, name in known.items())
        raise ReportError(f"未知的地区代码 {area_code!r}：应为 {listed} 之一")
    return area_code


def load(processed_dir: Path | str, year: int | None = None, area_code: str | None = None) -> ReportData:
    """The inputs of the report of `area_code` (default: the city) for `year` (default: latest with data);
    a relative `processed_dir` is taken from the project root, wherever the notebook runs."""
    area_code = check_area(str(area_code or areas.load().city_code))
    folder = Path(processed_dir)
    assessed = assess(folder if folder.is_absolute() else config.project_root() / folder)
    year = check_year(year, assessed.values) if year is not None else latest_year(assessed.values)
    evaluation = evaluate(assessed.values, year)
    flagship = evaluate_flagship(assessed.tables, assessed.values, year)
    return ReportData(year, area_code, assessed, evaluation, flagship)


def statuses() -> dict[str, dict]:
    return config.load("evaluation")["statuses"]
