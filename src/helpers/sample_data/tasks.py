"""Synthetic task ledgers, policy register and evidence folder (plan-assessment.md §5), with the dirt real ones have,
and the verification outcome they must give, computed here from the generator's own truth by the spec's rules (an
oracle written apart from helpers.tasks, as cn_check is for check characters).

Ledgers: one xlsx per department and year (a title row naming both; some departments write 年度 and 责任单位 only
there; a 任务编号 merged over a department's two rows for one item; numbers in every form a person writes), the
county governments' rows in one workbook a year with a sheet per county and a notes sheet, and one department's CSV
(GB18030) for all years. Consistent with the registry sample: 专栏8's claim in 2023 is contradicted by `projects`.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import xlsxwriter

from helpers.sample_data.context import Context
from helpers.tasks import PlanItems, evidence_key

SOURCES = ("task_ledger", "policies", "evidence")
LEDGER_HEADER = ["任务编号", "任务名称", "年度", "责任单位", "工作进展", "自评等级", "佐证材料", "量化成果", "填报日期"]
GRADES = ["已完成", "按计划推进", "进展滞后", "待核实", "未启动", "未报送"]  # highest first (the spec's order)
RANK = {grade: i for i, grade in enumerate(GRADES)}
CN = "一二三四五六七"
FULL_WIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")


@dataclass
class Row:
    """One written ledger row and what the cleaner must make of it (`kind`: clean, duplicate, rejected:<reason>)."""

    item: str | None
    number: str | None
    title: str | None
    year: int
    department: str
    progress: str | None
    grade: str
    evidence: list[str] = field(default_factory=list)
    achieved: str | None = None
    kind: str = "clean"
    merged_with_next: bool = False  # 任务编号 and 任务名称 merged over this row and the next


@dataclass
class Written:
    """One file (or sheet) of a source and the kinds of its rows, for the provenance."""

    path: str
    source: str
    fmt: str
    kinds: list[str]
    encoding: str = "xlsx"


def _written_number(item: str, style: int, full_width: bool) -> str:
    """An item number as a person writes it: T2.5, 三（二）5, （二）5, 2.5; 专栏1 or Z1; 四（一） or S1."""
    if item.startswith("Z"):
        text = [f"专栏{item[1:]}", item][style % 2]
    elif item.startswith("S"):
        text = [f"四（{CN[int(item[1:]) - 1]}）", item][style % 2]
    else:
        group, number = item[1:].split(".")
        text = [item, f"三（{CN[int(group) - 1]}）{number}", f"（{CN[int(group) - 1]}）{number}", f"{group}.{number}"][
            style % 4]
    return text.translate(FULL_WIDTH) if full_width else text


def _grade(ctx: Context, item: str, year: int, first: int, shares: dict, done: dict[str, int]) -> str:
    draw = ctx.rng.random()
    if item in done:
        return "已完成" if year >= done[item] else "按计划推进"
    if year == first and draw < shares["not_started_first_year"]:
        return "未启动"
    if draw < shares["lagging"] + shares["not_started_first_year"]:
        return "进展滞后"
    if year == first + 4 and ctx.rng.random() < shares["completed_by_2025"]:
        return "已完成"
    return "按计划推进"


def ledger_rows(ctx: Context, catalogue: PlanItems, years: list[int]) -> list[Row]:
    """Every department's rows for every year, with the configured cases and dirt."""
    cfg = ctx.cfg["plan_tasks"]
    shares, done = cfg["shares"], cfg["milestone_done"]
    rows: list[Row] = []
    for year in years:
        for item in catalogue.items:
            if item.id in cfg["unreported_items"]:
                continue
            reporters = list(item.departments[: cfg["reporters_per_item"]])
            if item.id in cfg["county_items"]:
                reporters += list(catalogue.county_departments.values())
            for department in reporters:
                if year in cfg["skipped"].get(department, []):
                    continue
                rows += _department_rows(ctx, item.id, item.title, year, department, years[0], shares, done)
    for claim in cfg["claims"]:
        for row in rows:
            if (row.item, row.year, row.department) == (claim["item"], claim["year"], claim["department"]):
                row.grade = claim["grade"]
    return rows + _dirt_rows(ctx, catalogue, rows)


