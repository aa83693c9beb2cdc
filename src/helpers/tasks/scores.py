"""Scores of the plan-wide assessment (plan-assessment.md §3.4–3.5): points per verified grade, the mean of each
group of items, and the weighted composite (规划实施综合评价) of indicators, tasks and 专栏, policies and safeguards,
renormalised over the parts that can be scored; 无法评估 has no points and leaves its part's mean."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from helpers.tasks.verification import REGISTER, UNASSESSABLE

GROUP_COLUMNS = ["year", "group", "score", "items"]
COMPOSITE_COLUMNS = ["year", "part", "score", "weight", "grade", "counted", "left_out", "small", "completed",
                     "missing"]
PARTS = ("indicators", "tasks", "policies", "safeguards")


@dataclass(frozen=True)
class Scoring:
    """Points per grade (and in the final year), the parts' weights and the composite's grade floors."""

    points: dict[str, float]
    final_points: dict[str, float]
    weights: dict[str, float]
    grades: tuple[tuple[str, float], ...]  # (grade code, floor), highest first; the wording's `composite_grades` labels
    target_year: int

    @classmethod
    def from_conf(cls, conf: dict[str, Any], target_year: int) -> Scoring:
        grades = tuple(sorted(((g["grade"], float(g["floor"])) for g in conf["composite_grades"]),
                              key=lambda grade: -grade[1]))
        return cls({k: float(v) for k, v in conf["points"].items()},
                   {k: float(v) for k, v in conf.get("final_points", {}).items()},
                   {k: float(v) for k, v in conf["weights"].items()}, grades, target_year)

    def points_of(self, grade: str, year: int) -> float:
        if year == self.target_year and grade in self.final_points:
            return self.final_points[grade]
        return self.points[grade]

    def grade_of(self, score: float) -> str:
        return next(grade for grade, floor in self.grades if score >= floor)


def with_points(items: pd.DataFrame, scoring: Scoring) -> pd.DataFrame:
    """The verified items with the points of their grade (none for 无法评估)."""
    pairs = zip(items["verified_grade"], items["year"], strict=True)
    points = [np.nan if grade == UNASSESSABLE else scoring.points_of(grade, year) for grade, year in pairs]
    return items.assign(points=np.array(points, dtype=float))


def group_scores(items: pd.DataFrame) -> pd.DataFrame:
    """Per year and group (T1 … T7, Z, S): the mean points of its items that could be graded (empty when none)."""
    table = items.groupby(["year", "group"], sort=False).agg(score=("points", "mean"),
                                                             items=("points", "size")).reset_index()
    return table[GROUP_COLUMNS]


def _codes(cells: pd.Series) -> str | None:
    """The distinct codes of comma-separated cells, in order of appearance (None when there are none)."""
    codes = dict.fromkeys(code for cell in cells.dropna() for code in str(cell).split(",") if code)
    return ",".join(codes) or None


def _mean_of(items: pd.DataFrame) -> dict[str, Any]:
    """A part scored as the mean points of its items; those 无法评估 are left out, counted, with their absent
    sources."""
    left = items["points"].isna()
    return {"score": items["points"].mean(), "counted": int((~left).sum()), "left_out": int(left.sum()),
            "completed": int((items["verified_grade"] == "completed").sum()),
            "missing": _codes(items.loc[left, "missing"])}


def composite(items: pd.DataFrame, commitments: pd.DataFrame, evaluation: pd.DataFrame, city_code: str,
              scoring: Scoring) -> pd.DataFrame:
    """Per year: each part's score and weight, and the composite with its grade. Indicators score
    100 × min(max(r, 0), 1) of the city's status ratio r (an indicator without data, or a rate from too few cases
    to be judged, has none and is left out); tasks are the mean of the main tasks and 专栏; policies the share of
    committed documents issued; safeguards their mean. What could not be graded (无法评估, no data) is left out of its
    part and counted (`left_out`, with the absent sources in `missing`; rates from too few cases in `small`); a part
    with nothing left to score is left out of the composite and the weights renormalised. Codes and numbers only:
    the report words them."""
    rows = []
    for year, own in items.groupby("year", sort=True):
        city = evaluation[(evaluation["year"] == year) & (evaluation["area_code"] == city_code)]
        ratios = city["ratio"].dropna().astype(float)
        small = int((city["status"] == "small_sample").sum())
        policy = commitments[(commitments["year"] == year) & (commitments["kind"] == "policy")]
        codes = policy["missing"].astype("string").fillna("").str.split(",")
        unregistered = codes.map(lambda found: REGISTER in found).astype(bool)
        registered = policy[~unregistered]
        parts = {
            "indicators": {"score": 100 * ratios.clip(0, 1).mean() if len(ratios) else np.nan,
                           "counted": len(ratios), "left_out": len(city) - len(ratios) - small, "small": small,
                           "completed": int(city["status"].isin(["met", "reached"]).sum()),
                           "missing": _codes(city.loc[city["ratio"].isna(), "missing_sources"])},
            "tasks": _mean_of(own[own["kind"].isin(["task", "flagship"])]),
            "policies": {"score": 100 * (registered["grade"] == "completed").mean() if len(registered) else np.nan,
                         "counted": len(registered), "left_out": int(unregistered.sum()),
                         "completed": int((registered["grade"] == "completed").sum()),
                         "missing": REGISTER if unregistered.any() else None},
            "safeguards": _mean_of(own[own["kind"] == "safeguard"]),
        }
        scored = {part: values["score"] for part, values in parts.items() if not np.isnan(values["score"])}
        total = sum(scoring.weights[part] for part in scored)
        for part, values in parts.items():
            rows.append({"year": year, "part": part, "small": 0, **values, "grade": None,
                         "weight": scoring.weights[part] / total * 100 if part in scored and total else 0.0})
        score = sum(scored[part] * scoring.weights[part] for part in scored) / total if total else np.nan
        rows.append({"year": year, "part": "composite", "score": score, "weight": 100.0,
                     "grade": scoring.grade_of(score) if not np.isnan(score) else None, "counted": len(scored),
                     "left_out": len(parts) - len(scored), "small": 0, "completed": 0, "missing": None})
    return pd.DataFrame(rows, columns=COMPOSITE_COLUMNS)
