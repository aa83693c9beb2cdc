"""Third-party verification of the plan's items (plan-assessment.md §3): each department's self-grade, each
commitment's grade from the data, the policy register or the ledger and its evidence, the item's verified grade
(the lowest of its commitments — a task's include the quantified targets of the 专栏 attached to it), and the
discrepancies between what departments claimed and what was verified.

Pure functions of explicit tables: the clean ledger, policies and evidence, the flagship and evaluation datasets,
the catalogue and the grading rules. Grades are keys (`completed` … `not_reported`, conf assessment.yaml), highest
first; their Chinese labels are the wording's. `unassessable` (无法评估) stands outside that order: what only a source
that was not supplied could grade (plan-assessment.md §3.5), with the absent sources as codes in `missing`.
Codes and numbers only: what a grade rests on is a `basis` code with its numbers, why a verified grade is below
the self-grade the numbers of the commitments that set it; the report words them (helpers.report.task_words).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from helpers.tasks.catalog import Commitment, Item, PlanItems, evidence_key, normalised

GRADES = ("completed", "on_track", "lagging", "unverified", "not_started", "not_reported")  # highest first
RANK = {grade: rank for rank, grade in enumerate(GRADES)}  # a larger rank is a lower grade
UNASSESSABLE = "unassessable"  # 无法评估: no grade, no points (its source was not supplied)
ALL_GRADES = (*GRADES, UNASSESSABLE)
LEDGER, REGISTER = "task_ledger", "policies"  # the sources that only the ledger rules and policy commitments read

ITEM_COLUMNS = ["item", "kind", "group", "year", "self_grade", "verified_grade", "ledger_grade", "departments",
                "reported_by", "evidence_listed", "causes", "carried_forward", "missing"]
COMMITMENT_COLUMNS = ["item", "year", "commitment", "stated_in", "kind", "text", "grade", "basis", "value", "target",
                      "policy_title", "policy_no", "policy_date", "flagship", "missing"]
BASES = ("data", "issued", "not_issued", "ledger")  # what a commitment's grade rests on (the report words them)
DEPARTMENT_COLUMNS = ["item", "year", "department", "area_code", "rows", "self_grade", "verified_grade",
                      "evidence_listed", "evidence_missing", "progress", "report_date"]

Basis = dict[str, Any]  # `basis` (a code of BASES) and its numbers: the data's value and target, the policy issued
Graded = tuple[str, Basis | None, tuple[str, ...]]  # grade, what it rests on, the absent sources of a 无法评估


@dataclass(frozen=True)
class Rules:
    """How grades are read and given: the ledger's labels, the on-track ratio for quantified commitments."""

    labels: dict[str, str]  # grade key → label (已完成 …)
    on_track_ratio: float

    @classmethod
    def from_conf(cls, conf: dict[str, Any]) -> Rules:
        return cls({key: spec["label"] for key, spec in conf["grades"].items()}, float(conf["on_track_ratio"]))

    def key_of(self, label: object) -> str | None:
        """The grade key of a ledger's (already normalised) label."""
        return next((key for key, text in self.labels.items() if text == label), None)


def lowest(grades: list[str | None]) -> str | None:
    """The lowest of the grades given (None when none is; 无法评估 is no grade)."""
    given = [grade for grade in grades if grade in RANK]
    return max(given, key=RANK.__getitem__) if given else None


def capped(grade: str, cap: str) -> str:
    """`grade`, or `cap` when `grade` is higher."""
    return grade if RANK[grade] >= RANK[cap] else cap


@dataclass
class Verification:
    """Per item and year the self-grade, verified grade and ledger grade (what the departments' rows say: the
    period grades ongoing work and milestones by it); per commitment its grade and basis; per department its grade
    and evidence."""

    items: pd.DataFrame
    commitments: pd.DataFrame
    departments: pd.DataFrame

    def discrepancies(self) -> pd.DataFrame:
        """Items whose self-grade is above their verified grade, with the commitments that set it (`causes`)."""
        table = self.items.dropna(subset=["self_grade"])
        table = table[table["verified_grade"].isin(GRADES)]  # 无法评估 is no grade to compare
        above = table["self_grade"].map(RANK).astype(float) < table["verified_grade"].map(RANK).astype(float)
        return table[above].reset_index(drop=True)


@dataclass(frozen=True)
class Measures:
    """What the data say of quantified commitments: the flagship targets per year, and the city's evaluation of
    the indicators some of them repeat (专栏2 is I02: judged from the indicator's base, as the indicator is)."""

    flagship: pd.DataFrame
    evaluation: pd.DataFrame
    repeats: dict[str, str]  # flagship id → the indicator it repeats
    city_code: str


def supplied(table: pd.DataFrame | None) -> bool:
    """Whether a source was supplied: a clean table with at least one row (an absent or empty folder, or files
    that yield no usable row, supply nothing to grade from)."""
    return table is not None and not table.empty


