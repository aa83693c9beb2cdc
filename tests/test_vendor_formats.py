"""Vendor formats of the data contract's "What real exports lack, and how to derive it": incoPat and PatSnap patent
exports (their status and type vocabularies, their county columns, `; ` / ` | ` lists, `-` for empty), statistical
tables in wide form (data.stats.gov.cn / yearbooks) and nginx `main` logs with X-Forwarded-For chains.

Every fixture copies the vendor's real header characters (see docs/aliases.md for where each was found); the
expected values are worked by hand in the comments, through to the indicator where one depends on the rule.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from conftest import CONTEXT, app_no, clean, computed, rejects, series, write_csv, write_log, write_xlsx
from helpers.indicators import Tables
from helpers.pipeline.stages import values_stage

NaN = math.nan
CITY, YUANCHENG, ZIJIN, LONGCHUAN, HEPING, DONGYUAN = "441600", "441602", "441621", "441622", "441624", "441625"


def stock(values: pd.DataFrame, indicator: str, area: str) -> dict[int, int]:
    rows = values[(values["indicator"] == indicator) & (values["area_code"] == area)].set_index("year")
    return {int(y): int(n) for y, n in rows["rows"].items()}


def expect(got: dict, want: dict) -> None:
    assert got == pytest.approx(want, nan_ok=True, rel=1e-12, abs=1e-12), (got, want)


def warnings_of(run) -> dict[str, int]:
    table = run.table("warnings")
    return table.groupby("warning")["rows"].sum().to_dict() if len(table) else {}


# ============================================================================= PatSnap (智慧芽) xlsx export
# The header as PatSnap writes it (half-width brackets; `[标]` standardised holder; code #33199622035, #69136161738
# in docs/aliases.md); dates as date cells, `-` in every empty cell, several holders joined by ` | `.
PATSNAP_HEADER = ["序号", "公开(公告)号", "申请号", "申请日", "公开(公告)日", "授权日", "专利类型", "标题",
                  "[标]当前申请(专利权)人", "申请(专利权)人", "当前申请(专利权)人地址", "当前申请(专利权)人区县",
                  "简单法律状态", "法律状态/事件", "失效日", "IPC主分类号", "战略新兴产业分类", "简单同族"]


def d(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def ps(n, pub, number, applied, published, granted, kind, holder, address, county, simple, status, lapsed="-",
       ipc="-", sei="-", family="-", applicants=None):
    """One PatSnap row in its column order (title invented, 申请(专利权)人 = the current holder unless given)."""
    return [n, pub, number, applied, published, granted, kind, f"专利{n}", holder, applicants or holder, address,
            county, simple, status, lapsed, ipc, sei, family]


PATSNAP_ROWS = [
    # P1 授权发明, 授权日 empty (-): the B publication's 公开(公告)日 is the grant → valid from 2022-06-07.
    #    Its county column says 源城区, its address 东源县: the vendor's county column wins → 源城.
    ps(1, "CN113000001B", "CN" + app_no("202110000001"), d("2021-01-05"), d("2022-06-07"), "-", "授权发明",
       "河源市万绿茶业有限公司", "广东省河源市东源县仙塘镇 | 广东省广州市天河区", "源城区", "有效", "授权",
       ipc="A23F3/06", family="CN113000001B", applicants="河源市万绿茶业有限公司 | 广州某大学"),
    # P2 发明申请, 审中: an application, never in the stock.
    ps(2, "CN113000002A", "CN" + app_no("202110000002"), d("2021-02-01"), d("2021-06-01"), "-", "发明申请",
       "河源市华达食品有限公司", "广东省河源市源城区上城街道", "源城区", "审中", "实质审查"),
    # P3 授权发明 granted 2022-03-01, lapsed for non-payment on 2024-03-01 → valid at the end of 2022 and 2023.
    ps(3, "CN113000003B", "CN" + app_no("202110000003"), d("2021-03-01"), d("2022-03-01"), d("2022-03-01"),
       "授权发明", "紫金县嘉能电子科技有限公司", "广东省河源市紫金县临江镇", "紫金县", "失效", "未缴年费",
       lapsed=d("2024-03-01"), ipc="H02S20/30", sei="新能源产业"),
    # P4 授权发明, no simple status (-), detailed status 部分无效: partly invalidated, still in force → valid from
    #    2023-05-01 (the old keyword rule read 无效 as a lapse without a date and left it out of every year).
    ps(4, "CN113000004B", "CN" + app_no("202110000004"), d("2021-04-01"), d("2023-05-01"), d("2023-05-01"),
       "授权发明", "河源市恒通新材料有限公司", "广东省河源市源城区新风路1号", "-", "-", "部分无效 | 权利转移"),
    # P5 实用新型 granted 2025-03-01: not an invention; its date makes the extract reach into 2025.
    ps(5, "CN223000005U", "CN" + app_no("202520000005"), d("2025-01-02"), d("2025-03-01"), d("2025-03-01"),
       "实用新型", "东源县客家农业发展有限公司", "广东省河源市东源县义合镇", "东源县", "有效", "授权"),
    # P6 授权发明, 有效, but no grant date and no publication (-): granted, when unknown → in no year's stock, and
    #    flagged grant_date_unknown.
    ps(6, "-", "CN" + app_no("202110000006"), d("2021-06-01"), "-", "-", "授权发明", "和平县精诚模具有限公司",
       "广东省河源市和平县阳明镇", "和平县", "有效", "授权"),
    # P7 发明申请 (the A publication) of an application granted 2021-09-09: its 授权日 says so → valid from 2021.
    #    County -: the first holder's address decides (龙川).
    ps(7, "CN113000007A", "CN" + app_no("202110000007"), d("2021-01-07"), d("2021-05-07"), d("2021-09-09"),
       "发明申请", "龙川县立信水务科技有限公司 | 深圳某公司", "广东省河源市龙川县老隆镇 | 广东省深圳市南山区", "-",
       "有效", "授权 | 质押"),
    # P8 惠州: the vendor's county column names a county outside the city → out of scope.
    ps(8, "CN113000008B", "CN" + app_no("202110000008"), d("2021-01-08"), d("2022-01-08"), d("2022-01-08"),
       "授权发明", "惠州某照明有限公司", "广东省惠州市惠城区", "惠城区", "有效", "授权"),
]

# 年末常住人口 as data.stats.gov.cn exports it: preamble lines, a wide header, a trailing 数据来源 line (GBK).
STATS_LINES = [
    "数据库：地级市年度数据",
    "指标：年末常住人口(万人)",
    "地区：河源市",
    "时间：最近6年",
    "地区,2025年,2024年,2023年,2022年,2021年,2020年",
    "河源市,300,200,250,300,280,400",
    "源 城 区,60,50,50,60,70,80",
    "数据来源：国家统计局",
]


def write_stats(raw, name: str, lines: list[str], encoding: str = "gbk") -> None:
    folder = raw / "population"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))


@pytest.fixture(scope="module")
def patsnap_world(tmp_path_factory):
    raw = tmp_path_factory.mktemp("patsnap") / "raw"
    write_xlsx(raw, "patents", "智慧芽导出.xlsx", PATSNAP_HEADER, PATSNAP_ROWS)
    write_stats(raw, "分省年度数据.csv", STATS_LINES)
    run = clean(raw)
    tables = Tables.from_run(run)
    return run, tables, values_stage(tables, CONTEXT.plan, CONTEXT.areas)["values"]


def by_number(frame: pd.DataFrame, column: str) -> dict[int, object]:
    """A clean column keyed by the fixture's row number (the last digit of the application number)."""
    return {int(number[-1]): value for number, value in zip(frame["application_no"], frame[column], strict=True)}


