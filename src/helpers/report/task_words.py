"""The tasks stage's codes in words (wording.yaml `plan_items`): what a commitment's grade rests on, why an item's
verified grade is below its self-grade, the evidence a department's claim lacks, and a directional goal's outcome,
values and reason. The datasets hold codes and numbers (helpers.tasks); the report, the workbook and the
exploration helpers word them here, alike."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from helpers.report.wording import Words
    from helpers.tasks.catalog import Goal, PlanItems


def codes(cell: object) -> list[str]:
    """A dataset's comma-separated codes ('task_ledger,policies', '2,3') as a list."""
    return [code for code in ("" if cell is None or pd.isna(cell) else str(cell)).split(",") if code]


def amount(value: float) -> str:
    """A figure a basis quotes: whole numbers without decimals, others with two."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def basis(row: pd.Series, w: Words) -> str | None:
    """What a commitment's grade rests on (task_commitments `basis` and its numbers), None where nothing does."""
    code = row["basis"]
    if not isinstance(code, str):
        return None
    if code == "issued":
        number = w("plan_items.basis.issued_number", number=row["policy_no"]) if isinstance(row["policy_no"], str) \
            else ""
        return w("plan_items.basis.issued", title=row["policy_title"], number=number,
                 date=f"{pd.Timestamp(row['policy_date']):%Y-%m-%d}")
    if code == "data":
        return w("plan_items.basis.data", year=int(row["year"]), value=amount(row["value"]),
                 target=amount(row["target"]))
    return w(f"plan_items.basis.{code}", year=int(row["year"]))


def causes(item: pd.Series, commitments: pd.DataFrame) -> pd.DataFrame:
    """The commitments (task_commitments rows of the item's year, by number) that set an item's verified grade below
    its self-grade (task_items `causes`), in order."""
    own = commitments[(commitments["item"] == item["item"]) & (commitments["year"] == item["year"])]
    return own.set_index("commitment").loc[[int(number) for number in codes(item["causes"])]]


def reason(item: pd.Series, commitments: pd.DataFrame, departments: pd.DataFrame, catalogue: PlanItems,
           w: Words) -> str | None:
    """Why an item's verified grade is below its self-grade, by the kind of each commitment that set it (a task's
    target that its 专栏 quantifies names the 专栏); None where it is not below."""
    texts = []
    for number, commitment in causes(item, commitments).iterrows():
        if commitment["kind"] == "quantified":
            source = "" if commitment["stated_in"] == item["item"] else w("plan_items.causes.source",
                                                                          source=commitment["stated_in"])
            texts.append(w("plan_items.causes.quantified", source=source, basis=basis(commitment, w)))
        elif commitment["kind"] == "policy":
            stated = catalogue.commitments_of(catalogue.item(item["item"]))[int(number) - 1][1]
            texts.append(w("plan_items.causes.policy", document=stated.document, basis=basis(commitment, w)))
        elif commitment["grade"] == "unverified":
            own = departments[(departments["item"] == item["item"]) & (departments["year"] == item["year"])
                              & (departments["verified_grade"] == "unverified")]
            texts.append(w("plan_items.causes.unverified", departments=w.join(list(own["department"]))))
        else:
            texts.append(w("plan_items.causes.other", text=str(commitment["text"])[:20]))
    return w["plan_items.cause_separator"].join(dict.fromkeys(texts)) or None


def reasons(items: pd.DataFrame, commitments: pd.DataFrame, departments: pd.DataFrame, catalogue: PlanItems,
            w: Words) -> pd.Series:
    """`reason` of every row of `items`."""
    return pd.Series([reason(row, commitments, departments, catalogue, w) for _, row in items.iterrows()],
                     index=items.index, dtype=object)


def missing_evidence(row: pd.Series, w: Words) -> str:
    """The evidence a department listed that its folder lacks, one per line ("" when none), or that it listed
    none (task_departments)."""
    if not row["evidence_listed"]:
        return w["plan_items.evidence_unlisted"]
    return "" if pd.isna(row["evidence_missing"]) else str(row["evidence_missing"])


def goal_outcome(row: pd.Series, w: Words) -> str:
    """A directional goal's outcome (goals `outcome`) in the words of its rule."""
    if row["outcome"] == "unassessable":
        return w["plan_items.goal_outcomes.unassessable"]
    return w[f"plan_items.goal_outcomes.{row['rule']}.{row['outcome']}"]


def goal_series(row: pd.Series, history: pd.DataFrame, goal: Goal, benchmark: pd.DataFrame, w: Words) -> str | None:
    """What a goal was judged on in its year: the yearly values from the base year (`history`: the goal's rows of
    every year), or for a ranking the city's rank on each measure that counts (the official stage's benchmark);
    None without data."""
    separator = w["plan_items.goal_separator"]
    if row["reason"] == "ranking":
        ranked = benchmark[(benchmark["year"] == row["year"]) & benchmark["counted"].astype(bool)]
        return separator.join(w("plan_items.goal_rank", name=r["name"], rank=int(r["rank"]), ranked=int(r["ranked"]),
                                tied=w["plan_items.goal_tied"] if r["tied"] else "") for _, r in ranked.iterrows())
    if pd.isna(row["latest_value"]):
        return None
    earlier = history[(history["goal"] == row["goal"]) & (history["year"] <= row["year"])].sort_values("year")
    values = [(row["first_year"], row["base_value"]), *zip(earlier["year"], earlier["latest_value"], strict=True)]
    return separator.join(w("plan_items.goal_value", year=int(year), value=f"{value:,.0f}", unit=goal.unit)
                          for year, value in values)


def goal_reason(row: pd.Series, goal: Goal, peers: str, w: Words) -> str | None:
    """Why a goal is judged as it is, or cannot be (goals `reason`); `peers`: what the plan calls its peer cities."""
    code = row["reason"]
    if not isinstance(code, str):
        return None
    if code == "why":
        return goal.why
    return w(f"plan_items.goal_reasons.{code}", source=row["missing"], count=_whole(row["count"]),
             leading=_whole(row["latest_value"]), peers=peers)


def _whole(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)
