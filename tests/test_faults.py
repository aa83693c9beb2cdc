"""Faults of files and of runs (issue 14): every probe ends in a clear account — a rejected input with its
reason, a rejected line with its number, an exit code 2 with one message — never a traceback, a silent gap or
a half-written folder."""

from __future__ import annotations

import builtins
import gzip
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from conftest import (
    CONTEXT,
    LEDGER_HEADER,
    PATENT_HEADER,
    REPO,
    app_no,
    clean,
    file_status,
    recon_of,
    rejects,
    run_cli,
    write_bytes,
    write_csv,
    write_log,
)
from full_disk import full_open
from helpers import cli
from helpers.files import staged_folder, sweep_leftovers
from helpers.pipeline import DatasetError, build, open_datasets

LOG_LINE = ('203.0.113.5 - - [05/Mar/2021:10:00:00 +0800] "GET /index.html HTTP/1.1" 200 512 "-" '
            '"Mozilla/5.0 (Windows NT 10.0)"')


def patent_rows(first: int, count: int) -> list[list[str]]:
    return [[app_no(f"2021101{n:05d}"), "2021-03-05", f"公司{n}", "河源市源城区"] for n in range(first, first + count)]


def csv_bytes(header: list[str], rows: list[list[str]], delimiter: str = ",", preamble: str = "") -> bytes:
    lines = [preamble] if preamble else []
    lines += [delimiter.join(header), *(delimiter.join(row) for row in rows)]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """An xlsx with one sheet per entry (rows as given, header included)."""
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                sheet.write_string(r, c, str(value))
    book.close()
    return path


def files_of(run, source: str):  # noqa: ANN001, ANN201 — a CleanRun; its files table by name
    table = run.table("files")
    return table[table["source"] == source].set_index("file")


# ----------------------------------------------------------------------------- every sheet, every member
def test_every_sheet_of_a_workbook_is_read_and_accounted(raw):
    workbook(raw / "patents" / "p.xlsx", {
        "2016-2020": [PATENT_HEADER, *patent_rows(1, 3)],
        "2021-2025": [["检索结果"], PATENT_HEADER, *patent_rows(10, 4)],
        "说明": [],
        "备注": [["这是备注", "没有表头"], ["第二行", "x"]],
        "另表": [["甲", "乙", "丙", "丁"], *[[f"r{n}", "x", "y", "z"] for n in range(4)]],
    })
    run = clean(raw, ["patents"])
    files = files_of(run, "patents")
    assert len(run.results["patents"].clean) == 7
    assert recon_of(run, "patents", "p.xlsx!2016-2020")["clean"] == 3
    assert recon_of(run, "patents", "p.xlsx!2021-2025")["clean"] == 4
    assert (files.loc["patents/p.xlsx!说明", "status"], files.loc["patents/p.xlsx!说明", "reason"]) == \
        ("skipped", "empty_sheet")
    assert (files.loc["patents/p.xlsx!备注", "status"], files.loc["patents/p.xlsx!备注", "reason"]) == \
        ("skipped", "notes_sheet")  # a few cells and no header: a notes page
    assert (files.loc["patents/p.xlsx!另表", "status"], files.loc["patents/p.xlsx!另表", "reason"]) == \
        ("rejected", "no_header")  # a table whose header is not the source's
    assert files.loc["patents/p.xlsx!2021-2025", "sheet"] == "2021-2025"


