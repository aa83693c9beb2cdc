"""The holder address book and the exports that need it (data-contract.md, "What real exports lack, and how to
derive it"): CPCC software-copyright queries, 双公示 penalties and pledge gazettes carry no address; their rows take
the county of the same holder in the patents, trademarks and copyright rows that carry one, and a holder found in
two counties or nowhere counts for the city only. Fixtures copy the real headers (GBK, BOM); the expected values are
worked by hand through to the indicators.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from conftest import CONTEXT, app_no, clean, write_csv
from helpers.cleaning import clean_all
from helpers.cleaning.holders import Book, normalise_codes, normalise_names
from helpers.indicators import Tables
from helpers.pipeline.stages import values_stage

NaN = float("nan")
CITY, YUANCHENG, ZIJIN, LONGCHUAN, HEPING, DONGYUAN = "441600", "441602", "441621", "441622", "441624", "441625"

WANLV = "河源市万绿电子科技有限公司"  # patents: 东源县 twice → 东源县
JIANENG = "广东嘉能新材料有限责任公司"  # patents: 源城区; the queries write 广东嘉能新材料有限公司
HENGTONG = "河源恒通照明科技有限公司"  # patents: 紫金县
DERUN = "河源市德润食品有限公司"  # patents: 龙川县, trademarks: 和平县 → two counties
HONGYE = "河源市宏业机械有限公司"  # patents: 广东省河源市 only (no county) → feeds no county

CPCC_HEADER = ["登记号", "分类号", "软件全称", "软件简称", "版本号", "著作权人（国籍）", "首次发表日期", "登记日期"]
PENALTY_HEADER = ["行政相对人名称", "行政相对人代码_1 (统一社会信用代码)", "行政处罚决定书文号", "违法行为类型",
                  "违法事实", "处罚依据", "处罚类别", "处罚内容", "罚款金额 (万元)", "处罚决定日期", "处罚机关"]
TRADEMARK_HEADER = ["注册号", "商标名称", "申请人名称（中文）", "申请人地址（中文）", "注册日期"]
WORKS_HEADER = ["登记号", "作品名称", "作品类别", "著作权人", "著作权人地址", "登记日期"]
GAZETTE_HEADER = ["登记号", "权利类型", "专利号", "出质人", "质权人", "登记生效日", "质押金额"]
BANK = "中国银行股份有限公司河源分行"


def _registries(raw: Path) -> None:
    """The rows with an address: the holder address book."""
    write_csv(raw, "patents", "incopat.csv", ["申请号", "申请日", "申请人", "申请人地址"], [
        [app_no("202010000001"), "2020-01-05", WANLV, "广东省河源市东源县仙塘镇工业大道1号"],
        [app_no("202110000002"), "2021-01-05", WANLV, "河源市东源县蓝口镇"],
        [app_no("202010000003"), "2020-02-05", JIANENG, "517000 广东省河源市源城区新风路8号"],
        [app_no("202010000004"), "2020-03-05", HENGTONG, "河源市紫金县紫城镇"],
        [app_no("202010000005"), "2020-04-05", DERUN, "河源市龙川县老隆镇"],
        [app_no("202010000006"), "2020-05-05", HONGYE, "广东省河源市"],
    ])
    write_csv(raw, "trademarks", "ctmo.csv", TRADEMARK_HEADER, [
        ["50000001", "德润", DERUN, "广东省河源市和平县阳明镇"],
    ])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    raw = tmp_path_factory.mktemp("holders") / "raw"
    _registries(raw)
    # a works register with addresses: W1's own address names only the city, so it stays there (never the book's)
    write_csv(raw, "copyright", "works.csv", WORKS_HEADER, [
        ["粤作登字-2020-F-00000001", "万绿湖", "美术", WANLV, "广东省河源市", "2020-06-01"],
    ], encoding="utf-8-sig")
    # a CPCC software query (UTF-8 with BOM): no address, no 作品类别, owners with their nationality
    write_csv(raw, "copyright", "cpcc.csv", CPCC_HEADER, [
        ["2020SR0000001", "30200-0000", "万绿数据管理系统", "万绿管理", "V1.0", f"{WANLV}（中国）", "2019-12-01",
         "2020-03-05"],
        ["2021SR0000002", "30200-0000", "万绿监测平台", "", "V2.0", f"{WANLV}（中国）", "", "2021-03-05"],
        ["2021SR0000003", "30200-0000", "万绿小程序", "", "V1.0", f"{WANLV}（中国）、{JIANENG}（中国）", "",
         "2021-04-05"],
        ["2021SR0000004", "30100-0000", "嘉能配方系统", "", "V1.0", "广东嘉能新材料有限公司（中国）", "", "2021-05-05"],
        ["2021SR0000005", "30100-0000", "德润溯源系统", "", "V1.0", f"{DERUN}（中国）", "", "2021-06-05"],
        ["2021SR0000006", "30100-0000", "客家音乐播放器", "", "V1.0", "陈伟（中国）", "", "2021-07-05"],
        ["2020SR0000007", "30100-0000", "恒通照明控制软件", "", "V1.0", "河源 恒通照明科技有限公司(中国)", "",
         "2020-08-05"],
        ["软著登字第0000008号", "30100-0000", "恒通调光软件", "", "V1.0", f"{HENGTONG}（中国）", "", "2021-09-05"],
    ], encoding="utf-8-sig")
    # a 双公示 penalty export (GBK): no 案件类别, no 所在区县; 处罚类别 is the penalty
    write_csv(raw, "enforcement_cases", "xzcf.csv", PENALTY_HEADER, [
        [HENGTONG, "91441621MA4UJ0001X", "紫市监罚〔2023〕1号", "侵犯注册商标专用权", "销售侵权商品",
         "《中华人民共和国商标法》第六十条第二款", "罚款", "罚款1万元", "1", "2023-03-01", "紫金县市场监督管理局"],
        [DERUN, "91441622MA4UJ0002X", "龙市监罚〔2023〕2号", "假冒专利", "标注已失效专利号",
         "《专利法实施细则》第八十四条", "警告", "警告", "0", "2023-04-01", "龙川县市场监督管理局"],
        [WANLV, "91441625MA4UJ0003X", "河市监罚〔2023〕3号", "", "", "《中华人民共和国专利法》第六十八条", "罚款",
         "罚款2万元", "2", "2023-05-01", "河源市市场监督管理局"],
        [DERUN, "91441622MA4UJ0002X", "河市监罚〔2023〕4号", "商标侵权", "", "《中华人民共和国商标法》第六十条", "罚款",
         "罚款3万元", "3", "2023-06-01", "河源市市场监督管理局"],
        ["河源市天越文化传媒有限公司", "91441600MA4UJ0005X", "河市监罚〔2023〕5号", "侵犯著作权", "",
         "《中华人民共和国著作权法》第五十三条", "罚款", "罚款1万元", "1", "2023-07-01", "河源市市场监督管理局"],
        [JIANENG, "91441602MA4UJ0006X", "源市监罚〔2023〕6号", "擅自使用地理标志", "",
         "《中华人民共和国商标法》第十六条", "没收", "没收侵权商品", "0", "2023-08-01", "河源市源城区市场监督管理局"],
        [HENGTONG, "91441621MA4UJ0001X", "河市监罚〔2023〕7号", "虚假广告", "", "《中华人民共和国广告法》第五十五条",
         "罚款", "罚款1万元", "1", "2023-09-01", "河源市市场监督管理局"],
        [WANLV, "91441625MA4UJ0003X", "河市监罚〔2023〕8号", "", "", "", "警告", "警告", "", "2023-10-01",
         "河源市市场监督管理局"],  # neither 违法行为类型 nor 处罚依据: no category → rejected
    ], encoding="gbk")
    # a pledge gazette: no 出质人地址
    write_csv(raw, "pledges", "gazette.csv", GAZETTE_HEADER, [
        ["Y2023440000001", "专利", app_no("202010000001"), WANLV, BANK, "2023-02-01", "500"],
        ["Y2023440000002", "专利", app_no("202010000006"), "陈伟", BANK, "2023-03-01", "300"],
    ])
    return raw


@pytest.fixture(scope="module")
def cleaned(world: Path):
    return clean(world)


@pytest.fixture(scope="module")
def values(cleaned) -> pd.DataFrame:
    return values_stage(Tables.from_run(cleaned), CONTEXT.plan, CONTEXT.areas)["values"]


def _value(values: pd.DataFrame, indicator: str, area: str, year: int) -> float:
    hit = values[(values["indicator"] == indicator) & (values["area_code"] == area) & (values["year"] == year)]
    assert len(hit) == 1
    return float(hit["value"].iloc[0])


def _warnings(run, source: str) -> dict[str, int]:
    table = run.results[source].warnings
    return table.groupby("warning")["rows"].sum().to_dict()


def _by_key(run, source: str, key: str) -> pd.DataFrame:
    return run.results[source].clean.set_index(key)


# ----------------------------------------------------------------------------- software-copyright queries
def test_cpcc_rows_are_software_and_placed_by_the_same_holders_county(cleaned) -> None:
    table = _by_key(cleaned, "copyright", "reg_no")
    assert table.loc["2020SR0000001", "owner"] == WANLV  # （中国） dropped
    assert (table.loc[table.index.str.contains("SR|软著"), "category"] == "计算机软件").all()
    placed = table["area_code"].to_dict()
    assert placed == {
        "粤作登字-2020-F-00000001": CITY,  # its own address names only the city: never changed by the book
        "2020SR0000001": DONGYUAN, "2021SR0000002": DONGYUAN,
        "2021SR0000003": DONGYUAN,  # the first listed owner
        "2021SR0000004": YUANCHENG,  # 有限公司 = the patents' 有限责任公司
        "2021SR0000005": CITY,  # 龙川县 (patents) and 和平县 (trademarks): city only
        "2021SR0000006": CITY,  # found nowhere: city only
        "2020SR0000007": ZIJIN,  # spaces and half-width brackets compared away
        "软著登字第0000008号": ZIJIN,
    }
    assert table["area_from"].isna()["粤作登字-2020-F-00000001"]
    assert table.loc["2021SR0000005", "area_from"] == "holder_ambiguous"
    assert table.loc["2021SR0000006", "area_from"] == "holder_not_found"


def test_cpcc_derivations_are_counted_in_the_warnings(cleaned) -> None:
    # SR numbers: rows 1–7; the software header (软件全称) decides row 8; placed: 1 2 3 4 7 8 = 6; ambiguous: 5;
    # not found: 6; the works row's own address names only the city
    assert _warnings(cleaned, "copyright") == {
        "category_from_reg_no": 7, "category_from_software_header": 1, "area_from_holder": 6,
        "city_only_holder_ambiguous": 1, "city_only_holder_not_found": 1, "city_only_no_county": 1}
    labels = CONTEXT.cleaning.warnings
    assert labels["area_from_holder"].startswith("区县取自同一权利人")
    assert "两个及以上县（区）" in labels["city_only_holder_ambiguous"]


def test_copyright_growth_per_county_from_a_cpcc_query(values) -> None:
    # registrations: 东源县 2020 = 1 (row 1), 2021 = 2 (rows 2, 3) → I04 2021 = (2 / 1 − 1) × 100 = 100 %;
    # 紫金县 2020 = 1 (row 7), 2021 = 1 (row 8) → 0 %; 源城区 2020 = 0 → no growth rate;
    # city 2020 = 3 (rows 1, 7 and the works row), 2021 = 6 (rows 2–6, 8) → 100 %
    assert _value(values, "I04", DONGYUAN, 2021) == pytest.approx(100.0)
    assert _value(values, "I04", ZIJIN, 2021) == pytest.approx(0.0)
    assert pd.isna(_value(values, "I04", YUANCHENG, 2021))
    assert _value(values, "I04", CITY, 2021) == pytest.approx(100.0)


# ----------------------------------------------------------------------------- 双公示 penalties
def test_penalty_category_from_the_basis_and_county_from_the_authority(cleaned) -> None:
    table = _by_key(cleaned, "enforcement_cases", "decision_no")
    assert table[["category", "area_code"]].apply(tuple, axis=1).to_dict() == {
        "紫市监罚〔2023〕1号": ("商标", ZIJIN),  # 《中华人民共和国商标法》; 紫金县 bureau
        "龙市监罚〔2023〕2号": ("专利", LONGCHUAN),  # 假冒专利; the county bureau wins over the ambiguous holder
        "河市监罚〔2023〕3号": ("专利", DONGYUAN),  # 专利法; the city bureau → the holder's 东源县
        "河市监罚〔2023〕4号": ("商标", CITY),  # the city bureau, a holder in two counties
        "河市监罚〔2023〕5号": ("版权", CITY),  # the city bureau, a holder found nowhere
        "源市监罚〔2023〕6号": ("地理标志", YUANCHENG),  # 地理标志 before 商标法
        "河市监罚〔2023〕7号": ("其他", ZIJIN),  # 广告法 → 其他; the holder's 紫金县
    }
    assert table.loc["紫市监罚〔2023〕1号", "closed_date"] == pd.Timestamp("2023-03-01")  # 处罚决定日期
    assert table.loc["河市监罚〔2023〕3号", "credit_code"] == "91441625MA4UJ0003X"
    rejected = cleaned.results["enforcement_cases"].quarantine
    assert rejected[["reason", "field"]].to_numpy().tolist() == [["missing_required", "category"]]
    files = cleaned.table("files").set_index("file")
    matched = files.loc["enforcement_cases/xzcf.csv", "columns_matched"]
    assert "category←" not in matched and "处罚类别" not in matched  # a penalty is not a case category
    assert files.loc["enforcement_cases/xzcf.csv", "encoding"] in {"gb18030", "gbk"}
    assert _warnings(cleaned, "enforcement_cases") == {
        "category_from_basis": 7, "county_from_authority": 3, "area_from_holder": 2,
        "city_only_holder_ambiguous": 1, "city_only_holder_not_found": 1}


def test_enforcement_cases_per_county_from_a_penalty_export(values) -> None:
    # I08 (专利 + 商标) 2023: 1 紫金, 2 龙川, 3 东源, 4 city only → city 4, one each in 紫金 龙川 东源, 源城 0;
    # I09 (版权) 2023: 5, city only → city 1, 0 in every county
    assert [_value(values, "I08", area, 2023) for area in (CITY, ZIJIN, LONGCHUAN, DONGYUAN, YUANCHENG)] == \
        [4, 1, 1, 1, 0]
    assert [_value(values, "I09", area, 2023) for area in (CITY, ZIJIN, DONGYUAN)] == [1, 0, 0]


# ----------------------------------------------------------------------------- pledge gazettes
def test_pledge_gazette_rows_take_the_pledgors_county(cleaned, values) -> None:
    table = _by_key(cleaned, "pledges", "reg_no")
    assert table["area_code"].to_dict() == {"Y2023440000001": DONGYUAN, "Y2023440000002": CITY}
    # I05 2023 (万元): 东源县 500; the city 500 + 300 = 800
    assert (_value(values, "I05", DONGYUAN, 2023), _value(values, "I05", CITY, 2023)) == (500, 800)


# ----------------------------------------------------------------------------- the book itself
def test_names_compare_without_width_spaces_brackets_or_the_form_of_a_limited_company() -> None:
    names = pd.Series([JIANENG, "广东嘉能新材料有限公司", "河源 华达（普通合伙）", "河源华达普通合伙",
                       "ABC科技有限公司", "abc科技有限公司", None])
    keys = normalise_names(names, CONTEXT.cleaning)
    assert keys[0] == keys[1] and keys[2] == keys[3] and keys[4] == keys[5] and pd.isna(keys[6])
    assert keys[0] != keys[2]
    codes = normalise_codes(pd.Series([" 91441621ma4uj0001x", "123", None]))
    assert codes[0] == "91441621MA4UJ0001X" and codes[1:].isna().all()  # not 18 letters and digits: no code


def test_credit_code_first_then_the_name_and_two_counties_is_the_city() -> None:
    book = Book.of([pd.DataFrame({"name": ["a", "a", "b", "c"], "code": ["X1", None, "X2", "X2"],
                                  "county": [ZIJIN, HEPING, DONGYUAN, DONGYUAN]})])
    placed = book.place(pd.Series(["a", "a", "b", "z", "z"]), pd.Series(["X1", None, None, "X2", None]), CITY)
    # a + X1: the code's one county (the name has two); a alone: two counties; b: by name; z + X2: by code; z: none
    assert placed["area_code"].tolist() == [ZIJIN, CITY, DONGYUAN, DONGYUAN, CITY]
    assert placed["area_from"].tolist() == ["holder", "holder_ambiguous", "holder", "holder", "holder_not_found"]


def test_the_written_tables_are_placed_as_the_tables_kept_in_memory(world: Path, cleaned, tmp_path: Path) -> None:
    """The book rewrites the Parquet files of a run that writes (same placements, file warnings in the account)."""
    run = clean_all(world, CONTEXT, tmp_path, workers=2)
    for source in ("copyright", "enforcement_cases", "pledges"):
        written = pd.read_parquet(tmp_path / "clean" / f"{source}.parquet")
        kept = cleaned.results[source].clean
        assert written["area_code"].tolist() == kept["area_code"].tolist(), source
        assert written["area_from"].fillna("").tolist() == kept["area_from"].fillna("").tolist(), source
    warnings = pd.read_parquet(tmp_path / "warnings.parquet")
    assert warnings.query("source == 'copyright' and warning == 'area_from_holder'")["rows"].sum() == 6
    assert run.manifest["sources"]["copyright"]["rows_clean"] == 9
