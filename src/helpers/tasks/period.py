"""The period, not the year (conclusions.md §1): every item graded over the years from the plan's first year to a
period's last one by the rules of its commitments (终期核定), the patterns of its yearly history, each department's
record over the period, every indicator's value and status year by year, and the composite of the period grades.

Pure functions of the datasets of the `tasks`, `flagship` and `evaluation` stages, the catalogue and the rules
(conf assessment.yaml `period`). A period ends in every graded year, so the mid-term (2023), the final (2025) and
the `tasks --period` contract (the data cut-off year) each read theirs. Grades are keys, highest first; their words
are the wording's (reports) and the configuration's (the contract); the datasets hold codes and numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from helpers.tasks.catalog import Commitment, Item, PlanItems
from helpers.tasks.scores import Scoring, composite
from helpers.tasks.verification import GRADES, RANK, UNASSESSABLE

PERIOD_GRADES = ("completed", "basic", "unfinished", "unverified", "not_reported")  # highest first
PERIOD_RANK = {grade: rank for rank, grade in enumerate(PERIOD_GRADES)}
NOTHING_GRADED = UNASSESSABLE  # an item none of whose commitments can be graded (its sources were not supplied)
CHRONIC = ("not_reported", "unverified")  # the annual grades whose repetition is a pattern

ITEM_COLUMNS = ["period_end", "item", "kind", "group", "first_year", "years", "grade", "points", "missing",
                "regression", "regression_from", "regression_to", "not_reported_years", "not_reported_run",
                "chronic_not_reported", "unverified_years", "unverified_run", "chronic_unverified"]
COMMITMENT_COLUMNS = ["period_end", "item", "commitment", "kind", "grade", "basis", "data_missing", "good_years",
                      "completed_in", "lowered_in", "unverified_in", "value", "target", "base", "completion"]
DEPARTMENT_COLUMNS = ["period_end", "department", "area_code", "led", "expected_years", "reported_years", "rows",
                      "claims", "supported", "evidence_share", "above"]
INDICATOR_COLUMNS = ["period_end", "indicator", "area_code", "year", "value", "status", "base", "change", "cagr",
                     "first_met"]


@dataclass(frozen=True)
class PeriodRules:
    """How the period grades: points, the good years of ongoing work and the share for 基本完成, the reported grades
    that undo a milestone (and make a regression), the thresholds of the chronic patterns, the statuses that meet
    an indicator's target, and the completion P for a quantified 基本完成 (the indicators' threshold)."""

    points: dict[str, float]
    good: frozenset[str]
    basic_share: float
    reported_lower: frozenset[str]
    chronic: dict[str, int]  # annual grade → years that make it a pattern
    met_statuses: frozenset[str]
    basic_ratio: float

    @classmethod
    def from_conf(cls, conf: dict[str, Any], basic_ratio: float) -> PeriodRules:
        period = conf["period"]
        return cls({k: float(v) for k, v in period["points"].items()}, frozenset(period["good_years"]),
                   float(period["basic_share"]), frozenset(period["reported_lower"]),
                   {grade: int(years) for grade, years in period["chronic"].items()},
                   frozenset(period["met_statuses"]), float(basic_ratio))

    def enough(self, years: int) -> int:
        """Good years for 基本完成: the share of the period's years, rounded up (3 of 5, 2 of 3)."""
        return math.ceil(round(self.basic_share * years, 9))


def lowest_period(grades: list[str | None]) -> str | None:
    """The lowest of the period grades given (None when none is)."""
    given = [grade for grade in grades if grade is not None]
    return max(given, key=PERIOD_RANK.__getitem__) if given else None


@dataclass(frozen=True)
class History:
    """One item over a period: each year's ledger grade (None: no ledger at all) and verified grade, the years a
    department reported it, and the years one reported it below 已完成."""

    years: list[int]
    ledger: dict[int, str | None]
    verified: dict[int, str]
    reported: frozenset[int]
    lowered: frozenset[int]


