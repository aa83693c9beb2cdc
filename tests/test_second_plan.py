"""A second plan by configuration alone: another city, its own areas, five indicators of existing kinds, no
high-value indicator and one flagship target (tests/data/plan_b), cleaned, evaluated and rendered through the
command line exactly as the first plan is, with no code of its own. Values are hand-computed below."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from conftest import REPO, app_no, run_cli, write_csv
from helpers.context import Context
from helpers.pipeline import Datasets

PLAN_B = REPO / "tests" / "data" / "plan_b"
CITY, MEIJIANG, MEIXIAN, WUHUA, XINGNING = "441400", "441402", "441403", "441424", "441481"
ADDRESS = {MEIJIANG: "广东省梅州市梅江区彬芳大道1号", MEIXIAN: "梅州市梅县区新城", WUHUA: "梅州市五华县水寨镇",
           XINGNING: "梅州市兴宁市兴田街道"}
COUNTY_NAMES = {MEIJIANG: "梅江区", MEIXIAN: "梅县", WUHUA: "五华县", XINGNING: "兴宁"}


def _raw(raw: Path) -> Path:
    write_csv(raw, "patents", "p.csv", ["申请号", "专利类型", "申请日", "授权公告日", "申请人", "申请人地址"], [
        [app_no("201810000001"), "发明", "2018-01-01", "2019-05-01", "甲", ADDRESS[MEIJIANG]],
        [app_no("201910000002"), "发明", "2019-01-01", "2020-06-01", "乙", ADDRESS[XINGNING]],
        [app_no("202010000003"), "发明", "2020-01-01", "2022-03-01", "丙", ADDRESS[WUHUA]],
        [app_no("202010000004"), "发明", "2020-01-01", "2021-04-01", "丁", "广东省河源市源城区"],  # not this city
    ])
    write_csv(raw, "population", "pop.csv", ["年度", "地区", "常住人口"],
              [*([year, "梅州市", 2] for year in (2020, 2021, 2022, 2023)), [2022, "五华县", 0.5]])
    marks = ["注册号", "商标名称", "申请人名称（中文）", "申请人地址（中文）", "注册日期", "专用权期限"]
    write_csv(raw, "trademarks", "t.csv", marks, [
        ["1", "甲", "甲公司", ADDRESS[MEIXIAN], "2019-03-01", "2019-03-01至2029-02-28"],
        ["2", "乙", "乙公司", ADDRESS[MEIJIANG], "2021-05-01", "2021-05-01至2031-04-30"],
        ["3", "丙", "丙公司", ADDRESS[XINGNING], "2022-07-01", "2022-07-01至2032-06-30"],
        ["4", "丁", "丁公司", "广东省广州市天河区", "2020-02-01", "2020-02-01至2030-01-31"],
    ])
    copyright_years = {2019: 2, 2020: 2, 2021: 3, 2022: 2, 2023: 4}
    write_csv(raw, "copyright", "c.csv", ["登记号", "作品名称", "著作权人", "著作权人地址", "登记日期"], [
        [f"{year}-{n}", f"作品{year}{n}", "某人", ADDRESS[MEIJIANG], f"{year}-04-0{n + 1}"]
        for year, count in copyright_years.items() for n in range(count)])
    pledges = ["登记号", "权利类型", "出质人", "出质人地址", "质权人", "登记生效日", "质押金额"]
    write_csv(raw, "pledges", "z.csv", pledges, [
        ["Z1", "商标", "甲公司", ADDRESS[MEIXIAN], "某银行", "2021-06-01", "200"],
        ["Z2", "商标", "乙公司", ADDRESS[MEIXIAN], "某银行", "2022-06-01", "300"],
        ["Z3", "商标", "丙公司", ADDRESS[MEIJIANG], "某银行", "2023-06-01", "600"],
    ])
    closed = {2021: [MEIJIANG, WUHUA], 2022: [MEIJIANG, MEIJIANG, XINGNING], 2023: [WUHUA] * 4}
    write_csv(raw, "enforcement_cases", "e.csv", ["案件编号", "案件类别", "结案日期", "所在区县"], [
        [f"E{year}{n}", "专利" if n % 2 else "商标", f"{year}-09-0{n + 1}", COUNTY_NAMES[area]]
        for year, areas in closed.items() for n, area in enumerate(areas)])
    return raw


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The second plan's raw folder cleaned into datasets, its 2022 workbook and its 2022 reports."""
    root = tmp_path_factory.mktemp("plan_b")
    raw, processed, reports = _raw(root / "raw"), root / "processed", root / "reports"
    plan = ["--plan", str(PLAN_B)]
    for args in (["clean", "--raw-dir", str(raw), "--out", str(processed)],
                 ["evaluate", "--processed", str(processed), "--reports", str(reports), "--year", "2022"],
                 ["run", "--processed", str(processed), "--reports", str(reports), "--years", "2022", "--areas", "all",
                  "--formats", "html,pdf"]):
        result = run_cli(*args, *plan, timeout=600)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Traceback" not in result.stdout + result.stderr
    return {"raw": raw, "processed": processed, "reports": reports}


@pytest.fixture(scope="module")
def context() -> Context:
    return Context.load(REPO, PLAN_B)


def test_the_plan_folder_replaces_the_plan_and_keeps_the_rest(context: Context) -> None:
    assert context.areas.city_name == "梅州市" and context.areas.county_codes == [MEIJIANG, MEIXIAN, WUHUA, XINGNING]
    assert [i.id for i in context.plan.indicators] == ["M1", "M2", "M3", "M4", "M5"]
    assert context.plan.high_value_indicator is None
    assert context.sources == Context.load(REPO).sources, "the source catalog is conf/base's"
    assert context.cleaning.reasons["out_of_scope"] == "不在梅州市范围内"


