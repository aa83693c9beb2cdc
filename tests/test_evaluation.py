"""Progress, status, county rules, flagship targets and the indicators CLI, on hand-computed fixtures.

As in test_indicators.py, values go through the real path (raw CSV → clean_all → Tables → the values stage)
and are then judged by `evaluate` / `evaluate_flagship`. Boundaries are built so that r hits 0.60, 0.95
or 1.0 exactly on paper. Spec: shared/spec/evaluation-method.md, "Progress and status" and "Counties".
"""

from __future__ import annotations

import dataclasses
import math
import zipfile

import numpy as np
import pandas as pd
import pytest

from conftest import CONTEXT, app_no, clean, computed, run_cli, write_csv, write_log, write_xlsx
from helpers.indicators import Tables, evaluate, evaluate_flagship, time_progress
from helpers.indicators.evaluation import achievement_of, status_of
from helpers.pipeline.stages import values_stage

PLAN = CONTEXT.plan
LABELS = CONTEXT.words("zh")["statuses"]

NaN = math.nan
CITY, YUANCHENG, ZIJIN, LONGCHUAN, LIANPING, HEPING, DONGYUAN = (
    "441600", "441602", "441621", "441622", "441623", "441624", "441625")
COUNTIES = [YUANCHENG, ZIJIN, LONGCHUAN, LIANPING, HEPING, DONGYUAN]
AREAS = [CITY, *COUNTIES]
YUANCHENG_ADDRESS = "河源市源城区新风路1号"


def evaluated(values: pd.DataFrame, year: int, plan=PLAN) -> pd.DataFrame:
    return evaluate(values, year, plan, CONTEXT.areas)


def flagship(tables: Tables, values: pd.DataFrame, year: int, plan=PLAN) -> pd.DataFrame:
    """The flagship targets of `year`, judged as the flagship stage judges them (after the evaluation)."""
    return evaluate_flagship(tables, values, evaluated(values, year, plan), plan, CONTEXT.areas)


def judged(values: pd.DataFrame, year: int, indicator: str, area: str = CITY) -> pd.Series:
    table = evaluated(values, year)
    assert len(table) == 14 * len(AREAS)
    hit = table[(table["indicator"] == indicator) & (table["area_code"] == area)]
    assert len(hit) == 1
    return hit.iloc[0]


def visitor_lines(year: int, n: int) -> list[str]:
    """n distinct visitors (client, user agent) on 5 March of `year`, one line each."""
    return [f'198.51.{i // 250}.{i % 250} - - [05/Mar/{year}:10:00:00 +0800] "GET / HTTP/1.1" 200 5 "-" "Mozilla/5.0"'
            for i in range(n)]


# ============================================================================= status bands and time progress
@pytest.mark.parametrize(("ratio", "met", "status"), [
    (1.0, False, "ahead"), (1.7, False, "ahead"),
    (0.95, False, "on_track"), (0.9999, False, "on_track"), (0.9499, False, "lagging"),
    (0.60, False, "lagging"), (0.5999, False, "serious"),
    (0.0, False, "serious"), (-0.0001, False, "reverse"),
    (NaN, False, "missing"), (0.1, True, "met"), (-3.0, True, "met"),
    # float noise on the boundaries (0.19/0.2, (219/200 − 1)×100/10, …) is still the boundary
    (0.9499999999999995, False, "on_track"), (0.5999999999999998, False, "lagging"),
    (0.9999999999999998, False, "ahead"),
])
def test_status_bands(ratio, met, status):
    assert status_of(ratio, met, PLAN.thresholds) == status


@pytest.mark.parametrize(("share", "met", "reverse", "status"), [
    (1.2, True, False, "met"),
    (0.95, False, False, "basic"),          # P ≥ 0.95 (floors: X ≥ 0.95·T) → 基本完成
    (0.9499, False, False, "unmet"),
    (-0.1, False, True, "reverse"),
    (float("nan"), False, False, "missing"),
])
def test_achievement_bands_of_the_final_evaluation(share, met, reverse, status):
    assert achievement_of(share, met, reverse, PLAN.thresholds) == status


def test_time_progress_straight_and_compound():
    plan = PLAN
    assert time_progress(plan, 2023) == pytest.approx(0.6)  # (2023 − 2020)/5
    # τ_g = ((1+g)^(Y−2020) − 1)/((1+g)^5 − 1), g = 10 %: 2021 0.1/0.61051, 2023 0.331/0.61051, 2025 1
    assert time_progress(plan, 2021, 0.10) == pytest.approx(0.1 / 0.61051)
    assert time_progress(plan, 2023, 0.10) == pytest.approx(0.331 / 0.61051)
    assert time_progress(plan, 2025, 0.10) == pytest.approx(1.0)


def test_evaluation_year_outside_the_plan_is_refused():
    values = pd.DataFrame(columns=["indicator", "area_code", "year", "value"])
    for year in (2020, 2026):
        with pytest.raises(ValueError, match="2021–2025"):
            evaluated(values, year)


