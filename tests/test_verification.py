"""Verification and scores of the plan's items, rule by rule, on hand-worked fixtures (plan-assessment.md §3).
Each fixture is the clean ledger, policy register, evidence and flagship tables as the pipeline holds them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import CONTEXT
from helpers.report.task_words import basis, reason
from helpers.report.wording import Words
from helpers.tasks.goals import judged
from helpers.tasks.scores import Scoring, composite, group_scores, with_points
from helpers.tasks.verification import Measures, Rules, verify

RULES = Rules.from_conf(CONTEXT.assessment)
CITY = CONTEXT.areas.city_code
YEARS = [2021, 2022, 2023, 2024]
SCORING = Scoring.from_conf(CONTEXT.assessment, CONTEXT.plan.target_year)
MSJ = "市市场监督管理局（市知识产权局）"
WORDS = Words.of(CONTEXT, "zh")


def ledger(*rows: tuple) -> pd.DataFrame:
    """(item, year, department, self-grade label, evidence listed as text or None[, county code])"""
    records = [{"item": r[0], "year": r[1], "department": r[2], "self_grade": r[3], "evidence_items": r[4],
                "evidence_count": 0 if r[4] is None else len(r[4].split("\n")),
                "area_code": r[5] if len(r) > 5 else CITY, "progress": f"{r[0]} {r[1]} 的进展",
                "report_date": pd.Timestamp(r[1], 12, 20)} for r in rows]
    return pd.DataFrame(records)


def flagship(*rows: tuple) -> pd.DataFrame:
    """(id, year, value, target, tau[, missing sources])"""
    records = []
    for r in rows:
        reached = r[2] / r[3]
        records.append({"id": r[0], "year": r[1], "value": r[2], "target": r[3], "reached": reached, "tau": r[4],
                        "status": "met" if reached >= 1 else "lagging", "missing_sources": r[5] if len(r) > 5 else ""})
    return pd.DataFrame(records, columns=["id", "year", "value", "target", "reached", "tau", "status",
                                          "missing_sources"])


NO_EVALUATION = pd.DataFrame(columns=["indicator", "area_code", "year", "completion", "ratio"])


def run(ledger_rows: pd.DataFrame, policies: pd.DataFrame | None = None, evidence: pd.DataFrame | None = None,
        targets: pd.DataFrame | None = None, evaluation: pd.DataFrame = NO_EVALUATION):
    measures = Measures(targets if targets is not None else flagship(), evaluation, {"Z2": "I02"}, CITY)
    return verify(ledger_rows, policies, evidence, measures, CONTEXT.plan_items, RULES, YEARS)


def why(result, item: str, year: int) -> str | None:
    """Why the item's verified grade is below its self-grade, as the report words its `causes`."""
    found = result.discrepancies()
    row = found[(found["item"] == item) & (found["year"] == year)].iloc[0]
    return reason(row, result.commitments, result.departments, CONTEXT.plan_items, WORDS)


def grades(result, item: str) -> dict[int, tuple]:
    own = result.items[result.items["item"] == item].set_index("year")
    return {year: (None if pd.isna(row["self_grade"]) else row["self_grade"], row["verified_grade"])
            for year, row in own.iterrows()}


def test_the_lowest_department_sets_the_self_grade_and_each_department_keeps_its_own():
    result = run(ledger(("T2.1", 2023, "市中级人民法院", "已完成", "判决书"),
                        ("T2.1", 2023, "市人民检察院", "进展滞后", "工作总结")))
    assert grades(result, "T2.1")[2023] == ("lagging", "lagging")
    own = result.departments[result.departments["item"] == "T2.1"].set_index("department")["self_grade"]
    assert own.to_dict() == {"市中级人民法院": "completed", "市人民检察院": "lagging"}


def test_an_item_nobody_reported_is_not_reported_and_has_no_self_grade():
    result = run(ledger(("T2.1", 2023, "市中级人民法院", "已完成", "判决书")))
    assert grades(result, "T2.2")[2023] == (None, "not_reported")
    assert result.discrepancies()["item"].tolist() == []


