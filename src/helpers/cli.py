"""Command line: `python -m helpers sample-data | clean | indicators | tasks | findings | evaluate | draft | run`. The
configuration is read once here (helpers.context.Context) and passed down; data problems print a message, never a
traceback."""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from helpers.context import ConfError, Context, project_root

if TYPE_CHECKING:
    import pandas as pd

    from helpers.pipeline import Datasets


class _Parser(argparse.ArgumentParser):
    """argparse with its error messages in Chinese: the usage, then 「错误：…」 and exit code 2."""

    _WORDS = (  # argparse's (Python 3.11) English messages → Chinese; argument names and values stay as typed
        (r"^argument (\S+): ", r"\1："),
        (r"invalid choice: (.+?) \(choose from (.+)\)",
         lambda m: f"无效的取值 {m[1]}（可选：{'、'.join(c.strip(chr(39)) for c in m[2].split(', '))}）"),
        (r"invalid int value: (.+)", r"应为整数，收到 \1"),
        (r"invalid \S+ value: (.+)", r"无效的取值 \1"),
        (r"the following arguments are required: (.+)", r"缺少必需的参数：\1"),
        (r"unrecognized arguments: (.+)", r"无法识别的参数：\1"),
        (r"expected one argument", "需要一个取值"),
        (r"ambiguous option: (\S+) could match (.+)", r"参数 \1 有歧义：可能是 \2"),
        (r"not allowed with argument (.+)", r"不能与 \1 同时使用"),
    )

    def error(self, message: str) -> NoReturn:
        for pattern, chinese in self._WORDS:
            message = re.sub(pattern, chinese, message)
        self.print_usage(sys.stderr)
        self.exit(2, f"错误：{message}\n")


def _positive_int(text: str) -> int:
    if not text.strip().isdecimal() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"应为正整数，收到 {text!r}")
    return int(text)