# ============================================================================= level/flow with a base: I05, I06
@pytest.fixture(scope="module")
def pledge_values(tmp_path_factory):
    raw = tmp_path_factory.mktemp("pledge_eval") / "raw"
    header = ["登记号", "权利类型", "权利编号", "出质人", "出质人地址", "质权人", "登记生效日", "质押金额"]
    amounts = {2021: "10714.05", 2022: "11163.8", 2023: "14402", 2024: "18000", 2025: "9000"}
    write_csv(raw, "pledges", "p.csv", header, [
        [f"Z{year}", "商标", f"{year}0001", "某公司", YUANCHENG_ADDRESS, "某银行", f"{year}-06-01", amount]
        for year, amount in amounts.items()])
    return computed(raw)[1]


# No 2020 pledge in the data → the city's base is the plan's 9005; target 18000; X_2025 − X_2020 = 8995.
@pytest.mark.parametrize(("year", "status", "ratio"), [
    (2021, "on_track", 0.95),  # P = (10714.05 − 9005)/8995 = 0.19, τ = 0.2 → r = 0.95 exactly
    (2022, "lagging", 0.60),   # P = (11163.8 − 9005)/8995 = 0.24, τ = 0.4 → r = 0.60 exactly
    (2023, "ahead", 1.0),      # P = (14402 − 9005)/8995 = 0.6,  τ = 0.6 → r = 1 exactly
    (2024, "met", 1.25),       # 18000 ≥ 18000 → 已完成 (P = 1, τ = 0.8)
    (2025, "reverse", -5 / 8995),  # 9000 < base 9005 → P < 0 → 逆向变化
])
def test_flow_indicator_progress_boundaries(pledge_values, year, status, ratio):
    row = judged(pledge_values, year, "I05")
    assert row["base_plan"] == 9005 and math.isnan(row["base_data"])
    assert row["ratio"] == pytest.approx(ratio) and row["tau"] == pytest.approx((year - 2020) / 5)
    assert row["status"] == status


def test_projection_and_required_growth(pledge_values):
    row = judged(pledge_values, 2023, "I05")
    # linear projection at the 2020→2023 pace: 9005 + (14402 − 9005) × 5/3 = 18000
    assert row["projected"] == pytest.approx(18000)
    # annual growth still required 2023→2025: (18000/14402)^(1/2) − 1
    assert row["required_growth"] == pytest.approx(((18000 / 14402) ** 0.5 - 1) * 100)
    assert row["completion"] == pytest.approx(0.6)


def test_level_uses_the_data_base_and_meets_a_target_hit_exactly(tmp_path):
    raw = tmp_path / "raw"
    write_csv(raw, "gi_output", "o.csv", ["产品名称", "年度", "产值", "所在区县"], [
        ["河源米粉", 2020, "1.0", ""],
        ["河源米粉", 2021, "1.2", ""], ["连平鹰嘴蜜桃", 2021, "0.7", "连平"], ["紫金春甜桔", 2021, "0.3", "紫金"],
        ["河源米粉", 2022, "0.9", ""],
        ["河源米粉", 2023, "1.1", ""],
    ])
    _, values = computed(raw)
    # 2021: 1.2 + 0.7 + 0.3 = 2.2 = the target → 已完成 (however the float sum rounds)
    assert judged(values, 2021, "I06")["status"] == "met"
    # the data's 2020 value (1.0) is the base: 2022 0.9 < 1.0 → 逆向变化
    row = judged(values, 2022, "I06")
    assert (row["base_plan"], row["base_data"], row["status"]) == (1.65, 1.0, "reverse")
    # 2023: P = (1.1 − 1.0)/(2.2 − 1.0) = 1/12, τ = 0.6 → r = 5/36 → 严重滞后
    row = judged(values, 2023, "I06")
    assert row["ratio"] == pytest.approx(5 / 36) and row["status"] == "serious"


def test_stock_at_zero_base(tmp_path):
    raw = tmp_path / "raw"
    header = ["注册号", "商标名称", "申请人名称（中文）", "申请人地址（中文）", "商标类型", "注册日期", "专用权期限"]
    write_csv(raw, "trademarks", "t.csv", header, [
        ["1", "康禾茶", "协会", "河源市东源县康禾镇", "地理标志证明商标", "2023-11-01",
         "2023年11月01日 至 2033年10月31日"]])
    _, values = computed(raw)
    row = judged(values, 2023, "I03")
    # base 0 (data 2020 = 0 marks), target 2: P = 1/2, τ = 0.6 → r = 5/6 → 滞后
    assert (row["value"], row["base_data"], row["completion"]) == (1, 0, 0.5)
    assert row["ratio"] == pytest.approx(5 / 6) and row["status"] == "lagging"


