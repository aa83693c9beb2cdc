"""Mapping addresses, county cells, area codes and court case numbers to the plan's areas.

Rules (data-contract.md, "Areas"; the words themselves live in conf/base/areas.yaml):
a county cell or 6-digit code first; else the county named earliest in the address, full or short,
where a short name followed by a street suffix is a street; 高新区 / 江东新区 by the zone table; an
address in 河源 with no county is the city only; anything else is out of scope.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers import config
from helpers.parsing import on_distinct

OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True)
class Areas:
    """The city, its counties and the compiled matching rules."""

    city_code: str
    names: dict[str, str]  # code -> name, city first
    matcher: re.Pattern[str]
    word_to_code: dict[str, str]
    city_words: tuple[str, ...]
    strip: re.Pattern[str]
    short_words: tuple[str, ...]  # short county names: a street when a street suffix follows
    arrow_word: str  # RE2 (no look-ahead): the earliest place word, longest first, and what follows it
    arrow_street: str  # RE2: text that starts with a street suffix

    @property
    def codes(self) -> list[str]:
        return list(self.names)

    @property
    def county_codes(self) -> list[str]:
        return [code for code in self.names if code != self.city_code]


@lru_cache(maxsize=1)
def load() -> Areas:
    cfg = config.load("areas")
    city = cfg["city"]
    words: dict[str, str] = {}
    for county in cfg["counties"]:
        words[county["name"]] = county["code"]
        words[county["short"]] = county["code"]
    for zone in cfg["zones"]:
        words[zone["pattern"]] = zone["code"]
    streets = "|".join(re.escape(s) for s in cfg["street_suffixes"])
    shorts = {c["short"] for c in cfg["counties"]}
    alternatives = []
    by_length = sorted(words, key=len, reverse=True)  # at one position the longest word wins
    for word in by_length:
        guard = f"(?!{streets})" if word in shorts else ""
        alternatives.append(re.escape(word) + guard)
    provinces = "|".join(re.escape(p) for p in cfg["province_prefixes"])
    return Areas(
        city_code=city["code"],
        names={city["code"]: city["name"], **{c["code"]: c["name"] for c in cfg["counties"]}},
        matcher=re.compile("|".join(alternatives)),
        word_to_code=words,
        city_words=tuple(city["aliases"]),
        strip=re.compile(rf"^(?:\s*\d{{6}}\s*|\s*(?:{provinces})\s*)+"),
        short_words=tuple(sorted(shorts)),
        arrow_word=f"(?P<word>{'|'.join(map(re.escape, by_length))})"
                   f"(?P<after>.{{0,{max(map(len, cfg['street_suffixes']))}}})",
        arrow_street=f"^(?:{streets})",
    )


def _area_of_body(body: str, areas: Areas) -> str:
    """An address with postcode and province already stripped → county, city or OUT_OF_SCOPE."""
    match = areas.matcher.search(body)
    if match:
        return areas.word_to_code[match.group(0)]
    if any(word in body for word in areas.city_words):
        return areas.city_code
    return OUT_OF_SCOPE


def address_to_area(text: str) -> str:
    """One address → county code, the city code (in 河源, no county), or OUT_OF_SCOPE."""
    areas = load()
    return _area_of_body(areas.strip.sub("", text, count=1), areas)


def _addresses_to_area(uniques: pd.Series) -> pd.Series:
    """Distinct addresses, in Arrow: prefixes stripped, then the earliest place word found.

    Arrow's regular expressions have no look-ahead, so the word is found without the street guard; where it
    is a short county name followed by a street suffix (`紫金路`), that address is matched again by
    `_area_of_body`, which applies the guard and looks further on."""
    areas = load()
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
    out = code.to_numpy(zero_copy_only=False)
    for i in pc.indices_nonzero(pc.fill_null(street, False)).to_numpy():
        out[i] = _area_of_body(bodies[i].as_py(), areas)
    return pd.Series(out, index=uniques.index, dtype="str")


def county_to_area(text: str) -> str:
    """A county cell or code (`紫金`, `紫金县`, `441621`, `河源市`, `市本级`) → code, or OUT_OF_SCOPE."""
    areas = load()
    digits = re.sub(r"\D", "", text)
    if len(digits) >= 6 and digits[:6] in areas.names:
        return digits[:6]
    if len(digits) >= 6:
        return OUT_OF_SCOPE
    code = address_to_area(text)
    if code == OUT_OF_SCOPE and text.strip() in {"市本级", "市直", "市级", "全市", "全域"}:
        return areas.city_code
    return code


_COURT = re.compile(r"[(（]\d{4}[)）]\s*(最高法|粤)(\d{0,4})")


def court_case_to_area(text: str) -> str:
    """Area of a case by its court code: 粤16 → city, 粤1602…粤1625 → county. Appeal courts above Heyuan's
    (粤民终 / 粤知民终 of the provincial court, 最高法知民终 of the Supreme People's Court IP tribunal) hear
    Heyuan's appeals: their rows are kept, at the city, so that 二审 rows link back by 原审案号."""
    areas = load()
    match = _COURT.search(text)
    if not match:
        return OUT_OF_SCOPE
    court, code = match.groups()
    if court == "最高法" or code == "" or code == areas.city_code[2:4]:
        return areas.city_code
    full = areas.city_code[:2] + code
    return full if len(code) == 4 and full in areas.names else OUT_OF_SCOPE


def map_series(values: pd.Series, how: str) -> pd.Series:
    """Vectorised mapping of a text column: how is 'address', 'county' or 'court_case_no'."""
    if how == "address":
        return on_distinct(values, _addresses_to_area)
    function = {"county": county_to_area, "code": county_to_area, "court_case_no": court_case_to_area}[how]
    return on_distinct(values, lambda uniques: uniques.map(function))
