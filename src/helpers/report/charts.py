"""Report charts: matplotlib figures with the CJK font, the report's colours and its wording.

`Charts` is built from the report's chart style, fonts and the chart words of one language; its methods take
plain series and return figures, so the exploration notebook can use them as the report does. `svg()` renders
a figure as a vector image with its text as text in the chart font (`helpers.report.svg`): the page holds it inline, set
in the fonts the page embeds, and the PDF prints the same SVG (labels searchable and copyable); `png()` renders it as
a bitmap for notebooks and the Word edition; both refuse a figure that would show a missing-glyph box. `drawn()`
builds a chart once and exports it to each format a report needs, kept in a store folder under the digest of what
draws it (`Drawn.key`), so that a chart drawn before is read back, not drawn again.
Each chart has a `…_table` twin that gives its numbers, from the same panels, as the report's tables print them
(the page shows it under the chart for screen readers, search engines and copying).

Print rules every chart keeps (tests/test_charts.py measures them on the figures): a panel's unit sits in its
title line (no axis label that could run into the next panel's title), a title too long for its panel wraps;
legends sit below the panels, never over data; value labels stay inside their panel (the axis grows to hold
them); counts get integer ticks; ticks and labels use the tables' number format (thousands separator, the
indicator's decimals); series differ by marker, line style or hatch, not by colour alone.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import json
import os
import sys
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath
from matplotlib.ticker import Formatter, MaxNLocator
from PIL import Image
from pydantic import BaseModel

from helpers.files import atomic_write
from helpers.indicators.catalog import rounded
from helpers.report import findings, fonts
from helpers.report.findings import number
from helpers.report.fonts import Fonts
from helpers.report.svg import CHART_KEY, compact_svg
from helpers.settings import Charts as ChartStyle

CM = 1 / 2.54
PT_PER_CM = 72 / 2.54
TITLE_SIZE = 10  # pt, a panel's title
UNIT_SIZE = 7.5  # pt, the unit at the right of the title line
LABEL_SIZE = 6.5  # pt, value labels
TITLE_LINE_CM = 0.5  # one line of a panel title
TICKS_CM = 0.6  # the tick labels under a panel
BOTTOM_CM = 1.1  # under the last row: tick labels and, in the notebook's figures, an axis label
TALL_ROWS_CM = 1.0  # a panel's height given up in a figure of three rows or more
BAR_CM = 0.33  # one horizontal bar with its name: the six counties fit the usual panel, twelve cities need more
LEGEND_CM = 0.5  # one line of a figure's shared legend
LEGEND_PER_LINE = 4  # entries on one legend line (the report's width holds four)
HEADROOM = 0.08  # above the highest value or target: markers and lines are not cut by the frame
TARGET_LABELS = {"growth": "target_growth", "floor": "target_floor"}  # other kinds: "target"
HATCHES = ["", "////", "....", "xxxx", "\\\\\\\\", "++++"]  # bar series in black-and-white print
SVG_RC = {"svg.fonttype": "none", "svg.hashsalt": "heyuan-ip-eval"}  # text as text; stable ids for identical figures
NO_BREAK_AFTER = set("（《“‘([")
NO_BREAK_BEFORE = set("）》”’，、。：；！？%)]")


class ChartError(Exception):
    """A chart would not read correctly (a glyph the font lacks)."""


@dataclass(frozen=True)
class Drawn:
    """A drawn chart: its key in the store (the digest of what draws it: Charts._key) and its SVG."""

    key: str
    svg: bytes


@dataclass(frozen=True)
class Trajectory:
    """One indicator's values by year against its target path (straight line from base to target)."""

    title: str
    unit: str
    actual: pd.Series
    base_year: int
    target_year: int
    base: float | None = None
    target: float | None = None
    kind: str = "level"
    decimals: int = 2  # as the report's tables print the indicator
    path: bool = True  # draw the 序时进度 path (not in the final evaluation)
    plan_base: float | None = None  # the plan's own base where progress is measured from another (rebased)

    @property
    def draws_path(self) -> bool:
        """Whether the panel shows the 序时进度 path (a caption may mention it only then)."""
        return (self.path and self.target is not None and self.base is not None
                and self.kind in {"level", "stock", "flow"})