@pytest.mark.e2e
def test_values_of_the_second_plan(built: dict[str, Path], context: Context) -> None:
    datasets = Datasets(built["processed"], context.datasets)
    values = datasets.read("values").set_index(["indicator", "area_code", "year"])["value"]
    # M1: valid inventions ÷ 2 万人: 2020 P1 P2 = 1.0, 2022 + P3 = 1.5 (P4 is in 河源市: out of this plan's scope)
    assert values[("M1", CITY, 2020)] == pytest.approx(1.0) and values[("M1", CITY, 2022)] == pytest.approx(1.5)
    assert values[("M1", WUHUA, 2022)] == pytest.approx(2.0)  # P3 ÷ its own 0.5 万人
    # M2: registered marks in force at year end: 1 (2019), 2 (2021), 3 (2022); 广州's is out of scope
    assert [values[("M2", CITY, y)] for y in (2020, 2021, 2022, 2023)] == [1, 2, 3, 3]
    # M3: CAGR of yearly registrations since 2020 (2 a year): 2021 3/2 → 50 %, 2023 (4/2)^(1/3) − 1 → 25.99 %
    assert values[("M3", CITY, 2021)] == pytest.approx(50) and values[("M3", CITY, 2023)] == pytest.approx(25.992, 1e-3)
    # M4: 200, 300, 600 万元; M5: cases closed 2, 3, 4
    assert [values[("M4", CITY, y)] for y in (2021, 2022, 2023)] == [200, 300, 600]
    assert [values[("M5", CITY, y)] for y in (2021, 2022, 2023)] == [2, 3, 4]
    assert datasets.read("high_value").empty and datasets.read("visits").empty
    recon = datasets.read("reconciliation").groupby("source")["out_of_scope"].sum()
    assert recon["patents"] == 1 and recon["trademarks"] == 1


@pytest.mark.e2e
def test_evaluation_and_flagship_of_the_second_plan(built: dict[str, Path], context: Context) -> None:
    datasets = Datasets(built["processed"], context.datasets)
    evaluation = datasets.read("evaluation")
    city = evaluation[(evaluation["year"] == 2022) & (evaluation["area_code"] == CITY)].set_index("indicator")
    # M4: no 2020 pledge → the plan's base 100; P = (300 − 100)/(500 − 100) = 0.5, τ = 0.4 → r = 1.25 → ahead
    assert city.loc["M4", "ratio"] == pytest.approx(1.25) and city.loc["M4", "status"] == "ahead"
    # M5: a floor of 3, 3 closed → 已达标 (a floor in an annual-monitoring year);
    # M2: the data's 2020 value 1 is the base (not the plan's 4):
    # P = (3 − 1)/(10 − 1) = 2/9, τ = 0.4 → r = 0.556 → serious
    assert city.loc["M5", "status"] == "reached" and city.loc["M5", "mode"] == "annual"
    assert city.loc["M2", "ratio"] == pytest.approx(2 / 9 / 0.4) and city.loc["M2", "status"] == "serious"
    flagship = datasets.read("flagship").set_index(["id", "year"])
    # F1: 200 + 300 = 500 of 1500 by 2022 → 1/3, τ = 0.4 → r = 0.83 → lagging
    assert flagship.loc[("F1", 2022), "value"] == 500 and flagship.loc[("F1", 2022), "status"] == "lagging"


@pytest.mark.e2e
def test_reports_of_the_second_plan_name_its_own_places_and_nothing_of_the_first(built: dict[str, Path],
                                                                                  context: Context) -> None:
    folder = built["reports"] / "2022"
    pages = {p.stem: p.read_text(encoding="utf-8") for p in folder.glob("*.html")}
    assert set(pages) == {f"{code}_{name}" for code, name in context.areas.names.items()}
    city = pages[f"{CITY}_梅州市"]
    for text in ("梅州市知识产权规划（测试用）实施年度监测报告（2022年）", "（一）知识产权创造",
                 "（二）知识产权运用与保护", "坚持质量导向。", "质押融资登记金额累计", *(i.name for i in
                                                                      context.plan.indicators)):
        assert text in city, text
    for page in [*pages.values(), (built["reports"] / "index.html").read_text(encoding="utf-8")]:
        assert "河源" not in page and "高价值" not in page and "粤东西北" not in page
    assert (folder / f"{CITY}_梅州市.pdf").stat().st_size > 10_000
    record = json.loads((folder / f"{WUHUA}_五华县.json").read_text(encoding="utf-8"))
    assert record["state"] == "done"


@pytest.mark.e2e
def test_the_second_plan_is_benchmarked_among_its_own_peers(built: dict[str, Path], context: Context) -> None:
    """Its peers, and what it calls them, are its areas.yaml's: none of the first plan's 12 粤东西北 cities (河源
    among them) comes from conf/base; a department is read with its own city's names."""
    assert context.official.peer_name == "粤北山区"
    assert list(context.official.peers) == [CITY, "440200", "441800", "445300"]  # 梅州, 韶关, 清远, 云浮
    assert context.plan_items.city_words == ("梅州市", "梅州")
    city = (built["reports"] / "2022" / f"{CITY}_梅州市.html").read_text(encoding="utf-8")
    # no official figures were supplied: the benchmark section names this plan's peers
    assert "对标分析需要粤北山区4市中至少" in city


@pytest.mark.e2e
def test_workbook_of_the_second_plan(built: dict[str, Path]) -> None:
    book = openpyxl.load_workbook(built["reports"] / "2022" / "indicators_2022.xlsx")
    frame = pd.DataFrame(book["评估结果"].values)
    assert set(frame.iloc[1:, 0]) == {"M1", "M2", "M3", "M4", "M5"}
    assert not any("河源" in str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                   for cell in row)
