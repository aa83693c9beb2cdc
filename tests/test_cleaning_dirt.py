"""End to end: one test (or parametrised group) per row of the contract's "Dirt every reader must survive" table,
plus the per-source rules. Every run goes through `clean()`, which checks the reconciliation and the quarantine."""

from __future__ import annotations

import ast
import codecs
import datetime as dt
import gzip
import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import (
    CONTEXT,
    LEDGER_HEADER,
    PATENT_HEADER,
    REASONS,
    REPO,
    app_no,
    clean,
    cn_check,
    file_status,
    recon_of,
    rejects,
    write_bytes,
    write_csv,
    write_formula_xlsx,
    write_log,
    write_xlsx,
)
from helpers.cleaning.derive import overseas_family


def digits(n: int, kind: str = "1", year: str = "2021") -> str:
    """A 12-digit application number: year + type digit + 7-digit serial."""
    return f"{year}{kind}{n:07d}"


def patent(n: int, applicant: str = "A公司", address: str = "广东省河源市源城区", date: str = "2021-03-05") -> list:
    return [app_no(digits(n)), date, applicant, address]


def only(frame: pd.DataFrame) -> pd.Series:
    assert len(frame) == 1, frame
    return frame.iloc[0]


# ============================================================================= encodings
ENCODED_NAMES = {  # 䶮 (U+4DAE) exists in GB18030 but not in GBK
    "utf-8": "刘䶮客家娘酒坊",
    "utf-8-sig": "河源市恒昌（龙川）电子有限公司",
    "gbk": "河源市恒昌电子有限公司",
    "gb18030": "刘䶮客家娘酒坊",
}


def test_encodings_clean_values_exact(raw):
    for n, (encoding, name) in enumerate(ENCODED_NAMES.items(), start=1):
        rows = [patent(n, name, "广东省河源市龙川县老隆镇"), patent(10 + n, name, "广东省河源市", "不详日期")]
        write_csv(raw, "patents", f"{encoding}.csv", PATENT_HEADER, rows, encoding=encoding)
    run = clean(raw)
    got = run.results["patents"].clean.set_index("source_file")
    for n, (encoding, name) in enumerate(ENCODED_NAMES.items(), start=1):
        file = f"patents/{encoding}.csv"
        assert run.table("files").set_index("file").loc[file, "encoding"] == encoding.replace("gbk", "gb18030")
        # NFKC is applied to every text cell: full-width brackets become ASCII ones, nothing else changes
        expected = name.replace("（", "(").replace("）", ")")
        assert got.loc[file, ["applicant", "holder", "address", "area_code"]].tolist() == [
            expected,
            expected,
            "广东省河源市龙川县老隆镇",
            "441622",
        ]
        q = run.results["patents"].quarantine.set_index("file").loc[file]
        written = patent(10 + n, name, "广东省河源市", "不详日期")
        assert json.loads(q["original"]) == dict(zip(PATENT_HEADER, written, strict=True))


# ============================================================================= header variants
ADDRESS_HEADERS = [
    "申请人地址",
    "申请(专利权)人地址",
    "申请（专利权）人地址",
    "[标]当前申请(专利权)人地址",
    "申\u00ad请人\u200b地址\ufeff",
    " 申请人 地址 ",
]


def test_header_variants_map_the_address(raw):
    for n, header in enumerate(ADDRESS_HEADERS, start=1):
        write_csv(
            raw,
            "patents",
            f"h{n}.csv",
            ["申\u200b请号", "申请日", "申请（专利权）人", header],
            [patent(n, address="广东省河源市紫金县")],
        )
    run = clean(raw)
    got = run.results["patents"].clean
    assert len(got) == len(ADDRESS_HEADERS)
    assert set(got["address"]) == {"广东省河源市紫金县"} and set(got["area_code"]) == {"441621"}
    assert set(got["applicant"]) == {"A公司"}
    matched = run.table("files")["columns_matched"].tolist()
    assert all("address←" in m and "application_no←" in m and "applicant←" in m for m in matched)


def test_header_naming_its_unit(raw):
    header = ["登记号", "权利类型", "权利编号", "出质人", "出质人地址", "质权人", "登记生效日", "质押金额（元）"]
    write_csv(
        raw,
        "pledges",
        "yuan.csv",
        header,
        [
            ["Z1", "专利", app_no(digits(1)), "A公司", "河源市源城区", "B银行", "2021-03-05", "12005000"],
            ["Z2", "商标", "12345678", "C公司", "河源市东源县", "B银行", "2021-03-06", "300万元"],
        ],
    )
    run = clean(raw)
    got = run.results["pledges"].clean.set_index("reg_no")
    assert got.loc["Z1", "amount_wan"] == pytest.approx(1200.5)
    assert got.loc["Z2", "amount_wan"] == pytest.approx(300.0)  # the cell's unit beats the header's
    assert got.loc["Z1", "patent_no"] == digits(1) and pd.isna(got.loc["Z2", "patent_no"])


# ============================================================================= addresses and areas
ADDRESSES = {
    "517000 广东省河源市源城区越王大道1号": "441602",
    "广东河源": "441600",
    "河源市高新区科技大道": "441602",
    "河源高新区": "441602",
    "高新技术产业开发区": "441602",
    "河源市江东新区": "441625",
    "龙川老隆镇": "441622",
    "河源市和平路": "441600",
    "源城区和平路": "441602",
    "广东省广州市天河区": "out_of_scope",
    "广东省惠州市惠城区": "out_of_scope",
}


def test_address_mapping_end_to_end(raw):
    write_csv(raw, "patents", "p.csv", PATENT_HEADER, [patent(n, address=a) for n, a in enumerate(ADDRESSES)])
    run = clean(raw)
    got = run.results["patents"].clean.set_index("address")["area_code"].to_dict()
    assert got == {a: code for a, code in ADDRESSES.items() if code != "out_of_scope"}
    out = run.results["patents"].quarantine
    # 广州 and 惠州 are other cities of the province (official_stats.yaml cities): out of scope as other_city
    assert out["outcome"].tolist() == ["out_of_scope"] * 2 and out["reason"].tolist() == ["other_city"] * 2
    assert out["line"].tolist() == [11, 12]
    assert recon_of(run, "patents", "p.csv")["out_of_scope"] == 2


def test_city_only_rows_are_counted_in_warnings(raw):
    write_csv(
        raw, "patents", "p.csv", PATENT_HEADER, [patent(1, address="广东河源"), patent(2, address="河源市和平路")]
    )
    run = clean(raw)
    assert (run.results["patents"].clean["area_code"] == "441600").all()
    warnings = run.table("warnings")
    assert warnings.set_index("warning").loc["city_only_no_county", "rows"] == 2


