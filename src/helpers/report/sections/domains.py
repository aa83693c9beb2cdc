"""三、分领域评估 (domains), one subsection per domain of the plan (indicators.yaml `domains`): the sentence of each of
its indicators and the charts its `charts` name (CHARTS). Wording: plan_wording.yaml `plan.domains`, wording.yaml
`subnumbered`, `charts` (captions and titles)."""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd
from IPython.display import HTML
from markupsafe import Markup

from helpers.indicators import Indicator
from helpers.report import findings
from helpers.report.charts import Comparison, Trajectory
from helpers.report.core import Report, Section


def render(report: Report, section: Section) -> HTML:
    """Subsection `section.domain` (1-based, in the order of the plan's `domains`)."""
    d, n = report.data, section.domain
    spec = d.plan.domains[n - 1]
    heading = report.w["plan.domains"][spec["category"]]
    indicators = report.indicators(spec["category"])
    sentences = [findings.indicator_sentence(d, report.row(i.id)) for i in indicators]
    figures = [figure for kind in spec["charts"] if (figure := CHARTS[kind](report, indicators, heading)) is not None]
    return report.html(section, first=n == 1, parent_heading=section.heading, anchor=f"domain-{n}",
                       heading=report.domain_heading(n), sentences=sentences, figures=figures)


def _trajectory(report: Report, indicators: list[Indicator], heading: str) -> Markup | None:
    d = report.data
    panels = []
    for ind in indicators:
        row = report.row(ind.id)
        history = d.history(ind.id)
        if row["status"] == "city_only" or history.dropna().empty:
            continue
        base = None if math.isnan(row["base_used"]) else float(row["base_used"])
        target = None if math.isnan(row["target"]) else float(row["target"])
        plan_base = row["base_data"] if row["base_kind"] == "rebased" else None
        panels.append(Trajectory(ind.name, ind.unit, history, d.plan.base_year, d.plan.target_year, base, target,
                                 ind.kind, ind.decimals, path=not d.final, plan_base=plan_base))
    if not panels:
        return None
    # the caption names what is drawn: the 序时进度 path, else the targets, else the values alone
    key = "charts.trajectory" if any(p.draws_path for p in panels) else \
        "charts.trajectory_targets" if any(p.target is not None for p in panels) else "charts.trajectory_values"
    return report.figure("trajectories", (panels,), report.charts.trajectories_table(panels),
                         report.w(key, area_name=d.area_name, heading=heading, base_year=d.plan.base_year,
                                  year=d.year))


def _counties(report: Report, indicators: list[Indicator], heading: str) -> Markup | None:
    d = report.data
    names = d.context.areas.names
    panels = []
    for ind in indicators:
        if ind.county == "city_only":
            continue
        rows = {names[c]: report.row(ind.id, c) for c in d.context.areas.county_codes}
        values = pd.Series({name: row["value"] for name, row in rows.items()})
        if values.dropna().empty:
            continue
        reference = ind.target if ind.county == "rate" else None
        small = {name: int(row["rows"]) for name, row in rows.items() if row["status"] == "small_sample"}
        panels.append(Comparison(ind.name, ind.unit, values, None if d.is_city else d.area_name, reference,
                                 decimals=ind.decimals, small=small))
    if not panels:
        return None
    return report.figure("comparisons", (panels,), report.charts.comparisons_table(panels),
                         report.w("charts.counties", year=d.year, heading=heading))


def _high_value(report: Report, indicators: list[Indicator], heading: str) -> Markup | None:
    d = report.data
    table = d.high_value
    table = table[(table["area_code"] == d.area_code) & (table["year"] <= d.year)]
    if table.empty or not table["count"].sum():
        return None
    return report.figure("criteria", (table, report.w["charts.high_value_title"]),
                         report.charts.criteria_table(table), report.w("charts.high_value", area_name=d.area_name))


def _pledges(report: Report, indicators: list[Indicator], heading: str) -> Markup | None:
    d, w = report.data, report.w
    pledge = next((i for i in indicators if i.compute == "sum_in_year" and i.params.get("table") == "pledges"), None)
    if pledge is None:
        return None
    series = d.history(pledge.id)
    if series.dropna().empty:
        return None
    cumulative = next((f for f in d.plan.flagship if f.params.get("indicator") == pledge.id
                       and f.compute == "cumulative_since"), None)
    if cumulative is None or not d.is_city:  # the yearly amounts alone are the trajectory's panel already
        return None
    since = cumulative.params["since"]
    title = w("charts.cumulative_title", name=pledge.name, since=since)
    target = cumulative.target
    return report.figure("cumulative", (series, since, target, title, pledge.unit),
                         report.charts.cumulative_table(series, since, target, pledge.unit, pledge.decimals),
                         w("charts.pledges", area_name=d.area_name, name=pledge.name, unit=pledge.unit, since=since))


def _visitors(report: Report, indicators: list[Indicator], heading: str) -> Markup | None:
    d, w = report.data, report.w
    visitors = next((i for i in indicators if i.compute == "web_visitors"), None)
    if visitors is None or not d.is_city:
        return None
    months = d.visitors_by_month()
    if not months.sum():
        return None
    unit = w["charts.visitors_unit"]
    return report.figure("months", (months, w("charts.visitors_title", year=d.year), unit),
                         report.charts.months_table(months, unit), w("charts.visitors", year=d.year))


CHARTS: dict[str, Callable[[Report, list[Indicator], str], Markup | None]] = {
    "trajectory": _trajectory, "counties": _counties, "high_value": _high_value, "pledges": _pledges,
    "visitors": _visitors,
}
