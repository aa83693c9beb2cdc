"""The pipeline of saved datasets: stages run only when their inputs change, every derived dataset is checked
against its schema, readers refuse a folder whose datasets are missing or stale, and a report renders from the
datasets alone (nothing is recomputed in a kernel)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pandera.errors
import pytest

import helpers
from conftest import CONTEXT, LEDGER_HEADER, REPO, run_cli, write_csv
from helpers.indicators import evaluate
from helpers.pipeline import DatasetError, Datasets, build, open_datasets, stale_stages
from helpers.pipeline.schemas import schemas
from helpers.report import Report


@pytest.fixture(scope="module")
def sample(sample_processed: Path) -> Path:
    return sample_processed


def _small_raw(raw: Path) -> Path:
    write_csv(raw, "assistance_cases", "a.csv", ["案件编号", "受理日期", "办结日期", "案件类型", "所在区县"],
              [["A1", "2021-01-05", "2021-03-01", "调解", "紫金"], ["A2", "2022-01-05", "2022-03-01", "维权援助", ""]])
    return raw


def test_a_stage_runs_again_only_when_its_inputs_changed(tmp_path: Path) -> None:
    raw, out = _small_raw(tmp_path / "raw"), tmp_path / "processed"
    first = build(raw, out, CONTEXT, if_changed=True)
    assert [(name, ran) for name, ran, _ in first.steps] == [("clean", True), ("values", True), ("official", True),
                                                             ("evaluation", True), ("flagship", True),
                                                             ("tasks", True), ("period", True), ("findings", True)]
    again = build(raw, out, CONTEXT, if_changed=True)
    assert [ran for _, ran, _ in again.steps] == [False] * 8 and again.clean is None
    (out / "goals.parquet").unlink()  # a lost output makes its stage run, and only it (findings do not read it)
    repaired = build(raw, out, CONTEXT, if_changed=True)
    assert [ran for _, ran, _ in repaired.steps] == [False, False, False, False, False, True, False, False]
    write_csv(raw, "assistance_cases", "b.csv", LEDGER_HEADER, [["A3", "2023-04-01", "调解", "龙川"]])
    changed = build(raw, out, CONTEXT, if_changed=True)
    assert [ran for _, ran, _ in changed.steps] == [True] * 8
    record = json.loads((out / "stages.json").read_text(encoding="utf-8"))
    assert set(record) == {"clean", "values", "official", "evaluation", "flagship", "tasks", "period", "findings"}
    assert set(record["values"]["outputs"]) == {"values", "high_value", "visits"}


def test_an_edit_to_a_module_a_stage_imports_runs_that_stage_again(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    """The code a stage runs is found from its function's imports (helpers.fingerprint), not from a list: an edit to
    helpers.official.catalog, which cleaning imports from outside helpers.cleaning, cleans again; an edit to the
    period stage's module runs that stage alone (its outputs unchanged, nothing after it runs)."""
    package = tmp_path / "helpers"
    shutil.copytree(Path(helpers.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr("helpers.fingerprint.PACKAGE", package)
    raw, out = _small_raw(tmp_path / "raw"), tmp_path / "processed"
    build(raw, out, CONTEXT, if_changed=True)
    assert not any(ran for _, ran, _ in build(raw, out, CONTEXT, if_changed=True).steps)
    for module, expected in (("official/catalog.py", [True] * 8), ("tasks/period.py", [False] * 6 + [True, False])):
        with (package / module).open("a", encoding="utf-8") as handle:
            handle.write("\n# an edit\n")
        assert [ran for _, ran, _ in build(raw, out, CONTEXT, if_changed=True).steps] == expected, module


def test_clean_if_changed_sees_an_edit_that_keeps_the_size_and_the_time(tmp_path: Path) -> None:
    raw, out = _small_raw(tmp_path / "raw"), tmp_path / "processed"
    build(raw, out, CONTEXT, if_changed=True)
    path = raw / "assistance_cases" / "a.csv"
    before = path.stat()
    path.write_bytes(path.read_bytes().replace("紫金".encode(), "龙川".encode()))  # as many bytes
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    edited = build(raw, out, CONTEXT, if_changed=True)
    assert edited.clean is not None, "an edited extract was taken for the one already cleaned"
    assert "441622" in set(pd.read_parquet(out / "clean" / "assistance_cases.parquet")["area_code"])  # 龙川
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 10**9))  # a copy or a touch changes nothing
    assert build(raw, out, CONTEXT, if_changed=True).clean is None


