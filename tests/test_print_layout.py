"""The PDF as it prints, measured on its text boxes (pypdf): nothing past the right rule of the text and its
tables, no nearly blank page, no heading or lead-in line left alone at a page bottom, file names broken only
between their parts."""

from __future__ import annotations

import functools
import html as markup
import re
from pathlib import Path
from typing import NamedTuple

import pytest
from pypdf import PdfReader
from pypdf.generic import ArrayObject

from conftest import CONTEXT
from helpers.report import Words
from helpers.report.core import title_lines

pytestmark = pytest.mark.e2e  # every test reads a PDF printed by WeasyPrint

CITY, ZIJIN = "441600", "441621"
MM = 72 / 25.4
WORDS = CONTEXT.words("zh")
MARGIN = {"top": 22 * MM, "right": 18 * MM, "bottom": 20 * MM, "left": 18 * MM}  # report.css @page


@pytest.fixture(scope="module", params=[(2023, CITY), (2025, CITY), (2025, ZIJIN)], ids=lambda p: f"{p[0]}-{p[1]}")
def pdf(request: pytest.FixtureRequest, rendered: dict) -> Path:
    """A mid-term city report, a final city report (its trend table) and a final county report (its task table),
    printed through the runner (conftest, once a session)."""
    return rendered[request.param]["pdf"]


def _widths(font: dict) -> tuple[dict[int, float], float]:
    """Glyph advances (1/1000 em) of a CID font by glyph id, and its default."""
    descendant = font["/DescendantFonts"][0].get_object()
    table, w, i = {}, descendant.get("/W", []), 0
    while i < len(w):
        if isinstance(w[i + 1], ArrayObject):
            table.update({int(w[i]) + k: float(v) for k, v in enumerate(w[i + 1])})
            i += 2
        else:
            table.update({c: float(w[i + 2]) for c in range(int(w[i]), int(w[i + 1]) + 1)})
            i += 3
    return table, float(descendant.get("/DW", 1000))


class _Forms:
    """Where pypdf's walk of a page is: on the page itself (depth 0) or inside a form XObject it draws (WeasyPrint
    draws each chart as one; pypdf reports the text inside in the form's own coordinates, and flushes the page's
    pending text at `Do` before entering). Also the box of each form and image the page draws, on the page."""

    def __init__(self, page: object) -> None:
        self.objects = page["/Resources"].get("/XObject") or {}
        self.depth, self.entering = 0, False
        self.boxes: list[tuple[float, float, float]] = []

    def before(self, operator: bytes, args: list, cm: list) -> None:
        if self.entering:  # the first operator inside the form
            self.depth, self.entering = self.depth + 1, False
        if operator == b"Do":
            self.entering = True
            if self.depth == 0:
                xobject = self.objects[args[0]].get_object()
                x0, y0, x1, y1 = (float(v) for v in xobject.get("/BBox", [0, 0, 1, 1]))
                a, b, c, d, e, f = (float(v) for v in xobject.get("/Matrix", [1, 0, 0, 1, 0, 0]))
                corners = [(a * x + c * y + e, b * x + d * y + f) for x in (x0, x1) for y in (y0, y1)]
                xs = [x * cm[0] + y * cm[2] + cm[4] for x, y in corners]
                self.boxes.append((min(xs), max(xs), 0.0))

    def after(self, operator: bytes) -> None:
        if operator == b"Do":
            self.depth -= 0 if self.entering else 1  # an image, or a form with nothing inside: never entered
            self.entering = False


class Page(NamedTuple):
    """What the tests read of one printed page: its text, its text runs, its body lines and its size."""

    text: str
    runs: list[tuple[float, float, float]]
    lines: list[tuple[float, str]]
    width: float
    height: float


def _read(page: object) -> Page:
    """One pass over the page's content: its text (pypdf's), each text run as (x0, x1, y) — start and end of its
    advance, baseline; from the TJ/Tj operators and the fonts' glyph widths, so the right end is where the ink ends,
    not where a parser guesses — and its text lines in the body (between the running head and foot) as (baseline,
    text), top down. A chart (the form XObjects WeasyPrint draws it with) counts as its box among the runs, its text
    not among the page's lines."""
    fonts = page["/Resources"]["/Font"]
    height = float(page.mediabox.height)
    cache: dict[str, tuple[dict[int, float], float]] = {}
    state: dict[str, object] = {"font": None, "size": 0.0, "spacing": 0.0}
    runs: list[tuple[float, float, float]] = []
    found: dict[float, list[tuple[float, str]]] = {}
    forms = _Forms(page)

    def before(operator: bytes, args: list, cm: list, tm: list) -> None:
        forms.before(operator, args, cm)
        if forms.depth:
            return
        if operator == b"Tf":
            state["font"], state["size"] = args[0], float(args[1])
        elif operator == b"Tc":
            state["spacing"] = float(args[0])
        elif operator in (b"TJ", b"Tj"):
            name = state["font"]
            if name not in cache:
                cache[name] = _widths(fonts[name].get_object())
            table, default = cache[name]
            advance = 0.0
            for part in args[0] if operator == b"TJ" else [args[0]]:
                if isinstance(part, (int, float)) or hasattr(part, "as_numeric"):
                    advance -= float(part) / 1000 * state["size"]
                    continue
                raw = bytes(part)
                for k in range(0, len(raw), 2):
                    advance += table.get(int.from_bytes(raw[k:k + 2], "big"), default) / 1000 * state["size"]
                    advance += state["spacing"]
            x0 = tm[4] * cm[0] + cm[4]
            runs.append((x0, x0 + advance * tm[0] * cm[0], tm[5] * cm[3] + cm[5]))

    def visit(text: str, cm: list, tm: list, font: object, size: float) -> None:
        y = round(tm[5] * cm[3] + cm[5], 0)
        if text.strip() and not forms.depth and MARGIN["bottom"] < y < height - MARGIN["top"]:
            found.setdefault(y, []).append((tm[4] * cm[0] + cm[4], text.strip()))

    text = page.extract_text(visitor_operand_before=before, visitor_text=visit,
                             visitor_operand_after=lambda operator, args, cm, tm: forms.after(operator))
    lines = [(y, "".join(t for _, t in sorted(parts))) for y, parts in sorted(found.items(), reverse=True)]
    return Page(text, runs + forms.boxes, lines, float(page.mediabox.width), height)


