"""Fixture writers and the accounting check shared by the cleaning tests.

Every fixture is a small file written into pytest's tmp_path by the helpers below (never a committed
binary). `clean(raw)` runs the real cleaner and checks the contract's accounts on every call.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TypeVar

import pandas as pd
import pytest

from helpers.cleaning import CleanRun, clean_all
from helpers.context import Context
from helpers.indicators import Tables
from helpers.pipeline.stages import values_stage

T = TypeVar("T")
REPO = Path(__file__).resolve().parents[1]
CONTEXT = Context.load(REPO)  # the plan of conf/base, read once for every test (nothing in it is mutable state)

OUTCOMES = ["clean", "duplicate", "rejected", "out_of_scope"]
REASONS = set(CONTEXT.cleaning.reasons)
FILE_REASONS = set(CONTEXT.cleaning.file_reasons)

# Minimal headers of a few sources (canonical labels), reused by many tests.
PATENT_HEADER = ["申请号", "申请日", "申请人", "申请人地址"]
LEDGER_HEADER = ["案件编号", "受理日期", "案件类型", "所在区县"]  # assistance_cases


def run_cli(*args: str, timeout: int = 900, root: Path = REPO) -> subprocess.CompletedProcess:
    """`python -m helpers …` in a fresh interpreter from the checkout (its configuration: that of `root`), output
    captured as text."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "HELPERS_ROOT": str(root)}
    return subprocess.run([sys.executable, "-m", "helpers", *args], capture_output=True, text=True, env=env,
                          cwd=REPO, timeout=timeout)


# ----------------------------------------------------------------------------- fixture writers
def _folder(raw: Path, source: str) -> Path:
    folder = raw / source
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_csv(
    raw: Path,
    source: str,
    name: str,
    header: Sequence[object],
    rows: Iterable[Sequence[object]],
    encoding: str = "utf-8",
    preamble: Iterable[str | Sequence[object]] = (),
    delimiter: str = ",",
    bom: bytes = b"",
) -> Path:
    """raw/<source>/<name>: an optional preamble (a str is written as one raw line), the header, the rows; `bom`
    before the encoded text (codecs.BOM_UTF16_LE for Excel's 「Unicode 文本」)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    for line in preamble:
        if isinstance(line, str):
            buf.write(line + "\r\n")
        else:
            writer.writerow(line)
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    path = _folder(raw, source) / name
    path.write_bytes(bom + buf.getvalue().encode(encoding))
    return path


def write_xlsx(
    raw: Path,
    source: str,
    name: str,
    header: Sequence[object],
    rows: Iterable[Sequence[object]],
    title: str | None = None,
) -> Path:
    """raw/<source>/<name> as a real xlsx: strings stay strings (no formulas), numbers are numeric cells,
    datetimes are date-formatted cells; `title` goes into a merged row above the header."""
    import xlsxwriter

    path = _folder(raw, source) / name
    book = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
    )
    sheet = book.add_worksheet("导出")
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    top = 0
    if title is not None:
        sheet.merge_range(0, 0, 0, max(len(header) - 1, 1), title)
        top = 1
    for col, cell in enumerate(header):
        sheet.write_string(top, col, str(cell))
    for r, row in enumerate(rows, start=top + 1):
        for col, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, dt.datetime | dt.date):
                sheet.write_datetime(r, col, value, date_format)
            elif isinstance(value, int | float):
                sheet.write_number(r, col, value)
            else:
                sheet.write_string(r, col, str(value))
    book.close()
    return path


def write_formula_xlsx(raw: Path, source: str, name: str, header: Sequence[object],
                       rows: Iterable[Sequence[object]]) -> Path:
    """raw/<source>/<name> as a program writes it with openpyxl: a text cell starting with `=` is a formula stored
    without a calculated value (the workbook was never opened in Excel); `(formula, value)` is a formula whose
    value was calculated (written by xlsxwriter beside it, as Excel saves it) — in a workbook of its own, since
    openpyxl writes no values."""
    import openpyxl
    import xlsxwriter

    rows = list(rows)
    path = _folder(raw, source) / name
    if any(isinstance(value, tuple) for row in rows for value in row):
        book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_urls": False})
        sheet = book.add_worksheet("导出")
        for r, row in enumerate([header, *rows]):
            for col, value in enumerate(row):
                if isinstance(value, tuple):
                    sheet.write_formula(r, col, value[0], None, value[1])
                elif value is not None:
                    sheet.write(r, col, value)
        book.close()
        return path
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "导出"
    for row in [header, *rows]:
        sheet.append(list(row))
    book.save(path)
    return path


def write_bytes(raw: Path, source: str, name: str, data: bytes) -> Path:
    path = _folder(raw, source) / name
    path.write_bytes(data)
    return path


def write_log(raw: Path, name: str, lines: Iterable[str], gz: bool = False) -> Path:
    data = ("\n".join(lines) + "\n").encode("utf-8")
    return write_bytes(raw, "web_logs", name, gzip.compress(data) if gz else data)


# ----------------------------------------------------------------------------- an independent check-char oracle
def cn_check(digits: str) -> str:
    """The contract's mod-11 check char (weights 2..9,2..5 for 12 digits; 2..9 for 8), written independently."""
    weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5] if len(digits) == 12 else [2, 3, 4, 5, 6, 7, 8, 9]
    assert len(digits) in (8, 12)
    return "0123456789X"[sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11]


