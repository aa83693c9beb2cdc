"""Executed report notebook → self-contained HTML (nbconvert, house template) → PDF (WeasyPrint, A4)."""

from __future__ import annotations

import base64
import html as html_lib
import itertools
import re
from pathlib import Path
from string import Formatter
from typing import TYPE_CHECKING

from helpers.report.fonts import Fonts
from helpers.report.svg import CHART_KEY, inline_svg

if TYPE_CHECKING:  # nbformat and nbconvert load a JSON-schema stack: imported only when a page is built
    import nbformat
    from nbconvert import HTMLExporter

    from helpers.report.wording import Words

TEMPLATES = Path(__file__).parent / "templates"
FONT_MARKER = "/*FONT-FACES*/"
FOOTER_MARKER = "/*PAGE-FOOTER*/"  # report.css: the printed page's footer, from the wording's `page_footer`
PAGE_COUNTERS = ("page", "pages")
# a chart as the figure fragment writes it, its attributes in any order and either quotes (nbconvert re-serialises the
# page with BeautifulSoup, which quotes a value holding " with ')
CHART_IMAGE = re.compile(rf"""<img\b[^>]*\bdata-chart=["']({CHART_KEY.pattern})["'][^>]*>""")
_SVG_SOURCE = re.compile(r"""\bsrc=["']data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)["']""")
_ALT = re.compile(r"""\balt=(?:"([^"]*)"|'([^']*)')""")
FILE_NAME = re.compile(r"[\w./-]+\.(?:csv|tsv|txt|xlsx?|json|log|gz|zip|parquet|pdf|docx?|ipynb|html)\b", re.ASCII)


class RenderError(Exception):
    """The notebook or HTML cannot be rendered (a message for people)."""


class Renderer:
    """Executed report notebooks → self-contained pages, with one configured exporter (building one reads every
    template) and the report fonts; a batch worker keeps one while its code is unchanged."""

    def __init__(self, fonts: Fonts) -> None:
        self.fonts = fonts
        self._exporter: HTMLExporter | None = None
        self.stylesheet = (TEMPLATES / "report.css").read_text(encoding="utf-8")

    @property
    def exporter(self) -> HTMLExporter:
        if self._exporter is None:
            from nbconvert import HTMLExporter

            self._exporter = HTMLExporter(template_name="assessment",
                                          extra_template_basedirs=[str(TEMPLATES / "nbconvert")], exclude_input=True,
                                          exclude_input_prompt=True, exclude_output_prompt=True)
        return self._exporter

    def document(self, notebook: nbformat.NotebookNode, title: str, words: Words) -> str:
        """The report page without fonts: outputs of the executed notebook in the house template, in the language
        of `words` (its `html_lang` tag and `page_footer`)."""
        stylesheet = self.stylesheet.replace(FOOTER_MARKER, page_content(words["page_footer"]))
        body, _ = self.exporter.from_notebook_node(notebook, resources={"report_title": title,
                                                                         "html_lang": words["html_lang"],
                                                                         "report_css": stylesheet})
        if FONT_MARKER not in body:
            raise RenderError("报告模板缺少字体占位符")
        return break_file_names(body)

    def to_html(self, page: str) -> str:
        """The self-contained page: each chart's SVG inside the page (`inline_charts`), both font weights, cut to the
        page's characters (its charts' labels included), embedded as data URLs."""
        return embed_fonts(inline_charts(page), self.fonts)

    def to_print(self, page: str) -> str:
        """The page the PDF prints: each chart the same SVG as an image (WeasyPrint draws an SVG image, set in the
        page's fonts, in a fraction of the time it lays out inline SVG as document content), the fonts cut as for
        `to_html`."""
        return embed_fonts(page, self.fonts, visible_text(inline_charts(page)))


def page_content(text: str) -> str:
    """A wording text with `{page}` and `{pages}` as CSS generated content (「第 {page} 页」 →
    `"第 " counter(page) " 页"`)."""
    parts = []
    for literal, name, _, _ in Formatter().parse(text):
        if literal:
            parts.append('"' + literal.replace("\\", "\\\\").replace('"', '\\"') + '"')
        if name is not None:
            if name not in PAGE_COUNTERS:
                raise RenderError(f"页脚措辞中只能使用 {{page}} 和 {{pages}}：{text}")
            parts.append(f"counter({name})")
    return " ".join(parts)


def embed_fonts(page: str, fonts: Fonts, text: str | None = None) -> str:
    """A page with its font placeholder replaced by both weights, cut to `text` (default: the page's visible
    characters)."""
    return page.replace(FONT_MARKER, fonts.font_face_css(visible_text(page) if text is None else text), 1)


def inline_charts(page: str) -> str:
    """The page with each chart image (an SVG data URL marked with its key: the figure fragment) as its SVG inside
    the page, an image named by the chart's caption, its ids prefixed by the chart's number in the page
    (svg.inline_svg): its labels are text a browser sets in the page's embedded fonts, which an SVG image cannot
    use."""
    count = itertools.count(1)

    def inline(image: re.Match[str]) -> str:
        source, alt = _SVG_SOURCE.search(image[0]), _ALT.search(image[0])
        if source is None or alt is None:
            raise RenderError(f"图表图片不是带说明的 SVG：{image[0][:80]}")
        label = html_lib.unescape(alt[1] if alt[1] is not None else alt[2])
        return inline_svg(base64.b64decode(source[1]), image[1], f"chart-{next(count)}-", label)

    return CHART_IMAGE.sub(inline, page)


def break_file_names(page: str) -> str:
    """The page with line-break opportunities (<wbr>) in the file names of its body text, after each / _ -
    and before the extension, so that a narrow table cell breaks a name between its parts, never inside one."""
    head, sep, body = page.partition("<body")

    def names(text: re.Match[str]) -> str:
        return FILE_NAME.sub(lambda m: re.sub(r"([/_-])", r"\1<wbr>", m[0][: m[0].rindex(".")])
                             + "<wbr>" + m[0][m[0].rindex("."):], text[0])

    return head + sep + re.sub(r"(?<=>)[^<]+", names, body) if sep else page


def visible_text(page: str) -> str:
    """The characters a reader can see: everything between tags, data URLs left out. The page's inline
    stylesheet stays in, so the characters of its generated content (page numbers) are covered too."""
    without_data = re.sub(r"data:[^\"')]+", "", page)
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", without_data))


def to_pdf(html: str, out: Path) -> Path:
    """A4 PDF of the self-contained page to print (Renderer.to_print: charts as SVG images); fetches nothing but
    the page's own data: URLs."""
    import weasyprint
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    class Offline(URLFetcher):
        """Data URLs only; anything else stops the rendering."""

        def fetch(self, url: str, headers: dict | None = None):  # noqa: ANN201 — WeasyPrint's response type
            if url.startswith("data:"):
                return super().fetch(url, headers)
            raise FatalURLFetchingError(f"报告引用了外部资源，已拒绝：{url[:80]}")

    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        weasyprint.HTML(string=html, url_fetcher=Offline(fail_on_errors=True)).write_pdf(out)
    except FatalURLFetchingError as problem:
        raise RenderError(str(problem)) from problem
    return out