@functools.cache
def _pages(pdf: Path) -> list[Page]:
    """The PDF's pages, each read once for all the tests."""
    return [_read(page) for page in PdfReader(pdf).pages]


def test_no_text_past_the_right_rule(pdf: Path) -> None:
    for number, page in enumerate(_pages(pdf), 1):
        right = page.width - MARGIN["right"]
        for x0, x1, _ in page.runs:
            assert MARGIN["left"] - 0.5 <= x0 and x1 <= right + 0.5, f"page {number}: text from {x0:.1f} to {x1:.1f}"


def test_no_nearly_blank_page(pdf: Path) -> None:
    pages = _pages(pdf)
    for number, page in enumerate(pages, 1):
        if number <= 2 or number == len(pages):  # the cover, the contents and the end may be short
            continue
        height, lines = page.height, page.lines
        body = height - MARGIN["top"] - MARGIN["bottom"]
        used = (height - MARGIN["top"] - min(y for y, _ in lines)) / body if lines else 0
        assert used >= 0.25, f"page {number} is {used:.0%} filled: {[t for _, t in lines][:3]}"


def test_no_heading_or_lead_in_alone_at_a_page_bottom(pdf: Path) -> None:
    html = pdf.with_suffix(".html").read_text(encoding="utf-8")
    headings = {re.sub(r"<[^>]+>|\s", "", h) for h in re.findall(r"<h[2-4][^>]*>(.*?)</h[2-4]>", html, re.S)}
    for number, page in enumerate(_pages(pdf)[:-1], 1):
        lines = page.lines
        if not lines:
            continue
        last = re.sub(r"\s", "", lines[-1][1])
        assert last not in headings, f"page {number} ends with the heading 「{last}」"
        assert not last.endswith("："), f"page {number} ends with a lead-in 「{last}」 whose table is overleaf"


def test_file_names_break_only_between_their_parts(pdf: Path) -> None:
    text = "\n".join(page.text for page in _pages(pdf))
    names = set(re.findall(r"synthetic_\w+\.[a-z]+", text.replace("\n", "")))
    assert names, "the sample's unreadable files are listed in the appendix"
    for name in names:
        pattern = "\n?".join(re.escape(c) for c in name)
        for found in re.finditer(pattern, text):
            for at in (i for i, c in enumerate(found[0]) if c == "\n"):
                before, after = found[0][at - 1], found[0][at + 1]
                assert before in "/_-" or after == ".", f"{name} broken between 「{before}」 and 「{after}」"


def test_table_headers_and_statuses_break_only_where_they_are_meant_to(pdf: Path) -> None:
    """Every header cell breaks at its explicit line breaks only, and a status or grade cell after its symbol only: no
    line of the PDF holds a piece of a header or status word (「本县（区）核」 of 「本县（区）核实」, 「超序时进」 of
    「▲ 超序时进度」)."""
    page = re.sub(r"<details.*?</details>", "", pdf.with_suffix(".html").read_text(encoding="utf-8"), flags=re.S)
    words = set()  # the headers of the printed tables (a chart's numbers are on screen only)
    for cell in re.findall(r"<th scope=\"col\"[^>]*>(.*?)</th>|<td class=\"(?:status|grade)[^>]*>(.*?)</td>", page,
                           re.S):
        cell = "".join(cell)
        words |= {w for w in re.split(r"\s", markup.unescape(re.sub(r"<[^>]+>", "", cell))) if len(w) >= 2}
    text = "\n".join(page.text for page in _pages(pdf))
    pieces = {(token, word) for line in text.splitlines() for token in line.split() for word in words
              if token not in words and len(token) >= 2 and re.search(r"[\u4e00-\u9fff]", token)
              and word.startswith(token) and token != word}
    assert not pieces, sorted(pieces)


def test_the_text_of_adjacent_status_cells_stays_apart(pdf: Path) -> None:
    """A grade or status never runs into the next cell (「● 按计划推进● 按计划推进」): each fits its column, so the
    PDF's text keeps a gap between them."""
    words = {**WORDS["grades"], **WORDS["statuses"]}.values()
    symbols = "".join({*WORDS["grade_symbols"].values(), *(s["symbol"] for s in CONTEXT.plan.statuses.values())})
    joined = re.compile(f"(?:{'|'.join(map(re.escape, words))})[{re.escape(symbols)}]")
    for number, page in enumerate(_pages(pdf), 1):
        assert not joined.search(page.text), (number, joined.findall(page.text))


def test_the_cover_title_breaks_between_its_parts(pdf: Path) -> None:
    year = int(pdf.parent.name)
    lines = [text for _, text in _pages(pdf)[0].lines]
    title = title_lines(year, CONTEXT.plan, Words.of(CONTEXT, "zh"))
    assert title[0] in lines and title[1] in lines, lines  # 「（总结评估）报告」 whole, never 「（总结评/估）报告」
