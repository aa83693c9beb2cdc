"""`python -m helpers tasks`: the plan's items verified from a raw folder, as the machine-readable contract of
plan-assessment.md §6 (header, one row per item and year, grades in the vocabulary)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from conftest import CONTEXT, run_cli

GRADES = {spec["label"] for spec in CONTEXT.assessment["grades"].values()}


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


def test_data_grade_a_quantified_item_when_they_are_the_only_input(runs: dict[str, Path], tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(runs["main"] / "service_nodes", raw / "service_nodes")
    out = tmp_path / "tasks.csv"
    done = run_cli("tasks", "--raw-dir", str(raw), "--out", str(out))
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out).set_index(["item", "year"])["verified_grade"]
    assert table[("Z1", 2021)] == "按计划推进"  # two of six counties at τ = 0.2
    assert table[("T2.1", 2021)] == "未报送"


def test_an_unreadable_date_is_refused(tmp_path: Path) -> None:
    done = run_cli("tasks", "--out", str(tmp_path / "t.csv"), "--as-of", "2023-13-01")
    assert done.returncode == 2 and "YYYY-MM-DD" in done.stderr and "Traceback" not in done.stderr


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
