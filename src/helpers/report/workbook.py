"""The indicator workbook of an evaluation year (reports/<year>/indicators_<year>.xlsx) and the city's evaluation
as a terminal table, both read from the pipeline's datasets.

Sheets (named in wording.yaml `workbook.sheets`): about (scope, report mode, data cut-off, legend), evaluation
(every indicator × area, the columns of the year's report mode), values (every indicator × area with a value, one
column per year up to the evaluation year), flagship targets, high-value criteria, the plan's tasks, data quality
(reconciliation, rejects, files, warnings). Headers and labels are Chinese (wording.yaml `workbook`), statuses are
symbol and word. Every text cell is written as text (never as a formula) and neutralised against formula injection.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import pandas as pd
import xlsxwriter

from helpers.context import Context
from helpers.files import atomic_write
from helpers.indicators import check_year, latest_year
from helpers.pipeline import Datasets, open_datasets
from helpers.report import official
from helpers.report.findings import number
from helpers.report.items import absent_reason, composite_notes
from helpers.report.task_words import basis, missing_evidence, reasons
from helpers.report.wording import Words, local_time
from helpers.safety import neutralise

PERCENT_COLUMNS = {"tau", "completion", "county_share"}
VALUE_LIKE = {"value", "base_plan", "base_data", "base_rebased", "base_used", "target", "gap", "projected", "change",
              "trend_next"}
MATCHED = re.compile(r",\s*(?=\w+←)")  # between the `field←header` pairs of the files account


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


def status_labels(context: Context, words: Words) -> dict[str, str]:
    """Each status as the deliverables show it: its symbol and its word ('★ 已完成')."""
    return {key: f"{spec['symbol']} {words['statuses'][key]}" for key, spec in context.plan.statuses.items()}


def source_titles(context: Context) -> dict[str, str]:
    """Each source's Chinese title (sources.yaml `title`) by its key."""
    return {key: spec.get("title", key) for key, spec in context.sources.items()}


def _titles(keys: str | list | None, titles: dict[str, str], words: Words) -> str:
    """Source keys ('patents,population' or a list) as their titles joined by 、; empty when there are none."""
    if not isinstance(keys, str | list) or not keys:
        return ""
    items = keys.split(",") if isinstance(keys, str) else keys
    return words.join([titles.get(k.strip(), k.strip()) for k in items if k.strip()])


def _about(book: Book, words: Words, context: Context, year: int, manifest: dict) -> None:
    w, plan = words, context.plan
    sheet = book.workbook.add_worksheet(w["workbook.sheets.about"])
    lines = [
        (w("workbook.heading", plan_title=plan.title, year=year), book.title),
        (w("workbook.years", year=year, base_year=plan.base_year, target_year=plan.target_year), None),
        (w("workbook.mode", mode=w["modes"][plan.mode_of(year)]), None),
        (w("workbook.cutoff", cutoff=manifest.get("data_cutoff") or w["unknown"],
           rule=w[f"cutoff_rules.{manifest.get('data_cutoff_rule') or 'observed'}"],
           cleaned_at=local_time(manifest.get("cleaned_at", ""), w)), None),
        (w("workbook.missing_sources", sources=_titles(manifest.get("missing_sources"), source_titles(context), w)
           or w["workbook.none"]), None),
    ]
    if manifest.get("synthetic"):
        lines.append((w("workbook.synthetic", city=context.areas.city_name), None))
    lines.append((w["workbook.legend"], None))
    for row, (text, fmt) in enumerate(lines):
        book.cell(sheet, row, 0, text, fmt)
    for offset, (key, label) in enumerate(status_labels(context, w).items(), start=len(lines)):
        book.cell(sheet, offset, 0, label, book.status[key])
    sheet.set_column(0, 0, 90)


def write_table(path: Path, frame: pd.DataFrame, sheet: str, context: Context) -> Path:
    """One table as a workbook of one sheet (the command line's `--out *.xlsx`): cells by type, text as text and
    neutralised, written atomically."""
    def write(partial: Path) -> None:
        book = Book(partial, sheet, context.plan.statuses)
        book.table(sheet, frame)
        book.close()

    return atomic_write(path, write)


def write_workbook(path: Path, datasets: Datasets, year: int, context: Context, lang: str = "zh") -> Path:
    """Write the workbook of `year` atomically (a partial file, then a rename) and return its path."""
    atomic_write(path, lambda partial: _write(partial, datasets, year, context, Words.of(context, lang)))
    return path


