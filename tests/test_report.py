"""The evaluation report, checked as a reader would: a city and a county report rendered end to end
(papermill → nbconvert → WeasyPrint) from the sample data plus a file whose name is hostile markup."""

from __future__ import annotations

import base64
import functools
import html
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import uharfbuzz as hb
from pypdf import PdfReader

from conftest import CONTEXT, HOSTILE
from helpers.report import Report, ReportError, conclusions, findings, render
from helpers.report import data as report_data
from helpers.report.charts import ChartError, Charts
from helpers.report.fonts import fonts_of

PLAN = CONTEXT.plan
WORDS = CONTEXT.words("zh")

CITY, COUNTY = "441600", "441621"
YEAR = 2023


@pytest.fixture(scope="module")
def rendered(rendered: dict) -> dict[str, dict[str, Path]]:
    """The city's and one county's 2023 report in every format, through the runner (conftest, once a session)."""
    return {area: rendered[YEAR, area] for area in (CITY, COUNTY)}


def _html(rendered: dict, area: str) -> str:
    return rendered[area]["html"].read_text(encoding="utf-8")


@functools.cache
def _pdf_pages(pdf: Path) -> tuple[str, ...]:
    """Each page's text of the PDF, extracted once for the tests that read it."""
    return tuple(page.extract_text() for page in PdfReader(pdf).pages)


def _pdf_text(pdf: Path) -> str:
    """The PDF's text with every space and line break removed."""
    return re.sub(r"\s+", "", "".join(_pdf_pages(pdf)))


PageOf = Callable[[int, str], str]  # conftest's page_of: a report's page built in this process


@pytest.mark.e2e
@pytest.mark.parametrize("area", [CITY, COUNTY])
def test_the_page_built_in_process_is_the_runners(rendered: dict, page_of: PageOf, area: str) -> None:
    """The page the text tests read (conftest's page_of, no kernel) is the page the runner publishes, byte for byte
    but for the minute it was built."""
    minute = re.escape(WORDS["local_time"]).replace(re.escape("{time}"), r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")

    def built_at(page: str) -> str:
        return re.sub(minute, "", page)

    assert built_at(page_of(YEAR, area)) == built_at(_html(rendered, area))


@pytest.mark.e2e
@pytest.mark.parametrize("area", [CITY, COUNTY])
def test_outputs_are_named_by_year_and_area(rendered: dict, area: str) -> None:
    name = {CITY: "河源市", COUNTY: "紫金县"}[area]
    formats = ("html", "pdf", "docx", "ipynb")
    assert {p.name for p in rendered[area].values()} == {f"{area}_{name}.{ext}" for ext in formats}
    assert all(p.parent.name == str(YEAR) for p in rendered[area].values())


@pytest.mark.parametrize("area", [CITY, COUNTY])
def test_every_indicator_and_section_appears_in_the_html(page_of: PageOf, area: str) -> None:
    page = page_of(YEAR, area)
    for indicator in PLAN.indicators:
        assert indicator.name in page, indicator.name
    headings = ["摘　要", "一、评估说明", "二、主要指标完成情况", "三、分领域评估", "四、主要成效",
                "五、重点任务落实情况", "六、重大工程（专栏）实施情况", "七、重大政策出台情况", "八、保障措施落实情况",
                "九、发展目标（方向性）实现情况", "附录一　数据质量说明", "附录二　方法说明",
                "附录三　佐证材料缺失清单"]
    if area == CITY:
        headings += ["十、责任单位履职情况", "十一、对标分析", "十二、存在的问题及原因", "十三、对策建议"]
    else:  # a county's 对标分析 is one line: the benchmarking is by city
        headings += ["十、对标分析", "十一、存在的问题及原因", "十二、对策建议"]
    for heading in headings:
        assert heading in page, heading
    assert area == CITY or "责任单位履职情况" not in page  # the scorecard is the city's
    assert 'lang="zh-CN"' in page and WORDS["synthetic_banner"].format(city="河源市") in page


@pytest.mark.e2e
@pytest.mark.parametrize("area", [CITY, COUNTY])
def test_html_is_self_contained_and_shows_no_code(rendered: dict, area: str) -> None:
    page = _html(rendered, area)
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page), "link to an outside host"
    assert not re.search(r"url\(\s*[\"']?(https?:)?//", page), "stylesheet fetches from outside"
    assert "<link" not in page.lower()
    for leftover in ("processed_dir", "Report.load", "jp-InputArea", "In&nbsp;[", "injected-parameters"):
        assert leftover not in page, leftover
    charts = re.findall(r'<figure class="chart" id="figure-\d+">\s*<svg role="img" aria-label="[^"]+" '
                        r'data-chart="[0-9a-f]{32}"(.*?)</svg>', page, re.S)  # vector charts, inline, named
    assert charts and len(charts) == page.count('<figure class="chart"') and "data:image/svg" not in page
    ids = [re.findall(r' id="([^"]+)"', svg) for svg in charts]
    assert all(i.startswith(f"chart-{n}-") for n, chart in enumerate(ids, start=1) for i in chart)
    assert sum(map(len, ids)) == len({i for chart in ids for i in chart}), "no id shared by two charts"


