"""The evaluation report: data for one (year, area), findings in sentences, sections as HTML, rendering."""

from helpers.report.data import ReportData, ReportError, load
from helpers.report.sections import Report

__all__ = ["Report", "ReportData", "ReportError", "load"]