def app_no(digits: str) -> str:
    """`202110123456` → `202110123456.<check>`."""
    return f"{digits}.{cn_check(digits)}"


def wrong_check(digits: str) -> str:
    right = cn_check(digits)
    return f"{digits}.{'1' if right != '1' else '2'}"


# ----------------------------------------------------------------------------- running and accounting
def assert_accounts(run: CleanRun) -> None:
    """The contract's accounts, for every file of every source of a run:
    rows_in = clean + duplicate + rejected + out_of_scope; the clean table and the quarantine hold exactly
    those rows (the quarantine: every non-clean row, with its line and a listed reason code); a rejected
    file has a listed reason, a message, and no rows."""
    recon = run.table("reconciliation")
    assert len(recon), "a run with data must have a reconciliation"
    assert (recon["rows_in"] == recon[OUTCOMES].sum(axis=1)).all(), recon
    files = run.table("files")
    assert len(files) == len(recon)
    for source, result in run.results.items():
        r = result.reconciliation.set_index("file")
        q = result.quarantine
        assert len(result.clean) == r["clean"].sum()
        assert len(q) == r[["duplicate", "rejected", "out_of_scope"]].to_numpy().sum()
        assert (q["outcome"] != "clean").all()
        assert set(q["reason"]) <= REASONS, set(q["reason"]) - REASONS
        assert (q.loc[q["outcome"] == "duplicate", "reason"] == "duplicate").all()
        assert (q.loc[q["outcome"] == "out_of_scope", "reason"] != "duplicate").all()  # out_of_scope, or why
        assert (~q.loc[q["outcome"] == "rejected", "reason"].isin(["duplicate", "out_of_scope"])).all()
        assert (q["line"] >= 1).all()
        clean_per_file = result.clean["source_file"].astype(str).value_counts()
        for file, numbers in r.iterrows():
            assert clean_per_file.get(file, 0) == numbers["clean"], (source, file)
            in_q = q[q["file"] == file]["outcome"].value_counts()
            for outcome in ("duplicate", "rejected", "out_of_scope"):
                assert in_q.get(outcome, 0) == numbers[outcome], (source, file, outcome)
        report = result.files
        bad = report[report["status"] != "ok"]
        assert set(bad["reason"]) <= FILE_REASONS, set(bad["reason"]) - FILE_REASONS
        assert bad["message"].map(lambda m: isinstance(m, str) and m.strip() != "").all()
        assert (r.loc[bad["file"], "rows_in"] == 0).all()
    warnings = run.table("warnings")
    if len(warnings):
        assert (warnings["rows"] > 0).all()


def clean(raw: Path, sources: list[str] | None = None) -> CleanRun:
    """Run the real cleaner on raw and check the accounts."""
    run = clean_all(raw, CONTEXT, sources=sources)
    assert_accounts(run)
    return run


