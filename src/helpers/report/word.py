"""The Word edition of a report (`--formats docx`): the report's own sections — the HTML its templates generate,
the same that the page and the PDF show — turned into Word paragraphs, tables and pictures, in the layout of a
Chinese government document (GB/T 9704 as the model): A4 with its margins, the title, 一、（一）1. headings as Word's
heading styles (the navigation pane and the TOC field use them) in the GB/T faces by name, a TOC field with the page
numbers of a headless LibreOffice layout, the report's title in the header and page numbers in the footer, tables
with their header row repeated on every page and numbers right-aligned, charts as 300 dpi pictures with captions
(the PNG drawn from the same figure as the page's SVG, found in the chart store by that SVG).

The converter knows HTML, not sections: a new section or column needs nothing here. Every paragraph, run and table
gets a named style (report.yaml `word`), so a bureau's template restyles the document by its own styles of the same
names. Text from data is written as runs of text only: the document's field codes are its own (TOC, PAGEREF, PAGE).
A template is read without what reaches outside it (external relationships: a remote attachedTemplate, linked
pictures, hyperlinks; fields that fetch on opening or updating: INCLUDEPICTURE, INCLUDETEXT, LINK, DDE …), so that no
report made from it fetches anything or tells a server who opened it.
"""

from __future__ import annotations

import base64
import io
import posixpath
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as WordDocument
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import (
    WD_ALIGN_PARAGRAPH,
    WD_BREAK,
    WD_COLOR_INDEX,
    WD_LINE_SPACING,
    WD_TAB_ALIGNMENT,
    WD_TAB_LEADER,
)
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.oxml import serialize_part_xml
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from lxml import etree
from PIL import Image
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from helpers.context import ConfError, Context
from helpers.report.render import RenderError
from helpers.report.wording import Words
from helpers.settings import Language, Word

VOID = {"img", "br", "wbr", "col", "hr", "meta", "link", "input", "source"}
BLOCK = {"section", "div", "nav", "figure", "figcaption", "p", "h1", "h2", "h3", "h4", "h5", "h6", "ol", "ul", "li",
         "table", "blockquote", "pre", "hr", "header", "footer", "article", "main", "aside", "img"}
SCREEN_ONLY = {"details"}  # on screen only, hidden in print (a chart's numbers): the Word edition leaves it out too
HEADINGS = {"h1": 0, "h2": 1, "h3": 2, "h4": 3, "h5": 3, "h6": 3}  # 0: the title
ALIGN = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT,
         "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}
NUMBER = re.compile(r"[+\-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\s*[%‰]?[*＊]?|—")  # a cell right-aligned
COLOR = re.compile(r"color:\s*#([0-9a-fA-F]{6})\b")
WIDTH = re.compile(r"width:\s*([\d.]+)%")
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # characters XML cannot hold
SPACES = re.compile(r"[ \t\r\n\f]+")
# a template's fields that fetch content from outside the document when it is opened, printed or updated
FETCHING = {"INCLUDEPICTURE", "INCLUDETEXT", "INCLUDE", "IMPORT", "LINK", "DDE", "DDEAUTO"}
RELATIONSHIPS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True)
# schema order of the children this module adds where python-docx has no property for them
PPR = ["pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
       "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap", "overflowPunct",
       "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid", "spacing", "ind"]
RPR = ["rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike", "outline", "shadow",
       "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden", "color", "spacing", "w", "kern",
       "position", "sz", "szCs", "highlight", "u", "effect", "bdr", "shd", "fitText", "vertAlign", "rtl", "cs", "em",
       "lang"]
TRPR = ["cnfStyle", "divId", "gridBefore", "gridAfter", "wBefore", "wAfter", "cantSplit", "trHeight", "tblHeader"]
TBLPR = ["tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize", "tblW",
         "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar"]
TCPR = ["cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd"]
SECTPR = ["headerReference", "footerReference", "footnotePr", "endnotePr", "type", "pgSz", "pgMar", "paperSrc",
          "pgBorders", "lnNumType", "pgNumType"]
SETTINGS = ["writeProtection", "view", "zoom", "removePersonalInformation", "removeDateAndTime",
            "doNotDisplayPageBoundaries", "displayBackgroundShape", "printPostScriptOverText",
            "printFractionalCharacterWidth", "printFormsData", "embedTrueTypeFonts", "embedSystemFonts",
            "saveSubsetFonts", "saveFormsData", "mirrorMargins", "alignBordersAndEdges", "bordersDoNotSurroundHeader",
            "bordersDoNotSurroundFooter", "gutterAtTop", "hideSpellingErrors", "hideGrammaticalErrors",
            "activeWritingStyle", "proofState", "formsDesign", "attachedTemplate", "linkStyles",
            "stylePaneFormatFilter", "stylePaneSortMethod", "documentType", "mailMerge", "revisionView",
            "trackRevisions", "doNotTrackMoves", "doNotTrackFormatting", "documentProtection", "autoFormatOverride",
            "styleLockTheme", "styleLockQFSet", "defaultTabStop", "autoHyphenation", "consecutiveHyphenLimit",
            "hyphenationZone", "doNotHyphenateCaps", "showEnvelope", "summaryLength", "clickAndTypeStyle",
            "defaultTableStyle", "evenAndOddHeaders", "bookFoldRevPrinting", "bookFoldPrinting",
            "bookFoldPrintingSheets", "drawingGridHorizontalSpacing", "drawingGridVerticalSpacing",
            "displayHorizontalDrawingGridEvery", "displayVerticalDrawingGridEvery",
            "doNotUseMarginsForDrawingGridOrigin", "drawingGridHorizontalOrigin", "drawingGridVerticalOrigin",
            "doNotShadeFormData", "noPunctuationKerning", "characterSpacingControl", "printTwoOnOne",
            "strictFirstAndLastChars", "noLineBreaksAfter", "noLineBreaksBefore", "savePreviewPicture",
            "doNotValidateAgainstSchema", "saveInvalidXml", "ignoreMixedContent", "alwaysShowPlaceholderText",
            "doNotDemarcateInvalidXml", "saveXmlDataOnly", "useXSLTWhenSaving", "saveThroughXslt", "showXMLTags",
            "alwaysMergeEmptyNamespace", "updateFields"]


