"""The clean stage: every source of a raw folder cleaned and written as tables, quarantine and accounts."""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from helpers import cutoff
from helpers.cleaning import holders
from helpers.cleaning.inputs import RawInput, hidden
from helpers.cleaning.source import (
    REASON_COLUMNS,
    FilePart,
    Source,
    SourceResult,
    clean_files_spilled,
    clean_source,
    source_inputs,
    sources_of,
)
from helpers.cleaning.workers import context as workers_context
from helpers.cleaning.workers import dies_with_parent
from helpers.context import Context
from helpers.files import atomic_write, hash_files
from helpers.fingerprint import Code
from helpers.safety import neutralise_frame

PROVENANCE = "PROVENANCE.json"


class RawDirError(Exception):
    """The raw folder is missing or holds no extract at all (a message for people)."""


@dataclass
class CleanRun:
    """What one cleaning run produced, per source, plus the folder it wrote.

    When the run writes to a folder, each source's clean table and quarantine go to disk as soon as
    the source is done and are not kept in memory (`results[...].clean` is then empty); the accounts
    (reconciliation, files, warnings, reasons, summary) are always kept.
    """

    out_dir: Path
    results: dict[str, SourceResult] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    unknown_folders: list[str] = field(default_factory=list)
    stray_files: list[str] = field(default_factory=list)  # files at the top of the raw folder, outside any source
    manifest: dict = field(default_factory=dict)

    def table(self, part: str) -> pd.DataFrame:
        frames = [getattr(r, part) for r in self.results.values() if len(getattr(r, part))]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def reasons(self) -> pd.DataFrame:
        """Rows set aside per source, file, outcome and reason (the quarantine in counts)."""
        table = self.table("reasons")
        return table if len(table) else pd.DataFrame(columns=REASON_COLUMNS)


def check_raw_dir(raw_dir: Path, inputs: dict[str, list[RawInput]]) -> None:
    """The raw folder exists and holds data for some source (`inputs`: each source's, as listed)."""
    if not raw_dir.is_dir():
        raise RawDirError(f"找不到原始数据目录：{raw_dir}（请创建它并按来源放入导出文件，或运行 make sample-data）")
    def data(item: RawInput) -> bool:  # an input a reader takes, whether it then reads or not
        return item.problem is None or item.problem[0] != "unsupported_kind"

    if not any(data(item) for items in inputs.values() for item in items):
        names = ", ".join(inputs)
        raise RawDirError(
            f"原始数据目录为空：{raw_dir} 下没有任何来源文件夹中的数据文件"
            f"（应为 {raw_dir}/<来源>/<文件>，来源：{names}；可运行 make sample-data 生成示例数据）"
        )


def stray_files(raw_dir: Path) -> list[str]:
    """Files at the top of the raw folder, where no source reads them (the provenance record and hidden files
    aside)."""
    return sorted(p.name for p in raw_dir.iterdir() if not p.is_dir() and p.name != PROVENANCE and not hidden(p.name))


def _finish_source(source: Source, files: list[RawInput], raw_dir: Path, out_dir: Path | None,
                   parts: list[FilePart] | None = None) -> SourceResult:
    """Deduplicate and (when out_dir is given) write one source, keeping only its accounts in memory."""
    started = time.perf_counter()
    target = out_dir / "clean" / f"{source.name}.parquet" if out_dir else None
    result = clean_source(source, files, raw_dir, parts, target)
    if out_dir is not None:
        _atomic_parquet(result.quarantine, out_dir / "quarantine" / f"{source.name}.parquet")
        result.quarantine = pd.DataFrame()
    elsewhere = result.summary["file_seconds"] if parts is not None else 0.0  # files cleaned by other tasks
    result.summary = summarise(result, elsewhere + time.perf_counter() - started)
    return result


