"""The report's conclusions from the findings dataset (helpers.findings; conclusions.md §3): 存在的问题 — every
problem finding of the area in the stage's rank, each with its cause where another finding gives one —, 主要成效 —
the strengths by domain — and the sentences of the 基期数据核对 of 一、评估说明 (the sections problems, achievements
and scope of helpers.report.sections, and the drafts). One sentence per finding, from the wording catalogue
(wording.yaml `findings`), with its numbers as the report prints them."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pandas as pd

from helpers.report import findings as indicator_texts
from helpers.report.data import ReportData
from helpers.report.findings import in_text, number, percent, rounded


def _whole(value: float) -> str:
    return number(value, 0)


def _is_target(f: pd.Series) -> bool:
    """A finding on a 专栏's quantified target (it is set against the target), not on the 专栏 as a plan item (a
    grade)."""
    return f["topic"] == "flagship" and pd.notna(f["reference"])


def fact_number(value: float, fact: dict) -> str:
    """A plan figure, or its computed counterpart, with as many decimals as the plan writes it (1.85, 573)."""
    exponent = Decimal(repr(float(fact["value"]))).normalize().as_tuple().exponent
    return number(value, max(0, -int(exponent)))


def signed_percent(value: float) -> str:
    """A relative gap as a percent with one decimal and its sign; a gap that rounds to nothing is 0.0%."""
    shown = rounded(value * 100, 1)
    return f"{shown if shown else abs(shown)}%"


class Speaker:
    """Turns the findings of one report into sentences: its data, its words, and the findings it may draw causes
    from."""

    def __init__(self, data: ReportData) -> None:
        self.data, self.w = data, data.words
        self.found = data.own_findings

    # ------------------------------------------------------------------ what a finding names
    def _row(self, indicator: str) -> pd.Series:
        own = self.data.own
        return own[own["indicator"] == indicator].iloc[0]

    def _value(self, indicator: str, value: float) -> str:
        return number(value, self.data.plan.indicator(indicator).decimals)

    def _unit(self, indicator: str) -> str:
        return in_text(self.data.plan.indicator(indicator).unit, self.data)

    def _item(self, item_id: str) -> dict[str, str]:
        """An item's id, title (its own quotes made inner ones: the wording quotes the title) and departments."""
        item = self.data.context.plan_items.item(item_id)
        title = item.title.translate(str.maketrans("“”", "‘’"))
        return {"id": item.id, "title": title, "departments": self.w.join(list(item.departments))}

    def _area(self, code: str) -> str:
        return self.data.context.areas.names[code]

    def _age(self, subject: str) -> pd.Series | None:
        """The part of the high-value increase that comes from ageing alone, when the stage found it a problem: the
        cause of the indicator's shortfall or strength."""
        found, age = self.found, self.data.context.findings["decomposition"]["age_criterion"]
        hits = found[(found["kind"] == "decomposition") & (found["subject"] == subject) & (found["code"] == age)
                     & (found["severity"] == "problem")]
        return hits.iloc[0] if len(hits) else None

    def _age_fields(self, f: pd.Series) -> dict[str, str]:
        criteria = (self.data.plan.settings.get("high_value") or {}).get("criteria") or {}
        return {"year_from": str(f["year_from"]), "year_to": str(f["year_to"]), "increase": _whole(f["reference"]),
                "change": _whole(f["change"]), "share": percent(f["share"]),
                "criterion": criteria.get(f["code"], f["code"])}

    def _county_cause(self, subject: str, county: str | None = None) -> str:
        """", 2020—2025年全市增量的62%来自源城区": the part of the city's change that `county` brought (default: the
        county that brought the largest part), when it is an increase."""
        found = self.found
        parts = found[(found["kind"] == "decomposition") & (found["subject"] == subject) & (found["topic"] == "county")
                      & (found["code"] != self.data.context.areas.city_code)]
        if county is not None:
            parts = parts[parts["code"] == county]
        if parts.empty or not self.data.is_city:
            return ""
        top = parts.sort_values("share", ascending=False).iloc[0]
        return self.w("findings.county_cause", year_from=top["year_from"], year_to=top["year_to"],
                      share=percent(top["share"], 1), county=self._area(top["code"])) if top["share"] > 0 else ""

    # ------------------------------------------------------------------ problems, by kind
    def shortfall(self, f: pd.Series) -> str:
        w, year = self.w, self.data.year
        if f["topic"] == "indicator":
            text = indicator_texts.indicator_problem(self.data, self._row(f["subject"]))
            age = self._age(f["subject"])
            return text + (w("findings.age_cause", **self._age_fields(age)) if age is not None else "")
        if _is_target(f):
            target = next(t for t in self.data.plan.flagship if t.id == f["subject"])  # counted, as the 专栏 table
            return w("findings.shortfall_flagship", column=target.column, name=target.name, year=year,
                     label=w["statuses"][f["code"]], value=_whole(f["value"]), unit=target.unit,
                     target=_whole(f["reference"]), share=percent(f["share"]))
        grade = w["grades"][f["code"]]
        if f["topic"] == "policy":
            item = self.data.context.plan_items.item(f["subject"])
            commitment = item.commitments[int(f["count"]) - 1]
            document = w("findings.document", name=commitment.document) if commitment.document else commitment.text
            return w("findings.shortfall_policy", **self._item(f["subject"]), document=document, year=year,
                     grade=grade)
        key = "findings.shortfall_task" if self.data.is_city else "findings.shortfall_county_task"
        return w(key, **self._item(f["subject"]), year=year, area_name=self.data.area_name,
                 grade_text=w["findings.grade_texts"][f["code"]])

    def decomposition(self, f: pd.Series) -> str:
        """A decomposition that is a problem on its own: the high-value increase that comes from ageing (when no
        shortfall of the indicator carries it as its cause)."""
        row = self._row(f["subject"])
        return self.w("findings.age", name=row["name"], year=self.data.year,
                      value=self._value(f["subject"], row["value"]), unit=self._unit(f["subject"]),
                      label=self.w["statuses"][row["status"]], **self._age_fields(f))

    def disparity(self, f: pd.Series) -> str:
        w, indicator = self.w, self.data.plan.indicator(f["subject"])
        counted = indicator.county != "count"  # the rows a per-capita figure counts (the patents)
        noun = (self.w.get("plan.counted") or {}).get(indicator.id, w["findings.counted_default"]) if counted else ""
        unit = w["findings.counted_unit"] if counted else self._unit(indicator.id)
        places = 0 if counted else indicator.decimals
        ratio = w("findings.disparity_ratio", name=indicator.name, ratio=number(f["ratio"], 1)) \
            if pd.notna(f["ratio"]) else ""
        return w("findings.disparity", name=indicator.name, year=self.data.year, counted=noun,
                 total=number(f["reference"], places), unit=unit, county=self._area(f["code"]),
                 value=number(f["value"], places), share=percent(f["share"], 1), ratio=ratio,
                 cause=self._county_cause(f["subject"], f["code"]))

    def leading(self, f: pd.Series) -> str:
        measure = self.w["findings.measures"][f["subject"]]
        return self.w("findings.leading", name=measure["name"], unit=measure["unit"], previous=self.data.year - 1,
                      year=self.data.year, year_from=f["year_from"], year_to=f["year_to"], value=_whole(f["value"]),
                      base=_whole(f["base"]), mean=number(f["reference"], 1),
                      risk=self.w[f"findings.leading_risk.{'final' if self.data.final else 'progress'}"])

    def lumpiness(self, f: pd.Series) -> str:
        few = f["n"] < self.data.context.findings["lumpiness"]["min_deals"]
        return self.w("findings.lumpiness_few" if few else "findings.lumpiness", year=self.data.year,
                      name=self._row(f["subject"])["name"], n=int(f["n"]), unit=self._unit(f["subject"]),
                      total=self._value(f["subject"], f["reference"]), value=self._value(f["subject"], f["value"]),
                      share=percent(f["share"], 1))

    def sensitivity(self, f: pd.Series) -> str:
        w, row = self.w, self._row(f["subject"])
        basis, status = str(f["code"]).split(":", 1)
        fields = {"name": row["name"], "year": self.data.year, "unit": self._unit(f["subject"]),
                  "status": w["statuses"][row["status"]], "other_status": w["statuses"][status],
                  **{key: self._value(f["subject"], f[key]) for key in ("value", "reference", "base")}}
        if basis == "plan_base":
            return w("findings.sensitivity_base", **fields)
        used = "computed" if basis == "official" else "official"
        return w("findings.sensitivity", used=w["official.sources"][used], other=w["official.sources"][basis],
                 **fields)

    def base_check(self, f: pd.Series) -> str:
        fact = next(fact for fact in self.data.context.plan_facts if fact["id"] == f["code"])
        return self.w("findings.base_check", span=self.span(f), label=fact["label"],
                      plan=fact_number(fact["value"], fact), value=fact_number(f["value"], fact), unit=fact["unit"],
                      gap=percent(abs(f["ratio"]), 1), source=self.data.source_title(f["subject"]),
                      tolerance=percent(self.data.context.findings["base_check"]["tolerance"]))

    def span(self, f: pd.Series) -> str:
        """"2020年", "2016—2020年": the years a finding's numbers cover."""
        first, last = f["year_from"], f["year_to"]
        return self.w("findings.span", span=f"{first}—{last}" if first != last else str(first))

    def evidence(self, f: pd.Series) -> str:
        return self.w("findings.evidence", department=f["subject"], n=int(f["n"]), count=int(f["count"]),
                      items=self.w.join(str(f["code"]).split(",")))

    def pattern(self, f: pd.Series) -> str:
        ids = set(self.data.context.plan_items.ids)
        subject = self.w("findings.item", **self._item(f["subject"])) if f["subject"] in ids else f["subject"]
        return self.w(f"findings.patterns.{f['code']}", subject=subject, count=int(f["count"]),
                      year_from=f["year_from"], year_to=f["year_to"])

    # ------------------------------------------------------------------ strengths
    def strength(self, f: pd.Series) -> str:
        w = self.w
        if f["topic"] == "indicator":
            row, unit = self._row(f["subject"]), self._unit(f["subject"])
            target = self._value(f["subject"], f["reference"])
            text = w("findings.strength", name=row["name"], year=self.data.year,
                     value=self._value(f["subject"], f["value"]), unit=unit, margin=percent(f["ratio"]),
                     target=(w["indicators.floor"] if row["kind"] == "floor" else "") + target,
                     cause=self._county_cause(f["subject"]))
            age = self._age(f["subject"])
            return text + (w("findings.age_cause", **self._age_fields(age)) if age is not None else "")
        if _is_target(f):
            target = next(t for t in self.data.plan.flagship if t.id == f["subject"])
            return w("findings.strength_flagship", column=target.column, name=target.name, year=self.data.year,
                     value=_whole(f["value"]), unit=target.unit, target=_whole(f["reference"]),
                     share=percent(f["share"]))
        return w("findings.strength_item", **self._item(f["subject"]), first=f["year_from"])

    def say(self, f: pd.Series) -> str:
        return SAYINGS[f["kind"]](self, f)


