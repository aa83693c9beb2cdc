"""The evaluators' own texts (assessor slots): placed in their sections, rendered safely, a visible placeholder in a
draft, and a final render refused while one is missing."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

from conftest import CONTEXT, run_cli
from helpers.report import Report, assessor

CITY = CONTEXT.areas.city_code


def test_markdown_is_rendered_without_raw_html_or_images() -> None:
    html = assessor.as_html("**重点**\n\n<script>alert(1)</script>\n\n![图](http://example.com/a.png)")
    assert "<strong>重点</strong>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<img" not in html and "href=" not in html  # images and links stay text: nothing points outside


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


def test_a_final_render_is_refused_while_a_slot_is_missing(sample_processed: Path, tmp_path: Path) -> None:
    processed = tmp_path / "processed"
    shutil.copytree(sample_processed, processed)
    done = run_cli("run", "--final", "--years", "2024", "--areas", CITY, "--formats", "html", "--processed",
                   str(processed), "--reports", str(tmp_path / "reports"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "2024/441600/overall.md" in done.stderr and not (tmp_path / "reports" / "2024").exists()
    assert "评估单位" in done.stderr  # the sample's configuration names no evaluating organisation