def clean_all(raw_dir: Path, context: Context, out_dir: Path | None = None, sources: list[str] | None = None,
              workers: int = 1, fork: bool = False, as_of: date | None = None, fingerprint: str | None = None,
              today: date | None = None) -> CleanRun:
    """Clean every source of the context's catalog under raw_dir (or only `sources`); write to out_dir when
    given. Raises RawDirError for an unusable folder.

    With `workers` > 1, files (of every source, largest first) are cleaned in that many processes; each
    source is deduplicated and written as soon as its last file is done. `fork`: this process runs nothing
    else (no library threads at work), so the workers may be forked from it (see helpers.workers). `as_of`: the
    user's as-of date (the data cut-off; rows not yet known on it are set aside as out of scope). `fingerprint`:
    the raw_fingerprint the caller took before cleaning (else it is taken after), recorded in the manifest. `today`:
    the day of the run (default: the real one; rows dated after it are rejected as `future_date`).
    """
    raw_dir = Path(raw_dir)
    plan = context.plan
    today = today or date.today()
    known = sources_of(context.sources, context.cleaning, context.areas, context.plan_items,
                       (plan.base_year + 1, plan.target_year), context.official, as_of, today)
    inputs = {name: source_inputs(raw_dir, source) for name, source in known.items()}  # each workbook opened once
    check_raw_dir(raw_dir, inputs)
    out = Path(out_dir) if out_dir is not None else None
    run = CleanRun(out_dir=out or raw_dir)
    run.unknown_folders = sorted(p.name for p in raw_dir.iterdir() if p.is_dir() and p.name not in known)
    run.stray_files = stray_files(raw_dir)
    todo = {}
    for source in sources or list(known):
        files = inputs[source]
        if files:
            todo[source] = files
        else:
            run.missing.append(source)
    if workers > 1 and sum(len(f) for f in todo.values()) > 1:
        results = _in_parallel({known[name]: files for name, files in todo.items()}, raw_dir, out, workers, fork)
    else:
        results = {name: _finish_source(known[name], files, raw_dir, out) for name, files in todo.items()}
    run.results = {name: results[name] for name in todo}
    _place_by_holders(run, known, context, out)
    run.manifest = _manifest(raw_dir, run, context, as_of, fingerprint, today)
    if out is not None:
        write(run, out)
    return run


def _place_by_holders(run: CleanRun, known: dict[str, Source], context: Context, out: Path | None) -> None:
    """Once every source is clean: the rows without a location of their own placed by the holder address book
    (helpers.cleaning.holders), each placement counted in its source's warnings."""
    tables = holders.CleanTables({name: result.clean for name, result in run.results.items()}, out)
    placed = holders.place_by_holders({name: known[name].spec for name in run.results}, tables, context.cleaning,
                                      context.areas)
    for source, warnings in placed.items():
        result = run.results[source]
        result.warnings = pd.concat([result.warnings, warnings], ignore_index=True).sort_values(
            "warning", kind="stable", ignore_index=True)


def _start_worker() -> None:
    """A pool worker dies with the process that runs the pool; it uses one thread (the workers already use every
    core between them: Arrow's own thread pool would only oversubscribe)."""
    import pyarrow

    dies_with_parent()
    pyarrow.set_cpu_count(1)


def _work(item: RawInput) -> int:
    """An input's expected cleaning work, for scheduling: its size as stored, weighted for compressed formats."""
    packed = item.path.suffix.lower() in (".gz", ".zip")
    return item.size() * (10 if packed else 1) * {".xlsx": 8, ".xls": 4}.get(item.suffix, 1)


# a source with at most this much work (a list) is one task, and a big source's smaller inputs are cleaned in batches
# of this much (a ledger's workbooks): a pass costs about 0.1 s per file whatever its rows
SMALL_SOURCE_WORK = 1 << 20


def _batches(items: list[RawInput], size: dict[RawInput, int]) -> list[list[tuple[int, RawInput]]]:
    """A big source's inputs (with their place among its inputs) as tasks, largest first: an input of at least
    SMALL_SOURCE_WORK alone, smaller ones together until a task holds that much (a ledger's workbooks cleaned in one
    pass, as a small source is: each alone cost more in fixed steps than in rows)."""
    batches: list[list[tuple[int, RawInput]]] = []
    held = SMALL_SOURCE_WORK  # no batch open yet
    for index, item in sorted(enumerate(items), key=lambda pair: -size[pair[1]]):
        if held >= SMALL_SOURCE_WORK:
            batches.append([])
            held = 0
        batches[-1].append((index, item))
        held += size[item]
    return batches


