"""What an official figure may name (conf `official_stats.yaml`): the areas outside the plan's city, the indicators
by id, name or alias and the directional measures; the cross-check and benchmarking rules; and the plan's peers (its
areas.yaml `peers`: the cities it ranks its city among, by name)."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from helpers.areas import Areas

OUTSIDE = "outside"  # a six-digit code of the province that names none of the known areas (another city's county)
_INVISIBLE = re.compile(r"[\s\u00ad\u200b\ufeff]+")
_BRACKETED = re.compile(r"\([^()]*\)$")  # a trailing unit in brackets: 每万人发明专利拥有量（件）


def normalised(text: str) -> str:
    """NFKC, no spaces or invisible characters, case folded: how names are compared."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", str(text))).casefold()


@dataclass(frozen=True)
class Measure:
    """An indicator of the plan or a directional measure of its goals, as official figures name it."""

    key: str  # the indicator id (I01…) or the measure's key (invention_grants…)
    name: str
    unit: str
    indicator: bool  # an indicator of the plan's table (else a directional measure)

    @property
    def percent(self) -> bool:
        return self.unit.strip() in {"%", "％"}


@dataclass(frozen=True)
class OfficialStats:
    """The vocabulary of official figures and the rules that use them."""

    measures: dict[str, Measure]  # key → measure, the plan's indicators first
    names: dict[str, str]  # normalised name, alias or id → measure key
    regions: dict[str, str]  # area code → name (the plan's areas, the province's cities, the province, the nation)
    region_words: dict[str, str]  # normalised name or alias → area code
    province_prefix: str
    province_code: str
    nation_code: str
    peers: dict[str, str]  # peer city code → its group (粤东, 粤西, 粤北), in the plan's order
    tolerance: float
    prefer: dict[str, str]  # indicator id → computed | official
    leading: dict[str, float]
    peer_name: str = ""  # what the plan calls its peers (粤东西北)
    peer_names: dict[str, str] = field(default_factory=dict)  # peer city code → its name as the plan writes it

    @classmethod
    def from_conf(cls, data: dict[str, Any], plan: Any, areas: Areas,  # noqa: ANN401 — a Plan
                  peers: dict[str, Any] | None = None) -> OfficialStats:
        """The vocabulary of official_stats.yaml for `plan` and its `areas`; `peers`: areas.yaml `peers` (a name and
        the peer cities by group, each a name or code of the vocabulary; none: no benchmarking)."""
        measures = {i.id: Measure(i.id, i.name, i.unit, True) for i in plan.indicators}
        names = {normalised(i.id): i.id for i in plan.indicators} | {normalised(i.name): i.id for i in plan.indicators}
        for key, aliases in (data.get("indicator_aliases") or {}).items():
            if key in measures:
                names |= {normalised(alias): key for alias in aliases}
        for key, spec in (data.get("measures") or {}).items():
            measures[key] = Measure(key, spec["name"], spec.get("unit", ""), False)
            names |= {normalised(word): key for word in [key, spec["name"], *spec.get("aliases", [])]}
        regions = {code: name for code, name in areas.names.items()}
        words = {normalised(name): code for code, name in areas.names.items()}
        for area in [data["nation"], data["province"], *data.get("cities", [])]:
            regions.setdefault(area["code"], area["name"])
            for word in [area["name"], *area.get("aliases", [])]:
                words.setdefault(normalised(word), area["code"])
        for word, code in list(words.items()):  # 汕头市 also as 汕头, 广东省 as 广东
            if len(word) > 2 and word[-1] in "市省":
                words.setdefault(word[:-1], code)
        peers = peers or {}
        written = {str(name): group for group, names in (peers.get("groups") or {}).items() for name in names}
        codes = {name: words.get(normalised(name), name if name in regions else None) for name in written}
        if unknown := [name for name, code in codes.items() if code is None]:
            raise ValueError(f"areas.yaml: peers 中的 {'、'.join(unknown)} 不是 official_stats.yaml 中的城市")
        prefer = {key: value for key, value in (data.get("prefer") or {}).items() if key in measures}
        if bad := {v for v in prefer.values() if v not in {"computed", "official"}}:
            raise ValueError(f"official_stats.yaml: prefer 的取值应为 computed 或 official，收到 {sorted(bad)}")
        return cls(measures, names, regions, words, str(data.get("province_prefix", "")), data["province"]["code"],
                   data["nation"]["code"], {codes[name]: group for name, group in written.items()},
                   float(data.get("tolerance", 0.02)), prefer, dict(data.get("leading") or {}),
                   str(peers.get("name") or ""), {codes[name]: name for name in written})

    def measure_of(self, text: str) -> str | None:
        """The measure a 指标 cell names (its id, name or an alias; a trailing unit in brackets ignored)."""
        key = normalised(text)
        return self.names.get(key) or self.names.get(_BRACKETED.sub("", key))

    def region_of(self, text: str) -> str | None:
        """The area code a 地区 cell names (a code or a name), OUTSIDE for another county of the province, else
        None."""
        key = normalised(text)
        digits = re.sub(r"\D", "", key)
        if len(digits) == 6 and digits == key:
            if digits in self.regions:
                return digits
            return OUTSIDE if self.province_prefix and digits.startswith(self.province_prefix) else None
        return self.region_words.get(key)

    def preferred(self, indicator: str) -> str:
        return self.prefer.get(indicator, "computed")

    def leading_rank(self, ranked: int) -> int:
        """The highest rank that is 靠前 among `ranked` peers with a figure (4 of 12: the top third)."""
        return math.ceil(ranked * self.leading.get("top_rank", 4) / max(len(self.peers), 1))
