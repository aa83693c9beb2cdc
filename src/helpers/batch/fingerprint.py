"""When a report is stale: the digest of everything it is made from.

A report's digest covers the notebook, the helper code and templates, the configuration, the job's
parameters and formats, and the digest of each source the report reads (helpers.report.data.sources_read)
plus the year of the global data cut-off (which decides how far registers count as current). Changing one
source therefore re-renders only the reports that read it; a re-run with nothing changed renders nothing.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from helpers import config
from helpers.batch.jobs import Job
from helpers.files import hash_files


def code_digest(notebook: Path) -> str:
    """Notebook, package code and templates, and configuration (base and local)."""
    root = config.project_root()
    package = Path(__file__).resolve().parents[1]
    code = sorted(p for p in package.rglob("*") if p.suffix in {".py", ".j2", ".css", ".json"})
    return hash_files(hashlib.sha256(), [notebook, *code, *sorted((root / "conf").rglob("*.yaml"))]).hexdigest()


def job_digests(jobs: list[Job], processed: Path, formats: list[str], code: str) -> dict[Job, str]:
    """One digest per job; each source is hashed once however many reports read it."""
    from helpers.report.data import source_digest, sources_read

    manifest = json.loads((processed / "manifest.json").read_text(encoding="utf-8"))
    cutoff_year = str(manifest.get("data_cutoff") or "")[:4]
    sources: dict[str, str] = {}
    out = {}
    for job in jobs:
        parts = [code, str(job.year), job.area_code, ",".join(formats), cutoff_year]
        for source in sources_read(job.area_code):
            if source not in sources:
                sources[source] = source_digest(processed, source)
            parts.append(f"{source}={sources[source]}")
        out[job] = hashlib.sha256("|".join(parts).encode()).hexdigest()
    return out
