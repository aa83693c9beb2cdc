"""The computations an indicator of the catalog can name (`compute:`), each a pure function.

Every computation takes the run's `Inputs` and its catalog parameters and returns a `Computed`: one row
per (area_code, year) for the city and the counties, with `value` (NaN = no data) and `rows` (clean rows
counted). The city is all rows in scope,
counties the rows mapped to them. A year the source does not cover is NaN everywhere; a covered year in
which an area has no rows is 0 for counts and sums (evaluation-method.md, "Zero versus no data").
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.areas import Areas
from helpers.indicators import patents as patent_stock
from helpers.indicators.catalog import Plan
from helpers.indicators.tables import Tables


@dataclass
class Computed:
    """Values per (area_code, year), and optional detail rows (e.g. high-value criteria counts)."""

    values: pd.DataFrame
    detail: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass
class Inputs:
    """What every computation reads: the clean tables, the plan, its areas and the years asked for, and the
    intermediate results several indicators share (I01 and I02 one pass over the patents), kept for this run
    only."""

    tables: Tables
    plan: Plan
    areas: Areas
    years: list[int]
    _shared: dict[Any, Any] = field(default_factory=dict, repr=False)

    def shared(self, key: Any, compute: Callable[[], Any]) -> Any:  # noqa: ANN401 — whatever compute returns
        """`compute()` once per run and key; later calls return the first result."""
        if key not in self._shared:
            self._shared[key] = compute()
        return self._shared[key]

    def with_years(self, years: list[int]) -> Inputs:
        """The same inputs for other years (nothing shared carries over)."""
        return Inputs(self.tables, self.plan, self.areas, years)


def grid(areas: Areas, years: list[int]) -> pd.MultiIndex:
    return pd.MultiIndex.from_product([areas.codes, years], names=["area_code", "year"])


def year_end(year: int) -> pd.Timestamp:
    return pd.Timestamp(year=year, month=12, day=31)


def filtered(frame: pd.DataFrame, where: dict | None = None, exclude: dict | None = None) -> pd.DataFrame:
    keep = pd.Series(True, index=frame.index)
    for column, allowed in (where or {}).items():
        keep &= frame[column].isin(allowed)
    for column, banned in (exclude or {}).items():
        keep &= ~frame[column].isin(banned)
    return frame[keep]


def additive(areas: Areas, frame: pd.DataFrame, year: pd.Series, amount: pd.Series | None, years: list[int],
             covered: set[int]) -> pd.DataFrame:
    """Counts (amount None) or sums per area and year, the city being the total of all rows."""
    amount = pd.Series(1.0, index=frame.index) if amount is None else amount.astype("float64")
    parts = pd.DataFrame({"area_code": frame["area_code"].astype("str"), "year": year, "value": amount, "rows": 1})
    parts = parts[parts["year"].isin(years)]
    county = parts.groupby(["area_code", "year"])[["value", "rows"]].sum()
    city = parts.groupby("year")[["value", "rows"]].sum()
    city.index = pd.MultiIndex.from_product([[areas.city_code], city.index], names=["area_code", "year"])
    county = county.drop(index=areas.city_code, level="area_code", errors="ignore")
    out = pd.concat([city, county]).reindex(grid(areas, years)).fillna({"value": 0.0, "rows": 0})
    out.loc[~out.index.get_level_values("year").isin(covered), "value"] = np.nan
    return out.reset_index().astype({"rows": "int64"})


def event_years(frame: pd.DataFrame, column: str) -> pd.Series:
    """The year of each row's `column` (a date, or a year already)."""
    values = frame[column]
    return values.dt.year if pd.api.types.is_datetime64_any_dtype(values) else values.astype("float64")


def _years_present(frame: pd.DataFrame, column: str) -> set[int]:
    """The calendar years in which the table has at least one row (what a flow source covers)."""
    return {int(y) for y in np.unique(event_years(frame, column).dropna().to_numpy())}


def count_in_year(inputs: Inputs, table: str, date: str, where: dict | None = None,
                  exclude: dict | None = None) -> Computed:
    """Rows whose `date` falls in Y (e.g. cases closed in Y)."""
    frame = inputs.tables.get(table)
    covered = _years_present(frame, date)
    kept = filtered(frame, where, exclude)
    return Computed(additive(inputs.areas, kept, event_years(kept, date), None, inputs.years, covered))


def sum_in_year(inputs: Inputs, table: str, amount: str, date: str | None = None, year: str | None = None,
                once_per: str | None = None) -> Computed:
    """Sum of `amount` over rows dated in Y; with `once_per`, one amount per value of that column."""
    frame = inputs.tables.get(table)
    when = date or year
    covered = _years_present(frame, when)
    if once_per:
        frame = one_amount_per(frame, amount, when, once_per)
    return Computed(additive(inputs.areas, frame, event_years(frame, when), frame[amount], inputs.years, covered))


