"""One report, start to finish, inside a worker process that stays warm between reports.

A worker keeps one Jupyter kernel alive and hands it to papermill for each notebook, so imports and the
cleaned data (cached by `helpers.report.data`) are loaded once per worker, not once per report; the
nbconvert exporter is built once per process too. A kernel that dies or hangs is replaced. Outputs go to a
scratch folder and are renamed into place, the record (`<stem>.json`) last: a killed run leaves either the
previous report or the new one, and a record only beside complete files.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import json
import os
import shutil
import tempfile
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from helpers import config
from helpers.batch.jobs import Job, notebook_path
from helpers.files import PARTIAL_PREFIX, atomic_write

SCRATCH_PREFIX = PARTIAL_PREFIX
KERNEL_START_ERRORS = ("Kernel died before replying", "Kernel didn't respond", "kernel_info")
_ONE_AT_A_TIME = threading.Lock()  # one kernel per process: reports in threads of one process take turns


@dataclass
class Outcome:
    """What happened to one job: files written, seconds per step, status counts, or the error."""

    job: Job
    digest: str = ""
    state: str = "done"  # done | skipped | failed
    files: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    cutoff: str = ""
    error: str | None = None
    notebook: str | None = None
    log: str | None = None
    attempts: int = 1


class _KernelHost:
    """This process's kernel: started on first use, reused by every report, replaced when it fails or when the
    checkout or its code changed (a long-lived Dask worker must not render new reports with old code).

    An AsyncKernelManager, as nbclient expects: with it a cell timeout is raised on time (a blocking
    manager let a hung cell block the worker until the hard timeout)."""

    def __init__(self) -> None:
        self.km = None
        self.identity: tuple[str, str] | None = None

    def manager(self, code: str):  # noqa: ANN201 — jupyter_client.AsyncKernelManager
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        root = str(config.project_root())
        if self.identity not in (None, (root, code)):
            self.stop()
            _forget_caches()
        if self.km is None or not run_sync(self.km.is_alive)():
            self.stop()
            self.km = AsyncKernelManager(kernel_name="python3")
            run_sync(self.km.start_kernel)(cwd=root, env={**os.environ, "HELPERS_ROOT": root},
                                           extra_arguments=["--IPKernelApp.log_level=ERROR"])
        self.identity = (root, code)
        return self.km

    @property
    def pid(self) -> int | None:
        provisioner = getattr(self.km, "provisioner", None)
        return getattr(getattr(provisioner, "process", None), "pid", None)

    def stop(self) -> None:
        if self.km is not None:
            from jupyter_core.utils import run_sync

            with contextlib.suppress(Exception):  # a kernel already gone is what we wanted
                run_sync(self.km.shutdown_kernel)(now=True)
            self.km = None


def _forget_caches() -> None:
    """Drop this process's cached configuration, catalog, areas and exporter (the checkout changed)."""
    from helpers import areas
    from helpers.indicators import load_plan
    from helpers.report import render

    for cached in (config.load, load_plan, areas.load, render._exporter, render.stylesheet):
        cached.cache_clear()


ENGINE = "heyuan-warm-kernel"


@functools.cache
def _register_engine() -> None:
    """papermill's nbclient engine for a kernel it does not own: it closes its kernel client's channels
    after each notebook (papermill's own leaves them open when handed a kernel manager)."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger
    from papermill.utils import remove_args

    class WarmKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,  # noqa: ANN001, ANN206
                                     stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
            kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
            client = PapermillNotebookClient(nb_man, timeout=execution_timeout, startup_timeout=start_timeout,
                                             kernel_name=kernel_name, log=logger, log_output=log_output,
                                             stdout_file=stdout_file, stderr_file=stderr_file, **kwargs)
            try:
                return client.execute()
            finally:
                if client.kc is not None:
                    client.kc.stop_channels()

    papermill_engines.register(ENGINE, WarmKernelEngine)


_HOST = _KernelHost()
atexit.register(_HOST.stop)


def record_path(reports: Path, job: Job) -> Path:
    return reports / str(job.year) / f"{job.stem}.json"


def _execute(job: Job, processed: Path, executed: Path, notebook: Path, timeout: float, code: str):  # noqa: ANN202
    """Run the notebook on this process's kernel; papermill writes it to `executed` and returns it."""
    import papermill

    _register_engine()
    return papermill.execute_notebook(
        str(notebook), str(executed), kernel_name="python3", km=_HOST.manager(code), progress_bar=False,
        engine_name=ENGINE, log_output=False, execution_timeout=timeout, start_timeout=60,
        request_save_on_cell_execute=False,
        parameters={"year": job.year, "area_code": job.area_code, "processed_dir": _shown_path(processed)})


def _shown_path(folder: Path) -> str:
    """The folder as the published notebook shows it: relative to the project root when inside it (the notebook
    takes a relative folder from there), so that no local absolute path is published."""
    try:
        return folder.relative_to(config.project_root().resolve()).as_posix()
    except ValueError:
        return str(folder)


