"""The indicator engine: the plan's catalog interpreted over the cleaned tables."""

from helpers.indicators.catalog import Indicator, Plan, load_plan
from helpers.indicators.engine import compute_values, high_value_breakdown
from helpers.indicators.evaluation import evaluate, time_progress
from helpers.indicators.tables import Tables

__all__ = ["Indicator", "Plan", "Tables", "compute_values", "evaluate", "high_value_breakdown", "load_plan",
           "time_progress"]
