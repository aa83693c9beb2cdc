"""Benchmark against an earlier commit (`make bench`): the report work of this checkout against commit BASE's.

The 2025 reports (the city and the six counties) as HTML, PDF and Word (`python -m helpers run --years 2025
--areas all --formats html,pdf,docx --force`, default workers) on the scale-1 sample, rendered by this checkout and
by BASE (exported into a temporary folder with `git archive`, its datasets cleaned from the same sample by its own
code), on the same machine in the same run, interleaved (`repeat` rounds, the order alternating) so that machine
noise hits both alike. This checkout's chart store is emptied before each of its runs: every chart is drawn, as BASE
draws them. Prints the medians of wall and CPU seconds (of the run and every process it waited for: workers,
kernels, LibreOffice), their ratio and the verdict against the budget: at most half of BASE's time.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench import sample  # noqa: E402

BASE = "0cf6791"
BUDGET = 0.5  # this checkout's time / BASE's


def _helpers(root: Path, *args: str) -> tuple[float, float]:
    """Wall and CPU seconds of `python -m helpers …` run from the checkout `root` (its code, configuration, cache)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "helpers", *args], cwd=root, capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(root / "src"), "HELPERS_ROOT": str(root)})
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode:
        raise SystemExit(f"{root}: helpers {' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=2, help="rounds, each rendering with both versions")
    args = parser.parse_args()

    from helpers.context import Context
    from helpers.report.charts import chart_store

    store = chart_store(Context.load(ROOT))
    raw = sample(1)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        base = work / "base"
        base.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", BASE], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
        roots = {"base": base, "ours": ROOT}
        for name, root in roots.items():
            _helpers(root, "clean", "--raw-dir", str(raw), "--out", str(work / name / "processed"))
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in roots}
        for round_ in range(args.repeat):
            for name in (["base", "ours"] if round_ % 2 == 0 else ["ours", "base"]):
                if name == "ours":
                    shutil.rmtree(store, ignore_errors=True)
                times[name].append(_helpers(roots[name], "run", "--years", "2025", "--areas", "all", "--formats",
                                            "html,pdf,docx", "--force", "--processed", str(work / name / "processed"),
                                            "--reports", str(work / name / "reports")))
    wall = {name: statistics.median(w for w, _ in runs) for name, runs in times.items()}
    cpu = {name: statistics.median(c for _, c in runs) for name, runs in times.items()}
    print(f"\nReport work against {BASE}: 2025, city + 6 counties, HTML + PDF + Word, scale-1 sample "
          f"(median of {args.repeat}, interleaved), {os.cpu_count()} cores:")
    for name, label in (("base", f"commit {BASE}"), ("ours", "this checkout")):
        print(f"  {label}: {wall[name]:.1f} s wall, {cpu[name]:.1f} s CPU")
    ratio, cpu_ratio = wall["ours"] / wall["base"], cpu["ours"] / cpu["base"]
    print(f"  → this checkout takes {ratio:.2f}× the wall time of {BASE} ({cpu_ratio:.2f}× its CPU time) "
          f"(budget ≤ {BUDGET}×: {'OK' if ratio <= BUDGET else 'OVER'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