# ============================================================================= floors: I12 and I07
@pytest.fixture(scope="module")
def floor_values(tmp_path_factory):
    raw = tmp_path_factory.mktemp("floor_eval") / "raw"
    write_log(raw, "access.log", [*visitor_lines(2021, 2850), *visitor_lines(2022, 2849),
                                  *visitor_lines(2023, 1800), *visitor_lines(2024, 1799),
                                  *visitor_lines(2025, 3000)])
    header = ["案件编号", "受理日期", "办结日期", "案件类型", "所在区县"]
    cases = {2021: ["紫金县", "紫金县", "源城区"], 2022: ["龙川县", "龙川县"],
             2023: ["紫金县", "源城区", "龙川县", "连平县", "和平县"]}
    write_csv(raw, "assistance_cases", "a.csv", header, [
        [f"A{year}-{i}", f"{year}-01-05", f"{year}-06-01", "调解", county]
        for year, counties in cases.items() for i, county in enumerate(counties)])
    return computed(raw)[1]


# I12 target 3000 visitors, I07 target 5 cases: a floor is judged by level, 已达标 / 未达标 in a progress year
# (no 序时进度: 2850 of 3000 is not "on track"), 已完成 / 基本完成 / 未完成 in the final year; r = X/T is kept.
@pytest.mark.parametrize(("indicator", "year", "status", "ratio"), [
    ("I12", 2021, "not_reached", 0.95),     # 2850 < 3000
    ("I12", 2022, "not_reached", 2849 / 3000),
    ("I12", 2024, "not_reached", 1799 / 3000),
    ("I12", 2025, "met", 1.0),              # 3000 ≥ 3000 in the final year
    ("I07", 2021, "not_reached", 0.6),      # 3 < 5
    ("I07", 2023, "reached", 1.0),          # 5 ≥ 5
])
def test_floor_indicator_boundaries(floor_values, indicator, year, status, ratio):
    row = judged(floor_values, year, indicator)
    assert row["status"] == status and row["ratio"] == pytest.approx(ratio)
    assert math.isnan(row["completion"])


def test_county_rules_for_count_and_city_level_indicators(floor_values):
    table = evaluated(floor_values, 2021).set_index(["indicator", "area_code"])
    # I07 is a count: a county has no target of its own → 无分解目标, with its share of the city and its rank
    zijin = table.loc[("I07", ZIJIN)]
    assert zijin["status"] == "no_target" and LABELS[zijin["status"]] == "无分解目标"
    assert zijin["county_share"] == pytest.approx(2 / 3) and zijin["county_rank"] == 1  # 紫金 2 of 3
    assert table.loc[("I07", YUANCHENG), "county_share"] == pytest.approx(1 / 3)
    assert table.loc[("I07", YUANCHENG), "county_rank"] == 2
    # zero values are not ranked (evaluation-method.md, "Small numbers")
    assert math.isnan(table.loc[("I07", LONGCHUAN), "county_rank"]) and math.isnan(table.loc[("I07", HEPING),
                                                                                               "county_rank"])
    # I12 is one city website: counties say 市级指标
    for county in COUNTIES:
        assert table.loc[("I12", county), "status"] == "city_only"
        assert LABELS[table.loc[("I12", county), "status"]] == "市级指标"
    # a source that was not supplied → 数据缺失 everywhere
    assert (table.loc["I08", "status"] == "missing").all()
    assert (table.loc["I08", "missing_sources"] == "enforcement_cases").all()


def test_configured_county_target_gives_a_county_status(floor_values):
    plan = dataclasses.replace(PLAN, county_targets={"I07": {ZIJIN: 2, YUANCHENG: 2}})
    table = evaluated(floor_values, 2021, plan).set_index(["indicator", "area_code"])
    assert table.loc[("I07", ZIJIN), "status"] == "reached"  # floor: 2 ≥ 2
    assert table.loc[("I07", YUANCHENG), "status"] == "not_reached"  # floor: 1 < 2, r = 1/2
    assert table.loc[("I07", YUANCHENG), "ratio"] == pytest.approx(0.5)
    assert table.loc[("I07", LONGCHUAN), "status"] == "no_target"  # no target configured for 龙川


def test_a_value_equal_to_the_target_up_to_float_noise_is_met(floor_values):
    # 1.2 + 0.7 + 0.3 summed left to right is 2.1999999999999997: on paper it is the target 2.2 → 已完成
    values = floor_values.copy()
    at = (values["indicator"] == "I06") & (values["area_code"] == CITY) & (values["year"] == 2021)
    values.loc[at, ["value", "missing_sources"]] = [1.2 + 0.7 + 0.3, ""]
    assert values.loc[at, "value"].item() < 2.2
    assert judged(values, 2021, "I06")["status"] == "met"


# ============================================================================= growth: I04 CAGR
@pytest.fixture(scope="module")
def growth_values(tmp_path_factory):
    raw = tmp_path_factory.mktemp("growth_eval") / "raw"
    counts = {2015: 100, 2020: 200, 2021: 219, 2022: 242, 2023: 200, 2024: 100, 2025: 323}
    rows = [[f"{year}SR{i:07d}", f"软件{year}-{i}", "某公司", YUANCHENG_ADDRESS, f"{year}-03-01"]
            for year, n in counts.items() for i in range(n)]
    write_csv(raw, "copyright", "c.csv", ["登记号", "作品名称", "著作权人", "著作权人地址", "登记日期"], rows)
    return computed(raw)[1]


