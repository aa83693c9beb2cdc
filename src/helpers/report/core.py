"""One (year, area) report: its data and the building blocks its sections share (outline, contents, appendices,
templates, numbered tables and figures, wording helpers). The sections themselves are the modules of
helpers.report.sections, one per entry of report.yaml `sections`, named by its `id`; each module's
`render(report, section)` returns the section's HTML. This module names none of them: the registry is report.yaml,
resolved once per report (`renderers`). Every text comes from the wording of the report's language, and every text
from data passes through Jinja's autoescaping."""

from __future__ import annotations

import base64
import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
from IPython.display import HTML
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from helpers.context import ConfError, Context
from helpers.indicators import Indicator, Plan
from helpers.report import assessor
from helpers.report import data as report_data
from helpers.report.charts import Charts, DataTable, chart_store
from helpers.report.fonts import fonts_of
from helpers.report.wording import Words, fill
from helpers.settings import Report as ReportSettings

_ENV = Environment(loader=PackageLoader("helpers.report", "templates/sections"),
                   autoescape=select_autoescape(default=True, default_for_string=True), trim_blocks=True,
                   lstrip_blocks=True)
_ENV.filters["fill"] = fill

SECTIONS = "helpers.report.sections"  # the package of the section modules


@dataclass(frozen=True)
class Cell:
    """One table cell: text, an optional CSS class and colour (a status)."""

    text: str
    css: str = ""
    color: str = ""


@dataclass(frozen=True)
class Section:
    """One entry of report.yaml `sections`, with its heading in the report's language; `domain`: the domain (1-based,
    in the plan's order) a `per_domain` section is rendered for."""

    id: str
    template: str
    toc: str  # the label in the table of contents ("" when not listed)
    heading: str
    per_domain: bool = False
    domain: int = 0


Renderer = Callable[["Report", Section], HTML]


def renderers(settings: ReportSettings) -> dict[str, Renderer]:
    """The `render` of each section report.yaml lists: the function of its module helpers.report.sections.<id>. A
    ConfError names every section without one."""
    found, missing = {}, []
    for n, spec in enumerate(settings.sections):
        name = f"{SECTIONS}.{spec.id}"
        try:
            module = importlib.import_module(name) if spec.id.isidentifier() else None
        except ModuleNotFoundError as problem:
            if problem.name != name:
                raise
            module = None
        render = getattr(module, "render", None)
        if callable(render):
            found[spec.id] = render
        else:
            missing.append(f"report.yaml 中的 sections[{n}].id：没有章节模块 {spec.id!r}"
                           f"（应为 src/helpers/report/sections/{spec.id}.py 中的 render 函数）")
    if missing:
        raise ConfError("配置有误：\n  " + "\n  ".join(missing))
    return found


