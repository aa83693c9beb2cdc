"""Benchmark of the batch runner (`make bench`): all 35 reports (2021–2025 × 7 areas, HTML and PDF).

Measured in one run on the scale-1 sample:
  * naive baseline: what a user without this tool would do per report — the `papermill` CLI, then
    `jupyter nbconvert --to html --no-input`, then the `weasyprint` CLI — one report at a time; timed on a
    few reports and given per report;
  * the runner, cold (`--force`, default workers): seconds per report and the ratio to the naive way
    (target ≥ 8×);
  * the runner again with nothing changed (target ≤ 5 % of the cold run);
  * the runner after one source changed (web logs, read only by the city's reports): how many re-ran;
  * the ceiling of the ratio: one worker renders one report, and then a year's 7 reports one after the
    other; the difference over 6 reports is the work W a report itself costs in a warm worker (charts,
    layout, PDF), its start-up left out. The naive way pays W plus its overhead O (process starts,
    imports, data loading); N workers at best divide W by N, so no runner of these reports beats
    naive / (W / N).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench import sample  # noqa: E402

BIN = Path(sys.executable).parent


def _cli(*args: str, cwd: Path) -> None:
    subprocess.run(list(args), cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def naive(processed: Path, folder: Path, jobs: list[tuple[int, str]]) -> float:
    """Seconds per report the CLI way (papermill → nbconvert → weasyprint), one at a time."""
    started = time.perf_counter()
    for year, area in jobs:
        stem = folder / f"{year}_{area}"
        _cli(str(BIN / "papermill"), str(ROOT / "notebooks" / "report.ipynb"), f"{stem}.ipynb", "-p", "year",
             str(year), "-p", "area_code", area, "-p", "processed_dir", str(processed), "--no-progress-bar", cwd=ROOT)
        _cli(str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", f"{stem}.ipynb", cwd=ROOT)
        _cli(str(BIN / "weasyprint"), f"{stem}.html", f"{stem}.pdf", cwd=ROOT)
    return (time.perf_counter() - started) / len(jobs)


def clean(raw: Path, processed: Path) -> None:
    """`python -m helpers clean --if-changed`: the stages whose inputs changed."""
    subprocess.run([sys.executable, "-m", "helpers", "clean", "--raw-dir", str(raw), "--out", str(processed),
                    "--if-changed"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                   env={**os.environ, "PYTHONPATH": str(ROOT / "src")})


def runner(processed: Path, reports: Path, *extra: str, years: str = "2021-2025", areas: str = "all"
           ) -> tuple[float, str]:
    """Wall seconds of `python -m helpers run` for `years` × `areas`, and its summary line."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "helpers", "run", "--years", years, "--areas", areas,
                             "--formats", "html,pdf", "--processed", str(processed), "--reports", str(reports),
                             *extra], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    seconds = time.perf_counter() - started
    if result.returncode:
        raise SystemExit(f"runner failed:\n{result.stdout}\n{result.stderr}")
    return seconds, next(line for line in result.stdout.splitlines() if line.startswith("报告"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--naive-reports", type=int, default=3, help="reports timed the naive way")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        raw, data = work / "raw", work / "processed"
        shutil.copytree(sample(1), raw)
        clean(raw, data)
        picks = [(2023, "441600"), (2024, "441621"), (2025, "441625"), (2022, "441622")][: args.naive_reports]
        naive_per_report = naive(data, work, picks)
        reports = work / "reports"
        cold, cold_line = runner(data, reports, "--force")
        noop, noop_line = runner(data, reports)
        next(iter(sorted((raw / "web_logs").iterdir()))).unlink()  # a source only the city's reports read
        clean(raw, data)
        changed, changed_line = runner(data, reports)
        one, _ = runner(data, work / "one", "--workers", "1", years="2023", areas="441600")
        seven, _ = runner(data, work / "seven", "--workers", "1", years="2023")
    per_report = cold / 35
    work_per_report = (seven - one) / 6
    cores = os.cpu_count() or 1
    print(f"\nBatch runner, 35 reports (2021–2025 × 7 areas, HTML + PDF), {os.cpu_count()} cores:")
    print(f"  naive (papermill CLI → nbconvert CLI → weasyprint CLI), {len(picks)} reports: "
          f"{naive_per_report:.1f} s/report")
    verdict = "OK" if naive_per_report / per_report >= 8 else "UNDER TARGET"
    print(f"  runner cold: {cold:.1f} s = {per_report:.2f} s/report → {naive_per_report / per_report:.1f}× faster "
          f"(target ≥ 8×: {verdict})   [{cold_line}]")
    print(f"  runner, nothing changed: {noop:.1f} s = {noop / cold:.1%} of cold (target ≤ 5 %: "
          f"{'OK' if noop / cold <= 0.05 else 'OVER'})   [{noop_line}]")
    print(f"  runner, web logs changed: {changed:.1f} s   [{changed_line}]")
    print(f"  one worker, 7 reports of 2023 against 1: {work_per_report:.2f} s/report = the work W of a report; "
          f"the naive way's overhead is {naive_per_report - work_per_report:.1f} s/report; on {cores} cores no runner "
          f"beats naive / (W / {cores}) = {naive_per_report / (work_per_report / cores):.1f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
