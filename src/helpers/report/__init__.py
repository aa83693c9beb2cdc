"""The deliverables: one (year, area) report (data for it, findings in sentences, sections as HTML, charts, fonts,
rendering to HTML and PDF), the wording they are written in, and the indicator workbook."""

from helpers.report import assessor
from helpers.report.charts import Charts
from helpers.report.core import Report, report_title
from helpers.report.data import ReportData, ReportError, load, sources_read
from helpers.report.fonts import Fonts, fonts_of
from helpers.report.render import Renderer, RenderError, embed_fonts, to_pdf
from helpers.report.wording import Words, fill
from helpers.report.workbook import city_table, evaluation_year, write_workbook

__all__ = ["Charts", "Fonts", "RenderError", "Renderer", "Report", "ReportData", "ReportError", "Words", "assessor",
           "city_table", "embed_fonts", "evaluation_year", "fill", "fonts_of", "load", "report_title", "sources_read",
           "to_pdf", "write_workbook"]
