"""One year's assessment from cleaned tables: indicator values, evaluation, flagship targets, workbook."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers import areas, config
from helpers.cleaning import clean_all
from helpers.cleaning.pipeline import raw_fingerprint
from helpers.indicators import Tables, compute_values, evaluate, high_value_breakdown, load_plan
from helpers.indicators.engine import covered_years
from helpers.indicators.evaluation import check_year, latest_year
from helpers.indicators.flagship import evaluate_flagship
from helpers.workbook import write_workbook

CSV_COLUMNS = ["indicator", "area_code", "year", "value"]


@dataclass
class Assessment:
    """Everything one evaluation year produced."""

    year: int
    values: pd.DataFrame
    evaluation: pd.DataFrame
    flagship: pd.DataFrame
    workbook: Path
    city_table: str


def tables_for(raw_dir: Path, processed_out: Path | None = None) -> Tables:
    """Clean `raw_dir` into a cache (or into `processed_out` when asked) and load the tables."""
    raw_dir = Path(raw_dir)
    target = processed_out
    if target is None:
        target = config.project_root() / config.load("paths")["cache_dir"] / "clean" / raw_fingerprint(raw_dir)
        if (target / "manifest.json").is_file():
            return Tables.load(target)
    clean_all(raw_dir, target, workers=os.cpu_count() or 1)
    return Tables.load(target)


def indicator_csv(tables: Tables, year: int | None = None, *, evaluate: bool = False) -> pd.DataFrame:
    """The CLI's CSV: long values (indicator, area_code, year, value), or the evaluation table of `year`."""
    values = compute_values(tables)
    if evaluate:
        return evaluate_values(values, year)
    years = covered_years(values)
    out = values[values["year"].isin(years)][CSV_COLUMNS].copy()
    out["value"] = out["value"].round(4)
    return out.reset_index(drop=True)


def evaluate_values(values: pd.DataFrame, year: int | None) -> pd.DataFrame:
    return evaluate(values, check_year(year) if year else latest_year(values))


def city_table(evaluation: pd.DataFrame) -> str:
    """The city's evaluation as an aligned text table for the terminal."""
    plan = load_plan()
    decimals = {i.id: i.decimals for i in plan.indicators}
    city = evaluation[evaluation["area_code"] == areas.load().city_code]
    symbols = {k: v["symbol"] for k, v in config.load("evaluation")["statuses"].items()}

    def number(value: float, places: int) -> str:
        return "—" if pd.isna(value) else f"{value:,.{places}f}"

    first = city.iloc[0]
    lines = [f"{first['area_name']} {int(first['year'])} 年指标评估（序时进度 {first['tau']:.0%}）", ""]
    for _, row in city.iterrows():
        places = decimals[row["indicator"]]
        ratio = "" if pd.isna(row["ratio"]) else f"r={row['ratio']:.2f}"
        value, target = number(row["value"], places), number(row["target"], places)
        status = f"{symbols[row['status']]} {row['status_label']}"
        lines.append(f"{row['indicator']} {row['name'][:22]:　<22} {value:>12} {row['unit']:<5} 目标 {target:>8}  "
                     f"{ratio:<8} {status}")
    return "\n".join(lines)


def evaluate_year(processed: Path, reports: Path, year: int | None = None) -> Assessment:
    """Values, evaluation and flagship targets of `year` from data/processed; writes the workbook."""
    tables = Tables.load(processed)
    values = compute_values(tables)
    year = check_year(year) if year else latest_year(values)
    evaluation = evaluate(values, year)
    flagship = evaluate_flagship(tables, values, year)
    workbook = write_workbook(Path(reports) / str(year) / f"indicators_{year}.xlsx", tables, values, evaluation,
                              flagship, high_value_breakdown(tables), year)
    return Assessment(year, values, evaluation, flagship, workbook, city_table(evaluation))

