"""What the evaluation finds, as data (conclusions.md §3): one row per finding — its kind, area, subject, severity
and the numbers it rests on — computed by the pipeline's `findings` stage from the datasets before it, with the rules
of conf findings.yaml and the plan's own figures (plan_facts.yaml). Codes and numbers only: the report's wording
turns a finding into a sentence (helpers.report.conclusions)."""

from helpers.findings.rows import COLUMNS, SEVERITIES
from helpers.findings.stage import READS, findings_stage

__all__ = ["COLUMNS", "READS", "SEVERITIES", "findings_stage"]
