"""The report's sections on the plan beyond its indicators (plan-assessment.md §4): 重点任务落实情况 per task group,
重大工程（专栏） for all nine, 重大政策出台情况, 保障措施, 方向性目标, the departments' scorecard (city report), the
county's own items (county reports), and their parts of the summary and the appendix. Rendered from the `tasks`
stage's datasets; department text is data, escaped like all data. What a source that was not supplied left 无法评估 is
said with that source (the datasets hold its code, the wording its sentence)."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING

import pandas as pd
from IPython.display import HTML
from markupsafe import Markup

from helpers.report.findings import number, percent
from helpers.report.task_words import (
    basis,
    causes,
    codes,
    goal_outcome,
    goal_reason,
    goal_series,
    missing_evidence,
    reason,
)
from helpers.tasks import ALL_GRADES, GRADES, RANK, UNASSESSABLE, Item
from helpers.tasks.verification import LEDGER, REGISTER

if TYPE_CHECKING:
    from helpers.report.sections import Cell, Section
    from helpers.report.wording import Words

GRADE_WIDTH = 14  # percent of the text width: 「● 按计划推进」 on one line in print (8.6 pt) and in Word (9 pt)
SHORT_PROGRESS = 60  # characters of a department's progress text shown in a table at most (the appendix has it all)
_SENTENCE_END = "。！？"  # kept at the end of an excerpt
_CLAUSE_END = "；，、：;,:"  # left out at the end of an excerpt (, and : between digits are part of a number)
_STRONG = "。！？；;"  # the end of a sentence or of a clause set off by a semicolon
_OPENING, _CLOSING = "“‘（《「【(", "”’）》」】)"
_NUMBER = re.compile(r"[A-Za-z0-9]|(?<=\d)[.,:](?=\d)|(?<=\d)[%‰]")  # a character of a Latin word or a number


def excerpt(text: str, limit: int, more: str) -> str:
    """`text` on one line, whole if it has at most `limit` characters, else cut at a boundary outside quotation marks
    and brackets that keeps at most `limit` characters, followed by `more`: the last end of a sentence or
    semicolon clause (。！？；) if it keeps half the limit, else the last clause boundary (also ，、： and a line
    break). Without one: after the last quotation or bracket that closes within the limit, else at the limit, but
    never inside a number or a Latin word."""
    flat = re.sub(r"\s*\n\s*", "\n", text.strip())
    if len(flat) <= limit:
        return flat.replace("\n", " ")
    strong, weak, closed, depth = 0, 0, 0, 0
    for at, char in enumerate(flat[:limit + 1]):
        if depth == 0 and (char in _SENTENCE_END or char in _CLAUSE_END or char == "\n") \
                and not _NUMBER.match(flat, at):
            weak = at + 1 if char in _SENTENCE_END and at < limit else at
            strong = weak if char in _STRONG else strong
        depth = depth + 1 if char in _OPENING else max(depth - 1, 0) if char in _CLOSING else depth
        if char in _CLOSING and depth == 0 and at < limit:
            closed = at + 1
    cut = strong if 2 * strong >= limit else weak
    if not cut:
        cut = closed or limit
        while cut > 1 and _NUMBER.match(flat, cut - 1) and _NUMBER.match(flat, cut):
            cut -= 1
    return flat[:cut].rstrip(_CLAUSE_END + " \n").replace("\n", " ") + more


def _text(value: object) -> str:
    """A dataset's text cell, or "" where it is empty."""
    return "" if value is None or pd.isna(value) else str(value)


def absent_reason(cell: object, w: Words, titles: Mapping[str, str], not_supplied: Collection[str]) -> str:
    """Why something is 无法评估, from the codes of the sources it lacked: those not supplied (the manifest's missing
    sources), those supplied without a usable row, or no data at all."""
    keys = codes(cell)
    if not keys:
        return w["plan_items.reason_no_data"]
    absent = [titles.get(key, key) for key in keys if key in not_supplied]
    empty = [titles.get(key, key) for key in keys if key not in not_supplied]
    reasons = ([w("plan_items.reason_not_supplied", sources=w.join(absent))] if absent else []) + (
        [w("plan_items.reason_no_rows", sources=w.join(empty))] if empty else [])
    return w["plan_items.reason_separator"].join(reasons)


