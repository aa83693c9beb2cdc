"""`python -m helpers run`: parameters validated before any notebook runs; a failing report says why and
leaves nothing half-written."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_cli
from helpers.runner import Job, RunError, parse_areas, parse_formats, parse_years, render_job

HOSTILE = ["../2023", "2023; rm -rf /", "2023'", "__import__('os')", "2023\n2024", "２０２３x"]


def test_years_take_single_ranges_lists_and_latest() -> None:
    assert parse_years("2023") == [2023]
    assert parse_years("2021-2023") == [2021, 2022, 2023]
    assert parse_years("2023,2021, 2023") == [2021, 2023]
    assert parse_years("latest", latest=2024) == [2024]


@pytest.mark.parametrize("text", [*HOSTILE, "2019", "2026", "2024-2022"])
def test_hostile_or_out_of_range_years_are_refused(text: str) -> None:
    with pytest.raises(RunError):
        parse_years(text)


def test_areas_take_all_or_known_codes_in_the_files_order() -> None:
    assert len(parse_areas("all")) == 7 and parse_areas(None)[0] == "441600"
    assert parse_areas("441621, 441600") == ["441600", "441621"]


@pytest.mark.parametrize("text", ["../441600", "441600;ls", '441600"', "441600 or 1=1", "441699", ","])
def test_hostile_or_unknown_areas_are_refused(text: str) -> None:
    with pytest.raises(RunError, match="未知的地区代码"):
        parse_areas(text)


def test_formats() -> None:
    assert parse_formats(None) == ["html", "pdf"] and parse_formats("PDF") == ["pdf"]
    with pytest.raises(RunError):
        parse_formats("html,docx")


def test_cli_refuses_a_hostile_area_with_a_message_and_writes_nothing(tmp_path: Path) -> None:
    result = run_cli("run", "--areas", "../../etc", "--years", "2023", "--reports", str(tmp_path / "reports"))
    assert result.returncode == 2
    assert "未知的地区代码" in result.stderr and "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "reports").exists()


def test_a_failing_report_is_explained_and_leaves_no_partial_file(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    outcome = render_job(Job(2023, "441600"), tmp_path / "no-processed", reports, ["html", "pdf"])
    assert outcome.error and "清洗结果" in outcome.error and not outcome.files
    assert [p for p in reports.rglob("*") if p.is_file()] == []
    assert list((reports / "2023").iterdir()) == [], "the scratch folder is removed"
