"""The plan beyond its indicator table: tasks, 专栏, policies, safeguards and directional goals (the catalogue), their
verification against ledgers, policies, evidence and data, and their scores (plan-assessment.md)."""

from helpers.tasks.catalog import Commitment, Goal, Item, PlanItems, evidence_key, normalised, parse_number
from helpers.tasks.verification import ALL_GRADES, GRADES, RANK, UNASSESSABLE

__all__ = ["ALL_GRADES", "GRADES", "RANK", "UNASSESSABLE", "Commitment", "Goal", "Item", "PlanItems", "evidence_key",
           "normalised", "parse_number"]
