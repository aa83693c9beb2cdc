"""The evaluators' own judgement in a report (plan-assessment.md §4): what no data can say — 总体评价, 原因分析,
典型经验, 规划调整建议 and, in the final evaluation, 十五五建议 — written as one Markdown file per slot, year and area,
`<assessor_dir>/<year>/<area code>/<slot>.md`, and placed at the end of its section. Markdown is rendered with raw
HTML, images and links disabled, so an evaluator's text can neither inject markup nor point or fetch outside the
report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markupsafe import Markup

_MARKDOWN = MarkdownIt("commonmark", {"html": False}).disable(["image", "link", "autolink"])


@dataclass(frozen=True)
class Slot:
    """One of the evaluators' texts: its id (the file's name), the section it closes, whether only the final
    evaluation asks for it."""

    id: str
    section: str
    final_only: bool = False

    @classmethod
    def all_of(cls, report: dict[str, Any]) -> list[Slot]:
        return [cls(s["id"], s["section"], bool(s.get("final_only"))) for s in report.get("assessor_slots", [])]


def wanted(slots: list[Slot], year: int, target_year: int) -> list[Slot]:
    """The slots a report of `year` asks for (the final-only ones in the plan's target year)."""
    return [slot for slot in slots if not slot.final_only or year >= target_year]


def slot_path(folder: Path, year: int, area_code: str, slot: Slot) -> Path:
    return Path(folder) / str(year) / area_code / f"{slot.id}.md"


def texts(folder: Path, year: int, area_code: str, slots: list[Slot], target_year: int) -> dict[str, str | None]:
    """Each wanted slot's Markdown (None where its file is missing or blank)."""
    out = {}
    for slot in wanted(slots, year, target_year):
        path = slot_path(folder, year, area_code, slot)
        try:
            text = path.read_text(encoding="utf-8-sig").strip() if path.is_file() else ""
        except (OSError, UnicodeDecodeError):
            text = ""
        out[slot.id] = text or None
    return out


def missing(folder: Path, jobs: list[tuple[int, str]], slots: list[Slot], target_year: int) -> list[Path]:
    """The slot files the reports of `jobs` (year, area code) ask for that are missing or blank."""
    return [slot_path(folder, year, area, slot) for year, area in jobs
            for slot_id, text in texts(folder, year, area, slots, target_year).items() if text is None
            for slot in slots if slot.id == slot_id]


def as_html(markdown: str) -> Markup:
    """An evaluator's Markdown as HTML: raw HTML in it is shown as text, images are not fetched."""
    return Markup(_MARKDOWN.render(markdown))