@dataclass(frozen=True)
class Comparison:
    """One indicator's value per county, with the area to highlight, an optional reference line and the bars
    whose rate rests on too few cases to be judged (name → their number of cases)."""

    title: str
    unit: str
    values: pd.Series
    highlight: str | None = None
    reference: float | None = None
    reference_label: str = ""
    decimals: int = 2
    small: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class DataTable:
    """A chart's numbers as text: the column headings, then rows whose first cell names the row."""

    columns: list[str]
    rows: list[list[str]]


class TableNumbers(Formatter):
    """Tick labels in the tables' format: thousands separator, and as few decimals as tell the ticks apart
    exactly (0, 0.5, 1.0 …; 2,500, 5,000 …)."""

    places = 0

    def set_locs(self, locs: Sequence[float]) -> None:
        super().set_locs(locs)
        self.places = next((p for p in range(5) if all(abs(round(v, p) - v) < 1e-9 * max(1.0, abs(v))
                                                        for v in locs)), 5)

    def __call__(self, x: float, pos: int | None = None) -> str:
        return f"{0.0 if abs(x) < 1e-12 else x:,.{self.places}f}"


def _number(value: float, decimals: int | None = None) -> str:
    """A chart label: as the tables print it (the indicator's decimals, rounded half up) when `decimals` is
    given, else a compact form."""
    if decimals is not None:
        return number(value, decimals)
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}".rstrip("0").rstrip(".")


def _breakable(before: str, after: str) -> bool:
    """A title may break between these two characters: not inside a Latin word or a number, not after an
    opening or before a closing bracket or punctuation mark."""
    if before.isascii() and after.isascii() and (before.isalnum() or before in ".,") and after.isalnum():
        return False
    return before not in NO_BREAK_AFTER and after not in NO_BREAK_BEFORE


def fit_title(text: str, width_pt: float, prop: FontProperties, smallest: float = 8.5) -> tuple[list[str], float]:
    """A panel title in as few lines as fit `width_pt`: one line at the font `prop` or smaller down to
    `smallest` points; else wrapped at `prop`'s size into lines of about equal length. Returns the lines and
    the font size."""
    measure = TextToPath()
    full = measure.get_text_width_height_descent(text, prop, ismath=False)[0]
    size = prop.get_size_in_points()
    if full * smallest / size <= width_pt:
        return [text], min(size, size * width_pt / full)
    lines = wrap(text, width_pt, prop)
    balanced = wrap(text, full / len(lines) * 1.05, prop)
    return (balanced if len(balanced) == len(lines) else lines), size


def wrap(text: str, width_pt: float, prop: FontProperties) -> list[str]:
    """`text` in lines no wider than `width_pt` at the font `prop`, broken where _breakable allows."""
    measure = TextToPath()

    def fits(line: str) -> bool:
        return measure.get_text_width_height_descent(line, prop, ismath=False)[0] <= width_pt

    if fits(text):
        return [text]
    lines, start, last_break = [], 0, None
    for i in range(1, len(text)):
        if _breakable(text[i - 1], text[i]):
            if not fits(text[start:i]) and last_break is not None:
                lines.append(text[start:last_break])
                start = last_break
            last_break = i
    if not fits(text[start:]) and last_break is not None and last_break > start:
        lines.append(text[start:last_break])
        start = last_break
    return [*lines, text[start:]]


