"""The findings stage (conclusions.md §3): each kind's rule on small frames, at its thresholds' edges; the plan's
own 2020 figures checked on the sample (calibrated: no flag) and on a raw folder whose trademarks fall far short
(flag, in 评估说明 and 存在的问题); the `findings` command's contract; the 2025 city report's 存在的问题."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import CONTEXT, run_cli, write_csv
from helpers.findings import indicators, items, registries
from helpers.findings.rows import COLUMNS, finding, ranked
from helpers.findings.stage import _fact_values
from helpers.indicators import Tables
from helpers.pipeline import Datasets, stage_columns
from helpers.pipeline.stages import evaluation_stage
from helpers.report import Report, conclusions

PLAN, AREAS, RULES = CONTEXT.plan, CONTEXT.areas, CONTEXT.findings
CITY, YUANCHENG, ZIJIN = "441600", "441602", "441621"
COUNTIES = AREAS.county_codes


def _kinds(rows: list[dict]) -> list[tuple]:
    return [(r["kind"], r["area_code"], r["subject"], r["severity"], r["code"]) for r in rows]


def _values(indicator: str, by_area: dict[str, tuple[float, float]], rows: dict[str, tuple[int, int]] | None = None,
            years: tuple[int, int] = (2020, 2025)) -> pd.DataFrame:
    """A values frame of one indicator: (base-year, last-year) value per area, the counted rows alike (default: the
    values as counts)."""
    out = []
    for area, pair in by_area.items():
        counted = (rows or {}).get(area, pair)
        out += [{"indicator": indicator, "area_code": area, "year": y, "value": v, "rows": int(n)}
                for y, v, n in zip(years, pair, counted, strict=True)]
    return pd.DataFrame(out)


# ----------------------------------------------------------------------------- indicators and 专栏 targets
def _evaluation(status: str, value: float, target: float, small: bool = False, area: str = CITY) -> pd.DataFrame:
    return pd.DataFrame([{"indicator": "I09", "area_code": area, "year": 2025, "status": status, "value": value,
                          "target": target, "base_used": 8.0, "completion": np.nan, "ratio": value / target,
                          "rows": 18, "small_sample": small}])


@pytest.mark.parametrize(("status", "value", "expected"), [
    ("unmet", 12.0, ("shortfall", "problem", "unmet")),
    ("met", 18.0, ("strength", "strength", "met")),  # 18 = 15 × 1.2: the margin's edge is a strength
    ("met", 17.9, None),  # met, but by less than 20 %
    ("reached", 30.0, ("strength", "strength", "reached")),  # a floor reached in a progress year
])
def test_an_indicator_is_a_shortfall_or_a_strength_by_its_status_and_margin(status: str, value: float,
                                                                            expected: tuple | None) -> None:
    rows = indicators.indicator_findings(_evaluation(status, value, 15.0), 2020, RULES)
    assert [(r["kind"], r["severity"], r["code"]) for r in rows] == ([expected] if expected else [])
    if expected and expected[0] == "strength":
        assert rows[0]["ratio"] == pytest.approx(value / 15 - 1) and rows[0]["value"] == value


def test_a_rate_from_few_cases_is_not_judged() -> None:
    assert indicators.indicator_findings(_evaluation("unmet", 1.0, 15.0, small=True), 2020, RULES) == []


def test_a_flagship_target_that_repeats_an_indicator_is_the_indicators_finding() -> None:
    flagship = pd.DataFrame([
        {"id": "Z1", "year": 2025, "status": "unmet", "value": 5.0, "target": 6.0, "reached": 5 / 6},
        {"id": "Z2", "year": 2025, "status": "unmet", "value": 0.5, "target": 1.0, "reached": 0.5},  # same_as I02
        {"id": "Z4", "year": 2025, "status": "met", "value": 68300.0, "target": 50000.0, "reached": 1.366},
    ])
    rows = indicators.flagship_findings(flagship, PLAN, CITY, RULES)
    assert _kinds(rows) == [("shortfall", CITY, "Z1", "problem", "unmet"), ("strength", CITY, "Z4", "strength", "met")]


def test_the_citys_change_is_split_by_county_with_the_records_of_no_county() -> None:
    by_area = {CITY: (100.0, 130.0), **{c: (10.0, 10.0) for c in COUNTIES}}
    by_area[YUANCHENG], by_area[ZIJIN] = (40.0, 60.0), (10.0, 15.0)  # +20 and +5 of +30; the city's own +5
    rows = indicators.county_split(_values("I08", by_area), PLAN, AREAS, [2025], RULES)
    parts = {r["code"]: r["share"] for r in rows}
    assert parts[YUANCHENG] == pytest.approx(20 / 30) and parts[ZIJIN] == pytest.approx(5 / 30)
    assert parts[CITY] == pytest.approx(5 / 30) and sum(parts.values()) == pytest.approx(1)
    assert {r["severity"] for r in rows} == {"note"} and {r["topic"] for r in rows} == {"county"}
    few = {CITY: (1.0, 9.0), **{c: (0.0, 0.0) for c in COUNTIES}}  # 9 rows in the last year: not split
    assert indicators.county_split(_values("I08", few), PLAN, AREAS, [2025], RULES) == []


def _criteria(only: dict[str, tuple[int, int]], area: str = CITY) -> pd.DataFrame:
    return pd.DataFrame([{"area_code": area, "year": y, "criterion": c, "count": n, "only": n}
                         for c, pair in only.items() for y, n in zip((2020, 2025), pair, strict=True)])


@pytest.mark.parametrize(("aged", "severity"), [((50, 200), "problem"), ((50, 166), "problem"),
                                                ((50, 165), "note")])
def test_an_increase_resting_on_ageing_is_a_problem_from_half_of_it(aged: tuple[int, int], severity: str) -> None:
    # 121 → 353 high-value patents (+232); the age criterion alone: +150 (65 %), +116 (50 %, the edge), +115
    values = _values("I02", {CITY: (0.39, 1.25)}, rows={CITY: (121, 353)})
    rows = indicators.criterion_split(values, _criteria({"maintained": aged, "sei": (40, 60)}), PLAN, AREAS,
                                      [2025], RULES)
    age = next(r for r in rows if r["code"] == "maintained")
    assert age["severity"] == severity and age["reference"] == 232 and age["change"] == aged[1] - aged[0]
    assert next(r for r in rows if r["code"] == "sei")["severity"] == "note"  # only the age criterion is a problem


@pytest.mark.parametrize(("yuancheng", "flagged"), [(50.0, True), (49.0, False)])
def test_a_county_holding_half_the_city_is_a_disparity(yuancheng: float, flagged: bool) -> None:
    by_area = {CITY: (0.0, 100.0), **{c: (0.0, (100 - yuancheng) / 5) for c in COUNTIES}, YUANCHENG: (0.0, yuancheng)}
    rows = indicators.disparities(_values("I08", by_area), PLAN, AREAS, [2025], RULES)
    assert _kinds(rows) == ([("disparity", CITY, "I08", "problem", YUANCHENG)] if flagged else [])


@pytest.mark.parametrize(("low", "flagged"), [(1.0, True), (1.01, False), (0.0, False)])
def test_a_per_capita_gap_of_three_times_is_a_disparity(low: float, flagged: bool) -> None:
    # patents spread evenly (no county holds half); per 10 000 people the highest is 3.0, the lowest `low`
    # (a county at 0 has no ratio)
    by_area = {CITY: (1.0, 2.0), **{c: (1.0, 2.0) for c in COUNTIES}, YUANCHENG: (1.0, 3.0), ZIJIN: (1.0, low)}
    counted = {CITY: (60, 60), **{c: (10, 10) for c in COUNTIES}}
    rows = indicators.disparities(_values("I01", by_area, counted), PLAN, AREAS, [2025], RULES)
    assert len(rows) == flagged
    if flagged:
        assert rows[0]["ratio"] == pytest.approx(3.0) and rows[0]["share"] == pytest.approx(10 / 60)


def test_a_status_that_changes_with_the_population_basis_is_a_sensitivity(sample_processed: Path) -> None:
    # I01 of 2023 at 2.60: on the census basis (base 2.02) r = 0.94, 滞后; on the plan's (1.85) r = 1.04, 超序时进度
    datasets = Datasets(sample_processed, CONTEXT.datasets)
    values, crosscheck = datasets.read("values"), datasets.read("crosscheck")
    at = (values["indicator"] == "I01") & (values["area_code"] == CITY) & (values["year"] == 2023)
    values.loc[at, "value"] = 2.60
    evaluation = evaluation_stage(values, PLAN, AREAS, crosscheck)["evaluation"]
    rows = indicators.sensitivities(values, crosscheck, evaluation, PLAN, AREAS)
    base = [r for r in rows if r["code"].startswith("plan_base") and r["area_code"] == CITY]
    assert _kinds(base) == [("sensitivity", CITY, "I01", "problem", "plan_base:ahead")]
    assert base[0]["year"] == 2023 and base[0]["reference"] == pytest.approx(1.85)
    # the sample's official I05 of 2023 (12,852 万元) is 滞后 where the computed 11,900 万元 is 严重滞后
    official = next(r for r in rows if r["subject"] == "I05" and r["year"] == 2023)
    assert official["code"] == "official:lagging" and official["reference"] == pytest.approx(12852)


# ----------------------------------------------------------------------------- the plan's items
def _items(rows: list[tuple[str, str, int, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["item", "kind", "year", "verified_grade"])


def test_items_not_done_are_shortfalls_and_items_done_early_are_strengths() -> None:
    frame = _items([("T1.2", "task", 2023, "lagging"), ("T6.3", "task", 2023, "not_reported"),
                    ("T1.2", "task", 2024, "on_track"), ("Z8", "flagship", 2023, "lagging"),
                    ("T5.1", "task", 2022, "completed"), ("T5.1", "task", 2023, "completed"),
                    ("S4", "safeguard", 2025, "completed")])
    rows = items.item_findings(frame, 2025, CITY, RULES, judged={(2023, "Z8")})  # Z8: its target's finding
    assert _kinds(rows) == [("shortfall", CITY, "T1.2", "problem", "lagging"),
                            ("shortfall", CITY, "T6.3", "problem", "not_reported"),
                            ("strength", CITY, "T5.1", "strength", "completed"),
                            ("strength", CITY, "T5.1", "strength", "completed")]
    assert [r["year_from"] for r in rows if r["kind"] == "strength"] == [2022, 2022]  # first completed
    # S4 completed only in the target year: not ahead of it


def test_a_promised_policy_not_issued_is_a_shortfall_naming_its_commitment() -> None:
    commitments = pd.DataFrame([
        {"item": "T1.1", "year": 2023, "commitment": 2, "kind": "policy", "grade": "lagging"},
        {"item": "T1.1", "year": 2023, "commitment": 1, "kind": "policy", "grade": "completed"},
        {"item": "T1.1", "year": 2023, "commitment": 3, "kind": "ongoing", "grade": "lagging"},
    ])
    rows = items.policy_findings(commitments, CITY, RULES)
    assert _kinds(rows) == [("shortfall", CITY, "T1.1", "problem", "lagging")] and rows[0]["count"] == 2


def test_claims_without_evidence_are_the_departments_finding_in_its_area() -> None:
    farming = "市农业农村局"
    rows = pd.DataFrame([("T4.4", farming, "on_track", "unverified"), ("Z7", farming, "completed", "unverified"),
                         ("T3.2", farming, "on_track", "on_track"), ("T1.2", farming, "lagging", "lagging"),
                         ("S1", "紫金县人民政府", "completed", "unverified")],
                        columns=["item", "department", "self_grade", "verified_grade"]).assign(year=2025)
    found = items.evidence_findings(rows, CONTEXT.plan_items, AREAS)
    assert _kinds(found) == [("evidence", CITY, "市农业农村局", "problem", "T4.4,Z7"),
                             ("evidence", ZIJIN, "紫金县人民政府", "problem", "S1")]
    assert (found[0]["count"], found[0]["n"]) == (2, 3)  # of three claims; a 进展滞后 claims nothing


def test_the_periods_patterns_become_findings() -> None:
    plain = {"period_end": 2025, "first_year": 2021, "regression": False, "regression_from": None,
             "regression_to": None, "not_reported_years": 0, "chronic_not_reported": False, "unverified_years": 0,
             "chronic_unverified": False}
    period_items = pd.DataFrame([
        {**plain, "item": "T6.3", "not_reported_years": 5, "chronic_not_reported": True},
        {**plain, "item": "S1", "unverified_years": 2, "chronic_unverified": True, "regression": True,
         "regression_from": 2022, "regression_to": 2024},
        {**plain, "item": "T1.1", "not_reported_years": 2, "unverified_years": 1},  # below both thresholds
    ])
    found = items.pattern_findings(period_items, CITY)
    assert [(f["subject"], f["code"]) for f in found] == [("T6.3", "non_reporting"), ("S1", "regression"),
                                                          ("S1", "no_evidence")]
    assert (found[0]["count"], found[0]["year_from"], found[0]["year_to"]) == (5, 2021, 2025)
    assert (found[1]["year_from"], found[1]["year_to"]) == (2022, 2024)


# ----------------------------------------------------------------------------- registries and data
@pytest.mark.parametrize(("last_two", "flagged"), [((101, 88), True), ((104, 88), False), ((103.75, 88), False)])
def test_two_years_below_the_earlier_mean_are_a_leading_risk(last_two: tuple[float, float], flagged: bool) -> None:
    # mean of 2020–2023 = 103.75; a year at the mean is not below it
    grants = pd.Series({2020: 130, 2021: 90, 2022: 100, 2023: 95, 2024: last_two[0], 2025: last_two[1]})
    rows = registries.leading({"invention_grants": grants}, [2025], 2020, CITY, RULES)
    assert len(rows) == flagged
    if flagged:
        assert rows[0]["reference"] == pytest.approx(103.75) and (rows[0]["base"], rows[0]["value"]) == (130, 88)
        assert (rows[0]["year_from"], rows[0]["year_to"]) == (2020, 2023)
    assert registries.leading({"invention_grants": grants}, [2021], 2020, CITY, RULES) == []  # no earlier mean


@pytest.mark.parametrize(("amounts", "flagged"), [
    ([3000] + [700] * 10, True),  # 3,000 of 10,000: 30 %, the edge
    ([2900] + [710] * 10, False),  # 29 % of 10,000 in 11 deals
    ([1000] * 9, True),  # nine deals
    ([1000] * 10, False),
])
def test_a_yearly_sum_on_a_few_large_deals_is_lumpy(amounts: list[int], flagged: bool) -> None:
    frame = pd.DataFrame({"year": 2025, "amount": amounts})
    rows = registries.lumpiness("I05", frame, [2025], CITY, RULES)
    assert len(rows) == flagged
    if flagged:
        assert rows[0]["n"] == len(amounts) and rows[0]["reference"] == sum(amounts)


FACT = {"id": "valid_trademarks", "label": "累计商标有效注册量", "value": 1000, "unit": "件", "year": 2020,
        "measure": "valid_trademarks"}


@pytest.mark.parametrize(("computed", "severity"), [(1050.0, "note"), (950.0, "note"), (1051.0, "problem"),
                                                     (500.0, "problem"), (None, None)])
def test_a_plan_figure_the_data_miss_by_more_than_five_percent_is_flagged(computed: float | None,
                                                                          severity: str | None) -> None:
    rows = registries.base_checks((FACT,), {"valid_trademarks": computed}, {"valid_trademarks": "trademarks"},
                                  [2024, 2025], CITY, RULES)
    assert [r["severity"] for r in rows] == ([severity] * 2 if severity else [])
    if rows:
        assert (rows[0]["subject"], rows[0]["code"], rows[0]["reference"]) == ("trademarks", "valid_trademarks", 1000)


def test_sources_losing_rows_or_files_are_data_findings() -> None:
    reconciliation = pd.DataFrame({"source": ["patents", "pledges"], "rows_in": [1000, 100], "rejected": [5, 1]})
    reasons = pd.DataFrame({"source": ["pledges"], "reason": ["bad_amount"], "outcome": ["rejected"], "rows": [1]})
    files = pd.DataFrame({"source": ["patents", "patents"], "status": ["rejected", "ok"]})
    rows = registries.data_quality(reconciliation, reasons, files, [2025], CITY, RULES)
    # 5 of 1,000 is the configured 0.5 %, not above it; 1 of 100 is
    assert _kinds(rows) == [("data_quality", CITY, "pledges", "problem", "bad_amount"),
                            ("unreadable", CITY, "patents", "problem", None)]


def test_findings_are_ranked_problems_by_topic_then_strengths_then_notes() -> None:
    rows = [finding(2025, "strength", CITY, "I09", "strength", "indicator", "met"),
            finding(2025, "base_check", CITY, "trademarks", "problem", "data", "valid_trademarks"),
            finding(2025, "decomposition", CITY, "I08", "note", "county", YUANCHENG),
            finding(2025, "leading", CITY, "pct_applications", "problem", "risk"),
            finding(2025, "shortfall", CITY, "T1.2", "problem", "task", "lagging"),
            finding(2025, "shortfall", CITY, "I05", "problem", "indicator", "serious", order=2),
            finding(2025, "shortfall", CITY, "I04", "problem", "indicator", "reverse", order=0)]
    frame = ranked(rows, RULES, {i.id: n for n, i in enumerate(PLAN.indicators)})
    assert list(frame.columns) == COLUMNS
    assert list(frame["subject"]) == ["I04", "I05", "T1.2", "pct_applications", "trademarks", "I09", "I08"]
    assert list(frame["rank"]) == [1, 2, 3, 4, 5, 6, 7]


# ----------------------------------------------------------------------------- on the sample and on a fixture
@pytest.fixture(scope="module")
def sample_findings(sample_processed: Path) -> pd.DataFrame:
    return Datasets(sample_processed, CONTEXT.datasets).read("findings")


def test_the_sample_reproduces_every_figure_the_plan_states(sample_findings: pd.DataFrame,
                                                           provenance: dict) -> None:
    checks = sample_findings[sample_findings["kind"] == "base_check"]
    assert set(checks["code"]) == {fact["id"] for fact in CONTEXT.plan_facts}  # every fact has its measure
    assert set(checks["severity"]) == {"note"}, checks[checks["severity"] != "note"]
    expected = provenance["expected_city_per_year"]
    assert expected["valid_trademarks"]["2020"] == pytest.approx(21745, rel=0.05)
    assert expected["pct_applications_2016_2020"] == pytest.approx(50, rel=0.05)
    assert expected["pledges_2016_2020"] == {"registrations": 22, "sum_wan": 23271}


def test_the_sample_finds_the_i02_age_effect_and_the_falling_leading_measures(sample_findings: pd.DataFrame) -> None:
    city = sample_findings[(sample_findings["year"] == 2025) & (sample_findings["area_code"] == CITY)]
    age = city[(city["kind"] == "decomposition") & (city["code"] == "maintained")].iloc[0]
    assert age["severity"] == "problem" and age["share"] >= 0.5 and age["subject"] == "I02"
    assert {"invention_grants", "pct_applications"} <= set(city.loc[city["kind"] == "leading", "subject"])
    yuancheng = city[(city["kind"] == "disparity") & (city["subject"] == "I01")].iloc[0]
    assert yuancheng["code"] == YUANCHENG and yuancheng["share"] > 0.5


@pytest.fixture(scope="module")
def short_of_trademarks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A raw folder whose trademark register holds 300 valid marks at end-2020 (the plan says 21,745) and a few
    later ones, through every stage."""
    from helpers.pipeline import build

    raw = tmp_path_factory.mktemp("raw_short")
    header = ["注册号", "商标名称", "申请人名称（中文）", "申请人地址（中文）", "注册日期", "专用权期限"]
    rows = [[f"{40000000 + n}", f"河源{n}", f"河源市某公司{n}", "广东省河源市源城区文明路1号", f"{year}-05-01",
             f"{year}年05月01日 至 {year + 10}年04月30日"]
            for n, year in enumerate([2019] * 300 + [2021] * 20)]
    write_csv(raw, "trademarks", "marks.csv", header, rows)
    out = tmp_path_factory.mktemp("processed_short")
    build(raw, out, CONTEXT, workers=1)
    return out


