"""`python -m helpers tasks`: the plan's items verified from a raw folder, as the machine-readable contract of
plan-assessment.md §6 (header, one row per item and year, grades in the vocabulary)."""

from __future__ import annotations

import html as markup
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import CONTEXT, run_cli
from helpers.report import Report
from helpers.report.findings import number

GRADES = {spec["label"] for spec in CONTEXT.assessment["grades"].values()}
CITY = CONTEXT.areas.city_code


def _text(html: str) -> str:
    """A section's visible text (tags dropped, entities read, spaces removed)."""
    return re.sub(r"\s+", "", markup.unescape(re.sub(r"<[^>]+>", "", html)))


@pytest.mark.e2e
def test_the_tasks_table_of_the_sample(runs: dict[str, Path], sample_processed: Path, tmp_path: Path) -> None:
    processed = tmp_path / "processed"
    shutil.copytree(sample_processed, processed)  # built from the same raw folder: the run reuses it
    out = tmp_path / "tasks.csv"
    done = run_cli("tasks", "--raw-dir", str(runs["main"]), "--out", str(out), "--processed-out", str(processed),
                   "--as-of", "2024-06-30")
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8").splitlines()[0] == "item,year,self_grade,verified_grade"
    table = pd.read_csv(out, dtype={"self_grade": "str"})
    assert sorted(table["year"].unique()) == [2021, 2022, 2023, 2024]
    assert len(table) == len(CONTEXT.plan_items.items) * 4
    assert set(table["verified_grade"]) <= GRADES and set(table["self_grade"].dropna()) <= GRADES
    assert table.loc[table["item"] == "T6.3", "self_grade"].isna().all()  # nobody reported it


@pytest.mark.e2e
def test_data_grade_a_quantified_item_when_they_are_the_only_input(runs: dict[str, Path], tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(runs["main"] / "service_nodes", raw / "service_nodes")
    out = tmp_path / "tasks.csv"
    done = run_cli("tasks", "--raw-dir", str(raw), "--out", str(out))
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out).set_index(["item", "year"])["verified_grade"]
    assert table[("Z1", 2021)] == "按计划推进"  # two of six counties at τ = 0.2
    assert table[("T2.1", 2021)] == "无法评估"  # no ledger at all: not 未报送


# ----------------------------------------------------------------------------- the sample without ledger and register
@pytest.fixture(scope="module")
def unledgered(runs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, Path]:
    """The sample without its task_ledger and policies folders, through the tasks command: its table and the
    processed folder it built."""
    folder = tmp_path_factory.mktemp("unledgered")
    raw, processed, out = folder / "raw", folder / "processed", folder / "tasks.csv"
    shutil.copytree(runs["main"], raw, ignore=shutil.ignore_patterns("task_ledger", "policies"))
    done = run_cli("tasks", "--raw-dir", str(raw), "--out", str(out), "--processed-out", str(processed), timeout=300)
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8").splitlines()[0] == "item,year,self_grade,verified_grade"
    return pd.read_csv(out, dtype={"self_grade": "str"}), processed


@pytest.mark.e2e
def test_without_ledger_and_register_the_tasks_table_says_unassessable(unledgered) -> None:
    table, _ = unledgered
    grades = table.set_index(["item", "year"])["verified_grade"]
    assert grades[("T2.1", 2023)] == "无法评估" and grades[("S1", 2023)] == "无法评估"  # the ledger alone grades them
    assert grades[("T1.2", 2023)] == "无法评估"  # a policy without a register, ongoing work without a ledger
    assert grades[("Z1", 2023)] == "按计划推进" and grades[("Z8", 2023)] == "进展滞后"  # the data still grade them
    assert "未报送" not in set(table["verified_grade"]) and table["self_grade"].isna().all()
    assert set(table["verified_grade"]) <= GRADES


