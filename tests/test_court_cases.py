"""Court cases: the I11 scope (Part 5 of 《民事案件案由规定》, conf/base/court_cases.yaml) and 裁判文书 exports read as
cases, through the real cleaner and the indicator engine.

Spec: evaluation-method.md "I11 scope"; data-contract.md "What real exports lack" (裁判文书 exports). Every fixture is
written into tmp_path; the expected values are worked by hand in the comments.
"""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import CONTEXT, clean, write_csv
from helpers.cleaning.courts import catalogue_names
from helpers.indicators import Tables
from helpers.pipeline.stages import values_stage

CITY, YUANCHENG, ZIJIN, LONGCHUAN, DONGYUAN = "441600", "441602", "441621", "441622", "441625"
COURTS = CONTEXT.cleaning.courts

# the header of a 裁判文书 dump as published (data-contract.md, "What real exports lack")
DUMP_HEADER = ["原始链接", "案号", "案件名称", "法院", "所属地区", "案件类型", "案件类型编码", "来源", "审理程序",
               "裁判日期", "公开日期", "当事人", "案由", "法律依据", "全文"]
CONTRACT_HEADER = ["案号", "审理程序", "案由", "法院", "结案日期", "原审案号", "是否上诉"]


def values_of(run) -> dict:
    values = values_stage(Tables.from_run(run), CONTEXT.plan, CONTEXT.areas)["values"]
    i11 = values[values["indicator"] == "I11"]
    return {(row.area_code, int(row.year)): row.value for row in i11.itertuples()}


def set_aside(run) -> dict[str, int]:
    q = run.results["court_cases"].quarantine
    return q[q["outcome"] == "out_of_scope"]["reason"].value_counts().to_dict()


def warnings(run) -> dict[str, int]:
    w = run.table("warnings")
    return w[w["source"] == "court_cases"].groupby("warning")["rows"].sum().to_dict()


# ============================================================================= the catalogue
def test_catalogue_names_and_loose_spellings_are_ip_and_other_causes_are_not():
    names = catalogue_names(CONTEXT.conf.read("court_cases")["ip_causes"])
    assert {"侵害作品信息网络传播权纠纷", "著作权权属、侵权纠纷", "侵害出版者权纠纷", "侵害企业名称（商号）权纠纷",
            "网络域名权属、侵权纠纷", "确认不侵害知识产权纠纷", "因恶意提起知识产权诉讼损害责任纠纷",
            "垄断协议纠纷"} <= set(names)
    loose = ["侵害商标权、不正当竞争纠纷", "侵害信息网络传播权纠纷", "著作权侵权纠纷", " 侵害 作品 复制权纠纷",
             "商标侵权纠纷"]
    outside = ["买卖合同纠纷", "劳动争议", "民间借贷纠纷", "农业技术服务合同纠纷", "名称权纠纷", "网络侵权责任纠纷",
               "演出合同纠纷", "网络服务合同纠纷", "质押合同纠纷", "竞业限制纠纷"]
    judged = COURTS.is_ip(pd.Series([*names, *loose, *outside, None], dtype="str"))
    assert judged.iloc[:len(names) + len(loose)].all()  # every cause of Part 5 and the loose spellings
    assert not judged.iloc[len(names) + len(loose):-1].any()  # none of the other parts'
    assert judged.isna().iloc[-1]  # no 案由: undecided (out of scope as cause_missing)


def test_catalogue_is_numbered_as_the_rules_number_it():
    sections = CONTEXT.conf.read("court_cases")["ip_causes"]["sections"]
    assert [s["number"] for s in sections] == ["十三", "十四", "十五", "十六"]
    numbers = [n for s in sections for n in s["causes"]]
    assert numbers == list(range(146, 186))  # causes 146–185, in order, none missing


# ============================================================================= I11 scope through the engine
def test_i11_counts_every_part_5_cause_and_every_court_of_the_city(tmp_path):
    raw = tmp_path / "raw"
    write_csv(raw, "court_cases", "court.csv", CONTRACT_HEADER, [
        ["（2021）粤1602民初1号", "一审", "侵害作品信息网络传播权纠纷", "源城区人民法院", "2021-03-01", "", "否"],
        ["（2021）粤16民初2号", "一审", "著作权权属、侵权纠纷", "河源市中级人民法院", "2021-04-01", "", "是"],
        ["（2021）粤1621民初3号", "一审", "垄断协议纠纷", "紫金县人民法院", "2021-05-01", "", "否"],
        ["（2021）粤1602民初4号", "一审", "技术服务合同纠纷", "源城区人民法院", "2021-06-01", "", "否"],
        ["（2021）粤1602民初5号", "一审", "买卖合同纠纷", "源城区人民法院", "2021-07-01", "", "是"],        # not IP
        ["（2021）粤1602民初6号", "一审", "农业技术服务合同纠纷", "源城区人民法院", "2021-08-01", "", "是"],  # not IP
        ["（2021）粤1621民初7号", "一审", "", "紫金县人民法院", "2021-09-01", "", "是"],                  # no 案由
    ])
    run = clean(raw)
    assert set_aside(run) == {"cause_not_ip": 2, "cause_missing": 1}
    got = values_of(run)
    # city 2021: 民初1 (源城), 民初2 (粤16: the intermediate court → the city only), 民初3 (紫金), 民初4 (源城)
    # = 4 cases, appealed 民初2 = 1 → (1 − 1/4) × 100 = 75.0;  源城: 1 and 4, none appealed → 100;  紫金: 3 → 100
    # (today's keyword list counted only 民初2: 0.0)
    assert got[(CITY, 2021)] == pytest.approx(75.0)
    assert got[(YUANCHENG, 2021)] == pytest.approx(100.0)
    assert got[(ZIJIN, 2021)] == pytest.approx(100.0)