def test_patsnap_type_vocabulary_grant_and_county(patsnap_world):
    run, _, _ = patsnap_world
    got = run.results["patents"].clean
    assert by_number(got, "patent_type") == {1: "发明", 2: "发明", 3: "发明", 4: "发明", 5: "实用新型", 6: "发明",
                                             7: "发明"}  # 授权发明 / 发明申请 → 发明
    grants = by_number(got, "grant_date")
    assert grants[1] == pd.Timestamp("2022-06-07")  # 授权发明: its publication is the grant
    assert pd.isna(grants[2])  # 发明申请, nothing else says granted
    assert grants[7] == pd.Timestamp("2021-09-09")  # 发明申请, but 授权日 says so
    assert pd.isna(grants[6]) and pd.isna(by_number(got, "publication_no")[6])  # `-` is empty, not a number
    assert by_number(got, "area_code") == {1: YUANCHENG, 2: YUANCHENG, 3: ZIJIN, 4: YUANCHENG, 5: DONGYUAN,
                                           6: HEPING, 7: LONGCHUAN}
    assert by_number(got, "holder")[7] == "龙川县立信水务科技有限公司"  # ` | ` list: the first holder
    assert by_number(got, "applicant")[1] == "河源市万绿茶业有限公司"
    assert by_number(got, "sei_class")[3] == "新能源产业"
    assert by_number(got, "lapsed") == {1: False, 2: False, 3: True, 4: False, 5: False, 6: False, 7: False}
    assert not got["lapse_unknown"].any()
    out = run.results["patents"].quarantine
    assert out["outcome"].tolist() == ["out_of_scope"] and out["line"].tolist() == [9]  # P8, by its 惠城区