def _is_kernel_start_problem(problem: BaseException) -> bool:
    """jupyter_client's 'Kernel died before replying to kernel_info' / 'Kernel didn't respond in N seconds'."""
    return isinstance(problem, RuntimeError) and any(k in str(problem) for k in KERNEL_START_ERRORS)


def _summary(notebook) -> tuple[dict[str, int], str]:  # noqa: ANN001 — an executed NotebookNode
    """Status counts and data cut-off, as the summary section recorded them in its output's metadata."""
    from helpers.report.sections import SUMMARY_KEY

    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            metadata = output.get("metadata", {})
            facts = metadata.get(SUMMARY_KEY) or metadata.get("text/html", {}).get(SUMMARY_KEY)
            if facts:
                return dict(facts["counts"]), facts["cutoff"]
    return {}, ""


def render_job(job: Job, processed: Path, reports: Path, formats: list[str], *, digest: str = "",
               notebook: Path | None = None, timeout: float = 600, code: str = "") -> Outcome:
    """Execute the notebook for `job` and write .ipynb, .html, .pdf and the record, each atomically.
    `code` is the run's code digest: a kernel started for other code is replaced first."""
    with _ONE_AT_A_TIME:
        return _render(job, processed, reports, formats, digest, notebook or notebook_path(), timeout, code)


def _render(job: Job, processed: Path, reports: Path, formats: list[str], digest: str, notebook: Path,
            timeout: float, code: str) -> Outcome:
    from helpers.report import render
    from helpers.report.sections import report_title

    processed, reports = Path(processed).resolve(), Path(reports).resolve()
    outcome = Outcome(job, digest)
    folder = reports / str(job.year)
    folder.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{job.stem}-", dir=folder))
    executed = scratch / f"{job.stem}.ipynb"
    try:
        started = time.perf_counter()
        try:
            notebook_node = _execute(job, processed, executed, notebook, timeout, code)
        except Exception as problem:
            if not _is_kernel_start_problem(problem):
                raise
            _HOST.stop()  # a kernel that would not start: one more try with a fresh one
            outcome.attempts = 2
            notebook_node = _execute(job, processed, executed, notebook, timeout, code)
        outcome.seconds["execute"] = time.perf_counter() - started
        page = render.document(notebook_node, f"{job.area_name}{job.year}年 · {report_title(job.year)}")
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
        outcome.counts, outcome.cutoff = _summary(notebook_node)
        for path in staged:
            os.replace(path, folder / path.name)
        outcome.files = [str(folder / p.name) for p in staged]
        write_record(reports, outcome)
    except Exception as problem:  # noqa: BLE001 — one report's failure is reported, the others go on
        _fail(outcome, problem, executed, reports)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return outcome


def _fail(outcome: Outcome, problem: BaseException, executed: Path, reports: Path) -> None:
    """Keep the partly executed notebook and a log under reports/failed/, and say what went wrong."""
    from papermill.exceptions import PapermillExecutionError

    name = type(problem).__name__
    if name in {"DeadKernelError", "CellTimeoutError"} or "Timeout" in name:
        _HOST.stop()  # after a death or a timeout the kernel's state is unknown (a timed-out cell still runs)
    if isinstance(problem, PapermillExecutionError):
        first = str(problem.evalue).splitlines()[0] if problem.evalue else ""
        outcome.error = f"{problem.ename}: {first}（第 {problem.exec_count or problem.cell_index} 个单元格）"
    elif "Timeout" in name:
        outcome.error = "超时：" + str(problem).splitlines()[0]
    else:
        outcome.error = f"{name}: {problem}"
    failure_log(reports, outcome, "".join(traceback.format_exception(problem)))
    if executed.is_file():
        kept = reports / "failed" / f"{outcome.job.year}_{outcome.job.stem}.ipynb"
        os.replace(executed, kept)
        outcome.notebook = str(kept)


def failure_log(reports: Path, outcome: Outcome, details: str = "") -> None:
    """Mark the outcome failed and write reports/failed/<year>_<stem>.log with the error and details."""
    folder = reports / "failed"
    folder.mkdir(parents=True, exist_ok=True)
    log = atomic_write(folder / f"{outcome.job.year}_{outcome.job.stem}.log",
                       f"{outcome.job.key}\n{outcome.error}\n\n{details}")
    outcome.log, outcome.state = str(log), "failed"


def write_record(reports: Path, outcome: Outcome) -> Path:
    """The report's record: digest, files, counts, timings; written last, atomically."""
    record = {**asdict(outcome), "job": {"year": outcome.job.year, "area_code": outcome.job.area_code},
              "files": [Path(f).relative_to(reports).as_posix() for f in outcome.files],
              "rendered_at": datetime.now().astimezone().isoformat(timespec="seconds")}
    return atomic_write(record_path(reports, outcome.job), json.dumps(record, ensure_ascii=False, indent=1))


def read_record(reports: Path, job: Job) -> dict | None:
    path = record_path(reports, job)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