def test_a_charts_caption_names_it_inline_whatever_quotes_it_holds() -> None:
    """nbconvert re-serialises the page with BeautifulSoup, which may reorder a chart image's attributes and quote a
    caption holding " with '; the inline chart is still named by its caption, escaped."""
    from bs4 import BeautifulSoup

    svg = base64.b64encode(b'<svg xmlns="http://www.w3.org/2000/svg" width="10pt"><text>1</text></svg>').decode()
    caption = '“指标” "A" & <B>'
    page = str(BeautifulSoup(f'<img src="data:image/svg+xml;base64,{svg}" alt="{html.escape(caption)}" '
                             f'data-chart="{"a" * 32}">', features="html.parser"))
    inline = render.inline_charts(page)
    assert f'aria-label="{html.escape(caption)}"' in inline and inline.startswith('<svg role="img"')
    with pytest.raises(render.RenderError):
        render.inline_charts(f'<img src="data:image/svg+xml;base64,{svg}" data-chart="{"a" * 32}">')


def test_text_from_data_is_escaped(page_of: PageOf) -> None:
    page = page_of(YEAR, CITY)
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(1).csv" in page  # shown, as text, in the broken-files table and the problems


@pytest.mark.parametrize("area", [CITY, COUNTY])
def test_embedded_font_draws_every_visible_character(page_of: PageOf, area: str) -> None:
    page = page_of(YEAR, area)
    text = render.visible_text(page)
    faces = re.findall(r'font-weight: (\d+); src: url\("data:font/otf;base64,([^"]+)"\)', page)
    assert {weight for weight, _ in faces} == {"400", "700"}
    for _, data in faces:
        drawable = hb.Face(hb.Blob(base64.b64decode(data))).unicodes
        undrawable = {c for c in set(text) if c.isprintable() and not c.isspace() and ord(c) not in drawable}
        assert not undrawable, f"no glyph for {sorted(undrawable)[:10]}"
    assert len(page.encode()) < 3_000_000, "fonts are subset, not embedded whole"


def test_the_page_stays_small(page_of: PageOf) -> None:
    """The city's page was 2.5 MB, four fifths of it charts: their compact SVG (path data to 1/100 pt, no metadata)
    keeps it near 2.1 MB with every chart's numbers added as text."""
    assert len(page_of(YEAR, CITY).encode()) < 2_400_000


@pytest.mark.e2e
def test_a_charts_numbers_are_on_the_page_not_in_the_pdf(rendered: dict) -> None:
    """Each chart's table of numbers is on the page (collapsed under it); the PDF, printed from the same page, shows
    the picture only."""
    page = _html(rendered, CITY)
    charts = page.count('<figure class="chart"')
    summaries = [WORDS["charts"]["data_summary"].format(number=n) for n in range(1, charts + 1)]
    assert charts >= 5 and all(f"<summary>{summary}</summary>" in page for summary in summaries)
    text = _pdf_text(rendered[CITY]["pdf"])
    assert re.sub(r"\s+", "", WORDS["figure_caption"].format(number=charts, caption="")) in text
    assert not [summary for summary in summaries if summary in text]