# ============================================================================= 裁判文书 dumps
def doc(case_no, title, court, procedure, date, cause, text, case_type="民事案件", code="2"):
    return ["https://wenshu.court.gov.cn/website/wenshu/181107ANFZ0BXSK4/index.html?docId=x", case_no, title, court,
            "广东省", case_type, code, "裁判文书网", procedure, date, date, "甲公司；乙公司", cause,
            "《中华人民共和国民事诉讼法》第一百四十五条", text]


JUDGMENT = "本院认为……判决如下：一、被告立即停止侵权；二、被告赔偿原告经济损失。"
DUMP_GBK = [
    # 1 源城 judgment
    doc("（2023）粤1602民初101号", "甲公司与乙公司侵害作品信息网络传播权纠纷一审民事判决书", "源城区人民法院",
        "民事一审", "2023-03-10", "侵害作品信息网络传播权纠纷", JUDGMENT),
    # 2 龙川 judgment, appealed (document 8 cites it)
    doc("（2023）粤1622民初33号", "甲公司与乙公司侵害商标权纠纷一审民事判决书", "龙川县人民法院", "民事一审",
        "2023-05-06", "侵害商标权纠纷", JUDGMENT),
    # 3 the intermediate court: a ruling allowing withdrawal concludes the case
    doc("（2023）粤16民初7号", "甲公司与乙公司著作权权属、侵权纠纷一审民事裁定书", "河源市中级人民法院", "民事一审",
        "2023-06-01", "著作权权属、侵权纠纷", "原告于2023年5月20日向本院提出撤诉申请。裁定如下：准许原告甲公司撤诉。"),
    # 4 东源 judgment (its copy in the other file is the same case)
    doc("（2023）粤1625民初12号", "甲公司与乙公司侵害发明专利权纠纷一审民事判决书", "东源县人民法院", "民事一审",
        "2023-08-01", "侵害发明专利权纠纷", JUDGMENT),
    # 5 紫金: a ruling dismissing the claim concludes the case
    doc("（2023）粤1621民初5号", "甲公司与乙公司不正当竞争纠纷一审民事裁定书", "紫金县人民法院", "民事一审",
        "2023-09-15", "不正当竞争纠纷", "本院经审查认为……裁定如下：驳回原告甲公司的起诉。"),
    # 6 not IP
    doc("（2023）粤1621民初6号", "甲公司与乙公司买卖合同纠纷一审民事判决书", "紫金县人民法院", "民事一审",
        "2023-10-01", "买卖合同纠纷", JUDGMENT),
    # 7 a jurisdiction-objection ruling of a first-instance case: concludes nothing
    doc("（2023）粤1621民初8号", "甲公司与乙公司侵害商标权纠纷一审民事裁定书", "紫金县人民法院", "民事一审",
        "2023-04-01", "侵害商标权纠纷", "裁定如下：驳回被告乙公司对本案管辖权提出的异议。"),
]
DUMP_BOM = [
    # 8 the appeal of 2: 原审案号 from 全文
    doc("（2023）粤16民终88号", "乙公司、甲公司侵害商标权纠纷二审民事判决书", "河源市中级人民法院", "民事二审",
        "2023-11-20", "侵害商标权纠纷",
        "上诉人乙公司因与被上诉人甲公司侵害商标权纠纷一案，不服广东省龙川县人民法院（2023）粤1622民初33号民事判决，"
        "向本院提起上诉。……判决如下：驳回上诉，维持原判。"),
    # 9 an enforcement document, its date missing: out of scope, not rejected
    doc("（2023）粤1602执55号", "甲公司、乙公司侵害商标权纠纷首次执行执行裁定书", "源城区人民法院", "执行实施",
        "", "侵害商标权纠纷", "本院在执行过程中……裁定如下：终结本次执行程序。", case_type="执行案件", code="10"),
    # 10 a preservation ruling
    doc("（2023）粤1602财保3号", "甲公司财产保全民事裁定书", "源城区人民法院", "非诉财产保全审查",
        "2023-02-01", "侵害商标权纠纷", "裁定如下：冻结被申请人乙公司银行存款。",
        case_type="非诉保全审查案件", code="9"),
    # 11 a jurisdiction appeal citing 1: no appeal link (a 管辖 document)
    doc("（2023）粤16民辖终9号", "乙公司、甲公司管辖权异议二审民事裁定书", "河源市中级人民法院", "民事管辖上诉",
        "2023-02-20", "侵害作品信息网络传播权纠纷",
        "上诉人乙公司不服广东省河源市源城区人民法院（2023）粤1602民初101号民事裁定，向本院提起上诉。裁定如下：驳回上诉。"),
    # 12 an appeal citing two first-instance numbers: flagged, no link (conservative)
    doc("（2024）粤16民终3号", "乙公司、甲公司侵害发明专利权纠纷二审民事判决书", "河源市中级人民法院", "民事二审",
        "2024-03-01", "侵害发明专利权纠纷",
        "上诉人乙公司不服广东省东源县人民法院（2023）粤1625民初12号民事判决及原审（2023）粤1602民初101号民事判决，"
        "向本院提起上诉。……判决如下：驳回上诉，维持原判。"),
    # 4 again (the same 案号 in another file: one case) and its later correcting ruling (concludes nothing)
    DUMP_GBK[3],
    doc("（2023）粤1625民初12号", "甲公司与乙公司侵害发明专利权纠纷一审民事裁定书", "东源县人民法院", "民事一审",
        "2023-08-20", "侵害发明专利权纠纷", "本院于2023年8月1日作出的判决书中有笔误，裁定如下：补正如下……"),
]


