"""The data cut-off (evaluation-method.md, "Data cut-off (as-of date)"): the user's --as-of date, else the latest
截至/截止 date in a file's title lines, else the latest observed date, a year-only table observed on 31 Dec of its
latest year; rows dated after an explicit --as-of are set aside as out of scope with their reason.

Every fixture is a few raw rows written into tmp_path, cleaned by the real cleaner (accounts checked) and, where
values are asserted, run through the real values stage; the paper computation is beside each expectation.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import pandas as pd
import pytest

from conftest import CONTEXT, app_no, assert_accounts, run_cli, write_csv, write_xlsx
from helpers.cleaning import clean_all, raw_fingerprint
from helpers.cutoff import AsOfError, check_cleaned_as_of, parse_as_of, stated_date
from helpers.indicators import Tables
from helpers.pipeline import build
from helpers.pipeline.stages import values_stage

NaN = math.nan
CITY = "441600"
YEARS = [2020, 2021, 2022, 2023, 2024, 2025]
PATENT_HEADER = ["申请号", "专利类型", "申请日", "授权公告日", "申请人", "申请人地址", "法律状态"]
GI_HEADER = ["产品名称", "批准公告号", "批准日期", "保护范围", "所在区县"]
GI_ROWS = [["河源米粉", "2010年第1号", "2010-01-05", "河源市现辖行政区域", ""],   # city-wide → the city only
           ["连平鹰嘴蜜桃", "2019年第2号", "2019-06-01", "", "连平县"]]         # the last approval: 2019
GI_TITLE = "河源市地理标志保护产品名录（截至2024年12月31日）"


def cleaned(raw: Path, as_of: dt.date | None = None):  # noqa: ANN201 — a CleanRun
    run = clean_all(raw, CONTEXT, as_of=as_of)
    assert_accounts(run)
    return run


def series(run, indicator: str, area: str = CITY) -> dict[int, float]:  # noqa: ANN001
    values = values_stage(Tables.from_run(run), CONTEXT.plan, CONTEXT.areas)["values"]
    rows = values[(values["indicator"] == indicator) & (values["area_code"] == area)].set_index("year")
    return {y: float(rows.loc[y, "value"]) for y in YEARS}


def expect(got: dict, want: dict) -> None:
    assert got == pytest.approx(want, nan_ok=True), (got, want)


# ----------------------------------------------------------------------------- rule 3: observed, year-only tables
def test_a_2020_population_table_covers_2020_for_a_register_whose_last_event_is_in_2019(raw: Path) -> None:
    write_csv(raw, "patents", "p.csv", PATENT_HEADER, [
        [app_no("201810000001"), "", "2018-03-01", "2019-05-01", "甲公司", "广东省河源市源城区新风路1号", "有效"]])
    write_csv(raw, "population", "pop.csv", ["年度", "地区", "常住人口"], [[2020, "河源市", 100]])
    run = cleaned(raw)
    # the population table carries only years: it reaches 31 Dec 2020, later than the patent's grant (2019-05-01)
    assert run.manifest["data_cutoff"] == "2020-12-31"
    assert run.manifest["data_cutoff_rule"] == "observed"
    assert run.manifest["data_cutoff_basis"]["observed_in"] == "population"
    assert run.manifest["sources"]["population"]["latest_date"] == "2020-12-31"
    # I01 2020: 1 valid invention patent ÷ 100 万人 = 0.01 (today's code: 数据缺失, the register "ends" in 2019)
    expect(series(run, "I01"), {2020: 0.01, 2021: NaN, 2022: NaN, 2023: NaN, 2024: NaN, 2025: NaN})


# ----------------------------------------------------------------------------- rule 2: a date in the title lines
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_gi_list_titled_as_of_end_2024_covers_2024_though_its_last_approval_is_2019(raw: Path, kind: str) -> None:
    if kind == "csv":
        write_csv(raw, "gi_products", "名录.csv", GI_HEADER, GI_ROWS, preamble=[GI_TITLE])
    else:  # the title in a merged row above the header, as a bureau's workbook has it
        write_xlsx(raw, "gi_products", "名录.xlsx", GI_HEADER, GI_ROWS, title=GI_TITLE)
    run = cleaned(raw)
    manifest = run.manifest
    assert (manifest["data_cutoff"], manifest["data_cutoff_rule"]) == ("2024-12-31", "stated")
    assert manifest["data_cutoff_basis"]["stated_in"] == f"gi_products/名录.{kind}"
    assert manifest["data_cutoff_basis"]["observed"] == "2019-06-01"
    assert run.table("files").set_index("file").loc[f"gi_products/名录.{kind}", "stated_cutoff"] == "2024-12-31"
    # I10: 米粉 and 蜜桃 approved by 2019 → 2 at the end of 2020…2024; 2025 is past the stated date → 数据缺失
    expect(series(run, "I10"), {2020: 2, 2021: 2, 2022: 2, 2023: 2, 2024: 2, 2025: NaN})


@pytest.mark.parametrize(("text", "day"), [
    ("河源市地理标志保护产品名录（截至2024年12月31日）", dt.date(2024, 12, 31)),
    ("专利清单 截止日期：2023-06-30 导出", dt.date(2023, 6, 30)),
    ("（截至２０２４年６月）", dt.date(2024, 6, 30)),                    # full-width digits; a month → its last day
    ("数据截至2023年底", dt.date(2023, 12, 31)),
    ("统计截止2022年末；截至2024年2月", dt.date(2024, 2, 29)),           # the latest of two, leap February
    ("截至 2021 年 3 月 5 日", dt.date(2021, 3, 5)),
    ("截至2024年2月30日", None),                                      # not a day
    ("河源市2024年专利清单", None),                                    # a year, but no 截至/截止
])
def test_the_dates_title_lines_state(text: str, day: dt.date | None) -> None:
    assert stated_date(text) == day


# ----------------------------------------------------------------------------- precedence
def test_as_of_beats_a_title_which_beats_a_later_observed_date(raw: Path) -> None:
    write_csv(raw, "gi_products", "名录.csv", GI_HEADER, GI_ROWS, preamble=[GI_TITLE])
    write_csv(raw, "patents", "p.csv", PATENT_HEADER, [
        [app_no("202410000001"), "", "2024-01-02", "2025-03-01", "甲公司", "广东省河源市源城区新风路1号", "有效"]])
    observed = ("2025-03-01", "patents")
    stated = cleaned(raw).manifest
    assert (stated["data_cutoff"], stated["data_cutoff_rule"]) == ("2024-12-31", "stated")
    assert (stated["data_cutoff_basis"]["observed"], stated["data_cutoff_basis"]["observed_in"]) == observed
    as_of = cleaned(raw, dt.date(2023, 12, 31))
    assert (as_of.manifest["data_cutoff"], as_of.manifest["data_cutoff_rule"]) == ("2023-12-31", "as_of")
    assert as_of.manifest["data_cutoff_basis"]["stated"] == "2024-12-31"  # still reported, not used
    expect(series(as_of, "I10"), {2020: 2, 2021: 2, 2022: 2, 2023: 2, 2024: NaN, 2025: NaN})
    write_csv(raw, "gi_products", "名录.csv", GI_HEADER, GI_ROWS)  # the same list without its title
    untitled = cleaned(raw).manifest
    assert (untitled["data_cutoff"], untitled["data_cutoff_rule"]) == ("2025-03-01", "observed")


# ----------------------------------------------------------------------------- rows after an explicit as-of
def test_rows_after_the_as_of_date_are_out_of_scope_with_a_reason_and_later_dates_are_emptied(raw: Path) -> None:
    write_csv(raw, "patents", "p.csv", PATENT_HEADER, [
        [app_no("202210000001"), "", "2022-08-02", "2023-05-01", "甲公司", "广东省河源市源城区新风路1号", "有效"],
        [app_no("202310000002"), "", "2023-01-02", "2024-09-01", "乙公司", "广东省河源市源城区新风路1号", "有效"],
        [app_no("202410000003"), "", "2024-08-02", "", "丙公司", "广东省河源市源城区新风路1号", "审中"]])
    write_csv(raw, "population", "pop.csv", ["年度", "地区", "常住人口"],
              [[2023, "河源市", 100], [2024, "河源市", 100]])
    run = cleaned(raw, dt.date(2024, 6, 30))
    # filed 2024-08-02 → not yet filed on 2024-06-30: out of scope, reason after_as_of (in the quarantine)
    aside = run.results["patents"].quarantine
    assert aside[["line", "outcome", "reason"]].values.tolist() == [[4, "out_of_scope", "after_as_of"]]
    assert "after_as_of" in CONTEXT.cleaning.reasons and "date_after_as_of" in CONTEXT.cleaning.warnings
    # granted 2024-09-01 → still pending on 2024-06-30: kept, its grant date emptied and counted
    clean = run.results["patents"].clean.set_index("application_no")
    assert pd.isna(clean.loc["202310000002", "grant_date"])
    assert clean.loc["202210000001", "grant_date"] == pd.Timestamp("2023-05-01")
    warnings = run.table("warnings").set_index("warning")
    assert warnings.loc["date_after_as_of", "rows"] == 1
    # the 2024 population (observed on 31 Dec 2024) was not known on 2024-06-30 either
    population = run.results["population"]
    assert population.clean["year"].tolist() == [2023]
    assert population.quarantine["reason"].tolist() == ["after_as_of"]
    assert run.results["population"].reconciliation[["rows_in", "clean", "out_of_scope"]].values.tolist() == [[2, 1, 1]]
    # I01: end 2023, 1 granted ÷ 100 = 0.01; 2024 (the as-of year) counts what was granted by the as-of: still 1,
    # but no population known for 2024 → 数据缺失
    expect(series(run, "I01"), {2020: NaN, 2021: NaN, 2022: NaN, 2023: 0.01, 2024: NaN, 2025: NaN})


# ----------------------------------------------------------------------------- dates after the day of the run
PLEDGE_HEADER = ["登记号", "权利类型", "出质人", "出质人地址", "质权人", "登记生效日", "质押金额", "解除日"]
MARK_HEADER = ["注册号", "商标名称", "申请人名称（中文）", "申请人地址（中文）", "注册日期", "专用权期限"]
HOLDER = "广东省河源市源城区新风路1号"


def test_a_pledge_dated_2035_is_rejected_and_never_dates_the_data(raw: Path) -> None:
    """The issue's case: one pledge typed 2035-06-01 made the report's cover print 数据截止日期 2035-06-01."""
    write_csv(raw, "pledges", "z.csv", PLEDGE_HEADER, [
        ["Z1", "商标", "甲公司", HOLDER, "某银行", "2024-05-01", "300", ""],
        ["Z2", "商标", "乙公司", HOLDER, "某银行", "2035-06-01", "500", ""]])
    # a trademark's term end IS ahead (scheduled): its row is kept and dates nothing
    write_csv(raw, "trademarks", "t.csv", MARK_HEADER, [
        ["1", "甲", "甲公司", HOLDER, "2021-05-01", "2021年05月01日 至 2031年04月30日"]])
    run = cleaned(raw)  # the real day of the run (2035 is ahead of any day this test runs on)
    rejected = run.results["pledges"].quarantine
    assert rejected[["line", "outcome", "reason", "field"]].values.tolist() == [
        [3, "rejected", "future_date", "effective_date"]]
    assert "future_date" in CONTEXT.cleaning.reasons
    assert run.results["pledges"].clean["reg_no"].tolist() == ["Z1"]
    marks = run.results["trademarks"].clean
    assert marks["term_end"].tolist() == [pd.Timestamp("2031-04-30")]
    assert (run.manifest["data_cutoff"], run.manifest["data_cutoff_rule"]) == ("2024-05-01", "observed")
    assert run.manifest["sources"]["pledges"]["latest_date"] == "2024-05-01"
    assert run.manifest["date_ahead"] == "2035-06-01"
    # I05: 300 万元 in 2024, nothing of the 2035 typo anywhere
    assert series(run, "I05")[2024] == 300


def test_the_day_of_the_run_decides_what_lies_ahead_and_planned_dates_are_kept(raw: Path) -> None:
    """Run as if on 2024-06-30, with --as-of 2024-03-31: a row dated after the as-of but not after the day of the run
    is set aside (after_as_of, as before); one dated after the day of the run is rejected (future_date); a planned
    date ahead (a pledge's agreed 解除日, a project's completion) is kept and observes nothing; a year after the
    run's is ahead, the year still running is not, and reaches the day of the run at most."""
    write_csv(raw, "pledges", "z.csv", PLEDGE_HEADER, [
        ["Z1", "商标", "甲公司", HOLDER, "某银行", "2024-03-01", "300", "2026-02-28"],  # kept: released ahead
        ["Z2", "商标", "乙公司", HOLDER, "某银行", "2024-05-01", "400", ""],  # after the as-of
        ["Z3", "商标", "丙公司", HOLDER, "某银行", "2024-07-15", "500", ""]])  # after the day of the run
    write_csv(raw, "projects", "p.csv", ["项目名称", "专栏", "类型", "所在区县", "立项日期", "完成日期", "状态"], [
        ["电子信息产业专利导航", "8", "专利导航", "源城区", "2023-01-01", "2024-12-31", "在建"]])
    write_csv(raw, "population", "pop.csv", ["年度", "地区", "常住人口"],
              [[2023, "河源市", 100], [2024, "河源市", 100], [2025, "河源市", 100]])
    today = dt.date(2024, 6, 30)
    run = clean_all(raw, CONTEXT, as_of=dt.date(2024, 3, 31), today=today)
    assert_accounts(run)
    pledges = run.results["pledges"]
    assert pledges.quarantine[["line", "outcome", "reason"]].values.tolist() == [
        [3, "out_of_scope", "after_as_of"], [4, "rejected", "future_date"]]
    # the release and the completion ahead are also after the as-of date: emptied there as not yet happened (the
    # as-of rule, unchanged)
    assert pledges.clean[["reg_no", "release_date"]].values.tolist() == [["Z1", pd.NaT]]
    assert run.results["projects"].clean["completion_date"].isna().all()
    population = run.results["population"]
    # 2024 is observed on 31 Dec: after the as-of date; 2025 is after the day of the run
    assert population.quarantine[["line", "reason"]].values.tolist() == [[3, "after_as_of"], [4, "future_date"]]
    assert population.clean["year"].tolist() == [2023]
    # without the as-of date, the same day of the run: the year still running reaches the day of the run
    run = clean_all(raw, CONTEXT, today=today)
    assert_accounts(run)
    kept = run.results["pledges"].clean.set_index("reg_no")
    assert kept.index.tolist() == ["Z1", "Z2"] and kept.loc["Z1", "release_date"] == pd.Timestamp("2026-02-28")
    assert run.results["projects"].clean["completion_date"].tolist() == [pd.Timestamp("2024-12-31")]
    assert run.manifest["sources"]["population"]["latest_date"] == "2024-06-30"
    assert run.manifest["sources"]["projects"]["latest_date"] == "2023-01-01"  # the completion ahead observes nothing
    assert run.manifest["data_cutoff"] == "2024-06-30" and run.manifest["run_day"] == "2024-06-30"
    assert run.manifest["date_ahead"] == "2024-07-15"  # Z3; then the project (2024-12-31), 2025, the release (2026)