@pytest.mark.e2e
def test_the_pdfs_charts_are_text_in_the_pages_fonts(rendered: dict) -> None:
    """A chart's labels are text on the page and in the PDF (printed from the same SVG), set in the two fonts the
    page embeds (no other font in the PDF), so they can be searched and copied."""
    unit = WORDS["charts"]["unit"].format(unit="件")
    page = _html(rendered, CITY)
    pdf = PdfReader(rendered[CITY]["pdf"])
    text = _pdf_text(rendered[CITY]["pdf"])
    labels = "".join(re.findall(r"<text\b[^>]*>([^<]*)</text>", page))
    assert text.count(re.sub(r"\s+", "", unit)) >= 5 and labels.count(unit) >= 5
    fonts = {str(font.get_object()["/BaseFont"]) for p in pdf.pages
             for font in (p["/Resources"].get("/Font") or {}).values()}
    assert len(fonts) == 2 and all("Noto-Sans-CJK-SC" in name for name in fonts), fonts


@pytest.mark.e2e
@pytest.mark.parametrize("area", [CITY, COUNTY])
def test_pdf_embeds_a_cjk_font_and_its_text_reads(rendered: dict, area: str) -> None:
    reader = PdfReader(rendered[area]["pdf"])
    embedded = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", []):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                if any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    embedded.add(str(font["/BaseFont"]))
    assert any("Noto-Sans-CJK-SC" in name or "NotoSansCJK" in name for name in embedded), embedded
    text = _pdf_text(rendered[area]["pdf"])
    for indicator in PLAN.indicators:
        assert re.sub(r"\s+", "", indicator.name) in text, indicator.name
    assert "第1页" not in text[:200] and "页/共" in text  # page numbers, not on the cover
    assert len(reader.pages) > 8 and reader.outline, "A4 pages with bookmarks from the headings"


def test_county_report_states_share_rank_and_missing_county_targets(page_of: PageOf) -> None:
    page = page_of(YEAR, COUNTY)
    assert "无分解目标" in page and "占全市\n比重" in page and "县区\n排名" in page
    assert "规划只设定全市目标" in page and "市级指标" in page


@pytest.mark.e2e
def test_executed_notebook_keeps_its_parameters(rendered: dict) -> None:
    notebook = rendered[COUNTY]["ipynb"].read_text(encoding="utf-8")
    assert '"injected-parameters"' in notebook and f'area_code = \\"{COUNTY}\\"' in notebook


# ----------------------------------------------------------------------------- content rules
@pytest.fixture(scope="module")
def city(hostile_processed: Path) -> report_data.ReportData:
    return report_data.load(hostile_processed, CONTEXT, YEAR, CITY)


def test_summary_counts_every_indicator_once(city: report_data.ReportData) -> None:
    head = findings.headline(city)
    assert sum(head.counts.values()) == len(PLAN.indicators)
    assert f"{YEAR}年末" in head.sentence and "序时进度60%" in head.sentence


def test_problems_and_recommendations_follow_the_configured_rules(city: report_data.ReportData) -> None:
    risks = findings.risks(city)
    order = CONTEXT.findings["risk_statuses"]
    assert list(risks["status"]) == sorted(risks["status"], key=order.index), "most serious first"
    problems = conclusions.problems(city)
    rules = PLAN.words("zh")["recommendations"]
    recommendations = findings.recommendations(city)
    for _, row in risks.iterrows():
        assert any(p.startswith(row["name"]) for p in problems), row["name"]
        if row["status"] != "missing":
            said = next(r for r in recommendations if r.startswith(rules["indicators"][row["indicator"]]))
            assert "（责任单位：" in said  # the units of the plan's task for the indicator
    assert recommendations[-1] == rules["general"]
    # data quality is the appendix's business, not a problem of the plan's implementation
    assert not any("无法读取" in p for p in problems)
    assert any("无法读取" in p for p in findings.data_problems(city)), "broken files are reported in the appendix"