# target g = 10 %; r = CAGR/g; compound τ_g = ((1.1)^(Y−2020) − 1)/(1.1^5 − 1); met only when 2025 reaches g
@pytest.mark.parametrize(("year", "cagr", "status"), [
    (2021, 9.5, "on_track"),                          # 219/200 − 1 = 9.5 % → r = 0.95 exactly
    (2022, 10.0, "ahead"),                            # (242/200)^(1/2) − 1 = 10 % → r = 1 (not met before 2025)
    (2023, 0.0, "serious"),                           # (200/200)^(1/3) − 1 = 0 → r = 0
    (2024, (0.5 ** 0.25 - 1) * 100, "reverse"),       # (100/200)^(1/4) − 1 < 0 → 逆向变化
    (2025, ((323 / 200) ** 0.2 - 1) * 100, "met"),    # 10.06 % ≥ 10 % in the target year
])
def test_growth_indicator(growth_values, year, cagr, status):
    row = judged(growth_values, year, "I04")
    assert row["value"] == pytest.approx(cagr, abs=1e-12)
    assert row["ratio"] == pytest.approx(cagr / 10, abs=1e-12)
    assert row["tau"] == pytest.approx((1.1 ** (year - 2020) - 1) / (1.1 ** 5 - 1))
    assert row["status"] == status
    # 源城 holds every registration: a rate indicator of a county is compared with the city target directly
    assert judged(growth_values, year, "I04", YUANCHENG)["status"] == status
    missing = judged(growth_values, year, "I04", ZIJIN)
    assert missing["status"] == "missing"  # zero base → empty; its time progress is still the compound one
    assert missing["tau"] == pytest.approx((1.1 ** (year - 2020) - 1) / (1.1 ** 5 - 1))


def test_growth_required_rate(growth_values):
    row = judged(growth_values, 2021, "I04")
    # to reach 1.1^5 over 2020–2025 after 1.095 in 2021: (1.1^5/1.095)^(1/4) − 1 a year
    assert row["required_growth"] == pytest.approx(((1.1 ** 5 / 1.095) ** 0.25 - 1) * 100)
    assert row["base_plan"] == 9 and row["base_data"] == pytest.approx((2 ** 0.2 - 1) * 100)  # 100 → 200 in 5 years


# ============================================================================= degenerate bases, targets and values
TARGET = "target"  # stands for the indicator's target (equal base and target; a value exactly at the target)
DEGENERATE_VALUES = [0.0, -100.0, 2.5, NaN, TARGET]  # −100: a CAGR of registrations that fell to zero
DEGENERATE_BASES = [0.0, -1.0, NaN, TARGET]
NUMERIC = ["value", "base_plan", "base_data", "base_rebased", "base_used", "target", "tau", "completion", "ratio",
           "projected", "required_growth", "change", "cagr", "trend_next", "county_share", "county_rank"]


def degenerate_values(plan, year: int, shift: int) -> pd.DataFrame:
    """Every indicator × area with a (value, base) pair of the grid; area i takes pair `shift + i`, so that over
    len(grid) shifts every pair meets the city and every county."""
    pairs = [(v, b) for v in DEGENERATE_VALUES for b in DEGENERATE_BASES]
    rows = []
    for ind in plan.indicators:
        for i, area in enumerate(AREAS):
            value, base = pairs[(shift + i) % len(pairs)]
            for y, x in ((plan.base_year, base), (year, value)):
                x = ind.target if x == TARGET else x
                rows.append({"indicator": ind.id, "area_code": area, "year": y, "value": float(x),
                             "rows": 0 if math.isnan(x) else 12, "complete": True, "sources": "",
                             "missing_sources": "x" if math.isnan(x) else ""})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("zero_targets", [False, True], ids=["plan_targets", "zero_targets"])
@pytest.mark.parametrize("year", [2023, 2025], ids=["progress", "final"])
def test_degenerate_values_never_raise_nor_give_inf(year, zero_targets):
    # every kind of indicators.yaml (level, stock, flow, growth, floor), the city and the counties (count indicators
    # with a county target, so that they are judged too), the plan's targets and targets of 0
    kinds = {ind.kind for ind in PLAN.indicators}
    assert kinds == {"level", "stock", "flow", "growth", "floor"}
    indicators = tuple(dataclasses.replace(ind, target=0.0) if zero_targets else ind for ind in PLAN.indicators)
    plan = dataclasses.replace(PLAN, indicators=indicators, county_targets={
        ind.id: {area: ind.target for area in COUNTIES} for ind in indicators if ind.county == "count"})
    grid = len(DEGENERATE_VALUES) * len(DEGENERATE_BASES)
    table = pd.concat([evaluated(degenerate_values(plan, year, shift), year, plan) for shift in range(grid)])
    numbers = table[NUMERIC].astype(float).to_numpy()
    assert not np.isinf(numbers).any()
    assert set(table["status"]) <= set(PLAN.statuses)
    # a value that exists is never 数据缺失, whatever its base or target
    assert (table.loc[table["value"].notna(), "status"] != "missing").all()
    growth = table[(table["indicator"] == "I04") & (table["value"] == -100)]
    assert set(growth["status"]) == {"reverse"} and growth["required_growth"].isna().all()


