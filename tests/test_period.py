"""The period grade of the plan's items (conclusions.md §1), rule by rule: hand-made ledgers, registers and 专栏
figures go through the year's verification (helpers.tasks.verification.verify) as the pipeline's do, then through
the period stage's functions (helpers.tasks.period)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import CONTEXT
from helpers.tasks.period import PeriodRules, department_records, grade_periods, indicator_periods, period_composite
from helpers.tasks.scores import Scoring
from helpers.tasks.verification import Measures, Rules, verify
from test_verification import MSJ, POLICIES, ledger

CITY = CONTEXT.areas.city_code
YEARS = [2021, 2022, 2023, 2024, 2025]
RULES = PeriodRules.from_conf(CONTEXT.assessment, CONTEXT.plan.thresholds["basically_met"])
NO_EVALUATION = pd.DataFrame(columns=["indicator", "area_code", "year", "completion", "ratio"])
COURT, PROCURATORATE, ZONE = "市中级人民法院", "市人民检察院", "河源高新区管委会"
ON, LAG = "按计划推进", "进展滞后"


def targets(*rows: tuple) -> pd.DataFrame:
    """专栏 figures as the flagship stage writes them: (id, year, value, target, base[, missing sources])."""
    records = [{"id": r[0], "year": r[1], "value": r[2], "target": r[3], "base": r[4],
                "reached": r[2] / r[3], "tau": (r[1] - 2020) / 5, "status": "met" if r[2] >= r[3] else "lagging",
                "missing_sources": r[5] if len(r) > 5 else ""} for r in rows]
    return pd.DataFrame(records, columns=["id", "year", "value", "target", "base", "reached", "tau", "status",
                                          "missing_sources"])


def period(rows: pd.DataFrame | None, policies: pd.DataFrame | None = None, figures: pd.DataFrame | None = None,
           years: list[int] = YEARS) -> tuple[pd.DataFrame, pd.DataFrame, object]:
    """The period items and commitments for the period ending in the last of `years`, and the year's verification."""
    figures = figures if figures is not None else targets()
    result = verify(rows, policies, None, Measures(figures, NO_EVALUATION, {"Z2": "I02"}, CITY), CONTEXT.plan_items,
                    Rules.from_conf(CONTEXT.assessment), years)
    items, commitments = grade_periods(result.items, result.commitments, result.departments, figures,
                                       CONTEXT.plan_items, RULES)
    end = years[-1]
    return items[items["period_end"] == end].set_index("item"), \
        commitments[commitments["period_end"] == end].set_index(["item", "commitment"]), result


def every_year(item: str, department: str, grades: list[str | None], evidence: str | None = "工作总结") -> list:
    """Ledger rows of one department for one item, a grade per year of YEARS (None: no row that year)."""
    return [(item, year, department, grade, evidence) for year, grade in zip(YEARS, grades, strict=True) if grade]


# ----------------------------------------------------------------------------- ongoing work
@pytest.mark.parametrize(("grades", "period_grade", "basis"), [
    ([ON, "已完成", ON, ON, ON], "completed", "all_good"),
    ([ON, LAG, ON, LAG, ON], "basic", "most_good"),  # 3 of 5
    ([LAG, LAG, ON, "未启动", ON], "unfinished", "few_good"),  # 2 of 5
])
def test_ongoing_work_counts_its_good_years(grades, period_grade, basis):
    items, commitments, _ = period(ledger(*every_year("T2.6", MSJ, grades)))
    assert items.loc["T2.6", "grade"] == period_grade
    assert commitments.loc[("T2.6", 1), "basis"] == basis


def test_a_mid_term_period_of_three_years_needs_two_good_years_for_basic():
    rows = ledger(*every_year("T2.6", MSJ, [ON, LAG, ON, None, None]))
    items, _, _ = period(rows, years=[2021, 2022, 2023])
    assert items.loc["T2.6", "grade"] == "basic" and items.loc["T2.6", "years"] == 3


