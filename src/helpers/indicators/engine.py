"""Values of every catalog indicator per area and year, with their provenance."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.indicators.catalog import Indicator
from helpers.indicators.computations import COMPUTATIONS, Computed, Inputs, grid

VALUE_COLUMNS = ["indicator", "area_code", "year", "value", "rows", "complete", "sources", "missing_sources"]
BREAKDOWN_COLUMNS = ["area_code", "year", "criterion", "label", "count", "only"]


def compute_indicator(inputs: Inputs, indicator: Indicator) -> Computed:
    """One indicator for every area and year; missing required sources give NaN (数据缺失), never 0."""
    missing = [s for s in indicator.sources if not inputs.tables.has(s)]
    if any(s in indicator.required_sources for s in missing):
        empty = pd.DataFrame(index=grid(inputs.areas, inputs.years)).reset_index().assign(value=np.nan, rows=0)
        result = Computed(empty)
    else:
        result = COMPUTATIONS[indicator.compute](inputs, **indicator.params)
    values = result.values[["area_code", "year", "value", "rows"]].copy()
    if indicator.county == "city_only":
        values.loc[values["area_code"] != inputs.areas.city_code, "value"] = np.nan
    values.insert(0, "indicator", indicator.id)
    values["complete"] = not missing
    values["sources"] = ",".join(indicator.sources)
    values["missing_sources"] = ",".join(missing)
    return Computed(values, result.detail)


def compute_values(inputs: Inputs) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Long table of values: one row per indicator × area × year of `inputs` (see VALUE_COLUMNS), and the
    high-value criteria breakdown (BREAKDOWN_COLUMNS; empty when the plan has no high-value indicator). Tidy
    frames; a clean table read from the folder is let go once no later indicator names it among its sources."""
    plan = inputs.plan
    frames, breakdown = [], pd.DataFrame(columns=BREAKDOWN_COLUMNS)
    last = {source: position for position, indicator in enumerate(plan.indicators) for source in indicator.sources}
    for position, indicator in enumerate(plan.indicators):
        computed = compute_indicator(inputs, indicator)
        inputs.tables.release(*(source for source in indicator.sources if last[source] == position))
        frames.append(computed.values)
        if indicator is plan.high_value_indicator:
            breakdown = _breakdown(computed.detail, plan.settings["high_value"]["criteria"])
    return pd.concat(frames, ignore_index=True)[VALUE_COLUMNS], breakdown


def _breakdown(detail: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Valid invention patents meeting each high-value criterion (a patent may meet several), and those meeting it
    and no other, per area and year."""
    if detail.empty:
        return pd.DataFrame(columns=BREAKDOWN_COLUMNS)
    return detail.assign(label=detail["criterion"].map(names))[BREAKDOWN_COLUMNS]


def covered_years(values: pd.DataFrame) -> list[int]:
    """Years for which any indicator has a value for any area."""
    return sorted(values.loc[values["value"].notna(), "year"].unique().tolist())
