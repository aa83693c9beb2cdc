"""Findings on the plan's indicators and 专栏 targets (conclusions.md §3): shortfalls and strengths, the city's change
split by county and the high-value stock's increase split by criterion, disparities across counties, and the
statuses that change with the value or the population basis the evaluation uses."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pandas as pd

from helpers.areas import Areas
from helpers.findings.rows import finding
from helpers.indicators import Plan, evaluate_years
from helpers.indicators.evaluation import reaches
from helpers.official.stage import values_used

MET = ("met", "reached")


def _beyond(value: float, target: float, margin: float) -> bool:
    """Whether `value` exceeds a positive `target` by at least `margin` of it."""
    return target > 0 and reaches(value, target * (1 + margin))


def indicator_findings(evaluation: pd.DataFrame, base_year: int, rules: dict[str, Any]) -> list[dict[str, Any]]:
    """Per indicator, area and year: a shortfall (a status of findings.yaml `risk_statuses`) or a strength (met with
    the configured margin). A rate from few cases (`small_sample`) is not judged."""
    risks, margin = list(rules["risk_statuses"]), rules["strength"]["margin"]
    out = []
    for r in evaluation.itertuples(index=False):
        if r.small_sample:
            continue
        numbers = {"value": r.value, "reference": r.target, "base": r.base_used, "share": r.completion,
                   "n": r.rows, "year_from": base_year, "year_to": r.year}
        if r.status in risks:
            out.append(finding(r.year, "shortfall", r.area_code, r.indicator, "problem", "indicator", r.status,
                               order=risks.index(r.status), ratio=r.ratio, **numbers))
        elif r.status in MET and _beyond(r.value, r.target, margin):
            above = r.value / r.target - 1
            out.append(finding(r.year, "strength", r.area_code, r.indicator, "strength", "indicator", r.status,
                               order=-above, ratio=above, **numbers))
    return out


def flagship_findings(flagship: pd.DataFrame, plan: Plan, city: str, rules: dict[str, Any]) -> list[dict[str, Any]]:
    """The 专栏 targets of the city: a shortfall or a strength as for indicators; a target that repeats an indicator
    (`same_as`) is the indicator's finding."""
    repeats = {f.id for f in plan.flagship if f.compute == "same_as"}
    risks, margin = list(rules["risk_statuses"]), rules["strength"]["margin"]
    out = []
    for r in flagship[~flagship["id"].isin(repeats)].itertuples(index=False):
        numbers = {"value": r.value, "reference": r.target, "share": r.reached, "year_to": r.year}
        if r.status in risks:
            out.append(finding(r.year, "shortfall", city, r.id, "problem", "flagship", r.status,
                               order=risks.index(r.status), **numbers))
        elif r.status in MET and _beyond(r.value, r.target, margin):
            out.append(finding(r.year, "strength", city, r.id, "strength", "flagship", r.status,
                               order=-r.reached, ratio=r.value / r.target - 1, **numbers))
    return out


def additive(plan: Plan) -> dict[str, str]:
    """The indicators whose counties add up to the city, and the column that adds up: the value of a count or sum,
    the counted rows (the patents) of a per-capita figure."""
    return {i.id: "value" if i.county == "count" else "rows" for i in plan.indicators
            if i.county == "count" or (i.compute == "per_capita" and i.county != "city_only")}


def _table(values: pd.DataFrame, indicator: str) -> pd.DataFrame:
    return values[values["indicator"] == indicator].set_index(["area_code", "year"])


def county_split(values: pd.DataFrame, plan: Plan, areas: Areas, years: list[int],
                 rules: dict[str, Any]) -> list[dict[str, Any]]:
    """Each county's part of the city's change from the base year to each year (and the part of the records
    placed in no county), for the indicators that add up (`additive`); a change resting on fewer than `min_cases`
    rows is not split."""
    base, city, out = plan.base_year, areas.city_code, []
    for indicator, column in additive(plan).items():
        table = _table(values, indicator)
        for year in years:
            if (city, year) not in table.index or (city, base) not in table.index:
                continue
            now, then = table[column].xs(year, level="year"), table[column].xs(base, level="year")
            change = now[city] - then[city]
            if math.isnan(change) or change == 0 or table.loc[(city, year), "rows"] < rules["min_cases"]:
                continue
            counties = list(areas.county_codes)
            parts = {code: (now[code], then[code]) for code in counties}
            parts[city] = (now[city] - now[counties].sum(), then[city] - then[counties].sum())
            for code, (value, before) in parts.items():
                if code == city and value == before:
                    continue
                out.append(finding(year, "decomposition", city, indicator, "note", "county", code,
                                   order=-abs(value - before), value=value, base=before, change=value - before,
                                   reference=change, share=(value - before) / change, year_from=base, year_to=year))
    return out


