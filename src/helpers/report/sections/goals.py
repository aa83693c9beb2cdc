"""方向性目标 (goals): the plan's directional goals, each with its outcome, its series and the reason. Shares the
template plan_items with the other sections on the plan's items. Wording: wording.yaml `plan_items` (goals_*,
empty), `goals` (helpers.report.task_words)."""

from __future__ import annotations

from IPython.display import HTML

from helpers.report.core import Cell, Report, Section
from helpers.report.task_words import goal_outcome, goal_reason, goal_series


def render(report: Report, section: Section) -> HTML:
    d, w = report.data, report.w
    goals = d.task("goals")
    if goals.empty:
        return report.html(section, empty=w["plan_items.empty"])
    history, benchmark = d.task("goals", every_year=True), d.official["benchmark"]
    catalogue = {goal.id: goal for goal in d.context.plan_items.goals}
    peers = d.context.official.peer_name
    rows = [[Cell(r["text"], "text"), goal_outcome(r, w),
             Cell(goal_series(r, history, catalogue[r["goal"]], benchmark, w) or w["missing"], "text"),
             Cell(goal_reason(r, catalogue[r["goal"]], peers, w) or "", "text")] for _, r in goals.iterrows()]
    table = report.table(report.scoped("plan_items.goals_table"),
                         report.columns("plan_items.goals_columns", [26, 14, 36, 24]), rows)
    first = int(goals["first_year"].iloc[0])
    intro = report.area_text("plan_items.goals_intro", first_year=first, latest_year=d.year)
    return report.html(section, intro=intro, parts=[{"heading": "", "table": table}])
