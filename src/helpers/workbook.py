"""The indicator workbook of an evaluation year: reports/<year>/indicators_<year>.xlsx.

Sheets: 说明 (scope, data cut-off, legend), 评估结果 (every indicator × area), 指标值 (values by year),
重点工程 (flagship targets), 高价值专利 (criteria), 数据质量 (reconciliation, rejects, files, warnings).
Every text cell is written as text (never as a formula) and neutralised against formula injection.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import tempfile
from pathlib import Path

import pandas as pd
import xlsxwriter

from helpers import areas, config
from helpers.indicators import Plan, Tables, load_plan
from helpers.safety import neutralise

EVALUATION_COLUMNS = {
    "indicator": "编号", "category": "类别", "name": "指标", "unit": "单位", "area_name": "地区",
    "value": "本年值", "base_plan": "基础值（规划）", "base_data": "基础值（数据）",
    "base_rebased": "基础值（普查口径）", "target": "2025年目标",
    "tau": "序时进度", "completion": "完成度", "ratio": "进度比r", "status_label": "状态",
    "projected": "按现速2025年预计", "required_growth": "尚需年均增速(%)", "county_share": "占全市比重",
    "county_rank": "县区排名", "rows": "所用记录数", "sources": "数据来源", "missing_sources": "缺失来源",
}
PERCENT_COLUMNS = {"tau", "completion", "county_share"}
VALUE_LIKE = {EVALUATION_COLUMNS[c] for c in ("value", "base_plan", "base_data", "base_rebased", "target", "projected")}


class Book:
    """A workbook with the house formats; cells are written by type, text always as text."""

    def __init__(self, path: Path):
        self.workbook = xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": True})
        self.workbook.set_properties({"title": "指标评估工作簿", "created": dt.datetime(2000, 1, 1)})
        add = self.workbook.add_format
        self.header = add({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"})
        self.title = add({"bold": True, "font_size": 14})
        self.text = add({"text_wrap": False})
        self.percent = add({"num_format": "0.0%"})
        self.decimals = {d: add({"num_format": "#,##0" + ("." + "0" * d if d else "")}) for d in range(5)}
        self.status = {key: add({"bg_color": spec["color"], "font_color": "#FFFFFF", "bold": True})
                       for key, spec in config.load("evaluation")["statuses"].items()}

    def cell(self, sheet, row: int, col: int, value, fmt=None) -> None:
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

    def table(self, name: str, frame: pd.DataFrame, formats: dict | None = None, row_formats=None) -> None:
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


def _about(book: Book, plan: Plan, year: int, tables: Tables) -> None:
    sheet = book.workbook.add_worksheet("说明")
    manifest = tables.manifest
    lines = [
        (f"{plan.title} · {year}年度指标评估工作簿", book.title),
        (f"评估年度：{year}；基准年 {plan.base_year}，目标年 {plan.target_year}", None),
        (f"数据截止日期：{manifest.get('data_cutoff') or '未知'}；清洗时间：{manifest.get('cleaned_at', '')}", None),
        (f"缺失来源：{'、'.join(manifest.get('missing_sources') or []) or '无'}", None),
    ]
    if manifest.get("synthetic"):
        lines.append(("注意：本工作簿基于合成示例数据（synthetic sample data），数值不代表河源市实际情况。", None))
    lines.append(("状态图例：", None))
    for row, (text, fmt) in enumerate(lines):
        book.cell(sheet, row, 0, text, fmt)
    for offset, spec in enumerate(config.load("evaluation")["statuses"].values(), start=len(lines)):
        key = next(k for k, v in config.load("evaluation")["statuses"].items() if v is spec)
        book.cell(sheet, offset, 0, f"{spec['symbol']} {spec['label']}", book.status[key])
    sheet.set_column(0, 0, 90)


def write_workbook(path: Path, tables: Tables, values: pd.DataFrame, evaluation: pd.DataFrame,
                   flagship: pd.DataFrame, breakdown: pd.DataFrame, year: int, plan: Plan | None = None) -> Path:
    """Write the workbook atomically (temporary file, then rename) and return its path."""
    plan = plan or load_plan()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".xlsx.tmp")
    os.close(fd)
    try:
        book = Book(Path(tmp))
        _about(book, plan, year, tables)
        decimals = {i.id: i.decimals for i in plan.indicators}

        shown = evaluation[list(EVALUATION_COLUMNS)].rename(columns=EVALUATION_COLUMNS)
        status_keys = evaluation["status"].tolist()

        def evaluation_format(column, record):
            if column == "状态":
                return book.status[status_keys[record.name]]
            if column in {EVALUATION_COLUMNS[c] for c in PERCENT_COLUMNS}:
                return book.percent
            if column in VALUE_LIKE:
                return book.decimals[decimals[record["编号"]]]
            if column in {"进度比r", "尚需年均增速(%)"}:
                return book.decimals[2]
            return None

        book.table("评估结果", shown.reset_index(drop=True), row_formats=evaluation_format)

        wide = values.assign(area_name=values["area_code"].map(areas.load().names)).pivot_table(
            index=["indicator", "area_code", "area_name"], columns="year", values="value", dropna=False)
        wide.columns = [f"{c}年" for c in wide.columns]
        wide = wide.reset_index().rename(columns={"indicator": "编号", "area_code": "地区代码", "area_name": "地区"})
        book.table("指标值", wide, row_formats=lambda col, rec: book.decimals[decimals[rec["编号"]]]
                   if col.endswith("年") else None)

        flag = flagship.assign(status_label=flagship["status"].map(
            {k: v["label"] for k, v in config.load("evaluation")["statuses"].items()}))
        flag = flag[["column", "name", "unit", "value", "target", "reached", "tau", "status_label"]].rename(columns={
            "column": "专栏", "name": "目标", "unit": "单位", "value": "本年值", "target": "目标值",
            "reached": "目标完成比例", "tau": "序时进度", "status_label": "状态"})
        book.table("重点工程", flag, formats={"目标完成比例": book.percent, "序时进度": book.percent,
                                              "本年值": book.decimals[2]})
        hv = breakdown.assign(area_name=breakdown["area_code"].map(areas.load().names))
        hv = hv[hv["year"] <= year][["year", "area_name", "label", "count"]].rename(
            columns={"year": "年度", "area_name": "地区", "label": "高价值条件", "count": "满足该条件的有效发明专利"})
        book.table("高价值专利", hv)
        _quality(book, tables)
        book.close()
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def _quality(book: Book, tables: Tables) -> None:
    recon = tables.reconciliation.rename(columns={
        "source": "来源", "file": "文件", "status": "文件状态", "rows_in": "读入行数", "clean": "有效",
        "duplicate": "重复", "rejected": "拒绝", "out_of_scope": "范围外"})
    book.table("数据质量-对账", recon)
    reasons = config.load("cleaning")["reasons"]
    described = tables.reasons.assign(说明=tables.reasons.get("reason", pd.Series(dtype=str)).map(reasons))
    book.table("数据质量-剔除原因", described)
    book.table("数据质量-文件", tables.files)
    book.table("数据质量-提示", tables.warnings)