@pytest.mark.e2e
def test_a_change_to_any_module_cleaning_imports_cleans_again(tmp_path: Path) -> None:
    """The clean stage's fingerprint covers every module the cleaning code imports (helpers.cleaning.official uses
    helpers.official.catalog), not a list of folders kept by hand: a copy of the package, one module edited."""
    copy = tmp_path / "src"
    shutil.copytree(REPO / "src" / "helpers", copy / "helpers", ignore=shutil.ignore_patterns("__pycache__"))
    raw, out = _small_raw(tmp_path / "raw"), tmp_path / "processed"
    env = {**os.environ, "PYTHONPATH": str(copy), "HELPERS_ROOT": str(REPO)}

    def clean() -> str:
        done = subprocess.run([sys.executable, "-m", "helpers", "clean", "--raw-dir", str(raw), "--out", str(out),
                               "--if-changed", "--workers", "1"], env=env, cwd=REPO, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "跳过清洗" not in clean() and "跳过清洗" in clean()
    with open(copy / "helpers" / "official" / "catalog.py", "a", encoding="utf-8") as module:
        module.write("\n# the vocabulary of official figures, changed\n")
    assert "跳过清洗" not in clean(), "cleaning ran old tables past a change to the code it imports"


def test_the_evaluation_dataset_is_the_evaluation_of_every_year_with_data(sample: Path) -> None:
    datasets = Datasets(sample, CONTEXT.datasets)
    values, evaluation = datasets.read("values"), datasets.read("evaluation")
    assert sorted(evaluation["year"].unique()) == [2021, 2022, 2023, 2024, 2025]
    for year in (2021, 2025):
        direct = evaluate(values, year, CONTEXT.plan, CONTEXT.areas)
        pd.testing.assert_frame_equal(evaluation[evaluation["year"] == year].reset_index(drop=True), direct,
                                      check_dtype=False)
    flagship = datasets.read("flagship")
    assert len(flagship) == 5 * len(CONTEXT.plan.flagship)


def test_a_dataset_that_breaks_its_schema_is_not_written(sample: Path, tmp_path: Path) -> None:
    datasets = Datasets(tmp_path, CONTEXT.datasets)
    evaluation = Datasets(sample, CONTEXT.datasets).read("evaluation")
    broken = evaluation.assign(status=evaluation["status"].where(evaluation.index > 0, "unknown"))
    with pytest.raises(pandera.errors.SchemaErrors):
        datasets.write("evaluation", broken, schemas(CONTEXT.plan, CONTEXT.areas)["evaluation"])
    assert not list(tmp_path.iterdir()), "nothing written, not even a partial file"


@pytest.mark.e2e
def test_readers_refuse_missing_or_stale_datasets_with_a_message(sample: Path, tmp_path: Path) -> None:
    data = tmp_path / "processed"
    shutil.copytree(sample, data)
    assert stale_stages(Datasets(data, CONTEXT.datasets), CONTEXT) == []
    record = json.loads((data / "stages.json").read_text(encoding="utf-8"))
    record["evaluation"]["input"] = "older"
    (data / "stages.json").write_text(json.dumps(record), encoding="utf-8")
    with pytest.raises(DatasetError, match="evaluation.*python -m helpers clean"):
        open_datasets(data, CONTEXT)
    result = run_cli("evaluate", "--processed", str(data), "--reports", str(tmp_path / "reports"))
    assert result.returncode == 2 and "python -m helpers clean" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout and not (tmp_path / "reports").exists()
    (data / "values.parquet").unlink()
    assert "values" in stale_stages(Datasets(data, CONTEXT.datasets), CONTEXT)


def test_a_report_renders_from_the_datasets_without_the_clean_tables(sample: Path, tmp_path: Path) -> None:
    data = tmp_path / "processed"
    shutil.copytree(sample, data, ignore=shutil.ignore_patterns("clean"))
    report = Report.load(data, 2023, "441621", context=CONTEXT)
    html = "".join(section.data for section in report.sections())
    assert "紫金县" in html and html.count("<figure class=\"chart\"") >= 3


@pytest.mark.e2e
def test_the_indicators_command_leaves_no_cleaned_copy_behind(tmp_path: Path) -> None:
    raw = _small_raw(tmp_path / "raw")
    before = {p.name for p in Path(tempfile.gettempdir()).glob("helpers-indicators-*")}
    result = run_cli("indicators", "--raw-dir", str(raw), "--out", str(tmp_path / "values.csv"))
    assert result.returncode == 0, result.stderr
    assert {p.name for p in Path(tempfile.gettempdir()).glob("helpers-indicators-*")} == before


def test_the_pipeline_page_shows_the_stages_and_datasets_of_the_code_and_catalog() -> None:
    """docs/pipeline.md's diagram and tables are generated (`make docs`); the committed page is current."""
    from conftest import REPO
    from helpers.pipeline.diagram import generated

    page = (REPO / "docs" / "pipeline.md").read_text(encoding="utf-8")
    assert generated(CONTEXT) in page, "docs/pipeline.md is out of date: run `make docs`"


def test_the_derived_stages_need_only_the_columns_the_catalog_lists(sample: Path) -> None:
    """Each stage reads the clean tables projected to its `stage_columns` (conf catalog.yaml); on whole tables it
    gives the same results, so no column it reads is missing from its list."""
    from helpers.pipeline.stages import DERIVED, stage_columns, stage_inputs

    datasets = Datasets(sample, CONTEXT.datasets)
    readers = [stage for stage in DERIVED if "clean" in stage.reads]
    assert {stage.name for stage in readers} <= set(CONTEXT.datasets["clean"]["stage_columns"])
    pruned = stage_inputs(readers[0], datasets, CONTEXT)[0]
    assert pruned.get("patents").shape[1] == len(stage_columns(CONTEXT, readers[0].name)["patents"])
    for stage in readers:
        expected = stage.run(*stage_inputs(stage, datasets, CONTEXT, columns={}))
        found = stage.run(*stage_inputs(stage, datasets, CONTEXT))
        for name, frame in expected.items():
            pd.testing.assert_frame_equal(found[name], frame, obj=f"{stage.name}: {name}")


def test_the_values_stage_reads_each_clean_source_once(sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The values stage lets a source go after the last indicator naming it, and no other: each source it reads is
    read from the folder once (an indicator that is nobody's last reader lets nothing go)."""
    from helpers.indicators import tables
    from helpers.pipeline.stages import DERIVED, stage_inputs

    reads: list[str] = []
    read_clean = tables.read_clean
    monkeypatch.setattr(tables, "read_clean", lambda path, wanted=None: reads.append(path.stem) or
                        read_clean(path, wanted))
    values = next(stage for stage in DERIVED if stage.name == "values")
    values.run(*stage_inputs(values, Datasets(sample, CONTEXT.datasets), CONTEXT))
    named = {source for indicator in CONTEXT.plan.indicators for source in indicator.sources}
    assert reads and sorted(reads) == sorted(set(reads)) and set(reads) <= named
