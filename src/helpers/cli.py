"""Command line: `python -m helpers sample-data | clean …`. Data problems print a message, never a traceback."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from helpers import config


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be a positive whole number")
    return value


def _parser() -> argparse.ArgumentParser:
    paths = config.load("paths")
    parser = argparse.ArgumentParser(prog="python -m helpers", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    sample = commands.add_parser("sample-data", help="write the synthetic sample extracts of every source")
    sample.add_argument("--out", type=Path, default=Path(paths["raw_dir"]))
    sample.add_argument("--seed", type=int, default=2020)
    sample.add_argument("--scale", type=_positive_int, default=1, help="multiply bulk volumes (benchmarks)")
    sample.add_argument("--if-empty", action="store_true", help="do nothing when the folder already holds data")

    clean = commands.add_parser("clean", help="clean every source into typed tables with a full account")
    clean.add_argument("--raw-dir", type=Path, default=Path(paths["raw_dir"]))
    clean.add_argument("--out", type=Path, default=Path(paths["processed_dir"]))
    clean.add_argument("--if-changed", action="store_true",
                       help="do nothing when --out was cleaned from the same raw files, code and configuration")
    clean.add_argument("--workers", type=_positive_int, default=os.cpu_count() or 1,
                       help="processes cleaning sources in parallel (default: the number of cores)")
    indicators = commands.add_parser("indicators", help="compute the plan's indicators from a raw folder (CSV)")
    indicators.add_argument("--raw-dir", type=Path, default=Path(paths["raw_dir"]))
    indicators.add_argument("--out", type=Path, required=True, help="CSV file to write")
    indicators.add_argument("--evaluate", action="store_true", help="write the evaluation table of --year instead")
    indicators.add_argument("--year", type=int, help="evaluation year (with --evaluate; default: latest with data)")
    indicators.add_argument("--processed-out", type=Path, help="also keep the cleaned tables in this folder")

    evaluate = commands.add_parser("evaluate", help="print the city's evaluation and write the indicator workbook")
    evaluate.add_argument("--processed", type=Path, default=Path(paths["processed_dir"]))
    evaluate.add_argument("--reports", type=Path, default=Path(paths["reports_dir"]))
    evaluate.add_argument("--year", type=int, help="evaluation year (default: the latest year with data)")

    run = commands.add_parser("run", help="render the evaluation reports (notebook → HTML and PDF) per year and area")
    run.add_argument("--years", help="2023, 2021-2025 or 2021,2023 (default: the latest year with data)")
    run.add_argument("--areas", help="all (default) or comma-separated area codes, e.g. 441600,441621")
    run.add_argument("--formats", help="html,pdf (default) or one of them; the executed notebook is always kept")
    run.add_argument("--workers", type=_positive_int, default=os.cpu_count() or 1,
                     help="reports rendered at once (default: the number of cores)")
    run.add_argument("--force", action="store_true", help="render every report, even those that are up to date")
    run.add_argument("--executor", choices=["local", "dask"], default="local",
                     help="local worker processes (default) or a Dask distributed cluster (--scheduler)")
    run.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (with --executor dask)")
    run.add_argument("--timeout", type=_positive_int, default=600, help="seconds a report's cell may run")
    run.add_argument("--notebook", type=Path, help="another report template (default: notebooks/report.ipynb)")
    run.add_argument("--processed", type=Path, default=Path(paths["processed_dir"]))
    run.add_argument("--reports", type=Path, default=Path(paths["reports_dir"]))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "sample-data":
        return _sample_data(args)
    if args.command == "clean":
        return _clean(args)
    if args.command == "indicators":
        return _indicators(args)
    if args.command == "evaluate":
        return _evaluate(args)
    if args.command == "run":
        return _run(args)
    return 2


def _sample_data(args: argparse.Namespace) -> int:
    from helpers import sample_data

    if args.if_empty and args.out.is_dir() and any(p.name != ".gitkeep" for p in args.out.iterdir()):
        print(f"{args.out} already holds data: sample data not written")
        return 0
    provenance = sample_data.generate(args.out, seed=args.seed, scale=args.scale)
    print(f"wrote synthetic sample data (seed {args.seed}, scale {args.scale}) to {args.out}: "
          f"{len(provenance.get('files', []))} files")
    return 0


def _clean(args: argparse.Namespace) -> int:
    from helpers.cleaning import RawDirError, clean_all
    from helpers.cleaning.pipeline import unchanged
    from helpers.summary import reconciliation_summary

    if args.if_changed and args.raw_dir.is_dir() and unchanged(args.raw_dir, args.out):
        print(f"{args.out} 已是 {args.raw_dir} 的最新清洗结果（原始文件、代码和配置均未变化），跳过清洗")
        return 0
    try:
        run = clean_all(args.raw_dir, args.out, workers=args.workers, fork=True)  # this process runs nothing else
    except RawDirError as problem:
        print(f"错误：{problem}", file=sys.stderr)
        return 2
    print(reconciliation_summary(run))
    return 0


def _indicators(args: argparse.Namespace) -> int:
    from helpers import assessment
    from helpers.cleaning import RawDirError
    from helpers.indicators.evaluation import EvaluationError

    try:
        tables = assessment.tables_for(args.raw_dir, args.processed_out)
        frame = assessment.indicator_csv(tables, args.year if args.evaluate else None, evaluate=args.evaluate)
    except (RawDirError, EvaluationError) as problem:
        print(f"错误：{problem}", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(args.out, index=False, encoding="utf-8")
    print(f"wrote {len(frame)} rows to {args.out}")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from helpers import assessment
    from helpers.indicators.evaluation import EvaluationError

    try:
        result = assessment.evaluate_year(args.processed, args.reports, args.year)
    except (FileNotFoundError, EvaluationError) as problem:
        print(f"错误：{problem}", file=sys.stderr)
        return 2
    print(result.city_table)
    print(f"\n工作簿：{result.workbook}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from helpers import batch
    from helpers.indicators.evaluation import EvaluationError, latest_year
    from helpers.report.data import assess

    try:
        formats = batch.parse_formats(args.formats)
        area_codes = batch.parse_areas(args.areas)
        latest = latest_year(assess(args.processed).values) if args.years in (None, "", "latest") else None
        jobs = batch.plan_jobs(batch.parse_years(args.years, latest), area_codes)
        if args.executor == "dask" and not args.scheduler:
            raise batch.RunError("--executor dask 需要 --scheduler 地址（例如 tcp://127.0.0.1:8786）")
        if args.notebook and not (args.notebook.is_file() and args.notebook.suffix == ".ipynb"):
            raise batch.RunError(f"找不到报告模板笔记本：{args.notebook}")
        manifest = args.processed / "manifest.json"
        if not manifest.is_file():
            raise batch.RunError(f"{args.processed} 中没有清洗结果（manifest.json）：请先运行 python -m helpers clean")
        cutoff = str(json.loads(manifest.read_text(encoding="utf-8")).get("data_cutoff") or "")
        beyond = sorted({j.year for j in jobs if cutoff and j.year > int(cutoff[:4])})
        if beyond:
            raise batch.RunError(f"数据截止于 {cutoff}，无法评估 {'、'.join(map(str, beyond))} 年")
        result = batch.run(jobs, args.processed, args.reports, formats, workers=args.workers, force=args.force,
                           executor=args.executor, scheduler=args.scheduler, timeout=args.timeout,
                           notebook=args.notebook)
    except EvaluationError as problem:  # a parameter, the data, or another run holding the reports folder
        print(f"错误：{problem}", file=sys.stderr)
        return 2
    print(batch.summary_table(result))
    return 1 if result.failed else 0