@pytest.mark.e2e
def test_growth_falling_to_zero_registrations(tmp_path):
    # 源城 registers 10 works in 2020 and none in 2022 (紫金 keeps the source covering 2022): CAGR −100 %
    raw = tmp_path / "raw"
    zijin = "河源市紫金县紫城镇1号"
    counts = {(YUANCHENG_ADDRESS, 2015): 5, (YUANCHENG_ADDRESS, 2020): 10, (YUANCHENG_ADDRESS, 2021): 12,
              (zijin, 2015): 3, (zijin, 2020): 4, (zijin, 2022): 6}
    rows = [[f"{year}SR{n}{i:04d}", f"软件{n}{i}", "某公司", address, f"{year}-03-01"]
            for n, ((address, year), count) in enumerate(counts.items()) for i in range(count)]
    write_csv(raw, "copyright", "c.csv", ["登记号", "作品名称", "著作权人", "著作权人地址", "登记日期"], rows)
    out = tmp_path / "evaluation.csv"
    result = run_cli("indicators", "--raw-dir", str(raw), "--out", str(out), "--evaluate", "--year", "2022")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    frame = pd.read_csv(out, dtype={"area_code": str})
    assert not np.isinf(frame.select_dtypes("number").to_numpy()).any()
    i04 = frame[frame["indicator"] == "I04"].set_index("area_code")
    assert i04.loc[YUANCHENG, "value"] == pytest.approx(-100)
    assert i04.loc[YUANCHENG, "status"] == "reverse" and i04.loc[YUANCHENG, "status_label"] == "逆向变化"
    assert math.isnan(i04.loc[YUANCHENG, "required_growth"])  # no compound rate climbs back from zero
    assert i04.loc[ZIJIN, "value"] == pytest.approx(((6 / 4) ** 0.5 - 1) * 100)
    assert i04.loc[ZIJIN, "required_growth"] == pytest.approx(((1.1 ** 5 / 1.5) ** (1 / 3) - 1) * 100)


# ============================================================================= rate indicators of counties: I14
def test_rate_indicator_county_compared_with_city_target(tmp_path):
    raw = tmp_path / "raw"
    answers = [["紫金", 87.5]] * 10 + [["源城", 70]] * 10 + [["和平", 95], ["和平", 95], ["", 90]]
    write_csv(raw, "survey", "s.csv", ["问卷编号", "年度", "所在区县", "总体满意度"],
              [[f"Q{n}", 2022, county, score] for n, (county, score) in enumerate(answers, 1)])
    _, values = computed(raw)
    table = evaluated(values, 2022).set_index(["indicator", "area_code"])
    # a floor: city (875 + 700 + 190 + 90)/23 = 80.65 < 83 → 未达标;  紫金 87.5 → 已达标;  源城 70 < 83 → 未达标
    assert table.loc[("I14", CITY), "value"] == pytest.approx(1855 / 23)
    assert table.loc[("I14", CITY), "status"] == "not_reached"
    assert table.loc[("I14", ZIJIN), "status"] == "reached" and table.loc[("I14", ZIJIN), "target"] == 83
    assert table.loc[("I14", YUANCHENG), "ratio"] == pytest.approx(70 / 83)
    assert table.loc[("I14", YUANCHENG), "status"] == "not_reached"
    assert table.loc[("I14", LONGCHUAN), "status"] == "missing"  # no answer: zero denominator → no data
    assert (table.loc[("I14", ZIJIN), "county_rank"], table.loc[("I14", YUANCHENG), "county_rank"]) == (1, 2)
    assert math.isnan(table.loc[("I14", ZIJIN), "county_share"])  # a share only for counts


def test_a_rate_from_fewer_than_ten_cases_is_not_judged(tmp_path):
    raw = tmp_path / "raw"
    answers = [["紫金", 87.5]] * 10 + [["源城", 70]] * 9 + [["和平", 95]]
    write_csv(raw, "survey", "s.csv", ["问卷编号", "年度", "所在区县", "总体满意度"],
              [[f"Q{n}", 2022, county, score] for n, (county, score) in enumerate(answers, 1)])
    _, values = computed(raw)
    table = evaluated(values, 2022).set_index(["indicator", "area_code"])
    # 9 and 1 responses (conf small_samples: min_cases 10): the value stands, but no status, no progress, no rank
    for county, n in ((YUANCHENG, 9), (HEPING, 1)):
        row = table.loc[("I14", county)]
        assert (row["status"], row["small_sample"], row["rows"]) == ("small_sample", True, n)
        assert math.isnan(row["ratio"]) and math.isnan(row["completion"]) and math.isnan(row["county_rank"])
    assert table.loc[("I14", HEPING), "value"] == 95
    assert table.loc[("I14", ZIJIN), "status"] == "reached" and table.loc[("I14", ZIJIN), "county_rank"] == 1
    assert table.loc[("I14", CITY), "value"] == 80 and table.loc[("I14", CITY), "status"] == "not_reached"  # 20
    assert LABELS["small_sample"] == "样本不足（不评级）"
    # an official figure the evaluation uses rests on no cases of ours: it is judged
    official = values.assign(value_source="computed")
    at = (official["indicator"] == "I14") & (official["area_code"] == HEPING) & (official["year"] == 2022)
    official.loc[at, "value_source"] = "official"
    assert evaluated(official, 2022).set_index(["indicator", "area_code"]).loc[("I14", HEPING), "status"] == "reached"