# ----------------------------------------------------------------------------- commitments
def ledger_commitment(kind: str, history: History, rules: PeriodRules) -> dict[str, Any]:
    """An ongoing or milestone commitment over the period, from the item's ledger grade of each year."""
    years, ledger = history.years, history.ledger
    good = [y for y in years if ledger[y] in rules.good]
    unverified = [y for y in years if ledger[y] == "unverified"]
    out: dict[str, Any] = {"good_years": len(good), "unverified_in": ",".join(map(str, unverified))}
    if all(ledger[y] is None for y in years):
        return {**out, "grade": None, "basis": "no_ledger"}
    if not history.reported:
        return {**out, "grade": "not_reported", "basis": "no_rows"}
    if all(ledger[y] == "unverified" for y in history.reported):
        return {**out, "grade": "unverified", "basis": "all_unverified"}
    if kind == "milestone":  # a completion is a year a department reported it done (a carried year repeats one)
        done = [y for y in years if ledger[y] == "completed" and y in history.reported]
        standing = [y for y in done if not any(later > y for later in history.lowered)]
        if standing:
            return {**out, "grade": "completed", "basis": "completed", "completed_in": min(standing)}
        if done:
            lowered = min(later for later in history.lowered if later > max(done))
            return {**out, "grade": "unfinished", "basis": "lowered", "completed_in": min(done),
                    "lowered_in": lowered}
        return {**out, "grade": "unfinished", "basis": "not_completed"}
    if len(good) == len(years):
        return {**out, "grade": "completed", "basis": "all_good"}
    if len(good) >= rules.enough(len(years)):
        return {**out, "grade": "basic", "basis": "most_good"}
    return {**out, "grade": "unfinished", "basis": "few_good"}


def quantified_commitment(commitment: Commitment, end: int, flagship: pd.DataFrame,
                          rules: PeriodRules) -> dict[str, Any]:
    """A number by the last year: its target met → 已完成; P = (X − X₀) ÷ (T − X₀) from the data's base-year value
    X₀ ≥ the threshold → 基本完成; otherwise 未完成. Its source missing in the last year: not graded."""
    rows = flagship[(flagship["id"] == commitment.flagship) & (flagship["year"] == end)]
    if rows.empty or rows["missing_sources"].iloc[0] or pd.isna(rows["value"].iloc[0]):
        return {"grade": None, "basis": "no_data", "data_missing": True}
    row = rows.iloc[0]
    value, target, base = float(row["value"]), float(row["target"]), float(row["base"])
    completion = (value - base) / (target - base) if target != base else math.nan
    numbers = {"value": value, "target": target, "base": base, "completion": completion}
    if row["status"] == "met":
        return {**numbers, "grade": "completed", "basis": "met"}
    if completion >= rules.basic_ratio:
        return {**numbers, "grade": "basic", "basis": "basic"}
    return {**numbers, "grade": "unfinished", "basis": "short"}


def policy_commitment(annual: object) -> dict[str, Any]:
    """A document to issue: issued by 31 Dec of the last year (the year's verification: not a draft) → 已完成;
    otherwise 未完成; not graded where the year's verification could not grade it."""
    if annual == "completed":
        return {"grade": "completed", "basis": "issued"}
    if annual in GRADES:
        return {"grade": "unfinished", "basis": "not_issued"}
    return {"grade": None, "basis": "no_register"}


def grade_item(item: Item, commitments: list[Commitment], history: History, end: int, flagship: pd.DataFrame,
               policies: dict[int, object], rules: PeriodRules) -> list[dict[str, Any]]:
    """Each of `commitments` (what `item` is graded on: its own, and a task's attached 专栏 targets —
    PlanItems.commitments_of) over the period ending in `end` (`policies`: commitment number → its grade in the last
    year). A quantified commitment without data that is the item's only one is graded by the ledger as ongoing
    work."""
    rows = []
    for number, commitment in enumerate(commitments, 1):
        if commitment.kind == "quantified":
            row = quantified_commitment(commitment, end, flagship, rules)
            if row["grade"] is None and len(item.commitments) == 1:
                row = {**row, **ledger_commitment("ongoing", history, rules)}
        elif commitment.kind == "policy":
            row = policy_commitment(policies.get(number))
        else:
            row = ledger_commitment(commitment.kind, history, rules)
        rows.append({"period_end": end, "item": item.id, "commitment": number, "kind": commitment.kind,
                     "data_missing": False, **row})
    return rows


# ----------------------------------------------------------------------------- the history's patterns
def _run(flags: list[bool]) -> int:
    """The longest run of consecutive years flagged."""
    longest = current = 0
    for flag in flags:
        current = current + 1 if flag else 0
        longest = max(longest, current)
    return longest


