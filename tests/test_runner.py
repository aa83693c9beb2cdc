"""`python -m helpers run`: parameters validated before any notebook runs; a failing report says why and
leaves nothing half-written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import CONTEXT, REPO, run_cli
from helpers.batch import plan_jobs, run
from helpers.batch.jobs import Job, RunError, notebook_path, parse_areas, parse_formats, parse_years
from helpers.batch.site import _matrix
from helpers.batch.worker import Settings, _shown_path, render_job
from helpers.pipeline import build, open_datasets
from helpers.pipeline.stages import STAGES
from helpers.report import Words

PLAN, AREAS = CONTEXT.plan, CONTEXT.areas

HOSTILE = ["../2023", "2023; rm -rf /", "2023'", "__import__('os')", "2023\n2024", "２０２３x"]


def test_years_take_single_ranges_lists_and_latest() -> None:
    assert parse_years("2023", PLAN) == [2023]
    assert parse_years("2021-2023", PLAN) == [2021, 2022, 2023]
    assert parse_years("2023,2021, 2023", PLAN) == [2021, 2023]
    assert parse_years("latest", PLAN, latest=2024) == [2024]


@pytest.mark.parametrize("text", [*HOSTILE, "2019", "2026", "2024-2022"])
def test_hostile_or_out_of_range_years_are_refused(text: str) -> None:
    with pytest.raises(RunError):
        parse_years(text, PLAN)


def test_areas_take_all_or_known_codes_in_the_files_order() -> None:
    assert len(parse_areas("all", AREAS)) == 7 and parse_areas(None, AREAS)[0] == "441600"
    assert parse_areas("441621, 441600", AREAS) == ["441600", "441621"]


@pytest.mark.parametrize("text", ["../441600", "441600;ls", '441600"', "441600 or 1=1", "441699", ","])
def test_hostile_or_unknown_areas_are_refused(text: str) -> None:
    with pytest.raises(RunError, match="未知的地区代码"):
        parse_areas(text, AREAS)


def test_formats() -> None:
    assert parse_formats(None) == ["html", "pdf"] and parse_formats("PDF") == ["pdf"]
    assert parse_formats("docx, html,pdf") == ["html", "pdf", "docx"]
    with pytest.raises(RunError):
        parse_formats("html,odt")


def test_cli_refuses_a_hostile_area_with_a_message_and_writes_nothing(tmp_path: Path) -> None:
    result = run_cli("run", "--areas", "../../etc", "--years", "2023", "--reports", str(tmp_path / "reports"))
    assert result.returncode == 2
    assert "未知的地区代码" in result.stderr and "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "reports").exists()


def test_a_failing_report_is_explained_and_leaves_no_partial_file(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    settings = Settings(REPO, None, tmp_path / "no-processed", reports, ["html", "pdf"], notebook_path(REPO), 600)
    outcome = render_job(Job(2023, "441600", "河源市"), settings)
    assert outcome.error and "清洗结果" in outcome.error and not outcome.files
    assert list((reports / "2023").iterdir()) == [], "no report file and the scratch folder removed"
    assert Path(outcome.log).read_text(encoding="utf-8").startswith("2023/441600_河源市")
    assert Path(outcome.notebook).parent == reports / "failed", "the executed notebook is kept for the reader"


# ----------------------------------------------------------------------------- the batch, end to end
def _template(path: Path, hazard: str = "") -> Path:
    """A short report template (cover and summary, with its chart) and an optional hazard cell."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    cells = [new_code_cell('year = None\narea_code = "441600"\nprocessed_dir = "data/processed"\nlang = "zh"\n'
                           'plan = None', metadata={"tags": ["parameters"]})]
    if hazard:
        cells.append(new_code_cell(hazard))
    cells.append(new_code_cell("from IPython.display import display\n\nfrom helpers.report import Report\n\n"
                               "report = Report.load(processed_dir, year, area_code, lang=lang, plan=plan)\n"
                               "for section in report.sections(only=['cover', 'summary']):\n    display(section)"))
    nbformat.write(new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "language": "python",
                                                                        "display_name": "Python 3"}}), path)
    return path


HAZARD = ('import time\nif area_code == "441622":\n    raise RuntimeError("forced failure")\n'
          'if area_code == "441623":\n    time.sleep(3600)')


@pytest.fixture(scope="module")
def processed(sample_processed: Path) -> Path:
    return sample_processed


def render(jobs: list[Job], processed: Path, reports: Path, formats: list[str], **options):  # noqa: ANN201
    """The batch run of `jobs` on the (checked) datasets of `processed`."""
    return run(jobs, open_datasets(processed, CONTEXT), reports, formats, CONTEXT, **options)


def _files(reports: Path) -> set[str]:
    return {p.relative_to(reports).as_posix() for p in reports.rglob("*") if p.is_file()}