def _in_parallel(todo: dict[Source, list[RawInput]], raw_dir: Path, out: Path | None, workers: int, fork: bool) -> dict:
    """Files and then each source's deduplication and writing, all in a process pool.

    Sources go largest first, each source's files together and largest first: the long finishing tasks of
    the big sources then run beside the other sources' files instead of last, alone. At most `workers`
    tasks run at once, and a source whose files are all done has its finishing task queued ahead of the
    remaining files. A small source is one task, files and finish; a big source's small files are cleaned a batch
    per task (`_batches`): per task, starting costs more than the work of a ledger's file.
    """
    size = {item: _work(item) for items in todo.values() for item in items}
    work = {source: sum(size[item] for item in items) for source, items in todo.items()}
    small = {source for source, total in work.items() if total <= SMALL_SOURCE_WORK}
    jobs = sorted([*((source, batch) for source, items in todo.items() if source not in small
                     for batch in _batches(items, size)), *((source, None) for source in small)],
                  key=lambda job: (-work[job[0]], job[0].name))  # stable: a source's batches stay largest first
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    results: dict[str, SourceResult] = {}
    waiting = {source: len(items) for source, items in todo.items() if source not in small}
    parts: dict[Source, list[FilePart]] = {source: [] for source in waiting}
    context = workers_context(fork)
    with (tempfile.TemporaryDirectory(prefix="clean-parts-", dir=out) as folder,
          ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_worker) as pool):
        finishing: list[str] = []
        running: dict = {}

        def submit_next() -> None:
            if finishing:
                source = finishing.pop(0)
                done = sorted(parts.pop(source), key=lambda part: part.index)
                running[pool.submit(_finish_source, source, todo[source], raw_dir, out, done)] = ("finish", source)
            elif jobs:
                source, batch = jobs.pop(0)
                if batch is None:  # a small source: its files and its finish in one task, nothing spilled
                    running[pool.submit(_finish_source, source, todo[source], raw_dir, out)] = ("finish", source)
                else:
                    running[pool.submit(clean_files_spilled, source, batch, raw_dir, Path(folder))] = \
                        ("files", source)

        for _ in range(workers):
            submit_next()
        while running:
            future = next(as_completed(running))
            kind, source = running.pop(future)
            if kind == "files":
                cleaned = future.result()
                parts[source] += cleaned
                waiting[source] -= len(cleaned)
                if waiting[source] == 0:
                    finishing.append(source)
            else:
                results[source.name] = future.result()
            while len(running) < workers and (finishing or jobs):
                submit_next()
    return results


def summarise(result: SourceResult, seconds: float) -> dict:
    """Files, clean rows, latest date and seconds of one source (summed over the processes), for the manifest."""
    return {
        "files": int((result.files["status"] == "ok").sum()),
        "files_rejected": int((result.files["status"] == "rejected").sum()),
        "rows_clean": result.summary["rows_clean"],
        "latest_date": result.summary["latest_date"],
        "stated_cutoff": result.summary["stated_cutoff"],
        "stated_in": result.summary["stated_in"],
        "date_ahead": result.summary["date_ahead"],
        "seconds": round(seconds, 3),
    }


def raw_fingerprint(raw_dir: Path, context: Context, as_of: date | None = None) -> str:
    """Changes when a raw file (its path under the raw folder, size and content), the code cleaning runs (clean_all's
    module and every module it imports, helpers.fingerprint), the configuration or the as-of date changes. Neither
    a file's time nor where the folder is are part of it: a copy, a moved folder or a `touch` changes nothing, an
    edit that keeps size and time does."""
    raw_dir = Path(raw_dir)
    code = Code().digest([clean_all], context.conf.files())
    digest = hashlib.sha256(f"as_of={as_of}|{code}".encode())
    return hash_files(digest, sorted(p for p in raw_dir.rglob("*") if p.is_file()), root=raw_dir).hexdigest()[:16]


