"""Report charts: matplotlib/seaborn figures with the CJK font, the report's colours and its wording.

`Charts` is built from the report's chart style, fonts and the chart words of one language; its methods take
plain series and return figures, so the exploration notebook can use them as the report does; `png()` renders
a figure and refuses one that would show a missing-glyph box.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator
from PIL import Image

from helpers.report.findings import number
from helpers.report.fonts import Fonts

CM = 1 / 2.54


class ChartError(Exception):
    """A chart would not read correctly (a glyph the font lacks)."""


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


@dataclass(frozen=True)
class Comparison:
    """One indicator's value per county, with the area to highlight and an optional reference line."""

    title: str
    unit: str
    values: pd.Series
    highlight: str | None = None
    reference: float | None = None
    reference_label: str = ""
    decimals: int = 2


LEGEND_CM = 0.6  # a figure's shared legend, one line below its panels


def _number(value: float, decimals: int | None = None) -> str:
    """A chart label: as the tables print it (the indicator's decimals, rounded half up) when `decimals` is
    given, else a compact form."""
    if decimals is not None:
        return number(value, decimals)
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}".rstrip("0").rstrip(".")


class Charts:
    """The report's charts in one style (report.yaml `charts`), font and language (`labels`: wording `charts`)."""

    def __init__(self, style: dict[str, Any], fonts: Fonts, labels: dict[str, str]) -> None:
        self.style, self.labels = style, labels
        self.palette: dict[str, str] = style["palette"]
        self.family = fonts.register_matplotlib()
        sns.set_theme(style="whitegrid", context="paper", font=self.family,
                      rc={"axes.unicode_minus": False, "font.sans-serif": [self.family],
                          "axes.titleweight": "bold", "axes.titlesize": 10, "axes.titley": 1.0,
                          "axes.labelsize": 8.5, "xtick.labelsize": 8, "ytick.labelsize": 8, "legend.fontsize": 7.5,
                          "figure.dpi": 100})

    def figure(self, count: int = 1, per_row: int = 2, height_cm: float = 5.6, *, left_cm: float = 1.5,
               right_cm: float = 0.4, twin: bool = False, legend: bool = False) -> tuple[Figure, np.ndarray]:
        """A report-width figure with `count` panels, `per_row` per row, outside pyplot (no global state);
        `legend` keeps a line below the panels for one legend shared by all of them.

        Margins are fixed in centimetres (room for a title above and tick labels below each panel) rather than
        computed by constrained layout, which measured every label again and took most of a chart's time."""
        rows = max(1, -(-count // per_row))
        cols = min(per_row, max(count, 1))
        below = LEGEND_CM if legend else 0
        width, height = self.style["width_cm"], height_cm * rows + below
        right = right_cm + (1.3 if twin else 0)
        fig = Figure(figsize=(width * CM, height * CM))
        FigureCanvasAgg(fig)
        axes = fig.subplots(rows, cols, squeeze=False, gridspec_kw={
            "left": left_cm / width, "right": 1 - right / width, "top": 1 - 0.75 / height,
            "bottom": (1.1 + below) / height, "wspace": (left_cm + 0.5) / (width / cols), "hspace": 1.9 / height_cm})
        for ax in axes.flat[count:]:
            ax.set_visible(False)
        return fig, axes.flat

    def trajectories(self, panels: list[Trajectory]) -> Figure:
        """Small multiples: actual values (solid) against the straight-line path to the target (dashed)."""
        colors, labels = self.palette, self.labels
        fig, axes = self.figure(len(panels), legend=True)
        for ax, panel in zip(axes, panels, strict=False):
            actual = panel.actual.dropna()
            if panel.plan_base is not None and panel.base is not None and panel.base_year in actual.index:
                actual = actual.copy()  # the base year on the basis progress is measured on, the plan's marked
                actual[panel.base_year] = panel.base
                ax.scatter([panel.base_year], [panel.plan_base], marker="o", facecolors="none",
                           edgecolors=colors["path"], zorder=3, label=labels["plan_base"])
            ax.plot(actual.index, actual.to_numpy(), marker="o", color=colors["actual"], label=labels["actual"],
                    linewidth=1.8)
            for year, value in actual.items():
                ax.annotate(_number(value, panel.decimals), (year, value), textcoords="offset points", xytext=(0, 5),
                            ha="center", fontsize=6.5, color=colors["actual"])
            if panel.decimals == 0:
                ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            if (panel.path and panel.target is not None and panel.kind in {"level", "stock", "flow"}
                    and panel.base is not None):
                ax.plot([panel.base_year, panel.target_year], [panel.base, panel.target], linestyle="--",
                        color=colors["path"], label=labels["path"])
            if panel.target is not None:
                label = labels[{"growth": "target_growth", "floor": "target_floor"}.get(panel.kind, "target")]
                if panel.kind in {"growth", "floor"}:
                    ax.axhline(panel.target, linestyle=":", color=colors["target"], label=label)
                else:
                    ax.scatter([panel.target_year], [panel.target], marker="*", s=90, color=colors["target"],
                               zorder=3, label=label)
            ax.set_title(panel.title, loc="left")
            ax.set_ylabel(panel.unit)
            ax.set_xlim(panel.base_year - 0.4, panel.target_year + 0.4)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            low, high = ax.get_ylim()
            low = min(0, low)
            drawn = max([*actual.to_numpy(), panel.base or 0, panel.target or 0])
            ax.set_ylim(low, high + 0.12 * (high - low) if drawn > 0 else 1)  # headroom for labels; zeros: 0–1
        _shared_legend(fig, axes[: len(panels)])
        return fig

    def comparisons(self, panels: list[Comparison]) -> Figure:
        """Small multiples of horizontal bars, one bar per county; the report's own county stands out."""
        colors = self.palette
        fig, axes = self.figure(len(panels), height_cm=5.0, left_cm=1.6)
        for ax, panel in zip(axes, panels, strict=False):
            values = panel.values.dropna().sort_values()  # no data is not 0: such a county has no bar
            shades = [colors["area"] if name == panel.highlight else colors["other"] for name in values.index]
            ax.barh(values.index, values.to_numpy(), color=shades)
            for y, value in enumerate(values.to_numpy()):
                ax.annotate(_number(value, panel.decimals), (value, y), textcoords="offset points", xytext=(3, 0),
                            va="center", fontsize=6.5)
            if panel.reference is not None:
                ax.axvline(panel.reference, linestyle=":", color=colors["target"],
                           label=panel.reference_label or self.labels["city_target"])
                ax.legend(loc="lower right", frameon=False)
            ax.set_title(panel.title, loc="left")
            ax.set_xlabel(panel.unit)
            ax.margins(x=0.18)
        return fig

    def bars_by_year(self, series: pd.Series, title: str, unit: str, *, cumulative_from: int | None = None,
                     cumulative_target: float | None = None) -> Figure:
        """Amounts per year as bars; optionally the running total from a year on against its target."""
        colors, labels = self.palette, self.labels
        fig, axes = self.figure(1, per_row=1, height_cm=6.5, left_cm=2.0, twin=cumulative_from is not None)
        ax = axes[0]
        series = series.dropna()
        ax.bar(series.index, series.to_numpy(), color=colors["actual"], label=labels["year_amount"].format(unit=unit))
        for year, value in series.items():
            ax.annotate(_number(value), (year, value), textcoords="offset points", xytext=(0, 3), ha="center",
                        fontsize=7)
        if cumulative_from is not None:
            running = series[series.index >= cumulative_from].cumsum()
            twin = ax.twinx()
            cumulative = labels["cumulative"].format(unit=unit)
            twin.plot(running.index, running.to_numpy(), marker="o", color=colors["area"], label=cumulative)
            if cumulative_target is not None:
                twin.axhline(cumulative_target, linestyle=":", color=colors["target"],
                             label=labels["cumulative_target"].format(target=_number(cumulative_target)))
            twin.set_ylabel(cumulative)
            twin.grid(False)
            twin.set_ylim(bottom=0)
            handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
            ax.legend(handles, [h.get_label() for h in handles], loc="upper left", frameon=False)
        ax.set_title(title, loc="left")
        ax.set_ylabel(unit)
        ax.margins(y=0.15)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        return fig

    def criteria(self, table: pd.DataFrame, title: str) -> Figure:
        """Patents meeting each high-value criterion by year (a patent may meet several): grouped bars."""
        fig, axes = self.figure(1, per_row=1, height_cm=6.5)
        ax = axes[0]
        sns.barplot(table, x="year", y="count", hue="label", ax=ax, palette="crest")
        ax.set_title(title, loc="left")
        ax.set_xlabel(self.labels["year"])
        ax.set_ylabel(self.labels["pieces"])
        ax.legend(title=None, frameon=False, ncols=3, loc="upper left")
        ax.margins(y=0.25)
        return fig

    def months(self, series: pd.Series, title: str, unit: str) -> Figure:
        """Counts by month 1–12 as bars."""
        fig, axes = self.figure(1, per_row=1, height_cm=6.0)
        ax = axes[0]
        ax.bar([self.labels["month"].format(month=m) for m in series.index], series.to_numpy(),
               color=self.palette["actual"])
        ax.set_title(title, loc="left")
        ax.set_ylabel(unit)
        return fig

    def png(self, fig: Figure) -> bytes:
        """The figure as an RGB PNG at the configured resolution (no alpha channel, which WeasyPrint would split
        off and re-encode). A glyph the font lacks is a ChartError, never a box in a report."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig.set_dpi(self.style["dpi"])
            canvas = FigureCanvasAgg(fig)
            canvas.draw()
            pixels = np.asarray(canvas.buffer_rgba())[..., :3]
        missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
        if missing:
            raise ChartError("图表中有字体缺少的字符：" + "；".join(missing))
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, format="PNG", compress_level=1)  # speed; the PDF re-compresses anyway
        return buffer.getvalue()

    def show(self, fig: Figure):  # noqa: ANN201 — IPython's Image
        """Display a figure in a notebook exactly as the report draws it (PNG, glyph-checked)."""
        from IPython.display import Image as Picture

        return Picture(self.png(fig))


def _shared_legend(fig: Figure, axes: list) -> None:
    """One legend for every panel, each label once, on the line kept below the panels."""
    entries: dict[str, object] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            entries.setdefault(label, handle)
    fig.legend(list(entries.values()), list(entries), loc="lower center", ncols=len(entries), frameon=False,
               bbox_to_anchor=(0.5, 0.0))
