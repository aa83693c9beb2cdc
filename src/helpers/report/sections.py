"""The report's sections as HTML, in the order report.yaml declares them. Each section is a method of `Report`
named in `SECTIONS`; `Report.sections()` renders them all, in order, for the notebook to display. Every text
comes from the wording of the report's language, and every text from data passes through Jinja's autoescaping."""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from IPython.display import HTML
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from helpers.cleaning import OUTCOMES
from helpers.context import Context
from helpers.indicators import Indicator, Plan
from helpers.report import assessor, findings
from helpers.report import data as report_data
from helpers.report.charts import Charts, Comparison, DataTable, Trajectory, chart_store
from helpers.report.conclusions import ConclusionSections
from helpers.report.findings import number, percent
from helpers.report.fonts import fonts_of
from helpers.report.official import OFFICIAL_SOURCE, OfficialSections
from helpers.report.period_sections import PeriodSections
from helpers.report.plan_sections import PlanSections
from helpers.report.wording import Words, fill, local_time

_ENV = Environment(loader=PackageLoader("helpers.report", "templates/sections"),
                   autoescape=select_autoescape(default=True, default_for_string=True), trim_blocks=True,
                   lstrip_blocks=True)
_ENV.filters["fill"] = fill


@dataclass(frozen=True)
class Cell:
    """One table cell: text, an optional CSS class and colour (a status)."""

    text: str
    css: str = ""
    color: str = ""


@dataclass(frozen=True)
class Section:
    """One entry of report.yaml `sections`, with its heading in the report's language."""

    id: str
    template: str
    toc: str  # the label in the table of contents ("" when not listed)
    heading: str
    per_domain: bool = False