def test_a_year_without_evidence_is_not_a_good_year_and_is_listed():
    rows = ledger(*every_year("S2", MSJ, [ON] * 4 + [None]), ("S2", 2025, MSJ, "已完成", None))
    items, commitments, result = period(rows)
    assert result.items.set_index(["item", "year"]).loc[("S2", 2025), "verified_grade"] == "unverified"
    assert items.loc["S2", "grade"] == "basic"  # 4 good years of 5, not 已完成
    assert commitments.loc[("S2", 1), "unverified_in"] == "2025" and commitments.loc[("S2", 1), "good_years"] == 4


def test_a_carried_forward_completion_counts_as_completed():
    # T2.1 (one ongoing commitment) completed in 2022, no row afterwards: 已完成 carried forward in 2023–2025
    rows = ledger(("T2.1", 2021, COURT, ON, "判决书"), ("T2.1", 2022, COURT, "已完成", "判决书"))
    items, commitments, _ = period(rows)
    assert items.loc["T2.1", "grade"] == "completed" and commitments.loc[("T2.1", 1), "good_years"] == 5


def test_the_lowest_department_sets_a_years_ledger_grade():
    rows = ledger(*every_year("T2.1", COURT, [ON] * 5),
                  *every_year("T2.1", PROCURATORATE, [ON, LAG, LAG, ON, ON]))
    items, _, _ = period(rows)
    assert items.loc["T2.1", "grade"] == "basic"  # 3 good years: 2022 and 2023 are the procuratorate's 进展滞后


# ----------------------------------------------------------------------------- milestones
def test_a_milestone_completed_and_not_lowered_later_is_completed():
    # Z6 (one milestone): completed 2023, a claim without evidence in 2024, no row in 2025
    rows = ledger(("Z6", 2021, ZONE, ON, "方案"), ("Z6", 2023, ZONE, "已完成", "挂牌"),
                  ("Z6", 2024, ZONE, "已完成", None))
    items, commitments, _ = period(rows)
    assert items.loc["Z6", "grade"] == "completed"
    assert commitments.loc[("Z6", 1), "completed_in"] == 2023 and commitments.loc[("Z6", 1), "unverified_in"] == "2024"


def test_a_milestone_a_department_reports_lower_later_is_not_completed():
    rows = ledger(("Z6", 2022, ZONE, "已完成", "挂牌"), ("Z6", 2024, ZONE, ON, "方案"))
    items, commitments, _ = period(rows)
    assert items.loc["Z6", "grade"] == "unfinished"
    assert commitments.loc[("Z6", 1), "basis"] == "lowered" and commitments.loc[("Z6", 1), "lowered_in"] == 2024


def test_a_milestone_last_reported_on_track_is_not_finished():
    rows = ledger(*every_year("Z6", ZONE, [ON] * 5, "方案"))
    items, commitments, _ = period(rows)
    assert items.loc["Z6", "grade"] == "unfinished" and commitments.loc[("Z6", 1), "basis"] == "not_completed"


# ----------------------------------------------------------------------------- unreported, unverified
def test_no_row_in_any_year_is_not_reported():
    items, commitments, _ = period(ledger(("T2.1", 2021, COURT, "已完成", "判决书")))
    assert items.loc["T6.3", "grade"] == "not_reported" and items.loc["T6.3", "points"] == 0
    assert commitments.loc[("T6.3", 1), "basis"] == "no_rows"
    assert items.loc["Z6", "grade"] == "not_reported"  # a milestone too


def test_every_reported_year_without_evidence_is_unverified():
    rows = ledger(("Z6", 2022, ZONE, "已完成", None), ("Z6", 2024, ZONE, ON, None))
    items, commitments, _ = period(rows)
    assert items.loc["Z6", "grade"] == "unverified" and commitments.loc[("Z6", 1), "basis"] == "all_unverified"


def test_without_any_ledger_only_the_data_grade():
    items, commitments, _ = period(None, figures=targets(("Z1", 2025, 5, 6, 1)))
    assert pd.isna(commitments.loc[("Z1", 2), "grade"]) and commitments.loc[("Z1", 2), "basis"] == "no_ledger"
    assert items.loc["Z1", "grade"] == "unfinished"  # (5 − 1) ÷ (6 − 1) = 80 %
    # nothing to grade it by: 无法评估 (plan-assessment.md §3.5), no points, the absent source named
    assert items.loc["T2.1", "grade"] == "unassessable" and np.isnan(items.loc["T2.1", "points"])
    assert "task_ledger" in items.loc["T2.1", "missing"]


