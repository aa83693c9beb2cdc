"""The evaluators' own judgement in a report (plan-assessment.md §4): what no data can say — 总体评价, 原因分析,
典型经验, 规划调整建议 and, in the final evaluation, 十五五建议 — written as one Markdown file per slot, year and area,
`<assessor_dir>/<year>/<area code>/<slot>.md`, and placed at the end of its section. Markdown is rendered with raw
HTML, images and links disabled, so an evaluator's text can neither inject markup nor point or fetch outside the
report. A file is read in UTF-8 (with or without BOM) or GBK/GB18030, as the cleaner reads tables, up to report.yaml
`assessor_max_kb`; a file it cannot read is an AssessorError naming it, never a missing text."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markupsafe import Markup

from helpers.indicators import EvaluationError

_MARKDOWN = MarkdownIt("commonmark", {"html": False}).disable(["image", "link", "autolink"])


class AssessorError(EvaluationError):
    """An evaluator's file that cannot be shown (too large, not text in a known encoding): a message naming it."""


@dataclass(frozen=True)
class Slot:
    """One of the evaluators' texts: its id (the file's name), the section it closes, whether only the final
    evaluation asks for it, the largest file it takes (bytes)."""

    id: str
    section: str
    final_only: bool = False
    max_bytes: int = 0  # 0: no limit

    @classmethod
    def all_of(cls, report: dict[str, Any]) -> list[Slot]:
        limit = int(report.get("assessor_max_kb") or 0) * 1024
        return [cls(s["id"], s["section"], bool(s.get("final_only")), limit) for s in report.get("assessor_slots", [])]


def wanted(slots: list[Slot], year: int, target_year: int) -> list[Slot]:
    """The slots a report of `year` asks for (the final-only ones in the plan's target year)."""
    return [slot for slot in slots if not slot.final_only or year >= target_year]


def slot_path(folder: Path, year: int, area_code: str, slot: Slot) -> Path:
    return Path(folder) / str(year) / area_code / f"{slot.id}.md"


def read(path: Path, slot: Slot) -> str | None:
    """The Markdown of a slot's file (None when missing or blank); an AssessorError naming the file when it is larger
    than the slot takes (the PDF's layout time grows faster than the text) or cannot be read as text."""
    from helpers.cleaning.inputs import FileRejected
    from helpers.cleaning.readers import detect_encoding

    if not path.is_file():
        return None
    try:
        size = path.stat().st_size
        if slot.max_bytes and size > slot.max_bytes:
            raise AssessorError(f"评估组意见文件过大：{path}（{size / 1024:,.0f} KB，上限 {slot.max_bytes // 1024} KB，"
                                "report.yaml assessor_max_kb）：请精简，图表和附件不放在意见中")
        data = path.read_bytes()
        text = data.decode(detect_encoding(data))
    except (FileRejected, UnicodeDecodeError) as problem:
        why = (f"第 {problem.start} 字节起不是 {problem.encoding} 编码" if isinstance(problem, UnicodeDecodeError)
               else str(problem))
        raise AssessorError(f"评估组意见文件 {path} 无法按文本读取（{why}）：编码应为 UTF-8 或 GBK/GB18030，"
                            "请另存为 UTF-8") from None
    except OSError as problem:
        raise AssessorError(f"评估组意见文件 {path} 无法读取：{problem.strerror or problem}") from None
    return text.strip() or None


def texts(folder: Path, year: int, area_code: str, slots: list[Slot], target_year: int) -> dict[str, str | None]:
    """Each wanted slot's Markdown (None where its file is missing or blank; see `read`)."""
    return {slot.id: read(slot_path(folder, year, area_code, slot), slot) for slot in wanted(slots, year, target_year)}


def missing(folder: Path, jobs: list[tuple[int, str]], slots: list[Slot], target_year: int) -> list[Path]:
    """The slot files the reports of `jobs` (year, area code) ask for that are missing or blank."""
    return [slot_path(folder, year, area, slot) for year, area in jobs
            for slot_id, text in texts(folder, year, area, slots, target_year).items() if text is None
            for slot in slots if slot.id == slot_id]


def as_html(markdown: str) -> Markup:
    """An evaluator's Markdown as HTML: raw HTML in it is shown as text, images are not fetched."""
    return Markup(_MARKDOWN.render(markdown))
