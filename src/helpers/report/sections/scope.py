"""一、评估说明 (scope): the plan and the period, the method (indicators, and the items' verification and scores; the
period grade in a report that looks back), the data read with its sources' table, and the 基期数据核对 of the plan's
own base figures. Wording: wording.yaml `scope`, `plan_items.method*`, `period.method*`, `findings` (base_*,
coverage*), `table_label`."""

from __future__ import annotations

from IPython.display import HTML
from markupsafe import Markup

from helpers.cleaning import OUTCOMES
from helpers.report import look_back
from helpers.report.conclusions import Speaker, fact_number, signed_percent
from helpers.report.core import Report, Section
from helpers.report.data import OFFICIAL_SOURCE
from helpers.report.findings import percent
from helpers.tasks import GRADES


def render(report: Report, section: Section) -> HTML:
    d, w = report.data, report.w
    per_source = d.rows_by_source()
    files = d.account("files").groupby("source").size()
    used = {s: w.join([i.id for i in d.plan.indicators if s in i.sources]) for s in per_source.index}
    rows = [[d.source_title(s), str(files.get(s, 0)), f"{r['rows_in']:,}", f"{r['clean']:,}",
             f"{r['rejected']:,}", used[s] or w[_used_by(s)]] for s, r in per_source.iterrows()]
    missing = [s for s in d.manifest.get("missing_sources") or [] if s in d.sources]
    rows += [[d.source_title(s), "0", "—", "—", "—", w["scope.not_supplied"]] for s in missing]
    table = report.table(report.scoped("scope.table"), report.columns("scope.columns", [30, 9, 13, 13, 11, 24]),
                         rows, css="numbers")
    mode = d.plan.mode_of(d.year)
    return report.html(
        section, plan_title=d.plan.title, base_year=d.plan.base_year, target_year=d.plan.target_year,
        area_name=d.area_name, year=d.year, indicator_count=len(d.plan.indicators),
        period=w(f"scope.period.{mode}", start=d.plan.base_year + 1, year=d.year),
        evaluation=w[f"scope.evaluation.{mode}"], data_sentence=_data_sentence(report),
        flagship_count=len(d.plan.flagship), item_count=len(d.context.plan_items.items), is_city=d.is_city,
        item_method=_item_method(report), sources_table=table, span=d.plan.target_year - d.plan.base_year,
        sources=report.area_text("scope.sources", cutoff=d.cutoff, table_label=w("table_label", number=report.tables)),
        tau=percent(d.tau), on_track=d.plan.thresholds["on_track"], lagging=d.plan.thresholds["lagging"],
        final=d.final, basic=percent(d.plan.thresholds["basically_met"]), **_base_check(report))


def _data_sentence(report: Report) -> str:
    """What cleaning read (files, rows and their outcomes)."""
    d = report.data
    files = d.account("files")
    broken = int((files["status"] == "rejected").sum()) if not files.empty else 0
    totals = d.rows_by_source().sum()
    counts = {k: f"{totals[k]:,}" for k in ["rows_in", *OUTCOMES]}
    text = report.area_text("scope.data", files=len(files), **counts)
    appendix = report.appendices()["quality"]
    return text + (report.w("scope.data_broken", broken=broken, appendix=appendix) if broken
                   else report.w("scope.data_ok", appendix=appendix))


def _used_by(source: str) -> str:
    """What a source that feeds no indicator is read for: official figures, else the 专栏 targets."""
    return "scope.used_by_official" if source == OFFICIAL_SOURCE else "scope.used_by_flagship"


def _item_method(report: Report) -> list[str]:
    """How items are verified and scored, from the assessment's configuration; in a report that looks back, how
    their history is read and (final) how the period grade is given."""
    d, w = report.data, report.w
    if not d.context.plan_items.items:
        return []
    conf = d.context.assessment
    weights = w.join([f"{w['sections'][part]['toc'] if part in w['sections'] else part} {conf['weights'][part]}"
                      for part in ("indicators", "tasks", "policies", "safeguards")])
    points = conf["points"]
    lines = [w("plan_items.method", on_track=conf["on_track_ratio"]),
             w("plan_items.method_scores", completed=points["completed"], on_track=points["on_track"],
               on_track_final=conf.get("final_points", {}).get("on_track", points["on_track"]),
               lagging=points["lagging"], weights=weights)]
    if not look_back.looks_back(report):
        return lines
    period = conf["period"]
    history = w("period.method_history", regression=w.join([w["grades"][g] for g in GRADES
                                                               if g in period["reported_lower"]]),
                not_reported=period["chronic"]["not_reported"], unverified=period["chronic"]["unverified"])
    if not look_back.period_graded(report):
        return [*lines, history, w["period.method_midterm"]]
    points = period["points"]
    return [*lines, w("period.method", span=look_back.span(report), end=d.year, base_year=d.plan.base_year,
                      basic=percent(d.plan.thresholds["basically_met"]), share=percent(period["basic_share"]),
                      completed=points["completed"], basic_points=points["basic"],
                      unfinished=points["unfinished"]), history]


def _base_check(report: Report) -> dict[str, object]:
    """The 基期数据核对: in the city report, a table of every plan figure checked, with a warning per gap; in a
    county report, the warnings alone (the figures are the city's)."""
    d, w = report.data, report.w
    found = d.own_findings
    checks = found[found["kind"] == "base_check"]
    if checks.empty:
        return {"base_check": None, "base_intro": "", "base_warnings": []}
    speaker = Speaker(d)
    warnings = [w("findings.coverage" if d.is_city else "findings.coverage_county", text=speaker.say(f))
                for _, f in checks[checks["severity"] == "problem"].iterrows()]
    if not d.is_city:
        return {"base_check": None, "base_intro": "", "base_warnings": warnings}
    facts = {fact["id"]: fact for fact in d.context.plan_facts}
    rows = [[facts[f["code"]]["label"], speaker.span(f),
             fact_number(f["reference"], facts[f["code"]]) + facts[f["code"]]["unit"],
             fact_number(f["value"], facts[f["code"]]) + facts[f["code"]]["unit"], signed_percent(f["ratio"]),
             w[f"findings.base_results.{f['severity']}"]] for _, f in checks.iterrows()]
    table = report.table(w["findings.base_table"], report.columns("findings.base_columns", [30, 14, 15, 15, 10, 16]),
                         rows, css="numbers")
    intro = w("findings.base_intro", count=len(checks), base_year=d.plan.base_year,
              table_label=w("table_label", number=report.tables),
              tolerance=percent(d.context.findings["base_check"]["tolerance"]))
    return {"base_check": Markup(table), "base_intro": intro, "base_warnings": warnings}
