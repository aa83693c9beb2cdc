"""主要指标完成情况 (indicators): every indicator of the area with its base, target, value (and official figure),
progress and status, the notes on how they are read, the final evaluation's conclusion and trend for the next plan,
and, in a report that looks back, every indicator year by year. Wording: wording.yaml `indicators`, `official`
(cell, note_*), `summary.headline_part`, `period` (indicators_*, year_column, cell, first_met, legend_item,
status_legend)."""

from __future__ import annotations

import math

import pandas as pd
from IPython.display import HTML
from markupsafe import Markup

from helpers.report import findings, look_back
from helpers.report.core import Cell, Report, Section
from helpers.report.findings import number, percent
from helpers.report.official import official_line, official_notes


def render(report: Report, section: Section) -> HTML:
    d, w = report.data, report.w
    years = {"base_year": d.plan.base_year, "target_year": d.plan.target_year, "year": d.year}
    final = d.final
    if d.is_city and final:
        columns = report.columns("indicators.city_columns_final", [5, 23, 7, 9, 10, 9, 8, 9, 8, 12], **years)
    elif d.is_city:
        columns = report.columns("indicators.city_columns", [5, 24, 7, 9, 10, 9, 8, 7, 7, 14], **years)
    else:
        key = "indicators.county_columns_final" if final else "indicators.county_columns"
        columns = report.columns(key, [5, 22, 7, 9, 11, 9, 8, 8, 7, 14], **years)
    rows = []
    for n, (_, r) in enumerate(d.own.iterrows(), start=1):
        places = findings.decimals(d, r["indicator"])
        if d.is_city and final:
            gap = findings.gap(d, r) if r["status"] not in {"met", "missing"} else "—"
            cagr = "—" if math.isnan(r["cagr"]) else percent(r["cagr"] / 100, 1)
            cells = [str(n), r["name"], r["unit"], _base_text(report, r, places), _target_text(report, r, places),
                     _value_text(report, r, places), percent(r["completion"]), gap, cagr,
                     report.status_cell(r["status"], r)]
        elif d.is_city:
            cells = [str(n), r["name"], r["unit"], _base_text(report, r, places), _target_text(report, r, places),
                     _value_text(report, r, places), percent(r["completion"]),
                     "—" if r["kind"] == "floor" else percent(r["tau"]), number(r["ratio"], 2),
                     report.status_cell(r["status"], r)]
        else:
            city_row = report.row(r["indicator"], d.context.areas.city_code)
            cells = [str(n), r["name"], r["unit"], number(r["base_used"], places), _value_text(report, r, places),
                     _target_text(report, city_row, places), percent(r["county_share"], 1), _rank_text(report, r),
                     _county_progress(report, r), report.status_cell(r["status"], r)]
        rows.append(cells)
    table = report.table(w("indicators.table", area_name=d.area_name, year=d.year), columns, rows,
                         css="indicators numbers", row_header=1)  # the first column is a sequence number
    intro = findings.headline(d).sentence
    trend = _trend_table(report) if d.is_city and final else None
    return report.html(section, intro=intro, table=table, notes=_notes(report),
                       conclusion=_conclusion(report) if final else "", trend_table=trend,
                       trend_intro=w("indicators.trend_intro", year=d.year, base_year=d.plan.base_year,
                                     next_year=_next_year(report)) if trend else "",
                       look_back=_look_back(report))


# ---------------------------------------------------------------------- cells
def _base_text(report: Report, row: pd.Series, places: int) -> str:
    """The base progress is measured from, with the plan's own figure beside it where the two differ, and marked *
    where the plan gives none (computed from the data)."""
    used, plan = row["base_used"], row["base_plan"]
    text = number(used, places)
    if math.isnan(used):
        return text
    if math.isnan(plan):
        return report.w("indicators.data_base", base=text)
    if round(plan, places) != round(used, places):
        text += report.w("indicators.plan_base", base=number(plan, places))
    return text


def _target_text(report: Report, row: pd.Series, places: int) -> str:
    if math.isnan(row["target"]):
        return "—"
    w = report.w
    return (w["indicators.floor"] if row["kind"] == "floor" else "") + number(row["target"], places) + \
        (w["indicators.growth"] if row["kind"] == "growth" else "")


