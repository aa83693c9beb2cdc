"""Benchmark of the test suite (`make bench-tests`): `make test`'s suite against commit 0cf6791's, back to back.

Both suites run whole (`pytest -q -p no:cacheprovider`, the same interpreter and packages, each with the options
of its own pyproject: ours on every core through pytest-xdist, as `make test` runs it), each from its own
checkout (`--base`: a checkout of the old commit; default: a temporary `git worktree` of it, removed after), one
after the other, in the order given by `--order` (ours first by default: a warm page cache then favours the old
suite). Prints each wall time, the load average before and after, the ratio and its verdict against the budget of
issue 27 (ours ≤ half the old suite's). Slow (the old suite takes 8–12 minutes on an idle 2-core machine), hence
not part of `make bench`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE_COMMIT = "0cf6791"
BUDGET = 0.5  # ours ÷ base


@contextlib.contextmanager
def _checkout(base: str | None) -> Iterator[Path]:
    """The old commit's checkout: the one given, or a temporary worktree of it."""
    if base:
        yield Path(base).resolve()
        return
    folder = Path(tempfile.mkdtemp(prefix="bench-tests-")) / "base"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(folder), BASE_COMMIT], check=True,
                   capture_output=True)
    try:
        yield folder
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(folder)], check=False,
                       capture_output=True)


def _suite(root: Path, log: Path | None) -> tuple[float, str]:
    """Wall seconds of the whole suite of the checkout `root`, and its summary line; its output to `log`."""
    env = {**os.environ, "PYTHONPATH": str(root / "src"), "HELPERS_ROOT": str(root)}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--durations=15", "-rfE"],
                          cwd=root, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if log:
        log.write_text(done.stdout + done.stderr, encoding="utf-8")
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    return seconds, lines[-1] if lines else f"exit {done.returncode}"


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", help=f"a checkout of commit {BASE_COMMIT} (default: a temporary git worktree)")
    parser.add_argument("--order", choices=["ours-first", "base-first"], default="ours-first")
    parser.add_argument("--logs", type=Path, help="a folder for each suite's output (<name>.log)")
    args = parser.parse_args()
    with _checkout(args.base) as base:
        suites = {"ours": ROOT, BASE_COMMIT: base}
        order = list(suites) if args.order == "ours-first" else list(reversed(suites))
        seconds = {}
        print(f"make test's suite against {BASE_COMMIT}'s, back to back ({os.cpu_count()} cores)")
        for name in order:
            before = _load()
            seconds[name], summary = _suite(suites[name], args.logs / f"{name}.log" if args.logs else None)
            print(f"  {name:>8}: {seconds[name]:7.1f} s  ({summary}; load average {before} → {_load()})")
    ratio = seconds["ours"] / seconds[BASE_COMMIT]
    verdict = "OK" if ratio <= BUDGET else "OVER"
    print(f"  ours ÷ {BASE_COMMIT} = {ratio:.2f} (budget ≤ {BUDGET}: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
