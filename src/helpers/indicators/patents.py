"""Patent stock at year end and the five high-value criteria (plan note 1; evaluation-method.md).

A patent counts in year Y's stock when it is an invention patent granted on or before 31 Dec Y and not
lapsed on or before that day; a lapsed patent whose lapse date is unknown is left out of every year.
High value = at least one of: strategic emerging industry (SEI class, or IPC through the concordance),
an overseas simple-family member, maintained more than N years, a high pledge amount per patent
(from the pledge's year on), a China Patent Award or national S&T award (in a year ≤ Y).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.indicators.catalog import CatalogError, Plan
from helpers.indicators.tables import Tables


def ipc_to_sei(ipc: pd.Series, concordance: dict[str, str]) -> pd.Series:
    """SEI category of each IPC main class by the longest matching concordance prefix (else missing)."""
    keys = sorted(concordance, key=len, reverse=True)

    def one(code: str) -> str | None:
        code = code.replace(" ", "").upper()
        return next((concordance[k] for k in keys if code.startswith(k)), None)

    codes, uniques = pd.factorize(ipc)
    mapped = pd.Series([one(u) for u in uniques], dtype="str")
    return pd.Series(pd.api.extensions.take(mapped.array, codes, allow_fill=True), index=ipc.index)


def inventions(tables: Tables, plan: Plan) -> pd.DataFrame:
    """The invention patents that can ever be valid, with their static high-value flags."""
    patents = tables.get("patents")
    kind = plan.settings["invention_type"]
    inv = patents[(patents["patent_type"] == kind) & patents["grant_date"].notna() & ~patents["lapse_unknown"]]
    inv = inv[["application_no", "application_date", "grant_date", "lapse_date", "area_code"]].assign(
        sei=(inv["sei_class"].notna() | ipc_to_sei(inv["ipc_main"].astype("str"), plan.concordance).notna()).to_numpy(),
        overseas_family=inv["overseas_family"].fillna(False).astype(bool).to_numpy(),
    )
    return inv.reset_index(drop=True)


def _pledge_years(tables: Tables, plan: Plan) -> pd.Series:
    """Per application number, the first year in which one of its pledges reached the per-patent threshold."""
    pledges = tables.get("pledges")
    if pledges is None:
        return pd.Series(dtype="float64")
    threshold = high_value_rules(plan)["pledge_threshold_wan"]
    patents = pledges[pledges["patent_no"].notna()]
    per_reg = patents.groupby("reg_no").agg(
        amount=("amount_wan", "max"), patents=("patent_no", "nunique"), year=("effective_date", "min")
    )
    per_reg = per_reg[per_reg["amount"] / per_reg["patents"] >= threshold]
    linked = patents[patents["reg_no"].isin(per_reg.index)]
    years = linked["reg_no"].map(per_reg["year"].dt.year)
    return years.groupby(linked["patent_no"]).min()


def _award_years(tables: Tables, plan: Plan) -> pd.Series:
    """Per patent number, the first year of an award that counts (中国专利奖 any grade, national S&T)."""
    awards = tables.get("patent_awards")
    if awards is None:
        return pd.Series(dtype="float64")
    words = "|".join(high_value_rules(plan)["award_words"])
    counted = awards[awards["award"].str.contains(words, regex=True, na=False)]
    return counted.groupby("patent_no")["year"].min().astype("float64")


def high_value_rules(plan: Plan) -> dict:
    """The plan's definition of a high-value patent (indicators.yaml `high_value`)."""
    if "high_value" not in plan.settings:
        raise CatalogError("规划目录中有高价值专利指标，但没有高价值专利的认定条件（high_value）")
    return plan.settings["high_value"]


def stock_by_year(tables: Tables, plan: Plan, years: list[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Valid and high-value invention stock per (area_code, year) and the per-criterion counts.

    Returns (per patent-area-year counts with columns area_code, year, valid, high_value) and
    (criteria counts with columns area_code, year, criterion, count, only — `only`: the patents meeting this
    criterion and no other, so that a change can be told apart by what caused it); rows of the city's code there are
    the patents mapped to the city only — the caller adds the city totals. A plan that defines no high-value
    patent (no `high_value` settings) has no high-value stock and no criteria.
    """
    inv = inventions(tables, plan)
    hv = plan.settings.get("high_value")
    if hv is not None:
        pledge_year = inv["application_no"].map(_pledge_years(tables, plan)).to_numpy(dtype="float64")
        award_year = inv["application_no"].map(_award_years(tables, plan)).to_numpy(dtype="float64")
    grant, lapse, applied = inv["grant_date"], inv["lapse_date"], inv["application_date"]
    counts, criteria = [], []
    for year in years:
        end = pd.Timestamp(year=year, month=12, day=31)
        valid = ((grant <= end) & (lapse.isna() | (lapse > end))).to_numpy()
        flags = {} if hv is None else {
            "sei": inv["sei"].to_numpy(),
            "overseas_family": inv["overseas_family"].to_numpy(),
            "maintained": (applied < end - pd.DateOffset(years=hv["maintained_years"])).to_numpy(),
            "pledge": np.nan_to_num(pledge_year, nan=np.inf) <= year,
            "award": np.nan_to_num(award_year, nan=np.inf) <= year,
        }
        met = np.sum(list(flags.values()), axis=0) if flags else np.zeros(len(inv), dtype=int)
        high = valid & (met > 0)
        frame = pd.DataFrame({"area_code": inv["area_code"], "valid": valid, "high_value": high})
        per_area = frame.groupby("area_code", observed=True)[["valid", "high_value"]].sum()
        counts.append(per_area.assign(year=year).reset_index())
        for name, flag in flags.items():
            hits = pd.DataFrame({"count": valid & flag, "only": valid & flag & (met == 1)}).groupby(
                inv["area_code"]).sum()
            criteria.append(pd.DataFrame({"area_code": hits.index, "year": year, "criterion": name,
                                          "count": hits["count"].to_numpy(), "only": hits["only"].to_numpy()}))
    empty = pd.DataFrame(columns=["area_code", "year", "criterion", "count", "only"])
    return pd.concat(counts, ignore_index=True), pd.concat(criteria, ignore_index=True) if criteria else empty
