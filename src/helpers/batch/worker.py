"""One report, start to finish, inside a worker process that stays warm between reports.

The report is built once, by its notebook: the kernel renders the sections (HTML with SVG charts) and, when a Word
edition is asked for, leaves each chart's PNG, drawn from the same figure, in the chart store; the worker makes the
page and PDF from the executed notebook and the Word edition from the same sections' HTML with those PNGs.

A worker keeps one Jupyter kernel alive and hands it to papermill for each notebook, so imports are loaded
once per worker, not once per report (each report reads its slices of the saved datasets); the nbconvert
exporter and the run's configuration are kept while the code is unchanged. A kernel that dies or hangs is
replaced. Outputs go to a
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
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from helpers.batch.jobs import FORMATS, Job
from helpers.files import PARTIAL_PREFIX, atomic_write, no_space, no_space_message

if TYPE_CHECKING:
    from nbformat import NotebookNode

    from helpers.context import Context
    from helpers.report import Words

SCRATCH_PREFIX = PARTIAL_PREFIX
Beat = Callable[[], None]
KERNEL_START_ERRORS = ("Kernel died before replying", "Kernel didn't respond", "kernel_info")
_ONE_AT_A_TIME = threading.Lock()  # one kernel per process: reports in threads of one process take turns


@dataclass(frozen=True)
class Settings:
    """What every worker needs to render a job: where the checkout, plan, datasets, reports and evaluators' texts
    are, the formats, the language, the template, the cell timeout and the digest of the run's code."""

    root: Path
    plan: Path | None
    processed: Path
    reports: Path
    formats: list[str]
    notebook: Path
    timeout: float
    lang: str = "zh"
    code: str = ""
    assessor: Path | None = None  # the evaluators' texts (None: paths.yaml assessor_dir)

    @property
    def hard_timeout(self) -> float:
        """Seconds a local worker may go without a sign of progress (`render_job`'s `beat`: a cell starting or
        ending, an output written) before it is killed: a cell may run `timeout` and is freed by its own timeout
        first; 120 s more cover a kernel's start (60 s, retried once) and a report's HTML, PDF and Word edition."""
        return self.timeout + 120


@dataclass
class Outcome:
    """What happened to one job: files written, seconds per step, or the error."""

    job: Job
    digest: str = ""
    state: str = "done"  # done | skipped | failed
    files: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    notebook: str | None = None
    log: str | None = None
    attempts: int = 1
    no_space: bool = False  # failed for a full disk: the run stops (the other reports would fail the same way)


class _Host:
    """This process's kernel and renderer: started on first use, reused by every report, replaced when the
    kernel fails or when the checkout, plan or code changed (a long-lived Dask worker must not render new
    reports with old code).

    An AsyncKernelManager, as nbclient expects: with it a cell timeout is raised on time (a blocking
    manager let a hung cell block the worker until the hard timeout)."""

    def __init__(self) -> None:
        self.km = None
        self.identity: tuple[str, str, str] | None = None
        self.context = None
        self.renderer = None

    def prepare(self, settings: Settings) -> None:
        """The run's configuration and renderer, kept while the checkout, plan and code are the same."""
        from helpers.context import Context
        from helpers.report import Renderer, fonts_of

        identity = (str(settings.root), str(settings.plan), settings.code)
        if self.identity != identity:
            self.stop()
            self.context = Context.load(settings.root, settings.plan)
            self.renderer = Renderer(fonts_of(self.context))
            self.identity = identity

    def manager(self, root: Path):  # noqa: ANN201 — jupyter_client.AsyncKernelManager
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        if self.km is None or not run_sync(self.km.is_alive)():
            self.stop()
            self.km = AsyncKernelManager(kernel_name="python3")
            run_sync(self.km.start_kernel)(cwd=str(root), env={**os.environ, "HELPERS_ROOT": str(root)},
                                           extra_arguments=["--IPKernelApp.log_level=ERROR"])
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


_HOST = _Host()
atexit.register(_HOST.stop)


def record_path(reports: Path, job: Job) -> Path:
    return reports / str(job.year) / f"{job.stem}.json"


def report_files(reports: Path, job: Job) -> list[Path]:
    """Every file a render of `job` may write besides its record: the executed notebook and each format."""
    return [reports / str(job.year) / f"{job.stem}.{kind}" for kind in ("ipynb", *FORMATS)]


def _execute(job: Job, settings: Settings, executed: Path, beat: Beat):  # noqa: ANN202
    """Run the notebook on this process's kernel, calling `beat` as each cell starts and ends; papermill writes it to
    `executed` and returns it."""
    import papermill

    _register_engine()
    root = settings.root
    parameters = {"year": job.year, "area_code": job.area_code, "processed_dir": _shown_path(settings.processed, root),
                  "lang": settings.lang, "plan": _shown_path(settings.plan, root) if settings.plan else None,
                  "assessor_dir": _shown_path(settings.assessor, root) if settings.assessor else None,
                  "word": "docx" in settings.formats}
    return papermill.execute_notebook(
        str(settings.notebook), str(executed), kernel_name="python3", km=_HOST.manager(root), progress_bar=False,
        engine_name=ENGINE, log_output=False, execution_timeout=settings.timeout, start_timeout=60,
        request_save_on_cell_execute=False, parameters=parameters,
        on_cell_start=lambda **_: beat(), on_cell_executed=lambda **_: beat())