SAYINGS: dict[str, Callable[[Speaker, pd.Series], str]] = {
    "shortfall": Speaker.shortfall, "decomposition": Speaker.decomposition, "disparity": Speaker.disparity,
    "leading": Speaker.leading, "lumpiness": Speaker.lumpiness, "sensitivity": Speaker.sensitivity,
    "base_check": Speaker.base_check, "evidence": Speaker.evidence, "pattern": Speaker.pattern,
    "strength": Speaker.strength,
}


def problem_findings(data: ReportData) -> pd.DataFrame:
    """The problem findings 存在的问题 states, in the stage's rank: every one of the area except those shown elsewhere
    (report.yaml `problems_elsewhere`: the data accounts of 附录一) and the causes a sentence already carries (an age
    decomposition with its indicator's shortfall)."""
    found = data.own_findings
    shown = found[(found["severity"] == "problem") & ~found["kind"].isin(data.context.report.problems_elsewhere)]
    short = set(shown.loc[(shown["kind"] == "shortfall") & (shown["topic"] == "indicator"), "subject"])
    carried = (shown["kind"] == "decomposition") & shown["subject"].isin(short)
    return shown[~carried]


def problems(data: ReportData) -> list[str]:
    """存在的问题: one sentence per problem finding (problem_findings)."""
    speaker = Speaker(data)
    return [speaker.say(f) for _, f in problem_findings(data).iterrows()]


def achievements(data: ReportData) -> list[tuple[str, list[str]]]:
    """主要成效: the strengths of the area, by the plan's domains (an indicator's category; a 专栏 target by the
    indicator it sums), then the items completed ahead of the target year."""
    speaker = Speaker(data)
    found = speaker.found[speaker.found["kind"] == "strength"]
    plan, headings = data.plan, data.words["plan.domains"]
    targets = {t.id: t.params.get("indicator") for t in plan.flagship}
    parts: dict[str, list[str]] = {headings[d["category"]]: [] for d in plan.domains}
    items = data.words["findings.achievements_items"]
    for _, f in found.iterrows():
        indicator = f["subject"] if f["topic"] == "indicator" else targets.get(f["subject"])
        measured = f["topic"] == "indicator" or _is_target(f)
        heading = headings.get(plan.indicator(indicator).category) if measured and indicator else items
        parts.setdefault(heading or items, []).append(speaker.say(f))
    return [(heading, sentences) for heading, sentences in parts.items() if sentences]