def test_patsnap_rules_are_counted_as_warnings(patsnap_world):
    run, _, _ = patsnap_world
    counted = warnings_of(run)
    # type vocabulary: P1 P2 P3 P4 P6 P7 (授权发明 / 发明申请; P5 实用新型 says nothing more; P8 out of scope)
    assert counted["patent_type_from_vendor"] == 6
    assert counted["grant_date_unknown"] == 1  # P6
    # county column decided although an address was there: P1 P2 P3 P5 P6 (P4 and P7 have `-` in the column)
    assert counted["county_from_vendor_column"] == 5
    assert counted["wide_table_reshaped"] == 12  # 河源市 and 源城区 × 6 years
    assert "lapse_date_unknown" not in counted


def test_i01_valid_invention_stock_from_a_patsnap_file(patsnap_world):
    _, _, values = patsnap_world
    # valid inventions at 31 Dec (grant ≤ 31 Dec, not lapsed by then):
    # 2020 none; 2021 P7; 2022 P1 P3 P7; 2023 P1 P3 P4 P7; 2024 P1 P4 P7 (P3 lapsed 2024-03-01); 2025 the same.
    assert stock(values, "I01", CITY) == {2020: 0, 2021: 1, 2022: 3, 2023: 4, 2024: 3, 2025: 3}
    # ÷ 万人 of the wide table: 0/400, 1/280, 3/300, 4/250, 3/200, 3/300
    expect(series(values, "I01", CITY), {2020: 0.0, 2021: 1 / 280, 2022: 0.01, 2023: 0.016, 2024: 0.015, 2025: 0.01})
    # 源城区 (its padded 源 城 区 row): P1 from 2022, P4 from 2023 → 0/80, 0/70, 1/60, 2/50, 2/50, 2/60
    expect(series(values, "I01", YUANCHENG),
           {2020: 0.0, 2021: 0.0, 2022: 1 / 60, 2023: 0.04, 2024: 0.04, 2025: 2 / 60})


# ============================================================================= incoPat csv export (UTF-8 with BOM)
# incoPat's own column names (序号 first; 公开（公告）号 with full-width brackets; 中国申请人区县; 专利有效性 /
# 当前法律状态 / 法律状态 = the history of legal events; 新兴产业分类; code #42125775604, #39819142711); `; ` lists.
INCOPAT_HEADER = ["序号", "标题", "申请号", "申请日", "公开（公告）号", "公开（公告）日", "专利类型", "申请人",
                  "当前权利人", "申请人地址", "中国申请人区县", "专利有效性", "当前法律状态", "法律状态", "授权公告日",
                  "失效日", "IPC主分类", "新兴产业分类", "简单同族"]