def _shown_path(folder: Path, root: Path) -> str:
    """The folder as the published notebook shows it: relative to the project root when inside it (the notebook
    takes a relative folder from there), so that no local absolute path is published."""
    try:
        return Path(folder).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(folder)


def _is_kernel_start_problem(problem: BaseException) -> bool:
    """jupyter_client's 'Kernel died before replying to kernel_info' / 'Kernel didn't respond in N seconds'."""
    return isinstance(problem, RuntimeError) and any(k in str(problem) for k in KERNEL_START_ERRORS)


def render_job(job: Job, settings: Settings, digest: str = "", beat: Beat | None = None) -> Outcome:
    """Execute the notebook for `job` and write .ipynb, .html, .pdf, .docx and the record, each atomically. A
    kernel started for another checkout, plan or code (`settings.code`) is replaced first. `beat` is called at
    each sign of progress (a cell starting or ending, an output written), for a watchdog."""
    beat = beat or (lambda: None)
    with _ONE_AT_A_TIME:
        _HOST.prepare(settings)
        beat()
        return _render(job, settings, digest, beat)


def _render(job: Job, settings: Settings, digest: str, beat: Beat) -> Outcome:
    from helpers.report import Words, report_title, to_pdf
    from helpers.report.charts import chart_store

    reports, formats = Path(settings.reports).resolve(), settings.formats
    context, renderer = _HOST.context.with_path("assessor_dir", settings.assessor), _HOST.renderer
    store = chart_store(context)  # the charts' Word PNGs, by the key each chart of the page carries
    words = Words.of(context, settings.lang)
    outcome = Outcome(job, digest)
    folder = reports / str(job.year)
    folder.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{job.stem}-", dir=folder))
    executed = scratch / f"{job.stem}.ipynb"
    try:
        started = time.perf_counter()
        try:
            notebook_node = _execute(job, settings, executed, beat)
        except Exception as problem:
            if not _is_kernel_start_problem(problem):
                raise
            _HOST.stop()  # a kernel that would not start: one more try with a fresh one
            outcome.attempts = 2
            beat()
            notebook_node = _execute(job, settings, executed, beat)
        outcome.seconds["execute"] = time.perf_counter() - started
        running = report_title(job.year, context.plan, words)
        title = words("page_title", area_name=job.area_name, year=job.year, title=running)
        page = renderer.document(notebook_node, title, words)
        started = time.perf_counter()
        html = renderer.to_html(page)
        staged = [executed]
        if "html" in formats:
            staged.append(scratch / f"{job.stem}.html")
            staged[-1].write_text(html, encoding="utf-8")
        outcome.seconds["html"] = time.perf_counter() - started
        beat()
        if "pdf" in formats:
            started = time.perf_counter()
            staged.append(to_pdf(renderer.to_print(page), scratch / f"{job.stem}.pdf"))
            outcome.seconds["pdf"] = time.perf_counter() - started
            beat()
        if "docx" in formats:
            started = time.perf_counter()
            staged.append(_docx(notebook_node, store, context, words, title, running, scratch / f"{job.stem}.docx"))
            outcome.seconds["docx"] = time.perf_counter() - started
            beat()
        for path in staged:
            os.replace(path, folder / path.name)
        outcome.files = [str(folder / p.name) for p in staged]
        for other in report_files(reports, job):  # a format of an earlier render not asked for now goes
            if str(other) not in outcome.files:
                other.unlink(missing_ok=True)
        write_record(reports, outcome)
    except Exception as problem:  # noqa: BLE001 — one report's failure is reported, the others go on
        full = no_space(problem)
        if not full:
            try:
                _fail(outcome, problem, executed, reports)
            except OSError as unwritten:
                if not no_space(unwritten):
                    raise
                full = True
        if full:  # nothing can be kept (not even a log): the run is told to stop
            outcome.state, outcome.no_space, outcome.error = "failed", True, no_space_message(folder)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return outcome


def _docx(notebook: NotebookNode, store: Path, context: Context, words: Words, title: str, running: str,
          out: Path) -> Path:
    """The Word edition from the sections the notebook displayed (their HTML, as the page shows them), each chart the
    PNG the kernel drew from the same figure (python-docx cannot embed SVG portably), and its TOC's page numbers
    from a headless LibreOffice layout where LibreOffice is installed (the run says once when it is not)."""
    from helpers.report.charts import stored_png
    from helpers.report.word import write_docx

    sections = [output["data"]["text/html"] for cell in notebook.cells if cell.cell_type == "code"
                for output in cell.get("outputs", []) if "text/html" in output.get("data", {})]
    return write_docx(sections, out, context, words, title, running, lambda key: stored_png(store, key))


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
    """The report's record: digest, files, timings; written last, atomically."""
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