def patterns(history: History, rules: PeriodRules) -> dict[str, Any]:
    """The history's patterns on the verified grades: a regression (已完成, then a reported grade below it in a later
    year) and the chronic grades (未报送, 待核实 in at least the configured number of years)."""
    grades = [history.verified[y] for y in history.years]
    out: dict[str, Any] = {"regression": False, "regression_from": math.nan, "regression_to": math.nan}
    for j, grade in enumerate(grades):
        done = [history.years[i] for i in range(j) if grades[i] == "completed"]
        if grade in rules.reported_lower and done:
            out.update(regression=True, regression_from=done[0], regression_to=history.years[j])
            break
    for grade in CHRONIC:
        flags = [g == grade for g in grades]
        out.update({f"{grade}_years": sum(flags), f"{grade}_run": _run(flags),
                    f"chronic_{grade}": sum(flags) >= rules.chronic[grade]})
    return out


# ----------------------------------------------------------------------------- the datasets
def _histories(items: pd.DataFrame, departments: pd.DataFrame, rules: PeriodRules) -> dict[str, History]:
    """Every item's whole history (every graded year); a period takes the years up to its end."""
    def years_of(rows: pd.DataFrame) -> dict[str, frozenset[int]]:
        return {str(item): frozenset(map(int, years)) for item, years in rows.groupby("item")["year"]}

    reported = years_of(departments)
    lowered = years_of(departments[departments["self_grade"].isin(rules.reported_lower)])
    out = {}
    for item, own in items.sort_values("year").groupby("item", sort=False):
        years = [int(y) for y in own["year"]]
        ledger = [None if pd.isna(g) else str(g) for g in own["ledger_grade"]]
        out[str(item)] = History(years, dict(zip(years, ledger, strict=True)),
                                 dict(zip(years, own["verified_grade"], strict=True)),
                                 reported.get(item, frozenset()), lowered.get(item, frozenset()))
    return out


def _window(history: History, end: int) -> History:
    years = [y for y in history.years if y <= end]
    return History(years, {y: history.ledger[y] for y in years}, {y: history.verified[y] for y in years},
                   frozenset(y for y in history.reported if y <= end),
                   frozenset(y for y in history.lowered if y <= end))


def grade_periods(items: pd.DataFrame, commitments: pd.DataFrame, departments: pd.DataFrame,
                  flagship: pd.DataFrame, catalogue: PlanItems, rules: PeriodRules) -> tuple[pd.DataFrame,
                                                                                             pd.DataFrame]:
    """Per period end (every graded year) and item: its period grade, points and patterns; per commitment its
    period grade and what it rests on."""
    histories = _histories(items, departments, rules)
    missing = items.set_index(["item", "year"])["missing"]
    policy = commitments[commitments["kind"] == "policy"].set_index(["item", "year", "commitment"])["grade"]
    item_rows, commitment_rows = [], []
    for end in sorted(int(y) for y in items["year"].unique()):
        for item in catalogue.items:
            history = _window(histories[item.id], end)
            annual = {number: policy.get((item.id, end, number)) for number, c in enumerate(item.commitments, 1)
                      if c.kind == "policy"}
            graded = grade_item(item, [c for _, c in catalogue.commitments_of(item)], history, end, flagship, annual,
                                rules)
            commitment_rows += graded
            grade = lowest_period([row["grade"] for row in graded]) or NOTHING_GRADED
            item_rows.append({"period_end": end, "item": item.id, "kind": item.kind, "group": item.group,
                              "first_year": history.years[0], "years": len(history.years), "grade": grade,
                              "points": rules.points.get(grade, math.nan),
                              "missing": missing.get((item.id, end)) if grade == NOTHING_GRADED else None,
                              **patterns(history, rules)})
    return (pd.DataFrame(item_rows, columns=ITEM_COLUMNS),
            pd.DataFrame(commitment_rows, columns=COMMITMENT_COLUMNS))


