"""Reports a city government can sign off (issue 16): the mode of each year's report (年度监测 / 中期评估 /
终期评估), the method fixes and the 公文 wording, checked on the sections of the shipped sample's reports."""

from __future__ import annotations

import dataclasses
import html as html_lib
import re
from pathlib import Path

import pandas as pd
import pytest

from conftest import CONTEXT
from helpers.context import ConfError
from helpers.report import Report, findings, report_title
from helpers.report.items import excerpt

CITY, YUANCHENG, ZIJIN = "441600", "441602", "441621"
WORDS = CONTEXT.words("zh")


def _text(report: Report, only: list[str] | None = None) -> str:
    """The report's sections as text (tags dropped), as a reader sees them."""
    html = "".join(section.data for section in report.sections(only=only))
    return re.sub(r"<[^>]+>", "", html)


@pytest.fixture(scope="module")
def reports(sample_processed: Path) -> dict[tuple[int, str], Report]:
    return {(year, area): Report.load(sample_processed, year, area, context=CONTEXT)
            for year in (2022, 2023, 2025) for area in (CITY, YUANCHENG, ZIJIN)}


def test_each_year_has_its_configured_mode_and_title(reports: dict) -> None:
    words = reports[(2023, CITY)].w
    assert report_title(2022, CONTEXT.plan, words).endswith("实施年度监测报告（2022年）")
    assert report_title(2023, CONTEXT.plan, words).endswith("实施中期评估报告")
    assert report_title(2025, CONTEXT.plan, words).endswith("实施终期评估（总结评估）报告")
    assert set(reports[(2025, CITY)].data.own["mode"]) == {"final"}


def test_the_final_evaluation_speaks_of_achievement_not_pace(reports: dict) -> None:
    final = reports[(2025, CITY)]
    text = _text(final, ["cover", "summary", "indicators", "domains", "flagship", "problems"])
    # the table of every year keeps each year's status in its own mode (conclusions.md §1): history, not a verdict
    text = re.sub(r"主要指标2021—2025年逐年情况.*?按当年的评估口径判定[^）]*）", "", text, flags=re.S)
    for phrase in ("序时进度100%", "符合序时进度", "超序时进度", "在规划期末前完成目标", "按现有速度", "预计"):
        assert phrase not in text, phrase
    own = final.data.own.set_index("indicator")
    # 17,800 of 18,000 万元: P = 8,795 / 8,995 = 97.8 % ≥ 95 % → 基本完成, 200 万元 short of the target
    assert own.loc["I05", "status"] == "basic"
    assert "基本完成" in text and "距目标尚差200万元" in text
    assert "“十五五”时期趋势参考值" in text and "仅为趋势参考值" in text
    assert "达到或基本达到目标的占" in text
    assert "达到或基本达到规划目标的指标占93%" in _text(final, ["summary"])  # 13 of 14


def test_per_capita_progress_uses_the_census_rebased_base(reports: dict) -> None:
    report = reports[(2023, CITY)]
    row = report.data.own.set_index("indicator").loc["I01"]
    assert row["base_kind"] == "rebased" and round(row["base_used"], 2) == 2.02
    assert row["completion"] == pytest.approx((row["value"] - row["base_used"]) / (3.05 - row["base_used"]))
    text = _text(report, ["domains"])
    assert "较2020年的2.02件（按普查人口口径折算）增加0.73件" in text  # 2.75 − 2.02, not 2.75 − 1.85
    assert "较2020年的1.85件" not in text
    assert "2.02\n（规划1.85）" in _text(report, ["indicators"])
    assert "目标完成度、进度比均按折算后的基期值计算" in _text(report, ["indicators"])
    # the final table has no 进度比: its note names what the final table measures from the rebased base
    final_note = _text(reports[(2025, CITY)], ["indicators"])
    assert "距目标差距、年均增速均按折算后的基期值计算" in final_note and "进度比均按" not in final_note
    # a county's base on the census basis: its census share of the city's census population
    county = reports[(2023, ZIJIN)]
    zijin = county.data.own.set_index("indicator").loc["I01"]
    assert zijin["base_kind"] == "rebased"
    values = county.data.values
    stock_2020 = values[(values["indicator"] == "I01") & (values["area_code"] == ZIJIN) & (values["year"] == 2020)]
    assert zijin["base_used"] == pytest.approx(stock_2020["rows"].item() / (283.56 * 551095 / 2837686))
    assert "较2020年的0.94件（按普查人口口径折算）增加0.26件" in _text(county, ["domains"])


