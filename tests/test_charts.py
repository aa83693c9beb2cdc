"""Charts measured on their own geometry, as they print: no text runs into another (a panel's unit into the next
panel's title, ticks into each other), legends off the data, value labels inside their panel, integer ticks for
counts, the tables' number format, series told apart without colour, vector output with text as outlines, and
in a report: no series drawn twice, a caption naming a 序时进度 path only where one is drawn."""

from __future__ import annotations

import dataclasses
import io
import os
import re
from pathlib import Path

import pandas as pd
import pytest
from markupsafe import Markup
from matplotlib.collections import PathCollection
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Annotation, Text
from matplotlib.transforms import Bbox
from PIL import Image

from conftest import CONTEXT
from helpers.report import Report, findings
from helpers.report.charts import (
    ChartError,
    Charts,
    Comparison,
    DataTable,
    Trajectory,
    prune_store,
    stored_png,
)
from helpers.report.fonts import fonts_of

CITY, ZIJIN = "441600", "441621"
COUNTIES = ["源城区", "紫金县", "龙川县", "连平县", "和平县", "东源县"]


@pytest.fixture(scope="module")
def charts() -> Charts:
    return Charts(CONTEXT.report.charts, fonts_of(CONTEXT), CONTEXT.words("zh")["charts"])


YEARS = [2020, 2021, 2022, 2023]
TRAJECTORIES = [
    Trajectory("每万人发明专利拥有量", "件", pd.Series([1.85, 2.25, 2.52, 2.75], YEARS), 2020, 2025, 2.02, 3.05,
               "level", 2, plan_base=1.85),
    Trajectory("知识产权质押融资登记金额", "万元", pd.Series([9005, 10600, 12800, 11900], YEARS), 2020, 2025,
               9005, 18000, "flow", 0),
    Trajectory("著作权登记量年均增长率", "%", pd.Series([8.96, 7.5, 7.8, 6.27], YEARS), 2020, 2025, None, 10,
               "growth", 1),
    Trajectory("法院一审审结的知识产权民事诉讼案件服判息诉率", "%", pd.Series([86.7, 88.2, 81.6, 88.98], YEARS),
               2020, 2025, None, 85, "floor", 1),
    Trajectory("地理标志商标", "件", pd.Series([0, 0, 0, 1], YEARS), 2020, 2025, 0, 2, "stock", 0),
]

SMALL = {"紫金县": 1, "龙川县": 4, "连平县": 1, "和平县": 3, "东源县": 5}  # 2025's first-instance cases; 源城区 has 30
COMPARISONS = [
    Comparison("每万人发明专利拥有量", "件", pd.Series([6.57, 1.2, 0.96, 0.91, 1.19, 2.87], COUNTIES), "紫金县",
               3.05),
    Comparison("每万人口高价值发明专利拥有量", "件", pd.Series([1.88, 0.42, 0.32, 0.49, 0.48, 0.86], COUNTIES),
               "紫金县", 1.0),
    Comparison("地理标志商标", "件", pd.Series([0, 0, 0, 0, 0, 1], COUNTIES), "紫金县", decimals=0),
    Comparison("著作权登记量年均增长率", "%", pd.Series([6.8, 1.4, -0.5, 5.0, 10.6, 9.9], COUNTIES), "紫金县",
               10.0, decimals=1),
    Comparison("知识产权质押融资登记金额", "万元", pd.Series([3189, 3148, 12_345_678, 1502, 922, 320], COUNTIES),
               "紫金县", decimals=0),
    Comparison("法院一审审结的知识产权民事诉讼案件服判息诉率", "%",
               pd.Series([86.7, 100, 100, 0.0, 100, 100], COUNTIES), "紫金县", 85.0, decimals=1,
               small=SMALL),
]


def _trajectories(charts: Charts) -> Figure:
    return charts.trajectories(TRAJECTORIES)


def _comparisons(charts: Charts) -> Figure:
    return charts.comparisons(COMPARISONS)


PEERS = ["汕头市", "汕尾市", "潮州市", "揭阳市", "湛江市", "茂名市",
         "阳江市", "韶关市", "河源市", "梅州市", "清远市", "云浮市"]


