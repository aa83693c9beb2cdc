"""The indicator catalog (conf/base/indicators.yaml) as typed objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from helpers import config

KINDS = {"level", "stock", "flow", "growth", "floor"}
COUNTY_MODES = {"rate", "count", "city_only"}


@dataclass(frozen=True)
class Indicator:
    """One indicator of the plan's table."""

    id: str
    category: str
    name: str
    unit: str
    base: float | None
    target: float
    kind: str
    county: str
    decimals: int
    compute: str
    params: dict[str, Any]
    sources: tuple[str, ...]
    optional_sources: tuple[str, ...] = ()

    @property
    def required_sources(self) -> tuple[str, ...]:
        return tuple(s for s in self.sources if s not in self.optional_sources)


@dataclass(frozen=True)
class Flagship:
    """A flagship-project (专栏) target."""

    id: str
    column: int
    name: str
    unit: str
    target: float
    compute: str
    params: dict[str, Any]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    """The plan's years, indicators, flagship targets and the settings shared by computations."""

    title: str
    short_title: str
    base_year: int
    target_year: int
    first_year: int
    indicators: tuple[Indicator, ...]
    flagship: tuple[Flagship, ...]
    settings: dict[str, Any] = field(default_factory=dict)

    def indicator(self, indicator_id: str) -> Indicator:
        return next(i for i in self.indicators if i.id == indicator_id)

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.target_year + 1))


@cache
def load_plan() -> Plan:
    """Read and check the catalog; a malformed catalog fails with the indicator it concerns."""
    raw = config.load("indicators")
    indicators = []
    for item in raw["indicators"]:
        entry = dict(item)
        if entry["kind"] not in KINDS or entry["county"] not in COUNTY_MODES:
            raise ValueError(f"indicators.yaml: {entry['id']} has kind {entry['kind']!r} / county {entry['county']!r}")
        entry["sources"] = tuple(entry["sources"])
        entry["optional_sources"] = tuple(entry.get("optional_sources", ()))
        indicators.append(Indicator(**entry))
    flagship = [Flagship(**{**f, "sources": tuple(f["sources"])}) for f in raw.get("flagship", [])]
    plan = raw["plan"]
    settings = {k: v for k, v in raw.items() if k not in {"plan", "indicators", "flagship"}}
    return Plan(plan["title"], plan["short_title"], plan["base_year"], plan["target_year"], plan["first_year"],
                tuple(indicators), tuple(flagship), settings)