YEARS = [2020, 2021, 2022, 2023, 2024, 2025]


def computed(raw: Path) -> tuple[Tables, pd.DataFrame]:
    """The real path: raw folder → the cleaner (accounts checked) → Tables → the values stage."""
    tables = Tables.from_run(clean(raw))
    return tables, values_stage(tables, CONTEXT.plan, CONTEXT.areas)["values"]


def series(values: pd.DataFrame, indicator: str, area: str, years: Sequence[int] = YEARS) -> dict[int, float]:
    """One indicator's values of one area by year."""
    rows = values[(values["indicator"] == indicator) & (values["area_code"] == area)].set_index("year")
    return {y: float(rows.loc[y, "value"]) for y in years}


def recon_of(run: CleanRun, source: str, file: str) -> dict[str, object]:
    table = run.results[source].reconciliation.set_index("file")
    return table.loc[f"{source}/{file}"].to_dict()


def file_status(run: CleanRun, source: str, file: str) -> dict[str, object]:
    table = run.table("files").set_index("file")
    return table.loc[f"{source}/{file}"].to_dict()


def rejects(run: CleanRun, source: str) -> pd.DataFrame:
    q = run.results[source].quarantine
    return q[q["outcome"] == "rejected"].reset_index(drop=True)


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    folder.mkdir()
    return folder