# ============================================================================= flagship targets
def test_flagship_targets(tmp_path):
    raw = tmp_path / "raw"
    write_csv(raw, "service_nodes", "n.csv", ["名称", "类型", "所在区县", "设立日期", "撤销日期"], [
        ["和平站", "维权援助工作站", "和平县", "2020-03-01", ""],
        ["紫金站", "维权援助工作站", "紫金县", "2021-03-01", ""],
        ["紫金二站", "维权援助工作站", "紫金县", "2022-03-01", ""],      # same county: counted once
        ["源城站", "维权援助工作站", "源城区", "2020-03-01", "2021-06-01"],  # revoked
        ["市站", "维权援助工作站", "河源市", "2020-03-01", ""],          # the city is not a county
        ["龙川网点", "信息公共服务网点", "龙川县", "2020-03-01", ""],     # another type
    ])
    header = ["登记号", "权利类型", "权利编号", "出质人", "出质人地址", "质权人", "登记生效日", "质押金额"]
    write_csv(raw, "pledges", "p.csv", header, [
        ["Z1", "商标", "1", "甲", YUANCHENG_ADDRESS, "银行", "2021-05-01", "5000"],
        ["Z2", "商标", "2", "乙", YUANCHENG_ADDRESS, "银行", "2022-05-01", "6000"],
        ["Z0", "商标", "3", "丙", YUANCHENG_ADDRESS, "银行", "2020-05-01", "9005"],  # before 2021: not cumulated
    ])
    write_csv(raw, "projects", "pr.csv", ["项目名称", "专栏", "类型", "所在区县", "完成日期", "状态"], [
        ["电子信息产业专利导航", 8, "专利导航", "源城区", "2021-06-30", "完成"],
        ["新材料产业专利导航", 8, "专利导航", "紫金县", "2022-03-01", "完成"],
        ["生物医药产业专利导航项目", 8, "", "", "2022-12-31", "完成"],    # type blank, name says 专利导航
        ["水产业专利导航", 8, "专利导航", "", "", "在建"],
        ["旅游产业专利导航", 8, "专利导航", "", "2022-01-01", "终止"],
        ["高价值专利培育中心", 2, "高价值专利培育", "", "2021-01-01", "完成"],
        ["农业专利导航", 8, "专利导航", "", "2023-05-01", "完成"],        # after 2022
    ])
    tables, values = computed(raw)
    got = flagship(tables, values, 2022).set_index("id")
    # Z1: 和平 紫金 = 2 of 6 counties; reached 1/3, τ = 0.4 → r = 0.833 → 滞后
    assert got.loc["Z1", "value"] == 2 and got.loc["Z1", "status"] == "lagging"
    # Z4: 5000 + 6000 = 11000 of 50000 → 0.22, r = 0.55 → 严重滞后
    assert got.loc["Z4", "value"] == 11000 and got.loc["Z4", "reached"] == pytest.approx(0.22)
    assert got.loc["Z4", "status"] == "serious"
    # Z8: three navigation projects completed by end-2022 → 3/5 = 0.6, r = 1.5 → 超序时进度
    assert got.loc["Z8", "value"] == 3 and got.loc["Z8", "status"] == "ahead"
    # Z2 repeats I02: no patents or population → 数据缺失
    assert math.isnan(got.loc["Z2", "value"]) and got.loc["Z2", "status"] == "missing"
    assert got.loc["Z2", "missing_sources"] == "patents,population"
    # 2023: no pledge registered in 2023 → the cumulative sum is unknown, not 11000
    later = flagship(tables, values, 2023).set_index("id")
    assert math.isnan(later.loc["Z4", "value"]) and later.loc["Z4", "status"] == "missing"
    assert later.loc["Z8", "value"] == 4


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_column_of_a_project_as_people_write_it_counts_for_its_flagship(tmp_path, kind):
    """data-contract.md, projects: 专栏 `8`, `８`, `专栏8`, `专栏八`, `专栏 8` — and 第八专栏, 专栏（八）, 专栏8：title.
    Until issue 25, `专栏8` was rejected (bad_number) and its project went uncounted."""
    raw = tmp_path / "raw"
    written = ["8", "８", "专栏8", "专栏八", "专栏 8", "第八专栏", "专栏（八）", "专栏8：重点产业专利导航"]
    rows = [[f"产业专利导航{n}", cell, "专利导航", "源城区", "2022-06-30", "完成"] for n, cell in enumerate(written)]
    rows += [["产业专利导航坏1", "专栏8.5", "专利导航", "源城区", "2022-06-30", "完成"],  # no 专栏 number
             ["产业专利导航坏2", "专栏十二", "专利导航", "源城区", "2022-06-30", "完成"],  # the plan has nine
             ["高价值专利培育中心", "专栏二", "专利导航", "源城区", "2022-06-30", "完成"]]  # another 专栏
    header = ["项目名称", "专栏", "类型", "所在区县", "完成日期", "状态"]
    (write_csv if kind == "csv" else write_xlsx)(raw, "projects", f"pr.{kind}", header, rows)
    run = clean(raw)
    projects = run.results["projects"]
    assert projects.clean.set_index("name")["column"].to_dict() == {
        **{f"产业专利导航{n}": 8 for n in range(len(written))}, "高价值专利培育中心": 2}
    rejected = projects.quarantine.set_index("line")[["reason", "field"]]
    assert rejected.values.tolist() == [["bad_number", "column"]] * 2 and rejected.index.tolist() == [10, 11]
    values = values_stage(Tables.from_run(run), PLAN, CONTEXT.areas)["values"]
    # Z8: the eight navigation projects of 专栏8 completed in 2022 → 8 of the target 5
    assert flagship(Tables.from_run(run), values, 2022).set_index("id").loc["Z8", "value"] == len(written)


