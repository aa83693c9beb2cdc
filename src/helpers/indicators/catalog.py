"""The plan as typed objects: its years, indicator catalog, flagship targets, evaluation rules and wording.

Built from the plan's configuration files (indicators.yaml, evaluation.yaml, plan_wording.yaml and the
IPC concordance) by `Plan.from_conf`; another plan is another set of these files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

KINDS = {"level", "stock", "flow", "growth", "floor"}
COUNTY_MODES = {"rate", "count", "city_only"}
MODES = ("annual", "midterm", "final")  # 年度监测, 中期评估, 终期评估


def rounded(value: float, decimals: int = 2) -> Decimal:
    """`value` rounded half up (四舍五入) at `decimals` places, as the plan's tables print it, from its shortest
    decimal form (so that 6.25 is 6.3, where binary rounding would print 6.2)."""
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


class CatalogError(ValueError):
    """The plan's catalog is malformed (a message naming the item)."""


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
    """The plan's years, indicators, flagship targets, evaluation rules and wording."""

    title: str
    short_title: str
    base_year: int
    target_year: int
    first_year: int
    indicators: tuple[Indicator, ...]
    flagship: tuple[Flagship, ...]
    settings: dict[str, Any] = field(default_factory=dict)  # what computations share (high_value, web_visitors …)
    thresholds: dict[str, float] = field(default_factory=dict)  # status bands of the ratio r
    statuses: dict[str, dict[str, str]] = field(default_factory=dict)  # status → colour and symbol, in order
    county_targets: dict[str, dict[str, float]] = field(default_factory=dict)
    wording: dict[str, dict[str, Any]] = field(default_factory=dict)  # language → the plan's own texts
    concordance: dict[str, str] = field(default_factory=dict)  # IPC prefix → strategic emerging industry
    domains: tuple[dict[str, Any], ...] = ()  # the report's 分领域 subsections: category and charts, in order
    modes: dict[int, str] = field(default_factory=dict)  # evaluation year → report mode (evaluation.yaml `modes`)

    def indicator(self, indicator_id: str) -> Indicator:
        for indicator in self.indicators:
            if indicator.id == indicator_id:
                return indicator
        raise CatalogError(f"规划中没有指标 {indicator_id}")

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.target_year + 1))

    @property
    def evaluation_years(self) -> list[int]:
        """The years a report can evaluate: after the base year, up to the target year."""
        return list(range(self.base_year + 1, self.target_year + 1))

    def mode_of(self, year: int) -> str:
        """The report mode of an evaluation year: as configured, else final in the target year and annual
        monitoring before it."""
        return self.modes.get(int(year), "final" if int(year) >= self.target_year else "annual")

    @property
    def high_value_indicator(self) -> Indicator | None:
        """The per-capita high-value patent indicator, when the plan has one (its criteria are broken down)."""
        return next((i for i in self.indicators if i.compute == "per_capita" and i.params.get("high_value")), None)

    def words(self, lang: str) -> dict[str, Any]:
        return self.wording.get(lang, {})

    @classmethod
    def from_conf(cls, catalog: dict[str, Any], evaluation: dict[str, Any], wording: dict[str, Any],
                  ipc_sei: dict[str, Any]) -> Plan:
        """Read and check the catalog; a malformed catalog fails with the indicator it concerns."""
        indicators = []
        for item in catalog["indicators"]:
            entry = dict(item)
            if entry["kind"] not in KINDS or entry["county"] not in COUNTY_MODES:
                raise CatalogError(f"indicators.yaml: {entry['id']} has kind {entry['kind']!r} / county "
                                   f"{entry['county']!r}")
            entry["sources"] = tuple(entry["sources"])
            entry["optional_sources"] = tuple(entry.get("optional_sources", ()))
            indicators.append(Indicator(**entry))
        flagship = [Flagship(**{**f, "sources": tuple(f["sources"])}) for f in catalog.get("flagship") or []]
        plan = catalog["plan"]
        settings = {k: v for k, v in catalog.items() if k not in {"plan", "indicators", "flagship", "domains"}}
        concordance = {key.replace(" ", "").upper(): value for key, value in (ipc_sei.get("categories") or {}).items()}
        modes = {int(year): mode for year, mode in (evaluation.get("modes") or {}).items()}
        if unknown := {m for m in modes.values() if m not in MODES}:
            raise CatalogError(f"evaluation.yaml: modes 中的 {sorted(unknown)} 不是 {'、'.join(MODES)} 之一")
        return cls(plan["title"], plan["short_title"], plan["base_year"], plan["target_year"], plan["first_year"],
                   tuple(indicators), tuple(flagship), settings, dict(evaluation["thresholds"]),
                   dict(evaluation["statuses"]), dict(evaluation.get("county_targets") or {}), wording, concordance,
                   tuple(catalog.get("domains") or ()), modes)