def test_unknown_area_or_year_is_a_plain_error(hostile_processed: Path) -> None:
    with pytest.raises(ReportError, match="未知的地区代码"):
        report_data.load(hostile_processed, CONTEXT, YEAR, "../441600")
    with pytest.raises(Exception, match="评估年度"):
        report_data.load(hostile_processed, CONTEXT, 2019, CITY)
    with pytest.raises(ReportError, match="清洗结果"):
        report_data.load(hostile_processed / "nowhere", CONTEXT, YEAR, CITY)


# ----------------------------------------------------------------------------- charts
@pytest.fixture(scope="module")
def report(hostile_processed: Path) -> Report:
    return Report.load(hostile_processed, YEAR, CITY, context=CONTEXT)


def test_every_chart_renders_without_missing_glyphs(report: Report) -> None:
    "".join(section.data for section in report.sections())  # every chart drawn: a missing glyph raises ChartError
    def images(only: str) -> int:
        return len(re.findall(r'base64,([^"]+)"', "".join(s.data for s in report.sections(only=[only]))))

    assert images("domains") == sum(len(d["charts"]) for d in PLAN.domains), "every domain chart has data"
    assert images("benchmark") == 1, "the 对标分析 chart of the peer cities"


@pytest.fixture(scope="module")
def charts() -> Charts:
    return Charts(CONTEXT.report.charts, fonts_of(CONTEXT), WORDS["charts"])


def test_a_glyph_the_font_lacks_fails_the_chart(charts: Charts) -> None:
    figure = charts.months(pd.Series([1, 2], index=[1, 2]), "访问量 \U0001F600", "人次")
    with pytest.raises(ChartError, match="字体缺少"):
        charts.png(figure)