def test_completed_carries_forward_until_a_later_row_grades_its_year():
    result = run(ledger(("T3.3", 2022, MSJ, "已完成", "认定名单"), ("T3.3", 2024, MSJ, "进展滞后", "总结")))
    assert grades(result, "T3.3") == {2021: (None, "not_reported"), 2022: ("completed", "completed"),
                                      2023: (None, "completed"), 2024: ("lagging", "lagging")}
    carried = result.items.set_index(["item", "year"])["carried_forward"]
    assert carried[("T3.3", 2023)] and not carried[("T3.3", 2024)]


def test_a_claim_without_evidence_is_unverified_and_listed_with_its_reason():
    result = run(ledger(("T3.4", 2023, "市委宣传部（市版权局）", "已完成", None),
                        ("T3.2", 2023, "市农业农村局", "进展滞后", None)))
    assert grades(result, "T3.4")[2023] == ("completed", "unverified")
    assert grades(result, "T3.2")[2023] == ("lagging", "lagging")  # no claim above 滞后: nothing to prove
    found = result.discrepancies().set_index("item")
    assert list(found.index) == ["T3.4"] and found.loc["T3.4", "causes"] == "1"
    assert why(result, "T3.4", 2023) == "缺少佐证材料：市委宣传部（市版权局）"
    unlisted = result.departments.set_index("item").loc["T3.4"]
    assert unlisted["evidence_listed"] == 0 and pd.isna(unlisted["evidence_missing"])  # the report words it


def test_an_evidence_folder_that_holds_none_of_the_listed_items_leaves_the_claim_unverified():
    evidence = pd.DataFrame({"department": ["市农业农村局"] * 2 + [MSJ], "year": [2023, 2023, 2023],
                             "stem": ["调查报告", "其他文件", "认定名单"]})
    result = run(ledger(("T3.2", 2023, "市农业农村局", "已完成", "调查 报告.pdf\n名录"),
                        ("T4.4", 2023, "市农业农村局", "按计划推进", "推广方案"),
                        ("T4.4", 2022, "市农业农村局", "按计划推进", "推广方案")), evidence=evidence)
    assert grades(result, "T3.2")[2023] == ("completed", "completed")  # one of two found
    assert grades(result, "T4.4")[2023] == ("on_track", "unverified")  # the folder lacks it
    assert grades(result, "T4.4")[2022] == ("on_track", "on_track")  # no folder that year: the list suffices
    missing = result.departments.set_index(["item", "year"])["evidence_missing"]
    assert missing[("T3.2", 2023)] == "名录" and missing[("T4.4", 2023)] == "推广方案"


def test_data_decide_a_quantified_commitment_over_the_self_grade():
    rows = ledger(("Z1", 2023, MSJ, "已完成", "挂牌照片"), ("Z1", 2022, MSJ, "已完成", "挂牌照片"),
                  ("Z1", 2024, MSJ, "按计划推进", "挂牌照片"))
    targets = flagship(("Z1", 2023, 4, 6, 0.6), ("Z1", 2022, 1, 6, 0.4), ("Z1", 2024, 6, 6, 0.8))
    result = run(rows, targets=targets)
    # 2023: 4/6 = 0.667 of the target at τ = 0.6 → r = 1.11 ≥ 0.95; 2022: 1/6 at τ = 0.4 → r = 0.42 < 0.95;
    # 2024: the target is reached, but the item's other (ongoing) commitment is only on track: the lowest counts
    assert grades(result, "Z1") == {2021: (None, "not_reported"), 2022: ("completed", "lagging"),
                                    2023: ("completed", "on_track"), 2024: ("on_track", "on_track")}
    graded = result.commitments.set_index(["item", "year", "commitment"])["grade"]
    assert graded[("Z1", 2024, 1)] == "completed" and graded[("Z1", 2024, 2)] == "on_track"
    commitment = result.commitments.set_index(["item", "year", "commitment"]).loc[("Z1", 2023, 1)]
    assert commitment[["basis", "value", "target"]].tolist() == ["data", 4, 6]
    assert why(result, "Z1", 2023) == "数据核定：2023年数据：4（目标6）"