INCOPAT_ROWS = [
    # I1 发明授权, 有效; county column 和平县; 源城区 (first listed wins) over the 源城区 address
    [1, "一种数据加密传输方法", app_no("202210000001"), "2022-01-04", "CN114000001B", "2023-02-03", "发明授权",
     "河源市汇科信息技术有限公司; 河源职业技术学院", "河源市汇科信息技术有限公司", "广东省河源市源城区兴业大道8号",
     "和平县; 源城区", "有效", "授权", "2022-03-01 公开; 2022-03-18 实质审查的生效; 2023-02-03 授权", "2023-02-03",
     "", "H04L9/40", "新一代信息技术产业", "CN114000001B; US2023123456A1"],
    # I2 no 专利有效性, 当前法律状态 部分无效 → in force
    [2, "一种电路板检测设备", app_no("202210000002"), "2022-01-05", "CN114000002B", "2023-03-03", "发明授权",
     "河源市精诚电气有限公司", "", "广东省河源市源城区建设大道", "源城区", "", "部分无效",
     "公开; 实质审查的生效; 授权; 部分无效", "2023-03-03", "", "G01R31/28", "", ""],
    # I3 失效 for non-payment on 2024-03-05
    [3, "一种智能手机壳", app_no("202210000003"), "2022-01-06", "CN114000003B", "2023-04-03", "发明授权",
     "河源市美达塑胶制品有限公司", "", "广东省河源市东源县蓝口镇", "东源县", "失效", "未缴年费",
     "公开; 实质审查的生效; 授权; 未缴年费专利权终止", "2023-04-03", "2024-03-05", "B65D81/38", "", ""],
    # I4 发明申请 审中
    [4, "一种中药提取方法", app_no("202210000004"), "2022-01-07", "CN114000004A", "2022-05-06", "发明申请",
     "河源市康达医药有限公司", "", "广东省河源市紫金县紫城镇", "紫金县", "审中", "实质审查", "公开; 实质审查的生效",
     "", "", "A61K36/185", "生物产业", ""],
    # I5 发明申请 驳回: lapsed, but it was never a patent → no lapse_date_unknown warning
    [5, "一种无人机喷洒装置", app_no("202210000005"), "2022-01-08", "CN114000005A", "2022-05-07", "发明申请",
     "河源市博众科技有限公司", "", "广东省河源市龙川县佗城镇", "龙川县", "失效", "驳回", "公开; 实质审查的生效; 驳回",
     "", "", "B64D1/18", "", ""],
    # I6 no 专利有效性; 当前法律状态 权利恢复 (the history still shows the earlier non-payment): in force
    [6, "一种猕猴桃保鲜方法", app_no("202210000006"), "2022-01-09", "CN114000006B", "2023-05-05", "发明授权",
     "和平县绿洲农业发展有限公司", "", "广东省河源市和平县林寨镇", "和平县", "", "权利恢复",
     "授权; 未缴年费专利权终止; 权利恢复", "2023-05-05", "", "A23B7/154", "", ""],
]


