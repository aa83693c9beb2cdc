"""附录 (appendix): the appendices report.yaml lists, in its order: 数据质量 (the cleaning's accounts: reconciliation,
reasons, broken files, warnings, the data problems and official figures not used), 方法说明 (cut-off, missing data,
the indicators' notes, the high-value criteria), and, where the plan has items, 佐证材料缺失清单 and 进展情况 (the
departments' texts in full). Wording: wording.yaml `appendix`, `cutoff_rules`, `plan_items` (missing_*,
progress_*, unassessable), `official` (gap, not-used figures), plan_wording.yaml `plan.method_notes`."""

from __future__ import annotations

import re

from IPython.display import HTML
from markupsafe import Markup

from helpers.cleaning import OUTCOMES
from helpers.report import findings, items
from helpers.report.core import Cell, Report, Section
from helpers.report.official import official_problems
from helpers.report.task_words import missing_evidence
from helpers.tasks.verification import LEDGER


def render(report: Report, section: Section) -> HTML:
    d, w = report.data, report.w
    per_source = d.rows_by_source()
    balanced = bool((per_source["rows_in"] == per_source[OUTCOMES].sum(axis=1)).all())
    rec_rows = [[d.source_title(s)] + [f"{v:,}" for v in r.to_numpy()] for s, r in per_source.iterrows()]
    totals = per_source.sum()
    rec_rows.append([Cell(w["appendix.total"], "total")] + [Cell(f"{v:,}", "total") for v in totals.to_numpy()])
    reconciliation = report.table(report.scoped("appendix.reconciliation"),
                                  report.columns("appendix.reconciliation_columns", [35, 13, 13, 13, 13, 13]),
                                  rec_rows, css="numbers")
    reasons = d.account("reasons")
    not_kept = reasons[reasons["outcome"] != "duplicate"]
    by_reason = not_kept.groupby("reason", sort=False).agg(rows=("rows", "sum"), sources=("source", "unique"))
    by_reason = by_reason.sort_values("rows", ascending=False)
    labels = d.context.cleaning
    reasons_table = report.table(
        report.scoped("appendix.reasons"), report.columns("appendix.reasons_columns", [38, 12, 50]),
        [[labels.reasons.get(r, r), f"{row['rows']:,}", Cell(w.join([d.source_title(s) for s in row["sources"]]),
                                                              "text")]
         for r, row in by_reason.iterrows()], css="numbers") if len(by_reason) else None
    files = d.account("files")
    broken = files[files["status"] == "rejected"] if not files.empty else files
    broken_table = report.table(report.scoped("appendix.broken"),
                                report.columns("appendix.broken_columns", [22, 38, 40]),
                                [[d.source_title(r["source"]), r["file"], _plain(r["message"])]
                                 for _, r in broken.iterrows()]) if len(broken) else None
    warnings = d.account("warnings")
    warned = warnings.groupby(["source", "warning"], sort=False)["rows"].sum() if not warnings.empty else []
    warnings_table = report.table(report.scoped("appendix.warnings"),
                                  report.columns("appendix.warnings_columns", [30, 55, 15]),
                                  [[d.source_title(s), labels.warnings.get(k, k), f"{n:,}"]
                                   for (s, k), n in warned.items()], css="numbers") if len(warned) else None
    return report.html(
        section, appendices=[{"id": key, "heading": report.appendix_heading(key)} for key in report.appendices()],
        balance=w["appendix.balanced"] if balanced else w["appendix.unbalanced"],
        scope_note="" if d.is_city else w["appendix.quality_county"],
        reconciliation_table=reconciliation, reasons_table=reasons_table, broken_table=broken_table,
        warnings_table=warnings_table, method_notes=_method_notes(report), criteria_table=_criteria_table(report),
        area_name=d.area_name, year=d.year, missing_table=_missing_evidence_table(report),
        missing_none=_missing_none(report) if d.context.plan_items.items else "",
        data_problems=findings.data_problems(d) + official_problems(d),
        progress_table=_progress_table(report), progress_none=_progress_none(report))


