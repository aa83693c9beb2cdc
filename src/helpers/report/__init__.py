"""The evaluation report: data for one (year, area), findings in sentences, sections as HTML, rendering."""

from helpers.report.data import ReportData, ReportError, load, sources_read
from helpers.report.sections import Report, report_title
from helpers.report.wording import Words

__all__ = ["Report", "ReportData", "ReportError", "Words", "load", "report_title", "sources_read"]
