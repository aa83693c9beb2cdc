"""The indicator workbook of an evaluation year (reports/<year>/indicators_<year>.xlsx) and the city's evaluation
as a terminal table, both read from the pipeline's datasets.

Sheets (named in wording.yaml `workbook.sheets`): about (scope, data cut-off, legend), evaluation (every
indicator × area), values (by year), flagship targets, high-value criteria, data quality (reconciliation,
rejects, files, warnings). Every text cell is written as text (never as a formula) and neutralised against
formula injection.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd
import xlsxwriter

from helpers.context import Context
from helpers.files import atomic_write
from helpers.indicators import check_year, latest_year
from helpers.pipeline import Datasets, open_datasets
from helpers.report.wording import Words
from helpers.safety import neutralise

PERCENT_COLUMNS = {"tau", "completion", "county_share"}
VALUE_LIKE = {"value", "base_plan", "base_data", "base_rebased", "base_used", "target", "projected", "change"}


class Book:
    """A workbook with the house formats; cells are written by type, text always as text."""

    def __init__(self, path: Path, title: str, statuses: dict[str, dict]):
        self.workbook = xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": True})
        self.workbook.set_properties({"title": title, "created": dt.datetime(2000, 1, 1)})
        add = self.workbook.add_format
        self.header = add({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"})
        self.title = add({"bold": True, "font_size": 14})
        self.text = add({"text_wrap": False})
        self.percent = add({"num_format": "0.0%"})
        self.decimals = {d: add({"num_format": "#,##0" + ("." + "0" * d if d else "")}) for d in range(5)}
        self.status = {key: add({"bg_color": spec["color"], "font_color": "#FFFFFF", "bold": True})
                       for key, spec in statuses.items()}

    def cell(self, sheet, row: int, col: int, value, fmt=None) -> None:  # noqa: ANN001 — xlsxwriter objects
        if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
            sheet.write_blank(row, col, None, fmt)
        elif isinstance(value, bool):
            sheet.write_boolean(row, col, value, fmt)
        elif isinstance(value, int | float):
            sheet.write_number(row, col, float(value), fmt)
        elif isinstance(value, pd.Timestamp | dt.date):
            sheet.write_string(row, col, str(value)[:10], fmt)
        else:
            sheet.write_string(row, col, str(neutralise(str(value))), fmt or self.text)

    def table(self, name: str, frame: pd.DataFrame, formats: dict | None = None, row_formats=None) -> None:  # noqa: ANN001
        """A sheet holding `frame` with a frozen header, filter and widths; optional per-column formats."""
        sheet = self.workbook.add_worksheet(name)
        formats = formats or {}
        for col, header in enumerate(frame.columns):
            sheet.write_string(0, col, str(header), self.header)
            width = max([len(str(header))] + [len(str(v)) for v in frame.iloc[:200, col]]) + 2
            sheet.set_column(col, col, min(max(width * 1.3, 8), 60))
        for row, record in enumerate(frame.itertuples(index=False), start=1):
            for col, value in enumerate(record):
                fmt = formats.get(frame.columns[col])
                if row_formats is not None:
                    fmt = row_formats(frame.columns[col], frame.iloc[row - 1]) or fmt
                self.cell(sheet, row, col, value.item() if hasattr(value, "item") else value, fmt)
        sheet.freeze_panes(1, 0)
        if len(frame.columns):
            sheet.autofilter(0, 0, max(len(frame), 1), len(frame.columns) - 1)
        return sheet

    def close(self) -> None:
        self.workbook.close()


def evaluation_year(processed: Path, context: Context, year: int | None = None) -> tuple[int, Datasets]:
    """The evaluation year asked for (default: the latest with data) and the checked datasets of `processed`."""
    datasets = open_datasets(processed, context)
    values = datasets.read("values")
    year = check_year(year, context.plan, values) if year else latest_year(values, context.plan)
    return year, datasets


def _about(book: Book, words: Words, context: Context, year: int, manifest: dict) -> None:
    w, plan = words, context.plan
    sheet = book.workbook.add_worksheet(w["workbook.sheets.about"])
    lines = [
        (w("workbook.heading", plan_title=plan.title, year=year), book.title),
        (w("workbook.years", year=year, base_year=plan.base_year, target_year=plan.target_year), None),
        (w("workbook.mode", mode=w["modes"][plan.mode_of(year)]), None),
        (w("workbook.cutoff", cutoff=manifest.get("data_cutoff") or w["unknown"],
           cleaned_at=manifest.get("cleaned_at", "")), None),
        (w("workbook.missing_sources", sources=w.join(manifest.get("missing_sources") or []) or w["workbook.none"]),
         None),
    ]
    if manifest.get("synthetic"):
        lines.append((w("workbook.synthetic", city=context.areas.city_name), None))
    lines.append((w["workbook.legend"], None))
    for row, (text, fmt) in enumerate(lines):
        book.cell(sheet, row, 0, text, fmt)
    for offset, (key, spec) in enumerate(plan.statuses.items(), start=len(lines)):
        book.cell(sheet, offset, 0, f"{spec['symbol']} {w['statuses'][key]}", book.status[key])
    sheet.set_column(0, 0, 90)


def write_workbook(path: Path, datasets: Datasets, year: int, context: Context, lang: str = "zh") -> Path:
    """Write the workbook of `year` atomically (a partial file, then a rename) and return its path."""
    atomic_write(path, lambda partial: _write(partial, datasets, year, context, Words.of(context, lang)))
    return path


def _write(path: Path, datasets: Datasets, year: int, context: Context, w: Words) -> None:
    plan, names = context.plan, context.areas.names
    book = Book(path, w["workbook.title"], plan.statuses)
    sheets = w["workbook.sheets"]
    _about(book, w, context, year, datasets.read_json("manifest"))
    decimals = {i.id: i.decimals for i in plan.indicators}
    years = {"target_year": plan.target_year}

    evaluation = datasets.read("evaluation")
    evaluation = evaluation[evaluation["year"] == year].reset_index(drop=True)
    headings = {k: v.format(**years) for k, v in w["workbook.evaluation_columns"].items()}
    shown = evaluation.assign(status_label=evaluation["status"].map(w["statuses"]))[list(headings)]
    shown = shown.rename(columns=headings)
    status_keys = evaluation["status"].tolist()
    percent_columns = {headings[c] for c in PERCENT_COLUMNS}
    value_columns = {headings[c] for c in VALUE_LIKE}
    two_places = {headings["ratio"], headings["required_growth"]}

    def evaluation_format(column, record):  # noqa: ANN001, ANN202
        if column == headings["status_label"]:
            return book.status[status_keys[record.name]]
        if column in percent_columns:
            return book.percent
        if column in value_columns:
            return book.decimals[decimals[record[headings["indicator"]]]]
        if column in two_places:
            return book.decimals[2]
        return None

    book.table(sheets["evaluation"], shown, row_formats=evaluation_format)

    values = datasets.read("values")
    value_headings = w["workbook.value_columns"]
    wide = values.assign(area_name=values["area_code"].map(names)).set_index(
        ["indicator", "area_code", "area_name", "year"])["value"].unstack("year")  # one row per indicator × area
    year_columns = {value_headings["year"].format(year=c) for c in wide.columns}
    wide.columns = [value_headings["year"].format(year=c) for c in wide.columns]
    wide = wide.reset_index().rename(columns={k: v for k, v in value_headings.items() if k != "year"})
    book.table(sheets["values"], wide, row_formats=lambda col, rec: book.decimals[decimals[rec[value_headings[
        "indicator"]]]] if col in year_columns else None)

    flagship = datasets.read("flagship")
    flagship = flagship[flagship["year"] == year]
    flag_headings = w["workbook.flagship_columns"]
    flag = flagship.assign(status_label=flagship["status"].map(w["statuses"]))[list(flag_headings)]
    book.table(sheets["flagship"], flag.rename(columns=flag_headings),
               formats={flag_headings["reached"]: book.percent, flag_headings["tau"]: book.percent,
                        flag_headings["value"]: book.decimals[2]})
    breakdown = datasets.read("high_value")
    hv_headings = w["workbook.high_value_columns"]
    hv = breakdown.assign(area_name=breakdown["area_code"].map(names))
    book.table(sheets["high_value"], hv[hv["year"] <= year][list(hv_headings)].rename(columns=hv_headings))
    _plan_items(book, datasets, context, w, year)
    _quality(book, datasets, context, w)
    book.close()


def _plan_items(book: Book, datasets: Datasets, context: Context, w: Words, year: int) -> None:
    """The plan-wide assessment of `year`: items verified, commitments graded, the composite, and the evidence
    the evaluator must follow up (佐证材料缺失清单)."""
    catalogue = context.plan_items
    if not catalogue.items:
        return
    sheets, grades = w["workbook.sheets"], w["grades"]
    titles = {item.id: item.title for item in catalogue.items}

    def of_year(name: str) -> pd.DataFrame:
        frame = datasets.read(name)
        return frame[frame["year"] == year].reset_index(drop=True)

    items = of_year("task_items")
    items = items.assign(title=items["item"].map(titles), self_label=items["self_grade"].map(grades),
                         verified_label=items["verified_grade"].map(grades),
                         kind=items["kind"].map(w["workbook.kinds"]), group=items["group"].map(catalogue.groups))
    headings = w["workbook.item_columns"]
    book.table(sheets["items"], items[list(headings)].rename(columns=headings))
    commitments = of_year("task_commitments")
    commitments = commitments.assign(grade_label=commitments["grade"].map(grades))
    headings = w["workbook.commitment_columns"]
    book.table(sheets["commitments"], commitments[list(headings)].rename(columns=headings))
    composite = of_year("composite")
    headings = w["workbook.composite_columns"]
    book.table(sheets["composite"], composite.assign(part=composite["part"].map(w["workbook.parts"]))[
        list(headings)].rename(columns=headings), formats={headings["score"]: book.decimals[1]})
    departments = of_year("task_departments")
    missing = departments[departments["verified_grade"] == "unverified"]
    missing = missing.assign(title=missing["item"].map(titles), self_label=missing["self_grade"].map(grades))
    headings = w["workbook.missing_columns"]
    book.table(sheets["missing"], missing[list(headings)].rename(columns=headings))


def _quality(book: Book, datasets: Datasets, context: Context, w: Words) -> None:
    """The cleaning accounts with Chinese headers and labels (sources, outcomes, reasons, warnings by name)."""
    sheets, labels = w["workbook.sheets"], context.cleaning
    titles = {key: spec.get("title", key) for key, spec in context.sources.items()}

    def shown(name: str, columns: str, **maps: dict) -> pd.DataFrame:
        frame = datasets.read(name)
        maps = {"source": titles, **maps}
        frame = frame.assign(**{c: frame[c].map(m).fillna(frame[c]) for c, m in maps.items() if c in frame})
        headings = w[f"workbook.{columns}"]
        return frame[[c for c in headings if c in frame]].rename(columns=headings)

    statuses = w["workbook.file_statuses"]
    book.table(sheets["reconciliation"], shown("reconciliation", "reconciliation_columns", status=statuses))
    book.table(sheets["reasons"], shown("reasons", "reason_columns", outcome=w["workbook.outcomes"],
                                        reason=labels.reasons))
    book.table(sheets["files"], shown("files", "file_columns", status=statuses, reason=labels.file_reasons))
    book.table(sheets["warnings"], shown("warnings", "warning_columns", warning=labels.warnings))


def city_table(evaluation: pd.DataFrame, year: int, context: Context, lang: str = "zh") -> str:
    """The city's evaluation of `year` as an aligned text table for the terminal."""
    w = Words.of(context, lang)
    decimals = {i.id: i.decimals for i in context.plan.indicators}
    city = evaluation[(evaluation["area_code"] == context.areas.city_code) & (evaluation["year"] == year)]
    symbols = {k: v["symbol"] for k, v in context.plan.statuses.items()}

    def number(value: float, places: int) -> str:
        return "—" if pd.isna(value) else f"{value:,.{places}f}"

    first = city.iloc[0]
    lines = [w("workbook.city_table", area_name=first["area_name"], year=int(first["year"]),
               tau=f"{first['tau']:.0%}"), ""]
    for _, row in city.iterrows():
        places = decimals[row["indicator"]]
        ratio = "" if pd.isna(row["ratio"]) else f"r={row['ratio']:.2f}"
        value, target = number(row["value"], places), number(row["target"], places)
        status = f"{symbols[row['status']]} {w['statuses'][row['status']]}"
        lines.append(f"{row['indicator']} {row['name'][:22]:　<22} {value:>12} {row['unit']:<5} "
                     f"{w['workbook.target_short']} {target:>8}  {ratio:<8} {status}")
    return "\n".join(lines)
