"""Benchmarks of cleaning and of the indicator stages (`make bench`), judged by ratios measured in one run.

On synthetic samples generated for the purpose (cached under .cache/bench):
  * the full `python -m helpers clean` (every stage) on the --scale 50 sample, run three times, against the
    floor: the same files read by Arrow (CSV, logs) or calamine (workbooks) and written to Parquet, nothing
    else, in as many processes — also three times, interleaved. Budget: the fastest clean within 3× the
    fastest floor (as `timeit` judges: other tenants of a shared machine only ever add time);
  * peak memory of the clean and its workers, added up (shared libraries counted in each): under 1 GB;
  * scaling: the same at --scale 5; the time ratio must stay within 1.2× the row ratio (linear);
  * a naive baseline on the same patent files — csv/openpyxl row by row, one Python call per cell, no caching of
    repeated values — as the ratio of its time to ours on the same rows (printed, no budget);
  * the values and evaluation stages at --scale 50 against a per-cell baseline that computes each (indicator,
    year) on its own with nothing shared: at least 10× faster.
Absolute seconds drift by ±30 % within minutes on this machine; every budget is a ratio of two timings taken
in the same run.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from helpers.cleaning import places, readers  # noqa: E402
from helpers.cleaning.parsing import check_char  # noqa: E402
from helpers.context import Context  # noqa: E402
from helpers.pipeline import build  # noqa: E402

CONTEXT = Context.load(ROOT)
FLOOR_RATIO = 3.0
BUDGET_BYTES = 1024**3
SCALING_SLACK = 1.2
ENGINE_SPEEDUP = 10.0


def sample(scale: int, seed: int = 2020) -> Path:
    """The raw folder of a synthetic sample at `scale`, generated once and cached."""
    raw = ROOT / ".cache" / "bench" / f"scale-{scale}" / "raw"
    provenance = raw / "PROVENANCE.json"
    generator = CONTEXT.conf.read("sample_data")["generator"]
    if provenance.is_file():
        meta = json.loads(provenance.read_text(encoding="utf-8"))
        if (meta.get("scale"), meta.get("seed"), meta.get("generator")) == (scale, seed, generator):
            return raw  # the same sample (a new version of the generator writes a new one)
    from helpers import sample_data

    print(f"generating the scale-{scale} sample (once; cached in {raw.parent}) …", flush=True)
    sample_data.generate(raw, seed=seed, scale=scale)
    return raw


def processed_sample(scale: int = 1) -> Path:
    """The cleaned tables of the sample at `scale`, cleaned once and cached beside its raw folder."""
    raw = sample(scale)
    processed = raw.parent / "processed"
    build(raw, processed, CONTEXT, workers=2, if_changed=True)
    return processed


class MemoryWatch(threading.Thread):
    """Peak resident memory of a process session (the CLI and every process it starts, including pool workers
    that a fork server, not the CLI, is parent of): of the largest process and of all of them together, sampled
    every 20 ms from /proc (the session's processes are looked up every 0.2 s: watching costs about 1 % of a
    core)."""

    def __init__(self, session: int) -> None:
        super().__init__(daemon=True)
        self.session, self.largest, self.total, self.done = session, 0, 0, threading.Event()

    def members(self) -> list[str]:
        found = []
        for entry in os.scandir("/proc"):
            try:
                if entry.name.isdigit() and int(Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()[3]) \
                        == self.session:
                    found.append(entry.path)
            except (OSError, ValueError, IndexError):
                continue
        return found

    def run(self) -> None:
        page, members, ticks = os.sysconf("SC_PAGE_SIZE"), [], 0
        while not self.done.wait(0.02):
            if ticks % 10 == 0:
                members = self.members()
            ticks += 1
            sizes = []
            for path in members:
                try:
                    sizes.append(int(Path(path, "statm").read_text().split()[1]) * page)
                except (OSError, ValueError, IndexError):
                    continue
            self.largest, self.total = max([self.largest, *sizes]), max(self.total, sum(sizes))


def clean_process(raw: Path) -> dict:
    """Run the real CLI in its own session; wall seconds, peak memory, rows in and seconds per source."""
    out = raw.parent / "processed"
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "helpers", "clean", "--raw-dir", str(raw), "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT, start_new_session=True)
    watch = MemoryWatch(proc.pid)
    watch.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    watch.done.set()
    watch.join()
    if status != 0:
        raise SystemExit(f"clean failed: {proc.stderr.read().decode() if proc.stderr else status}")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    import pandas as pd

    recon = pd.read_parquet(out / "reconciliation.parquet").groupby("source")["rows_in"].sum()
    per_source = {name: (int(recon.get(name, 0)), meta["seconds"]) for name, meta in manifest["sources"].items()}
    return {"wall": wall, "peak_bytes": watch.total, "largest_bytes": max(watch.largest, usage.ru_maxrss * 1024),
            "sources": per_source, "rows": int(recon.sum())}


# ----------------------------------------------------------------------------- naive baseline
_DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d", "%Y-%m-%d %H:%M:%S"]


def _naive_date(text: str) -> dt.date | None:
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def _naive_rows(path: Path):
    if path.suffix.lower() == ".xlsx":
        import openpyxl

        sheet = openpyxl.load_workbook(path, read_only=True).active
        for row in sheet.iter_rows(values_only=True):
            yield ["" if v is None else str(v) for v in row]
        return
    data = path.read_bytes()
    encoding = readers.detect_encoding(data)
    yield from csv.reader(data.decode(encoding).splitlines())


def naive_patents(files: list[Path]) -> tuple[int, float]:
    """Row-by-row cleaning of the patent files as a user without this tool would write it."""
    header = readers.Header.of(CONTEXT.sources["patents"], CONTEXT.cleaning)
    key = CONTEXT.cleaning.header_key
    started = time.perf_counter()
    count = 0
    for path in files:
        positions: dict[str, int] | None = None
        try:
            rows = list(_naive_rows(path))
        except (readers.FileRejected, OSError, ValueError):  # a broken file: skipped, as the cleaner does
            continue
        for cells in rows:
            if positions is None:
                found = {header.aliases[key(c)][0]: i for i, c in enumerate(cells) if key(c) in header.aliases}
                positions = found if "application_no" in found else None
                continue
            record = {name: cells[i] if i < len(cells) else "" for name, i in positions.items()}
            digits = re.sub(r"\D", "", record.get("application_no", ""))[:12]
            if len(digits) == 12:
                check_char(digits)
            for name in ("application_date", "grant_date", "lapse_date", "publication_date"):
                _naive_date(record.get(name, ""))
            places.address_to_area(record.get("address", "") or "", CONTEXT.areas)
            count += 1
    return count, time.perf_counter() - started


def ours_patents() -> float:
    from helpers.cleaning import clean_all

    raw = sample(5)
    started = time.perf_counter()
    clean_all(raw, CONTEXT, None, sources=["patents"])
    return time.perf_counter() - started


def floor_process(raw: Path) -> float:
    """Wall seconds of the floor (benchmarks/floor.py) on `raw`, in a process of its own as the clean runs."""
    out = raw.parent / "floor"
    started = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "floor.py"), str(raw), str(out),
                    str(os.cpu_count() or 1)], check=True, cwd=ROOT)
    return time.perf_counter() - started


def indicator_timings(processed: Path) -> tuple[float, float]:
    """(stage seconds, per-cell seconds): the values and evaluation stages for every indicator, area and year,
    against each (indicator, year) computed on its own with nothing shared."""
    from helpers.indicators import Tables
    from helpers.indicators.computations import Inputs
    from helpers.indicators.engine import compute_indicator
    from helpers.pipeline.stages import evaluation_stage, stage_columns, values_stage

    plan, areas = CONTEXT.plan, CONTEXT.areas
    folder = Tables.load(processed, stage_columns(CONTEXT, "values"))
    tables = replace(folder, clean=dict(folder.clean))  # read before the clock, held by both: only computing is timed
    started = time.perf_counter()
    values = values_stage(tables, plan, areas)["values"]
    evaluation_stage(values, plan, areas)
    engine = time.perf_counter() - started
    # per cell: one (indicator, year) at a time, nothing shared between them — sampled on two indicators and
    # scaled to the whole catalog × years (the whole grid would take minutes)
    chosen = [plan.indicator("I01"), plan.indicator("I12")]
    started = time.perf_counter()
    for indicator in chosen:
        for year in plan.years:
            compute_indicator(Inputs(tables, plan, areas, [year]), indicator)
    naive = (time.perf_counter() - started) / len(chosen) * len(plan.indicators)
    return engine, naive


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=50)
    parser.add_argument("--small", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each clean and floor (the fastest is judged)")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    big_raw = sample(args.scale)
    runs, floors = [], []
    for _ in range(args.repeat):  # interleaved, so that the machine's drift hits both alike
        runs.append(clean_process(big_raw))
        floors.append(floor_process(big_raw))
    smalls = [clean_process(sample(args.small)) for _ in range(args.repeat)]
    big, small = min(runs, key=lambda run: run["wall"]), min(smalls, key=lambda run: run["wall"])
    walls = sorted(run["wall"] for run in runs)
    floor = min(floors)
    peak, largest = max(run["peak_bytes"] for run in runs), max(run["largest_bytes"] for run in runs)

    def verdict(ok: bool) -> str:
        return "OK" if ok else "OVER"

    ratio = big["wall"] / floor
    print(f"\nCleaning (every stage), --scale {args.scale}: {big['rows']:,} rows in {big['wall']:.1f} s, "
          f"the fastest of {len(runs)} runs ({', '.join(f'{w:.1f}' for w in walls)} s; "
          f"median {statistics.median(walls):.1f} s)")
    print(f"  floor (Arrow/calamine read → Parquet, nothing else): {floor:.1f} s, the fastest of "
          f"{', '.join(f'{f:.1f}' for f in sorted(floors))} s")
    print(f"  clean ÷ floor = {ratio:.2f} (budget ≤ {FLOOR_RATIO:.0f}: {verdict(ratio <= FLOOR_RATIO)})")
    print(f"  peak memory {peak / 1024**2:,.0f} MB, all processes added up "
          f"(budget {BUDGET_BYTES / 1024**2:,.0f} MB: {verdict(peak <= BUDGET_BYTES)}; largest process "
          f"{largest / 1024**2:,.0f} MB)")
    print(f"{'source':<20}{'rows in':>12}{'seconds':>10}{'rows/s':>14}   (seconds: summed over the worker processes)")
    for name, (rows, seconds) in sorted(big["sources"].items(), key=lambda kv: -kv[1][0]):
        rate = rows / seconds if seconds else float("inf")
        print(f"{name:<20}{rows:>12,}{seconds:>10.2f}{rate:>14,.0f}")
    row_ratio = big["rows"] / small["rows"]
    time_ratio = big["wall"] / small["wall"]
    print(f"\nScaling --scale {args.small} → {args.scale}: rows ×{row_ratio:.1f}, time ×{time_ratio:.1f} "
          f"(allowed ×{SCALING_SLACK * row_ratio:.1f}: {verdict(time_ratio <= SCALING_SLACK * row_ratio)})")

    engine, naive = indicator_timings(big_raw.parent / "processed")
    speedup = naive / engine
    print(f"Values + evaluation stages, {len(CONTEXT.plan.indicators)} indicators × {len(CONTEXT.areas.codes)} areas × "
          f"{len(CONTEXT.plan.years)} years at --scale {args.scale}: {engine:.2f} s; per-cell baseline ≈ {naive:.1f} s "
          f"→ {speedup:.1f}× faster (budget ≥ {ENGINE_SPEEDUP:.0f}×: {verdict(speedup >= ENGINE_SPEEDUP)})")

    files = sorted(p for p in (sample(args.small) / "patents").rglob("*") if p.is_file())
    naive_rows, naive_seconds = naive_patents(files)
    ours = ours_patents()
    print(f"Naive row-by-row baseline, patents at --scale {args.small}: {naive_rows:,} rows in {naive_seconds:.1f} s; "
          f"ours {ours:.1f} s → ours is {naive_seconds / ours:.1f}× faster")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