def test_a_task_is_graded_on_the_number_of_its_attached_zhuanlan_too():
    # T4.5 「开展重点产业专利导航」: its departments say 已完成; its 专栏8 counts 4 of the 5 navigations at τ = 0.8
    rows = ledger(("T4.5", 2024, MSJ, "已完成", "专题数据库"), ("Z8", 2024, MSJ, "按计划推进", "导航报告"))
    result = run(rows, targets=flagship(("Z8", 2024, 4, 5, 0.8)))
    assert grades(result, "Z8")[2024] == ("on_track", "on_track")  # r = 0.8 / 0.8 = 1
    assert grades(result, "T4.5")[2024] == ("completed", "on_track")
    own = result.commitments[(result.commitments["item"] == "T4.5") & (result.commitments["year"] == 2024)]
    assert own["kind"].tolist() == ["milestone", "milestone", "ongoing", "quantified"]
    assert own["flagship"].tolist()[-1] == "Z8" and own["grade"].tolist()[-1] == "on_track"
    assert own["stated_in"].tolist()[-1] == "Z8"
    assert why(result, "T4.5", 2024) == "数据核定（Z8）：2024年数据：4（目标5）"
    # a 专栏 is not graded on its task, and a task without a 专栏 on nothing but its own commitments
    assert set(result.commitments.loc[result.commitments["item"] == "Z8", "kind"]) == {"quantified"}
    assert "quantified" not in set(result.commitments.loc[result.commitments["item"] == "T4.4", "kind"])


def test_a_quantified_commitment_without_data_is_left_to_the_ledger():
    targets = flagship(("Z8", 2023, np.nan, 5, 0.6, "projects"))
    result = run(ledger(("Z8", 2023, MSJ, "已完成", "导航报告")), targets=targets)
    assert grades(result, "Z8")[2023] == ("completed", "completed")
    basis = result.commitments.set_index(["item", "year"]).loc[("Z8", 2023)]
    assert basis["grade"] == "unassessable" and basis["missing"] == "projects" and pd.isna(basis["basis"])
    assert result.items.set_index(["item", "year"]).loc[("Z8", 2023), "missing"] == "projects"  # what it lacked


def test_a_repeated_indicator_is_judged_from_its_base():
    evaluation = pd.DataFrame({"indicator": ["I02"], "area_code": [CITY], "year": [2023], "completion": [0.5],
                               "ratio": [0.83]})
    targets = flagship(("Z2", 2023, 0.7, 1, 0.6))  # 0.7 of 1 would be r = 1.17; from the base 0.39 it is 0.83
    result = run(ledger(("Z2", 2023, MSJ, "按计划推进", "推荐名单")), targets=targets, evaluation=evaluation)
    assert grades(result, "Z2")[2023] == ("on_track", "lagging")


POLICIES = pd.DataFrame({
    "title": ["河源市关于强化知识产权保护的若干措施", "河源市特色产业知识产权保护措施（征求意见稿）",
              "河源市特色产业知识产权保护措施", "关于调整专利资助政策的通知"],
    "doc_no": ["河府办〔2022〕15号", None, "河市监〔2024〕3号", "河市监〔2021〕9号"],
    "issued_date": pd.to_datetime(["2022-06-30", "2023-05-01", "2024-03-01", "2021-04-01"]),
    "item_ids": ["T1.1", "T1.1", "T1.1", "T1.2"],
    "status": ["现行有效", "征求意见稿", "现行有效", "已废止"],
})


def test_policies_issued_drafts_late_ones_and_repealed_ones():
    rows = ledger(*[("T1.1", year, MSJ, "已完成", "措施文本") for year in (2022, 2023, 2024)],
                  ("T1.2", 2023, MSJ, "已完成", "通知文本"))
    result = run(rows, policies=POLICIES)
    # 2022–2023: the 特色产业 measures exist only as a draft → capped at 进展滞后; 2024: issued
    assert grades(result, "T1.1") == {2021: (None, "not_reported"), 2022: ("completed", "lagging"),
                                      2023: ("completed", "lagging"), 2024: ("completed", "completed")}
    assert grades(result, "T1.2")[2023] == ("completed", "completed")  # a later repeal does not undo it
    issued = result.commitments.set_index(["item", "year", "commitment"])
    assert issued.loc[("T1.1", 2022, 1), ["grade", "basis", "policy_no"]].tolist() == [
        "completed", "issued", "河府办〔2022〕15号"]
    first = result.commitments.iloc[issued.index.get_loc(("T1.1", 2022, 1))]
    assert basis(first, WORDS) == \
        "《河源市关于强化知识产权保护的若干措施》（河府办〔2022〕15号），2022-06-30 印发"
    text = why(result, "T1.1", 2023)
    assert text.startswith("政策未出台：") and "特色产业" in text
    assert text.endswith("（截至2023年底政策文件台账中未见印发）")