def _value_text(report: Report, row: pd.Series, places: int) -> str:
    """The value, with its official figure beneath where there is one (a small sample's n is in its status)."""
    return number(row["value"], places) + official_line(report.data, row["indicator"], places)


def _rank_text(report: Report, row: pd.Series) -> str:
    if math.isnan(row["county_rank"]):
        return "—"
    key = "indicators.rank_tied" if findings.tied(report.data, row) else "indicators.rank"
    return report.w(key, rank=int(row["county_rank"]), count=len(report.data.context.areas.county_codes))


def _county_progress(report: Report, row: pd.Series) -> str:
    """A county's progress against the city target: r in a progress year; in the final evaluation the share
    achieved (P, or X ÷ T for a floor and CAGR ÷ g for a growth target)."""
    if not report.data.final:
        return number(row["ratio"], 2)
    return percent(row["completion"] if not math.isnan(row["completion"]) else row["ratio"])


# ---------------------------------------------------------------------- notes, conclusion and trend
def _notes(report: Report) -> list[str]:
    d, w = report.data, report.w
    own = d.own
    notes = [w["indicators.note"]]
    if d.final:
        notes.append(w("indicators.note_final", basic=percent(d.plan.thresholds["basically_met"]),
                       base_year=d.plan.base_year, year=d.year))
    elif (own["kind"] == "floor").any():
        notes.append(w["indicators.note_floor"])
    if d.is_city:
        basis = d.plan.settings.get("population_rebase", {}).get("basis", "")
        for _, r in own[own["base_kind"] == "rebased"].iterrows():
            places = findings.decimals(d, r["indicator"])
            notes.append(w("indicators.note_rebased", name=r["name"], base_plan=number(r["base_plan"], places),
                           basis=basis, base_rebased=number(r["base_rebased"], places), unit=r["unit"],
                           measures=w[f"indicators.rebased_measures.{'final' if d.final else 'progress'}"]))
        if (own["base_plan"].isna() & own["base_used"].notna()).any():
            notes.append(w("indicators.note_data_base", base_year=d.plan.base_year))
        if not d.final:
            growth = own[own["kind"] == "growth"]
            notes += [w("indicators.note_growth", name=name) for name in growth["name"]]
    else:
        notes.append(w["indicators.note_county"])
        if (own["base_kind"] == "rebased").any():
            notes.append(w("indicators.note_rebased_county", base_year=d.plan.base_year,
                           names=w.join(list(own.loc[own["base_kind"] == "rebased", "name"]))))
    if own["small_sample"].any() or own["county_rank"].notna().any():
        rule = d.plan.settings.get("small_samples") or {}
        notes.append(w("indicators.note_small", min_cases=rule.get("min_cases", 0)))
    return notes + _county_sum_notes(report) + official_notes(d)


def _county_sum_notes(report: Report) -> list[str]:
    """Count indicators whose counties do not add up to the city (city-level records), explained."""
    d, w = report.data, report.w
    county_codes = d.context.areas.county_codes
    notes = []
    for ind in d.plan.indicators:
        if ind.county != "count":
            continue
        city = report.row(ind.id, d.context.areas.city_code)["value"]
        counties = sum(report.row(ind.id, c)["value"] for c in county_codes)
        if math.isnan(city) or math.isnan(counties):
            continue
        gap = findings.shown_difference(city, counties, ind.decimals)
        if gap > 0:
            notes.append(w("indicators.note_county_sum", name=ind.name, unit=findings.in_text(ind.unit, d),
                           counties=number(counties, ind.decimals), city=number(city, ind.decimals),
                           gap=number(gap, ind.decimals)))
    return notes


def _conclusion(report: Report) -> str:
    """The final evaluation's overall sentence on the indicators: how many met, basically met, not met."""
    d, w = report.data, report.w
    counts = findings.status_counts(d)
    parts = w.join([w("summary.headline_part", label=w["statuses"][k], count=n) for k, n in counts.items() if n])
    return w("indicators.conclusion", count=len(d.own), parts=parts, share=findings.achieved_share(d))


