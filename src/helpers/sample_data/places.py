"""Plausible holder names and Heyuan addresses, vectorised; the address always maps to the row's true area."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.sample_data.context import CITY, Context


def _per_area(ctx: Context, areas: np.ndarray, choices: dict[str, list[str]]) -> pd.Series:
    """One draw per row from the list configured for the row's area."""
    out = pd.Series("", index=range(len(areas)), dtype=object)
    for area, options in sorted(choices.items()):
        mask = areas == area
        out[mask] = ctx.pick(options, int(mask.sum()))
    return out


def person_names(ctx: Context, n: int) -> pd.Series:
    places = ctx.cfg["places"]
    given = ctx.pick(places["given"], n) + pd.Series(ctx.pick(places["given"] + [""], n), dtype=object)
    return pd.Series(ctx.pick(places["surnames"], n), dtype=object) + given


def company_names(ctx: Context, n: int) -> pd.Series:
    places = ctx.cfg["places"]
    prefix = pd.Series(ctx.pick(["河源市", "广东", "河源", ""], n, p=[0.5, 0.2, 0.2, 0.1]), dtype=object)
    suffix = ctx.pick(["有限公司", "股份有限公司"], n, p=[0.85, 0.15])
    return prefix + ctx.pick(places["company_words"], n) + ctx.pick(places["industries"], n) + suffix


def holders(ctx: Context, n: int) -> pd.Series:
    """Holder names: companies, universities/institutes and individuals in the configured mix."""
    kinds = ctx.cfg["places"]["holder_kinds"]
    kind = ctx.pick(list(kinds), n, p=list(kinds.values()))
    names = company_names(ctx, n)
    names[kind == "university"] = ctx.pick(ctx.cfg["places"]["universities"], int((kind == "university").sum()))
    names[kind == "person"] = person_names(ctx, int((kind == "person").sum())).to_numpy()
    return names


def addresses(ctx: Context, areas: np.ndarray) -> pd.Series:
    """An address per row that maps to the row's area under the contract's rules, in a mix of spellings."""
    places, n = ctx.cfg["places"], len(areas)
    styles = ctx.cfg["address_styles"]
    style = ctx.pick(list(styles), n, p=list(styles.values()))
    county = pd.Series([ctx.area_names[a] for a in areas], dtype=object)
    short = pd.Series([ctx.short_names.get(a, "") for a in areas], dtype=object)
    town = _per_area(ctx, areas, places["towns"])
    tail = (
        pd.Series(ctx.pick(places["streets"], n), dtype=object)
        + ctx.rng.integers(1, 300, n).astype(str).astype(object)
        + "号"
    )
    postcode = pd.Series([places["postcodes"][a] for a in areas], dtype=object)
    spelled = {
        "full": "广东省河源市" + county + town + tail,
        "no_province": "河源市" + county + town + tail,
        "postcode": postcode + " 广东省河源市" + county + town + tail,
        "guangdong_short": "广东河源" + county + town + tail,
        "short_county": short + town + tail,
        "zone": _per_area(ctx, areas, places["zones"]) + tail,
    }
    out = spelled["full"].copy()
    for name, text in spelled.items():
        out[style == name] = text[style == name]
    out[(style == "zone") & ~np.isin(areas, list(places["zones"]))] = spelled["full"]
    city = areas == CITY
    city_street = pd.Series(ctx.pick(places["county_streets"], n), dtype=object)
    on_county_street = ctx.rng.random(n) < ctx.cfg["city_street_share"]
    city_tail = tail.where(
        ~on_county_street, city_street + ctx.rng.integers(1, 300, n).astype(str).astype(object) + "号"
    )
    out[city] = (pd.Series(ctx.pick(["河源市", "广东省河源市"], n), dtype=object) + city_tail)[city]
    return out


def with_postcode(address: pd.Series, areas: np.ndarray, ctx: Context) -> pd.Series:
    """CNIPA style: the postcode first (`517000 广东省河源市…`) unless the address has one already."""
    codes = pd.Series([ctx.cfg["places"]["postcodes"][a] for a in areas], index=address.index, dtype=object)
    has = address.fillna("").str.match(r"^\d{6}")
    return address.where(has, codes + " " + address)


def county_cells(ctx: Context, areas: np.ndarray) -> pd.Series:
    """A county column as offices fill it: full or short name; empty for city-only rows."""
    full = pd.Series([ctx.area_names[a] if a != CITY else "" for a in areas], dtype=object)
    short = pd.Series([ctx.short_names.get(a, "") for a in areas], dtype=object)
    return full.where(ctx.rng.random(len(areas)) < 0.7, short)