class Report(PeriodSections, PlanSections, OfficialSections, ConclusionSections):
    """One (year, area) report. `Report.load(...)`, then `sections()` renders every section in order. Charts are
    embedded as vector SVG; with `word` each is also left as PNG in the chart store (cache_dir/charts), from the same
    figure, for the Word edition that the batch worker makes from these sections (helpers.report.word)."""

    def __init__(self, data: report_data.ReportData, word: bool = False) -> None:
        self.data = data
        self.word = word
        self.w: Words = data.words
        self._rows = data.evaluation.set_index(["indicator", "area_code"], drop=False)
        self._tables = 0
        self._figures = 0
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
                entries += [(f"domain-{n}", self._domain_heading(n), 2)
                            for n in range(1, len(self.data.plan.domains) + 1)]
            if section.id == "appendix":
                entries += [(f"appendix-{key}", self._appendix_heading(key), 2) for key in self.appendices()]
        return entries

    def _section_title(self, section_id: str) -> str:
        """A section as the text refers to it: its title in the contents (一、评估说明)."""
        return next(section.toc for section in self.outline() if section.id == section_id)

    def appendices(self) -> dict[str, str]:
        """The appendices this report has, in the order report.yaml lists them, each with its label (附录一、二、… by
        position): those on the plan's items only where the plan has items. The one source of every reference to an
        appendix."""
        spec = next((s for s in self.data.context.report.sections if s.id == "appendix"), None)
        has_items = bool(self.data.context.plan_items.items)
        keys = [a.id for a in (spec.appendices if spec else []) if has_items or not a.plan_items]
        return {key: self.w("appendix.label", numeral=self.w.numeral(n)) for n, key in enumerate(keys, 1)}

    def _appendix_heading(self, key: str) -> str:
        return self.w("appendix.heading", label=self.appendices()[key], title=self.w[f"appendix.titles.{key}"])

    def sections(self, only: list[str] | None = None) -> Iterator[HTML]:
        """Every section of the report (or those whose ids `only` names), rendered in order, for the notebook to
        display."""
        for section in self.outline():
            if only is not None and section.id not in only:
                continue
            if section.per_domain:
                for n in range(1, len(self.data.plan.domains) + 1):
                    yield self.domain(n, section)
            else:
                yield SECTIONS[section.id](self, section)

    # ------------------------------------------------------------------ building blocks
    def _render(self, section: Section | str, **context: object) -> HTML:
        template = section.template if isinstance(section, Section) else section
        heading = section.heading if isinstance(section, Section) else ""
        section_id = section.id if isinstance(section, Section) else template
        html = _ENV.get_template(f"{template}.html.j2").render(**{"w": self.w.texts, "heading": heading,
                                                                 "section_id": section_id, **context})
        return HTML(self._with_assessor_text(html, section_id))

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
        closing = _ENV.get_template("assessor.html.j2").render(w=self.w.texts, slots=parts)
        at = html.rfind("</section>")
        return html[:at] + closing + html[at:] if at >= 0 else html + closing

    def _table(self, caption: str, columns: dict[str, float], rows: list[list[Cell | str]], css: str = "",
               row_header: int | None = 0) -> Markup:
        """A numbered table with its caption; `columns` maps each heading to its width in percent (fixed layout prints
        fast); the cells of column `row_header` (the first by default, None for none) name their rows (row headers)."""
        self._tables += 1
        cells = [[c if isinstance(c, Cell) else Cell(str(c)) for c in row] for row in rows]
        html = _ENV.get_template("table.html.j2").render(w=self.w.texts, number=self._tables, caption=caption,
                                                          columns=list(columns), widths=list(columns.values()),
                                                          rows=cells, css=css, row_header=row_header)
        return Markup(html)

    def _columns(self, key: str, widths: list[float], **fields: object) -> dict[str, float]:
        """Column headings of a table (wording `key`, filled with `fields`) with their widths in percent."""
        headings = [str(h).format(**fields) for h in self.w[key].values()]
        return dict(zip(headings, widths, strict=True))

    def _figure(self, kind: str, args: tuple, data: DataTable, caption: str) -> Markup:
        """A numbered chart: the chart `kind` of `args` (a Charts method and its arguments, drawn once: Charts.drawn)
        as an embedded SVG (vector, text as outlines), with its caption and, collapsed under it, its numbers as a
        table (`data`: on screen only)."""
        self._figures += 1
        image = base64.b64encode(self.charts.drawn(kind, *args, png=self.word)).decode("ascii")
        return Markup(_ENV.get_template("figure.html.j2").render(w=self.w.texts, number=self._figures,
                                                                 caption=caption, image=image, data=data))

    def _scoped(self, key: str, **fields: object) -> str:
        """The caption (wording `key`) of a table of the city's figures; in a county report labelled 全市 (its
        `key`_county where the label cannot simply follow it)."""
        caption = self.w(key, **fields)
        if self.data.is_city:
            return caption
        county = self.w.get(f"{key}_county")
        return county.format(**fields) if county else self.w("city_scope", caption=caption)

    def _area_text(self, key: str, **fields: object) -> str:
        """A sentence of the wording; in a county report its county version (`key`_county), which says whose
        figures follow and why."""
        d = self.data
        return self.w(key if d.is_city else f"{key}_county", area_name=d.area_name, government=self._government(),
                      **fields)

    def _flagship_places(self, target: str) -> int:
        """The decimals a flagship target is printed with: its indicator's where it repeats one, else none."""
        spec = next(f for f in self.data.plan.flagship if f.id == target)
        return self.data.plan.indicator(spec.params["indicator"]).decimals if spec.compute == "same_as" else 0

    def _status_cell(self, key: str, row: pd.Series | None = None) -> Cell:
        """A status with its symbol and colour; an indicator's small sample with its n (`row`, its evaluation)."""
        style = self.data.plan.statuses[key]
        label = self.w["statuses"][key]
        if key == "small_sample" and row is not None:
            label = self.w("indicators.status_small", n=int(row["rows"]))
        return Cell(f"{style['symbol']} {label}", f"status status-{key}", style["color"])

    @property
    def title(self) -> str:
        return report_title(self.data.year, self.data.plan, self.w)

    def _indicators(self, category: str | None = None) -> list[Indicator]:
        return [i for i in self.data.plan.indicators if category is None or i.category == category]

    def _row(self, indicator: str, area: str | None = None) -> pd.Series:
        """The evaluation row of one indicator and area (this report's area by default)."""
        return self._rows.loc[(indicator, area or self.data.area_code)]

    # ------------------------------------------------------------------ sections
    def cover(self, section: Section) -> HTML:
        d, w = self.data, self.w
        final = d.final
        year_text = (w("cover.year_text_final", base_year1=d.plan.base_year + 1, year=d.year) if final else
                     w("cover.year_text", year=d.year, elapsed=d.year - d.plan.base_year, tau=percent(d.tau)))
        period_end = f"{d.year}-12-31"
        cutoff = w("cover.cutoff_later" if str(d.cutoff) > period_end else "cover.cutoff_text", cutoff=d.cutoff,
                   rule=w[f"cutoff_rules.{d.cutoff_rule}"])
        return self._render(
            section, synthetic=d.synthetic, banner=w("synthetic_banner", city=d.context.areas.city_name),
            plan_title=d.plan.title, title_lines=title_lines(d.year, d.plan, w), area_name=d.area_name,
            area_code=d.area_code,
            year_text=year_text, period=w("cover.period_text", start=f"{d.plan.base_year + 1}-01-01", end=period_end),
            cutoff=cutoff, version=d.version, assessor=d.context.report.evaluator or w["assessor.placeholder"],
            generated=local_time(datetime.now(UTC).isoformat(), w), toc=self.toc())

    def summary(self, section: Section) -> HTML:
        d, w = self.data, self.w
        head = findings.headline(d)
        statuses = d.plan.statuses
        risks = [{"symbol": statuses[r["status"]]["symbol"], "label": w["statuses"][r["status"]],
                  "color": statuses[r["status"]]["color"], "text": findings.indicator_sentence(d, r)}
                 for _, r in findings.risks(d).iterrows()]
        total = sum(head.counts.values()) or 1
        bar = [{**statuses[k], "label": w["statuses"][k], "count": n, "share": round(100 * n / total, 2)}
               for k, n in head.counts.items() if n]
        final = d.final
        return self._render(section, headline=head.sentence, bar=bar, risks=risks,
                            achieved=w("summary.achieved_share", share=self._achieved_share()) if final else "",
                            no_risks=w["summary.no_risks_final" if final else "summary.no_risks"],
                            flagship=self._flagship_sentence() if d.is_city else "",
                            composite=self._composite_sentence() if d.is_city else "",
                            item_counts=self._counts_sentence() if d.is_city else "",
                            discrepancies=self._discrepancies(limit=3) if d.is_city else [],
                            discrepancies_intro=w["plan_items.discrepancies_intro"])

    def _data_sentence(self) -> str:
        """What cleaning read (files, rows and their outcomes), for 评估说明."""
        files = self.data.account("files")
        broken = int((files["status"] == "rejected").sum()) if not files.empty else 0
        totals = self.data.rows_by_source().sum()
        counts = {k: f"{totals[k]:,}" for k in ["rows_in", *OUTCOMES]}
        text = self._area_text("scope.data", files=len(files), **counts)
        appendix = self.appendices()["quality"]
        return text + (self.w("scope.data_broken", broken=broken, appendix=appendix) if broken
                       else self.w("scope.data_ok", appendix=appendix))

    def _flagship_sentence(self) -> str:
        w, flagship = self.w, self.data.flagship
        met = int((flagship["status"] == "met").sum())
        behind = flagship[flagship["status"].isin(self.data.context.findings["risk_statuses"])]
        text = w("summary.flagship", count=len(flagship), met=met)
        final = self.data.final
        if len(behind):
            names = w["summary.quoted_separator"].join(w("summary.flagship_name", name=n) for n in behind["name"])
            text += w("summary.flagship_behind_final" if final else "summary.flagship_behind", names=names)
        return text + w["sentence.end"]

    def scope(self, section: Section) -> HTML:
        d, w = self.data, self.w
        per_source = d.rows_by_source()
        files = d.account("files").groupby("source").size()
        used = {s: w.join([i.id for i in d.plan.indicators if s in i.sources]) for s in per_source.index}
        rows = [[d.source_title(s), str(files.get(s, 0)), f"{r['rows_in']:,}", f"{r['clean']:,}",
                 f"{r['rejected']:,}", used[s] or w[self._used_by(s)]] for s, r in per_source.iterrows()]
        missing = [s for s in d.manifest.get("missing_sources") or [] if s in d.sources]
        rows += [[d.source_title(s), "0", "—", "—", "—", w["scope.not_supplied"]] for s in missing]
        table = self._table(self._scoped("scope.table"), self._columns("scope.columns", [30, 9, 13, 13, 11, 24]),
                            rows, css="numbers")
        mode = d.plan.mode_of(d.year)
        return self._render(
            section, plan_title=d.plan.title, base_year=d.plan.base_year, target_year=d.plan.target_year,
            area_name=d.area_name, year=d.year, indicator_count=len(d.plan.indicators),
            period=w(f"scope.period.{mode}", start=d.plan.base_year + 1, year=d.year),
            evaluation=w[f"scope.evaluation.{mode}"], data_sentence=self._data_sentence(),
            flagship_count=len(d.plan.flagship), item_count=len(d.context.plan_items.items), is_city=d.is_city,
            item_method=self._item_method(), sources_table=table, span=d.plan.target_year - d.plan.base_year,
            sources=self._area_text("scope.sources", cutoff=d.cutoff,
                                    table_label=w("table_label", number=self._tables)),
            tau=percent(d.tau), on_track=d.plan.thresholds["on_track"], lagging=d.plan.thresholds["lagging"],
            final=d.final, basic=percent(d.plan.thresholds["basically_met"]), **self._base_check())

    def _used_by(self, source: str) -> str:
        """What a source that feeds no indicator is read for: official figures, else the 专栏 targets."""
        return "scope.used_by_official" if source == OFFICIAL_SOURCE else "scope.used_by_flagship"

    def indicators(self, section: Section) -> HTML:
        d, w = self.data, self.w
        years = {"base_year": d.plan.base_year, "target_year": d.plan.target_year, "year": d.year}
        final = d.final
        if d.is_city and final:
            columns = self._columns("indicators.city_columns_final", [5, 23, 7, 9, 10, 9, 8, 9, 8, 12], **years)
        elif d.is_city:
            columns = self._columns("indicators.city_columns", [5, 24, 7, 9, 10, 9, 8, 7, 7, 14], **years)
        else:
            key = "indicators.county_columns_final" if final else "indicators.county_columns"
            columns = self._columns(key, [5, 22, 7, 9, 11, 9, 8, 8, 7, 14], **years)
        rows = []
        for n, (_, r) in enumerate(d.own.iterrows(), start=1):
            places = findings.decimals(d, r["indicator"])
            if d.is_city and final:
                gap = findings.gap(d, r) if r["status"] not in {"met", "missing"} else "—"
                cagr = "—" if math.isnan(r["cagr"]) else percent(r["cagr"] / 100, 1)
                cells = [str(n), r["name"], r["unit"], self._base_text(r, places), self._target_text(r, places),
                         number(r["value"], places) + self._official_line(r["indicator"], places),
                         percent(r["completion"]), gap, cagr,
                         self._status_cell(r["status"], r)]
            elif d.is_city:
                cells = [str(n), r["name"], r["unit"], self._base_text(r, places), self._target_text(r, places),
                         self._value_text(r, places), percent(r["completion"]),
                         "—" if r["kind"] == "floor" else percent(r["tau"]), number(r["ratio"], 2),
                         self._status_cell(r["status"], r)]
            else:
                city_row = self._row(r["indicator"], d.context.areas.city_code)
                cells = [str(n), r["name"], r["unit"], number(r["base_used"], places), self._value_text(r, places),
                         self._target_text(city_row, places), percent(r["county_share"], 1), self._rank_text(r),
                         self._county_progress(r), self._status_cell(r["status"], r)]
            rows.append(cells)
        table = self._table(w("indicators.table", area_name=d.area_name, year=d.year), columns, rows,
                            css="indicators numbers", row_header=1)  # the first column is a sequence number
        intro = findings.headline(d).sentence
        trend = self._trend_table() if d.is_city and final else None
        return self._render(section, intro=intro, table=table, notes=self._indicator_notes(),
                            conclusion=self._conclusion() if final else "", trend_table=trend,
                            trend_intro=w("indicators.trend_intro", year=d.year, base_year=d.plan.base_year,
                                          next_year=self._next_year()) if trend else "",
                            look_back=self._indicators_look_back())

    def _county_progress(self, row: pd.Series) -> str:
        """A county's progress against the city target: r in a progress year; in the final evaluation the share
        achieved (P, or X ÷ T for a floor and CAGR ÷ g for a growth target)."""
        if not self.data.final:
            return number(row["ratio"], 2)
        return percent(row["completion"] if not math.isnan(row["completion"]) else row["ratio"])

    def _next_year(self) -> int:
        plan = self.data.plan
        return plan.target_year + (plan.target_year - plan.base_year)

    def _achieved_share(self) -> str:
        """The share of the judged indicators (data and a target) that are 已完成 or 基本完成."""
        counts = findings.status_counts(self.data)
        judged = sum(n for k, n in counts.items() if k not in findings.UNJUDGED)
        return percent((counts.get("met", 0) + counts.get("basic", 0)) / judged if judged else math.nan)

    def _conclusion(self) -> str:
        """The final evaluation's overall sentence on the indicators: how many met, basically met, not met."""
        d, w = self.data, self.w
        counts = findings.status_counts(d)
        parts = w.join([w("summary.headline_part", label=w["statuses"][k], count=n) for k, n in counts.items() if n])
        return w("indicators.conclusion", count=len(d.own), parts=parts, share=self._achieved_share())

    def _trend_table(self) -> Markup:
        """The final evaluation's reference values for the next plan: the target-year value as the new base and
        the value five years on at the whole period's pace (a trend, not a recommended target)."""
        d, w = self.data, self.w
        years = {"base_year": d.plan.base_year, "year": d.year, "next_year": self._next_year()}
        rows = []
        for _, r in d.own.iterrows():
            places = findings.decimals(d, r["indicator"])
            cagr = "—" if math.isnan(r["cagr"]) else percent(r["cagr"] / 100, 1)
            rows.append([r["name"], r["unit"], number(r["value"], places), cagr, number(r["trend_next"], places)])
        return self._table(w["indicators.trend_table"], self._columns("indicators.trend_columns", [40, 10, 16, 17, 17],
                                                                      **years), rows, css="numbers")

    def _value_text(self, row: pd.Series, places: int) -> str:
        """The value, with its official figure beneath where there is one (a small sample's n is in its status)."""
        return number(row["value"], places) + self._official_line(row["indicator"], places)

    def _rank_text(self, row: pd.Series) -> str:
        if math.isnan(row["county_rank"]):
            return "—"
        key = "indicators.rank_tied" if findings.tied(self.data, row) else "indicators.rank"
        return self.w(key, rank=int(row["county_rank"]), count=len(self.data.context.areas.county_codes))

    def _indicator_notes(self) -> list[str]:
        d, w = self.data, self.w
        own = d.own
        notes = [w["indicators.note"]]
        if d.final:
            notes.append(w("indicators.note_final", basic=percent(d.plan.thresholds["basically_met"]),
                           base_year=d.plan.base_year, year=d.year))
        elif (own["kind"] == "floor").any():
            notes.append(w["indicators.note_floor"])
        if d.is_city:
            basis = d.plan.settings.get("population_rebase", {}).get("basis", "")
            for _, r in own[own["base_kind"] == "rebased"].iterrows():
                places = findings.decimals(d, r["indicator"])
                notes.append(w("indicators.note_rebased", name=r["name"], base_plan=number(r["base_plan"], places),
                               basis=basis, base_rebased=number(r["base_rebased"], places), unit=r["unit"],
                               measures=w[f"indicators.rebased_measures.{'final' if d.final else 'progress'}"]))
            if (own["base_plan"].isna() & own["base_used"].notna()).any():
                notes.append(w("indicators.note_data_base", base_year=d.plan.base_year))
            if not d.final:
                growth = own[own["kind"] == "growth"]
                notes += [w("indicators.note_growth", name=name) for name in growth["name"]]
        else:
            notes.append(w["indicators.note_county"])
            if (own["base_kind"] == "rebased").any():
                notes.append(w("indicators.note_rebased_county", base_year=d.plan.base_year,
                               names=w.join(list(own.loc[own["base_kind"] == "rebased", "name"]))))
        if own["small_sample"].any() or own["county_rank"].notna().any():
            rule = d.plan.settings.get("small_samples") or {}
            notes.append(w("indicators.note_small", min_cases=rule.get("min_cases", 0)))
        return notes + self._county_sum_notes() + self._official_notes()

    def _county_sum_notes(self) -> list[str]:
        """Count indicators whose counties do not add up to the city (city-level records), explained."""
        d, w = self.data, self.w
        county_codes = d.context.areas.county_codes
        notes = []
        for ind in d.plan.indicators:
            if ind.county != "count":
                continue
            city = self._row(ind.id, d.context.areas.city_code)["value"]
            counties = sum(self._row(ind.id, c)["value"] for c in county_codes)
            if math.isnan(city) or math.isnan(counties):
                continue
            gap = findings.shown_difference(city, counties, ind.decimals)
            if gap > 0:
                notes.append(w("indicators.note_county_sum", name=ind.name, unit=findings.in_text(ind.unit, d),
                               counties=number(counties, ind.decimals), city=number(city, ind.decimals),
                               gap=number(gap, ind.decimals)))
        return notes

    def _base_text(self, row: pd.Series, places: int) -> str:
        """The base progress is measured from, with the plan's own figure beside it where the two differ, and
        marked * where the plan gives none (computed from the data)."""
        used, plan = row["base_used"], row["base_plan"]
        text = number(used, places)
        if math.isnan(used):
            return text
        if math.isnan(plan):
            return self.w("indicators.data_base", base=text)
        if round(plan, places) != round(used, places):
            text += self.w("indicators.plan_base", base=number(plan, places))
        return text

    def _target_text(self, row: pd.Series, places: int) -> str:
        if math.isnan(row["target"]):
            return "—"
        return (self.w["indicators.floor"] if row["kind"] == "floor" else "") + number(row["target"], places) + \
            (self.w["indicators.growth"] if row["kind"] == "growth" else "")

    def _domain_heading(self, n: int) -> str:
        category = self.data.plan.domains[n - 1]["category"]
        return self.w("subnumbered", numeral=self.w.numeral(n), title=self.w["plan.domains"][category])

    def domain(self, n: int, section: Section) -> HTML:
        """分领域评估, subsection `n` (1-based, in the order of the plan's `domains`)."""
        d = self.data
        spec = d.plan.domains[n - 1]
        heading = self.w["plan.domains"][spec["category"]]
        indicators = self._indicators(spec["category"])
        sentences = [findings.indicator_sentence(d, self._row(i.id)) for i in indicators]
        figures = [figure for kind in spec["charts"] if (figure := CHARTS[kind](self, indicators, heading)) is not None]
        return self._render(section, first=n == 1, parent_heading=section.heading, anchor=f"domain-{n}",
                            heading=self._domain_heading(n), sentences=sentences, figures=figures)

    def _chart_trajectory(self, indicators: list[Indicator], heading: str) -> Markup | None:
        d = self.data
        panels = []
        for ind in indicators:
            row = self._row(ind.id)
            history = d.history(ind.id)
            if row["status"] == "city_only" or history.dropna().empty:
                continue
            base = None if math.isnan(row["base_used"]) else float(row["base_used"])
            target = None if math.isnan(row["target"]) else float(row["target"])
            plan_base = row["base_data"] if row["base_kind"] == "rebased" else None
            panels.append(Trajectory(ind.name, ind.unit, history, d.plan.base_year, d.plan.target_year, base,
                                     target, ind.kind, ind.decimals, path=not self.data.final, plan_base=plan_base))
        if not panels:
            return None
        # the caption names what is drawn: the 序时进度 path, else the targets, else the values alone
        key = "charts.trajectory" if any(p.draws_path for p in panels) else \
            "charts.trajectory_targets" if any(p.target is not None for p in panels) else "charts.trajectory_values"
        return self._figure("trajectories", (panels,), self.charts.trajectories_table(panels),
                            self.w(key, area_name=d.area_name, heading=heading, base_year=d.plan.base_year,
                                   year=d.year))


    def _chart_counties(self, indicators: list[Indicator], heading: str) -> Markup | None:
        d = self.data
        names = d.context.areas.names
        panels = []
        for ind in indicators:
            if ind.county == "city_only":
                continue
            rows = {names[c]: self._row(ind.id, c) for c in d.context.areas.county_codes}
            values = pd.Series({name: row["value"] for name, row in rows.items()})
            if values.dropna().empty:
                continue
            reference = ind.target if ind.county == "rate" else None
            small = {name: int(row["rows"]) for name, row in rows.items() if row["status"] == "small_sample"}
            panels.append(Comparison(ind.name, ind.unit, values, None if d.is_city else d.area_name, reference,
                                     decimals=ind.decimals, small=small))
        if not panels:
            return None
        return self._figure("comparisons", (panels,), self.charts.comparisons_table(panels),
                            self.w("charts.counties", year=d.year, heading=heading))

    def _chart_high_value(self, indicators: list[Indicator], heading: str) -> Markup | None:
        d = self.data
        table = d.high_value
        table = table[(table["area_code"] == d.area_code) & (table["year"] <= d.year)]
        if table.empty or not table["count"].sum():
            return None
        return self._figure("criteria", (table, self.w["charts.high_value_title"]),
                            self.charts.criteria_table(table), self.w("charts.high_value", area_name=d.area_name))

    def _chart_pledges(self, indicators: list[Indicator], heading: str) -> Markup | None:
        d = self.data
        pledge = next((i for i in indicators if i.compute == "sum_in_year" and i.params.get("table") == "pledges"),
                      None)
        if pledge is None:
            return None
        series = d.history(pledge.id)
        if series.dropna().empty:
            return None
        cumulative = next((f for f in d.plan.flagship if f.params.get("indicator") == pledge.id
                           and f.compute == "cumulative_since"), None)
        if cumulative is None or not d.is_city:  # the yearly amounts alone are the trajectory's panel already
            return None
        since = cumulative.params["since"]
        title = self.w("charts.cumulative_title", name=pledge.name, since=since)
        target = cumulative.target
        return self._figure("cumulative", (series, since, target, title, pledge.unit),
                            self.charts.cumulative_table(series, since, target, pledge.unit, pledge.decimals),
                            self.w("charts.pledges", area_name=d.area_name, name=pledge.name, unit=pledge.unit,
                                   since=since))

    def _chart_visitors(self, indicators: list[Indicator], heading: str) -> Markup | None:
        d = self.data
        visitors = next((i for i in indicators if i.compute == "web_visitors"), None)
        if visitors is None or not d.is_city:
            return None
        months = d.visitors_by_month()
        if not months.sum():
            return None
        unit = self.w["charts.visitors_unit"]
        return self._figure("months", (months, self.w("charts.visitors_title", year=d.year), unit),
                            self.charts.months_table(months, unit), self.w("charts.visitors", year=d.year))

    def flagship(self, section: Section) -> HTML:
        d, w = self.data, self.w
        items = self._flagship_items()  # first: the tables are numbered in the order they appear
        final = d.final
        rows = []
        for _, r in d.flagship.iterrows():
            places = self._flagship_places(r["id"])
            progress = [] if final else [percent(r["tau"])]
            rows.append([w("flagship.column", column=r["column"]), r["name"], r["unit"], number(r["target"], places),
                         number(r["value"], places), percent(r["reached"]), *progress,
                         self._status_cell(r["status"])])
        if final:
            columns = self._columns("flagship.columns_final", [8, 36, 10, 11, 11, 10, 14], year=d.year)
        else:
            columns = self._columns("flagship.columns", [8, 30, 10, 10, 10, 9, 9, 14], year=d.year)
        table = self._table(self._scoped("flagship.table", year=d.year), columns, rows, css="numbers")
        intro_key = "flagship.intro_city_final" if final else "flagship.intro_city"
        intro = w[intro_key] if d.is_city else w("flagship.intro_county", area_name=d.area_name)
        return self._render(section, intro=intro, table=table, items_table=items,
                            items_intro=self._flagship_items_intro() if items is not None else "",
                            sentences=[self._flagship_sentence()] if d.is_city else [],
                            look_back=self._flagship_look_back())

    def recommendations(self, section: Section) -> HTML:
        """对策建议, from the statuses and the plan's recommendations (plan_wording.yaml)."""
        return self._render(section, recommendations=findings.recommendations(self.data))

    def appendix(self, section: Section) -> HTML:
        d, w = self.data, self.w
        per_source = d.rows_by_source()
        balanced = bool((per_source["rows_in"] == per_source[OUTCOMES].sum(axis=1)).all())
        rec_rows = [[d.source_title(s)] + [f"{v:,}" for v in r.to_numpy()] for s, r in per_source.iterrows()]
        totals = per_source.sum()
        rec_rows.append([Cell(w["appendix.total"], "total")] + [Cell(f"{v:,}", "total") for v in totals.to_numpy()])
        reconciliation = self._table(self._scoped("appendix.reconciliation"),
                                     self._columns("appendix.reconciliation_columns", [35, 13, 13, 13, 13, 13]),
                                     rec_rows, css="numbers")
        reasons = d.account("reasons")
        not_kept = reasons[reasons["outcome"] != "duplicate"]
        by_reason = not_kept.groupby("reason", sort=False).agg(rows=("rows", "sum"), sources=("source", "unique"))
        by_reason = by_reason.sort_values("rows", ascending=False)
        labels = d.context.cleaning
        reasons_table = self._table(
            self._scoped("appendix.reasons"), self._columns("appendix.reasons_columns", [38, 12, 50]),
            [[labels.reasons.get(r, r), f"{row['rows']:,}", Cell(w.join([d.source_title(s) for s in row["sources"]]),
                                                                  "text")]
             for r, row in by_reason.iterrows()], css="numbers") if len(by_reason) else None
        files = d.account("files")
        broken = files[files["status"] == "rejected"] if not files.empty else files
        broken_table = self._table(self._scoped("appendix.broken"),
                                   self._columns("appendix.broken_columns", [22, 38, 40]),
                                   [[d.source_title(r["source"]), r["file"], _plain(r["message"])]
                                    for _, r in broken.iterrows()]) if len(broken) else None
        warnings = d.account("warnings")
        warned = warnings.groupby(["source", "warning"], sort=False)["rows"].sum() if not warnings.empty else []
        warnings_table = self._table(self._scoped("appendix.warnings"),
                                     self._columns("appendix.warnings_columns", [30, 55, 15]),
                                     [[d.source_title(s), labels.warnings.get(k, k), f"{n:,}"]
                                      for (s, k), n in warned.items()], css="numbers") if len(warned) else None
        return self._render(
            section, appendices=[{"id": key, "heading": self._appendix_heading(key)} for key in self.appendices()],
            balance=w["appendix.balanced"] if balanced else w["appendix.unbalanced"],
            scope_note="" if d.is_city else w["appendix.quality_county"],
            reconciliation_table=reconciliation, reasons_table=reasons_table, broken_table=broken_table,
            warnings_table=warnings_table, method_notes=self._method_notes(), criteria_table=self._criteria_table(),
            area_name=d.area_name, year=d.year, missing_table=self._missing_evidence_table(),
            missing_none=self._missing_none() if d.context.plan_items.items else "",
            data_problems=findings.data_problems(d) + self._official_problems(),
            progress_table=self._progress_table(), progress_none=self._progress_none())

    def _criteria_table(self) -> Markup | None:
        d = self.data
        table = d.high_value
        table = table[(table["area_code"] == d.area_code) & (table["year"] == d.year)]
        if table.empty:
            return None
        return self._table(self.w["appendix.criteria"], self._columns("appendix.criteria_columns", [70, 30]),
                           [[r["label"], f"{int(r['count']):,}"] for _, r in table.iterrows()], css="numbers")

    def _method_notes(self) -> list[str]:
        """The method appendix: how the cut-off and missing data are treated, then the notes of the plan's indicators
        that have one (plan_wording.yaml `method_notes`), and the synthetic-data banner where it applies."""
        d, w = self.data, self.w
        stated_in = (d.manifest.get("data_cutoff_basis") or {}).get("stated_in")
        how = w(f"appendix.method_cutoff_how.{d.cutoff_rule}", file=stated_in)
        notes = [w("appendix.method_cutoff", cutoff=d.cutoff, rule=w[f"cutoff_rules.{d.cutoff_rule}"], how=how),
                 w["appendix.method_missing"]]
        high_value = d.plan.settings.get("high_value") or {}
        facts = {"criteria": w.join(list((high_value.get("criteria") or {}).values())),
                 "pledge_threshold_wan": high_value.get("pledge_threshold_wan")}
        ids = {i.id for i in d.plan.indicators}
        notes += [str(text).format(**facts) for key, text in (w.get("plan.method_notes") or {}).items() if key in ids]
        if d.synthetic:
            notes.append(w("synthetic_banner", city=d.context.areas.city_name))
        return notes


