"""The shipped sample end to end: the real cleaner (process pool) and engine against the generator's truth.

The generator records, from its ground truth, what a correct cleaner must find (rows per outcome and
reason, broken files) and the city's values; these tests hold the pipeline to them, and hold the city's
2020 values to the plan's base values in the indicator catalog.
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from conftest import CONTEXT
from helpers.cleaning import OUTCOMES, CleanRun, clean_all
from helpers.indicators import Tables
from helpers.pipeline import Datasets
from helpers.report import Words, task_words

CITY = "441600"
PLAN = CONTEXT.plan


@pytest.fixture(scope="module")
def processed(sample_processed: Path) -> Path:
    return sample_processed


@pytest.fixture(scope="module")
def datasets(processed: Path) -> Datasets:
    return Datasets(processed, CONTEXT.datasets)


@pytest.fixture(scope="module")
def tables(processed: Path) -> Tables:
    return Tables.load(processed)


@pytest.fixture(scope="module")
def values(datasets: Datasets) -> pd.DataFrame:
    return datasets.read("values")


def test_reconciliation_balances_for_every_file(processed: Path) -> None:
    recon = pd.read_parquet(processed / "reconciliation.parquet")
    assert len(recon) and (recon["rows_in"] == recon[OUTCOMES].sum(axis=1)).all()


def test_cleaner_finds_exactly_the_dirt_the_generator_put_in(processed: Path, provenance: dict) -> None:
    recon = pd.read_parquet(processed / "reconciliation.parquet").groupby("source")[["rows_in", *OUTCOMES]].sum()
    reasons = pd.read_parquet(processed / "reasons.parquet")
    rejected = reasons[reasons["outcome"] == "rejected"].groupby(["source", "reason"])["rows"].sum()
    for source, expected in provenance["reconciliation"].items():
        found = recon.loc[source]
        assert (found["rows_in"], found["clean"], found["duplicate"], found["out_of_scope"]) == (
            expected["rows_in"], expected["clean"], expected["duplicate"], expected["out_of_scope"]), source
        by_reason = rejected[source].to_dict() if source in rejected.index.get_level_values(0) else {}
        assert by_reason == expected["rejected"], source


def test_broken_files_are_rejected_with_a_reason_and_the_rest_still_runs(processed: Path, provenance: dict) -> None:
    files = pd.read_parquet(processed / "files.parquet").set_index("file")
    broken = [b["path"] for r in provenance["reconciliation"].values() for b in r["broken_files"]]
    assert broken
    for path in broken:
        assert files.loc[path, "status"] == "rejected" and files.loc[path, "message"]
        source = path.split("/")[0]
        assert (processed / "clean" / f"{source}.parquet").is_file()  # its source's other files were cleaned


def test_quarantine_keeps_every_non_clean_row_with_its_line_and_cells(processed: Path) -> None:
    recon = pd.read_parquet(processed / "reconciliation.parquet").groupby("source")[OUTCOMES].sum()
    for source, counts in recon.iterrows():
        quarantine = pd.read_parquet(processed / "quarantine" / f"{source}.parquet")
        assert len(quarantine) == counts["duplicate"] + counts["rejected"] + counts["out_of_scope"], source
        assert (quarantine["line"] >= 1).all() and quarantine["original"].str.len().gt(2).all()


def test_city_2020_reproduces_the_plan_base_values(values: pd.DataFrame) -> None:
    plan = PLAN
    city = values[(values["area_code"] == CITY) & (values["year"] == plan.base_year)].set_index("indicator")
    with_base = [i for i in plan.indicators if i.base is not None]
    assert len(with_base) == 8  # 1.85, 0.39, 0, 9 %, 9005 万元, 1.65 亿元, 8 cases, 3 GI products
    for indicator in with_base:
        assert round(city.loc[indicator.id, "value"], indicator.decimals) == pytest.approx(indicator.base), indicator.id


def test_population_of_2020_is_the_plans_implied_denominator(tables: Tables) -> None:
    population = tables.get("population")
    city = population[(population["area_code"] == CITY) & (population["year"] == 2020)]["population_wan"]
    assert city.sum() == pytest.approx(309.73)


def test_engine_matches_the_generators_city_values_per_year(values: pd.DataFrame, provenance: dict) -> None:
    expected = provenance["expected_city_per_year"]
    names = ["I01", "I02", "I03_gi_marks", "I04_cagr_percent", "I05_pledge_sum_wan", "I06_gi_output_yi",
             "I07_assistance_mediation_closed", "I08_patent_trademark_admin_closed", "I09_copyright_cases_closed",
             "I10_gi_products", "I11_percent", "I12_visitors", "I13_info_nodes_active", "I14_satisfaction"]
    keyed = {name[:3]: expected[name] for name in names}
    city = values[values["area_code"] == CITY].set_index(["indicator", "year"])["value"]
    for indicator, series in keyed.items():
        for year, value in series.items():
            if int(year) not in PLAN.years:  # the generator also records 2015–2019
                continue
            found = city.get((indicator, int(year)), math.nan)
            if value is None:
                assert math.isnan(found), (indicator, year)
            else:
                assert found == pytest.approx(value, abs=1e-3), (indicator, year)


def test_sample_trajectories_give_a_mix_of_statuses_in_2023(datasets: Datasets) -> None:
    statuses = set(datasets.read("evaluation").query("area_code == @CITY and year == 2023")["status"])
    assert {"ahead", "lagging", "reverse", "reached", "not_reached"} <= statuses  # floors by level in 2023


def test_manifest_cutoff_is_the_latest_observation_not_a_scheduled_expiry(processed: Path) -> None:
    manifest = json.loads((processed / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["data_cutoff"] == "2025-12-31"
    assert manifest["sources"]["trademarks"]["latest_date"] <= "2025-12-31"


@pytest.fixture(scope="module")
def in_memory(runs: dict[str, Path]) -> tuple[CleanRun, float]:
    """The sample cleaned in one process, in memory, and the seconds it took."""
    started = time.perf_counter()
    run = clean_all(runs["main"], CONTEXT)
    return run, time.perf_counter() - started


@pytest.mark.parametrize("workers", [1, 2])
def test_manifest_counts_each_second_of_cleaning_once(in_memory, sample_build, workers: int) -> None:
    """A source's seconds are its files' and its finish's, each counted once, however the tasks were cut: the
    sum cannot exceed the time the run's processes had between them (one process in memory; the session's build
    of the sample, whose cleaning ran on two)."""
    if workers == 1:
        run, elapsed = in_memory
        manifest = run.manifest
    else:
        processed, seconds = sample_build
        manifest, elapsed = json.loads((processed / "manifest.json").read_text(encoding="utf-8")), seconds["clean"]
    assert sum(meta["seconds"] for meta in manifest["sources"].values()) <= workers * elapsed


def test_tables_written_file_by_file_equal_the_tables_kept_in_memory(in_memory, processed: Path) -> None:
    """The pool streams each file's rows into the Parquet file; one process in memory concatenates: same tables
    (categories unified across files, dtypes kept), source by source."""
    in_memory, _ = in_memory
    for source, result in in_memory.results.items():
        written = pd.read_parquet(processed / "clean" / f"{source}.parquet")
        expected = result.clean.reset_index(drop=True)
        assert list(written.columns) == list(expected.columns), source
        for name in expected.columns:
            if isinstance(expected[name].dtype, pd.CategoricalDtype):
                assert isinstance(written[name].dtype, pd.CategoricalDtype), (source, name)
                written[name], expected[name] = written[name].astype("str"), expected[name].astype("str")
        pd.testing.assert_frame_equal(written, expected, check_dtype=False, obj=source)
        assert in_memory.manifest["sources"][source]["rows_clean"] == len(written)


def test_only_the_command_line_forks_itself_for_the_pool() -> None:
    """A library caller may have threads at work: its workers come from the preloading fork server."""
    from helpers.cleaning import workers

    assert workers.context().get_start_method() in {"forkserver", "spawn"}
    if sys.platform == "linux":
        assert workers.context(fork=True).get_start_method() == "fork"


# ----------------------------------------------------------------------------- the plan-wide assessment
def test_the_verification_of_the_sample_equals_the_generators_truth(datasets: Datasets, provenance: dict) -> None:
    """Every item and year the generator's oracle grades (专栏2 and its task T3.1 aside: its data grade is the
    indicator's) gets the same verified grade from the pipeline."""
    labels = {key: spec["label"] for key, spec in CONTEXT.assessment["grades"].items()}
    items = datasets.read("task_items")
    found = {(item, str(year)): labels[grade] for item, year, grade
             in items[["item", "year", "verified_grade"]].itertuples(index=False)}
    expected = {(item, year): grade for item, years in provenance["expected_task_grades"].items()
                for year, grade in years.items()}
    assert len(expected) >= 38 * 5 and {key: found[key] for key in expected} == expected


