"""对标分析 (benchmark, city report): the city's official figures ranked among its peer cities, beside the province's
and the nation's, the ranking goal's judgement and a chart of the peers' values. Reads the official stage's datasets
(helpers.official.stage). Wording: wording.yaml `official` (intro, table, columns, rank*, leading, beside,
difference, share, judgement*, basis_note, documents_note, chart*, county, no_peers, missing)."""

from __future__ import annotations

import math

import pandas as pd
from IPython.display import HTML
from markupsafe import Markup

from helpers.report.charts import Comparison
from helpers.report.core import Report, Section
from helpers.report.findings import number, percent
from helpers.report.official import crosscheck
from helpers.report.task_words import goal_outcome


def render(report: Report, section: Section) -> HTML:
    d, w = report.data, report.w
    leading = d.context.official.leading
    if not d.is_city:
        return report.html(section, lines=[w("official.county", city=d.context.areas.city_name)])
    if not d.context.official.peers:
        return report.html(section, lines=[w["official.no_peers"]])
    frame = d.official["benchmark"]
    rows = frame[frame["year"] == d.year]
    if rows.empty:
        return report.html(section, lines=[w("official.missing", min_ranked=leading.get("min_ranked", 0))])
    table = _table(report, rows)
    figure = _chart(report, rows)
    goal = d.task("goals")
    goal = goal[goal["rule"] == "ranking"]
    counted = rows[rows["counted"].astype(bool)]
    if len(goal) and len(counted):
        judgement = w("official.judgement", area_name=d.area_name, counted=len(counted), goal=goal.iloc[0]["text"],
                      leading=int(counted["leading"].astype(bool).sum()), outcome=goal_outcome(goal.iloc[0], w))
    else:
        judgement = w("official.judgement_none", goal=goal.iloc[0]["text"]) if len(goal) else None
    notes = [w("official.basis_note", top_rank=leading.get("top_rank"), min_ranked=leading.get("min_ranked"),
               top_share=percent(leading.get("top_rank", 0) / max(len(d.context.official.peers), 1))),
             w("official.documents_note", documents=_documents(report, rows))]
    return report.html(section, lines=[w("official.intro", year=d.year, area_name=d.area_name)], table=table,
                       notes=notes, figure=figure, judgement=judgement)


def _table(report: Report, rows: pd.DataFrame) -> Markup:
    d, w = report.data, report.w
    decimals = {i.id: i.decimals for i in d.plan.indicators}
    body = []
    for _, r in rows.iterrows():
        places = decimals.get(r["measure"], 0)
        rank = "—" if math.isnan(r["rank"]) else w("official.rank_tied" if r["tied"] else "official.rank",
                                                    rank=int(r["rank"]), ranked=int(r["ranked"]))
        lead = w["official.leading"][bool(r["leading"])] if r["counted"] else w["official.leading"]["none"]
        body.append([r["name"], r["unit"], number(r["value"], places) + _beside(report, r, places), rank,
                     number(r["province"], places), _compared(report, r, "province", places),
                     number(r["nation"], places), _compared(report, r, "nation", places), lead])
    return report.table(w("official.table", area_name=d.area_name, year=d.year),
                        report.columns("official.columns", [22, 7, 10, 10, 11, 11, 10, 10, 9], area_name=d.area_name),
                        body, css="numbers")


def _beside(report: Report, row: pd.Series, places: int) -> str:
    """The city's other value under the one it is ranked on (its official figure where the evaluation used the
    computed value, the computed value where it used the official figure), where the two print differently."""
    checked = crosscheck(report.data)
    if row["measure"] not in checked.index:
        return ""
    other = checked.loc[row["measure"], "official" if row["basis"] == "computed" else "computed"]
    if pd.isna(other) or number(other, places) == number(row["value"], places):
        return ""
    return "\n" + report.w(f"official.beside.{row['basis']}", value=number(other, places))


def _compared(report: Report, row: pd.Series, part: str, places: int) -> str:
    """A rate's difference from the province's or nation's value; a total's share of it."""
    if math.isnan(row[part]):
        return "—"
    if row["intensive"]:
        gap = row[f"gap_{part}"]
        return report.w("official.difference", sign="+" if gap > 0 else "", value=number(gap, places))
    return report.w("official.share", share=percent(row[f"share_{part}"], 2))


def _documents(report: Report, rows: pd.DataFrame) -> str:
    figures = report.data.official["official"]
    used = figures[(figures["year"] == report.data.year) & (figures["status"] == "ok")
                   & figures["measure"].isin(rows["measure"])]
    return report.w.join(sorted(used["document"].unique()))


def _chart(report: Report, rows: pd.DataFrame) -> Markup | None:
    """Each measure's peer values as bars, the city hatched; the province's value as a line where it is on the scale
    of the cities' (a rate)."""
    d, w = report.data, report.w
    official = d.context.official
    figures = d.official["official"]
    decimals = {i.id: i.decimals for i in d.plan.indicators}
    panels = []
    for _, r in rows.iterrows():
        peers = figures[(figures["measure"] == r["measure"]) & (figures["year"] == d.year)
                        & (figures["status"] == "ok") & figures["region_code"].isin(list(official.peers))
                        & (figures["region_code"] != d.area_code)]
        values = pd.Series(dict(zip(peers["region_name"], peers["value"], strict=True)) | {d.area_name: r["value"]})
        if values.dropna().size < 2:
            continue
        province = r["province"]
        on_scale = r["intensive"] and not math.isnan(province) and province <= 2 * values.max()
        panels.append(Comparison(r["name"], r["unit"], values, d.area_name, province if on_scale else None,
                                 w["official.chart_reference"], decimals.get(r["measure"], 0)))
    if not panels:
        return None
    return report.figure("comparisons", (panels,), report.charts.comparisons_table(panels),
                         w("official.chart", year=d.year, heading=w["official.chart_heading"], area_name=d.area_name))
