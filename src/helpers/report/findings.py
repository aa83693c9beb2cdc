"""What the evaluation says, in sentences: status counts, risks, problems and recommendations.

The wording and the rules live in conf/base/report.yaml; this module only fills them from the data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from helpers import areas, config
from helpers.report.data import ReportData

COUNTED = ["met", "ahead", "on_track", "lagging", "serious", "reverse", "missing", "no_target", "city_only"]


def number(value: float, decimals: int = 2) -> str:
    """A value as the report prints it: thousands separators, the indicator's decimals, — when empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.{decimals}f}"


def percent(value: float, decimals: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value * 100:.{decimals}f}%"


def _settings() -> dict:
    return config.load("report")


def source_title(source: str) -> str:
    return config.load("sources").get(source, {}).get("title", source)


def status_counts(data: ReportData) -> dict[str, int]:
    """How many of the area's indicators are in each status, in the configured order."""
    counts = data.own["status"].value_counts()
    return {key: int(counts.get(key, 0)) for key in COUNTED}


def _decimals(data: ReportData) -> dict[str, int]:
    return {i.id: i.decimals for i in data.plan.indicators}


def risks(data: ReportData) -> pd.DataFrame:
    """The area's indicators at risk, most serious status first, then in catalog order."""
    order = _settings()["risk_statuses"]
    own = data.own[data.own["status"].isin(order)].copy()
    own["severity"] = own["status"].map({s: i for i, s in enumerate(order)})
    return own.sort_values(["severity", "indicator"], kind="stable")


def _fields(data: ReportData, row: pd.Series) -> dict[str, str]:
    places = _decimals(data)[row["indicator"]]
    base = row["base_data"] if not math.isnan(row["base_data"]) else row["base_plan"]
    left = data.plan.target_year - data.year
    required = row["required_growth"]
    required_text = (f"今后{left}年需年均增长{required:.1f}%方能达到目标" if left and not math.isnan(required)
                     else "规划期内已难以达到目标")
    missing = [source_title(s) for s in str(row["missing_sources"] or "").split(",") if s]
    return {
        "name": row["name"], "year": str(data.year), "unit": row["unit"], "value": number(row["value"], places),
        "base": number(base, places), "target": number(row["target"], places),
        "completion": percent(row["completion"]), "tau": percent(row["tau"]), "ratio": percent(row["ratio"]),
        "missing": "、".join(missing) or "当年无记录", "required_text": required_text,
    }


def problems(data: ReportData) -> list[str]:
    """五、存在的问题: one sentence per indicator at risk, then the data problems."""
    rules = _settings()["problems"]
    sentences = []
    for _, row in risks(data).iterrows():
        rule = rules[row["status"]]
        if row["status"] in {"lagging", "serious"} and row["kind"] in {"growth", "floor"}:
            rule = rules[row["kind"]]
        sentences.append(rule.format(**_fields(data, row)))
    return sentences + data_problems(data)


def data_problems(data: ReportData) -> list[str]:
    """Sources that lost more than the configured share of rows, and files that could not be read."""
    rules = _settings()["data_quality"]
    sentences = []
    reasons = data.account("reasons")
    labels = config.load("cleaning")["reasons"]
    if not data.account("reconciliation").empty:
        for source, row in data.rows_by_source().iterrows():
            if row["rows_in"] and row["rejected"] / row["rows_in"] > rules["reject_share"]:
                rejected = reasons[(reasons["source"] == source) & (reasons["outcome"] == "rejected")]
                by_reason = rejected.groupby("reason")["rows"].sum()
                top = by_reason.idxmax() if len(by_reason) else "unknown"
                sentences.append(rules["problem"].format(
                    source=source_title(source), rows_in=f"{row['rows_in']:,}", rejected=f"{row['rejected']:,}",
                    share=percent(row["rejected"] / row["rows_in"], 1), reason=labels.get(top, top)))
    files = data.account("files")
    if not files.empty:
        broken = files[files["status"] != "ok"]
        if len(broken):
            pairs = zip(broken["source"], broken["file"], strict=True)
            names = "、".join(f"{source_title(s)}：{f.rsplit('/', 1)[-1]}" for s, f in pairs)
            sentences.append(rules["broken_files"].format(count=len(broken), files=names))
    return sentences


def recommendations(data: ReportData) -> list[str]:
    """六、对策建议: per indicator at risk, per category with a risk, data, then the general rule."""
    rules = _settings()["recommendations"]
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
    counts = status_counts(data)
    labels = config.load("evaluation")["statuses"]
    parts = [f"{labels[k]['label']}{v}项" for k, v in counts.items() if v]
    elapsed = data.year - data.plan.base_year
    sentence = (f"截至{data.year}年末（规划实施第{elapsed}年，序时进度{percent(data.tau)}），{data.area_name}"
                f"纳入评估的{len(data.own)}项指标中，" + "、".join(parts) + "。")
    return Headline(counts, sentence)


def indicator_sentence(data: ReportData, row: pd.Series) -> str:
    """One indicator's result in a sentence: value, change on the base, progress, status and outlook."""
    places = _decimals(data)[row["indicator"]]
    unit, name = row["unit"], row["name"]
    if row["status"] == "city_only":
        return f"{name}为市级指标，{data.area_name}不单独评估。"
    if row["status"] == "missing":
        return f"{name}缺少{data.year}年可用数据，无法评估。"
    text = f"{name}{data.year}年为{number(row['value'], places)}{unit}"
    base = row["base_data"] if not math.isnan(row["base_data"]) else row["base_plan"]
    if row["kind"] in {"level", "stock", "flow"} and not math.isnan(base):
        change = row["value"] - base
        text += f"，较{data.plan.base_year}年的{number(base, places)}{unit}{'增加' if change >= 0 else '减少'}" \
                f"{number(abs(change), places)}{unit}"
    if not math.isnan(row["county_share"]):
        text += f"，占全市的{percent(row['county_share'], 1)}"
    if not math.isnan(row["county_rank"]):
        text += f"，在{len(areas.load().county_codes)}个县（区）中居第{int(row['county_rank'])}位"
    label = row["status_label"]
    if row["status"] == "no_target":
        return text + "；规划未分解县（区）目标，不判定进度。"
    if not math.isnan(row["completion"]):
        text += f"，完成目标进度的{percent(row['completion'])}（序时进度{percent(row['tau'])}）"
    text += f"，{label}"
    if row["status"] not in {"met"} and data.year < data.plan.target_year and not math.isnan(row["projected"]):
        outlook = "年均增速" if row["kind"] == "growth" else "预计"
        text += f"；按现有速度，{data.plan.target_year}年{outlook}{number(row['projected'], places)}{unit}" \
                f"（目标{number(row['target'], places)}{unit}）"
    return text + "。"
