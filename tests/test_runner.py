"""`python -m helpers run`: parameters validated before any notebook runs; a failing report says why and
leaves nothing half-written."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import full_disk
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


@pytest.mark.e2e
@pytest.mark.parametrize("option", ["--years", "--areas", "--formats"])
def test_an_empty_choice_is_refused_not_taken_for_the_default(option: str, tmp_path: Path) -> None:
    """`--years ''` (an unset shell variable) used to render the latest year silently (`--areas ''` every area,
    `--formats ''` the default formats); omitting the option or `--years latest` still takes the default."""
    result = run_cli("run", option, "", "--reports", str(tmp_path / "reports"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"错误：{option}：不能为空" in result.stderr and not (tmp_path / "reports").exists()
    assert parse_years(None, PLAN, latest=2024) == parse_years("latest", PLAN, latest=2024) == [2024]


@pytest.mark.parametrize(("argv", "shown"), [
    (["run", "--workers", "0"], "--workers：应为正整数，收到 '0'"),
    (["run", "--timeout", "ten"], "--timeout：应为正整数，收到 'ten'"),
    (["run", "--executor", "spark"], "--executor：无效的取值 'spark'（可选：local、dask）"),
    (["indicators"], "缺少必需的参数：--out"),
    ([], "缺少必需的参数：命令"),
    (["render"], "命令：无效的取值 'render'（可选：sample-data、clean、indicators、tasks、findings、evaluate、draft、"
                 "run）"),
    (["run", "--bogus", "2023"], "无法识别的参数：--bogus 2023"),
    (["run", "--years"], "--years：需要一个取值"),
    (["sample-data", "--seed", "x"], "--seed：应为整数，收到 'x'"),
])
def test_command_line_mistakes_are_explained_in_chinese(argv: list[str], shown: str,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    from helpers import cli

    with pytest.raises(SystemExit) as stopped:
        cli.main(argv)
    error = capsys.readouterr().err
    assert stopped.value.code == 2
    assert f"错误：{shown}" in error, error
    assert not re.search(r"error:|invalid|required|choose from|unrecognized|expected", error), error


@pytest.mark.e2e
def test_cli_refuses_a_hostile_area_with_a_message_and_writes_nothing(tmp_path: Path) -> None:
    result = run_cli("run", "--areas", "../../etc", "--years", "2023", "--reports", str(tmp_path / "reports"))
    assert result.returncode == 2
    assert "未知的地区代码" in result.stderr and "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "reports").exists()


@pytest.mark.e2e
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


@pytest.mark.e2e
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


@pytest.mark.e2e
def test_the_hard_timeout_is_the_one_the_docs_promise_counted_from_the_last_sign_of_progress(
        processed: Path, tmp_path: Path) -> None:
    """docs/scale-out.md promises `--timeout` + 120 s for a worker stuck outside any cell; the code allowed
    2 × timeout + 300 s from the start of the report. Now the clock restarts at every sign of progress."""
    import time

    promised = re.search(r"`--timeout` \+ (\d+) s", (REPO / "docs" / "scale-out.md").read_text(encoding="utf-8"))
    assert promised, "scale-out.md states the bound"
    for timeout in (15, 600):
        settings = Settings(REPO, None, processed, tmp_path / "r", ["html", "pdf"], _template(tmp_path / "t.ipynb"),
                            timeout)
        assert settings.hard_timeout == timeout + int(promised[1])
    beats: list[float] = []
    outcome = render_job(Job(2023, "441600", "河源市"), settings, beat=lambda: beats.append(time.monotonic()))
    assert outcome.state == "done", outcome.error
    cells = 2 + 1  # the template's two cells and papermill's injected parameters
    assert len(beats) >= 1 + 2 * cells + 2, "prepared, each cell's start and end, the HTML and the PDF"


@pytest.mark.e2e
def test_rerun_skips_what_is_unchanged_and_redoes_only_what_a_changed_source_feeds(runs: dict[str, Path],
                                                                                    processed: Path,
                                                                                    tmp_path: Path) -> None:
    import shutil

    raw, data = tmp_path / "raw", tmp_path / "processed"
    shutil.copytree(runs["main"], raw)
    shutil.copytree(processed, data)
    copied = build(raw, data, CONTEXT, workers=2, if_changed=True)
    assert not any(ran for _, ran, _ in copied.steps), "a copy of the raw folder elsewhere is the same input"
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


@pytest.mark.e2e
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


@pytest.mark.e2e
def test_a_report_rendered_again_in_fewer_formats_keeps_none_of_the_earlier_render(processed: Path,
                                                                                   tmp_path: Path) -> None:
    reports, template = tmp_path / "reports", _template(tmp_path / "t.ipynb")
    jobs = plan_jobs([2023], ["441600"], CONTEXT)
    html, pdf = "2023/441600_河源市.html", "2023/441600_河源市.pdf"
    render(jobs, processed, reports, ["html", "pdf"], workers=1, notebook=template)
    assert {html, pdf} <= _files(reports)
    again = render(jobs, processed, reports, ["html"], workers=1, notebook=template)
    assert again.outcomes[0].state == "done"
    assert pdf not in _files(reports), "a PDF of another render (another data cut-off) beside the new page"
    record = json.loads((reports / "2023" / "441600_河源市.json").read_text(encoding="utf-8"))
    assert sorted(record["files"]) == [html, "2023/441600_河源市.ipynb"]
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert 'href="2023/441600_河源市.html"' in index and "441600_河源市.pdf" not in index
    (reports / pdf).write_bytes(b"%PDF-1.7 left by a version that kept it")  # beside an up-to-date report
    third = render(jobs, processed, reports, ["html"], workers=1, notebook=template)
    assert third.outcomes[0].state == "done" and pdf not in _files(reports)


@pytest.mark.e2e
def test_a_full_disk_stops_the_run_with_one_message_and_no_half_written_report(processed: Path, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    env = {**os.environ, "HELPERS_ROOT": str(REPO), **full_disk.environment(reports, tmp_path)}
    done = subprocess.run([sys.executable, "-m", "helpers", "run", "--years", "2023", "--areas", "441600,441621",
                           "--formats", "html", "--workers", "1", "--processed", str(processed), "--reports",
                           str(reports), "--notebook", str(_template(tmp_path / "t.ipynb"))],
                          env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    said = done.stdout + done.stderr
    assert done.returncode == 2, said
    assert "Traceback" not in said and "工作进程意外退出" not in said
    errors = [line for line in said.splitlines() if line.startswith("错误")]
    assert len(errors) == 1 and errors[0].startswith(f"错误：磁盘空间已满：无法写入 {reports / '2023'}"), said
    assert not [p for p in reports.rglob("*") if p.is_file()], "no report, log, partial file or lock"


@pytest.mark.e2e
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


def _with_dask_limits(**limits: float):  # noqa: ANN202 — a Context
    """The configuration with short Dask limits (report.yaml batch.dask), so that a test waits seconds."""
    import dataclasses

    dask = CONTEXT.report.batch.dask.model_copy(update=limits)
    batch = CONTEXT.report.batch.model_copy(update={"dask": dask})
    return dataclasses.replace(CONTEXT, report=CONTEXT.report.model_copy(update={"batch": batch}))


@pytest.mark.parametrize("address", ["http://127.0.0.1:8787", "10.0.0.5", "tcp://10.0.0.5:99999", "tcp://[::1"])
def test_a_malformed_scheduler_address_is_refused_at_once(address: str, processed: Path, tmp_path: Path) -> None:
    import time

    started = time.monotonic()
    result = run_cli("run", "--executor", "dask", "--scheduler", address, "--years", "2023", "--areas", "441600",
                     "--processed", str(processed), "--reports", str(tmp_path / "reports"), timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert f"错误：Dask 调度器地址无效：{address!r}" in result.stderr, result.stderr
    assert time.monotonic() - started < 15, "refused before any connection is tried"
    assert not (tmp_path / "reports" / "2023").exists()


@pytest.mark.e2e
def test_an_unreachable_scheduler_is_refused_within_the_connect_limit(processed: Path, tmp_path: Path) -> None:
    import time

    context = _with_dask_limits(connect_s=2)
    started = time.monotonic()
    with pytest.raises(RunError, match=r"无法连接 Dask 调度器 tcp://127\.0\.0\.1:9（2 秒内未连上）"):
        run(plan_jobs([2023], ["441600"], context), open_datasets(processed, context), tmp_path / "reports", ["html"],
            context, executor="dask", scheduler="tcp://127.0.0.1:9")
    assert time.monotonic() - started < 10


@pytest.mark.e2e
def test_reports_left_without_a_dask_worker_fail_by_name_after_the_limit(processed: Path, tmp_path: Path) -> None:
    """A cluster whose workers are gone (here: a scheduler that never had one) used to wait forever."""
    import threading
    import time

    from distributed import LocalCluster

    from helpers.batch import summary_table

    context = _with_dask_limits(no_workers_s=2)
    jobs = plan_jobs([2023], ["441600", "441621"], context)
    said, results = [], []
    with LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster:
        started = time.monotonic()
        thread = threading.Thread(daemon=True, target=lambda: results.append(run(
            jobs, open_datasets(processed, context), tmp_path / "reports", ["html"], context, executor="dask",
            scheduler=cluster.scheduler_address, out=_Lines(said))))
        thread.start()
        thread.join(timeout=60)
        assert results, "the run ended"
        assert time.monotonic() - started < 30
    assert [o.state for o in results[0].outcomes] == ["failed", "failed"]
    table = summary_table(results[0])
    for job in jobs:
        assert job.key in table
    assert all("没有可用的工作进程" in o.error for o in results[0].outcomes), table
    assert any("没有工作进程" in line for line in said), "the wait is announced, not silent"


class _Lines:
    """A text stream that keeps what is written to it, one entry per write."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def write(self, text: str) -> int:
        self.lines.append(text)
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