def verify(ledger: pd.DataFrame | None, policies: pd.DataFrame | None, evidence: pd.DataFrame | None,
           measures: Measures, catalogue: PlanItems, rules: Rules, years: list[int]) -> Verification:
    """Verify every item of `catalogue` in every year of `years` (in order: a year's grade may carry an earlier
    one forward). Without a ledger, or without a policy register, what only it could grade is 无法评估."""
    reported = supplied(ledger)  # no ledger at all: only the data and the register can grade
    policies = policies if supplied(policies) else None
    ledger = _ledger(ledger, rules)
    found = _evidence_found(evidence)
    departments = _departments(ledger, found, years)
    item_rows, commitment_rows = [], []
    completed_before: set[str] = set()
    for year in years:
        for item in catalogue.items:
            own = departments[(departments["item"] == item.id) & (departments["year"] == year)]
            ledger_grade = lowest(own["verified_grade"].tolist())
            carried = reported and ledger_grade is None and item.id in completed_before
            if ledger_grade is None:
                ledger_grade = "completed" if carried else "not_reported"
            graded = [(c, source, *_commitment_grade(c, item, year, ledger_grade if reported else None, policies,
                                                     measures, rules)) for source, c in catalogue.commitments_of(item)]
            for number, (commitment, source, grade, basis, missing) in enumerate(graded, 1):
                commitment_rows.append({"item": item.id, "year": year, "commitment": number, "stated_in": source,
                                        "kind": commitment.kind, "text": commitment.text, "grade": grade,
                                        **(basis or {}), "flagship": commitment.flagship,
                                        "missing": ",".join(missing) or None})
            verified = lowest([grade for *_, grade, _, _ in graded]) or (ledger_grade if reported else UNASSESSABLE)
            if verified in RANK and any(c.kind == "policy" and grade == UNASSESSABLE and LEDGER in missing
                                        for c, _, grade, _, missing in graded):
                verified = capped(verified, "lagging")  # a document the register lacks: 进展滞后 at best
            absent = [code for *_, grade, _, missing in graded if grade == UNASSESSABLE for code in missing]
            absent += [LEDGER] * (verified == UNASSESSABLE)  # nothing graded: the ledger would have graded the item
            self_grade = lowest(own["self_grade"].tolist())
            item_rows.append({
                "item": item.id, "kind": item.kind, "group": item.group, "year": year, "self_grade": self_grade,
                "verified_grade": verified, "ledger_grade": ledger_grade if reported else None,
                "departments": "、".join(item.departments),
                "reported_by": "、".join(own["department"]), "evidence_listed": int(own["evidence_listed"].sum()),
                "causes": _causes(self_grade, verified, graded), "carried_forward": carried,
                "missing": ",".join(dict.fromkeys(absent)) or None,
            })
            if verified == "completed":
                completed_before.add(item.id)
    return Verification(pd.DataFrame(item_rows, columns=ITEM_COLUMNS),
                        pd.DataFrame(commitment_rows, columns=COMMITMENT_COLUMNS), departments)


def _ledger(ledger: pd.DataFrame | None, rules: Rules) -> pd.DataFrame:
    columns = ["item", "year", "department", "area_code", "self_grade", "evidence_items", "evidence_count",
               "progress", "report_date"]
    if ledger is None or ledger.empty:
        return pd.DataFrame(columns=columns)
    table = ledger[[c for c in columns if c in ledger]].copy()
    table["self_grade"] = table["self_grade"].map(rules.key_of)
    table["year"] = table["year"].astype("int64")
    return table


def _evidence_found(evidence: pd.DataFrame | None) -> dict[tuple[str, int], set[str]]:
    """(department, year) → the names (as compared) of the files in its evidence folder."""
    if evidence is None or evidence.empty:
        return {}
    found: dict[tuple[str, int], set[str]] = {}
    for (department, year), stems in evidence.groupby(["department", "year"])["stem"]:
        found[(str(department), int(year))] = set(stems)
    return found


def _departments(ledger: pd.DataFrame, found: dict[tuple[str, int], set[str]], years: list[int]) -> pd.DataFrame:
    """Per item, year and department: its rows, its own grade (the lowest of its rows), the evidence it listed,
    the listed items its evidence folder lacks, and its verified ledger grade (待核实 where a 已完成 or 按计划推进
    rests on no evidence, or on evidence its folder does not hold)."""
    records = []
    ledger = ledger[ledger["year"].isin(years)]
    for (item, year, department), rows in ledger.groupby(["item", "year", "department"], sort=True):
        listed = [entry for text in rows["evidence_items"].dropna() for entry in str(text).split("\n") if entry]
        folder = found.get((department, int(year)))
        missing = [entry for entry in listed if folder is not None and evidence_key(entry) not in folder]
        own = lowest(rows["self_grade"].tolist())
        unsupported = not listed or (folder is not None and len(missing) == len(listed))
        verified = "unverified" if own in ("completed", "on_track") and unsupported else own
        records.append({
            "item": item, "year": int(year), "department": department, "area_code": rows["area_code"].iloc[0],
            "rows": len(rows), "self_grade": own, "verified_grade": verified, "evidence_listed": len(listed),
            "evidence_missing": "\n".join(missing) if listed else None,  # None: nothing listed (evidence_listed 0)
            "progress": "\n\n".join(rows["progress"].dropna().astype(str)),
            "report_date": rows["report_date"].max() if "report_date" in rows else pd.NaT,
        })
    return pd.DataFrame(records, columns=DEPARTMENT_COLUMNS)