def composite_notes(table: pd.DataFrame, w: Words, reason: Callable[[object], str]) -> dict[str, str]:
    """What the composite of one year leaves out, by part (a composite dataset's rows): indicators without data, items
    无法评估 with their reason; under `composite`, the parts left out and the renormalised weights ("" where
    nothing is)."""
    parts, rows = w["workbook.parts"], table.set_index("part")
    notes = {}
    for part, row in rows.drop(index="composite", errors="ignore").iterrows():
        count = int(row["left_out"])
        if part == "indicators":
            notes[part] = w.join([w(key, count=n) for key, n in (("plan_items.composite_no_data", count),
                                                                   ("plan_items.composite_small", int(row["small"])))
                                  if n])
        elif not count:
            notes[part] = ""
        else:
            key = "plan_items.composite_unassessable" + ("" if row["counted"] else "_all")
            notes[part] = w(key, part=parts[part], count=count, reason=reason(row["missing"]))
    kept = rows.drop(index="composite", errors="ignore")
    left = [parts[part] for part, row in kept.iterrows() if not row["weight"]]
    weights = [w("plan_items.composite_weight", part=parts[part], weight=percent(row["weight"] / 100, 1))
               for part, row in kept.iterrows() if row["weight"]]
    notes["composite"] = w("plan_items.composite_left_out", parts=w.join(left), weights=w.join(weights)) \
        if left and weights else ""
    return notes


def _seriousness(kinds: list[str]) -> int:
    """How serious a discrepancy is, from the kinds of the commitments that set it: the data contradict the claim
    first (0), a promised policy is missing (1), evidence is missing (2)."""
    return 0 if kinds[:1] == ["quantified"] else 1 if "policy" in kinds else 2