def one_amount_per(frame: pd.DataFrame, amount: str, when: str, once_per: str) -> pd.DataFrame:
    """One row per value of `once_per` (a registration of several rights): its amount, its first date and area."""
    return frame.sort_values([once_per, when]).groupby(once_per, as_index=False).agg(
        {amount: "max", when: "min", "area_code": "first"})



def _stock_covered(inputs: Inputs) -> set[int]:
    """A register is current up to the data cut-off (the latest observed date of any source): every year up to
    it is covered."""
    last = inputs.tables.cutoff_year or -1
    return {y for y in inputs.years if y <= last}


def active_at_year_end(inputs: Inputs, table: str, start: str, end: str | None = None,
                       where: dict | None = None) -> Computed:
    """Rows started on or before 31 Dec Y and not ended by then (registrations, nodes, products)."""
    frame = inputs.tables.get(table)
    kept = filtered(frame, where)
    counts = []
    for y in inputs.years:
        alive = kept[start] <= year_end(y)
        if end:
            alive &= kept[end].isna() | (kept[end] > year_end(y))
        per_area = alive.groupby(kept["area_code"].astype("str")).sum()
        counts.append(pd.DataFrame({"area_code": per_area.index, "year": y, "count": per_area.to_numpy()}))
    stacked = pd.concat(counts, ignore_index=True)
    values = additive(inputs.areas, stacked, stacked["year"], stacked["count"], inputs.years, _stock_covered(inputs))
    values["rows"] = values["value"].fillna(0).astype("int64")
    return Computed(values)


def population(inputs: Inputs) -> pd.Series:
    """Year-end population (万人) per (area_code, year): the city row wins, else the sum of counties."""
    pop = inputs.tables.get("population")
    if pop is None:
        return pd.Series(np.nan, index=grid(inputs.areas, inputs.years))
    by_area = pop.groupby(["area_code", "year"])["population_wan"].sum()
    city_code = inputs.areas.city_code
    counties = by_area.drop(index=city_code, level="area_code", errors="ignore")
    summed = counties.groupby(level="year").sum()
    summed.index = pd.MultiIndex.from_product([[city_code], summed.index], names=["area_code", "year"])
    explicit = by_area[by_area.index.get_level_values("area_code") == city_code]
    city = explicit.combine_first(summed)
    return pd.concat([city, counties]).reindex(grid(inputs.areas, inputs.years))


def per_capita(inputs: Inputs, high_value: bool) -> Computed:
    """Invention patents (all valid, or high-value) at year end per 10 000 residents."""
    if high_value:
        patent_stock.high_value_rules(inputs.plan)  # a plan must define what it counts
    counts, criteria = inputs.shared("patent_stock", lambda: patent_stock.stock_by_year(
        inputs.tables, inputs.plan, inputs.years))
    column = "high_value" if high_value else "valid"
    stock = additive(inputs.areas, counts, counts["year"], counts[column], inputs.years, _stock_covered(inputs))
    stock = stock.set_index(["area_code", "year"])
    stock["rows"] = stock["value"].fillna(0).astype("int64")
    pop = population(inputs)
    values = stock.assign(numerator=stock["value"], population=pop, value=stock["value"] / pop.where(pop > 0))
    detail = pd.DataFrame()
    if high_value:  # per area, year and criterion: the patents meeting it, and those meeting it alone
        by_criterion = criteria.groupby(["area_code", "year", "criterion"])[["count", "only"]].sum()
        city = by_criterion.groupby(level=["year", "criterion"]).sum()
        city_code = inputs.areas.city_code
        city = pd.concat({city_code: city}, names=["area_code"])
        county = by_criterion.drop(index=city_code, level="area_code", errors="ignore")
        names = list(criteria["criterion"].unique())
        full = pd.MultiIndex.from_product([inputs.areas.codes, inputs.years, names],
                                          names=["area_code", "year", "criterion"])
        detail = pd.concat([city, county]).reindex(full).fillna(0).astype("int64").reset_index()
    return Computed(values.reset_index(), detail)


def cagr(inputs: Inputs, table: str, date: str, base_span: int) -> Computed:
    """Average annual growth (%) of yearly registrations from the base year to Y; base year: over `base_span`."""
    base = inputs.plan.base_year
    all_years = sorted({*inputs.years, base - base_span, base})
    counts = count_in_year(inputs.with_years(all_years), table, date).values.set_index(["area_code", "year"])["value"]
    rows = []
    for area in inputs.areas.codes:
        for y in inputs.years:
            start, span = (base - base_span, base_span) if y == base else (base, y - base)
            first, last = counts.get((area, start), np.nan), counts.get((area, y), np.nan)
            usable = first > 0 and last == last  # NaN != NaN: a year not covered
            rows.append({"area_code": area, "year": y,
                         "value": ((last / first) ** (1 / span) - 1) * 100 if usable else np.nan,
                         "rows": int(first + last) if usable else 0})
    return Computed(pd.DataFrame(rows))


