"""封面 (cover): the plan, the area, the report's year, period and data cut-off, the version, the evaluating
organisation and the table of contents. Wording: wording.yaml `cover`, `synthetic_banner`, `cutoff_rules`,
`assessor.placeholder`, `local_time`, plan_wording.yaml `plan.title`."""

from __future__ import annotations

from datetime import UTC, datetime

from IPython.display import HTML

from helpers.report.core import Report, Section, title_lines
from helpers.report.findings import percent
from helpers.report.wording import local_time


def render(report: Report, section: Section) -> HTML:
    d, w = report.data, report.w
    year_text = (w("cover.year_text_final", base_year1=d.plan.base_year + 1, year=d.year) if d.final else
                 w("cover.year_text", year=d.year, elapsed=d.year - d.plan.base_year, tau=percent(d.tau)))
    period_end = f"{d.year}-12-31"
    cutoff = w("cover.cutoff_later" if str(d.cutoff) > period_end else "cover.cutoff_text", cutoff=d.cutoff,
               rule=w[f"cutoff_rules.{d.cutoff_rule}"])
    return report.html(
        section, synthetic=d.synthetic, banner=w("synthetic_banner", city=d.context.areas.city_name),
        plan_title=d.plan.title, title_lines=title_lines(d.year, d.plan, w), area_name=d.area_name,
        area_code=d.area_code,
        year_text=year_text, period=w("cover.period_text", start=f"{d.plan.base_year + 1}-01-01", end=period_end),
        cutoff=cutoff, version=d.version, assessor=d.context.report.evaluator or w["assessor.placeholder"],
        generated=local_time(datetime.now(UTC).isoformat(), w), toc=report.toc())