def _peers(charts: Charts) -> Figure:
    """The 对标分析 chart: twelve cities a panel, five panels (three rows)."""
    def panel(title: str, unit: str, values: list[float], decimals: int) -> Comparison:
        return Comparison(title, unit, pd.Series(values, PEERS), "河源市", None, decimals=decimals)

    return charts.comparisons([
        panel("每万人发明专利拥有量", "件", [4.8, 1.3, 3.7, 2.3, 3.0, 2.1, 1.4, 4.3, 2.75, 1.8, 1.9, 1.35], 2),
        panel("每万人口高价值发明专利拥有量", "件", [1.4, .4, .7, .6, .6, .5, .4, .8, .85, .6, .6, .4], 2),
        panel("知识产权质押融资登记金额", "万元", [22435, 6361, 16439, 10374, 14480, 8327, 7677, 22235, 12852, 22016,
                                      14543, 6987], 0),
        panel("版权案件查办量", "件/年", [13, 7, 13, 22, 10, 10, 10, 13, 16, 19, 8, 10], 0),
        panel("法院一审审结的知识产权民事诉讼案件服判息诉率", "%", [79.4, 85.6, 87.6, 92.5, 82.4, 84.9, 82.4, 79.5,
                                                87.8, 85.3, 85.6, 87.6], 1),
    ])


def _criteria(charts: Charts) -> Figure:
    labels = ["中国专利奖/国家科技奖", "维持超过10年", "海外同族", "较高质押融资金额", "战略性新兴产业"]
    counts = {2020: [0, 171, 11, 2, 42], 2021: [1, 105, 14, 2, 50], 2022: [1, 123, 19, 2, 54]}  # 2020 the highest
    rows = [{"year": year, "label": label, "count": count}
            for year, values in counts.items() for label, count in zip(labels, values, strict=True)]
    return charts.criteria(pd.DataFrame(rows), "高价值发明专利认定条件")


def _months(charts: Charts) -> Figure:
    return charts.months(pd.Series([1200, 3400, 2800, 12000, 980, 15500, 0, 3, 7, 9, 11, 13], range(1, 13)),
                         "2023年网站访问量（按月）", "人次")


FIGURES = {"trajectories": _trajectories, "comparisons": _comparisons, "peers": _peers, "criteria": _criteria,
           "months": _months}


def _drawn(fig: Figure) -> Figure:
    fig.canvas.draw()
    return fig


def _texts(fig: Figure) -> list[tuple[Text, Bbox, object]]:
    """Every visible, non-empty text of the figure with its box on the page and its owner (an axes or legend)."""
    renderer = fig.canvas.get_renderer()
    found = []
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        own = [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label, *ax.texts]
        own += [tick.label1 for axis in (ax.xaxis, ax.yaxis) for tick in axis._update_ticks()]  # the ticks drawn
        found += [(t, t.get_window_extent(renderer), ax) for t in own if t.get_visible() and t.get_text().strip()]
    for legend in fig.legends + [ax.get_legend() for ax in fig.axes if ax.get_legend()]:
        found += [(t, t.get_window_extent(renderer), legend) for t in legend.get_texts()]
    return found


def _overlap(a: Bbox, b: Bbox, slack: float = 0.5) -> bool:
    return a.x0 + slack < b.x1 and b.x0 + slack < a.x1 and a.y0 + slack < b.y1 and b.y0 + slack < a.y1


@pytest.mark.parametrize("kind", FIGURES)
def test_no_text_runs_into_another_or_off_the_figure(charts: Charts, kind: str) -> None:
    fig = _drawn(FIGURES[kind](charts))
    page = fig.bbox
    texts = _texts(fig)
    for text, box, _ in texts:
        assert page.x0 - 0.5 <= box.x0 and box.x1 <= page.x1 + 0.5 and page.y0 - 0.5 <= box.y0 \
            and box.y1 <= page.y1 + 0.5, f"off the figure: {text.get_text()!r}"
    for i, (a, box_a, owner_a) in enumerate(texts):
        for b, box_b, owner_b in texts[i + 1:]:
            if isinstance(a, Annotation) and isinstance(b, Annotation) and owner_a is owner_b:
                continue  # value labels of one series sit side by side
            assert not _overlap(box_a, box_b), f"{a.get_text()!r} runs into {b.get_text()!r}"