def test_a_register_far_below_the_plans_figure_is_flagged_in_the_scope_and_the_problems(
        short_of_trademarks: Path) -> None:
    tables = Tables.load(short_of_trademarks)
    computed, sources = _fact_values(tables, PLAN, AREAS, CONTEXT.plan_facts)
    assert computed["valid_trademarks"] == 300 and sources["valid_trademarks"] == "trademarks"
    assert computed["pct_applications"] is None  # no patent register: that figure is not checked
    found = Datasets(short_of_trademarks, CONTEXT.datasets).read("findings")
    flagged = found[(found["kind"] == "base_check") & (found["severity"] == "problem")]
    assert set(flagged["code"]) == {"valid_trademarks"}
    report = Report.load(short_of_trademarks, 2021, CITY, context=CONTEXT)
    scope = re.sub(r"<[^>]+>", "", "".join(s.data for s in report.sections(only=["scope"])))
    assert "数据覆盖提示" in scope and "21,745件" in scope and "300件" in scope and "原始数据可能不完整" in scope
    problems = conclusions.problems(report.data)
    said = next(p for p in problems if "累计商标有效注册量" in p)
    assert "21,745件" in said and "300件" in said and "原始数据可能不完整" in said
    assert problems[-1] == said  # data come last


def test_a_plan_without_its_own_figures_checks_nothing(sample_processed: Path) -> None:
    from helpers.findings import READS, findings_stage

    datasets = Datasets(sample_processed, CONTEXT.datasets)
    frames = {name: datasets.read(name) for name in READS}
    tables = Tables.load(sample_processed, stage_columns(CONTEXT, "findings"))
    found = findings_stage(tables, frames, PLAN, AREAS, CONTEXT.plan_items, RULES, ())["findings"]
    assert len(found) and not (found["kind"] == "base_check").any()