def _department_rows(ctx: Context, item: str, title: str, year: int, department: str, first: int, shares: dict,
                     done: dict[str, int]) -> list[Row]:
    style, full = int(ctx.rng.integers(0, 4)), bool(ctx.rng.random() < shares["full_width"])
    count = 2 if ctx.rng.random() < shares["two_rows"] else 1
    out = []
    for n in range(count):
        grade = _grade(ctx, item, year, first, shares, done)
        names = [f"{year}年{title}工作总结{'（补充）' if n else ''}", f"{year}年{title}相关文件"]
        unsupported = item not in ctx.cfg["plan_tasks"]["evidence_gaps"] and grade in ("已完成", "按计划推进") \
            and ctx.rng.random() < shares["no_evidence"]
        listed = [] if unsupported else names[: int(ctx.rng.integers(1, 3))]
        progress = (f"{year}年，{department}围绕“{title}”开展工作{'（续）' if n else ''}：\n"
                    f"一是制定年度工作要点；二是推进落实，{'已按期完成' if grade == '已完成' else '持续推进中'}。")
        out.append(Row(item, _written_number(item, style, full), title if ctx.rng.random() < 0.8 or n else None,
                       year, department, progress, grade, listed, merged_with_next=count == 2 and n == 0))
    return out


def _dirt_rows(ctx: Context, catalogue: PlanItems, rows: list[Row]) -> list[Row]:
    dirt, extra = ctx.cfg["plan_tasks"]["dirt"], []
    csv_department = ctx.cfg["plan_tasks"]["csv_department"]
    hostile = ctx.cfg["hostile_text"]  # department text is data: escaped in HTML, neutralised in workbooks
    for row, text in zip(rows[: len(hostile)], hostile, strict=True):
        row.progress = f"{row.progress}\n{text}"
    for case in dirt["duplicate"]:
        original = next(r for r in rows if (r.department, r.year) == (case["department"], case["year"]))
        extra.append(Row(**{**original.__dict__, "kind": "duplicate", "merged_with_next": False,
                            "evidence": list(original.evidence)}))
    for case in dirt["unknown_item"]:
        extra.append(Row(None, case["number"], case["title"], case["year"], case["department"], "开展相关工作。",
                         "按计划推进", kind="rejected:unknown_item"))
    for case in dirt["item_conflict"]:
        extra.append(Row(None, case["number"], case["title"], case["year"], case["department"], "开展相关工作。",
                         "已完成", kind="rejected:item_conflict"))
    for case in dirt["bad_grade"]:
        extra.append(Row("T3.4", "T3.4", catalogue.item("T3.4").title, case["year"], case["department"],
                         "版权示范创建工作正在评估。", case["grade"], kind="rejected:bad_category"))
    for case in dirt["missing_progress"]:
        extra.append(Row("T6.2", "T6.2", catalogue.item("T6.2").title, case["year"], case["department"], None,
                         "按计划推进", ["宣传活动照片"], kind="rejected:missing_required"))
    for case in dirt["year_outside_plan"]:
        extra.append(Row("T4.1", "T4.1", catalogue.item("T4.1").title, case["year"], csv_department,
                         "做好质押融资准备工作。", "按计划推进", ["工作方案"], kind="rejected:year_outside_plan"))
    for case in dirt["unknown_department"]:
        extra.append(Row("T4.1", "T4.1", catalogue.item("T4.1").title, case["year"], case["name"],
                         "协助开展质押融资对接。", "按计划推进", ["对接记录"], kind="rejected:unknown_department"))
    return extra


# ----------------------------------------------------------------------------- files
def _cells(row: Row, with_year_and_department: bool) -> list[object]:
    cells = [row.number, row.title, str(row.year), row.department, row.progress, row.grade,
             "；".join(f"{i}.{e}" for i, e in enumerate(row.evidence, 1)) if len(row.evidence) > 1
             else (row.evidence[0] if row.evidence else None), row.achieved, f"{row.year}-12-20"]
    return cells if with_year_and_department else [c for i, c in enumerate(cells) if i not in (2, 3)]


def _sheet(book: xlsxwriter.Workbook, name: str, title: str, rows: list[Row], full: bool) -> None:
    header = LEDGER_HEADER if full else [h for h in LEDGER_HEADER if h not in ("年度", "责任单位")]
    sheet = book.add_worksheet(name)
    sheet.merge_range(0, 0, 0, len(header) - 1, title)
    sheet.write_row(1, 0, header)
    wrap = book.add_format({"text_wrap": True})
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(_cells(row, full)):
            if value is not None:
                sheet.write_string(r, c, str(value), wrap)
    for r, row in enumerate(rows, start=2):
        if row.merged_with_next:
            for c in (0, 1):
                sheet.merge_range(r, c, r + 1, c, str(_cells(row, full)[c] or ""))


def _workbook(sheets: list[tuple[str, str, list[Row], bool]], notes: bool = False) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False})
    book.set_properties({"created": pd.Timestamp("2025-01-01").to_pydatetime(), "author": "synthetic sample generator"})
    for name, title, rows, full in sheets:
        _sheet(book, name, title, rows, full)
    if notes:
        book.add_worksheet("填表说明").write_string(0, 0, "请各县（区）人民政府于每年12月底前报送本表。")
    book.close()
    return buffer.getvalue()