def test_floors_are_reached_or_not_in_a_progress_year(reports: dict) -> None:
    report = reports[(2023, CITY)]
    floors = report.data.own[report.data.own["kind"] == "floor"]
    assert set(floors["status"]) <= {"reached", "not_reached", "missing"}
    i08 = floors.set_index("indicator", drop=False).loc["I08"]  # 68 against a floor of 70
    assert i08["value"] == 68 and i08["status"] == "not_reached"
    sentence = findings.indicator_sentence(report.data, i08)
    assert "未达标" in sentence and "序时进度" not in sentence


def test_a_county_at_the_city_target_in_the_base_year_has_no_completion(reports: dict) -> None:
    for year in (2023, 2025):
        own = reports[(year, YUANCHENG)].data.own.set_index("indicator")
        for indicator in ("I01", "I02"):  # 源城区: 4.30 at base against 3.05; 0.83 → 2.84 against 1 (P 1203 %)
            row = own.loc[indicator]
            assert row["status"] == "met" and row["completion"] != row["completion"], (year, indicator)
        text = _text(reports[(year, YUANCHENG)], ["summary", "indicators", "domains"])
        assert not re.search(r"-\d+%|−\d+%", text) and "12.03" not in text and "-2.79" not in text


def test_one_number_for_one_target(reports: dict) -> None:
    report = reports[(2023, CITY)]
    z2 = report.data.flagship.set_index("id").loc["Z2"]
    i02 = report.data.own.set_index("indicator").loc["I02"]
    assert z2["reached"] == pytest.approx(i02["completion"])


def test_sentences_add_up_as_shown(reports: dict) -> None:
    for (year, area), report in reports.items():
        for sentence in map(lambda r: findings.indicator_sentence(report.data, r[1]), report.data.own.iterrows()):
            found = re.search(r"为([\d,.]+)\D+?较2020年的([\d,.]+)\D+?(增加|减少)([\d,.]+)", sentence)
            if not found:
                continue
            value, base, direction, change = found.groups()
            value, base, change = (float(x.replace(",", "")) for x in (value, base, change))
            assert (value - base if direction == "增加" else base - value) == pytest.approx(change, abs=1e-9), \
                (year, area, sentence)
            assert "增加0件" not in sentence and "增加0.00" not in sentence


def test_projection_and_status_agree(reports: dict) -> None:
    # I03 2023: 1 of 2 marks at τ = 60 % → 滞后, projected 1.67 — shown as 1.7, not as the target 2
    sentence = findings.indicator_sentence(reports[(2023, CITY)].data,
                                           reports[(2023, CITY)].data.own.set_index("indicator", drop=False).loc["I03"])
    assert "滞后" in sentence and "预计1.7件（目标2件）" in sentence


def test_small_samples_and_zeros_are_not_ranked_and_ties_are_shared(reports: dict) -> None:
    report = reports[(2025, ZIJIN)]
    i11 = report.data.own.set_index("indicator").loc["I11"]  # 2 first-instance cases
    assert i11["small_sample"] and i11["county_rank"] != i11["county_rank"]
    text = _text(report, ["indicators", "domains"])
    assert "样本不足 n=2，不评级" in text and "仅有2个案件或样本（不足10个），样本不足，不评级" in text
    assert i11["status"] == "small_sample"  # no status of its own: not in the 已完成/未完成 tallies
    assert "并列" in text
    zeros = report.data.evaluation[(report.data.evaluation["area_code"] != CITY)
                                   & (report.data.evaluation["value"] == 0)]
    assert zeros["county_rank"].isna().all()