def test_the_sample_holds_every_case_the_assessment_spec_lists(datasets: Datasets) -> None:
    items = datasets.read("task_items").set_index(["item", "year"])
    departments = datasets.read("task_departments")
    assert departments[(departments["department"] == "市商务局") & (departments["year"] == 2022)].empty  # skipped
    claims = items[(items["self_grade"] == "completed") & (items["verified_grade"] == "unverified")]
    assert len(claims) >= 2  # 已完成 without evidence
    rows, all_commitments = items.reset_index(), datasets.read("task_commitments")
    words = Words.of(CONTEXT, "zh")

    def reason(item: str, year: int) -> str:  # as the report words the item's causes (helpers.report.task_words)
        row = rows[(rows["item"] == item) & (rows["year"] == year)].iloc[0]
        return task_words.reason(row, all_commitments, departments, CONTEXT.plan_items, words) or ""

    assert reason("Z8", 2023).startswith("数据核定")  # a self-grade the data contradict
    assert "政策未出台" in reason("T1.1", 2023)  # the late policy, a draft in 2023
    commitments = all_commitments.set_index(["item", "year", "commitment"])["grade"]
    assert commitments[("T1.1", 2024, 2)] == "completed"  # issued in March 2024
    assert set(items.loc["T6.3", "verified_grade"]) == {"not_reported"}  # a task nobody reported
    composite = datasets.read("composite")
    assert set(composite.loc[composite["part"] == "composite", "grade"]) <= {"excellent", "good", "fair", "poor"}
