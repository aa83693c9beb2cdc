"""存在的问题 (problems): every problem finding of the area, ranked (helpers.report.conclusions.problems). Wording:
wording.yaml `findings` (problems_intro and the findings' sentences), `problems` (none, none_final)."""

from __future__ import annotations

from IPython.display import HTML

from helpers.report import conclusions
from helpers.report.core import Report, Section


def render(report: Report, section: Section) -> HTML:
    w = report.w
    return report.html(section, problems=conclusions.problems(report.data), intro=w["findings.problems_intro"],
                       empty=w["problems.none_final" if report.data.final else "problems.none"])