def test_incopat_status_columns_and_county_column(raw):
    write_csv(raw, "patents", "incoPat导出.csv", INCOPAT_HEADER, INCOPAT_ROWS, encoding="utf-8-sig")
    run = clean(raw)
    files = run.table("files").set_index("file").loc["patents/incoPat导出.csv"]
    assert files["encoding"] == "utf-8-sig"
    # each status column maps to its own field: none is "used instead of" another
    for mapped in ("validity←专利有效性", "current_status←当前法律状态", "legal_status←法律状态"):
        assert mapped in files["columns_matched"]
    assert pd.isna(files["message"])
    got = run.results["patents"].clean.set_index("publication_no")
    assert got["lapsed"].to_dict() == {"CN114000001B": False, "CN114000002B": False, "CN114000003B": True,
                                       "CN114000004A": False, "CN114000005A": True, "CN114000006B": False}
    assert not got["lapse_unknown"].any()
    assert got["area_code"].to_dict() == {"CN114000001B": HEPING, "CN114000002B": YUANCHENG,
                                          "CN114000003B": DONGYUAN, "CN114000004A": ZIJIN,
                                          "CN114000005A": LONGCHUAN, "CN114000006B": HEPING}
    assert got.loc["CN114000001B", "applicant"] == "河源市汇科信息技术有限公司"
    assert got.loc["CN114000001B", "sei_class"] == "新一代信息技术产业"  # 新兴产业分类
    assert bool(got.loc["CN114000001B", "overseas_family"])
    assert set(got["patent_type"]) == {"发明"}
    assert pd.isna(got.loc["CN114000004A", "grant_date"])
    counted = warnings_of(run)
    assert counted["patent_type_from_vendor"] == 6
    assert counted["county_from_vendor_column"] == 6
    assert "lapse_date_unknown" not in counted and "grant_date_unknown" not in counted


def test_dash_cells_do_not_make_a_duplicate_more_complete(raw):
    header = ["申请号", "申请日", "申请(专利权)人", "当前申请(专利权)人地址", "IPC主分类号", "简单同族", "失效日"]
    number = app_no("202210000009")
    write_csv(raw, "patents", "a_incopat.csv", header, [[number, "2022-01-04", "A公司", "河源市源城区", "A23F3/06", "",
                                                         ""]])
    write_csv(raw, "patents", "z_patsnap.csv", header, [["CN" + number, "2022-01-04", "A公司", "河源市源城区", "-",
                                                         "-", "-"]])
    run = clean(raw)
    # a: 5 values; z: 4 values and three `-` (no value). The later file would win a tie; here a has more.
    got = run.results["patents"].clean
    assert got["ipc_main"].tolist() == ["A23F3/06"] and got["source_file"].astype(str).tolist() == [
        "patents/a_incopat.csv"]
    q = run.results["patents"].quarantine
    assert q[["file", "reason"]].values.tolist() == [["patents/z_patsnap.csv", "duplicate"]]


# The status vocabularies: PatSnap's 法律状态 values (linkfox-ai/linkfox-skills, zhihuiya legalStatus api.md), its
# 简单法律状态, incoPat's 专利有效性, and other databases' spellings (docs/aliases.md). (cell, lapsed, granted)
STATUS_CELLS = [
    ("公开", False, False), ("实质审查", False, False), ("授权", False, True), ("避重授权", False, True),
    ("放弃-未指定类型", True, False), ("放弃-主动放弃", True, False), ("放弃-视为放弃", True, False),
    ("撤回-未指定类型", True, False), ("撤回-主动撤回", True, False), ("撤回-视为撤回", True, False),
    ("驳回", True, False), ("全部撤销", True, False), ("期限届满", True, False), ("未缴年费", True, False),
    ("权利恢复", False, True), ("权利终止", True, False), ("部分无效", False, True), ("申请终止", True, False),
    ("有效", False, True), ("失效", True, False), ("审中", False, False), ("未确认", False, False),
    ("授权 | 质押", False, True), ("未缴年费 | 权利转移", True, False), ("避重放弃", True, False),
    ("全部无效", True, False), ("期满终止", True, False), ("视为撤回", True, False),
]