def test_rounding_is_half_up_and_one_separator_style() -> None:
    assert findings.percent(1 / 16, 1) == "6.3%"  # binary rounding prints 6.2%
    assert findings.number(0.125, 2) == "0.13" and findings.number(2837686, 0) == "2,837,686"
    assert "2 837 686" not in str(CONTEXT.plan.settings["population_rebase"]["basis"])


def test_the_body_speaks_chinese_without_paths_codes_or_utc(reports: dict) -> None:
    for key in [(2023, CITY), (2025, CITY), (2023, ZIJIN)]:
        body = _text(reports[key], [s.id for s in reports[key].outline() if s.id != "appendix"])
        for bad in (".csv", ".xlsx", "invalid Zip", "UTC", "city_only_no_county", "official_stats",
                    "数据不变则不变", "每一行都有去向", "第三方评估组", "仅为序时进度", "件/年，", "完成目标进度的-"):
            assert bad not in body, (key, bad)
        assert "北京时间" in body
        problems = _text(reports[key], ["problems"])
        assert "数据质量" not in problems and "无法读取" not in problems
    appendix = _text(reports[(2023, CITY)], ["appendix"])
    assert "数据方面存在的问题" in appendix and "invalid Zip" not in appendix and "data/processed" not in appendix


def test_quoted_items_are_listed_without_a_pause_mark(reports: dict) -> None:
    summary = _text(reports[(2025, CITY)], ["summary"])
    assert "”、“" not in summary and "”“" in summary


def test_the_cover_says_when_the_evaluation_period_ends(reports: dict) -> None:
    cover = _text(reports[(2023, CITY)], ["cover"])
    assert "2021-01-01至2023-12-31" in cover and "晚于评估期的数据不计入本报告" in cover
    assert "【评估组待填写】" in cover  # no evaluating organisation configured for the sample


def test_recommendations_name_the_responsible_units(reports: dict) -> None:
    recommendations = findings.recommendations(reports[(2023, CITY)].data)
    pledges = next(r for r in recommendations if r.startswith("扩大知识产权质押融资规模"))  # I05 严重滞后 in 2023
    assert pledges.endswith("（责任单位：市市场监督管理局（市知识产权局）、市金融工作局、中国人民银行河源市分行）")


def test_trajectories_follow_the_mode_and_the_basis(reports: dict) -> None:
    from helpers.report.charts import Trajectory

    charts = reports[(2023, CITY)].charts
    series = pd.Series({2020: 1.849998, 2021: 2.252807, 2022: 2.5161, 2023: 2.750159})

    def drawn(**options: object) -> tuple[list, list[str]]:
        fig = charts.trajectories([Trajectory("每万人发明专利拥有量", "件", series, 2020, 2025, 2.020736, 3.05,
                                              "level", 2, **options)])
        ax = fig.axes[0]
        return ax.get_lines(), [t.get_text() for t in ax.texts]

    lines, labels = drawn(plan_base=1.849998)
    assert any(line.get_linestyle() == "--" for line in lines)  # the 序时进度 path
    assert labels[0] == "2.02" and "1.85" not in labels  # the base year on the census basis, as the table prints it
    assert labels == [findings.number(v, 2) for v in (2.020736, 2.252807, 2.5161, 2.750159)]
    lines, _ = drawn(path=False)
    assert not any(line.get_linestyle() == "--" for line in lines)  # the final evaluation draws no path
    caption = "".join(s.data for s in reports[(2025, CITY)].sections(only=["domains"]))
    assert "序时进度路径" not in caption and "2020—2025年走势与规划目标" in caption



# ----------------------------------------------------------------------------- the wording of a final report (issue 26)
def test_the_scope_names_what_each_mode_evaluates(reports: dict) -> None:
    assert "对河源市2022年度规划实施情况进行监测评估" in _text(reports[(2022, CITY)], ["scope"])
    assert "对河源市2021—2023年规划实施情况进行中期评估" in _text(reports[(2023, CITY)], ["scope"])
    assert "对河源市2021—2025年规划实施情况进行总结评估" in _text(reports[(2025, CITY)], ["scope"])
    assert "对紫金县2021—2025年规划实施情况进行总结评估" in _text(reports[(2025, ZIJIN)], ["scope"])


