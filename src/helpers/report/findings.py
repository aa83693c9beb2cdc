"""What the evaluation says, in sentences: status counts, risks, problems and recommendations.

The wording lives in conf wording.yaml and plan_wording.yaml, the rules (which statuses are risks, when a
source's rejects are a problem) in report.yaml; this module only fills them from the data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from helpers.report.data import ReportData


def number(value: float, decimals: int = 2) -> str:
    """A value as the report prints it: thousands separators, the indicator's decimals, — when empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.{decimals}f}"


def percent(value: float, decimals: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value * 100:.{decimals}f}%"


def status_counts(data: ReportData) -> dict[str, int]:
    """How many of the area's indicators are in each status, in the plan's order of statuses."""
    counts = data.own["status"].value_counts()
    return {key: int(counts.get(key, 0)) for key in data.plan.statuses}


def decimals(data: ReportData, indicator: str) -> int:
    return data.plan.indicator(indicator).decimals


def risks(data: ReportData) -> pd.DataFrame:
    """The area's indicators at risk, most serious status first, then in catalog order."""
    order = data.context.report["risk_statuses"]
    own = data.own[data.own["status"].isin(order)].copy()
    own["severity"] = own["status"].map({s: i for i, s in enumerate(order)})
    return own.sort_values(["severity", "indicator"], kind="stable")


def _base(row: pd.Series) -> float:
    """The base progress is measured from: the data's base-year value, else the plan's."""
    return row["base_data"] if not math.isnan(row["base_data"]) else row["base_plan"]


def _fields(data: ReportData, row: pd.Series) -> dict[str, str]:
    w = data.words
    places = decimals(data, row["indicator"])
    left = data.plan.target_year - data.year
    required = row["required_growth"]
    required_text = (w("problems.required", left=left, required=f"{required:.1f}") if left and not math.isnan(required)
                     else w["problems.unreachable"])
    missing = [data.source_title(s) for s in str(row["missing_sources"] or "").split(",") if s]
    return {
        "name": row["name"], "year": str(data.year), "unit": row["unit"], "value": number(row["value"], places),
        "base": number(_base(row), places), "target": number(row["target"], places),
        "completion": percent(row["completion"]), "tau": percent(row["tau"]), "ratio": percent(row["ratio"]),
        "missing": w.join(missing) or w["problems.no_records"], "required_text": required_text,
    }


def problems(data: ReportData) -> list[str]:
    """存在的问题: one sentence per indicator at risk, then the data problems."""
    sentences = []
    for _, row in risks(data).iterrows():
        rule = row["status"]
        if row["status"] in {"lagging", "serious"} and row["kind"] in {"growth", "floor"}:
            rule = row["kind"]
        sentences.append(data.words(f"problems.{rule}", **_fields(data, row)))
    return sentences + data_problems(data)


def data_problems(data: ReportData) -> list[str]:
    """Sources that lost more than the configured share of rows, and files that could not be read."""
    w = data.words
    share_limit = data.context.report["data_quality"]["reject_share"]
    labels = data.context.cleaning.reasons
    sentences = []
    reasons = data.account("reasons")
    if not data.account("reconciliation").empty:
        for source, row in data.rows_by_source().iterrows():
            if row["rows_in"] and row["rejected"] / row["rows_in"] > share_limit:
                rejected = reasons[(reasons["source"] == source) & (reasons["outcome"] == "rejected")]
                by_reason = rejected.groupby("reason")["rows"].sum()
                top = by_reason.idxmax() if len(by_reason) else "unknown"
                sentences.append(w("problems.data_quality", source=data.source_title(source),
                                   rows_in=f"{row['rows_in']:,}", rejected=f"{row['rejected']:,}",
                                   share=percent(row["rejected"] / row["rows_in"], 1), reason=labels.get(top, top)))
    files = data.account("files")
    if not files.empty:
        broken = files[files["status"] == "rejected"]
        if len(broken):
            pairs = zip(broken["source"], broken["file"], strict=True)
            names = w.join([w("problems.broken_file", source=data.source_title(s), file=f.rsplit("/", 1)[-1])
                            for s, f in pairs])
            sentences.append(w("problems.broken_files", count=len(broken), files=names))
    return sentences


def recommendations(data: ReportData) -> list[str]:
    """对策建议: per indicator at risk, per category with a risk, data, then the general rule (plan_wording.yaml)."""
    rules = data.words["plan.recommendations"]
    at_risk = risks(data)
    out = [rules["indicators"][i] for i in at_risk.loc[at_risk["status"] != "missing", "indicator"]
           if i in rules["indicators"]]
    seen = list(dict.fromkeys(at_risk["category"]))
    out += [rules["categories"][c] for c in seen if c in rules["categories"]]
    if (at_risk["status"] == "missing").any() or data_problems(data):
        out.append(rules["data"])
    out.append(rules["general"])
    return out


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
    sentence = w("summary.headline", year=data.year, elapsed=data.year - data.plan.base_year, tau=percent(data.tau),
                 area_name=data.area_name, count=len(data.own), parts=parts)
    return Headline(counts, sentence)


def indicator_sentence(data: ReportData, row: pd.Series) -> str:
    """One indicator's result in a sentence: value, change on the base, progress, status and outlook."""
    w = data.words
    places = decimals(data, row["indicator"])
    unit, name = row["unit"], row["name"]
    if row["status"] == "city_only":
        return w("sentence.city_only", name=name, area_name=data.area_name)
    if row["status"] == "missing":
        return w("sentence.missing", name=name, year=data.year)
    text = w("sentence.value", name=name, year=data.year, value=number(row["value"], places), unit=unit)
    base = _base(row)
    if row["kind"] in {"level", "stock", "flow"} and not math.isnan(base):
        change = row["value"] - base
        text += w("sentence.change", base_year=data.plan.base_year, base=number(base, places), unit=unit,
                  direction=w["sentence.up"] if change >= 0 else w["sentence.down"],
                  change=number(abs(change), places))
    if not math.isnan(row["county_share"]):
        text += w("sentence.share", share=percent(row["county_share"], 1))
    if not math.isnan(row["county_rank"]):
        text += w("sentence.rank", count=len(data.context.areas.county_codes), rank=int(row["county_rank"]))
    if row["status"] == "no_target":
        return text + w["sentence.no_target"]
    if not math.isnan(row["completion"]):
        text += w("sentence.completion", completion=percent(row["completion"]), tau=percent(row["tau"]))
    text += w("sentence.status", label=w["statuses"][row["status"]])
    if row["status"] not in {"met"} and data.year < data.plan.target_year and not math.isnan(row["projected"]):
        outlook = w["sentence.outlook_growth"] if row["kind"] == "growth" else w["sentence.outlook_level"]
        text += w("sentence.outlook", target_year=data.plan.target_year, outlook=outlook,
                  projected=number(row["projected"], places), unit=unit, target=number(row["target"], places))
    return text + w["sentence.end"]