def department_records(items: pd.DataFrame, departments: pd.DataFrame, catalogue: PlanItems, city_code: str,
                       rules: PeriodRules) -> pd.DataFrame:
    """Per period end and department: items it leads, years reported of the years expected, its rows, its claims
    (已完成 or 按计划推进) and how many rest on evidence found, and its rows whose self-grade is above the item's
    verified grade of that year."""
    verified = items.set_index(["item", "year"])["verified_grade"]
    item_grade = pd.Series([verified.get((i, y)) for i, y in zip(departments["item"], departments["year"],
                                                                   strict=True)], index=departments.index)
    above = departments["self_grade"].map(RANK).astype(float) < item_grade.map(RANK).astype(float)
    rows, years = [], sorted(int(y) for y in items["year"].unique())
    for end in years:
        window = departments["year"] <= end
        for department in catalogue.departments:
            mine = departments[window & (departments["department"] == department)]
            claims = mine[mine["self_grade"].isin(rules.good)]
            supported = int((claims["verified_grade"] != "unverified").sum())
            rows.append({
                "period_end": end, "department": department,
                "area_code": catalogue.county_of.get(department, city_code),
                "led": sum(1 for item in catalogue.items if item.departments[:1] == (department,)),
                "expected_years": end - years[0] + 1, "reported_years": mine["year"].nunique(), "rows": len(mine),
                "claims": len(claims), "supported": supported,
                "evidence_share": supported / len(claims) if len(claims) else math.nan,
                "above": int(above[mine.index].sum()),
            })
    return pd.DataFrame(rows, columns=DEPARTMENT_COLUMNS)


def indicator_periods(evaluation: pd.DataFrame, ends: list[int], rules: PeriodRules) -> pd.DataFrame:
    """Per period end, indicator and area: the value and status of every year of the period (each in its year's
    mode), the base, the change and CAGR from the base to the last year, and the year the target was first met."""
    keys = ["indicator", "area_code"]
    frames = []
    for end in ends:
        window = evaluation[evaluation["year"] <= end]
        last = window[window["year"] == end].set_index(keys)[["base_used", "change", "cagr"]]
        met = window[window["status"].isin(rules.met_statuses)].groupby(keys)["year"].min().rename("first_met")
        rows = window[[*keys, "year", "value", "status"]].join(last.rename(columns={"base_used": "base"}), on=keys)
        frames.append(rows.join(met, on=keys).assign(period_end=end))
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=INDICATOR_COLUMNS)
    return table[INDICATOR_COLUMNS].sort_values(["period_end", "indicator", "area_code", "year"],
                                                ignore_index=True)


def period_composite(items: pd.DataFrame, commitments: pd.DataFrame, annual: pd.DataFrame, evaluation: pd.DataFrame,
                     city_code: str, scoring: Scoring) -> pd.DataFrame:
    """The composite (规划实施综合评价) of each period, by `composite`'s own weighting and renormalising, on the period
    grades: the items' period points (无法评估 left out), the policies issued by the last year (without a register:
    left out, as `annual`, the year's commitments, records), the indicators of the last year."""
    graded = items.rename(columns={"period_end": "year", "grade": "verified_grade"})
    policies = commitments[commitments["kind"] == "policy"].rename(columns={"period_end": "year"})
    missing = annual.set_index(["item", "year", "commitment"])["missing"]
    policies = policies.assign(missing=[missing.get(key) for key in
                                        zip(policies["item"], policies["year"], policies["commitment"], strict=True)])
    table = composite(graded, policies, evaluation, city_code, scoring)
    return table.rename(columns={"year": "period_end"})


def assess_periods(evaluation: pd.DataFrame, flagship: pd.DataFrame, items: pd.DataFrame,
                   commitments: pd.DataFrame, departments: pd.DataFrame, catalogue: PlanItems,
                   assessment: dict[str, Any], basic_ratio: float, target_year: int,
                   city_code: str) -> dict[str, pd.DataFrame]:
    """Every dataset of the `period` stage (conf catalog.yaml)."""
    rules = PeriodRules.from_conf(assessment, basic_ratio)
    departments = departments.astype({"year": "int64"})  # an empty table (no ledger) is read back untyped
    period_items, period_commitments = grade_periods(items, commitments, departments, flagship, catalogue, rules)
    return {
        "period_indicators": indicator_periods(evaluation, sorted(int(y) for y in evaluation["year"].unique()), rules),
        "period_items": period_items,
        "period_commitments": period_commitments,
        "period_departments": department_records(items, departments, catalogue, city_code, rules),
        "period_composite": period_composite(period_items, period_commitments, commitments, evaluation, city_code,
                                             Scoring.from_conf(assessment, target_year)),
    }