def _given(text: str) -> str:
    """An option's value that may not be blank (`--years ''` from an unset shell variable is not the default)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("不能为空（省略此参数即取默认值）")
    return text


def _as_of_argument(parser: argparse.ArgumentParser, what: str) -> None:
    """--as-of, kept as written: `main` checks it against the plan (a Chinese message, never argparse's)."""
    parser.add_argument("--as-of", metavar="YYYY-MM-DD", help=f"the data cut-off date: {what} (default: the latest "
                        "截至/截止 date in a file's title lines, else the latest date observed in the data)")


def _parser(context: Context | None) -> argparse.ArgumentParser:
    paths = context.paths if context else {"raw_dir": "data/raw", "processed_dir": "data/processed",
                                          "reports_dir": "reports", "assessor_dir": "data/assessor"}
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--plan", type=Path, help="a plan folder whose files replace those of conf/base "
                                                  "(default: the plan in conf/base)")
    parser = _Parser(prog="python -m helpers", description=__doc__)
    commands = parser.add_subparsers(dest="command", metavar="命令", required=True)

    sample = commands.add_parser("sample-data", help="write the synthetic sample extracts of every source")
    sample.add_argument("--out", type=Path, default=Path(paths["raw_dir"]))
    sample.add_argument("--seed", type=int, default=2020)
    sample.add_argument("--scale", type=_positive_int, default=1, help="multiply bulk volumes (benchmarks)")
    sample.add_argument("--if-empty", action="store_true", help="do nothing when the folder already holds data")

    clean = commands.add_parser("clean", parents=[common],
                                help="clean every source and build the datasets that follow (values, evaluation, "
                                     "flagship)")
    clean.add_argument("--raw-dir", type=Path, default=Path(paths["raw_dir"]))
    clean.add_argument("--out", type=Path, default=Path(paths["processed_dir"]))
    clean.add_argument("--if-changed", action="store_true",
                       help="run only the stages whose inputs (raw files, code, configuration) changed")
    clean.add_argument("--workers", type=_positive_int, default=os.cpu_count() or 1,
                       help="processes cleaning sources in parallel (default: the number of cores)")
    _as_of_argument(clean, "rows not yet known on it are set aside as out of scope")
    indicators = commands.add_parser("indicators", parents=[common],
                                     help="compute the plan's indicators from a raw folder (CSV)")
    indicators.add_argument("--raw-dir", type=Path, default=Path(paths["raw_dir"]))
    indicators.add_argument("--out", type=Path, required=True, help="file to write: .csv, or .xlsx for a workbook")
    indicators.add_argument("--evaluate", action="store_true", help="write the evaluation table of --year instead")
    indicators.add_argument("--year", type=int, help="evaluation year (with --evaluate; default: latest with data)")
    indicators.add_argument("--processed-out", type=Path,
                            help="keep the cleaned tables and datasets in this folder (default: a temporary one)")
    _as_of_argument(indicators, "rows not yet known on it are set aside as out of scope")

    tasks = commands.add_parser("tasks", parents=[common],
                                help="verify the plan's tasks, 专栏 and safeguards from a raw folder (CSV: item, year, "
                                     "self_grade, verified_grade; with --period: item, period_end, period_grade)")
    tasks.add_argument("--raw-dir", type=Path, default=Path(paths["raw_dir"]))
    tasks.add_argument("--out", type=Path, required=True, help="file to write: .csv, or .xlsx for a workbook")
    tasks.add_argument("--period", action="store_true",
                       help="grade each item over the period that ends at the data cut-off year instead of per year")
    _as_of_argument(tasks, "grade the years up to its year")
    tasks.add_argument("--processed-out", type=Path,
                       help="keep the cleaned tables and datasets in this folder (default: a temporary one)")

    found = commands.add_parser("findings", parents=[common],
                                help="write the findings of one year's reports from a processed folder (CSV: kind, "
                                     "area_code, subject, severity, then the numbers)")
    found.add_argument("--processed", type=Path, default=Path(paths["processed_dir"]))
    found.add_argument("--year", type=int, required=True, help="the reports' year")
    found.add_argument("--out", type=Path, required=True, help="CSV file to write")

    evaluate = commands.add_parser("evaluate", parents=[common],
                                   help="print the city's evaluation and write the indicator workbook")
    evaluate.add_argument("--processed", type=Path, default=Path(paths["processed_dir"]))
    evaluate.add_argument("--reports", type=Path, default=Path(paths["reports_dir"]))
    evaluate.add_argument("--year", type=int, help="evaluation year (default: a workbook for every year with data; "
                                                   "the table printed is the latest's)")
    _as_of_argument(evaluate, "the processed folder must have been cleaned with it")

    draft = commands.add_parser("draft", parents=[common],
                                help="write drafts of the evaluators' texts (assessor slots) of one year's reports "
                                     "from the findings, where a slot has no text yet or only an earlier draft")
    draft.add_argument("--year", type=int, required=True, help="the reports' year")
    draft.add_argument("--areas", type=_given, help="all (default) or comma-separated area codes, e.g. 441600,441621")
    draft.add_argument("--processed", type=Path, default=Path(paths["processed_dir"]))
    draft.add_argument("--assessor", type=Path, help="the folder of the evaluators' texts, <year>/<area>/<slot>.md "
                       f"(default: {paths['assessor_dir']}, paths.yaml assessor_dir)")

    run = commands.add_parser("run", parents=[common],
                              help="render the evaluation reports (notebook → HTML and PDF) per year and area")
    run.add_argument("--years", type=_given,
                     help="2023, 2021-2025, 2021,2023 or latest (default: the latest year with data)")
    run.add_argument("--areas", type=_given, help="all (default) or comma-separated area codes, e.g. 441600,441621")
    run.add_argument("--formats", type=_given, help="html,pdf (default), docx (the Word edition) or any of them; the "
                     "executed notebook is always kept")
    run.add_argument("--lang", default="zh", help="language of the reports' wording (default: zh)")
    run.add_argument("--workers", type=_positive_int, default=os.cpu_count() or 1,
                     help="reports rendered at once (default: the number of cores)")
    run.add_argument("--force", action="store_true", help="render every report, even those that are up to date")
    run.add_argument("--final", action="store_true",
                     help="the reports to hand over: refuse to render while an evaluator's text is missing or "
                          "still the tool's draft, instead of showing a placeholder or the draft")
    run.add_argument("--assessor", type=Path, help="the folder of the evaluators' texts, <year>/<area>/<slot>.md "
                     f"(default: {paths['assessor_dir']}, paths.yaml assessor_dir)")
    run.add_argument("--executor", choices=["local", "dask"], default="local",
                     help="local worker processes (default) or a Dask distributed cluster (--scheduler)")
    run.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (with --executor dask)")
    run.add_argument("--timeout", type=_positive_int, default=600, help="seconds a report's cell may run")
    run.add_argument("--notebook", type=Path, help="another report template (default: notebooks/report.ipynb)")
    run.add_argument("--processed", type=Path, default=Path(paths["processed_dir"]))
    run.add_argument("--reports", type=Path, default=Path(paths["reports_dir"]))
    _as_of_argument(run, "the processed folder must have been cleaned with it")
    return parser