def unchanged(raw_dir: Path, out_dir: Path, context: Context, as_of: date | None = None,
              today: date | None = None) -> bool:
    """The processed folder was cleaned from exactly this raw folder, code, configuration and as-of date, and would
    be cleaned the same on `today` (default: the real day)."""
    manifest = Path(out_dir) / "manifest.json"
    try:
        recorded = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return still_fresh(recorded, raw_fingerprint(raw_dir, context, as_of), today)


def still_fresh(manifest: dict, fingerprint: str, today: date | None = None) -> bool:
    """A cleaning recorded in `manifest` holds for these inputs (`fingerprint`) on `today`: the same inputs, and no
    date it found ahead of its day (`date_ahead`: a rejected future date, a planned date, a stated cut-off) has
    come since — from that day the same files clean differently."""
    ahead = manifest.get("date_ahead")
    return manifest.get("raw_fingerprint") == fingerprint and (
        ahead is None or (today or date.today()).isoformat() < ahead)


def _manifest(raw_dir: Path, run: CleanRun, context: Context, as_of: date | None, fingerprint: str | None,
              today: date) -> dict:
    provenance_file = raw_dir / PROVENANCE
    provenance = json.loads(provenance_file.read_text(encoding="utf-8")) if provenance_file.is_file() else {}
    sources = {name: result.summary for name, result in run.results.items()}
    return {
        "cleaned_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "run_day": today.isoformat(),
        "raw_fingerprint": fingerprint or raw_fingerprint(raw_dir, context, as_of),
        "raw_dir": str(raw_dir),
        "synthetic": bool(provenance.get("synthetic", False)),
        "provenance": {k: provenance[k] for k in ("generator", "seed", "scale", "note") if k in provenance},
        **cutoff.decide(as_of, [(s["stated_cutoff"], s["stated_in"]) for s in sources.values() if s["stated_cutoff"]],
                        [(s["latest_date"], name) for name, s in sources.items()
                         if s["latest_date"] and context.sources[name].get("dates_the_data", True)]),
        "date_ahead": min(filter(None, (s["date_ahead"] for s in sources.values())), default=None),
        "sources": sources,
        "missing_sources": run.missing,
        "unknown_folders": run.unknown_folders,
        "stray_files": run.stray_files,
    }


def _atomic_parquet(frame: pd.DataFrame, path: Path) -> None:
    atomic_write(path, lambda partial: frame.to_parquet(partial, index=False))


ACCOUNTS = ("reconciliation", "files", "warnings", "reasons")


def write(run: CleanRun, out_dir: Path) -> None:
    """The accounts (reconciliation, files, warnings, reasons) and the manifest, with each source's digest;
    stale source tables are removed."""
    for stale in [*(out_dir / "clean").glob("*.parquet"), *(out_dir / "quarantine").glob("*.parquet")]:
        if stale.stem not in run.results:
            stale.unlink()
    tables = {part: run.reasons() if part == "reasons" else run.table(part) for part in ACCOUNTS}
    for part, table in tables.items():
        _atomic_parquet(table, out_dir / f"{part}.parquet")
        atomic_write(out_dir / f"{part}.csv", "\ufeff" + neutralise_frame(table).to_csv(index=False))  # BOM: Excel
    for source, summary in run.manifest["sources"].items():
        summary["digest"] = source_digest(out_dir, source, tables)
    atomic_write(out_dir / "manifest.json", json.dumps(run.manifest, ensure_ascii=False, indent=2))


def source_digest(out_dir: Path, source: str, accounts: dict[str, pd.DataFrame]) -> str:
    """Changes when anything cleaning wrote about `source` changes: its clean and quarantine tables and its rows
    of the accounts. Recorded in the manifest, so that a later stage or report knows what is stale without
    reading the tables again."""
    digest = hashlib.sha256(source.encode())
    for part in ("clean", "quarantine"):
        digest.update((out_dir / part / f"{source}.parquet").read_bytes())
    for part, table in accounts.items():
        rows = table[table["source"] == source] if "source" in table else table.iloc[0:0]
        digest.update(part.encode() + rows.to_csv(index=False).encode())
    return digest.hexdigest()
