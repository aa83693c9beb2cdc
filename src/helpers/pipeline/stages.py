"""The pipeline: clean → values → official → evaluation → flagship → tasks → period → findings, each stage a pure
function of explicit inputs that writes datasets of the catalog, and the runner that runs a stage only when its
inputs changed.

A stage's input digest covers the code and configuration it runs with and the digests of the datasets it
reads (as their writers recorded them in `stages.json` and the manifest, so nothing is read twice to tell).
Readers (`evaluate`, `run`, the report notebook) call `open_datasets`, which refuses a folder whose
datasets are missing or older than their inputs, with a message that says to run `clean`.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from helpers.areas import Areas
from helpers.cleaning import CleanRun, clean_all, raw_fingerprint, still_fresh
from helpers.context import Context
from helpers.files import hash_files, module_files, staged_folder
from helpers.findings import READS as FINDINGS_READS
from helpers.findings import findings_stage
from helpers.indicators import Inputs, Plan, Tables, compute_values, evaluate_flagship, evaluate_years, visitor_days
from helpers.official.stage import official_stage, values_used
from helpers.pipeline.datasets import DatasetError, Datasets
from helpers.pipeline.schemas import schemas
from helpers.tasks.period import assess_periods
from helpers.tasks.stage import assess_plan


@dataclass(frozen=True)
class Stage:
    """One step of the pipeline: the datasets it reads and writes (names of the catalog)."""

    name: str
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    about: str


STAGES = (
    Stage("clean", ("raw",), ("clean", "quarantine", "reconciliation", "files", "warnings", "reasons", "manifest"),
          "every source cleaned, typed, placed and deduplicated; every row accounted for"),
    Stage("values", ("clean", "manifest"), ("values", "high_value", "visits"),
          "the plan's indicators per area and year"),
    Stage("official", ("clean", "manifest", "values"), ("official", "crosscheck", "benchmark"),
          "official figures: their status, the cross-check with the computed values, the peer benchmarking"),
    Stage("evaluation", ("values", "crosscheck"), ("evaluation",), "progress and status of every evaluated year"),
    Stage("flagship", ("clean", "values", "evaluation"), ("flagship",), "the 专栏 targets of every evaluated year"),
    Stage("tasks", ("clean", "manifest", "evaluation", "flagship", "benchmark"),
          ("task_items", "task_commitments", "task_departments", "task_groups", "composite", "goals"),
          "the plan's tasks, 专栏, policies, safeguards and goals, verified and scored"),
    Stage("period", ("evaluation", "flagship", "task_items", "task_commitments", "task_departments"),
          ("period_indicators", "period_items", "period_commitments", "period_departments", "period_composite"),
          "the period up to each graded year: indicators year by year, items' period grades and patterns, "
          "departments' records, the period composite"),
    Stage("findings", ("clean", "manifest", *FINDINGS_READS), ("findings",),
          "what the evaluation finds: shortfalls, strengths, decompositions, disparities, risks, 基期数据核对"),
)


# ----------------------------------------------------------------------------- the stages' computations
def values_stage(tables: Tables, plan: Plan, areas: Areas) -> dict[str, pd.DataFrame]:
    """Indicator values, the high-value criteria breakdown and monthly website visitors."""
    inputs = Inputs(tables, plan, areas, plan.years)
    values, breakdown = compute_values(inputs)
    return {"values": values, "high_value": breakdown, "visits": monthly_visits(inputs)}


def monthly_visits(inputs: Inputs) -> pd.DataFrame:
    """Distinct visitors per month (the visitor indicator's rule, counted by month) of every year with logs."""
    indicator = next((i for i in inputs.plan.indicators if i.compute == "web_visitors"), None)
    if indicator is None or not inputs.tables.has(indicator.params["table"]):
        return pd.DataFrame({"year": pd.Series(dtype="int64"), "month": pd.Series(dtype="int64"),
                             "visitors": pd.Series(dtype="int64")})
    days = pd.Series(pd.to_datetime(visitor_days(inputs, **indicator.params), unit="D"))
    counts = days.groupby([days.dt.year.rename("year"), days.dt.month.rename("month")]).size()
    years = sorted(counts.index.get_level_values("year").unique())
    full = pd.MultiIndex.from_product([years, range(1, 13)], names=["year", "month"])
    return counts.reindex(full, fill_value=0).rename("visitors").reset_index()


def evaluation_stage(values: pd.DataFrame, plan: Plan, areas: Areas,
                     crosscheck: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Progress and status on the values the evaluation uses: the computed ones, or the official figures where the
    cross-check says so (helpers.official.stage.values_used)."""
    used = values_used(values, crosscheck) if crosscheck is not None else values.assign(value_source="computed")
    return {"evaluation": evaluate_years(used, plan, areas)}


def flagship_stage(tables: Tables, values: pd.DataFrame, evaluation: pd.DataFrame, plan: Plan,
                   areas: Areas) -> dict[str, pd.DataFrame]:
    return {"flagship": evaluate_flagship(tables, values, evaluation, plan, areas)}


# ----------------------------------------------------------------------------- digests
# what the derived stages run, with every module it imports (helpers.files.module_files); the clean stage's code
# counts through the datasets it writes
STAGE_CODE = ("helpers.indicators", "helpers.official", "helpers.tasks", "helpers.findings", "helpers.pipeline")
CLEAN_CODE = ("helpers.cleaning",)
STAGE_CONF = ("indicators", "evaluation", "areas", "ipc_sei", "catalog", "plan_items", "assessment",
              "official_stats", "findings", "plan_facts")  # what they read


def code_digest(context: Context) -> str:
    """The code the derived stages run and the configuration they read: a change to either makes them stale (a
    change to the report's code or wording does not)."""
    code = module_files(*STAGE_CODE, outside=CLEAN_CODE)
    return hash_files(hashlib.sha256(), [*code, *context.conf.files(STAGE_CONF)]).hexdigest()


def _input_digest(stage: str, code: str, record: dict[str, Any], manifest: dict[str, Any]) -> str:
    """What the stage's result depends on: the code and configuration, and the digests of what it reads."""
    parts = [stage, code]
    reads = next(s for s in STAGES if s.name == stage).reads
    if "clean" in reads:
        parts += [f"{s}={v.get('digest')}" for s, v in sorted(manifest.get("sources", {}).items())]
        parts.append(f"{manifest.get('data_cutoff')}|{manifest.get('data_cutoff_rule')}")
    for name in reads:
        writer = next((s.name for s in STAGES if name in s.writes), None)
        if writer and writer != "clean":
            parts.append(f"{name}={record.get(writer, {}).get('outputs', {}).get(name)}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def stale_stages(datasets: Datasets, context: Context) -> list[str]:
    """The derived stages whose record is missing or whose inputs changed since they last ran."""
    if not datasets.exists("manifest"):
        return [s.name for s in STAGES]
    record, manifest, code = datasets.record(), datasets.read_json("manifest"), code_digest(context)
    stale = []
    for stage in STAGES[1:]:
        entry = record.get(stage.name, {})
        missing = any(not datasets.exists(name) for name in stage.writes)
        if missing or entry.get("input") != _input_digest(stage.name, code, record, manifest):
            stale.append(stage.name)
    return stale


def clean_outputs(datasets: Datasets, manifest: dict[str, Any]) -> list[Path]:
    """The files the clean stage writes for the sources its manifest lists. A folder of per-source tables that
    is absent as a whole is not asked for: the reports render from the datasets, so a folder published without
    the clean tables is complete for them, while one with some of the tables but not all is not."""
    paths = []
    for name, spec in datasets.catalog.items():
        if spec.get("stage") != "clean":
            continue
        if "{source}" not in spec["path"]:
            paths.append(datasets.path(name))
            continue
        per_source = [datasets.path(name, source) for source in manifest.get("sources", {})]
        paths += per_source if any(path.parent.is_dir() for path in per_source) else []
    return paths


def open_datasets(processed: Path, context: Context) -> Datasets:
    """The datasets of `processed`, checked complete and current; else a DatasetError saying to run clean."""
    datasets = Datasets(Path(processed), context.datasets)
    if not datasets.exists("manifest"):
        raise DatasetError(f"{processed} 中没有清洗结果（manifest.json）：请先运行 python -m helpers clean")
    missing = [path for path in clean_outputs(datasets, datasets.read_json("manifest")) if not path.is_file()]
    if missing:
        names = "、".join(path.relative_to(datasets.folder).as_posix() for path in missing)
        raise DatasetError(f"{processed} 中的清洗结果不完整（清单所列的 {names} 不存在）："
                           "请重新运行 python -m helpers clean")
    stale = stale_stages(datasets, context)
    if stale:
        raise DatasetError(f"{processed} 中的数据集（{'、'.join(stale)}）缺失或早于其输入"
                           "（代码、配置或清洗结果已变化）：请先运行 python -m helpers clean")
    return datasets


# ----------------------------------------------------------------------------- the runner
@dataclass
class Build:
    """What one pipeline run did: per stage, ran or skipped and its seconds; the cleaning run when it ran."""

    steps: list[tuple[str, bool, float]] = field(default_factory=list)
    clean: CleanRun | None = None


def build(raw_dir: Path, processed: Path, context: Context, *, workers: int = 1, fork: bool = False,
          if_changed: bool = False, as_of: date | None = None, today: date | None = None) -> Build:
    """Run the pipeline from `raw_dir` into `processed`; with `if_changed`, a stage whose inputs are unchanged
    since it last ran is skipped. `as_of`: the user's as-of date (the data cut-off; part of the clean stage's
    input); `today`: the day of the run (default: the real one; a date the data hold ahead of the last cleaning's
    day makes that cleaning stale once it comes). Raises cleaning's RawDirError for an unusable raw folder.

    The run works in a staging copy of `processed` that replaces it as one unit at the end: a failed or killed
    run leaves the previous folder as it was (and its leftovers are swept by the next run)."""
    with staged_folder(Path(processed)) as staging:
        result = _build(Path(raw_dir), staging, context, workers=workers, fork=fork, if_changed=if_changed,
                        as_of=as_of, today=today or date.today())
    if result.clean is not None:
        result.clean.out_dir = Path(processed)
    return result


def _build(raw_dir: Path, processed: Path, context: Context, *, workers: int, fork: bool, if_changed: bool,
           as_of: date | None, today: date) -> Build:
    datasets = Datasets(Path(processed), context.datasets)
    result = Build()
    started = time.perf_counter()
    fingerprint = raw_fingerprint(raw_dir, context, as_of)
    record = datasets.record()
    fresh_clean = if_changed and datasets.exists("manifest") and \
        still_fresh(datasets.read_json("manifest"), fingerprint, today)
    if not fresh_clean:
        result.clean = clean_all(raw_dir, context, processed, workers=workers, fork=fork, as_of=as_of,
                                 fingerprint=fingerprint, today=today)
        record = {"clean": {"input": fingerprint, "at": _now()}}
        datasets.write_record(record)
    result.steps.append(("clean", not fresh_clean, time.perf_counter() - started))
    manifest = datasets.read_json("manifest")
    code = code_digest(context)
    checked = schemas(context.plan, context.areas, context.plan_items, context.findings)
    loaded: dict[str, Any] = {}

    def load(name: str) -> Any:  # noqa: ANN401 — a table or the clean tables
        if name not in loaded:
            loaded[name] = (Tables.load(processed, context.datasets["clean"].get("stage_columns"))
                            if name == "clean" else datasets.read(name))
        return loaded[name]

    runs: dict[str, Callable[[], dict[str, pd.DataFrame]]] = {
        "values": lambda: values_stage(load("clean"), context.plan, context.areas),
        "official": lambda: official_stage(load("clean"), load("values"), context.plan, context.areas,
                                           context.official),
        "evaluation": lambda: evaluation_stage(load("values"), context.plan, context.areas, load("crosscheck")),
        "flagship": lambda: flagship_stage(load("clean"), load("values"), load("evaluation"), context.plan,
                                           context.areas),
        "tasks": lambda: assess_plan(load("clean"), load("evaluation"), load("flagship"), context.plan,
                                     context.plan_items, context.assessment, context.areas, load("benchmark"),
                                     context.official.leading.get("majority", 0.5)),
        "period": lambda: assess_periods(load("evaluation"), load("flagship"), load("task_items"),
                                         load("task_commitments"), load("task_departments"), context.plan_items,
                                         context.assessment, context.plan.thresholds["basically_met"],
                                         context.plan.target_year, context.areas.city_code),
        "findings": lambda: findings_stage(load("clean"), {name: load(name) for name in FINDINGS_READS}, context.plan,
                                           context.areas, context.plan_items, context.findings, context.plan_facts),
    }
    for stage in STAGES[1:]:
        started = time.perf_counter()
        digest = _input_digest(stage.name, code, record, manifest)
        current = record.get(stage.name, {})
        if if_changed and current.get("input") == digest and all(datasets.exists(n) for n in stage.writes):
            result.steps.append((stage.name, False, time.perf_counter() - started))
            continue
        frames = runs[stage.name]()
        outputs = {name: datasets.write(name, frame, checked[name]) for name, frame in frames.items()}
        for name in frames:  # a later stage reads what was written, as a later run would
            loaded.pop(name, None)
        record[stage.name] = {"input": digest, "outputs": outputs, "at": _now()}
        datasets.write_record(record)
        result.steps.append((stage.name, True, time.perf_counter() - started))
    return result


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")