# ----------------------------------------------------------------------------- quantified and policy commitments
def test_a_quantified_target_is_met_basically_met_from_the_data_base_or_not():
    rows = ledger(*every_year("Z8", MSJ, [ON] * 5, "导航报告"))
    met, _, _ = period(rows, figures=targets(("Z8", 2025, 5, 5, 0)))
    assert met.loc["Z8", "grade"] == "completed"
    basic, _, _ = period(rows, figures=targets(("Z8", 2025, 4.8, 5, 0)))  # P = 0.96
    assert basic.loc["Z8", "grade"] == "basic"
    # 5.85 of 6 is 97.5 % of the target but only 92.5 % of the way from the 2020 value 4: 未完成
    short, commitments, _ = period(rows, figures=targets(("Z8", 2025, 5.85, 6, 4)))
    assert short.loc["Z8", "grade"] == "unfinished"
    assert commitments.loc[("Z8", 1), "completion"] == pytest.approx(0.925)


def test_a_quantified_commitment_without_data_in_the_last_year_is_not_graded():
    rows = ledger(*every_year("Z1", MSJ, [ON] * 5, "挂牌照片"),
                  *every_year("Z8", MSJ, [ON, LAG, ON, ON, LAG], "导航报告"))
    figures = targets(("Z1", 2024, 6, 6, 0), ("Z1", 2025, np.nan, 6, np.nan, "service_nodes"),
                      ("Z8", 2025, np.nan, 5, np.nan, "projects"))
    items, commitments, _ = period(rows, figures=figures)
    # Z1 has an ongoing commitment beside it: the number is not graded, the work is
    assert pd.isna(commitments.loc[("Z1", 1), "grade"]) and commitments.loc[("Z1", 1), "data_missing"]
    assert items.loc["Z1", "grade"] == "completed"
    # Z8's number is its only commitment: its ledger grades it as ongoing work (3 good years of 5)
    assert commitments.loc[("Z8", 1), "grade"] == "basic" and commitments.loc[("Z8", 1), "data_missing"]
    assert items.loc["Z8", "grade"] == "basic"


def test_a_policy_issued_by_the_last_year_is_completed_and_the_item_takes_its_lowest_commitment():
    rows = ledger(*every_year("T1.1", MSJ, [ON] * 5, "措施文本"))
    issued, commitments, _ = period(rows, policies=POLICIES)  # the 特色产业 measures issued in 2024
    assert commitments.loc[("T1.1", 2), "grade"] == "completed" and issued.loc["T1.1", "grade"] == "completed"
    mid_term, commitments, _ = period(rows, policies=POLICIES, years=[2021, 2022, 2023])  # a draft only by then
    assert commitments.loc[("T1.1", 2), "grade"] == "unfinished" and mid_term.loc["T1.1", "grade"] == "unfinished"
    # ongoing work in only 2 of 5 years (基本完成 needs 3) and both documents issued: the lowest, 未完成
    rows = ledger(*every_year("T1.1", MSJ, [LAG, ON, LAG, ON, LAG], "措施文本"))
    lowest, _, _ = period(rows, policies=POLICIES)
    assert lowest.loc["T1.1", "grade"] == "unfinished"


