"""A finding as a row of codes and numbers, and the ranked frame of them (the findings dataset's columns).

Numbers are named for what they are, whatever the kind: `value` the figure observed, `reference` what it is set
against (a target, the plan's figure, a mean, a total), `base` where it started, `change` value − base, `share` and
`ratio` the proportions the rule looks at, `count` and `n` counts (the cases a figure rests on: `n`), `year_from` and
`year_to` the span the numbers cover. docs/decisions.md ("Findings") says what each means per kind.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

SEVERITIES = ("problem", "strength", "note")
NUMBERS = ["value", "reference", "base", "change", "share", "ratio"]
COUNTS = ["count", "n", "year_from", "year_to"]
COLUMNS = ["year", "rank", "kind", "area_code", "subject", "severity", "topic", "code", *NUMBERS, *COUNTS]


def finding(year: int, kind: str, area_code: str, subject: str, severity: str, topic: str, code: str | None = None,
            order: float = 0.0, **numbers: float | None) -> dict[str, Any]:
    """One finding of the reports of `year`; `order` ranks findings of one kind and topic (lower first)."""
    unknown = set(numbers) - set(NUMBERS) - set(COUNTS)
    if unknown:
        raise ValueError(f"a finding has no numbers named {sorted(unknown)}")
    return {"year": int(year), "kind": kind, "area_code": str(area_code), "subject": str(subject),
            "severity": severity, "topic": topic, "code": code, "_order": float(order),
            **{k: _number(v) for k, v in numbers.items()}}


def _number(value: float | None) -> float | None:
    """A plain float (None for a missing one): no numpy scalars or NaN in the rows."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def ranked(rows: list[dict[str, Any]], rules: dict[str, Any], subjects: dict[str, int]) -> pd.DataFrame:
    """The findings as a frame, ranked within each year and area: problems, then strengths, then notes; within a
    severity by topic (findings.yaml `topics`), kind (`kinds`), the finding's own order, then the plan's order of
    subjects (`subjects`: subject → position)."""
    frame = pd.DataFrame(rows).reindex(columns=[*COLUMNS, "_order"])
    if frame.empty:
        return frame[COLUMNS].astype({"year": "int64", "rank": "int64"})
    keys = {"severity": list(SEVERITIES), "topic": list(rules["topics"]), "kind": list(rules["kinds"])}
    for column, order in keys.items():
        frame[f"_{column}"] = frame[column].map({name: i for i, name in enumerate(order)})
    frame["_subject"] = frame["subject"].map(subjects).fillna(len(subjects))
    frame = frame.sort_values(["year", "area_code", "_severity", "_topic", "_kind", "_order", "_subject", "subject",
                               "code"], kind="stable", na_position="first")
    frame["rank"] = frame.groupby(["year", "area_code"]).cumcount() + 1
    frame[NUMBERS] = frame[NUMBERS].astype("float64")
    for column in COUNTS:
        frame[column] = frame[column].astype("float64").round().astype("Int64")
    return frame[COLUMNS].reset_index(drop=True)