def test_plan_b_has_no_figures_to_check() -> None:
    from helpers.context import Context

    assert Context.load(CONTEXT.conf.root, "tests/data/plan_b").plan_facts == ()
    assert CONTEXT.plan_facts  # conf/base's plan has them


# ----------------------------------------------------------------------------- the command and the report
@pytest.mark.e2e
def test_the_findings_command_writes_one_row_per_finding(sample_processed: Path, tmp_path: Path,
                                                         sample_findings: pd.DataFrame) -> None:
    out = tmp_path / "findings.csv"
    done = run_cli("findings", "--processed", str(sample_processed), "--year", "2025", "--out", str(out))
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out, dtype={"area_code": str})
    assert list(table.columns[:4]) == ["kind", "area_code", "subject", "severity"]
    assert len(table) == int((sample_findings["year"] == 2025).sum())
    assert set(table["severity"]) <= {"problem", "note", "strength"}
    assert table.iloc[0]["area_code"] == CITY and table.iloc[0]["rank"] == 1
    assert not table.drop(columns=["kind", "area_code", "subject", "severity", "code", "topic"]).map(
        lambda v: isinstance(v, str)).any().any(), "numbers only after the codes"


@pytest.mark.e2e
@pytest.mark.parametrize(("args", "message"), [(["--year", "2019"], "评估年度应为"),
                                               (["--year", "2025", "--processed", "nowhere"], "请先运行")])
