"""对策建议 (recommendations): the plan's recommendations that the statuses call for. Wording: plan_wording.yaml
`plan.recommendations`."""

from __future__ import annotations

from IPython.display import HTML

from helpers.report import findings
from helpers.report.core import Report, Section


def render(report: Report, section: Section) -> HTML:
    return report.html(section, recommendations=findings.recommendations(report.data))