# ---------------------------------------------------------------------------------------------- HTML as a tree
@dataclass
class Node:
    """One HTML element: tag, attributes, children (elements and text)."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    def elements(self, *tags: str) -> Iterator[Node]:
        """Descendant elements with one of `tags`, in document order (not inside a matched one)."""
        for child in self.children:
            if isinstance(child, Node):
                if child.tag in tags:
                    yield child
                else:
                    yield from child.elements(*tags)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("root")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    """The HTML as a tree of Nodes (text unescaped)."""
    tree = _Tree()
    tree.feed(html)
    tree.close()
    return tree.root


# ---------------------------------------------------------------------------------------------- low-level XML
def _put(parent: Any, tag: str, order: list[str], **attrs: str) -> Any:  # noqa: ANN401 — lxml elements
    """`parent`'s child w:`tag` (replacing one there), placed in schema `order`, with attributes w:`attrs`."""
    old = parent.find(qn(f"w:{tag}"))
    if old is not None:
        parent.remove(old)
    element = OxmlElement(f"w:{tag}", {qn(f"w:{k}"): v for k, v in attrs.items()})
    later = {qn(f"w:{t}") for t in order[order.index(tag) + 1:]}
    following = next((child for child in parent if child.tag in later), None)
    if following is not None:
        following.addprevious(element)
    else:
        parent.append(element)
    return element


def _field(paragraph: Paragraph, instruction: str, shown: str = "", *, begin: bool = True, end: bool = True) -> None:
    """A complex field in `paragraph`: its instruction and the result shown until it is updated."""
    runs = []
    if begin:
        runs.append(OxmlElement("w:fldChar", {qn("w:fldCharType"): "begin"}))
        instr = OxmlElement("w:instrText", {qn("xml:space"): "preserve"})
        instr.text = f" {instruction} "
        runs += [instr, OxmlElement("w:fldChar", {qn("w:fldCharType"): "separate"})]
    if shown:
        text = OxmlElement("w:t", {qn("xml:space"): "preserve"})
        text.text = shown
        runs.append(text)
    if end:
        runs.append(OxmlElement("w:fldChar", {qn("w:fldCharType"): "end"}))
    for element in runs:
        run = OxmlElement("w:r")
        run.append(element)
        paragraph._p.append(run)


# ---------------------------------------------------------------------------------------------- styles
def _styles(doc: WordDocument, specs: dict[str, dict[str, Any]], keep: set[str], language: Language) -> None:
    """Create or set each style of `specs`, in order (a base before what is based on it); the styles named in
    `keep` (a reference template's own) are used as they are."""
    for name, spec in specs.items():
        if name in keep:
            continue
        kind = WD_STYLE_TYPE.CHARACTER if spec.get("type") == "character" else WD_STYLE_TYPE.PARAGRAPH
        style = doc.styles[name] if name in doc.styles else doc.styles.add_style(name, kind)
        style.hidden, style.quick_style = False, True
        if spec.get("base"):
            style.base_style = doc.styles[spec["base"]]
        _font(style.element.get_or_add_rPr(), spec, language)
        font = style.font
        if kind == WD_STYLE_TYPE.PARAGRAPH or "size" in spec:  # a paragraph style's size, not its template's
            font.size = Pt(_size(doc, name, specs))
        font.bold, font.italic = bool(spec.get("bold")), False
        font.color.rgb = RGBColor(0, 0, 0)
        if spec.get("highlight"):
            font.highlight_color = getattr(WD_COLOR_INDEX, spec["highlight"].upper())
        if kind == WD_STYLE_TYPE.PARAGRAPH:
            _paragraph_style(style, spec, _size(doc, name, specs))


def _font(rpr: Any, spec: dict[str, Any], language: Language) -> None:  # noqa: ANN401 — lxml element
    """The style's faces — `font` for Chinese text, `latin` for Latin text and numbers — each inherited on its own
    where not given (not the template's nor its theme's); the document's languages on a style based on none."""
    faces = dict.fromkeys(("ascii", "hAnsi", "cs"), spec["latin"]) if spec.get("latin") else {}
    if spec.get("font"):
        faces["eastAsia"] = spec["font"]
    fonts = _put(rpr, "rFonts", RPR, **faces)
    if not faces:
        rpr.remove(fonts)
    if spec.get("base") is None and spec.get("type") != "character":
        _put(rpr, "lang", RPR, val=language.latin, eastAsia=language.east_asia)