def _next_year(report: Report) -> int:
    plan = report.data.plan
    return plan.target_year + (plan.target_year - plan.base_year)


def _trend_table(report: Report) -> Markup:
    """The final evaluation's reference values for the next plan: the target-year value as the new base and the
    value five years on at the whole period's pace (a trend, not a recommended target)."""
    d, w = report.data, report.w
    years = {"base_year": d.plan.base_year, "year": d.year, "next_year": _next_year(report)}
    rows = []
    for _, r in d.own.iterrows():
        places = findings.decimals(d, r["indicator"])
        cagr = "—" if math.isnan(r["cagr"]) else percent(r["cagr"] / 100, 1)
        rows.append([r["name"], r["unit"], number(r["value"], places), cagr, number(r["trend_next"], places)])
    return report.table(w["indicators.trend_table"], report.columns("indicators.trend_columns", [40, 10, 16, 17, 17],
                                                                    **years), rows, css="numbers")


# ---------------------------------------------------------------------- the look back (mid-term and final)
def _look_back(report: Report) -> Markup:
    """The end of the section in a report that looks back: every indicator year by year."""
    table = _period_table(report)
    if table is None:
        return Markup("")
    lead = report.w("period.indicators_intro", span=look_back.span(report), base_year=report.data.plan.base_year)
    return Markup(look_back.block(report, lead=lead, grid=table, legend=_status_legend(report)))


def _period_table(report: Report) -> Markup | None:
    """Every indicator of this area: its base, its value and status in every year of the period, the change and
    CAGR from the base to the last year and the year its target was first met."""
    d, w = report.data, report.w
    if not look_back.in_modes(report, "history_modes"):
        return None
    own = _period_rows(report)
    if own.empty:
        return None
    years = {w("period.year_column", year=y): 9.0 for y in d.period_years}
    name = 100 - 7 - 8 - sum(years.values()) - 8 - 7 - 8  # the name takes what the years leave
    columns = {**report.columns("period.indicator_columns", [name, 7, 8], base_year=d.plan.base_year), **years,
               **report.columns("period.indicator_tail", [8, 7, 8], base_year=d.plan.base_year)}
    rows = []
    for indicator in d.plan.indicators:
        series = own[own["indicator"] == indicator.id].set_index("year")
        if series.empty:
            continue
        last = series.iloc[-1]
        places = indicator.decimals
        cells = [_year_cell(report, series, y, places) for y in d.period_years]
        first_met = w("period.first_met", year=int(last["first_met"])) if pd.notna(last["first_met"]) else \
            w["missing"]
        cagr = w["missing"] if pd.isna(last["cagr"]) else percent(last["cagr"] / 100, 1)
        rows.append([Cell(indicator.name, "text"), indicator.unit, number(last["base"], places), *cells,
                     number(last["change"], places), cagr, first_met])
    return report.table(w("period.indicators_table", area_name=d.area_name, span=look_back.span(report)), columns,
                        rows, css="numbers history")


def _period_rows(report: Report) -> pd.DataFrame:
    """This area's rows of the period's indicators, without a city's indicator in a county (the table above says
    市级指标)."""
    frame = report.data.period["period_indicators"]
    own = frame[frame["area_code"] == report.data.area_code]
    city_only = own.groupby("indicator")["status"].transform(lambda s: (s == "city_only").all())
    return own[~city_only.astype(bool)]


def _year_cell(report: Report, series: pd.DataFrame, year: int, places: int) -> Cell:
    if year not in series.index:
        return Cell(report.w["missing"])
    status = series.loc[year, "status"]
    style = report.data.plan.statuses[status]
    return Cell(report.w("period.cell", value=number(series.loc[year, "value"], places), symbol=style["symbol"]),
                f"status status-{status}", style["color"])


def _status_legend(report: Report) -> str:
    d, w = report.data, report.w
    shown = set(_period_rows(report)["status"])
    legend = w.join([w("period.legend_item", symbol=style["symbol"], label=w["statuses"][key])
                     for key, style in d.plan.statuses.items() if key in shown])
    return w("period.status_legend", legend=legend)