def test_flagship_high_value_target_is_judged_as_i02(tmp_path):
    raw = tmp_path / "raw"
    header = ["申请号", "申请日", "授权公告日", "申请人", "申请人地址", "战略性新兴产业分类"]
    write_csv(raw, "patents", "p.csv", header, [
        [app_no("201910000001"), "2019-01-02", "2019-09-02", "甲", YUANCHENG_ADDRESS, "新材料产业"],
        [app_no("201910000002"), "2019-01-02", "2019-09-02", "乙", YUANCHENG_ADDRESS, ""],
        [app_no("202110000003"), "2021-01-04", "2023-03-01", "丙", YUANCHENG_ADDRESS, "生物产业"],
        [app_no("202110000004"), "2021-01-04", "2023-03-01", "丁", YUANCHENG_ADDRESS, "生物产业"],
    ])
    write_csv(raw, "population", "pop.csv", ["年度", "地区", "常住人口"],
              [[2020, "河源市", 100], [2023, "河源市", 100]])
    tables, values = computed(raw)
    plan = dataclasses.replace(PLAN, settings={k: v for k, v in PLAN.settings.items() if k != "population_rebase"})
    z2 = flagship(tables, values, 2023, plan).set_index("id").loc["Z2"]
    i02 = evaluated(values, 2023, plan).set_index(["indicator", "area_code"]).loc[("I02", CITY)]
    # I02 2023 = 3/100 = 0.03; data base 2020 = 1/100; P = 0.02/0.99, τ = 0.6 → r = 0.0337 → 严重滞后
    assert z2["value"] == pytest.approx(0.03) and i02["ratio"] == pytest.approx(0.02 / 0.99 / 0.6)
    assert z2["status"] == i02["status"] == "serious"
    # one number for one target: the 专栏's share reached is the indicator's completion P, not value ÷ target
    assert z2["reached"] == pytest.approx(i02["completion"]) == pytest.approx(0.02 / 0.99)


# ============================================================================= the indicators CLI
@pytest.fixture(scope="module")
def cli_raw(tmp_path_factory):
    raw = tmp_path_factory.mktemp("cli") / "raw"
    write_csv(raw, "assistance_cases", "a.csv", ["案件编号", "受理日期", "办结日期", "案件类型", "所在区县"], [
        ["A1", "2021-01-05", "2021-03-01", "调解", "紫金"], ["A2", "2022-01-05", "2023-03-01", "维权援助", ""]])
    return raw


@pytest.mark.e2e
def test_cli_writes_the_long_values_csv(cli_raw, tmp_path):
    out = tmp_path / "values.csv"
    result = run_cli("indicators", "--raw-dir", str(cli_raw), "--out", str(out))
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "indicator,area_code,year,value"
    frame = pd.read_csv(out, dtype={"area_code": str})
    assert sorted(frame["indicator"].unique()) == [f"I{i:02d}" for i in range(1, 15)]
    assert sorted(frame["area_code"].unique()) == sorted(AREAS)
    # the years with any value (2021, 2023), every indicator × area once
    assert sorted(frame["year"].unique()) == [2021, 2023]
    assert len(frame) == 14 * 7 * 2 and not frame.duplicated(["indicator", "area_code", "year"]).any()
    i07 = frame[frame["indicator"] == "I07"].set_index(["area_code", "year"])["value"]
    assert i07[(CITY, 2021)] == 1 and i07[(ZIJIN, 2021)] == 1 and i07[(CITY, 2023)] == 1 and i07[(ZIJIN, 2023)] == 0
    assert frame.loc[frame["indicator"] != "I07", "value"].isna().all()
    assert "I01,441600,2021,\n" in text.replace("\r\n", "\n")  # no data → an empty cell, never 0


