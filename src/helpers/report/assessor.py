"""The evaluators' own judgement in a report (plan-assessment.md §4, conclusions.md §4): 总体评价, 主要成效,
经验做法, 问题与原因, 对策建议, and 规划调整建议 in the mid-term or 十五五建议 in the final evaluation — written as one
Markdown file per slot, year and area, `<assessor_dir>/<year>/<area code>/<slot>.md`, and placed at the end of its
section. A file whose front matter still marks it as the tool's draft (helpers.report.drafts) is shown marked 【初稿】
and refused by a final render. Markdown is rendered with raw HTML, images and links disabled, so an evaluator's text
can neither inject markup nor point or fetch outside the report; emphasis follows the CommonMark CJK-friendly
amendments, so that `**“一般”**水平` is bold in Chinese text. A file is read in UTF-8 (with or without BOM) or
GBK/GB18030, as the cleaner reads tables, up to report.yaml `assessor_max_kb`; a file it cannot read is an
AssessorError naming it, never a missing text."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import MethodType

from markdown_it import MarkdownIt
from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace
from markdown_it.rules_inline import emphasis
from markdown_it.rules_inline.state_inline import Scanned, StateInline
from markupsafe import Markup

from helpers.context import ConfError
from helpers.indicators import EvaluationError
from helpers.settings import Report as ReportSettings

# Code points of East Asian Width W that are emoji or symbols, not CJK text (the amendments leave out default emoji
# presentation characters; by block here: the symbols and dingbats of the BMP bar 〈〉, and the emoji planes).
_NOT_CJK = ((0x2300, 0x2328), (0x232B, 0x2BFF), (0x1F000, 0x1F1FF), (0x1F300, 0x1FAFF))


def _cjk(char: str) -> bool:
    """A CJK character (CommonMark CJK-friendly amendments §2.1): East Asian Width W, F or H, and not an emoji."""
    code = ord(char)
    return unicodedata.east_asian_width(char) in "WFH" and not any(low <= code <= high for low, high in _NOT_CJK)


def _punctuation(char: str) -> bool:
    return isMdAsciiPunct(ord(char)) or isPunctChar(char)


def _scan_delims(state: StateInline, start: int, can_split_word: bool) -> Scanned:
    """markdown-it's delimiter scan with the amended flanking rules: a run next to non-CJK punctuation (“ ” are such)
    still flanks when the character on its other side is CJK — `于**“一般”**水平` opens and closes. Text without CJK
    characters is scanned exactly as CommonMark says."""
    end = start
    while end < state.posMax and state.src[end] == state.src[start]:
        end += 1
    last = state.src[start - 1] if start > 0 else " "  # the ends of the line count as white space
    following = state.src[end] if end < state.posMax else " "
    last_space, next_space = isWhiteSpace(ord(last)), isWhiteSpace(ord(following))
    last_punct, next_punct = _punctuation(last), _punctuation(following)
    last_cjk, next_cjk = _cjk(last), _cjk(following)
    left = not next_space and (not next_punct or next_cjk or last_space or last_punct or last_cjk)
    right = not last_space and (not last_punct or last_cjk or next_space or next_punct or next_cjk)
    can_open = left and (can_split_word or not right or last_punct)
    can_close = right and (can_split_word or not left or next_punct)
    return Scanned(can_open, can_close, end - start)


def _emphasis(state: StateInline, silent: bool) -> bool:
    """markdown-it's emphasis rule, its delimiter runs scanned by `_scan_delims` (for this parse only)."""
    state.scanDelims = MethodType(_scan_delims, state)  # type: ignore[method-assign]
    return emphasis.tokenize(state, silent)