def _plan_arg(argv: list[str]) -> str | None:
    """The --plan value, read before the parser (the parser's defaults come from the plan's configuration)."""
    for i, arg in enumerate(argv):
        if arg == "--plan" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--plan="):
            return arg.split("=", 1)[1]
    return None


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        context = Context.load(project_root(), _plan_arg(argv))
    except ConfError as problem:
        print(f"错误：{problem}", file=sys.stderr)
        return 2
    args = _parser(context).parse_args(argv)
    if getattr(args, "as_of", None) is not None:  # checked before it reaches a path, notebook or shell
        from helpers.cutoff import AsOfError, parse_as_of

        try:
            args.as_of = parse_as_of(args.as_of, context.plan.base_year)
        except AsOfError as problem:
            print(f"错误：{problem}", file=sys.stderr)
            return 2
    commands = {"sample-data": _sample_data, "clean": _clean, "indicators": _indicators, "tasks": _tasks,
                "findings": _findings, "evaluate": _evaluate, "draft": _draft, "run": _run}
    from helpers.files import BusyError, NoSpaceError, no_space, no_space_message

    try:
        return commands[args.command](args, context)
    except (OSError, NoSpaceError, BusyError) as problem:  # the place written to, not the data: one sentence
        if isinstance(problem, OSError) and not no_space(problem):
            raise
        message = problem if not isinstance(problem, OSError) else \
            no_space_message(getattr(args, "out", None) or args.reports, getattr(problem, "filename", None))
        print(f"错误：{message}", file=sys.stderr)
        return 2


def _outputs_unwritable(folders: tuple[Path | None, ...] = (), files: tuple[Path | None, ...] = (),
                        processed: tuple[Path | None, ...] = ()) -> bool:
    """Print why an output location cannot be written (before any work starts); True when one cannot."""
    from helpers.files import file_problem, folder_problem, processed_folder_problem

    checks = [(folder_problem, folders), (file_problem, files), (processed_folder_problem, processed)]
    problems = [problem for check, paths in checks for path in paths if path is not None
                for problem in [check(path)] if problem]
    for problem in problems:
        print(f"错误：无法写入输出位置：{problem}", file=sys.stderr)
    return bool(problems)


def _sample_data(args: argparse.Namespace, context: Context) -> int:
    from helpers import sample_data

    if args.if_empty and args.out.is_dir() and any(p.name != ".gitkeep" for p in args.out.iterdir()):
        print(f"{args.out} already holds data: sample data not written")
        return 0
    if _outputs_unwritable(folders=(args.out,)):
        return 2
    foreign = sample_data.foreign_files(args.out)
    if foreign:
        shown = "、".join(foreign[:3]) + (f" 等 {len(foreign)} 个文件" if len(foreign) > 3 else "")
        print(f"错误：{args.out} 中已有不属于示例数据的文件（{shown}）：示例数据只写入空文件夹或以前生成的"
              "示例数据文件夹（以其 PROVENANCE.json 为准），以免与真实数据混在一起；请换一个 --out", file=sys.stderr)
        return 2
    provenance = sample_data.generate(args.out, seed=args.seed, scale=args.scale)
    print(f"wrote synthetic sample data (seed {args.seed}, scale {args.scale}) to {args.out}: "
          f"{len(provenance.get('files', []))} files")
    return 0


def _print_build(build, args: argparse.Namespace, context: Context) -> None:  # noqa: ANN001 — a pipeline Build
    from helpers.cleaning import reconciliation_summary

    if build.clean is not None:
        print(reconciliation_summary(build.clean, context.cleaning.reasons))
    else:
        print(f"{args.out} 已是 {args.raw_dir} 的最新清洗结果（原始文件、代码和配置均未变化），跳过清洗")
    for name, ran, seconds in build.steps:
        print(f"阶段 {name:<11}{'完成' if ran else '输入未变化，跳过'}（{seconds:.1f} 秒）")


