"""The plan-wide assessment as one computation of explicit inputs (the pipeline's `tasks` stage): the years to
grade, the verification of every item, its points and group scores, the composite and the directional goals."""

from __future__ import annotations

from typing import Any

import pandas as pd

from helpers.areas import Areas
from helpers.indicators import Plan, Tables
from helpers.tasks.catalog import PlanItems
from helpers.tasks.goals import judge_goals
from helpers.tasks.scores import Scoring, composite, group_scores, with_points
from helpers.tasks.verification import Measures, Rules, verify


def graded_years(plan: Plan, cutoff_year: int | None) -> list[int]:
    """The plan's years of implementation up to the data cut-off year."""
    return [year for year in plan.evaluation_years if cutoff_year is None or year <= cutoff_year]


def assess_plan(tables: Tables, evaluation: pd.DataFrame, flagship: pd.DataFrame, plan: Plan, items: PlanItems,
                assessment: dict[str, Any], areas: Areas, benchmark: pd.DataFrame | None = None,
                majority: float = 0.5) -> dict[str, pd.DataFrame]:
    """Every dataset of the plan-wide assessment (see conf catalog.yaml, the `tasks` stage); the ranking goal is
    judged on `benchmark` (the official stage's) when given."""
    years = graded_years(plan, tables.cutoff_year)
    repeats = {f.id: f.params["indicator"] for f in plan.flagship if f.compute == "same_as"}
    measures = Measures(flagship, evaluation, repeats, areas.city_code)
    result = verify(tables.get("task_ledger"), tables.get("policies"), tables.get("evidence"), measures, items,
                    Rules.from_conf(assessment), years)
    scoring = Scoring.from_conf(assessment, plan.target_year)
    scored = with_points(result.items, scoring)
    return {
        "task_items": scored,
        "task_commitments": result.commitments,
        "task_departments": result.departments,
        "task_groups": group_scores(scored),
        "composite": composite(scored, result.commitments, evaluation, areas.city_code, scoring),
        "goals": judge_goals(items.goals, tables, plan.base_year, years, benchmark, majority),
    }