def test_patent_county_and_code_columns_come_first(raw):
    """Short county forms are accepted in the county column; a 6-digit code column is used when present;
    河源市 / 441600 there is no county, so the address may still name one; a county outside Heyuan is final."""
    header = [*PATENT_HEADER, "申请人区县", "申请人省市代码"]
    cases = [  # county cell, code cell, address, expected
        ("紫金", None, "广东省河源市", "441621"),
        ("东源", None, "广东省河源市", "441625"),
        ("和平县", None, "广东省河源市源城区", "441624"),
        (None, "441624", "广东省河源市", "441624"),
        (None, "广东;44", "广东省河源市源城区", "441602"),
        ("河源市", None, "河源市龙川县老隆镇", "441622"),
        (None, "441600", "广东省河源市连平县", "441623"),
        ("河源市", None, "广东省河源市", "441600"),
        ("河源市", None, "广东省广州市天河区", "441600"),
        ("惠城区", None, "广东省河源市源城区", "out_of_scope"),
    ]
    rows = [[*patent(n, address=address), county, code] for n, (county, code, address, _) in enumerate(cases)]
    write_csv(raw, "patents", "p.csv", header, rows)
    run = clean(raw)
    got = run.results["patents"].clean.set_index("application_no")["area_code"].to_dict()
    assert got == {digits(n): case[3] for n, case in enumerate(cases) if case[3] != "out_of_scope"}
    assert only(run.results["patents"].quarantine)["line"] == 11


def test_ledger_county_cell(raw):
    cases = {
        "C1": ("紫金", "441621"),
        "C2": ("东源", "441625"),
        "C3": ("441623", "441623"),
        "C4": ("惠城区", "out_of_scope"),
        "C5": (None, "441600"),
        "C6": ("市本级", "441600"),
    }
    write_csv(
        raw,
        "assistance_cases",
        "a.csv",
        LEDGER_HEADER,
        [[k, "2021-03-05", "调解", county] for k, (county, _) in cases.items()],
    )
    run = clean(raw)
    got = run.results["assistance_cases"].clean.set_index("case_no")["area_code"].to_dict()
    assert got == {k: code for k, (_, code) in cases.items() if code != "out_of_scope"}
    out = only(run.results["assistance_cases"].quarantine)
    assert (out["reason"], out["line"]) == ("out_of_scope", 5)


def test_ledger_city_cell_is_final(raw):
    """In a ledger, 河源市 in the county column is a city-level entry: the address column does not override it."""
    header = ["产品名称", "批准日期", "保护范围", "所在区县"]
    write_csv(
        raw,
        "gi_products",
        "g.csv",
        header,
        [
            ["河源米粉", "2016-12-20", "河源市源城区、东源县等现辖行政区域", "河源市"],
            ["连平鹰嘴蜜桃", "2014-07-15", "连平县现辖行政区域", None],
            ["紫金春甜桔", "2020-06-30", "紫金县现辖行政区域", "紫金县"],
        ],
    )
    got = clean(raw).results["gi_products"].clean.set_index("product")["area_code"].to_dict()
    assert got == {"河源米粉": "441600", "连平鹰嘴蜜桃": "441623", "紫金春甜桔": "441621"}


def test_ledger_without_county_column_goes_to_city(raw):
    write_csv(raw, "assistance_cases", "a.csv", ["案件编号", "受理日期"], [["C1", "2021-03-05"], ["C2", "2021-03-06"]])
    run = clean(raw)
    assert run.results["assistance_cases"].clean["area_code"].tolist() == ["441600", "441600"]


# ============================================================================= preamble rows
def test_csv_preamble_then_header(raw):
    write_csv(
        raw,
        "patents",
        "p.csv",
        PATENT_HEADER,
        [patent(1), patent(2, date="没有日期")],
        preamble=["检索式: (AD>=20210101) AND (ADDR=(河源))", "search URL:,https://example.invalid/?q=河源,,"],
    )
    run = clean(raw)
    assert file_status(run, "patents", "p.csv")["header_line"] == 3
    assert only(run.results["patents"].clean)["source_line"] == 4
    assert only(rejects(run, "patents"))["line"] == 5


def test_xlsx_merged_title_then_header(raw):
    write_xlsx(raw, "patents", "p.xlsx", PATENT_HEADER, [patent(1), patent(2, date="没有日期")], title="河源市专利清单")
    run = clean(raw)
    status = file_status(run, "patents", "p.xlsx")
    assert (status["status"], status["header_line"]) == ("ok", 2)
    assert only(run.results["patents"].clean)["source_line"] == 3
    assert only(rejects(run, "patents"))["line"] == 4


def test_blank_lines_and_ragged_rows_keep_their_line_numbers(raw):
    path = write_csv(
        raw,
        "assistance_cases",
        "a.csv",
        LEDGER_HEADER,
        [
            ["C1", "2021-03-05", "调解", "紫金"],
            ["C2", "坏日期", "调解", "紫金"],
            ["C3", "2021-03-05", "调解"],
            ["C4", "2021-03-05", "调解", "紫金", "多出的一格"],
        ],
        preamble=["检索式: 河源", ""],
    )
    path.write_bytes(path.read_bytes().replace(b"C2,", b"\r\nC2,"))  # a blank line inside the data
    run = clean(raw)
    got = run.results["assistance_cases"].clean.set_index("case_no")["source_line"].to_dict()
    assert got == {"C1": 4, "C3": 7}
    q = rejects(run, "assistance_cases").set_index("line")["reason"].to_dict()
    assert q == {6: "bad_date", 8: "bad_row_shape"}


# ============================================================================= multi-values
def test_first_listed_holder_and_current_holder(raw):
    cells = ["A公司; B公司", "A公司 | B公司", "A公司|B公司", "A公司；B公司"]
    rows = [[*patent(n, applicant=cell), None] for n, cell in enumerate(cells)]
    rows.append([*patent(9, applicant="A公司; B公司"), "C公司 | D公司"])  # 当前权利人 wins over 申请人
    write_csv(raw, "patents", "p.csv", [*PATENT_HEADER, "当前权利人"], rows)
    got = clean(raw).results["patents"].clean.set_index("application_no")
    assert got["applicant"].tolist() == ["A公司"] * 5
    assert got["holder"].to_dict() == {**{digits(n): "A公司" for n in range(len(cells))}, digits(9): "C公司"}
    assert got.loc[digits(9), "current_holder"] == "C公司"


# ============================================================================= dates
DATE_SPELLINGS = ["2021-03-05", "2021/3/5", "2021.03.05", "2021年3月5日", "20210305", "44260", "２０２１年３月５日"]


def test_date_spellings_in_csv(raw):
    write_csv(raw, "patents", "p.csv", PATENT_HEADER, [patent(n, date=t) for n, t in enumerate(DATE_SPELLINGS)])
    got = clean(raw).results["patents"].clean
    assert len(got) == len(DATE_SPELLINGS)
    assert (got["application_date"] == pd.Timestamp("2021-03-05")).all()