@pytest.fixture(scope="module")
def dump_run(tmp_path_factory):
    raw = tmp_path_factory.mktemp("dump") / "raw"
    write_csv(raw, "court_cases", "wenshu_gbk.csv", DUMP_HEADER, DUMP_GBK, encoding="gbk")
    write_csv(raw, "court_cases", "wenshu_bom.csv", DUMP_HEADER, DUMP_BOM, encoding="utf-8-sig")
    return clean(raw)


def test_dump_keeps_concluding_documents_of_ip_civil_cases(dump_run):
    kept = dump_run.results["court_cases"].clean.set_index("case_no")
    # clean: 1 2 3 4 5 (first instance), 8 and 12 (二审); 4's copy is a duplicate
    assert sorted(kept.index) == sorted(["(2023)粤1602民初101号", "(2023)粤1622民初33号", "(2023)粤16民初7号",
                                         "(2023)粤1625民初12号", "(2023)粤1621民初5号", "(2023)粤16民终88号",
                                         "(2024)粤16民终3号"])
    recon = dump_run.results["court_cases"].reconciliation
    assert int(recon["duplicate"].sum()) == 1 and int(recon["rejected"].sum()) == 0
    # 6 not IP; 7 and the correcting ruling conclude nothing; 9 enforcement (its missing date does not reject it);
    # 10 preservation; 11 jurisdiction
    assert set_aside(dump_run) == {"cause_not_ip": 1, "court_not_concluding": 2, "court_enforcement": 1,
                                   "court_preservation": 1, "court_jurisdiction": 1}
    assert str(kept.loc["(2023)粤16民初7号", "closed_date"].date()) == "2023-06-01"  # 结案日期 = 裁判日期
    assert kept.loc["(2023)粤16民终88号", "original_case_no"] == "(2023)粤1622民初33号"  # from 全文
    assert kept["original_case_no"].isna().loc["(2024)粤16民终3号"]  # two numbers cited: no link
    assert kept.loc["(2023)粤16民初7号", "procedure"] == "一审"  # 民事一审


def test_dump_derivations_are_flagged_with_their_rule(dump_run):
    # kept rows: 7; each took 结案日期 from 裁判日期; 8 its 原审案号 from 全文; 12 cites two numbers;
    # the five first-instance cases have no 是否上诉 (appeal judged by the 二审 documents)
    assert warnings(dump_run) == {"closed_from_judgment_date": 7, "original_case_from_text": 1,
                                  "appeal_citation_ambiguous": 1, "appeal_by_second_instance": 5}
    labels = CONTEXT.cleaning.warnings
    assert "原审案号取自二审文书全文" in labels["original_case_from_text"]
    assert labels["closed_from_judgment_date"] == "结案日期取自裁判日期"


def test_dump_i11_hand_worked(dump_run):
    got = values_of(dump_run)
    # 2023 concluded first-instance IP cases: 1 (源城), 2 (龙川), 3 (粤16), 4 (东源), 5 (紫金) = 5;
    # appealed: 2 (document 8 cites it) = 1; document 12's two citations link none; 11 is a 管辖 appeal
    # city: (1 − 1/5) × 100 = 80.0;  龙川: (1 − 1/1) × 100 = 0.0;  源城, 东源, 紫金: 100.0
    assert got[(CITY, 2023)] == pytest.approx(80.0)
    assert got[(LONGCHUAN, 2023)] == pytest.approx(0.0)
    assert got[(YUANCHENG, 2023)] == pytest.approx(100.0)
    assert got[(DONGYUAN, 2023)] == pytest.approx(100.0)
    assert got[(ZIJIN, 2023)] == pytest.approx(100.0)