def test_status_vocabulary_lapsed_and_granted(raw):
    header = ["申请号", "申请日", "申请人", "申请人地址", "授权公告日", "当前法律状态"]
    rows = [[app_no(f"2022100{n:05d}"), "2022-01-04", "某公司", "广东省河源市源城区", "2023-01-05", cell]
            for n, (cell, _, _) in enumerate(STATUS_CELLS)]
    write_csv(raw, "patents", "status.csv", header, rows)
    # a PCT phase in 专利有效性 says nothing: the next column decides (here 当前法律状态)
    write_csv(raw, "patents", "pct.csv", [*header, "专利有效性"], [
        [app_no("202210099001"), "2022-01-04", "某公司", "河源市源城区", "2023-01-05", "未缴年费", "PCT-有效期内"],
        [app_no("202210099002"), "2022-01-04", "某公司", "河源市源城区", "", "授权", "PCT-有效期满"]])
    run = clean(raw)
    got = run.results["patents"].clean.set_index("application_no")
    for n, (cell, lapsed, _) in enumerate(STATUS_CELLS):
        assert bool(got.loc[f"2022100{n:05d}", "lapsed"]) is lapsed, cell
    assert got.loc["202210099001", "lapsed"] and not got.loc["202210099002", "lapsed"]
    # granted and in force but no grant date: only 202210099002 (the others have a 授权公告日)
    assert warnings_of(run)["grant_date_unknown"] == 1


# ============================================================================= wide statistical tables → population
def test_wide_population_table_reads_as_rows(raw):
    write_stats(raw, "年末常住人口.csv", [
        "数据库：分省年度数据",
        "指标：年末常住人口(万人)",
        "时间：最近5年",
        "地区,2023年,2022年,2021年,2020年,2019年",
        "河源市,283.62,284.17,284.09,309.73,",
        "源 城 区,71.10,70.80,70.50,70.36,",
        "东　源　县,35.2,35.4,-,34.8,",  # full-width padding; `-` = no value
        "惠城区,130.1,129.0,128.1,127.0,",
        "注：2020年数据为第七次全国人口普查数据。",
        "数据来源：国家统计局",
    ])
    run = clean(raw)
    got = run.results["population"].clean.set_index(["area_code", "year"])["population_wan"]
    # 河源市 4 years (2019 empty), 源城区 4, 东源县 3 (2021 `-`): 11 rows; the unit is the 指标 line's 万人
    assert got.to_dict() == {(CITY, 2023): 283.62, (CITY, 2022): 284.17, (CITY, 2021): 284.09, (CITY, 2020): 309.73,
                             (YUANCHENG, 2023): 71.10, (YUANCHENG, 2022): 70.80, (YUANCHENG, 2021): 70.50,
                             (YUANCHENG, 2020): 70.36, (DONGYUAN, 2023): 35.2, (DONGYUAN, 2022): 35.4,
                             (DONGYUAN, 2020): 34.8}
    lines = run.results["population"].clean.set_index(["area_code", "year"])["source_line"]
    assert lines[(CITY, 2020)] == 5 and lines[(DONGYUAN, 2020)] == 7  # each row keeps its region's line
    q = run.results["population"].quarantine
    # 惠城区 is outside the city (4 rows); the 注 and 数据来源 lines are notes, never rows (not even rejected ones)
    assert q["outcome"].tolist() == ["out_of_scope"] * 4 and set(q["line"]) == {8}
    status = run.table("files").set_index("file").loc["population/年末常住人口.csv"]
    assert status["encoding"] == "gb18030" and status["header_line"] == 4
    assert "population_wan←年末常住人口(万人)" in status["columns_matched"]
    assert "第 10 行「数据来源：国家统计局」是表尾说明" in status["message"]
    assert "第 9 行「注：2020年数据为第七次全国人口普查数据。」是表尾说明" in status["message"]
    assert warnings_of(run) == {"wide_table_reshaped": 11}


def test_wide_table_in_persons_from_a_yearbook_sheet(raw):
    # a yearbook sheet: title row, 单位 line, year headers without 年, counts in 人 → 万人
    write_xlsx(raw, "population", "统计年鉴.xlsx", ["地区", "2022", "2021"], [
        ["全　市", 2841700, 2840900], ["紫 金 县", 551095, 550000]], title="单位：人")
    run = clean(raw)
    got = run.results["population"].clean.set_index(["area_code", "year"])["population_wan"]
    assert got.to_dict() == pytest.approx({(CITY, 2022): 284.17, (CITY, 2021): 284.09, (ZIJIN, 2022): 55.1095,
                                           (ZIJIN, 2021): 55.0})