def test_date_cells_in_xlsx(raw):
    write_xlsx(
        raw,
        "patents",
        "p.xlsx",
        PATENT_HEADER,
        [
            [app_no(digits(1)), dt.datetime(2021, 3, 5), "A公司", "河源市源城区"],
            [app_no(digits(2)), dt.date(2021, 3, 5), "A公司", "河源市源城区"],
            [app_no(digits(3)), 44260, "A公司", "河源市源城区"],
            [app_no(digits(4)), "2021年3月5日", "A公司", "河源市源城区"],
            [app_no(digits(5)), dt.datetime(2021, 3, 5, 14, 30), "A公司", "河源市源城区"],
        ],
    )
    got = clean(raw).results["patents"].clean
    assert len(got) == 5 and (got["application_date"] == pd.Timestamp("2021-03-05")).all()


def test_unparseable_dates_rejected_with_line_and_cells(raw):
    bad = ["2021-13-45", "下月初", "1900-01-01", "2021"]
    rows = [patent(0)]
    for n, text in enumerate(bad, start=1):
        rows += [patent(n, date=text), patent(10 + n)]
    write_csv(raw, "patents", "p.csv", PATENT_HEADER, rows, preamble=["检索式: 河源"])
    run = clean(raw)
    out = rejects(run, "patents")
    assert out["line"].tolist() == [4, 6, 8, 10]  # preamble line 1, header line 2
    assert set(out["reason"]) == {"bad_date"} and set(out["field"]) == {"application_date"}
    assert set(out["file"]) == {"patents/p.csv"}
    originals = [json.loads(o) for o in out["original"]]
    assert originals == [dict(zip(PATENT_HEADER, patent(n, date=t), strict=True)) for n, t in enumerate(bad, start=1)]
    assert recon_of(run, "patents", "p.csv") == {
        "source": "patents",
        "status": "ok",
        "rows_in": 9,
        "clean": 5,
        "duplicate": 0,
        "rejected": 4,
        "out_of_scope": 0,
    }


# ============================================================================= amounts
PLEDGE_HEADER = ["登记号", "权利类型", "出质人", "出质人地址", "质权人", "登记生效日", "质押金额"]


def pledge(reg: str, amount: str) -> list:
    return [reg, "专利", "A公司", "河源市源城区", "B银行", "2021-03-05", amount]


def test_pledge_amounts_to_wan(raw):
    cells = {
        "P1": "1,200.5",
        "P2": "1200.5万元",
        "P3": "12005000元",
        "P4": "1.2亿元",
        "P5": "１２００",
        "P6": "1200.5 万元",
    }
    bad = {"N1": ("-5", "negative_amount"), "N2": ("-1,200万元", "negative_amount"), "N3": ("约一千万", "bad_amount")}
    rows = [pledge(k, v) for k, v in cells.items()] + [pledge(k, v) for k, (v, _) in bad.items()]
    write_csv(raw, "pledges", "p.csv", PLEDGE_HEADER, rows)
    run = clean(raw)
    got = run.results["pledges"].clean.set_index("reg_no")["amount_wan"].to_dict()
    assert got == pytest.approx({"P1": 1200.5, "P2": 1200.5, "P3": 1200.5, "P4": 12000.0, "P5": 1200.0, "P6": 1200.5})
    out = rejects(run, "pledges")
    assert out[["line", "reason", "field"]].values.tolist() == [
        [8, "negative_amount", "amount_wan"],
        [9, "negative_amount", "amount_wan"],
        [10, "bad_amount", "amount_wan"],
    ]


def test_gi_output_amounts_to_yi(raw):
    header = ["产品名称", "年度", "产值", "所在区县"]
    write_csv(
        raw,
        "gi_output",
        "a.csv",
        header,
        [
            ["紫金蝉茶", "2020", "1.65", "紫金"],
            ["龙川客家娘酒", "2020", "16500万元", "龙川"],
            ["连平鹰嘴蜜桃", "2020", "１.２亿元", "连平"],
            ["和平猕猴桃", "2020", "-0.1", "和平"],
        ],
    )
    write_csv(
        raw,
        "gi_output",
        "b.csv",
        ["产品名称", "年度", "产值（万元）", "所在区县"],
        [["东源板栗", "2020", "3300", "东源"]],
    )
    run = clean(raw)
    got = run.results["gi_output"].clean.set_index("product")["output_yi"].to_dict()
    assert got == pytest.approx({"紫金蝉茶": 1.65, "龙川客家娘酒": 1.65, "连平鹰嘴蜜桃": 1.2, "东源板栗": 0.33})
    assert only(rejects(run, "gi_output"))["reason"] == "negative_amount"


def test_population_header_in_persons(raw):
    write_csv(
        raw,
        "population",
        "p.csv",
        ["年度", "地区", "常住人口（人）"],
        [["2020", "河源市", "3,097,300"], ["2020", "紫金县", "602000"]],
    )
    write_csv(raw, "population", "q.csv", ["年度", "地区", "常住人口"], [["2021", "441621", "60.5"]])
    got = clean(raw).results["population"].clean.set_index(["year", "area_code"])["population_wan"].to_dict()
    assert got == pytest.approx({(2020, "441600"): 309.73, (2020, "441621"): 60.2, (2021, "441621"): 60.5})


# ============================================================================= ids as numbers
def test_application_number_as_float_xlsx_cell(raw):
    write_xlsx(
        raw,
        "patents",
        "p.xlsx",
        PATENT_HEADER,
        [
            [202110123456.7, "2021-03-05", "A公司", "河源市源城区"],  # check 7 kept in the float
            [202110000002.0, "2021-03-05", "B公司", "河源市源城区"],
        ],
    )  # check 0 vanished
    assert cn_check("202110123456") == "7" and cn_check("202110000002") == "0"
    run = clean(raw)
    got = run.results["patents"].clean.set_index("application_no")
    assert got.loc["202110123456", "application_no_check"] == "7"
    assert not got.loc["202110123456", "application_no_recomputed"]
    assert got.loc["202110000002", "application_no_recomputed"]
    assert got.loc["202110000002", "patent_type"] == "发明"


def test_scientific_notation_restored_and_flagged(raw):
    write_csv(
        raw,
        "patents",
        "p.csv",
        PATENT_HEADER,
        [
            ["2.02110123456E+11", "2021-03-05", "A公司", "河源市源城区"],
            ["202110000001", "2021-03-05", "B公司", "河源市源城区"],  # check char dropped
            [app_no(digits(3)), "2021-03-05", "C公司", "河源市源城区"],
        ],
    )
    run = clean(raw)
    got = run.results["patents"].clean.set_index("application_no")
    assert got.loc["202110123456", "application_no_check"] == "7"
    assert got.loc["202110000001", "application_no_check"] == cn_check("202110000001")
    assert got["application_no_recomputed"].to_dict() == {"202110123456": True, "202110000001": True, digits(3): False}
    warnings = run.table("warnings").set_index("warning")
    assert warnings.loc["check_char_recomputed", "rows"] == 2
    assert warnings.loc["check_char_recomputed", "file"] == "patents/p.csv"