def test_chart_font_is_the_cjk_face_even_after_the_theme_is_set(charts: Charts) -> None:
    import matplotlib

    family = charts.family
    assert matplotlib.rcParams["font.family"][0] == family or family in matplotlib.rcParams["font.sans-serif"]
    png = charts.png(charts.months(pd.Series([120, 340], index=[1, 2]), "网站访问量（按月）", "人次"))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_pdf_refuses_outside_resources(tmp_path: Path) -> None:
    page = '<html><body><img src="http://example.com/x.png"><p>河源</p></body></html>'
    with pytest.raises(render.RenderError, match="外部资源"):
        render.to_pdf(page, tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


def test_render_visible_text_skips_data_urls() -> None:
    text = render.visible_text('<p>规划&lt;b&gt;</p><img src="data:image/png;base64,QUJD">')
    assert "规划<b>" in text and "QUJD" not in text


# ----------------------------------------------------------------------------- in a real browser
@pytest.mark.e2e
def test_html_renders_offline_in_headless_chromium(rendered: dict, browser, tmp_path: Path) -> None:  # noqa: ANN001
    """Debian's chromium, network off: no request may fail or leave the file, the CJK font must load and draw the
    charts' labels too."""
    requested, failed = [], []
    context = browser.new_context(offline=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("request", lambda request: requested.append(request.url))
    page.on("requestfailed", lambda request: failed.append(f"{request.url} {request.failure}"))
    page.goto(rendered[CITY]["html"].as_uri(), wait_until="load")
    page.evaluate("document.fonts.ready")
    font_ok = page.evaluate("""document.fonts.check('16px "Noto Sans CJK SC"', '河源市知识产权规划')""")
    loaded = page.evaluate("Array.from(document.fonts).filter(f => f.status === 'loaded').length")
    charts = page.evaluate("""Array.from(document.querySelectorAll('figure.chart > svg[role=img]')).map(s =>
        s.getBoundingClientRect().width > 300 && s.querySelectorAll('text').length > 0)""")
    labels = page.evaluate("Array.from(document.querySelectorAll('figure.chart text')).map(t => t.textContent).join()")
    labels_drawable = page.evaluate("text => document.fonts.check('8px \"Noto Sans CJK SC\"', text)", labels)
    shot = tmp_path / "report-city.png"
    page.screenshot(path=str(shot), full_page=False)
    context.close()
    assert not failed, failed
    assert all(url.startswith(("file:", "data:")) for url in requested), [u[:60] for u in requested]
    assert font_ok and loaded >= 2, "embedded CJK font faces loaded"
    assert charts and all(charts), "every chart drawn, its labels text"
    assert labels_drawable, "the charts' labels set in the embedded font"
    assert shot.stat().st_size > 20_000


def test_a_floor_indicator_below_its_floor_is_worded_against_the_floor(city: report_data.ReportData) -> None:
    import dataclasses

    evaluation = city.evaluation.copy()
    floor = (evaluation["kind"] == "floor") & (evaluation["area_code"] == CITY)
    first = evaluation[floor].index[0]
    evaluation.loc[first, ["status", "value", "ratio"]] = ["not_reached", evaluation.loc[first, "target"] * 0.5, 0.5]
    judged = dataclasses.replace(city, evaluation=evaluation)
    row = judged.own[judged.own["indicator"] == evaluation.loc[first, "indicator"]].iloc[0]
    sentence = findings.indicator_problem(judged, row)
    assert "目标下限" in sentence and "序时进度" not in sentence and "未达标" not in sentence
    said = findings.indicator_sentence(judged, row)
    assert "序时进度" not in said and "未达标" in said


# ----------------------------------------------------------------------------- the plan-wide assessment
def test_the_city_report_assesses_every_task_flagship_policy_and_safeguard(page_of: PageOf,
                                                                          hostile_processed: Path) -> None:
    page = page_of(YEAR, CITY)
    for item in CONTEXT.plan_items.items:
        assert f">{item.id}<" in page or f">专栏{item.column}<" in page, item.id
        assert item.title.replace("“", "").replace("”", "")[:6] in page.replace("“", "").replace("”", ""), item.title
    for document in ("《关于强化知识产权保护的若干措施》", "河源特色产业知识产权保护措施"):
        assert document in page
    assert "规划实施综合评价得分" in page and "部门自评高于核实结果的事项" in page


def test_the_missing_evidence_list_names_every_claim_without_evidence(page_of: PageOf, hostile_processed: Path) -> None:
    page = page_of(YEAR, CITY)
    appendix = page[page.index('id="appendix-evidence"'):page.index('id="appendix-progress"')]
    departments = pd.read_parquet(hostile_processed / "task_departments.parquet")
    unverified = departments[(departments["year"] == YEAR) & (departments["verified_grade"] == "unverified")]
    assert len(unverified) and appendix.count("<tr>") - 1 == len(unverified)  # the header row aside
    for _, row in unverified.iterrows():
        assert row["department"] in appendix and f"{row['item']} " in appendix


def test_department_text_is_escaped_in_the_report(hostile_processed: Path) -> None:
    report = Report.load(hostile_processed, 2021, CITY, context=CONTEXT)
    html = "".join(section.data for section in report.sections(only=["appendix"]))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html


def test_a_county_report_shows_the_items_its_government_reported(page_of: PageOf, hostile_processed: Path) -> None:
    page = page_of(YEAR, COUNTY)
    own = pd.read_parquet(hostile_processed / "task_departments.parquet")
    own = own[(own["year"] == YEAR) & (own["department"] == "紫金县人民政府")]
    assert len(own) and "紫金县人民政府报送" in page
    for item in own["item"]:
        assert f">{item}<" in page


@pytest.mark.e2e
def test_table_headers_break_between_words_in_print(rendered: dict) -> None:
    text = "".join(_pdf_pages(rendered[CITY]["pdf"]))
    header = next(line for line in text.splitlines() if line.startswith("序号 指标"))
    for broken in ("序 号", "序时进 度", "目标完 成度", "年实 际", "进度 比"):
        assert broken not in header, header
    assert "（规\n划" not in text  # the plan's base on its own line, not split inside the bracket