@pytest.mark.e2e
def test_a_second_run_on_the_same_reports_folder_is_refused(processed: Path, tmp_path: Path) -> None:
    import fcntl

    reports = tmp_path / "reports"
    reports.mkdir()
    with open(reports / ".lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(RunError, match="另一个运行"):
            render(plan_jobs([2023], ["441600"], CONTEXT), processed, reports, ["html"])


@pytest.mark.e2e
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
    from helpers.report.findings import number

    datasets = open_datasets(processed, CONTEXT)
    matrix = _matrix(datasets, CONTEXT, words, legend, [2025])
    i11 = next(row for row in matrix["rows"] if row["name"].startswith("I11 "))
    lianping = i11["cells"][CONTEXT.areas.codes.index("441623")]  # 连平县 2025: a rate from a case or two
    evaluation = datasets.read("evaluation").set_index(["year", "indicator", "area_code"])
    row = evaluation.loc[(2025, "I11", "441623")]
    assert row["status"] == "small_sample"
    shown = number(row["value"], CONTEXT.plan.indicator("I11").decimals)
    small = f"样本不足（n={int(row['rows'])}）"
    assert (lianping["value"], lianping["small"], lianping["symbol"]) == (shown, small, "□")
    assert lianping["label"] == "样本不足（不评级）" and "□" in [s["symbol"] for s in matrix["legend"]]


@pytest.mark.e2e
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
    assert matrix.count('<tr><th scope="row">I') == len(CONTEXT.plan.indicators)
    assert 'title="市级指标">◇' in matrix and 'title="无分解目标">—' in matrix
    legend = matrix[matrix.index('class="legend matrix-legend"'):]
    assert ">— 无分解目标</span>" in legend and ">◇ 市级指标</span>" in legend
    assert "样本不足（n=1）" in matrix  # I11 of a county from one case: shown unjudged, not ▽ or ★
    latest = open_datasets(processed, CONTEXT).read("evaluation").query("year == 2025 and area_code == '441600'")
    decimals = {i.id: i.decimals for i in CONTEXT.plan.indicators}
    for _, row in latest.dropna(subset=["value"]).iterrows():  # the city's column as the reports print it
        shown = re.escape(number(row["value"], decimals[row["indicator"]]))
        assert re.search(rf"<tr><th scope=\"row\">{row['indicator']} [^<]*</th><td class=\"num\">"
                         rf"<span[^>]*>[^<]*</span> {shown}</td>", matrix), row["indicator"]
