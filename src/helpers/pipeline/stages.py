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

from helpers.cleaning import CleanRun, clean_all, raw_fingerprint, still_fresh
from helpers.context import Context
from helpers.files import staged_folder
from helpers.findings import READS as FINDINGS_READS
from helpers.findings import findings_stage
from helpers.fingerprint import Code
from helpers.indicators import Tables
from helpers.indicators.stage import evaluation_stage, flagship_stage, values_stage
from helpers.official.stage import official_stage
from helpers.pipeline.datasets import DatasetError, Datasets
from helpers.pipeline.schemas import schemas
from helpers.tasks.period import assess_periods
from helpers.tasks.stage import assess_plan

PARAMS = "params:"


@dataclass(frozen=True)
class Parameter:
    """A value of the configuration a stage takes (`params:<name>`), and the configuration files it is built from
    (what makes the stages that take it stale)."""

    of: Callable[[Context], Any]
    conf: tuple[str, ...]


PLAN_CONF = ("indicators", "evaluation", "plan_wording", "ipc_sei")
PARAMETERS = {
    "plan": Parameter(lambda context: context.plan, PLAN_CONF),
    "areas": Parameter(lambda context: context.areas, ("areas", "official_stats")),
    "plan_items": Parameter(lambda context: context.plan_items, ("plan_items",)),
    "assessment": Parameter(lambda context: context.assessment, ("assessment",)),
    "official": Parameter(lambda context: context.official, (*PLAN_CONF, "areas", "official_stats")),
    "majority": Parameter(lambda context: context.official.leading.get("majority", 0.5), ("official_stats",)),
    "findings_rules": Parameter(lambda context: context.findings, ("findings",)),
    "plan_facts": Parameter(lambda context: context.plan_facts, ("plan_facts",)),
    "basically_met": Parameter(lambda context: context.plan.thresholds["basically_met"], ("evaluation",)),
    "target_year": Parameter(lambda context: context.plan.target_year, ("indicators",)),
    "city_code": Parameter(lambda context: context.areas.city_code, ("areas",)),
}


@dataclass(frozen=True)
class Stage:
    """One step of the pipeline, declared once (Kedro's node): its function, called with `inputs` in order — a
    dataset of the catalog by name (`clean`: the clean tables with their manifest and accounts), `params:<name>` a
    value of the configuration (PARAMETERS), a tuple of dataset names the dict of those datasets — and the datasets
    of the catalog its result holds."""

    name: str
    run: Callable[..., Any]
    inputs: tuple[str | tuple[str, ...], ...]
    writes: tuple[str, ...]
    about: str

    @property
    def reads(self) -> tuple[str, ...]:
        """The datasets among the inputs."""
        names = [name for entry in self.inputs for name in (entry if isinstance(entry, tuple) else (entry,))]
        return tuple(name for name in names if not name.startswith(PARAMS))

    @property
    def params(self) -> tuple[str, ...]:
        """The values of the configuration among the inputs."""
        return tuple(entry.removeprefix(PARAMS) for entry in self.inputs
                     if isinstance(entry, str) and entry.startswith(PARAMS))

    def conf(self) -> tuple[str, ...]:
        """The configuration files its result depends on: those of its parameters, and the dataset catalog (the
        columns of the clean tables it is given)."""
        return tuple(dict.fromkeys(["catalog", *(name for p in self.params for name in PARAMETERS[p].conf)]))


STAGES = (
    Stage("clean", clean_all, ("raw",),
          ("clean", "quarantine", "reconciliation", "files", "warnings", "reasons", "manifest"),
          "every source cleaned, typed, placed and deduplicated; every row accounted for"),
    Stage("values", values_stage, ("clean", "params:plan", "params:areas"), ("values", "high_value", "visits"),
          "the plan's indicators per area and year"),
    Stage("official", official_stage, ("clean", "values", "params:plan", "params:areas", "params:official"),
          ("official", "crosscheck", "benchmark"),
          "official figures: their status, the cross-check with the computed values, the peer benchmarking"),
    Stage("evaluation", evaluation_stage, ("values", "params:plan", "params:areas", "crosscheck"), ("evaluation",),
          "progress and status of every evaluated year"),
    Stage("flagship", flagship_stage, ("clean", "values", "evaluation", "params:plan", "params:areas"), ("flagship",),
          "the 专栏 targets of every evaluated year"),
    Stage("tasks", assess_plan, ("clean", "evaluation", "flagship", "params:plan", "params:plan_items",
                                 "params:assessment", "params:areas", "benchmark", "params:majority"),
          ("task_items", "task_commitments", "task_departments", "task_groups", "composite", "goals"),
          "the plan's tasks, 专栏, policies, safeguards and goals, verified and scored"),
    Stage("period", assess_periods, ("evaluation", "flagship", "task_items", "task_commitments", "task_departments",
                                     "params:plan_items", "params:assessment", "params:basically_met",
                                     "params:target_year", "params:city_code"),
          ("period_indicators", "period_items", "period_commitments", "period_departments", "period_composite"),
          "the period up to each graded year: indicators year by year, items' period grades and patterns, "
          "departments' records, the period composite"),
    Stage("findings", findings_stage, ("clean", FINDINGS_READS, "params:plan", "params:areas", "params:plan_items",
                                       "params:findings_rules", "params:plan_facts"), ("findings",),
          "what the evaluation finds: shortfalls, strengths, decompositions, disparities, risks, 基期数据核对"),
)
DERIVED = STAGES[1:]  # the stages the runner calls; clean has its own runner (helpers.cleaning.clean_all)


