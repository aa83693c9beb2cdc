"""One verdict per thing (conclusions.md §2, issue 26), on the shipped sample's reports: an item's grade explains
itself and its 专栏 tables agree, a county report speaks of the county, small numbers are not judged. (One value
per indicator and year: tests/test_official_stats.py.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import CONTEXT
from helpers.report import Report
from helpers.report.charts import Charts
from helpers.report.items import verified

CITY, ZIJIN = "441600", "441621"


def _text(report: Report, only: list[str]) -> str:
    html = "".join(section.data for section in report.sections(only=only))
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r'src="[^"]*"', "", html)))


def _rows(report: Report, section: str, caption: str) -> dict[str, str]:
    """The body rows of the table whose caption contains `caption`, by their first cell, as text."""
    html = "".join(s.data for s in report.sections(only=[section]))
    table = next(t for t in re.findall(r"<caption>.*?</table>", html, flags=re.S)
                 if caption in t.split("</caption>")[0])
    rows = {}
    for row in re.findall(r"<tr.*?</tr>", table.split("<tbody>")[1], flags=re.S):
        cells = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<t[hd]\b.*?</t[hd]>",
                                                                                             row, flags=re.S)]
        if cells:
            rows[cells[0]] = " | ".join(cells)
    return rows


@pytest.fixture(scope="module")
def reports(sample_processed: Path) -> dict[tuple[int, str], Report]:
    return {(year, area): Report.load(sample_processed, year, area, context=CONTEXT)
            for year, area in ((2024, CITY), (2025, CITY), (2025, ZIJIN), (2023, ZIJIN))}


# ----------------------------------------------------------------------------- an item's grade explains itself
def test_a_zhuanlan_whose_number_is_met_but_work_late_shows_both_and_agrees_with_the_targets_table(reports) -> None:
    report = reports[(2024, CITY)]
    items = _rows(report, "flagship", "实施情况")
    targets = _rows(report, "flagship", "量化目标")
    # 专栏2: 1.02 of 1 per 10 000 people (已完成 in the targets table), its departments' work 按计划推进
    assert "● 按计划推进 | 量化目标：已完成（1.02，目标1.00）；工作推进：按计划推进（" in items["专栏2"]
    assert "★ 已完成" in targets["专栏2"] and "量化目标：已完成（50,500，目标50,000）" in items["专栏4"]
    # by construction: a 专栏's quantified part is 已完成 exactly where the targets table says 已完成
    for column, row in targets.items():
        if "量化目标：" in items[column]:
            assert ("量化目标：已完成" in items[column]) == ("★ 已完成" in row), column
    # the final report's period table gives each commitment's period grade the same way
    final = _rows(reports[(2025, CITY)], "flagship", "终期核定")
    assert "☆ 基本完成 | 量化目标：已完成（期末1.26，目标1.00）；持续性工作：基本完成（" in final["Z2"]


def test_a_task_is_not_completed_while_its_own_zhuanlan_lags(reports) -> None:
    report = reports[(2024, CITY)]
    assert verified(report).loc["T4.5", "verified_grade"] == "on_track"  # 专栏8: 4 of 5 navigations
    row = _rows(report, "tasks", "强化知识产权高效益运用")["T4.5"]
    assert "★ 已完成 | ● 按计划推进" in row and "专栏8量化目标：按计划推进（4，目标5）" in row
    assert "工作推进：已完成（" in row
    summary = _text(report, ["tasks"])
    assert "T4.5“促进知识产权与产业深度融合”：自评“已完成”，核实为“按计划推进”——" \
        "数据核定（Z8）：2024年数据：4（目标5）" in summary
    final = _rows(reports[(2025, CITY)], "tasks", "强化知识产权高效益运用")["T4.5"]
    assert "▽ 未完成" in final and "专栏8量化目标：未完成（期末4，目标5，目标完成度80%）" in final


# ----------------------------------------------------------------------------- a county report speaks of the county
def test_a_county_report_shows_no_other_countys_progress_and_labels_the_citys_tables(reports) -> None:
    others = [name for code, name in CONTEXT.plan_items.county_departments.items() if code != ZIJIN]
    for key in ((2025, ZIJIN), (2023, ZIJIN)):
        text = _text(reports[key], [s.id for s in reports[key].outline()])
        assert not [name for name in others if name in text], f"another county's text in 紫金县's {key[0]} report"
    mid_term = reports[(2023, ZIJIN)]  # the year's table, with the county government's own progress text
    safeguards = _rows(mid_term, "safeguards", "保障措施2023年落实情况")
    assert "紫金县人民政府围绕“加强组织领导”" in safeguards["S1"] and safeguards["S2"].endswith("| —")
    text = _text(reports[(2025, ZIJIN)], [s.id for s in reports[(2025, ZIJIN)].outline()])
    for caption in ("发展目标（方向性）实现情况（全市）", "保障措施2021—2025年落实情况（终期核定）（全市）",
                    "重大政策出台情况（全市，截至2025年底）", "重大工程（专栏）2021—2025年实施情况（终期核定）（全市）",
                    "重大工程（专栏）量化目标2025年进展（全市）", "数据来源与读取情况（全市）"):
        assert caption in text, caption
    assert "方向性目标均为全市目标，属市级指标" in text


def test_a_county_reports_recommendations_are_addressed_to_the_county_government(reports) -> None:
    for key in ((2025, ZIJIN), (2023, ZIJIN)):
        text = _text(reports[key], ["recommendations"])
        assert "（责任单位：紫金县人民政府及其有关部门）" in text
        assert "市市场监督管理局" not in text and "市科学技术局" not in text and "市委宣传部" not in text
    # the closing recommendation is the county's: its monitoring while the plan runs, its 十五五 plan after it
    assert "本县（区）规划实施年度监测机制" in _text(reports[(2023, ZIJIN)], ["recommendations"])
    assert "对本县（区）未完成的指标和任务逐项分析原因" in _text(reports[(2025, ZIJIN)], ["recommendations"])
    assert "（责任单位：市委宣传部（市版权局））" in _text(reports[(2025, CITY)], ["recommendations"])


# ----------------------------------------------------------------------------- small numbers are not judged
def test_a_rate_from_one_case_is_not_judged_nor_counted(reports) -> None:
    report = reports[(2025, ZIJIN)]
    own = report.data.own.set_index("indicator")
    i11 = own.loc["I11"]  # the sample's 紫金县 concludes a case or two a year: a rate from too few cases
    n = int(i11["rows"])
    assert i11["status"] == "small_sample" and 0 < n < 10
    rows = _rows(report, "indicators", "主要指标完成情况")
    assert rows["11"].endswith(f"□ 样本不足 n={n}，不评级") and "已完成" not in rows["11"]
    summary = _text(report, ["summary"])
    met = int((own["status"] == "met").sum())  # the tally counts the judged indicators only
    assert f"已完成{met}项" in summary and "样本不足（不评级）1项" in summary
    assert f"仅有{n}个案件或样本（不足10个），样本不足，不评级" in _text(report, ["domains"])


def test_the_county_chart_marks_each_bar_from_too_few_cases_with_its_n(reports, monkeypatch) -> None:
    drawn = []
    original = Charts.comparisons
    monkeypatch.setattr(Charts, "comparisons", lambda self, panels: drawn.extend(panels) or original(self, panels))
    monkeypatch.setattr(reports[(2025, CITY)].charts, "store", None)  # drawn here, not read back from the store
    _text(reports[(2025, CITY)], ["domains"])
    panel = next(p for p in drawn if p.title.endswith("服判息诉率"))
    evaluation = reports[(2025, CITY)].data.evaluation
    few = evaluation[(evaluation["indicator"] == "I11") & (evaluation["status"] == "small_sample")]
    expected = {CONTEXT.areas.names[r["area_code"]]: int(r["rows"]) for _, r in few.iterrows()}
    assert expected and panel.small == expected