def test_a_final_report_neither_projects_nor_proposes_adjustments(reports: dict) -> None:
    for area in (CITY, ZIJIN):
        text = _text(reports[(2025, area)])
        for phrase in ("规划期末前", "按现有速度", "预计", "今后", "规划调整建议", "序时进度路径", "2025年度规划"):
            assert phrase not in text, (area, phrase)
        assert "纳入“十五五”规划统筹安排" in _text(reports[(2025, area)], ["recommendations"])
    assert "在规划期末前完成目标" in _text(reports[(2023, CITY)], ["recommendations"])
    assert "规划调整建议" in _text(reports[(2023, CITY)], ["recommendations"])


def test_the_row_counts_are_in_the_scope_not_the_summary(reports: dict) -> None:
    for key in [(2023, CITY), (2025, ZIJIN)]:
        assert "本次评估读取" not in _text(reports[key], ["summary"])
        scope = _text(reports[key], ["scope"])
        assert re.search(r"读取\d+个数据文件共?[\d,]+行.*详见附录一。", scope), scope


def _appendix_labels(html: str) -> dict[str, str]:
    """The appendices' ids and labels as their headings show them."""
    return dict(re.findall(r'<h3 id="appendix-(\w+)">(附录[一二三四五六七八九十]+)　', html))


def test_references_to_appendices_are_the_appendices_numbers(reports: dict) -> None:
    for key in [(2023, CITY), (2025, CITY), (2025, ZIJIN)]:
        report = reports[key]
        html = "".join(section.data for section in report.sections())
        labels = _appendix_labels(html)
        assert labels == report.appendices() and list(labels) == ["quality", "method", "evidence", "progress"]
        text = re.sub(r"<[^>]+>", "", html)
        assert f"全文见{labels['progress']}。" in text and f"详见{labels['quality']}。" in text
        body = _text(report, [s.id for s in report.outline() if s.id != "appendix"])
        assert set(re.findall(r"附录[一二三四五六七八九十]+", body)) <= set(labels.values()), key
    assert "方法见“一、评估说明”" in _text(reports[(2025, CITY)], ["tasks"])


def test_appendices_are_numbered_from_the_section_list(sample_processed: Path) -> None:
    """Reordering the appendices in report.yaml renumbers their headings, the contents and every reference."""
    sections = [s.model_copy(update={"appendices": list(reversed(s.appendices))}) if s.id == "appendix" else s
                for s in CONTEXT.report.sections]
    context = dataclasses.replace(CONTEXT, report=CONTEXT.report.model_copy(update={"sections": sections}))
    report = Report.load(sample_processed, 2025, CITY, context=context)
    assert report.appendices() == {"progress": "附录一", "evidence": "附录二", "method": "附录三", "quality": "附录四"}
    html = "".join(section.data for section in report.sections())
    assert _appendix_labels(html) == report.appendices()
    text = re.sub(r"<[^>]+>", "", html)
    assert "全文见附录一。" in text and "详见附录四。" in text and "附录一　部门填报的工作进展" in text
    assert '<li class="toc-2"><a href="#appendix-progress">附录一　部门填报的工作进展</a></li>' in html


def test_a_section_without_its_module_stops_the_report_at_load(sample_processed: Path) -> None:
    """report.yaml is the registry of sections: each id names its module, helpers.report.sections.<id>; an id
    without one is a configuration error naming its key, before any section is rendered."""
    sections = [*CONTEXT.report.sections, CONTEXT.report.sections[1].model_copy(update={"id": "outlook"})]
    context = dataclasses.replace(CONTEXT, report=CONTEXT.report.model_copy(update={"sections": sections}))
    with pytest.raises(ConfError, match=rf"sections\[{len(sections) - 1}\]\.id：没有章节模块 'outlook'"):
        Report.load(sample_processed, 2025, CITY, context=context)