@pytest.mark.e2e
def test_without_ledger_and_register_the_report_says_why_and_scores_what_it_can(unledgered) -> None:
    _, processed = unledgered
    composite = pd.read_parquet(processed / "composite.parquet").query("year == 2023").set_index("part")
    # policies and safeguards have nothing gradable: left out, weights renormalised over indicators and tasks
    assert composite.loc[["policies", "safeguards"], "weight"].tolist() == [0, 0]
    assert composite.loc[["indicators", "tasks"], "weight"].tolist() == [50, 50]
    # Z1, Z2, Z4 按计划推进 (90), Z8 进展滞后 (60), and the tasks they are attached to (T2.5, T3.1, T4.1, T4.5) by
    # their numbers; the other 28 left out, not 0 points
    tasks = composite.loc["tasks"]
    assert tasks["score"] == pytest.approx(82.5) and tasks[["counted", "left_out"]].tolist() == [8, 28]
    expected = (composite.loc["indicators", "score"] + 82.5) / 2
    assert composite.loc["composite", "score"] == pytest.approx(expected)
    report = Report.load(processed, 2023, CITY, context=CONTEXT)
    shown = {s: _text("".join(html.data for html in report.sections(only=[s])))
             for s in ("summary", "tasks", "flagship", "policies", "safeguards", "departments", "appendix")}
    summary = shown["summary"]
    ledger, register = "未提供年度任务落实情况台账（部门自评表）", "未提供政策文件台账"
    score = f"规划实施综合评价得分{number(expected, 1)}分"
    assert score in summary and "重大政策未计入、保障措施未计入" in summary
    assert f"重点任务与专栏28项无法评估（{register}、年度任务落实情况台账（部门自评表）），不计入该部分得分" in summary
    assert f"重大政策3项均无法评估（{register}）" in summary and f"保障措施4项均无法评估（{ledger}）" in summary
    assert "重大政策、保障措施未计入综合评价，权重按其余部分重新归一（主要指标50.0%、重点任务与专栏50.0%）" in summary
    assert "无法评估32项（未提供政策文件台账、年度任务落实情况台账（部门自评表））" in summary
    for section, text in shown.items():
        assert "未报送" not in text.replace("“未报送”", ""), section  # the method may name the grade, nothing is it
    assert f"无法评估：{ledger}" in shown["tasks"] and "无部门自评可与核实结果比对" in shown["tasks"]
    assert f"{register}，出台情况无法评估" in shown["policies"]
    assert f"{ledger}，2023年责任单位履职情况无法评估" in shown["departments"]
    assert f"{ledger}，佐证材料无从核对" in shown["appendix"]


@pytest.mark.e2e
def test_an_unreadable_date_is_refused(tmp_path: Path) -> None:
    done = run_cli("tasks", "--out", str(tmp_path / "t.csv"), "--as-of", "2023-13-01")
    assert done.returncode == 2 and "YYYY-MM-DD" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.e2e
def test_the_period_table_of_the_sample(runs: dict[str, Path], sample_processed: Path, tmp_path: Path) -> None:
    processed = tmp_path / "processed"
    shutil.copytree(sample_processed, processed)
    out, yearly = tmp_path / "period.csv", tmp_path / "tasks.csv"
    done = run_cli("tasks", "--raw-dir", str(runs["main"]), "--out", str(out), "--processed-out", str(processed),
                   "--period")
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8").splitlines()[0] == "item,period_end,period_grade"
    table = pd.read_csv(out).set_index("item")
    assert list(table.index) == CONTEXT.plan_items.ids  # one row per item, T1.1 … S4
    assert set(table["period_end"]) == {2025}  # the period ends at the data cut-off year
    assert set(table["period_grade"]) <= {"已完成", "基本完成", "未完成", "待核实", "未报送"}
    assert table.loc["T6.3", "period_grade"] == "未报送"
    assert table.loc["S1", "period_grade"] == "基本完成"  # not 待核实 for one missing file in 2025
    # without --period the per-year contract, through 2025
    done = run_cli("tasks", "--raw-dir", str(runs["main"]), "--out", str(yearly), "--processed-out", str(processed))
    assert done.returncode == 0, done.stderr
    assert sorted(pd.read_csv(yearly)["year"].unique()) == [2021, 2022, 2023, 2024, 2025]
