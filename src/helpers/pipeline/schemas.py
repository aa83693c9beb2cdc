"""What the derived datasets are: a pandera schema each, checked when a stage writes them (a bug fails loudly
there, not in a report). The clean tables' schemas come from the source catalog (helpers.cleaning.schemas)."""

from __future__ import annotations

import pandera.pandas as pa

from helpers.areas import Areas
from helpers.findings.rows import COUNTS, NUMBERS, SEVERITIES
from helpers.indicators import Plan
from helpers.indicators.catalog import MODES
from helpers.tasks import ALL_GRADES, GRADES, PlanItems
from helpers.tasks.catalog import KINDS
from helpers.tasks.goals import OUTCOMES, REASONS
from helpers.tasks.period import CHRONIC, NOTHING_GRADED, PERIOD_GRADES
from helpers.tasks.scores import PARTS
from helpers.tasks.verification import BASES


def _text(**kwargs: object) -> pa.Column:
    return pa.Column("str", coerce=True, **kwargs)


def _number(nullable: bool = True, **kwargs: object) -> pa.Column:
    return pa.Column("float64", coerce=True, nullable=nullable, **kwargs)


def _count(**kwargs: object) -> pa.Column:
    return pa.Column("int64", pa.Check.ge(0), coerce=True, **kwargs)


def schemas(plan: Plan, areas: Areas, items: PlanItems | None = None,
            findings: dict | None = None) -> dict[str, pa.DataFrameSchema]:
    """The schema of every derived dataset of the catalog (conf catalog.yaml `schema:`), for this plan."""
    area = _text(checks=pa.Check.isin(areas.codes))
    year = pa.Column("int64", pa.Check.isin(plan.years), coerce=True)
    indicator = _text(checks=pa.Check.isin([i.id for i in plan.indicators]))
    status = _text(checks=pa.Check.isin(list(plan.statuses)))
    return {
        "values": pa.DataFrameSchema({
            "indicator": indicator, "area_code": area, "year": year, "value": _number(), "rows": _count(),
            "complete": pa.Column("bool", coerce=True), "sources": _text(), "missing_sources": _text(),
        }, strict=True, ordered=True, name="values"),
        "high_value": pa.DataFrameSchema({
            "area_code": area, "year": year, "criterion": _text(), "label": _text(nullable=True), "count": _count(),
            "only": _count(),
        }, strict=True, ordered=True, name="high_value"),
        "visits": pa.DataFrameSchema({
            "year": pa.Column("int64", coerce=True), "month": pa.Column("int64", pa.Check.in_range(1, 12), coerce=True),
            "visitors": _count(),
        }, strict=True, ordered=True, name="visits"),
        "evaluation": pa.DataFrameSchema({
            "indicator": indicator, "category": _text(), "name": _text(), "unit": _text(), "area_code": area,
            "area_name": _text(), "year": year, "value": _number(),
            "value_source": _text(checks=pa.Check.isin(["computed", "official"])), "base_plan": _number(),
            "base_data": _number(),
            "base_rebased": _number(), "base_used": _number(),
            "base_kind": _text(checks=pa.Check.isin(["rebased", "data", "plan", ""])), "target": _number(),
            "kind": _text(), "mode": _text(checks=pa.Check.isin(list(MODES))), "tau": _number(),
            "completion": _number(), "ratio": _number(), "status": status, "projected": _number(),
            "required_growth": _number(), "change": _number(), "cagr": _number(), "trend_next": _number(),
            "county_share": _number(), "county_rank": _number(), "small_sample": pa.Column("bool", coerce=True),
            "rows": _count(),
            "complete": pa.Column("bool", coerce=True), "sources": _text(), "missing_sources": _text(),
        }, strict=True, ordered=True, name="evaluation"),
        "flagship": pa.DataFrameSchema({
            "id": _text(), "column": pa.Column("int64", coerce=True), "name": _text(), "unit": _text(), "year": year,
            "value": _number(), "target": _number(nullable=False), "base": _number(), "reached": _number(),
            "tau": _number(),
            "status": status, "missing_sources": _text(),
        }, strict=True, ordered=True, name="flagship"),
        **_task_schemas(plan, areas, items),
        **_period_schemas(plan, areas, items),
        **_official_schemas(plan, areas),
        **_findings_schema(plan, areas, findings or {}),
    }


