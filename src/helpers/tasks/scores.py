"""Scores of the plan-wide assessment (plan-assessment.md §3.4–3.5): points per verified grade, the mean of each
group of items, and the weighted composite (规划实施综合评价) of indicators, tasks and 专栏, policies and safeguards,
renormalised over the parts that can be scored."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

GROUP_COLUMNS = ["year", "group", "score", "items"]
COMPOSITE_COLUMNS = ["year", "part", "score", "weight", "grade", "note"]
PARTS = ("indicators", "tasks", "policies", "safeguards")


@dataclass(frozen=True)
class Scoring:
    """Points per grade (and in the final year), the parts' weights and the composite's grade floors."""

    points: dict[str, float]
    final_points: dict[str, float]
    weights: dict[str, float]
    grades: tuple[tuple[str, float], ...]  # (label, floor), highest first
    target_year: int

    @classmethod
    def from_conf(cls, conf: dict[str, Any], target_year: int) -> Scoring:
        grades = tuple(sorted(((g["label"], float(g["floor"])) for g in conf["composite_grades"]),
                              key=lambda grade: -grade[1]))
        return cls({k: float(v) for k, v in conf["points"].items()},
                   {k: float(v) for k, v in conf.get("final_points", {}).items()},
                   {k: float(v) for k, v in conf["weights"].items()}, grades, target_year)

    def points_of(self, grade: str, year: int) -> float:
        if year == self.target_year and grade in self.final_points:
            return self.final_points[grade]
        return self.points[grade]

    def grade_of(self, score: float) -> str:
        return next(label for label, floor in self.grades if score >= floor)


def with_points(items: pd.DataFrame, scoring: Scoring) -> pd.DataFrame:
    """The verified items with the points of their grade."""
    pairs = zip(items["verified_grade"], items["year"], strict=True)
    points = [scoring.points_of(grade, year) for grade, year in pairs]
    return items.assign(points=np.array(points, dtype=float))


def group_scores(items: pd.DataFrame) -> pd.DataFrame:
    """Per year and group (T1 … T7, Z, S): the mean points of its items."""
    table = items.groupby(["year", "group"], sort=False)["points"].agg(score="mean", items="size").reset_index()
    return table[GROUP_COLUMNS]


def composite(items: pd.DataFrame, commitments: pd.DataFrame, evaluation: pd.DataFrame, city_code: str,
              scoring: Scoring) -> pd.DataFrame:
    """Per year: each part's score and weight, and the composite with its grade. Indicators score
    100 × min(max(r, 0), 1) of the city's status ratio r (an indicator without data, or a rate from too few cases
    to be judged, has none and is left out); tasks are the mean of the main tasks and 专栏; policies the share of
    committed documents issued; safeguards their mean."""
    rows = []
    for year, own in items.groupby("year", sort=True):
        city = evaluation[(evaluation["year"] == year) & (evaluation["area_code"] == city_code)]
        ratios = city["ratio"].dropna().astype(float)
        small = int((city["status"] == "small_sample").sum())
        policy = commitments[(commitments["year"] == year) & (commitments["kind"] == "policy")]
        parts = {
            "indicators": (100 * ratios.clip(0, 1).mean() if len(ratios) else np.nan,
                           f"{len(ratios)} 项指标有数据，{len(city) - len(ratios) - small} 项无数据未计入"
                           + (f"，{small} 项样本不足未计入" if small else "")),
            "tasks": (own.loc[own["kind"].isin(["task", "flagship"]), "points"].mean(),
                      f"{int(own['kind'].isin(['task', 'flagship']).sum())} 项任务和专栏"),
            "policies": (100 * (policy["grade"] == "completed").mean() if len(policy) else np.nan,
                         f"承诺出台 {len(policy)} 项政策文件，已印发 {int((policy['grade'] == 'completed').sum())} 项"),
            "safeguards": (own.loc[own["kind"] == "safeguard", "points"].mean(),
                           f"{int((own['kind'] == 'safeguard').sum())} 项保障措施"),
        }
        scored = {part: value for part, (value, _) in parts.items() if not np.isnan(value)}
        total = sum(scoring.weights[part] for part in scored)
        for part, (value, note) in parts.items():
            rows.append({"year": year, "part": part, "score": value,
                         "weight": scoring.weights[part] / total * 100 if part in scored and total else 0.0,
                         "grade": None, "note": note})
        score = sum(scored[part] * scoring.weights[part] for part in scored) / total if total else np.nan
        left_out = "、".join(part for part in PARTS if part not in scored)
        rows.append({"year": year, "part": "composite", "score": score, "weight": 100.0,
                     "grade": scoring.grade_of(score) if not np.isnan(score) else None,
                     "note": f"未计入（无可评分内容）：{left_out}，权重按其余部分重新归一" if left_out else None})
    return pd.DataFrame(rows, columns=COMPOSITE_COLUMNS)
