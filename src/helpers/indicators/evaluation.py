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
    if growth_rate:  # g = 0 is the straight τ (its limit)
        return quotient((1 + growth_rate) ** elapsed - 1, (1 + growth_rate) ** span - 1)
    return elapsed / span


def quotient(numerator: float, denominator: float) -> float:
    """numerator ÷ denominator; empty (NaN) when the denominator is zero or either is not a finite number, so that
    a degenerate base, target or value never raises nor gives inf."""
    if not (math.isfinite(numerator) and math.isfinite(denominator)) or denominator == 0:
        return np.nan
    return numerator / denominator


def annual_rate(factor: float, years: float) -> float:
    """The compound annual growth (%) that multiplies a quantity by `factor` in `years`; empty (NaN) unless factor
    is a positive finite number (a fall to zero, a negative or an empty value has no compound rate)."""
    if not math.isfinite(factor) or factor <= 0 or years <= 0:
        return np.nan
    return (factor ** (1 / years) - 1) * 100


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


def achievement_of(share: float, met: bool, reverse: bool, bands: dict[str, float]) -> str:
    """Status key of the final evaluation (evaluation-method.md, "Report modes"): 已完成 when the target is met,
    逆向变化 when the indicator moved away from it, 基本完成 when `share` (P, X ÷ T for a floor, CAGR ÷ g for a
    growth target) reaches the `basically_met` band, else 未完成."""
    if met:
        return "met"
    if share is None or math.isnan(share):
        return "missing"
    if reverse:
        return "reverse"
    return "basic" if reaches(share, bands["basically_met"]) else "unmet"


def paced(ratio: float, met: bool, reached: bool, bands: dict[str, float]) -> str:
    """`status_of` for a value that exists: a ratio left empty by a degenerate formula (a zero target or τ) is
    judged by position alone — at or above the target 超序时进度 (已完成 when `met` counts), below it 逆向变化."""
    if math.isnan(ratio) and not met:
        return "ahead" if reached else "reverse"
    return status_of(ratio, met, bands)


def achieved(share: float, met: bool, reverse: bool, bands: dict[str, float]) -> str:
    """`achievement_of` for a value that exists: a share left empty by a degenerate formula is 未完成 (逆向变化 when
    the value moved away), never 数据缺失."""
    if math.isnan(share) and not met:
        return "reverse" if reverse else "unmet"
    return achievement_of(share, met, reverse, bands)


def _time_progress(indicator: Indicator, plan: Plan, year: int) -> float:
    """The indicator's τ: compound at the target rate for a growth target, else straight."""
    return time_progress(plan, year, indicator.target / 100 if indicator.kind == "growth" else None)


def _target_for(indicator: Indicator, area: str, plan: Plan, areas: Areas) -> float | None:
    if area == areas.city_code or indicator.county == "rate":
        return indicator.target
    target = (plan.county_targets.get(indicator.id) or {}).get(area)
    return None if target is None else float(target)


