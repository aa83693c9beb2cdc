"""Drafts of the evaluators' texts (conclusions.md §4): `python -m helpers draft` writes every slot of a year's reports
from the sample's findings, marked 初稿; its numbers are the report's; a second run refreshes drafts and never touches
an evaluator's file; the report shows the mark in every format; a final render refuses drafts and missing texts."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from conftest import CONTEXT, REPO, run_cli
from helpers.batch.jobs import Job, notebook_path
from helpers.batch.worker import Settings, render_job
from helpers.pipeline import Datasets, open_datasets
from helpers.report import Report, assessor, drafts
from helpers.report import data as report_data
from helpers.report.findings import number
from helpers.report.look_back import counts_sentence

CITY, COUNTY = CONTEXT.areas.city_code, "441621"
FRONT = "---\n状态: 初稿\n---\n\n"
COMMON = {"overall", "achievements", "practices", "causes", "measures"}
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def _draft(processed: Path, folder: Path, year: int, areas: str = f"{CITY},{COUNTY}") -> str:
    done = run_cli("draft", "--year", str(year), "--areas", areas, "--processed", str(processed),
                   "--assessor", str(folder))
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def drafted(sample_processed: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The drafts of the sample's 2023 and 2025 reports of the city and 紫金县, through the command line (read only)."""
    folder = tmp_path_factory.mktemp("assessor")
    for year in (2023, 2025):
        _draft(sample_processed, folder, year)
    return folder


def _text(folder: Path, year: int, area: str, slot: str) -> str:
    return (folder / str(year) / area / f"{slot}.md").read_text(encoding="utf-8")


def _report_text(processed: Path, year: int, area: str, tmp_path: Path) -> str:
    """The report's own text (no evaluators' texts), its embedded images left out."""
    context = CONTEXT.with_path("assessor_dir", tmp_path / "none")
    page = "".join(section.data for section in Report.load(processed, year, area, context=context).sections())
    return re.sub(r"data:[^\"')]+", "", page)


@pytest.mark.e2e
def test_draft_writes_every_slot_of_the_mid_term_and_final_reports_marked_as_drafts(drafted: Path) -> None:
    for year, own in ((2023, "adjustments"), (2025, "next_plan")):
        for area in (CITY, COUNTY):
            written = {path.stem for path in (drafted / str(year) / area).glob("*.md")}
            assert written == COMMON | {own}, (year, area, written)  # 规划调整建议 mid-term only, 十五五建议 final only
            for slot in written:
                text = _text(drafted, year, area, slot)
                assert text.startswith(FRONT) and len(text) > len(FRONT) + 20, (year, area, slot)
                assert "{" not in text and "None" not in text and "nan" not in text, (year, area, slot)


@pytest.mark.e2e
def test_the_final_overall_draft_states_the_verdict_then_the_numbers_that_carry_it(drafted: Path) -> None:
    text = _text(drafted, 2025, CITY, "overall")
    verdict, numbers = "评估认为，河源市主要目标基本完成。", "纳入评估的14项指标中，已完成12项、基本完成1项"
    assert text.index(verdict) < text.index(numbers)
    assert "规划实施综合评价（终期核定）得分" in text and "由2020年的2.02件提升至2025年的3.20件，年均增长9.6%" in text
    assert re.search(r"建议.*市委宣传部（市版权局）.*在“十五五”时期继续推进", text)  # who acts next


@pytest.mark.e2e
def test_every_number_of_a_draft_is_one_the_report_prints(drafted: Path, sample_processed: Path,
                                                           tmp_path: Path) -> None:
    """A draft states nothing the report does not: every number of its sentences is in the report of its year (the
    十五五 references are traced in their own test)."""
    for year, area in ((2025, CITY), (2023, CITY), (2025, COUNTY)):
        page = _report_text(sample_processed, year, area, tmp_path)
        printed = set(NUMBER.findall(page))
        for slot in COMMON:
            body = assessor.front_matter(_text(drafted, year, area, slot))[1]
            body = re.sub(r"^\d+\. ", "", body, flags=re.M)  # a list's ordinals are not figures
            missing = {n for n in NUMBER.findall(body) if n not in printed}
            assert not missing, (year, area, slot, missing)
    # 规划调整建议 adds what reaching a target takes: the evaluation's required growth, as the workbook shows it
    evaluation = Datasets(sample_processed, CONTEXT.datasets).read("evaluation").set_index(["year", "area_code",
                                                                                           "indicator"])
    adjustments = _text(drafted, 2023, CITY, "adjustments")
    required = number(evaluation.loc[(2023, CITY, "I05"), "required_growth"], 1)
    line = next(line for line in adjustments.splitlines() if "知识产权质押融资登记金额" in line)
    assert f"今后2年需年均增长{required}%方能达到目标" in line
    # a few traced by hand: the composite, the shortfall's numbers, a department's own progress text
    overall, causes = _text(drafted, 2025, CITY, "overall"), _text(drafted, 2025, CITY, "causes")
    composite = Datasets(sample_processed, CONTEXT.datasets).read("period_composite")  # the final's: period grades
    score = composite[(composite["period_end"] == 2025) & (composite["part"] == "composite")]["score"].iloc[0]
    assert f"规划实施综合评价（终期核定）得分{number(score, 1)}分" in overall
    assert "著作权登记量年均增长率2025年为7.0%，低于10.0%的目标增速" in causes
    practices = _text(drafted, 2025, CITY, "practices")
    rows = Datasets(sample_processed, CONTEXT.datasets).read("task_departments")
    first = rows[(rows["year"] == 2025) & (rows["item"] == "T1.1") & (rows["verified_grade"] == "completed")].iloc[0]
    assert f"**{first['department']}**（T1.1“" in practices and first["progress"].split("\n")[0] in practices