def test_zip_members_and_gzipped_tables_are_read_as_files_of_their_source(raw):
    folder = raw / "patents"
    folder.mkdir()
    with zipfile.ZipFile(folder / "export.zip", "w") as archive:
        archive.writestr("导出/a.csv", csv_bytes(PATENT_HEADER, patent_rows(1, 5)))
        archive.writestr("readme.docx", b"not a table")
        archive.writestr("__MACOSX/._a.csv", b"resource fork")
        archive.writestr("b.csv.gz", gzip.compress(csv_bytes(PATENT_HEADER, patent_rows(20, 2))))
    (folder / "c.csv.gz").write_bytes(gzip.compress(csv_bytes(PATENT_HEADER, patent_rows(30, 3), delimiter="\t")))
    run = clean(raw, ["patents"])
    files = files_of(run, "patents")
    assert len(run.results["patents"].clean) == 10
    assert recon_of(run, "patents", "export.zip!导出/a.csv")["clean"] == 5
    assert recon_of(run, "patents", "export.zip!b.csv.gz")["clean"] == 2
    assert recon_of(run, "patents", "c.csv.gz")["clean"] == 3
    assert files.loc["patents/export.zip!readme.docx", "reason"] == "unsupported_kind"
    assert not any("__MACOSX" in name for name in files.index)


@pytest.mark.parametrize(("name", "data", "code"), [
    ("bad.zip", b"PK\x03\x04" + b"\x00" * 40, "corrupt_archive"),
    ("empty.zip", None, "empty_archive"),
    ("cut.csv.gz", gzip.compress(b"x" * 5000, mtime=0)[:30], "corrupt_compression"),
], ids=["bad.zip", "empty.zip", "cut.csv.gz"])  # ids stable across pytest-xdist's workers (no bytes, no gzip time)
def test_a_damaged_archive_is_rejected_alone(raw, name, data, code):
    write_csv(raw, "patents", "good.csv", PATENT_HEADER, patent_rows(1, 2))
    if data is None:
        (raw / "patents" / name).write_bytes(_empty_zip())
    else:
        write_bytes(raw, "patents", name, data)
    run = clean(raw, ["patents"])
    assert file_status(run, "patents", name)["reason"] == code
    assert len(run.results["patents"].clean) == 2


def _empty_zip() -> bytes:
    buffer = io.BytesIO()
    zipfile.ZipFile(buffer, "w").close()
    return buffer.getvalue()