def _progress(indicator: Indicator, plan: Plan, year: int, value: float, base: float | None, target: float,
              is_city: bool) -> dict:
    """τ, P, r, status, projected target-year value and annual growth still required, by the year's report
    mode: pace (序时进度) in annual monitoring and the mid-term evaluation, achievement in the final one."""
    span, elapsed = plan.target_year - plan.base_year, year - plan.base_year
    left = plan.target_year - year
    final = plan.mode_of(year) == "final"
    bands = plan.thresholds
    out = {"tau": _time_progress(indicator, plan, year), "completion": np.nan, "ratio": np.nan,
           "projected": np.nan, "required_growth": np.nan}
    met = reaches(value, target)
    if indicator.kind == "growth":
        g, current = target / 100, value / 100
        out["ratio"] = quotient(value, target)
        if final:
            return {**out, "status": achieved(out["ratio"], met, value < 0, bands)}
        out["projected"] = value
        if left > 0:
            out["required_growth"] = annual_rate(quotient((1 + g) ** span, (1 + current) ** elapsed), left)
        return {**out, "status": paced(out["ratio"], False, met, bands)}
    if left > 0 and value > 0 and not final:
        out["required_growth"] = annual_rate(max(quotient(target, value), 1.0), left)
    if indicator.kind == "floor":  # "≥T" every year: judged by level (已达标 / 未达标), never by pace
        out["ratio"] = quotient(value, target)
        if final:
            return {**out, "status": achieved(out["ratio"], met, False, bands)}
        return {**out, "status": "reached" if met else "not_reached"}
    if base is None or target == base:
        out["ratio"] = quotient(value, target)
        if final:
            return {**out, "status": achieved(out["ratio"], met, False, bands)}
        return {**out, "projected": value, "status": paced(out["ratio"], met, met, bands)}
    completion = quotient(value - base, target - base)
    if not is_city and (reaches(base, target) or met or completion > bands["max_completion"]):
        # a county measured against the city target that met it at base or meets it now: its completion
        # (a base close to the target gives 600 %, 1200 %) says nothing the status does not
        return {**out, "status": "met" if met else ("unmet" if final else "not_reached")}
    out["completion"] = completion
    out["ratio"] = quotient(completion, out["tau"])
    if final:
        return {**out, "status": achieved(completion, met, completion < 0, bands)}
    out["projected"] = base + (value - base) * span / elapsed
    return {**out, "status": paced(out["ratio"], met, met, bands)}


def _rebased_base(indicator: Indicator, plan: Plan, base_record: dict | None, area: str, city: str) -> float:
    """A per-capita base on the census population basis (catalog `population_rebase`): the base-year stock (the
    value's counted rows) over the area's census population — the city's figure, or its county's share of it by
    census count —, shown beside the plan's base so that a denominator revision is not read as progress
    (evaluation-method.md, "Population basis")."""
    rebase = plan.settings.get("population_rebase")
    if indicator.compute != "per_capita" or not rebase or not base_record or math.isnan(base_record["value"]):
        return np.nan
    persons = {str(k): v for k, v in (rebase.get("census_persons") or {}).items()}
    if area != city and (area not in persons or city not in persons):
        return np.nan
    share = persons[area] / persons[city] if area != city else 1.0
    return base_record["rows"] / (rebase["population_wan"] * share)


def _base_used(indicator: Indicator, base_data: float, rebased: float, is_city: bool,
               share: float) -> tuple[float | None, str]:
    """The base progress is measured from, and where it comes from: `rebased` (the census basis, when it
    differs from the base-year value by more than `share`), `data` (the data's base-year value), `plan` (the
    plan's figure, when the data have none) or "" (no base)."""
    if not math.isnan(rebased) and not math.isnan(base_data) and abs(rebased - base_data) > share * abs(base_data):
        return rebased, "rebased"
    if not math.isnan(base_data):
        return base_data, "data"
    if is_city and indicator.base is not None:
        return float(indicator.base), "plan"
    return None, ""


def _period_change(indicator: Indicator, plan: Plan, year: int, value: float, base: float | None) -> dict:
    """The change since the base year, its compound annual rate (%), and the trend reference for the next plan:
    the value `span` years on at the same pace (compound, or straight from a zero base)."""
    out = {"change": np.nan, "cagr": np.nan, "trend_next": np.nan}
    if base is None or math.isnan(value) or indicator.kind == "growth":
        return out
    elapsed, span = year - plan.base_year, plan.target_year - plan.base_year
    out["change"] = value - base
    if base > 0 and value > 0:
        out["cagr"] = annual_rate(value / base, elapsed)
        out["trend_next"] = value * (value / base) ** (span / elapsed)
    elif base == 0:
        out["trend_next"] = value + (value - base) * span / elapsed
    return out