def test_wrong_check_char_and_lost_precision_rejected(raw):
    d = digits(5)
    wrong = "1" if cn_check(d) != "1" else "2"
    write_csv(
        raw,
        "patents",
        "p.csv",
        PATENT_HEADER,
        [
            patent(1),
            [f"{d}.{wrong}", "2021-03-05", "A公司", "河源市"],
            ["2.0211012346E+11", "2021-03-05", "A公司", "河源市"],
            ["ABC123", "2021-03-05", "A公司", "河源市"],
        ],
    )
    run = clean(raw)
    got = rejects(run, "patents").set_index("line")[["reason", "field"]]
    assert got.to_dict("index") == {
        3: {"reason": "bad_check_char", "field": "application_no"},
        4: {"reason": "id_precision_lost", "field": "application_no"},
        5: {"reason": "bad_id", "field": "application_no"},
    }


def test_eight_digit_pre_2003_numbers(raw):
    rows = [[f"{d}.{cn_check(d)}", "1999-03-05", "A公司", "河源市源城区"] for d in ("99123456", "99223456", "99323456")]
    wrong = next(c for c in "123456789" if c != cn_check("99123457"))  # not 0: `.0` reads as Excel's lost check
    rows.append([f"99123457.{wrong}", "1999-03-05", "A公司", "河源市"])
    write_csv(raw, "patents", "p.csv", PATENT_HEADER, rows)
    run = clean(raw)
    got = run.results["patents"].clean.set_index("application_no")["patent_type"].to_dict()
    assert got == {"99123456": "发明", "99223456": "实用新型", "99323456": "外观设计"}
    assert only(rejects(run, "patents"))["reason"] == "bad_check_char"


# ============================================================================= duplicates
CNIPA_HEADER = ["申请号", "申请日", "公开（公告）号", "公开（公告）日", "申请（专利权）人", "申请人地址"]


def test_a_and_b_publications_are_one_patent(raw):
    a = app_no(digits(1))
    write_csv(
        raw,
        "patents",
        "cnipa.csv",
        CNIPA_HEADER,
        [
            [a, "2021-03-05", "CN113000001B", "2022-08-09", "A公司", "河源市源城区"],
            [a, "2021-03-05", "CN113000001A", "2021-06-01", "A公司", "河源市源城区"],
            [app_no(digits(2)), "2021-04-05", "CN113000002A", "2021-07-01", "B公司", "河源市紫金县"],
            [app_no(digits(3, "2")), "2021-04-05", "CN215000003U", "2021-09-01", "C公司", "河源市东源县"],
            [app_no(digits(4, "3")), "2021-04-05", "CN306000004S", "2021-10-01", "D公司", "河源市连平县"],
        ],
    )
    run = clean(raw)
    got = run.results["patents"].clean.set_index("application_no")
    assert len(got) == 4
    assert got.loc[digits(1), "grant_date"] == pd.Timestamp("2022-08-09")
    assert got.loc[digits(1), "publication_no"] == "CN113000001B"
    assert pd.isna(got.loc[digits(2), "grant_date"])
    assert got.loc[digits(3, "2"), "grant_date"] == pd.Timestamp("2021-09-01")
    assert got.loc[digits(4, "3"), "grant_date"] == pd.Timestamp("2021-10-01")
    assert got.loc[[digits(3, "2"), digits(4, "3")], "patent_type"].tolist() == ["实用新型", "外观设计"]
    assert not got["lapse_data_supplied"].any()
    dup = only(run.results["patents"].quarantine)
    assert (dup["outcome"], dup["line"]) == ("duplicate", 3)  # the A row
    assert recon_of(run, "patents", "cnipa.csv")["duplicate"] == 1


def test_same_case_in_two_county_ledgers(raw):
    write_csv(
        raw,
        "assistance_cases",
        "紫金.csv",
        LEDGER_HEADER,
        [["C1", "2021-03-05", "调解", "紫金"], ["C2", "2021-03-06", "调解", "紫金"]],
    )
    write_csv(raw, "assistance_cases", "龙川.csv", LEDGER_HEADER, [["C1", "2021-03-05", "调解", "紫金"]])
    run = clean(raw)
    got = run.results["assistance_cases"].clean
    assert len(got) == 2 and sorted(got["case_no"]) == ["C1", "C2"]
    assert got.set_index("case_no").loc["C1", "source_file"] == "assistance_cases/龙川.csv"  # tie → later file
    assert recon_of(run, "assistance_cases", "紫金.csv")["duplicate"] == 1
    assert recon_of(run, "assistance_cases", "龙川.csv")["clean"] == 1


def test_more_complete_duplicate_wins_over_later_file(raw):
    write_csv(
        raw,
        "assistance_cases",
        "a.csv",
        [*LEDGER_HEADER, "办结日期", "结果"],
        [["C1", "2021-03-05", "调解", "紫金", "2021-04-01", "调解成功"]],
    )
    write_csv(raw, "assistance_cases", "b.csv", LEDGER_HEADER, [["C1", "2021-03-05", "调解", None]])
    run = clean(raw)
    row = only(run.results["assistance_cases"].clean)
    assert (row["source_file"], row["result"], row["area_code"]) == ("assistance_cases/a.csv", "调解成功", "441621")
    assert only(run.results["assistance_cases"].quarantine)["file"] == "assistance_cases/b.csv"


def test_tie_within_one_file_keeps_the_later_row(raw):
    write_csv(
        raw,
        "assistance_cases",
        "a.csv",
        LEDGER_HEADER,
        [["C1", "2021-03-05", "调解", "紫金"], ["C1", "2021-03-05", "调解", "东源"]],
    )
    row = only(clean(raw).results["assistance_cases"].clean)
    assert (row["source_line"], row["area_code"]) == (3, "441625")


def test_rejected_rows_do_not_take_part_in_dedup(raw):
    write_csv(
        raw,
        "assistance_cases",
        "a.csv",
        LEDGER_HEADER,
        [["C1", "2021-03-05", "调解", "紫金"], ["C1", "不是日期", "调解", "东源"]],
    )
    run = clean(raw)
    assert only(run.results["assistance_cases"].clean)["source_line"] == 2
    assert only(run.results["assistance_cases"].quarantine)["reason"] == "bad_date"


def _peak_bytes_of_clean(raw: Path) -> int:
    """Peak resident memory of cleaning the patents of `raw` in a process of its own (one file: cleaned in it)."""
    code = ("import sys; from pathlib import Path; from helpers.cleaning import clean_all; from helpers.context import "
            "Context; clean_all(Path(sys.argv[1]), Context.load(Path(sys.argv[2])), Path(sys.argv[3]), ['patents'])")
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "HELPERS_ROOT": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", code, str(raw), str(REPO), str(raw.parent / "out")], env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    assert status == 0
    return usage.ru_maxrss * 1024


