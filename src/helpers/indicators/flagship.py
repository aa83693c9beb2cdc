"""Flagship-project (专栏) targets: city-level values for each evaluation year, against their targets."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from helpers.areas import Areas
from helpers.indicators.catalog import Flagship, Plan
from helpers.indicators.computations import Inputs, filtered, year_end
from helpers.indicators.evaluation import achieved, paced, quotient, reaches, time_progress
from helpers.indicators.tables import Tables

FLAGSHIP_COLUMNS = ["id", "column", "name", "unit", "year", "value", "target", "base", "reached", "tau", "status",
                    "missing_sources"]


def counties_covered(inputs: Inputs, values: pd.DataFrame, year: int, table: str, start: str, end: str,
                     where: dict) -> float:
    """Counties with at least one active row of the kind at 31 Dec Y (e.g. 维权援助工作站)."""
    kept = filtered(inputs.tables.get(table), where)
    alive = (kept[start] <= year_end(year)) & (kept[end].isna() | (kept[end] > year_end(year)))
    active = kept.loc[alive, "area_code"]
    return float(active[active.isin(inputs.areas.county_codes)].nunique())


def same_as(inputs: Inputs, values: pd.DataFrame, year: int, indicator: str) -> float:
    """The city value of an indicator (e.g. 专栏2 = I02)."""
    return _city(values, indicator, inputs.areas).get(year, np.nan)


def cumulative_since(inputs: Inputs, values: pd.DataFrame, year: int, indicator: str, since: int) -> float:
    """Sum of an indicator's city values from `since` to Y (NaN if any year is missing; 0 before `since`)."""
    if year < since:
        return 0.0
    series = _city(values, indicator, inputs.areas)
    span = [series.get(y, np.nan) for y in range(since, year + 1)]
    return float(np.sum(span)) if span and not np.isnan(span).any() else np.nan


def completed_projects(inputs: Inputs, values: pd.DataFrame, year: int, table: str, column: int,
                       type_words: list[str]) -> float:
    """Projects of a 专栏 completed by 31 Dec Y (terminated ones excluded)."""
    projects = inputs.tables.get(table)
    words = "|".join(type_words)
    kind = projects["project_type"].str.contains(words, na=False) | projects["name"].str.contains(words, na=False)
    done = projects["completion_date"].notna() & (projects["completion_date"] <= year_end(year))
    return float(((projects["column"] == column) & kind & done & (projects["status"] != "终止")).sum())


def _city(values: pd.DataFrame, indicator: str, areas: Areas) -> pd.Series:
    city = values[(values["indicator"] == indicator) & (values["area_code"] == areas.city_code)]
    return city.set_index("year")["value"]


FLAGSHIP_COMPUTATIONS: dict[str, Callable[..., float]] = {
    "counties_covered": counties_covered,
    "same_as": same_as,
    "cumulative_since": cumulative_since,
    "completed_projects": completed_projects,
}


def evaluate_flagship(tables: Tables, values: pd.DataFrame, evaluation: pd.DataFrame, plan: Plan,
                      areas: Areas) -> pd.DataFrame:
    """One row per flagship target and evaluated year (the years of `evaluation`): value in Y, target, its value in
    the base year (the base of the period's completion), share of target reached, time progress and status
    (achievement in the final evaluation); a target that repeats an indicator is judged as that indicator, and its
    share reached is the indicator's completion from the indicator's base (one number for one target)."""
    inputs = Inputs(tables, plan, areas, plan.years)
    judged = evaluation.set_index(["indicator", "area_code", "year"])[["status", "completion", "base_used"]]
    rows = [_one(inputs, values, judged, int(year), item)
            for year in sorted(evaluation["year"].unique()) for item in plan.flagship]
    return pd.DataFrame(rows, columns=FLAGSHIP_COLUMNS)


def _one(inputs: Inputs, values: pd.DataFrame, judged: pd.DataFrame, year: int, item: Flagship) -> dict:
    plan = inputs.plan
    missing = [s for s in item.sources if not inputs.tables.has(s)]
    value = np.nan if missing else FLAGSHIP_COMPUTATIONS[item.compute](inputs, values, year, **item.params)
    tau = time_progress(plan, year)
    reached = quotient(value, item.target)
    met = reaches(value, item.target)
    base = np.nan if missing or item.compute == "same_as" else \
        FLAGSHIP_COMPUTATIONS[item.compute](inputs, values, plan.base_year, **item.params)
    if item.compute == "same_as":  # judged exactly as the indicator it repeats (with its base)
        status, reached, base = judged.loc[(item.params["indicator"], inputs.areas.city_code, year)]
    elif np.isnan(value):
        status = "missing"
    elif plan.mode_of(year) == "final":
        status = achieved(reached, met, False, plan.thresholds)
    else:
        status = paced(quotient(reached, tau), met, met, plan.thresholds)
    return {"id": item.id, "column": item.column, "name": item.name, "unit": item.unit, "year": year,
            "value": value, "target": item.target, "base": base, "reached": reached, "tau": tau, "status": status,
            "missing_sources": ",".join(missing)}
