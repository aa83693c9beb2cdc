"""The batch's jobs: one report per (year, area), parsed from the command line and validated before any
notebook runs (nothing from a parameter reaches a path, a shell or a notebook unchecked)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from helpers.areas import Areas
from helpers.context import Context
from helpers.indicators import EvaluationError, Plan, check_year

FORMATS = ("html", "pdf", "docx")
DEFAULT_FORMATS = ("html", "pdf")


class RunError(EvaluationError):
    """The run's parameters are not acceptable (a message for people)."""


@dataclass(frozen=True)
class Job:
    """One report: an evaluation year and an area (both validated)."""

    year: int
    area_code: str
    area_name: str

    @property
    def stem(self) -> str:
        """File name without suffix: '441621_紫金县' (a code and a name from conf areas.yaml)."""
        return f"{self.area_code}_{self.area_name}"

    @property
    def key(self) -> str:
        return f"{self.year}/{self.stem}"


def parse_years(text: str | None, plan: Plan, latest: int | None = None) -> list[int]:
    """'2023', '2021-2025', '2021,2023' or 'latest' (default) → checked years of the plan's evaluation period."""
    if text in (None, "", "latest"):
        if latest is None:
            raise RunError("没有可评估的年度")
        return [latest]
    years: list[int] = []
    for part in str(text).split(","):
        match = re.fullmatch(r"\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?", part, flags=re.ASCII)
        if not match:
            raise RunError(f"年度参数无法识别：{part!r}（示例：2023、2021-2025、2021,2023）")
        first, last = int(match[1]), int(match[2] or match[1])
        if last < first:
            raise RunError(f"年度区间颠倒：{part!r}")
        years.extend(range(first, last + 1))
    for year in years:
        if not plan.base_year < year <= plan.target_year:
            raise RunError(f"评估年度应在 {plan.base_year + 1}–{plan.target_year} 之间，收到 {year}")
    return sorted(set(years))


def parse_areas(text: str | None, info: Areas) -> list[str]:
    """'all' (default) or comma-separated area codes of conf areas.yaml, in the file's order."""
    if text in (None, "", "all"):
        return list(info.codes)
    wanted = [part.strip() for part in str(text).split(",") if part.strip()]
    unknown = [code for code in wanted if code not in info.names]
    if unknown or not wanted:
        listed = "、".join(f"{c} {n}" for c, n in info.names.items())
        raise RunError(f"未知的地区代码 {', '.join(map(repr, unknown)) or '（空）'}：可用 all 或 {listed}")
    return [code for code in info.codes if code in wanted]


def parse_formats(text: str | None) -> list[str]:
    """'html,pdf' (default), 'html,pdf,docx' or a subset; the executed notebook is always kept."""
    wanted = [part.strip().lower() for part in (text or ",".join(DEFAULT_FORMATS)).split(",") if part.strip()]
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise RunError(f"未知的输出格式 {unknown or '（空）'}：可用 {', '.join(FORMATS)}")
    return [f for f in FORMATS if f in wanted]


def notebook_path(root: Path) -> Path:
    """The report template of the checkout at `root`."""
    return root / "notebooks" / "report.ipynb"


def plan_jobs(years: Iterable[int], area_codes: Iterable[str], context: Context) -> list[Job]:
    """Every (year, area) pair, year by year; each value checked again as it becomes a Job."""
    names = context.areas.names
    return [Job(check_year(y, context.plan), a, names[a]) for y in years for a in area_codes if a in names]


