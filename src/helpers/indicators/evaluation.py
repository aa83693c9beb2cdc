"""Progress and status of each indicator and area in an evaluation year (evaluation-method.md).

Time progress τ = (Y − base)/(target − base), compound for growth targets; completion P, ratio r and
the status bands come from the plan (evaluation.yaml); county rules from the indicator's `county` mode.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from helpers.areas import Areas
from helpers.indicators.catalog import Indicator, Plan
from helpers.indicators.engine import covered_years


class EvaluationError(Exception):
    """The data cannot support the requested evaluation (a message for people)."""


def check_year(year: object, plan: Plan, values: pd.DataFrame | None = None) -> int:
    """A whole year of the plan's evaluation period (base year excluded) that the data cover, when given."""
    whole = isinstance(year, int | np.integer) and not isinstance(year, bool)
    if not whole or not plan.base_year < year <= plan.target_year:
        raise EvaluationError(f"评估年度应为 {plan.base_year + 1}–{plan.target_year} 之间的整数，收到 {year!r}")
    if values is not None and int(year) not in covered_years(values):
        raise EvaluationError(f"数据中没有 {year} 年的任何指标值，无法评估该年度")
    return int(year)


def latest_year(values: pd.DataFrame, plan: Plan) -> int:
    """The latest year of the evaluation period with any indicator value."""
    years = [y for y in covered_years(values) if plan.base_year < y <= plan.target_year]
    if not years:
        raise EvaluationError(f"数据中没有 {plan.base_year + 1}–{plan.target_year} 年的任何指标值，无法评估")
    return max(years)


def time_progress(plan: Plan, year: int, growth_rate: float | None = None) -> float:
    """Straight τ, or compound τ_g = ((1+g)^(Y−base) − 1)/((1+g)^span − 1) for a growth target g (fraction)."""
    elapsed, span = year - plan.base_year, plan.target_year - plan.base_year
    if growth_rate:
        return ((1 + growth_rate) ** elapsed - 1) / ((1 + growth_rate) ** span - 1)
    return elapsed / span


def reaches(value: float, bound: float) -> bool:
    """value ≥ bound, up to the float noise of the computation: a ratio that is 0.95 on paper may come out
    as 0.9499999999999995 ((10714.05 − 9005)/8995/0.2) and must still fall in the band that starts at 0.95."""
    return value >= bound or math.isclose(value, bound, rel_tol=1e-9, abs_tol=1e-12)


def status_of(ratio: float, met: bool, bands: dict[str, float]) -> str:
    """Status key from the ratio r and whether the target is already met (band edges belong to the upper band);
    `bands` are the plan's thresholds of r."""
    if met:
        return "met"
    if ratio is None or math.isnan(ratio):
        return "missing"
    if reaches(ratio, 1):
        return "ahead"
    if reaches(ratio, bands["on_track"]):
        return "on_track"
    if reaches(ratio, bands["lagging"]):
        return "lagging"
    return "serious" if reaches(ratio, 0) else "reverse"


def _time_progress(indicator: Indicator, plan: Plan, year: int) -> float:
    """The indicator's τ: compound at the target rate for a growth target, else straight."""
    return time_progress(plan, year, indicator.target / 100 if indicator.kind == "growth" else None)


def _target_for(indicator: Indicator, area: str, plan: Plan, areas: Areas) -> float | None:
    if area == areas.city_code or indicator.county == "rate":
        return indicator.target
    target = (plan.county_targets.get(indicator.id) or {}).get(area)
    return None if target is None else float(target)


def _progress(indicator: Indicator, plan: Plan, year: int, value: float, base: float | None, target: float) -> dict:
    """τ, P, r, met, projected target-year value and annual growth still required."""
    span, elapsed = plan.target_year - plan.base_year, year - plan.base_year
    left = plan.target_year - year
    out = {"tau": np.nan, "completion": np.nan, "ratio": np.nan, "projected": np.nan, "required_growth": np.nan}
    if indicator.kind == "growth":
        g = target / 100
        current = value / 100
        out["tau"] = time_progress(plan, year, g)
        out["ratio"] = value / target
        out["projected"] = value
        if left > 0:
            needed = ((1 + g) ** span / (1 + current) ** elapsed) ** (1 / left) - 1
            out["required_growth"] = needed * 100
        out["met"] = year == plan.target_year and reaches(value, target)
        return out
    out["tau"] = time_progress(plan, year)
    out["met"] = reaches(value, target)
    if indicator.kind == "floor" or base is None or target == base:
        out["ratio"] = value / target if target else np.nan
        out["projected"] = value
    else:
        out["completion"] = (value - base) / (target - base)
        out["ratio"] = out["completion"] / out["tau"]
        out["projected"] = base + (value - base) * span / elapsed
    if left > 0 and value > 0:
        out["required_growth"] = (max(target / value, 1.0) ** (1 / left) - 1) * 100
    return out


