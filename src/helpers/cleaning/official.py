"""Official statistics (data-contract.md §official_stats): each figure's measure (an indicator of the plan or a
directional measure) and area from the vocabulary of conf `official_stats.yaml`, its value as a number and whether
it was written with a percent sign. An unknown indicator or area rejects the row; another city's county is out of
scope (the benchmarking is city-level); a percent measure written as a ratio (≤ 1 without a percent sign) is kept
but flagged, and the official stage uses no figure so flagged (helpers.official)."""

from __future__ import annotations

import pandas as pd

from helpers.cleaning import parsing
from helpers.cleaning.rows import Rows
from helpers.official.catalog import OUTSIDE

_PERCENT = r"\s*%\s*$"


def official_stats(rows: Rows) -> None:
    d, vocabulary = rows.data, rows.official
    if vocabulary is None:  # a run without the vocabulary: every row names an unknown indicator
        rows.reject(pd.Series(True, index=d.index), "unknown_indicator", "indicator")
        return
    measure = parsing.on_distinct(rows.column("indicator"), lambda u: u.map(vocabulary.measure_of)).astype("str")
    rows.reject(measure.isna(), "unknown_indicator", "indicator")
    region = parsing.on_distinct(rows.column("region"), lambda u: u.map(vocabulary.region_of)).astype("str")
    rows.reject(region.isna(), "unknown_area", "region")
    if rows.period is not None:
        rows.reject((d["year"] < rows.period[0] - 1) | (d["year"] > rows.period[1]), "year_outside_plan", "year")
    text = rows.column("value_text")
    sign = text.str.contains(_PERCENT, regex=True).fillna(False).astype(bool)
    value, bad = parsing.parse_numbers(text.str.replace(_PERCENT, "", regex=True))
    rows.reject(bad, "bad_number", "value_text")
    percent = measure.map(lambda key: vocabulary.measures[key].percent, na_action="ignore").fillna(False).astype(bool)
    rows.reject(sign & ~percent, "percent_for_count", "value_text")
    ratio = percent & ~sign & (value.abs() <= 1)
    rows.warn(ratio & rows.ok, "percent_as_ratio")
    d["measure"], d["value"], d["percent_sign"], d["ratio_form"] = measure, value, sign, ratio
    d["region_code"] = region.mask(region == OUTSIDE, rows.column("region"))
    # the code the generic area step reads: the city for the province's areas, the written code for another
    # city's county (out of scope: the code names no area of the plan)
    d["scope_code"] = rows.areas.city_code
    d["scope_code"] = d["scope_code"].mask(region == OUTSIDE, rows.column("region").str.replace(r"\s+", "", regex=True))
