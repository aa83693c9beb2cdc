"""The values, evaluation and flagship stages of the pipeline (helpers.pipeline.stages): pure functions of the
datasets they read and the plan."""

from __future__ import annotations

import pandas as pd

from helpers.areas import Areas
from helpers.indicators import Inputs, Plan, Tables, compute_values, evaluate_flagship, evaluate_years, visitor_days
from helpers.official.stage import values_used


def values_stage(tables: Tables, plan: Plan, areas: Areas) -> dict[str, pd.DataFrame]:
    """Indicator values, the high-value criteria breakdown and monthly website visitors."""
    inputs = Inputs(tables, plan, areas, plan.years)
    values, breakdown = compute_values(inputs)
    return {"values": values, "high_value": breakdown, "visits": monthly_visits(inputs)}


def monthly_visits(inputs: Inputs) -> pd.DataFrame:
    """Distinct visitors per month (the visitor indicator's rule, counted by month) of every year with logs."""
    indicator = next((i for i in inputs.plan.indicators if i.compute == "web_visitors"), None)
    if indicator is None or not inputs.tables.has(indicator.params["table"]):
        return pd.DataFrame({"year": pd.Series(dtype="int64"), "month": pd.Series(dtype="int64"),
                             "visitors": pd.Series(dtype="int64")})
    days = pd.Series(pd.to_datetime(visitor_days(inputs, **indicator.params), unit="D"))
    counts = days.groupby([days.dt.year.rename("year"), days.dt.month.rename("month")]).size()
    years = sorted(counts.index.get_level_values("year").unique())
    full = pd.MultiIndex.from_product([years, range(1, 13)], names=["year", "month"])
    return counts.reindex(full, fill_value=0).rename("visitors").reset_index()


def evaluation_stage(values: pd.DataFrame, plan: Plan, areas: Areas,
                     crosscheck: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Progress and status on the values the evaluation uses: the computed ones, or the official figures where the
    cross-check says so (helpers.official.stage.values_used)."""
    used = values_used(values, crosscheck) if crosscheck is not None else values.assign(value_source="computed")
    return {"evaluation": evaluate_years(used, plan, areas)}


def flagship_stage(tables: Tables, values: pd.DataFrame, evaluation: pd.DataFrame, plan: Plan,
                   areas: Areas) -> dict[str, pd.DataFrame]:
    return {"flagship": evaluate_flagship(tables, values, evaluation, plan, areas)}