@pytest.mark.e2e
def test_a_file_of_duplicates_costs_its_json_not_an_object_per_cell(tmp_path):
    """The quarantine keeps each duplicate's values as JSON, built in Arrow: a Python object per cell took 4 GB for a
    198 MB export of duplicates. The same number of rows, once as 20 copies of 3 000 patents and once as 60 000
    patents, each cleaned in a process of its own: the copies cost at most twice the JSON the quarantine keeps."""
    def row(n: int) -> list[str]:
        return [app_no(digits(n)), "2021-03-05", f"CN113{n:06d}B", "2022-08-09", f"河源市第{n}号电子有限公司",
                f"广东省河源市源城区新市区大道{n}号"]

    peaks, kept = {}, 0
    for name, numbers in {"copies": list(range(1, 3001)) * 20, "distinct": range(1, 60001)}.items():
        raw = tmp_path / name / "raw"
        write_csv(raw, "patents", "p.csv", CNIPA_HEADER, [row(n) for n in numbers])
        peaks[name] = _peak_bytes_of_clean(raw)
        quarantine = pd.read_parquet(raw.parent / "out" / "quarantine" / "patents.parquet")
        assert len(quarantine) == (57_000 if name == "copies" else 0)
        kept += sum(len(text.encode()) for text in quarantine["original"])
        if name == "copies":
            first = json.loads(quarantine.sort_values("line").iloc[0]["original"])
            assert (first["applicant"], first["application_date"]) == ("河源市第1号电子有限公司", "2021-03-05 00:00:00")
    extra = peaks["copies"] - peaks["distinct"]
    assert extra < 2 * kept, f"{extra / 2**20:.0f} MB for {kept / 2**20:.0f} MB of JSON"