@pytest.mark.e2e
def test_cli_evaluate_one_row_per_indicator_and_area(cli_raw, tmp_path):
    out = tmp_path / "evaluation.csv"
    result = run_cli("indicators", "--raw-dir", str(cli_raw), "--out", str(out), "--evaluate", "--year", "2023",
                     "--processed-out", str(tmp_path / "processed"))
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(out, dtype={"area_code": str})
    assert len(frame) == 14 * 7 and not frame.duplicated(["indicator", "area_code"]).any()
    assert set(frame["year"]) == {2023}
    city = frame[frame["area_code"] == CITY].set_index("indicator")
    assert city.loc["I07", "status"] == "not_reached" and city.loc["I07", "ratio"] == pytest.approx(0.2)  # 1 < 5
    assert city.loc["I01", "status_label"] == "数据缺失"


@pytest.mark.e2e
def test_cli_writes_a_workbook_for_xlsx_and_refuses_a_type_it_cannot_write(cli_raw, tmp_path):
    out = tmp_path / "values.xlsx"
    result = run_cli("indicators", "--raw-dir", str(cli_raw), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert zipfile.is_zipfile(out), "CSV text in a file named .xlsx"
    book = pd.read_excel(out, sheet_name=None, dtype={"area_code": str}, engine="calamine")
    assert list(book) == [CONTEXT.words("zh")["workbook"]["sheets"]["values"]]
    frame = next(iter(book.values()))
    assert list(frame.columns) == ["indicator", "area_code", "year", "value"] and len(frame) == 14 * 7 * 2
    assert frame.set_index(["indicator", "area_code", "year"]).loc[("I07", CITY, 2021), "value"] == 1
    for command in ("indicators", "tasks"):  # one code path
        wrong = tmp_path / f"{command}.xls"
        refused = run_cli(command, "--raw-dir", str(cli_raw), "--out", str(wrong))
        assert refused.returncode == 2 and "不支持的输出文件类型 .xls" in refused.stderr, refused.stderr
        assert "Traceback" not in refused.stderr and not wrong.exists()


@pytest.mark.e2e
@pytest.mark.parametrize("year", ["2019", "2026"])
def test_cli_bad_year_is_a_message(cli_raw, tmp_path, year):
    out = tmp_path / "evaluation.csv"
    result = run_cli("indicators", "--raw-dir", str(cli_raw), "--out", str(out), "--evaluate", "--year", year,
                     "--processed-out", str(tmp_path / "processed"))
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr
    assert "2021–2025" in result.stderr and year in result.stderr
    assert not out.exists()


def test_per_capita_base_is_also_shown_on_the_census_population_basis(tmp_path):
    # 2020: 4 valid invention patents (the value's counted rows) ÷ census rebase 283.56 万 = 0.014106…
    raw = tmp_path / "raw"
    granted_2019 = [[app_no(f"20181010000{i}"), "发明", "2018-01-01", "2019-01-01", "甲公司", "河源市源城区"]
                    for i in range(4)]
    granted_2021 = [[app_no("201910100009"), "发明", "2019-01-01", "2021-06-01", "乙公司", "河源市源城区"]]
    write_csv(raw, "patents", "p.csv", ["申请号", "专利类型", "申请日", "授权公告日", "申请人", "申请人地址"],
              granted_2019 + granted_2021)
    write_csv(raw, "population", "pop.csv", ["年度", "地区", "常住人口"],
              [["2020", "河源市", "300"], ["2021", "河源市", "300"]])
    run = clean(raw)
    values = values_stage(Tables.from_run(run), PLAN, CONTEXT.areas)["values"]
    city = evaluated(values, 2021).set_index(["indicator", "area_code"]).loc[("I01", "441600")]
    assert city["base_data"] == pytest.approx(4 / 300)
    assert city["base_rebased"] == pytest.approx(4 / 283.56)
    # the census basis differs from the data's base-year basis by more than 1 %: progress is measured from the
    # rebased base, so that the revision is not counted as progress (the plan's base is kept beside it)
    assert city["base_kind"] == "rebased" and city["base_used"] == pytest.approx(4 / 283.56)
    assert city["change"] == pytest.approx(5 / 300 - 4 / 283.56)
    assert city["completion"] == pytest.approx((5 / 300 - 4 / 283.56) / (3.05 - 4 / 283.56))


def test_per_capita_base_on_the_census_basis_is_used_as_it_is(tmp_path):
    # a base-year population within 1 % of the census figure: the data's own base is the base
    raw = tmp_path / "raw"
    write_csv(raw, "patents", "p.csv", ["申请号", "专利类型", "申请日", "授权公告日", "申请人", "申请人地址"],
              [[app_no("201810100001"), "发明", "2018-01-01", "2019-01-01", "甲公司", "河源市源城区"],
               [app_no("201910100009"), "发明", "2019-01-01", "2021-06-01", "乙公司", "河源市源城区"]])
    write_csv(raw, "population", "pop.csv", ["年度", "地区", "常住人口"],
              [["2020", "河源市", "284"], ["2021", "河源市", "284"]])
    values = values_stage(Tables.from_run(clean(raw)), PLAN, CONTEXT.areas)["values"]
    city = evaluated(values, 2021).set_index(["indicator", "area_code"]).loc[("I01", "441600")]
    assert city["base_kind"] == "data" and city["base_used"] == pytest.approx(1 / 284)