def _clean(args: argparse.Namespace, context: Context) -> int:
    from helpers.cleaning import RawDirError
    from helpers.pipeline import build

    if _outputs_unwritable(processed=(args.out,)):
        return 2
    try:  # this process runs nothing else: the cleaning pool may fork it
        result = build(args.raw_dir, args.out, context, workers=args.workers, fork=True, if_changed=args.if_changed,
                       as_of=args.as_of)
    except RawDirError as problem:
        print(f"错误：{problem}", file=sys.stderr)
        return 2
    _print_build(result, args, context)
    return 0


TABLE_SUFFIXES = (".csv", ".xlsx")  # what `indicators` and `tasks` write: CSV text, or an Excel workbook


def _built(args: argparse.Namespace, context: Context, table: Callable[[Datasets], pd.DataFrame], sheet: str) -> int:
    """Build the pipeline from `--raw-dir` (into `--processed-out`, else a temporary folder), make the table of the
    datasets with `table`, and write it to `--out`: CSV, or a workbook (its sheet named by wording.yaml
    `workbook.sheets.<sheet>`) for .xlsx; a data problem is a message and exit code 2."""
    from helpers.cleaning import RawDirError
    from helpers.files import atomic_write
    from helpers.indicators import EvaluationError
    from helpers.pipeline import Datasets, build

    if _outputs_unwritable(files=(args.out,), processed=(args.processed_out,)):
        return 2
    if args.out.suffix.lower() not in TABLE_SUFFIXES:
        print(f"错误：不支持的输出文件类型 {args.out.suffix or '（无扩展名）'}：{args.out} 应以 .csv（CSV 文本）"
              "或 .xlsx（Excel 工作簿）结尾", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="helpers-indicators-") as scratch:
        processed = args.processed_out or Path(scratch)
        try:
            build(args.raw_dir, processed, context, workers=os.cpu_count() or 1, if_changed=True, as_of=args.as_of)
            frame = table(Datasets(processed, context.datasets))
        except (RawDirError, EvaluationError) as problem:
            print(f"错误：{problem}", file=sys.stderr)
            return 2
    if args.out.suffix.lower() == ".xlsx":
        from helpers.report.workbook import write_table

        write_table(args.out, frame, context.words("zh")["workbook"]["sheets"][sheet], context)
    else:
        atomic_write(args.out, frame.to_csv(index=False))
    print(f"wrote {len(frame)} rows to {args.out}")
    return 0


def _indicators(args: argparse.Namespace, context: Context) -> int:
    from helpers.indicators import check_year, covered_years, latest_year

    def table(datasets: Datasets) -> pd.DataFrame:
        values = datasets.read("values")
        if args.evaluate:
            evaluation = datasets.read("evaluation")
            year = check_year(args.year, context.plan, values) if args.year else latest_year(values, context.plan)
            frame = evaluation[evaluation["year"] == year].reset_index(drop=True)
            labels = frame["status"].map(context.words("zh")["statuses"])
            frame.insert(frame.columns.get_loc("status") + 1, "status_label", labels)  # readable in the CSV
            return frame
        frame = values[values["year"].isin(covered_years(values))][["indicator", "area_code", "year", "value"]]
        return frame.assign(value=frame["value"].round(4)).reset_index(drop=True)

    return _built(args, context, table, "evaluation" if args.evaluate else "values")


def _tasks(args: argparse.Namespace, context: Context) -> int:
    labels = {key: spec["label"] for key, spec in context.assessment["grades"].items()}
    period_labels = {key: spec["label"] for key, spec in context.assessment["period"]["grades"].items()}

    def period(datasets: Datasets) -> pd.DataFrame:
        items = datasets.read("period_items", columns=["item", "period_end", "grade"])
        last = items[items["period_end"] == items["period_end"].max()]
        return last[["item", "period_end"]].assign(period_grade=last["grade"].map(period_labels)).reset_index(
            drop=True)

    def table(datasets: Datasets) -> pd.DataFrame:
        items = datasets.read("task_items", columns=["item", "year", "self_grade", "verified_grade"])
        if args.as_of is not None:
            items = items[items["year"] <= args.as_of.year]
        return items.assign(self_grade=items["self_grade"].map(labels),
                            verified_grade=items["verified_grade"].map(labels)).reset_index(drop=True)

    return _built(args, context, period if args.period else table, "period" if args.period else "items")


