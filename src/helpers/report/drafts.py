"""Drafts of the evaluators' texts (conclusions.md §4): for every slot a report asks for, a Markdown file built by
rules from the report's findings and the departments' own progress texts, marked as the tool's draft by its front
matter (report.yaml `drafts.status`: `---` / `状态: 初稿` / `---`). Every sentence is the report's own (the findings'
sentences of helpers.report.conclusions, the summary's) or one of wording.yaml `drafts`, with the numbers as the
report prints them; what the data say (names, progress texts) is escaped for Markdown. `python -m helpers draft`
writes a draft where a slot has no file or a file still marked, and never touches a file whose mark was removed;
`review` says which files keep a final render from starting."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from helpers.context import Context
from helpers.files import atomic_write
from helpers.pipeline import Datasets
from helpers.report import assessor
from helpers.report import data as report_data
from helpers.report.conclusions import Speaker, achievements, problem_findings
from helpers.report.core import Report
from helpers.report.findings import (
    achieved_share,
    flagship_sentence,
    headline,
    indicator_fields,
    number,
    percent,
    shown_difference,
)
from helpers.report.look_back import composite_sentence, counts_sentence
from helpers.settings import Report as ReportSettings

_MARKDOWN = re.compile(r"([\\`*_\[\]<>&~|#])")  # what Markdown would read as syntax in a text from the data
_CLAUSE_END = re.compile(r"[。！？；;!?]")


def mark(report: ReportSettings) -> str:
    """The front matter a draft starts with (report.yaml `drafts.status`)."""
    status = report.drafts.status
    return f"---\n{status.key}: {status.draft}\n---\n\n"


# ---------------------------------------------------------------------------------------------- writing
@dataclass(frozen=True)
class Outcome:
    """What `write` did with one slot file: written (there was none, or a blank one), refreshed (a draft, changed),
    unchanged (a draft, the same), kept (the evaluators' own), unreadable (kept, `note` says why), no_rule (a slot
    of report.yaml this module has no rules for)."""

    path: Path
    action: str
    note: str = ""


def write(datasets: Datasets, context: Context, year: int, areas: list[str], folder: Path) -> list[Outcome]:
    """The drafts of the reports of `year` for `areas` into `folder` (`<year>/<area>/<slot>.md`), every slot a
    report of that year's mode asks for; a file that is not a draft is left as it is."""
    slots = assessor.wanted(assessor.Slot.all_of(context.report), context.plan.mode_of(year))
    out = []
    for area in areas:
        drafter = Drafter(report_data.from_datasets(datasets, context, year, area, texts=False))
        for slot in slots:
            path = assessor.slot_path(folder, year, area, slot)
            try:
                text = assessor.read(path, slot)
            except assessor.AssessorError as problem:
                out.append(Outcome(path, "unreadable", str(problem)))
                continue
            if text is not None and not assessor.is_draft(text, context.report):
                out.append(Outcome(path, "kept"))
                continue
            if slot.id not in SLOTS:
                out.append(Outcome(path, "no_rule"))
                continue
            draft = mark(context.report) + drafter.draft(slot.id) + "\n"
            if text is not None and text == draft.strip():
                out.append(Outcome(path, "unchanged"))
                continue
            atomic_write(path, draft)
            out.append(Outcome(path, "written" if text is None else "refreshed"))
    return out


# ---------------------------------------------------------------------------------------------- the drafts
def text(value: object) -> str:
    """A text from the data, or a sentence carrying one, as Markdown shows it: its syntax characters escaped."""
    return _MARKDOWN.sub(r"\\\1", str(value))


def cut(progress: str, chars: int, more: str) -> str:
    """A progress text on one line, cut after the last sentence or clause that ends within `chars` characters (the
    first whole when it is longer), never inside one; `more` marks the cut."""
    line = " ".join(str(progress).split())
    if len(line) <= chars:
        return line
    ends = [m.end() for m in _CLAUSE_END.finditer(line)]
    within = [end for end in ends if end <= chars]
    end = within[-1] if within else next(iter(ends), len(line))
    return line[:end] + (more if end < len(line) else "")