def _rebased_base(indicator: Indicator, plan: Plan, base_record: dict | None) -> float:
    """A per-capita base on the census population basis (catalog `population_rebase`): the 2020 stock
    (the value's counted rows) over the census figure, shown beside the plan's base so that a
    denominator revision is not read as progress (evaluation-method.md, "Population basis")."""
    rebase = plan.settings.get("population_rebase")
    if indicator.compute != "per_capita" or not rebase or not base_record or math.isnan(base_record["value"]):
        return np.nan
    return base_record["rows"] / rebase["population_wan"]


EVALUATION_COLUMNS = ["indicator", "category", "name", "unit", "area_code", "area_name", "year", "value", "base_plan",
                      "base_data", "base_rebased", "target", "kind", "tau", "completion", "ratio", "status",
                      "projected", "required_growth", "county_share", "county_rank", "rows", "complete", "sources",
                      "missing_sources"]


def evaluate_years(values: pd.DataFrame, plan: Plan, areas: Areas) -> pd.DataFrame:
    """The evaluation of every year of the plan's period that the values cover (one `evaluate` per year)."""
    years = [y for y in covered_years(values) if y in plan.evaluation_years]
    frames = [evaluate(values, year, plan, areas) for year in years]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=EVALUATION_COLUMNS)


def evaluate(values: pd.DataFrame, year: int, plan: Plan, area_info: Areas) -> pd.DataFrame:
    """One row per indicator × area for `year` with value, base, target, τ, P, r, status and county context."""
    if not plan.base_year < year <= plan.target_year:
        raise ValueError(f"evaluation year must be within {plan.base_year + 1}–{plan.target_year}, got {year}")
    wanted = values[values["year"].isin([year, plan.base_year])]
    records = {(r["indicator"], r["area_code"], r["year"]): r for r in wanted.to_dict(orient="records")}
    rows = []
    for ind in plan.indicators:
        current = {area: records[(ind.id, area, year)] for area in area_info.codes}
        county_values = pd.Series({a: current[a]["value"] for a in area_info.county_codes})
        ranks = county_values.rank(ascending=False, method="min")
        for area in area_info.codes:
            record = current[area]
            value = record["value"]
            base_data = records.get((ind.id, area, plan.base_year), {}).get("value", np.nan)
            is_city = area == area_info.city_code
            base = base_data if not math.isnan(base_data) else (ind.base if is_city else None)
            target = _target_for(ind, area, plan, area_info)
            row = {
                "indicator": ind.id, "category": ind.category, "name": ind.name, "unit": ind.unit,
                "area_code": area, "area_name": area_info.names[area], "year": year, "value": value,
                "base_plan": ind.base if is_city else np.nan, "base_data": base_data,
                "base_rebased": _rebased_base(ind, plan, records.get((ind.id, area, plan.base_year))) if is_city
                else np.nan,
                "target": target if target is not None else np.nan, "kind": ind.kind,
                "rows": int(record["rows"]), "complete": bool(record["complete"]), "sources": record["sources"],
                "missing_sources": record["missing_sources"],
                "county_share": np.nan, "county_rank": np.nan,
            }
            if not is_city and not math.isnan(value):
                row["county_rank"] = ranks.get(area, np.nan)
                city_value = current[area_info.city_code]["value"]
                if ind.county == "count" and city_value:
                    row["county_share"] = value / city_value
            if math.isnan(value):
                key = "city_only" if (not is_city and ind.county == "city_only") else "missing"
                row.update(status=key, tau=_time_progress(ind, plan, year))
            elif target is None:
                row.update(status="no_target", tau=_time_progress(ind, plan, year))
            else:
                progress = _progress(ind, plan, year, value, base, target)
                met = progress.pop("met")
                row.update(progress, status=status_of(progress["ratio"], met, plan.thresholds))
            rows.append(row)
    return pd.DataFrame(rows).reindex(columns=EVALUATION_COLUMNS)
