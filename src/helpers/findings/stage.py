"""The findings stage: every analysis of this package over the datasets the stages before it wrote, as one ranked
frame of codes and numbers (conf catalog.yaml `findings`)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from helpers.areas import Areas
from helpers.findings import indicators, items, registries
from helpers.findings.rows import ranked
from helpers.indicators import Inputs, Plan, Tables
from helpers.indicators.computations import event_years, one_amount_per
from helpers.indicators.engine import compute_indicator
from helpers.tasks import PlanItems
from helpers.tasks.goals import MEASURES

# the datasets the stage reads besides the tables
READS = ("values", "high_value", "crosscheck", "evaluation", "flagship", "task_items", "task_commitments",
         "task_departments", "period_items", "reconciliation", "reasons", "files")


def findings_stage(tables: Tables, frames: dict[str, pd.DataFrame], plan: Plan, areas: Areas, plan_items: PlanItems,
                   rules: dict[str, Any], facts: tuple[dict[str, Any], ...]) -> dict[str, pd.DataFrame]:
    """The findings of every evaluated year and area. `frames` holds the datasets of READS; `facts` the plan's own
    2020 figures (none: no 基期数据核对)."""
    evaluation = frames["evaluation"]
    years = sorted(int(y) for y in evaluation["year"].unique())
    city, base = areas.city_code, plan.base_year
    flagship = indicators.flagship_findings(frames["flagship"], plan, city, rules)
    judged = {(f["year"], f["subject"]) for f in flagship if f["kind"] == "shortfall"}
    rows = [
        *indicators.indicator_findings(evaluation, base, rules), *flagship,
        *indicators.county_split(frames["values"], plan, areas, years, rules),
        *indicators.criterion_split(frames["values"], frames["high_value"], plan, areas, years, rules),
        *indicators.disparities(frames["values"], plan, areas, years, rules),
        *indicators.sensitivities(frames["values"], frames["crosscheck"], evaluation, plan, areas),
        *items.item_findings(frames["task_items"], plan.target_year, city, rules, judged),
        *items.policy_findings(frames["task_commitments"], city, rules),
        *items.evidence_findings(frames["task_departments"], plan_items, areas),
        *items.county_item_findings(frames["task_departments"], plan_items, rules),
        *items.pattern_findings(frames["period_items"], city),
        *registries.leading(_measures(tables, rules["leading"]["measures"], base, years), years, base, city, rules),
        *[row for indicator, amounts in _single_amounts(tables, plan, rules).items()
          for row in registries.lumpiness(indicator, amounts, years, city, rules)],
        *registries.base_checks(facts, *_fact_values(tables, plan, areas, facts), years, city, rules),
        *registries.data_quality(frames["reconciliation"], frames["reasons"], frames["files"], years, city, rules),
    ]
    subjects = [*(i.id for i in plan.indicators), *(f.id for f in plan.flagship), *plan_items.ids,
                *plan_items.departments, *frames["reconciliation"]["source"].drop_duplicates(),
                *rules["leading"]["measures"]]
    return {"findings": ranked(rows, rules, {s: n for n, s in enumerate(dict.fromkeys(subjects))})}


def _measures(tables: Tables, names: list[str], base_year: int, years: list[int]) -> dict[str, pd.Series]:
    """The directional measures (helpers.tasks.goals) whose source is there, by year from the base year."""
    span = list(range(base_year, max(years, default=base_year) + 1))
    return {name: MEASURES[name][0](tables, span) for name in names if tables.has(MEASURES[name][1])}


def _single_amounts(tables: Tables, plan: Plan, rules: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """Per indicator of findings.yaml `lumpiness` that the plan has and whose table is there: the amount of each
    registration (one per `once_per` value, as the indicator sums them) with its year."""
    out = {}
    for indicator in (i for i in plan.indicators if i.id in rules["lumpiness"]["indicators"]):
        params = indicator.params
        if not tables.has(params["table"]):
            continue
        frame, when = tables.get(params["table"]), params.get("date") or params["year"]
        if params.get("once_per"):
            frame = one_amount_per(frame, params["amount"], when, params["once_per"])
        out[indicator.id] = pd.DataFrame({"year": event_years(frame, when), "amount": frame[params["amount"]]})
    return out


def _fact_values(tables: Tables, plan: Plan, areas: Areas,
                 facts: tuple[dict[str, Any], ...]) -> tuple[dict[str, float | None], dict[str, str]]:
    """Each plan fact computed from the registries by its measure — an indicator's computation for the fact's years
    (its city value, or the rows it counted) or a directional measure — summed over its years; None where the
    measure's source is missing. And each fact's source (its measure's first)."""
    ids = {i.id for i in plan.indicators}
    values, sources = {}, {}
    for fact in facts:
        first, last = fact.get("years") or (fact["year"], fact["year"])
        years = list(range(first, last + 1))
        if fact.get("indicator") in ids:
            indicator = plan.indicator(fact["indicator"])
            computed = compute_indicator(Inputs(tables, plan, areas, years), indicator).values
            own = computed[computed["area_code"] == areas.city_code]
            values[fact["id"]] = None if own["value"].isna().any() else float(own[fact.get("field", "value")].sum())
            sources[fact["id"]] = indicator.sources[0]
        elif fact.get("measure") in MEASURES:
            compute, source = MEASURES[fact["measure"]]
            values[fact["id"]] = float(compute(tables, years).sum()) if tables.has(source) else None
            sources[fact["id"]] = source
    return values, sources