def test_the_findings_command_says_what_is_wrong_in_chinese(sample_processed: Path, tmp_path: Path,
                                                            args: list[str], message: str) -> None:
    command = ["findings", "--processed", str(sample_processed), "--out", str(tmp_path / "f.csv"), *args]
    done = run_cli(*command)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "f.csv").exists()


@pytest.fixture(scope="module")
def final_city(sample_processed: Path) -> Report:
    return Report.load(sample_processed, 2025, CITY, context=CONTEXT)


def test_the_final_city_report_names_every_problem_with_its_cause(final_city: Report) -> None:
    problems = conclusions.problems(final_city.data)
    found = final_city.data.own_findings
    shown = found[(found["severity"] == "problem") & ~found["kind"].isin(["data_quality", "unreadable"])]
    assert len(problems) == len(shown) > 10  # every problem, not one line
    age = next(p for p in problems if p.startswith("每万人口高价值发明专利拥有量") and "维持超过10年" in p)
    assert "仅因满足" in age and "自然老化" in age
    assert any(p.startswith("发明专利授权量") and "连续两年低于" in p and "“十五五”" in p for p in problems)
    assert any("源城区占545件" in p for p in problems)  # 545 of the city's 905 valid invention patents
    assert not any("““" in p or "””" in p for p in problems)  # quotes in a quoted title are inner ones
    text = re.sub(r"<[^>]+>", "", "".join(s.data for s in final_city.sections(only=["problems"])))
    assert all(p in text for p in problems) and "存在的问题及原因" in text
    first_data = next(i for i, p in enumerate(problems) if "连续两年低于" in p)
    assert all("核实为" not in p for p in problems[first_data:]), "risks after the tasks"


