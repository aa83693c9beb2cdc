"""The indicator engine: the plan's catalog interpreted over the cleaned tables (the values, evaluation and
flagship stages' computations)."""

from helpers.indicators.catalog import CatalogError, Flagship, Indicator, Plan
from helpers.indicators.computations import Inputs, visitor_days
from helpers.indicators.engine import compute_values, covered_years
from helpers.indicators.evaluation import (
           EvaluationError,
           check_year,
           evaluate,
           evaluate_years,
           latest_year,
           time_progress,
)
from helpers.indicators.flagship import evaluate_flagship
from helpers.indicators.tables import Tables

__all__ = ["CatalogError", "EvaluationError", "Flagship", "Indicator", "Inputs", "Plan", "Tables", "check_year",
           "compute_values", "covered_years", "evaluate", "evaluate_flagship", "evaluate_years", "latest_year",
           "time_progress", "visitor_days"]
