"""reports/index.html: every report by year and area with its status counts, the run's date, the data
cut-off and the failures — one self-contained page (no scripts, the CJK font embedded)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from helpers import areas, config, fonts
from helpers.batch.jobs import Job
from helpers.batch.worker import Outcome, read_record
from helpers.files import atomic_write
from helpers.indicators import load_plan
from helpers.report.findings import COUNTED
from helpers.report.render import FONT_MARKER, visible_text

_ENV = Environment(loader=PackageLoader("helpers.batch", "templates"), autoescape=select_autoescape(default=True),
                   trim_blocks=True, lstrip_blocks=True)
LABELS = {"html": "网页", "pdf": "PDF", "ipynb": "笔记本"}


def _cell(reports: Path, job: Job, failures: dict[Job, Outcome]) -> dict:
    record = read_record(reports, job)
    statuses = config.load("evaluation")["statuses"]
    cell: dict = {"record": record, "failed": job in failures, "links": [], "counts": []}
    if record:
        by_suffix = {Path(f).suffix[1:]: f for f in record["files"]}
        cell["links"] = [{"href": by_suffix[k], "label": v} for k, v in LABELS.items() if k in by_suffix]
        counts = record["counts"]
        cell["counts"] = [{"count": counts[k], **statuses[k]} for k in COUNTED if counts.get(k)]
    return cell


def write_index(reports: Path, years: list[int], outcomes: list[Outcome], manifest: dict) -> Path:
    """Build the index from the records on disk (every report ever rendered) and this run's outcomes."""
    info = areas.load()
    plan = load_plan()
    known_years = sorted({int(p.name) for p in reports.iterdir() if p.is_dir() and p.name.isdigit()} | set(years))
    failures = {o.job: o for o in outcomes if o.state == "failed"}
    rows = [{"year": y, "cells": [_cell(reports, Job(y, code), failures) for code in info.codes]}
            for y in known_years]
    statuses = config.load("evaluation")["statuses"]
    page = _ENV.get_template("index.html.j2").render(
        title=f"{plan.title}实施评估报告", run_at=datetime.now().astimezone().strftime("%Y-%m-%d %H:%M"),
        cutoff=manifest.get("data_cutoff") or "未知", synthetic=bool(manifest.get("synthetic")),
        banner=config.load("report")["synthetic_banner"],
        total=sum(1 for r in rows for c in r["cells"] if c["record"]),
        done=sum(o.state == "done" for o in outcomes), skipped=sum(o.state == "skipped" for o in outcomes),
        failed=[{"key": o.job.key, "error": o.error, "log": _relative(reports, o.log),
                 "notebook": _relative(reports, o.notebook)} for o in failures.values()],
        areas=[{"code": c, "name": info.names[c]} for c in info.codes], rows=rows,
        legend=[statuses[k] for k in COUNTED])
    page = page.replace(FONT_MARKER, fonts.font_face_css(visible_text(page)), 1)
    run = {"run_at": datetime.now().astimezone().isoformat(timespec="seconds"),
           "outcomes": [{"report": o.job.key, "state": o.state, "error": o.error, "seconds": o.seconds}
                        for o in outcomes]}
    atomic_write(reports / "run.json", json.dumps(run, ensure_ascii=False, indent=1))
    return atomic_write(reports / "index.html", page)


def _relative(reports: Path, path: str | None) -> str | None:
    return Path(path).relative_to(reports).as_posix() if path else None