# ----------------------------------------------------------------------------- digests
def code_digests(context: Context, package: Path | None = None) -> dict[str, str]:
    """Per derived stage, the digest of the code it runs (its function's module and every module that imports, and
    the writing of datasets; helpers.fingerprint) and of the configuration files it reads: a change to either
    makes it stale (a change to the report's code or wording does not)."""
    code = Code(package)
    return {stage.name: code.digest((stage.run, Datasets.write), context.conf.files(stage.conf()))
            for stage in DERIVED}


def _input_digest(stage: Stage, code: str, record: dict[str, Any], manifest: dict[str, Any]) -> str:
    """What the stage's result depends on: the code and configuration, and the digests of what it reads (the clean
    tables: each source's digest and the data cut-off, as the manifest records them)."""
    parts = [stage.name, code]
    if "clean" in stage.reads:
        parts += [f"{s}={v.get('digest')}" for s, v in sorted(manifest.get("sources", {}).items())]
        parts.append(f"{manifest.get('data_cutoff')}|{manifest.get('data_cutoff_rule')}")
    for name in stage.reads:
        writer = next((s.name for s in DERIVED if name in s.writes), None)
        if writer:
            parts.append(f"{name}={record.get(writer, {}).get('outputs', {}).get(name)}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def stale_stages(datasets: Datasets, context: Context) -> list[str]:
    """The derived stages whose record is missing or whose inputs changed since they last ran."""
    if not datasets.exists("manifest"):
        return [s.name for s in STAGES]
    record, manifest, code = datasets.record(), datasets.read_json("manifest"), code_digests(context)
    stale = []
    for stage in DERIVED:
        entry = record.get(stage.name, {})
        missing = any(not datasets.exists(name) for name in stage.writes)
        if missing or entry.get("input") != _input_digest(stage, code[stage.name], record, manifest):
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
def stage_columns(context: Context, stage: str) -> dict[str, list[str]]:
    """The columns `stage` reads of each clean source (catalog `stage_columns`; a source it does not list: all)."""
    return context.datasets["clean"]["stage_columns"].get(stage, {})


def stage_inputs(stage: Stage, datasets: Datasets, context: Context,
                 columns: dict[str, list[str]] | None = None) -> list[Any]:
    """The stage's inputs in order, read anew from `datasets` as a later run would (nothing read is held from one
    stage to the next): the clean tables as a Tables that reads each source when the stage first asks for it, of
    `columns` (default: the stage's `stage_columns`; `{}`: whole tables)."""
    def load(name: str) -> Any:  # noqa: ANN401 — a table, or the clean tables
        if name == "clean":
            return Tables.load(datasets.folder, stage_columns(context, stage.name) if columns is None else columns)
        return datasets.read(name)

    def value(entry: str | tuple[str, ...]) -> Any:  # noqa: ANN401 — an input of a stage (Stage)
        if isinstance(entry, tuple):
            return {name: load(name) for name in entry}
        return PARAMETERS[entry.removeprefix(PARAMS)].of(context) if entry.startswith(PARAMS) else load(entry)

    return [value(entry) for entry in stage.inputs]


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
    code = code_digests(context)
    checked = schemas(context.plan, context.areas, context.plan_items, context.findings)
    for stage in DERIVED:
        started = time.perf_counter()
        digest = _input_digest(stage, code[stage.name], record, manifest)
        current = record.get(stage.name, {})
        if if_changed and current.get("input") == digest and all(datasets.exists(n) for n in stage.writes):
            result.steps.append((stage.name, False, time.perf_counter() - started))
            continue
        frames = stage.run(*stage_inputs(stage, datasets, context))
        outputs = {name: datasets.write(name, frame, checked[name]) for name, frame in frames.items()}
        record[stage.name] = {"input": digest, "outputs": outputs, "at": _now()}
        datasets.write_record(record)
        result.steps.append((stage.name, True, time.perf_counter() - started))
    return result


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")
