"""Indicator values from hand-computed fixtures, through the real path.

Every test writes a few raw CSV rows (canonical Chinese headers of conf/base/sources.yaml) into a temporary
raw folder, runs the real cleaner (`conftest.clean`, which also checks the accounts), builds
`Tables.from_run(run)`, runs the values stage on them and asserts the engine's exact values. The paper
computation is in a comment beside each expectation. Spec: shared/spec/evaluation-method.md ("The 14 indicators",
"Precise rules").
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from conftest import CONTEXT, YEARS, app_no, computed, series, write_csv, write_log
from helpers.indicators.computations import Inputs, visitor_filters
from helpers.indicators.engine import VALUE_COLUMNS
from helpers.pipeline.stages import values_stage

NaN = math.nan
CITY, YUANCHENG, ZIJIN, LONGCHUAN, LIANPING, HEPING, DONGYUAN = (
    "441600", "441602", "441621", "441622", "441623", "441624", "441625")
COUNTIES = [YUANCHENG, ZIJIN, LONGCHUAN, LIANPING, HEPING, DONGYUAN]
AREAS = [CITY, *COUNTIES]

ADDRESS = {YUANCHENG: "广东省河源市源城区新风路1号", ZIJIN: "河源市紫金县紫城镇", LONGCHUAN: "河源市龙川县老隆镇",
           LIANPING: "河源市连平县元善镇", HEPING: "河源市和平县阳明镇", DONGYUAN: "河源市东源县仙塘镇",
           CITY: "广东省河源市"}  # 河源市 with no county → the city only


# ----------------------------------------------------------------------------- helpers
def value(values: pd.DataFrame, indicator: str, area: str, year: int) -> float:
    return series(values, indicator, area, [year])[year]


def expect(got: dict, want: dict) -> None:
    """Exact values (to float rounding); NaN = no data, which must stay NaN (never 0)."""
    assert got == pytest.approx(want, nan_ok=True, rel=1e-12, abs=1e-12), (got, want)


def row_of(values: pd.DataFrame, indicator: str, area: str, year: int) -> pd.Series:
    hit = values[(values["indicator"] == indicator) & (values["area_code"] == area) & (values["year"] == year)]
    assert len(hit) == 1
    return hit.iloc[0]


PATENT_HEADER = ["申请号", "专利类型", "申请日", "授权公告日", "申请人", "申请人地址", "法律状态", "失效日",
                 "公开（公告）号", "公开（公告）日", "IPC主分类", "战略性新兴产业分类", "简单同族"]


def patent(digits, applied, granted, area, *, kind="", status="有效", lapsed="", pub_no="", pub_date="", ipc="",
           sei="", family="", holder="某公司"):
    return [app_no(digits), kind, applied, granted, holder, ADDRESS[area], status, lapsed, pub_no, pub_date, ipc,
            sei, family]


# ============================================================================= I01: valid stock, population
@pytest.fixture(scope="module")
def stock_world(tmp_path_factory):
    raw = tmp_path_factory.mktemp("stock") / "raw"
    write_csv(raw, "patents", "incopat.csv", PATENT_HEADER, [
        # P1 源城, granted 2020, valid → every year
        patent("202010000001", "2020-01-02", "2020-06-01", YUANCHENG),
        # P2 紫金, lapsed on 2022-12-31 → in 2020 and 2021, out of 2022 (失效日 ≤ 31 Dec 2022)
        patent("202010000002", "2019-01-02", "2020-03-01", ZIJIN, status="失效", lapsed="2022-12-31"),
        # P3 紫金, granted on 2021-12-31 → in 2021 on its last day, not in 2020
        patent("202010000003", "2020-01-02", "2021-12-31", ZIJIN),
        # P4 龙川, granted 2022-01-01 → not yet in 2021's stock
        patent("202010000004", "2020-01-02", "2022-01-01", LONGCHUAN),
        # P5 失效 with no 失效日 → never counted (and a data-quality warning)
        patent("202010000005", "2018-01-02", "2019-01-01", YUANCHENG, status="失效"),
        # P6 龙川: A and B publications of one application (no 授权公告日) → one patent, granted 2023-02-01 (B)
        patent("202110000006", "2021-01-04", "", LONGCHUAN, status="", pub_no="CN112000006A", pub_date="2021-05-01"),
        patent("202110000006", "2021-01-04", "", LONGCHUAN, status="", pub_no="CN112000006B", pub_date="2023-02-01"),
        # P7 utility model (5th digit 2): never in the invention stock; its 2025 date makes the extract current
        patent("202020000007", "2020-01-02", "2025-03-01", YUANCHENG),
        # P8 河源市 with no county → the city total only
        patent("202010000008", "2020-01-02", "2020-09-01", CITY),
        # P9 紫金, lapsed 2023-01-01 → still in 2022's stock, out of 2023
        patent("202010000009", "2019-01-02", "2020-01-01", ZIJIN, status="失效", lapsed="2023-01-01"),
    ])
    write_csv(raw, "population", "pop.csv", ["年度", "地区", "常住人口"], [
        # 2020: the city row (400) wins over the county sum (100 + 100 + 100)
        [2020, "河源市", 400], [2020, "源城区", 100], [2020, "紫金县", 100], [2020, "龙川县", 100],
        # 2021: no city row → the sum of the counties 50 + 100 + 50 = 200
        [2021, "源城区", 50], [2021, "紫金县", 100], [2021, "龙川县", 50],
        [2022, "河源市", 500],
        # 2023: no population at all → empty (never carried forward from 2022 or 2024)
        [2024, "河源市", 250], [2025, "441600", 100],
    ])
    return computed(raw)


def test_i01_valid_stock_at_year_end_from_one_extract(stock_world):
    tables, values = stock_world
    # valid at 31 Dec: 2020 P1 P2 P8 P9 = 4;  2021 + P3 = 5;  2022 − P2 + P4 = 5;  2023 − P9 + P6 = 5;  2024/25 5
    # ÷ population:    4/400 = 0.01;        5/200 = 0.025;  5/500 = 0.01;        no population;       5/250, 5/100
    expect(series(values, "I01", CITY), {2020: 0.01, 2021: 0.025, 2022: 0.01, 2023: NaN, 2024: 0.02, 2025: 0.05})
    stock = values[(values["indicator"] == "I01") & (values["area_code"] == CITY)].set_index("year")["rows"]
    assert stock.to_dict() == {2020: 4, 2021: 5, 2022: 5, 2023: 5, 2024: 5, 2025: 5}


def test_i01_county_values_by_mapped_rows(stock_world):
    _, values = stock_world
    # 源城 P1: 1/100, 1/50; 紫金 P2 P9 = 2/100, P2 P3 P9 = 3/100; 龙川 0/100, 0/50 (0 patents, population known)
    expect(series(values, "I01", YUANCHENG, [2020, 2021, 2022]), {2020: 0.01, 2021: 0.02, 2022: NaN})
    expect(series(values, "I01", ZIJIN, [2020, 2021, 2022]), {2020: 0.02, 2021: 0.03, 2022: NaN})
    expect(series(values, "I01", LONGCHUAN, [2020, 2021, 2022]), {2020: 0.0, 2021: 0.0, 2022: NaN})
    # 连平: no population for any year → empty, although its stock (0) is known
    expect(series(values, "I01", LIANPING), dict.fromkeys(YEARS, NaN))
    counted = values[(values["indicator"] == "I01") & (values["year"] == 2023)].set_index("area_code")["rows"]
    # 2023 stock by county: 源城 P1, 紫金 P3, 龙川 P4 P6; city adds P8 (city only) → 5
    assert counted.to_dict() == {CITY: 5, YUANCHENG: 1, ZIJIN: 1, LONGCHUAN: 2, LIANPING: 0, HEPING: 0, DONGYUAN: 0}


def test_lapse_without_date_is_a_warning_not_a_patent(stock_world):
    tables, _ = stock_world
    warnings = tables.warnings.groupby("warning")["rows"].sum()
    assert warnings["lapse_date_unknown"] == 1  # P5
    patents = tables.get("patents").set_index("application_no")
    assert len(patents) == 9  # P6's A row is a duplicate of its B row
    assert patents.loc["202110000006", "grant_date"] == pd.Timestamp("2023-02-01")
    assert patents.loc["202020000007", "patent_type"] == "实用新型"


# ============================================================================= I02: high-value criteria, I05 pledges
PLEDGE_HEADER = ["登记号", "权利类型", "权利编号", "出质人", "出质人地址", "质权人", "登记生效日", "质押金额", "解除日"]


@pytest.fixture(scope="module")
def high_value_world(tmp_path_factory):
    raw = tmp_path_factory.mktemp("hv") / "raw"
    late = {"applied": "2016-01-04", "granted": "2018-01-02"}  # never maintained > 10 years by 2025

    def inv(digits, area=YUANCHENG, applied=late["applied"], granted=late["granted"], **kw):
        return patent(digits, applied, granted, area, **kw)

    write_csv(raw, "patents", "patsnap.csv", PATENT_HEADER, [
        inv("201610000001", sei="新一代信息技术产业"),              # H1 SEI class given
        inv("201610000002", ipc="H01M 10/052"),                   # H2 IPC → H01M10/ → 新能源汽车产业
        inv("201610000003", ipc="A01B 1/00", family="EP3912345A1; CN112345678A"),  # H3 overseas (EP)
        inv("201610000004", family="CN112345679A; WO2021123456A1"),  # H4 CN/WO only → not overseas
        inv("201110000005", applied="2011-06-30", granted="2014-01-02"),  # H5 > 10 years from 2021 on
        inv("201210000015", applied="2012-12-31", granted="2015-01-05"),  # H5b exactly 10 years in 2022 → from 2023
        inv("201610000006", ZIJIN), inv("201610000007", ZIJIN),    # H6 H7 one pledge 3000 → 1500 each
        inv("201610000008", ZIJIN), inv("201610000009", ZIJIN),    # H8 H9 one pledge 1500 → 750 each
        inv("201610000010"),                                      # H10 中国专利优秀奖 2023
        inv("201610000011"),                                      # H11 广东专利金奖 2021 → does not count
        inv("201610000012", sei="新材料产业", family="US2021123456A1"),  # H12 two criteria → counted once
        inv("201610000013", ipc="G06N 3/08", status="失效", lapsed="2021-06-30"),  # H13 SEI, valid in 2020 only
        inv("201610000014", ipc="H01M 8/00"),                     # H14 H01M but not 10/ or 4/ → not SEI; pledge 1000
        inv("201610000017"),                                      # H17 国家技术发明奖 2024 (a national S&T award)
        # an A publication only (not granted); its 2025 date makes the extract current to 2025
        inv("202410000016", granted="", status="", pub_no="CN118000016A", pub_date="2025-01-10"),
    ])
    write_csv(raw, "pledges", "pledges.csv", PLEDGE_HEADER, [
        # released in 2023: still high value afterwards (the financing was achieved)
        ["Z2022001", "专利", "ZL" + app_no("201610000006"), "丙公司", ADDRESS[ZIJIN], "某银行", "2022-03-01", "3000",
         "2023-06-30"],
        ["Z2022001", "专利", "ZL" + app_no("201610000007"), "丙公司", ADDRESS[ZIJIN], "某银行", "2022-03-01", "3000",
         "2023-06-30"],
        ["Z2022002", "专利", app_no("201610000008"), "丁公司", ADDRESS[ZIJIN], "某银行", "2022-05-01", "15000000元"],
        ["Z2022002", "专利", app_no("201610000009"), "丁公司", ADDRESS[ZIJIN], "某银行", "2022-05-01", "15000000元"],
        ["Z2021003", "商标", "12345678", "戊公司", ADDRESS[YUANCHENG], "某银行", "2021-08-01", "1.2亿元"],
        ["Z2020004", "专利", app_no("201610000001"), "甲公司", ADDRESS[YUANCHENG], "某银行", "2020-06-01", "800"],
        ["Z2023005", "专利", app_no("201610000014"), "甲公司", ADDRESS[YUANCHENG], "某银行", "2023-02-01", "1000"],
    ])
    write_csv(raw, "patent_awards", "awards.csv", ["专利号", "奖项", "年度"], [
        ["ZL" + app_no("201610000010"), "第二十四届中国专利优秀奖", 2023],
        [app_no("201610000011"), "广东专利金奖", 2021],
        [app_no("201610000017"), "国家技术发明奖二等奖", 2024],
        [app_no("201610000004"), "国家科学技术进步奖二等奖", 2025],
    ])
    write_csv(raw, "population", "pop.csv", ["年度", "地区", "常住人口"],
              [[y, "河源市", 100] for y in YEARS] + [[2022, "紫金县", 10]])
    return computed(raw)


def test_i02_high_value_each_patent_once(high_value_world):
    _, values = high_value_world
    # 2020 H1 H2 H3 H12 H13 = 5;  2021 − H13 (lapsed) + H5 (> 10 years) = 5;  2022 + H6 H7 (pledge) = 7;
    # 2023 + H5b (> 10 years) + H10 (award) + H14 (pledge 1000 = the threshold) = 10;  2024 + H17 (国家技术发明奖)
    # = 11;  2025 + H4 (国家科学技术进步奖) = 12;  H12 meets two criteria and counts once.  ÷ 100 万人
    expect(series(values, "I02", CITY), {2020: 0.05, 2021: 0.05, 2022: 0.07, 2023: 0.10, 2024: 0.11, 2025: 0.12})
    # all valid inventions: 16 in 2020 (H1–H14, H5b, H17), 15 after H13 lapsed; the A-only application never
    expect(series(values, "I01", CITY), {2020: 0.16, 2021: 0.15, 2022: 0.15, 2023: 0.15, 2024: 0.15, 2025: 0.15})
    # 紫金 2022: H6 H7 ÷ 10 万人 (its only population row)
    assert value(values, "I02", ZIJIN, 2022) == pytest.approx(0.2)
    assert row_of(values, "I02", CITY, 2022)["complete"]


def test_i02_breakdown_per_criterion(high_value_world):
    tables, _ = high_value_world
    table = values_stage(tables, CONTEXT.plan, CONTEXT.areas)["high_value"]
    city = table[table["area_code"] == CITY].pivot(index="year", columns="criterion", values="count")
    assert city.to_dict("index") == {
        # sei: H1 H2 H12 (+H13 in 2020); overseas: H3 H12; maintained: H5 from 2021, H5b from 2023;
        # pledge: H6 H7 from 2022, H14 from 2023 (H8 H9 750 < 1000, H1 800 < 1000);
        # award: H10 from 2023, H17 from 2024, H4 from 2025 (H11 广东专利奖 never)
        2020: {"sei": 4, "overseas_family": 2, "maintained": 0, "pledge": 0, "award": 0},
        2021: {"sei": 3, "overseas_family": 2, "maintained": 1, "pledge": 0, "award": 0},
        2022: {"sei": 3, "overseas_family": 2, "maintained": 1, "pledge": 2, "award": 0},
        2023: {"sei": 3, "overseas_family": 2, "maintained": 2, "pledge": 3, "award": 1},
        2024: {"sei": 3, "overseas_family": 2, "maintained": 2, "pledge": 3, "award": 2},
        2025: {"sei": 3, "overseas_family": 2, "maintained": 2, "pledge": 3, "award": 3},
    }
    zijin = table[(table["area_code"] == ZIJIN) & (table["year"] == 2022)].set_index("criterion")["count"]
    assert zijin.to_dict() == {"award": 0, "maintained": 0, "overseas_family": 0, "pledge": 2, "sei": 0}
    assert set(table["label"]) == {"战略性新兴产业", "海外同族", "维持超过10年", "较高质押融资金额",
                                   "中国专利奖/国家科技奖"}


def test_i02_breakdown_counts_the_patents_meeting_one_criterion_alone(high_value_world):
    """`only`: the patents a criterion alone makes high-value — what tells an increase from ageing (H5, H5b) from
    one of new high-value patents (findings: the I02 decomposition)."""
    tables, _ = high_value_world
    table = values_stage(tables, CONTEXT.plan, CONTEXT.areas)["high_value"]
    city = table[table["area_code"] == CITY].set_index(["year", "criterion"])["only"]
    # 2020: H1 H2 H13 SEI alone (H12 also overseas), H3 overseas alone
    assert city[2020].to_dict() == {"sei": 3, "overseas_family": 1, "maintained": 0, "pledge": 0, "award": 0}
    # 2025: H13 lapsed; H5 H5b by age alone; H6 H7 H14 by pledge alone; H10 H17 H4 by award alone (H4's WO member
    # is no overseas family); H12 still meets two
    assert city[2025].to_dict() == {"sei": 2, "overseas_family": 1, "maintained": 2, "pledge": 3, "award": 3}
    assert (table["only"] <= table["count"]).all()


def test_i05_pledge_amount_once_per_registration(high_value_world):
    _, values = high_value_world
    # 2020 Z2020004 800;  2021 Z2021003 1.2 亿元 = 12000 万元;
    # 2022 Z2022001 3000 (two rows, once) + Z2022002 15 000 000 元 = 1500 万元 (two rows, once) = 4500
    # 2023 Z2023005 1000;  2024–2025: no pledge registered at all → no data (not 0)
    expect(series(values, "I05", CITY), {2020: 800, 2021: 12000, 2022: 4500, 2023: 1000, 2024: NaN, 2025: NaN})
    expect(series(values, "I05", ZIJIN, [2020, 2021, 2022]), {2020: 0, 2021: 0, 2022: 4500})
    expect(series(values, "I05", YUANCHENG, [2020, 2021, 2022]), {2020: 800, 2021: 12000, 2022: 0})
    assert row_of(values, "I05", CITY, 2022)["rows"] == 2  # two 登记号


def test_i02_without_optional_sources_counts_the_other_criteria(tmp_path):
    raw = tmp_path / "raw"
    write_csv(raw, "patents", "p.csv", PATENT_HEADER, [
        patent("201610000001", "2016-01-04", "2018-01-02", YUANCHENG, sei="生物产业"),
        patent("201610000002", "2016-01-04", "2020-05-06", YUANCHENG),  # (dates reach 2020: the extract covers it)
    ])
    write_csv(raw, "population", "pop.csv", ["年度", "地区", "常住人口"], [[2020, "河源市", 100]])
    _, values = computed(raw)
    row = row_of(values, "I02", CITY, 2020)
    assert row["value"] == pytest.approx(0.01)  # 1 SEI patent ÷ 100 万人
    assert not row["complete"] and row["missing_sources"] == "pledges,patent_awards"


# ============================================================================= I03 GI marks, I10 GI products
def test_i03_gi_marks_registered_and_not_expired(tmp_path):
    raw = tmp_path / "raw"
    header = ["注册号", "商标名称", "申请人名称（中文）", "申请人地址（中文）", "商标类型", "是否地理标志", "备注",
              "注册日期", "专用权期限"]
    write_csv(raw, "trademarks", "tm.csv", header, [
        # T1 紫金, flag 是, registered 2021-05-01 → 2021 on
        ["40000001", "紫金蜂蜜", "紫金县蜂业协会", ADDRESS[ZIJIN], "集体商标", "是", "", "2021-05-01",
         "2021年05月01日 至 2031年04月30日"],
        # T2 连平, type 地理标志证明商标, term ends 2022-07-13 → 2020 and 2021 only
        ["10000002", "连平鹰嘴蜜桃", "连平县果业协会", ADDRESS[LIANPING], "地理标志证明商标", "", "", "2012-07-14",
         "2012年07月14日 至 2022年07月13日"],
        # T3 ordinary mark → never
        ["30000003", "某品牌", "某公司", ADDRESS[YUANCHENG], "普通商标", "否", "", "2019-03-01",
         "2019年03月01日 至 2029年02月28日"],
        # T4 东源, registered on 2023-12-31 → in 2023's stock
        ["50000004", "康禾茶", "东源县茶叶协会", ADDRESS[DONGYUAN], "证明商标", "是", "", "2023-12-31",
         "2023年12月31日 至 2033年12月30日"],
        # T5 和平, 地理标志 in 备注 → 2024 on
        ["60000005", "和平猕猴桃", "和平县果业协会", ADDRESS[HEPING], "证明商标", "", "地理标志", "2024-04-10",
         "2024年04月10日 至 2034年04月09日"],
        # T6 ordinary mark registered in 2025: the register reaches 2025 (term ends are schedules, not events)
        ["70000006", "某品牌", "某公司", ADDRESS[YUANCHENG], "普通商标", "否", "", "2025-06-01",
         "2025年06月01日 至 2035年05月31日"],
    ])
    _, values = computed(raw)
    # 2020 T2 = 1; 2021 T1 T2 = 2; 2022 T1 = 1 (T2 expired); 2023 T1 T4 = 2; 2024/25 T1 T4 T5 = 3
    expect(series(values, "I03", CITY), {2020: 1, 2021: 2, 2022: 1, 2023: 2, 2024: 3, 2025: 3})
    expect(series(values, "I03", LIANPING), {2020: 1, 2021: 1, 2022: 0, 2023: 0, 2024: 0, 2025: 0})
    expect(series(values, "I03", DONGYUAN), {2020: 0, 2021: 0, 2022: 0, 2023: 1, 2024: 1, 2025: 1})
    expect(series(values, "I03", YUANCHENG), dict.fromkeys(YEARS, 0))  # covered, no GI mark → 0


def test_i10_gi_products_approved_by_year_end(tmp_path):
    raw = tmp_path / "raw"
    write_csv(raw, "gi_products", "gi.csv", ["产品名称", "批准公告号", "批准日期", "保护范围", "所在区县"], [
        ["河源米粉", "2010年第1号", "2010-01-05", "河源市现辖行政区域", ""],   # city-wide → city only
        ["连平鹰嘴蜜桃", "2015年第2号", "2015-06-01", "", "连平县"],
        ["紫金春甜桔", "2020年第3号", "2020-12-31", "", "紫金"],            # approved on the last day of 2020
        ["龙川山茶油", "2024年第4号", "2024-09-10", "", "龙川县"],
        ["东源板栗", "2025年第5号", "2025-03-01", "", "东源县"],
    ])
    _, values = computed(raw)
    # 2020–2023: 米粉 蜜桃 春甜桔 = 3; 2024 + 山茶油 = 4; 2025 + 板栗 = 5
    expect(series(values, "I10", CITY), {2020: 3, 2021: 3, 2022: 3, 2023: 3, 2024: 4, 2025: 5})
    expect(series(values, "I10", ZIJIN), dict.fromkeys(YEARS, 1))
    expect(series(values, "I10", LONGCHUAN), {2020: 0, 2021: 0, 2022: 0, 2023: 0, 2024: 1, 2025: 1})
    expect(series(values, "I10", YUANCHENG), dict.fromkeys(YEARS, 0))


# ============================================================================= I04 CAGR of copyright registrations
def copyright_rows(counts: dict[tuple[int, str], int]) -> list[list[object]]:
    rows, serial = [], 0
    for (year, area), n in counts.items():
        for _ in range(n):
            serial += 1
            reg = f"粤作登字-{year}-F-{serial:08d}" if serial % 2 else f"{year}SR{serial:07d}"  # works and software
            rows.append([reg, f"作品{serial}", "某著作权人", ADDRESS[area], f"{year}-06-01"])
    return rows


def test_i04_cagr_of_registrations(tmp_path):
    raw = tmp_path / "raw"
    counts = {(2015, ZIJIN): 1, (2015, YUANCHENG): 3,
              (2020, ZIJIN): 2, (2020, YUANCHENG): 6,
              (2021, ZIJIN): 3, (2021, YUANCHENG): 5, (2021, LONGCHUAN): 2,
              (2022, ZIJIN): 4, (2022, YUANCHENG): 14,
              (2023, ZIJIN): 2, (2023, YUANCHENG): 6}
    write_csv(raw, "copyright", "c.csv", ["登记号", "作品名称", "著作权人", "著作权人地址", "登记日期"],
              copyright_rows(counts))
    _, values = computed(raw)
    # city R: 2015 4, 2020 8, 2021 10, 2022 18, 2023 8, 2024–25 none at all (not covered)
    # 2020 = (8/4)^(1/5) − 1; 2021 = 10/8 − 1 = 25 %; 2022 = (18/8)^(1/2) − 1 = 50 %; 2023 = (8/8)^(1/3) − 1 = 0
    expect(series(values, "I04", CITY),
           {2020: (2 ** 0.2 - 1) * 100, 2021: 25.0, 2022: 50.0, 2023: 0.0, 2024: NaN, 2025: NaN})
    # 紫金 1, 2, 3, 4, 2 → (2/1)^(1/5) − 1; 3/2 − 1 = 50 %; (4/2)^(1/2) − 1; (2/2)^(1/3) − 1 = 0
    expect(series(values, "I04", ZIJIN, [2020, 2021, 2022, 2023]),
           {2020: (2 ** 0.2 - 1) * 100, 2021: 50.0, 2022: (2 ** 0.5 - 1) * 100, 2023: 0.0})
    # 源城 3, 6, 5, 14, 6 → 2^(1/5) − 1; 5/6 − 1; (14/6)^(1/2) − 1; (6/6)^(1/3) − 1
    expect(series(values, "I04", YUANCHENG, [2020, 2021, 2022, 2023]),
           {2020: (2 ** 0.2 - 1) * 100, 2021: (5 / 6 - 1) * 100, 2022: ((14 / 6) ** 0.5 - 1) * 100, 2023: 0.0})
    # 龙川: 0 in 2015 and 2020 → a zero base → empty, although 2021 has 2 registrations
    expect(series(values, "I04", LONGCHUAN), dict.fromkeys(YEARS, NaN))


# ============================================================================= I06 GI output
def test_i06_gi_output_sum(tmp_path):
    raw = tmp_path / "raw"
    write_csv(raw, "gi_output", "o.csv", ["产品名称", "年度", "产值", "所在区县"], [
        ["河源米粉", 2020, "1.0", ""],                 # no county → city only
        ["连平鹰嘴蜜桃", 2020, "6500万元", "连平县"],  # 万元 in the cell → 0.65 亿元
        ["河源米粉", 2021, "1.2亿元", ""],
        ["连平鹰嘴蜜桃", 2021, "0.7", "连平"],
        ["紫金春甜桔", 2021, "3000万元", "紫金县"],    # 0.3 亿元
    ])
    _, values = computed(raw)
    # 2020: 1.0 + 0.65 = 1.65; 2021: 1.2 + 0.7 + 0.3 = 2.2; 2022 on: no row → no data
    expect(series(values, "I06", CITY), {2020: 1.65, 2021: 2.2, 2022: NaN, 2023: NaN, 2024: NaN, 2025: NaN})
    expect(series(values, "I06", LIANPING, [2020, 2021, 2022]), {2020: 0.65, 2021: 0.7, 2022: NaN})
    expect(series(values, "I06", ZIJIN, [2020, 2021]), {2020: 0.0, 2021: 0.3})  # covered year, no row → 0


# ============================================================================= I07 assistance, I08/I09 enforcement
@pytest.fixture(scope="module")
def cases_world(tmp_path_factory):
    raw = tmp_path_factory.mktemp("cases") / "raw"
    write_csv(raw, "assistance_cases", "ledger.csv", ["案件编号", "受理日期", "办结日期", "案件类型", "所在区县"], [
        ["A1", "2021-02-01", "2021-03-01", "维权援助", "紫金县"],
        ["A2", "2021-11-01", "2021-12-31", "调解", "源城区"],
        ["A3", "2021-05-01", "2021-05-01", "咨询", "紫金县"],     # a consultation is not a case
        ["A4", "2021-12-01", "2022-01-05", "维权援助", "龙川县"],  # concluded in 2022
        ["A5", "2021-06-01", "", "调解", "紫金县"],               # not concluded → no year
        ["A6", "2021-06-01", "2021-07-01", "调解", ""],           # no county → city only
    ])
    header = ["案件编号", "行政处罚决定书文号", "案件类别", "立案日期", "结案日期", "所在区县"]
    write_csv(raw, "enforcement_cases", "enforcement.csv", header, [
        ["E1", "", "专利", "2021-01-05", "2021-04-01", "紫金"],
        ["E2", "", "商标", "2021-02-05", "2021-05-01", "源城"],
        ["E3", "", "版权", "2021-03-05", "2021-06-01", "源城"],
        ["E4", "", "地理标志", "2021-03-05", "2021-06-01", "源城"],  # neither I08 nor I09
        ["E5", "", "其他", "2021-03-05", "2021-06-01", "源城"],
        ["E6", "", "商标", "2021-11-05", "2022-01-10", "龙川"],      # closed in 2022
        ["", "河市监罚〔2021〕7号", "著作权", "2021-04-05", "2021-08-01", "龙川"],  # key = 文书号; 著作权 = 版权
        ["E8", "", "专利", "2021-09-05", "", "紫金"],                # not closed
    ])
    return computed(raw)


def test_i07_assistance_and_mediation_concluded_in_year(cases_world):
    _, values = cases_world
    # 2021: A1 A2 A6 = 3 (A3 consultation, A4 closed 2022, A5 open); 2022: A4 = 1; 2020: no row → no data
    expect(series(values, "I07", CITY), {2020: NaN, 2021: 3, 2022: 1, 2023: NaN, 2024: NaN, 2025: NaN})
    expect(series(values, "I07", ZIJIN, [2021, 2022]), {2021: 1, 2022: 0})
    expect(series(values, "I07", LONGCHUAN, [2021, 2022]), {2021: 0, 2022: 1})
    expect(series(values, "I07", DONGYUAN, [2020, 2021]), {2020: NaN, 2021: 0})  # covered but no rows → 0


def test_i08_i09_enforcement_cases_closed_in_year(cases_world):
    _, values = cases_world
    # I08 (专利 + 商标): 2021 E1 E2 = 2; 2022 E6 = 1.   I09 (版权): 2021 E3 + the 文书号 case = 2; 2022: 0
    expect(series(values, "I08", CITY, [2020, 2021, 2022]), {2020: NaN, 2021: 2, 2022: 1})
    expect(series(values, "I09", CITY, [2020, 2021, 2022]), {2020: NaN, 2021: 2, 2022: 0})
    expect(series(values, "I09", LONGCHUAN, [2021, 2022]), {2021: 1, 2022: 0})
    expect(series(values, "I08", ZIJIN, [2021, 2022]), {2021: 1, 2022: 0})


def test_missing_source_is_no_data_everywhere(cases_world):
    _, values = cases_world
    assert list(values.columns) == VALUE_COLUMNS
    assert set(values["indicator"]) == {f"I{i:02d}" for i in range(1, 15)}
    # no court_cases folder: I11 is empty in every area and year, with the missing source named
    i11 = values[values["indicator"] == "I11"]
    assert len(i11) == len(AREAS) * len(YEARS) and i11["value"].isna().all()
    assert (i11["missing_sources"] == "court_cases").all() and not i11["complete"].any()
    i01 = values[values["indicator"] == "I01"]
    assert i01["value"].isna().all() and (i01["missing_sources"] == "patents,population").all()
    supplied = values[values["indicator"] == "I07"]
    assert (supplied["missing_sources"] == "").all() and supplied["complete"].all()


# ============================================================================= I11 settle rate
def test_i11_settle_rate_with_appeal_linkage(tmp_path):
    raw = tmp_path / "raw"
    write_csv(raw, "court_cases", "court.csv", ["案号", "审理程序", "案由", "结案日期", "原审案号", "是否上诉"], [
        ["（2021）粤1621民初1号", "一审", "侵害商标权纠纷", "2021-05-01", "", "否"],
        ["（2021）粤1621民初2号", "一审", "著作权权属、侵权纠纷", "2021-06-01", "", "是"],      # appealed: 是否上诉
        ["（2021）粤1621民初3号", "一审", "侵害外观设计专利权纠纷", "2021-07-01", "", ""],       # appealed: 二审 row
        ["（2021）粤1621民初4号", "一审", "买卖合同纠纷", "2021-08-01", "", "是"],               # not an IP case
        ["（2021）粤16民初7号", "一审", "不正当竞争纠纷", "2021-09-01", "", ""],                # 粤16 → city only
        ["（2021）粤1602民初8号", "一审", "计算机软件著作权许可使用合同纠纷", "2021-10-01", "", "否"],
        ["（2022）粤1621民初9号", "一审", "侵害商业秘密纠纷", "2022-03-01", "", "是"],
        ["(2022)粤16民终5号", "二审", "侵害外观设计专利权纠纷", "2022-05-01", "(2021)粤1621民初3号", ""],
        ["（2022）粤知民终45号", "二审", "不正当竞争纠纷", "2022-06-01", "（2021） 粤16民初7号", ""],
    ])
    _, values = computed(raw)
    # 2021 first-instance IP cases: 民初1 2 3 7 8 = 5, appealed 2 3 7 = 3 → (1 − 3/5) × 100 = 40 %
    # 紫金 (粤1621): 1 2 3, appealed 2 3 → (1 − 2/3) × 100;  源城 (粤1602): 8 → 100 %;  the 粤16 case: city only
    # 2022: 民初9 appealed → 0 %;  2020: no case at all → no data;  龙川: no case → zero denominator → empty
    expect(series(values, "I11", CITY, [2020, 2021, 2022]), {2020: NaN, 2021: 40.0, 2022: 0.0})
    expect(series(values, "I11", ZIJIN, [2021, 2022]), {2021: 100 / 3, 2022: 0.0})
    expect(series(values, "I11", YUANCHENG, [2021, 2022]), {2021: 100.0, 2022: NaN})
    expect(series(values, "I11", LONGCHUAN, [2021, 2022]), {2021: NaN, 2022: NaN})
    assert row_of(values, "I11", CITY, 2021)["rows"] == 5


def test_i11_appeal_heard_by_the_supreme_court_ip_tribunal(tmp_path):
    raw = tmp_path / "raw"
    write_csv(raw, "court_cases", "court.csv", ["案号", "审理程序", "案由", "结案日期", "原审案号"], [
        ["（2021）粤16民初7号", "一审", "侵害发明专利权纠纷", "2021-05-01", ""],
        ["（2021）粤16民初8号", "一审", "侵害发明专利权纠纷", "2021-06-01", ""],
        # invention-patent appeals go to 最高人民法院知识产权法庭: "a 二审 row anywhere in the data"
        ["（2022）最高法知民终12号", "二审", "侵害发明专利权纠纷", "2022-05-01", "（2021）粤16民初7号"],
    ])
    _, values = computed(raw)
    assert value(values, "I11", CITY, 2021) == pytest.approx(50.0)  # (1 − 1/2) × 100


# ============================================================================= I12 website visitors
def log(client="203.0.113.5", ua="Mozilla/5.0 A", when="05/Mar/2021:10:00:00 +0800", path="/index.html",
        status=200, xff=None) -> str:
    line = f'{client} - - [{when}] "GET {path} HTTP/1.1" {status} 512 "-" "{ua}"'
    return line if xff is None else f'{line} "{xff}"'


BOT_AGENTS = ["Mozilla/5.0 (compatible; Googlebot/2.1)", "Baiduspider-render/2.0", "AhrefsCrawler/1.0",
              "Mozilla/5.0 (compatible; Yahoo! Slurp)", "curl/7.68.0", "Wget/1.20.3", "python-requests/2.25.1",
              "Go-http-client/1.1", "Mozilla/5.0 HeadlessChrome/90.0"]
STATIC_PATHS = ["/static/app.css", "/static/app.js?v=3", "/img/logo.PNG", "/a.jpg", "/a.jpeg", "/a.gif", "/a.svg",
                "/favicon.ico", "/f.woff", "/f.woff2", "/f.ttf", "/app.js.map"]
INTERNAL = ["10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "127.0.0.1", "::1"]


@pytest.fixture(scope="module")
def web_world(tmp_path_factory):
    raw = tmp_path_factory.mktemp("web") / "raw"
    day1 = [
        log(),                                           # V1 (203.0.113.5, A)
        log(path="/zl/search?q=1"),                      # V1 again, same day
        log(ua="Mozilla/5.0 B"),                         # V2: same client, another browser
        log(client="198.51.100.20", status=304),         # V3: 304 counts
        log(client="198.51.100.21", status=204),         # V4: 2xx counts
        log(client="172.32.0.1"),                        # V5: just outside 172.16/12
        log(client="11.0.0.1"),                          # V6: just outside 10/8
        log(client="10.0.0.2", xff="198.51.100.7, 10.0.0.1"),  # V7: client = first X-Forwarded-For
        log(client="203.0.113.9", xff="192.168.0.5"),    # client internal by X-Forwarded-For → removed
        *[log(client=f"198.51.100.{30 + i}", ua=ua) for i, ua in enumerate(BOT_AGENTS)],
        *[log(client=f"198.51.100.{60 + i}", path=p) for i, p in enumerate(STATIC_PATHS)],
        *[log(client=f"198.51.100.{90 + i}", status=s) for i, s in enumerate([301, 302, 404, 500])],
        *[log(client=ip) for ip in INTERNAL],
    ]
    day2 = [log(when="06/Mar/2021:00:00:01 +0800"), log(when="06/Mar/2021:23:59:59 +0800")]  # V1 on its own day
    write_log(raw, "access.log", day1)
    write_log(raw, "access-2021-03-06.log.gz", day2, gz=True)
    write_log(raw, "access-2022.log", [log(when="01/Jan/2022:00:00:01 +0800", ua="Mozilla/5.0 C")])
    return computed(raw)


def test_i12_distinct_visitors_per_day_summed(web_world):
    _, values = web_world
    # 5 Mar 2021: V1–V7 = 7; 6 Mar: V1 = 1 → 2021: 8.  2022: 1.  2020: no log line → no data
    expect(series(values, "I12", CITY), {2020: NaN, 2021: 8, 2022: 1, 2023: NaN, 2024: NaN, 2025: NaN})
    for county in COUNTIES:  # a city-level indicator: counties are empty, never 0
        expect(series(values, "I12", county), dict.fromkeys(YEARS, NaN))


def test_i12_each_filter_removes_what_the_spec_names(web_world):
    tables, _ = web_world
    logs = tables.get("web_logs")
    indicator = CONTEXT.plan.indicator("I12")
    masks = visitor_filters(Inputs(tables, CONTEXT.plan, CONTEXT.areas, CONTEXT.plan.years), **indicator.params)
    assert set(logs.loc[masks["bot"], "user_agent"]) == set(BOT_AGENTS)
    assert set(logs.loc[masks["static"], "path"]) == set(STATIC_PATHS)
    assert sorted(logs.loc[masks["status"], "status"]) == [301, 302, 404, 500]
    assert set(logs.loc[masks["internal"], "client"]) == {*INTERNAL, "192.168.0.5"}
    assert "10.0.0.2" not in set(logs["client"])  # the proxy is not the client


# ============================================================================= I13 service nodes, I14 satisfaction
NODE_HEADER = ["名称", "类型", "级别", "所在区县", "设立日期", "撤销日期"]
NODES = [
    ["市知识产权信息公共服务节点", "信息公共服务节点", "市", "源城区", "2020-05-01", ""],
    ["紫金网点", "信息公共服务网点", "县", "紫金县", "2021-12-31", ""],          # set up on the last day of 2021
    ["龙川网点", "信息公共服务网点", "县", "龙川县", "2020-01-01", "2022-06-30"],  # revoked in 2022
    ["和平维权援助工作站", "维权援助工作站", "县", "和平县", "2020-03-01", ""],    # another node type
    ["东源商标品牌指导站", "商标品牌指导站", "县", "东源县", "2020-03-01", ""],
    ["连平节点", "信息公共服务节点", "县", "连平县", "2023-01-01", "2023-12-30"],  # revoked before end-2023
    ["东源网点", "信息公共服务网点", "县", "东源县", "2025-02-01", ""],
]


def test_i13_nodes_active_at_year_end(tmp_path):
    raw = tmp_path / "raw"
    write_csv(raw, "service_nodes", "nodes.csv", NODE_HEADER, NODES)
    _, values = computed(raw)
    # 2020 市节点 龙川 = 2; 2021 + 紫金 = 3; 2022 − 龙川 = 2; 2023 连平 revoked 12-30 → 2; 2024 2; 2025 + 东源 = 3
    expect(series(values, "I13", CITY), {2020: 2, 2021: 3, 2022: 2, 2023: 2, 2024: 2, 2025: 3})
    expect(series(values, "I13", LONGCHUAN), {2020: 1, 2021: 1, 2022: 0, 2023: 0, 2024: 0, 2025: 0})
    expect(series(values, "I13", HEPING), dict.fromkeys(YEARS, 0))  # a 维权援助工作站 is not a node


def test_i14_likert_and_percent_files_weighted(tmp_path):
    raw = tmp_path / "raw"
    write_csv(raw, "survey", "a_percent.csv", ["问卷编号", "年度", "所在区县", "总体满意度", "权重"], [
        ["Q1", 2021, "紫金", 80, 1], ["Q2", 2021, "紫金", 90, 3], ["Q3", 2021, "源城", 70, ""]])  # no weight → 1
    write_csv(raw, "survey", "b_marked.csv", ["问卷编号", "年度", "所在区县", "总体满意度（1-5分）"], [
        ["L1", 2021, "龙川", 5], ["L2", 2021, "龙川", 4.5]])            # marked 1–5: (5−1)/4 = 100, 87.5
    write_csv(raw, "survey", "c_integers.csv", ["问卷编号", "年度", "所在区县", "总体满意度"], [
        ["M1", 2022, "紫金", 3], ["M2", 2022, "紫金", 5]])               # integers in 1–5: 50, 100
    _, values = computed(raw)
    # 2021: (80·1 + 90·3 + 70 + 100 + 87.5) / (1 + 3 + 1 + 1 + 1) = 607.5 / 7;  2022: (50 + 100)/2 = 75
    expect(series(values, "I14", CITY), {2020: NaN, 2021: 607.5 / 7, 2022: 75.0, 2023: NaN, 2024: NaN, 2025: NaN})
    # 紫金 (80 + 270)/4 = 87.5, 75;  源城 70, no answer in 2022 → empty (zero denominator);  龙川 93.75
    expect(series(values, "I14", ZIJIN, [2021, 2022]), {2021: 87.5, 2022: 75.0})
    expect(series(values, "I14", YUANCHENG, [2021, 2022]), {2021: 70.0, 2022: NaN})
    expect(series(values, "I14", LONGCHUAN, [2021, 2022]), {2021: 93.75, 2022: NaN})


# ============================================================================= how far a register reaches
def test_a_register_covers_the_years_its_extracts_reach_not_scheduled_expiries(tmp_path):
    raw = tmp_path / "raw"
    write_csv(raw, "trademarks", "t.csv", ["注册号", "商标名称", "申请人名称（中文）", "申请人地址（中文）", "商标类型",
                                           "注册日期", "专用权期限"], [
        ["1", "康禾茶", "东源县茶叶协会", ADDRESS[DONGYUAN], "地理标志证明商标", "2021-03-01",
         "2021年03月01日 至 2031年02月28日"]])
    write_csv(raw, "patents", "p.csv", PATENT_HEADER, [patent("202010000001", "2020-01-02", "2021-03-01", YUANCHENG)])
    # a year-only table reaches 31 Dec of its latest year (evaluation-method.md, "Data cut-off"): 2021 here
    write_csv(raw, "population", "pop.csv", ["年度", "地区", "常住人口"], [[y, "河源市", 100] for y in (2020, 2021)])
    _, values = computed(raw)
    # the latest observation in any extract is 31 Dec 2021: nothing is known about 31 Dec 2022 or later. The mark's
    # term end (2031) is a schedule, not an observation, and must not stretch either register to 2025.
    expect(series(values, "I03", CITY), {2020: 0, 2021: 1, 2022: NaN, 2023: NaN, 2024: NaN, 2025: NaN})
    expect(series(values, "I01", CITY), {2020: 0, 2021: 0.01, 2022: NaN, 2023: NaN, 2024: NaN, 2025: NaN})
