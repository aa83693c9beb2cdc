"""Findings on the plan beyond its indicators (plan-assessment.md): items and promised policies not done, items
completed ahead of the target year, departments whose claims lack evidence, and the period's history patterns."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import pandas as pd

from helpers.areas import Areas
from helpers.findings.rows import finding
from helpers.tasks import PlanItems

CLAIMS = ("completed", "on_track")  # self-grades that need evidence


def _topic(kind: str) -> str:
    return "flagship" if kind == "flagship" else "task"


def item_findings(task_items: pd.DataFrame, target_year: int, city: str, rules: dict[str, Any],
                  judged: Collection[tuple[int, str]] = ()) -> list[dict[str, Any]]:
    """Per item and year (the city's, as the tasks stage verifies them): a shortfall when its verified grade is one of
    findings.yaml `shortfall_grades`, unless its 专栏 target's own finding already says it (`judged`: (year, id)); a
    strength when it is verified 已完成 and was first so before the target year. A 专栏's shortfalls rank after
    those of the quantified targets."""
    grades, after = list(rules["shortfall_grades"]), len(rules["risk_statuses"])
    done = task_items[task_items["verified_grade"] == "completed"]
    first_done = done.groupby("item")["year"].min()
    out = []
    for r in task_items.itertuples(index=False):
        topic = _topic(r.kind)
        if r.verified_grade in grades and (r.year, r.item) not in judged:
            out.append(finding(r.year, "shortfall", city, r.item, "problem", topic, r.verified_grade,
                               order=after + grades.index(r.verified_grade), year_to=r.year))
        elif r.verified_grade == "completed" and first_done[r.item] < target_year:
            out.append(finding(r.year, "strength", city, r.item, "strength", topic, "completed",
                               order=first_done[r.item], year_from=first_done[r.item], year_to=r.year))
    return out


def policy_findings(commitments: pd.DataFrame, city: str, rules: dict[str, Any]) -> list[dict[str, Any]]:
    """Per promised policy (a `policy` commitment) and year: a shortfall while it is not issued and graded one of the
    shortfall grades; `count` is the commitment's number within its item."""
    grades = list(rules["shortfall_grades"])
    policies = commitments[(commitments["kind"] == "policy") & commitments["grade"].isin(grades)]
    return [finding(r.year, "shortfall", city, r.item, "problem", "policy", r.grade, order=grades.index(r.grade),
                    count=r.commitment, year_to=r.year) for r in policies.itertuples(index=False)]


def evidence_findings(departments: pd.DataFrame, items: PlanItems, areas: Areas) -> list[dict[str, Any]]:
    """Per department, area and year: the claims (self-graded 已完成 or 按计划推进) whose evidence is missing or not
    found (verified 待核实). A county government's are its county's; the city's are the other departments'. `code`
    lists the items concerned."""
    governments = {name: code for code, name in items.county_departments.items()}
    claims = departments[departments["self_grade"].isin(CLAIMS)]
    out = []
    for (year, department), rows in claims.groupby(["year", "department"], sort=True):
        missing = rows[rows["verified_grade"] == "unverified"]
        if missing.empty:
            continue
        out.append(finding(year, "evidence", governments.get(department, areas.city_code), department, "problem",
                           "department", ",".join(sorted(missing["item"].unique())), order=-len(missing),
                           count=len(missing), n=len(rows), share=len(missing) / len(rows)))
    return out


def county_item_findings(departments: pd.DataFrame, items: PlanItems, rules: dict[str, Any]) -> list[dict[str, Any]]:
    """A county report speaks of the county: the items its government reported with a shortfall grade."""
    grades = list(rules["shortfall_grades"])
    out = []
    for code, government in items.county_departments.items():
        own = departments[(departments["department"] == government) & departments["verified_grade"].isin(grades)]
        out += [finding(r.year, "shortfall", code, r.item, "problem", "task", r.verified_grade,
                        order=grades.index(r.verified_grade), year_to=r.year) for r in own.itertuples(index=False)]
    return out


CHRONIC_PATTERNS = {"not_reported": "non_reporting", "unverified": "no_evidence"}  # period_items flag → pattern


def pattern_findings(period_items: pd.DataFrame, city_code: str) -> list[dict[str, Any]]:
    """The history patterns the period stage flagged (conclusions.md §1): a regression after a verified 已完成 (the
    years it spans), chronic non-reporting and chronic lack of evidence (the years counted within the period)."""
    out = []
    for r in period_items.itertuples(index=False):
        if r.regression:
            out.append(finding(r.period_end, "pattern", city_code, r.item, "problem", "task", "regression",
                               year_from=r.regression_from, year_to=r.regression_to))
        for grade, pattern in CHRONIC_PATTERNS.items():
            if getattr(r, f"chronic_{grade}"):
                count = getattr(r, f"{grade}_years")
                out.append(finding(r.period_end, "pattern", city_code, r.item, "problem", "task", pattern,
                                   order=-count, count=count, year_from=r.first_year, year_to=r.period_end))
    return out