@pytest.mark.parametrize("kind", FIGURES)
def test_legends_never_cover_the_data(charts: Charts, kind: str) -> None:
    fig = _drawn(FIGURES[kind](charts))
    renderer = fig.canvas.get_renderer()
    legends = fig.legends + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    panels = [ax.get_window_extent(renderer) for ax in fig.axes if ax.get_visible()]
    for legend in legends:
        box = legend.get_window_extent(renderer)
        assert not any(_overlap(box, panel) for panel in panels), "a legend inside a panel, over its data"


@pytest.mark.parametrize("kind", ["trajectories", "comparisons"])
def test_value_labels_stay_inside_their_panel(charts: Charts, kind: str) -> None:
    fig = _drawn(FIGURES[kind](charts))
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        panel = ax.get_window_extent(renderer)
        for label in ax.texts:
            box = label.get_window_extent(renderer)
            assert panel.x0 - 0.5 <= box.x0 and box.x1 <= panel.x1 + 0.5 and panel.y0 - 0.5 <= box.y0 \
                and box.y1 <= panel.y1 + 0.5, f"{label.get_text()!r} past the frame of {ax.get_title(loc='left')!r}"


def test_counts_get_integer_ticks(charts: Charts) -> None:
    trajectories, comparisons = _drawn(_trajectories(charts)), _drawn(_comparisons(charts))
    axes = [(trajectories.axes[i].yaxis, trajectories.axes[i]) for i in (1, 4)]  # 质押金额, 地理标志商标 (decimals 0)
    axes += [(comparisons.axes[i].xaxis, comparisons.axes[i]) for i in (2, 4)]
    axes += [(_drawn(_criteria(charts)).axes[0].yaxis, None), (_drawn(_months(charts)).axes[0].yaxis, None)]
    for axis, _ in axes:
        low, high = axis.get_view_interval()
        ticks = [t for t in axis.get_majorticklocs() if low - 1e-9 <= t <= high + 1e-9]
        assert ticks and all(float(t).is_integer() for t in ticks), ticks


def test_one_number_format_as_the_tables_print_it(charts: Charts) -> None:
    fig = _drawn(_trajectories(charts))
    labels = {ax.get_title(loc="left").replace("\n", ""): [t.get_text() for t in ax.texts] for ax in fig.axes[:5]}
    assert labels["著作权登记量年均增长率"] == ["9.0", "7.5", "7.8", "6.3"]  # the indicator's decimals, 四舍五入
    assert labels["法院一审审结的知识产权民事诉讼案件服判息诉率"][-1] == "89.0"
    assert labels["知识产权质押融资登记金额"] == ["9,005", "10,600", "12,800", "11,900"]
    ticks = [t.get_text() for t in fig.axes[1].get_yticklabels() if t.get_text()]
    assert any("," in t for t in ticks) and all(re.fullmatch(r"-?\d{1,3}(,\d{3})*(\.\d+)?", t) for t in ticks), ticks
    months = [t.get_text() for t in _drawn(_months(charts)).axes[0].get_yticklabels() if t.get_text()]
    assert any("," in t for t in months), months
    assert findings.number(6.27, 1) == "6.3"


def test_series_differ_in_black_and_white(charts: Charts) -> None:
    fig = _trajectories(charts)
    signatures = []
    for handle in fig.legends[0].legend_handles:
        if isinstance(handle, Line2D):
            signatures.append(("line", handle.get_linestyle(), handle.get_marker()))
        elif isinstance(handle, PathCollection):
            filled = handle.get_facecolor().size and handle.get_facecolor()[0][3] > 0
            signatures.append(("marker", str(handle.get_paths()[0].vertices.shape), bool(filled)))
    assert len(signatures) == len(set(signatures)), signatures
    comparisons = _comparisons(charts)
    for ax in comparisons.axes[:5]:
        hatched = [bar.get_hatch() for bar in ax.patches if bar.get_hatch()]
        assert len(hatched) == 1, "the report's own county is hatched, not only coloured"
    bars = [c for c in _criteria(charts).axes[0].containers if isinstance(c, BarContainer)]
    assert len({c.patches[0].get_hatch() for c in bars}) == len(bars), "each criterion its own hatching"