FINDINGS_CSV = ["kind", "area_code", "subject", "severity", "code", "topic", "rank", "value", "reference", "base",
                "change", "share", "ratio", "count", "n", "year_from", "year_to"]  # conclusions.md §6


def _findings(args: argparse.Namespace, context: Context) -> int:
    """The findings of the reports of --year (every area), one row per finding, in rank order within each area."""
    from helpers.files import atomic_write
    from helpers.indicators import EvaluationError, check_year
    from helpers.pipeline import DatasetError, open_datasets

    if _outputs_unwritable(files=(args.out,)):
        return 2
    try:
        datasets = open_datasets(args.processed, context)
        year = check_year(args.year, context.plan, datasets.read("values"))
        found = datasets.read("findings")
    except (DatasetError, EvaluationError) as problem:
        print(f"错误：{problem}", file=sys.stderr)
        return 2
    rows = found[found["year"] == year]
    rows = rows.assign(area=rows["area_code"].map(context.areas.codes.index)).sort_values(["area", "rank"])
    atomic_write(args.out, rows[FINDINGS_CSV].to_csv(index=False))
    print(f"wrote {len(rows)} findings of {year} to {args.out}")
    return 0


def _evaluate(args: argparse.Namespace, context: Context) -> int:
    from helpers.cutoff import AsOfError, check_cleaned_as_of
    from helpers.indicators import EvaluationError
    from helpers.pipeline import DatasetError, Datasets
    from helpers.report import city_table, evaluation_year, write_workbook

    if _outputs_unwritable(folders=(args.reports,)):
        return 2
    try:
        if args.as_of is not None:
            check_cleaned_as_of(Datasets(args.processed, context.datasets).read_json("manifest"), args.as_of,
                                args.processed)
        year, datasets = evaluation_year(args.processed, context, args.year)
        years = [year] if args.year else sorted(int(y) for y in datasets.read("evaluation")["year"].unique())
        workbooks = [write_workbook(args.reports / str(y) / f"indicators_{y}.xlsx", datasets, y, context)
                     for y in years]
    except (DatasetError, EvaluationError, AsOfError) as problem:
        print(f"错误：{problem}", file=sys.stderr)
        return 2
    print(city_table(datasets.read("evaluation"), year, context))
    print("\n工作簿：" + "、".join(str(path) for path in workbooks))
    return 0


def _check_assessor_texts(jobs: list, context: Context) -> None:
    """A final render needs the evaluating organisation and every evaluator's text its reports show, readable and no
    longer the tool's draft; else a RunError naming every file and problem at once."""
    from helpers import batch
    from helpers.report import assessor

    problems = []
    if not context.report.evaluator:
        problems.append("终稿须写明评估单位：请在 conf/local/report.yaml 中设置 evaluator（评估单位名称）")
    folder = context.path("assessor_dir")
    found = assessor.review(folder, [(job.year, job.area_code) for job in jobs], context.report, context.plan.mode_of)
    if found.missing:
        problems.append(f"终稿缺少评估组意见，请先在 {folder} 下补写：{_listed(found.missing, folder)}")
    if found.drafts:
        mark = context.report.drafts.status
        problems.append(f"以下评估组意见仍是工具生成的初稿，请审定后删除文件开头的“{mark.key}: "
                        f"{mark.draft}”标记：{_listed(found.drafts, folder)}")
    problems += found.unreadable
    if problems:
        raise batch.RunError("；".join(problems) + "（不加 --final 时照常生成报告，缺失处显示占位，初稿标为【初稿】）")


def _with_assessor(context: Context, folder: Path | None) -> Context:
    """The context with --assessor, as given from the current folder, in place of paths.yaml assessor_dir."""
    return context.with_path("assessor_dir", folder.resolve() if folder is not None else None)


def _listed(paths: list[Path], folder: Path, shown: int = 8) -> str:
    """The first `shown` files, relative to `folder`, and how many there are in all."""
    names = "、".join(str(path.relative_to(folder)) for path in paths[:shown])
    return names + (f" 等 {len(paths)} 个" if len(paths) > shown else "")