class Charts:
    """The report's charts in one style (report.yaml `charts`), font and language (`labels`: wording `charts`)."""

    def __init__(self, style: ChartStyle, fonts: Fonts, labels: dict[str, str], store: Path | None = None) -> None:
        self.style, self.labels, self.store = style, labels, store
        self.font_files = [path.name for path in fonts.chart_font_files().values()]  # named by their contents
        self.palette: dict[str, str] = style.palette
        self.family = fonts.register_matplotlib()
        sns.set_theme(style="whitegrid", context="paper", font=self.family,
                      rc={"axes.unicode_minus": False, "font.sans-serif": [self.family],
                          "axes.titleweight": "bold", "axes.titlesize": TITLE_SIZE, "axes.titley": 1.0,
                          "axes.labelsize": 8.5, "xtick.labelsize": 8, "ytick.labelsize": 8, "legend.fontsize": 7.5,
                          "figure.dpi": 100, "hatch.linewidth": 0.6})

    def figure(self, count: int = 1, per_row: int = 2, height_cm: float = 5.6, *, left_cm: float = 1.5,
               right_cm: float = 0.4, legend: int = 0, titles: Sequence[str] = (),
               units: Sequence[str] = ()) -> tuple[Figure, np.ndarray]:
        """A report-width figure with `count` panels, `per_row` per row, outside pyplot (no global state).

        `titles` and `units` (one each per panel) are set on the panels: the title left, the unit right on the
        same line, the title wrapped to its panel's width; every row keeps room for its longest title, so no
        title reaches into the panel above. `legend` keeps that many lines below the panels for one legend
        shared by all of them. Margins are fixed in centimetres rather than computed by constrained layout,
        which measured every label again and took most of a chart's time."""
        rows = max(1, -(-count // per_row))
        cols = min(per_row, max(count, 1))
        width = self.style.width_cm
        between = left_cm + 0.5  # between panels side by side: the next panel's tick labels
        panel_cm = (width - left_cm - right_cm - (cols - 1) * between) / cols
        title_prop = FontProperties(family=self.family, weight="bold", size=TITLE_SIZE)
        unit_prop = FontProperties(family=self.family, size=UNIT_SIZE)
        measure = TextToPath()
        wrapped = []
        for i, title in enumerate(titles):
            unit = self._unit(units[i]) if i < len(units) else ""
            room = panel_cm * PT_PER_CM
            if unit:
                room -= measure.get_text_width_height_descent(unit, unit_prop, ismath=False)[0] + 6
            wrapped.append(fit_title(title, room, title_prop))
        lines = [max((len(w) for w, _ in wrapped[r * cols:(r + 1) * cols]), default=1) for r in range(rows)]
        top = 0.25 + TITLE_LINE_CM * lines[0]
        gap = TICKS_CM + 0.3 + TITLE_LINE_CM * max(lines[1:], default=1)  # tick labels, then the next title
        bottom = BOTTOM_CM + LEGEND_CM * legend
        # three rows and more are lower: the figure then fits on a page under a few lines of text
        panel_height = height_cm - TICKS_CM - 0.3 - TITLE_LINE_CM - (TALL_ROWS_CM if rows >= 3 else 0)
        height = top + rows * panel_height + (rows - 1) * gap + bottom
        fig = Figure(figsize=(width * CM, height * CM))
        FigureCanvasAgg(fig)
        axes = fig.subplots(rows, cols, squeeze=False, gridspec_kw={
            "left": left_cm / width, "right": 1 - right_cm / width, "top": 1 - top / height,
            "bottom": bottom / height, "wspace": between / panel_cm, "hspace": gap / panel_height})
        for ax, (title_lines, size), unit in zip(axes.flat, wrapped, [*units, *[""] * len(wrapped)], strict=False):
            ax.set_title("\n".join(title_lines), loc="left", fontsize=size)
            ax.set_title(self._unit(unit), loc="right", fontsize=UNIT_SIZE, fontweight="normal")
        for ax in axes.flat[count:]:
            ax.set_visible(False)
        return fig, axes.flat

    def _unit(self, unit: str) -> str:
        return self.labels["unit"].format(unit=unit) if unit else ""

    def trajectories(self, panels: list[Trajectory]) -> Figure:
        """Small multiples: actual values (solid, filled dots) against the straight-line path to the target
        (dashed), the target (star) or the target growth or floor (dotted)."""
        colors, labels = self.palette, self.labels
        entries = {"actual"} | {"plan_base" for p in panels if p.plan_base is not None} | \
            {"path" for p in panels if p.draws_path} | {TARGET_LABELS.get(p.kind, "target") for p in panels
                                                         if p.target is not None}
        fig, axes = self.figure(len(panels), legend=-(-len(entries) // LEGEND_PER_LINE),
                                titles=[p.title for p in panels], units=[p.unit for p in panels])
        for ax, panel in zip(axes, panels, strict=False):
            actual = _drawn(panel)
            if _rebased(panel):
                ax.scatter([panel.base_year], [panel.plan_base], marker="o", facecolors="none",
                           edgecolors=colors["path"], zorder=3, label=labels["plan_base"])
            ax.plot(actual.index, actual.to_numpy(), marker="o", color=colors["actual"], label=labels["actual"],
                    linewidth=1.8)
            for year, value in actual.items():
                ax.annotate(_number(value, panel.decimals), (year, value), textcoords="offset points", xytext=(0, 5),
                            ha="center", fontsize=LABEL_SIZE, color=colors["actual"])
            if panel.draws_path:
                ax.plot([panel.base_year, panel.target_year], [panel.base, panel.target], linestyle="--",
                        color=colors["path"], label=labels["path"])
            if panel.target is not None:
                label = labels[TARGET_LABELS.get(panel.kind, "target")]
                if panel.kind in {"growth", "floor"}:
                    ax.axhline(panel.target, linestyle=":" if panel.kind == "growth" else "-.", color=colors["target"],
                               label=label)
                else:
                    ax.scatter([panel.target_year], [panel.target], marker="*", s=90, color=colors["target"],
                               zorder=3, label=label)
            ax.set_xlim(panel.base_year - 0.4, panel.target_year + 0.4)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            _value_axis(ax.yaxis, integer=panel.decimals == 0)
            low, high = ax.get_ylim()
            drawn = max([*actual.to_numpy(), panel.base or 0, panel.target or 0])
            ax.set_ylim(min(0, low), high + HEADROOM * (high - low) if drawn > 0 else 1)  # from 0; all zeros: 0–1
            _keep_inside(ax, "y")
        _shared_legend(fig, axes[: len(panels)])
        return fig

    def comparisons(self, panels: list[Comparison]) -> Figure:
        """Small multiples of horizontal bars, one bar per county; the report's own county stands out by colour
        and hatching; a rate from too few cases to be judged is an open, dotted bar labelled with its n; a reference
        (the city target of a rate) is a dotted line. Each is named in the shared legend."""
        colors = self.palette
        named = any(p.reference is not None or p.highlight in p.values.dropna().index or p.small for p in panels)
        bars = max((p.values.notna().sum() for p in panels), default=0)
        rows = -(-len(panels) // 2)
        height = max(5.0, bars * BAR_CM + TICKS_CM + 0.3 + TITLE_LINE_CM + (TALL_ROWS_CM if rows >= 3 else 0))
        fig, axes = self.figure(len(panels), height_cm=height, left_cm=1.6, titles=[p.title for p in panels],
                                units=[p.unit for p in panels], legend=int(named))
        for ax, panel in zip(axes, panels, strict=False):
            values = panel.values.dropna().sort_values()  # no data is not 0: such a county has no bar
            bars = ax.barh(values.index, values.to_numpy(), color=colors["other"])
            for bar, name in zip(bars, values.index, strict=True):
                if name == panel.highlight:
                    bar.set(color=colors["area"], hatch=HATCHES[1], edgecolor=colors["actual"], label=name)
                if name in panel.small:  # after the highlight: its own county's unjudged bar is unjudged too
                    bar.set(facecolor="white" if name != panel.highlight else colors["area"], hatch=HATCHES[2],
                            edgecolor=colors["path"], label=self.labels["small_sample"])
            for y, (name, value) in enumerate(values.items()):
                text = _number(value, panel.decimals)
                if name in panel.small:
                    text = self.labels["small_value"].format(value=text, n=panel.small[name])
                ax.annotate(text, (value, y), textcoords="offset points", xytext=(-3 if value < 0 else 3, 0),
                            ha="right" if value < 0 else "left", va="center", fontsize=LABEL_SIZE)
            if panel.reference is not None:
                ax.axvline(panel.reference, linestyle=":", color=colors["target"],
                           label=panel.reference_label or self.labels["city_target"])
            _value_axis(ax.xaxis, integer=panel.decimals == 0)
            low, high = ax.get_xlim()
            ax.set_xlim(min(0, low), high if max(values.max(), panel.reference or 0) > 0 else 1)
            _keep_inside(ax, "x")
        _shared_legend(fig, axes[: len(panels)])
        return fig

    def cumulative(self, series: pd.Series, since: int, target: float | None, title: str, unit: str) -> Figure:
        """The running total of yearly amounts from `since` on, as bars, against its target (dotted)."""
        colors, labels = self.palette, self.labels
        running = series.dropna()
        running = running[running.index >= since].cumsum()
        fig, axes = self.figure(1, per_row=1, height_cm=6.0, left_cm=2.0, legend=1, titles=[title], units=[unit])
        ax = axes[0]
        ax.bar(running.index, running.to_numpy(), color=colors["actual"], label=labels["cumulative"])
        for year, value in running.items():
            ax.annotate(_number(value), (year, value), textcoords="offset points", xytext=(0, 3), ha="center",
                        fontsize=7)
        if target is not None:
            ax.axhline(target, linestyle=":", color=colors["target"],
                       label=labels["cumulative_target"].format(target=_number(target)))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        _value_axis(ax.yaxis, integer=True)
        ax.set_ylim(0, max(running.max(), target or 0) * (1 + HEADROOM))
        _keep_inside(ax, "y")
        _shared_legend(fig, [ax])
        return fig

    def criteria(self, table: pd.DataFrame, title: str) -> Figure:
        """Patents meeting each high-value criterion by year (a patent may meet several): grouped bars, each
        criterion with its own shade and hatching, named in a legend below the chart."""
        counts = _criteria_counts(table)
        fig, axes = self.figure(1, per_row=1, height_cm=6.5, legend=-(-len(counts.columns) // 3), titles=[title],
                                units=[self.labels["pieces"]])
        ax = axes[0]
        shades = sns.color_palette("crest", len(counts.columns))
        width = 0.8 / len(counts.columns)
        x = np.arange(len(counts.index))
        for i, label in enumerate(counts.columns):
            ax.bar(x + (i - (len(counts.columns) - 1) / 2) * width, counts[label].to_numpy(), width, label=label,
                   color=shades[i], hatch=HATCHES[i % len(HATCHES)], edgecolor="white", linewidth=0.4)
        ax.set_xticks(x, [str(year) for year in counts.index])
        ax.grid(axis="x", visible=False)
        _value_axis(ax.yaxis, integer=True)
        _shared_legend(fig, [ax], per_line=3)
        return fig

    def months(self, series: pd.Series, title: str, unit: str) -> Figure:
        """Counts by month 1–12 as bars."""
        fig, axes = self.figure(1, per_row=1, height_cm=6.0, left_cm=2.0, titles=[title], units=[unit])
        ax = axes[0]
        ax.bar([self.labels["month"].format(month=m) for m in series.index], series.to_numpy(),
               color=self.palette["actual"])
        _value_axis(ax.yaxis, integer=True)
        return fig

    # ------------------------------------------------------------------ each chart's numbers as a table
    def _heading(self, title: str, unit: str) -> str:
        return self.labels["table_heading"].format(title=title, unit=unit) if unit else title

    def trajectories_table(self, panels: list[Trajectory]) -> DataTable:
        """The numbers of `trajectories`: a row per panel with its value of each year drawn (the base year's on the
        basis progress is measured on, the plan's own beside it) and its target (a target growth or floor named)."""
        labels = self.labels
        years = sorted({int(year) for panel in panels for year in panel.actual.dropna().index})
        rows = []
        for panel in panels:
            drawn = _drawn(panel)
            cells = [number(drawn.get(year), panel.decimals) for year in years]
            if _rebased(panel):
                cells[years.index(panel.base_year)] = labels["table_rebased"].format(
                    value=cells[years.index(panel.base_year)], label=labels["plan_base"],
                    plan_base=number(panel.plan_base, panel.decimals))
            target = number(panel.target, panel.decimals)
            if panel.kind in TARGET_LABELS and panel.target is not None:  # a growth rate or a floor says which
                target = labels["table_target"].format(label=labels[TARGET_LABELS[panel.kind]], value=target)
            rows.append([panel.title, panel.unit, *cells, target])
        columns = [labels["table_indicator"], labels["table_unit"],
                   *(labels["table_year"].format(year=year) for year in years), labels["target"]]
        return DataTable(columns, rows)

    def comparisons_table(self, panels: list[Comparison]) -> DataTable:
        """The numbers of `comparisons`: a row per area (a panel's bar, or — where it has none), a column per panel,
        a rate from too few cases with its n; the reference lines in a last row."""
        names = list(dict.fromkeys(name for panel in panels for name in panel.values.index))
        rows = []
        for name in names:
            cells = []
            for panel in panels:
                text = number(panel.values.get(name), panel.decimals)
                if name in panel.small:
                    text = self.labels["small_value"].format(value=text, n=panel.small[name])
                cells.append(text)
            rows.append([name, *cells])
        references = [p for p in panels if p.reference is not None]
        if references:
            label = references[0].reference_label or self.labels["city_target"]
            rows.append([label, *(number(p.reference, p.decimals) for p in panels)])
        return DataTable([self.labels["table_area"], *(self._heading(p.title, p.unit) for p in panels)], rows)

    def cumulative_table(self, series: pd.Series, since: int, target: float | None, unit: str,
                         decimals: int) -> DataTable:
        """The numbers of `cumulative`: each year's amount and the running total, then the target."""
        labels = self.labels
        yearly = series.dropna()
        yearly = yearly[yearly.index >= since]
        rows = [[labels["table_year"].format(year=year), number(amount, decimals), number(total, decimals)]
                for (year, amount), total in zip(yearly.items(), yearly.cumsum(), strict=True)]
        if target is not None:
            rows.append([labels["table_cumulative_target"], "—", number(target, decimals)])
        return DataTable([labels["year"], self._heading(labels["table_yearly"], unit),
                          self._heading(labels["cumulative"], unit)], rows)

    def criteria_table(self, table: pd.DataFrame) -> DataTable:
        """The numbers of `criteria`: a row per year, a column per criterion."""
        counts = _criteria_counts(table)
        rows = [[self.labels["table_year"].format(year=year), *(number(v, 0) for v in counts.loc[year])]
                for year in counts.index]
        return DataTable([self.labels["year"], *counts.columns], rows)

    def months_table(self, series: pd.Series, unit: str) -> DataTable:
        """The numbers of `months`: a row per month."""
        return DataTable([self.labels["table_month"], unit],
                         [[self.labels["month"].format(month=m), number(v, 0)] for m, v in series.items()])

    def drawn(self, kind: str, *args: Any, png: bool = False) -> Drawn:  # noqa: ANN401 — a chart method's arguments
        """The chart `kind` (trajectories, comparisons, cumulative, criteria, months) of `args`, drawn: its key and its
        SVG, the figure built once and exported to every format asked for: with `png` also as PNG, for the Word edition
        (`stored_png`), left in the store under the same key. With a store, a chart drawn before from the same
        numbers, style, words, font and drawing code is read back, not drawn again; files are written atomically
        (parallel workers share the store) and touched when used (`prune_store` removes those unused for long)."""
        key = self._key(kind, args)
        if self.store is None:
            if png:
                raise ValueError("a PNG for the Word edition needs a chart store")
            return Drawn(key, self.svg(getattr(self, kind)(*args)))
        svg_path, png_path = self.store / f"{key}.svg", self.store / f"{key}.png"
        with suppress(FileNotFoundError):
            svg = svg_path.read_bytes()
            for path in [svg_path, *([png_path] if png else [])]:
                os.utime(path)
            return Drawn(key, svg)
        fig = getattr(self, kind)(*args)
        svg = self.svg(fig)
        if png:  # before the SVG, whose presence says the chart is complete
            atomic_write(png_path, self.png(fig))
        atomic_write(svg_path, svg)
        return Drawn(key, svg)

    def _key(self, kind: str, args: tuple) -> str:
        """The digest of everything a chart's drawing depends on: its kind and arguments, the style, the chart words,
        the font files (named by their contents), the drawing code and the plotting libraries' versions."""
        parts = [_drawing_code(), kind, args, self.style, self.labels, self.font_files]
        return hashlib.sha256(json.dumps(parts, default=_plain, sort_keys=True, ensure_ascii=False).encode()
                              ).hexdigest()[:32]

    def svg(self, fig: Figure) -> bytes:
        """The figure as SVG: vector, its text as text in the chart font (the page and the PDF set it in the fonts
        they embed; WeasyPrint draws text in a fraction of the time it takes to parse glyph outlines). A glyph the
        font lacks is a ChartError, never a box in a report."""
        buffer = io.BytesIO()
        with _glyphs_checked(), matplotlib.rc_context(SVG_RC):
            fig.savefig(buffer, format="svg", metadata={"Date": None})
        return compact_svg(buffer.getvalue())

    def png(self, fig: Figure) -> bytes:
        """The figure as an RGB PNG at the configured resolution, which it records (a word processor sizes it
        from that), for notebooks and the Word edition (no alpha channel). A glyph the font lacks is a ChartError,
        never a box."""
        dpi = self.style.dpi
        with _glyphs_checked():
            fig.set_dpi(dpi)
            canvas = FigureCanvasAgg(fig)
            canvas.draw()
            pixels = np.asarray(canvas.buffer_rgba())[..., :3]
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, format="PNG", compress_level=1, dpi=(dpi, dpi))
        return buffer.getvalue()

    def show(self, fig: Figure):  # noqa: ANN201 — IPython's Image
        """Display a figure in a notebook as the report draws it (glyph-checked)."""
        from IPython.display import Image as Picture

        return Picture(self.png(fig))


def chart_store(context: Any) -> Path:  # noqa: ANN401 — helpers.context.Context
    """The folder of drawn charts (Charts.drawn), beside the chart fonts under paths.yaml cache_dir."""
    return context.path("cache_dir") / "charts"


def stored_png(store: Path, key: str) -> bytes:
    """The PNG the store holds for the chart `key` (Charts.drawn with `png`)."""
    if not CHART_KEY.fullmatch(key):
        raise ChartError(f"不是图表编号：{key[:40]!r}")
    try:
        return (store / f"{key}.png").read_bytes()
    except FileNotFoundError as missing:
        raise ChartError("图表缓存中没有 Word 版所需的图表 PNG（报告笔记本未以 word=True 运行？）") from missing


def prune_store(store: Path, days: float) -> None:
    """Remove the store's charts not used for `days` (a chart is touched each time it is used)."""
    if not store.is_dir():
        return
    before = time.time() - days * 86400
    for path in store.iterdir():
        with suppress(FileNotFoundError):
            if path.stat().st_mtime < before:
                path.unlink()


@functools.cache
def _drawing_code() -> str:
    """The digest of the code that draws a chart (this module, its SVG compaction, the number format and rounding, the
    font cut) and of the plotting libraries' versions."""
    digest = hashlib.sha256(f"{matplotlib.__version__}|{sns.__version__}".encode())
    code = (sys.modules[function.__module__].__file__ for function in (rounded, compact_svg))
    for module in (__file__, findings.__file__, fonts.__file__, *code):
        digest.update(Path(module).read_bytes())
    return digest.hexdigest()


def _plain(value: Any) -> Any:  # noqa: ANN401 — what json.dumps cannot write itself
    """A chart argument as JSON can write it: a dataclass by its fields, a setting by its values, a Series or
    table by its index and values."""
    if dataclasses.is_dataclass(value):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, BaseModel):  # a typed setting (helpers.settings)
        return value.model_dump()
    if isinstance(value, pd.Series):
        return {"index": value.index.tolist(), "values": value.tolist(), "dtype": str(value.dtype)}
    if isinstance(value, pd.DataFrame):
        return {**value.to_dict(orient="split"), "dtypes": [str(t) for t in value.dtypes]}
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"chart argument of type {type(value).__name__} has no digest")


def _rebased(panel: Trajectory) -> bool:
    """Whether a trajectory's base year is drawn on another basis than the plan's (the plan's own marked beside it)."""
    return panel.plan_base is not None and panel.base is not None and panel.base_year in panel.actual.dropna().index


def _drawn(panel: Trajectory) -> pd.Series:
    """A trajectory's values as drawn: by year, the base year's on the basis progress is measured on."""
    actual = panel.actual.dropna()
    if _rebased(panel):
        actual = actual.copy()
        actual[panel.base_year] = panel.base
    return actual


def _criteria_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Patents meeting each high-value criterion (columns, in the table's order) by year (rows)."""
    counts = table.pivot_table(index="year", columns="label", values="count", aggfunc="sum", sort=False)
    return counts.fillna(0)


@contextmanager
def _glyphs_checked() -> Iterator[None]:
    """Collects matplotlib's warnings while a figure is drawn; a missing glyph raises ChartError."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    if missing:
        raise ChartError("图表中有字体缺少的字符：" + "；".join(missing))


def _value_axis(axis: Any, *, integer: bool) -> None:  # noqa: ANN401 — matplotlib's XAxis or YAxis
    """A value axis in the tables' number format; whole ticks only for counts."""
    axis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10], integer=integer, min_n_ticks=2))
    axis.set_major_formatter(TableNumbers())


