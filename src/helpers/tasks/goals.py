"""The directional goals of 二（三） (plan-assessment.md §1): "保持稳步增长" and "实现新突破" judged on the city's
yearly values from the clean registries; a goal without a measure, or whose source is missing, cannot be assessed
and says why."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from helpers.indicators import Tables
from helpers.tasks.catalog import Goal

GOAL_COLUMNS = ["goal", "text", "rule", "year", "outcome", "first_year", "latest_value", "series", "reason"]


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
                outcomes: dict, benchmark: pd.DataFrame | None = None, majority: float = 0.5) -> pd.DataFrame:
    """Each goal's outcome in each of `years`, judged on the values from the base year to that year; a ranking
    goal on the benchmarking against the peer cities (helpers.official), when there is one."""
    rows = []
    for goal in goals:
        if goal.rule == "ranking" and benchmark is not None:
            rows += [ranked_goal(goal, year, base_year, benchmark, outcomes, majority) for year in years]
            continue
        measure = MEASURES.get(goal.measure or "")
        missing = measure is None or not tables.has(measure[1])
        values = None if missing else measure[0](tables, list(range(base_year, max(years, default=base_year) + 1)))
        for year in years:
            row = {"goal": goal.id, "text": goal.text, "rule": goal.rule, "year": year, "first_year": base_year,
                   "latest_value": None, "series": None, "reason": goal.why}
            if values is None:
                reason = goal.why or (f"数据源 {measure[1]} 缺失" if measure else None)
                rows.append(row | {"outcome": outcomes["unassessable"], "reason": reason})
                continue
            upto = values.loc[:year]
            row["latest_value"] = float(upto.iloc[-1])
            row["series"] = "；".join(f"{y}年 {value:,.0f}{goal.unit}" for y, value in upto.items())
            row["outcome"], row["reason"] = judged(goal.rule, upto, outcomes)
            rows.append(row)
    return pd.DataFrame(rows, columns=GOAL_COLUMNS)


def ranking(benchmark: pd.DataFrame, year: int, majority: float) -> tuple[str, int, int]:
    """(met | not_met | unassessable, measures on which the city is 靠前, measures that count) in `year`."""
    rows = benchmark[(benchmark["year"] == year) & benchmark["counted"].astype(bool)]
    if rows.empty:
        return "unassessable", 0, 0
    leading = int(rows["leading"].astype(bool).sum())
    return ("met" if leading > majority * len(rows) else "not_met"), leading, len(rows)


def ranked_goal(goal: Goal, year: int, base_year: int, benchmark: pd.DataFrame, outcomes: dict,
                majority: float) -> dict:
    """「排名靠前」 in `year`: met when the city is 靠前 on more than `majority` of the measures with enough peer
    figures (helpers.official.stage.ranking); without any, 无法评估 with the goal's reason."""
    key, leading, counted = ranking(benchmark, year, majority)
    row = {"goal": goal.id, "text": goal.text, "rule": goal.rule, "year": year, "first_year": base_year,
           "latest_value": None, "series": None, "reason": goal.why}
    if key == "unassessable":
        return row | {"outcome": outcomes["unassessable"]}
    words = outcomes["ranking"]
    rows = benchmark[(benchmark["year"] == year) & benchmark["counted"].astype(bool)]
    series = "；".join(words["rank"].format(name=r["name"], rank=int(r["rank"]), ranked=int(r["ranked"]),
                                           tied=words["tied"] if r["tied"] else "") for _, r in rows.iterrows())
    return row | {"outcome": words[key], "latest_value": float(leading), "series": series,
                  "reason": words["reason"].format(counted=counted, leading=leading)}


def judged(rule: str, values: pd.Series, outcomes: dict) -> tuple[str, str | None]:
    """steady: grew every year (one dip: mostly); breakthrough: the latest value above every earlier one."""
    if len(values) < 2:
        return outcomes["unassessable"], "只有一年的数据"
    if rule == "steady":
        dips = int((values.diff().dropna() <= 0).sum())
        words = outcomes["steady"]
        return (words["met"], None) if dips == 0 else (words["mostly"] if dips == 1 else words["not_met"],
                                                        f"{dips} 个年度未增长")
    if rule == "breakthrough":
        words = outcomes["breakthrough"]
        return (words["met"], None) if values.iloc[-1] > values.iloc[:-1].max() else (words["not_met"], None)
    return outcomes["unassessable"], "没有可用的判定规则"