# ----------------------------------------------------------------------------- the history's patterns
def test_patterns_regression_chronic_non_reporting_and_lack_of_evidence():
    rows = ledger(("T2.6", 2021, MSJ, "已完成", "总结"), ("T2.6", 2023, MSJ, LAG, "总结"),
                  ("T3.3", 2021, MSJ, ON, None), ("T3.3", 2022, MSJ, ON, "总结"),
                  ("T3.3", 2023, MSJ, "已完成", None), ("T6.2", 2023, MSJ, ON, "总结"))
    items, _, _ = period(rows)
    t26 = items.loc["T2.6"]  # 已完成 2021, carried in 2022, 进展滞后 in 2023
    assert t26["regression"] and (t26["regression_from"], t26["regression_to"]) == (2021, 2023)
    assert items.loc["T3.3", "chronic_unverified"] and items.loc["T3.3", "unverified_years"] == 2
    assert not items.loc["T3.3", "regression"]  # 待核实 is the evidence's pattern, not a regression
    t62 = items.loc["T6.2"]  # 未报送 2021, 2022, 2024, 2025: four years, at most two in a row
    assert t62["chronic_not_reported"] and (t62["not_reported_years"], t62["not_reported_run"]) == (4, 2)
    assert items.loc["T6.3", "not_reported_run"] == 5


# ----------------------------------------------------------------------------- departments, composite, indicators
def test_a_departments_record_over_the_period():
    rows = ledger(("T2.1", 2021, COURT, "已完成", "判决书"), ("T2.1", 2022, COURT, "已完成", None),
                  ("T2.1", 2024, COURT, LAG, "判决书"), ("T2.1", 2024, PROCURATORATE, "已完成", "总结"))
    _, _, result = period(rows)
    records = department_records(result.items, result.departments, CONTEXT.plan_items, CITY, RULES)
    court = records[(records["period_end"] == 2025) & (records["department"] == COURT)].iloc[0]
    assert (court["expected_years"], court["reported_years"], court["claims"], court["supported"]) == (5, 3, 2, 1)
    procuratorate = records[(records["period_end"] == 2025) & (records["department"] == PROCURATORATE)].iloc[0]
    assert procuratorate["above"] == 1  # 已完成 claimed in 2024, the item verified 进展滞后 (the court's row)
    assert records[records["period_end"] == 2022].set_index("department").loc[COURT, "expected_years"] == 2


def test_the_period_composite_reuses_the_composites_weights_on_period_points():
    rows = ledger(*[row for item in ("T2.6", "S2") for row in every_year(item, MSJ, [ON] * 5)])
    items, commitments, result = period(rows)
    evaluation = pd.DataFrame({"year": [2025], "area_code": [CITY], "ratio": [0.5], "status": ["lagging"],
                               "missing_sources": [None]})
    table = period_composite(items.reset_index(), commitments.reset_index(), result.commitments, evaluation, CITY,
                             Scoring.from_conf(CONTEXT.assessment, CONTEXT.plan.target_year)).set_index("part")
    tasks = items[items["kind"].isin(["task", "flagship"])]["points"].mean()  # T2.6 100, T6.3 0, most 0
    safeguards = items[items["kind"] == "safeguard"]["points"].mean()
    assert table.loc["tasks", "score"] == pytest.approx(tasks) and table.loc["safeguards", "score"] == safeguards
    # no register: the policies are 无法评估 and the part is left out with the weights renormalised (§3.5)
    assert np.isnan(table.loc["policies", "score"]) and table.loc["policies", "weight"] == 0
    weights = CONTEXT.assessment["weights"]
    counted = weights["indicators"] + weights["tasks"] + weights["safeguards"]
    expected = (50 * weights["indicators"] + tasks * weights["tasks"] + safeguards * weights["safeguards"]) / counted
    assert table.loc["composite", "score"] == pytest.approx(expected)
    assert list(table["period_end"].unique()) == [2025]


def test_indicators_over_the_period_keep_each_years_status_and_the_year_first_met():
    evaluation = pd.DataFrame({
        "indicator": ["I03"] * 5, "area_code": [CITY] * 5, "year": YEARS, "value": [0.0, 1, 2, 1, 2],
        "status": ["serious", "lagging", "met", "lagging", "met"], "base_used": [0.0] * 5,
        "change": [0.0, 1, 2, 1, 2], "cagr": [np.nan] * 5})
    table = indicator_periods(evaluation, [2022, 2025], RULES)
    final = table[table["period_end"] == 2025]
    assert final["status"].tolist() == ["serious", "lagging", "met", "lagging", "met"]
    assert set(final["first_met"]) == {2023} and set(final["change"]) == {2.0}
    assert table[table["period_end"] == 2022]["first_met"].isna().all()