def test_a_missing_policy_caps_a_ledger_that_reports_nothing_at_not_reported():
    result = run(ledger(("T2.1", 2021, "市中级人民法院", "已完成", "判决书")), policies=POLICIES.iloc[:1])
    assert grades(result, "T1.1")[2021] == (None, "not_reported")


def test_points_group_scores_and_the_final_year():
    items = pd.DataFrame({"item": ["T1.1", "T1.2", "S1"], "kind": ["task", "task", "safeguard"],
                          "group": ["T1", "T1", "S"], "year": [2025, 2025, 2024],
                          "verified_grade": ["on_track", "completed", "on_track"]})
    scored = with_points(items, SCORING)
    assert scored["points"].tolist() == [60.0, 100.0, 90.0]  # 按计划推进 is 60 in the final year, 90 before
    groups = group_scores(scored).set_index(["year", "group"])["score"]
    assert groups[(2025, "T1")] == 80.0 and groups[(2024, "S")] == 90.0


def test_the_composite_renormalises_over_the_parts_with_a_score():
    items = with_points(pd.DataFrame({"item": ["T1.1", "Z1", "S1"], "kind": ["task", "flagship", "safeguard"],
                                      "group": ["T1", "Z", "S"], "year": [2023] * 3,
                                      "verified_grade": ["completed", "lagging", "on_track"],
                                      "missing": [None] * 3}), SCORING)
    commitments = pd.DataFrame({"item": ["T1.1", "T1.1"], "year": [2023, 2023], "kind": ["policy", "policy"],
                                "grade": ["completed", "lagging"], "missing": [None, None]})
    evaluation = pd.DataFrame({"year": [2023] * 3, "area_code": [CITY] * 3, "ratio": [1.4, np.nan, np.nan],
                               "status": ["ahead", "missing", "small_sample"], "missing_sources": ["", "survey", ""]})
    table = composite(items, commitments, evaluation, CITY, SCORING).set_index("part")
    # indicators 100 (r capped at 1; one without data and one from too few cases left out), tasks (100 + 60) / 2 =
    # 80, policies 50, safeguards 90 → (100·40 + 80·40 + 50·10 + 90·10) / 100 = 86
    assert table.loc["composite", "score"] == pytest.approx(86.0) and table.loc["composite", "grade"] == "good"
    no_indicators = composite(items, commitments, evaluation.iloc[:0], CITY, SCORING).set_index("part")
    # (80·40 + 50·10 + 90·10) / 60 = 76.67
    assert no_indicators.loc["composite", "score"] == pytest.approx(4600 / 60)
    assert no_indicators.loc["indicators", "weight"] == 0
    assert no_indicators.loc["composite", ["counted", "left_out"]].tolist() == [3, 1]
    assert table.loc["indicators", ["counted", "left_out", "small", "missing"]].tolist() == [1, 1, 1, "survey"]
    assert table.loc["policies", ["counted", "completed"]].tolist() == [2, 1]


