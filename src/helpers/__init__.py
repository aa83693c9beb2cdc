"""Evaluation of a regional IP five-year plan from raw registry extracts (河源市知识产权“十四五”规划)."""

__version__ = "0.1.0"