def test_a_title_stating_a_day_to_come_states_nothing(raw: Path) -> None:
    title = "河源市地理标志保护产品名录（截至2035年6月30日）"  # a typo for 2025: no list reaches a day to come
    write_csv(raw, "gi_products", "名录.csv", GI_HEADER, GI_ROWS, preamble=[title])
    run = clean_all(raw, CONTEXT, today=dt.date(2024, 6, 30))
    assert (run.manifest["data_cutoff"], run.manifest["data_cutoff_rule"]) == ("2019-06-01", "observed")
    assert run.manifest["date_ahead"] == "2035-06-30"
    assert stated_date("截至2023年底；截至2035年6月30日", today=dt.date(2024, 6, 30)) == dt.date(2023, 12, 31)


def test_a_cleaning_goes_stale_on_the_first_date_it_found_ahead(raw: Path, tmp_path: Path) -> None:
    """With --if-changed, the same raw files clean differently once a date they hold ahead of the last cleaning's
    day has come: Z3 (2024-07-15) is a future date on 2024-07-14 and a pledge of the data on 2024-07-15."""
    write_csv(raw, "pledges", "z.csv", PLEDGE_HEADER, [
        ["Z1", "商标", "甲公司", HOLDER, "某银行", "2024-03-01", "300", ""],
        ["Z3", "商标", "丙公司", HOLDER, "某银行", "2024-07-15", "500", ""]])
    processed = tmp_path / "processed"

    def ran(day: dt.date) -> bool:
        return dict((name, done) for name, done, _ in build(raw, processed, CONTEXT, if_changed=True,
                                                            today=day).steps)["clean"]

    assert ran(dt.date(2024, 7, 1)) and not ran(dt.date(2024, 7, 14))
    assert ran(dt.date(2024, 7, 15))
    manifest = json.loads((processed / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["data_cutoff"] == "2024-07-15" and manifest["date_ahead"] is None
    assert not ran(dt.date(2030, 1, 1))  # nothing ahead any more: the cleaning holds


# ----------------------------------------------------------------------------- the --as-of parameter
@pytest.mark.parametrize(("text", "message"), [
    ("2024-13-01", "不是有效日期"),
    ("20241231", "不是有效日期"),
    ("2024-12-31; rm -rf /", "不是有效日期"),
    ("2019-12-31", "早于规划基期 2020 年"),
    ("2027-01-01", "晚于今天（2026-12-01）"),
])
def test_an_unusable_as_of_is_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(AsOfError, match=message.replace("（", "\\（").replace("）", "\\）")):
        parse_as_of(text, 2020, today=dt.date(2026, 12, 1))
    assert parse_as_of("2020-01-01", 2020, today=dt.date(2026, 12, 1)) == dt.date(2020, 1, 1)
    assert parse_as_of("2026-12-01", 2020, today=dt.date(2026, 12, 1)) == dt.date(2026, 12, 1)


@pytest.mark.e2e
@pytest.mark.parametrize(("text", "message"), [("2024-02-30", "不是有效日期"), ("2019-06-30", "早于规划基期"),
                                               ("9999-12-31", "晚于今天")])
def test_the_cli_refuses_an_unusable_as_of_in_chinese_before_touching_any_folder(tmp_path: Path, text: str,
                                                                                  message: str) -> None:
    out = tmp_path / "processed"
    result = run_cli("clean", "--raw-dir", str(tmp_path / "raw"), "--out", str(out), "--as-of", text)
    assert result.returncode == 2
    assert message in result.stderr and result.stderr.startswith("错误：--as-of")
    assert "Traceback" not in result.stderr + result.stdout
    assert not out.exists()


@pytest.mark.e2e
def test_evaluate_and_run_refuse_a_folder_cleaned_with_another_cut_off(raw: Path, tmp_path: Path) -> None:
    write_csv(raw, "gi_products", "名录.csv", GI_HEADER, GI_ROWS, preamble=[GI_TITLE])
    processed = tmp_path / "processed"
    build(raw, processed, CONTEXT, as_of=dt.date(2023, 12, 31))
    manifest = json.loads((processed / "manifest.json").read_text(encoding="utf-8"))
    check_cleaned_as_of(manifest, dt.date(2023, 12, 31), processed)  # the same date: fine
    for command in (["evaluate", "--reports", str(tmp_path / "reports")],
                    ["run", "--reports", str(tmp_path / "reports"), "--years", "2023"]):
        result = run_cli(*command, "--processed", str(processed), "--as-of", "2024-12-31")
        assert result.returncode == 2, result.stderr
        assert "数据截止日期为 2023-12-31" in result.stderr and "clean --as-of 2024-12-31" in result.stderr
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").rglob("*.*"))


# ----------------------------------------------------------------------------- incremental runs
def test_a_changed_as_of_reruns_cleaning_and_the_stages_an_unchanged_one_does_not(raw: Path, tmp_path: Path) -> None:
    write_csv(raw, "gi_products", "名录.csv", GI_HEADER, GI_ROWS)
    processed = tmp_path / "processed"
    assert raw_fingerprint(raw, CONTEXT) != raw_fingerprint(raw, CONTEXT, dt.date(2023, 12, 31))

    def ran(as_of: dt.date | None) -> dict[str, bool]:
        return {name: done for name, done, _ in build(raw, processed, CONTEXT, if_changed=True, as_of=as_of).steps}

    assert all(ran(None).values())
    assert not any(ran(None).values())  # nothing changed
    again = ran(dt.date(2023, 12, 31))
    assert again["clean"] and again["values"]
    manifest = json.loads((processed / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["data_cutoff"], manifest["data_cutoff_rule"]) == ("2023-12-31", "as_of")
    assert not any(ran(dt.date(2023, 12, 31)).values())
    assert ran(None)["clean"]  # dropping the as-of is a change too


def test_official_figures_about_a_year_do_not_set_the_cut_off(raw: Path) -> None:
    """A compilation of published figures carries only years, but it dates no register: a 2025 figure must not make
    registers whose last event is in 2023 cover 2024 and 2025."""
    write_csv(raw, "patents", "p.csv", PATENT_HEADER, [
        [app_no("202210000001"), "", "2022-03-01", "2023-06-30", "甲公司", "广东省河源市源城区新风路1号", "有效"]])
    write_csv(raw, "official_stats", "o.csv", ["指标", "地区", "年度", "数值", "单位", "出处"],
              [["I01", "河源市", 2025, "3.1", "件", "2025年河源市统计公报（2026年3月）"]])
    run = cleaned(raw)
    assert run.manifest["data_cutoff"] == "2023-06-30"  # the patent's grant date, not 2025-12-31
    assert run.manifest["data_cutoff_basis"]["observed_in"] == "patents"