def _font_table(doc: WordDocument, fonts: dict[str, dict[str, str]]) -> None:
    """The font table's entry of each face the styles name and the table lacks: the face standing in where it is
    missing (altName), its PANOSE class, the GB2312 character set and its family, for Word's and WPS's substitution."""
    part = doc.part.part_related_by(RT.FONT_TABLE)
    table = parse_xml(part.blob)
    known = {font.get(qn("w:name")) for font in table.findall(qn("w:font"))}
    for name, spec in fonts.items():
        if name in known:
            continue
        font = OxmlElement("w:font", {qn("w:name"): name})
        for tag, value in (("altName", spec["alt"]), ("panose1", spec["panose"]), ("charset", "86"),
                           ("family", spec["family"])):
            font.append(OxmlElement(f"w:{tag}", {qn("w:val"): value}))
        table.append(font)
    part._blob = serialize_part_xml(table)


def _size(doc: WordDocument, name: str, specs: dict[str, dict[str, Any]]) -> float:
    """A style's font size in points, through its bases (for indents measured in characters)."""
    spec = specs.get(name, {})
    if "size" in spec:
        return float(spec["size"])
    return _size(doc, spec["base"], specs) if spec.get("base") else 16.0


def _paragraph_style(style: Any, spec: dict[str, Any], size: float) -> None:  # noqa: ANN401 — a python-docx style
    fmt = style.paragraph_format
    fmt.alignment = ALIGN[spec["align"]] if spec.get("align") else None
    fmt.space_before, fmt.space_after = Pt(spec.get("before", 0)), Pt(spec.get("after", 0))
    if spec.get("line"):
        fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(spec["line"])
    elif "line" in spec:
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    fmt.keep_with_next = bool(spec.get("keep"))
    ppr = style.element.get_or_add_pPr()
    for old in ppr.findall(qn("w:pBdr")):  # a template's rule under its title
        ppr.remove(old)
    indent = {}
    if spec.get("indent"):
        indent.update(firstLineChars=str(int(spec["indent"] * 100)), firstLine=str(int(spec["indent"] * size * 20)))
    if spec.get("left"):
        indent.update(leftChars=str(int(spec["left"] * 100)), left=str(int(spec["left"] * size * 20)))
    if indent:
        _put(ppr, "ind", PPR, **indent)
    if spec.get("outline"):
        fmt.keep_together = True
        ppr.get_or_add_outlineLvl().val = spec["outline"] - 1
    if spec.get("border"):
        border = _put(ppr, "pBdr", PPR)
        for side in ("top", "left", "bottom", "right"):
            border.append(OxmlElement(f"w:{side}", {qn("w:val"): "single", qn("w:sz"): "12", qn("w:space"): "4",
                                                   qn("w:color"): "000000"}))


def _table_style(doc: WordDocument, name: str, borders: bool) -> None:
    """A table style with single rules around and between the cells (or none) and narrow cell margins."""
    if name in doc.styles:
        return
    style = doc.styles.add_style(name, WD_STYLE_TYPE.TABLE)
    tblpr = style.element.find(qn("w:tblPr"))
    if tblpr is None:
        tblpr = OxmlElement("w:tblPr")
        style.element.append(tblpr)
    rules = _put(tblpr, "tblBorders", TBLPR)
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        rules.append(OxmlElement(f"w:{side}", {qn("w:val"): "single" if borders else "nil", qn("w:sz"): "4",
                                               qn("w:space"): "0", qn("w:color"): "000000"}))
    margins = _put(tblpr, "tblCellMar", TBLPR)
    for side in ("left", "right"):
        margins.append(OxmlElement(f"w:{side}", {qn("w:w"): "28", qn("w:type"): "dxa"}))  # 0.5 mm


# ---------------------------------------------------------------------------------------------- the converter
@dataclass(frozen=True)
class Run:
    """A piece of text with its run formatting."""

    text: str
    style: str | None = None
    bold: bool = False
    italic: bool = False
    color: str | None = None


@dataclass(frozen=True)
class Flow:
    """Where the converter is: the paragraph style of loose text, inside the TOC or an assessor's text."""

    style: str = "Body Text"
    nav: bool = False
    assessor: bool = False


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    bookmark: str


Pictures = Callable[[str], bytes]  # a chart's key in the chart store (its image's data-chart) → its PNG