@pytest.mark.e2e
def test_a_corrupt_gzipped_log_stops_only_itself(raw, tmp_path):
    write_log(raw, "a.log", [LOG_LINE] * 3)
    write_log(raw, "b.log.gz", [LOG_LINE.replace("05/Mar", "06/Mar")] * 2, gz=True)
    good = gzip.compress(("\n".join([LOG_LINE] * 400) + "\n").encode())
    write_bytes(raw, "web_logs", "c.log.gz", good[:20] + bytes(b ^ 0x5A for b in good[20:60]) + good[60:])
    run = clean(raw, ["web_logs"])
    assert file_status(run, "web_logs", "c.log.gz")["reason"] == "corrupt_compression"
    assert len(run.results["web_logs"].clean) == 5
    out = tmp_path / "values.csv"
    done = run_cli("indicators", "--raw-dir", str(raw), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and out.is_file()


def test_a_log_line_cut_inside_its_last_quoted_field_is_rejected_alone(raw):
    lines = [LOG_LINE.replace("10:00:00", f"10:{n // 60:02d}:{n % 60:02d}") for n in range(300)]
    lines[150] = lines[150][: -12]  # cut inside the quoted user agent
    write_log(raw, "access.log", lines)
    run = clean(raw, ["web_logs"])
    bad = rejects(run, "web_logs")
    assert bad[["reason", "line"]].values.tolist() == [["bad_log_line", 151]]
    assert recon_of(run, "web_logs", "access.log")["rows_in"] == 300


def test_a_line_with_an_unclosed_quote_in_a_table_is_rejected_alone(raw):
    rows = patent_rows(1, 30)
    rows[10][2] = '"公司, 没有收尾的引号'
    write_bytes(raw, "patents", "p.csv", csv_bytes(PATENT_HEADER, rows))
    run = clean(raw, ["patents"])
    recon = recon_of(run, "patents", "p.csv")
    bad = rejects(run, "patents")
    assert set(bad["reason"]) == {"broken_line"} and 12 in bad["line"].tolist()
    assert recon["clean"] >= 30 - len(bad) - 1 and recon["rows_in"] == recon["clean"] + recon["rejected"]


# ----------------------------------------------------------------------------- unreadable files
def test_a_file_the_process_cannot_read_is_rejected_alone(raw):
    write_csv(raw, "patents", "good.csv", PATENT_HEADER, patent_rows(1, 2))
    target = raw / "patents" / "locked.csv"
    if os.geteuid() == 0:  # root reads whatever the permissions: a file whose reading fails with EIO instead
        target.symlink_to("/proc/self/mem")
    else:
        write_csv(raw, "patents", "locked.csv", PATENT_HEADER, patent_rows(5, 2))
        target.chmod(0)
    run = clean(raw, ["patents"])
    status = file_status(run, "patents", "locked.csv")
    assert (status["status"], status["reason"]) == ("rejected", "unreadable")
    assert len(run.results["patents"].clean) == 2


# ----------------------------------------------------------------------------- dialects and headers
def test_semicolon_and_pipe_separated_tables_are_read(raw):
    write_bytes(raw, "patents", "semi.csv", csv_bytes(PATENT_HEADER, patent_rows(1, 3), delimiter=";"))
    write_bytes(raw, "patents", "pipe.txt", csv_bytes(PATENT_HEADER, patent_rows(10, 2), delimiter="|"))
    run = clean(raw, ["patents"])
    assert recon_of(run, "patents", "semi.csv")["clean"] == 3
    assert recon_of(run, "patents", "pipe.txt")["clean"] == 2


def test_a_tab_file_with_a_search_expression_above_the_header_is_read(raw):
    data = csv_bytes(PATENT_HEADER, patent_rows(1, 4), delimiter="\t", preamble="检索式: 申请人地址=(河源), 命中 4 条")
    write_bytes(raw, "patents", "cnipa.txt", data)
    run = clean(raw, ["patents"])
    assert recon_of(run, "patents", "cnipa.txt")["clean"] == 4
    assert file_status(run, "patents", "cnipa.txt")["header_line"] == 2


def test_two_columns_of_one_name_use_the_leftmost_and_say_so(raw):
    header = ["案件编号", "受理日期", "受理日期", "案件类型", "所在区县"]
    write_csv(raw, "assistance_cases", "a.csv", header, [["C1", "2021-03-05", "2022-01-01", "调解", "紫金"]])
    run = clean(raw, ["assistance_cases"])
    got = run.results["assistance_cases"].clean
    assert got["accepted_date"].tolist()[0].year == 2021  # the leftmost column is the one used
    message = file_status(run, "assistance_cases", "a.csv")["message"]
    assert "第 2 列" in message and "第 3 列" in message


@pytest.mark.e2e
def test_a_file_at_the_top_of_the_raw_folder_is_mentioned(raw, tmp_path):
    write_csv(raw, "assistance_cases", "a.csv", LEDGER_HEADER, [["C1", "2021-03-05", "调解", "紫金"]])
    (raw / "patents_2021.csv").write_text("申请号\n", encoding="utf-8")
    (raw / ".DS_Store").write_bytes(b"\0")
    run = clean(raw)
    assert run.stray_files == ["patents_2021.csv"]
    done = run_cli("clean", "--raw-dir", str(raw), "--out", str(tmp_path / "out"), "--workers", "1")
    assert done.returncode == 0, done.stderr
    assert "patents_2021.csv" in done.stdout
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["stray_files"] == ["patents_2021.csv"]


# ----------------------------------------------------------------------------- output paths
@pytest.fixture
def small_raw(raw: Path) -> Path:
    write_csv(raw, "assistance_cases", "a.csv", LEDGER_HEADER, [["C1", "2021-03-05", "调解", "紫金"]])
    return raw


def _refused(done: subprocess.CompletedProcess) -> None:
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "无法写入输出位置" in done.stderr


@pytest.mark.e2e
def test_clean_out_an_existing_file_or_a_folder_of_other_files_is_refused(small_raw, tmp_path):
    existing = tmp_path / "existing.txt"
    existing.write_text("x", encoding="utf-8")
    _refused(run_cli("clean", "--raw-dir", str(small_raw), "--out", str(existing)))
    other = tmp_path / "home"
    other.mkdir()
    (other / "thesis.docx").write_bytes(b"x")
    _refused(run_cli("clean", "--raw-dir", str(small_raw), "--out", str(other)))
    assert [p.name for p in other.iterdir()] == ["thesis.docx"]


@pytest.mark.e2e
def test_indicators_out_a_folder_and_reports_under_a_file_are_refused(small_raw, tmp_path, sample_processed):
    folder = tmp_path / "a-folder"
    folder.mkdir()
    _refused(run_cli("indicators", "--raw-dir", str(small_raw), "--out", str(folder)))
    a_file = tmp_path / "file.txt"
    a_file.write_text("x", encoding="utf-8")
    _refused(run_cli("evaluate", "--processed", str(sample_processed), "--reports", str(a_file / "reports")))
    _refused(run_cli("run", "--processed", str(sample_processed), "--reports", str(a_file)))


@pytest.mark.e2e
@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_output_folder_is_refused(small_raw, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        _refused(run_cli("clean", "--raw-dir", str(small_raw), "--out", str(locked / "processed")))
        _refused(run_cli("indicators", "--raw-dir", str(small_raw), "--out", str(locked / "v.csv")))
    finally:
        locked.chmod(0o755)


def _denied(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """`folder` is not writable for this user (tests run as root, whom chmod does not stop: os.access says so)."""
    real = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: Path(path).absolute() != folder and
                        real(path, mode, **kw))


def test_clean_into_a_folder_whose_parent_is_not_writable_is_refused_before_any_work(small_raw, tmp_path, monkeypatch,
                                                                                      capsys):
    shared, out = tmp_path / "shared", tmp_path / "shared" / "mine"  # the user owns mine, not shared
    out.mkdir(parents=True)
    _denied(monkeypatch, shared)
    assert cli.main(["clean", "--raw-dir", str(small_raw), "--out", str(out), "--workers", "1"]) == 2
    error = capsys.readouterr().err
    assert "无法写入输出位置" in error and f"没有写入 {shared} 的权限" in error and "Traceback" not in error
    assert list(out.iterdir()) == [] and [p.name for p in shared.iterdir()] == ["mine"]


def test_a_second_clean_on_one_folder_is_refused_while_the_first_runs(small_raw, tmp_path, capsys):
    out = tmp_path / "processed"
    with staged_folder(out):  # a first clean, between its start and its end
        assert cli.main(["clean", "--raw-dir", str(small_raw), "--out", str(out), "--workers", "1"]) == 2
        error = capsys.readouterr().err
        assert f"另一个清洗正在写入 {out}" in error and "Traceback" not in error
    assert out.is_dir() and not [p for p in tmp_path.iterdir() if p.name.startswith(".processed.")]


def test_a_full_disk_stops_clean_with_one_message_and_leaves_the_previous_folder(small_raw, tmp_path, monkeypatch,
                                                                                 capsys):
    data = tmp_path / "data"
    out = data / "processed"
    assert cli.main(["clean", "--raw-dir", str(small_raw), "--out", str(out), "--workers", "1"]) == 0
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    write_csv(small_raw, "assistance_cases", "b.csv", LEDGER_HEADER, [["C2", "2022-04-01", "调解", "龙川"]])
    capsys.readouterr()
    with monkeypatch.context() as full:  # the disk holding data/ fills up
        full.setattr(io, "open", full_open(data))
        full.setattr(builtins, "open", io.open)
        code = cli.main(["clean", "--raw-dir", str(small_raw), "--out", str(out), "--workers", "1"])
    error = capsys.readouterr().err
    assert code == 2, error
    assert error.startswith(f"错误：磁盘空间已满：无法写入 {out}") and len(error.strip().splitlines()) == 1
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert [p.name for p in data.iterdir()] == ["processed"], "no staging folder, no lock, no partial file"


def test_sample_data_goes_only_into_an_empty_folder_or_an_earlier_sample(small_raw, tmp_path, monkeypatch, capsys):
    before = sorted(p.relative_to(small_raw).as_posix() for p in small_raw.rglob("*"))
    assert cli.main(["sample-data", "--out", str(small_raw)]) == 2
    error = capsys.readouterr().err
    assert "已有不属于示例数据的文件（assistance_cases/a.csv）" in error and "Traceback" not in error
    assert sorted(p.relative_to(small_raw).as_posix() for p in small_raw.rglob("*")) == before
    assert cli.main(["sample-data", "--out", str(small_raw), "--if-empty"]) == 0  # `make sample-data`
    assert "already holds data" in capsys.readouterr().out
    locked = tmp_path / "locked"
    locked.mkdir()
    _denied(monkeypatch, locked)
    assert cli.main(["sample-data", "--out", str(locked / "raw")]) == 2
    assert f"无法写入输出位置：没有写入 {locked} 的权限" in capsys.readouterr().err
    assert list(locked.iterdir()) == []


# ----------------------------------------------------------------------------- interrupted runs
def _children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found |= {int(n) for n in task.read_text().split()}
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


@pytest.mark.e2e
@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_kill_9_of_clean_leaves_no_worker_and_the_previous_complete_folder(runs, sample_processed, tmp_path):
    out = tmp_path / "processed"
    shutil.copytree(sample_processed, out)
    before = (out / "manifest.json").read_bytes()
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "HELPERS_ROOT": str(REPO)}
    process = subprocess.Popen([sys.executable, "-m", "helpers", "clean", "--raw-dir", str(runs["main"]),
                                "--out", str(out), "--workers", "2"], env=env, cwd=REPO,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while len(workers) < 2 and process.poll() is None and time.monotonic() < deadline:
        workers |= _children(process.pid)
        time.sleep(0.01)
    assert process.poll() is None and len(workers) >= 2, "clean ended before its workers could be seen"
    time.sleep(1.0)  # well into cleaning: files are being written into the staging folder
    process.send_signal(signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if _alive(pid)], "workers survived their killed parent"
    assert (out / "manifest.json").read_bytes() == before  # the previous run's result, whole
    datasets = open_datasets(out, CONTEXT)
    assert datasets.exists("values")
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".processed.")], "the killed run's staging"
    build(runs["main"], out, CONTEXT, workers=1, if_changed=True)  # the next run sweeps what the killed one left
    assert not [p.name for p in out.parent.iterdir() if p.name.startswith(".processed.")]
    assert not list(out.glob("clean-parts-*")) and not list(out.rglob(".partial-*"))