@pytest.mark.e2e
def test_a_county_draft_is_addressed_to_the_county_government(drafted: Path) -> None:
    for year in (2023, 2025):
        measures = _text(drafted, year, COUNTY, "measures")
        assert "建议紫金县人民政府及其有关部门：" in measures
        assert "市市场监督管理局" not in measures and "市委宣传部" not in measures  # no city bureau is told what to do
        assert "紫金县人民政府及其有关部门" in _text(drafted, year, COUNTY, "overall")
    assert "上述指标由紫金县人民政府及其有关部门负责推进" in _text(drafted, 2025, COUNTY, "next_plan")


@pytest.mark.e2e
def test_the_next_plan_draft_gives_three_references_per_indicator_where_the_data_allow(drafted: Path,
                                                                                       sample_processed: Path) -> None:
    text = _text(drafted, 2025, CITY, "next_plan")
    datasets = open_datasets(sample_processed, CONTEXT)
    evaluation, bench = datasets.read("evaluation"), datasets.read("benchmark")
    row = evaluation[(evaluation["year"] == 2025) & (evaluation["area_code"] == CITY)].set_index("indicator")
    province = bench[(bench["year"] == 2025)].set_index("measure")["province"]
    line = next(line for line in text.splitlines() if line.startswith("- **每万人口高价值发明专利拥有量**"))
    value, level = row.loc["I02", "value"], province["I02"]
    assert f"趋势值{number(row.loc['I02', 'trend_next'], 2)}件" in line  # the report's trend table's value
    assert f"追赶值{number(value + (level - value) / 2, 2)}件（广东省2025年为{number(level, 2)}件）" in line
    assert "省定目标20.00件（《广东省知识产权保护和运用“十四五”规划》，2025年）" in line  # indicators.yaml
    assert "责任单位：市市场监督管理局（市知识产权局）、市科学技术局" in line  # T3.1's units
    i01 = next(line for line in text.splitlines() if line.startswith("- **每万人发明专利拥有量**"))
    assert "趋势值" in i01 and "追赶值" in i01 and "省定目标" not in i01  # no province target configured
    i04 = next(line for line in text.splitlines() if line.startswith("- **著作权登记量年均增长率**"))
    assert "现有数据不足以给出参考值" in i04  # a growth rate has no trend; the province publishes none
    assert "“十五五”时期需要关注的风险" in text  # the leading measures' findings close it


@pytest.mark.e2e
def test_a_second_run_refreshes_drafts_and_never_touches_an_evaluators_text(drafted: Path, sample_processed: Path,
                                                                           tmp_path: Path) -> None:
    folder = tmp_path / "assessor"
    shutil.copytree(drafted / "2025", folder / "2025")
    city = folder / "2025" / CITY
    fresh = (city / "overall.md").read_bytes()
    (city / "overall.md").write_text(FRONT + "上一版初稿：数据已更新。", encoding="utf-8")  # still marked: refreshed
    own = "---\n状态: 定稿\n---\n\n评估组认为，规划实施总体良好。"
    (city / "causes.md").write_text(own, encoding="utf-8")  # the mark changed: the evaluators'
    edited = _text(drafted, 2025, CITY, "measures").replace(FRONT, "").replace("建议", "评估组建议", 1)
    (city / "measures.md").write_text(edited, encoding="gbk")  # the mark removed, saved by a Windows editor
    (city / "practices.md").write_text("   \n", encoding="utf-8")  # blank: nothing to keep
    before = {path.name: (path.read_bytes(), path.stat().st_mtime_ns) for path in city.glob("*.md")}
    out = _draft(sample_processed, folder, 2025, CITY)
    assert (city / "overall.md").read_bytes() == fresh and f"已更新初稿：{city / 'overall.md'}" in out
    assert (city / "practices.md").read_text(encoding="utf-8").startswith(FRONT)
    for name in ("causes.md", "measures.md"):
        assert (before[name][0], before[name][1]) == ((city / name).read_bytes(), (city / name).stat().st_mtime_ns)
        assert f"评估组文本（无初稿标记），未改动：{city / name}" in out
    assert f"初稿无变化：{city / 'next_plan.md'}" in out


