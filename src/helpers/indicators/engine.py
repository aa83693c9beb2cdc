"""Values of every catalog indicator per area and year, with their provenance."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers import areas
from helpers.indicators.catalog import Indicator, Plan, load_plan
from helpers.indicators.computations import COMPUTATIONS, Computed, grid
from helpers.indicators.tables import Tables

VALUE_COLUMNS = ["indicator", "area_code", "year", "value", "rows", "complete", "sources", "missing_sources"]


def compute_indicator(tables: Tables, indicator: Indicator, years: list[int], plan: Plan) -> Computed:
    """One indicator for every area and year; missing required sources give NaN (数据缺失), never 0."""
    missing = [s for s in indicator.sources if not tables.has(s)]
    if any(s in indicator.required_sources for s in missing):
        empty = pd.DataFrame(index=grid(years)).reset_index().assign(value=np.nan, rows=0)
        result = Computed(empty)
    else:
        result = COMPUTATIONS[indicator.compute](tables, plan, years, **indicator.params)
    values = result.values[["area_code", "year", "value", "rows"]].copy()
    if indicator.county == "city_only":
        values.loc[values["area_code"] != areas.load().city_code, "value"] = np.nan
    values.insert(0, "indicator", indicator.id)
    values["complete"] = not missing
    values["sources"] = ",".join(indicator.sources)
    values["missing_sources"] = ",".join(missing)
    return Computed(values, result.detail)


def compute_values(tables: Tables, years: list[int] | None = None, plan: Plan | None = None) -> pd.DataFrame:
    """Long table: one row per indicator × area × year (see VALUE_COLUMNS); a tidy frame, no side effects."""
    plan = plan or load_plan()
    years = years or plan.years
    frames = [compute_indicator(tables, ind, years, plan).values for ind in plan.indicators]
    return pd.concat(frames, ignore_index=True)[VALUE_COLUMNS]


def high_value_breakdown(tables: Tables, years: list[int] | None = None, plan: Plan | None = None) -> pd.DataFrame:
    """Valid invention patents meeting each high-value criterion, per area and year (a patent may meet several)."""
    plan = plan or load_plan()
    years = years or plan.years
    indicator = next(i for i in plan.indicators if i.compute == "per_capita" and i.params.get("high_value"))
    detail = compute_indicator(tables, indicator, years, plan).detail
    names = plan.settings["high_value"]["criteria"]
    if detail.empty:
        return pd.DataFrame(columns=["area_code", "year", "criterion", "label", "count"])
    long = detail.melt(id_vars=["area_code", "year"], var_name="criterion", value_name="count")
    long["label"] = long["criterion"].map(names)
    return long[["area_code", "year", "criterion", "label", "count"]]


def covered_years(values: pd.DataFrame) -> list[int]:
    """Years for which any indicator has a value for any area."""
    return sorted(values.loc[values["value"].notna(), "year"].unique().tolist())