@pytest.mark.e2e
def test_readers_refuse_a_folder_whose_manifest_lists_missing_tables(sample_processed, tmp_path):
    out = tmp_path / "processed"
    shutil.copytree(sample_processed, out)
    (out / "clean" / "patents.parquet").unlink()
    with pytest.raises(DatasetError, match="不完整"):
        open_datasets(out, CONTEXT)
    done = run_cli("evaluate", "--processed", str(out), "--reports", str(tmp_path / "reports"))
    assert done.returncode == 2 and "clean" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "reports").exists() or not list((tmp_path / "reports").rglob("*.xlsx"))


def test_a_failed_clean_leaves_the_previous_folder_and_no_leftovers(sample_processed, tmp_path, monkeypatch):
    out = tmp_path / "processed"
    shutil.copytree(sample_processed, out)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    raw = tmp_path / "raw"
    write_csv(raw, "assistance_cases", "a.csv", LEDGER_HEADER, [["C1", "2021-03-05", "调解", "紫金"]])

    def fail(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 — a stage that breaks half-way
        raise RuntimeError("stage failed")

    monkeypatch.setattr("helpers.indicators.stage.compute_values", fail)
    with pytest.raises(RuntimeError):
        build(raw, out, CONTEXT)
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert not sweep_leftovers(out) and not [p for p in tmp_path.iterdir() if p.name.startswith(".processed.")]