def _write(path: Path, datasets: Datasets, year: int, context: Context, w: Words) -> None:
    book = Book(path, w["workbook.title"], context.plan.statuses)
    _about(book, w, context, year, datasets.read_json("manifest"))
    _evaluation(book, datasets, context, w, year)
    _values(book, datasets, context, w, year)
    _flagship(book, datasets, context, w, year)
    breakdown = datasets.read("high_value")
    hv_headings = w["workbook.high_value_columns"]
    hv = breakdown.assign(area_name=breakdown["area_code"].map(context.areas.names))
    book.table(w["workbook.sheets.high_value"], hv[hv["year"] <= year][list(hv_headings)].rename(columns=hv_headings))
    _plan_items(book, datasets, context, w, year)
    official.workbook_sheets(book, datasets, context, w, year)
    _quality(book, datasets, context, w)
    book.close()


def _hidden(context: Context, w: Words, year: int) -> set[str]:
    """The columns the report mode of `year` leaves out (wording.yaml `workbook.hidden_columns`)."""
    return set(w["workbook.hidden_columns"].get(context.plan.mode_of(year), []))


def _evaluation(book: Book, datasets: Datasets, context: Context, w: Words, year: int) -> None:
    """Every indicator × area of `year`: the columns of the year's report mode that the dataset holds, statuses as
    symbol and word, data sources by title, small samples noted."""
    plan = context.plan
    decimals = {i.id: i.decimals for i in plan.indicators}
    years = {"base_year": plan.base_year, "target_year": plan.target_year,
             "next_year": plan.target_year + (plan.target_year - plan.base_year)}
    evaluation = datasets.read("evaluation")
    evaluation = evaluation[evaluation["year"] == year].reset_index(drop=True)
    titles = source_titles(context)
    small = evaluation.get("small_sample", pd.Series(False, index=evaluation.index)).fillna(False).astype(bool)
    shown = evaluation.assign(
        status_label=evaluation["status"].map(status_labels(context, w)),
        value_source=evaluation["value_source"].map(w["official.sources"]),
        sources=evaluation["sources"].map(lambda keys: _titles(keys, titles, w)),
        missing_sources=evaluation["missing_sources"].map(lambda keys: _titles(keys, titles, w)),
        note=[w("workbook.small_sample", n=int(n)) if s else None for s, n in zip(small, evaluation["rows"],
                                                                                   strict=True)])
    hidden = _hidden(context, w, year)
    headings = {k: v.format(**years) for k, v in w["workbook.evaluation_columns"].items()
                if k in shown and k not in hidden}
    shown = shown[list(headings)].rename(columns=headings)
    status_keys = evaluation["status"].tolist()
    percent_columns = {headings[c] for c in PERCENT_COLUMNS if c in headings}
    value_columns = {headings[c] for c in VALUE_LIKE if c in headings}
    two_places = {headings[c] for c in ("ratio", "required_growth", "cagr") if c in headings}

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

    book.table(w["workbook.sheets.evaluation"], shown, row_formats=evaluation_format)


def _values(book: Book, datasets: Datasets, context: Context, w: Words, year: int) -> None:
    """The values sheet: one row per indicator × area that has a value up to `year` (a city-level indicator's
    counties and a source never supplied have none and no row), in the plan's order, one column per year from the
    base year to `year` (an empty cell is 数据缺失 for that year)."""
    plan, names = context.plan, context.areas.names
    values = datasets.read("values")
    values = values[values["year"] <= year]
    wide = values.set_index(["indicator", "area_code", "year"])["value"].unstack("year").dropna(how="all")
    order = [(i.id, code) for i in plan.indicators for code in context.areas.codes]
    wide = wide.reindex([key for key in order if key in wide.index])
    headings = w["workbook.value_columns"]
    year_columns = [headings["year"].format(year=c) for c in wide.columns]
    wide.columns = year_columns
    indicators = {i.id: i for i in plan.indicators}
    wide = wide.reset_index()
    wide.insert(1, "name", wide["indicator"].map(lambda i: indicators[i].name))
    wide.insert(2, "unit", wide["indicator"].map(lambda i: indicators[i].unit))
    wide.insert(4, "area_name", wide["area_code"].map(names))
    wide = wide.rename(columns={k: v for k, v in headings.items() if k != "year"})
    book.table(w["workbook.sheets.values"], wide, row_formats=lambda col, rec: book.decimals[
        indicators[rec[headings["indicator"]]].decimals] if col in year_columns else None)