_MARKDOWN = MarkdownIt("commonmark", {"html": False}).disable(["image", "link", "autolink"])
_MARKDOWN.inline.ruler.at("emphasis", _emphasis)
_FRONT = re.compile(r"\A---[ \t]*\n((?:[ \t]*(?:[^\n:：]+[:：][^\n]*)?\n)*?)---[ \t]*(?:\n|\Z)")
_FIELD = re.compile(r"^\s*([^:：]+?)\s*[:：]\s*(.*?)\s*$")


class AssessorError(EvaluationError):
    """An evaluator's file that cannot be shown (too large, not text in a known encoding): a message naming it."""


@dataclass(frozen=True)
class Slot:
    """One of the evaluators' texts: its id (the file's name), the section it closes, the report modes that ask for
    it (empty: every mode), the largest file it takes (bytes)."""

    id: str
    section: str
    modes: tuple[str, ...] = ()
    max_bytes: int = 0  # 0: no limit

    @classmethod
    def all_of(cls, report: ReportSettings) -> list[Slot]:
        """The slots of report.yaml `assessor_slots`; an id that is not a plain file name is a ConfError."""
        limit = report.assessor_max_kb * 1024
        slots = [cls(s.id, s.section, tuple(s.modes), limit) for s in report.assessor_slots]
        bad = [slot.id for slot in slots if not re.fullmatch(r"[a-z][a-z0-9_]*", slot.id)]
        if bad:
            raise ConfError(f"report.yaml assessor_slots 的 id 用作文件名，只能含小写字母、数字和下划线：{bad}")
        return slots


def wanted(slots: list[Slot], mode: str) -> list[Slot]:
    """The slots a report of `mode` (evaluation.yaml `modes`: annual, midterm, final) asks for."""
    return [slot for slot in slots if not slot.modes or mode in slot.modes]


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


def texts(folder: Path, year: int, area_code: str, slots: list[Slot], mode: str) -> dict[str, str | None]:
    """Each slot's Markdown that a report of `year` in `mode` asks for (None where its file is missing or blank; see
    `read`)."""
    return {slot.id: read(slot_path(folder, year, area_code, slot), slot) for slot in wanted(slots, mode)}


def front_matter(text: str) -> tuple[dict[str, str], str]:
    """The fields of a slot text's front matter (`key: value` lines between two `---` lines at its top; the tool's
    drafts carry one, helpers.report.drafts) and the Markdown after it; a text without one: no fields and the text.
    Line ends of any system are read."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    match = _FRONT.match(text)
    if match is None:
        return {}, text
    return dict(m.groups() for line in match[1].splitlines() if (m := _FIELD.match(line))), text[match.end():]


def is_draft(text: str | None, report: ReportSettings) -> bool:
    """Whether a slot's text is still marked as the tool's draft (report.yaml `drafts.status` in its front matter)."""
    status = report.drafts.status
    return text is not None and front_matter(text)[0].get(status.key) == status.draft


@dataclass
class Review:
    """What keeps a final render from starting: slot files missing (or blank), still drafts, or unreadable."""

    missing: list[Path] = field(default_factory=list)
    drafts: list[Path] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # the message naming each file


def review(folder: Path, jobs: list[tuple[int, str]], report: ReportSettings,
           mode_of: Callable[[int], str]) -> Review:
    """Every slot file the reports of `jobs` (year, area code) ask for (`mode_of`: a year's report mode) that keeps a
    final render from starting, by what keeps it."""
    out, slots = Review(), Slot.all_of(report)
    for year, area in jobs:
        for slot in wanted(slots, mode_of(year)):
            path = slot_path(folder, year, area, slot)
            try:
                text = read(path, slot)
            except AssessorError as problem:
                out.unreadable.append(str(problem))
                continue
            if text is None or not front_matter(text)[1].strip():
                out.missing.append(path)
            elif is_draft(text, report):
                out.drafts.append(path)
    return out


def as_html(markdown: str) -> Markup:
    """An evaluator's Markdown as HTML: raw HTML in it is shown as text, images are not fetched."""
    return Markup(_MARKDOWN.render(markdown))