def test_year_headers_of_a_wide_table():
    from helpers.cleaning.readers import Header

    header = Header.of(CONTEXT.sources["population"], CONTEXT.cleaning)
    cells = ["地区", 2023.0, "2022年", "2021年末", " 2020 ", "2019年度", "合计", "283.62", "20231", None]
    assert header.year_columns(cells) == {1: "2023", 2: "2022", 3: "2021", 4: "2020", 5: "2019"}
    assert header.find_wide([["指标：年末常住人口(万人)"], cells]) == 1
    assert header.find_wide([["2023年", "地区"]]) is None  # the region column comes first


def test_wide_table_of_another_indicator_is_rejected(raw):
    write_stats(raw, "gdp.csv", ["数据库：分省年度数据", "指标：地区生产总值(亿元)", "地区,2023年,2022年",
                                 "河源市,1348.2,1294.0"])
    run = clean(raw)
    status = run.table("files").set_index("file").loc["population/gdp.csv"]
    assert (status["status"], status["reason"]) == ("rejected", "wide_indicator_mismatch")
    assert "地区生产总值(亿元)" in status["message"]


def test_long_population_table_keeps_its_rows_and_drops_its_source_line(raw):
    write_csv(raw, "population", "pop.csv", ["年度", "地区", "常住人口"],
              [[2021, "源 城 区", 70.5], [2022, "", ""], ["数据来源：河源市统计局", None, None]])
    run = clean(raw)
    assert run.results["population"].clean.set_index("area_code")["population_wan"].to_dict() == {YUANCHENG: 70.5}
    # the empty area is a rejected row (missing_required); the 数据来源 line is the table's note, not a row
    assert rejects(run, "population")[["line", "reason"]].values.tolist() == [[3, "missing_required"]]
    assert "第 4 行「数据来源：河源市统计局」是表尾说明" in run.table("files")["message"][0]
    assert "wide_table_reshaped" not in warnings_of(run)


# ============================================================================= nginx `main` logs and I12
# log_format main '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" '
#                 '"$http_user_agent" "$http_x_forwarded_for"';   (the server sits behind a proxy at 10.1.0.2)
CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/120.0.0.0 Safari/537.36")
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Mobile/15E148 MicroMessenger/8.0.40")
ANDROID = "Mozilla/5.0 (Linux; Android 13; V2227A) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36"
SAFARI = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.1 Safari/605.1.15")
BAIDU = "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)"
CHAIN = "203.0.113.7, 10.1.0.3, 10.1.0.2"  # client, proxy1, proxy2


def main_line(remote: str, day: str, clock: str, path: str, status: int, agent: str, xff: str) -> str:
    return (f'{remote} - - [{day}/Mar/2023:{clock} +0800] "GET {path} HTTP/1.1" {status} 5120 '
            f'"https://www.baidu.com/" "{agent}" "{xff}"')