# ----------------------------------------------------------------------------- the workers of `make test`
SPREAD = {"test_runner.py"}  # modules whose tests share only session fixtures: spread over the workers, one by one


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook (`-n`, pyproject's addopts)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """Each module's tests in one worker, its module fixtures built once; a SPREAD module's tests to whichever
    worker is free, one by one. (pytest-xdist's own `--dist loadgroup` does not group under pytest 9.)"""
    from xdist.scheduler import LoadScopeScheduling

    class ByModule(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return nodeid if Path(module).name in SPREAD else module

    return ByModule(config, log)


# ----------------------------------------------------------------------------- the shipped sample, generated once
def once(factory: pytest.TempPathFactory, name: str, make: Callable[[Path], T]) -> T:
    """What `make` builds in a fresh folder, once for the whole run: alone, in a folder of this session; under
    pytest-xdist (`make test`'s `-n`), by the first worker that asks, in a folder all the run's workers share (the
    others wait on a lock, then read its value back: paths and plain data)."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return make(factory.mktemp(name))
    import fcntl
    import pickle

    shared = factory.getbasetemp().parent  # the run's folder, each worker's basetemp inside it
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = shared / f"{name}.pickle"
        if done.is_file():
            return pickle.loads(done.read_bytes())
        folder = shared / name
        shutil.rmtree(folder, ignore_errors=True)  # what a worker that failed building it left
        folder.mkdir()
        value = make(folder)
        done.write_bytes(pickle.dumps(value))
        return value


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Seed 2020 twice and seed 7 once, generated in fresh interpreters (no shared hash seed) in parallel."""

    def make(folder: Path) -> dict[str, Path]:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from helpers.sample_data import generate

        dirs = {name: folder / name for name in ("main", "again", "other")}
        seeds = {"main": 2020, "again": 2020, "other": 7}
        with ProcessPoolExecutor(max_workers=3, mp_context=multiprocessing.get_context("spawn")) as pool:
            for job in [pool.submit(generate, dirs[name], seeds[name]) for name in dirs]:
                job.result()
        return dirs

    return once(tmp_path_factory, "runs", make)


@pytest.fixture(scope="session")
def sample_build(runs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, float]]:
    """The shipped sample (seed 2020) through every stage of the pipeline, once for the session (read only: a
    test that changes it works on a copy): its folder, and each stage's wall seconds in that build."""
    from helpers.pipeline import build

    def make(out: Path) -> tuple[Path, dict[str, float]]:
        return out, {name: seconds for name, _, seconds in build(runs["main"], out, CONTEXT, workers=2).steps}

    return once(tmp_path_factory, "sample_processed", make)


@pytest.fixture(scope="session")
def sample_processed(sample_build: tuple[Path, dict[str, float]]) -> Path:
    """The shipped sample through every stage (sample_build's folder; read only)."""
    return sample_build[0]


HOSTILE = "<script>alert(1)"  # a name from data that must stay text in every report format


@pytest.fixture(scope="session")
def hostile_processed(runs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample extracts plus a broken file named like a script tag, through every stage, once for the session
    (read only), for the reports' tests of every format."""
    from helpers.pipeline import build

    def make(folder: Path) -> Path:
        raw, out = folder / "raw", folder / "processed"
        shutil.copytree(runs["main"], raw)
        (raw / "patents" / f"{HOSTILE}.csv").write_bytes(b"\x00\x01binary junk\x00")
        build(raw, out, CONTEXT, workers=2)
        return out

    return once(tmp_path_factory, "hostile", make)


# The reports rendered once for the session: the 2023 (mid-term) and 2025 (final) reports of the city and 紫金县
RENDERED = {(2023, "441600"): ["html", "pdf", "docx"], (2023, "441621"): ["html", "pdf", "docx"],
            (2025, "441600"): ["html", "pdf"], (2025, "441621"): ["html", "pdf"]}


@pytest.fixture(scope="session")
def rendered(hostile_processed: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The reports of RENDERED from the hostile sample through the runner's worker (kernel, papermill, nbconvert,
    WeasyPrint, the Word edition of 2023), once for the session, and the index the runner writes over them (read
    only): `rendered[year, area][format]` is a file (formats and "ipynb"), `rendered["reports"]` the folder,
    `rendered["index"]` the index page."""
    from helpers.batch.jobs import Job, notebook_path
    from helpers.batch.site import write_index
    from helpers.batch.worker import Settings, render_job
    from helpers.pipeline import open_datasets

    def make(reports: Path) -> dict:
        out: dict = {"reports": reports}
        outcomes = []
        for (year, area), formats in RENDERED.items():
            settings = Settings(REPO, None, hostile_processed, reports, formats, notebook_path(REPO), 600)
            outcome = render_job(Job(year, area, CONTEXT.areas.names[area]), settings, "digest")
            assert outcome.error is None, outcome.error
            outcomes.append(outcome)
            out[year, area] = {Path(path).suffix[1:]: Path(path) for path in outcome.files}
        out["index"] = write_index(reports, sorted({year for year, _ in RENDERED}), outcomes,
                                   open_datasets(hostile_processed, CONTEXT), CONTEXT, "zh")
        return out

    return once(tmp_path_factory, "rendered", make)


@pytest.fixture(scope="session")
def page_of(hostile_processed: Path) -> Callable[[int, str], str]:
    """`page_of(year, area)`: the report's self-contained HTML page from the hostile sample, built in this process
    as the runner builds it from the executed notebook (each section a display output, the house template, the
    fonts cut to the page) without a kernel; built once per report for the session. test_report.py checks that it
    is the runner's page."""
    import functools

    import nbformat

    from helpers.report import Renderer, Report, Words, fonts_of, report_title

    renderer, words = Renderer(fonts_of(CONTEXT)), Words.of(CONTEXT, "zh")

    @functools.cache
    def build(year: int, area: str) -> str:
        report = Report.load(hostile_processed, year, area, context=CONTEXT)
        outputs = [nbformat.v4.new_output("display_data", data={"text/html": section.data})
                   for section in report.sections()]
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(outputs=outputs)])
        title = words("page_title", area_name=CONTEXT.areas.names[area], year=year,
                      title=report_title(year, CONTEXT.plan, words))
        return renderer.to_html(renderer.document(notebook, title, words))

    return build


# Debian's chromium, headless; the machine has no network, so nothing that would call home is started
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():  # noqa: ANN201 — Playwright's Browser
    """Debian's headless Chromium through Playwright, once for the session, for the tests that look at a page as a
    browser shows it."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "chromium is not installed: run `make install-system` (Debian package chromium)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def provenance(runs: dict[str, Path]) -> dict:
    import json

    return json.loads((runs["main"] / "PROVENANCE.json").read_text(encoding="utf-8"))
