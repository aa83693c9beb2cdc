"""The plan's areas: the city and its counties (conf `areas.yaml`), with the words that name them, and the
province's other cities (conf `official_stats.yaml` `cities`: name and court code), whose rows are never the plan's.

The rules that map an address, a county cell, a code or a court case number to one of these areas are
cleaning's (helpers.cleaning.places); they are compiled here once, with the areas they map to.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from helpers.context import ConfError


@dataclass(frozen=True)
class Areas:
    """The city, its counties and the compiled matching rules."""

    city_code: str
    names: dict[str, str]  # code -> name, city first
    province: str  # the province's name (广东省), for wording
    matcher: re.Pattern[str]
    word_to_code: dict[str, str]
    city_words: tuple[str, ...]
    strip: re.Pattern[str]
    short_words: tuple[str, ...]  # short county names: a street when a street suffix follows
    arrow_word: str  # RE2 (no look-ahead): the earliest place word, longest first, and what follows it
    arrow_street: str  # RE2: text that starts with a street suffix
    court: re.Pattern[str]  # a case number's court: (year) then a top court or the province's court prefix
    top_courts: tuple[str, ...]  # courts above the province's (最高法): they place no case (its row: the city)
    city_level_words: tuple[str, ...]  # county cells that mean the city itself (市本级, 全市, …)
    court_code: str  # the city's intermediate court after the province's prefix (粤16 → "16")
    other_courts: dict[str, str]  # another city's court code → its area code (粤14 → 441400)
    other_names: re.Pattern[str]  # another city's full name (梅州市)
    other_shorts: re.Pattern[str]  # another city's short name (梅州), not followed by a street suffix (中山路)
    own_words: re.Pattern[str]  # a word of the plan's own places: a county, a zone or the city
    arrow_first: str  # RE2: the earliest word of another city (short name) or of the plan's own places (`first`)
    other_words: tuple[str, ...]  # the other cities' short names

    @property
    def codes(self) -> list[str]:
        return list(self.names)

    @property
    def county_codes(self) -> list[str]:
        return [code for code in self.names if code != self.city_code]

    @property
    def city_name(self) -> str:
        return self.names[self.city_code]

    @classmethod
    def from_conf(cls, cfg: dict[str, Any], province: Sequence[dict[str, Any]] = ()) -> Areas:
        """Build the areas and their matching rules from the contents of areas.yaml and the province's cities
        (`code`, `name`, `court`: official_stats.yaml `cities`; the plan's own city among them is not another)."""
        city = cfg["city"]
        words: dict[str, str] = {}
        for county in cfg["counties"]:
            words[county["name"]] = county["code"]
            words[county["short"]] = county["code"]
        for zone in cfg.get("zones") or []:
            words[zone["pattern"]] = zone["code"]
        streets = "|".join(re.escape(s) for s in cfg["street_suffixes"])
        shorts = {c["short"] for c in cfg["counties"]}
        by_length = sorted(words, key=len, reverse=True)  # at one position the longest word wins
        alternatives = [re.escape(word) + (f"(?!{streets})" if word in shorts else "") for word in by_length]
        provinces = "|".join(re.escape(p) for p in cfg["province_prefixes"])
        courts = cfg["courts"]
        court_words = "|".join(re.escape(c) for c in [*courts["above"], courts["province_prefix"]])
        others = [c for c in province if str(c["code"]) != city["code"]]
        own_court = courts.get("city") or next((c.get("court") for c in province if str(c["code"]) == city["code"]),
                                               None)
        if not own_court:
            raise ConfError(f"areas.yaml：courts.city 未给出{city['name']}中级人民法院的法院代字（如 粤16 的 16）")
        other_names = sorted((c["name"] for c in others), key=len, reverse=True)
        other_shorts = sorted((c["name"].removesuffix("市") for c in others), key=len, reverse=True)
        never = r"[^\s\S]"  # a pattern that matches nothing (a province list without other cities)
        return cls(
            city_code=city["code"],
            names={city["code"]: city["name"], **{c["code"]: c["name"] for c in cfg["counties"]}},
            province=cfg["province"],
            matcher=re.compile("|".join(alternatives)),
            word_to_code=words,
            city_words=tuple(city["aliases"]),
            strip=re.compile(rf"^(?:\s*\d{{6}}\s*|\s*(?:{provinces})\s*)+"),
            short_words=tuple(sorted(shorts)),
            arrow_word=f"(?P<word>{'|'.join(map(re.escape, by_length))})"
                       f"(?P<after>.{{0,{max(map(len, cfg['street_suffixes']))}}})",
            arrow_street=f"^(?:{streets})",
            court=re.compile(rf"[(（]\d{{4}}[)）]\s*({court_words})(\d{{0,4}})"),
            top_courts=tuple(courts["above"]),
            city_level_words=tuple(cfg["city_level_words"]),
            court_code=str(own_court),
            other_courts={str(c["court"]): str(c["code"]) for c in others if c.get("court")},
            other_names=re.compile("|".join(map(re.escape, other_names)) or never),
            other_shorts=re.compile("|".join(re.escape(w) + f"(?!{streets})" for w in other_shorts) or never),
            own_words=re.compile("|".join([*alternatives, *map(re.escape, city["aliases"])])),
            arrow_first="(?P<first>{})".format("|".join(
                map(re.escape, sorted([*other_shorts, *by_length, *city["aliases"]], key=len, reverse=True)))),
            other_words=tuple(other_shorts),
        )