def test_a_bar_from_too_few_cases_is_marked_with_its_n(charts: Charts) -> None:
    fig = _drawn(_comparisons(charts))
    ax = fig.axes[5]
    assert sorted(t.get_text() for t in ax.texts) == sorted(
        ["86.7", "100.0（n=1）", "100.0（n=4）", "0.0（n=1）", "100.0（n=3）", "100.0（n=5）"])
    hatches = sorted(str(bar.get_hatch()) for bar in ax.patches)
    assert hatches == ["....", "....", "....", "....", "....", "None"]  # every unjudged bar alike, 源城区's plain
    assert "样本不足，不评级（n为案件或样本数）" in [t.get_text() for t in fig.legends[0].get_texts()]


def test_report_charts_are_vector_with_text_as_text_in_the_chart_font(charts: Charts) -> None:
    """The SVG the page holds inline and the PDF prints: vector, its labels text set in the chart font (the page embeds
    it, cut to the page's characters, chart labels included: test_report), ids only where something refers to them."""
    svg = charts.svg(_trajectories(charts))
    assert svg.startswith(b"<svg") and b"<?xml" not in svg and b"<!DOCTYPE" not in svg
    assert b"<image" not in svg, "no bitmap inside"
    assert b"<text" in svg and f"font-family: '{charts.family}'".encode() in svg
    ids = set(re.findall(rb' id="([^"]+)"', svg))
    assert ids and all(b"#" + i in svg for i in ids), "only referenced ids (clip paths, hatches) are kept"
    with pytest.raises(ChartError, match="字体缺少"):
        charts.svg(charts.months(pd.Series([1, 2], index=[1, 2]), "访问量 \U0001F600", "人次"))


