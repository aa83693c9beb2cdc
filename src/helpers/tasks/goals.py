"""The directional goals of 二（三） (plan-assessment.md §1): "保持稳步增长" and "实现新突破" judged on the city's
yearly values from the clean registries; a goal without a measure, or whose source is missing, cannot be assessed
and says why. Codes and numbers only: an outcome code, a reason code with its count or absent source, and the
values the outcome was judged on (the report words them, helpers.report.task_words)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from helpers.indicators import Tables
from helpers.tasks.catalog import Goal

GOAL_COLUMNS = ["goal", "text", "rule", "year", "outcome", "first_year", "base_value", "latest_value", "reason",
                "count", "missing"]
OUTCOMES = ("met", "mostly", "not_met", "unassessable")
# why: the goal's own reason (plan_items.yaml `why`); no_source: its measure's source (`missing`) was not supplied;
# one_year: a single year of data; dips: `count` years without growth; no_rule: a rule no judgement knows;
# ranking: 靠前 on `latest_value` of the `count` measures with enough peer figures
REASONS = ("why", "no_source", "one_year", "dips", "no_rule", "ranking")


def _by_year(dates: pd.Series, years: list[int]) -> pd.Series:
    counts = pd.to_datetime(dates).dt.year.value_counts()
    return counts.reindex(years, fill_value=0).astype(float)


def _year_end_stock(start: pd.Series, end: pd.Series | None, years: list[int]) -> pd.Series:
    """Rows started by 31 Dec of each year and not ended by then."""
    values = {}
    for year in years:
        cut = pd.Timestamp(year, 12, 31)
        alive = start <= cut
        if end is not None:
            alive &= end.isna() | (end > cut)
        values[year] = float(alive.sum())
    return pd.Series(values)


def invention_grants(tables: Tables, years: list[int]) -> pd.Series:
    patents = tables.get("patents")
    return _by_year(patents.loc[patents["patent_type"] == "发明", "grant_date"].dropna(), years)


def invention_applications(tables: Tables, years: list[int]) -> pd.Series:
    """Invention patent applications (granted or not), by application year."""
    patents = tables.get("patents")
    return _by_year(patents.loc[patents["patent_type"] == "发明", "application_date"].dropna(), years)


def patent_grants(tables: Tables, years: list[int]) -> pd.Series:
    """Patents of every type granted, by grant year."""
    return _by_year(tables.get("patents")["grant_date"].dropna(), years)


def pct_applications(tables: Tables, years: list[int]) -> pd.Series:
    """Applications with a WO member in their simple family (a PCT filing), by application year."""
    patents = tables.get("patents")
    pct = patents["family"].astype("str").str.contains(r"(?:^|[^A-Z])WO", regex=True, na=False)
    return _by_year(patents.loc[pct, "application_date"], years)


def copyright_registrations(tables: Tables, years: list[int]) -> pd.Series:
    return _by_year(tables.get("copyright")["reg_date"].dropna(), years)


def gi_products(tables: Tables, years: list[int]) -> pd.Series:
    return _year_end_stock(tables.get("gi_products")["approval_date"], None, years)


def valid_trademarks(tables: Tables, years: list[int]) -> pd.Series:
    marks = tables.get("trademarks")
    return _year_end_stock(marks["registration_date"], marks["term_end"], years)


def pledge_projects(tables: Tables, years: list[int]) -> pd.Series:
    """Pledge registrations (distinct 登记号) by the year they took effect."""
    pledges = tables.get("pledges").drop_duplicates("reg_no")
    return _by_year(pledges["effective_date"].dropna(), years)


MEASURES: dict[str, tuple[Callable[[Tables, list[int]], pd.Series], str]] = {
    "invention_grants": (invention_grants, "patents"),
    "invention_applications": (invention_applications, "patents"),
    "patent_grants": (patent_grants, "patents"),
    "pct_applications": (pct_applications, "patents"),
    "copyright_registrations": (copyright_registrations, "copyright"),
    "gi_products": (gi_products, "gi_products"),
    "valid_trademarks": (valid_trademarks, "trademarks"),
    "pledge_projects": (pledge_projects, "pledges"),
}


def judge_goals(goals: tuple[Goal, ...], tables: Tables, base_year: int, years: list[int],
                benchmark: pd.DataFrame | None = None, majority: float = 0.5) -> pd.DataFrame:
    """Each goal's outcome in each of `years`, judged on the values from the base year to that year (the base
    year's in `base_value`, the year's in `latest_value`); a ranking goal on the benchmarking against the peer
    cities (helpers.official), when there is one."""
    rows = []
    for goal in goals:
        if goal.rule == "ranking" and benchmark is not None:
            rows += [ranked_goal(goal, year, base_year, benchmark, majority) for year in years]
            continue
        measure = MEASURES.get(goal.measure or "")
        missing = measure is None or not tables.has(measure[1])
        values = None if missing else measure[0](tables, list(range(base_year, max(years, default=base_year) + 1)))
        for year in years:
            row = {"goal": goal.id, "text": goal.text, "rule": goal.rule, "year": year, "first_year": base_year}
            if values is None:
                reason = "why" if goal.why else "no_source" if measure else None
                rows.append(row | {"outcome": "unassessable", "reason": reason,
                                   "missing": measure[1] if measure else None})
                continue
            upto = values.loc[:year]
            outcome, reason, count = judged(goal.rule, upto)
            rows.append(row | {"outcome": outcome, "reason": reason, "count": count,
                               "base_value": float(upto.iloc[0]), "latest_value": float(upto.iloc[-1])})
    return pd.DataFrame(rows, columns=GOAL_COLUMNS)


def ranking(benchmark: pd.DataFrame, year: int, majority: float) -> tuple[str, int, int]:
    """(met | not_met | unassessable, measures on which the city is 靠前, measures that count) in `year`."""
    rows = benchmark[(benchmark["year"] == year) & benchmark["counted"].astype(bool)]
    if rows.empty:
        return "unassessable", 0, 0
    leading = int(rows["leading"].astype(bool).sum())
    return ("met" if leading > majority * len(rows) else "not_met"), leading, len(rows)


def ranked_goal(goal: Goal, year: int, base_year: int, benchmark: pd.DataFrame, majority: float) -> dict:
    """「排名靠前」 in `year`: met when the city is 靠前 on more than `majority` of the measures with enough peer
    figures (helpers.official.stage.ranking); without any, 无法评估 with the goal's reason."""
    key, leading, counted = ranking(benchmark, year, majority)
    row = {"goal": goal.id, "text": goal.text, "rule": goal.rule, "year": year, "first_year": base_year,
           "outcome": key}
    if key == "unassessable":
        return row | {"reason": "why" if goal.why else None}
    return row | {"latest_value": float(leading), "reason": "ranking", "count": counted}


def judged(rule: str, values: pd.Series) -> tuple[str, str | None, int | None]:
    """The outcome, the reason and its count: steady: grew every year (one dip: mostly); breakthrough: the latest
    value above every earlier one."""
    if len(values) < 2:
        return "unassessable", "one_year", None
    if rule == "steady":
        dips = int((values.diff().dropna() <= 0).sum())
        return ("met", None, None) if dips == 0 else ("mostly" if dips == 1 else "not_met", "dips", dips)
    if rule == "breakthrough":
        return ("met" if values.iloc[-1] > values.iloc[:-1].max() else "not_met"), None, None
    return "unassessable", "no_rule", None
