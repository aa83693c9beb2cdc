"""The evaluators' own texts (assessor slots): placed in their sections, rendered safely, a visible placeholder in a
draft, and a final render refused while one is missing."""

from __future__ import annotations

import dataclasses
import random
import re
import shutil
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from conftest import CONTEXT, REPO, run_cli
from helpers.batch import plan_jobs
from helpers.indicators import EvaluationError
from helpers.report import Report, assessor

CITY = CONTEXT.areas.city_code
MID_TERM = CONTEXT.plan.mode_of(2023)


def test_markdown_is_rendered_without_raw_html_or_images() -> None:
    html = assessor.as_html("**重点**\n\n<script>alert(1)</script>\n\n![图](http://example.com/a.png)")
    assert "<strong>重点</strong>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<img" not in html and "href=" not in html  # images and links stay text: nothing points outside


def test_emphasis_works_beside_chinese_punctuation() -> None:
    """CommonMark cannot close `**` between ” and a Chinese character (its flanking rules); the CJK-friendly
    amendments can."""
    cases = {"处于**“一般”**水平": "处于<strong>“一般”</strong>水平",
             "**（总结评估）**报告": "<strong>（总结评估）</strong>报告",
             "等级为**“良好”。**其中": "等级为<strong>“良好”。</strong>其中",
             "这是*“重点”*工作": "这是<em>“重点”</em>工作",
             "**【示例】** 正文": "<strong>【示例】</strong> 正文",
             "2025年**已完成**的": "2025年<strong>已完成</strong>的"}
    for markdown, html in cases.items():
        assert assessor.as_html(markdown).strip() == f"<p>{html}</p>", markdown


def test_emphasis_without_chinese_is_commonmarks() -> None:
    stock = MarkdownIt("commonmark", {"html": False}).disable(["image", "link", "autolink"])
    rng = random.Random(26)
    for _ in range(3000):
        text = "".join(rng.choice("ab1 *_.,!(\"") for _ in range(rng.randint(1, 14)))
        assert assessor.as_html(text) == stock.render(text), text


def test_a_written_slot_closes_its_section_and_a_missing_one_shows_the_placeholder(sample_processed: Path,
                                                                                   tmp_path: Path) -> None:
    folder = tmp_path / "assessor"
    (folder / "2023" / CITY).mkdir(parents=True)
    (folder / "2023" / CITY / "overall.md").write_text("总体**良好**，<b>不是标签</b>", encoding="utf-8")
    context = dataclasses.replace(CONTEXT, paths={**CONTEXT.paths, "assessor_dir": str(folder)})
    report = Report.load(sample_processed, 2023, CITY, context=context)
    summary = "".join(section.data for section in report.sections(only=["summary"]))
    assert "总体<strong>良好</strong>" in summary and "&lt;b&gt;不是标签&lt;/b&gt;" in summary
    assert summary.index('id="assessor-overall"') < summary.rindex("</section>")
    problems = "".join(section.data for section in report.sections(only=["problems"]))
    assert 'id="assessor-causes"' in problems and "【评估组待填写】" in problems
    final = Report.load(sample_processed, 2025, CITY, context=context)
    recommendations = "".join(section.data for section in final.sections(only=["recommendations"]))
    assert 'id="assessor-next_plan"' in recommendations  # asked for in the final evaluation only
    assert 'id="assessor-next_plan"' not in "".join(s.data for s in report.sections(only=["recommendations"]))