def _flagship(book: Book, datasets: Datasets, context: Context, w: Words, year: int) -> None:
    """The flagship targets of `year`, statuses as symbol and word, without 序时进度 in the final evaluation."""
    flagship = datasets.read("flagship")
    flagship = flagship[flagship["year"] == year].reset_index(drop=True)
    hidden = _hidden(context, w, year)
    headings = {k: v for k, v in w["workbook.flagship_columns"].items() if k not in hidden}
    shown = flagship.assign(status_label=flagship["status"].map(status_labels(context, w)))[list(headings)]
    status_keys = flagship["status"].tolist()
    formats = {headings[c]: fmt for c, fmt in (("reached", book.percent), ("tau", book.percent),
                                                ("value", book.decimals[2])) if c in headings}
    book.table(w["workbook.sheets.flagship"], shown.rename(columns=headings), formats=formats,
               row_formats=lambda col, rec: book.status[status_keys[rec.name]] if col == headings["status_label"]
               else None)


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

    items, commitments, departments = of_year("task_items"), of_year("task_commitments"), of_year("task_departments")
    items = items.assign(title=items["item"].map(titles), self_label=items["self_grade"].map(grades),
                         reason=reasons(items, commitments, departments, catalogue, w),
                         verified_label=items["verified_grade"].map(grades),
                         kind=items["kind"].map(w["workbook.kinds"]), group=items["group"].map(catalogue.groups))
    headings = w["workbook.item_columns"]
    book.table(sheets["items"], items[list(headings)].rename(columns=headings))
    commitments = commitments.assign(grade_label=commitments["grade"].map(grades),
                                     basis=[basis(r, w) for _, r in commitments.iterrows()],
                                     kind=commitments["kind"].map(w["workbook.commitment_kinds"]).fillna(
                                         commitments["kind"]))
    headings = w["workbook.commitment_columns"]
    book.table(sheets["commitments"], commitments[list(headings)].rename(columns=headings))
    composite = of_year("composite")
    titles, not_supplied = source_titles(context), datasets.read_json("manifest").get("missing_sources") or []
    notes = composite_notes(composite, w, lambda codes: absent_reason(codes, w, titles, not_supplied))
    headings = w["workbook.composite_columns"]
    book.table(sheets["composite"], composite.assign(part=composite["part"].map(w["workbook.parts"]),
                                                     grade=composite["grade"].map(w["composite_grades"]),
                                                     note=composite["part"].map(notes))[
        list(headings)].rename(columns=headings), formats={headings["score"]: book.decimals[1]})
    missing = departments[departments["verified_grade"] == "unverified"]
    missing = missing.assign(title=missing["item"].map(titles), self_label=missing["self_grade"].map(grades),
                             evidence_missing=[missing_evidence(r, w) for _, r in missing.iterrows()])
    headings = w["workbook.missing_columns"]
    book.table(sheets["missing"], missing[list(headings)].rename(columns=headings))


def _quality(book: Book, datasets: Datasets, context: Context, w: Words) -> None:
    """The cleaning accounts with Chinese headers and labels (sources, outcomes, reasons, warnings by name; the
    columns a file's headers were matched to by their Chinese labels)."""
    sheets, labels, titles = w["workbook.sheets"], context.cleaning, source_titles(context)

    def shown(name: str, columns: str, **maps: dict) -> pd.DataFrame:
        frame = datasets.read(name)
        if "columns_matched" in frame:
            frame = frame.assign(columns_matched=[_matched_labels(text, context.sources.get(source, {}).get(
                "fields", {})) for text, source in zip(frame["columns_matched"], frame["source"], strict=True)])
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


def _matched_labels(text: str | None, fields: dict[str, dict]) -> str | None:
    """The files account's 'application_no←专利申请号, …' with each field by its Chinese label ('申请号←专利申请号')."""
    if not isinstance(text, str) or not text:
        return text
    pairs = [pair.split("←", 1) for pair in MATCHED.split(text)]
    return ", ".join(f"{fields.get(p[0], {}).get('label', p[0])}←{p[1]}" if len(p) == 2 else p[0] for p in pairs)


def city_table(evaluation: pd.DataFrame, year: int, context: Context, lang: str = "zh") -> str:
    """The city's evaluation of `year` as an aligned text table for the terminal."""
    w, plan = Words.of(context, lang), context.plan
    decimals = {i.id: i.decimals for i in plan.indicators}
    city = evaluation[(evaluation["area_code"] == context.areas.city_code) & (evaluation["year"] == year)]
    labels, hidden = status_labels(context, w), _hidden(context, w, year)
    first = city.iloc[0]
    pace = "" if "tau" in hidden else w("workbook.city_table_pace", tau=f"{first['tau']:.0%}")
    lines = [w("workbook.city_table", area_name=first["area_name"], year=int(first["year"]),
               mode=w["modes"][plan.mode_of(year)], pace=pace), ""]
    for _, row in city.iterrows():
        places = decimals[row["indicator"]]
        ratio = "" if "ratio" in hidden or pd.isna(row["ratio"]) else f"r={row['ratio']:.2f}"
        value, target = number(row["value"], places), number(row["target"], places)
        lines.append(f"{row['indicator']} {row['name'][:22]:　<22} {value:>12} {row['unit']:<5} "
                     f"{w['workbook.target_short']} {target:>8}  {ratio:<8} {labels[row['status']]}")
    return "\n".join(lines)