NGINX_MAIN = [
    # 5 Mar, visitors (client, agent): 203.0.113.7 Chrome, 203.0.113.9 iPhone, 2408:8207:1234::5 Android,
    # 203.0.113.7 Safari = 4
    main_line("10.1.0.2", "05", "09:00:01", "/zscq/index.html", 200, CHROME, CHAIN),  # a 3-address chain
    main_line("10.1.0.2", "05", "09:00:02", "/static/css/main.css", 200, CHROME, CHAIN),  # static: left out
    main_line("10.1.0.2", "05", "09:01:10", "/zscq/zcfg/index.html", 200, CHROME, CHAIN),  # the same visitor
    main_line("203.0.113.9", "05", "10:12:00", "/", 200, IPHONE, "-"),  # direct: `-` names no client
    main_line("2408:8207:1234::5", "05", "11:00:00", "/zscq/wqyz/index.html", 200, ANDROID, "-"),  # IPv6 client
    main_line("10.1.0.2", "05", "11:00:05", "/zscq/fwzn/index.html", 304, ANDROID, "2408:8207:1234::5, 10.1.0.2"),
    main_line("10.1.0.2", "05", "12:00:00", "/", 200, CHROME, "-"),  # the proxy's own request: internal
    main_line("10.1.0.2", "05", "12:00:01", "/", 200, CHROME, "192.168.1.20, 10.1.0.2"),  # an internal client
    main_line("10.1.0.2", "05", "12:30:00", "/", 200, BAIDU, "198.51.100.4, 10.1.0.2"),  # a bot
    main_line("10.1.0.2", "05", "13:00:00", "/wp-login.php", 404, CHROME, "198.51.100.5, 10.1.0.2"),  # 404
    main_line("10.1.0.2", "05", "14:00:00", "/zscq/index.html", 200, SAFARI, CHAIN),  # another agent: a visitor
    # 6 Mar: 203.0.113.7 Chrome, 203.0.113.9 iPhone, 198.51.100.4 Chrome (with or without its port) = 3
    main_line("10.1.0.2", "06", "08:00:00", "/zscq/index.html", 200, CHROME, "203.0.113.7, 10.1.0.2"),
    main_line("203.0.113.9", "06", "08:10:00", "/", 200, IPHONE, "-"),
    main_line("10.1.0.2", "06", "09:00:00", "/", 200, CHROME, "198.51.100.4:51234, 10.1.0.2"),
    main_line("10.1.0.2", "06", "09:00:30", "/zscq/zlxx/search", 200, CHROME, "198.51.100.4, 10.1.0.2"),
    main_line("10.1.0.2", "06", "09:30:00", "/", 200, CHROME, "unknown, 10.1.0.2"),  # names no client: the proxy
]


def test_nginx_main_client_is_the_first_forwarded_address(raw):
    write_log(raw, "access.log", NGINX_MAIN)
    run = clean(raw)
    got = run.results["web_logs"].clean
    assert len(got) == len(NGINX_MAIN)
    assert got["client"].astype(str).tolist() == [
        "203.0.113.7", "203.0.113.7", "203.0.113.7", "203.0.113.9", "2408:8207:1234::5", "2408:8207:1234::5",
        "10.1.0.2", "192.168.1.20", "198.51.100.4", "198.51.100.5", "203.0.113.7",
        "203.0.113.7", "203.0.113.9", "198.51.100.4", "198.51.100.4", "10.1.0.2"]
    # a client named by X-Forwarded-For: every proxied line but the proxy's own (`-`) and `unknown`
    assert warnings_of(run) == {"client_from_forwarded_for": 11}


def test_i12_visitors_from_forwarded_chains(raw):
    write_log(raw, "access.log", NGINX_MAIN)
    _, values = computed(raw)
    # 5 Mar: 4 visitors; 6 Mar: 3 → 2023: 7. No other year has a log line → no data.
    expect(series(values, "I12", CITY), {2020: NaN, 2021: NaN, 2022: NaN, 2023: 7, 2024: NaN, 2025: NaN})


def test_first_forwarded_address_spellings():
    import pyarrow as pa

    from helpers.cleaning.derive import _first_address

    chains = ["203.0.113.7, 10.1.0.3, 10.1.0.2", "203.0.113.7,10.1.0.2", " 2001:db8::7 , 10.1.0.2",
              "[2001:db8::7]:443, 10.1.0.2", "198.51.100.4:51234", "-", "", "unknown", "Unknown, 10.1.0.2"]
    assert _first_address(pa.array(chains, type=pa.large_string())).to_pylist() == [
        "203.0.113.7", "203.0.113.7", "2001:db8::7", "2001:db8::7", "198.51.100.4", "", "", "", ""]