@dataclass(frozen=True)
class Measure:
    """A measure against a problem: the units it is addressed to (the lead first) and its wording (key and fields),
    worded once its addressees are known (the wording's `{also}`: the other units, in a city's draft)."""

    units: tuple[str, ...]
    key: str
    fields: dict[str, object] = field(default_factory=dict)


class Drafter:
    """The drafts of one report's slots, from its data: the report's own sentences (a Report, its Speaker) arranged
    by the rules of report.yaml `drafts`, the departments' texts, and the sentences of wording.yaml `drafts`."""

    def __init__(self, data: report_data.ReportData) -> None:
        self.data, self.w = data, data.words
        self.rules = data.context.report.drafts
        self.speaker, self.report = Speaker(data), Report(data)

    def draft(self, slot: str) -> str:
        """The Markdown of `slot` (report.yaml `assessor_slots`)."""
        return "\n\n".join(SLOTS[slot](self))

    # -------------------------------------------------------------- what the drafts share
    @property
    def _span(self) -> str:
        """"2021—2025年" in a mid-term or final report (it looks back over the period), "2024年" in an annual one."""
        d = self.data
        if d.plan.mode_of(d.year) == "annual":
            return self.w("findings.span", span=d.year)
        return self.w("drafts.period", first_year=d.plan.base_year + 1, year=d.year)

    def _row(self, indicator: str) -> pd.Series:
        own = self.data.own
        return own[own["indicator"] == indicator].iloc[0]

    def _item(self, item_id: str) -> str:
        return self.w("findings.item", **self.speaker._item(item_id))

    def _departments(self, item_id: str | None) -> tuple[str, ...]:
        """The units the plan names for an item (lead first); none for an unknown one."""
        catalogue = self.data.context.plan_items
        return catalogue.item(item_id).departments if item_id in catalogue.ids else ()

    def _task(self, subject: str) -> str | None:
        """The plan item answering for an indicator or another subject (indicators.yaml `indicator_tasks`,
        `subject_tasks`)."""
        settings = self.data.plan.settings
        tasks = {**(settings.get("subject_tasks") or {}), **(settings.get("indicator_tasks") or {})}
        return tasks.get(subject)

    @property
    def _county_addressee(self) -> str:
        government = self.data.context.plan_items.county_departments.get(self.data.area_code, self.data.area_name)
        return self.w("drafts.county_addressee", government=government)

    def _numbered(self, sentences: list[str]) -> str:
        return "\n".join(f"{n}. {text(sentence)}" for n, sentence in enumerate(sentences, 1))

    @property
    def _judged(self) -> pd.DataFrame:
        """The area's indicators with a judgement: a status not in report.yaml `drafts.unjudged`, not from a small
        sample (conclusions.md §2)."""
        own = self.data.own
        return own[~own["status"].isin(self.rules.unjudged) & ~own["small_sample"].astype(bool)]

    @property
    def _good(self) -> pd.DataFrame:
        """The judged indicators in a good status (report.yaml `drafts.good`), in the plan's order."""
        judged = self._judged
        return judged[judged["status"].isin(self.rules.good)]

    def _verdict(self) -> str | None:
        """The first level of report.yaml `drafts.verdicts` whose statuses cover its share of the judged indicators."""
        judged = self._judged["status"]
        if judged.empty:
            return None
        levels = self.rules.verdicts["final" if self.data.final else "progress"]
        return next(level.verdict for level in levels
                    if judged.isin(level.statuses).mean() >= level.share or not level.statuses)

    def _rise(self, row: pd.Series) -> str | None:
        """"…由2020年的2.02件提升至2025年的3.20件，年均增长9.6%" when the value (as printed) rose on its base; the
        annual rate in the final evaluation, the only report that prints it."""
        d, w = self.data, self.w
        places = d.plan.indicator(row["indicator"]).decimals
        if math.isnan(row["base_used"]) or shown_difference(row["value"], row["base_used"], places) <= 0:
            return None
        cagr = w("drafts.rise_cagr", cagr=percent(row["cagr"] / 100, 1)) \
            if d.final and not math.isnan(row["cagr"]) else ""
        return w("drafts.rise", **indicator_fields(d, row)) + cagr

    # -------------------------------------------------------------- 总体评价
    def overall(self) -> list[str]:
        """The verdict, the numbers that carry it (the summary's sentences), the largest rises, the first problems of
        indicators and 专栏 as the cause, and who acts next."""
        d, w, report = self.data, self.w, self.report
        verdict = self._verdict()
        lead = [w("drafts.verdict", area_name=d.area_name, verdict=w[f"drafts.verdicts.{verdict}"])] if verdict else []
        lead.append(headline(d).sentence)
        if d.final:
            lead.append(w("summary.achieved_share", share=achieved_share(d)))
        if d.is_city:
            lead += [flagship_sentence(d), counts_sentence(report), composite_sentence(report)]
        paragraphs = ["".join(lead)]
        rises = [rise for _, row in self._good.iterrows() if (rise := self._rise(row))]
        if rises:
            paragraphs.append(w("drafts.rises", rises=w["drafts.separator"].join(rises[: self.rules.rises])))
        problems = problem_findings(self.data)
        first = problems[problems["topic"].isin(["indicator", "flagship"])].head(self.rules.problems)
        if len(first):
            paragraphs.append(w["drafts.problems"] + "".join(self.speaker.say(f) for _, f in first.iterrows()))
        addressees = list(self._measures())
        if addressees:
            paragraphs.append(self._next(addressees))
        return [text(paragraph) for paragraph in paragraphs]

    def _next(self, addressees: list[str]) -> str:
        """Who acts next: the units the measures are addressed to, in the years left (the next plan's in a final
        report)."""
        d, w = self.data, self.w
        if d.final:
            return w("drafts.next_final", departments=w.join(addressees))
        first, last = d.year + 1, d.plan.target_year
        years = w("drafts.period", first_year=first, year=last) if first < last else w("findings.span", span=last)
        return w("drafts.next_progress", departments=w.join(addressees), years=years)

    # -------------------------------------------------------------- 主要成效
    def achievements(self) -> list[str]:
        """By the plan's domains: each indicator in a good status (a clause of wording `drafts.status_clauses`) with
        its rise, then the strengths as 主要成效 states them; then the items completed ahead of time."""
        d, w = self.data, self.w
        headings = w["plan.domains"]
        found = self.speaker.found
        strong = set(found.loc[(found["kind"] == "strength") & (found["topic"] == "indicator"), "subject"])
        parts: dict[str, list[str]] = {headings[domain["category"]]: [] for domain in d.plan.domains}
        for _, row in self._good.iterrows():
            if row["indicator"] in strong or row["category"] not in headings:
                continue
            fields = indicator_fields(d, row)
            clause = w(f"drafts.status_clauses.{'reached' if row['kind'] == 'floor' else row['status']}", **fields)
            parts[headings[row["category"]]].append((self._rise(row) or w("sentence.value", **fields)) + clause
                                                    + w["sentence.end"])
        for heading, sentences in achievements(d):
            parts.setdefault(heading, []).extend(sentences)
        shown = [(heading, sentences) for heading, sentences in parts.items() if sentences]
        if not shown:
            return [text(w("findings.achievements_none", year=d.year,
                           margin=percent(d.context.findings["strength"]["margin"])))]
        out = [text(w("drafts.achievements_intro", period=self._span, area_name=d.area_name))]
        for n, (heading, sentences) in enumerate(shown, 1):
            out += [w("drafts.heading", heading=text(w("subnumbered", numeral=w.numeral(n), title=heading))),
                    text("".join(sentences))]
        return out

    # -------------------------------------------------------------- 经验做法
    def practices(self) -> list[str]:
        """The items verified 已完成 in the year with their evidence found, each in its department's own words (the
        city's units in the city's report, the county government in a county's), in the plan's order."""
        d, w, limits = self.data, self.w, self.rules.practices
        rows = d.task("task_departments")
        done = rows[(rows["verified_grade"] == "completed") & (rows["evidence_listed"] > 0)
                    & (rows["evidence_missing"].fillna("") == "") & rows["progress"].notna()]
        government = d.context.plan_items.county_departments.get(d.area_code)
        done = done[done["department"] == government] if not d.is_city else \
            done[done["area_code"] == d.context.areas.city_code]
        order = {item: n for n, item in enumerate(d.context.plan_items.ids)}
        done = done.assign(_order=done["item"].map(order)).sort_values(["_order", "department"], kind="stable")
        if done.empty:
            return [text(w("drafts.practices_none", period=self.w("findings.span", span=d.year),
                           area_name=d.area_name))]
        shown = done.head(limits.limit)
        lines = [w("drafts.practice", department=text(r["department"]), item=text(self._item(r["item"])), year=d.year,
                   progress=text(cut(r["progress"], limits.chars, w["plan_items.more"])))
                 for _, r in shown.iterrows()]
        intro = w("drafts.practices_intro", period=self.w("findings.span", span=d.year), area_name=d.area_name)
        return [text(intro), "\n".join(f"- {line}" for line in lines)]

    # -------------------------------------------------------------- 问题与原因
    def causes(self) -> list[str]:
        """Every problem 存在的问题及原因 states, ranked, each with the cause another finding gives."""
        d, w = self.data, self.w
        sentences = [self.speaker.say(f) for _, f in problem_findings(self.data).iterrows()]
        if not sentences:
            return [text(w["problems.none_final" if d.final else "problems.none"])]
        return [text(w["findings.problems_intro"]), self._numbered(sentences)]

    # -------------------------------------------------------------- 对策建议
    def measures(self) -> list[str]:
        """One measure per problem, addressed to the unit the plan names first for what it concerns (the others
        named with it); in a county's report every measure is the county government's and its departments'."""
        d, w = self.data, self.w
        measures = self._measures()
        if not measures:
            return [text(w["drafts.measures_none"])]
        if not d.is_city:
            addressee = self._county_addressee
            return [text(w("drafts.measures_intro_county", addressee=addressee)),
                    self._numbered(measures[addressee])]
        out = [text(w["drafts.measures_intro"])]
        for n, (unit, actions) in enumerate(measures.items(), 1):
            out += [w("drafts.heading", heading=text(w("subnumbered", numeral=w.numeral(n), title=unit))),
                    self._numbered(actions)]
        return out

    def _measures(self) -> dict[str, list[str]]:
        """The measures of the area's problem findings (a county's own: not the city's data), by addressee, each
        once, in the findings' rank."""
        d = self.data
        found = d.own_findings
        found = found[found["severity"] == "problem"]
        if not d.is_city:
            found = found[found["area_code"] == d.area_code]
        out: dict[str, list[str]] = {}
        for _, f in found.iterrows():
            measure = MEASURES.get(f["kind"], Drafter._data_measure)(self, f)
            units = measure.units
            lead = units[0] if units and d.is_city else \
                self._county_addressee if not d.is_city else self.w["drafts.addressee_unknown"]
            also = self.w("drafts.also", departments=self.w.join(list(units[1:]))) if d.is_city and units[1:] else ""
            sentence = self.w(measure.key, also=also, **measure.fields)
            if sentence not in out.setdefault(lead, []):
                out[lead].append(sentence)
        return out

    def _measure(self, key: str, owner: str | None, **fields: object) -> Measure:
        """The measure of wording `drafts.measures.<key>`, addressed to the units of the item `owner`."""
        return Measure(self._departments(owner), f"drafts.measures.{key}", fields)

    def _shortfall_measure(self, f: pd.Series) -> Measure:
        w = self.w
        if f["topic"] == "indicator" and f["code"] == "missing":
            return self._measure("indicator_missing", self._task("data"),
                                 **indicator_fields(self.data, self._row(f["subject"])))
        if f["topic"] == "indicator":
            row = self._row(f["subject"])
            advice = w.get(f"plan.recommendations.indicators.{f['subject']}") or w["drafts.measures.indicator_default"]
            return self._measure("indicator", self._task(f["subject"]), name=row["name"],
                                 label=w["statuses"][row["status"]], advice=advice)
        if f["topic"] == "flagship" and pd.notna(f["reference"]):
            fields = self._target_fields(f)
            item = next((i.id for i in self.data.context.plan_items.items
                         if i.kind == "flagship" and i.column == fields["column"]), None)
            return self._measure("flagship", item, **fields)
        if f["topic"] == "policy":
            return self._measure("policy", f["subject"], document=self._document(f), id=f["subject"])
        return self._measure(f"items.{f['code']}", f["subject"], item=self._item(f["subject"]), year=self.data.year)

    def _target_fields(self, f: pd.Series) -> dict[str, object]:
        """A 专栏 target's finding as its sentences print it: 专栏 number, name, year, value, unit, target (counted)."""
        target = next(t for t in self.data.plan.flagship if t.id == f["subject"])
        return {"column": target.column, "name": target.name, "year": self.data.year, "value": number(f["value"], 0),
                "unit": target.unit, "target": number(f["reference"], 0)}

    def _document(self, f: pd.Series) -> str:
        """The document a policy finding's commitment promised (《…》), or the commitment's text."""
        commitment = self.data.context.plan_items.item(f["subject"]).commitments[int(f["count"]) - 1]
        return self.w("findings.document", name=commitment.document) if commitment.document else commitment.text

    def _evidence_measure(self, f: pd.Series) -> Measure:
        return Measure((f["subject"],), "drafts.measures.evidence", {"items": self.w.join(str(f["code"]).split(","))})

    def _pattern_measure(self, f: pd.Series) -> Measure:
        item = f["subject"] if f["subject"] in self.data.context.plan_items.ids else None
        units = self._departments(item) if item else (f["subject"],)
        subject = self._item(item) if item else f["subject"]
        return Measure(units, f"drafts.measures.patterns.{f['code']}", {"subject": subject})

    def _indicator_measure(self, f: pd.Series) -> Measure:
        """A disparity, an age decomposition or a lumpy sum: the measure of its kind, to the indicator's units."""
        return self._measure(f["kind"], self._task(f["subject"]), name=self._row(f["subject"])["name"])

    def _leading_measure(self, f: pd.Series) -> Measure:
        return self._measure("leading", self._task(f["subject"]), name=self.w[f"findings.measures.{f['subject']}.name"],
                             year_from=f["year_from"], year_to=f["year_to"])

    def _data_measure(self, f: pd.Series) -> Measure:
        """A finding on the data (base check, sensitivity, rejected rows, unreadable files): the plan's advice on
        data, to the monitoring's units."""
        return Measure(self._departments(self._task("data")), "plan.recommendations.data")

    # -------------------------------------------------------------- 规划调整建议 (mid-term)
    def adjustments(self) -> list[str]:
        """What the mid-term findings suggest adjusting: targets behind (with what reaching them takes) or met early,
        专栏 targets behind, items and policies late, with their units."""
        d, w = self.data, self.w
        found = problem_findings(self.data)
        sentences = []
        for _, f in found[found["kind"] == "shortfall"].iterrows():
            if f["topic"] == "indicator" and self._row(f["subject"])["status"] != "missing":
                row = self._row(f["subject"])
                sentences.append(w("drafts.adjustments.behind", label=w["statuses"][row["status"]],
                                   **indicator_fields(d, row)))
            elif f["topic"] == "flagship" and pd.notna(f["reference"]):
                sentences.append(w("drafts.adjustments.flagship", label=w["statuses"][f["code"]],
                                   **self._target_fields(f)))
            elif f["topic"] == "policy":
                sentences.append(w("drafts.adjustments.policy", id=f["subject"], document=self._document(f),
                                   departments=w.join(list(self._departments(f["subject"])))))
            elif f["topic"] in ("task", "flagship"):
                sentences.append(w("drafts.adjustments.item", item=self._item(f["subject"]),
                                   grade_text=w[f"findings.grade_texts.{f['code']}"],
                                   departments=w.join(list(self._departments(f["subject"])))))
        found = self.speaker.found
        early = found[(found["kind"] == "strength") & (found["topic"] == "indicator")]
        sentences += [w("drafts.adjustments.ahead", **indicator_fields(d, self._row(s))) for s in early["subject"]
                      if self._row(s)["status"] == "met"]
        if not sentences:
            return [text(w["drafts.adjustments_none"])]
        return [text(w["drafts.adjustments_intro"]), self._numbered(sentences)]

    # -------------------------------------------------------------- “十五五”规划编制建议 (final)
    def next_plan(self) -> list[str]:
        """Per indicator, up to three references for the next plan's target year — the period's trend, half the gap
        to the province's value, the province's own target — and its units; then the risks found for the next plan."""
        d, w = self.data, self.w
        next_year = d.plan.target_year + (d.plan.target_year - d.plan.base_year)
        province = d.context.official.regions[d.context.official.province_code]
        lines = []
        for _, row in d.own.iterrows():
            if row["status"] == "city_only" or math.isnan(row["value"]):
                continue
            fields = indicator_fields(d, row)
            references = self._references(row, fields["unit"], province) or [w["drafts.references.none"]]
            units = self._departments(self._task(row["indicator"]))
            units = w("drafts.next_plan_units", departments=w.join(list(units)) or w["drafts.addressee_unknown"]) \
                if d.is_city else ""
            lines.append(w("drafts.next_plan_item", name=text(row["name"]), year=d.year, value=fields["value"],
                           unit=fields["unit"], label=w["statuses"][row["status"]],
                           references=text(w["drafts.separator"].join(references))) + text(units))
        out = [text(w("drafts.next_plan_intro", next_year=next_year, year=d.year, base_year=d.plan.base_year,
                      province=province)), "\n".join(f"- {line}" for line in lines)]
        if not d.is_city:
            out.append(text(w("drafts.next_plan_county", addressee=self._county_addressee)))
        found = self.speaker.found
        risks = [self.speaker.say(f) for _, f in found[found["kind"] == "leading"].iterrows()]
        return out + ([text(w["drafts.next_plan_risks"]), self._numbered(risks)] if risks else [])

    def _references(self, row: pd.Series, unit: str, province: str) -> list[str]:
        """The references of one indicator that the data allow: the trend (none for a percentage beyond 100), the
        catch-up on the province (when its official figure for the year is above the area's value, for a measure
        comparable across areas), the province's target (indicators.yaml `province_targets`)."""
        d, w = self.data, self.w
        places = d.plan.indicator(row["indicator"]).decimals
        out = []
        if not math.isnan(row["trend_next"]) and not (row["unit"] == "%" and row["trend_next"] > 100):
            out.append(w("drafts.references.trend", trend=number(row["trend_next"], places), unit=unit))
        bench = d.official["benchmark"]
        bench = bench[(bench["measure"] == row["indicator"]) & (bench["year"] == d.year) & bench["intensive"]
                      & bench["province"].notna()]
        if len(bench) and bench["province"].iloc[0] > row["value"]:
            level = float(bench["province"].iloc[0])
            out.append(w("drafts.references.catch_up", value=number(row["value"] + (level - row["value"]) / 2, places),
                         unit=unit, province=province, year=d.year, province_value=number(level, places)))
        target = (d.plan.settings.get("province_targets") or {}).get(row["indicator"])
        if target:
            out.append(w("drafts.references.province_target", value=number(target["value"], places), unit=unit,
                         document=target["document"], year=target["year"]))
        return out


SLOTS: dict[str, Callable[[Drafter], list[str]]] = {
    "overall": Drafter.overall, "achievements": Drafter.achievements, "practices": Drafter.practices,
    "causes": Drafter.causes, "measures": Drafter.measures, "adjustments": Drafter.adjustments,
    "next_plan": Drafter.next_plan,
}
MEASURES: dict[str, Callable[[Drafter, pd.Series], Measure]] = {
    "shortfall": Drafter._shortfall_measure, "evidence": Drafter._evidence_measure,
    "pattern": Drafter._pattern_measure, "disparity": Drafter._indicator_measure,
    "decomposition": Drafter._indicator_measure, "lumpiness": Drafter._indicator_measure,
    "leading": Drafter._leading_measure,
}
