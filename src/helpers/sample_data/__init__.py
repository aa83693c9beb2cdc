"""Synthetic, seeded sample of every raw source of the data contract, with dirt and a provenance record.

`generate(out_dir, seed, scale)` writes out_dir/<source>/synthetic_*.{csv,xlsx,log,log.gz} and
out_dir/PROVENANCE.json: what each file is, the expected reconciliation per source (clean, duplicate,
rejected by reason, out of scope, broken files) and the city values a correct pipeline must reproduce.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from itertools import count
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.sample_data import dirt, ledgers, official, registries, tasks, weblogs, writers
from helpers.sample_data.context import Context
from helpers.sample_data.expected import expectations
from helpers.sample_data.render import OutFile, render_source

_LEDGERS: dict[str, Callable[[Context], pd.DataFrame]] = {
    "gi_products": ledgers.build_gi_products,
    "gi_output": ledgers.build_gi_output,
    "assistance_cases": ledgers.build_assistance_cases,
    "enforcement_cases": ledgers.build_enforcement_cases,
    "court_cases": ledgers.build_court_cases,
    "service_nodes": ledgers.build_service_nodes,
    "survey": ledgers.build_survey,
    "population": ledgers.build_population,
    "projects": ledgers.build_projects,
}


def build_truth(ctx: Context) -> dict[str, pd.DataFrame]:
    """The clean rows of every tabular source (registries first: pledges and awards refer to patents)."""
    truth = {
        "patents": registries.build_patents(ctx),
        "trademarks": registries.build_trademarks(ctx),
        "copyright": registries.build_copyright(ctx),
    }
    truth["pledges"] = registries.build_pledges(ctx, truth["patents"], truth["trademarks"])
    truth["patent_awards"] = registries.build_patent_awards(ctx, truth["patents"])
    pledged = truth["pledges"]["right_no"].value_counts()
    truth["patents"]["pledge_count"] = truth["patents"]["application_no"].map(pledged).fillna(0).astype(int)
    truth.update({source: build(ctx) for source, build in _LEDGERS.items()})
    return truth


def _file_bytes(ctx: Context, out: OutFile) -> bytes:
    header = dirt.header_row(ctx, out)
    rows = out.cells[list(out.headers)].itertuples(index=False, name=None)
    if out.fmt == "xlsx":
        created = pd.Timestamp(ctx.cfg["xlsx_created"]).to_pydatetime()
        return writers.xlsx_bytes(header, rows, created, out.title)
    preamble = [line.format(rows=int((out.kinds != "").sum())) for line in out.preamble]
    return writers.csv_bytes(header, rows, out.encoding, preamble)


def _tally(kinds: list[str] | pd.Series) -> dict[str, object]:
    counts = Counter(kinds)
    rejected = {k.split(":", 1)[1]: n for k, n in sorted(counts.items()) if k.startswith("rejected:")}
    return {
        "rows_in": sum(counts.values()),
        "clean": counts["clean"],
        "duplicate": counts["duplicate"],
        "rejected": rejected,
        "out_of_scope": counts["out_of_scope"],
    }


def _store(out_dir: Path, source: str, name: str, data: bytes) -> str:
    path = out_dir / source / name
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def _plan_tasks(ctx: Context, out_dir: Path) -> tuple[list[dict], list, dict]:
    """The task ledgers, policy register and evidence folder, as provenance entries (with their rows' kinds)."""
    for source in tasks.SOURCES:
        for stale in (out_dir / source).rglob("*") if (out_dir / source).is_dir() else []:
            if stale.is_file():
                stale.unlink()
    written, rows, state = tasks.plan_task_sample(ctx, out_dir)
    entries = []
    for item in written:
        path = out_dir / item.path.split("!")[0]
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
        entries.append({"path": item.path, "source": item.source, "vendor": "department", "format": item.fmt,
                        "encoding": item.encoding, "sha256": digest, **_tally(item.kinds), "_kinds": item.kinds})
    return entries, rows, state


def _official(ctx: Context, out_dir: Path, per_year: dict) -> tuple[dict, dict]:
    """The official statistics file, as a provenance entry (with its rows' kinds), and what it should give."""
    cfg = ctx.cfg[official.SOURCE]
    folder = out_dir / official.SOURCE
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob(f"{ctx.cfg['file_prefix']}*"):
        stale.unlink()
    rows, kinds, expected = official.official_rows(ctx, per_year)
    digest = _store(out_dir, official.SOURCE, cfg["file"], writers.csv_bytes(official.HEADER, rows, cfg["encoding"]))
    return {"path": f"{official.SOURCE}/{cfg['file']}", "source": official.SOURCE, "vendor": "bulletin",
            "format": "csv", "encoding": cfg["encoding"], "sha256": digest, **_tally(kinds), "_kinds": kinds}, expected


def foreign_files(out_dir: Path) -> list[str]:
    """The files of `out_dir` (paths under it) that are not a sample's own: neither listed in the PROVENANCE.json of
    a synthetic sample there (a listed folder owns what is under it) nor hidden (.gitkeep). Writing a sample
    there would mix it with them; empty for a missing or empty folder and for an earlier sample."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        return []
    try:
        recorded = json.loads((out_dir / "PROVENANCE.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        recorded = {}
    own: set[str] = set()
    if isinstance(recorded, dict) and recorded.get("synthetic") is True:
        own = {"PROVENANCE.json", *(str(f.get("path", "")).split("!")[0] for f in recorded.get("files", [])),
               *(str(b.get("path", "")) for r in recorded.get("reconciliation", {}).values()
                 for b in r.get("broken_files", []))}
    files = (p.relative_to(out_dir) for p in out_dir.rglob("*") if p.is_file())
    return sorted(path.as_posix() for path in files if not any(part.startswith(".") for part in path.parts)
                  and not any(path.as_posix() == o or path.as_posix().startswith(f"{o}/") for o in own if o))


def generate(out_dir: Path, seed: int = 2020, scale: int = 1) -> dict:
    """Write the synthetic sample of all sources into out_dir and return (and write) its provenance."""
    ctx = Context(np.random.default_rng(seed), scale)
    out_dir = Path(out_dir)
    truth = build_truth(ctx)
    serials = count(1)
    files, reconciliation = [], {}
    for source in (s for s in ctx.catalog if s not in (*tasks.SOURCES, official.SOURCE)):
        folder = out_dir / source
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob(f"{ctx.cfg['file_prefix']}*"):
            stale.unlink()
        broken = []
        if source == "web_logs":
            requests = weblogs.build_requests(ctx)
            visitors = weblogs.visitors_per_year(ctx, requests)
            outputs = weblogs.render_logs(ctx, requests)
            kinds = []
            for log in outputs:
                digest = _store(out_dir, source, log.name, writers.log_bytes(log.lines, log.gz))
                files.append(
                    {
                        "path": f"{source}/{log.name}",
                        "source": source,
                        "vendor": "nginx_combined",
                        "format": "log.gz" if log.gz else "log",
                        "encoding": "utf-8",
                        "sha256": digest,
                        **_tally(log.kinds),
                    }
                )
                kinds += log.kinds
        else:
            outputs = render_source(ctx, source, truth[source])
            for out in outputs:
                dirt.respell(ctx, out, truth[source])
            dirt.add_extras(ctx, outputs, truth[source], serials)
            kinds = []
            for out in outputs:
                digest = _store(out_dir, source, out.name, _file_bytes(ctx, out))
                files.append(
                    {
                        "path": f"{source}/{out.name}",
                        "source": source,
                        "vendor": out.vendor,
                        "format": out.fmt,
                        "encoding": out.encoding if out.fmt == "csv" else "xlsx",
                        "sha256": digest,
                        **_tally(out.kinds),
                    }
                )
                kinds += list(out.kinds)
            kind = ctx.cfg["broken_files"].get(source)
            if kind:
                name, data, problem = dirt.broken_file(ctx, kind, outputs[0])
                _store(out_dir, source, name, data)
                broken.append({"path": f"{source}/{name}", "problem": problem})
        reconciliation[source] = {
            **_tally(kinds),
            "files": sum(f["source"] == source for f in files),
            "broken_files": broken,
        }
    # the plan's ledgers draw from a stream of their own: recalibrating a registry leaves their story as it is
    plan_files, rows, written = _plan_tasks(replace(ctx, rng=np.random.default_rng([seed, 1])), out_dir)
    files += plan_files
    for source in tasks.SOURCES:
        kinds = [kind for f in plan_files if f["source"] == source for kind in f.pop("_kinds")]
        reconciliation[source] = {**_tally(kinds), "files": sum(f["source"] == source for f in plan_files),
                                  "broken_files": []}
    expected = expectations(ctx, truth, visitors)
    per_year = expected["expected_city_per_year"]
    expected["expected_task_grades"] = tasks.expected_grades(ctx, written["catalogue"], rows, written["present"],
                                                             per_year, written["years"])
    entry, expected["expected_official"] = _official(ctx, out_dir, per_year)
    files.append(entry)
    reconciliation[official.SOURCE] = {**_tally(entry.pop("_kinds")), "files": 1, "broken_files": []}
    provenance = {
        "synthetic": True,
        "generator": ctx.cfg["generator"],
        "seed": seed,
        "scale": scale,
        "note": ctx.cfg["note"],
        "files": files,
        "reconciliation": reconciliation,
        **expected,
    }
    text = json.dumps(provenance, ensure_ascii=False, indent=2, default=str)
    (out_dir / "PROVENANCE.json").write_text(text + "\n", encoding="utf-8")
    return json.loads(text)
