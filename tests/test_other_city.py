"""A file of the wrong city fed to a plan (data-contract.md, "Areas"): a row that names another city of the province —
in its address, its authority (处罚机关, 办理机构, 发文单位), its court code (粤16… against 粤14…) or its file's title
lines — is out of scope with reason `other_city`, never the plan's city. Rows that name no place at all stay with the
plan's city (and the holder address book), as before.

The same raw folder is cleaned for the 河源 plan (conf/base) and for the 梅州 plan (tests/data/plan_b): each keeps its
own rows and sets the other's aside. Every fixture is written into tmp_path; the counts are worked by hand below.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import CONTEXT, REPO, assert_accounts, write_csv, write_xlsx
from helpers.cleaning import clean_all
from helpers.context import Context
from helpers.indicators import Tables
from helpers.pipeline.stages import values_stage

HEYUAN, MEIZHOU = "441600", "441400"
MEIZHOU_PLAN = Context.load(REPO, REPO / "tests" / "data" / "plan_b")


def _raw(raw: Path) -> Path:
    # a 双公示 / bureau ledger without 所在区县: the 处罚机关 names the city (河源's first two rows, 梅州's third);
    # the fourth names no place (a provincial bureau) and stays with either plan's city (holder not found)
    write_csv(raw, "enforcement_cases", "ledger.csv",
              ["案件编号", "案件类别", "结案日期", "处罚机关", "行政相对人名称", "所在区县"], [
                  ["E1", "商标", "2022-03-01", "河源市市场监督管理局", "甲公司", ""],
                  ["E2", "专利", "2022-04-01", "河源市市场监督管理局", "乙公司", ""],
                  ["E3", "专利", "2022-05-01", "梅州市市场监督管理局", "丙公司", ""],
                  ["E4", "商标", "2022-06-01", "广东省市场监督管理局", "丁公司", ""],
              ])
    # a city's award list: only its title names the city
    write_xlsx(raw, "patent_awards", "awards.xlsx", ["年度", "奖项", "专利号", "专利名称", "专利权人"], [
        [2021, "广东专利优秀奖", "ZL201922919272.2", "一种电路板检测设备", "某科技有限公司"],
    ], title="河源市获中国专利奖、广东专利奖项目名单")
    # the policy register: the 发文单位 names the city; a provincial document names none
    write_csv(raw, "policies", "register.csv", ["文件名称", "文号", "发文单位", "印发日期", "状态"], [
        ["关于强化知识产权保护的若干措施", "河府办〔2022〕15号", "河源市人民政府办公室", "2022-06-30", "现行有效"],
        ["知识产权质押融资工作方案", "梅市监〔2022〕3号", "梅州市市场监督管理局", "2022-07-01", "现行有效"],
        ["知识产权强省建设纲要", "粤发〔2022〕1号", "广东省人民政府", "2022-08-01", "现行有效"],
    ])
    # court cases: first instances by their court code; appeals to the provincial court by the 原审案号 they cite
    court_header = ["案号", "审理程序", "案由", "法院", "结案日期", "原审案号", "是否上诉"]
    write_csv(raw, "court_cases", "court.csv", court_header, [
        ["(2022)粤16民初6号", "一审", "侵害商标权纠纷", "河源市中级人民法院", "2022-03-01", "", "是"],
        ["(2022)粤1602民初4号", "一审", "侵害商标权纠纷", "源城区人民法院", "2022-03-02", "", "否"],
        ["(2023)粤民终21号", "二审", "侵害商标权纠纷", "广东省高级人民法院", "2023-02-01", "(2022)粤16民初6号", ""],
        ["(2022)粤14民初9号", "一审", "侵害商标权纠纷", "梅州市中级人民法院", "2022-03-03", "", "是"],
        ["(2022)粤1402民初5号", "一审", "侵害商标权纠纷", "梅江区人民法院", "2022-03-04", "", "否"],
        ["(2023)粤民终22号", "二审", "侵害商标权纠纷", "广东省高级人民法院", "2023-02-02", "(2022)粤14民初9号", ""],
    ])
    # a rights-assistance ledger with no 所在区县: the 办理机构 names the city in brackets
    write_csv(raw, "assistance_cases", "ledger.csv", ["案件编号", "受理日期", "案件类型", "办理机构", "所在区县"], [
        ["A1", "2022-02-11", "维权援助", "广东省知识产权保护中心维权援助（河源）分中心", ""],
        ["A2", "2022-02-12", "调解", "梅州市知识产权维权援助中心", ""],
    ])
    # a GI list: a city-wide protection scope names the city
    write_csv(raw, "gi_products", "register.csv", ["产品名称", "批准日期", "保护范围", "所在区县"], [
        ["河源米粉", "2016-12-20", "河源市现辖行政区域", ""],
        ["梅州柚", "2016-01-05", "梅州市现辖行政区域", ""],
    ])
    return raw


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _raw(tmp_path_factory.mktemp("other_city") / "raw")


def _cleaned(raw: Path, context: Context):  # noqa: ANN202 — a CleanRun
    run = clean_all(raw, context)
    assert_accounts(run)
    return run


def _kept_and_aside(run, source: str, key: str) -> tuple[list[str], list[str]]:  # noqa: ANN001
    """The source's clean keys, and the lines set aside as another city's."""
    result = run.results[source]
    aside = result.quarantine[result.quarantine["reason"] == "other_city"]
    assert (aside["outcome"] == "out_of_scope").all()
    return sorted(result.clean[key].astype(str)), sorted(aside["line"].tolist())


@pytest.mark.parametrize("context, city", [(MEIZHOU_PLAN, MEIZHOU), (CONTEXT, HEYUAN)], ids=["梅州", "河源"])
def test_rows_naming_another_city_are_out_of_scope_for_either_plan(raw: Path, context: Context, city: str) -> None:
    run = _cleaned(raw, context)
    heyuan = city == HEYUAN
    # lines: the header is line 1 (line 2 in the titled workbook)
    assert _kept_and_aside(run, "enforcement_cases", "case_key") == (
        (["E1", "E2", "E4"], [4]) if heyuan else (["E3", "E4"], [2, 3]))
    assert _kept_and_aside(run, "patent_awards", "award") == ((["广东专利优秀奖"], []) if heyuan else ([], [3]))
    province = "广东省人民政府"  # a provincial document names no city: either plan keeps it
    assert _kept_and_aside(run, "policies", "issuer") == (
        ([province, "河源市人民政府办公室"], [3]) if heyuan else ([province, "梅州市市场监督管理局"], [2]))
    assert _kept_and_aside(run, "court_cases", "case_no") == (
        (["(2022)粤1602民初4号", "(2022)粤16民初6号", "(2023)粤民终21号"], [5, 6, 7]) if heyuan else
        (["(2022)粤1402民初5号", "(2022)粤14民初9号", "(2023)粤民终22号"], [2, 3, 4]))
    assert _kept_and_aside(run, "assistance_cases", "case_no") == ((["A1"], [3]) if heyuan else (["A2"], [2]))
    assert _kept_and_aside(run, "gi_products", "product") == ((["河源米粉"], [3]) if heyuan else (["梅州柚"], [2]))
    for source, result in run.results.items():  # every kept row is the plan's
        assert result.clean["area_code"].str.startswith(city[:4]).all(), source
    # the enforcement row that names no place is the plan's city's (no holder in the book)
    enforcement = run.results["enforcement_cases"].clean.set_index("case_key")
    assert enforcement.loc["E4", "area_code"] == city and enforcement.loc["E4", "area_from"] == "holder_not_found"


def test_the_second_plan_counts_none_of_the_first_citys_cases(raw: Path) -> None:
    """M5 (专利、商标行政案件结案数量) of 梅州 in 2022: E3 and E4 — not 河源's E1 and E2 (today's code: 4)."""
    run = _cleaned(raw, MEIZHOU_PLAN)
    values = values_stage(Tables.from_run(run), MEIZHOU_PLAN.plan, MEIZHOU_PLAN.areas)["values"]
    m5 = values[(values["indicator"] == "M5") & (values["area_code"] == MEIZHOU)].set_index("year")["value"]
    assert m5[2022] == 2


def test_the_plans_court_code_comes_from_its_areas_and_the_others_from_the_province() -> None:
    assert (CONTEXT.areas.court_code, MEIZHOU_PLAN.areas.court_code) == ("16", "14")
    assert CONTEXT.areas.other_courts["14"] == MEIZHOU and MEIZHOU_PLAN.areas.other_courts["16"] == HEYUAN
    assert len(CONTEXT.areas.other_courts) == 20  # the province's 21 cities but the plan's own