def _commitment_grade(commitment: Commitment, item: Item, year: int, ledger_grade: str | None,
                      policies: pd.DataFrame | None, measures: Measures, rules: Rules) -> Graded:
    """A commitment's grade in `year`, what it rests on, and the sources whose absence left it 无法评估 (a ledger
    grade of None: no ledger was supplied; `policies` None: no register)."""
    if commitment.kind == "quantified":
        return _quantified(commitment, year, measures, rules)
    if commitment.kind == "policy":
        if policies is None:
            return UNASSESSABLE, None, (REGISTER,)
        issued = _issued(commitment, item, year, policies)
        if issued is not None:
            return "completed", issued, ()
        basis = {"basis": "not_issued"}
        if ledger_grade is None:
            return UNASSESSABLE, basis, (LEDGER,)
        return capped(ledger_grade, "lagging"), basis, ()
    if ledger_grade is None:
        return UNASSESSABLE, None, (LEDGER,)
    return ledger_grade, {"basis": "ledger"}, ()


def _quantified(commitment: Commitment, year: int, measures: Measures, rules: Rules) -> Graded:
    """Target reached → completed; else progress against 序时进度: r ≥ the on-track ratio → on_track, some
    progress → lagging, none → not_started; no data → 无法评估 (the flagship's missing sources, if any)."""
    flagship = measures.flagship
    rows = flagship[(flagship["id"] == commitment.flagship) & (flagship["year"] == year)]
    if rows.empty or rows["missing_sources"].iloc[0] or pd.isna(rows["value"].iloc[0]):
        missing = "" if rows.empty else str(rows["missing_sources"].iloc[0] or "")
        return UNASSESSABLE, None, tuple(code for code in missing.split(",") if code)
    row = rows.iloc[0]
    basis = {"basis": "data", "value": float(row["value"]), "target": float(row["target"])}
    if row["status"] == "met":
        return "completed", basis, ()
    indicator = measures.repeats.get(str(commitment.flagship))
    if indicator is not None:  # judged as the indicator it repeats: progress from its base
        evaluation = measures.evaluation
        judged = evaluation[(evaluation["indicator"] == indicator) & (evaluation["area_code"] == measures.city_code)
                            & (evaluation["year"] == year)].iloc[0]
        completion, ratio = judged["completion"], judged["ratio"]
    else:
        completion = row["reached"]
        ratio = row["reached"] / row["tau"] if row["tau"] else np.nan
    if pd.isna(completion) or completion <= 0:
        return "not_started", basis, ()
    return ("on_track" if ratio >= rules.on_track_ratio else "lagging"), basis, ()


def _issued(commitment: Commitment, item: Item, year: int, policies: pd.DataFrame | None) -> Basis | None:
    """The register's document that fulfils a policy commitment by 31 Dec `year` (listed against the item, its
    name holding every `match` word, not a draft; a later repeal does not undo it): its title, number and date;
    else None."""
    if policies is None or policies.empty:
        return None
    words = [normalised(word) for word in commitment.match]
    for _, policy in policies.sort_values("issued_date").iterrows():
        serves = item.id in str(policy.get("item_ids") or "").split(",")
        named = all(word in normalised(policy["title"]) for word in words)
        issued = pd.notna(policy["issued_date"]) and policy["issued_date"] <= pd.Timestamp(year, 12, 31)
        if serves and named and issued and policy.get("status") != "征求意见稿":
            return {"basis": "issued", "policy_title": str(policy["title"]).strip("《》"),
                    "policy_no": policy["doc_no"] if pd.notna(policy.get("doc_no")) else None,
                    "policy_date": policy["issued_date"]}
    return None


def _causes(self_grade: str | None, verified: str, graded: list[tuple[Commitment, str, *Graded]]) -> str | None:
    """Why the verified grade is below the self-grade: the numbers of the commitments graded below it ('2,3'; the
    report words each from its kind and basis), else None."""
    if self_grade is None or verified not in RANK or RANK[self_grade] >= RANK[verified]:
        return None
    return ",".join(str(number) for number, (_, _, grade, _, _) in enumerate(graded, 1)
                    if grade in RANK and RANK[grade] > RANK[self_grade]) or None
