"""`python -m helpers run`: execute notebooks/report.ipynb per (year, area) with papermill and render it.

Parameters are validated before any notebook runs; each report is written to temporary names and renamed,
so an interrupted run leaves the previous report or the new one, never half of one.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from helpers import areas, config
from helpers.indicators import load_plan
from helpers.indicators.evaluation import EvaluationError, check_year

FORMATS = ("html", "pdf")


class RunError(EvaluationError):
    """The run's parameters are not acceptable (a message for people)."""


@dataclass(frozen=True)
class Job:
    """One report: an evaluation year and an area code (both validated)."""

    year: int
    area_code: str

    @property
    def area_name(self) -> str:
        return areas.load().names[self.area_code]

    @property
    def stem(self) -> str:
        return f"{self.area_code}_{self.area_name}"


@dataclass
class Outcome:
    """What happened to one job: the files written, seconds per step, or the error."""

    job: Job
    files: list[Path] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    error: str | None = None


def parse_years(text: str | None, latest: int | None = None) -> list[int]:
    """'2023', '2021-2025', '2021,2023' or 'latest' (default) → checked years of the evaluation period."""
    plan = load_plan()
    if text in (None, "", "latest"):
        if latest is None:
            raise RunError("没有可评估的年度")
        return [latest]
    years: list[int] = []
    for part in str(text).split(","):
        match = re.fullmatch(r"\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?", part, flags=re.ASCII)
        if not match:
            raise RunError(f"年度参数无法识别：{part!r}（示例：2023、2021-2025、2021,2023）")
        first, last = int(match[1]), int(match[2] or match[1])
        if last < first:
            raise RunError(f"年度区间颠倒：{part!r}")
        years.extend(range(first, last + 1))
    for year in years:
        if not plan.base_year < year <= plan.target_year:
            raise RunError(f"评估年度应在 {plan.base_year + 1}–{plan.target_year} 之间，收到 {year}")
    return sorted(set(years))


def parse_areas(text: str | None) -> list[str]:
    """'all' (default) or comma-separated area codes of conf/base/areas.yaml, in the file's order."""
    info = areas.load()
    if text in (None, "", "all"):
        return list(info.codes)
    wanted = [part.strip() for part in str(text).split(",") if part.strip()]
    unknown = [code for code in wanted if code not in info.names]
    if unknown or not wanted:
        listed = "、".join(f"{c} {n}" for c, n in info.names.items())
        raise RunError(f"未知的地区代码 {', '.join(map(repr, unknown)) or '（空）'}：可用 all 或 {listed}")
    return [code for code in info.codes if code in wanted]


def parse_formats(text: str | None) -> list[str]:
    """'html,pdf' (default) or a subset; the executed notebook is always kept."""
    wanted = [part.strip().lower() for part in (text or ",".join(FORMATS)).split(",") if part.strip()]
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise RunError(f"未知的输出格式 {unknown or '（空）'}：可用 {', '.join(FORMATS)}")
    return [f for f in FORMATS if f in wanted]


def notebook_path() -> Path:
    return config.project_root() / "notebooks" / "report.ipynb"


def _replace(partial: Path, final: Path) -> Path:
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(partial, final)
    return final


def render_job(job: Job, processed: Path, reports: Path, formats: list[str]) -> Outcome:
    """Execute the notebook for one job and write its .ipynb, .html and .pdf atomically."""
    import nbformat
    import papermill

    from helpers.report import render
    from helpers.report.sections import report_title

    outcome = Outcome(job)
    folder = reports / str(job.year)
    folder.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{job.stem}-", dir=folder))
    try:
        started = time.perf_counter()
        executed = scratch / f"{job.stem}.ipynb"
        papermill.execute_notebook(
            str(notebook_path()), str(executed), kernel_name="python3", progress_bar=False, log_output=False,
            cwd=str(config.project_root()), extra_arguments=["--IPKernelApp.log_level=ERROR"],
            parameters={"year": job.year, "area_code": job.area_code, "processed_dir": str(processed.resolve())})
        outcome.seconds["execute"] = time.perf_counter() - started
        page = render.document(nbformat.read(executed, as_version=4),
                               f"{job.area_name}{job.year}年 · {report_title(job.year)}")
        started = time.perf_counter()
        html = render.to_html(page)
        staged = [executed]
        if "html" in formats:
            staged.append(scratch / f"{job.stem}.html")
            staged[-1].write_text(html, encoding="utf-8")
        outcome.seconds["html"] = time.perf_counter() - started
        if "pdf" in formats:
            started = time.perf_counter()
            staged.append(render.to_pdf(html, scratch / f"{job.stem}.pdf"))
            outcome.seconds["pdf"] = time.perf_counter() - started
        outcome.files = [_replace(path, folder / path.name) for path in staged]
    except Exception as problem:  # noqa: BLE001 — one report's failure is reported, the others go on
        outcome.error = _explain(problem)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return outcome


def _explain(problem: Exception) -> str:
    """A plain sentence for a failure: the notebook's own message for a data problem, else the error type."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(problem, PapermillExecutionError):
        first = str(problem.evalue).splitlines()[0] if problem.evalue else ""
        return f"{problem.ename}: {first}（第 {problem.cell_index} 个单元格）"
    return f"{type(problem).__name__}: {problem}"


def plan_jobs(years: Iterable[int], area_codes: Iterable[str]) -> list[Job]:
    return [Job(check_year(y), a) for y in years for a in area_codes]


def run(jobs: list[Job], processed: Path, reports: Path, formats: list[str], out=sys.stdout) -> list[Outcome]:
    """Render every job in turn, printing one line per report; returns the outcomes."""
    outcomes = []
    for number, job in enumerate(jobs, start=1):
        outcome = render_job(job, processed, reports, formats)
        timing = "  ".join(f"{k} {v:.1f}s" for k, v in outcome.seconds.items())
        state = "失败：" + outcome.error if outcome.error else timing
        print(f"[{number}/{len(jobs)}] {job.year} {job.stem}  {state}", file=out, flush=True)
        outcomes.append(outcome)
    return outcomes