def _criteria_table(report: Report) -> Markup | None:
    d = report.data
    table = d.high_value
    table = table[(table["area_code"] == d.area_code) & (table["year"] == d.year)]
    if table.empty:
        return None
    return report.table(report.w["appendix.criteria"], report.columns("appendix.criteria_columns", [70, 30]),
                        [[r["label"], f"{int(r['count']):,}"] for _, r in table.iterrows()], css="numbers")


def _method_notes(report: Report) -> list[str]:
    """How the cut-off and missing data are treated, then the notes of the plan's indicators that have one
    (plan_wording.yaml `method_notes`), and the synthetic-data banner where it applies."""
    d, w = report.data, report.w
    stated_in = (d.manifest.get("data_cutoff_basis") or {}).get("stated_in")
    how = w(f"appendix.method_cutoff_how.{d.cutoff_rule}", file=stated_in)
    notes = [w("appendix.method_cutoff", cutoff=d.cutoff, rule=w[f"cutoff_rules.{d.cutoff_rule}"], how=how),
             w["appendix.method_missing"]]
    high_value = d.plan.settings.get("high_value") or {}
    facts = {"criteria": w.join(list((high_value.get("criteria") or {}).values())),
             "pledge_threshold_wan": high_value.get("pledge_threshold_wan")}
    ids = {i.id for i in d.plan.indicators}
    notes += [str(text).format(**facts) for key, text in (w.get("plan.method_notes") or {}).items() if key in ids]
    if d.synthetic:
        notes.append(w("synthetic_banner", city=d.context.areas.city_name))
    return notes


def _missing_none(report: Report) -> str:
    """What the evidence appendix says when it lists nothing: all found, or nothing to check without a ledger."""
    if items.absent(report, LEDGER):
        return report.w("plan_items.missing_unassessable", reason=items.why_absent(report, LEDGER))
    return report.w["plan_items.missing_none"]


def _progress_none(report: Report) -> str:
    """What the progress appendix says when it lists nothing: no text reported, or no ledger to report it."""
    if items.absent(report, LEDGER):
        return report.w("plan_items.unassessable", reason=items.why_absent(report, LEDGER))
    return report.w["plan_items.progress_none"]


def _missing_evidence_table(report: Report) -> Markup | None:
    """佐证材料缺失清单: claims of this year without evidence, or whose evidence was not found."""
    d, w = report.data, report.w
    rows = d.task("task_departments")
    if not d.is_city:
        rows = rows[rows["area_code"] == d.area_code]
    missing = rows[rows["verified_grade"] == "unverified"]
    if missing.empty:
        return None
    catalogue = d.context.plan_items
    table = [[r["department"], Cell(f"{r['item']} {catalogue.item(r['item']).title}", "text"),
              items.grade_label(w, r["self_grade"]), Cell(missing_evidence(r, w).replace("\n", "；"), "text")]
             for _, r in missing.sort_values(["department", "item"]).iterrows()]
    return report.table(w("plan_items.missing_table", year=d.year),
                        report.columns("plan_items.missing_columns", [24, 30, 12, 34]), table)


def _progress_table(report: Report) -> Markup | None:
    """The departments' progress texts of this year, in full."""
    d, w = report.data, report.w
    rows = d.task("task_departments")
    if not d.is_city:
        rows = rows[rows["area_code"] == d.area_code]
    if rows.empty:
        return None
    ordered = rows.sort_values(["item", "department"])
    table = [[r["item"], r["department"], items.grade_label(w, r["self_grade"]),
              Cell(items.data_text(r["progress"]), "text")] for _, r in ordered.iterrows()]
    return report.table(w("plan_items.progress_table", year=d.year),
                        report.columns("plan_items.progress_columns", [8, 20, 12, 60]), table, css="progress")


def _plain(message: str) -> str:
    """A reader's message without the technical detail a library appended to it ('…（文件损坏）：invalid Zip
    archive: …' → '…（文件损坏）')."""
    return re.sub(r"[：:]\s*[^\u3000-\u9fff\uff00-\uffef]*$", "", str(message)) or str(message)