def settle_rate(inputs: Inputs, table: str) -> Computed:
    """服判息诉率 (%): 1 − appealed ÷ first-instance IP civil cases concluded in Y, by the court's area (the city:
    every court in it). The clean table holds IP civil cases only (cleaning: the 案由 catalogue of court_cases.yaml);
    a case is appealed when 是否上诉 says so or a 二审 row anywhere names it as 原审案号."""
    cases = inputs.tables.get(table)
    appealed_numbers = set(cases.loc[cases["procedure"] == "二审", "original_case_no"].dropna())
    first = cases[cases["procedure"] == "一审"]
    appealed = first["appealed"].fillna(False).astype(bool) | first["case_no"].isin(appealed_numbers)
    covered = _years_present(cases, "closed_date")
    year = event_years(first, "closed_date")
    total = additive(inputs.areas, first, year, None, inputs.years, covered).set_index(["area_code", "year"])
    hits = additive(inputs.areas, first, year, appealed.astype(float), inputs.years, covered)
    hits = hits.set_index(["area_code", "year"])
    rate = (1 - hits["value"] / total["value"].where(total["value"] > 0)) * 100
    return Computed(pd.DataFrame({"value": rate, "rows": total["rows"], "appealed": hits["value"],
                                  "first_instance": total["value"]}).reset_index())


def _internal(clients: pd.Series, networks: list[str]) -> np.ndarray:
    """Clients in the internal networks (distinct addresses); IPv4 by integer masks, IPv6 by network test."""
    text = pa.array(clients, type=pa.large_string())
    nets = [ipaddress.ip_network(n) for n in networks]
    v4 = [n for n in nets if n.version == 4]
    v6 = [n for n in nets if n.version == 6]
    hits = np.zeros(len(clients), dtype=bool)
    parts = pc.extract_regex(text, r"^(?P<a>\d{1,3})\.(?P<b>\d{1,3})\.(?P<c>\d{1,3})\.(?P<d>\d{1,3})$")
    octets = np.column_stack([pc.cast(pc.struct_field(parts, k), pa.float64()).to_numpy(zero_copy_only=False)
                              for k in "abcd"])
    valid = ~np.isnan(octets).any(axis=1) & (np.nan_to_num(octets) <= 255).all(axis=1)
    ipv4 = np.where(valid, np.nan_to_num(octets).astype(np.int64) @ np.array([1 << 24, 1 << 16, 1 << 8, 1]), -1)
    for net in v4:
        hits |= valid & ((ipv4 & int(net.netmask)) == int(net.network_address))
    colon = pc.fill_null(pc.match_substring(text, ":"), False).to_numpy(zero_copy_only=False)
    for position in np.flatnonzero(colon) if v6 else []:
        try:
            address = ipaddress.ip_address(clients.iloc[position])
        except ValueError:
            continue
        hits[position] = any(address in net for net in v6)
    return hits


