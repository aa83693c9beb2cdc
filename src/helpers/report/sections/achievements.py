"""主要成效 (achievements): the area's strengths by the plan's domains, then the items completed ahead of time
(helpers.report.conclusions). Wording: wording.yaml `findings` (achievements_intro, achievements_none, the
strengths' sentences), `subnumbered`."""

from __future__ import annotations

from IPython.display import HTML

from helpers.report import conclusions
from helpers.report.core import Report, Section
from helpers.report.findings import percent


def render(report: Report, section: Section) -> HTML:
    d, w = report.data, report.w
    parts = [{"heading": w("subnumbered", numeral=w.numeral(n), title=heading), "sentences": sentences}
             for n, (heading, sentences) in enumerate(conclusions.achievements(d), start=1)]
    margin = percent(d.context.findings["strength"]["margin"])
    return report.html(section, parts=parts, intro=w("findings.achievements_intro", area_name=d.area_name,
                                                     year=d.year, margin=margin),
                       empty=w("findings.achievements_none", year=d.year, margin=margin))