def _small_sample(indicator: Indicator, plan: Plan, record: dict) -> bool:
    """A rate computed from fewer cases or responses than the plan's `small_samples` threshold (an official
    figure the evaluation uses instead is not counted in cases)."""
    rule = plan.settings.get("small_samples") or {}
    return (indicator.compute in (rule.get("computations") or ()) and not math.isnan(record["value"])
            and record.get("value_source", "computed") == "computed" and record["rows"] < rule.get("min_cases", 0))


def _county_ranks(values: pd.Series, eligible: pd.Series) -> pd.Series:
    """Ranks among the counties (1 = highest, equal values share a rank); zero values, small samples and
    missing values are not ranked."""
    ranked = values[eligible & values.notna() & (values != 0)]
    return ranked.rank(ascending=False, method="min").reindex(values.index)


EVALUATION_COLUMNS = ["indicator", "category", "name", "unit", "area_code", "area_name", "year", "value",
                      "value_source", "base_plan", "base_data", "base_rebased", "base_used", "base_kind", "target",
                      "kind", "mode", "tau", "completion", "ratio", "status", "projected", "required_growth", "change",
                      "cagr", "trend_next", "county_share", "county_rank", "small_sample", "rows", "complete",
                      "sources", "missing_sources"]


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
    mode = plan.mode_of(year)
    for ind in plan.indicators:
        current = {area: records[(ind.id, area, year)] for area in area_info.codes}
        small = {a: _small_sample(ind, plan, current[a]) for a in area_info.codes}
        county_values = pd.Series({a: current[a]["value"] for a in area_info.county_codes}, dtype="float64")
        ranks = _county_ranks(county_values, ~pd.Series({a: small[a] for a in area_info.county_codes}))
        for area in area_info.codes:
            record = current[area]
            value = record["value"]
            base_data = records.get((ind.id, area, plan.base_year), {}).get("value", np.nan)
            is_city = area == area_info.city_code
            rebased = _rebased_base(ind, plan, records.get((ind.id, area, plan.base_year)), area,
                                    area_info.city_code)
            base, base_kind = _base_used(ind, base_data, rebased, is_city, plan.thresholds["rebase_share"])
            target = _target_for(ind, area, plan, area_info)
            row = {
                "indicator": ind.id, "category": ind.category, "name": ind.name, "unit": ind.unit,
                "area_code": area, "area_name": area_info.names[area], "year": year, "value": value,
                "value_source": record.get("value_source", "computed"),
                "base_plan": ind.base if is_city and ind.base is not None else np.nan, "base_data": base_data,
                "base_rebased": rebased, "base_used": np.nan if base is None else base, "base_kind": base_kind,
                "target": target if target is not None else np.nan, "kind": ind.kind, "mode": mode,
                "small_sample": small[area], "rows": int(record["rows"]), "complete": bool(record["complete"]),
                "sources": record["sources"], "missing_sources": record["missing_sources"],
                "county_share": np.nan, "county_rank": np.nan,
                **_period_change(ind, plan, year, value, base),
            }
            if not is_city and not math.isnan(value):
                row["county_rank"] = ranks.get(area, np.nan)
                city_value = current[area_info.city_code]["value"]
                if ind.county == "count":
                    row["county_share"] = quotient(value, city_value)
            if math.isnan(value):
                key = "city_only" if (not is_city and ind.county == "city_only") else "missing"
                row.update(status=key, tau=_time_progress(ind, plan, year))
            elif small[area]:  # too few cases to judge: no status, no progress, in no tally (conclusions.md §2)
                row.update(status="small_sample", tau=_time_progress(ind, plan, year))
            elif target is None:
                row.update(status="no_target", tau=_time_progress(ind, plan, year))
            else:
                row.update(_progress(ind, plan, year, value, base, target, is_city))
            rows.append(row)
    return pd.DataFrame(rows).reindex(columns=EVALUATION_COLUMNS)