def _draft(args: argparse.Namespace, context: Context) -> int:
    """The drafts of the evaluators' texts of --year's reports (helpers.report.drafts), one line per file."""
    from helpers import batch
    from helpers.indicators import EvaluationError, check_year
    from helpers.pipeline import DatasetError, open_datasets
    from helpers.report import drafts

    folder = _with_assessor(context, args.assessor).path("assessor_dir")
    if _outputs_unwritable(folders=(folder,)):
        return 2
    try:
        area_codes = batch.parse_areas(args.areas, context.areas)
        datasets = open_datasets(args.processed, context)
        year = check_year(args.year, context.plan, datasets.read("values"))
        outcomes = drafts.write(datasets, context, year, area_codes, folder)
    except (EvaluationError, DatasetError, ConfError) as problem:
        print(f"错误：{problem}", file=sys.stderr)
        return 2
    words = {"written": "已生成初稿", "refreshed": "已更新初稿", "unchanged": "初稿无变化",
             "kept": "评估组文本（无初稿标记），未改动", "unreadable": "无法读取，未改动",
             "no_rule": "无生成规则，未生成"}
    for outcome in outcomes:
        print(f"{words[outcome.action]}：{outcome.path}" + (f"（{outcome.note}）" if outcome.note else ""))
    return 0


def _say_if_no_libreoffice(context: Context) -> None:
    """Once per run: without LibreOffice the Word edition's TOC has no page numbers until a reader updates it."""
    from helpers.report.word import libreoffice

    if libreoffice(context) is None:
        print(f"提示：未找到 LibreOffice（{context.report.word.libreoffice.command}），Word 版目录不含页码："
              "Word 打开时更新；LibreOffice 中用 工具 ▸ 更新 ▸ 全部更新", file=sys.stderr)


def _run(args: argparse.Namespace, context: Context) -> int:
    from helpers import batch
    from helpers.cutoff import AsOfError, check_cleaned_as_of
    from helpers.indicators import EvaluationError, latest_year
    from helpers.pipeline import DatasetError, Datasets, open_datasets
    from helpers.report.core import renderers

    if _outputs_unwritable(folders=(args.reports,)):
        return 2
    context = _with_assessor(context, args.assessor)
    try:
        context.words(args.lang)
        formats = batch.parse_formats(args.formats)
        area_codes = batch.parse_areas(args.areas, context.areas)
        if args.executor == "dask" and not args.scheduler:
            raise batch.RunError("--executor dask 需要 --scheduler 地址（例如 tcp://127.0.0.1:8786）")
        if args.notebook and not (args.notebook.is_file() and args.notebook.suffix == ".ipynb"):
            raise batch.RunError(f"找不到报告模板笔记本：{args.notebook}")
        manifest = Datasets(args.processed, context.datasets).read_json("manifest")
        check_cleaned_as_of(manifest, args.as_of, args.processed)
        if args.years not in (None, "", "latest"):
            cutoff = str(manifest.get("data_cutoff") or "")
            beyond = sorted({y for y in batch.parse_years(args.years, context.plan) if cutoff and y > int(cutoff[:4])})
            if beyond:
                raise batch.RunError(f"数据截止于 {cutoff}，无法评估 {'、'.join(map(str, beyond))} 年")
        datasets = open_datasets(args.processed, context)
        latest = latest_year(datasets.read("values"), context.plan) if args.years in (None, "", "latest") else None
        jobs = batch.plan_jobs(batch.parse_years(args.years, context.plan, latest), area_codes, context)
        if args.final:
            _check_assessor_texts(jobs, context)
        if "docx" in formats:
            _say_if_no_libreoffice(context)
        renderers(context.report)  # every section report.yaml lists has its module, before a worker starts
        result = batch.run(jobs, datasets, args.reports, formats, context, lang=args.lang, workers=args.workers,
                           force=args.force, executor=args.executor, scheduler=args.scheduler,
                           timeout=args.timeout, notebook=args.notebook)
    except (EvaluationError, DatasetError, ConfError, AsOfError) as problem:
        print(f"错误：{problem}", file=sys.stderr)
        return 2
    print(batch.summary_table(result))
    return 1 if result.failed else 0