def _findings_schema(plan: Plan, areas: Areas, rules: dict) -> dict[str, pa.DataFrameSchema]:
    """One row per finding: codes and numbers (helpers.findings.rows; what each number means per kind:
    docs/decisions.md, "Findings")."""
    def whole() -> pa.Column:
        return pa.Column("Int64", nullable=True, coerce=True)

    return {"findings": pa.DataFrameSchema({
        "year": pa.Column("int64", pa.Check.isin(plan.evaluation_years), coerce=True),
        "rank": pa.Column("int64", pa.Check.ge(1), coerce=True),
        "kind": _text(checks=pa.Check.isin(rules.get("kinds", []))),
        "area_code": _text(checks=pa.Check.isin(areas.codes)), "subject": _text(),
        "severity": _text(checks=pa.Check.isin(list(SEVERITIES))),
        "topic": _text(checks=pa.Check.isin(rules.get("topics", []))), "code": _text(nullable=True),
        **{name: _number() for name in NUMBERS}, **{name: whole() for name in COUNTS},
    }, strict=True, ordered=True, unique=["year", "kind", "area_code", "subject", "code", "count"],
        name="findings")}


def _official_schemas(plan: Plan, areas: Areas) -> dict[str, pa.DataFrameSchema]:
    year = pa.Column("int64", pa.Check.isin(plan.years), coerce=True)
    flag = pa.Column("bool", coerce=True)
    return {
        "official": pa.DataFrameSchema({
            "measure": _text(), "name": _text(), "unit": _text(), "region_code": _text(), "region_name": _text(),
            "year": year, "value": _number(), "document": _text(), "note": _text(nullable=True),
            "status": _text(checks=pa.Check.isin(["ok", "conflict", "percent_two_ways", "percent_as_ratio"])),
            "values": _text(nullable=True),
        }, strict=True, ordered=True, name="official"),
        "crosscheck": pa.DataFrameSchema({
            "measure": _text(), "name": _text(), "unit": _text(), "area_code": _text(checks=pa.Check.isin(areas.codes)),
            "year": year, "computed": _number(), "official": _number(), "document": _text(), "gap": _number(),
            "tolerance": _number(nullable=False), "beyond": flag,
            "prefer": _text(checks=pa.Check.isin(["computed", "official"])),
            "used": _text(checks=pa.Check.isin(["computed", "official"])),
        }, strict=True, ordered=True, name="crosscheck"),
        "benchmark": pa.DataFrameSchema({
            "measure": _text(), "name": _text(), "unit": _text(), "intensive": flag, "year": year,
            "value": _number(), "basis": _text(checks=pa.Check.isin(["computed", "official"])), "rank": _number(),
            "ranked": _number(), "tied": flag, "counted": flag, "leading_rank": _number(), "leading": flag,
            "province": _number(), "province_document": _text(nullable=True), "nation": _number(),
            "nation_document": _text(nullable=True), "gap_province": _number(), "share_province": _number(),
            "gap_nation": _number(), "share_nation": _number(),
        }, strict=True, ordered=True, name="benchmark"),
    }


def _task_schemas(plan: Plan, areas: Areas, items: PlanItems | None) -> dict[str, pa.DataFrameSchema]:
    item = _text(checks=pa.Check.isin(items.ids if items else []))
    year = pa.Column("int64", pa.Check.isin(plan.evaluation_years), coerce=True)
    grade = _text(checks=pa.Check.isin(ALL_GRADES))  # 无法评估 too
    own_grade = _text(checks=pa.Check.isin(GRADES), nullable=True)  # a department's, or none
    codes = _text(nullable=True)  # the sources whose absence left something 无法评估 ('task_ledger,policies')
    return {
        "task_items": pa.DataFrameSchema({
            "item": item, "kind": _text(checks=pa.Check.isin(["task", "flagship", "safeguard"])), "group": _text(),
            "year": year, "self_grade": own_grade, "verified_grade": grade, "ledger_grade": own_grade,
            "departments": _text(), "reported_by": _text(), "evidence_listed": _count(),
            "causes": _text(nullable=True),  # '2,3': the commitments that set the verified grade below the self-grade
            "carried_forward": pa.Column("bool", coerce=True), "missing": codes, "points": _number(),
        }, strict=True, ordered=True, name="task_items"),
        "task_commitments": pa.DataFrameSchema({
            "item": item, "year": year, "commitment": _count(), "stated_in": item,
            "kind": _text(checks=pa.Check.isin(list(KINDS))), "text": _text(), "grade": grade,
            "basis": _text(checks=pa.Check.isin(list(BASES)), nullable=True), "value": _number(), "target": _number(),
            "policy_title": _text(nullable=True), "policy_no": _text(nullable=True),
            "policy_date": pa.Column("datetime64[ns]", nullable=True, coerce=True), "flagship": _text(nullable=True),
            "missing": codes,
        }, strict=True, ordered=True, name="task_commitments"),
        "task_departments": pa.DataFrameSchema({
            "item": item, "year": year, "department": _text(), "area_code": _text(checks=pa.Check.isin(areas.codes)),
            "rows": _count(), "self_grade": own_grade, "verified_grade": own_grade, "evidence_listed": _count(),
            "evidence_missing": _text(nullable=True), "progress": _text(nullable=True),
            "report_date": pa.Column("datetime64[ns]", nullable=True, coerce=True),
        }, strict=True, ordered=True, name="task_departments"),
        "task_groups": pa.DataFrameSchema({
            "year": year, "group": _text(), "score": _number(), "items": _count(),
        }, strict=True, ordered=True, name="task_groups"),
        "composite": pa.DataFrameSchema({
            "year": year, "part": _text(checks=pa.Check.isin([*PARTS, "composite"])), "score": _number(),
            "weight": _number(nullable=False), "grade": _text(nullable=True), "counted": _count(),
            "left_out": _count(), "small": _count(), "completed": _count(), "missing": codes,
        }, strict=True, ordered=True, name="composite"),
        "goals": pa.DataFrameSchema({
            "goal": _text(), "text": _text(), "rule": _text(), "year": year,
            "outcome": _text(checks=pa.Check.isin(list(OUTCOMES))), "first_year": _count(), "base_value": _number(),
            "latest_value": _number(), "reason": _text(checks=pa.Check.isin(list(REASONS)), nullable=True),
            "count": _number(), "missing": codes,
        }, strict=True, ordered=True, name="goals"),
    }