class PlanSections:
    """Mixed into helpers.report.sections.Report: the sections of the plan-wide assessment."""

    # ------------------------------------------------------------------ building blocks
    def _grade_cell(self, grade: object) -> Cell:
        from helpers.report.sections import Cell

        if not isinstance(grade, str) or grade not in ALL_GRADES:
            return Cell(self.w["missing"])
        return Cell(f"{self.w['grade_symbols'][grade]} {self.w['grades'][grade]}", f"grade grade-{grade}",
                    self.w["grade_colors"][grade])

    def _grade_label(self, grade: object) -> str:
        return self.w["grades"][grade] if isinstance(grade, str) and grade in ALL_GRADES else self.w["missing"]

    def _absent_reason(self, cell: object) -> str:
        """Why something is 无法评估 (the sources it lacked, as this folder's manifest knows them)."""
        d = self.data
        return absent_reason(cell, self.w, {key: d.source_title(key) for key in codes(cell)},
                             d.manifest.get("missing_sources") or [])

    def _absent(self, source: str) -> bool:
        """Whether the tasks stage left something of this year 无法评估 for want of `source` (the ledger, the
        register)."""
        return any(source in codes(cell) for name in ("task_items", "task_commitments")
                   for cell in self.data.task(name)["missing"])

    def _ledger_note(self) -> str:
        """The sentence that says the ledger was not supplied and what follows from it; "" when it was."""
        return self.w("plan_items.ledger_absent", reason=self._absent_reason(LEDGER)) if self._absent(LEDGER) else ""

    def _not_reported(self, item: str) -> str:
        """What a table says of an item without progress text: 未报送, or why no ledger could report it."""
        if LEDGER in codes(self._verified().loc[item, "missing"]):
            return self.w("plan_items.unassessable", reason=self._absent_reason(LEDGER))
        return self.w["plan_items.not_reported"]

    def _basis(self, row: pd.Series) -> str:
        """What a commitment's grade rests on, or why it is 无法评估."""
        if row["grade"] == UNASSESSABLE and not isinstance(row["basis"], str):
            return self.w("plan_items.unassessable", reason=self._absent_reason(row["missing"]))
        return basis(row, self.w) or ""

    def _items(self, kind: str | None = None, group: str | None = None) -> list[Item]:
        return [i for i in self.data.context.plan_items.items
                if (kind is None or i.kind == kind) and (group is None or i.group == group)]

    def _verified(self) -> pd.DataFrame:
        return self.data.task("task_items").set_index("item")

    def _progress_of(self, item: str) -> str:
        """The item's progress texts of this year, shortened for a table; in a county report only the county
        government's own row (never another county's, nor a city department's)."""
        rows = self.data.task("task_departments")
        rows = rows[rows["item"] == item]
        if not self.data.is_city:
            rows = rows[rows["department"] == self._government()]
        text = "；".join(str(t) for t in rows["progress"].dropna())
        return excerpt(text, SHORT_PROGRESS, self.w["plan_items.more"])

    def _government(self) -> str | None:
        """The county government of a county report (plan_items.yaml `county_departments`)."""
        return self.data.context.plan_items.county_departments.get(self.data.area_code)

    def _item_rows(self, items: list[Item]) -> list[list[Cell | str]]:
        from helpers.report.sections import Cell

        w, verified = self.w, self._verified()
        rows = []
        for item in items:
            row = verified.loc[item.id]
            evidence = (w("plan_items.evidence", listed=int(row["evidence_listed"])) if row["evidence_listed"]
                        else w["missing"] if LEDGER in codes(row["missing"]) else w["plan_items.evidence_none"])
            carried = w["plan_items.carried"] if bool(row["carried_forward"]) else ""
            progress = self._progress_of(item.id) or (self._not_reported(item.id) if self.data.is_city
                                                       else w["missing"])
            parts = self._grade_parts(item.id)
            rows.append([item.id, Cell(item.title, "text"), Cell(w.join(list(item.departments)), "text"),
                         self._grade_cell(row["self_grade"]),
                         Cell(self._grade_cell(row["verified_grade"]).text + carried,
                              *self._grade_style(row["verified_grade"])),
                         evidence, Cell(f"{parts}\n{progress}" if parts else progress, "text")])
        return rows

    def _grade_parts(self, item: str) -> str:
        """Where an item's commitments are graded differently, each kind with its grade and what it rests on
        (「量化目标：已完成（1.25，目标1）；工作推进：进展滞后（市市场监督管理局（市知识产权局）自评）」), so that the
        item's grade — the lowest — explains itself; else ""."""
        rows = self.data.task("task_commitments")
        parts: dict[str, tuple[str, str]] = {}  # label → the lowest grade of its commitments, with its detail
        for _, r in rows[(rows["item"] == item) & rows["grade"].isin(list(RANK))].iterrows():  # not 无法评估
            label, detail = self._commitment_part(item, r)
            if label not in parts or RANK[r["grade"]] > RANK[parts[label][0]]:
                parts[label] = (r["grade"], detail)
        if len({grade for grade, _ in parts.values()}) < 2:
            return ""
        w = self.w
        return w["plan_items.part_separator"].join(
            w("plan_items.part" if detail else "plan_items.part_bare", label=label, grade=w["grades"][grade],
              detail=detail) for label, (grade, detail) in parts.items())

    def _commitment_part(self, item: str, row: pd.Series) -> tuple[str, str]:
        """A graded commitment's label (量化目标, 专栏N量化目标 for a task's attached 专栏, 政策出台, 工作推进) and
        what its grade rests on: the numbers, the register, or the departments whose ledger rows set it."""
        d, w = self.data, self.w
        labels = w["plan_items.parts"]
        if row["kind"] == "quantified":
            target = next(f for f in d.plan.flagship if f.id == row["flagship"])
            own = d.context.plan_items.item(item).kind != "task"
            label = labels["quantified"] if own else labels["attached"].format(column=target.column)
            numbers = d.flagship[d.flagship["id"] == target.id].iloc[0]
            places = self._flagship_places(target.id)
            return label, w("plan_items.part_numbers", value=number(numbers["value"], places),
                            target=number(numbers["target"], places))
        if row["kind"] == "policy":
            return labels["policy"], "" if row["grade"] == "completed" else w("plan_items.part_not_issued",
                                                                                year=d.year)
        ledger = d.task("task_departments")
        ledger = ledger[(ledger["item"] == item) & (ledger["verified_grade"] == row["grade"])]
        if ledger.empty:  # not reported, or carried forward from an earlier completion
            return labels["work"], w["plan_items.part_carried"] if row["grade"] == "completed" else ""
        if not d.is_city:  # a county report names no other county
            others = set(d.context.plan_items.county_departments.values()) - {self._government()}
            ledger = ledger[~ledger["department"].isin(others)]
        key = "plan_items.part_unverified" if row["grade"] == "unverified" else "plan_items.part_self"
        return labels["work"], w(key, departments=w.join(list(ledger["department"]))) if len(ledger) else ""

    def _grade_style(self, grade: str) -> tuple[str, str]:
        return f"grade grade-{grade}", self.w["grade_colors"][grade]

    def _items_table(self, caption: str, items: list[Item]) -> Markup:
        columns = self._columns("plan_items.columns", [6, 17, 15, GRADE_WIDTH, GRADE_WIDTH, 8, 26])
        return self._table(caption, columns, self._item_rows(items))

    # ------------------------------------------------------------------ summary and method
    def _composite_sentence(self) -> str:
        table = self.data.task("composite").set_index("part")
        if "composite" not in table.index or pd.isna(table.loc["composite", "score"]):
            return ""
        w = self.w

        def part(name: str) -> str:
            score = table.loc[name, "score"] if name in table.index else float("nan")
            return w("plan_items.composite_part", score=number(score, 1)) if pd.notna(score) else \
                w["plan_items.composite_none"]

        sentence = w("plan_items.composite", score=number(table.loc["composite", "score"], 1),
                     grade=w["composite_grades"][table.loc["composite", "grade"]], indicators=part("indicators"),
                     tasks=part("tasks"),
                     policies=part("policies"), safeguards=part("safeguards"))
        notes = [note for note in composite_notes(table.reset_index(), w, self._absent_reason).values() if note]
        return sentence + (w("plan_items.composite_notes", notes=w["plan_items.note_separator"].join(notes))
                           if notes else "")

    def _counts_sentence(self) -> str:
        items = self.data.task("task_items")
        if items.empty:
            return ""
        counts = items["verified_grade"].value_counts()
        parts = [self.w("plan_items.count_part", label=self.w["grades"][g], count=int(counts[g]))
                 for g in GRADES if counts.get(g)]
        if counts.get(UNASSESSABLE):
            absent = ",".join(items.loc[items["verified_grade"] == UNASSESSABLE, "missing"].dropna())
            parts.append(self.w("plan_items.count_unassessable", label=self.w["grades"][UNASSESSABLE],
                                count=int(counts[UNASSESSABLE]),
                                reason=self._absent_reason(",".join(dict.fromkeys(codes(absent))))))
        return self.w("plan_items.counts", total=len(items), parts=self.w.join(parts))

    def _discrepancies(self, limit: int | None = None) -> list[str]:
        """Items whose self-grade is above their verified grade, worst first (the core of a third party's value)."""
        items = self.data.task("task_items").dropna(subset=["self_grade"])
        items = items[items["verified_grade"].isin(GRADES)]  # 无法评估 is no grade to compare
        if items.empty:
            return []
        gap = items["verified_grade"].map(RANK).astype(int) - items["self_grade"].map(RANK).astype(int)
        found = items[gap > 0].assign(gap=gap[gap > 0])
        commitments, departments = self.data.task("task_commitments"), self.data.task("task_departments")
        # what the data and the policy register contradict first, then missing evidence; larger gaps first
        found = found.assign(weight=[_seriousness(list(causes(r, commitments)["kind"])) for _, r in found.iterrows()])
        found = found.sort_values(["weight", "gap", "item"], ascending=[True, False, True])
        catalogue = self.data.context.plan_items
        lines = [self.w("plan_items.discrepancy", id=r["item"], title=catalogue.item(r["item"]).title,
                        claimed=self._grade_label(r["self_grade"]), verified=self._grade_label(r["verified_grade"]),
                        reason=reason(r, commitments, departments, catalogue, self.w)) for _, r in found.iterrows()]
        return lines[:limit] if limit else lines

    def _item_method(self) -> list[str]:
        """How items are verified and scored (the scope's method), from the assessment's configuration."""
        if not self.data.context.plan_items.items:
            return []
        conf, w = self.data.context.assessment, self.w
        weights = w.join([f"{w['sections'][part]['toc'] if part in w['sections'] else part} {conf['weights'][part]}"
                          for part in ("indicators", "tasks", "policies", "safeguards")])
        points = conf["points"]
        return [w("plan_items.method", on_track=conf["on_track_ratio"]),
                w("plan_items.method_scores", completed=points["completed"], on_track=points["on_track"],
                  on_track_final=conf.get("final_points", {}).get("on_track", points["on_track"]),
                  lagging=points["lagging"], weights=weights)]

    # ------------------------------------------------------------------ sections
    def tasks(self, section: Section) -> HTML:
        d, w = self.data, self.w
        catalogue = d.context.plan_items
        if not catalogue.items or d.task("task_items").empty:
            return self._render(section, empty=w["plan_items.empty"] if not catalogue.items
                                else w("plan_items.not_graded", year=d.year))
        if not d.is_city:
            return self._county_items(section)
        groups = [(key, title) for key, title in catalogue.groups.items() if self._items("task", key)]
        parts = [{"heading": w("plan_items.group_heading", numeral=w.numeral(n), title=title),
                  "table": self._items_table(w("plan_items.table", group=title, year=d.year), self._items("task", key))}
                 for n, (key, title) in enumerate(groups, 1)]
        ledger = self._ledger_note()
        agree = w["plan_items.no_self_grades" if ledger else "plan_items.no_discrepancies"]
        intro = w("plan_items.intro", year=d.year, method=self._section_title("scope"),
                  appendix=self.appendices()["progress"])
        return self._render(section, intro=intro + ledger, parts=parts,
                            discrepancies=self._discrepancies(), no_discrepancies=agree,
                            discrepancies_intro=w["plan_items.discrepancies_intro"])

    def _county_items(self, section: Section) -> HTML:
        """A county report: the items the county government reported, its own grades beside the city's."""
        from helpers.report.sections import Cell

        d, w = self.data, self.w
        rows = d.task("task_departments")
        own = rows[rows["department"] == self._government()]
        verified = self._verified()
        table_rows = []
        for _, r in own.iterrows():
            item = d.context.plan_items.item(r["item"])
            progress = excerpt(_text(r["progress"]), SHORT_PROGRESS, w["plan_items.more"])
            table_rows.append([item.id, Cell(item.title, "text"), self._grade_cell(r["self_grade"]),
                               self._grade_cell(r["verified_grade"]),
                               self._grade_cell(verified.loc[item.id, "verified_grade"]), Cell(progress, "text")])
        table = self._table(w("plan_items.table", group=d.area_name, year=d.year),
                            self._columns("plan_items.county_columns", [7, 19, *[GRADE_WIDTH] * 3, 32]),
                            table_rows) if table_rows else None
        none = w("plan_items.county_unassessable", reason=self._absent_reason(LEDGER), area_name=d.area_name,
                 year=d.year) if self._absent(LEDGER) else w("plan_items.none_county", area_name=d.area_name,
                                                              year=d.year)
        return self._render(section, intro=w("plan_items.intro_county", area_name=d.area_name,
                                             appendix=self.appendices()["progress"]),
                            parts=[{"heading": "", "table": table}] if table is not None else [],
                            empty=None if table is not None else none)

    def _flagship_items(self) -> Markup | None:
        """All nine 专栏 with their verified grade and what the grade rests on."""
        from helpers.report.sections import Cell

        d, w = self.data, self.w
        items = self._items("flagship")
        if not items or d.task("task_items").empty:
            return None
        verified, commitments = self._verified(), d.task("task_commitments")
        rows = []
        for item in items:
            row = verified.loc[item.id]
            quantified = commitments[(commitments["item"] == item.id) & (commitments["kind"] == "quantified")]
            basis = w.join([self._basis(r) for _, r in quantified.iterrows()])
            rows.append([w("flagship.column", column=item.column), Cell(item.title, "text"), item.task or "",
                         self._grade_cell(row["self_grade"]), self._grade_cell(row["verified_grade"]),
                         Cell(self._grade_parts(item.id) or basis or self._progress_of(item.id)
                              or (self._not_reported(item.id) if d.is_city else w["missing"]), "text")])
        return self._table(self._scoped("plan_items.flagship_table", year=d.year),
                           self._columns("plan_items.flagship_columns", [8, 21, 9, GRADE_WIDTH, GRADE_WIDTH, 34]), rows)

    def _flagship_items_intro(self) -> str:
        return self._area_text("plan_items.flagship_intro", year=self.data.year)

    def safeguards(self, section: Section) -> HTML:
        d, w = self.data, self.w
        items = self._items("safeguard")
        if not items or d.task("task_items").empty:
            return self._render(section, empty=w["plan_items.empty"] if not items
                                else w("plan_items.not_graded", year=d.year))
        return self._render(section, intro=self._area_text("plan_items.safeguards_intro", year=d.year)
                            + self._ledger_note(),
                            parts=[{"heading": "", "table": self._items_table(
                                self._scoped("plan_items.safeguards_table", year=d.year), items)}])

    def policies(self, section: Section) -> HTML:
        from helpers.report.sections import Cell

        d, w = self.data, self.w
        commitments = d.task("task_commitments")
        policy = commitments[commitments["kind"] == "policy"]
        if policy.empty:
            return self._render(section, empty=w["plan_items.empty"])
        catalogue = d.context.plan_items
        rows = []
        for _, r in policy.iterrows():
            item = catalogue.item(r["item"])
            document = item.commitments[int(r["commitment"]) - 1].document
            issued = r["grade"] == "completed"
            status = self._grade_cell(UNASSESSABLE) if REGISTER in codes(r["missing"]) else Cell(
                w["plan_items.issued"] if issued else w["plan_items.not_issued"],
                *self._grade_style("completed" if issued else "lagging"))
            rows.append([f"{item.id} {item.title}", Cell(document or r["text"], "text"), status,
                         Cell(self._basis(r), "text")])
        issued = int((policy["grade"] == "completed").sum())
        table = self._table(self._scoped("plan_items.policies_table", year=d.year),
                            self._columns("plan_items.policies_columns", [22, 30, 10, 38]), rows,
                            row_header=1)  # the document, not the task it belongs to, names the row
        intro = w("plan_items.policies_unassessable", count=len(policy), reason=self._absent_reason(REGISTER)) \
            if self._absent(REGISTER) else self._area_text("plan_items.policies_intro", count=len(policy),
                                                           issued=issued, year=d.year)
        return self._render(section, intro=intro, parts=[{"heading": "", "table": table}])

    def goals(self, section: Section) -> HTML:
        from helpers.report.sections import Cell

        d, w = self.data, self.w
        goals = d.task("goals")
        if goals.empty:
            return self._render(section, empty=w["plan_items.empty"])
        history, benchmark = d.task("goals", every_year=True), d.official["benchmark"]
        catalogue = {goal.id: goal for goal in d.context.plan_items.goals}
        peers = d.context.official.peer_name
        rows = [[Cell(r["text"], "text"), goal_outcome(r, w),
                 Cell(goal_series(r, history, catalogue[r["goal"]], benchmark, w) or w["missing"], "text"),
                 Cell(goal_reason(r, catalogue[r["goal"]], peers, w) or "", "text")] for _, r in goals.iterrows()]
        table = self._table(self._scoped("plan_items.goals_table"),
                            self._columns("plan_items.goals_columns", [26, 14, 36, 24]), rows)
        first = int(goals["first_year"].iloc[0])
        intro = self._area_text("plan_items.goals_intro", first_year=first, latest_year=d.year)
        return self._render(section, intro=intro, parts=[{"heading": "", "table": table}])

    def departments(self, section: Section) -> HTML:
        """责任单位履职情况 (city report): items led, rows this year, years reported, evidence completeness, and
        items whose self-grade is above the verified one."""
        d, w = self.data, self.w
        if not d.is_city or not d.context.plan_items.items:
            return HTML("")
        if self._absent(LEDGER):
            return self._render(section, empty=w("plan_items.departments_unassessable",
                                                 reason=self._absent_reason(LEDGER), year=d.year))
        every = d.task("task_departments", every_year=True)
        every = every[every["year"] <= d.year]
        now = every[every["year"] == d.year]
        first_year = d.plan.base_year + 1
        rows = []
        for department in d.context.plan_items.departments:
            if department in d.context.plan_items.county_departments.values():
                continue
            led = sum(1 for item in self._items() if item.departments and item.departments[0] == department)
            mine, history = now[now["department"] == department], every[every["department"] == department]
            claims = mine[mine["self_grade"].isin(["completed", "on_track"])]
            supported = claims[claims["verified_grade"] != "unverified"]
            above = int((mine["verified_grade"].map(RANK) > mine["self_grade"].map(RANK)).sum())
            if not led and history.empty:
                continue
            rows.append([department, str(led), str(len(mine)),
                         w("plan_items.years_reported", reported=history["year"].nunique(),
                           expected=d.year - first_year + 1),
                         percent(len(supported) / len(claims)) if len(claims) else w["missing"], str(above)])
        table = self._table(w("plan_items.departments_table", year=d.year),
                            self._columns("plan_items.departments_columns", [34, 11, 11, 14, 15, 15]), rows,
                            css="numbers")
        return self._render(section, intro=w("plan_items.departments_intro", year=d.year),
                            parts=[{"heading": "", "table": table}])

    # ------------------------------------------------------------------ appendix
    def _missing_none(self) -> str:
        """What the evidence appendix says when it lists nothing: all found, or nothing to check without a ledger."""
        if self._absent(LEDGER):
            return self.w("plan_items.missing_unassessable", reason=self._absent_reason(LEDGER))
        return self.w["plan_items.missing_none"]

    def _progress_none(self) -> str:
        """What the progress appendix says when it lists nothing: no text reported, or no ledger to report it."""
        if self._absent(LEDGER):
            return self.w("plan_items.unassessable", reason=self._absent_reason(LEDGER))
        return self.w["plan_items.progress_none"]

    def _missing_evidence_table(self) -> Markup | None:
        """佐证材料缺失清单: claims of this year without evidence, or whose evidence was not found."""
        from helpers.report.sections import Cell

        d, w = self.data, self.w
        rows = d.task("task_departments")
        if not d.is_city:
            rows = rows[rows["area_code"] == d.area_code]
        missing = rows[rows["verified_grade"] == "unverified"]
        if missing.empty:
            return None
        catalogue = d.context.plan_items
        table = [[r["department"], Cell(f"{r['item']} {catalogue.item(r['item']).title}", "text"),
                  self._grade_label(r["self_grade"]), Cell(missing_evidence(r, w).replace("\n", "；"), "text")]
                 for _, r in missing.sort_values(["department", "item"]).iterrows()]
        return self._table(w("plan_items.missing_table", year=d.year),
                           self._columns("plan_items.missing_columns", [24, 30, 12, 34]), table)

    def _progress_table(self) -> Markup | None:
        """The departments' progress texts of this year, in full."""
        from helpers.report.sections import Cell

        d, w = self.data, self.w
        rows = d.task("task_departments")
        if not d.is_city:
            rows = rows[rows["area_code"] == d.area_code]
        if rows.empty:
            return None
        ordered = rows.sort_values(["item", "department"])
        table = [[r["item"], r["department"], self._grade_label(r["self_grade"]),
                  Cell(_text(r["progress"]), "text")] for _, r in ordered.iterrows()]
        return self._table(w("plan_items.progress_table", year=d.year),
                           self._columns("plan_items.progress_columns", [8, 20, 12, 60]), table, css="progress")
