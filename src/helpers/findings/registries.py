"""Findings counted from the registries beyond the indicator values: the leading measures that fall (a risk for the
next plan), a yearly sum that rests on a few large registrations, the plan's own 2020 figures checked against the
data (基期数据核对), and the sources that lost rows or files in cleaning."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from helpers.findings.rows import finding
from helpers.indicators.evaluation import reaches


def leading(series: dict[str, pd.Series], years: list[int], base_year: int, city: str,
            rules: dict[str, Any]) -> list[dict[str, Any]]:
    """Per directional measure (`series`: its city value by year) and report year Y: a risk when the values of Y−1
    and Y are both below the mean of the base year to Y−2."""
    out = []
    for measure, values in series.items():
        for year in years:
            span = [y for y in range(base_year, year - 1) if y in values.index]
            last = [values.get(y, math.nan) for y in (year - 1, year)]
            if not span or any(math.isnan(v) for v in last):
                continue
            mean = float(values[span].mean())
            if all(v < mean for v in last):
                out.append(finding(year, "leading", city, measure, "problem", "risk", order=last[1] / mean - 1,
                                   value=last[1], base=values.get(base_year), reference=mean,
                                   ratio=last[1] / mean, year_from=span[0], year_to=span[-1]))
    return out


def lumpiness(indicator: str, amounts: pd.DataFrame, years: list[int], city: str,
              rules: dict[str, Any]) -> list[dict[str, Any]]:
    """Per report year, a yearly sum of single registrations (`amounts`: year, amount; one row per registration)
    whose largest registration is the configured share of the year's sum or more, or that rests on fewer deals
    than `min_deals`."""
    rule, out = rules["lumpiness"], []
    for year in years:
        deals = amounts.loc[amounts["year"] == year, "amount"]
        total = deals.sum()
        if deals.empty or total <= 0:
            continue
        share = deals.max() / total
        if reaches(share, rule["share"]) or len(deals) < rule["min_deals"]:
            out.append(finding(year, "lumpiness", city, indicator, "problem", "risk", order=-share,
                               value=deals.max(), reference=total, share=share, n=len(deals)))
    return out


def base_checks(facts: tuple[dict[str, Any], ...], computed: dict[str, float | None], sources: dict[str, str],
                years: list[int], city: str, rules: dict[str, Any]) -> list[dict[str, Any]]:
    """基期数据核对, in every report year: each of the plan's own figures (plan_facts.yaml) against the value computed
    from the registries (`computed`, by fact id; None: its source is missing, not checked). A relative gap above the
    tolerance is a problem (the data may be incomplete), within it a note. `subject` is the fact's source."""
    tolerance, out = rules["base_check"]["tolerance"], []
    for order, fact in enumerate(facts):
        value = computed.get(fact["id"])
        if value is None or math.isnan(value):
            continue
        first, last = fact.get("years") or (fact["year"], fact["year"])
        gap = value / fact["value"] - 1 if fact["value"] else math.nan
        severity = "problem" if math.isnan(gap) or not reaches(tolerance, abs(gap)) else "note"
        out += [finding(year, "base_check", city, sources[fact["id"]], severity, "data", fact["id"], order=order,
                        value=value, reference=fact["value"], ratio=gap, year_from=first, year_to=last)
                for year in years]
    return out


def data_quality(reconciliation: pd.DataFrame, reasons: pd.DataFrame, files: pd.DataFrame, years: list[int],
                 city: str, rules: dict[str, Any]) -> list[dict[str, Any]]:
    """Per source, in every report year: the rows it rejected when more than the configured share (`code`: the most
    frequent reason), and the files that could not be read."""
    limit, out = rules["data_quality"]["reject_share"], []
    per_source = reconciliation.groupby("source", sort=False)[["rows_in", "rejected"]].sum()
    rejected = reasons[reasons["outcome"] == "rejected"].groupby(["source", "reason"])["rows"].sum()
    for source, r in per_source.iterrows():
        if not r["rows_in"] or r["rejected"] / r["rows_in"] <= limit:
            continue
        by_reason = rejected[source] if source in rejected.index.get_level_values(0) else pd.Series(dtype="int64")
        top = str(by_reason.idxmax()) if len(by_reason) else "unknown"
        out += [finding(year, "data_quality", city, source, "problem", "data", top, count=r["rejected"],
                        n=r["rows_in"], share=r["rejected"] / r["rows_in"]) for year in years]
    broken = files[files["status"] == "rejected"].groupby("source", sort=False).size() if not files.empty else []
    for source, count in (broken.items() if len(broken) else []):
        out += [finding(year, "unreadable", city, source, "problem", "data", count=count) for year in years]
    return out