# ============================================================================= hostile text
HOSTILE = ["<script>alert(1)</script>", '=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1+1)"]


@pytest.mark.parametrize("writer", ["csv", "xlsx"])
def test_hostile_text_is_stored_as_text(raw, writer):
    rows = [patent(i, applicant=name) for i, name in enumerate(HOSTILE[:2], start=1)]
    rows.append([app_no(digits(3)), "2021-03-05", "A公司", "河源市源城区"])
    if writer == "csv":
        write_csv(
            raw,
            "patents",
            "p.csv",
            [*PATENT_HEADER, "当前权利人"],
            [[*r, h] for r, h in zip(rows, [None, None, HOSTILE[2]], strict=True)],
        )
    else:
        write_xlsx(
            raw,
            "patents",
            "p.xlsx",
            [*PATENT_HEADER, "当前权利人"],
            [[*r, h] for r, h in zip(rows, [None, None, HOSTILE[3]], strict=True)],
        )
    got = clean(raw).results["patents"].clean.set_index("application_no")["holder"]
    assert got[digits(1)] == "<script>alert(1)</script>"
    assert got[digits(2)] == '=HYPERLINK("http://x","y")'
    # `|` separates holders (PatSnap), so only the part before it is the attributed holder
    assert got[digits(3)] == ("+cmd" if writer == "csv" else "@SUM(1+1)")


# Excel's 「Unicode 文本」 (UTF-16 LE, tab-separated) with and without its BOM, as .txt or .csv, and the same as a
# big-endian file: 上 (U+4E0A) is the bytes 0A 4E, a line feed to anything that splits the bytes; 𠮷 (U+20BB7) is
# a surrogate pair
UNICODE_TEXT = {
    "unicode.txt": ("utf-16-le", codecs.BOM_UTF16_LE),
    "unicode_no_bom.csv": ("utf-16-le", b""),
    "unicode_be.txt": ("utf-16-be", codecs.BOM_UTF16_BE),
}


def test_unicode_text_cleans_to_the_same_rows_as_utf8(tmp_path):
    rows = [patent(1, "河源市上善电子有限公司", "广东省河源市龙川县老隆镇"), patent(2, "𠮷野家（河源）餐饮店"),
            patent(3, date="不详日期")]
    results = {}
    for name, (encoding, bom) in {"utf8.csv": ("utf-8", b""), **UNICODE_TEXT}.items():
        raw = tmp_path / name
        write_csv(raw, "patents", name, PATENT_HEADER, rows, encoding=encoding, bom=bom, delimiter="\t")
        run = clean(raw)
        assert file_status(run, "patents", name)["encoding"] == encoding
        q = run.results["patents"].quarantine
        results[name] = (run.results["patents"].clean.drop(columns="source_file").to_dict("records"),
                         q[["line", "reason", "original"]].to_dict("records"))
    assert len(results["utf8.csv"][0]) == 2 and results["utf8.csv"][0][0]["area_code"] == "441622"
    for name in UNICODE_TEXT:
        assert results[name] == results["utf8.csv"], name


def test_big5_file_with_traditional_headers_is_rejected_naming_the_encodings_tried(raw):
    """A Traditional-Chinese export (Big5: Excel's CSV on a Traditional Windows) spells its headers and addresses in
    Traditional characters, which no alias or place name of the catalog spells: the file is rejected, saying which
    encodings were tried and how each reads its first line — never read as mojibake, never silently lost."""
    header = ["申請號", "申請日", "申請人", "申請人地址"]
    rows = [patent(1, "河源市上善電子有限公司", "廣東省河源市龍川縣老隆鎮")]
    write_csv(raw, "patents", "tw.csv", header, rows, encoding="big5")
    write_csv(raw, "patents", "cn.csv", PATENT_HEADER, [patent(2)], encoding="gbk")
    run = clean(raw)
    status = file_status(run, "patents", "tw.csv")
    assert (status["status"], status["reason"]) == ("rejected", "no_header_any_encoding")
    assert "GB18030、Big5" in status["message"] and "按 Big5 为「申請號,申請日,申請人,申請人地址」" in status["message"]
    assert recon_of(run, "patents", "tw.csv")["rows_in"] == 0
    assert file_status(run, "patents", "cn.csv")["encoding"] == "gb18030"  # GBK still read as before
    assert run.results["patents"].clean["applicant"].tolist() == ["A公司"]


# ============================================================================= formulas
def test_formula_without_a_calculated_value_rejects_its_row_and_keeps_the_formula(raw):
    """A workbook written by a program (openpyxl) and never opened in Excel: its formulas carry no value."""
    header = [*PATENT_HEADER, "失效日", "核对"]
    write_formula_xlsx(raw, "patents", "program.xlsx", header, [
        patent(1),
        patent(2, applicant='="乙公司"'),  # a required cell
        [*patent(3), "=DATE(2024,1,1)"],  # an optional one
        [*patent(4), None, "=A5=A4"],  # a column no field reads: the row is read as usual
        ["=A2", "=B2", "=C2", "=D2"],  # a row of formulas only: calamine does not even see it
    ])
    write_formula_xlsx(raw, "patents", "excel.xlsx", header, [patent(5, applicant=('="丙公司"', "丙公司"))])
    run = clean(raw)
    counts = ["rows_in", "clean", "rejected"]
    assert [recon_of(run, "patents", "program.xlsx")[k] for k in counts] == [5, 2, 3]  # every row accounted for
    assert [recon_of(run, "patents", "excel.xlsx")[k] for k in counts] == [1, 1, 0]  # a calculated value is read
    q = rejects(run, "patents").set_index("line")
    assert q.loc[[3, 4, 6], "reason"].tolist() == ["formula_no_value"] * 3
    assert json.loads(q.loc[3, "original"])["申请人"] == '="乙公司"'
    assert json.loads(q.loc[4, "original"])["失效日"] == "=DATE(2024,1,1)"
    assert json.loads(q.loc[6, "original"]) == {"申请号": "=A2", "申请日": "=B2", "申请人": "=C2", "申请人地址": "=D2"}
    assert CONTEXT.cleaning.reasons["formula_no_value"] == "公式没有计算结果：请在 Excel 中打开并保存"
    assert "3 行的公式没有计算结果" in file_status(run, "patents", "program.xlsx")["message"]
    assert sorted(run.results["patents"].clean["applicant"]) == ["A公司", "A公司", "丙公司"]


# ============================================================================= broken files
def _truncated_xlsx(raw: Path) -> bytes:
    scratch = write_xlsx(raw.parent, "scratch", "good.xlsx", PATENT_HEADER, [patent(9)])
    data = scratch.read_bytes()
    return data[: len(data) // 2]


def test_broken_files_rejected_others_still_cleaned(raw):
    write_csv(raw, "patents", "good.csv", PATENT_HEADER, [patent(1), patent(2)])
    write_bytes(raw, "patents", "cut.xlsx", _truncated_xlsx(raw))
    write_bytes(raw, "patents", "empty.csv", b"")
    write_csv(raw, "patents", "header_only.csv", PATENT_HEADER, [])
    write_xlsx(raw, "patents", "header_only.xlsx", PATENT_HEADER, [])
    write_bytes(raw, "patents", "junk.csv", bytes(range(256)) * 16)
    write_bytes(raw, "patents", "noise.csv", random.Random(7).randbytes(4096).replace(b"\x00", b"\x01"))
    write_csv(raw, "patents", "unrelated.csv", ["名称", "数量", "备注"], [["苹果", "3", "无"]])
    write_csv(raw, "assistance_cases", "a.csv", LEDGER_HEADER, [["C1", "2021-03-05", "调解", "紫金"]])
    run = clean(raw)
    files = run.table("files").set_index("file")
    expected = {
        "cut.xlsx": "unreadable_workbook",
        "empty.csv": "empty",
        "header_only.csv": "header_only",
        "header_only.xlsx": "header_only",
        "junk.csv": "binary",
        "unrelated.csv": "no_header",
    }
    for name, reason in expected.items():
        entry = files.loc[f"patents/{name}"]
        assert (entry["status"], entry["reason"]) == ("rejected", reason), name
        assert re.search(r"[\u4e00-\u9fff]", entry["message"]), entry["message"]
    assert files.loc["patents/noise.csv", "status"] == "rejected"
    assert files.loc["patents/good.csv", "status"] == "ok"
    assert len(run.results["patents"].clean) == 2
    assert len(run.results["assistance_cases"].clean) == 1
    manifest = run.manifest["sources"]["patents"]
    assert (manifest["files"], manifest["files_rejected"], manifest["rows_clean"]) == (1, 7, 2)


def test_all_files_of_a_source_broken(raw):
    write_bytes(raw, "patents", "empty.csv", b"")
    write_csv(raw, "assistance_cases", "a.csv", LEDGER_HEADER, [["C1", "2021-03-05", "调解", "紫金"]])
    run = clean(raw)
    assert len(run.results["patents"].clean) == 0
    assert recon_of(run, "patents", "empty.csv")["rows_in"] == 0
    assert len(run.results["assistance_cases"].clean) == 1


def test_gzip_log_truncated_is_rejected(raw):
    good = write_log(raw, "ok.log", [LOG_LINE])
    write_bytes(raw, "web_logs", "cut.log.gz", gzip.compress(good.read_bytes() * 50)[:40])
    run = clean(raw)
    assert file_status(run, "web_logs", "cut.log.gz")["reason"] == "corrupt_compression"
    assert len(run.results["web_logs"].clean) == 1


# ============================================================================= reconciliation and reasons
def test_mixed_outcomes_balance_per_file(raw):
    write_csv(
        raw,
        "patents",
        "a.csv",
        PATENT_HEADER,
        [
            patent(1),
            patent(1),
            patent(2, address="广东省深圳市南山区"),
            patent(3, date="坏日期"),
            [app_no(digits(4)), "2021-03-05", None, "河源市"],
            patent(5, address="河源市龙川县"),
        ],
    )
    write_xlsx(raw, "patents", "b.xlsx", PATENT_HEADER, [patent(5, address="河源市龙川县"), patent(6)])
    run = clean(raw)
    assert recon_of(run, "patents", "a.csv") == {
        "source": "patents",
        "status": "ok",
        "rows_in": 6,
        "clean": 1,  # patent 1 (line 3); patent 5 loses to the same patent in the later file b.xlsx
        "duplicate": 2,
        "rejected": 2,
        "out_of_scope": 1,
    }
    assert recon_of(run, "patents", "b.xlsx")["clean"] == 2
    q = run.results["patents"].quarantine.set_index(["file", "line"])
    assert q.loc[("patents/a.csv", 2), "reason"] == "duplicate"
    assert q.loc[("patents/a.csv", 4), "reason"] == "other_city"  # 深圳市
    assert q.loc[("patents/a.csv", 5), "reason"] == "bad_date"
    assert (q.loc[("patents/a.csv", 6), "reason"], q.loc[("patents/a.csv", 6), "field"]) == (
        "missing_required",
        "applicant",
    )
    assert q.loc[("patents/a.csv", 7), "reason"] == "duplicate"


def _reason_literals(path: Path) -> set[str]:
    """Reason codes in a module: the 2nd argument of `.reject(...)` / 1st of `FileRejected(...)` when a literal,
    and, for `for ..., reason in ((...), ...)` loops, the literal in the `reason` position."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    codes: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            position = {"reject": 1, "FileRejected": 0}.get(name)
            if position is not None and len(node.args) > position:
                arg = node.args[position]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    codes.add(arg.value)
        if isinstance(node, ast.For) and isinstance(node.target, ast.Tuple) and isinstance(node.iter, ast.Tuple):
            names = [getattr(t, "id", None) for t in node.target.elts]
            if "reason" in names:
                at = names.index("reason")
                codes |= {
                    item.elts[at].value
                    for item in node.iter.elts
                    if isinstance(item, ast.Tuple) and isinstance(item.elts[at], ast.Constant)
                }
    return codes


def test_every_reason_code_used_by_the_cleaner_is_listed():
    src = REPO / "src" / "helpers"
    modules = ("rows", "derive", "source", "task_sources")
    row_codes = set().union(*(_reason_literals(src / "cleaning" / f"{m}.py") for m in modules))
    file_codes = set().union(*(_reason_literals(src / "cleaning" / f"{m}.py") for m in ("readers", "inputs")))
    rules = CONTEXT.cleaning
    assert {"bad_log_line", "broken_line"} <= set(rules.reasons)  # set by the readers on a row they cannot split
    assert {"bad_date", "bad_check_char", "bad_log_line", "score_out_of_range"} <= row_codes
    assert {"empty", "binary", "no_header", "header_only"} <= file_codes | row_codes
    row_only = row_codes - set(rules.file_reasons)
    assert row_only <= set(rules.reasons), row_only - set(rules.reasons)
    assert file_codes <= set(rules.file_reasons), file_codes - set(rules.file_reasons)
    assert {"duplicate", "out_of_scope"} <= REASONS


# ============================================================================= source specifics
LOG_LINE = (
    '203.0.113.5 - - [05/Mar/2021:10:00:00 +0800] "GET /index.html HTTP/1.1" 200 512 "-" '
    '"Mozilla/5.0 (Windows NT 10.0)"'
)


def test_web_logs(raw):
    xff = LOG_LINE.replace("203.0.113.5", "10.0.0.2").replace("10:00:00", "23:59:59") + ' "198.51.100.7, 10.0.0.1"'
    dash = LOG_LINE.replace("/index.html", "/zl/search?q=1") + ' "-"'
    write_log(raw, "access.log", [LOG_LINE, xff, "", "这不是日志行 garbage", dash])  # a blank line is no row
    write_log(raw, "access-2021-03-06.log.gz", [LOG_LINE.replace("05/Mar", "06/Mar")], gz=True)
    run = clean(raw)
    got = run.results["web_logs"].clean.sort_values(["source_file", "source_line"])
    assert got["client"].tolist() == ["203.0.113.5", "203.0.113.5", "198.51.100.7", "203.0.113.5"]
    assert got["remote"].tolist()[2] == "10.0.0.2"
    assert got["date"].tolist() == [pd.Timestamp("2021-03-06")] + [pd.Timestamp("2021-03-05")] * 3
    assert got["status"].tolist() == [200] * 4 and got["path"].tolist()[3] == "/zl/search?q=1"
    bad = only(rejects(run, "web_logs"))
    assert (bad["reason"], bad["line"], bad["file"]) == ("bad_log_line", 4, "web_logs/access.log")
    assert got["source_line"].tolist() == [1, 1, 2, 5]
    assert recon_of(run, "web_logs", "access.log")["rows_in"] == 4
    assert "garbage" in bad["original"]


def test_survey_scales(raw):
    header = ["问卷编号", "年度", "所在区县", "总体满意度"]
    write_csv(
        raw,
        "survey",
        "a_marked.csv",
        ["问卷编号", "年度", "所在区县", "总体满意度（1-5分）"],
        [["A1", "2021", "紫金", "3"], ["A2", "2021", "紫金", "4.5"], ["A3", "2021", "紫金", "6"]],
    )
    write_csv(
        raw,
        "survey",
        "b_integers.csv",
        header,
        [["B1", "2021", "东源", "1"], ["B2", "2021", "东源", "5"], ["B3", "2021", "东源", "4"]],
    )
    write_csv(
        raw,
        "survey",
        "c_percent.csv",
        header,
        [
            ["C1", "2021", "龙川", "85"],
            ["C2", "2021", "龙川", "90.5"],
            ["C3", "2021", "龙川", "120"],
            ["C4", "2021", "龙川", "3"],
        ],
    )
    run = clean(raw)
    got = run.results["survey"].clean.set_index("questionnaire_no")
    assert got["satisfaction"].to_dict() == pytest.approx(
        {"A1": 50.0, "A2": 87.5, "B1": 0.0, "B2": 100.0, "B3": 75.0, "C1": 85.0, "C2": 90.5, "C4": 3.0}
    )
    assert got.loc["A1", "scale"] == "likert_1_5" and got.loc["B1", "scale"] == "likert_1_5"
    assert got.loc["C1", "scale"] == "0_100" and got.loc["A1", "satisfaction_raw"] == 3
    out = rejects(run, "survey").set_index("file")
    assert out["reason"].tolist() == ["score_out_of_range"] * 2
    assert out.loc["survey/a_marked.csv", "line"] == 4 and out.loc["survey/c_percent.csv", "line"] == 4


def test_court_cases(raw):
    header = ["案号", "审理程序", "案由", "结案日期", "原审案号"]
    write_csv(
        raw,
        "court_cases",
        "c.csv",
        header,
        [
            ["（2021）粤16民初123号", "一审", "侵害商标权纠纷", "2021-06-01", None],
            ["（2021）粤1621民初5号", "一审", "侵害外观设计专利权纠纷", "2021-07-01", None],
            ["（2022）粤16民终45号", "二审", "侵害外观设计专利权纠纷", "2022-01-10", "（2021） 粤1621 民初5号"],
            ["(2021)粤16民初123号", "第一审", "侵害商标权纠纷", "2021-06-01", None],
        ],
    )
    run = clean(raw)
    got = run.results["court_cases"].clean.set_index("case_no")
    assert got["area_code"].to_dict() == {
        "(2021)粤1621民初5号": "441621",
        "(2022)粤16民终45号": "441600",
        "(2021)粤16民初123号": "441600",
    }
    assert got.loc["(2022)粤16民终45号", "original_case_no"] == "(2021)粤1621民初5号"
    assert got.loc["(2021)粤16民初123号", "procedure"] == "一审"
    assert recon_of(run, "court_cases", "c.csv")["duplicate"] == 1  # the same 案号 spelled with other brackets


def test_enforcement_case_key(raw):
    write_csv(
        raw,
        "enforcement_cases",
        "a.csv",
        ["案件编号", "行政处罚决定书文号", "案件类别", "所在区县"],
        [
            ["E1", "河市监罚〔2021〕1号", "专利", "源城区"],
            [None, "河市监罚〔2021〕2号", "商标", "紫金"],
            [None, "河市监罚〔2021〕2号", "商标", "紫金"],
            [None, None, "版权", "东源"],
        ],
    )
    write_csv(
        raw, "enforcement_cases", "b.csv", ["行政处罚决定书文号", "案件类别"], [["河市监罚〔2021〕3号", "商标侵权"]]
    )
    run = clean(raw)
    got = run.results["enforcement_cases"].clean.set_index("case_key")
    assert sorted(got.index) == ["E1", "河市监罚〔2021〕2号", "河市监罚〔2021〕3号"]
    assert got.loc["河市监罚〔2021〕3号", ["category", "area_code"]].tolist() == ["商标", "441600"]
    assert recon_of(run, "enforcement_cases", "a.csv") == {
        "source": "enforcement_cases",
        "status": "ok",
        "rows_in": 4,
        "clean": 2,
        "duplicate": 1,
        "rejected": 1,
        "out_of_scope": 0,
    }
    assert only(rejects(run, "enforcement_cases"))["reason"] == "missing_required"


def test_trademarks_gi_flag_and_term(raw):
    header = [
        "注册号",
        "商标名称",
        "申请人名称（中文）",
        "申请人地址（中文）",
        "商标类型",
        "是否地理标志",
        "备注",
        "专用权期限",
    ]
    write_csv(
        raw,
        "trademarks",
        "t.csv",
        header,
        [
            [
                "T1",
                "紫金蝉茶",
                "紫金县茶叶协会",
                "广东省河源市紫金县",
                "证明商标",
                "是",
                None,
                "2012年07月14日 至 2022年07月13日",
            ],
            [
                "T2",
                "龙川娘酒",
                "龙川县酒业协会",
                "河源市龙川县",
                "集体商标（地理标志）",
                None,
                None,
                "2015-01-01至2025-01-01",
            ],
            ["T3", "连平蜜桃", "连平县果业协会", "河源市连平县", "证明商标", "否", "地理标志证明商标", None],
            [
                "T4",
                "恒昌",
                "河源市恒昌电子有限公司",
                "河源市源城区",
                "普通商标",
                "否",
                None,
                "2020年1月1日 至 2030年1月1日",
            ],
            ["T5", "坏期限", "某公司", "河源市源城区", "普通商标", "否", None, "2020年1月1日 至 永久"],
        ],
    )
    run = clean(raw)
    got = run.results["trademarks"].clean.set_index("reg_no")
    assert got["is_gi"].to_dict() == {"T1": True, "T2": True, "T3": True, "T4": False}
    assert got.loc["T1", "term_start"] == pd.Timestamp("2012-07-14")
    assert got.loc["T1", "term_end"] == pd.Timestamp("2022-07-13")
    assert got.loc["T2", "term_end"] == pd.Timestamp("2025-01-01")
    assert pd.isna(got.loc["T3", "term_start"]) and got.loc["T3", "area_code"] == "441623"
    bad = only(rejects(run, "trademarks"))
    assert (bad["reason"], bad["field"]) == ("bad_date", "term")


def test_patents_legal_status_and_lapse(raw):
    header = [*PATENT_HEADER, "授权公告日", "法律状态", "失效日"]
    write_csv(
        raw,
        "patents",
        "status.csv",
        header,
        [
            [*patent(1), "2022-01-01", "有效", None],
            [*patent(2), "2022-01-01", "失效", None],
            [*patent(3), "2022-01-01", "未缴年费终止失效", "2023-05-01"],
            [*patent(4), None, "审中", None],
        ],
    )
    write_csv(raw, "patents", "no_status.csv", [*PATENT_HEADER, "授权公告日"], [[*patent(5), "2022-01-01"]])
    run = clean(raw)
    got = run.results["patents"].clean.set_index("application_no")
    assert got["lapsed"].to_dict() == {
        digits(1): False,
        digits(2): True,
        digits(3): True,
        digits(4): False,
        digits(5): False,
    }
    assert got["lapse_unknown"].to_dict() == {
        digits(1): False,
        digits(2): True,
        digits(3): False,
        digits(4): False,
        digits(5): False,
    }
    assert got["lapse_data_supplied"].to_dict() == {
        digits(1): True,
        digits(2): True,
        digits(3): True,
        digits(4): True,
        digits(5): False,
    }
    assert got.loc[digits(3), "lapse_date"] == pd.Timestamp("2023-05-01")
    warnings = run.table("warnings").set_index("warning")
    assert (warnings.loc["lapse_date_unknown", "file"], warnings.loc["lapse_date_unknown", "rows"]) == (
        "patents/status.csv",
        1,
    )


def test_patents_overseas_family_and_types(raw):
    header = [*PATENT_HEADER, "专利类型", "简单同族"]
    write_csv(
        raw,
        "patents",
        "p.csv",
        header,
        [
            [*patent(1), "发明", "US2021123456A1; EP3912345A1"],
            [*patent(2), "发明申请", "CN113000002A; WO2021000001A1"],
            [*patent(3), None, None],
        ],
    )
    got = clean(raw).results["patents"].clean.set_index("application_no")
    assert got["overseas_family"].tolist()[:2] == [True, False]
    assert got["patent_type"].tolist() == ["发明", "发明", "发明"]


def test_overseas_family_by_each_members_office_code():

    family = pd.Series(["US2021123456A1; CN112345678A", "CN112345678A; WO2021123456A1", "JPWO2021123456A1",
                        None, "EP3912345A1|CN1", "cn1, wo2"], dtype="str")
    # US, JP (a re-publication of a PCT application) and EP are overseas; CN and WO are not
    got = overseas_family(family, CONTEXT.cleaning.domestic_family_offices)
    assert got.tolist() == [True, False, True, pd.NA, True, False]


@pytest.mark.parametrize("name", ["task_ledger", "patents", "web_logs"])
def test_a_batch_of_inputs_cleans_as_each_input_alone(runs: dict[str, Path], name: str) -> None:
    """clean_files (a source's inputs typed, derived and placed in one pass, as a small source is cleaned) gives each
    input exactly the part clean_file gives it alone: its accounts entry, rows in, the rows set aside with their
    reasons and original cells, the kept rows (a category column's categories are the batch's: the clean table's
    schema makes them one dictionary anyway) and the earliest date ahead."""
    from helpers.cleaning.source import clean_file, clean_files, source_inputs, sources_of

    plan = CONTEXT.plan
    source = sources_of(CONTEXT.sources, CONTEXT.cleaning, CONTEXT.areas, CONTEXT.plan_items,
                        (plan.base_year + 1, plan.target_year), CONTEXT.official, today=dt.date(2026, 3, 1))[name]
    batch = list(enumerate(source_inputs(runs["main"], source)))
    assert len(batch) > 1
    together = clean_files(source, batch, runs["main"])
    assert sum(len(part.set_aside) for part in together) > 0 or name == "web_logs"
    for (index, item), part in zip(batch, together, strict=True):
        alone = clean_file(source, index, item, runs["main"])
        assert (part.index, part.entry, part.rows_in, part.ahead) == (alone.index, alone.entry, alone.rows_in,
                                                                      alone.ahead)
        pd.testing.assert_frame_equal(part.set_aside.reset_index(drop=True), alone.set_aside.reset_index(drop=True))
        pd.testing.assert_frame_equal(part.kept[alone.kept.columns].reset_index(drop=True),  # a category column
                                      alone.kept.reset_index(drop=True), check_categorical=False)  # holds all values
        extra = set(part.kept.columns) - set(alone.kept.columns)  # another input's warning: never raised here
        assert all(col.startswith("_warn:") and not part.kept[col].any() for col in extra), extra