def _codes(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """A log column factorised: codes per line and the distinct values."""
    if isinstance(values.dtype, pd.CategoricalDtype):  # stored dictionary-encoded: the codes are there
        codes, uniques = values.cat.codes.to_numpy(), values.cat.categories
    else:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes, pd.Series(uniques, dtype="str")


def _log_codes(inputs: Inputs, table: str, column: str) -> tuple[np.ndarray, pd.Series]:
    return inputs.shared(("codes", table, column), lambda: _codes(inputs.tables.get(table)[column]))


def visitor_filters(inputs: Inputs, table: str, filters: dict[str, Any]) -> dict[str, np.ndarray]:
    """Masks of log lines removed before counting visitors, by filter (for the data-quality account); `filters`
    names the bot words, static suffixes and internal networks.

    Each filter judges the distinct user agents, paths or clients (thousands), not the lines (millions).
    """
    bot_words = "|".join(re.escape(w) for w in filters["bot_words"])
    suffixes = "|".join(re.escape(s) for s in filters["static_suffixes"])

    def bots(agents: pd.Series) -> np.ndarray:
        hit = pc.match_substring_regex(pa.array(agents, type=pa.large_string()), bot_words, ignore_case=True)
        return pc.fill_null(hit, False).to_numpy(zero_copy_only=False)

    def static(paths: pd.Series) -> np.ndarray:
        bare = pc.replace_substring_regex(pc.utf8_lower(pa.array(paths, type=pa.large_string())), r"[?#].*$", "")
        return pc.fill_null(pc.match_substring_regex(bare, f"({suffixes})$"), False).to_numpy(zero_copy_only=False)

    masks = {}
    for name, column, judge in (("bot", "user_agent", bots), ("static", "path", static),
                                ("internal", "client", lambda c: _internal(c, filters["internal_networks"]))):
        codes, uniques = _log_codes(inputs, table, column)
        verdict = np.append(np.asarray(judge(uniques), dtype=bool), False)  # code −1 (missing) → kept
        masks[name] = verdict[codes]
    status = inputs.tables.get(table)["status"]
    masks["status"] = ~(status.between(200, 299) | (status == 304)).fillna(False).to_numpy(dtype=bool)
    return masks


def _count_by_year(days: np.ndarray) -> pd.Series:
    """How many of the given day numbers (days since 1970-01-01) fall in each calendar year."""
    if not len(days):
        return pd.Series(dtype="int64")
    first, last = (int(np.datetime64(int(d), "D").astype("datetime64[Y]").astype(int)) + 1970
                   for d in (days.min(), days.max()))
    starts = np.array([np.datetime64(f"{y}-01-01", "D").astype(np.int64) for y in range(first, last + 2)])
    counts = np.bincount(np.searchsorted(starts, days, side="right") - 1, minlength=len(starts) - 1)
    return pd.Series(counts[: len(starts) - 1], index=range(first, last + 1))


def _visitor_lines(inputs: Inputs, table: str, filters: dict[str, Any]) -> np.ndarray:
    """Mask of the log lines that count as visits (no filter removed them)."""
    return inputs.shared(("visitor_lines", table), lambda: ~np.logical_or.reduce(
        list(visitor_filters(inputs, table, filters).values())))


def visitor_days(inputs: Inputs, table: str, filters: dict[str, Any]) -> np.ndarray:
    """One day number (days since 1970) per distinct (day, client, user agent) left after the filters."""
    return inputs.shared(("visitor_days", table), lambda: _visitor_days(inputs, table, filters))


def _visitor_days(inputs: Inputs, table: str, filters: dict[str, Any]) -> np.ndarray:
    logs = inputs.tables.get(table)
    kept = _visitor_lines(inputs, table, filters)
    visits = pd.DataFrame({"day": logs["date"].to_numpy()[kept].astype("datetime64[D]").astype(np.int64),
                           "client": _log_codes(inputs, table, "client")[0][kept],
                           "agent": _log_codes(inputs, table, "user_agent")[0][kept]})
    return visits.drop_duplicates()["day"].to_numpy()


def web_visitors(inputs: Inputs, table: str, filters: dict[str, Any]) -> Computed:
    """Σ over days of Y of distinct (client, user agent) after the `filters` (bot words, static suffixes,
    internal networks); a city-level indicator."""
    logs = inputs.tables.get(table)
    per_year = _count_by_year(visitor_days(inputs, table, filters))
    covered = _years_present(logs, "date")
    kept = _visitor_lines(inputs, table, filters)
    lines = _count_by_year(logs["date"].to_numpy()[kept].astype("datetime64[D]").astype(np.int64))
    city = inputs.areas.city_code
    rows = [{"area_code": area, "year": y,
             "value": float(per_year.get(y, 0)) if area == city and y in covered else np.nan,
             "rows": int(lines.get(y, 0)) if area == city else 0}
            for area in inputs.areas.codes for y in inputs.years]
    return Computed(pd.DataFrame(rows))


def weighted_mean(inputs: Inputs, table: str, year: str, value: str, weight: str) -> Computed:
    """(Weighted) mean of `value` over the rows of year Y; weight 1 where none is given."""
    frame = inputs.tables.get(table)
    w = frame[weight].fillna(1.0).astype("float64")
    covered = _years_present(frame, year)
    num = additive(inputs.areas, frame, frame[year], frame[value] * w, inputs.years, covered)
    num = num.set_index(["area_code", "year"])
    den = additive(inputs.areas, frame, frame[year], w, inputs.years, covered).set_index(["area_code", "year"])
    mean = num["value"] / den["value"].where(den["value"] > 0)
    return Computed(pd.DataFrame({"value": mean, "rows": num["rows"]}).reset_index())


COMPUTATIONS: dict[str, Callable[..., Computed]] = {
    "count_in_year": count_in_year,
    "sum_in_year": sum_in_year,
    "active_at_year_end": active_at_year_end,
    "per_capita": per_capita,
    "cagr": cagr,
    "settle_rate": settle_rate,
    "web_visitors": web_visitors,
    "weighted_mean": weighted_mean,
}