def _title(year: int, department: str) -> str:
    return f"{year}年度河源市知识产权“十四五”规划实施情况自评表（{department}）"


def write_ledgers(ctx: Context, out_dir: Path, catalogue: PlanItems, rows: list[Row]) -> list[Written]:
    """The ledger files; every row's kind, per file (merged rows keep their order: a merged pair is one file's)."""
    cfg, prefix = ctx.cfg["plan_tasks"], ctx.cfg["file_prefix"]
    folder = out_dir / "task_ledger"
    counties = set(catalogue.county_departments.values())
    written = []
    csv_rows = [r for r in rows if r.department == cfg["csv_department"] or r.kind == "rejected:unknown_department"]
    by_file: dict[tuple[str, int], list[Row]] = {}
    for row in rows:
        if row not in csv_rows:
            by_file.setdefault((row.department, row.year), []).append(row)
    for year in sorted({year for _, year in by_file}):
        sheets = [(name, _title(year, name), by_file.pop((name, year)), True) for name in sorted(counties)
                  if (name, year) in by_file]
        if sheets:
            name = f"{prefix}task_ledger_{year}_县区汇总.xlsx"
            (folder / name).write_bytes(_workbook(sheets, notes=True))
            written += [Written(f"task_ledger/{name}!{sheet}", "task_ledger", "xlsx", [r.kind for r in part])
                        for sheet, _, part, _ in sheets]
            written.append(Written(f"task_ledger/{name}!填表说明", "task_ledger", "xlsx", []))
    for (department, year), part in sorted(by_file.items()):
        name = f"{prefix}task_ledger_{year}_{cfg['short_names'].get(department, department)}.xlsx"
        full = department not in cfg["title_only"]
        (folder / name).write_bytes(_workbook([("自评表", _title(year, department), part, full)]))
        written.append(Written(f"task_ledger/{name}", "task_ledger", "xlsx", [r.kind for r in part]))
    name = f"{prefix}task_ledger_{cfg['short_names'][cfg['csv_department']]}_2021-2025.csv"
    text = io.StringIO()
    text.write(",".join(LEDGER_HEADER) + "\r\n")
    for row in csv_rows:
        row.merged_with_next = False
        text.write(",".join(_csv_cell(c) for c in _cells(row, True)) + "\r\n")
    (folder / name).write_bytes(text.getvalue().encode("gb18030"))
    written.append(Written(f"task_ledger/{name}", "task_ledger", "csv", [r.kind for r in csv_rows], "gb18030"))
    return written


def _csv_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return f'"{text.replace(chr(34), chr(34) * 2)}"' if any(ch in text for ch in ',"\r\n') else text


POLICY_HEADER = ["文件名称", "文号", "发文单位", "印发日期", "对应任务", "状态"]


def write_policies(ctx: Context, out_dir: Path) -> list[Written]:
    policies = ctx.cfg["plan_tasks"]["policies"]
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    book.set_properties({"created": pd.Timestamp("2025-01-01").to_pydatetime(), "author": "synthetic sample generator"})
    sheet = book.add_worksheet("政策文件")
    sheet.write_row(0, 0, POLICY_HEADER)
    for r, policy in enumerate(policies, start=1):
        sheet.write_row(r, 0, [policy["title"], policy["doc_no"], policy["issuer"], str(policy["date"]),
                               policy["items"], policy["status"]])
    book.close()
    name = f"{ctx.cfg['file_prefix']}policies_register.xlsx"
    (out_dir / "policies" / name).write_bytes(buffer.getvalue())
    return [Written(f"policies/{name}", "policies", "xlsx", ["clean"] * len(policies))]


def write_evidence(ctx: Context, out_dir: Path, rows: list[Row]) -> tuple[list[Written], dict[tuple[str, int], set]]:
    """evidence/<folder>/<year>/ for the configured departments: every listed item of their clean rows as a file,
    except the rows drawn absent. Returns the files (one Written for the folder) and, per (department, year), the
    names present (as compared)."""
    cfg = ctx.cfg["plan_tasks"]
    present: dict[tuple[str, int], set] = {}
    kinds = []
    for row in rows:
        folder_name = cfg["evidence_departments"].get(row.department)
        if folder_name is None or row.kind != "clean":
            continue
        folder = out_dir / "evidence" / folder_name / str(row.year)
        gaps = cfg["evidence_gaps"].get(row.item)
        absent = row.year in gaps if gaps is not None else ctx.rng.random() < cfg["evidence_absent"]
        if not row.evidence or absent:
            continue
        folder.mkdir(parents=True, exist_ok=True)  # an empty folder is no folder: only files are read
        present.setdefault((row.department, row.year), set())
        for entry in row.evidence:
            path = folder / f"{entry}.pdf"
            if not path.exists():
                path.write_bytes(b"%PDF-1.4\n% synthetic evidence file of the sample generator\n")
                kinds.append("clean")
            present[(row.department, row.year)].add(evidence_key(entry))
    return [Written("evidence", "evidence", "folder", kinds)], present


