"""The published pages as a reader with assistive technology meets them (GB/T 37668, which tracks WCAG 2.x AA): axe-core
in headless Chromium finds no violation in a 2025 city and county report, a 2023 report and the index of the sample;
every colour reads as text on the page, every table is captioned and its headers scoped, every chart's numbers are
text under it, and the index gives the composite score each city report gives."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from conftest import CONTEXT
from helpers.report import Words
from helpers.report.findings import number
from helpers.report.word import Node, parse

CITY, ZIJIN = "441600", "441621"
REPORTS = {"2025-city": (2025, CITY), "2025-county": (2025, ZIJIN), "2023-city": (2023, CITY)}
WORDS = Words.of(CONTEXT, "zh")
GROUNDS = ["#ffffff", "#fff5f5"]  # the page, and the index's cell of a report that failed to render again
AA_TEXT = 4.5  # WCAG 2.x 1.4.3 (AA), normal-size text: statuses and grades are table text


@pytest.fixture(scope="module")
def pages(rendered: dict) -> dict[str, Path]:
    """The three reports as HTML through the runner, and the index it writes (conftest, once a session)."""
    return {key: rendered[report]["html"] for key, report in REPORTS.items()} | {"index": rendered["index"]}


@pytest.fixture(scope="module")
def html(page_of: Callable[[int, str], str], request: pytest.FixtureRequest) -> Callable[[str], str]:
    """A page's HTML: a report's as built in this process (conftest's page_of, the runner's page), the index as the
    runner writes it."""
    return lambda page: request.getfixturevalue("pages")[page].read_text(encoding="utf-8") if page == "index" \
        else page_of(*REPORTS[page])


def _tree(page: str) -> Node:  # a page's HTML
    return parse(page)


def _walk(node: Node) -> Iterator[Node]:
    for child in node.children:
        if isinstance(child, Node):
            yield child
            yield from _walk(child)


def _text(node: Node) -> str:
    return " ".join(node.text().split())


def _body_rows(table: Node) -> list[Node]:
    return [row for part in table.elements("tbody") for row in part.elements("tr")] or \
        [row for row in table.elements("tr")]


# ----------------------------------------------------------------------------- in a browser, as axe-core checks it
@pytest.mark.e2e
@pytest.mark.parametrize("page", [*REPORTS, "index"])
def test_axe_finds_no_violation(pages: dict[str, Path], browser, page: str) -> None:  # noqa: ANN001
    """axe-core's rules (WCAG 2.x A and AA, and its best practices) in Debian's Chromium, offline: none is violated."""
    from axe_playwright_python.sync_playwright import Axe

    context = browser.new_context(offline=True, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.goto(pages[page].as_uri(), wait_until="load")
    results = Axe().run(tab, options={"resultTypes": ["violations"]})
    context.close()
    found = {v["id"]: len(v["nodes"]) for v in results.response["violations"]}
    assert not found, results.generate_report()


# ----------------------------------------------------------------------------- colours
def _contrast(color: str, ground: str) -> float:
    """WCAG 2.x contrast ratio of two sRGB colours (#rrggbb)."""
    def luminance(hex_color: str) -> float:
        channels = [int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted([luminance(color), luminance(ground)], reverse=True)
    return (light + 0.05) / (dark + 0.05)


COLOURS = {**{f"statuses.{k}": v["color"] for k, v in CONTEXT.plan.statuses.items()},
           **{f"grade_colors.{k}": v for k, v in WORDS["grade_colors"].items()},
           **{f"period.grade_colors.{k}": v for k, v in WORDS["period.grade_colors"].items()}}


@pytest.mark.parametrize("name", COLOURS)
def test_every_status_and_grade_colour_reads_as_text_on_the_page(name: str) -> None:
    for ground in GROUNDS:
        assert _contrast(COLOURS[name], ground) >= AA_TEXT, f"{name} {COLOURS[name]} on {ground}"


def test_colours_still_tell_a_degree_from_the_next_and_symbols_every_status() -> None:
    """Legible colours are dark, but one degree still differs from the next (ahead → on course → late → serious →
    reversed; met → basically → not met), every grade has its own, and the symbol tells each status in black and
    white."""
    colour = {k: v["color"] for k, v in CONTEXT.plan.statuses.items()}
    for scale in (["ahead", "on_track", "lagging", "serious", "reverse"], ["met", "basic", "unmet"],
                  ["reached", "not_reached"], ["missing", "small_sample"]):
        assert all(colour[a] != colour[b] for a, b in zip(scale, scale[1:], strict=False)), scale
    for grades in (WORDS["grade_colors"], WORDS["period.grade_colors"]):
        assert len(set(grades.values())) == len(grades)
    symbols = [v["symbol"] for v in CONTEXT.plan.statuses.values()]
    assert len(set(symbols)) == len(symbols)


# ----------------------------------------------------------------------------- tables
@pytest.mark.parametrize("page", [*REPORTS, pytest.param("index", marks=pytest.mark.e2e)])
def test_every_table_is_named_and_its_headers_scoped(html: Callable[[str], str], page: str) -> None:
    """A table's name is its <caption> (or, where its heading or summary already shows it, aria-labelledby that;
    the cover's key-value table an aria-label); column headers are <th scope="col">, and each body row is named by
    one <th scope="row">."""
    root = _tree(html(page))
    ids = {node.attrs["id"]: node for node in _walk(root) if "id" in node.attrs}
    tables = [node for node in _walk(root) if node.tag == "table"]
    assert len(tables) > (1 if page == "index" else 10)
    for table in tables:
        caption = next(table.elements("caption"), None)
        labelled = table.attrs.get("aria-labelledby")
        name = _text(caption) if caption else _text(ids[labelled]) if labelled else table.attrs.get("aria-label", "")
        assert name, table.attrs
        heads = [th for part in table.elements("thead") for th in part.elements("th")]
        assert all(th.attrs.get("scope") == "col" for th in heads), name
        for row in _body_rows(table):
            named = [cell for cell in row.elements("th", "td") if cell.tag == "th"]
            assert len(named) == 1 and named[0].attrs.get("scope") == "row", f"{name}: {_text(row)[:40]}"


# ----------------------------------------------------------------------------- each chart's numbers as text
@pytest.mark.parametrize("page", REPORTS)
def test_every_chart_has_its_numbers_in_a_table_under_it(html: Callable[[str], str], page: str) -> None:
    figures = [node for node in _walk(_tree(html(page))) if node.tag == "figure" and "chart" in node.classes]
    assert len(figures) >= 5
    for n, figure in enumerate(figures, 1):
        details = [c for c in figure.elements("details") if "chart-data" in c.classes]
        assert len(details) == 1 and "open" not in details[0].attrs, f"figure {n}"  # collapsed until asked for
        assert _text(next(details[0].elements("summary"))) == WORDS("charts.data_summary", number=n)
        table = next(details[0].elements("table"))
        assert _body_rows(table) and _text(next(table.elements("caption"))).startswith(f"图{n}的数据")


def test_a_charts_table_shows_the_evaluations_values_as_the_report_prints_them(html: Callable[[str], str],
                                                                              hostile_processed: Path) -> None:
    """In the 2025 city report, each indicator's 2025 value in the trajectory tables and each county's in the county
    tables are the evaluation's, printed with the indicator's decimals (a rate from few cases with its n)."""
    evaluation = pd.read_parquet(hostile_processed / "evaluation.parquet").query("year == 2025")
    value = {(r["name"], r["area_code"]): r for _, r in evaluation.iterrows()}
    decimals = {i.name: i.decimals for i in CONTEXT.plan.indicators}
    codes = {name: code for code, name in CONTEXT.areas.names.items()}
    checked = set()
    for details in (n for n in _walk(_tree(html("2025-city"))) if n.tag == "details"):
        table = next(details.elements("table"))
        columns = [_text(th) for th in next(table.elements("thead")).elements("th")]
        for row in _body_rows(table):
            cells = [_text(cell) for cell in row.elements("th", "td")]
            if columns[0] == WORDS["charts.table_indicator"] and "2025年" in columns:
                shown = cells[columns.index("2025年")]
                assert shown == number(value[(cells[0], CITY)]["value"], decimals[cells[0]]), cells[0]
                checked.add((cells[0], CITY))
            elif cells[0] in codes and codes[cells[0]] in CONTEXT.areas.county_codes:
                for heading, shown in zip(columns[1:], cells[1:], strict=True):
                    name = heading.rsplit("（", 1)[0]
                    row_of = value[(name, codes[cells[0]])]
                    assert shown.split("（n=")[0] == number(row_of["value"], decimals[name]), (name, cells[0])
                    checked.add((name, codes[cells[0]]))
    assert len({name for name, area in checked if area == CITY}) >= 10
    assert len({area for _, area in checked}) == 1 + len(CONTEXT.areas.county_codes)


# ----------------------------------------------------------------------------- the index
@pytest.mark.e2e
def test_the_index_gives_each_city_reports_composite_score_as_its_summary_does(pages: dict[str, Path],
                                                                               hostile_processed: Path) -> None:
    """The 2023 (mid-term) city report's composite on the year's grades, the 2025 (final) one's on the period grades
    (终期核定): the same score and grade in the report's summary and in the city's cell of the index; none for a
    county."""
    yearly = pd.read_parquet(hostile_processed / "composite.parquet").query("part == 'composite'")
    period = pd.read_parquet(hostile_processed / "period_composite.parquet").query("part == 'composite'")
    index = _tree(pages["index"].read_text(encoding="utf-8"))
    reports = next(t for t in _walk(index) if t.tag == "table" and next(t.elements("caption"), None))
    column = CONTEXT.areas.codes.index(CITY)
    shown = {}
    for row in _body_rows(reports):
        year = int(_text(next(row.elements("th")))[:4])
        for n, cell in enumerate(row.elements("td")):
            composite = [_text(node) for node in _walk(cell) if "composite" in node.classes]
            assert bool(composite) == (n == column and year in (2023, 2025)), (year, n)  # a county report has none
            shown |= {year: composite[0]} if composite else {}
    for year, table, key in ((2023, yearly, "year"), (2025, period, "period_end")):
        row = table[table[key] == year].iloc[0]
        score = number(row["score"], 1)
        assert shown[year] == WORDS("index.composite", score=score, grade=WORDS["composite_grades"][row["grade"]])
        summary = pages[f"{year}-city"].read_text(encoding="utf-8")
        assert f"得分{score}分，等级为“{WORDS['composite_grades'][row['grade']]}”" in summary, year