def test_a_chart_is_drawn_once_and_read_back_until_what_draws_it_changes(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Charts.drawn: the figure built once for its SVG and the Word edition's PNG (found by the chart's key); the same
    chart again is read from the store, not drawn; another number, word or style is another chart; pruning keeps what
    was used lately."""
    store = Charts(CONTEXT.report.charts, fonts_of(CONTEXT), CONTEXT.words("zh")["charts"], tmp_path)
    built = []
    draw = Charts.comparisons
    monkeypatch.setattr(Charts, "comparisons", lambda self, panels: built.append(panels) or draw(self, panels))
    chart = store.drawn("comparisons", COMPARISONS, png=True)
    png = Image.open(io.BytesIO(stored_png(tmp_path, chart.key)))
    assert png.format == "PNG" and round(png.info["dpi"][0]) == CONTEXT.report.charts.dpi
    assert "样本不足".encode() in chart.svg
    assert store.drawn("comparisons", COMPARISONS, png=True) == chart and len(built) == 1  # read back, not drawn
    changed = [dataclasses.replace(COMPARISONS[0], values=COMPARISONS[0].values.replace(6.57, 6.58)),
               *COMPARISONS[1:]]
    store.drawn("comparisons", changed)
    Charts(CONTEXT.report.charts, fonts_of(CONTEXT), {**store.labels, "unit": "（{unit}）"}, tmp_path).drawn(
        "comparisons", COMPARISONS)
    assert len(built) == 3 and len(list(tmp_path.glob("*.svg"))) == 3 and len(list(tmp_path.glob("*.png"))) == 1
    with pytest.raises(ChartError, match="PNG"):
        stored_png(tmp_path, "0" * 32)
    with pytest.raises(ChartError, match="图表编号"):
        stored_png(tmp_path, "../" + chart.key)
    old = [p for p in tmp_path.glob("*.svg") if p.stem != chart.key]
    for path in old:
        os.utime(path, (0, 0))
    prune_store(tmp_path, 30)
    assert not any(p.exists() for p in old) and len(list(tmp_path.glob("*"))) == 2  # the SVG and PNG used lately


def test_report_charts_are_compact_svg_drawn_as_matplotlib_draws_them(charts: Charts) -> None:
    """The SVG embedded in the page keeps every point of matplotlib's within 0.005 pt (path data to 1/100 pt) and is
    smaller: no prolog, metadata, indentation or unreferenced ids, no line breaks inside path data; a dotted hatch's
    circles are round dots at their centres."""
    import io
    import xml.etree.ElementTree as ElementTree

    import matplotlib

    from helpers.report.charts import SVG_RC

    def paths(svg: bytes) -> list[tuple[list[str], list[float]]]:
        return [(re.findall(r"[A-Za-z]", d), [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", d)])
                for d in re.findall(r'\bd="([^"]*)"', svg.decode())]

    dotted = 0
    for make in FIGURES.values():
        fig = make(charts)
        buffer = io.BytesIO()
        with matplotlib.rc_context(SVG_RC):
            fig.savefig(buffer, format="svg", metadata={"Date": None})
        plain, compact = buffer.getvalue(), charts.svg(fig)
        ElementTree.fromstring(compact)  # well-formed
        assert len(compact) < 0.85 * len(plain) and b"<metadata" not in compact and b"<g>" not in compact
        assert len(paths(compact)) == len(paths(plain))
        for (commands, numbers), (commands_before, numbers_before) in zip(paths(compact), paths(plain), strict=True):
            if set(commands) == {"M", "h"}:  # a dotted hatch: a round dot at the centre of each of its circles
                dotted += 1
                circles = [numbers_before[i:i + 50] for i in range(0, len(numbers_before), 50)]
                assert commands_before == ["M", *["C"] * 8, "z"] * len(circles)
                centres = [((max(c[0::2]) + min(c[0::2])) / 2, (max(c[1::2]) + min(c[1::2])) / 2) for c in circles]
                dots = [(numbers[i], numbers[i + 1]) for i in range(0, len(numbers), 3)]
                assert all(numbers[i + 2] == 0 for i in range(0, len(numbers), 3))
                assert len(dots) == len(centres)
                assert all(abs(a - b) <= 0.005 + 1e-9 for dot, centre in zip(dots, centres, strict=True)
                           for a, b in zip(dot, centre, strict=True))
                continue
            assert commands == commands_before and len(numbers) == len(numbers_before)
            assert all(abs(a - b) <= 0.005 + 1e-9 for a, b in zip(numbers, numbers_before, strict=True))
    assert dotted, "a dotted hatch was drawn and turned to dots"


def test_groups_without_attributes_go_and_their_content_stays_in_order() -> None:
    """ungrouped: a group that changes nothing drawn is replaced by its content; a group with a clip path or a
    transform stays, closed where it closed."""
    from helpers.report.svg import ungrouped

    svg = (b'<svg><g><g clip-path="url(#a)"><g><path d="M0 0"/></g></g><g><text>x</text></g></g>'
           b'<g transform="scale(2)"><g><path d="M1 1"/></g></g></svg>')
    assert ungrouped(svg) == (b'<svg><g clip-path="url(#a)"><path d="M0 0"/></g><text>x</text>'
                              b'<g transform="scale(2)"><path d="M1 1"/></g></svg>')


def test_a_dotted_hatch_is_the_same_discs_as_round_dots() -> None:
    """dotted_hatches: filled circles of radius r stroked w wide become round dots of diameter 2r + w at their
    centres; an open ring, a path of other shapes and anything outside a pattern stay as drawn."""
    from helpers.report.svg import dotted_hatches

    def circle(x: float, y: float, r: float) -> str:  # as matplotlib writes one: a move, eight cubic arcs, a close
        from matplotlib.path import Path as Curve

        points = [f"{x + r * px:.2f} {y + r * py:.2f}" for px, py in Curve.unit_circle().vertices[:-1]]
        return "M" + points[0] + "".join("C" + " ".join(points[i:i + 3]) for i in range(1, 25, 3)) + "z"

    def pattern(d: str, fill: str) -> bytes:
        return (f'<pattern id="h1" x="0" y="0" width="72" height="72"><rect x="0" y="0" width="73" height="73"/>'
                f'<path d="{d}" style="fill: {fill}; stroke: #ffffff; stroke-width: 0.6; stroke-linecap: butt"/>'
                f"</pattern>").encode()

    dots = dotted_hatches(pattern(circle(3, 72, 0.3) + circle(6, 69, 0.3), "#ffffff"))
    assert re.search(rb'd="M3 72h0M6 69h0" style="fill: none; stroke: #ffffff; stroke-width: 1.2; '
                     rb'stroke-linecap: round"', dots), dots
    ring = pattern(circle(3, 72, 0.3), "none")
    lines = pattern("M0 72L72 0M-36 36L36 -36", "#ffffff")
    outside = pattern(circle(3, 72, 0.3), "#ffffff").replace(b"pattern", b"g")
    for unchanged in (ring, lines, outside):
        assert dotted_hatches(unchanged) == unchanged


def test_each_charts_numbers_as_the_tables_print_them(charts: Charts) -> None:
    """Every chart has a twin table of its numbers, from the same panels: values by year as the report prints the
    indicator (the base year on its basis, the plan's beside it), the target named for a growth or floor; a county's
    rate from few cases with its n, the reference line as a row; counts by year and month."""
    trajectories = charts.trajectories_table(TRAJECTORIES)
    assert trajectories.columns == ["指标", "单位", "2020年", "2021年", "2022年", "2023年", "规划目标"]
    assert trajectories.rows[0] == ["每万人发明专利拥有量", "件", "2.02（原人口口径基期值 1.85）", "2.25", "2.52",
                                    "2.75", "3.05"]
    assert trajectories.rows[1][2:] == ["9,005", "10,600", "12,800", "11,900", "18,000"]
    assert trajectories.rows[2][-1] == "目标增速 10.0" and trajectories.rows[3][-1] == "目标下限 85.0"
    comparisons = charts.comparisons_table(COMPARISONS)
    assert comparisons.columns[:2] == ["地区", "每万人发明专利拥有量（件）"]
    assert [row[0] for row in comparisons.rows] == [*COUNTIES, "市目标"]
    assert comparisons.rows[1][-1] == "100.0（n=1）" and comparisons.rows[2][5] == "12,345,678"
    assert comparisons.rows[-1] == ["市目标", "3.05", "1.00", "—", "10.0", "—", "85.0"]
    months = charts.months_table(pd.Series([1200, 3400], [1, 2]), "人次")
    assert months.columns == ["月份", "人次"] and months.rows == [["1月", "1,200"], ["2月", "3,400"]]
    cumulative = charts.cumulative_table(pd.Series([9005, 10600, 12800], [2020, 2021, 2022]), 2021, 50000, "万元", 0)
    assert cumulative.rows == [["2021年", "10,600", "10,600"], ["2022年", "12,800", "23,400"],
                               ["累计目标", "—", "50,000"]]
    criteria = charts.criteria_table(pd.DataFrame([{"year": 2020, "label": "海外同族", "count": 11},
                                                   {"year": 2021, "label": "海外同族", "count": 1234}]))
    assert criteria.columns == ["年度", "海外同族"] and criteria.rows == [["2020年", "11"], ["2021年", "1,234"]]


def test_long_titles_wrap_inside_their_panel(charts: Charts) -> None:
    fig = _drawn(_trajectories(charts))
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes[:5]:
        panel, title = ax.get_window_extent(renderer), ax.title.get_window_extent(renderer)
        unit = ax._right_title.get_window_extent(renderer)
        assert panel.x0 - 1 <= title.x0 and title.x1 <= unit.x0, ax.title.get_text()


# ----------------------------------------------------------------------------- in a report
@pytest.fixture(scope="module")
def drawn(sample_processed: Path) -> dict[tuple[int, str], list[tuple[Figure, DataTable, str]]]:
    """The figures, their tables of numbers and captions of the 分领域评估 of three reports, recorded as the report
    makes them."""
    out = {}
    for year, area in ((2023, CITY), (2023, ZIJIN), (2025, CITY)):
        report = Report.load(sample_processed, year, area, context=CONTEXT)
        figures: list[tuple[Figure, DataTable, str]] = []

        def record(kind: str, args: tuple, data: DataTable, caption: str, figures: list = figures,
                   charts: Charts = report.charts) -> Markup:
            figures.append((getattr(charts, kind)(*args), data, caption))  # the figure Charts.drawn would draw
            return Markup("")

        report.figure = record
        list(report.sections(only=["domains"]))
        assert figures, "the domains draw charts"
        out[(year, area)] = figures
    return out


def _series(fig: Figure) -> list[tuple[float, ...]]:
    """The series a figure draws: the y values of its lines of three points or more and its bar heights."""
    found = []
    for ax in fig.axes:
        found += [tuple(round(float(v), 6) for v in line.get_ydata()) for line in ax.get_lines()
                  if len(line.get_ydata()) >= 3]
        found += [tuple(round(float(v), 6) for v in c.datavalues) for c in ax.containers
                  if isinstance(c, BarContainer) and len(c) >= 3]
    return found


@pytest.mark.parametrize("key", [(2023, CITY), (2023, ZIJIN), (2025, CITY)])
def test_no_series_is_drawn_twice(drawn: dict, key: tuple[int, str]) -> None:
    seen: dict[tuple[float, ...], str] = {}
    for fig, _, caption in drawn[key]:
        # a constant run, or a run of zeros and ones (a county's few cases), may recur by chance
        for series in (s for s in _series(fig) if len(set(s)) > 1 and max(s) > 1):
            assert series not in seen or seen[series] == caption, f"{series}: 「{seen.get(series)}」, 「{caption}」"
            seen[series] = caption


@pytest.mark.parametrize("key", [(2023, CITY), (2023, ZIJIN), (2025, CITY)])
def test_a_caption_names_the_path_only_where_one_is_drawn(drawn: dict, key: tuple[int, str]) -> None:
    for fig, _, caption in drawn[key]:
        dashed = any(line.get_linestyle() == "--" for ax in fig.axes for line in ax.get_lines())
        assert ("序时进度" in caption) == dashed, caption
    if key[0] == 2025:
        assert not any("序时进度" in caption for _, _, caption in drawn[key])


@pytest.mark.parametrize("key", [(2023, CITY), (2023, ZIJIN), (2025, CITY)])
def test_a_charts_table_holds_every_number_the_chart_labels(drawn: dict, key: tuple[int, str]) -> None:
    """The table under a chart is made from the panels the chart is drawn from: each value label of the figure is in
    it, as printed."""
    for fig, data, caption in drawn[key]:
        cells = [cell for row in data.rows for cell in row[1:]]
        assert data.rows and all(len(row) == len(data.columns) for row in data.rows), caption
        for label in (t.get_text() for ax in fig.axes for t in ax.texts if t.get_text()):
            assert any(label in cell for cell in cells), f"{caption}: {label}"


def test_a_label_that_looks_like_markup_stays_as_drawn() -> None:
    """compact_svg and inline_svg change tags only: a label's text showing ` id="…"`, path data or a reference is
    left as matplotlib wrote it (it escapes < and > in text, never quotes)."""
    from helpers.report.svg import compact_svg, inline_svg

    label = 'a id="x" d="1.23456" url(#y)'
    svg = (b'<svg xmlns="http://www.w3.org/2000/svg"><defs><clipPath id="p1"><rect/></clipPath></defs>'
           b'<g id="text_1"><path d="M0.123456 1" clip-path="url(#p1)"/><text>' + label.encode() + b"</text></g></svg>")
    compact = compact_svg(svg)
    assert label.encode() in compact and b'd="M0.12 1"' in compact and b'id="text_1"' not in compact
    inline = inline_svg(compact, "0" * 32, "chart-1-", "走势")
    assert label in inline and 'id="chart-1-p1"' in inline and 'url(#chart-1-p1)' in inline