SECTIONS: dict[str, Callable[[Report, Section], HTML]] = {
    "cover": Report.cover,
    "summary": Report.summary,
    "scope": Report.scope,
    "indicators": Report.indicators,
    "achievements": Report.achievements,
    "tasks": Report.tasks,
    "flagship": Report.flagship,
    "policies": Report.policies,
    "safeguards": Report.safeguards,
    "goals": Report.goals,
    "departments": Report.departments,
    "benchmark": Report.benchmark,
    "problems": Report.problems,
    "recommendations": Report.recommendations,
    "appendix": Report.appendix,
}
CHARTS: dict[str, Callable[[Report, list[Indicator], str], Markup | None]] = {
    "trajectory": Report._chart_trajectory,
    "counties": Report._chart_counties,
    "high_value": Report._chart_high_value,
    "pledges": Report._chart_pledges,
    "visitors": Report._chart_visitors,
}


def report_title(year: int, plan: Plan, words: Words) -> str:
    """'河源市知识产权“十四五”规划实施年度监测报告（2021年）', '…中期评估报告', '…终期评估（总结评估）报告'."""
    return "".join(title_lines(year, plan, words))


def title_lines(year: int, plan: Plan, words: Words) -> list[str]:
    """The report's title as the cover sets it, on two lines that break at no other place: the plan's short title,
    then the title of the year's report mode."""
    return [plan.short_title, words(f"plan.title.{plan.mode_of(year)}", year=year)]


def _plain(message: str) -> str:
    """A reader's message without the technical detail a library appended to it ('…（文件损坏）：invalid Zip
    archive: …' → '…（文件损坏）')."""
    return re.sub(r"[：:]\s*[^\u3000-\u9fff\uff00-\uffef]*$", "", str(message)) or str(message)
