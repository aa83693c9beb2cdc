"""Trends for researchers (notebooks/explore.ipynb): indicator values across years and areas, and how each
area's statuses moved year by year. Pure functions over the long values table of the indicator engine."""

from __future__ import annotations

import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from helpers import areas, charts
from helpers.indicators import evaluate, load_plan
from helpers.indicators.engine import covered_years


def catalog() -> pd.DataFrame:
    """The plan's indicators: id, category, name, unit, base, target, kind."""
    return pd.DataFrame([{"id": i.id, "category": i.category, "name": i.name, "unit": i.unit, "base": i.base,
                          "target": i.target, "kind": i.kind} for i in load_plan().indicators]).set_index("id")


def by_area(values: pd.DataFrame, indicator: str) -> pd.DataFrame:
    """One indicator as a table: areas (by name, city first) × years."""
    info = areas.load()
    rows = values[values["indicator"] == indicator]
    table = rows.pivot(index="area_code", columns="year", values="value").reindex(info.codes)
    table.index = [info.names[c] for c in table.index]
    return table


def status_history(values: pd.DataFrame, area_code: str | None = None) -> pd.DataFrame:
    """Status label of every indicator (rows) in every evaluated year (columns) for one area (city default)."""
    area_code = area_code or areas.load().city_code
    plan = load_plan()
    years = [y for y in covered_years(values) if plan.base_year < y <= plan.target_year]
    frames = []
    for year in years:
        judged = evaluate(values, year)
        judged = judged[judged["area_code"] == area_code]
        frames.append(judged.set_index("name")["status_label"].rename(year))
    return pd.concat(frames, axis=1) if frames else pd.DataFrame()


def county_lines(values: pd.DataFrame, indicator: str) -> Figure:
    """The indicator's yearly values, one line per county, the city target as a dotted line
    (show it with `charts.show(fig)`, or change it first: it is a plain matplotlib Figure)."""
    charts.setup()
    ind = load_plan().indicator(indicator)
    table = by_area(values, indicator).drop(index=areas.load().names[areas.load().city_code])
    long = table.reset_index(names="county").melt(id_vars="county", var_name="year", value_name="value")
    fig, axes = charts.figure(1, per_row=1, height_cm=8)
    ax = axes[0]
    sns.lineplot(long, x="year", y="value", hue="county", marker="o", ax=ax)
    ax.axhline(ind.target, linestyle=":", color="#a40e26", label="市目标")
    ax.set_title(f"{ind.name}：各县（区）走势", loc="left")
    ax.set_xlabel("年度")
    ax.set_ylabel(ind.unit)
    ax.legend(frameon=False, ncols=4, fontsize=7)
    return fig
