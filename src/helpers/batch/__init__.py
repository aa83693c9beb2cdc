"""The batch runner: every (year, area) report, in parallel, incremental, fault-isolated, indexed."""

from helpers.batch.jobs import Job, RunError, parse_areas, parse_formats, parse_years, plan_jobs
from helpers.batch.run import RunResult, run, summary_table

__all__ = ["Job", "RunError", "RunResult", "parse_areas", "parse_formats", "parse_years", "plan_jobs", "run",
           "summary_table"]