def test_one_failing_and_one_hanging_report_do_not_stop_the_others(processed: Path, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    jobs = plan_jobs([2023], ["441600", "441622", "441623"], CONTEXT)
    result = render(jobs, processed, reports, ["html", "pdf"], workers=2, timeout=15,
                    notebook=_template(tmp_path / "t.ipynb", HAZARD))
    states = {o.job.area_code: o for o in result.outcomes}
    assert states["441600"].state == "done" and {"2023/441600_河源市.html", "2023/441600_河源市.pdf"} <= _files(reports)
    assert states["441622"].state == "failed" and "forced failure" in states["441622"].error
    assert states["441623"].state == "failed" and "超时" in states["441623"].error
    assert Path(states["441622"].notebook).is_file(), "the executed notebook shows the failing cell"
    assert "time.sleep(3600)" in Path(states["441623"].log).read_text(encoding="utf-8"), "the log shows the cell"
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert "forced failure" in index and "441600_河源市.html" in index and "<script" not in index
    assert 'title="已完成"' in index, "the index shows each report's status counts"


def test_rerun_skips_what_is_unchanged_and_redoes_only_what_a_changed_source_feeds(runs: dict[str, Path],
                                                                                    tmp_path: Path) -> None:
    import shutil

    raw, data = tmp_path / "raw", tmp_path / "processed"
    shutil.copytree(runs["main"], raw)
    build(raw, data, CONTEXT, workers=2)
    reports, template = tmp_path / "reports", _template(tmp_path / "t.ipynb")
    jobs = plan_jobs([2022, 2023], ["441600", "441621"], CONTEXT)
    first = render(jobs, data, reports, ["html"], workers=2, notebook=template)
    assert [o.state for o in first.outcomes] == ["done"] * 4
    again = render(jobs, data, reports, ["html"], workers=2, notebook=template)
    assert [o.state for o in again.outcomes] == ["skipped"] * 4
    logs = sorted((raw / "web_logs").iterdir())  # a source only the city's reports read
    logs[0].unlink()
    rebuilt = build(raw, data, CONTEXT, workers=2, if_changed=True)
    assert [ran for _, ran, _ in rebuilt.steps] == [True] * len(STAGES)  # clean changed: every stage after it reruns
    changed = render(jobs, data, reports, ["html"], workers=2, notebook=template)
    assert {o.job.area_code: o.state for o in changed.outcomes} == {"441600": "done", "441621": "skipped"}
    forced = render(jobs[:1], data, reports, ["html"], workers=1, force=True, notebook=template)
    assert forced.outcomes[0].state == "done"


def test_a_killed_run_leaves_whole_files_and_a_rerun_finishes_only_the_rest(processed: Path, tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    reports = tmp_path / "reports"
    template = _template(tmp_path / "slow.ipynb", "import time\ntime.sleep(4)")
    command = [sys.executable, "-m", "helpers", "run", "--years", "2023", "--areas", "441600,441621,441622",
               "--formats", "html", "--workers", "1", "--processed", str(processed), "--reports", str(reports),
               "--notebook", str(template)]
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "HELPERS_ROOT": str(REPO)}
    proc = subprocess.Popen(command, env=env, cwd=REPO, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list((reports / "2023").glob("*.json")) and time.monotonic() < deadline:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    records = list((reports / "2023").glob("*.json"))
    assert records, "the first report finished before the kill"
    for html in (reports / "2023").glob("*.html"):
        assert html.read_text(encoding="utf-8").rstrip().endswith("</html>"), "no half-written report"
    result = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert f"未变化跳过 {len(records)}" in result.stdout
    assert not [p for p in reports.rglob(".partial-*")], "leftovers of the killed run are swept"
    assert len(list((reports / "2023").glob("*.html"))) == 3


def test_dask_executor_on_a_local_cluster_gives_the_local_pools_reports(processed: Path, tmp_path: Path) -> None:
    from distributed import LocalCluster

    template = _template(tmp_path / "t.ipynb")
    jobs = plan_jobs([2023], ["441600", "441624"], CONTEXT)
    local = render(jobs, processed, tmp_path / "local", ["html"], workers=2, notebook=template)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        remote = render(jobs, processed, tmp_path / "dask", ["html"], executor="dask",
                        scheduler=cluster.scheduler_address, notebook=template)
    assert [o.state for o in remote.outcomes] == ["done", "done"]
    assert _files(tmp_path / "dask") == _files(tmp_path / "local")
    assert [o.digest for o in remote.outcomes] == [o.digest for o in local.outcomes]
    index = (tmp_path / "dask" / "index.html").read_text(encoding="utf-8")
    assert 'title="已完成"' in index, "status counts for the index come from the evaluation dataset"


def test_a_second_run_on_the_same_reports_folder_is_refused(processed: Path, tmp_path: Path) -> None:
    import fcntl

    reports = tmp_path / "reports"
    reports.mkdir()
    with open(reports / ".lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(RunError, match="另一个运行"):
            render(plan_jobs([2023], ["441600"], CONTEXT), processed, reports, ["html"])


def test_years_beyond_the_data_cutoff_are_refused_before_any_notebook(processed: Path, tmp_path: Path) -> None:
    import json

    data = tmp_path / "processed"
    data.mkdir()
    manifest = json.loads((processed / "manifest.json").read_text(encoding="utf-8"))
    (data / "manifest.json").write_text(json.dumps({**manifest, "data_cutoff": "2023-12-31"}), encoding="utf-8")
    result = run_cli("run", "--years", "2022-2025", "--processed", str(data), "--reports", str(tmp_path / "r"))
    assert result.returncode == 2 and "无法评估 2024、2025 年" in result.stderr
    assert not (tmp_path / "r").exists()


def test_published_notebook_names_a_folder_inside_the_project_relative_to_it(tmp_path: Path) -> None:
    """No local absolute path in a published notebook's parameters when the data lies in the checkout."""
    root = REPO.resolve()
    assert _shown_path(root / "data" / "processed", root) == "data/processed"
    assert _shown_path(tmp_path / "processed", root) == str(tmp_path / "processed")


def test_the_index_shows_a_rate_from_too_few_cases_unjudged(processed: Path) -> None:
    words = Words.of(CONTEXT, "zh")
    legend = {k: {**v, "label": words["statuses"][k]} for k, v in CONTEXT.plan.statuses.items()}
    matrix = _matrix(open_datasets(processed, CONTEXT), CONTEXT, words, legend, [2025])
    i11 = next(row for row in matrix["rows"] if row["name"].startswith("I11 "))
    lianping = i11["cells"][CONTEXT.areas.codes.index("441623")]  # 连平县 2025: 0.0 % from one case
    assert (lianping["value"], lianping["small"], lianping["symbol"]) == ("0.0", "样本不足（n=1）", "□")
    assert lianping["label"] == "样本不足（不评级）" and "□" in [s["symbol"] for s in matrix["legend"]]


def test_the_index_names_modes_links_workbooks_and_shows_the_latest_matrix(processed: Path, tmp_path: Path) -> None:
    from helpers.report.findings import number

    reports = tmp_path / "reports"
    evaluate = run_cli("evaluate", "--processed", str(processed), "--reports", str(reports))
    assert evaluate.returncode == 0, evaluate.stderr
    (reports / "2022" / "indicators_2022.xlsx").unlink()  # a year without its workbook has no link
    render(plan_jobs([2021, 2023, 2025], ["441600", "441621"], CONTEXT), processed, reports, ["html"], workers=2,
           notebook=_template(tmp_path / "t.ipynb"))
    index = (reports / "index.html").read_text(encoding="utf-8")
    for mode in ("年度监测", "中期评估", "终期评估"):
        assert f"<small>{mode}</small>" in index, mode
    for year in (2021, 2023, 2024, 2025):
        assert index.count(f'href="{year}/indicators_{year}.xlsx"') == 1, year
    assert "indicators_2022.xlsx" not in index
    assert "（北京时间）" in index and "UTC" not in index and "+00:00" not in index
    assert "<script" not in index and not re.search(r'(src|href)="(https?:)?//|url\(["\']?(https?:)?//', index)
    main, research = index.split('<details class="research">')
    assert ".ipynb" not in main.split('class="matrix"')[0], "the publisher's table links no notebook"
    notebooks = re.findall(r'<a href="([^"]+)"', research.split("</details>")[0])
    assert len(notebooks) == 6 and all(href.endswith(".ipynb") for href in notebooks)
    assert "2025年各地区主要指标（终期评估）" in index
    matrix = main[main.index('class="matrix"'):]
    assert matrix.count("<tr><th>I") == len(CONTEXT.plan.indicators)
    assert 'title="市级指标">◇' in matrix and 'title="无分解目标">—' in matrix
    legend = matrix[matrix.index('class="legend matrix-legend"'):]
    assert ">— 无分解目标</span>" in legend and ">◇ 市级指标</span>" in legend
    assert "样本不足（n=1）" in matrix  # I11 of a county from one case: shown unjudged, not ▽ or ★
    latest = open_datasets(processed, CONTEXT).read("evaluation").query("year == 2025 and area_code == '441600'")
    decimals = {i.id: i.decimals for i in CONTEXT.plan.indicators}
    for _, row in latest.dropna(subset=["value"]).iterrows():  # the city's column as the reports print it
        shown = re.escape(number(row["value"], decimals[row["indicator"]]))
        assert re.search(rf"<tr><th>{row['indicator']} [^<]*</th><td class=\"num\"><span[^>]*>[^<]*</span> "
                         rf"{shown}</td>", matrix), row["indicator"]
