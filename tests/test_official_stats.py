"""Official statistics (data-contract.md §official_stats): the bad-input rules of the source, the cross-check and
the benchmarking on small hand-worked fixtures, and the 2023 city report and workbook on the shipped sample."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from conftest import CONTEXT, clean, write_csv
from helpers.official.stage import benchmark, crosscheck, figures, values_used
from helpers.pipeline import open_datasets
from helpers.report import Report
from helpers.report.workbook import write_workbook

HEADER = ["指标", "地区", "年度", "数值", "单位", "出处", "口径说明"]
OFFICIAL = CONTEXT.official


def _figures(raw: Path, rows: list[list[str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    write_csv(raw, "official_stats", "bulletin.csv", HEADER, [[*row, "", "公报", ""] for row in rows])
    run = clean(raw, ["official_stats"])
    return run.results["official_stats"].clean, run.results["official_stats"].quarantine


def test_unknown_indicator_and_area_are_rejected_another_citys_county_is_out_of_scope(raw: Path) -> None:
    clean_rows, quarantine = _figures(raw, [
        ["知识产权强市指数", "河源市", "2023", "75.2"],   # no indicator of the plan, no directional measure
        ["I01", "粤东地区", "2023", "3.10"],             # no area of the vocabulary
        ["I01", "440204", "2023", "4.80"],               # 韶关市浈江区: a county of another city
        ["每万人发明专利拥有量（件）", "汕头", "2023", "3.2"],  # name with its unit, city without 市
        ["发明专利授权量", "全国", "2023", "921000"],      # a directional measure
    ])
    reasons = dict(zip(quarantine["line"], quarantine["reason"], strict=True))
    assert reasons == {2: "unknown_indicator", 3: "unknown_area", 4: "out_of_scope"}
    assert quarantine.set_index("line").loc[4, "outcome"] == "out_of_scope"
    assert clean_rows[["measure", "region_code", "value"]].values.tolist() == [
        ["I01", "440500", 3.2], ["invention_grants", "100000", 921000.0]]


def test_percent_written_two_ways_or_as_a_ratio_is_flagged_and_not_used(raw: Path) -> None:
    clean_rows, quarantine = _figures(raw, [
        ["I11", "河源市", "2023", "87.5%"],
        ["I11", "河源市", "2023", "0.875"],   # the same figure as a ratio: two ways
        ["I11", "汕头市", "2023", "0.91"],    # a ratio only
        ["I11", "梅州市", "2023", "87.5"],    # a percent number without its sign: as the document writes it
        ["I01", "河源市", "2023", "2.75%"],   # a percent sign on a count per 10 000 people
    ])
    assert rejects_of(quarantine) == {6: "percent_for_count"}
    assert clean_rows["ratio_form"].tolist() == [False, True, True, False]
    found = figures(clean_rows, OFFICIAL).set_index("region_code")
    assert found.loc["441600", "status"] == "percent_two_ways"
    assert found.loc["440500", "status"] == "percent_as_ratio"
    assert found.loc["441400", "status"] == "ok" and found.loc["441400", "value"] == 87.5
    assert np.isnan(found.loc["441600", "value"]) and np.isnan(found.loc["440500", "value"])


def rejects_of(quarantine: pd.DataFrame) -> dict[int, str]:
    rejected = quarantine[quarantine["outcome"] == "rejected"]
    return dict(zip(rejected["line"], rejected["reason"], strict=True))


def test_a_figure_with_two_values_is_kept_as_a_conflict_and_neither_used_the_same_value_twice_is_a_duplicate(
        raw: Path) -> None:
    clean_rows, quarantine = _figures(raw, [
        ["I01", "梅州市", "2023", "3.76"],
        ["I01", "梅州市", "2023", "4.14"],
        ["I09", "河源市", "2023", "16"],
        ["版权案件查办数", "441600", "2023", "16"],   # the same figure under an alias and the city's code
    ])
    assert quarantine["outcome"].tolist() == ["duplicate"]
    found = figures(clean_rows, OFFICIAL).set_index(["measure", "region_code"])
    conflict = found.loc[("I01", "441400")]
    assert conflict["status"] == "conflict" and np.isnan(conflict["value"])
    assert conflict["values"] == "3.76（公报）；4.14（公报）"
    assert found.loc[("I09", "441600"), "value"] == 16


def _frame(rows: list[tuple], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


def test_crosscheck_gap_tolerance_and_the_value_used_hand_worked() -> None:
    found = _frame([("I05", "441600", 2023, 12852.0, "公报A", "ok"), ("I01", "441600", 2023, 2.75, "公报B", "ok"),
                    ("I11", "441600", 2023, 90.0, "法院报告", "ok"), ("I09", "441602", 2023, 0.0, "县简报", "ok")],
                   ["measure", "region_code", "year", "value", "document", "status"])
    computed = _frame([("I05", "441600", 2023, 11900.0), ("I01", "441600", 2023, 2.7502),
                       ("I11", "441600", 2023, np.nan), ("I09", "441602", 2023, 2.0)],
                      ["measure", "area_code", "year", "value"])
    found["name"], found["unit"] = "x", "u"
    checked = crosscheck(found, computed, OFFICIAL).set_index(["measure", "area_code"])
    # |11900 − 12852| ÷ 12852 = 952 ÷ 12852 = 0.074074… > 0.02
    assert checked.loc[("I05", "441600"), "gap"] == pytest.approx(952 / 12852)
    assert bool(checked.loc[("I05", "441600"), "beyond"]) and checked.loc[("I05", "441600"), "used"] == "computed"
    # |2.7502 − 2.75| ÷ 2.75 = 0.0000727 ≤ 0.02
    assert checked.loc[("I01", "441600"), "gap"] == pytest.approx(0.0002 / 2.75)
    assert not checked.loc[("I01", "441600"), "beyond"]
    # no computed value (no court extract): the official figure is used
    assert checked.loc[("I11", "441600"), "used"] == "official"
    # an official zero against a computed 2: no relative gap, but beyond the tolerance
    assert bool(checked.loc[("I09", "441602"), "beyond"])
    values = _frame([("I11", "441600", 2023, np.nan, 0), ("I01", "441600", 2023, 2.7502, 5)],
                    ["indicator", "area_code", "year", "value", "rows"])
    used = values_used(values, checked.reset_index())
    assert used["value"].tolist() == [90.0, 2.7502] and used["value_source"].tolist() == ["official", "computed"]
    # conf `prefer: official` makes the evaluation use the official figure where both exist
    prefer = dataclasses.replace(OFFICIAL, prefer={"I05": "official"})
    assert crosscheck(found, computed, prefer).set_index("measure").loc["I05", "used"] == "official"


def test_rank_among_the_peers_shares_ties_and_judges_the_top_third() -> None:
    peers = [c for c in OFFICIAL.peers if c != "441600"]
    # 11 peers: 2 above the city's 87.8, one equal, 8 below → rank 3, 并列; 3 ≤ ceil(12 × 4 ÷ 12) = 4: 靠前
    values = [95.0, 90.0, 87.8, *[80.0 - n for n in range(8)]]
    rows = [("I11", code, 2023, value, "公报", "ok") for code, value in zip(peers, values, strict=True)]
    rows += [("I11", "441600", 2023, 87.8, "公报", "ok"), ("I11", "440000", 2023, 88.0, "省公报", "ok")]
    found = _frame(rows, ["measure", "region_code", "year", "value", "document", "status"])
    found["name"], found["unit"] = "服判息诉率", "%"
    empty = pd.DataFrame(columns=["indicator", "area_code", "year", "value"])
    computed = pd.DataFrame(columns=["measure", "area_code", "year", "value"])
    row = benchmark(found, empty, computed, CONTEXT.plan, CONTEXT.areas, OFFICIAL).iloc[0]
    assert (row["rank"], row["ranked"], row["tied"], row["leading_rank"], row["leading"]) == (3, 12, True, 4, True)
    assert row["gap_province"] == pytest.approx(-0.2) and row["basis"] == "official"
    # one more city above: rank 4 still 靠前; two more: 5 is not
    found.loc[found["value"] == 80.0, "value"] = 99.0
    assert benchmark(found, empty, computed, CONTEXT.plan, CONTEXT.areas, OFFICIAL).iloc[0]["rank"] == 4
    found.loc[found["value"] == 79.0, "value"] = 98.0
    assert not benchmark(found, empty, computed, CONTEXT.plan, CONTEXT.areas, OFFICIAL).iloc[0]["leading"]


def test_the_city_is_ranked_on_the_value_its_evaluation_uses_compared_as_printed() -> None:
    peers = [c for c in OFFICIAL.peers if c != "441600"]
    # I05 2023: the city's official 12,852 万元, its computed (and used) 11,900; one peer at 12,000 lies between
    amounts = [20000.0, 19000.0, 12000.0, *[9000.0 - n for n in range(8)]]
    # I11 2023: the computed 87.80488 % prints as 87.8, like two peers' published 87.8 and 87.84
    rates = [95.0, 87.84, 87.8, *[80.0 - n for n in range(8)]]
    rows = [("I05", code, 2023, value, "公报", "ok") for code, value in zip(peers, amounts, strict=True)]
    rows += [("I11", code, 2023, value, "公报", "ok") for code, value in zip(peers, rates, strict=True)]
    rows += [("I05", "441600", 2023, 12852.0, "公报", "ok"), ("I11", "441600", 2023, 87.8, "公报", "ok")]
    found = _frame(rows, ["measure", "region_code", "year", "value", "document", "status"])
    found["name"], found["unit"] = "x", "u"
    used = _frame([("I05", "441600", 2023, 11900.0, "computed"), ("I11", "441600", 2023, 3600 / 41, "computed")],
                  ["indicator", "area_code", "year", "value", "value_source"])
    computed = pd.DataFrame(columns=["measure", "area_code", "year", "value"])
    table = benchmark(found, used, computed, CONTEXT.plan, CONTEXT.areas, OFFICIAL).set_index("measure")
    i05 = table.loc["I05"]
    assert (i05["value"], i05["basis"], i05["rank"], i05["tied"]) == (11900.0, "computed", 4, False)
    i11 = table.loc["I11"]
    assert (i11["rank"], i11["tied"]) == (2, True) and i11["value"] == pytest.approx(87.80488, abs=1e-5)
    # under `prefer: official` the evaluation's value is the official figure, and so is the ranking's
    official_used = used.assign(value=[12852.0, 87.8], value_source="official")
    i05 = benchmark(found, official_used, computed, CONTEXT.plan, CONTEXT.areas, OFFICIAL).iloc[0]
    assert (i05["value"], i05["basis"], i05["rank"]) == (12852.0, "official", 3)


def test_every_ranking_of_the_sample_is_on_the_value_its_evaluation_graded(sample_processed: Path,
                                                                            provenance: dict) -> None:
    datasets = open_datasets(sample_processed, CONTEXT)
    evaluation = datasets.read("evaluation").set_index(["indicator", "area_code", "year"])
    ranked = datasets.read("benchmark")
    ranked = ranked[ranked["measure"].str.match(r"I\d\d$")]
    graded = [evaluation.loc[(m, "441600", y), "value"] for m, y in zip(ranked["measure"], ranked["year"], strict=True)]
    assert ranked["value"].tolist() == pytest.approx(graded)
    # the two figures moved beyond the tolerance: ranked on the computed 11,900 and 14, as their status says
    ranks = ranked.set_index(["measure", "year"])
    assert ranks.loc[("I05", 2023), "value"] == 11900 and ranks.loc[("I09", 2022), "value"] == 14
    expected = provenance["expected_official"]["ranks"]
    assert all(ranks.loc[(m, y), "rank"] == expected[m][str(y)] for m, y in ranks.index)


def _text(report: Report, section: str) -> str:
    html = "".join(h.data for h in report.sections(only=[section]))
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r'src="[^"]*"', "", html)))


@pytest.fixture(scope="module")
def city_2023(sample_processed: Path) -> Report:
    return Report.load(sample_processed, 2023, "441600", context=CONTEXT)


def test_the_2023_city_report_shows_official_beside_computed_and_which_it_used(city_2023: Report,
                                                                                 provenance: dict) -> None:
    text = _text(city_2023, "indicators")
    # I05 2023: computed 11,900 万元 (the sample's pledges), official 11,900 × 1.08 = 12,852 (moved on purpose)
    assert "11,900 官方12,852" in text
    assert "表中实际值均由原始登记数据计算得出，状态、文中表述、存在的问题、图表和对标排位均以此为准" in text
    assert "河源市2023年知识产权统计公报" in text
    # ranked, charted and judged on the same 11,900 (the official figure a note beside it)
    benchmark_text = _text(city_2023, "benchmark")
    assert "11,900 （官方12,852）" in benchmark_text and "评估所用的数值" in benchmark_text
    assert "12,852 7/12" not in benchmark_text
    assert city_2023.data.history("I05")[2023] == 11900
    appendix = _text(city_2023, "appendix")
    assert "由登记数据计算为11,900万元，官方公布为12,852万元" in appendix and "相差7.4%" in appendix
    assert ["I05", 2023] in provenance["expected_official"]["crosscheck_beyond"]


def test_the_2023_city_report_benchmarks_the_city_and_judges_the_ranking_goal(city_2023: Report,
                                                                               provenance: dict) -> None:
    text = _text(city_2023, "benchmark")
    ranks = provenance["expected_official"]["ranks"]
    assert "对标分析" in text and "图" in text
    # I02: one peer above → 2nd of 12; I11: one above, one tied (汕头's figure, written two ways, is not used)
    assert f"{ranks['I02']['2023']}/12" in text and f"并列{ranks['I11']['2023']}/11" in text
    assert "目标判定为“排名靠前”" in text
    goals = _text(city_2023, "goals")
    assert "排名靠前 每万人发明专利拥有量第5位（共11市）" in goals


def test_the_report_charts_the_value_the_evaluation_used(sample_processed: Path, tmp_path: Path) -> None:
    # as under `prefer: {I05: official}`: the cross-check says the evaluation used the official 12,852 for 2023
    folder = shutil.copytree(sample_processed, tmp_path / "processed")
    checked = pd.read_parquet(folder / "crosscheck.parquet")
    checked.loc[(checked["measure"] == "I05") & (checked["area_code"] == "441600") & (checked["year"] == 2023),
                "used"] = "official"
    checked.to_parquet(folder / "crosscheck.parquet")
    history = Report.load(folder, 2023, "441600", context=CONTEXT).data.history("I05")
    assert (history[2022], history[2023]) == (12800, 12852)  # the trajectory's 2023 point, not the computed 11,900


def test_a_county_report_says_the_benchmarking_is_city_level(sample_processed: Path) -> None:
    text = _text(Report.load(sample_processed, 2023, "441602", context=CONTEXT), "benchmark")
    assert "对标分析以地级市为单位" in text


def test_the_workbook_has_the_benchmark_sheet(sample_processed: Path, tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "book.xlsx", open_datasets(sample_processed, CONTEXT), 2023, CONTEXT)
    book = openpyxl.load_workbook(path, read_only=True)
    assert {"对标分析", "官方数据核对", "官方统计数据"} <= set(book.sheetnames)
    rows = list(book["对标分析"].values)
    records = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    i02 = next(r for r in records if r["指标"] == "每万人口高价值发明专利拥有量")
    assert (i02["粤东西北位次"], i02["有数据城市数"], i02["是否靠前"]) == (2, 12, "靠前")
    assert "本年值来源" in next(book["评估结果"].values)
