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


@pytest.mark.e2e
def test_workbook_has_every_sheet_frozen_headers_and_status_colours(built):
    workbook, _ = built
    assert workbook.name == "indicators_2021.xlsx" and workbook.parent.name == "2021"
    book = openpyxl.load_workbook(workbook)
    assert book.sheetnames[:5] == ["说明", "评估结果", "指标值", "重大工程", "高价值专利"]
    evaluation = book["评估结果"]
    assert evaluation.freeze_panes == "A2"
    header = [c.value for c in evaluation[1]]
    status_col = header.index("状态") + 1
    names = {evaluation.cell(row=r, column=header.index("指标") + 1).value for r in range(2, evaluation.max_row + 1)}
    assert len(names) == 14
    fills = {evaluation.cell(row=r, column=status_col).fill.fgColor.rgb for r in range(2, evaluation.max_row + 1)}
    assert len(fills) >= 2  # statuses are coloured, and differently


@pytest.mark.e2e
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


@pytest.mark.e2e
def test_csv_accounts_are_neutralised(built):
    _, processed = built
    files = pd.read_csv(processed / "files.csv", encoding="utf-8-sig", dtype=str)
    assert HOSTILE_FILE in " ".join(files["file"])
    assert not files.fillna("").apply(lambda c: c.str.startswith(("=", "+", "-", "@"))).any().any()
    frame = neutralise_frame(pd.DataFrame({"t": ["=cmd", "ok"], "n": [1, 2]}))
    assert frame["t"].tolist() == ["'=cmd", "ok"] and frame["n"].tolist() == [1, 2]


RAW_KEY = re.compile(r"[a-z]+(?:[_,][a-z]+)+|[a-z]+_[a-z_]+←")  # 'city_only', 'patents,population', 'application_no←'


@pytest.fixture(scope="module")
def books(sample_processed: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """`evaluate` without --year on the shipped sample: the workbook of every evaluated year."""
    reports = tmp_path_factory.mktemp("books")
    result = run_cli("evaluate", "--processed", str(sample_processed), "--reports", str(reports))
    assert result.returncode == 0, result.stderr
    return {year: reports / str(year) / f"indicators_{year}.xlsx" for year in range(2021, 2026)}


def _rows(book: openpyxl.Workbook, sheet: str) -> tuple[list[str], list[tuple]]:
    rows = list(book[sheet].iter_rows(values_only=True))
    return [str(h) for h in rows[0]], rows[1:]


@pytest.mark.e2e
def test_a_workbook_for_every_year_in_chinese_headers_and_labels(books):
    words, plan = CONTEXT.words("zh"), CONTEXT.plan
    labels = {f"{spec['symbol']} {words['statuses'][key]}" for key, spec in plan.statuses.items()}
    shown = set()
    for year, path in books.items():
        book = openpyxl.load_workbook(path, read_only=True)
        for sheet in book.sheetnames[1:]:
            headers, rows = _rows(book, sheet)
            assert not [h for h in headers if re.search("[A-Za-z_]{3,}", h)], (year, sheet, headers)
            texts = [(h, v) for row in rows for h, v in zip(headers, row, strict=True) if isinstance(v, str)
                     and h not in ("文件", "编码", "工作表")]
            assert not [(h, v) for h, v in texts if RAW_KEY.search(v)], (year, sheet)
        about = " ".join(str(row[0]) for row in book["说明"].iter_rows(values_only=True))
        assert f"报告类型：{words['modes'][plan.mode_of(year)]}" in about
        assert "（北京时间）" in about and "+00:00" not in about
        headers, rows = _rows(book, "评估结果")
        statuses = {row[headers.index("状态")] for row in rows}
        assert statuses <= labels, statuses - labels  # symbol and word, never a key or a bare word
        shown |= statuses
        sources = {s for row in rows for s in (row[headers.index("数据来源")] or "").split("、") if s}
        assert sources and sources <= {spec["title"] for spec in CONTEXT.sources.values()}, sources
        headers, rows = _rows(book, "重大工程")
        assert {row[headers.index("状态")] for row in rows} <= labels
    assert {"— 无分解目标", "◇ 市级指标", "★ 已完成"} <= shown


@pytest.mark.e2e
def test_the_values_sheet_holds_a_value_in_every_row_up_to_the_year(books, sample_processed):
    values = open_datasets(sample_processed, CONTEXT).read("values")
    names, units = ({i.id: getattr(i, a) for i in CONTEXT.plan.indicators} for a in ("name", "unit"))
    for year, path in books.items():
        headers, rows = _rows(openpyxl.load_workbook(path, read_only=True), "指标值")
        years = [f"{y}年" for y in range(CONTEXT.plan.base_year, year + 1)]
        assert headers == ["编号", "指标", "单位", "地区代码", "地区", *years], (year, headers)  # no later year
        assert all(any(isinstance(v, float | int) for v in row[5:]) for row in rows), year  # no empty row
        expected = values[(values["year"] <= year)].dropna(subset=["value"])
        assert len(rows) == expected.groupby(["indicator", "area_code"]).ngroups  # 92 rows, not 686 or 98
        for row in rows:
            assert (row[1], row[2], row[4]) == (names[row[0]], units[row[0]], CONTEXT.areas.names[row[3]])
        stored = expected.set_index(["indicator", "area_code", "year"])["value"]
        cells = {(r[0], r[3], int(h[:-1])): v for r in rows for h, v in zip(years, r[5:], strict=True)
                 if v is not None}
        assert cells == pytest.approx(stored.to_dict())


@pytest.mark.e2e
def test_the_final_workbook_judges_achievement_not_pace(books):
    for year, pace in ((2023, True), (2025, False)):
        book = openpyxl.load_workbook(books[year], read_only=True)
        evaluation, _ = _rows(book, "评估结果")
        flagship, _ = _rows(book, "重大工程")
        assert ("序时进度" in evaluation) is pace and ("进度比r" in evaluation) is pace
        assert ("序时进度" in flagship) is pace and ("按现速2025年预计" in evaluation) is pace
        assert ("2030年趋势参考值（按2020—2025年增速）" in evaluation) is not pace
    evaluation, rows = _rows(openpyxl.load_workbook(books[2025], read_only=True), "评估结果")
    notes = {row[evaluation.index("备注")] for row in rows} - {None}
    assert notes and all(re.fullmatch(r"样本不足（n=\d），不评级.*", n) for n in notes)