def _keep_inside(ax: Axes, direction: str, tries: int = 4) -> None:
    """Widen the value axis (`direction` "x" or "y") until every value label lies inside the panel."""
    renderer = ax.figure.canvas.get_renderer()
    for _ in range(tries):
        box = ax.get_window_extent(renderer)
        extents = [t.get_window_extent(renderer) for t in ax.texts]
        if direction == "y":
            low, high = ax.get_ylim()
            size, below, above = box.height, box.y0 - min((e.y0 for e in extents), default=box.y0), \
                max((e.y1 for e in extents), default=box.y1) - box.y1
        else:
            low, high = ax.get_xlim()
            size, below, above = box.width, box.x0 - min((e.x0 for e in extents), default=box.x0), \
                max((e.x1 for e in extents), default=box.x1) - box.x1
        if below <= 0 and above <= 0:
            return
        per_pixel = (high - low) / size
        low -= (max(below, 0) + 3) * per_pixel if below > 0 else 0
        high += (max(above, 0) + 3) * per_pixel if above > 0 else 0
        (ax.set_ylim if direction == "y" else ax.set_xlim)(low, high)


def _shared_legend(fig: Figure, axes: Sequence[Axes], per_line: int = LEGEND_PER_LINE) -> None:
    """One legend for every panel, each label once, on the lines kept below the panels."""
    entries: dict[str, object] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            entries.setdefault(label, handle)
    if entries:
        fig.legend(list(entries.values()), list(entries), loc="lower center", ncols=min(len(entries), per_line),
                   frameon=False, bbox_to_anchor=(0.5, 0.0))
