"""The indicator workbook and the CSV accounts: layout for a reader, and text from data neutralised."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from conftest import CONTEXT, run_cli, write_csv
from helpers.pipeline import build, open_datasets
from helpers.report.workbook import write_workbook
from helpers.safety import neutralise, neutralise_frame

HOSTILE_FILE = "=HYPERLINK(evil).csv"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    raw = tmp_path_factory.mktemp("raw")
    write_csv(raw, "population", "pop.csv", ["年度", "地区", "常住人口"],
              [["2020", "河源市", "300"], ["2021", "河源市", "300"]])
    write_csv(raw, "enforcement_cases", HOSTILE_FILE, ["案件编号", "案件类别", "结案日期", "所在区县"],
              [["A1", "版权", "2021-05-01", "紫金县"], ["A2", "商标", "2021-06-01", "+cmd|calc"],
               ["A3", "专利", "not a date", "源城区"]])
    processed, reports = tmp_path_factory.mktemp("processed"), tmp_path_factory.mktemp("reports")
    build(raw, processed, CONTEXT)
    result = run_cli("evaluate", "--processed", str(processed), "--reports", str(reports), "--year", "2021")
    assert result.returncode == 0, result.stderr
    assert "工作簿" in result.stdout and "I07" in result.stdout
    return reports / "2021" / "indicators_2021.xlsx", processed


def test_neutralise_prefixes_formula_starts_only():
    assert [neutralise(t) for t in ["=1+1", "+a", "-a", "@a", "\tx", "plain", "1-2"]] == [
        "'=1+1", "'+a", "'-a", "'@a", "'\tx", "plain", "1-2"]
    assert neutralise(3.5) == 3.5


def test_workbook_has_every_sheet_frozen_headers_and_status_colours(built):
    workbook, _ = built
    assert workbook.name == "indicators_2021.xlsx" and workbook.parent.name == "2021"
    book = openpyxl.load_workbook(workbook)
    assert book.sheetnames[:5] == ["说明", "评估结果", "指标值", "重点工程", "高价值专利"]
    evaluation = book["评估结果"]
    assert evaluation.freeze_panes == "A2"
    header = [c.value for c in evaluation[1]]
    status_col = header.index("状态") + 1
    names = {evaluation.cell(row=r, column=header.index("指标") + 1).value for r in range(2, evaluation.max_row + 1)}
    assert len(names) == 14
    fills = {evaluation.cell(row=r, column=status_col).fill.fgColor.rgb for r in range(2, evaluation.max_row + 1)}
    assert len(fills) >= 2  # statuses are coloured, and differently


def test_text_from_data_is_written_as_neutralised_text(built, tmp_path):
    _, processed = built
    hostile = tmp_path / "processed"
    shutil.copytree(processed, hostile)
    pd.DataFrame([{"source": "x", "file": "=HYPERLINK(\"http://example.com\",\"x\")", "warning": "@SUM(1)",
                   "rows": 1}]).to_parquet(hostile / "warnings.parquet")
    path = write_workbook(tmp_path / "book.xlsx", open_datasets(hostile, CONTEXT), 2021, CONTEXT)
    book = openpyxl.load_workbook(path)
    texts = [cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
             if isinstance(cell.value, str)]
    assert all(cell.data_type != "f" for sheet in book.worksheets for row in sheet.iter_rows() for cell in row)
    assert "'=HYPERLINK(\"http://example.com\",\"x\")" in texts and "'@SUM(1)" in texts
    assert not [t for t in texts if t.startswith(("=", "+", "-", "@"))]


def test_csv_accounts_are_neutralised(built):
    _, processed = built
    files = pd.read_csv(processed / "files.csv", encoding="utf-8-sig", dtype=str)
    assert HOSTILE_FILE in " ".join(files["file"])
    assert not files.fillna("").apply(lambda c: c.str.startswith(("=", "+", "-", "@"))).any().any()
    frame = neutralise_frame(pd.DataFrame({"t": ["=cmd", "ok"], "n": [1, 2]}))
    assert frame["t"].tolist() == ["'=cmd", "ok"] and frame["n"].tolist() == [1, 2]


def test_a_workbook_for_every_year_in_chinese_without_a_cross_join(sample_processed, tmp_path):
    result = run_cli("evaluate", "--processed", str(sample_processed), "--reports", str(tmp_path))
    assert result.returncode == 0, result.stderr
    for year in range(2021, 2026):
        book = openpyxl.load_workbook(tmp_path / str(year) / f"indicators_{year}.xlsx", read_only=True)
        for sheet in book.worksheets:
            headers = [str(c.value) for c in next(sheet.iter_rows(max_row=1))] if sheet.title != "说明" else []
            assert not [h for h in headers if re.search("[A-Za-z_]{3,}", h)], (year, sheet.title, headers)
        about = " ".join(str(row[0].value) for row in book["说明"].iter_rows())
        mode = CONTEXT.words("zh")["modes"][CONTEXT.plan.mode_of(year)]
        assert f"报告类型：{mode}" in about
        values = list(book["指标值"].iter_rows(values_only=True))
        assert len(values) - 1 == len(CONTEXT.plan.indicators) * len(CONTEXT.areas.codes)  # 98, not 686
        names = CONTEXT.areas.names
        assert all(names[str(row[1])] == row[2] for row in values[1:])
        rows = list(book["评估结果"].iter_rows(values_only=True))
        at = rows[0].index("状态")
        assert {row[at] for row in rows[1:]} <= set(CONTEXT.words("zh")["statuses"].values())
