"""The batch run: decide what is stale, render it on the chosen executor, report progress, index the site."""

from __future__ import annotations

import contextlib
import shutil
import signal
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from helpers.batch import executors, fingerprint, site
from helpers.batch.jobs import Job, RunError, notebook_path
from helpers.batch.worker import SCRATCH_PREFIX, Outcome, Settings, read_record, report_files
from helpers.context import Context
from helpers.files import NoSpaceError, exclusive
from helpers.pipeline import Datasets


@dataclass
class RunResult:
    """Outcomes in job order, the index page and the wall time."""

    outcomes: list[Outcome]
    index: Path
    seconds: float

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.state == "failed"]


def _fresh(reports: Path, job: Job, digest: str) -> bool:
    """The report's record carries the same digest, every file it lists is there and no other (a format of an
    earlier render left by a version that kept them is rendered away)."""
    record = read_record(reports, job)
    if not record or record.get("digest") != digest:
        return False
    listed = {reports / f for f in record["files"]}
    return all(p.is_file() for p in listed) and not any(p.is_file() for p in report_files(reports, job)
                                                        if p not in listed)


@contextlib.contextmanager
def _exclusive(reports: Path) -> Iterator[None]:
    """One run at a time per reports folder (a second one would sweep the first one's work); SIGTERM ends
    the run through the normal exit path, so that its workers are stopped, not orphaned."""
    with exclusive(reports / ".lock", f"另一个运行正在写入 {reports}，请等它结束", RunError):
        previous = None
        if threading.current_thread() is threading.main_thread():
            previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        try:
            yield
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)


def _sweep(reports: Path) -> None:
    """Remove what a killed run left half-made (scratch folders and partial files); finished files stay."""
    for leftover in reports.rglob(f"{SCRATCH_PREFIX}*"):
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)


class _Progress:
    """A progress bar with the last report's status on a terminal; one plain line per report otherwise."""

    def __init__(self, total: int, out: TextIO) -> None:
        self.total, self.count, self.out = total, 0, out
        self.bar = None
        if out.isatty() and total:
            from tqdm import tqdm

            self.bar = tqdm(total=total, file=out, unit="份", desc="报告", dynamic_ncols=True)

    def __call__(self, outcome: Outcome) -> None:
        self.count += 1
        timing = " ".join(f"{k} {v:.1f}s" for k, v in outcome.seconds.items())
        state = {"done": "完成", "skipped": "未变化，跳过", "failed": "失败：" + str(outcome.error)}[outcome.state]
        line = f"{outcome.job.key} {state} {timing}".rstrip()
        if self.bar is not None:
            self.bar.set_postfix_str(f"{outcome.job.key} {state[:20]}")
            self.bar.update(1)
            if outcome.state == "failed":
                self.bar.write(line)
        else:
            print(f"[{self.count}/{self.total}] {line}", file=self.out, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run(jobs: list[Job], datasets: Datasets, reports: Path, formats: list[str], context: Context, *,
        lang: str = "zh", workers: int = 1, force: bool = False, executor: str = "local", scheduler: str | None = None,
        timeout: float = 600, notebook: Path | None = None, out: TextIO = sys.stderr) -> RunResult:
    """Render the stale reports of `jobs` from `datasets` (checked current by the caller) in `lang`; skip the
    rest; write reports/index.html and reports/run.json."""
    started = time.perf_counter()
    if executor == "dask":
        executors.check_scheduler(scheduler)  # a malformed address is refused before anything is written
    reports = Path(reports).resolve()
    reports.mkdir(parents=True, exist_ok=True)
    notebook = (notebook or notebook_path(context.conf.root)).resolve()
    code = fingerprint.code_digest(notebook, context)
    settings = Settings(context.conf.root, context.conf.plan_dir, Path(datasets.folder).resolve(), reports, formats,
                        notebook, timeout, lang, code, context.path("assessor_dir"))
    with _exclusive(reports):
        return _run_locked(jobs, datasets, settings, context, workers, force, executor, scheduler, out, started)


def _run_locked(jobs: list[Job], datasets: Datasets, settings: Settings, context: Context, workers: int,
                force: bool, executor: str, scheduler: str | None, out: TextIO, started: float) -> RunResult:
    from helpers.report.charts import chart_store, prune_store  # matplotlib: loaded when reports are made

    reports = settings.reports
    _sweep(reports)
    prune_store(chart_store(context), context.report.charts.store_days)
    manifest = datasets.read_json("manifest")
    digests = fingerprint.job_digests(jobs, manifest, settings.formats, settings.code, context, settings.lang)
    outcomes: dict[Job, Outcome] = {}
    todo = []
    for job in jobs:
        if not force and _fresh(reports, job, digests[job]):
            outcomes[job] = Outcome(job, digests[job], state="skipped")
        else:
            todo.append((job, digests[job]))
    progress = _Progress(len(jobs), out)
    for outcome in outcomes.values():
        progress(outcome)

    def finished(outcome: Outcome) -> None:
        if outcome.no_space:  # every report after it would fail the same way: the workers are stopped
            raise NoSpaceError(outcome.error)
        outcomes[outcome.job] = outcome
        progress(outcome)

    try:
        if todo and executor == "dask":
            limits = context.report.batch.dask
            executors.run_dask(todo, settings, scheduler, finished, connect_s=limits.connect_s,
                               no_workers_s=limits.no_workers_s,
                               notice=lambda line: print(line, file=out, flush=True))
        elif todo:
            executors.run_local(todo, settings, workers, finished)
    except NoSpaceError:
        _sweep(reports)  # what the stopped workers were writing
        raise
    finally:
        progress.close()
    ordered = [outcomes[j] for j in jobs if j in outcomes]
    index = site.write_index(reports, sorted({j.year for j in jobs}), ordered, datasets, context, settings.lang)
    return RunResult(ordered, index, time.perf_counter() - started)


def summary_table(result: RunResult) -> str:
    """The closing table: counts by state, seconds, and each failure with its notebook and log."""
    done = [o for o in result.outcomes if o.state == "done"]
    lines = [f"报告 {len(result.outcomes)} 份：生成 {len(done)}，未变化跳过 "
             f"{sum(o.state == 'skipped' for o in result.outcomes)}，失败 {len(result.failed)}；"
             f"用时 {result.seconds:.1f} 秒" + (f"（每份 {result.seconds / len(done):.1f} 秒）" if done else "")]
    if result.failed:
        lines.append(f"{'报告':<22}原因")
        for o in result.failed:
            lines.append(f"{o.job.key:<22}{o.error}")
            if o.notebook or o.log:
                lines.append(f"{'':<22}已执行的笔记本：{o.notebook or '—'}；日志：{o.log or '—'}")
    lines.append(f"索引：{result.index}")
    return "\n".join(lines)
