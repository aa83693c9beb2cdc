"""Mapping addresses, county cells, area codes and court case numbers to the plan's areas.

Rules (data-contract.md, "Areas"; the words themselves live in conf areas.yaml, compiled in helpers.areas):
a county cell or 6-digit code first; else the county named earliest in the address, full or short,
where a short name followed by a street suffix is a street; zones (高新区, 江东新区) by the zone table; an
address in the city with no county is the city only; an address or a court code of another city of the province
is OTHER_CITY; anything else is out of scope.
"""

from __future__ import annotations

import re

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.areas import Areas
from helpers.cleaning.parsing import on_distinct

OUT_OF_SCOPE = "out_of_scope"
OTHER_CITY = "other_city"  # names another city of the province: out of scope with this reason, never the plan's city


def names_other_city(text: str, areas: Areas) -> bool:
    """Whether a text (an address, an authority, a title) names another city of the province: its full name (梅州市)
    before any word of the plan's own places, or its short name (梅州, not 中山路) where the text names none of
    them (`中山大学河源研究院` is the plan's: 中山 alone is too common a word to outweigh 河源)."""
    own = areas.own_words.search(text)
    full = areas.other_names.search(text)
    if full and (own is None or full.start() < own.start()):
        return True
    return own is None and areas.other_shorts.search(text) is not None


def _area_of_body(body: str, areas: Areas) -> str:
    """An address with postcode and province already stripped → county, city, OTHER_CITY or OUT_OF_SCOPE."""
    if names_other_city(body, areas):
        return OTHER_CITY
    match = areas.matcher.search(body)
    if match:
        return areas.word_to_code[match.group(0)]
    if any(word in body for word in areas.city_words):
        return areas.city_code
    return OUT_OF_SCOPE


def address_to_area(text: str, areas: Areas) -> str:
    """One address → county code, the city code (in the city, no county), OTHER_CITY or OUT_OF_SCOPE."""
    return _area_of_body(areas.strip.sub("", text, count=1), areas)


def _addresses_to_area(uniques: pd.Series, areas: Areas) -> pd.Series:
    """Distinct addresses, in Arrow: prefixes stripped, then the earliest place word found.

    Arrow's regular expressions have no look-ahead, so the word is found without the street guard; where it
    is a short county name followed by a street suffix (`紫金路`), or where a word of another city comes before any of
    the plan's, that address is matched again by `_area_of_body`, which applies the guard and looks further on."""
    bodies = pc.replace_substring_regex(pa.array(uniques, type=pa.large_string()), areas.strip.pattern, "",
                                        max_replacements=1)
    found = pc.extract_regex(bodies, areas.arrow_word)
    word, after = pc.struct_field(found, "word"), pc.struct_field(found, "after")
    code = pc.take(pa.array(list(areas.word_to_code.values())),
                   pc.index_in(word, value_set=pa.array(list(areas.word_to_code))))
    in_city = pc.match_substring_regex(bodies, "|".join(map(re.escape, areas.city_words)))
    code = pc.coalesce(code, pc.if_else(in_city, areas.city_code, OUT_OF_SCOPE))
    street = pc.and_(pc.is_in(word, value_set=pa.array(areas.short_words)),
                     pc.match_substring_regex(after, areas.arrow_street))
    first = pc.struct_field(pc.extract_regex(bodies, areas.arrow_first), "first")  # another city's, before the plan's?
    other = pc.is_in(first, value_set=pa.array(areas.other_words, type=pa.large_string()))
    again = pc.or_(pc.fill_null(street, False), pc.fill_null(other, False))
    out = code.to_numpy(zero_copy_only=False)
    for i in pc.indices_nonzero(pc.fill_null(again, False)).to_numpy():
        out[i] = _area_of_body(bodies[i].as_py(), areas)
    return pd.Series(out, index=uniques.index, dtype="str")


def county_to_area(text: str, areas: Areas) -> str:
    """A county cell or code (`紫金`, `紫金县`, `441621`, `河源市`, `市本级`) → code, OTHER_CITY (`梅州市梅江区`) or
    OUT_OF_SCOPE. A county's name has no spaces: a yearbook's padding (`源 城 区`, `全　　市`) is dropped first."""
    text = re.sub(r"\s+", "", text)
    digits = re.sub(r"\D", "", text)
    if len(digits) >= 6 and digits[:6] in areas.names:
        return digits[:6]
    if len(digits) >= 6:
        return OUT_OF_SCOPE
    code = address_to_area(text, areas)
    if code == OUT_OF_SCOPE and text.strip() in areas.city_level_words:
        return areas.city_code
    return code


def court_case_to_area(text: str, areas: Areas) -> str | None:
    """Area of a case by its court code: 粤16 (areas.yaml `courts.city`) → city, 粤1602…粤1625 → county, another
    city's code (粤14, 粤1402) → OTHER_CITY. A court above the city's (粤民终 / 粤知民终 of the provincial court,
    最高法知民终 of the Supreme People's Court IP tribunal) places a case nowhere (None): it hears the appeals of
    every city, and the ledger's row stays at the city unless its 原审案号 names another city's court (derive
    .assign_area), so that 二审 rows link back by 原审案号."""
    match = areas.court.search(text)
    if not match:
        return OUT_OF_SCOPE
    court, code = match.groups()
    if court in areas.top_courts or code == "":
        return None
    if code == areas.court_code:
        return areas.city_code
    county = areas.city_code[:4] + code[2:]
    if len(code) == 4 and code[:2] == areas.court_code and county in areas.names:
        return county
    return OTHER_CITY if code[:2] in areas.other_courts else OUT_OF_SCOPE


def map_series(values: pd.Series, how: str, areas: Areas) -> pd.Series:
    """Vectorised mapping of a text column: how is 'address', 'county', 'code' or 'court_case_no'."""
    if how == "address":
        return on_distinct(values, lambda uniques: _addresses_to_area(uniques, areas))
    function = {"county": county_to_area, "code": county_to_area, "court_case_no": court_case_to_area}[how]
    return on_distinct(values, lambda uniques: uniques.map(lambda text: function(text, areas)))
