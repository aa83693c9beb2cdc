"""重大政策出台情况 (policies): every policy document the plan promises, issued or not by the policy register.
Shares the template plan_items with the other sections on the plan's items. Wording: wording.yaml `plan_items`
(policies_*, issued, not_issued, empty)."""

from __future__ import annotations

from IPython.display import HTML

from helpers.report import items
from helpers.report.core import Cell, Report, Section
from helpers.report.task_words import codes
from helpers.tasks import UNASSESSABLE
from helpers.tasks.verification import REGISTER


def render(report: Report, section: Section) -> HTML:
    d, w = report.data, report.w
    commitments = d.task("task_commitments")
    policy = commitments[commitments["kind"] == "policy"]
    if policy.empty:
        return report.html(section, empty=w["plan_items.empty"])
    catalogue = d.context.plan_items
    rows = []
    for _, r in policy.iterrows():
        item = catalogue.item(r["item"])
        document = item.commitments[int(r["commitment"]) - 1].document
        issued = r["grade"] == "completed"
        status = items.grade_cell(w, UNASSESSABLE) if REGISTER in codes(r["missing"]) else Cell(
            w["plan_items.issued"] if issued else w["plan_items.not_issued"],
            *items.grade_style(w, "completed" if issued else "lagging"))
        rows.append([f"{item.id} {item.title}", Cell(document or r["text"], "text"), status,
                     Cell(items.commitment_basis(report, r), "text")])
    issued = int((policy["grade"] == "completed").sum())
    table = report.table(report.scoped("plan_items.policies_table", year=d.year),
                         report.columns("plan_items.policies_columns", [22, 30, 10, 38]), rows,
                         row_header=1)  # the document, not the task it belongs to, names the row
    intro = w("plan_items.policies_unassessable", count=len(policy), reason=items.why_absent(report, REGISTER)) \
        if items.absent(report, REGISTER) else report.area_text("plan_items.policies_intro", count=len(policy),
                                                                issued=issued, year=d.year)
    return report.html(section, intro=intro, parts=[{"heading": "", "table": table}])