@pytest.mark.e2e
def test_a_final_render_is_refused_while_a_slot_is_missing(sample_processed: Path, tmp_path: Path) -> None:
    processed = tmp_path / "processed"
    shutil.copytree(sample_processed, processed)
    done = run_cli("run", "--final", "--years", "2024", "--areas", CITY, "--formats", "html", "--processed",
                   str(processed), "--reports", str(tmp_path / "reports"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "2024/441600/overall.md" in done.stderr and not (tmp_path / "reports" / "2024").exists()
    assert "评估单位" in done.stderr  # the sample's configuration names no evaluating organisation


def _slot_file(folder: Path, data: bytes, slot: str = "overall", year: int = 2023) -> Path:
    path = folder / str(year) / CITY / f"{slot}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _context(folder: Path):  # noqa: ANN202 — a Context whose assessor folder is `folder`
    return dataclasses.replace(CONTEXT, paths={**CONTEXT.paths, "assessor_dir": str(folder)})


def test_texts_in_gbk_gb18030_or_utf8_with_bom_are_read(tmp_path: Path) -> None:
    """A text saved by a Chinese Windows editor (GBK) used to be shown as missing."""
    slots = assessor.Slot.all_of(CONTEXT.report)
    text = "总体评价：河源市知识产权工作稳步推进，𠀀字与“引号”俱在。"
    for encoding in ("gbk", "gb18030", "utf-8-sig", "utf-8"):
        shown = text.replace("𠀀字与", "") if encoding == "gbk" else text  # GBK has no 𠀀
        _slot_file(tmp_path, shown.encode(encoding))
        assert assessor.texts(tmp_path, 2023, CITY, slots, MID_TERM)["overall"] == shown, encoding


def test_an_unreadable_text_is_named_with_its_encoding_problem_never_called_missing(tmp_path: Path) -> None:
    from helpers.cli import _check_assessor_texts

    path = _slot_file(tmp_path, "评估组意见".encode("utf-16-le") + b"\xff\xfe\x00\xd8")
    jobs = plan_jobs([2023], [CITY], CONTEXT)
    with pytest.raises(EvaluationError, match="编码"):  # `run --final`: exit 2 with this message
        _check_assessor_texts(jobs, _context(tmp_path))
    found = assessor.review(tmp_path, [(2023, CITY)], CONTEXT.report, CONTEXT.plan.mode_of)
    assert path not in found.missing and len(found.unreadable) == 1 and str(path) in found.unreadable[0]
    with pytest.raises(EvaluationError, match=f"{path}.*编码.*UTF-8.*GBK"):
        assessor.texts(tmp_path, 2023, CITY, assessor.Slot.all_of(CONTEXT.report), MID_TERM)


def test_a_text_beyond_the_size_limit_fails_its_report_naming_the_file(sample_processed: Path, tmp_path: Path) -> None:
    """A 6 MB slot kept WeasyPrint busy for more than 14 minutes; real texts are a few dozen KB."""
    limit = CONTEXT.report.assessor_max_kb
    assert 100 <= limit <= 1000
    path = _slot_file(tmp_path, ("评估组意见。" * 20 + "\n\n").encode() * (limit * 1024 // 362 + 10))
    assert path.stat().st_size > limit * 1024
    with pytest.raises(EvaluationError, match=f"评估组意见文件过大：{path}（.* KB，上限 {limit} KB"):
        Report.load(sample_processed, 2023, CITY, context=_context(tmp_path))
    from helpers.batch.fingerprint import job_digests

    jobs = plan_jobs([2023], [CITY], CONTEXT)
    assert job_digests(jobs, {}, ["html"], "code", _context(tmp_path), "zh"), "the run goes on, the report fails"
    kept = path.read_bytes()[: limit * 1024]
    path.write_bytes(kept[: kept.rindex(b"\n")])
    assert Report.load(sample_processed, 2023, CITY, context=_context(tmp_path)).data.assessor["overall"]


def test_a_final_report_asks_for_no_plan_adjustments(sample_processed: Path, tmp_path: Path) -> None:
    """A report written after the plan ended proposes no 规划调整; the final render's check and the report agree."""
    found = assessor.review(tmp_path, [(2023, CITY), (2025, CITY)], CONTEXT.report, CONTEXT.plan.mode_of)
    asked = {str(path.relative_to(tmp_path)) for path in found.missing}
    assert f"2023/{CITY}/adjustments.md" in asked and f"2025/{CITY}/adjustments.md" not in asked
    assert f"2025/{CITY}/next_plan.md" in asked and f"2023/{CITY}/next_plan.md" not in asked
    context = dataclasses.replace(CONTEXT, paths={**CONTEXT.paths, "assessor_dir": str(tmp_path)})
    final = "".join(s.data for s in Report.load(sample_processed, 2025, CITY, context=context).sections())
    shown = set(re.findall(r'id="assessor-(\w+)"', final))
    assert shown == {path.split("/")[-1][:-3] for path in asked if path.startswith("2025/")}
    assert "规划调整建议" not in final


def test_the_example_texts_render_and_agree_with_the_sample(sample_processed: Path) -> None:
    """The examples `make report` shows beside the sample's tables: Markdown rendered (no literal **), and every
    number in them one the report prints (years of the plan aside)."""
    examples = REPO / "docs" / "examples" / "assessor"
    context = dataclasses.replace(CONTEXT, paths={**CONTEXT.paths, "assessor_dir": str(examples)})
    plan_years = {str(y) for y in range(CONTEXT.plan.base_year, CONTEXT.plan.target_year + 1)}
    folders = sorted(examples.glob("*/*"))
    assert folders
    for folder in folders:
        html = "".join(s.data for s in Report.load(sample_processed, int(folder.parent.name), folder.name,
                                                    context=context).sections())
        slots = re.findall(r'<div class="assessor".*?</div>', html, re.S)
        assert len(slots) == len(list(folder.glob("*.md"))), folder
        assert not any("**" in slot or "【评估组待填写】" in slot or "<strong>" not in slot for slot in slots)
        tables = re.sub(r"<[^>]+>", "", re.sub(r'<div class="assessor".*?</div>', "", html, flags=re.S))
        for text in (path.read_text(encoding="utf-8") for path in folder.glob("*.md")):
            for figure in set(re.findall(r"\d+(?:\.\d+)?", text)) - plan_years:
                assert figure in tables, (folder, figure)
