"""What the evaluation says about its indicators, in sentences: status counts and the share achieved, the 专栏
targets, risks, an indicator's result and its shortfall, the data problems of the appendix and the recommendations.

The wording lives in conf wording.yaml and plan_wording.yaml, the rules (which statuses are risks, when a
source's rejects are a problem) in findings.yaml, applied by the findings stage; this module only fills the wording
from the data. The ranked list of 存在的问题 is helpers.report.conclusions'.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from helpers.indicators.catalog import rounded
from helpers.report.data import ReportData


def number(value: float, decimals: int = 2) -> str:
    """A value as the report prints it: rounded half up, thousands separators, — when empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{rounded(value, decimals):,.{decimals}f}"


def percent(value: float, decimals: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{rounded(value * 100, decimals):.{decimals}f}%"


def shown_difference(value: float, base: float, decimals: int) -> float:
    """value − base between the two as printed, so that a sentence adds up (1.20 − 0.86 = 0.34, not 0.33)."""
    return float(rounded(value, decimals) - rounded(base, decimals))


UNJUDGED = {"missing", "no_target", "city_only", "small_sample"}  # statuses that judge nothing (no share, no score)


def status_counts(data: ReportData) -> dict[str, int]:
    """How many of the area's indicators are in each status, in the plan's order of statuses."""
    counts = data.own["status"].value_counts()
    return {key: int(counts.get(key, 0)) for key in data.plan.statuses}


def achieved_share(data: ReportData) -> str:
    """The share of the judged indicators (data and a target) that are 已完成 or 基本完成."""
    counts = status_counts(data)
    judged = sum(n for k, n in counts.items() if k not in UNJUDGED)
    return percent((counts.get("met", 0) + counts.get("basic", 0)) / judged if judged else math.nan)


def flagship_sentence(data: ReportData) -> str:
    """The 专栏 targets: how many, how many met, and those at risk by name."""
    w, flagship = data.words, data.flagship
    met = int((flagship["status"] == "met").sum())
    behind = flagship[flagship["status"].isin(data.context.findings["risk_statuses"])]
    text = w("summary.flagship", count=len(flagship), met=met)
    if len(behind):
        names = w["summary.quoted_separator"].join(w("summary.flagship_name", name=n) for n in behind["name"])
        text += w("summary.flagship_behind_final" if data.final else "summary.flagship_behind", names=names)
    return text + w["sentence.end"]


def decimals(data: ReportData, indicator: str) -> int:
    return data.plan.indicator(indicator).decimals


def risks(data: ReportData) -> pd.DataFrame:
    """The area's indicators at risk, most serious status first, then in catalog order."""
    order = data.context.findings["risk_statuses"]
    own = data.own[data.own["status"].isin(order)].copy()
    own["severity"] = own["status"].map({s: i for i, s in enumerate(order)})
    return own.sort_values(["severity", "indicator"], kind="stable")


def _base(row: pd.Series) -> float:
    """The base progress is measured from (the evaluation's `base_used`: census-rebased, the data's or the plan's)."""
    return row["base_used"]


def in_text(unit: str, data: ReportData) -> str:
    """The unit as a sentence says it: "件" for "件/年" (wording `sentence.units`)."""
    return data.words["sentence.units"].get(unit, unit)


def indicator_fields(data: ReportData, row: pd.Series) -> dict[str, str]:
    """An indicator's evaluation row as the report prints it (name, year, unit, value, base, target, completion, τ,
    r, gap, what it takes to reach the target), for the wording's placeholders."""
    w = data.words
    places = decimals(data, row["indicator"])
    left = data.plan.target_year - data.year
    required = row["required_growth"]
    required_text = (w("problems.required", left=left, required=f"{rounded(required, 1)}")
                     if left and not math.isnan(required) else w["problems.unreachable"])
    missing = [data.source_title(s) for s in str(row["missing_sources"] or "").split(",") if s]
    return {
        "name": row["name"], "year": str(data.year), "unit": in_text(row["unit"], data),
        "gap_unit": w["sentence.gap_units"].get(row["unit"], in_text(row["unit"], data)),
        "value": number(row["value"], places), "base": number(_base(row), places),
        "target": number(row["target"], places), "completion": percent(row["completion"]), "tau": percent(row["tau"]),
        "ratio": percent(row["ratio"]), "gap": gap(data, row), "base_year": str(data.plan.base_year),
        "missing": w.join(missing) or w["problems.no_records"], "required_text": required_text,
    }


def gap(data: ReportData, row: pd.Series) -> str:
    """How far the value (as shown) is from the target (as shown); 0 once it is reached."""
    if math.isnan(row["value"]) or math.isnan(row["target"]):
        return "—"
    places = decimals(data, row["indicator"])
    return number(max(shown_difference(row["target"], row["value"], places), 0.0), places)


def indicator_problem(data: ReportData, row: pd.Series) -> str:
    """The shortfall of one indicator at risk (its evaluation row), in the wording of its status."""
    rule = row["status"]
    fields = indicator_fields(data, row)
    if row["kind"] == "growth" and rule in {"lagging", "serious", "unmet"}:
        rule = "growth_final" if data.final else "growth"
    elif rule == "serious" and fields["value"] == fields["base"]:
        rule = "serious_flat"
    return data.words(f"problems.{rule}", **fields)


def data_problems(data: ReportData) -> list[str]:
    """The appendix's data problems (the findings stage's `data_quality` and `unreadable`): sources that lost more
    than the configured share of rows, and files that could not be read."""
    w, labels = data.words, data.context.cleaning.reasons
    found = data.own_findings
    quality = found[found["kind"] == "data_quality"]
    sentences = [w("problems.data_quality", source=data.source_title(r["subject"]), rows_in=f"{r['n']:,}",
                   rejected=f"{r['count']:,}", share=percent(r["share"], 1),
                   reason=labels.get(r["code"], r["code"]))
                 for _, r in quality.iterrows()]
    broken = found[found["kind"] == "unreadable"]
    if len(broken):
        names = w.join([w("problems.broken_file", source=data.source_title(r["subject"]))
                        for _, r in broken.iterrows() for _ in range(int(r["count"]))])
        sentences.append(w("problems.broken_files", count=int(broken["count"].sum()), files=names))
    return sentences


def recommendations(data: ReportData) -> list[str]:
    """对策建议: per indicator at risk, per category with a risk, data, then the general rule (plan_wording.yaml);
    a county report's are addressed to the county government (the `county` texts where the city's differ)."""
    rules = data.words["plan.recommendations"]
    county = {} if data.is_city else rules.get("county") or {}
    categories = {**rules["categories"], **(county.get("categories") or {})}
    at_risk = risks(data)
    out = [rules["indicators"][i] + _lead(data, i) for i in at_risk.loc[at_risk["status"] != "missing", "indicator"]
           if i in rules["indicators"]]
    seen = list(dict.fromkeys(at_risk["category"]))
    out += [categories[c] for c in seen if c in categories]
    found = data.own_findings
    if (at_risk["status"] == "missing").any() or ((found["topic"] == "data") & (found["severity"] == "problem")).any():
        out.append(county.get("data", rules["data"]))
    closing = "general_final" if data.final else "general"
    out.append(county.get(closing, rules[closing]))
    return out


def _lead(data: ReportData, indicator: str) -> str:
    """"（责任单位：…）": the responsible units of the plan's task for the indicator (indicators.yaml
    `indicator_tasks`), or "" when it has none; in a county report the county government and its departments."""
    w = data.words
    task = (data.plan.settings.get("indicator_tasks") or {}).get(indicator)
    item = next((i for i in data.context.plan_items.items if i.id == task), None)
    if not data.is_city:
        government = data.context.plan_items.county_departments.get(data.area_code, data.area_name)
        return w("recommendations.lead", units=w("recommendations.county_units", government=government))
    return w("recommendations.lead", units=w.join(list(item.departments))) if item else ""


@dataclass(frozen=True)
class Headline:
    """The summary's opening facts."""

    counts: dict[str, int]
    sentence: str


def headline(data: ReportData) -> Headline:
    """'截至Y年末 … N 项指标中，已完成 a 项、超序时进度 b 项 …' from the status counts."""
    w = data.words
    counts = status_counts(data)
    parts = w.join([w("summary.headline_part", label=w["statuses"][k], count=v) for k, v in counts.items() if v])
    key = "summary.headline_final" if data.final else "summary.headline"
    sentence = w(key, year=data.year, elapsed=data.year - data.plan.base_year, tau=percent(data.tau),
                 area_name=data.area_name, count=len(data.own), parts=parts)
    return Headline(counts, sentence)


def _rank_text(data: ReportData, row: pd.Series) -> str:
    """", 在6个县（区）中居第3位" (并列 when another county shares the value), or "" when not ranked."""
    if math.isnan(row["county_rank"]):
        return ""
    w, count = data.words, len(data.context.areas.county_codes)
    key = "sentence.rank_tied" if tied(data, row) else "sentence.rank"
    return w(key, count=count, rank=int(row["county_rank"]))


def tied(data: ReportData, row: pd.Series) -> bool:
    """Whether another county shares this county's rank."""
    same = data.evaluation[(data.evaluation["indicator"] == row["indicator"])
                           & (data.evaluation["county_rank"] == row["county_rank"])]
    return len(same) > 1


def _change_text(data: ReportData, row: pd.Series, places: int, unit: str) -> str:
    """", 较2020年的0.86件增加0.34件" from the values as shown; ", 与2020年持平" when they print the same."""
    w, base = data.words, _base(row)
    if row["kind"] not in {"level", "stock", "flow"} or math.isnan(base):
        return ""
    change = shown_difference(row["value"], base, places)
    if change == 0:
        return w("sentence.unchanged", base_year=data.plan.base_year)
    key = "sentence.change_rebased" if row["base_kind"] == "rebased" else "sentence.change"
    return w(key, base_year=data.plan.base_year, base=number(base, places), unit=unit,
             direction=w["sentence.up"] if change > 0 else w["sentence.down"], change=number(abs(change), places))


def _outlook(data: ReportData, row: pd.Series, places: int, unit: str) -> str:
    """"；按现有速度，2025年预计1.7件（目标2件）": shown with one more decimal where rounding would make a
    projection that falls short look like the target."""
    w, projected, target = data.words, row["projected"], row["target"]
    shown = places
    while shown < places + 2 and projected < target and rounded(projected, shown) >= rounded(target, places):
        shown += 1
    outlook = w["sentence.outlook_growth"] if row["kind"] == "growth" else w["sentence.outlook_level"]
    return w("sentence.outlook", target_year=data.plan.target_year, outlook=outlook,
             projected=number(projected, shown), unit=unit, target=number(target, places))


def indicator_sentence(data: ReportData, row: pd.Series) -> str:
    """One indicator's result in a sentence: value, change on the base, progress (achievement in the final
    evaluation), status and outlook."""
    w = data.words
    places = decimals(data, row["indicator"])
    unit, name = in_text(row["unit"], data), row["name"]
    final = data.final
    if row["status"] == "city_only":
        return w("sentence.city_only", name=name, area_name=data.area_name)
    if row["status"] == "missing":
        return w("sentence.missing", name=name, year=data.year)
    text = w("sentence.value", name=name, year=data.year, value=number(row["value"], places), unit=unit)
    if row["status"] == "small_sample":
        rule = data.plan.settings.get("small_samples") or {}
        return text + w("sentence.small_sample", n=int(row["rows"]), min_cases=rule.get("min_cases", 0))
    text += _change_text(data, row, places, unit)
    if not math.isnan(row["county_share"]):
        text += w("sentence.share", share=percent(row["county_share"], 1))
    text += _rank_text(data, row)
    if row["status"] == "no_target":
        return text + w["sentence.no_target"]
    target = number(row["target"], places)
    if row["kind"] == "floor":
        reached = row["status"] in {"met", "reached"}
        text += w("sentence.floor_reached" if reached else "sentence.floor_not_reached", target=target, unit=unit)
    elif final:
        if not math.isnan(row["completion"]) and row["completion"] >= 0:
            text += w("sentence.achieved", completion=percent(row["completion"]))
        if not math.isnan(row["cagr"]):
            key = "sentence.cagr" if row["cagr"] >= 0 else "sentence.cagr_down"
            text += w(key, base_year=data.plan.base_year, year=data.year, cagr=percent(abs(row["cagr"]) / 100, 1))
        if row["status"] != "met":
            text += w("sentence.gap", gap=gap(data, row), unit=w["sentence.gap_units"].get(row["unit"], unit))
    elif not math.isnan(row["completion"]) and shown_difference(row["value"], _base(row), places) != 0:
        if row["completion"] < 0:
            text += w["sentence.below_base"]
        else:
            text += w("sentence.completion", completion=percent(row["completion"]), tau=percent(row["tau"]))
    text += w("sentence.status", label=w["statuses"][row["status"]])
    if row["status"] not in {"met"} and not math.isnan(row["projected"]) and row["kind"] != "floor":
        text += _outlook(data, row, places, unit)
    return text + w["sentence.end"]
