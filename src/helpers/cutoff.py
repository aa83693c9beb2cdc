"""The evaluation's data cut-off (evaluation-method.md, "Data cut-off"): the user's as-of date, else the latest
截至/截止 date stated in a file's title lines, else the latest observed date of any clean table (a table that
carries only years observed on 31 Dec of its latest year); a clean table's rows as they stood on a day; and the dates
that lie after the day of the run, which date nothing (data-contract.md, "impossible dates")."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence

import pandas as pd

RULES = ("as_of", "stated", "observed")  # in the order they are tried


class AsOfError(ValueError):
    """An unusable --as-of date (the message is for the user, in Chinese)."""


def parse_as_of(text: str, base_year: int, today: dt.date | None = None) -> dt.date:
    """The user's as-of date: written YYYY-MM-DD, a real day, not before the plan's base year (nothing of the plan
    could be evaluated) and not after today (no extract can reach a day that has not come)."""
    today = today or dt.date.today()
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
            raise ValueError
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise AsOfError(f"--as-of「{text}」不是有效日期：请写成 YYYY-MM-DD，例如 {today.year - 1}-12-31") from None
    if day.year < base_year:
        raise AsOfError(f"--as-of {day} 早于规划基期 {base_year} 年：截止日期须不早于 {base_year}-01-01")
    if day > today:
        raise AsOfError(f"--as-of {day} 晚于今天（{today}）：数据不可能截至尚未到来的日期")
    return day


# 截至2024年12月31日 / 截止日期：2024年12月 / 截至2024年底 / 截至2024-12-31 (after NFKC: full-width digits and colons)
_STATED = re.compile(r"截[至止](?:到|至|于|日期)?[:：]?\s*(\d{4})\s*"
                     r"(?:年\s*(?:(\d{1,2})\s*月\s*(?:(\d{1,2})\s*日)?|底|末)?|[-./](\d{1,2})[-./](\d{1,2}))")


def stated_dates(text: str) -> list[dt.date]:
    """Every 截至/截止 date a file's title lines state: a day as written; a month, its last day; a year alone
    (截至2024年, 截至2024年底/年末), 31 Dec. Impossible days (2024年2月30日, 2024年13月) are none."""
    found = []
    for match in _STATED.finditer(unicodedata.normalize("NFKC", text or "")):
        year, month, day = int(match[1]), match[2] or match[4], match[3] or match[5]
        month = int(month) if month else 12
        try:
            found.append(dt.date(year, month, int(day) if day else calendar.monthrange(year, month)[1]))
        except ValueError:  # 2024年2月30日, 2024年13月: not a day
            continue
    return found


def stated_date(text: str, today: dt.date | None = None) -> dt.date | None:
    """The latest 截至/截止 date a file's title lines state (`stated_dates`), not after the day of the run `today`:
    no extract reaches a day still to come. None when the text states none."""
    return max((day for day in stated_dates(text) if today is None or day <= today), default=None)


def decide(as_of: dt.date | None, stated: Iterable[tuple[str, str]], observed: Iterable[tuple[str, str]]) -> dict:
    """The cut-off and the rule that set it, from the as-of date, the (date, file) pairs stated in title lines and
    the (date, source) latest observations: the manifest's `data_cutoff`, `data_cutoff_rule` (one of RULES) and
    `data_cutoff_basis` (each candidate, and where it was found)."""
    stated = max(stated, default=(None, None))
    observed = max(observed, default=(None, None))
    basis = {"as_of": as_of.isoformat() if as_of else None, "stated": stated[0], "stated_in": stated[1],
             "observed": observed[0], "observed_in": observed[1]}
    rule = next((r for r in RULES if basis[r]), None)
    return {"data_cutoff": basis[rule] if rule else None, "data_cutoff_rule": rule, "data_cutoff_basis": basis}


def observed_dates(frame: pd.DataFrame, scheduled: Sequence[str] = (),
                   year_columns: Sequence[str] = ()) -> tuple[list[str], pd.DataFrame]:
    """The table's observed date columns (datetime, not `scheduled`) and every observation as a date: those
    columns, and each year-only column at the end of its year."""
    dated = [c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c]) and c not in scheduled]
    observed = frame[dated].copy()
    for column in (c for c in year_columns if c in frame.columns):
        observed[column] = pd.to_datetime(frame[column].astype("string") + "-12-31", errors="coerce")
    return dated, observed


def ahead(frame: pd.DataFrame, today: dt.date, scheduled: Sequence[str] = (),
          year_columns: Sequence[str] = ()) -> pd.DataFrame:
    """Per observed date column (not `scheduled`) and year column, where a value lies after the day of the run
    `today`, the day it stops doing so — the date itself, or 1 January of a year after today's; NaT elsewhere. A year
    still running is not ahead (nothing can be observed after today in it, but its rows are)."""
    dated, observed = observed_dates(frame, scheduled)
    found = observed.where(observed.gt(pd.Timestamp(today)))
    for column in (c for c in year_columns if c in frame.columns):
        years = frame[column].where(frame[column].gt(today.year))
        found[column] = pd.to_datetime(years.astype("string") + "-01-01", errors="coerce")
    return found


def known_mask(observed: pd.DataFrame, day: pd.Timestamp) -> pd.Series:
    """Rows known on `day`: one of their observations is on or before it, or they have none."""
    return observed.le(day).any(axis=1) | observed.isna().all(axis=1)


def known_on(frame: pd.DataFrame, day: pd.Timestamp, scheduled: Sequence[str] = (),
             year_columns: Sequence[str] = ()) -> pd.DataFrame:
    """The rows of a clean table as they stood on `day`: a row is known once one of its observed dates is on or
    before `day` (a row without any date always is); an observed date after `day` had not happened yet and is
    emptied (a patent granted later was not granted then, a pledge released later was still running).

    Observed dates are the table's datetime columns except the `scheduled` ones (dates fixed in advance, such as a
    trademark's term end); a year-only column (`year_columns`) is observed at the end of its year, as the data
    cut-off counts it."""
    dated, observed = observed_dates(frame, scheduled, year_columns)
    known = frame[known_mask(observed, day)].copy()
    for column in dated:
        known[column] = known[column].where(known[column] <= day)
    return known


def check_cleaned_as_of(manifest: dict, as_of: dt.date | None, processed: object) -> None:
    """An evaluation asked for `as_of` reads a folder cleaned with exactly that as-of date; else an AsOfError that
    says how to clean it so."""
    if as_of is None or (manifest.get("data_cutoff_rule"), manifest.get("data_cutoff")) == ("as_of", as_of.isoformat()):
        return
    raise AsOfError(f"{processed} 的数据截止日期为 {manifest.get('data_cutoff') or '未知'}，不是按 --as-of {as_of} "
                    f"清洗的：请先运行 python -m helpers clean --as-of {as_of}")
