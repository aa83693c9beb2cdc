"""reports/index.html: every report by year and area with its status counts (from the evaluation dataset) and, the
city's, its composite score (规划实施综合评价), each year's report mode and indicator workbook, the latest year's
indicator × area matrix, the run's time (北京时间), the data cut-off and the failures; the executed notebooks in a
block of their own for researchers — one self-contained page (no scripts, no external resources, the CJK font
embedded, every text escaped) whose tables have captions and header scopes, its colours legible (WCAG 2.x AA)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from helpers.batch.jobs import Job
from helpers.batch.worker import Outcome, read_record
from helpers.context import Context
from helpers.files import atomic_write
from helpers.pipeline import Datasets
from helpers.report import Words, embed_fonts, fill, fonts_of
from helpers.report.findings import number
from helpers.report.wording import BEIJING

_ENV = Environment(loader=PackageLoader("helpers.batch", "templates"), autoescape=select_autoescape(default=True),
                   trim_blocks=True, lstrip_blocks=True)
_ENV.filters["fill"] = fill


def _cell(reports: Path, job: Job, failures: dict[Job, Outcome], counts: dict[tuple, pd.Series],
          legend: dict[str, dict], composite: str | None) -> dict:
    record = read_record(reports, job)
    cell: dict = {"record": record, "failed": job in failures, "links": [], "counts": [], "composite": composite}
    if record:
        by_suffix = {Path(f).suffix[1:]: f for f in record["files"]}
        cell["links"] = [{"href": by_suffix[k], "kind": k} for k in ("html", "pdf", "docx") if k in by_suffix]
        cell["notebook"] = by_suffix.get("ipynb")  # for researchers: listed in their own block, not in the cell
        mine = counts.get((job.year, job.area_code), pd.Series(dtype="int64"))
        cell["counts"] = [{"count": int(mine[k]), **legend[k]} for k in legend if mine.get(k)]
    return cell


def write_index(reports: Path, years: list[int], outcomes: list[Outcome], datasets: Datasets, context: Context,
                lang: str) -> Path:
    """Build the index from the records on disk (every report ever rendered), this run's outcomes and the
    status counts of the evaluation dataset."""
    info, plan, words = context.areas, context.plan, Words.of(context, lang)
    manifest = datasets.read_json("manifest")
    evaluation = datasets.read("evaluation", columns=["year", "area_code", "status"])
    counts = evaluation.groupby(["year", "area_code"])["status"].value_counts()
    counts = {key: group.droplevel([0, 1]) for key, group in counts.groupby(level=[0, 1])}
    legend = {k: {**v, "label": words["statuses"][k]} for k, v in plan.statuses.items()}
    known_years = sorted({int(p.name) for p in reports.iterdir() if p.is_dir() and p.name.isdigit()} | set(years))
    failures = {o.job: o for o in outcomes if o.state == "failed"}
    composites = _composites(datasets, context, words)
    rows = [{"year": y, "mode": words["modes"][plan.mode_of(y)], "workbook": _workbook(reports, y),
             "cells": [_cell(reports, Job(y, code, info.names[code]), failures, counts, legend,
                             composites.get(y) if code == info.city_code else None)
                       for code in info.codes]}
            for y in known_years]
    page = _ENV.get_template("index.html.j2").render(
        w=words.texts, title=words("index.title", plan_title=plan.title),
        run_at=words("index.run_at", time=datetime.now(BEIJING).strftime("%Y-%m-%d %H:%M")),
        matrix=_matrix(datasets, context, words, legend, known_years),
        notebooks=any(c.get("notebook") for r in rows for c in r["cells"]),
        cutoff=manifest.get("data_cutoff") or words["unknown"], synthetic=bool(manifest.get("synthetic")),
        banner=words("synthetic_banner", city=info.city_name),
        total=sum(1 for r in rows for c in r["cells"] if c["record"]),
        done=sum(o.state == "done" for o in outcomes), skipped=sum(o.state == "skipped" for o in outcomes),
        failed=[{"key": o.job.key, "error": o.error, "log": _relative(reports, o.log),
                 "notebook": _relative(reports, o.notebook)} for o in failures.values()],
        areas=[{"code": c, "name": info.names[c]} for c in info.codes], rows=rows, legend=list(legend.values()))
    page = embed_fonts(page, fonts_of(context))
    run = {"run_at": datetime.now().astimezone().isoformat(timespec="seconds"),
           "outcomes": [{"report": o.job.key, "state": o.state, "error": o.error, "seconds": o.seconds}
                        for o in outcomes]}
    atomic_write(reports / "run.json", json.dumps(run, ensure_ascii=False, indent=1))
    return atomic_write(reports / "index.html", page)


def _composites(datasets: Datasets, context: Context, words: Words) -> dict[int, str]:
    """The composite score and grade of each year's city report, as its summary gives them: on the period grades in
    the modes that grade the period (终期核定, conf assessment.yaml `period.graded_modes`) where there are any, else on
    the year's grades. County reports have none."""
    def scores(name: str, column: str) -> dict[int, pd.Series]:
        table = datasets.read(name)
        return {int(r[column]): r for _, r in table[(table["part"] == "composite") & table["score"].notna()].iterrows()}

    yearly, period = scores("composite", "year"), scores("period_composite", "period_end")
    graded = context.assessment["period"]["graded_modes"]
    chosen = {**yearly, **{y: r for y, r in period.items() if context.plan.mode_of(y) in graded}}
    return {y: words("index.composite", score=number(r["score"], 1), grade=words["composite_grades"][r["grade"]])
            for y, r in chosen.items()}


def _workbook(reports: Path, year: int) -> str | None:
    """The year's indicator workbook, relative to the index, when it was written."""
    path = reports / str(year) / f"indicators_{year}.xlsx"
    return path.relative_to(reports).as_posix() if path.exists() else None


def _matrix(datasets: Datasets, context: Context, words: Words, legend: dict[str, dict],
            years: list[int]) -> dict | None:
    """The latest year of the index that has an evaluation (else the latest evaluated year) as an indicator × area
    table: each cell the value as the reports print it (the indicator's decimals, 四舍五入; a rate from few cases
    marked with its n) and its status mark; 无分解目标 and 市级指标 keep their own marks. The legend lists the
    statuses the table uses."""
    evaluation = datasets.read("evaluation")
    if evaluation.empty:
        return None
    evaluated = set(evaluation["year"].astype(int))
    year = max(evaluated & set(years) or evaluated)
    latest = evaluation[evaluation["year"] == year].set_index(["indicator", "area_code"])
    small = latest["small_sample"].fillna(False).astype(bool) if "small_sample" in latest else None
    rows, used = [], set()
    for indicator in context.plan.indicators:
        cells = []
        for code in context.areas.codes:
            if (indicator.id, code) not in latest.index:
                cells.append({"value": ""})
                continue
            row = latest.loc[(indicator.id, code)]
            value = "" if pd.isna(row["value"]) else number(row["value"], indicator.decimals)
            n = int(row["rows"]) if small is not None and small[(indicator.id, code)] else None
            cells.append({"value": value, "small": words("index.matrix_small", n=n) if n is not None else None,
                          **legend[row["status"]]})
            used.add(row["status"])
        rows.append({"name": f"{indicator.id} {indicator.name}（{indicator.unit}）", "cells": cells})
    return {"caption": words("index.matrix", year=year, mode=words["modes"][context.plan.mode_of(year)]),
            "rows": rows, "legend": [spec for key, spec in legend.items() if key in used]}


def _relative(reports: Path, path: str | None) -> str | None:
    return Path(path).relative_to(reports).as_posix() if path else None