# ----------------------------------------------------------------------------- the oracle
def expected_grades(ctx: Context, catalogue: PlanItems, rows: list[Row], present: dict[tuple[str, int], set],
                    per_year: dict, years: list[int]) -> dict[str, dict[str, str]]:
    """item → year → the verified grade the spec's rules give on this truth (§3), in labels; a task is graded on the
    quantified targets of its attached 专栏 too. 专栏2 and its task T3.1 are left out: its data grade needs the
    indicator's rebased base, which the evaluation (tested on its own) computes."""
    clean = [r for r in rows if r.kind == "clean"]
    policies = ctx.cfg["plan_tasks"]["policies"]
    out: dict[str, dict[str, str]] = {}
    for item in catalogue.items:
        commitments = [*item.commitments, *(c for z in catalogue.items if z.task == item.id
                                            for c in z.commitments if c.kind == "quantified")]
        if any(c.flagship == "Z2" for c in commitments):
            continue
        out[item.id], done_before = {}, False
        for year in years:
            mine = [r for r in clean if r.item == item.id and r.year == year]
            departments = {}
            for r in mine:
                departments.setdefault(r.department, []).append(r)
            ledger = []
            for department, own in departments.items():
                grade = max((r.grade for r in own), key=RANK.__getitem__)
                listed = [e for r in own for e in r.evidence]
                folder = present.get((department, year))
                unsupported = not listed or (folder is not None and not any(evidence_key(e) in folder
                                                                            for e in listed))
                ledger.append("待核实" if grade in ("已完成", "按计划推进") and unsupported else grade)
            ledger_grade = max(ledger, key=RANK.__getitem__) if ledger else ("已完成" if done_before else "未报送")
            grades = []
            for commitment in commitments:
                if commitment.kind == "quantified":
                    grades.append(_data_grade(commitment.flagship, year, per_year))
                elif commitment.kind == "policy":
                    issued = any(_serves(p, item.id, commitment.match, year) for p in policies)
                    grades.append("已完成" if issued else max(ledger_grade, "进展滞后", key=RANK.__getitem__))
                else:
                    grades.append(ledger_grade)
            verified = max(grades, key=RANK.__getitem__)
            out[item.id][str(year)] = verified
            done_before = done_before or verified == "已完成"
    return out


def _serves(policy: dict, item: str, words: tuple[str, ...], year: int) -> bool:
    fold = unicodedata.normalize("NFKC", policy["title"])
    listed = unicodedata.normalize("NFKC", str(policy["items"]))
    numbers = [item]
    if item.startswith("T"):
        group, number = item[1:].split(".")
        numbers.append(f"三({CN[int(group) - 1]}){number}")
    return (policy["status"] != "征求意见稿" and pd.Timestamp(policy["date"]) <= pd.Timestamp(year, 12, 31)
            and any(n in listed for n in numbers) and all(w in fold for w in words))


def _data_grade(flagship: str, year: int, per_year: dict) -> str:
    tau = (year - 2020) / 5
    if flagship == "Z1":
        value, target = per_year["workstation_counties"][year], 6
    elif flagship == "Z8":
        value, target = per_year["patent_navigation_completed"][year], 5
    else:  # Z4: pledges from 2021 to Y
        value, target = sum(per_year["I05_pledge_sum_wan"][y] for y in range(2021, year + 1)), 50000
    if value >= target:
        return "已完成"
    if value <= 0:
        return "未启动"
    return "按计划推进" if (value / target) / tau >= 0.95 else "进展滞后"


def plan_task_sample(ctx: Context, out_dir: Path) -> tuple[list[Written], list[Row], dict]:
    """Write the three sources; returns what was written, the ledger's rows and the evidence present."""
    catalogue = PlanItems.from_conf(ctx.conf.read("plan_items"))
    years = [y for y in ctx.years if y > ctx.cfg["base_year"]]
    for source in SOURCES:
        (out_dir / source).mkdir(parents=True, exist_ok=True)
    rows = ledger_rows(ctx, catalogue, years)
    written = write_ledgers(ctx, out_dir, catalogue, rows) + write_policies(ctx, out_dir)
    evidence, present = write_evidence(ctx, out_dir, rows)
    return written + evidence, rows, {"catalogue": catalogue, "present": present, "years": years}
