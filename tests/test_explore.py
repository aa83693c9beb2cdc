"""The researcher's views (helpers.explore) and the explore notebook, on hand-made tables and on the shipped sample
through every stage: the drill-down agrees with the indicator, the sensitivities reproduce the reports' result at
the configured inputs and move as they should away from it, the tables are in Chinese and exports are safe."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import openpyxl
import pandas as pd
import papermill
import pytest

from conftest import CONTEXT, REPO
from helpers.explore import (
    Explorer,
    as_of,
    export_name,
    export_table,
    flat,
    known_on,
    patent_criteria,
    with_pledge_threshold,
    with_rebase_population,
)
from helpers.indicators import Tables
from helpers.indicators.patents import stock_by_year
from helpers.report import Words

PLAN = CONTEXT.plan
CITY = CONTEXT.areas.city_code
COUNTY = CONTEXT.areas.county_codes[1]
CJK = re.compile(r"[\u4e00-\u9fff]")


# ----------------------------------------------------------------------------- variants of the engine's inputs
def test_a_threshold_variant_changes_only_the_pledge_threshold() -> None:
    variant = with_pledge_threshold(PLAN, 250)
    assert variant.settings["high_value"]["pledge_threshold_wan"] == 250
    assert PLAN.settings["high_value"]["pledge_threshold_wan"] == 1000  # the plan itself is untouched
    rest = {k: v for k, v in variant.settings["high_value"].items() if k != "pledge_threshold_wan"}
    assert rest == {k: v for k, v in PLAN.settings["high_value"].items() if k != "pledge_threshold_wan"}
    assert variant.indicators == PLAN.indicators


def test_a_population_variant_rebases_on_another_population_or_not_at_all() -> None:
    other = with_rebase_population(PLAN, 300)
    assert other.settings["population_rebase"]["population_wan"] == 300
    assert other.settings["population_rebase"]["census_persons"] == PLAN.settings["population_rebase"]["census_persons"]
    assert "population_rebase" not in with_rebase_population(PLAN, None).settings
    assert PLAN.settings["population_rebase"]["population_wan"] == 283.56


def test_a_table_as_it_stood_on_a_day_keeps_what_had_happened_and_empties_what_had_not() -> None:
    day = pd.Timestamp("2023-06-30")
    frame = pd.DataFrame({
        "no": ["granted", "pending", "future", "undated", "renewed"],
        "applied": pd.to_datetime(["2015-01-01", "2022-03-01", "2023-09-01", None, "2010-01-01"]),
        "granted": pd.to_datetime(["2017-01-01", "2024-01-01", "2024-05-01", None, "2012-01-01"]),
        "term_end": pd.to_datetime(["2027-01-01", "2034-01-01", "2034-05-01", None, "2022-01-01"]),
    })
    known = known_on(frame, day, scheduled=["term_end"]).set_index("no")
    assert list(known.index) == ["granted", "pending", "undated", "renewed"]  # "future" had not been filed
    assert pd.isna(known.loc["pending", "granted"])  # granted after the day: not yet granted then
    assert known.loc["granted", "granted"] == pd.Timestamp("2017-01-01")
    assert known.loc["pending", "term_end"] == pd.Timestamp("2034-01-01")  # a scheduled date is not an event


def test_a_year_only_row_is_known_at_the_end_of_its_year() -> None:
    frame = pd.DataFrame({"year": pd.array([2022, 2023, None], dtype="Int64"), "people": [1.0, 2.0, 3.0]})
    assert known_on(frame, pd.Timestamp("2023-06-30"), year_columns=["year"])["people"].tolist() == [1.0, 3.0]
    assert known_on(frame, pd.Timestamp("2023-12-31"), year_columns=["year"])["people"].tolist() == [1.0, 2.0, 3.0]


def test_as_of_sets_the_cutoff_and_reads_year_fields_from_the_source_catalog() -> None:
    tables = Tables({"population": pd.DataFrame({"year": pd.array([2022, 2023], dtype="Int64"),
                                                 "population_wan": [280.0, 281.0], "area_code": [CITY, CITY]})},
                    manifest={"data_cutoff": "2025-12-31", "synthetic": True})
    then = as_of(tables, "2022-12-31", CONTEXT.sources)
    assert then.manifest == {"data_cutoff": "2022-12-31", "synthetic": True}
    assert then.cutoff_year == 2022
    assert then.get("population")["year"].tolist() == [2022]
    assert tables.get("population")["year"].tolist() == [2022, 2023]  # the input is untouched


def _patents(rows: list[dict]) -> Tables:
    base = {"patent_type": "发明", "lapse_date": pd.NaT, "lapse_unknown": False, "sei_class": None,
            "ipc_main": "A01B1/00", "overseas_family": False, "area_code": COUNTY}
    frame = pd.DataFrame([{**base, **row} for row in rows])
    for column in ("application_date", "grant_date", "lapse_date"):
        frame[column] = pd.to_datetime(frame[column])
    return Tables({"patents": frame})


def test_patent_criteria_are_the_engines_counts_patent_by_patent() -> None:
    tables = _patents([
        {"application_no": "A-old", "application_date": "2005-01-01", "grant_date": "2008-01-01"},
        {"application_no": "B-sei", "application_date": "2019-01-01", "grant_date": "2021-01-01", "sei_class": "新材料",
         "area_code": CITY},
        {"application_no": "C-both", "application_date": "2008-01-01", "grant_date": "2010-01-01",
         "overseas_family": True},
        {"application_no": "D-plain", "application_date": "2020-01-01", "grant_date": "2022-01-01"},
        {"application_no": "E-lapsed", "application_date": "2004-01-01", "grant_date": "2006-01-01",
         "lapse_date": "2020-05-01"},
        {"application_no": "F-later", "application_date": "2023-01-01", "grant_date": "2024-03-01",
         "sei_class": "新能源"},
    ])
    flags = patent_criteria(tables, PLAN, 2022).set_index("application_no")
    assert sorted(flags.index) == ["A-old", "B-sei", "C-both", "D-plain"]  # valid at 31 Dec 2022 only
    assert flags["high_value"].to_dict() == {"A-old": True, "B-sei": True, "C-both": True, "D-plain": False}
    assert flags.loc["A-old", "maintained"] and not flags.loc["A-old", "sei"]
    assert flags.loc["C-both", ["maintained", "overseas_family"]].all()
    assert list(flags.columns) == ["high_value", *PLAN.settings["high_value"]["criteria"]]
    counts, criteria = stock_by_year(tables, PLAN, [2022])  # the same patents counted by area
    assert counts["high_value"].sum() == flags["high_value"].sum()
    assert criteria.groupby("criterion")["count"].sum().to_dict() == flags.drop(columns="high_value").sum().to_dict()


# ----------------------------------------------------------------------------- export
def test_export_names_and_flat_tables() -> None:
    assert export_name("截至/敏感性: 2025?") == "截至_敏感性_ 2025"
    assert export_name("..") == "table"
    wide = pd.DataFrame([[1, "x"]], columns=pd.MultiIndex.from_tuples([("截至2025-06-30", "指标值"),
                                                                       ("截至2025-06-30", "状态")]))
    wide.index = pd.Index(["I01 每万人发明专利拥有量"], name="指标")
    assert flat(wide).columns.tolist() == ["指标", "截至2025-06-30 · 指标值", "截至2025-06-30 · 状态"]


def test_export_writes_csv_and_xlsx_neutralised_against_formulas(tmp_path: Path) -> None:
    frame = pd.DataFrame({"=HYPERLINK(\"x\")": ["=1+1", "@SUM(A1)", "+cmd", "正常", None], "件数": [1, -2, 3, 4, 5]})
    written = export_table(frame, tmp_path / "out", "表/一")
    assert [p.name for p in written] == ["表_一.csv", "表_一.xlsx"]
    csv = pd.read_csv(written[0], encoding="utf-8-sig")
    assert csv.columns[0].startswith("'=")
    assert csv.iloc[:4, 0].tolist() == ["'=1+1", "'@SUM(A1)", "'+cmd", "正常"]
    assert csv["件数"].tolist() == [1, -2, 3, 4, 5]  # numbers stay numbers
    sheet = openpyxl.load_workbook(written[1]).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[1] == ["'=1+1", 1] and cells[5] == [None, 5]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    with pytest.raises(ValueError, match="不支持的导出格式"):
        export_table(frame, tmp_path, "x", formats=("pdf",))


# ----------------------------------------------------------------------------- on the sample
@pytest.fixture(scope="module")
def explorer(sample_processed: Path) -> Explorer:
    return Explorer.open(sample_processed)


@pytest.fixture(scope="module")
def evaluation(explorer: Explorer) -> pd.DataFrame:
    return explorer.read("evaluation")


def _population(explorer: Explorer, area: str, year: int) -> float:
    people = explorer.tables.get("population")
    return float(people.loc[(people["area_code"] == area) & (people["year"] == year), "population_wan"].sum())


def _row(evaluation: pd.DataFrame, indicator: str, area: str, year: int) -> pd.Series:
    return evaluation[(evaluation["indicator"] == indicator) & (evaluation["area_code"] == area)
                      & (evaluation["year"] == year)].iloc[0]


def test_tables_are_in_chinese_with_indicator_names_beside_ids(explorer: Explorer) -> None:
    tables = [explorer.catalog(), explorer.indicator_values(), explorer.status_history(), explorer.criteria_history(),
              explorer.population_view(), explorer.threshold_sensitivity(), explorer.reconciliation(),
              explorer.quarantine_summary(), explorer.high_value_patents(), explorer.scorecard()]
    for table in tables:
        headers = [str(h) for h in [*flat(table).columns] if not isinstance(h, int) and not str(h).isdigit()]
        assert headers and all(CJK.search(h) for h in headers), headers
    assert explorer.indicator_values().index[0] == "I01 每万人发明专利拥有量"
    assert set(explorer.status_history().stack()) <= set(explorer.words["statuses"].values())


def test_high_value_drill_down_is_the_stock_behind_the_value(explorer: Explorer, evaluation: pd.DataFrame) -> None:
    year = int(evaluation["year"].max())
    criteria = PLAN.settings["high_value"]["criteria"]
    for area in (CITY, COUNTY):
        row = _row(evaluation, "I02", area, year)
        patents = explorer.high_value_patents(year, area)
        assert len(patents) == row["rows"] == round(row["value"] * _population(explorer, area, year))
        assert patents["申请号"].is_unique
        assert (patents["条件数"] >= 1).all() and patents["满足的条件"].str.len().gt(0).all()
        assert (patents[list(criteria.values())] == "✓").sum(axis=1).eq(patents["条件数"]).all()
        assert patents["来源文件"].str.startswith("patents/").all()
    assert set(explorer.high_value_patents(year, COUNTY)["地区"]) == {CONTEXT.areas.names[COUNTY]}


def test_threshold_sensitivity_reproduces_the_report_and_moves_monotonically(explorer: Explorer,
                                                                             evaluation: pd.DataFrame) -> None:
    year = int(evaluation["year"].min())
    table = explorer.threshold_sensitivity([0, 100, 500, 1000, 2000, 100_000], year=year)
    assert table.index.is_monotonic_increasing
    for column in ("满足较高质押融资金额条件（件）", "高价值发明专利存量（件）", "指标值"):
        assert table[column].is_monotonic_decreasing, table
    assert table["满足较高质押融资金额条件（件）"].iloc[0] > table["满足较高质押融资金额条件（件）"].iloc[-1] == 0
    configured, stored = table.loc[1000.0], _row(evaluation, "I02", CITY, year)
    assert configured["设置"] == "配置值"
    assert configured["高价值发明专利存量（件）"] == stored["rows"]
    assert configured["指标值"] == pytest.approx(stored["value"])
    assert configured["状态"] == explorer.words["statuses"][stored["status"]]
    listed = explorer.high_value_patents(year, threshold=0)
    assert len(listed) == table.loc[0.0, "高价值发明专利存量（件）"]


def test_population_sensitivity_shows_the_rebasing_against_no_rebasing(explorer: Explorer,
                                                                        evaluation: pd.DataFrame) -> None:
    table = explorer.population_sensitivity().reset_index()
    census, plain = (table[table["人口口径"] == label] for label in table["人口口径"].unique())
    year = int(evaluation["year"].min())
    stored = _row(evaluation, "I01", CITY, year)
    first = census[(census["指标"] == "I01 每万人发明专利拥有量") & (census["年度"] == year)].iloc[0]
    assert first["采用的基础值"] == pytest.approx(stored["base_rebased"]) and first["基础值来源"] == "普查口径重新定基"
    unrebased = plain[(plain["指标"] == "I01 每万人发明专利拥有量") & (plain["年度"] == year)].iloc[0]
    assert unrebased["采用的基础值"] == pytest.approx(stored["base_data"])
    assert unrebased["完成度"] > first["完成度"]  # without rebasing, the census revision counts as progress
    same = explorer.population_sensitivity({"规划口径": 309.73}).reset_index()
    assert (same["基础值来源"] == "数据基期值").all()  # the pre-census population: nothing to rebase


def test_population_view_gives_both_bases(explorer: Explorer, evaluation: pd.DataFrame) -> None:
    view = explorer.population_view()
    rebase = PLAN.settings["population_rebase"]
    base = view.loc[rebase["year"]]
    assert base["年末人口（普查口径，万人）"] == pytest.approx(rebase["population_wan"])
    assert base["I01（普查口径）"] == pytest.approx(_row(evaluation, "I01", CITY, PLAN.base_year + 1)["base_rebased"])
    assert base["人口口径"] != view.loc[PLAN.base_year + 1, "人口口径"]
    for year, row in view.iterrows():
        assert row["年末人口（数据，万人）"] == pytest.approx(_population(explorer, CITY, year))
        assert row["I02存量（件）"] == round(row["I02（数据人口）"] * row["年末人口（数据，万人）"])
        assert row["I01存量（件）"] == round(row["I01（普查口径）"] * row["年末人口（普查口径，万人）"])


def test_as_of_sensitivity_reproduces_the_report_on_the_cutoff_and_loses_what_came_later(
        explorer: Explorer, evaluation: pd.DataFrame) -> None:
    year = int(evaluation["year"].max())
    cutoff = explorer.tables.manifest["data_cutoff"]
    table = explorer.asof_sensitivity([f"{year}-06-30", cutoff], year=year)
    full, half = table[f"截至{cutoff}"], table[f"截至{year}-06-30"]
    stored = evaluation[(evaluation["area_code"] == CITY) & (evaluation["year"] == year)]
    assert full["状态"].tolist() == stored["status"].map(explorer.words["statuses"]).tolist()
    assert full["指标值"].tolist() == pytest.approx(stored["value"].tolist(), nan_ok=True)
    assert half.loc["I01 每万人发明专利拥有量", "状态"] == "数据缺失"  # the year's population is not yet known
    pledges = "I05 知识产权质押融资登记金额"
    assert 0 < half.loc[pledges, "指标值"] < full.loc[pledges, "指标值"]  # half a year of registrations


def test_an_area_code_given_as_a_number_is_taken_as_the_report_takes_it(explorer: Explorer) -> None:
    """`papermill notebooks/explore.ipynb … -p area_code 441621` passes an int: it used to raise ValueError."""
    from helpers.report import ReportError

    pd.testing.assert_frame_equal(explorer.indicator_values(int(COUNTY)), explorer.indicator_values(COUNTY))
    assert explorer.status_history(int(COUNTY)).equals(explorer.status_history(COUNTY))
    with pytest.raises(ReportError, match="未知的地区代码 '441699'"):
        explorer.indicator_values(441699)


def test_quarantine_holds_every_row_set_aside_with_its_reason_in_words(explorer: Explorer) -> None:
    rows = explorer.quarantine()
    recon = explorer.read("reconciliation")
    assert len(rows) == recon[["duplicate", "rejected", "out_of_scope"]].to_numpy().sum()
    assert set(rows["去向"]) <= {"重复", "剔除", "范围外"}
    assert set(rows["原因"]) <= set(CONTEXT.cleaning.reasons.values())
    assert explorer.quarantine_summary()["行数"].sum() == len(rows)
    assert (explorer.quarantine("patents")["数据来源"] == CONTEXT.sources["patents"]["title"]).all()


# ----------------------------------------------------------------------------- the notebook
@pytest.fixture(scope="module")
def executed(sample_processed: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[nbformat.NotebookNode, Path]:
    """The explore notebook run top to bottom on the sample, exporting into a temporary folder."""
    folder = tmp_path_factory.mktemp("explore")
    out = folder / "explore.ipynb"
    parameters = {"processed_dir": str(sample_processed), "export_dir": str(folder / "export"),
                  "area_code": int(CITY)}  # a number, as `papermill … -p area_code 441600` passes it
    papermill.execute_notebook(str(REPO / "notebooks" / "explore.ipynb"), str(out), kernel_name="python3",
                               parameters=parameters, progress_bar=False, cwd=str(REPO))
    return nbformat.read(out, as_version=4), folder / "export"


@pytest.mark.e2e
def test_the_notebook_runs_and_shows_every_view(executed: tuple[nbformat.NotebookNode, Path]) -> None:
    notebook, _ = executed
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    for shown in ("I02 每万人口高价值发明专利拥有量", "年末人口（普查口径，万人）", "质押金额门槛（万元/件）",
                  "不重新定基", "截至", "满足的条件", "申请号校验位错误", "文件路径"):
        assert shown in html, shown
    assert any("image/png" in o.get("data", {}) for o in outputs)


@pytest.mark.e2e
def test_the_notebooks_exports_hold_the_drill_down_and_the_sensitivity(
        executed: tuple[nbformat.NotebookNode, Path], explorer: Explorer, evaluation: pd.DataFrame) -> None:
    _, folder = executed
    names = {"指标历年值", "评估状态", "人口口径", "质押门槛敏感性", "人口口径敏感性", "截止日期敏感性",
             "高价值发明专利清单", "专利隔离记录"}
    assert {p.name for p in folder.iterdir()} == {f"{n}.{s}" for n in names for s in ("csv", "xlsx")}
    for name in names:
        csv = pd.read_csv(folder / f"{name}.csv", encoding="utf-8-sig")
        xlsx = pd.read_excel(folder / f"{name}.xlsx", engine="openpyxl")
        assert len(csv) == len(xlsx) > 0 and csv.columns.tolist() == xlsx.columns.tolist()
    year = int(evaluation["year"].max())
    stored = _row(evaluation, "I02", CITY, year)
    patents = pd.read_csv(folder / "高价值发明专利清单.csv", encoding="utf-8-sig", dtype={"申请号": str})
    assert len(patents) == stored["rows"] == round(stored["value"] * _population(explorer, CITY, year))
    thresholds = pd.read_csv(folder / "质押门槛敏感性.csv", encoding="utf-8-sig")
    assert thresholds["质押金额门槛（万元/件）"].is_monotonic_increasing
    assert thresholds["高价值发明专利存量（件）"].is_monotonic_decreasing
    assert thresholds["满足较高质押融资金额条件（件）"].is_monotonic_decreasing
    assert thresholds["满足较高质押融资金额条件（件）"].nunique() > 1


def test_the_words_of_the_explorer_exist_in_every_language() -> None:
    for lang in CONTEXT.wording:
        words = Words.of(CONTEXT, lang)
        assert words["explore.columns"] and words["explore.kinds"].keys() >= {i.kind for i in PLAN.indicators}