def test_the_final_city_report_lists_its_strengths_by_domain(final_city: Report) -> None:
    parts = dict(conclusions.achievements(final_city.data))
    assert list(parts)[:2] == ["知识产权创造", "知识产权运用"]
    creation = " ".join(parts["知识产权创造"])
    assert "每万人口高价值发明专利拥有量2025年为" in creation and "自然老化" in creation  # the strength and its cause
    assert any("专栏4" in s for s in parts["知识产权运用"])
    text = re.sub(r"<[^>]+>", "", "".join(s.data for s in final_city.sections(only=["achievements"])))
    assert "四、主要成效" in text


def test_conclusions_speak_of_the_county_in_a_county_report(sample_processed: Path) -> None:
    report = Report.load(sample_processed, 2025, ZIJIN, context=CONTEXT)
    problems = conclusions.problems(report.data)
    assert problems and not any("源城区" in p for p in problems)
    own = report.data.own_findings
    assert set(own["area_code"]) <= {ZIJIN, CITY} and set(own.loc[own["area_code"] == CITY, "topic"]) <= {"data"}


def test_a_report_of_a_folder_without_findings_says_to_run_clean(sample_processed: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "processed"
    shutil.copytree(sample_processed, copy)
    (copy / "findings.parquet").unlink()
    with pytest.raises(Exception, match="请先运行"):
        Report.load(copy, 2025, CITY, context=CONTEXT)


def test_findings_rows_carry_codes_and_numbers_only(sample_findings: pd.DataFrame) -> None:
    text = sample_findings.select_dtypes(include=["object", "string"])
    assert set(text.columns) == {"kind", "area_code", "subject", "severity", "topic", "code"}
    assert not text.apply(lambda column: column.astype(str).str.contains(r"[，。；：]")).any().any()