def criterion_split(values: pd.DataFrame, high_value: pd.DataFrame, plan: Plan, areas: Areas, years: list[int],
                    rules: dict[str, Any]) -> list[dict[str, Any]]:
    """Per area and year, the part of the high-value stock's increase since the base year that comes from patents
    meeting one criterion and no other (`high_value.only`); the age criterion's part is a problem from the
    configured share on (the increase rests on patents growing old, not on new high-value patents)."""
    indicator = plan.high_value_indicator
    if indicator is None or high_value.empty:
        return []
    rule, base = rules["decomposition"], plan.base_year
    stock = _table(values, indicator.id)["rows"]
    only = high_value.set_index(["area_code", "year", "criterion"])["only"]
    out = []
    for area in areas.codes:
        for year in years:
            increase = stock.get((area, year), np.nan) - stock.get((area, base), np.nan)
            if not increase > 0 or stock[(area, year)] < rules["min_cases"]:
                continue
            for criterion in high_value["criterion"].unique():
                now, then = only.get((area, year, criterion), 0), only.get((area, base, criterion), 0)
                share = (now - then) / increase
                problem = criterion == rule["age_criterion"] and now > then and reaches(share, rule["share"])
                out.append(finding(year, "decomposition", area, indicator.id, "problem" if problem else "note",
                                   "indicator", criterion, order=-share, value=now, base=then, change=now - then,
                                   reference=increase, share=share, n=stock[(area, year)], year_from=base,
                                   year_to=year))
    return out


def disparities(values: pd.DataFrame, plan: Plan, areas: Areas, years: list[int],
                rules: dict[str, Any]) -> list[dict[str, Any]]:
    """Per additive indicator and year: the largest county's share of the city total and, for a per-capita figure,
    the highest county's value over the lowest (all above 0); a disparity when either reaches its threshold."""
    rule, city, out = rules["disparity"], areas.city_code, []
    for indicator, column in additive(plan).items():
        table = _table(values, indicator)
        per_capita = plan.indicator(indicator).compute == "per_capita"
        for year in years:
            if (city, year) not in table.index:
                continue
            total, cases = table.loc[(city, year), column], table.loc[(city, year), "rows"]
            counties = table[column].xs(year, level="year").reindex(list(areas.county_codes))
            if math.isnan(total) or total <= 0 or cases < rules["min_cases"] or counties.isna().all():
                continue
            largest = counties.idxmax()
            share = counties[largest] / total
            rates = table["value"].xs(year, level="year").reindex(list(areas.county_codes))
            ratio = rates.max() / rates.min() if per_capita and (rates > 0).all() else np.nan
            if reaches(share, rule["share"]) or (not math.isnan(ratio) and reaches(ratio, rule["ratio"])):
                out.append(finding(year, "disparity", city, indicator, "problem", "county", largest, order=-share,
                                   value=counties[largest], reference=total, share=share, ratio=ratio,
                                   n=len(counties)))
    return out


def sensitivities(values: pd.DataFrame, crosscheck: pd.DataFrame, evaluation: pd.DataFrame, plan: Plan,
                  areas: Areas) -> list[dict[str, Any]]:
    """Statuses that change with the figure the evaluation rests on: the other of the computed and the official
    value (the cross-check's), or, where the base was rebased on the census population, the plan's own base
    (conclusions.md §3 `sensitivity`). `code` is `<the other basis>:<the status on it>`."""
    used = values_used(values, crosscheck)
    keys = ["indicator", "area_code", "year"]
    both = crosscheck[crosscheck["computed"].notna() & crosscheck["official"].notna()]
    flipped = both.assign(used=np.where(both["used"] == "official", "computed", "official"))
    other = evaluate_years(values_used(values, flipped), plan, areas)
    checked = both.rename(columns={"measure": "indicator"})[[*keys, "computed", "official", "used"]]
    official = checked.merge(other[[*keys, "status", "value"]], on=keys).merge(
        evaluation[[*keys, "status", "value", "base_used"]], on=keys, suffixes=("_other", ""))
    out = [finding(r.year, "sensitivity", r.area_code, r.indicator, "problem", "data",
                   f"{'computed' if r.used == 'official' else 'official'}:{r.status_other}", value=r.value,
                   reference=r.value_other, base=r.base_used)
           for r in official[official["status"] != official["status_other"]].itertuples(index=False)]
    rebased = evaluation[evaluation["base_kind"] == "rebased"]
    if rebased.empty:
        return out
    own_basis = dataclasses.replace(plan, settings={k: v for k, v in plan.settings.items()
                                                    if k != "population_rebase"})
    for ind in plan.indicators:  # the city's base on the plan's own population: its published base
        if ind.compute == "per_capita" and ind.base is not None:
            at = (used["indicator"] == ind.id) & (used["area_code"] == areas.city_code) & \
                (used["year"] == plan.base_year)
            used.loc[at, "value"] = ind.base
    plan_base = rebased.merge(evaluate_years(used, own_basis, areas)[[*keys, "status", "base_used"]], on=keys,
                              suffixes=("", "_other"))
    return out + [finding(r.year, "sensitivity", r.area_code, r.indicator, "problem", "data",
                          f"plan_base:{r.status_other}", value=r.value, reference=r.base_used_other,
                          base=r.base_used)
                  for r in plan_base[plan_base["status"] != plan_base["status_other"]].itertuples(index=False)]
