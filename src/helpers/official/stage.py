"""The `official` stage: official figures beside the computed values (data-contract.md §official_stats).

* `figures`: one row per indicator (or directional measure), area and year that official figures give, with its
  status — `ok`, or why it is not used: two different values (`conflict`), one figure written both as a ratio and
  as a percent (`percent_two_ways`), or a percent measure written only as a ratio (`percent_as_ratio`).
* `crosscheck`: where the tool computes the same measure for the same area and year, both values, the relative
  gap |computed − official| ÷ |official| against the tolerance, and the value the evaluation uses (conf `prefer`;
  the other one where the preferred one is missing).
* `benchmark`: per measure and year with figures of other areas, the city's value (the one its evaluation uses), its
  rank among the peers (equal values share a rank), whether that is 靠前, and its gap to the province and the nation.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from helpers.areas import Areas
from helpers.indicators import Plan, Tables
from helpers.indicators.catalog import rounded
from helpers.official.catalog import OfficialStats
from helpers.tasks.goals import MEASURES

FIGURE_COLUMNS = ["measure", "name", "unit", "region_code", "region_name", "year", "value", "document", "note",
                  "status", "values"]
CROSSCHECK_COLUMNS = ["measure", "name", "unit", "area_code", "year", "computed", "official", "document", "gap",
                      "tolerance", "beyond", "prefer", "used"]
BENCHMARK_COLUMNS = ["measure", "name", "unit", "intensive", "year", "value", "basis", "rank", "ranked", "tied",
                     "counted", "leading_rank", "leading", "province", "province_document", "nation",
                     "nation_document", "gap_province", "share_province", "gap_nation", "share_nation"]
INTENSIVE = {"per_capita", "settle_rate", "weighted_mean", "cagr"}  # rates: compared by difference, not by share


def official_stage(tables: Tables, values: pd.DataFrame, plan: Plan, areas: Areas,
                   official: OfficialStats) -> dict[str, pd.DataFrame]:
    """The three datasets of the stage (conf catalog.yaml)."""
    found = figures(tables.get("official_stats") if tables.has("official_stats") else None, official)
    computed = computed_values(tables, values, plan, areas, official)
    checked = crosscheck(found, computed, official)
    used = values_used(values, checked)
    return {"official": found, "crosscheck": checked,
            "benchmark": benchmark(found, used, computed, plan, areas, official)}


def figures(clean: pd.DataFrame | None, official: OfficialStats) -> pd.DataFrame:
    """One row per measure × area × year of the clean official figures, with its status (see the module)."""
    if clean is None or clean.empty:
        return pd.DataFrame(columns=FIGURE_COLUMNS)
    rows = []
    for (measure, region, year), group in clean.groupby(["measure", "region_code", "year"], sort=True):
        spec = official.measures[measure]
        ratios, percents = group[group["ratio_form"].astype(bool)], group[~group["ratio_form"].astype(bool)]
        distinct = group["value"].unique()
        status = "ok"
        if len(ratios) and any(math.isclose(r * 100, p, rel_tol=1e-9) for r in ratios["value"]
                               for p in percents["value"]):
            status = "percent_two_ways"
        elif len(ratios):
            status = "percent_as_ratio"
        elif len(distinct) > 1:
            status = "conflict"
        first = group.iloc[0]
        listed = "；".join(f"{_plain(v)}（{d}）" for v, d in zip(group["value"], group["document"], strict=True))
        rows.append({"measure": measure, "name": spec.name, "unit": spec.unit, "region_code": region,
                     "region_name": official.regions.get(region, region), "year": int(year),
                     "value": float(first["value"]) if status == "ok" else np.nan,
                     "document": first["document"] if status == "ok" else "；".join(group["document"].unique()),
                     "note": first["note"] if status == "ok" else None, "status": status,
                     "values": listed if status != "ok" else None})
    order = {key: n for n, key in enumerate(official.measures)}
    frame = pd.DataFrame(rows, columns=FIGURE_COLUMNS)
    return frame.sort_values(["measure", "year", "region_code"], key=lambda c: c.map(order) if c.name == "measure"
                             else c, ignore_index=True)


def _plain(value: float) -> str:
    return f"{value:g}"


def computed_values(tables: Tables, values: pd.DataFrame, plan: Plan, areas: Areas,
                    official: OfficialStats) -> pd.DataFrame:
    """What the tool computes of every measure: the plan's indicators per area and year, and the directional
    measures for the city (helpers.tasks.goals), as measure, area_code, year, value."""
    frames = [values.rename(columns={"indicator": "measure"})[["measure", "area_code", "year", "value"]]]
    for key, measure in official.measures.items():
        if measure.indicator or key not in MEASURES or not tables.has(MEASURES[key][1]):
            continue
        series = MEASURES[key][0](tables, plan.years)
        frames.append(pd.DataFrame({"measure": key, "area_code": areas.city_code, "year": series.index.astype(int),
                                    "value": series.to_numpy(dtype=float)}))
    return pd.concat(frames, ignore_index=True)


def crosscheck(found: pd.DataFrame, computed: pd.DataFrame, official: OfficialStats) -> pd.DataFrame:
    """Each usable official figure of a measure the tool computes for that area and year, beside the computed
    value; the relative gap, whether it exceeds the tolerance, and the value the evaluation uses."""
    usable = found[found["status"] == "ok"]
    merged = usable.merge(computed.rename(columns={"area_code": "region_code", "value": "computed"}),
                          on=["measure", "region_code", "year"], how="inner")
    if merged.empty:
        return pd.DataFrame(columns=CROSSCHECK_COLUMNS)
    merged = merged.rename(columns={"region_code": "area_code", "value": "official"})
    gap = (merged["computed"] - merged["official"]).abs() / merged["official"].abs()
    both_zero = (merged["computed"] == 0) & (merged["official"] == 0)
    merged["gap"] = gap.mask(both_zero, 0.0).replace([np.inf], np.nan)
    merged["tolerance"] = official.tolerance
    nonzero_against_zero = (merged["official"] == 0) & (merged["computed"] != 0) & merged["computed"].notna()
    merged["beyond"] = ((merged["gap"] > official.tolerance) | nonzero_against_zero).astype(bool)
    merged["prefer"] = merged["measure"].map(official.preferred)
    use_official = ((merged["prefer"] == "official") | merged["computed"].isna()) & merged["official"].notna()
    merged["used"] = np.where(use_official, "official", "computed")
    return merged[CROSSCHECK_COLUMNS].reset_index(drop=True)


def values_used(values: pd.DataFrame, checked: pd.DataFrame) -> pd.DataFrame:
    """The indicator values the evaluation uses: the computed ones, except where the cross-check says the official
    figure is used; `value_source` says which (computed | official)."""
    used = checked[checked["used"] == "official"].rename(columns={"measure": "indicator"})
    out = values.merge(used[["indicator", "area_code", "year", "official"]], on=["indicator", "area_code", "year"],
                       how="left")
    taken = out["official"].notna()
    out["value"] = out["value"].where(~taken, out["official"])
    out["value_source"] = np.where(taken, "official", "computed")
    return out.drop(columns="official")


def benchmark(found: pd.DataFrame, used: pd.DataFrame, computed: pd.DataFrame, plan: Plan, areas: Areas,
              official: OfficialStats) -> pd.DataFrame:
    """Per measure and year with figures of other areas: the city's value — the one its evaluation uses (an
    indicator's `used` value, a directional measure's computed one; its own official figure only where neither
    exists), so that a report never grades on one value and ranks on another —, its rank among the peers with a
    figure (1 = highest; values compared as the report prints them, to the measure's decimals; equal ones share a
    rank), whether that is 靠前 (conf `leading`), and its gap to the province and nation."""
    city = areas.city_code
    if city not in official.peers:
        return pd.DataFrame(columns=BENCHMARK_COLUMNS)
    usable = found[found["status"] == "ok"]
    others = usable[usable["region_code"] != city]
    own = usable[usable["region_code"] == city].set_index(["measure", "year"])["value"]
    ids = [i.id for i in plan.indicators]
    evaluated = pd.concat([used.rename(columns={"indicator": "measure"}),
                           computed[~computed["measure"].isin(ids)].assign(value_source="computed")])
    evaluated = evaluated[(evaluated["area_code"] == city) & evaluated["value"].notna()]
    evaluated = evaluated.set_index(["measure", "year"])[["value", "value_source"]]
    computes = {i.id: i.compute for i in plan.indicators}
    decimals = {i.id: i.decimals for i in plan.indicators}
    rows = []
    for (measure, year), group in others.groupby(["measure", "year"], sort=False):
        spec = official.measures[measure]
        by_region = group.set_index("region_code")
        value, basis = (evaluated.loc[(measure, year)].tolist() if (measure, year) in evaluated.index
                        else (own.get((measure, year), np.nan), "official"))
        peers = by_region["value"].reindex([c for c in official.peers if c != city]).dropna()
        rank = ranked = np.nan
        tied = False
        if not math.isnan(value):
            places = decimals.get(measure, 0)
            shown, peers_shown = _shown(value, places), peers.map(lambda v, p=places: _shown(v, p))
            ranked = len(peers) + 1
            rank = int((peers_shown > shown).sum()) + 1
            tied = bool((peers_shown == shown).any())
        top = official.leading_rank(int(ranked)) if not math.isnan(ranked) else np.nan
        counted = bool(len(peers) and not math.isnan(ranked) and ranked >= official.leading.get("min_ranked", 0))
        row = {"measure": measure, "name": spec.name, "unit": spec.unit, "year": int(year), "value": value,
               "intensive": spec.percent or computes.get(measure) in INTENSIVE, "basis": basis, "rank": rank,
               "ranked": ranked, "tied": tied, "counted": counted, "leading_rank": top,
               "leading": bool(counted and rank <= top)}
        for part, code in (("province", official.province_code), ("nation", official.nation_code)):
            reference = by_region["value"].get(code, np.nan)
            row[part], row[f"{part}_document"] = reference, by_region["document"].get(code)
            row[f"gap_{part}"] = value - reference
            row[f"share_{part}"] = value / reference if reference else np.nan
        rows.append(row)
    return pd.DataFrame(rows, columns=BENCHMARK_COLUMNS)


def _shown(value: float, places: int) -> float:
    """A value as the report prints it (rounded half up to `places`): what a rank compares."""
    return float(rounded(value, places))