class Edition:
    """One Word document built from a report's sections (HTML, in order): `add(html)` for each, then `save`.
    `pictures` gives the PNG of a chart the HTML embeds as SVG, by its key (helpers.report.charts.stored_png)."""

    def __init__(self, settings: Word, template: Path | None = None, pictures: Pictures | None = None) -> None:
        self.settings, self.pictures = settings, pictures
        self.doc = Document(_kept_inside(template)) if template else Document()
        body = self.doc.element.body
        for element in list(body):
            if element.tag != qn("w:sectPr"):
                body.remove(element)
        own = {s.name for s in self.doc.styles} if template else set()
        _styles(self.doc, settings.styles, own, settings.language)
        _font_table(self.doc, settings.fonts)
        for name, spec in settings.tables.items():
            _table_style(self.doc, spec["table"], name == "default")
        section = self.doc.sections[0]
        if template is None:
            page = settings.page
            section.page_width, section.page_height = Mm(page.width_mm), Mm(page.height_mm)
            section.top_margin, section.bottom_margin = Mm(page.top_mm), Mm(page.bottom_mm)
            section.left_margin, section.right_margin = Mm(page.left_mm), Mm(page.right_mm)
            section.footer_distance = Mm(page.footer_mm)
        self.width = section.page_width - section.left_margin - section.right_margin
        self.ids = {style.name: style.style_id for style in self.doc.styles}  # python-docx looks names up slowly
        self.headings: list[Heading] = []
        self.toc: Paragraph | None = None
        self.entries: list[tuple[Heading, Any]] = []  # the TOC's entries and their hyperlinks (lxml elements)
        self.clamp = False  # inside an assessor's text, after its slot's heading: headings go one level down

    # -------------------------------------------------------------- blocks
    def add(self, html: str) -> None:
        """One section of the report (its HTML)."""
        self._flow(parse(html), Flow())

    def _flow(self, node: Node, flow: Flow, prefix: str = "") -> None:
        """`node`'s children: runs of inline content become paragraphs of `flow.style`, blocks convert."""
        pending: list[Node | str] = []
        for child in node.children:
            if isinstance(child, Node) and child.tag in SCREEN_ONLY:
                continue
            if isinstance(child, Node) and child.tag in BLOCK:
                prefix = self._loose(pending, flow, prefix)
                pending = []
                self._block(child, flow, prefix)
                prefix = ""
            else:
                pending.append(child)
        self._loose(pending, flow, prefix)

    def _loose(self, nodes: list[Node | str], flow: Flow, prefix: str) -> str:
        """Inline content as one paragraph (none when blank); the prefix left over when nothing was written."""
        runs = self._runs(Node("span", children=nodes), Run(""))
        if not _visible(runs):
            return prefix
        self._paragraph(runs, flow.style, prefix)
        return ""

    def _block(self, node: Node, flow: Flow, prefix: str = "") -> None:
        tag, classes = node.tag, node.classes
        styled = next((self.settings.classes[c] for c in classes if c in self.settings.classes), None)
        if tag in HEADINGS:
            self._heading(node, flow)
        elif tag == "p":
            self._paragraph(self._runs(node, Run("")), styled or flow.style, prefix)
        elif tag in ("ol", "ul") and flow.nav:
            self.toc = self._new("toc 1")
        elif tag in ("ol", "ul"):
            start = int(node.attrs.get("start", "1")) if node.attrs.get("start", "1").isdigit() else 1
            for n, item in enumerate(node.elements("li"), start=start):
                self._flow(item, replace(flow, style="列项"), f"{n}. " if tag == "ol" else "• ")
        elif tag == "table":
            self._table(node)
        elif tag == "figure":
            self._figure(node)
        elif tag == "img":
            self._picture(node)
        elif tag == "pre":
            self._paragraph(self._runs(node, Run(""), lines=True), flow.style, prefix)
        elif tag != "hr":
            inner = replace(flow, style=styled or flow.style, nav=flow.nav or tag == "nav",
                            assessor=flow.assessor or "assessor" in classes)
            if "assessor" in classes:
                self.clamp = False
            self._flow(node, inner, prefix)
            self._after(node)

    def _after(self, node: Node) -> None:
        """The cover ends its own Word section (no page number)."""
        if node.tag == "section" and "cover" in node.classes:
            self.doc.add_section(WD_SECTION.NEW_PAGE)

    def _heading(self, node: Node, flow: Flow) -> None:
        runs = self._runs(node, Run(""))
        if flow.nav:
            self._paragraph(runs, "TOC Heading")
            return
        level = HEADINGS[node.tag]
        if flow.assessor:
            level, self.clamp = (max(level, 3) if self.clamp else level), True
        paragraph = self._paragraph(runs, f"Heading {level}" if level else "Title")
        if level:
            mark = f"_Toc{len(self.headings) + 1:08d}"
            self.headings.append(Heading(level, paragraph.text, mark))
            _bookmark(paragraph, mark, len(self.headings))

    def _paragraph(self, runs: list[Run], style: str, prefix: str = "") -> Paragraph:
        paragraph = self._new(style)
        self._write(paragraph, [Run(prefix), *runs] if prefix else runs, style)
        return paragraph

    def _new(self, style: str, paragraph: Paragraph | None = None) -> Paragraph:
        """A new paragraph at the end of the document (or `paragraph`) in the named style."""
        paragraph = paragraph or self.doc.add_paragraph()
        paragraph._p.get_or_add_pPr().get_or_add_pStyle().val = self.ids[style]
        return paragraph

    def _figure(self, node: Node) -> None:
        """A chart (picture, caption below) or a table (caption above), kept with what follows it; a chart's data
        table (screen only) is left out."""
        parts = [c for c in node.children if isinstance(c, Node) and c.tag not in SCREEN_ONLY]
        for n, part in enumerate(parts):
            if part.tag == "figcaption":
                written = self._paragraph(self._runs(part, Run("")), "Caption")
            elif part.tag == "table":
                self._table(part)
                continue
            else:
                written = self._picture(next(part.elements("img"), part))
            if written is not None and n < len(parts) - 1:
                written.paragraph_format.keep_with_next = True

    def _picture(self, node: Node) -> Paragraph | None:
        """An embedded PNG or JPEG (data URL) at its own resolution, no wider than the text; a chart's SVG as its PNG
        (`pictures` of the chart's key)."""
        match = re.fullmatch(r"data:image/(png|jpeg|svg\+xml);base64,([A-Za-z0-9+/=\s]+)", node.attrs.get("src", ""))
        chart = node.attrs.get("data-chart")
        if match is None or (match[1] == "svg+xml" and (self.pictures is None or chart is None)):
            raise RenderError("Word 版只能嵌入 PNG/JPEG 图片或图表缓存中有 PNG 的图表")
        picture = self.pictures(chart) if match[1] == "svg+xml" else base64.b64decode(match[2])
        paragraph = self._new("图")
        shape = paragraph.add_run().add_picture(io.BytesIO(picture))
        if shape.width > self.width:
            shape.height, shape.width = int(shape.height * self.width / shape.width), self.width
        shape._inline.docPr.set("descr", _xml_text(node.attrs.get("alt", "")))
        return paragraph

    def _table(self, node: Node) -> None:
        """A Word table under its caption (kept with it): header rows (thead) repeated on every page, rows kept whole,
        column widths as the page's, numbers right-aligned; a row header (th in tbody) is a body cell, as it looks on
        the page. It starts a page with its header and first rows and ends one with its last rows (report.yaml
        `table_rows`): their paragraphs are kept with the next, as Word keeps rows together."""
        spec = next((self.settings.tables[c] for c in node.classes if c in self.settings.tables),
                    self.settings.tables["default"])
        caption = next(node.elements("caption"), None)
        if caption is not None:
            self._paragraph(self._runs(caption, Run("")), "Caption").paragraph_format.keep_with_next = True
        rows = [(row, section.tag == "thead") for section in node.elements("thead", "tbody", "tfoot", "tr")
                for row in ([section] if section.tag == "tr" else section.elements("tr"))]
        cells = [list(row.elements("th", "td")) for row, _ in rows]
        count = max((len(c) for c in cells), default=0)
        if not count:
            return
        widths = [float(m[1]) for col in node.elements("col") if (m := WIDTH.search(col.attrs.get("style", "")))]
        widths = widths or spec.get("widths", [])
        widths = widths if len(widths) == count else [100 / count] * count
        table = self.doc.add_table(rows=0, cols=count)
        table.style, table.alignment, table.autofit = spec["table"], WD_TABLE_ALIGNMENT.CENTER, False
        _put(table._tbl.tblPr, "tblW", TBLPR, w="5000", type="pct")
        for column, share in zip(table.columns, widths, strict=True):
            column.width = int(self.width * share / 100)
        body, keep = sum(not head for _, head in rows), self.settings.table_rows
        for n, ((_, head), row_cells) in enumerate(zip(rows, cells, strict=True)):
            row = table.add_row()
            trpr = row._tr.get_or_add_trPr()
            _put(trpr, "cantSplit", TRPR)
            if head:
                _put(trpr, "tblHeader", TRPR)
            for cell_node, cell, share in zip(row_cells, row.cells, widths, strict=False):
                self._cell(cell_node, cell, spec, int(self.width * share / 100), head)
            at = n - (len(rows) - body)  # the body row's place; negative in the header
            if n < len(rows) - 1 and (at < keep.first - 1 or at >= body - keep.last):
                for paragraph in (p for cell in row.cells for p in cell.paragraphs):
                    paragraph.paragraph_format.keep_with_next = True

    def _cell(self, node: Node, cell: Any, spec: dict[str, Any], width: int, header: bool) -> None:  # noqa: ANN401
        cell.width = width
        style = spec["header" if header else "cell"]
        paragraph = self._new(style, cell.paragraphs[0])
        self._write(paragraph, self._runs(node, self._format(node, Run("")), lines=header), style)
        if not header and NUMBER.fullmatch(paragraph.text.strip()):
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        if header and spec.get("header_fill"):
            _put(cell._tc.get_or_add_tcPr(), "shd", TCPR, val="clear", color="auto", fill=spec["header_fill"])

    # -------------------------------------------------------------- inline
    def _runs(self, node: Node, run: Run, lines: bool = False) -> list[Run]:
        """The text of `node` as runs: whitespace collapsed as HTML does (line breaks kept where `lines`, as the
        table headers' pre-line keeps them), bold, italic, colour and the run style of a class."""
        out: list[Run] = []
        previous: Node | str | None = None
        for child in node.children:
            if isinstance(child, Node) and isinstance(previous, Node) and previous.tag == child.tag == "span":
                out.append(replace(run, text="\u3000"))  # items side by side (a legend) apart, as on the page
            previous = child
            if isinstance(child, str):
                text = re.sub(r"[ \t\r\f]+", " ", child) if lines else SPACES.sub(" ", child)
                out.append(replace(run, text=text))
            elif child.tag == "br":
                out.append(replace(run, text="\n"))
            elif child.tag in ("img", "wbr"):
                continue
            else:
                out += self._runs(child, self._format(child, run), lines or child.tag == "pre")
        return out

    def _format(self, node: Node, run: Run) -> Run:
        """The formatting of text inside `node`: bold, italic, its colour, the run style of its class."""
        color = COLOR.search(node.attrs.get("style", ""))
        classes = self.settings.classes
        styled = next((classes[c] for c in node.classes if c in classes
                       and self.settings.styles.get(classes[c], {}).get("type") == "character"), None)
        return replace(run, bold=run.bold or node.tag in ("strong", "b"), italic=run.italic or node.tag in ("em", "i"),
                       color=color[1].upper() if color else run.color, style=styled or run.style)

    def _write(self, paragraph: Paragraph, runs: list[Run], style: str) -> None:
        """The runs into `paragraph` (of `style`), the paragraph's edges trimmed; a style with a highlight
        highlights them too (a client that ignores a style's highlight still shows it)."""
        runs = [r for r in runs if r.text]
        if runs:
            runs[0] = replace(runs[0], text=runs[0].text.lstrip(" \n"))
            runs[-1] = replace(runs[-1], text=runs[-1].text.rstrip(" \n"))
        highlight = self.settings.styles.get(style, {}).get("highlight")
        previous = ""
        for run in runs:
            text = _xml_text(run.text)
            if previous.endswith((" ", "\n")):
                text = text.lstrip(" ")
            if not text:
                continue
            previous = text
            for n, line in enumerate(text.split("\n")):
                target = paragraph.add_run(line.strip(" ") if "\n" in text else line)
                if n:
                    target._r.insert(0, OxmlElement("w:br"))  # the break before this line
                if run.style:
                    target._r.get_or_add_rPr().style = self.ids[run.style]
                target.bold, target.italic = run.bold or None, run.italic or None
                if run.color:
                    target.font.color.rgb = RGBColor.from_string(run.color)
                if highlight:
                    target.font.highlight_color = getattr(WD_COLOR_INDEX, highlight.upper())

    # -------------------------------------------------------------- the whole document
    def finish(self, title: str, running: str, author: str, now: datetime) -> WordDocument:
        """The TOC from the headings, the running header and the page numbers, the document's properties (`title`,
        `author`, created and modified `now`)."""
        self._fill_toc()
        self._header_and_footers(running)
        _put(self.doc.settings.element, "updateFields", SETTINGS, val="true")  # Word fills the TOC's page numbers
        _properties(self.doc, title, author, now, self.settings.language.east_asia)
        return self.doc

    def _fill_toc(self) -> None:
        """A TOC field over Heading 1–`toc_levels`, its result the headings as entries with PAGEREF page numbers
        (written by `paginate`; Word computes them on opening)."""
        if self.toc is None:
            return
        levels = self.settings.toc_levels
        entries = [h for h in self.headings if h.level <= levels]
        tab = self.width
        paragraph = self.toc
        for n, entry in enumerate(entries):
            if n:
                paragraph = _after(paragraph)
            self._new(f"toc {entry.level}", paragraph)
            paragraph.paragraph_format.tab_stops.add_tab_stop(tab, WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
            if n == 0:
                _field(paragraph, f'TOC \\o "1-{levels}" \\h \\z \\u', end=False)
            link = OxmlElement("w:hyperlink", {qn("w:anchor"): entry.bookmark, qn("w:history"): "1"})
            paragraph._p.append(link)
            for element in (OxmlElement("w:t"), OxmlElement("w:tab")):
                element.text = _xml_text(entry.text) if element.tag == qn("w:t") else None
                run = OxmlElement("w:r")
                run.append(element)
                link.append(run)
            _field(Paragraph(link, paragraph._parent), f"PAGEREF {entry.bookmark} \\h")
            self.entries.append((entry, link))
        _field(paragraph, "", begin=False)
        paragraph.add_run().add_break(WD_BREAK.PAGE)  # the table of contents has its page(s) to itself

    def _header_and_footers(self, running: str) -> None:
        """The report's title in the header; '— 1 —' in the footer, right on odd pages and left on even ones
        (GB/T 9704), counted from the first page after the cover. The cover has neither."""
        self.doc.settings.odd_and_even_pages_header_footer = True
        sections = self.doc.sections
        body = sections[-1]
        _put(body._sectPr, "pgNumType", SECTPR, start="1")
        for header in (body.header, body.even_page_header):
            header.is_linked_to_previous = False
            self._write(self._new("Header", header.paragraphs[0]), [Run(running)], "Header")
        before, _, after = self.settings.page_number.partition("{page}")
        size = _size(self.doc, "Footer", self.settings.styles)
        for footer, align, side in ((body.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"),
                                    (body.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left")):
            footer.is_linked_to_previous = False
            paragraph = footer.paragraphs[0]
            self._new("Footer", paragraph).alignment = align
            _put(paragraph._p.get_or_add_pPr(), "ind", PPR, **{f"{side}Chars": "100", side: str(int(size * 20))})
            paragraph.add_run(before)
            _field(paragraph, "PAGE", "1")
            paragraph.add_run(after)
        for cover in sections[:-1]:
            for part in (cover.header, cover.even_page_header, cover.footer, cover.even_page_footer):
                part.is_linked_to_previous = False

    def paginate(self, soffice: str, timeout: float) -> None:
        """The TOC's page numbers as LibreOffice lays the document out: a copy (its pictures one pixel each, at
        their size; the entries' numbers two digits wide) converted to PDF headless; the page of each heading is
        its bookmark in the PDF's outline, numbered as the footer of that page shows."""
        if not self.entries:
            return
        self._number_toc(dict.fromkeys((entry.bookmark for entry, _ in self.entries), "00"))
        with tempfile.TemporaryDirectory(prefix="docx-layout-") as folder:
            copy = Path(folder) / "layout.docx"
            _without_pixels(self.doc, copy)
            command = [soffice, f"-env:UserInstallation={(Path(folder) / 'profile').as_uri()}", "--headless",
                       "--norestore", "--convert-to", "pdf", "--outdir", folder, str(copy)]
            try:
                subprocess.run(command, check=True, capture_output=True, timeout=timeout)
                pages = _outline_pages(copy.with_suffix(".pdf"), self.settings.page_number)
            except (OSError, subprocess.SubprocessError, PyPdfError, ValueError) as problem:
                raise RenderError(f"LibreOffice 排版 Word 版以取得目录页码失败：{problem}") from problem
        numbers, found = {}, iter(pages)
        for entry, _ in self.entries:
            page = next((page for text, page in found if text == _squeeze(entry.text)), None)
            if page is None:
                raise RenderError(f"LibreOffice 排版的 Word 版中找不到目录条目「{entry.text}」")
            numbers[entry.bookmark] = str(page)
        self._number_toc(numbers)

    def _number_toc(self, numbers: dict[str, str]) -> None:
        """Each TOC entry's page number, the result of its PAGEREF field."""
        for entry, link in self.entries:
            separate = link.xpath("./w:r[w:fldChar/@w:fldCharType='separate']")[-1]
            shown = separate.getnext()
            if shown.find(qn("w:t")) is None:
                shown = OxmlElement("w:r")
                shown.append(OxmlElement("w:t"))
                separate.addnext(shown)
            shown.find(qn("w:t")).text = numbers[entry.bookmark]

    def save(self, out: Path) -> Path:
        out.parent.mkdir(parents=True, exist_ok=True)
        self.doc.save(str(out))
        return out


def _after(paragraph: Paragraph) -> Paragraph:
    """A new empty paragraph right after `paragraph`."""
    new = OxmlElement("w:p")
    paragraph._p.addnext(new)
    return Paragraph(new, paragraph._parent)


def _properties(doc: WordDocument, title: str, author: str, now: datetime, language: str) -> None:
    """This document's core properties only (title, author as creator and last editor, created and modified `now`,
    revision 1, language), none of the template's; and none of the template's other properties: its extended
    properties (application, template, counts), thumbnail and bibliography store are dropped."""
    core = doc.core_properties
    for element in list(core._element):
        core._element.remove(element)
    core.title, core.author, core.last_modified_by, core.language = title, author, author, language
    core.created = core.modified = now.astimezone(UTC).replace(microsecond=0)
    core.revision = 1
    for rels in (doc.part.package.rels, doc.part.rels):
        for rid in [rid for rid, rel in rels.items() if rel.reltype in (RT.EXTENDED_PROPERTIES, RT.THUMBNAIL,
                                                                             RT.CUSTOM_XML)]:
            del rels[rid]


def _without_pixels(doc: WordDocument, out: Path) -> None:
    """`doc` saved at `out` with every picture one white pixel: the layout is the same (a picture is placed at its
    size in the document), LibreOffice decodes and exports none of the charts."""
    buffer = io.BytesIO()
    doc.save(buffer)
    pixel = io.BytesIO()
    Image.new("L", (1, 1), 255).save(pixel, "PNG")
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for name in source.namelist():
            copy.writestr(name, pixel.getvalue() if name.startswith("word/media/") else source.read(name))


def _outline_pages(pdf: Path, page_number: str) -> list[tuple[str, int]]:
    """The PDF's outline — the headings in order, their text without white space — with the number each one's page
    shows in its footer (`page_number`; read on the first heading's page, the numbers run on from there)."""
    reader = PdfReader(pdf)

    def flat(items: list[Any]) -> Iterator[Any]:
        for item in items:
            yield from flat(item) if isinstance(item, list) else [item]

    marks = [(_squeeze(item.title), reader.get_destination_page_number(item)) for item in flat(reader.outline)]
    if not marks:
        raise ValueError("PDF 没有书签")
    first = marks[0][1]
    before, _, after = page_number.partition("{page}")
    footer = rf"{re.escape(before.strip())}\s*(\d+)\s*{re.escape(after.strip())}"
    shown = re.findall(footer, reader.pages[first].extract_text())
    if not shown:
        raise ValueError(f"PDF 第 {first + 1} 页的页脚没有页码")
    return [(text, page + int(shown[-1]) - first) for text, page in marks]


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _bookmark(paragraph: Paragraph, name: str, number: int) -> None:
    start = OxmlElement("w:bookmarkStart", {qn("w:id"): str(number), qn("w:name"): name})
    ppr = paragraph._p.pPr
    if ppr is not None:
        ppr.addnext(start)
    else:
        paragraph._p.insert(0, start)
    paragraph._p.append(OxmlElement("w:bookmarkEnd", {qn("w:id"): str(number)}))


def _visible(runs: list[Run]) -> bool:
    return any(r.text.strip(" \n") for r in runs)


def _xml_text(text: str) -> str:
    """Text an XML document can hold: control characters (from data) left out."""
    return NOT_XML.sub("", text)


# ---------------------------------------------------------------------------------------------- a template's parts
def _kept_inside(template: Path) -> io.BytesIO:
    """The template's package without its external relationships (and the elements naming them: a hyperlink keeps
    its text) and without fields that fetch from outside (FETCHING, with their cached results), in every part."""
    with zipfile.ZipFile(template) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    external: dict[str, set[str]] = {}  # part → ids of the external relationships it had
    for name, data in members.items():
        if name.endswith(".rels"):
            rels = etree.fromstring(data, SAFE_XML)
            gone = [rel for rel in rels if rel.get("TargetMode") == "External"]
            for rel in gone:
                rels.remove(rel)
            part = posixpath.join(posixpath.dirname(posixpath.dirname(name)), posixpath.basename(name)[:-5])
            external[part] = {rel.get("Id") for rel in gone}
            members[name] = etree.tostring(rels, xml_declaration=True, encoding="UTF-8", standalone=True)
    for name, data in members.items():
        if name.endswith(".xml") and (external.get(name) or b"instr" in data):
            root = etree.fromstring(data, SAFE_XML)
            _drop_fetching_fields(root)
            _drop_references(root, external.get(name, set()))
            members[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in members.items():
            target.writestr(name, data)
    out.seek(0)
    return out


def _drop_fetching_fields(root: Any) -> None:  # noqa: ANN401 — an lxml element
    """Remove the simple and complex fields whose instruction is one of FETCHING, with everything between a complex
    field's begin and end (its cached result: the fetched text or picture); nested fields are followed."""
    for simple in list(root.iter(qn("w:fldSimple"))):
        if _fetches(simple.get(qn("w:instr")) or ""):
            simple.getparent().remove(simple)
    open_fields: list[tuple[list[Any], list[str]]] = []  # per open field: its runs, its instruction's pieces
    doomed: list[Any] = []
    for run in list(root.iter(qn("w:r"))):
        char = run.find(qn("w:fldChar"))
        kind = char.get(qn("w:fldCharType")) if char is not None else None
        if kind == "begin":
            open_fields.append(([], []))
        if not open_fields:
            continue
        open_fields[-1][0].append(run)
        open_fields[-1][1].extend(text.text or "" for text in run.iter(qn("w:instrText")))
        if kind == "end":
            runs, instruction = open_fields.pop()
            if _fetches("".join(instruction)):
                doomed += runs
            elif open_fields:
                open_fields[-1][0].extend(runs)
    for run in doomed:
        run.getparent().remove(run)


def _fetches(instruction: str) -> bool:
    words = instruction.split()
    return bool(words) and words[0].upper() in FETCHING


def _drop_references(root: Any, ids: set[str]) -> None:  # noqa: ANN401 — an lxml element
    """Remove the elements that name one of the relationships `ids` (a w:hyperlink only loses the reference)."""
    for element in list(root.iter()):
        names = [key for key, value in element.attrib.items() if key.startswith(RELATIONSHIPS) and value in ids]
        if not names:
            continue
        if element.tag == qn("w:hyperlink"):
            for key in names:
                del element.attrib[key]
        elif element.getparent() is not None:
            element.getparent().remove(element)


# ---------------------------------------------------------------------------------------------- entry points
def reference_template(context: Context) -> Path | None:
    """The reference .docx report.yaml `word.template` names (from the project root), checked; None if none."""
    name = context.report.word.template.strip()
    if not name:
        return None
    root = Path(context.conf.root).resolve()
    path = (root / name).resolve()
    if path.suffix.lower() != ".docx" or not path.is_file() or not path.is_relative_to(root):
        raise ConfError(f"report.yaml word.template 应为项目内已有的 .docx 文件，收到：{name}")
    return path


def libreoffice(context: Context) -> str | None:
    """The LibreOffice program report.yaml `word.libreoffice.command` names, found on the PATH; None if not."""
    return shutil.which(context.report.word.libreoffice.command)


def write_docx(sections: Iterable[str], out: Path, context: Context, words: Words, title: str, running: str,
               pictures: Pictures) -> Path:
    """The Word edition of a report at `out` from its sections (the HTML the notebook displayed, in order), its
    charts the PNGs `pictures` gives for their SVGs; `title` names the document, `running` heads its pages (the
    report's title); its TOC with the page numbers of LibreOffice's layout where LibreOffice is installed."""
    settings = context.report.word
    edition = Edition(settings, reference_template(context), pictures)
    for section in sections:
        edition.add(section)
    edition.finish(title, running, context.report.evaluator or words["assessor.placeholder"], datetime.now(UTC))
    soffice = libreoffice(context)
    if soffice:
        edition.paginate(soffice, settings.libreoffice.timeout)
    return edition.save(out)