class Report:
    """One (year, area) report. `Report.load(...)`, then `sections()` renders every section in order. Charts are
    embedded as vector SVG; with `word` each is also left as PNG in the chart store (cache_dir/charts), from the same
    figure, for the Word edition that the batch worker makes from these sections (helpers.report.word)."""

    def __init__(self, data: report_data.ReportData, word: bool = False) -> None:
        self.data = data
        self.word = word
        self.w: Words = data.words
        self.renderers = renderers(data.context.report)
        self.tables = 0  # the numbered tables made so far (the last one's number)
        self.figures = 0
        self._rows = data.evaluation.set_index(["indicator", "area_code"], drop=False)
        self._charts: Charts | None = None

    @classmethod
    def load(cls, processed_dir: Path | str, year: int | None = None, area_code: str | None = None, *,
             lang: str = "zh", plan: str | None = None, context: Context | None = None,
             assessor_dir: Path | str | None = None, word: bool = False) -> Report:
        """The report of `area_code` for `year` from the datasets of `processed_dir`, written in `lang`, for the
        plan of the folder `plan` (default: conf/base's), with the evaluators' texts of `assessor_dir` (default:
        paths.yaml's); `word`: its charts' PNGs for the Word edition too."""
        context = (context or Context.load(plan=plan)).with_path("assessor_dir", assessor_dir)
        return cls(report_data.load(processed_dir, context, year, area_code, lang), word)

    @property
    def charts(self) -> Charts:
        if self._charts is None:
            context = self.data.context
            self._charts = Charts(context.report.charts, fonts_of(context), self.w["charts"], chart_store(context))
        return self._charts

    @property
    def title(self) -> str:
        return report_title(self.data.year, self.data.plan, self.w)

    # ------------------------------------------------------------------ the sections, as report.yaml lists them
    def outline(self) -> list[Section]:
        """The sections in order, numbered (一、二、…) where report.yaml says so, with their headings."""
        out, numbered = [], 0
        for spec in self.data.context.report.sections:
            if spec.city_only and not self.data.is_city:
                continue
            words = self.w.get(f"sections.{spec.id}", {})
            title = words.get("toc", "")
            if spec.numbered:
                numbered += 1
                title = self.w("numbered", numeral=self.w.numeral(numbered), title=title)
            out.append(Section(spec.id, spec.template, title if spec.toc else "", words.get("heading", title),
                               spec.per_domain))
        return out

    def toc(self) -> list[tuple[str, str, int]]:
        """The table of contents: (anchor, label, level) of the listed sections (level 1), the domains of a per-domain
        section and the appendices (level 2)."""
        entries = []
        for section in self.outline():
            if section.toc:
                entries.append((section.id, section.toc, 1))
            if section.per_domain:
                entries += [(f"domain-{n}", self.domain_heading(n), 2)
                            for n in range(1, len(self.data.plan.domains) + 1)]
            if section.id == "appendix":
                entries += [(f"appendix-{key}", self.appendix_heading(key), 2) for key in self.appendices()]
        return entries

    def section_title(self, section_id: str) -> str:
        """A section as the text refers to it: its title in the contents (一、评估说明)."""
        return next(section.toc for section in self.outline() if section.id == section_id)

    def domain_heading(self, n: int) -> str:
        """The heading of domain `n` (1-based) of a per-domain section: （一）知识产权创造."""
        category = self.data.plan.domains[n - 1]["category"]
        return self.w("subnumbered", numeral=self.w.numeral(n), title=self.w["plan.domains"][category])

    def appendices(self) -> dict[str, str]:
        """The appendices this report has, in the order report.yaml lists them, each with its label (附录一、二、… by
        position): those on the plan's items only where the plan has items. The one source of every reference to an
        appendix."""
        spec = next((s for s in self.data.context.report.sections if s.id == "appendix"), None)
        has_items = bool(self.data.context.plan_items.items)
        keys = [a.id for a in (spec.appendices if spec else []) if has_items or not a.plan_items]
        return {key: self.w("appendix.label", numeral=self.w.numeral(n)) for n, key in enumerate(keys, 1)}

    def appendix_heading(self, key: str) -> str:
        return self.w("appendix.heading", label=self.appendices()[key], title=self.w[f"appendix.titles.{key}"])

    def sections(self, only: list[str] | None = None) -> Iterator[HTML]:
        """Every section of the report (or those whose ids `only` names), rendered in order, a per-domain one once
        for each domain, for the notebook to display."""
        for section in self.outline():
            if only is not None and section.id not in only:
                continue
            render = self.renderers[section.id]
            if section.per_domain:
                for n in range(1, len(self.data.plan.domains) + 1):
                    yield render(self, replace(section, domain=n))
            else:
                yield render(self, section)

    # ------------------------------------------------------------------ building blocks
    def html(self, section: Section | str, **context: object) -> HTML:
        """A section's template (or the template named) filled with `context`, closed by the evaluators' texts of
        that section."""
        template = section.template if isinstance(section, Section) else section
        heading = section.heading if isinstance(section, Section) else ""
        section_id = section.id if isinstance(section, Section) else template
        html = self.fragment(template, **{"heading": heading, "section_id": section_id, **context})
        return HTML(self._with_assessor_text(html, section_id))

    def fragment(self, template: str, **context: object) -> str:
        """The template `template` (templates/sections/<template>.html.j2) filled with the wording and `context`."""
        return _ENV.get_template(f"{template}.html.j2").render(**{"w": self.w.texts, **context})

    def _with_assessor_text(self, html: str, section_id: str) -> str:
        """The section with the evaluators' texts that close it, without their front matter: a visible placeholder
        where one is missing, the mark 【初稿】 over one still the tool's draft (helpers.report.drafts)."""
        slots = [s for s in assessor.Slot.all_of(self.data.context.report) if s.section == section_id
                 and s.id in self.data.assessor]
        if not slots:
            return html
        w, report = self.w, self.data.context.report
        parts = []
        for slot in slots:
            text = self.data.assessor[slot.id]
            body = assessor.front_matter(text)[1].strip() if text else ""
            parts.append({"id": slot.id, "heading": w("assessor.heading", title=w["assessor.slots"][slot.id]),
                          "html": assessor.as_html(body) if body else None,
                          "draft": bool(body) and assessor.is_draft(text, report)})
        closing = self.fragment("assessor", slots=parts)
        at = html.rfind("</section>")
        return html[:at] + closing + html[at:] if at >= 0 else html + closing

    def table(self, caption: str, columns: dict[str, float], rows: list[list[Cell | str]], css: str = "",
              row_header: int | None = 0) -> Markup:
        """A numbered table with its caption; `columns` maps each heading to its width in percent (fixed layout prints
        fast); the cells of column `row_header` (the first by default, None for none) name their rows (row headers)."""
        self.tables += 1
        cells = [[c if isinstance(c, Cell) else Cell(str(c)) for c in row] for row in rows]
        return Markup(self.fragment("table", number=self.tables, caption=caption, columns=list(columns),
                                    widths=list(columns.values()), rows=cells, css=css, row_header=row_header))

    def columns(self, key: str, widths: list[float], **fields: object) -> dict[str, float]:
        """Column headings of a table (wording `key`, filled with `fields`) with their widths in percent."""
        headings = [str(h).format(**fields) for h in self.w[key].values()]
        return dict(zip(headings, widths, strict=True))

    def figure(self, kind: str, args: tuple, data: DataTable, caption: str) -> Markup:
        """A numbered chart: the chart `kind` of `args` (a Charts method and its arguments, drawn once: Charts.drawn)
        as an SVG image marked with its key in the chart store (the page holds it inline, its text set in the page's
        fonts: render.inline_charts), with its caption and, collapsed under it, its numbers as a table (`data`: on
        screen only)."""
        self.figures += 1
        chart = self.charts.drawn(kind, *args, png=self.word)
        image = base64.b64encode(chart.svg).decode("ascii")
        return Markup(self.fragment("figure", number=self.figures, caption=caption, image=image, key=chart.key,
                                    data=data))

    def scoped(self, key: str, **fields: object) -> str:
        """The caption (wording `key`) of a table of the city's figures; in a county report labelled 全市 (its
        `key`_county where the label cannot simply follow it)."""
        caption = self.w(key, **fields)
        if self.data.is_city:
            return caption
        county = self.w.get(f"{key}_county")
        return county.format(**fields) if county else self.w("city_scope", caption=caption)

    def area_text(self, key: str, **fields: object) -> str:
        """A sentence of the wording; in a county report its county version (`key`_county), which says whose
        figures follow and why."""
        d = self.data
        return self.w(key if d.is_city else f"{key}_county", area_name=d.area_name, government=self.government(),
                      **fields)

    def government(self) -> str | None:
        """The county government of a county report (plan_items.yaml `county_departments`)."""
        return self.data.context.plan_items.county_departments.get(self.data.area_code)

    def status_cell(self, key: str, row: pd.Series | None = None) -> Cell:
        """A status with its symbol and colour; an indicator's small sample with its n (`row`, its evaluation)."""
        style = self.data.plan.statuses[key]
        label = self.w["statuses"][key]
        if key == "small_sample" and row is not None:
            label = self.w("indicators.status_small", n=int(row["rows"]))
        return Cell(f"{style['symbol']} {label}", f"status status-{key}", style["color"])

    def flagship_places(self, target: str) -> int:
        """The decimals a 专栏 target is printed with: its indicator's where it repeats one, else none."""
        spec = next(f for f in self.data.plan.flagship if f.id == target)
        return self.data.plan.indicator(spec.params["indicator"]).decimals if spec.compute == "same_as" else 0

    def indicators(self, category: str | None = None) -> list[Indicator]:
        return [i for i in self.data.plan.indicators if category is None or i.category == category]

    def row(self, indicator: str, area: str | None = None) -> pd.Series:
        """The evaluation row of one indicator and area (this report's area by default)."""
        return self._rows.loc[(indicator, area or self.data.area_code)]


def report_title(year: int, plan: Plan, words: Words) -> str:
    """'河源市知识产权“十四五”规划实施年度监测报告（2021年）', '…中期评估报告', '…终期评估（总结评估）报告'."""
    return "".join(title_lines(year, plan, words))


def title_lines(year: int, plan: Plan, words: Words) -> list[str]:
    """The report's title as the cover sets it, on two lines that break at no other place: the plan's short title,
    then the title of the year's report mode."""
    return [plan.short_title, words(f"plan.title.{plan.mode_of(year)}", year=year)]