def test_without_a_ledger_what_only_it_grades_is_unassessable():
    targets = flagship(("Z1", 2023, 4, 6, 0.6), ("Z8", 2023, np.nan, 5, 0.6, "projects"))
    result = run(None, policies=POLICIES, targets=targets)
    items = result.items[result.items["year"] == 2023].set_index("item")
    # what only the ledger grades (ongoing work, milestones) is 无法评估, not 未报送
    assert items.loc["T2.1", ["verified_grade", "missing"]].tolist() == ["unassessable", "task_ledger"]
    assert items.loc["S1", "verified_grade"] == "unassessable" and "not_reported" not in set(items["verified_grade"])
    # the data still grade a quantified 专栏 (4 of 6 at τ = 0.6), its ongoing commitment left out
    assert items.loc["Z1", ["verified_grade", "missing"]].tolist() == ["on_track", "task_ledger"]
    assert items.loc["Z8", ["verified_grade", "missing"]].tolist() == ["unassessable", "projects,task_ledger"]
    # the register still grades a policy: T1.2's document is issued; T1.1's second is a draft in 2023 — issued
    # documents are 已完成, a missing one is 无法评估 (its grade needs the ledger) and caps the item at 进展滞后
    commitments = result.commitments[result.commitments["year"] == 2023].set_index(["item", "commitment"])
    assert commitments.loc[("T1.1", 1), "grade"] == "completed"
    assert commitments.loc[("T1.1", 2), ["grade", "missing"]].tolist() == ["unassessable", "task_ledger"]
    assert commitments.loc[("T1.1", 2), "basis"] == "not_issued"
    assert items.loc["T1.1", "verified_grade"] == "lagging" and items.loc["T1.2", "verified_grade"] == "completed"
    assert result.discrepancies().empty  # no self-grade to compare
    scored = with_points(result.items, SCORING)
    assert scored.loc[scored["verified_grade"] == "unassessable", "points"].isna().all()  # never 0 points
    evaluation = pd.DataFrame({"year": [2023], "area_code": [CITY], "ratio": [0.5], "status": ["serious"],
                               "missing_sources": [""]})
    table = composite(scored, result.commitments, evaluation, CITY, SCORING)
    table = table[table["year"] == 2023].set_index("part")
    # tasks: Z1 90 and T2.5 90 (its attached 专栏1 target), T1.1 60, T1.2 100 (the rest left out); policies 2 of 3
    # issued; safeguards: nothing gradable
    assert table.loc["tasks", ["score", "counted", "left_out"]].tolist() == [pytest.approx(85.0), 4, 32]
    assert table.loc["tasks", "missing"] == "task_ledger,projects"
    assert table.loc["policies", "score"] == pytest.approx(200 / 3)
    assert np.isnan(table.loc["safeguards", "score"]) and table.loc["safeguards", "weight"] == 0
    assert table.loc["safeguards", ["left_out", "missing"]].tolist() == [4, "task_ledger"]
    # (50·40 + 83.33·40 + 66.67·10) / 90
    assert table.loc["composite", "score"] == pytest.approx((50 * 40 + 85 * 40 + 200 / 3 * 10) / 90)


@pytest.mark.parametrize("register", [None, POLICIES.iloc[:0]], ids=["absent", "empty"])
def test_without_a_register_policy_commitments_are_unassessable(register):
    rows = ledger(("T1.2", 2023, MSJ, "已完成", "通知文本"), ("T2.1", 2023, "市中级人民法院", "已完成", "判决书"))
    result = run(rows, policies=register)
    commitments = result.commitments[result.commitments["year"] == 2023].set_index(["item", "commitment"])
    assert commitments.loc[("T1.2", 1), ["grade", "missing"]].tolist() == ["unassessable", "policies"]
    assert grades(result, "T1.2")[2023] == ("completed", "completed")  # its ongoing commitment, from the ledger
    assert grades(result, "T2.2")[2023] == (None, "not_reported")  # a ledger was supplied: nobody reported it
    scored = with_points(result.items, SCORING)
    evaluation = pd.DataFrame(columns=["year", "area_code", "ratio", "status", "missing_sources"])
    table = composite(scored, result.commitments, evaluation, CITY, SCORING)
    policies = table[(table["year"] == 2023) & (table["part"] == "policies")].iloc[0]
    assert np.isnan(policies["score"]) and policies["weight"] == 0 and policies["left_out"] == 3


@pytest.mark.parametrize(("rule", "values", "outcome", "dips"), [
    ("steady", [1, 2, 3, 4], "met", None), ("steady", [1, 2, 1.5, 4], "mostly", 1),
    ("steady", [4, 3, 2, 5], "not_met", 2), ("breakthrough", [5, 3, 4, 6], "met", None),
    ("breakthrough", [5, 3, 4, 5], "not_met", None),
])
def test_directional_rules(rule, values, outcome, dips):
    judgement = judged(rule, pd.Series(values, index=range(2020, 2020 + len(values))))
    assert judgement == (outcome, "dips" if dips else None, dips)
