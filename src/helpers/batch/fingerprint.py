"""When a report is stale: the digest of everything it is made from.

A report's digest covers the notebook, the helper code and templates, the run's configuration files, the
job's parameters, formats and language, and the digest of each source the report reads (as the clean stage
recorded it in the manifest; helpers.report.sources_read), the global data cut-off (its year, which decides how
far registers count as current; the whole date and its rule when the user's as-of date or a file's title set it,
as the report then shows them) and the evaluators' texts it shows (helpers.report.assessor; a file that cannot be
shown leaves its message in the digest and fails the report, not the run). The
derived datasets are functions of exactly these, so changing one source re-renders only the reports that read it;
a re-run with nothing changed renders nothing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from helpers.batch.jobs import Job
from helpers.context import Context
from helpers.files import hash_files
from helpers.fingerprint import Code


def code_digest(notebook: Path, context: Context) -> str:
    """Notebook, package code and templates (helpers.fingerprint.Code.package_files), the configuration files of
    the run and the Word edition's reference template (report.yaml word.template) when one is named."""
    from helpers.report.word import reference_template

    template = reference_template(context)
    return hash_files(hashlib.sha256(), [notebook, *Code().package_files(), *context.conf.files(),
                                         *([template] if template else [])]).hexdigest()


def job_digests(jobs: list[Job], manifest: dict, formats: list[str], code: str, context: Context,
                lang: str) -> dict[Job, str]:
    """One digest per job, from the source digests the manifest records (nothing is read again)."""
    from helpers.report import assessor, sources_read

    folder, slots = context.path("assessor_dir"), assessor.Slot.all_of(context.report)
    rule = manifest.get("data_cutoff_rule") or "observed"
    cutoff = str(manifest.get("data_cutoff") or "")
    cutoff = cutoff[:4] if rule == "observed" else f"{rule}:{cutoff}"  # an observed day is in a source's digest
    recorded = manifest.get("sources", {})
    out = {}
    for job in jobs:
        parts = [code, str(job.year), job.area_code, ",".join(formats), lang, cutoff]
        parts += [f"{source}={recorded.get(source, {}).get('digest')}" for source in sources_read(job.area_code,
                                                                                                      context)]
        try:
            parts += [f"{slot}={text}" for slot, text in assessor.texts(folder, job.year, job.area_code, slots,
                                                                        context.plan.mode_of(job.year)).items()]
        except assessor.AssessorError as problem:  # the report fails with this message, the others go on
            parts.append(str(problem))
        out[job] = hashlib.sha256("|".join(parts).encode()).hexdigest()
    return out