def _period_schemas(plan: Plan, areas: Areas, items: PlanItems | None) -> dict[str, pa.DataFrameSchema]:
    item = _text(checks=pa.Check.isin(items.ids if items else []))
    end = pa.Column("int64", pa.Check.isin(plan.evaluation_years), coerce=True)
    year = _number(checks=pa.Check.isin(plan.evaluation_years))  # a year, or none
    grade = _text(checks=pa.Check.isin([*PERIOD_GRADES, NOTHING_GRADED]), nullable=True)
    flag = pa.Column("bool", coerce=True)
    chronic = {column: check for grade in CHRONIC for column, check in
               ((f"{grade}_years", _count()), (f"{grade}_run", _count()), (f"chronic_{grade}", flag))}
    return {
        "period_indicators": pa.DataFrameSchema({
            "period_end": end, "indicator": _text(checks=pa.Check.isin([i.id for i in plan.indicators])),
            "area_code": _text(checks=pa.Check.isin(areas.codes)), "year": end, "value": _number(),
            "status": _text(checks=pa.Check.isin(list(plan.statuses))), "base": _number(), "change": _number(),
            "cagr": _number(), "first_met": year,
        }, strict=True, ordered=True, name="period_indicators"),
        "period_items": pa.DataFrameSchema({
            "period_end": end, "item": item, "kind": _text(checks=pa.Check.isin(["task", "flagship", "safeguard"])),
            "group": _text(), "first_year": end, "years": _count(), "grade": grade, "points": _number(),
            "missing": _text(nullable=True),
            "regression": flag, "regression_from": year, "regression_to": year, **chronic,
        }, strict=True, ordered=True, name="period_items"),
        "period_commitments": pa.DataFrameSchema({
            "period_end": end, "item": item, "commitment": _count(), "kind": _text(checks=pa.Check.isin(list(KINDS))),
            "grade": grade, "basis": _text(), "data_missing": flag, "good_years": _number(),
            "completed_in": year, "lowered_in": year, "unverified_in": _text(nullable=True), "value": _number(),
            "target": _number(), "base": _number(), "completion": _number(),
        }, strict=True, ordered=True, name="period_commitments"),
        "period_departments": pa.DataFrameSchema({
            "period_end": end, "department": _text(), "area_code": _text(checks=pa.Check.isin(areas.codes)),
            "led": _count(), "expected_years": _count(), "reported_years": _count(), "rows": _count(),
            "claims": _count(), "supported": _count(), "evidence_share": _number(checks=pa.Check.in_range(0, 1)),
            "above": _count(),
        }, strict=True, ordered=True, name="period_departments"),
        # the composite's own columns, per period end (helpers.tasks.period.period_composite calls `composite`)
        "period_composite": _task_schemas(plan, areas, items)["composite"].rename_columns({"year": "period_end"})
        .set_name("period_composite"),
    }