@pytest.mark.e2e
def test_a_final_render_names_every_draft_missing_and_unreadable_text_at_once(drafted: Path, sample_processed: Path,
                                                                             tmp_path: Path) -> None:
    folder = tmp_path / "assessor"
    shutil.copytree(drafted / "2025", folder / "2025")
    (folder / "2025" / CITY / "causes.md").unlink()
    (folder / "2025" / CITY / "practices.md").write_bytes("经验".encode("utf-16-le") + b"\x00\xd8")
    for slot in ("overall", "achievements", "next_plan"):
        path = folder / "2025" / CITY / f"{slot}.md"
        path.write_text(assessor.front_matter(path.read_text(encoding="utf-8"))[1], encoding="utf-8")
    done = run_cli("run", "--final", "--years", "2025", "--areas", CITY, "--formats", "html", "--processed",
                   str(sample_processed), "--reports", str(tmp_path / "reports"), "--assessor", str(folder))
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "评估单位" in done.stderr  # the sample's configuration names none
    assert "2025/441600/causes.md" in done.stderr.split("初稿")[0]  # missing
    assert re.search(r"仍是工具生成的初稿.*2025/441600/measures\.md", done.stderr)  # still marked
    assert "2025/441600/overall.md" not in done.stderr  # the mark removed: the evaluators'
    assert re.search(r"practices\.md.*编码", done.stderr)  # unreadable, named with its problem
    assert not (tmp_path / "reports" / "2025").exists()


@pytest.mark.e2e
def test_the_report_shows_a_draft_marked_in_html_pdf_and_word(drafted: Path, sample_processed: Path,
                                                             tmp_path: Path) -> None:
    """Through the runner with --assessor (the notebook's `assessor_dir`, the Word edition's context)."""
    reports = tmp_path / "reports"
    settings = dataclasses.replace(Settings(REPO, None, sample_processed, reports, ["html", "pdf", "docx"],
                                            notebook_path(REPO), 600), assessor=drafted)
    outcome = render_job(Job(2025, CITY, CONTEXT.areas.names[CITY]), settings, "digest")
    assert outcome.error is None, outcome.error
    files = {Path(path).suffix: Path(path) for path in outcome.files}
    page = files[".html"].read_text(encoding="utf-8")
    mark = CONTEXT.words("zh")["drafts"]["mark"]
    assert page.count(mark) == 6 and "状态: 初稿" not in page  # every slot of the final report; no front matter
    assert '<p class="draft-mark">' in page and "评估认为，河源市主要目标基本完成" in page
    pdf = "".join(page.extract_text() for page in PdfReader(files[".pdf"]).pages)
    assert pdf.count("【初稿】") == 6
    marked = [p for p in Document(str(files[".docx"])).paragraphs if p.text.startswith("【初稿】")]
    assert len(marked) == 6 and {p.style.name for p in marked} == {"初稿标记"}


def test_front_matter_marks_and_markdown_escapes() -> None:
    report = CONTEXT.report
    assert assessor.is_draft(FRONT + "正文", report) and assessor.is_draft("---\n状态：初稿\n---\n正文", report)
    assert assessor.is_draft(FRONT.replace("\n", "\r\n") + "正文", report)  # saved by a Windows editor
    assert not assessor.is_draft("---\n状态: 定稿\n---\n正文", report) and not assessor.is_draft("正文", report)
    assert assessor.front_matter("---\n\n一、总体\n---\n正文")[0] == {}  # a thematic break, not front matter
    fields, body = assessor.front_matter(FRONT + "**正文**")
    assert fields == {"状态": "初稿"} and body.strip() == "**正文**"
    assert drafts.text("a*b_c<b>[x](y)") == r"a\*b\_c\<b\>\[x\](y)"
    assert drafts.cut("一是制定要点；二是推进落实，已按期完成。三是总结。", 12, "…") == "一是制定要点；…"
    assert drafts.cut("一句很长的话没有标点" * 3, 5, "…") == "一句很长的话没有标点" * 3  # never inside a sentence


def test_the_final_overall_draft_counts_the_items_by_their_period_grade(sample_processed: Path,
                                                                      tmp_path: Path) -> None:
    context = CONTEXT.with_path("assessor_dir", tmp_path / "none")
    data = report_data.from_datasets(Datasets(sample_processed, CONTEXT.datasets), context, 2025, CITY, texts=False)
    text = drafts.Drafter(data).draft("overall")
    grades = data.period["period_items"]["grade"].value_counts()
    labels = CONTEXT.words("zh")["period"]["grades"]
    assert counts_sentence(Report(data)) in text  # the report's own sentence, by period grade (终期核定)
    assert f"{labels['completed']}{int(grades['completed'])}项" in text