def test_the_contents_list_each_appendix_under_the_appendix(reports: dict) -> None:
    report = reports[(2023, ZIJIN)]
    nav = re.search(r'<nav class="toc".*?</nav>', "".join(s.data for s in report.sections(only=["cover"])), re.S)[0]
    entries = re.findall(r'<li class="toc-(\d)"><a href="#([\w-]+)">([^<]+)</a>', nav)
    at = [anchor for _, anchor, _ in entries].index("appendix")
    assert entries[at] == ("1", "appendix", "附录")
    assert entries[at + 1:] == [("2", f"appendix-{key}", f"{label}　{WORDS['appendix']['titles'][key]}")
                                for key, label in report.appendices().items()]
    assert ("2", "domain-1", "（一）知识产权创造") in entries


def test_a_title_quoted_in_a_quotation_takes_single_quotation_marks(reports: dict) -> None:
    words = reports[(2025, CITY)].w
    line = words("plan_items.discrepancy", id="T7.2", title="实施知识产权“筑基”行动", claimed="进展滞后",
                 verified="待核实", reason="缺少佐证材料：“筑基”台账")
    assert line == "T7.2“实施知识产权‘筑基’行动”：自评“进展滞后”，核实为“待核实”——缺少佐证材料：“筑基”台账"
    assert words("summary.flagship_name", name="“一张网”建设") == "“‘一张网’建设”"
    text = _text(reports[(2025, CITY)], ["summary", "tasks"])
    assert "T7.2“实施知识产权‘筑基’行动”" in text and "T7.2“实施知识产权“筑基”行动”" not in text  # (data stay data)


def test_excerpts_end_at_a_sentence_or_clause_boundary() -> None:
    first = "2025年，市商务局围绕“健全知识产权保护政策体系”开展工作："
    text = first + "\n一是制定年度工作要点；二是推进落实，持续推进中。；2025年，市委宣传部"
    assert excerpt(text, 60, "…") == first + " 一是制定年度工作要点；二是推进落实，持续推进中。…"  # not 「；202…」
    assert excerpt(text, 30, "…") == first[:-1] + "…"
    assert excerpt("短。", 60, "…") == "短。"
    assert excerpt("投入12,345,678元，建成平台", 13, "…") == "投入12,345,678元…"
    assert excerpt("投入12,345,678元，建成平台", 12, "…") == "投入12,345,678…"  # not after 「12,」
    assert excerpt("围绕“甲，乙，丙”开展工作，推进落实", 12, "…") == "围绕“甲，乙，丙”…"  # not inside the quotation
    assert excerpt("共计投入资金1234567元用于建设", 9, "…") == "共计投入资金…"  # never inside a number
    assert excerpt("比例为12.5%继续推进", 7, "…") == "比例为…"  # not 「比例为12.5…」
    assert excerpt("比例为12.5%继续推进", 8, "…") == "比例为12.5%…"


def test_progress_excerpts_in_the_tables_end_at_a_boundary(reports: dict) -> None:
    """The year's tables (a mid-term's, a county's) end a progress excerpt at a boundary; the final city report's
    tables give each item's period basis instead, the progress in full in its appendix."""
    for key in [(2023, CITY), (2025, ZIJIN)]:
        report = reports[key]
        html = "".join(s.data for s in report.sections(only=["tasks", "flagship", "safeguards"]))
        progress = report.data.task("task_departments")["progress"].dropna()
        flat = "；".join(re.sub(r"\s*\n\s*", " ", str(t).strip()) for t in progress)
        # the excerpt closes its cell, after the item's grade parts where they differ (their own line)
        cut = [html_lib.unescape(c).split("\n")[-1] for c in re.findall(r'<td class="text">([^<]*)…</td>', html)]
        assert cut, key
        for shown in cut:
            assert shown in flat, shown
            after = flat[flat.index(shown) + len(shown)]
            assert shown[-1] in "。！？" or after in "。！？；，、：;,: ", (key, shown, after)
            assert not re.search(r"[0-9A-Za-z]$", shown), (key, shown)
